package dev.switchboard.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.gateway.testing.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitWriterTest {
    private static Path dir;
    private static TestDatabases.TestDb testDb;
    private static Database db;
    private static final AtomicInteger TABLES = new AtomicInteger();

    @Parameter
    String engine;

    private GroupCommitWriter writer;
    private String table;

    @BeforeParameterizedClassInvocation
    static void openDatabase(String engine) throws Exception {
        if (!TestDatabases.available(engine)) {
            return; // each test then skips with the reason (see assumeEngine)
        }
        dir = Files.createTempDirectory("sb-gcw-");
        testDb = TestDatabases.forEngine(engine, dir);
        db = Database.open(testDb.config());
    }

    @AfterParameterizedClassInvocation
    static void closeDatabase() {
        if (db != null) {
            db.close();
            db = null;
        }
        if (testDb != null) {
            testDb.close();
            testDb = null;
        }
        dev.switchboard.gateway.testing.TestNodes.deleteTree(dir);
    }

    @BeforeEach
    void createTable() throws SQLException {
        TestDatabases.assumeAvailable(engine);
        table = "gcw_" + TABLES.incrementAndGet();
        try (Connection c = db.reads().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (id INTEGER NOT NULL PRIMARY KEY, val BIGINT NOT NULL)");
            s.execute("INSERT INTO " + table + " (id, val) VALUES (0, 0)");
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    @AfterEach
    void closeWriter() {
        if (writer != null) {
            writer.close();
        }
    }

    private GroupCommitWriter writer(int maxBatch, int capacity) {
        writer = new GroupCommitWriter("test-" + engine, () -> {
            try {
                return db.openWriterConnection();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, maxBatch, capacity, db.writeLock());
        return writer;
    }

    private WriteOp insert(int id, long val) {
        return b -> {
            PreparedStatement ps = b.batch("INSERT INTO " + table + " (id, val) VALUES (?, ?)");
            ps.setInt(1, id);
            ps.setLong(2, val);
            ps.addBatch();
        };
    }

    /** An op that holds the writer thread until released, so later submits pile up into one batch. */
    private static final class Gate implements WriteOp {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void apply(Batches batches) {
            entered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private long count() throws SQLException {
        return queryLong("SELECT COUNT(*) FROM " + table + " WHERE id > 0");
    }

    private long queryLong(String sql) throws SQLException {
        try (Connection c = db.reads().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<Integer> ids() throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = db.reads().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM " + table + " WHERE id > 0 ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }

    @Test
    void manyConcurrentSubmitsAllCommit() throws Exception {
        GroupCommitWriter w = writer(2000, 100_000);
        int threads = 8;
        int perThread = 400;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<CompletableFuture<Void>>>> submitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                submitted.add(pool.submit(() -> {
                    List<CompletableFuture<Void>> fs = new ArrayList<>();
                    for (int i = 1; i <= perThread; i++) {
                        fs.add(w.submit(insert(base + i, base + i)));
                    }
                    return fs;
                }));
            }
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<Void>>> f : submitted) {
                all.addAll(f.get(30, TimeUnit.SECONDS));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(all).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        } finally {
            pool.shutdownNow();
        }
        assertThat(count()).isEqualTo((long) threads * perThread);
        assertThat(queryLong("SELECT SUM(val) FROM " + table)).isEqualTo((long) threads * perThread * (threads * perThread + 1) / 2);
        assertThat(w.ops()).isEqualTo((long) threads * perThread);
        assertThat(w.commits()).isBetween(1L, w.ops());
    }

    @Test
    void aFutureCompletesOnlyAfterItsDataIsCommitted() throws Exception {
        GroupCommitWriter w = writer(2000, 1000);
        for (int i = 1; i <= 20; i++) {
            w.submit(insert(i, i)).get(10, TimeUnit.SECONDS);
            // visible to another connection as soon as the future completes
            assertThat(count()).isEqualTo(i);
        }
    }

    @Test
    void opsAreAppliedAndHooksRunInSubmissionOrder() throws Exception {
        GroupCommitWriter w = writer(2000, 10_000);
        Gate gate = new Gate();
        CompletableFuture<Void> gated = w.submit(gate);
        assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();

        int n = 500;
        List<Integer> applied = Collections.synchronizedList(new ArrayList<>());
        List<Integer> hooks = Collections.synchronizedList(new ArrayList<>());
        List<Integer> completions = Collections.synchronizedList(new ArrayList<>());
        List<Integer> completedBeforeHook = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            int k = i;
            // a compare-and-set chain: row 0 goes k-1 -> k only if every earlier op already ran
            WriteOp step = new WriteOp() {
                int updated;

                @Override
                public void apply(Batches b) throws SQLException {
                    PreparedStatement ps = b.batch("UPDATE " + table + " SET val = ? WHERE id = 0 AND val = ?", c -> updated = c);
                    ps.setLong(1, k);
                    ps.setLong(2, k - 1);
                    ps.addBatch();
                    PreparedStatement ins = b.batch("INSERT INTO " + table + " (id, val) VALUES (?, ?)");
                    ins.setInt(1, k);
                    ins.setLong(2, k);
                    ins.addBatch();
                }

                @Override
                public void afterCommit() {
                    applied.add(updated);
                    hooks.add(k);
                    if (completions.contains(k)) {
                        completedBeforeHook.add(k); // recorded, not asserted: an Error here would kill the writer thread
                    }
                }
            };
            futures.add(w.submit(step).thenRun(() -> completions.add(k)));
        }
        gate.release.countDown();
        gated.get(10, TimeUnit.SECONDS);
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(queryLong("SELECT val FROM " + table + " WHERE id = 0")).isEqualTo(n);
        assertThat(applied).hasSize(n).containsOnly(1);
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            expected.add(i);
        }
        assertThat(hooks).containsExactlyElementsOf(expected);
        assertThat(completedBeforeHook).isEmpty();
        assertThat(completions).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(count()).isEqualTo(n);
        // they piled up behind the gate, so they were group-committed in far fewer transactions
        assertThat(w.commits()).isLessThan(n / 2);
    }

    @Test
    void urgentOpsOvertakeADeepNormalQueueAndTransactionsAreCappedByRows() throws Exception {
        GroupCommitWriter w = writer(100, 10_000);
        Gate gate = new Gate();
        CompletableFuture<Void> gated = w.submit(gate);
        assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();

        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> normal = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            int k = i;
            WriteOp fifty = new WriteOp() { // one op, fifty rows: two fill a transaction
                @Override
                public void apply(Batches b) throws SQLException {
                    for (int j = 0; j < 50; j++) {
                        PreparedStatement ps = b.batch("INSERT INTO " + table + " (id, val) VALUES (?, ?)");
                        ps.setInt(1, k * 100 + j);
                        ps.setLong(2, k);
                        ps.addBatch();
                    }
                }

                @Override
                public void afterCommit() {
                    order.add("n" + k);
                }

                @Override
                public int rows() {
                    return 50;
                }
            };
            normal.add(w.submit(fifty));
        }
        long commitsBefore = w.commits();
        CompletableFuture<Void> urgent = w.submitUrgent(new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                insert(1, 1).apply(b);
            }

            @Override
            public void afterCommit() {
                order.add("urgent");
            }
        });
        gate.release.countDown();
        gated.get(10, TimeUnit.SECONDS);
        urgent.get(10, TimeUnit.SECONDS);
        CompletableFuture.allOf(normal.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        assertThat(order.get(0)).as("the urgent op went into the first transaction after the gate").isEqualTo("urgent");
        assertThat(order.subList(1, order.size())).as("normal ops keep their order")
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(i -> "n" + i).toList());
        assertThat(count()).isEqualTo(1 + 20 * 50);
        // 1,001 rows at 100 rows per transaction: at least ten commits, not one giant transaction
        assertThat(w.commits() - commitsBefore).isGreaterThanOrEqualTo(10);
    }

    @Test
    void onSqliteTransactionsShrinkToTheTimeBudgetWhenRowsAreExpensive() throws Exception {
        GroupCommitWriter w = writer(2_000, 10_000);
        assertThat(w.rowBudget()).isGreaterThan(GroupCommitWriter.MIN_ROWS);
        boolean sqlite = db.writeLock() != null;
        Gate gate = new Gate();
        CompletableFuture<Void> gated = w.submit(gate);
        assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Void>> slow = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int k = 5_000 + i;
            slow.add(w.submit(b -> { // a row that costs at least 2 ms, far over the budget's share
                long until = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < until) {
                    java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                }
                insert(k, k).apply(b);
            }));
        }
        gate.release.countDown();
        gated.get(10, TimeUnit.SECONDS);
        CompletableFuture.allOf(slow.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        if (sqlite) {
            assertThat(w.rowBudget()).as("about %d ms of work per transaction at >= 2 ms a row",
                    GroupCommitWriter.TRANSACTION_BUDGET_NANOS / 1_000_000).isEqualTo(GroupCommitWriter.MIN_ROWS);
        } else {
            assertThat(w.rowBudget()).as("PostgreSQL keeps its configured cap").isEqualTo(2_000);
        }
        assertThat(count()).isEqualTo(64);
    }

    @Test
    void aFailingOpFailsAloneAndTheRestOfItsBatchCommits() throws Exception {
        GroupCommitWriter w = writer(2000, 1000);
        w.submit(insert(1, 1)).get(10, TimeUnit.SECONDS);

        Gate gate = new Gate();
        CompletableFuture<Void> gated = w.submit(gate);
        assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<String> hooks = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> a = w.submit(hooked(insert(2, 2), "a", hooks));
        CompletableFuture<Void> dup = w.submit(hooked(insert(1, 99), "dup", hooks)); // duplicate primary key
        CompletableFuture<Void> b = w.submit(hooked(insert(3, 3), "b", hooks));
        CompletableFuture<Void> c = w.submit(hooked(insert(4, 4), "c", hooks));
        gate.release.countDown();
        gated.get(10, TimeUnit.SECONDS);

        a.get(10, TimeUnit.SECONDS);
        b.get(10, TimeUnit.SECONDS);
        c.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(dup::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(SQLException.class);
        assertThat(ids()).containsExactly(1, 2, 3, 4);
        assertThat(queryLong("SELECT val FROM " + table + " WHERE id = 1")).isEqualTo(1);
        assertThat(hooks).containsExactly("a", "b", "c");

        // the writer is still healthy afterwards
        w.submit(insert(5, 5)).get(10, TimeUnit.SECONDS);
        assertThat(ids()).containsExactly(1, 2, 3, 4, 5);
    }

    private static WriteOp hooked(WriteOp op, String name, List<String> hooks) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                op.apply(b);
            }

            @Override
            public void afterCommit() {
                hooks.add(name);
            }
        };
    }

    @Test
    void aFullQueueAnswersOverloadedAndLosesNothingAccepted() throws Exception {
        GroupCommitWriter w = writer(2000, 4);
        Gate gate = new Gate();
        CompletableFuture<Void> gated = w.submit(gate);
        assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Void>> accepted = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            accepted.add(w.submit(insert(i, i)));
        }
        assertThat(w.queued()).isEqualTo(4);
        CompletableFuture<Void> rejected = w.submit(insert(5, 5));
        assertThat(rejected).isCompletedExceptionally();
        assertThatThrownBy(rejected::join).hasCauseInstanceOf(GroupCommitWriter.Overloaded.class);

        gate.release.countDown();
        gated.get(10, TimeUnit.SECONDS);
        CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(ids()).containsExactly(1, 2, 3, 4);
        // room again
        w.submit(insert(6, 6)).get(10, TimeUnit.SECONDS);
        assertThat(ids()).containsExactly(1, 2, 3, 4, 6);
    }

    @Test
    void closeWritesWhatIsQueuedAndThenRefuses() throws Exception {
        GroupCommitWriter w = writer(2000, 1000);
        Gate gate = new Gate();
        w.submit(gate);
        assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            queued.add(w.submit(insert(i, i)));
        }
        Thread closer = Thread.ofPlatform().start(w::close);
        gate.release.countDown();
        closer.join(15_000);
        assertThat(queued).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(count()).isEqualTo(10);
        assertThatThrownBy(() -> w.submit(insert(11, 11)).join()).hasCauseInstanceOf(IllegalStateException.class);
    }
}
