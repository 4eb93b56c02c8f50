package dev.switchboard.gateway.webhooks;

import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The durable journal of raw webhook payloads. Rows are appended by the ingest and flagged
 * processed in the same transaction as their effects, so a crash between the two replays the
 * batch — and replays change nothing because every effect is idempotent.
 */
public final class WebhookJournal {
    /** One journaled payload. */
    public record Entry(long id, long receivedAt, String body, String signer) {}

    private final Jdbc jdbc;
    private final AtomicLong ids;
    private final java.time.Clock clock;

    public WebhookJournal(Jdbc jdbc, java.time.Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.ids = new AtomicLong(jdbc.one("SELECT MAX(id) FROM webhook_journal", rs -> rs.getLong(1)).orElse(0L));
    }

    /** Appends a payload; {@code signer} is who signed it (see {@code AppSecrets#signer}). */
    public WriteOp append(String body, String signer) {
        long now = clock.millis();
        return b -> {
            PreparedStatement ps = b.batch("INSERT INTO webhook_journal (id, received_at, body, processed, signer) VALUES (?,?,?,0,?)");
            Jdbc.bind(ps, ids.incrementAndGet(), now, body, signer);
            ps.addBatch();
        };
    }

    public List<Entry> pending(int limit) {
        return jdbc.query("SELECT id, received_at, body, signer FROM webhook_journal WHERE processed=0 ORDER BY id LIMIT " + limit,
                rs -> new Entry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
    }

    public long pendingCount() {
        return jdbc.one("SELECT COUNT(*) FROM webhook_journal WHERE processed=0", rs -> rs.getLong(1)).orElse(0L);
    }

    static void markProcessed(dev.switchboard.gateway.store.Batches b, long id) throws java.sql.SQLException {
        PreparedStatement ps = b.batch("UPDATE webhook_journal SET processed=1 WHERE id=?");
        ps.setLong(1, id);
        ps.addBatch();
    }
}
