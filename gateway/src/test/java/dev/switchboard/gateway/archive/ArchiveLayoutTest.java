package dev.switchboard.gateway.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file-name rules that make the event archive self-repairing, on bare files: what a sweep
 * keeps and deletes after each kind of crash, given the committed cursor.
 */
class ArchiveLayoutTest {
    private static final LocalDate DAY = LocalDate.of(2026, 11, 20);
    private static final LocalDate NEXT = DAY.plusDays(1);

    @TempDir
    Path root;

    private ArchiveLayout layout() {
        return new ArchiveLayout(root);
    }

    private Path touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "x");
    }

    private List<String> names(LocalDate day) throws IOException {
        try (Stream<Path> s = Files.list(ArchiveLayout.day(layout().events(), day))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void filesAreNamedByTheIdsTheyHoldAndParsedBack() {
        Path p = layout().eventPart(DAY, 17, 42);
        assertThat(root.relativize(p).toString()).isEqualTo("events/day=2026-11-20/part-17-42.parquet");
        assertThat(ArchiveLayout.parse(p)).hasValueSatisfying(part -> {
            assertThat(part.lo()).isEqualTo(17);
            assertThat(part.hi()).isEqualTo(42);
        });
        assertThat(ArchiveLayout.parse(root.resolve("part-x-1.parquet"))).isEmpty();
        assertThat(root.relativize(layout().messageBatch(DAY, 9)).toString()).isEqualTo("messages/day=2026-11-20/batch-9.parquet");
    }

    @Test
    void aSweepDeletesUncommittedSupersededAndHalfWrittenFilesOnly() throws IOException {
        ArchiveLayout l = layout();
        touch(l.eventPart(DAY, 1, 10));      // committed
        touch(l.eventPart(DAY, 11, 20));     // committed
        touch(l.eventPart(NEXT, 12, 19));    // committed, another day
        touch(l.eventPart(DAY, 21, 25));     // written after the cursor: a crash before the advance
        touch(l.eventPart(NEXT, 21, 30));    // same
        touch(ArchiveLayout.temporary(l.eventPart(DAY, 26, 30))); // a crash mid-write
        touch(ArchiveLayout.temporary(l.messageBatch(DAY, 5)));

        int removed = l.sweepEvents(20);

        assertThat(removed).isEqualTo(4);
        assertThat(names(DAY)).containsExactly("part-1-10.parquet", "part-11-20.parquet");
        assertThat(names(NEXT)).containsExactly("part-12-19.parquet");
        assertThat(ArchiveLayout.day(l.messages(), DAY)).isEmptyDirectory();
    }

    @Test
    void aCompactedFileSupersedesThePartsItCoversButNotTheOtherWayRound() throws IOException {
        ArchiveLayout l = layout();
        touch(l.eventPart(DAY, 1, 10));
        touch(l.eventPart(DAY, 11, 20));
        touch(l.eventPart(DAY, 1, 20));      // compaction published, parts not yet deleted
        touch(l.eventPart(DAY, 21, 30));     // a later committed part, outside the compacted range

        assertThat(l.sweepEvents(30)).isEqualTo(2);
        assertThat(names(DAY)).containsExactly("part-1-20.parquet", "part-21-30.parquet");
        assertThat(l.sweepEvents(30)).isZero();
    }

    @Test
    void aCursorAtZeroMeansNothingIsCommitted() throws IOException {
        ArchiveLayout l = layout();
        touch(l.eventPart(DAY, 1, 10));
        assertThat(l.sweepEvents(0)).isEqualTo(1);
        assertThat(names(DAY)).isEmpty();
        assertThat(ArchiveLayout.hasFiles(l.events())).isFalse();
    }

    @Test
    void daysAreListedInOrderAndForeignDirectoriesIgnored() throws IOException {
        ArchiveLayout l = layout();
        touch(l.eventPart(NEXT, 5, 6));
        touch(l.eventPart(DAY, 1, 2));
        Files.createDirectories(l.events().resolve("day=not-a-date"));
        Files.createDirectories(l.events().resolve("tmp"));
        assertThat(ArchiveLayout.days(l.events())).containsExactly(DAY, NEXT);
        assertThat(ArchiveLayout.hasFiles(l.events())).isTrue();
        assertThat(ArchiveLayout.days(root.resolve("absent"))).isEmpty();
    }
}
