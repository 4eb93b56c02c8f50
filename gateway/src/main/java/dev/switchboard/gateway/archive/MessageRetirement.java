package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.archive.RetentionStore.Key;
import dev.switchboard.gateway.store.GroupCommitWriter;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves final messages older than the retention out of the hot table, a batch at a time, in
 * three steps: <em>mark</em> (keys into {@code archive_moves}), <em>write</em> (one Parquet file
 * per day of acceptance, named by the batch), <em>delete</em> (messages and their marks together).
 *
 * <p><b>Crashes.</b> A crash between steps leaves marks behind, and {@link #run} finishes those
 * batches first. Deletes start only once every file of the batch is published, so on recovery:
 * a batch with all its files was written completely, and only its deletes are finished (its
 * files are not rewritten from the rows that are left, which would drop the ones already
 * deleted); a batch missing a file never deleted anything, and its missing files are written
 * from its rows, all still hot. Either way each message is archived exactly once and leaves the
 * hot table only once it is on disk.
 *
 * <p><b>The send path first.</b> Candidates are found with a read on the pool; the writer that
 * owns {@code messages} only ever runs primary-key inserts and deletes, at most
 * {@value #WRITE_CHUNK} rows per op, so an OTP's claim never waits behind a retention scan.
 *
 * <p>A message updated between write and delete (a {@code read} arriving for a DELIVERED one in
 * that instant) is archived as it was at write time; the status itself is not lost, it is in the
 * event archive.
 */
final class MessageRetirement {
    static final int BATCH = 20_000;
    static final int WRITE_CHUNK = 2_000;
    private static final String STAGING = "staged_messages";
    private static final Pattern BATCH_FILE = Pattern.compile("batch-(\\d+)\\.parquet");
    private static final int ID = ArchiveSchema.index(ArchiveSchema.MESSAGES, "id");
    private static final int TENANT = ArchiveSchema.index(ArchiveSchema.MESSAGES, "tenant_id");
    private static final int ACCEPTED_AT = ArchiveSchema.index(ArchiveSchema.MESSAGES, "accepted_at");

    private final ArchiveLayout layout;
    private final RetentionStore store;
    private final GroupCommitWriter messagesWriter;
    /** Highest batch id used; batch ids name files, so one must never be reused (see {@link #nextBatchId}). */
    private long lastBatchId = -1;

    MessageRetirement(ArchiveLayout layout, RetentionStore store, GroupCommitWriter messagesWriter) {
        this.layout = layout;
        this.store = store;
        this.messagesWriter = messagesWriter;
    }

    /** Finishes interrupted batches, then retires final messages accepted before {@code cutoff}; returns how many. */
    long run(ParquetWriter out, long cutoff, long now) throws SQLException, IOException {
        long retired = 0;
        for (long pending : store.pendingBatches()) {
            retired += finish(out, pending, now);
            lastBatchId = Math.max(highestBatchId(), pending);
        }
        while (true) {
            List<Key> picked = store.candidates(cutoff, BATCH);
            if (picked.isEmpty()) {
                return retired;
            }
            long batchId = nextBatchId(now);
            mark(batchId, picked);
            retired += finish(out, batchId, now);
            if (picked.size() < BATCH) {
                return retired;
            }
        }
    }

    private void mark(long batchId, List<Key> keys) {
        for (int i = 0; i < keys.size(); i += WRITE_CHUNK) {
            messagesWriter.submit(store.mark(batchId, keys.subList(i, Math.min(keys.size(), i + WRITE_CHUNK)))).join();
        }
    }

    /** Writes whatever files of the batch are missing, then deletes the batch from the hot table. */
    private long finish(ParquetWriter out, long batchId, long now) throws SQLException, IOException {
        List<Object[]> rows = store.rows(batchId, now);
        writeMissingFiles(out, batchId, rows);
        List<Key> keys = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            keys.add(new Key((String) r[TENANT], (String) r[ID]));
        }
        for (int i = 0; i < keys.size(); i += WRITE_CHUNK) {
            messagesWriter.submit(store.delete(keys.subList(i, Math.min(keys.size(), i + WRITE_CHUNK)))).join();
        }
        return rows.size();
    }

    /** Test seam for a crash after the files were written and before the delete: mark and write only. */
    long markAndWrite(ParquetWriter out, long cutoff, long now) throws SQLException, IOException {
        List<Key> picked = store.candidates(cutoff, BATCH);
        if (picked.isEmpty()) {
            return 0;
        }
        long batchId = nextBatchId(now);
        mark(batchId, picked);
        List<Object[]> rows = store.rows(batchId, now);
        writeMissingFiles(out, batchId, rows);
        return rows.size();
    }

    private void writeMissingFiles(ParquetWriter out, long batchId, List<Object[]> rows) throws SQLException, IOException {
        Set<LocalDate> missing = new TreeSet<>();
        for (Object[] r : rows) {
            LocalDate day = EventExport.day(((Number) r[ACCEPTED_AT]).longValue());
            if (!Files.exists(layout.messageBatch(day, batchId))) {
                missing.add(day);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        out.stage(STAGING, ArchiveSchema.MESSAGES, rows);
        try {
            for (LocalDate day : missing) {
                out.write(STAGING, ArchiveSchema.MESSAGES, "CAST(epoch_ms(accepted_at) AS DATE) = DATE "
                        + DuckDb.literal(day.toString()), layout.messageBatch(day, batchId));
            }
        } finally {
            out.drop(STAGING);
        }
    }

    /**
     * Time-based and strictly increasing, and above every batch already on disk: the clock may
     * step back across a restart, and reusing an id would overwrite an archived file.
     */
    private long nextBatchId(long now) throws IOException {
        lastBatchId = Math.max(now, highestBatchId() + 1);
        return lastBatchId;
    }

    private long highestBatchId() throws IOException {
        if (lastBatchId < 0) {
            lastBatchId = highestBatchOnDisk();
        }
        return lastBatchId;
    }

    private long highestBatchOnDisk() throws IOException {
        long highest = 0;
        for (LocalDate day : ArchiveLayout.days(layout.messages())) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(ArchiveLayout.day(layout.messages(), day), "batch-*.parquet")) {
                for (Path p : s) {
                    Matcher m = BATCH_FILE.matcher(p.getFileName().toString());
                    if (m.matches()) {
                        highest = Math.max(highest, Long.parseLong(m.group(1)));
                    }
                }
            }
        }
        return highest;
    }
}
