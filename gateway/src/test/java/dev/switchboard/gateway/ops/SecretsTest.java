package dev.switchboard.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** Secrets at rest and on the operational endpoints. */
class SecretsTest {
    @Test
    void theMasterKeyIsOwnerOnlyAndMetricsCanRequireAToken() throws Exception {
        try (TestNodes.Node node = TestNodes.start("sqlite", c -> new SwitchboardConfig(c.http(), c.database(),
                new SwitchboardConfig.Security(c.security().adminToken(), c.security().masterKey(), c.security().masterKeyFile(),
                        "metrics-token-0123456789"),
                c.upstream(), c.sending(), c.webhooks(), c.emulator(), c.bootstrap(), c.delivery(), c.archive()))) {
            Path key = Path.of(node.config().security().masterKeyFile());
            assertThat(Files.exists(key)).as("SQLite nodes keep their master key in a file").isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

            assertThat(node.http().get("/metrics", null).status()).isEqualTo(401);
            assertThat(node.http().get("/metrics", "wrong-token").status()).isEqualTo(401);
            var ok = node.http().get("/metrics", "metrics-token-0123456789");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).contains("switchboard_");
            // health stays open for load balancers
            assertThat(node.http().get("/health/live", null).status()).isEqualTo(200);
        }
    }
}
