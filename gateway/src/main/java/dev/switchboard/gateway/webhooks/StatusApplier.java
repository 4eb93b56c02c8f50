package dev.switchboard.gateway.webhooks;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
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
     * One statement per message, whatever statuses the batch brought for it: every status used
     * to cost two (its state, then its timestamp), each a new row version that rewrote the
     * state-bearing indexes. All right-hand sides of an UPDATE read the row as it was, so the
     * rules below are the fixed sequence "failed, then sent, then delivered, then read" folded
     * into one step:
     * <ul>
     *   <li>state: read wins over anything but EXPIRED/CANCELLED/READ; delivered over QUEUED,
     *       SENDING, SENT and FAILED (multi-device); failed over QUEUED, SENDING, SENT; sent over
     *       QUEUED, SENDING;</li>
     *   <li>each timestamp keeps the earliest time seen; the failure keeps the first error;</li>
     *   <li>a delivered that overrides a failure is noted in {@code last_error}.</li>
     * </ul>
     * Parameters are named in {@link #STATUS_SQL} and bound by position from {@link #PARAMS}.
     */
    private static final String STATUS_SQL = "UPDATE messages SET"
            + " wamid = COALESCE(wamid, :w),"
            + " state = CASE WHEN :r IS NOT NULL AND state IN ('QUEUED','SENDING','SENT','FAILED','DELIVERED') THEN 'READ'"
            + " WHEN :d IS NOT NULL AND state IN ('QUEUED','SENDING','SENT','FAILED') THEN 'DELIVERED'"
            + " WHEN :f IS NOT NULL AND state IN ('QUEUED','SENDING','SENT') THEN 'FAILED'"
            + " WHEN :s IS NOT NULL AND state IN ('QUEUED','SENDING') THEN 'SENT' ELSE state END,"
            + " failed_at = CASE WHEN :f IS NOT NULL AND failed_at IS NULL THEN :f ELSE failed_at END,"
            + " last_error_code = CASE WHEN :f IS NOT NULL AND failed_at IS NULL THEN :c ELSE last_error_code END,"
            + " last_error = CASE WHEN :d IS NOT NULL AND (state = 'FAILED' OR (:f IS NOT NULL AND state IN ('QUEUED','SENDING','SENT')))"
            + " THEN COALESCE(CASE WHEN :f IS NOT NULL AND failed_at IS NULL THEN :t ELSE last_error END, '')"
            + " || ' [delivered after failed: multi-device]'"
            + " ELSE CASE WHEN :f IS NOT NULL AND failed_at IS NULL THEN :t ELSE last_error END END,"
            + " sent_at = CASE WHEN :s IS NOT NULL AND (sent_at IS NULL OR sent_at > :s) THEN :s ELSE sent_at END,"
            + " delivered_at = CASE WHEN :d IS NOT NULL AND (delivered_at IS NULL OR delivered_at > :d) THEN :d ELSE delivered_at END,"
            + " read_at = CASE WHEN :r IS NOT NULL AND (read_at IS NULL OR read_at > :r) THEN :r ELSE read_at END"
            + " WHERE :k";
    private static final List<Character> PARAMS = new ArrayList<>();
    // a status may only touch a message of the channel its payload named (the signer speaks for
    // that channel): an opaque id or wamid of another tenant's message must match nothing
    private static final String BY_ID = positional(STATUS_SQL.replace(":k", "id = :k AND (:h IS NULL OR channel_id = :h)"));
    private static final String BY_WAMID = positional(STATUS_SQL.replace(":k", "wamid = :k AND (:h IS NULL OR channel_id = :h)"));

    private static String positional(String named) {
        List<Character> order = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < named.length(); i++) {
            char ch = named.charAt(i);
            if (ch == ':' && i + 1 < named.length() && Character.isLetter(named.charAt(i + 1))) {
                order.add(named.charAt(++i));
                out.append('?');
            } else {
                out.append(ch);
            }
        }
        synchronized (PARAMS) {
            if (PARAMS.isEmpty()) {
                PARAMS.addAll(order);
            } else if (!PARAMS.equals(order)) {
                throw new IllegalStateException("both status statements must take the same parameters");
            }
        }
        return out.toString();
    }

    /** Applies coalesced updates: one row of one batched statement per message (see {@link #STATUS_SQL}). */
    static void applyAll(Batches b, Iterable<StatusUpdate> updates) throws SQLException {
        for (boolean byId : new boolean[] {true, false}) {
            for (StatusUpdate u : updates) {
                if ((u.messageId != null) != byId || u.isEmpty()) {
                    continue;
                }
                PreparedStatement ps = b.batch(byId ? BY_ID : BY_WAMID);
                long delivered = u.deliveredAt > 0 ? u.deliveredAt : u.readAt; // read implies delivered
                for (int i = 0; i < PARAMS.size(); i++) {
                    int at = i + 1;
                    switch (PARAMS.get(i)) {
                        case 'w' -> setText(ps, at, byId ? u.wamid : null);
                        case 'k' -> ps.setString(at, byId ? u.messageId : u.wamid);
                        case 's' -> setTime(ps, at, u.sentAt);
                        case 'd' -> setTime(ps, at, delivered);
                        case 'r' -> setTime(ps, at, u.readAt);
                        case 'f' -> setTime(ps, at, u.failedAt);
                        case 'c' -> {
                            if (u.errorCode == null) {
                                ps.setNull(at, Types.INTEGER);
                            } else {
                                ps.setInt(at, u.errorCode);
                            }
                        }
                        case 't' -> setText(ps, at, u.errorTitle);
                        case 'h' -> setText(ps, at, u.channelId);
                        default -> throw new IllegalStateException("parameter " + PARAMS.get(i));
                    }
                }
                ps.addBatch();
            }
        }
    }

    // Typed nulls: PostgreSQL cannot infer the type of an untyped null in "? IS NOT NULL".
    private static void setTime(PreparedStatement ps, int at, long millis) throws SQLException {
        if (millis > 0) {
            ps.setLong(at, millis);
        } else {
            ps.setNull(at, Types.BIGINT);
        }
    }

    private static void setText(PreparedStatement ps, int at, String text) throws SQLException {
        if (text == null) {
            ps.setNull(at, Types.VARCHAR);
        } else {
            ps.setString(at, text);
        }
    }

    /**
     * Statuses of messages resent after a crash that belong to the <em>original</em> send: the
     * row already holds the resend's wamid and the status names another. Returns message id →
     * the original's wamid. Only ids {@code resent} vouches for are read, so this costs nothing
     * outside the minutes after a crash.
     */
    Map<String, String> surfacedOriginals(Iterable<StatusUpdate> updates, java.util.function.Predicate<String> resent) {
        Map<String, String> out = new LinkedHashMap<>();
        for (StatusUpdate u : updates) {
            if (u.messageId == null || u.wamid == null || u.channelId == null || !resent.test(u.messageId)) {
                continue;
            }
            String rowWamid = jdbc.one("SELECT wamid FROM messages WHERE id=? AND channel_id=?", rs -> rs.getString(1), u.messageId,
                    u.channelId).orElse(null);
            if (rowWamid != null && !rowWamid.equals(u.wamid)) {
                out.put(u.messageId, u.wamid);
            }
        }
        return out;
    }

    /**
     * The original send of a crash-resent message surfaced: it reached the user too. Its statuses
     * do not move the row (the resend's do); the double send is written on the row, once.
     */
    static void recordSentTwice(Batches b, String messageId, String originalWamid) throws SQLException {
        run(b, "UPDATE messages SET last_error = COALESCE(last_error || ' ', '') || ? WHERE id=?"
                        + " AND (last_error IS NULL OR last_error NOT LIKE '%[sent twice%')",
                "[sent twice: the original send " + originalWamid + " surfaced after the crash-resend]", messageId);
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
