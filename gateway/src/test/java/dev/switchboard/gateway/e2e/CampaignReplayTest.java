package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A campaign's audience read again after its idempotency keys are gone — what happens when the
 * chunk after the last saved cursor is re-expanded more than a day after a crash (a weekend
 * outside the sending window, a long pause): the keys are purged after 24 h, so only the
 * campaign's own record of whom it messaged keeps anyone from getting the message twice.
 */
class CampaignReplayTest {
    private static final String KEY = "sk_test_replay";
    private static final Duration LONG = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private void sql(String statement) {
        try (Connection c = h.node.database().reads().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate(statement);
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String state(String id) {
        return Harness.json(h.get("/v1/campaigns/" + id, KEY)).path("state").asText();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aChunkReadAgainAfterItsKeysWerePurgedMessagesNobodyTwice(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(db.config(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, tenant("replay", KEY, channel("8401", 200)));
        List<String> contacts = new ArrayList<>();
        Set<String> phones = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            String phone = "9196" + String.format("%08d", 10_000_000 + i);
            contacts.add("{\"phone\":\"+" + phone + "\",\"name\":\"P" + i + "\"}");
            phones.add(phone);
        }
        HttpResponse<String> a = h.post("/v1/audiences", KEY, "{\"name\":\"list\",\"contacts\":[" + String.join(",", contacts) + "]}");
        assertThat(a.statusCode()).as(a.body()).isEqualTo(201);
        HttpResponse<String> c = h.post("/v1/campaigns", KEY, "{\"name\":\"once\",\"template\":{\"name\":\"order_update\",\"language\":\"en_US\"},"
                + "\"audience_id\":\"" + Harness.json(a).path("id").asText() + "\",\"parameters\":[{\"variable\":\"name\"},{\"text\":\"#5\"}]}");
        assertThat(c.statusCode()).as(c.body()).isEqualTo(201);
        String id = Harness.json(c).path("id").asText();
        assertThat(h.post("/v1/campaigns/" + id + ":start", KEY, "").statusCode()).isEqualTo(200);
        Harness.await("the campaign completes", LONG, () -> state(id).equals("completed"));
        Harness.await("Meta has every message", LONG, () -> h.emulator.acceptedMessages("8401").size() >= phones.size());

        // the keys purged, the campaign's cursor back before everyone (as when a node died before
        // saving it), and a node that starts afresh and finds the campaign running
        sql("DELETE FROM idempotency_keys");
        sql("UPDATE campaigns SET cursor_phone=NULL, exhausted=0, expanded=0 WHERE id='" + id + "'");
        h.restart();
        sql("UPDATE campaigns SET state='running' WHERE id='" + id + "'");
        Harness.await("the campaign completes again", LONG, () -> state(id).equals("completed"));

        assertThat(h.count("SELECT COUNT(*) FROM messages WHERE campaign_id='" + id + "'")).as("no message created twice")
                .isEqualTo(phones.size());
        assertThat(Harness.json(h.get("/v1/campaigns/" + id + "/stats", KEY)).path("expanded").asLong()).isEqualTo(phones.size());
        Map<String, Integer> perPhone = new HashMap<>();
        for (AcceptedMessage m : h.emulator.acceptedMessages("8401")) {
            perPhone.merge(m.to(), 1, Integer::sum);
        }
        assertThat(perPhone.keySet()).isEqualTo(phones);
        assertThat(perPhone.values()).as("nobody messaged twice").allMatch(n -> n == 1);
    }
}
