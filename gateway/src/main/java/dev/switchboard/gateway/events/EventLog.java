package dev.switchboard.gateway.events;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The resolved webhook event log ({@code webhook_events}) and its consumers' cursors.
 *
 * <p>Appends happen inside the journal processor's transaction (ids come from an in-memory
 * sequence seeded from the table, as the processor is the only appender). Consumers read in id
 * order after their cursor and advance it in the same transaction as their own effects, so each
 * consumer sees every event at least once and, by making its effects idempotent, exactly once.
 * Ids may have gaps (a duplicate's insert is skipped), never reorder.
 */
public final class EventLog {
    private static final String INSERT = "INSERT INTO webhook_events (id, received_at, event_at, kind, tenant_id, channel_id,"
            + " message_id, wamid, contact, status, error_code, error_title, payload, dedup_key, value_frame)"
            + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (dedup_key) DO NOTHING";
    private static final String COLUMNS = "id, received_at, event_at, kind, tenant_id, channel_id, message_id, wamid, contact,"
            + " status, error_code, error_title, payload, dedup_key, value_frame";

    private final Jdbc jdbc;
    private final AtomicLong ids;

    public EventLog(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.ids = new AtomicLong(jdbc.one("SELECT MAX(id) FROM webhook_events", rs -> rs.getLong(1)).orElse(0L));
    }

    /** Adds {@code events} to the current transaction; duplicates (same dedup key) are skipped. */
    public void append(Batches b, List<WebhookEvent> events) throws SQLException {
        for (WebhookEvent e : events) {
            PreparedStatement ps = b.batch(INSERT);
            Jdbc.bind(ps, ids.incrementAndGet(), e.receivedAt(), e.eventAt(), e.kind(), e.tenantId(), e.channelId(),
                    e.messageId(), e.wamid(), e.contact(), e.status(), e.errorCode(), e.errorTitle(), e.payload(), e.dedupKey(),
                    e.valueFrame());
            ps.addBatch();
        }
    }

    /**
     * A {@code failed} status for a message Switchboard itself gave up on (suppressed, expired,
     * refused by Meta at send time, dead-lettered), in Meta's shape, so a tenant's receiver hears
     * a final status for every message it sent, not only for those Meta reported on. Added only
     * if the message really ended FAILED or EXPIRED in this transaction (the statement runs after
     * the guarded update), and once: it shares its dedup key with a {@code failed} from Meta.
     */
    public void appendLocalFailure(Batches b, String messageId, String tenantId, String channelId, String recipient, int code,
                                   String title, long now) throws SQLException {
        String t = title == null ? "" : title.length() > 500 ? title.substring(0, 500) : title;
        String quoted = new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(t));
        String payload = "{\"id\":\"" + messageId + "\",\"status\":\"failed\",\"timestamp\":\"" + now / 1000
                + "\",\"recipient_id\":\"" + recipient + "\",\"biz_opaque_callback_data\":\"sb:" + messageId + "\",\"errors\":[{\"code\":"
                + code + ",\"title\":\"" + quoted + "\",\"message\":\"" + quoted
                + "\",\"error_data\":{\"details\":\"Switchboard did not deliver this message to WhatsApp\"}}]}";
        PreparedStatement ps = b.batch("INSERT INTO webhook_events (id, received_at, event_at, kind, tenant_id, channel_id,"
                + " message_id, contact, status, error_code, error_title, payload, dedup_key)"
                + " SELECT ?, ?, ?, 'status', ?, ?, ?, ?, 'failed', ?, ?, ?, ?"
                + " WHERE EXISTS (SELECT 1 FROM messages WHERE id = ? AND state IN ('FAILED', 'EXPIRED'))"
                + " ON CONFLICT (dedup_key) DO NOTHING");
        Jdbc.bind(ps, ids.incrementAndGet(), now, now, tenantId, channelId, messageId, recipient, code, t, payload,
                "s:" + messageId + ":failed", messageId);
        ps.addBatch();
    }

    /** Up to {@code limit} events after {@code position}, in id order. */
    public List<WebhookEvent> after(long position, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM webhook_events WHERE id > ? ORDER BY id LIMIT " + limit, EventLog::row,
                position);
    }

    /** The highest id appended and committed so far (0 when empty). */
    public long head() {
        return jdbc.one("SELECT MAX(id) FROM webhook_events", rs -> rs.getLong(1)).orElse(0L);
    }

    /** A consumer's position (0 before its first advance). */
    public long cursor(String consumer) {
        return jdbc.one("SELECT position FROM event_cursors WHERE consumer=?", rs -> rs.getLong(1), consumer).orElse(0L);
    }

    /** Moves {@code consumer}'s cursor forward to {@code position} (never back) in the current transaction. */
    public static void advance(Batches b, String consumer, long position) throws SQLException {
        PreparedStatement ps = b.batch("INSERT INTO event_cursors (consumer, position) VALUES (?,?) ON CONFLICT (consumer)"
                + " DO UPDATE SET position = CASE WHEN excluded.position > event_cursors.position THEN excluded.position"
                + " ELSE event_cursors.position END");
        Jdbc.bind(ps, consumer, position);
        ps.addBatch();
    }

    /** A write op that only advances a cursor. */
    public static WriteOp advanceOp(String consumer, long position) {
        return b -> advance(b, consumer, position);
    }

    /** Deletes events every listed consumer has moved past and that are older than {@code before}. */
    public WriteOp purge(List<String> consumers, long before) {
        return b -> {
            long lowest = Long.MAX_VALUE;
            for (String c : consumers) {
                lowest = Math.min(lowest, cursor(c));
            }
            PreparedStatement ps = b.batch("DELETE FROM webhook_events WHERE id <= ? AND received_at < ?");
            Jdbc.bind(ps, lowest == Long.MAX_VALUE ? 0 : lowest, before);
            ps.addBatch();
        };
    }

    static WebhookEvent row(ResultSet rs) throws SQLException {
        return new WebhookEvent(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), Jdbc.intOrNull(rs, "error_code"),
                rs.getString(12), rs.getString(13), rs.getString(14), rs.getString(15));
    }
}
