package dev.switchboard.gateway.messages;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * SQL of the {@code messages} table. Writes are {@link WriteOp}s for a group-commit writer;
 * reads use the pooled read connections.
 *
 * <p>The queue sequence is assigned inside the writer (ops run one at a time, in order), so
 * sequence order equals commit order. The in-memory queues rely on that: a message whose
 * sequence is below what a queue has already paged in was paged in with it.
 */
public final class MessageStore {
    private static final String INSERT = "INSERT INTO messages (id, tenant_id, channel_id, seq, lane, recipient, payload, state,"
            + " category, template_name, campaign_id, metadata, idempotency_key, attempts, dead_lettered, expires_at, accepted_at)"
            + " VALUES (?,?,?,?,?,?,?,'QUEUED',?,?,?,?,?,0,0,?,?)";
    /** The same row already claimed: a HIGH-lane message its channel takes straight to sending. */
    private static final String INSERT_CLAIMED = "INSERT INTO messages (id, tenant_id, channel_id, seq, lane, recipient, payload, state,"
            + " category, template_name, campaign_id, metadata, idempotency_key, attempts, dead_lettered, expires_at, accepted_at,"
            + " sending_at) VALUES (?,?,?,?,?,?,?,'SENDING',?,?,?,?,?,1,0,?,?,?)";
    private static final String INSERT_IDEMPOTENCY =
            "INSERT INTO idempotency_keys (tenant_id, idem_key, request_hash, response, created_at) VALUES (?,?,?,?,?)";
    // Guards name their states as parameters, not literals: a literal 'QUEUED' lets PostgreSQL
    // match the partial queue indexes, and a plan made while the table was small (a server-side
    // prepared statement keeps it) then scanned every queued row on each claim instead of one
    // primary-key probe — measured as ~5 ms per claim, most of PostgreSQL's CPU under a flash sale.
    private static final String MARK_SENDING = "UPDATE messages SET state='SENDING', sending_at=?, attempts=attempts+1"
            + " WHERE id=? AND state=?";
    // One statement per op so consecutive sends share one JDBC batch (a second statement per op
    // would alternate and cost a round trip per row). A status webhook may already have moved the
    // row past SENT: then only the wamid is filled in.
    private static final String MARK_SENT = "UPDATE messages SET"
            + " sent_at = CASE WHEN state IN ('SENDING','QUEUED') THEN ? ELSE sent_at END,"
            + " last_error_code = CASE WHEN state IN ('SENDING','QUEUED') THEN NULL ELSE last_error_code END,"
            + " last_error = CASE WHEN state IN ('SENDING','QUEUED') THEN NULL ELSE last_error END,"
            + " state = CASE WHEN state IN ('SENDING','QUEUED') THEN 'SENT' ELSE state END,"
            + " wamid = COALESCE(wamid, ?) WHERE id=?";
    private static final String MARK_RETRY = "UPDATE messages SET state='QUEUED', next_attempt_at=?, last_error_code=?, last_error=?"
            + " WHERE id=? AND state=?";
    private static final String MARK_FAILED = "UPDATE messages SET state='FAILED', failed_at=?, last_error_code=?, last_error=?,"
            + " dead_lettered=? WHERE id=? AND state IN (?,?)";
    private static final String MARK_EXPIRED = "UPDATE messages SET state='EXPIRED', expired_at=? WHERE id=? AND state IN (?,?)";
    private static final String QUEUED = MessageState.QUEUED.name();
    private static final String SENDING = MessageState.SENDING.name();
    private static final String SELECT = "SELECT * FROM messages";

    private final Jdbc jdbc;
    private final AtomicLong seq;

    public MessageStore(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.seq = new AtomicLong(jdbc.one("SELECT MAX(seq) FROM messages", rs -> rs.getLong(1)).orElse(0L));
    }

    /** Idempotency record written in the same transaction as the messages it answers for. */
    public record IdempotencyRecord(String tenantId, String key, String requestHash, String response, long createdAt) {}

