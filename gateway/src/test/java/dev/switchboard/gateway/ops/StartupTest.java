package dev.switchboard.gateway.ops;

import static dev.switchboard.gateway.testing.TestNodes.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestNodes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** A node starts on whatever rows its database holds. */
class StartupTest {
    @Test
    void aChannelSavedWithAnImpossibleCeilingDoesNotStopTheNodeFromStarting() throws Exception {
        TestNodes.Node node = TestNodes.start("sqlite");
        try {
            TestHttp.Resp t = node.http().post("/admin/tenants", ADMIN_TOKEN, "{\"name\":\"Old rows\"}");
            String tenant = t.json().path("id").asText();
            String key = t.json().path("api_key").path("key").asText();
            assertThat(node.http().post("/admin/tenants/" + tenant + "/channels", ADMIN_TOKEN,
                    "{\"phone_number_id\":\"777000111\",\"waba_id\":\"w\",\"access_token\":\"tok\"}").status()).isEqualTo(201);
            node.switchboard().close();
            // what an unchecked admin call of an older version could leave behind: 2^31 − 1 mps
            // (it once sized a pacing ring at every start: OutOfMemoryError, and no port)
            try (Connection c = DriverManager.getConnection(node.config().database().url()); Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("UPDATE channels SET ceiling_mps = 2147483647 WHERE phone_number_id = '777000111'")).isEqualTo(1);
            }
            Switchboard again = Switchboard.start(node.config());
            node = new TestNodes.Node(again, node.db(), node.dir(), new TestHttp(again.baseUrl()), node.config());
            assertThat(node.http().get("/health/ready", null).status()).isEqualTo(200);
            TestHttp.Resp sent = node.http().post("/v1/messages", key, "{\"channel_id\":\"777000111\",\"to\":\"15551230000\","
                    + "\"type\":\"template\",\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}");
            assertThat(sent.status()).as("%s", sent).isEqualTo(202);
            assertThat(again.registry().find("switchboard_channel_ceiling_mps").tag("channel", "777000111").gauge().value())
                    .as("paced at Meta's highest ceiling at most").isEqualTo(1000.0);
        } finally {
            node.close();
        }
    }
}
