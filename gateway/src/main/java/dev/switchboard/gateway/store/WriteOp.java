package dev.switchboard.gateway.store;

import java.sql.SQLException;

/**
 * One unit of work for a {@link GroupCommitWriter}: it adds its rows to the shared, ordered
 * statement batches of the current transaction. It must not commit, and it must be safe to run
 * again in a transaction of its own (the writer re-runs ops one by one to isolate a failure).
 */
@FunctionalInterface
public interface WriteOp {
    void apply(Batches batches) throws SQLException;

    /**
     * Runs on the writer thread after the transaction holding this op committed, in submission
     * order and before any future completes. Hand-offs that must follow commit order (such as
     * putting accepted messages on their in-memory queue) belong here.
     */
    default void afterCommit() {}

    /** Rows this op writes, roughly: the writer caps a transaction by rows, not by ops. */
    default int rows() {
        return 1;
    }
}