    /**
     * Inserts {@code messages} (and the idempotency record, if any) in one transaction; after
     * commit, {@code onCommitted} receives each message as queued, in sequence order.
     */
    public WriteOp accept(List<NewMessage> messages, IdempotencyRecord idem, Consumer<QueuedMessage> onCommitted) {
        return accept(messages, idem, java.util.Set.of(), onCommitted);
    }

    /**
     * Like {@link #accept(List, IdempotencyRecord, Consumer)}; the messages whose ids are in
     * {@code claimed} are written already SENDING (attempt 1, claimed at acceptance): their
     * channel took them straight to sending, so after a crash they are in-flight messages like
     * any claimed one.
     */
    public WriteOp accept(List<NewMessage> messages, IdempotencyRecord idem, java.util.Set<String> claimed,
                          Consumer<QueuedMessage> onCommitted) {
        return new WriteOp() {
            private final List<QueuedMessage> queued = new ArrayList<>(messages.size());

            @Override
            public void apply(Batches b) throws SQLException {
                queued.clear();
                for (NewMessage m : messages) {
                    long s = seq.incrementAndGet();
                    boolean isClaimed = claimed.contains(m.id());
                    PreparedStatement ps = b.batch(isClaimed ? INSERT_CLAIMED : INSERT);
                    ps.setString(1, m.id());
                    ps.setString(2, m.tenantId());
                    ps.setString(3, m.channelId());
                    ps.setLong(4, s);
                    ps.setInt(5, m.lane().ordinal());
                    ps.setString(6, m.recipient());
                    ps.setString(7, m.upstreamBody());
                    ps.setString(8, m.category());
                    ps.setString(9, m.templateName());
                    ps.setString(10, m.campaignId());
                    ps.setString(11, m.metadata());
                    ps.setString(12, m.idempotencyKey());
                    setLongOrNull(ps, 13, m.expiresAt() > 0 ? m.expiresAt() : null);
                    ps.setLong(14, m.acceptedAt());
                    if (isClaimed) {
                        ps.setLong(15, m.acceptedAt());
                    }
                    ps.addBatch();
                    queued.add(m.queued(s));
                }
                if (idem != null) {
                    PreparedStatement ps = b.batch(INSERT_IDEMPOTENCY);
                    Jdbc.bind(ps, idem.tenantId(), idem.key(), idem.requestHash(), idem.response(), idem.createdAt());
                    ps.addBatch();
                }
            }

            @Override
            public void afterCommit() {
                queued.forEach(onCommitted);
            }

            @Override
            public int rows() {
                return messages.size() + 1;
            }
        };
    }

    /** Guarded QUEUED → SENDING; {@code claimed} learns after commit whether this caller won the row. */
    public WriteOp markSending(QueuedMessage m, long now, Consumer<Boolean> claimed) {
        return new WriteOp() {
            private int updated;

            @Override
            public void apply(Batches b) throws SQLException {
                updated = 0;
                IntConsumer count = n -> updated = n;
                PreparedStatement ps = b.batch(MARK_SENDING, count);
                ps.setLong(1, now);
                ps.setString(2, m.id());
                ps.setString(3, QUEUED);
                ps.addBatch();
            }

            @Override
            public void afterCommit() {
                claimed.accept(updated > 0);
            }
        };
    }

    public WriteOp markSent(String id, String wamid, long now) {
        return b -> {
            PreparedStatement ps = b.batch(MARK_SENT);
            ps.setLong(1, now);
            ps.setString(2, wamid);
            ps.setString(3, id);
            ps.addBatch();
        };
    }

    public WriteOp markRetry(String id, long nextAttemptAt, int code, String error) {
        return b -> {
            PreparedStatement ps = b.batch(MARK_RETRY);
            Jdbc.bind(ps, nextAttemptAt, code, truncate(error), id, SENDING);
            ps.addBatch();
        };
    }

    public WriteOp markFailed(String id, int code, String error, boolean deadLetter, long now) {
        return b -> {
            PreparedStatement ps = b.batch(MARK_FAILED);
            Jdbc.bind(ps, now, code, truncate(error), deadLetter ? 1 : 0, id, QUEUED, SENDING);
            ps.addBatch();
        };
    }

