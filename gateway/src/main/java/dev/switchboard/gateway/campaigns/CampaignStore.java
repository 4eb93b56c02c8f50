package dev.switchboard.gateway.campaigns;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * The SQL of {@code campaigns} and {@code campaign_skips}, and the campaigns package's read-only
 * questions about its messages (by {@code campaign_id}). Reads use the read pool; writes are
 * {@link WriteOp}s for the node's group-commit writer.
 */
final class CampaignStore {
    private static final String COLUMNS = "id, tenant_id, name, template_name, template_lang, audience_id, parameters, channel_id,"
            + " channel_pool, lane, start_at, state, state_reason, targeted, expanded, cursor_phone, exhausted, created_at, updated_at,"
            + " template_category";
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

    /** A skipped recipient and why. */
    record Skip(String phone, String reason, String detail) {}

    /** An unsent message of a campaign. */
    record Pending(String id, String channelId, String state) {}

    private final Jdbc jdbc;
    private final ObjectMapper json;

    CampaignStore(Jdbc jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    Jdbc jdbc() {
        return jdbc;
    }

    WriteOp insert(Campaign c) {
        return b -> {
            PreparedStatement ps = b.batch("INSERT INTO campaigns (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
            Jdbc.bind(ps, c.id(), c.tenantId(), c.name(), c.templateName(), c.templateLanguage(), c.audienceId(),
                    c.parameters().toJson(json).toString(), c.channelId(), c.channelPool() == null ? null : write(c.channelPool()), c.lane(),
                    c.startAt(), c.state().wire(), c.stateReason(), c.targeted(), c.expanded(), c.cursorPhone(), c.exhausted() ? 1 : 0,
                    c.createdAt(), c.updatedAt(), c.templateCategory());
            ps.addBatch();
        };
    }

    Optional<Campaign> find(String tenantId, String id) {
        return jdbc.one("SELECT " + COLUMNS + " FROM campaigns WHERE id=? AND tenant_id=?", this::campaign, id, tenantId);
    }

    List<Campaign> list(String tenantId, String afterId, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM campaigns WHERE tenant_id=? AND id > ? ORDER BY id LIMIT " + limit,
                this::campaign, tenantId, afterId == null ? "" : afterId);
    }

    /** Campaigns the expander or the holds care about: scheduled, running, paused. */
    List<Campaign> active() {
        return jdbc.query("SELECT " + COLUMNS + " FROM campaigns WHERE state IN ('scheduled', 'running', 'paused') ORDER BY id",
                this::campaign);
    }

    /**
     * A guarded transition: the row moves to {@code to} only from one of {@code from};
     * {@code moved} hears whether it did. {@code targeted} (when not null) is set with it, and the
     * state's reason is set to {@code reason} (null clears it).
     */
    WriteOp transition(String id, Set<Campaign.State> from, Campaign.State to, Long targeted, String reason, long now,
                       IntConsumer moved) {
        StringBuilder in = new StringBuilder();
        for (Campaign.State s : from) {
            in.append(in.isEmpty() ? "'" : ",'").append(s.wire()).append('\'');
        }
        return b -> {
            PreparedStatement ps = b.batch("UPDATE campaigns SET state=?, state_reason=?, targeted=COALESCE(?, targeted), updated_at=? WHERE id=?"
                    + " AND state IN (" + in + ")", moved);
            Jdbc.bind(ps, to.wire(), reason, targeted, now, id);
            ps.addBatch();
        };
    }

    /**
     * Records the template category the campaign accepts (at start, or on resume after Meta
     * recategorised it), only while it is still in one of {@code from}.
     */
    WriteOp templateCategory(String id, String category, Set<Campaign.State> from) {
        StringBuilder in = new StringBuilder();
        for (Campaign.State s : from) {
            in.append(in.isEmpty() ? "'" : ",'").append(s.wire()).append('\'');
        }
        return b -> {
            PreparedStatement ps = b.batch("UPDATE campaigns SET template_category=? WHERE id=? AND state IN (" + in + ")");
            Jdbc.bind(ps, category, id);
            ps.addBatch();
        };
    }

    /**
     * Cancel in one transaction: the campaign moves to cancelled (only from one of {@code from})
     * and, only if it did, its QUEUED messages become CANCELLED with it. Apart, a crash between
     * the two left a cancelled campaign whose queued messages were sent after the restart.
     */
    WriteOp cancel(Campaign c, Set<Campaign.State> from, long now, IntConsumer moved) {
        WriteOp campaign = transition(c.id(), from, Campaign.State.CANCELLED, null, null, now, moved);
        return b -> {
            campaign.apply(b);
            PreparedStatement ps = b.batch("UPDATE messages SET state='CANCELLED', cancelled_at=? WHERE tenant_id=? AND campaign_id=?"
                    + " AND campaign_id IS NOT NULL AND state='QUEUED' AND EXISTS (SELECT 1 FROM campaigns WHERE id=? AND state='cancelled'"
                    + " AND updated_at=?)");
            Jdbc.bind(ps, now, c.tenantId(), c.id(), c.id(), now);
            ps.addBatch();
        };
    }

    /** A chunk's skips and the cursor after it, in one transaction: a crash loses both or neither. */
    WriteOp chunkDone(Campaign c, List<Skip> skips, String cursorPhone, long expanded, boolean exhausted, long now) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                for (Skip s : skips) {
                    PreparedStatement ps = b.batch("INSERT INTO campaign_skips (campaign_id, phone, tenant_id, reason, detail)"
                            + " VALUES (?,?,?,?,?) ON CONFLICT (campaign_id, phone) DO NOTHING");
                    Jdbc.bind(ps, c.id(), s.phone(), c.tenantId(), s.reason(), s.detail());
                    ps.addBatch();
                }
                PreparedStatement ps = b.batch("UPDATE campaigns SET cursor_phone=?, expanded=?, exhausted=?, updated_at=? WHERE id=?");
                Jdbc.bind(ps, cursorPhone, expanded, exhausted ? 1 : 0, now, c.id());
                ps.addBatch();
            }

