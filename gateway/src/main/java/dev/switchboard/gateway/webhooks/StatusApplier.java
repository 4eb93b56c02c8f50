package dev.switchboard.gateway.webhooks;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies coalesced statuses to the {@code messages} table with guarded, forward-only updates,
 * and keeps the statuses that arrived before their message's send was recorded (parked by
 * wamid) until they can be applied. The ordering rules are described on {@link JournalProcessor}.
 */
final class StatusApplier {
    private final Jdbc jdbc;
    private final GroupCommitWriter writer;

    StatusApplier(Jdbc jdbc, GroupCommitWriter messagesWriter) {
        this.jdbc = jdbc;
        this.writer = messagesWriter;
    }

    Set<String> unmatchedWamids(Iterable<StatusUpdate> updates) {
        Set<String> wamids = new HashSet<>();
        for (StatusUpdate u : updates) {
            if (u.messageId == null) {
                wamids.add(u.wamid);
            }
        }
        if (wamids.isEmpty()) {
            return wamids;
        }
        Set<String> known = new HashSet<>();
        List<String> list = new ArrayList<>(wamids);
        for (int i = 0; i < list.size(); i += 200) {
            List<String> chunk = list.subList(i, Math.min(list.size(), i + 200));
            known.addAll(jdbc.query("SELECT wamid FROM messages WHERE wamid IN (" + "?,".repeat(chunk.size() - 1) + "?)",
                    rs -> rs.getString(1), chunk.toArray()));
        }
        wamids.removeAll(known);
        return wamids;
    }

    /**
     * Applies coalesced updates statement by statement rather than message by message, so that
     * all rows of one statement form one JDBC batch (one round trip) instead of alternating
     * statements per message. Each message still sees its statements in the fixed order below
     * (failed, then sent, then delivered, then read), which is what the guards rely on.
     */
    static void applyAll(Batches b, Iterable<StatusUpdate> updates) throws SQLException {
        for (boolean byId : new boolean[] {true, false}) {
            String k = byId ? "id" : "wamid";
            for (StatusUpdate u : updates) {
                if (byId && u.messageId != null && u.wamid != null) {
                    run(b, "UPDATE messages SET wamid=? WHERE id=? AND wamid IS NULL", u.wamid, u.messageId);
                }
            }
            String[][] steps = {
                {"F", "UPDATE messages SET state='FAILED' WHERE " + k + "=? AND state IN ('QUEUED','SENDING','SENT')"},
                {"F+", "UPDATE messages SET failed_at=?, last_error_code=?, last_error=? WHERE " + k + "=? AND failed_at IS NULL"},
                {"S", "UPDATE messages SET state='SENT' WHERE " + k + "=? AND state IN ('QUEUED','SENDING')"},
                {"S+", "UPDATE messages SET sent_at=? WHERE " + k + "=? AND (sent_at IS NULL OR sent_at > ?)"},
                {"D!", "UPDATE messages SET last_error=COALESCE(last_error,'') || ' [delivered after failed: multi-device]'"
                        + " WHERE " + k + "=? AND state='FAILED'"},
                {"D", "UPDATE messages SET state='DELIVERED' WHERE " + k + "=? AND state IN ('QUEUED','SENDING','SENT','FAILED')"},
                {"D+", "UPDATE messages SET delivered_at=? WHERE " + k + "=? AND (delivered_at IS NULL OR delivered_at > ?)"},
                {"R", "UPDATE messages SET state='READ' WHERE " + k + "=? AND state='DELIVERED'"},
                {"R+", "UPDATE messages SET read_at=? WHERE " + k + "=? AND (read_at IS NULL OR read_at > ?)"},
            };
            for (String[] step : steps) {
                for (StatusUpdate u : updates) {
                    if ((u.messageId != null) != byId) {
                        continue;
                    }
                    String v = byId ? u.messageId : u.wamid;
                    long delivered = u.deliveredAt > 0 ? u.deliveredAt : u.readAt; // read implies delivered
                    switch (step[0]) {
                        case "F" -> { if (u.failedAt > 0) { run(b, step[1], v); } }
                        case "F+" -> { if (u.failedAt > 0) { run(b, step[1], u.failedAt, u.errorCode, u.errorTitle, v); } }
                        case "S" -> { if (u.sentAt > 0) { run(b, step[1], v); } }
                        case "S+" -> { if (u.sentAt > 0) { run(b, step[1], u.sentAt, v, u.sentAt); } }
                        case "D!", "D" -> { if (delivered > 0) { run(b, step[1], v); } }
                        case "D+" -> { if (delivered > 0) { run(b, step[1], delivered, v, delivered); } }
                        case "R" -> { if (u.readAt > 0) { run(b, step[1], v); } }
                        case "R+" -> { if (u.readAt > 0) { run(b, step[1], u.readAt, v, u.readAt); } }
                        default -> throw new IllegalStateException(step[0]);
                    }
                }
            }
        }
    }

    static void park(Batches b, StatusUpdate u, long now) throws SQLException {
        String sql = "INSERT INTO parked_statuses (wamid, status, status_at, error_code, error_title, parked_at)"
                + " VALUES (?,?,?,?,?,?) ON CONFLICT (wamid, status) DO NOTHING";
        if (u.sentAt > 0) {
            run(b, sql, u.wamid, "sent", u.sentAt, null, null, now);
        }
        if (u.deliveredAt > 0) {
            run(b, sql, u.wamid, "delivered", u.deliveredAt, null, null, now);
        }
        if (u.readAt > 0) {
            run(b, sql, u.wamid, "read", u.readAt, null, null, now);
        }
        if (u.failedAt > 0) {
            run(b, sql, u.wamid, "failed", u.failedAt, u.errorCode, u.errorTitle, now);
        }
    }

    /** Parked statuses whose wamid is now known are applied and removed in one transaction. */
    void retryParked() {
        List<Object[]> ready = jdbc.query("SELECT p.wamid, p.status, p.status_at, p.error_code, p.error_title FROM parked_statuses p"
                        + " JOIN messages m ON m.wamid = p.wamid LIMIT 1000",
                rs -> new Object[] {rs.getString(1), rs.getString(2), rs.getLong(3), Jdbc.intOrNull(rs, "error_code"),
                        rs.getString(5)});
        if (ready.isEmpty()) {
            return;
        }
        Map<String, StatusUpdate> updates = new LinkedHashMap<>();
        for (Object[] r : ready) {
            updates.computeIfAbsent((String) r[0], w -> new StatusUpdate(null, w))
                    .add((String) r[1], (Long) r[2], (Integer) r[3], (String) r[4]);
        }
        writer.submit(b -> {
            applyAll(b, updates.values());
            for (Object[] r : ready) {
                run(b, "DELETE FROM parked_statuses WHERE wamid=? AND status=?", r[0], r[1]);
            }
        }).join();
    }

    private static void run(Batches b, String sql, Object... args) throws SQLException {
        PreparedStatement ps = b.batch(sql);
        Jdbc.bind(ps, args);
        ps.addBatch();
    }
}
