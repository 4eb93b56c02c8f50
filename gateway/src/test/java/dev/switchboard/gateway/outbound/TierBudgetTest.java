package dev.switchboard.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TierBudgetTest {
    private static final long H = 3600_000L;
    private static final long T0 = 1_750_000_000_000L;

    @Test
    void newRecipientsAreAllowedOnlyUpToTheLimitAndKnownOnesAreFree() {
        TierBudget b = new TierBudget(3);
        for (String r : new String[] {"a", "b", "c"}) {
            assertThat(b.allows(r, T0)).isTrue();
            b.record(r, T0);
        }
        assertThat(b.used(T0)).isEqualTo(3);
        assertThat(b.allows("d", T0)).isFalse();
        assertThat(b.allows("a", T0 + H)).isTrue();
        b.record("a", T0 + H); // a repeat does not use more budget
        assertThat(b.used(T0 + H)).isEqualTo(3);
    }

    @Test
    void recipientsLeaveTheBudget24HoursAfterFirstReach() {
        TierBudget b = new TierBudget(2);
        b.record("a", T0);
        b.record("b", T0 + 2 * H);
        assertThat(b.allows("c", T0 + 24 * H - 1)).isFalse();
        assertThat(b.allows("c", T0 + 24 * H)).isTrue(); // a evicted
        assertThat(b.used(T0 + 24 * H)).isEqualTo(1);
        b.record("c", T0 + 24 * H);
        assertThat(b.allows("d", T0 + 25 * H)).isFalse();
        assertThat(b.allows("d", T0 + 26 * H)).isTrue(); // b evicted
    }

    @Test
    void aNegativeLimitIsUnlimitedAndTheLimitCanChange() {
        TierBudget b = new TierBudget(-1);
        for (int i = 0; i < 10_000; i++) {
            assertThat(b.allows("r" + i, T0)).isTrue();
            b.record("r" + i, T0);
        }
        TierBudget small = new TierBudget(1);
        small.record("a", T0);
        assertThat(small.allows("b", T0)).isFalse();
        small.setLimit(2);
        assertThat(small.limit()).isEqualTo(2);
        assertThat(small.allows("b", T0)).isTrue();
    }

    @Test
    void reservingIsAtomicSoConcurrentTakersNeverOvershootTheTier() throws Exception {
        TierBudget b = new TierBudget(250);
        java.util.concurrent.atomic.AtomicInteger granted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<String> reserved = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread[] takers = new Thread[4];
        for (int t = 0; t < takers.length; t++) {
            int base = t * 1000;
            takers[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 200; i++) {
                    if (b.tryReserve("r" + (base + i), T0)) {
                        granted.incrementAndGet();
                        reserved.add("r" + (base + i));
                    }
                }
            });
        }
        for (Thread t : takers) {
            t.join();
        }
        assertThat(granted.get()).isEqualTo(250);
        assertThat(b.used(T0)).isEqualTo(250);
        // which recipients won is up to the scheduler; any of them stays free, any other is refused
        assertThat(b.tryReserve(reserved.iterator().next(), T0)).as("a reserved recipient stays free").isTrue();
        assertThat(b.tryReserve("never-tried", T0)).isFalse();
    }

    @Test
    void marketingLeavesTheReserveForOtpsAndServiceMessages() {
        TierBudget b = new TierBudget(250, 0.1); // marketing may reach 225 of the 250
        int marketing = 0;
        for (int i = 0; i < 300; i++) {
            if (b.tryReserve("m" + i, T0)) {
                marketing++;
            }
        }
        assertThat(marketing).isEqualTo(225);
        assertThat(b.allows("m999", T0)).isFalse();
        // OTPs and utility messages still have room: they record, and count towards the same limit
        for (int i = 0; i < 25; i++) {
            b.record("otp" + i, T0);
        }
        assertThat(b.used(T0)).isEqualTo(250);
        assertThat(b.tryReserve("m0", T0)).as("a recipient already reached stays free").isTrue();
    }
}
