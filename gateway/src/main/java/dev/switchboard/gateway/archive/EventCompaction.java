package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.archive.ArchiveLayout.Part;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Merges the many small files a day collects (one per archiver run) into one, once the day is
 * closed: a busy day would otherwise hold thousands of files and every query would open them
 * all. The merged file is named by the union of the ranges it replaces and is published before
 * they are deleted, so a crash in between leaves files the next {@link ArchiveLayout#sweepEvents
 * sweep} recognises as superseded.
 */
final class EventCompaction {
    private final ArchiveLayout layout;

    EventCompaction(ArchiveLayout layout) {
        this.layout = layout;
    }

    /**
     * Compacts every day before {@code openFrom} with more than one committed file.
     *
     * @return the number of days compacted
     */
    int run(DuckDb.Source duck, LocalDate openFrom, long cursor) throws SQLException, IOException {
        int compacted = 0;
        for (LocalDate day : ArchiveLayout.days(layout.events())) {
            if (!day.isBefore(openFrom)) {
                continue;
            }
            List<Part> parts = layout.eventParts(day).stream().filter(p -> p.hi() <= cursor).toList();
            if (parts.size() < 2) {
                continue;
            }
            long lo = parts.stream().mapToLong(Part::lo).min().orElseThrow();
            long hi = parts.stream().mapToLong(Part::hi).max().orElseThrow();
            Path target = layout.eventPart(day, lo, hi);
            Path tmp = ArchiveLayout.temporary(target);
            String files = parts.stream().map(p -> DuckDb.literal(p.path().toString())).collect(Collectors.joining(", "));
            // hive_partitioning off: the day lives in the directory name, not in the files.
            try (Statement s = duck.get().createStatement()) {
                s.execute("COPY (SELECT * FROM read_parquet([" + files + "], hive_partitioning = false) ORDER BY id) TO "
                        + DuckDb.literal(tmp.toString()) + " (FORMAT parquet, COMPRESSION zstd)");
            } catch (SQLException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            ArchiveLayout.publish(tmp, target);
            for (Part p : parts) {
                if (!p.path().equals(target)) {
                    Files.deleteIfExists(p.path());
                }
            }
            compacted++;
        }
        return compacted;
    }
}
