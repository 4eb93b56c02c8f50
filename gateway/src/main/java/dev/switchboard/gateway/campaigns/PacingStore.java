package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import dev.switchboard.gateway.webhooks.BillingListener;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.List;

/**
 * The SQL of {@code campaign_pacing}, {@code campaign_charges} and {@code campaign_spend}
 * (V15), and the pacing's read-only questions about a campaign's messages.
 */
final class PacingStore {
    /** What a campaign has been billed so far: the sum and count of its charges. */
    record Spend(long billedMicros, long billedMessages) {
        static final Spend NONE = new Spend(0, 0);
    }

    private static final String CHARGE_BY_ID = "INSERT INTO campaign_charges (message_id, campaign_id, category, amount_micros, charged_at)"
            + " SELECT id, campaign_id, ?, ?, ? FROM messages WHERE id = ? AND channel_id = ? AND campaign_id IS NOT NULL"
            + " ON CONFLICT (message_id) DO NOTHING";
    private static final String CHARGE_BY_WAMID = "INSERT INTO campaign_charges (message_id, campaign_id, category, amount_micros, charged_at)"
            + " SELECT id, campaign_id, ?, ?, ? FROM messages WHERE wamid = ? AND channel_id = ? AND campaign_id IS NOT NULL"
            + " ON CONFLICT (message_id) DO NOTHING";
    // adds a charge just inserted to its campaign's total (SQLite needs the WHERE before ON CONFLICT: it has one)
    private static final String TOTAL = "INSERT INTO campaign_spend (campaign_id, billed_micros, billed_messages)"
            + " SELECT campaign_id, amount_micros, 1 FROM campaign_charges WHERE message_id = %s"
            + " ON CONFLICT (campaign_id) DO UPDATE SET billed_micros = campaign_spend.billed_micros + excluded.billed_micros,"
            + " billed_messages = campaign_spend.billed_messages + excluded.billed_messages";
    private static final String TOTAL_BY_ID = String.format(TOTAL, "?");
    private static final String TOTAL_BY_WAMID = String.format(TOTAL.replace("message_id = %s", "message_id IN %s"),
            "(SELECT id FROM messages WHERE wamid = ? AND channel_id = ?)");

    private final Jdbc jdbc;

    PacingStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    WriteOp insert(String campaignId, String tenantId, Pacing p) {
        return b -> {
            PreparedStatement ps = b.batch("INSERT INTO campaign_pacing (campaign_id, tenant_id, window_tz, window_from, window_to,"
                    + " window_days, max_per_second, spend_cap_micros, spend_currency) VALUES (?,?,?,?,?,?,?,?,?)");
            SendingWindow w = p.window();
            Jdbc.bind(ps, campaignId, tenantId, w == null ? null : w.zone().getId(), w == null ? null : w.from(),
                    w == null ? null : w.to(), w == null ? null : w.days(), p.maxPerSecond(), p.spendCapMicros(), p.currency());
            ps.addBatch();
        };
    }

    Pacing find(String campaignId) {
        return jdbc.one("SELECT window_tz, window_from, window_to, window_days, max_per_second, spend_cap_micros, spend_currency"
                + " FROM campaign_pacing WHERE campaign_id=?", PacingStore::pacing, campaignId).orElse(Pacing.NONE);
    }

    private static Pacing pacing(ResultSet rs) throws SQLException {
        String tz = rs.getString("window_tz");
        SendingWindow w = tz == null ? null : new SendingWindow(ZoneId.of(tz), rs.getInt("window_from"), rs.getInt("window_to"),
                rs.getInt("window_days"));
        double rate = rs.getDouble("max_per_second");
        Double cap = rs.wasNull() ? null : rate;
        return new Pacing(w, cap, Jdbc.longOrNull(rs, "spend_cap_micros"), rs.getString("spend_currency"));
    }

    Spend spend(String campaignId) {
        return jdbc.one("SELECT billed_micros, billed_messages FROM campaign_spend WHERE campaign_id=?",
                rs -> new Spend(rs.getLong(1), rs.getLong(2)), campaignId).orElse(Spend.NONE);
    }

    /**
     * The campaign's messages that left for Meta at or after {@code sinceMillis} and were accepted.
     * By the claim time ({@code sending_at}, the node's clock) rather than {@code sent_at}, which a
     * status webhook may move to Meta's timestamp on another clock.
     */
    long sentSince(String tenantId, String campaignId, long sinceMillis) {
        return jdbc.one("SELECT COUNT(*) FROM messages WHERE tenant_id=? AND campaign_id=? AND campaign_id IS NOT NULL"
                + " AND sending_at >= ? AND state IN ('SENT', 'DELIVERED', 'READ')", rs -> rs.getLong(1), tenantId, campaignId, sinceMillis)
                .orElse(0L);
    }

    /**
     * Messages Meta accepted whose first status (and so their charge) has not been applied yet:
     * spend the cap must still expect. A scan of the campaign's messages, so only asked near the cap.
     */
    long sentUncharged(String tenantId, String campaignId) {
        return jdbc.one("SELECT COUNT(*) FROM messages m WHERE m.tenant_id=? AND m.campaign_id=? AND m.campaign_id IS NOT NULL"
                + " AND m.state = 'SENT' AND NOT EXISTS (SELECT 1 FROM campaign_charges c WHERE c.message_id = m.id)",
                rs -> rs.getLong(1), tenantId, campaignId).orElse(0L);
    }

    /**
     * Inside the status transaction: one charge per billed campaign message, the first time a
     * status says Meta bills it, and its campaign's total moved by exactly the charges that
     * were new. The charges run first; their row counts (1 new, 0 already charged) decide which
     * totals move, so Meta's sent, delivered and read statuses and its duplicates bill once.
     */
    static void charge(Batches b, List<BillingListener.Billable> billable, PriceTable prices, long now) throws SQLException {
        boolean[] inserted = new boolean[billable.size()];
        long[] amounts = new long[billable.size()];
        for (int i = 0; i < billable.size(); i++) {
            BillingListener.Billable x = billable.get(i);
            if (x.channelId() == null || (x.messageId() == null && x.wamid() == null)) {
                continue; // a status may only touch messages of the channel it names
            }
            int at = i;
            amounts[i] = prices.micros(x.recipient(), x.category());
            // a driver that answered "done, count unknown" (-2) is taken as new: the total errs towards stopping early
            PreparedStatement ps = b.batch(x.messageId() != null ? CHARGE_BY_ID : CHARGE_BY_WAMID, n -> inserted[at] = n != 0);
            // Meta's text, bounded to the column: a statement that fails here would stall the webhook path
            String category = x.category().length() > 32 ? x.category().substring(0, 32) : x.category();
            Jdbc.bind(ps, category, amounts[i], now, x.messageId() != null ? x.messageId() : x.wamid(), x.channelId());
            ps.addBatch();
        }
        b.connection(); // runs the charges: their row counts are known from here
        for (int i = 0; i < billable.size(); i++) {
            if (!inserted[i]) {
                continue;
            }
            BillingListener.Billable x = billable.get(i);
            PreparedStatement ps = b.batch(x.messageId() != null ? TOTAL_BY_ID : TOTAL_BY_WAMID);
            if (x.messageId() != null) {
                Jdbc.bind(ps, x.messageId());
            } else {
                Jdbc.bind(ps, x.wamid(), x.channelId());
            }
            ps.addBatch();
        }
    }
}
