package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.store.Jdbc;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an archived status needs to know about its message: Switchboard's id (a status matched
 * only by {@code wamid} does not carry it), campaign, template, category and when the message
 * went out. Looked up in the hot table first; a status arriving after its message was retired
 * (a {@code read} days later) is looked up in the messages archive instead, so it still lands in
 * the right campaign and day.
 *
 * <p>A message is attached to an event only when both belong to the same tenant: a status can
 * never borrow another tenant's campaign, however it was matched.
 */
final class MessageAttributes {
    /** The message an event belongs to; {@code sentAt} in epoch ms, never null. */
    record Attributes(String messageId, String campaignId, String templateName, String category, long sentAt) {}

    private record Row(String id, String tenantId, String wamid, String campaignId, String templateName, String category,
                       long sentAt) {
        Attributes attributes() {
            return new Attributes(id, campaignId, templateName, category, sentAt);
        }
    }

    private static final int CHUNK = 500;
    // The time a message "went out": analytics put every status of a message in this day.
    private static final String HOT = "SELECT id, tenant_id, wamid, campaign_id, template_name, category,"
            + " COALESCE(sent_at, failed_at, accepted_at) FROM messages WHERE ";

    private final Jdbc hot;
    private final ArchiveLayout layout;

    MessageAttributes(Jdbc hot, ArchiveLayout layout) {
        this.hot = hot;
        this.layout = layout;
    }

    /** Attributes by event id, for the status events of {@code events} whose message is found. */
    Map<Long, Attributes> resolve(List<WebhookEvent> events, DuckDb.Source duck) throws SQLException {
        Set<String> ids = new LinkedHashSet<>();
        Set<String> wamids = new LinkedHashSet<>();
        for (WebhookEvent e : events) {
            if (!WebhookEvent.STATUS.equals(e.kind())) {
                continue;
            }
            if (e.messageId() != null) {
                ids.add(e.messageId());
            } else if (e.wamid() != null) {
                wamids.add(e.wamid());
            }
        }
        Map<String, Row> byId = new HashMap<>();
        Map<String, Row> byWamid = new HashMap<>();
        for (Row r : fromHot("id", ids)) {
            byId.put(r.id(), r);
        }
        for (Row r : fromHot("wamid", wamids)) {
            byWamid.put(r.wamid(), r);
        }
        ids.removeAll(byId.keySet());
        wamids.removeAll(byWamid.keySet());
        if (!ids.isEmpty() || !wamids.isEmpty()) {
            for (Row r : fromArchive(duck, ids, wamids)) {
                byId.putIfAbsent(r.id(), r);
                if (r.wamid() != null) {
                    byWamid.putIfAbsent(r.wamid(), r);
                }
            }
        }
        Map<Long, Attributes> out = new HashMap<>();
        for (WebhookEvent e : events) {
            if (!WebhookEvent.STATUS.equals(e.kind())) {
                continue;
            }
            Row r = e.messageId() != null ? byId.get(e.messageId()) : e.wamid() == null ? null : byWamid.get(e.wamid());
            if (r != null && (e.tenantId() == null || Objects.equals(e.tenantId(), r.tenantId()))) {
                out.put(e.id(), r.attributes());
            }
        }
        return out;
    }

    private List<Row> fromHot(String column, Set<String> keys) {
        List<Row> rows = new ArrayList<>();
        List<String> list = new ArrayList<>(keys);
        for (int i = 0; i < list.size(); i += CHUNK) {
            List<String> chunk = list.subList(i, Math.min(list.size(), i + CHUNK));
            rows.addAll(hot.query(HOT + column + " IN (" + placeholders(chunk.size()) + ")",
                    rs -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getLong(7)),
                    chunk.toArray()));
        }
        return rows;
    }

    /** Retired messages: rare (statuses mostly arrive within minutes), so a plain scan is fine. */
    private List<Row> fromArchive(DuckDb.Source duck, Set<String> ids, Set<String> wamids) throws SQLException {
        List<Row> rows = new ArrayList<>();
        if (!ArchiveLayout.hasFiles(layout.messages())) {
            return rows;
        }
        List<String> all = new ArrayList<>(ids);
        all.addAll(wamids);
        for (int i = 0; i < all.size(); i += CHUNK) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
            String in = placeholders(chunk.size());
            String sql = "SELECT id, tenant_id, wamid, campaign_id, template_name, category,"
                    + " epoch_ms(COALESCE(sent_at, failed_at, accepted_at))"
                    + " FROM read_parquet(" + DuckDb.literal(ArchiveLayout.glob(layout.messages())) + ", hive_partitioning = false)"
                    + " WHERE id IN (" + in + ") OR wamid IN (" + in + ")";
            try (PreparedStatement ps = duck.get().prepareStatement(sql)) {
                for (int k = 0; k < chunk.size(); k++) {
                    ps.setString(k + 1, chunk.get(k));
                    ps.setString(chunk.size() + k + 1, chunk.get(k));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), rs.getLong(7)));
                    }
                }
            }
        }
        return rows;
    }

    static String placeholders(int n) {
        return "?,".repeat(n - 1) + "?";
    }
}
