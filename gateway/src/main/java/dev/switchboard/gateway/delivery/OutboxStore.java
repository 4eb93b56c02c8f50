package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * SQL of the {@code webhook_deliveries} outbox. Writes are {@link WriteOp}s for the delivery
 * writer; reads use the pooled read connections.
 *
 * <p>Row ids come from an in-memory sequence advanced inside the writer (ops run one at a time,
 * in order), so id order is the order rows entered the outbox: the feeder inserts events in log
 * order and a replay appends after everything already queued. Every state change is guarded by
 * {@code state='PENDING'}, so a result arriving for a row that was meanwhile discarded or
 * dead-lettered changes nothing.
 */
final class OutboxStore {
    // Guards by id bind their state rather than naming it: a literal state lets PostgreSQL plan
    // a scan of the (tenant, state, id) or (state, dead_at) index instead of the primary key
    // while the table is small, and a server-side prepared statement keeps that plan.
    private static final String PENDING = "PENDING";
    private static final String DEAD = "DEAD";

    static final String CONSUMER = "delivery";
    private static final String COLUMNS = "id, tenant_id, event_id, state, conversation, kind, field, waba_id, channel_id,"
            + " display_phone_number, status, item, value_frame, attempts, next_attempt_at, created_at, last_attempt_at,"
            + " last_http_status, last_error, dead_at";
    // Guarded by the endpoint's existence, checked in the same transaction: an event mapped just
    // before its tenant removed the endpoint is not left behind in an outbox nobody drains.
    private static final String ENQUEUE = "INSERT INTO webhook_deliveries (" + COLUMNS + ")"
            + " SELECT ?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,NULL,NULL,NULL"
            + " WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE tenant_id=?)";
    private static final int ENQUEUE_TENANT = 17;

    private final Jdbc jdbc;
    private final AtomicLong ids;

    OutboxStore(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.ids = new AtomicLong(jdbc.one("SELECT MAX(id) FROM webhook_deliveries", rs -> rs.getLong(1)).orElse(0L));
    }

    /**
     * Appends {@code rows} and moves the delivery cursor to {@code position} in one transaction,
     * so an event is queued exactly once across crashes; {@code onCommitted} then gets the
     * tenants that have new rows.
     */
    WriteOp enqueue(List<OutboxRow> rows, long position, Consumer<Set<String>> onCommitted) {
        Set<String> tenants = new LinkedHashSet<>();
        rows.forEach(r -> tenants.add(r.tenantId()));
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                for (OutboxRow r : rows) {
                    PreparedStatement ps = b.batch(ENQUEUE);
                    insertParameters(ps, ids.incrementAndGet(), r);
                    ps.setString(ENQUEUE_TENANT, r.tenantId());
                    ps.addBatch();
                }
                EventLog.advance(b, CONSUMER, position);
            }

            @Override
            public void afterCommit() {
                onCommitted.accept(tenants);
            }