    public WriteOp markExpired(String id, long now) {
        return b -> {
            PreparedStatement ps = b.batch(MARK_EXPIRED);
            Jdbc.bind(ps, now, id, QUEUED, SENDING);
            ps.addBatch();
        };
    }

    /** Guarded cancel of a message that has not started sending. */
    public WriteOp cancel(String tenantId, String id, long now, Consumer<Boolean> cancelled) {
        return new WriteOp() {
            private int updated;

            @Override
            public void apply(Batches b) throws SQLException {
                updated = 0;
                PreparedStatement ps = b.batch("UPDATE messages SET state='CANCELLED', cancelled_at=? WHERE tenant_id=? AND id=?"
                        + " AND state=?", n -> updated = n);
                Jdbc.bind(ps, now, tenantId, id, QUEUED);
                ps.addBatch();
            }

            @Override
            public void afterCommit() {
                cancelled.accept(updated > 0);
            }
        };
    }

    /** After a crash: SENDING rows of a lane go back to the queue (RESEND) or fail (FAIL). */
    public WriteOp resolveInFlight(Lane lane, boolean resend, long before, long now) {
        return b -> {
            PreparedStatement ps = resend
                    ? b.batch("UPDATE messages SET state='QUEUED', last_error='in flight during a restart; resent by policy'"
                            + " WHERE state='SENDING' AND lane=? AND sending_at < ?")
                    : b.batch("UPDATE messages SET state='FAILED', failed_at=" + now + ", dead_lettered=1, last_error="
                            + "'in flight during a restart and not confirmed by Meta; not resent by policy'"
                            + " WHERE state='SENDING' AND lane=? AND sending_at < ?");
            Jdbc.bind(ps, lane.ordinal(), before);
            ps.addBatch();
        };
    }

    /** Expires queued rows whose time-to-live passed (covers rows not yet paged into memory). */
    public WriteOp expireDue(long now) {
        return b -> {
            PreparedStatement ps = b.batch("UPDATE messages SET state='EXPIRED', expired_at=? WHERE state='QUEUED'"
                    + " AND expires_at IS NOT NULL AND expires_at <= ?");
            Jdbc.bind(ps, now, now);
            ps.addBatch();
        };
    }

    // ---- reads --------------------------------------------------------------------------------

    public List<QueuedMessage> loadQueued(String channelId, Lane lane, long afterSeq, int limit) {
        return jdbc.query("SELECT id, tenant_id, channel_id, seq, lane, recipient, payload, accepted_at, expires_at, attempts,"
                        + " next_attempt_at, category, template_name FROM messages"
                        + " WHERE channel_id=? AND lane=? AND state='QUEUED' AND seq>? ORDER BY seq LIMIT " + limit,
                rs -> new QueuedMessage(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        Lane.ofOrdinal(rs.getInt(5)), rs.getString(6), rs.getString(7),
                        QueuedMessage.canonicalCategory(rs.getString(12)), rs.getString(13), rs.getLong(8),
                        rs.getLong(9), rs.getInt(10), rs.getLong(11)),
                channelId, lane.ordinal(), afterSeq);
    }

    /** Rows that {@link #resolveInFlight} put back in the queue, to hand to their workers. */
    public List<QueuedMessage> loadRequeuedAfterCrash(long startedAt) {
        return jdbc.query("SELECT id, tenant_id, channel_id, seq, lane, recipient, payload, accepted_at, expires_at, attempts,"
                        + " category, template_name"
                        + " FROM messages WHERE state='QUEUED' AND sending_at < ? AND last_error LIKE 'in flight during a restart%'",
                rs -> new QueuedMessage(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        Lane.ofOrdinal(rs.getInt(5)), rs.getString(6), rs.getString(7),
                        QueuedMessage.canonicalCategory(rs.getString(11)), rs.getString(12), rs.getLong(8),
                        rs.getLong(9), rs.getInt(10), 0),
                startedAt);
    }

    public Optional<Message> find(String tenantId, String id) {
        return jdbc.one(SELECT + " WHERE tenant_id=? AND id=?", MessageStore::row, tenantId, id);
    }

