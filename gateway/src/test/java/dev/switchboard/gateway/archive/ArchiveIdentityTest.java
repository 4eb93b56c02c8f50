package dev.switchboard.gateway.archive;

import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An archive directory belongs to one database: a second database pointed at it (a restore into
 * a fresh database, a copy-pasted config) must be refused before the sweep, which would read its
 * cursor of 0 as "nothing here is committed" and delete every file.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArchiveIdentityTest {
    @TempDir
    Path shared;

    private TestNodes.Node start(Path archive) {
        return TestNodes.start("sqlite", c -> new SwitchboardConfig(c.http(), c.database(), c.security(), c.upstream(),
                c.sending(), new SwitchboardConfig.Webhooks(ArchiveTestKit.APP_SECRET, "verify", 0), c.emulator(), c.bootstrap(),
                c.delivery(), new SwitchboardConfig.Archive(true, archive.toString(), null, Duration.ofHours(1), null, 0)));
    }

    private static List<Path> parquet(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
        }
    }

    @Test
    void anotherDatabaseIsRefusedTheDirectoryAndDeletesNothing() throws IOException {
        Path archive = shared.resolve("archive");
        List<Path> before;
        try (TestNodes.Node first = start(archive)) {
            ArchiveTestKit.post(first, ArchiveTestKit.webhook(TestNodes.A_HELD, List.of(),
                    List.of(ArchiveTestKit.inbound("16503000001", "wamid.id1", ArchiveTestKit.at(ArchiveTestKit.daysAgo(1), 9, 0),
                            "hi"))));
            ArchiveTestKit.awaitProcessed(first);
            ArchiveTestKit.flush(first);
            before = parquet(archive);
            assertThat(before).hasSize(1);
            assertThat(archive.resolve(ArchiveIdentity.MARKER)).isRegularFile();
        }
        try (TestNodes.Node second = start(archive)) {
            assertProblem(second.http().post("/admin/archive/flush", TestNodes.ADMIN_TOKEN, "{}"), 409, "archive_mismatch",
                    "belongs to another database");
        }
        assertThat(parquet(archive)).isEqualTo(before);
    }

    @Test
    void aDirectoryWithFilesButNoMarkerIsNotClaimed() throws IOException {
        Path archive = shared.resolve("unmarked");
        Path stray = archive.resolve("events/day=2026-01-01/part-1-5.parquet");
        Files.createDirectories(stray.getParent());
        Files.writeString(stray, "not ours");
        try (TestNodes.Node node = start(archive)) {
            assertProblem(node.http().post("/admin/archive/flush", TestNodes.ADMIN_TOKEN, "{}"), 409, "archive_mismatch",
                    "no " + ArchiveIdentity.MARKER);
        }
        assertThat(stray).hasContent("not ours");
        assertThat(archive.resolve(ArchiveIdentity.MARKER)).doesNotExist();
    }
}
