package dev.switchboard.gateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.config.ConfigLoader;
import dev.switchboard.gateway.config.SwitchboardConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The archive section: safe defaults, a section without {@code enabled} keeps it on, overrides, and where files go. */
class ArchiveConfigTest {
    private static SwitchboardConfig load(String json, Map<String, String> env) {
        InputStream in = json == null ? null : new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
        return ConfigLoader.load(in, env);
    }

    @Test
    void defaultsKeepTheArchiveOn() {
        SwitchboardConfig.Archive a = load(null, Map.of()).archive();
        assertThat(a.enabled()).isTrue();
        assertThat(a.directory()).isNull();
        assertThat(a.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(a.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(a.queryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.maxRows()).isEqualTo(10_000);
    }

    @Test
    void aSectionWithoutEnabledDoesNotTurnTheArchiveOff() {
        SwitchboardConfig.Archive a = load("{\"archive\":{\"directory\":\"/srv/archive\",\"retention\":\"P30D\"}}", Map.of()).archive();
        assertThat(a.enabled()).isTrue();
        assertThat(a.directory()).isEqualTo("/srv/archive");
        assertThat(a.retention()).isEqualTo(Duration.ofDays(30));
        assertThat(load("{\"archive\":{\"enabled\":false}}", Map.of()).archive().enabled()).isFalse();
    }

    @Test
    void environmentOverridesReachEveryField() {
        SwitchboardConfig.Archive a = load(null, Map.of("SWITCHBOARD_ARCHIVE_ENABLED", "false",
                "SWITCHBOARD_ARCHIVE_DIRECTORY", "/mnt/parquet", "SWITCHBOARD_ARCHIVE_INTERVAL", "PT5M",
                "SWITCHBOARD_ARCHIVE_QUERY_TIMEOUT", "PT30S", "SWITCHBOARD_ARCHIVE_MAX_ROWS", "50")).archive();
        assertThat(a.enabled()).isFalse();
        assertThat(a.directory()).isEqualTo("/mnt/parquet");
        assertThat(a.interval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(a.queryTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(a.maxRows()).isEqualTo(50);
    }

    @Test
    void nonsenseFallsBackToTheDefaults() {
        SwitchboardConfig.Archive a = load("{\"archive\":{\"interval\":\"PT0S\",\"retention\":\"-P1D\",\"queryTimeout\":\"-PT1S\","
                + "\"maxRows\":-5}}", Map.of()).archive();
        assertThat(a.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(a.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(a.queryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.maxRows()).isEqualTo(10_000);
    }

    @Test
    void theArchiveLivesBesideASqliteDatabaseUnlessConfigured() {
        SwitchboardConfig.Archive defaults = SwitchboardConfig.Archive.defaults();
        assertThat(ArchiveModule.directory(defaults, SwitchboardConfig.Database.defaults()))
                .isEqualTo(Path.of("data/archive").toAbsolutePath());
        assertThat(ArchiveModule.directory(defaults, new SwitchboardConfig.Database("jdbc:sqlite:/var/lib/sb/sb.db?foo=1",
                null, null, 0, 0))).isEqualTo(Path.of("/var/lib/sb/archive"));
        assertThat(ArchiveModule.directory(defaults, new SwitchboardConfig.Database("jdbc:postgresql://db/sb", null, null, 0, 0)))
                .isEqualTo(Path.of("data", "archive"));
        assertThat(ArchiveModule.directory(new SwitchboardConfig.Archive(true, "/srv/a", null, null, null, 0),
                SwitchboardConfig.Database.defaults())).isEqualTo(Path.of("/srv/a"));
    }
}
