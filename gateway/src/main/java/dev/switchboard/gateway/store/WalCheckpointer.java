package dev.switchboard.gateway.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints a SQLite write-ahead log in the background, so no commit has to.
 *
 * <p><b>Why.</b> By default SQLite checkpoints on the commit that pushes the WAL past 1,000
 * pages: that commit copies the log into the database file and syncs it before it returns.
 * Under a flash sale that turned one commit in a few dozen into a 30–80 ms stall (measured
 * with the writers' slow-transaction log), and whatever waited on it — an OTP's claim, a
 * webhook's ack — waited too. Writer connections therefore open with
 * {@code wal_autocheckpoint=0}, and this thread runs a {@code PASSIVE} checkpoint every
 * {@link #INTERVAL_MILLIS}: it copies what no reader still needs without taking the write lock,
 * so commits go on while it works, and the log restarts from its beginning once a checkpoint
 * has caught up.
 *
 * <p>Durability is unchanged: a commit is durable once its WAL frames are synced, which
 * {@code synchronous=FULL} still does on every commit.
 */
public final class WalCheckpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);
    static final long INTERVAL_MILLIS = 200;

    private final Supplier<Connection> connections;
    private final Thread thread;
    private volatile boolean running = true;

    public WalCheckpointer(Supplier<Connection> connections) {
        this.connections = connections;
        this.thread = Thread.ofPlatform().name("wal-checkpointer").daemon(true).start(this::run);
    }

    private void run() {
        Connection c = null;
        while (running) {
            try {
                if (c == null) {
                    c = connections.get();
                    c.setAutoCommit(true);
                }
                checkpoint(c, "PASSIVE");
            } catch (SQLException | RuntimeException e) {
                LOG.warn("WAL checkpoint failed; retrying", e);
                close(c);
                c = null;
            }
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                break;
            }
        }
        if (c != null) {
            try {
                checkpoint(c, "TRUNCATE"); // leave a short log behind at shutdown
            } catch (SQLException e) {
                LOG.debug("final WAL checkpoint skipped", e);
            }
            close(c);
        }
    }

    private static void checkpoint(Connection c, String mode) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            rs.next(); // (busy, log frames, checkpointed frames): nothing to act on
        }
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // reopened on the next turn
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
