package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.store.Jdbc;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The campaigns package's reads of a campaign's recipients: its messages (by {@code campaign_id},
 * on {@code messages_tenant_campaign}, which V14 extends to {@code recipient, id}) and its skips
 * (on the primary key of {@code campaign_skips}), each in keyset order, and the few message
 * lookups the automatic pauses need.
 *
 * <p><b>One order over two tables.</b> A recipient is a message or a skip; both are read in
 * phone order and merged on {@link Key} — phone, then messages before the skip, then message id
 * — so a cursor is one key and a page costs two index range scans of at most {@code limit} rows
 * whatever the campaign's size. The key's parts never change after a row is written, so a
 * campaign that is still sending can be paged (or exported) without a row appearing twice.
 */
final class RecipientStore {
    private static final String MESSAGE_COLUMNS = "recipient, id, state, wamid, channel_id, last_error_code, last_error, accepted_at,"
            + " sent_at, delivered_at, read_at, failed_at, expired_at, cancelled_at";

    /** Where a recipient sorts: {@code skip} rows after the messages of the same phone. */
    record Key(String phone, boolean skip, String messageId) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = phone.compareTo(o.phone);
            if (c != 0) {
                return c;
            }
            if (skip != o.skip) {
                return skip ? 1 : -1;
            }
            return messageId.compareTo(o.messageId);
        }
    }

    /** One recipient's outcome: a message (with its timeline and last error) or a skip (with its reason). */
    record Recipient(Key key, String state, String wamid, String channelId, String reason, String detail, Integer errorCode,
                     String errorTitle, Long acceptedAt, Long sentAt, Long deliveredAt, Long readAt, Long failedAt, Long expiredAt,
                     Long cancelledAt) {}

    /**
     * Which recipients: {@code states} (message states; null = all, empty = no messages),
     * {@code skips} whether skips are wanted at all, {@code reasons} (null = every reason), and
     * {@code errorCode} (messages whose last error has it; skips never do).
     */
    record Filter(Set<String> states, boolean skips, Set<String> reasons, Integer errorCode) {
        boolean messages() {
            return states == null || !states.isEmpty();
        }
    }

    private final Jdbc jdbc;

    RecipientStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Up to {@code limit} recipients after {@code after} (null: from the first), in {@link Key} order. */
    List<Recipient> page(String tenantId, String campaignId, Filter f, Key after, int limit) {
        List<Recipient> messages = f.messages() ? messages(tenantId, campaignId, f, after, limit) : List.of();
        List<Recipient> skips = f.skips() && f.errorCode() == null ? skips(tenantId, campaignId, f, after, limit) : List.of();
        List<Recipient> out = new ArrayList<>(Math.min(limit, messages.size() + skips.size()));
        int i = 0;
        int j = 0;
        while (out.size() < limit && (i < messages.size() || j < skips.size())) {
            boolean takeMessage = j >= skips.size()
                    || (i < messages.size() && messages.get(i).key().compareTo(skips.get(j).key()) < 0);
            out.add(takeMessage ? messages.get(i++) : skips.get(j++));
        }
        return out;
    }

    private List<Recipient> messages(String tenantId, String campaignId, Filter f, Key after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT ").append(MESSAGE_COLUMNS)
                .append(" FROM messages WHERE tenant_id=? AND campaign_id=? AND campaign_id IS NOT NULL");
        List<Object> args = new ArrayList<>(List.of(tenantId, campaignId));
        if (after != null && after.skip()) {
            sql.append(" AND recipient > ?");
            args.add(after.phone());
        } else if (after != null) {
            // a row value, so both planners start the index range at the cursor instead of filtering up to it
            sql.append(" AND (recipient, id) > (?, ?)");
            args.add(after.phone());
            args.add(after.messageId());
        }
        if (f.states() != null) {
            sql.append(" AND state IN (").append(marks(f.states().size())).append(')');
            args.addAll(f.states());
        }
        if (f.errorCode() != null) {
            sql.append(" AND last_error_code = ?");
            args.add(f.errorCode());
        }
        sql.append(" ORDER BY recipient, id LIMIT ").append(limit);
        return jdbc.query(sql.toString(), RecipientStore::message, args.toArray());
    }

    private List<Recipient> skips(String tenantId, String campaignId, Filter f, Key after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT phone, reason, detail FROM campaign_skips WHERE campaign_id=? AND tenant_id=?");
        List<Object> args = new ArrayList<>(List.of(campaignId, tenantId));
        if (after != null) {
            sql.append(after.skip() ? " AND phone > ?" : " AND phone >= ?"); // a phone's skip sorts after its messages
            args.add(after.phone());
        }
        if (f.reasons() != null) {
            sql.append(" AND reason IN (").append(marks(f.reasons().size())).append(')');
            args.addAll(f.reasons());
        }
        sql.append(" ORDER BY phone LIMIT ").append(limit);
        return jdbc.query(sql.toString(), rs -> new Recipient(new Key(rs.getString(1), true, ""), null, null, null, rs.getString(2),
                rs.getString(3), null, null, null, null, null, null, null, null, null), args.toArray());
    }

    private static Recipient message(ResultSet rs) throws SQLException {
        return new Recipient(new Key(rs.getString("recipient"), false, rs.getString("id")), rs.getString("state"), rs.getString("wamid"),
                rs.getString("channel_id"), null, null, Jdbc.intOrNull(rs, "last_error_code"), rs.getString("last_error"),
                Jdbc.longOrNull(rs, "accepted_at"), Jdbc.longOrNull(rs, "sent_at"), Jdbc.longOrNull(rs, "delivered_at"),
                Jdbc.longOrNull(rs, "read_at"), Jdbc.longOrNull(rs, "failed_at"), Jdbc.longOrNull(rs, "expired_at"),
                Jdbc.longOrNull(rs, "cancelled_at"));
    }

    /**
     * The campaign a failed message belongs to, if any: by Switchboard's id, else by wamid. Only
     * a message of {@code tenantId} on {@code channelId} counts — the failure was reported for
     * that channel, and a status must never reach another tenant's campaign.
     */
    Optional<String> campaignOf(String tenantId, String channelId, String messageId, String wamid) {
        if (messageId == null && wamid == null) {
            return Optional.empty();
        }
        String by = messageId != null ? "id" : "wamid";
        return jdbc.one("SELECT campaign_id FROM messages WHERE " + by + "=? AND tenant_id=? AND channel_id=? AND campaign_id IS NOT NULL",
                rs -> rs.getString(1), messageId != null ? messageId : wamid, tenantId, channelId);
    }

    /** The campaign's messages on {@code channelId} waiting to be sent again after Meta answered {@code code}. */
    Set<String> parkedAfter(String tenantId, String campaignId, String channelId, int code) {
        return new java.util.HashSet<>(jdbc.query("SELECT id FROM messages WHERE campaign_id=? AND campaign_id IS NOT NULL"
                + " AND state IN ('QUEUED', 'SENDING') AND tenant_id=? AND channel_id=? AND last_error_code=?",
                rs -> rs.getString(1), campaignId, tenantId, channelId, code));
    }

    private static String marks(int n) {
        return "?,".repeat(n - 1) + "?";
    }
}