            @Override
            public int rows() {
                return rows.size() + 1;
            }
        };
    }

    private static void insertParameters(PreparedStatement ps, long id, OutboxRow r) throws SQLException {
        ps.setLong(1, id);
        ps.setString(2, r.tenantId());
        ps.setLong(3, r.eventId());
        ps.setString(4, OutboxRow.PENDING);
        ps.setString(5, r.conversation());
        ps.setString(6, r.kind());
        ps.setString(7, r.field());
        text(ps, 8, r.wabaId());
        text(ps, 9, r.channelId());
        text(ps, 10, r.displayPhoneNumber());
        text(ps, 11, r.status());
        ps.setString(12, r.item());
        text(ps, 13, r.valueFrame());
        ps.setInt(14, 0);
        ps.setLong(15, r.nextAttemptAt());
        ps.setLong(16, r.createdAt());
    }

    /** Typed nulls: PostgreSQL cannot infer a parameter's type in a SELECT list. */
    private static void text(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }

    /** Up to {@code limit} pending rows of a tenant after {@code afterId}, in id order, without payloads. */
    List<OutboxRow.Ref> scan(String tenantId, long afterId, int limit) {
        return jdbc.query("SELECT id, conversation, next_attempt_at, created_at FROM webhook_deliveries"
                        + " WHERE tenant_id=? AND state='PENDING' AND id > ? ORDER BY id LIMIT " + limit,
                rs -> new OutboxRow.Ref(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)), tenantId, afterId);
    }

    /** The pending rows among {@code ids}, in id order. */
    List<OutboxRow> loadPending(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.query("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE state='PENDING' AND id IN ("
                + "?,".repeat(ids.size() - 1) + "?) ORDER BY id", OutboxStore::row, ids.toArray());
    }

    /** The endpoint answered 2xx: the rows are done. */
    WriteOp delivered(List<OutboxRow> rows) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                for (OutboxRow r : rows) {
                    PreparedStatement ps = b.batch("DELETE FROM webhook_deliveries WHERE id=? AND state=?");
                    ps.setLong(1, r.id());
                    ps.setString(2, PENDING);
                    ps.addBatch();
                }
            }

            @Override
            public int rows() {
                return rows.size();
            }
        };
    }

    /**
     * An attempt failed: each row either waits until {@code retryAt} or, when it entered the
     * outbox at or before {@code deadCutoff}, becomes a dead letter. {@code dead} receives how
     * many rows were dead-lettered.
     */
    WriteOp failed(List<OutboxRow> rows, long now, Integer httpStatus, String error, long retryAt, long deadCutoff,
                   IntConsumer dead) {
        String retry = "UPDATE webhook_deliveries SET attempts=attempts+1, last_attempt_at=?, last_http_status=?, last_error=?,"
                + " next_attempt_at=? WHERE id=? AND state=?";
        String kill = "UPDATE webhook_deliveries SET attempts=attempts+1, last_attempt_at=?, last_http_status=?, last_error=?,"
                + " state='DEAD', dead_at=? WHERE id=? AND state=?";
        return new CountingOp(rows.size(), dead) {
            @Override
            public void apply(Batches b) throws SQLException {
                reset();
                for (OutboxRow r : rows) {
                    boolean expired = r.createdAt() <= deadCutoff;
                    PreparedStatement ps = expired ? b.batch(kill, this::count) : b.batch(retry);
                    ps.setLong(1, now);
                    if (httpStatus == null) {
                        ps.setNull(2, Types.INTEGER);
                    } else {
                        ps.setInt(2, httpStatus);
                    }
                    ps.setString(3, error);
                    ps.setLong(4, expired ? now : retryAt);
                    ps.setLong(5, r.id());
                    ps.setString(6, PENDING);
                    ps.addBatch();
                }
            }
        };
    }

    /** Rows whose horizon passed while they waited (never attempted, or waiting for a retry). */
    WriteOp expire(List<Long> ids, long now, IntConsumer dead) {
        return new CountingOp(ids.size(), dead) {
            @Override
            public void apply(Batches b) throws SQLException {
                reset();
                for (long id : ids) {
                    PreparedStatement ps = b.batch("UPDATE webhook_deliveries SET state='DEAD', dead_at=?,"
                            + " last_error=COALESCE(last_error, 'not delivered before the horizon passed')"
                            + " WHERE id=? AND state=?", this::count);
                    ps.setLong(1, now);
                    ps.setLong(2, id);
                    ps.setString(3, PENDING);
                    ps.addBatch();
                }
            }
        };
    }

    /**
     * An op that counts the rows its guarded statements changed and reports the total once,
     * after commit: the writer may run an op twice (a failed group is retried op by op), so a
     * count taken during {@code apply} could be reported for a rolled-back attempt.
     */
    private abstract static class CountingOp implements WriteOp {
        private final int rows;
        private final IntConsumer report;
        private int changed;

        CountingOp(int rows, IntConsumer report) {
            this.rows = rows;
            this.report = report;
        }

        final void reset() {
            changed = 0;
        }

        final void count(int n) {
            changed += Math.max(n, 0);
        }

        @Override
        public final void afterCommit() {
            report.accept(changed);
        }

        @Override
        public final int rows() {
            return Math.max(rows, 1);
        }
    }

    /** Dead letters of a tenant after {@code afterId}, oldest first. */
    List<OutboxRow> deadLetters(String tenantId, long afterId, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM webhook_deliveries WHERE tenant_id=? AND state='DEAD' AND id > ?"
                + " ORDER BY id LIMIT " + limit, OutboxStore::row, tenantId, afterId);
    }

    /**
     * Puts up to {@code limit} of a tenant's dead letters (those in {@code only}, or any when it
     * is null) back in the outbox as new rows behind everything queued, with a fresh horizon, and
     * removes the dead ones; {@code replayed} receives how many ({@code only}, when given, is
     * not empty).
     */
    WriteOp replay(String tenantId, List<Long> only, int limit, long now, IntConsumer replayed) {
        return b -> {
            Connection c = b.connection();
            replayed.accept(0);
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM webhook_endpoints WHERE tenant_id=?")) {
                ps.setString(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return; // the endpoint went meanwhile: the dead letters stay where they are
                    }
                }
            }
            List<OutboxRow> dead = new ArrayList<>();
            String sql = "SELECT " + COLUMNS + " FROM webhook_deliveries WHERE tenant_id=? AND state='DEAD'"
                    + (only == null ? "" : " AND id IN (" + "?,".repeat(only.size() - 1) + "?)")
                    + " ORDER BY id LIMIT " + limit;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, tenantId);
                if (only != null) {
                    for (int i = 0; i < only.size(); i++) {
                        ps.setLong(i + 2, only.get(i));
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        dead.add(row(rs));
                    }
                }
            }
            for (OutboxRow r : dead) {
                PreparedStatement ins = b.batch(ENQUEUE);
                insertParameters(ins, ids.incrementAndGet(), OutboxRow.fresh(r.tenantId(), r.eventId(), r.conversation(),
                        r.kind(), r.field(), r.wabaId(), r.channelId(), r.displayPhoneNumber(), r.status(), r.item(),
                        r.valueFrame(), now));
                ins.setString(ENQUEUE_TENANT, tenantId);
                ins.addBatch();
            }
            for (OutboxRow r : dead) {
                PreparedStatement del = b.batch("DELETE FROM webhook_deliveries WHERE id=? AND state=?");
                del.setLong(1, r.id());
                del.setString(2, DEAD);
                del.addBatch();
            }
            replayed.accept(dead.size());
        };
    }

    /** Removes one dead letter of a tenant; {@code removed} receives 1 or 0. */
    WriteOp discardDead(String tenantId, long id, IntConsumer removed) {
        return b -> {
            PreparedStatement ps = b.batch("DELETE FROM webhook_deliveries WHERE tenant_id=? AND id=? AND state='DEAD'", removed);
            Jdbc.bind(ps, tenantId, id);
            ps.addBatch();
        };
    }

    /** Dead letters older than {@code before} go (the retention of the dead-letter list). */
    WriteOp purgeDead(long before) {
        return b -> {
            PreparedStatement ps = b.batch("DELETE FROM webhook_deliveries WHERE state='DEAD' AND dead_at < ?");
            ps.setLong(1, before);
            ps.addBatch();
        };
    }

    /** Row counts per tenant and state: {@code tenant -> [pending, dead]}. */
    Map<String, long[]> counts() {
        Map<String, long[]> out = new TreeMap<>();
        jdbc.query("SELECT tenant_id, state, COUNT(*) FROM webhook_deliveries GROUP BY tenant_id, state", rs -> {
            long[] c = out.computeIfAbsent(rs.getString(1), t -> new long[2]);
            c[OutboxRow.DEAD.equals(rs.getString(2)) ? 1 : 0] = rs.getLong(3);
            return null;
        });
        return out;
    }

    /** {@code [pending, dead]} of one tenant. */
    long[] counts(String tenantId) {
        long[] c = new long[2];
        jdbc.query("SELECT state, COUNT(*) FROM webhook_deliveries WHERE tenant_id=? GROUP BY state", rs -> {
            c[OutboxRow.DEAD.equals(rs.getString(1)) ? 1 : 0] = rs.getLong(2);
            return null;
        }, tenantId);
        return c;
    }

    private static OutboxRow row(ResultSet rs) throws SQLException {
        return new OutboxRow(rs.getLong("id"), rs.getString("tenant_id"), rs.getLong("event_id"), rs.getString("state"),
                rs.getString("conversation"), rs.getString("kind"), rs.getString("field"), rs.getString("waba_id"),
                rs.getString("channel_id"), rs.getString("display_phone_number"), rs.getString("status"), rs.getString("item"),
                rs.getString("value_frame"), rs.getInt("attempts"), rs.getLong("next_attempt_at"), rs.getLong("created_at"),
                Jdbc.longOrNull(rs, "last_attempt_at"), Jdbc.intOrNull(rs, "last_http_status"), rs.getString("last_error"),
                Jdbc.longOrNull(rs, "dead_at"));
    }
}
