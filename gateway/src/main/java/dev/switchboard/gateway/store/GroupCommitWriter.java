package dev.switchboard.gateway.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer thread, many requests per transaction.
 *
 * <p><b>Why.</b> A 2xx from Switchboard means the message is on disk. Committing each request
 * alone would cost one fsync per message and, on SQLite, serialise every request behind the
 * single write lock. Instead requests hand a {@link WriteOp} to this writer and wait on a
 * future; the writer drains whatever has queued up while the previous commit was running,
 * applies it all in one transaction and completes every future after the commit returns. Under
 * light load a batch is one op and latency is one commit; under heavy load batches grow by
 * themselves and the fsync cost per message falls — classic group commit, no timers.
 *
 * <p><b>Three queues.</b> Ops come {@link #submitExpress express}, {@link #submitUrgent urgent}
 * or normal. Each transaction takes express ops first, then urgent ones, and fills up with
 * normal ones, so an express op waits for at most the transaction in progress and an urgent op
 * for at most the
 * transaction in progress, however deep the normal queue. The send path makes its claims and
 * settlements urgent and everything of the HIGH lane express: an OTP's claim must not queue
 * behind a marketing backlog's own claims (measured on PostgreSQL: hundreds of them), nor behind a
 * flood of marketing accepts and bulk status updates. A transaction is capped by
 * {@link WriteOp#rows() rows}, not ops, so one holds a bounded amount of work whatever the
 * size of the accept batches in it.
 *
 * <p><b>Transactions bounded in time.</b> What an express op can wait for is the transaction in
 * progress, so that transaction must be short. A fixed row cap cannot promise that (an insert
 * costs a fraction of an index-heavy update, and PostgreSQL's costs are not SQLite's), so the
 * writer measures what a row costs it (apply and flush, moving average) and sizes each
 * transaction to about {@link #TRANSACTION_BUDGET_NANOS} of work, between
 * {@link #MIN_ROWS} and the configured cap. That holds where rows are the cost (SQLite, under
 * its shared lock); on PostgreSQL time goes to round trips, so there the cap stands. Producers of bulk work size their ops with
 * {@link #rowBudget()} so that no single op outgrows it.
 *
 * <p><b>One SQLite file, several writers.</b> SQLite has one write lock per file. Writers that
 * meet on it inside SQLite back off by sleeping (1, 2, 5, 10… ms), which put tens of
 * milliseconds on OTP claims and webhook acks while another writer committed. Writers of one
 * SQLite database therefore share a fair in-process {@link Lock}, held from the first statement
 * to the commit: the next writer starts the moment the previous one commits.
 *
 * <p><b>Invariants.</b> A future completes normally only after the transaction holding its op
 * has committed. Ops of one queue are applied in submission order; an urgent op may overtake
 * normal ops submitted before it, so callers make urgent only ops whose rows no earlier normal
 * op can still be changing (a claim can only follow its accept's commit; status updates are
 * monotonic and guarded). If a batch fails, it is rolled back and
 * each op is retried in a transaction of its own, so one bad op fails alone and the others
 * still commit. The queue is bounded: when full, {@link #submit} fails fast with
 * {@link Overloaded} and the caller answers 503 — nothing was accepted, so nothing is lost.
 */
public final class GroupCommitWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** Thrown (inside the future) when the writer's queue is full. */
    public static final class Overloaded extends RuntimeException {
        Overloaded(String name) {
            super("writer " + name + " is overloaded; retry shortly");
        }
    }

    private record Pending(WriteOp op, CompletableFuture<Void> done) {}

    /** Transactions slower than this are logged with their contents (system property to trace stalls). */
    private static final long SLOW_NANOS = Long.getLong("switchboard.writer.slowMillis", 500) * 1_000_000L;
    /** Work per transaction the writer aims for: an express op waits at most about this long. */
    static final long TRANSACTION_BUDGET_NANOS = 4_000_000L;
    static final int MIN_ROWS = 16;

    private final String name;
    private final Supplier<Connection> connections;
    private final BlockingQueue<Pending> queue;
    private final BlockingQueue<Pending> urgent;
    private final BlockingQueue<Pending> express;
    /** One permit per submission (roughly): what the idle writer thread sleeps on. */
    private final Semaphore work = new Semaphore(0);
    private final int maxBatch;
    private final Lock sharedLock;
    /** Moving average of apply-and-flush nanoseconds per row. */
    private double nanosPerRow = 2_000;
    private volatile int rowBudget;
    private final Thread thread;
    private volatile boolean running = true;
    private Connection connection;
    private long commits;
    private int statementSwitches;
    private long ops;

    public GroupCommitWriter(String name, Supplier<Connection> connections, int maxBatch, int queueCapacity) {
        this(name, connections, maxBatch, queueCapacity, null);
    }

    /** {@code sharedLock}: held around each transaction; the writers of one SQLite file share one (null: none). */
    public GroupCommitWriter(String name, Supplier<Connection> connections, int maxBatch, int queueCapacity, Lock sharedLock) {
        this.name = name;
        this.connections = connections;
        this.maxBatch = maxBatch;
        this.sharedLock = sharedLock;
        this.rowBudget = sharedLock == null ? maxBatch : Math.min(maxBatch, 500);
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.urgent = new ArrayBlockingQueue<>(queueCapacity);
        this.express = new ArrayBlockingQueue<>(queueCapacity);
        // A platform thread: JDBC drivers block in native I/O and synchronized sections, which
        // would pin a virtual thread anyway.
        this.thread = Thread.ofPlatform().name("writer-" + name).daemon(true).start(this::run);
    }

    public CompletableFuture<Void> submit(WriteOp op) {
        return enqueue(queue, op);
    }

    /** Submits an op that goes into the next transaction ahead of every normal op. */
    public CompletableFuture<Void> submitUrgent(WriteOp op) {
        return enqueue(urgent, op);
    }

    /** Submits an op that goes into the next transaction ahead of urgent and normal ops. */
    public CompletableFuture<Void> submitExpress(WriteOp op) {
        return enqueue(express, op);
    }

    private CompletableFuture<Void> enqueue(BlockingQueue<Pending> q, WriteOp op) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("writer " + name + " is closed"));
        } else if (!q.offer(new Pending(op, done))) {
            done.completeExceptionally(new Overloaded(name));
        } else {
            work.release();
        }
        return done;
    }

    public int queued() {
        return queue.size() + urgent.size() + express.size();
    }

    public long commits() {
        return commits;
    }

    public long ops() {
        return ops;
    }

    /** Rows a transaction currently holds at most; bulk producers keep each op within it. */
    public int rowBudget() {
        return rowBudget;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (running || !queue.isEmpty() || !urgent.isEmpty() || !express.isEmpty()) {
            try {
                // Permits only wake the thread; the queues are the truth. Draining the permits
                // before the queues means a submit racing with this turn leaves one behind.
                work.drainPermits();
                int rows = take(express, batch, 0);
                rows = take(urgent, batch, rows);
                take(queue, batch, rows);
                if (batch.isEmpty()) {
                    work.tryAcquire(100, TimeUnit.MILLISECONDS);
                    continue;
                }
                writeBatch(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.error("writer {} failed a batch", name, e);
                for (Pending p : batch) {
                    p.done.completeExceptionally(e);
                }
            } finally {
                batch.clear();
            }
        }
        closeConnection();
    }

    /** Moves ops from {@code from} into {@code batch} while the transaction has room; returns its rows. */
    private int take(BlockingQueue<Pending> from, List<Pending> batch, int rows) {
        Pending p;
        while ((p = from.peek()) != null) {
            int r = Math.max(1, p.op.rows());
            if (!batch.isEmpty() && rows + r > rowBudget) {
                break; // a heavy op waits for the next transaction rather than delaying the light ones
            }
            from.poll();
            batch.add(p);
            rows += r;
        }
        return rows;
    }

    private void writeBatch(List<Pending> batch) {
        if (sharedLock != null) {
            sharedLock.lock();
        }
        try {
            writeLocked(batch);
        } finally {
            if (sharedLock != null) {
                sharedLock.unlock();
            }
        }
    }

    private void writeLocked(List<Pending> batch) {
        long start = System.nanoTime();
        long applied;
        long flushed;
        try {
            Connection c = connection();
            try (Batches b = new Batches(c)) {
                for (Pending p : batch) {
                    p.op.apply(b);
                }
                applied = System.nanoTime();
                b.flush();
                flushed = System.nanoTime();
                statementSwitches = b.executions();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            rollback();
            if (batch.size() == 1) {
                batch.get(0).done.completeExceptionally(e);
                return;
            }
            // Isolate the failing op: every other op still deserves its commit.
            for (Pending p : batch) {
                writeLocked(new ArrayList<>(List.of(p)));
            }
            return;
        }
        adaptBudget(batch, flushed - start);
        // Committed. Nothing below may throw back into the retry path above: re-applying a
        // committed op would insert its rows twice.
        commits++;
        ops += batch.size();
        long took = System.nanoTime() - start;
        if (took > SLOW_NANOS) {
            logSlow(batch, took, (applied - start) / 1_000_000, (flushed - applied) / 1_000_000,
                    (System.nanoTime() - flushed) / 1_000_000);
        }
        for (Pending p : batch) {
            try {
                p.op.afterCommit();
            } catch (RuntimeException e) {
                LOG.error("writer {}: afterCommit hook failed (the data is committed)", name, e);
            }
        }
        for (Pending p : batch) {
            p.done.complete(null);
        }
    }

    private void adaptBudget(List<Pending> batch, long workNanos) {
        if (sharedLock == null) {
            // Only where rows are the cost. On PostgreSQL a transaction's time is round trips,
            // each waiting for a backend that competes for the same cores: smaller transactions
            // only add round trips (measured: the budget fell to 16 rows at ~5 ms a row, and
            // accepts slowed to a crawl), so there the configured cap stands.
            return;
        }
        int rows = 0;
        for (Pending p : batch) {
            rows += Math.max(1, p.op.rows());
        }
        if (rows < MIN_ROWS) {
            return; // too small to say anything about the cost of a row
        }
        nanosPerRow = 0.8 * nanosPerRow + 0.2 * ((double) workNanos / rows);
        rowBudget = (int) Math.max(MIN_ROWS, Math.min(maxBatch, TRANSACTION_BUDGET_NANOS / Math.max(1.0, nanosPerRow)));
    }

    /** A transaction that took long: what was in it (by op class), so storage stalls can be traced. */
    private void logSlow(List<Pending> batch, long nanos, long applyMillis, long flushMillis, long commitMillis) {
        java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
        int rows = 0;
        for (Pending p : batch) {
            String cls = p.op.getClass().getName();
            int lambda = cls.indexOf("$$Lambda");
            kinds.merge(lambda < 0 ? cls : cls.substring(0, lambda), 1, Integer::sum);
            rows += Math.max(1, p.op.rows());
        }
        LOG.warn("writer {}: slow transaction, {} ms (apply {}, last flush {}, commit {}) for {} ops ({} rows, {} batch executions): {}",
                name, nanos / 1_000_000, applyMillis, flushMillis, commitMillis, batch.size(), rows, statementSwitches, kinds);
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = connections.get();
        }
        return connection;
    }

    private void rollback() {
        try {
            if (connection != null && !connection.isClosed()) {
                connection.rollback();
            }
        } catch (SQLException e) {
            LOG.warn("writer {} rollback failed; reopening its connection", name, e);
            closeConnection();
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the writer is going away
            }
            connection = null;
        }
    }

    /** Stops accepting, writes what is queued, then closes the connection. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
