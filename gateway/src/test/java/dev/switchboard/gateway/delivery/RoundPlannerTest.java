package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The scheduling rules of one round: order per conversation, isolation between conversations, expiry. */
class RoundPlannerTest {
    private static final long NOW = 1_000_000;
    private static final long HORIZON = 60_000;

    private static OutboxRow.Ref row(long id, String conversation) {
        return new OutboxRow.Ref(id, conversation, NOW - 10, NOW - 1000);
    }

    private static OutboxRow.Ref waiting(long id, String conversation, long dueIn) {
        return new OutboxRow.Ref(id, conversation, NOW + dueIn, NOW - 1000);
    }

    private static List<List<Long>> ids(RoundPlanner p) {
        return p.batches().stream().map(b -> b.stream().map(OutboxRow.Ref::id).toList()).toList();
    }

    private static RoundPlanner plan(List<OutboxRow.Ref> rows, Set<String> busy, Set<Long> inFlight, int slots, int maxBatch) {
        RoundPlanner p = new RoundPlanner(NOW, HORIZON, busy, inFlight, slots, maxBatch, true);
        p.consider(rows);
        return p;
    }

    @Test
    void aHeadWaitingForItsRetryHoldsBackOnlyItsOwnConversation() {
        RoundPlanner p = plan(List.of(waiting(1, "c1", 500), row(2, "c1"), row(3, "c2"), row(4, "c2"), row(5, "c3")),
                Set.of(), Set.of(), 4, 10);
        assertThat(ids(p)).containsExactly(List.of(3L, 4L, 5L));
        assertThat(p.wakeAt()).isEqualTo(NOW + 500);
    }

    @Test
    void aConversationWithAPostInFlightWaitsForIt() {
        RoundPlanner p = plan(List.of(row(1, "c1"), row(2, "c1"), row(3, "c2")), Set.of("c1"), Set.of(1L), 4, 10);
        assertThat(ids(p)).containsExactly(List.of(3L));
    }

    @Test
    void aConversationIsNeverSplitOverTwoConcurrentPosts() {
        RoundPlanner p = plan(List.of(row(1, "c1"), row(2, "c1"), row(3, "c1"), row(4, "c2")), Set.of(), Set.of(), 2, 2);
        assertThat(ids(p)).containsExactly(List.of(1L, 2L), List.of(4L));
    }

    @Test
    void postsAreBoundedBySlotsAndBatchSize() {
        List<OutboxRow.Ref> rows = List.of(row(1, "a"), row(2, "b"), row(3, "c"), row(4, "d"), row(5, "e"));
        assertThat(ids(plan(rows, Set.of(), Set.of(), 2, 2))).containsExactly(List.of(1L, 2L), List.of(3L, 4L));
        assertThat(ids(plan(rows, Set.of(), Set.of(), 0, 2))).isEmpty();
    }

    @Test
    void oneEventPerPostGivesEachConversationItsHeadAndLeavesTheRestForLater() {
        List<OutboxRow.Ref> rows = List.of(row(1, "a"), row(2, "a"), row(3, "b"), row(4, "c"), row(5, "b"), row(6, "d"));
        RoundPlanner p = plan(rows, Set.of(), Set.of(), 3, 1);
        assertThat(ids(p)).containsExactly(List.of(1L), List.of(3L), List.of(4L));
        assertThat(p.wantsMore()).as("every slot is taken by a full POST").isFalse();
    }

    @Test
    void rowsPastTheHorizonExpireUnlessInFlightAndTheNextRowTakesOver() {
        OutboxRow.Ref old = new OutboxRow.Ref(1, "c1", NOW, NOW - HORIZON);
        OutboxRow.Ref oldInFlight = new OutboxRow.Ref(2, "c2", NOW, NOW - HORIZON - 5);
        RoundPlanner p = plan(List.of(old, oldInFlight, row(3, "c1"), row(4, "c2")), Set.of("c2"), Set.of(2L), 4, 10);
        assertThat(p.expired()).containsExactly(1L);
        assertThat(ids(p)).containsExactly(List.of(3L));
    }

    @Test
    void anOpenBreakerPlansExpiryOnly() {
        OutboxRow.Ref old = new OutboxRow.Ref(1, "c1", NOW, NOW - HORIZON - 1);
        RoundPlanner p = new RoundPlanner(NOW, HORIZON, Set.of(), Set.of(), 4, 10, false);
        p.consider(List.of(old, row(2, "c2")));
        assertThat(p.batches()).isEmpty();
        assertThat(p.expired()).containsExactly(1L);
        assertThat(p.wantsMore()).isFalse();
        assertThat(p.wakeAt()).isEqualTo(row(2, "c2").createdAt() + HORIZON);
    }

