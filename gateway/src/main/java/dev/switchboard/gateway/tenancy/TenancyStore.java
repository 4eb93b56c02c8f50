package dev.switchboard.gateway.tenancy;

import dev.switchboard.gateway.store.Jdbc;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** SQL for tenants, API keys and channels. Admin traffic is rare: plain pooled autocommit. */
final class TenancyStore {
    private final Jdbc jdbc;

    TenancyStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    void insertTenant(Tenant t) {
        jdbc.update("INSERT INTO tenants (id, name, state, ingress_per_second, max_queued, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                t.id(), t.name(), t.state(), t.ingressPerSecond(), t.maxQueued(), t.createdAt(), t.updatedAt());
    }

    void updateTenant(Tenant t) {
        jdbc.update("UPDATE tenants SET name=?, state=?, ingress_per_second=?, max_queued=?, updated_at=? WHERE id=?",
                t.name(), t.state(), t.ingressPerSecond(), t.maxQueued(), t.updatedAt(), t.id());
    }

    Optional<Tenant> tenant(String id) {
        return jdbc.one("SELECT * FROM tenants WHERE id=?", TenancyStore::tenantRow, id);
    }

    List<Tenant> tenants() {
        return jdbc.query("SELECT * FROM tenants ORDER BY id", TenancyStore::tenantRow);
    }

    void insertKey(String id, String tenantId, String hash, String prefix, String name, long now) {
        jdbc.update("INSERT INTO api_keys (id, tenant_id, key_hash, key_prefix, name, state, created_at) VALUES (?,?,?,?,?,?,?)",
                id, tenantId, hash, prefix, name, "ACTIVE", now);
    }

    int revokeKey(String tenantId, String keyId) {
        return jdbc.update("UPDATE api_keys SET state='REVOKED' WHERE tenant_id=? AND id=?", tenantId, keyId);
    }

    Optional<String> tenantOfKeyHash(String hash) {
        return jdbc.one("SELECT tenant_id FROM api_keys WHERE key_hash=? AND state='ACTIVE'", rs -> rs.getString(1), hash);
    }

    List<ApiKeyInfo> keys(String tenantId) {
        return jdbc.query("SELECT id, key_prefix, name, state, created_at FROM api_keys WHERE tenant_id=? ORDER BY created_at",
                rs -> new ApiKeyInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)), tenantId);
    }

    void insertChannel(Channel c) {
        jdbc.update("INSERT INTO channels (phone_number_id, tenant_id, display_phone_number, waba_id, portfolio_id, access_token_enc,"
                        + " ceiling_mps, tier, quality, state, state_reason, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                c.phoneNumberId(), c.tenantId(), c.displayPhoneNumber(), c.wabaId(), c.portfolioId(), c.accessTokenEnc(),
                c.ceilingMps(), c.tier(), c.quality(), c.state(), c.stateReason(), c.createdAt(), c.updatedAt());
    }

    void updateChannel(Channel c) {
        jdbc.update("UPDATE channels SET display_phone_number=?, waba_id=?, portfolio_id=?, access_token_enc=?, ceiling_mps=?, tier=?,"
                        + " quality=?, state=?, state_reason=?, updated_at=? WHERE phone_number_id=?",
                c.displayPhoneNumber(), c.wabaId(), c.portfolioId(), c.accessTokenEnc(), c.ceilingMps(), c.tier(),
                c.quality(), c.state(), c.stateReason(), c.updatedAt(), c.phoneNumberId());
    }

    Optional<Channel> channel(String phoneNumberId) {
        return jdbc.one("SELECT * FROM channels WHERE phone_number_id=?", TenancyStore::channelRow, phoneNumberId);
    }

    List<Channel> channels() {
        return jdbc.query("SELECT * FROM channels ORDER BY phone_number_id", TenancyStore::channelRow);
    }

    private static Tenant tenantRow(ResultSet rs) throws SQLException {
        return new Tenant(rs.getString("id"), rs.getString("name"), rs.getString("state"), rs.getInt("ingress_per_second"),
                rs.getLong("max_queued"), rs.getLong("created_at"), rs.getLong("updated_at"));
    }

    private static Channel channelRow(ResultSet rs) throws SQLException {
        return new Channel(rs.getString("phone_number_id"), rs.getString("tenant_id"), rs.getString("display_phone_number"),
                rs.getString("waba_id"), rs.getString("portfolio_id"), rs.getString("access_token_enc"), rs.getInt("ceiling_mps"),
                rs.getString("tier"), rs.getString("quality"), rs.getString("state"), rs.getString("state_reason"),
                rs.getLong("created_at"), rs.getLong("updated_at"));
    }

    /** An API key as listed to its owner: never the key itself. */
    public record ApiKeyInfo(String id, String prefix, String name, String state, long createdAt) {}
}
