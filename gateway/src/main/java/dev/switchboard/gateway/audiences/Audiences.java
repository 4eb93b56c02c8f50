package dev.switchboard.gateway.audiences;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.store.Database;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant's audiences: named contact lists, uploaded once and reused by campaigns.
 *
 * <p><b>What it guarantees.</b> A contact is a phone in E.164 (the same digits message recipients
 * and opt-outs are keyed by) with the upload's other columns as its variables; an audience holds
 * each phone once; its count is exact; an import's report accounts for every row it read, even
 * when the upload stopped early (what was read stays imported, and the report says where and
 * why it stopped). A tenant reaches only its own audiences: another tenant's are not found.
 *
 * <p><b>Where writes go.</b> Every write is an op for a group-commit writer. On SQLite that is the
 * node's one writer (the file has one lock; a second writer would only make sends wait for an
 * import's commits, see {@link ContactImport}). On PostgreSQL, where rows lock one by one, an
 * import gets a writer and connection of its own, so a million-row upload never sits in the send
 * path's queue.
 *
 * <p><b>Deleting</b> hides the audience at once and purges its contacts afterwards, in chunks the
 * writer's size, on a background thread: one transaction deleting a million rows would hold
 * SQLite's lock for seconds. An import still running into it fails at its next chunk. A purge a
 * stopped node left unfinished is resumed when the next one opens.
 *
 * <p>For campaigns, {@link #contacts} streams an audience's contacts by keyset pages.
 */
public final class Audiences implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Audiences.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    static final int MAX_NAME_CHARS = 200;

    private final AudienceStore store;
    private final GroupCommitWriter writer;
    private final GroupCommitWriter ownWriter;
    private final Audience optOuts;
    private final SwitchboardConfig.Audiences limits;
    private final Clock clock;
    private final ExecutorService purger;
    private volatile boolean closed;

    private Audiences(AudienceStore store, GroupCommitWriter writer, GroupCommitWriter ownWriter, Audience optOuts,
                      SwitchboardConfig.Audiences limits, Clock clock) {
        this.store = store;
        this.writer = writer;
        this.ownWriter = ownWriter;
        this.optOuts = optOuts;
        this.limits = limits;
        this.clock = clock;
        this.purger = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("audience-purge").factory());
    }

    /**
     * @param sharedWriter the node's writer, used where the engine has a single write lock (SQLite)
     * @param optOuts      the tenant opt-outs an upload's phones are checked against
     */
    public static Audiences open(Database db, GroupCommitWriter sharedWriter, Audience optOuts, SwitchboardConfig.Audiences limits,
                                 Clock clock) {
        requireNonNull(db, "db");
        GroupCommitWriter own = db.writeLock() != null ? null : new GroupCommitWriter("audiences", () -> {
            try {
                return db.openWriterConnection();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot open the audiences writer's connection", e);
            }
        }, limits.batchRows(), 1_000, null);
        Audiences a = new Audiences(new AudienceStore(new Jdbc(db.reads()), JSON), own != null ? own : requireNonNull(sharedWriter,
                "sharedWriter"), own, requireNonNull(optOuts, "optOuts"), requireNonNull(limits, "limits"), clock);
        a.store.deleted().forEach(a::purgeLater);
        return a;
    }

    public SwitchboardConfig.Audiences limits() {
        return limits;
    }

    /** Creates an empty audience. {@code defaultCountry}: ISO 3166 alpha-2, or null. */
    public AudienceInfo create(String tenantId, String name, String defaultCountry) {
        if (name == null || name.isBlank() || name.strip().length() > MAX_NAME_CHARS) {
            throw Rejection.invalid("name", "must be a non-empty string of at most " + MAX_NAME_CHARS + " characters");
        }
        String country = null;
        if (defaultCountry != null) {
            if (!PhoneNormaliser.knownCountry(defaultCountry)) {
                throw Rejection.invalid("default_country", "must be an ISO 3166 country code such as IN, BR or US, not '"
                        + defaultCountry + "'");
            }
            country = defaultCountry.toUpperCase(Locale.ROOT);
        }
        long now = clock.millis();
        AudienceInfo a = new AudienceInfo(String.format("aud_%012x%012x", now, RANDOM.nextLong() & 0xffffffffffffL), tenantId,
                name.strip(), country, 0, null, now, now);
        write(store.create(a));
        return a;
    }

    public Optional<AudienceInfo> find(String tenantId, String id) {
        return store.find(tenantId, id);
    }

    /** A page of the tenant's audiences, oldest first, after the audience {@code afterId} (null: from the first). */
    public List<AudienceInfo> list(String tenantId, String afterId, int limit) {
        return store.list(tenantId, afterId, limit);
    }

    /** Deletes an audience; false when the tenant has no such audience. Its contacts are purged in the background. */
    public boolean delete(String tenantId, String id) {
        boolean[] found = new boolean[1];
        write(store.markDeleted(tenantId, id, clock.millis(), found));
        if (found[0]) {
            purgeLater(id);
        }
        return found[0];
    }

    /**
     * Reads {@code source} into the audience and returns the report, which is also kept as the
     * audience's last import.
     *
     * @param kind {@code csv} or {@code json} (how rows are numbered in the report)
     * @throws Rejection      404 for no such audience, or a refusal before any row was read
     * @throws ImportRefused  when the upload stopped after some rows (they stay imported)
     */
    ImportReport importContacts(String tenantId, String audienceId, String kind, ContactSource source) {
        AudienceInfo a = store.find(tenantId, audienceId).orElseThrow(() -> notFound(audienceId));
        ImportReport report = new ImportReport(kind, clock.millis());
        ContactImport sink = new ContactImport(store, writer, optOuts, a, clock, limits.batchRows(), limits.maxRows(), report);
        Rejection refusal = null;
        try {
            source.readInto(sink);
        } catch (Rejection r) {
            refusal = r;
        } catch (RuntimeException e) {
            sink.finish();
            throw e;
        }
        RuntimeException failed = sink.finish();
        if (failed instanceof Rejection r) {
            refusal = refusal == null ? r : refusal;
        } else if (failed != null) {
            throw failed;
        }
        if (refusal != null) {
            report.stopped(refusal.getMessage());
        }
        report.finished(clock.millis(), store.find(tenantId, audienceId).map(AudienceInfo::contacts).orElse(0L));
        if (report.rows() == 0 && refusal != null) {
            throw refusal; // nothing was read: the upload was refused as a whole
        }
        write(store.saveReport(audienceId, report.toJson(JSON).toString(), clock.millis()));
        if (refusal != null) {
            throw new ImportRefused(refusal, report);
        }
        return report;
    }

    /** A page of an audience's contacts in phone order after {@code afterPhone}; empty when the tenant has no such audience. */
    public Optional<List<Contact>> page(String tenantId, String audienceId, String afterPhone, int limit) {
        return store.find(tenantId, audienceId).map(a -> store.page(a.id(), afterPhone, limit));
    }

    /**
     * Every contact of an audience after {@code afterPhone} (null: from the first), read
     * {@code pageSize} at a time as the caller advances; empty when the tenant has no such audience.
     */
    public Optional<ContactCursor> contacts(String tenantId, String audienceId, String afterPhone, int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be positive");
        }
        return store.find(tenantId, audienceId).map(a -> new ContactCursor(store, a.id(), afterPhone, pageSize));
    }

    static Rejection notFound(String id) {
        return new Rejection(404, "not_found", 100, "No audience " + id);
    }

    private void write(dev.switchboard.gateway.store.WriteOp op) {
        try {
            writer.submit(op).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof GroupCommitWriter.Overloaded) {
                throw Rejection.overloaded();
            }
            throw e;
        }
    }

    private void purgeLater(String id) {
        try {
            purger.execute(() -> purge(id));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: the next node to open resumes it
        }
    }

    private void purge(String id) {
        try {
            int[] purged = new int[1];
            do {
                if (closed) {
                    return;
                }
                int chunk = Math.max(100, Math.min(limits.batchRows(), writer.rowBudget()));
                writer.submit(store.purgeContacts(id, chunk, purged)).join();
                if (purged[0] < chunk) {
                    break;
                }
            } while (true);
            writer.submit(store.drop(id)).join();
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("purging deleted audience {} failed; the next start resumes it", id, e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        purger.shutdownNow();
        if (ownWriter != null) {
            ownWriter.close();
        }
    }
}