    /** Random rounds, fed in random pages, checked against the rules stated in RoundPlanner's Javadoc. */
    @Test
    void randomRoundsKeepEveryRule() {
        Random random = new Random(20260101);
        for (int trial = 0; trial < 5000; trial++) {
            int conversations = 1 + random.nextInt(6);
            int n = random.nextInt(40);
            List<OutboxRow.Ref> rows = new ArrayList<>();
            long created = NOW - HORIZON - 2000;
            for (int i = 1; i <= n; i++) {
                created += random.nextInt(300);
                long next = random.nextInt(4) == 0 ? NOW + 1 + random.nextInt(1000) : NOW - random.nextInt(1000);
                rows.add(new OutboxRow.Ref(i, "c" + random.nextInt(conversations), next, Math.min(created, NOW)));
            }
            // In flight: a prefix of some conversations (a POST always holds a conversation's oldest rows).
            Set<String> busy = new HashSet<>();
            Set<Long> inFlight = new HashSet<>();
            Map<String, List<OutboxRow.Ref>> byConv = new LinkedHashMap<>();
            rows.forEach(r -> byConv.computeIfAbsent(r.conversation(), k -> new ArrayList<>()).add(r));
            for (Map.Entry<String, List<OutboxRow.Ref>> e : byConv.entrySet()) {
                if (random.nextInt(4) == 0) {
                    busy.add(e.getKey());
                    int k = 1 + random.nextInt(e.getValue().size());
                    e.getValue().subList(0, k).forEach(r -> inFlight.add(r.id()));
                }
            }
            int slots = random.nextInt(4);
            int maxBatch = 1 + random.nextInt(5);
            boolean mayDispatch = random.nextInt(5) != 0;
            RoundPlanner p = new RoundPlanner(NOW, HORIZON, busy, inFlight, slots, maxBatch, mayDispatch);
            for (int from = 0; from < rows.size(); ) {
                int to = Math.min(rows.size(), from + 1 + random.nextInt(8));
                p.consider(rows.subList(from, to));
                from = to;
            }
            check(rows, byConv, busy, inFlight, slots, maxBatch, mayDispatch, p, trial);
        }
    }

    private static void check(List<OutboxRow.Ref> rows, Map<String, List<OutboxRow.Ref>> byConv, Set<String> busy,
                              Set<Long> inFlight, int slots, int maxBatch, boolean mayDispatch, RoundPlanner p, int trial) {
        String where = "trial " + trial;
        long cutoff = NOW - HORIZON;
        List<Long> expectExpired = rows.stream().filter(r -> !inFlight.contains(r.id()) && r.createdAt() <= cutoff)
                .map(OutboxRow.Ref::id).toList();
        assertThat(p.expired()).as(where).isEqualTo(expectExpired);
        if (!mayDispatch) {
            assertThat(p.batches()).as(where).isEmpty();
            return;
        }
        assertThat(p.batches().size()).as(where).isLessThanOrEqualTo(slots);
        Map<String, Integer> batchOf = new HashMap<>();
        Map<String, List<Long>> taken = new HashMap<>();
        for (int b = 0; b < p.batches().size(); b++) {
            List<OutboxRow.Ref> batch = p.batches().get(b);
            assertThat(batch).as(where).isNotEmpty().hasSizeLessThanOrEqualTo(maxBatch);
            long last = 0;
            for (OutboxRow.Ref r : batch) {
                assertThat(r.id()).as(where + ": id order within a POST").isGreaterThan(last);
                last = r.id();
                assertThat(busy).as(where + ": busy conversation planned").doesNotContain(r.conversation());
                Integer seen = batchOf.putIfAbsent(r.conversation(), b);
                assertThat(seen == null || seen == b).as(where + ": conversation split over POSTs").isTrue();
                taken.computeIfAbsent(r.conversation(), k -> new ArrayList<>()).add(r.id());
            }
        }
        for (Map.Entry<String, List<OutboxRow.Ref>> e : byConv.entrySet()) {
            List<OutboxRow.Ref> candidates = e.getValue().stream()
                    .filter(r -> !inFlight.contains(r.id()) && r.createdAt() > cutoff).toList();
            List<Long> got = taken.getOrDefault(e.getKey(), List.of());
            List<Long> prefix = candidates.stream().limit(got.size()).map(OutboxRow.Ref::id).toList();
            assertThat(got).as(where + ": a conversation goes out as a prefix of its rows").isEqualTo(prefix);
            if (!got.isEmpty()) {
                assertThat(candidates.get(0).nextAttemptAt()).as(where + ": head not due").isLessThanOrEqualTo(NOW);
            }
            // Work conserving: with a slot left, every free conversation whose head is due goes out.
            boolean slotLeft = p.batches().size() < slots;
            if (slotLeft && !busy.contains(e.getKey()) && !candidates.isEmpty() && candidates.get(0).nextAttemptAt() <= NOW) {
                assertThat(got).as(where + ": a due conversation was left behind with a slot free").isNotEmpty();
            }
        }
    }
}
