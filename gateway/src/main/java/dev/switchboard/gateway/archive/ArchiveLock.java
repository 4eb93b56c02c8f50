package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.store.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Lets one node at a time archive when several share a PostgreSQL database: the archive cursor
 * is shared, and two nodes exporting the same events would each write them. A session-level
 * advisory lock is held for the duration of a run on one pooled connection; if the node dies,
 * PostgreSQL drops the session and the lock with it. SQLite has one node by construction.
 */
final class ArchiveLock {
    /** "SBARCHIV" in ASCII: an arbitrary key no other Switchboard lock uses. */
    static final long KEY = 0x5342_4152_4348_4956L;

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private final DataSource pool;
    private final Dialect dialect;

    ArchiveLock(DataSource pool, Dialect dialect) {
        this.pool = pool;
        this.dialect = dialect;
    }

    /** The lock, or null when another node holds it. */
    Held tryAcquire() throws SQLException {
        if (dialect != Dialect.POSTGRES) {
            return () -> { };
        }
        Connection c = pool.getConnection();
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            ps.setLong(1, KEY);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    c.close();
                    return null;
                }
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return () -> release(c);
    }

    private static void release(Connection c) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            ps.setLong(1, KEY);
            ps.execute();
        } catch (SQLException e) {
            // The session may still hold the lock: end it, which releases the lock on the
            // server (the pool replaces an aborted connection).
            try {
                c.abort(Runnable::run);
            } catch (SQLException ignored) {
                // already gone
            }
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // returned to the pool; nothing to do
        }
    }
}