            @Override
            public int rows() {
                return skips.size() + 1;
            }
        };
    }

    /**
     * Which of {@code phones} already have a message of the campaign, in any state. The
     * idempotency key stops a re-expanded chunk from creating a message twice only while the key
     * is kept (a day); a chunk re-read after longer (a crash before a weekend outside the sending
     * window, a long pause) is checked here, on the (tenant, campaign, recipient) index.
     */
    Set<String> messaged(String tenantId, String campaignId, List<String> phones) {
        if (phones.isEmpty()) {
            return Set.of();
        }
        StringBuilder in = new StringBuilder();
        Object[] args = new Object[phones.size() + 2];
        args[0] = tenantId;
        args[1] = campaignId;
        for (int i = 0; i < phones.size(); i++) {
            in.append(i == 0 ? "?" : ",?");
            args[i + 2] = phones.get(i);
        }
        return new java.util.HashSet<>(jdbc.query("SELECT recipient FROM messages WHERE tenant_id=? AND campaign_id=?"
                + " AND campaign_id IS NOT NULL AND recipient IN (" + in + ")", rs -> rs.getString(1), args));
    }

    /** Messages of the campaign not sent yet (QUEUED or SENDING). */
    long pending(String campaignId) {
        return jdbc.one("SELECT COUNT(*) FROM messages WHERE campaign_id=? AND campaign_id IS NOT NULL AND state IN ('QUEUED', 'SENDING')",
                rs -> rs.getLong(1), campaignId).orElse(0L);
    }

    List<Pending> pendingMessages(String campaignId) {
        return jdbc.query("SELECT id, channel_id, state FROM messages WHERE campaign_id=? AND campaign_id IS NOT NULL"
                + " AND state IN ('QUEUED', 'SENDING')", rs -> new Pending(rs.getString(1), rs.getString(2), rs.getString(3)), campaignId);
    }

    /** Skips by reason. */
    Map<String, Long> skipCounts(String campaignId) {
        Map<String, Long> out = new LinkedHashMap<>();
        jdbc.query("SELECT reason, COUNT(*) FROM campaign_skips WHERE campaign_id=? GROUP BY reason ORDER BY reason", rs -> {
            out.put(rs.getString(1), rs.getLong(2));
            return null;
        }, campaignId);
        return out;
    }

    /** The campaign's messages counted by (state, last error code). */
    List<Object[]> messageCounts(String tenantId, String campaignId) {
        return jdbc.query("SELECT state, last_error_code, COUNT(*) FROM messages WHERE tenant_id=? AND campaign_id=?"
                + " AND campaign_id IS NOT NULL GROUP BY state, last_error_code",
                rs -> new Object[] {rs.getString(1), Jdbc.intOrNull(rs, "last_error_code"), rs.getLong(3)}, tenantId, campaignId);
    }

    private Campaign campaign(ResultSet rs) throws SQLException {
        String pool = rs.getString("channel_pool");
        return new Campaign(rs.getString("id"), rs.getString("tenant_id"), rs.getString("name"), rs.getString("template_name"),
                rs.getString("template_lang"), rs.getString("audience_id"), TemplateMapping.read(rs.getString("parameters"), json),
                rs.getString("channel_id"), pool == null ? null : read(pool, STRINGS), rs.getString("lane"),
                Jdbc.longOrNull(rs, "start_at"), Campaign.State.parse(rs.getString("state")), rs.getString("state_reason"),
                rs.getLong("targeted"),
                rs.getLong("expanded"), rs.getString("cursor_phone"), rs.getInt("exhausted") != 0, rs.getLong("created_at"),
                rs.getLong("updated_at"), rs.getString("template_category"));
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String s, TypeReference<T> type) {
        try {
            return json.readValue(s, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> ids(List<Pending> pending) {
        List<String> out = new ArrayList<>(pending.size());
        pending.forEach(p -> out.add(p.id()));
        return out;
    }
}
