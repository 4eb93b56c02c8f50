package dev.switchboard.gateway.archive;

import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.D1;
import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.D1_A;
import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.D2;
import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.D2_A;
import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.recipient;
import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.row;
import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.rows;
import static dev.switchboard.gateway.archive.ArchiveTestKit.at;
import static dev.switchboard.gateway.archive.ArchiveTestKit.count;
import static dev.switchboard.gateway.archive.ArchiveTestKit.sql;
import static dev.switchboard.gateway.testing.TestNodes.A_HELD;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_A;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The archive across crashes and time, on both engines, over {@link ArchiveAnalyticsTest}'s
 * data set: each crash window reproduced through the archiver's seams (files written, cursor or
 * delete not yet committed), retention moving old messages out of the hot table, and the event
 * log purge. One story per engine, so the steps run in order; after each, the analytics must
 * be exactly what they were (nothing double counted, nothing lost).
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArchiveDurabilityTest {
    private static TestNodes.Node node;
    private static Map<String, String> ids;

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void startNode(String engine) {
        if (TestDatabases.available(engine)) {
            node = ArchiveTestKit.start(engine);
            ids = ArchiveAnalyticsTest.loadDataSet(node);
            ArchiveTestKit.flush(node);
        }
    }

    @AfterParameterizedClassInvocation
    static void stopNode() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine);
    }

    private static Archiver archiver() {
        return node.switchboard().archive().archiver();
    }

    private static List<String> ratesByDay() {
        Resp r = node.http().get("/v1/analytics/rates?from=" + D1 + "&to=" + D2, KEY_A);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return rows(r.json(), "day");
    }

    private static long archived(String sql) {
        return sql(node, sql).path("rows").get(0).get(0).asLong();
    }

    private static List<Path> files(String dataset, LocalDate day) throws IOException {
        Path dir = ArchiveTestKit.archiveDir(node).resolve(dataset).resolve("day=" + day);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** The archive holds each event of the hot log exactly once. */
    private static void assertEventsExactlyOnce() {
        long hot = count(node, "SELECT COUNT(*) FROM webhook_events");
        JsonNode r = sql(node, "SELECT count(*), count(DISTINCT id) FROM events").path("rows").get(0);
        assertThat(r.get(0).asLong()).as("rows in the event archive").isEqualTo(hot);
        assertThat(r.get(1).asLong()).as("distinct ids in the event archive").isEqualTo(hot);
    }

    @Test
    @Order(1)
    void aCrashAfterWritingAFileButBeforeAdvancingTheCursorDoesNotDoubleCount() throws Exception {
        List<ObjectNode> inbound = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inbound.add(ArchiveTestKit.inbound(recipient(20 + i), "wamid.crash" + i, at(D2, 13, i), "message " + i));
        }
        ArchiveTestKit.post(node, ArchiveTestKit.webhook(A_HELD, List.of(), inbound));
        ArchiveTestKit.awaitProcessed(node);
        long cursor = node.switchboard().events().cursor(Archiver.CONSUMER);

        archiver().writeWithoutAdvancing(2); // the "crash": a file for two of the five events, cursor unmoved
        assertThat(node.switchboard().events().cursor(Archiver.CONSUMER)).isEqualTo(cursor);
        assertThat(files("events", D2)).hasSize(2);

        JsonNode report = ArchiveTestKit.flush(node);
        // The retry batches all five events; without the sweep, the two would be archived twice.
        assertEventsExactlyOnce();
        assertThat(report.path("files_swept").asInt()).isEqualTo(1);
        assertThat(report.path("events_archived").asLong()).isEqualTo(5);
        assertThat(archived("SELECT count(*) FROM events WHERE kind = 'message'")).isEqualTo(6);
        // D2 is a closed day: its two committed files were compacted into one covering both ranges.
        assertThat(report.path("days_compacted").asInt()).isEqualTo(1);
        assertThat(files("events", D2)).singleElement()
                .satisfies(p -> assertThat(p.getFileName().toString()).matches("part-\\d+-\\d+\\.parquet"));
        assertThat(files("events", D1)).hasSize(1);
        assertThat(ratesByDay()).containsExactly(D1_A, D2_A);
    }

    @Test
    @Order(2)
    void aCursorThatNeverMovedMeansEveryFileIsRewrittenOnce() {
        // As if every run so far had crashed before committing its cursor.
        ArchiveTestKit.update(node, "UPDATE event_cursors SET position = 0 WHERE consumer = ?", Archiver.CONSUMER);
        JsonNode report = ArchiveTestKit.flush(node);
        assertEventsExactlyOnce();
        long hot = count(node, "SELECT COUNT(*) FROM webhook_events");
        assertThat(report.path("events_archived").asLong()).isEqualTo(hot);
        assertThat(report.path("files_swept").asInt()).isEqualTo(2); // D1's and D2's files, uncommitted again
        assertThat(ratesByDay()).containsExactly(D1_A, D2_A);
    }

    @Test
    @Order(3)
    void retentionMovesOldFinalMessagesOutOfTheHotTableAndTheyStayQueryable() throws Exception {
        String queued = ArchiveAnalyticsTest.send(node, KEY_A, A_HELD, recipient(9), "notice_b", "autumn");
        // Thirty days pass for tenant A's messages (B's stay recent).
        ArchiveTestKit.update(node, "UPDATE messages SET accepted_at = accepted_at - ? WHERE tenant_id = ?",
                Duration.ofDays(30).toMillis(), TENANT_A);
        LocalDate acceptedDay = LocalDate.now(java.time.ZoneOffset.UTC).minusDays(30);

        // The crash window of retirement: files written, hot rows not yet deleted.
        assertThat(archiver().retireWithoutDeleting()).isEqualTo(8);
        assertThat(count(node, "SELECT COUNT(*) FROM messages WHERE tenant_id = ?", TENANT_A)).isEqualTo(9);
        assertThat(count(node, "SELECT COUNT(*) FROM archive_moves")).isEqualTo(8);

        JsonNode report = ArchiveTestKit.flush(node);
        assertThat(report.path("messages_retired").asLong()).isEqualTo(8);
        assertThat(count(node, "SELECT COUNT(*) FROM archive_moves")).isZero();
        // Only the message still queued stays hot for A; B's recent final messages stay too.
        assertThat(count(node, "SELECT COUNT(*) FROM messages WHERE tenant_id = ?", TENANT_A)).isEqualTo(1);
        assertThat(count(node, "SELECT COUNT(*) FROM messages WHERE tenant_id = ? AND id = ?", TENANT_A, queued)).isEqualTo(1);
        assertThat(count(node, "SELECT COUNT(*) FROM messages WHERE tenant_id = ?", TENANT_B)).isEqualTo(2);
        assertThat(node.http().get("/v1/messages/" + ids.get("a1"), KEY_A).status()).isEqualTo(404);

        // In the archive exactly once each, as they were, in the day they were accepted.
        JsonNode archivedRows = sql(node, "SELECT id, state, campaign_id, CAST(day AS VARCHAR), count(*) OVER (PARTITION BY id)"
                + " FROM messages ORDER BY id");
        List<String> got = new ArrayList<>();
        archivedRows.path("rows").forEach(r -> got.add(r.get(0).asText() + " " + r.get(1).asText() + " " + r.get(2).asText()
                + " " + r.get(3).asText() + " " + r.get(4).asInt()));
        List<String> expected = new ArrayList<>();
        String[][] states = {{"a1", "READ", "spring"}, {"a2", "DELIVERED", "spring"}, {"a3", "FAILED", "spring"},
            {"a4", "READ", "spring"}, {"a5", "FAILED", "autumn"}, {"a6", "READ", "autumn"}, {"a7", "DELIVERED", "autumn"},
            {"a8", "FAILED", "null"}};
        for (String[] s : states) {
            expected.add(ids.get(s[0]) + " " + s[1] + " " + s[2] + " " + acceptedDay + " 1");
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(files("messages", acceptedDay)).hasSize(1);
        JsonNode a3 = sql(node, "SELECT last_error_code, payload->'template'->>'name', tenant_id FROM messages WHERE id = '"
                + ids.get("a3") + "'").path("rows").get(0);
        assertThat(a3.toString()).isEqualTo("[131026,\"promo_a\",\"" + TENANT_A + "\"]");

        assertThat(ratesByDay()).containsExactly(D1_A, D2_A);
    }

    @Test
    @Order(4)
    void aStatusForARetiredMessageStillLandsInItsCampaignAndDay() {
        // a2 (delivered, retired) is read now: the archiver finds its message in the messages archive.
        ArchiveTestKit.post(node, ArchiveTestKit.webhook(TestNodes.A_ACTIVE, List.of(
                ArchiveTestKit.status(ids.get("a2"), "wamid.a2", "read", at(D1, 15, 0), recipient(2))), List.of()));
        ArchiveTestKit.awaitProcessed(node);
        ArchiveTestKit.flush(node);
        JsonNode late = sql(node, "SELECT campaign_id, template_name, message_sent_at FROM events"
                + " WHERE message_id = '" + ids.get("a2") + "' AND status = 'read'").path("rows");
        assertThat(late.toString()).isEqualTo("[[\"spring\",\"promo_a\",\"" + D1 + "T11:00Z\"]]");
        assertThat(ratesByDay()).containsExactly(row(D1.toString(), 4, 4, 3, 3, 1, "0.75", "1.0", "0.25"), D2_A);
        assertEventsExactlyOnce();
    }

    @Test
    @Order(5)
    void archivedEventsArePurgedFromTheHotLogOnlyOnceEveryConsumerPassedThem() {
        long before = count(node, "SELECT COUNT(*) FROM webhook_events");
        long head = node.switchboard().events().head();
        ArchiveTestKit.update(node, "UPDATE webhook_events SET received_at = received_at - ?", Duration.ofDays(30).toMillis());

        // Let the delivery outbox consume the whole log, then pretend it has not: its feeder keeps its
        // position in memory and writes it only with new events, and none arrive here.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (count(node, "SELECT COUNT(*) FROM event_cursors WHERE consumer = 'delivery' AND position >= " + head) == 0) {
            assertThat(System.nanoTime()).as("the delivery feeder caught up").isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        ArchiveTestKit.update(node, "DELETE FROM event_cursors WHERE consumer = 'delivery'");
        ArchiveTestKit.flush(node);
        // The delivery outbox has not advanced (cursor 0): nothing may go yet.
        assertThat(count(node, "SELECT COUNT(*) FROM webhook_events")).isEqualTo(before);

        ArchiveTestKit.update(node, "INSERT INTO event_cursors (consumer, position) VALUES ('delivery', ?)", head);
        long newestBatch = count(node, "SELECT COUNT(*) FROM webhook_events WHERE received_at ="
                + " (SELECT received_at FROM webhook_events WHERE id = ?)", head);
        ArchiveTestKit.flush(node);
        // Everything is purged but the newest journal entry's events: the log must keep its highest id.
        assertThat(count(node, "SELECT COUNT(*) FROM webhook_events")).isEqualTo(newestBatch).isLessThan(before);
        assertThat(node.switchboard().events().head()).isEqualTo(head);
        assertThat(archived("SELECT count(*) FROM events")).isEqualTo(before);
        assertThat(ratesByDay()).containsExactly(row(D1.toString(), 4, 4, 3, 3, 1, "0.75", "1.0", "0.25"), D2_A);
    }

    @Test
    @Order(6)
    void onASharedPostgresOnlyOneNodeArchivesAtATime() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(engine.equals("postgres"), "SQLite has one node by construction");
        // Another node's archiver, as far as the database can tell: a session holding the advisory lock.
        try (java.sql.Connection other = node.switchboard().database().reads().getConnection();
             java.sql.PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_lock(?)");
             java.sql.PreparedStatement unlock = other.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            lock.setLong(1, ArchiveLock.KEY);
            lock.execute();
            try {
                Resp r = node.http().post("/admin/archive/flush", TestNodes.ADMIN_TOKEN, "{}");
                ArchiveAnalyticsTest.assertProblem(r, 409, "archive_locked", "Another node");
            } finally {
                unlock.setLong(1, ArchiveLock.KEY);
                unlock.execute();
            }
        }
        ArchiveTestKit.flush(node);
    }
}
