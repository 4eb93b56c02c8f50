package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * SQL for moving messages out of the hot table ({@code archive_moves}, migration V5). Writes
 * are {@link WriteOp}s for the writer that owns {@code messages}: a second writer deleting rows
 * the send path's writer updates would deadlock against it on PostgreSQL.
 */
final class RetentionStore {
    /** States a message never leaves once in (FAILED can still become DELIVERED, which is final too). */
    static final String FINAL_STATES = "('DELIVERED','READ','FAILED','EXPIRED','CANCELLED')";

    /** A message's key. */
    record Key(String tenantId, String messageId) {}

    private static final String CANDIDATES = "SELECT m.tenant_id, m.id FROM messages m WHERE m.state IN " + FINAL_STATES
            + " AND m.accepted_at < ?"
            + " AND NOT EXISTS (SELECT 1 FROM archive_moves a WHERE a.tenant_id = m.tenant_id AND a.message_id = m.id)"
            + " LIMIT ?";
    private static final String MARK = "INSERT INTO archive_moves (tenant_id, message_id, batch_id) VALUES (?,?,?)"
            + " ON CONFLICT (tenant_id, message_id) DO NOTHING";
    private static final String ROWS = "SELECT m.id, m.tenant_id, m.channel_id, m.seq, m.lane, m.recipient, m.payload, m.state,"
            + " m.category, m.template_name, m.campaign_id, m.metadata, m.idempotency_key, m.wamid, m.attempts,"
            + " m.next_attempt_at, m.expires_at, m.last_error_code, m.last_error, m.dead_lettered, m.accepted_at,"
            + " m.sending_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.expired_at, m.cancelled_at"
            + " FROM messages m JOIN archive_moves a ON a.tenant_id = m.tenant_id AND a.message_id = m.id"
            + " WHERE a.batch_id = ? ORDER BY m.id";
    private static final int ROW_COLUMNS = 28;

    private final Jdbc jdbc;

    RetentionStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Batches picked but not finished: a crash interrupted them. */
    List<Long> pendingBatches() {
        return jdbc.query("SELECT DISTINCT batch_id FROM archive_moves ORDER BY batch_id", rs -> rs.getLong(1));
    }

    /**
     * Up to {@code limit} final messages accepted before {@code cutoff} and not yet picked. Read on
     * the pool, not in the writer: the scan must not hold the send path's transaction.
     */
    List<Key> candidates(long cutoff, int limit) {
        return jdbc.query(CANDIDATES, rs -> new Key(rs.getString(1), rs.getString(2)), cutoff, limit);
    }

    /** Picks {@code keys} into batch {@code batchId}: primary-key inserts only, cheap for the writer. */
    WriteOp mark(long batchId, List<Key> keys) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                for (Key k : keys) {
                    PreparedStatement ps = b.batch(MARK);
                    Jdbc.bind(ps, k.tenantId(), k.messageId(), batchId);
                    ps.addBatch();
                }
            }

            @Override
            public int rows() {
                return keys.size();
            }
        };
    }

    /**
     * The batch's rows as they are now, in {@link ArchiveSchema#MESSAGES} order; the last column
     * ({@code archived_at}) is {@code now}.
     */
    List<Object[]> rows(long batchId, long now) {
        return jdbc.query(ROWS, rs -> {
            Object[] row = new Object[ROW_COLUMNS + 1];
            for (int i = 0; i < ROW_COLUMNS; i++) {
                Object v = rs.getObject(i + 1);
                row[i] = v instanceof Number n ? normalise(n, i) : v;
            }
            row[ROW_COLUMNS] = now;
            return row;
        }, batchId);
    }

    /** JDBC drivers differ in the boxed type they return; the appender wants the archive's. */
    private static Object normalise(Number n, int column) {
        String type = ArchiveSchema.MESSAGES.get(column).stagedType();
        return switch (type) {
            case "INTEGER" -> n.intValue();
            case "SMALLINT" -> n.shortValue();
            case "VARCHAR" -> n.toString();
            default -> n.longValue();
        };
    }

    /**
     * Deletes {@code keys} from the hot table and forgets their marks, in one transaction. All
     * message deletes first, then all mark deletes: alternating statements would cost a round
     * trip per row (see {@link Batches}).
     */
    WriteOp delete(List<Key> keys) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                for (Key k : keys) {
                    PreparedStatement ps = b.batch("DELETE FROM messages WHERE tenant_id = ? AND id = ?");
                    Jdbc.bind(ps, k.tenantId(), k.messageId());
                    ps.addBatch();
                }
                for (Key k : keys) {
                    PreparedStatement ps = b.batch("DELETE FROM archive_moves WHERE tenant_id = ? AND message_id = ?");
                    Jdbc.bind(ps, k.tenantId(), k.messageId());
                    ps.addBatch();
                }
            }

            @Override
            public int rows() {
                return 2 * keys.size();
            }
        };
    }
}