    public Optional<Message> findById(String id) {
        return jdbc.one(SELECT + " WHERE id=?", MessageStore::row, id);
    }

    public Optional<String> idempotentResponse(String tenantId, String key, long notBefore, String[] hashOut) {
        return jdbc.one("SELECT request_hash, response FROM idempotency_keys WHERE tenant_id=? AND idem_key=? AND created_at>=?",
                rs -> {
                    hashOut[0] = rs.getString(1);
                    return rs.getString(2);
                }, tenantId, key, notBefore);
    }

    public WriteOp purgeIdempotency(long before) {
        return b -> {
            PreparedStatement ps = b.batch("DELETE FROM idempotency_keys WHERE created_at < ?");
            ps.setLong(1, before);
            ps.addBatch();
        };
    }

    /** Listing filter for {@code GET /v1/messages}; null fields do not filter. */
    public record Query(String tenantId, String recipient, String campaignId, MessageState state, Long from, Long to,
                        Long afterSeq, int limit) {}

    public List<Message> list(Query q) {
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE tenant_id=?");
        List<Object> args = new ArrayList<>();
        args.add(q.tenantId());
        if (q.recipient() != null) {
            sql.append(" AND recipient=?");
            args.add(q.recipient());
        }
        if (q.campaignId() != null) {
            sql.append(" AND campaign_id=?");
            args.add(q.campaignId());
        }
        if (q.state() != null) {
            sql.append(" AND state=?");
            args.add(q.state().name());
        }
        if (q.from() != null) {
            sql.append(" AND accepted_at>=?");
            args.add(q.from());
        }
        if (q.to() != null) {
            sql.append(" AND accepted_at<?");
            args.add(q.to());
        }
        if (q.afterSeq() != null) {
            sql.append(" AND seq>?");
            args.add(q.afterSeq());
        }
        sql.append(" ORDER BY seq LIMIT ").append(Math.max(1, Math.min(q.limit(), 1000)));
        return jdbc.query(sql.toString(), MessageStore::row, args.toArray());
    }

    public long countQueued(String tenantId) {
        return jdbc.one("SELECT COUNT(*) FROM messages WHERE tenant_id=? AND state IN ('QUEUED','SENDING')", rs -> rs.getLong(1), tenantId)
                .orElse(0L);
    }

    public long countQueued(String channelId, Lane lane) {
        return jdbc.one("SELECT COUNT(*) FROM messages WHERE channel_id=? AND lane=? AND state='QUEUED'", rs -> rs.getLong(1),
                channelId, lane.ordinal()).orElse(0L);
    }

    public long countInFlight() {
        return jdbc.one("SELECT COUNT(*) FROM messages WHERE state='SENDING'", rs -> rs.getLong(1)).orElse(0L);
    }

    static Message row(ResultSet rs) throws SQLException {
        return new Message(rs.getString("id"), rs.getString("tenant_id"), rs.getString("channel_id"), rs.getLong("seq"),
                Lane.ofOrdinal(rs.getInt("lane")), rs.getString("recipient"), rs.getString("payload"),
                MessageState.valueOf(rs.getString("state")), rs.getString("category"), rs.getString("template_name"),
                rs.getString("campaign_id"), rs.getString("metadata"), rs.getString("wamid"), rs.getInt("attempts"),
                Jdbc.longOrNull(rs, "next_attempt_at"), Jdbc.longOrNull(rs, "expires_at"),
                Jdbc.intOrNull(rs, "last_error_code"), rs.getString("last_error"), rs.getInt("dead_lettered") != 0,
                rs.getLong("accepted_at"), Jdbc.longOrNull(rs, "sending_at"), Jdbc.longOrNull(rs, "sent_at"),
                Jdbc.longOrNull(rs, "delivered_at"), Jdbc.longOrNull(rs, "read_at"), Jdbc.longOrNull(rs, "failed_at"),
                Jdbc.longOrNull(rs, "expired_at"), Jdbc.longOrNull(rs, "cancelled_at"));
    }

    private static void setLongOrNull(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, java.sql.Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 1000);
    }
}
