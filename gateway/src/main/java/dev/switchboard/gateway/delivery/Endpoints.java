package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import dev.switchboard.gateway.tenancy.TokenCipher;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tenants' webhook endpoints: few, read for every event, so held in memory and written
 * through the delivery writer (the same writer that queues events, which is what lets an
 * enqueue check in SQL that its endpoint still exists).
 */
final class Endpoints {
    private final GroupCommitWriter writer;
    private final TokenCipher cipher;
    private final Map<String, WebhookEndpoint> byTenant = new ConcurrentHashMap<>();

    Endpoints(Jdbc jdbc, GroupCommitWriter writer, TokenCipher cipher) {
        this.writer = writer;
        this.cipher = cipher;
        jdbc.query("SELECT tenant_id, url, secret_enc, messages, statuses, account, created_at, updated_at, max_events_per_post"
                + " FROM webhook_endpoints", Endpoints::row).forEach(e -> byTenant.put(e.tenantId(), e));
    }

    Optional<WebhookEndpoint> get(String tenantId) {
        return Optional.ofNullable(byTenant.get(tenantId));
    }

    /** For the feeder: the endpoint or null. */
    WebhookEndpoint orNull(String tenantId) {
        return byTenant.get(tenantId);
    }

    boolean any() {
        return !byTenant.isEmpty();
    }

    Iterable<WebhookEndpoint> all() {
        return byTenant.values();
    }

    String secret(WebhookEndpoint e) {
        return cipher.decrypt(e.secretEnc());
    }

    /**
     * Creates or replaces a tenant's endpoint; a null {@code secret} keeps the current one (the
     * caller has checked that there is one). Returns the endpoint once it is durable.
     */
    synchronized WebhookEndpoint save(String tenantId, String url, String secret, boolean messages, StatusFilter statuses,
                                      boolean account, int maxEventsPerPost, long now) {
        WebhookEndpoint old = byTenant.get(tenantId);
        if (old == null && secret == null) {
            throw new IllegalArgumentException("a new webhook endpoint needs a secret");
        }
        String secretEnc = secret != null ? cipher.encrypt(secret) : old.secretEnc();
        WebhookEndpoint e = new WebhookEndpoint(tenantId, url, secretEnc, messages, statuses, account, maxEventsPerPost,
                old == null ? now : old.createdAt(), now);
        writer.submit(b -> {
            PreparedStatement ps = b.batch("INSERT INTO webhook_endpoints (tenant_id, url, secret_enc, messages, statuses, account,"
                    + " max_events_per_post, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (tenant_id) DO UPDATE"
                    + " SET url=excluded.url, secret_enc=excluded.secret_enc, messages=excluded.messages,"
                    + " statuses=excluded.statuses, account=excluded.account, max_events_per_post=excluded.max_events_per_post,"
                    + " updated_at=excluded.updated_at");
            Jdbc.bind(ps, e.tenantId(), e.url(), e.secretEnc(), e.messages() ? 1 : 0, e.statuses().wire(), e.account() ? 1 : 0,
                    e.maxEventsPerPost(), e.createdAt(), e.updatedAt());
            ps.addBatch();
        }).join();
        byTenant.put(tenantId, e);
        return e;
    }

    /**
     * Removes a tenant's endpoint and, in the same transaction, the deliveries still pending for
     * it (they have nowhere to go); dead letters stay for inspection and replay. Returns the
     * number of pending deliveries discarded, or -1 when there was no endpoint.
     */
    synchronized int delete(String tenantId) {
        if (!byTenant.containsKey(tenantId)) {
            return -1;
        }
        AtomicInteger discarded = new AtomicInteger();
        writer.submit(new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                PreparedStatement ep = b.batch("DELETE FROM webhook_endpoints WHERE tenant_id=?");
                ep.setString(1, tenantId);
                ep.addBatch();
                PreparedStatement pending = b.batch("DELETE FROM webhook_deliveries WHERE tenant_id=? AND state='PENDING'",
                        discarded::set);
                pending.setString(1, tenantId);
                pending.addBatch();
            }
        }).join();
        byTenant.remove(tenantId);
        return discarded.get();
    }

    private static WebhookEndpoint row(ResultSet rs) throws SQLException {
        return new WebhookEndpoint(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4) != 0,
                StatusFilter.parse(rs.getString(5)).orElse(StatusFilter.ALL), rs.getInt(6) != 0, rs.getInt(9), rs.getLong(7),
                rs.getLong(8));
    }
}
