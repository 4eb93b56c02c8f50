package dev.switchboard.gateway.archive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.duckdb.DuckDBConnection;

/**
 * The read side of the archive: SQL over the Parquet files through a locked-down DuckDB
 * instance (see {@link DuckDb#openReader}), shared by tenant analytics and operator SQL.
 *
 * <p>Every query gets its own connection with two temporary views, {@code events} and
 * {@code messages}, over the day-partitioned globs (an empty typed view while a dataset has no
 * file yet, since a glob matching nothing does not bind). Queries are bounded three ways: at
 * most {@value #CONCURRENT} run at once (more wait briefly, then get {@link Busy}), each is
 * cancelled after the timeout, and results are streamed so a caller reading a few rows does not
 * make DuckDB materialise millions.
 */
public final class ArchiveQueries implements AutoCloseable {
    static final int CONCURRENT = 2;
    private static final String MEMORY_LIMIT = "512MB";

    /** Too many queries in flight. */
    public static final class Busy extends Exception {
        Busy() {
            super("the archive is busy answering other queries; retry shortly", null, false, false);
        }
    }

    /** The query ran longer than the timeout and was cancelled. */
    public static final class TimedOut extends Exception {
        TimedOut(Duration after) {
            super("the query was cancelled after " + after.toMillis() + " ms", null, false, false);
        }
    }

    /** Work done with a connection on which {@code events} and {@code messages} are defined. */
    @FunctionalInterface
    interface Work<T, X extends Exception> {
        T run(Connection c, Runner runner) throws SQLException, X;
    }

    /** Runs a prepared statement under the timeout and hands its result set to a reader. */
    @FunctionalInterface
    interface Runner {
        <T> T execute(PreparedStatement ps, ResultReader<T> reader) throws SQLException;
    }

    @FunctionalInterface
    interface ResultReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final ArchiveLayout layout;
    private final Duration timeout;
    private final Semaphore slots = new Semaphore(CONCURRENT, true);
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("archive-query-timer").daemon(true).unstarted(r));
    private DuckDBConnection reader;

    ArchiveQueries(ArchiveLayout layout, Duration timeout) {
        this.layout = layout;
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    <T, X extends Exception> T query(Work<T, X> work) throws SQLException, Busy, TimedOut, X {
        try {
            if (!slots.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new Busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy();
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        try (Connection c = reader().duplicate()) {
            defineViews(c);
            return work.run(c, new Runner() {
                @Override
                public <R> R execute(PreparedStatement ps, ResultReader<R> rr) throws SQLException {
                    ScheduledFuture<?> cancel = timer.schedule(() -> {
                        cancelled.set(true);
                        try {
                            ps.cancel();
                        } catch (SQLException ignored) {
                            // finished meanwhile
                        }
                    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rr.read(rs);
                    } finally {
                        cancel.cancel(false);
                    }
                }
            });
        } catch (SQLException e) {
            if (cancelled.get()) {
                throw new TimedOut(timeout);
            }
            throw e;
        } finally {
            slots.release();
        }
    }

    private synchronized DuckDBConnection reader() throws SQLException {
        if (reader == null) {
            reader = DuckDb.openReader(layout.root(), MEMORY_LIMIT, streaming());
        }
        return reader;
    }

    private static Properties streaming() {
        Properties p = new Properties();
        // Chunks are fetched as the caller reads, so a row cap also caps the work.
        p.setProperty("jdbc_stream_results", "true");
        return p;
    }

    /** Temporary views live with the connection: concurrent queries never see each other's. */
    private void defineViews(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE OR REPLACE TEMP VIEW events AS " + relation(layout.events(), ArchiveSchema.EVENTS));
            s.execute("CREATE OR REPLACE TEMP VIEW messages AS " + relation(layout.messages(), ArchiveSchema.MESSAGES));
        }
    }

    private static String relation(java.nio.file.Path dataset, java.util.List<ArchiveSchema.Column> columns) {
        if (!ArchiveLayout.hasFiles(dataset)) {
            return ArchiveSchema.emptyRelation(columns);
        }
        return "SELECT * FROM read_parquet(" + DuckDb.literal(ArchiveLayout.glob(dataset))
                + ", hive_partitioning = true, hive_types = {'day': DATE})";
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (reader != null) {
            try {
                reader.close();
            } catch (SQLException ignored) {
                // shutting down
            }
            reader = null;
        }
    }
}
