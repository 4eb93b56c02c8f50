package dev.switchboard.gateway.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where archive files live, what they are called, and how one becomes durable.
 *
 * <pre>
 * &lt;root&gt;/events/day=2026-11-29/part-&lt;lowest id&gt;-&lt;highest id&gt;.parquet
 * &lt;root&gt;/messages/day=2026-11-22/batch-&lt;batch id&gt;.parquet
 * </pre>
 *
 * <p>A file is written under a dot-prefixed {@code .tmp} name that no glob matches, forced to
 * disk, atomically renamed into place, and its directory forced: a reader sees a whole file or
 * none, and once {@link #publish} returns, a power cut cannot take the file back.
 *
 * <p>Event file names carry the id range they hold, which is what makes the event archive
 * repairable without any bookkeeping of its own: see {@link #sweepEvents}.
 */
final class ArchiveLayout {
    private static final Pattern EVENT_PART = Pattern.compile("part-(\\d+)-(\\d+)\\.parquet");
    private static final Pattern DAY_DIR = Pattern.compile("day=(\\d{4}-\\d{2}-\\d{2})");

    /** One event file and the id range it covers. */
    record Part(Path path, long lo, long hi) {
        boolean within(Part other) {
            return other.lo <= lo && hi <= other.hi;
        }
    }

    private final Path root;

    ArchiveLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    Path events() {
        return root.resolve("events");
    }

    Path messages() {
        return root.resolve("messages");
    }

    static Path day(Path dataset, LocalDate day) {
        return dataset.resolve("day=" + day);
    }

    Path eventPart(LocalDate day, long lo, long hi) {
        return day(events(), day).resolve("part-" + lo + "-" + hi + ".parquet");
    }

    Path messageBatch(LocalDate day, long batchId) {
        return day(messages(), day).resolve("batch-" + batchId + ".parquet");
    }

    /** The glob a view reads: every Parquet file of every day of {@code dataset}. */
    static String glob(Path dataset) {
        return dataset + "/day=*/*.parquet";
    }

    static Path temporary(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        return target.resolveSibling("." + target.getFileName() + ".tmp");
    }

    /** Forces {@code tmp} to disk and renames it over {@code target} atomically, then forces the directory. */
    static void publish(Path tmp, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(target.getParent());
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** The {@code day=} directories of {@code dataset}, oldest first. */
    static List<LocalDate> days(Path dataset) {
        List<LocalDate> days = new ArrayList<>();
        if (!Files.isDirectory(dataset)) {
            return days;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dataset)) {
            for (Path p : s) {
                Matcher m = DAY_DIR.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) {
                    try {
                        days.add(LocalDate.parse(m.group(1)));
                    } catch (DateTimeParseException ignored) {
                        // not one of ours
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        days.sort(Comparator.naturalOrder());
        return days;
    }

    /** Whether {@code dataset} holds at least one Parquet file (a view over an empty glob fails to bind). */
    static boolean hasFiles(Path dataset) {
        for (LocalDate day : days(dataset)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(day(dataset, day), "*.parquet")) {
                if (files.iterator().hasNext()) {
                    return true;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return false;
    }

    /** The event files of one day, by lowest id. */
    List<Part> eventParts(LocalDate day) {
        List<Part> parts = new ArrayList<>();
        Path dir = day(events(), day);
        if (!Files.isDirectory(dir)) {
            return parts;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "part-*.parquet")) {
            for (Path p : s) {
                parse(p).ifPresent(parts::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        parts.sort(Comparator.comparingLong(Part::lo).thenComparingLong(Part::hi));
        return parts;
    }

    static Optional<Part> parse(Path file) {
        Matcher m = EVENT_PART.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Part(file, Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
    }

    /**
     * Brings the event archive back to exactly the committed events, whatever crash came before.
     * The archiver's cursor is advanced only after a file is published, and compaction writes a
     * file covering the union of the files it replaces before deleting them. So, per day:
     * <ul>
     *   <li>a file whose lowest id is above the cursor was written by a run that never
     *       committed: it is deleted (its events will be written again, possibly in a
     *       differently sized batch, so overwriting by name alone would not be enough);</li>
     *   <li>a file whose range lies within another file's range was compacted into it: it is
     *       deleted;</li>
     *   <li>leftover {@code .tmp} files of an interrupted write are deleted.</li>
     * </ul>
     * After a sweep, every committed event is in exactly one file.
     *
     * @return the number of files deleted
     */
    int sweepEvents(long cursor) throws IOException {
        int removed = 0;
        for (LocalDate day : days(events())) {
            removed += deleteTemporaries(day(events(), day));
            List<Part> parts = eventParts(day);
            for (Part p : parts) {
                boolean uncommitted = p.lo() > cursor;
                boolean superseded = parts.stream().anyMatch(o -> o != p && p.within(o) && !o.within(p) && o.hi() <= cursor);
                if (uncommitted || superseded) {
                    Files.deleteIfExists(p.path());
                    removed++;
                }
            }
        }
        for (LocalDate day : days(messages())) {
            removed += deleteTemporaries(day(messages(), day));
        }
        return removed;
    }

    private static int deleteTemporaries(Path dir) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
                removed++;
            }
        }
        return removed;
    }
}
