package dev.switchboard.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Ordered JDBC batching inside one writer transaction.
 *
 * <p>Ops ask for a statement by SQL text and add a row to it. Rows of the same SQL that arrive
 * consecutively share one {@code executeBatch}; switching to another SQL flushes the pending
 * batch first, so the database sees the rows in exactly the order the ops were submitted (an
 * insert is never overtaken by an update of the same row).
 */
public final class Batches implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private PreparedStatement pending;
    private int pendingRows;
    private final List<IntConsumer> rowCallbacks = new ArrayList<>();
    private boolean anyCallback;
    private int executions;

    Batches(Connection connection) {
        this.connection = connection;
    }

    /** The statement for {@code sql}, ready for {@code setX(...)} and {@code addBatch()}. */
    public PreparedStatement batch(String sql) throws SQLException {
        return batch(sql, null);
    }

    /**
     * Like {@link #batch(String)}, and {@code updateCount} receives the number of rows this
     * row's statement changed once the batch has run (used for guarded state transitions such
     * as {@code ... WHERE state = 'QUEUED'}).
     */
    public PreparedStatement batch(String sql, IntConsumer updateCount) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            statements.put(sql, ps);
        }
        if (ps != pending) {
            flush();
            pending = ps;
        }
        pendingRows++;
        rowCallbacks.add(updateCount);
        anyCallback |= updateCount != null;
        return ps;
    }

    /** Round trips so far: one per run of consecutive rows of the same statement. */
    int executions() {
        return executions;
    }

    /** Direct access for the rare op that must read inside the transaction. */
    public Connection connection() throws SQLException {
        flush();
        return connection;
    }

    void flush() throws SQLException {
        if (pending != null && pendingRows > 0) {
            int[] counts = pending.executeBatch();
            executions++;
            if (anyCallback) {
                for (int i = 0; i < rowCallbacks.size(); i++) {
                    IntConsumer cb = rowCallbacks.get(i);
                    if (cb != null) {
                        cb.accept(i < counts.length ? counts[i] : 0);
                    }
                }
            }
        }
        pending = null;
        pendingRows = 0;
        rowCallbacks.clear();
        anyCallback = false;
    }

    @Override
    public void close() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing a statement of a finished transaction; nothing to recover
            }
        }
        statements.clear();
        pending = null;
        pendingRows = 0;
        rowCallbacks.clear();
    }
}
