package dev.switchboard.gateway.audiences;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.store.GroupCommitWriter;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One upload into one audience, fed a row at a time by a reader ({@link CsvContacts},
 * {@link JsonContacts}) and written in chunks while the upload is still arriving.
 *
 * <p><b>Why streaming.</b> An audience may have millions of rows; holding an upload (or its
 * parse) in memory would make the heap a function of the customer's list. Here memory is a
 * function of the chunk size only: each row is normalised and checked the moment it is read,
 * then either counted as refused (invalid, opted out) or appended to the current chunk; a full
 * chunk becomes one {@link AudienceStore.Insert} op for the group-commit writer. At most
 * {@link #IN_FLIGHT} chunks are with the writer while the next one fills, so parsing overlaps
 * the commits and a slow disk slows the reader (and so the upload) down instead of letting
 * chunks pile up.
 *
 * <p><b>Why the writer, and chunks its size.</b> On SQLite every write of the node goes through
 * one writer, and the file has one lock; an import that wrote on a connection of its own would
 * queue OTP claims behind its transactions. So the import's chunks are ops like any other, and
 * each is at most the writer's current {@link GroupCommitWriter#rowBudget() row budget} (the
 * rows it can write in about its time budget): an express op waits for at most one chunk.
 *
 * <p><b>Why the database dedupes.</b> Duplicates are found by the {@code (audience_id, phone)}
 * primary key, not by a set in memory: a million phones would cost tens of megabytes, and an
 * earlier upload's contacts (or a concurrent upload's) are duplicates too. Each op learns how
 * many of its rows were new; the rest were duplicates. Opt-outs are checked against the
 * tenant's in-memory opt-out list, which the send path consults for every message anyway.
 *
 * <p>Not thread-safe: one reader thread drives it.
 */
final class ContactImport {
    /** Chunks with the writer at once, besides the one filling. */
    static final int IN_FLIGHT = 2;
    /** A variable longer than this makes its row invalid (a template parameter is far shorter). */
    static final int MAX_VARIABLE_CHARS = 1024;

    private static final JsonStringEncoder JSON_STRINGS = JsonStringEncoder.getInstance();

    private record Pending(AudienceStore.Insert op, CompletableFuture<Void> done) {}

    private final AudienceStore store;
    private final GroupCommitWriter writer;
    private final Audience optOuts;
    private final AudienceInfo audience;
    private final PhoneNormaliser phones;
    private final Clock clock;
    private final int batchRows;
    private final long maxRows;
    private final ImportReport report;
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private String[] chunkPhones;
    private String[] chunkVariables;
    private int chunkSize;
    private int chunkCapacity;

    ContactImport(AudienceStore store, GroupCommitWriter writer, Audience optOuts, AudienceInfo audience, Clock clock, int batchRows, long maxRows, ImportReport report) {
        this.store = store;
        this.writer = writer;
        this.optOuts = optOuts;
        this.audience = audience;
        this.phones = new PhoneNormaliser(audience.defaultCountry());
        this.clock = clock;
        this.batchRows = batchRows;
        this.maxRows = maxRows;
        this.report = report;
        newChunk();
    }

    /**
     * One data row: {@code position} is its line (CSV) or index (JSON), {@code variables} the
     * row's other fields (kept in order). Refused rows are counted, never thrown.
     *
     * @throws Rejection 413 when the upload has more rows than allowed (the caller stops reading)
     */
    void row(long position, String rawPhone, Map<String, String> variables) {
        if (report.rows() >= maxRows) {
            throw tooManyRows(maxRows);
        }
        report.row();
        PhoneNormaliser.Result phone = phones.normalise(rawPhone);
        if (!phone.valid()) {
            report.invalid(position, rawPhone, phone.reason());
            return;
        }
        for (Map.Entry<String, String> v : variables.entrySet()) {
            if (v.getValue().length() > MAX_VARIABLE_CHARS) {
                report.invalid(position, rawPhone, "variable '" + v.getKey() + "' is longer than " + MAX_VARIABLE_CHARS + " characters");
                return;
            }
        }
        if (optOuts.optedOut(audience.tenantId(), phone.digits(), clock.millis())) {
            report.countOptedOut();
            return;
        }
        chunkPhones[chunkSize] = phone.digits();
        chunkVariables[chunkSize] = variables.isEmpty() ? null : toJson(variables);
        if (++chunkSize == chunkCapacity) {
            flush();
        }
    }

    /** A row refused by the reader itself (wrong number of fields, not an object, …). */
    void invalid(long position, String value, String reason) {
        if (report.rows() >= maxRows) {
            throw tooManyRows(maxRows);
        }
        report.row();
        report.invalid(position, value, reason);
    }

    /**
     * Writes what is left and waits for every chunk; afterwards the report's counts are final.
     * Returns the refusal that ended the import early, if a chunk could not be written.
     */
    RuntimeException finish() {
        RuntimeException failure = null;
        try {
            flush();
        } catch (RuntimeException e) {
            failure = e;
        }
        while (!inFlight.isEmpty()) {
            try {
                settle(inFlight.poll());
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        return failure;
    }

    ImportReport report() {
        return report;
    }

    private void flush() {
        if (chunkSize == 0) {
            return;
        }
        AudienceStore.Insert op = store.new Insert(audience.tenantId(), audience.id(), chunkPhones, chunkVariables, chunkSize,
                clock.millis());
        newChunk();
        inFlight.add(new Pending(op, writer.submit(op)));
        while (inFlight.size() > IN_FLIGHT) {
            settle(inFlight.poll());
        }
    }

    private void settle(Pending p) {
        try {
            p.done().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AudienceStore.AudienceGone) {
                throw new Rejection(409, "audience_deleted", 100, "The audience was deleted during the import");
            }
            if (cause instanceof GroupCommitWriter.Overloaded) {
                throw Rejection.overloaded();
            }
            throw new IllegalStateException("writing contacts failed", cause);
        }
        report.written(p.op().inserted(), p.op().size() - p.op().inserted());
    }

    private void newChunk() {
        chunkCapacity = Math.max(1, Math.min(batchRows, writer.rowBudget()));
        chunkPhones = new String[chunkCapacity];
        chunkVariables = new String[chunkCapacity];
        chunkSize = 0;
    }

    /** The variables as a JSON object, written directly: a serializer per row showed in the profile of a large import. */
    static String toJson(Map<String, String> variables) {
        StringBuilder out = new StringBuilder(16 + variables.size() * 24).append('{');
        for (Map.Entry<String, String> v : variables.entrySet()) {
            out.append(out.length() == 1 ? "\"" : ",\"");
            JSON_STRINGS.quoteAsString(v.getKey(), out);
            out.append("\":\"");
            JSON_STRINGS.quoteAsString(v.getValue(), out);
            out.append('"');
        }
        return out.append('}').toString();
    }

    static Rejection tooManyRows(long max) {
        return new Rejection(413, "too_many_rows", 100, "An upload may have at most " + max + " rows (audiences.maxRows);"
                + " the rows before the limit were imported, split the rest into further uploads");
    }
}
