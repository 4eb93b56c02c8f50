package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves what Switchboard has learnt out of the hot database into Parquet files, partitioned by
 * day, where analytics and operators can scan months of it without touching the send path.
 *
 * <p><b>Events.</b> The archiver is a consumer of the {@link EventLog} like the tenant delivery
 * outbox: it reads {@code webhook_events} in id order after its own cursor ({@value #CONSUMER}),
 * joins each status to its message's campaign, template, category and send time (only the hot
 * database knows them, and only for a while), writes one file per day and batch, and only then
 * advances its cursor. Every status, inbound message and account signal thus reaches the
 * archive at least once; what makes it <em>exactly</em> once is that file names are derived from
 * the ids they hold ({@code part-<lowest>-<highest>.parquet}) and that each run starts with a
 * {@link ArchiveLayout#sweepEvents sweep} deleting every file the cursor does not cover. A crash
 * after a file is written but before the cursor moves therefore costs a rewrite, never a
 * duplicate, even when the retry batches the events differently. We chose this over
 * de-duplicating by event id in every query: the files stay exact for operators' ad-hoc SQL,
 * and queries do not pay a hash aggregation over the whole archive to undo a rare crash. (The
 * analytics are nonetheless insensitive to duplicates by construction, as a second line: they
 * aggregate per message with boolean ORs and distinct counts.)
 *
 * <p><b>Retention.</b> The hot {@code messages} table keeps what the send path and recent
 * look-ups need. Messages in a final state accepted longer than {@code retention} ago are
 * {@linkplain MessageRetirement retired}: written to {@code messages/day=...} and deleted, the
 * delete going through the writer that owns the table. Event-log rows every consumer has passed
 * and that are older than the retention are purged. Both run at most hourly (and on
 * {@link #flush}): they move large, old sets and need no freshness. Closed days' small files are
 * {@linkplain EventCompaction compacted} at the same time.
 *
 * <p><b>Freshness.</b> Analytics read only the archive, never the hot tables, so they lag by at
 * most one {@code interval} (30 s by default). {@link #flush} archives everything committed so
 * far, synchronously, for operators and deterministic tests.
 *
 * <p><b>Invariants.</b> One run at a time per node (a lock) and per database (a PostgreSQL
 * advisory lock, see {@link ArchiveLock}); a directory is only ever touched by the database it
 * belongs to ({@link ArchiveIdentity}: the sweep would otherwise read a fresh database's cursor
 * of 0 as "nothing here is committed"); the cursor never passes an event whose file is not
 * durable; a message leaves the hot table only after its file is durable; a file, once its ids
 * are below the cursor, is only ever replaced by a compacted file covering it.
 */
public final class Archiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);
    static final String CONSUMER = "archive";
    /** Everyone who reads the event log; an event may be purged only once all of them passed it. */
    private static final List<String> EVENT_CONSUMERS = List.of(CONSUMER, "delivery");
    static final int BATCH = 20_000;
    private static final Duration MAINTENANCE_EVERY = Duration.ofHours(1);
    private static final Duration PURGE_STEP = Duration.ofMinutes(1);
    private static final int PURGE_SLICES_PER_RUN = 24 * 60;

    /** What a run did. {@code ran} is false when another node holds the archive. */
    public record Report(boolean ran, long eventsArchived, long messagesRetired, int filesSwept, int daysCompacted,
                         long cursor) {}

    /** For the operator: how far behind the archive is and how the last run went. */
    public record Status(long cursor, long head, Instant lastRunAt, String lastError) {}

    private final ArchiveLayout layout;
    private final EventLog events;
    private final GroupCommitWriter messagesWriter;
    private final Jdbc jdbc;
    private final ArchiveLock runLock;
    private final ArchiveIdentity identity;
    private final EventExport export;
    private final MessageRetirement retirement;
    private final EventCompaction compaction;
    private final ParquetWriter parquet;
    private final Duration retention;
    private final Duration interval;
    private final Clock clock;
    private final ReentrantLock running = new ReentrantLock();
    private final Counter archivedCounter;
    private final Counter retiredCounter;
    private final Counter failures;
    private final AtomicLong lag = new AtomicLong();
    private final ScheduledExecutorService scheduler;
    private DuckDBConnection duck;
    private Instant lastMaintenance = Instant.EPOCH;
    private volatile Instant lastRunAt;
    private volatile String lastError;

    Archiver(ArchiveLayout layout, EventLog events, GroupCommitWriter messagesWriter, Jdbc jdbc, ArchiveLock runLock,
             Duration retention, Duration interval, MeterRegistry registry, Clock clock) {
        this.layout = layout;
        this.events = events;
        this.messagesWriter = messagesWriter;
        this.jdbc = jdbc;
        this.runLock = runLock;
        this.identity = new ArchiveIdentity(layout, jdbc, messagesWriter);
        this.parquet = new ParquetWriter(this::duck);
        this.export = new EventExport(layout, new MessageAttributes(jdbc, layout));
        this.retirement = new MessageRetirement(layout, new RetentionStore(jdbc), messagesWriter);
        this.compaction = new EventCompaction(layout);
        this.retention = retention;
        this.interval = interval;
        this.clock = clock;
        this.archivedCounter = Counter.builder("switchboard_archive_events").register(registry);
        this.retiredCounter = Counter.builder("switchboard_archive_messages_retired").register(registry);
        this.failures = Counter.builder("switchboard_archive_failures").register(registry);
        Gauge.builder("switchboard_archive_lag_events", lag, AtomicLong::get).register(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("archiver").daemon(true).unstarted(r));
    }

    void start() {
        long every = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        if (!running.tryLock()) {
            return; // a flush is running; it does this run's work
        }
        try {
            boolean maintenance = !clock.instant().isBefore(lastMaintenance.plus(MAINTENANCE_EVERY));
            run(maintenance);
        } catch (Exception e) {
            failures.increment();
            lastError = e.toString();
            LOG.error("archive run failed; retrying in {}", interval, e);
        } finally {
            running.unlock();
        }
    }

    /** Archives every event committed so far, then retires, purges and compacts; waits for a scheduled run in progress. */
    public Report flush() throws SQLException, IOException {
        running.lock();
        try {
            return run(true);
        } catch (SQLException | IOException | RuntimeException e) {
            failures.increment();
            lastError = e.toString();
            throw e;
        } finally {
            running.unlock();
        }
    }

    private Report run(boolean maintenance) throws SQLException, IOException {
        try (ArchiveLock.Held held = runLock.tryAcquire()) {
            if (held == null) {
                return new Report(false, 0, 0, 0, 0, events.cursor(CONSUMER));
            }
            identity.verify(); // before the sweep deletes anything
            long cursor = events.cursor(CONSUMER);
            int swept = layout.sweepEvents(cursor);
            long archived = 0;
            List<WebhookEvent> batch;
            do {
                batch = events.after(cursor, BATCH);
                if (batch.isEmpty()) {
                    break;
                }
                export.write(batch, parquet, this::duck);
                long last = batch.get(batch.size() - 1).id();
                messagesWriter.submit(EventLog.advanceOp(CONSUMER, last)).join();
                cursor = last;
                archived += batch.size();
                archivedCounter.increment(batch.size());
            } while (batch.size() == BATCH);
            long retired = 0;
            int compacted = 0;
            if (maintenance) {
                long now = clock.millis();
                retired = retirement.run(parquet, now - retention.toMillis(), now);
                retiredCounter.increment(retired);
                purgeEvents(now - retention.toMillis());
                // A day is closed once yesterday is over: late statuses for it are rare, and merely reopen it.
                compacted = compaction.run(this::duck, LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1), cursor);
                lastMaintenance = clock.instant();
            }
            lag.set(Math.max(0, events.head() - cursor));
            lastRunAt = clock.instant();
            lastError = null;
            return new Report(true, archived, retired, swept, compacted, cursor);
        }
    }

    /**
     * Purges archived event-log rows, oldest first, one minute of arrivals per transaction: a
     * week's backlog deleted in one statement would hold the send path's writer for seconds.
     * At most a day of arrivals is purged per run; the rest waits for the next one.
     *
     * <p>The newest row is always kept: {@link EventLog} seeds its id sequence from
     * {@code MAX(id)} on start, and an emptied log would restart ids below the consumers'
     * cursors, which would then skip every new event.
     */
    private void purgeEvents(long before) {
        long passedByAll = Long.MAX_VALUE;
        for (String consumer : EVENT_CONSUMERS) {
            passedByAll = Math.min(passedByAll, events.cursor(consumer));
        }
        // Slices beyond the last event every consumer passed would delete nothing: skip them.
        Long lastPassed = jdbc.one("SELECT received_at FROM webhook_events WHERE id <= ? ORDER BY id DESC LIMIT 1",
                rs -> rs.getLong(1), passedByAll).orElse(null);
        Long oldest = jdbc.one("SELECT received_at FROM webhook_events ORDER BY id LIMIT 1", rs -> rs.getLong(1)).orElse(null);
        Long newest = jdbc.one("SELECT received_at FROM webhook_events WHERE id = (SELECT MAX(id) FROM webhook_events)",
                rs -> rs.getLong(1)).orElse(null);
        if (lastPassed == null || oldest == null || newest == null) {
            return;
        }
        long bound = Math.min(before, Math.min(newest, lastPassed + 1));
        if (oldest >= bound) {
            return;
        }
        long step = PURGE_STEP.toMillis();
        for (int slice = 1; slice <= PURGE_SLICES_PER_RUN; slice++) {
            long upTo = Math.min(bound, oldest + slice * step);
            messagesWriter.submit(events.purge(EVENT_CONSUMERS, upTo)).join();
            if (upTo == bound) {
                return;
            }
        }
    }

    private DuckDBConnection duck() throws SQLException {
        if (duck == null) {
            duck = DuckDb.openWriter(layout.root());
        }
        return duck;
    }

    public Status status() {
        return new Status(events.cursor(CONSUMER), events.head(), lastRunAt, lastError);
    }

    // ---- test seams: the two crash windows, reproduced without killing the JVM -----------------

    /** Writes the next {@code limit} events' files and stops before advancing the cursor, as a crash there would. */
    void writeWithoutAdvancing(int limit) throws SQLException, IOException {
        running.lock();
        try {
            identity.verify();
            List<WebhookEvent> batch = events.after(events.cursor(CONSUMER), limit);
            if (!batch.isEmpty()) {
                export.write(batch, parquet, this::duck);
            }
        } finally {
            running.unlock();
        }
    }

    /** Marks and writes one retirement batch and stops before deleting it from the hot table. */
    long retireWithoutDeleting() throws SQLException, IOException {
        running.lock();
        try {
            identity.verify();
            long now = clock.millis();
            return retirement.markAndWrite(parquet, now - retention.toMillis(), now);
        } finally {
            running.unlock();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        running.lock();
        try {
            if (duck != null) {
                duck.close();
                duck = null;
            }
        } catch (SQLException e) {
            LOG.warn("closing the archive's DuckDB failed", e);
        } finally {
            running.unlock();
        }
    }
}
