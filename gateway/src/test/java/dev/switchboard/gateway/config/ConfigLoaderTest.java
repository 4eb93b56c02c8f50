package dev.switchboard.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    private static InputStream json(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void noFileAndNoEnvGivesTheDefaults() {
        SwitchboardConfig c = ConfigLoader.load((InputStream) null, Map.of());
        assertThat(c.http().host()).isEqualTo("127.0.0.1");
        assertThat(c.http().port()).isEqualTo(8080);
        assertThat(c.http().maxBodyBytes()).isEqualTo(512L * 1024);
        assertThat(c.database().url()).isEqualTo("jdbc:sqlite:data/switchboard.db");
        assertThat(c.database().isSqlite()).isTrue();
        assertThat(c.database().poolSize()).isEqualTo(8);
        assertThat(c.database().writerBatch()).isEqualTo(2000);
        assertThat(c.security().adminToken()).isNull();
        assertThat(c.security().masterKeyFile()).isEqualTo("data/master.key");
        assertThat(c.upstream().baseUrl()).isEqualTo("https://graph.facebook.com");
        assertThat(c.upstream().apiVersion()).isEqualTo("v23.0");
        assertThat(c.upstream().requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.sending().ceilingUtilisation()).isEqualTo(0.99);
        assertThat(c.sending().arrivalJitter()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.sending().maxAttempts()).isEqualTo(8);
        assertThat(c.sending().pairBurst()).isEqualTo(40);
        assertThat(c.sending().pairInterval()).isEqualTo(Duration.ofSeconds(6));
        assertThat(c.sending().inFlightPolicy()).containsExactly("HIGH=RESEND", "NORMAL=RESEND", "LOW=RESEND");
        assertThat(c.emulator().enabled()).isFalse();
        assertThat(c.bootstrap().tenants()).isEmpty();
    }

    @Test
    void anEmptyObjectAlsoGivesTheDefaults() {
        assertThat(ConfigLoader.load(json("{}"), Map.of())).isEqualTo(SwitchboardConfig.defaults());
    }

    @Test
    void valuesComeFromTheJsonFile() {
        SwitchboardConfig c = ConfigLoader.load(json("""
                {"http":{"host":"0.0.0.0","port":9090},
                 "database":{"url":"jdbc:postgresql://db/sb","user":"sb","poolSize":3},
                 "security":{"adminToken":"adm"},
                 "upstream":{"baseUrl":"http://emu:1234","requestTimeout":"PT2S"},
                 "sending":{"ceilingUtilisation":0.9,"retryBase":"PT1S","inFlightPolicy":["HIGH=FAIL"]},
                 "bootstrap":{"tenants":[{"id":"t1","apiKey":"k","channels":[{"phoneNumberId":"p1","wabaId":"w1",
                   "accessToken":"tok","ceilingMps":20}]}]}}
                """), Map.of());
        assertThat(c.http().host()).isEqualTo("0.0.0.0");
        assertThat(c.http().port()).isEqualTo(9090);
        assertThat(c.http().maxBodyBytes()).isEqualTo(512L * 1024); // untouched fields keep their default
        assertThat(c.database().url()).isEqualTo("jdbc:postgresql://db/sb");
        assertThat(c.database().isSqlite()).isFalse();
        assertThat(c.database().user()).isEqualTo("sb");
        assertThat(c.database().poolSize()).isEqualTo(3);
        assertThat(c.security().adminToken()).isEqualTo("adm");
        assertThat(c.upstream().baseUrl()).isEqualTo("http://emu:1234");
        assertThat(c.upstream().requestTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.sending().ceilingUtilisation()).isEqualTo(0.9);
        assertThat(c.sending().retryBase()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.sending().inFlightPolicy()).containsExactly("HIGH=FAIL");
        assertThat(c.bootstrap().tenants()).singleElement().satisfies(t -> {
            assertThat(t.id()).isEqualTo("t1");
            assertThat(t.apiKey()).isEqualTo("k");
            assertThat(t.channels()).singleElement().satisfies(ch -> {
                assertThat(ch.phoneNumberId()).isEqualTo("p1");
                assertThat(ch.ceilingMps()).isEqualTo(20);
            });
        });
    }

    @Test
    void environmentOverridesWinOverTheFile() {
        SwitchboardConfig c = ConfigLoader.load(json("""
                {"http":{"port":9090},"database":{"url":"jdbc:sqlite:x.db"},"sending":{"ceilingUtilisation":0.5}}
                """), Map.of(
                "SWITCHBOARD_HTTP_PORT", "9100",
                "SWITCHBOARD_DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/sb",
                "SWITCHBOARD_SENDING_CEILING_UTILISATION", "0.8",
                "SWITCHBOARD_SECURITY_ADMIN_TOKEN", "from-env",
                "SWITCHBOARD_UPSTREAM_REQUEST_TIMEOUT", "PT7S"));
        assertThat(c.http().port()).isEqualTo(9100);
        assertThat(c.database().url()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/sb");
        assertThat(c.sending().ceilingUtilisation()).isEqualTo(0.8);
        assertThat(c.security().adminToken()).isEqualTo("from-env");
        assertThat(c.upstream().requestTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void environmentOverridesApplyWithoutAFile() {
        SwitchboardConfig c = ConfigLoader.load((InputStream) null, Map.of("SWITCHBOARD_HTTP_PORT", "7000"));
        assertThat(c.http().port()).isEqualTo(7000);
        assertThat(c.database().url()).isEqualTo("jdbc:sqlite:data/switchboard.db");
    }

    @Test
    void unrelatedEnvironmentVariablesAreIgnored() {
        SwitchboardConfig c = ConfigLoader.load((InputStream) null, Map.of("PATH", "/bin", "HOME", "/root",
                "SWITCHBOARD_CONFIG", "/etc/sb.json"));
        assertThat(c).isEqualTo(SwitchboardConfig.defaults());
    }

    @Test
    void anUnknownSwitchboardVariableFailsStartUp() {
        assertThatThrownBy(() -> ConfigLoader.load((InputStream) null, Map.of("SWITCHBOARD_HTTP_PROT", "9000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SWITCHBOARD_HTTP_PROT");
        assertThatThrownBy(() -> ConfigLoader.load((InputStream) null, Map.of("SWITCHBOARD_NOSUCH_THING", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SWITCHBOARD_NOSUCH_THING");
    }

    @Test
    void anUnknownFieldInTheFileIsRejected() {
        assertThatThrownBy(() -> ConfigLoader.load(json("{\"http\":{\"prot\":1}}"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBadValueIsRejected() {
        assertThatThrownBy(() -> ConfigLoader.load((InputStream) null, Map.of("SWITCHBOARD_HTTP_PORT", "not-a-number")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
