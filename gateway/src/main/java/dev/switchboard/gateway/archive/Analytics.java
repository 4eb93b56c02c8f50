package dev.switchboard.gateway.archive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Tenant analytics over the event archive: delivery, read and failure rates, and failure codes.
 *
 * <p><b>What is counted.</b> A message is counted once Meta has reported on it (it has at least
 * one status event); its outcome is the union of its statuses, exactly as the hot table applies
 * them: {@code delivered} and {@code read} imply {@code sent}, {@code read} implies
 * {@code delivered}, and a {@code delivered} after a {@code failed} (multi-device) makes it
 * delivered, not failed. Rates: delivery = delivered / messages, read = read / delivered,
 * failure = failed / messages.
 *
 * <p><b>Which day.</b> Every status of a message counts in the UTC day the message went out
 * ({@code message_sent_at}, joined at archive time), so a {@code read} arriving the next morning
 * raises yesterday's read rate instead of inflating today's. Statuses of messages Switchboard
 * does not know fall back to their own time.
 *
 * <p><b>Why only the archive.</b> Reading the hot tables would put analytics scans on the
 * database the send path writes to; the archive lags by one archiver interval at most, and
 * {@link Archiver#flush} closes that gap on demand.
 *
 * <p>All SQL here is fixed text with {@code ?} parameters; the tenant id always comes from the
 * authenticated key, never from the request.
 */
final class Analytics {
    enum GroupBy {
        DAY("day", "day"),
        CHANNEL("channel", "channel_id"),
        CAMPAIGN("campaign", "campaign_id"),
        TEMPLATE("template", "template_name");

        final String param;
        final String column;

        GroupBy(String param, String column) {
            this.param = param;
            this.column = column;
        }
    }

    /** Optional narrowing, each null when absent. */
    record Filters(String channelId, String campaignId, String templateName) {}

    record RateRow(String key, long messages, long sent, long delivered, long read, long failed) {}

    record FailureRow(Integer errorCode, String errorTitle, long messages) {}

    /**
     * One row per message: its group keys and outcome. Statuses are scanned from the day before
     * {@code from} onwards (partition pruning; the slack absorbs clock skew between Meta's
     * timestamps and ours) and kept when the message's send time falls in the range.
     */
    private static final String PER_MESSAGE = """
            WITH scoped AS (
                SELECT COALESCE(message_id, wamid) AS message_key, status, error_code, error_title, id,
                       channel_id, campaign_id, template_name, COALESCE(message_sent_at, event_at) AS sent_at
                FROM events
                WHERE kind = 'status' AND tenant_id = ? AND day >= CAST(? AS DATE) - INTERVAL 1 DAY
                  AND COALESCE(message_sent_at, event_at) >= CAST(? AS DATE)
                  AND COALESCE(message_sent_at, event_at) < CAST(? AS DATE) + INTERVAL 1 DAY
                  AND (CAST(? AS VARCHAR) IS NULL OR channel_id = ?)
                  AND (CAST(? AS VARCHAR) IS NULL OR campaign_id = ?)
                  AND (CAST(? AS VARCHAR) IS NULL OR template_name = ?)
            ), per_message AS (
                SELECT message_key,
                       CAST(min(sent_at) AS DATE) AS day,
                       max(channel_id) AS channel_id,
                       max(campaign_id) AS campaign_id,
                       max(template_name) AS template_name,
                       bool_or(status IN ('sent', 'delivered', 'read')) AS was_sent,
                       bool_or(status IN ('delivered', 'read')) AS was_delivered,
                       bool_or(status = 'read') AS was_read,
                       bool_or(status = 'failed') AS had_failure,
                       arg_min(error_code, id) FILTER (WHERE status = 'failed') AS error_code,
                       arg_min(error_title, id) FILTER (WHERE status = 'failed') AS error_title
                FROM scoped
                GROUP BY message_key
            )
            """;

    private Analytics() {}

    static List<RateRow> rates(Connection c, ArchiveQueries.Runner run, String tenantId, LocalDate from, LocalDate to,
                               GroupBy groupBy, Filters f) throws SQLException {
        String sql = PER_MESSAGE + """
                SELECT CAST(%s AS VARCHAR) AS grp, count(*), count_if(was_sent), count_if(was_delivered), count_if(was_read),
                       count_if(had_failure AND NOT was_delivered)
                FROM per_message GROUP BY grp ORDER BY grp NULLS LAST
                """.formatted(groupBy.column);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, tenantId, from, to, f);
            return run.execute(ps, rs -> {
                List<RateRow> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(new RateRow(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6)));
                }
                return rows;
            });
        }
    }

    /** Failed messages by the error code of their first failure, most frequent first. */
    static List<FailureRow> failures(Connection c, ArchiveQueries.Runner run, String tenantId, LocalDate from, LocalDate to,
                                     Filters f) throws SQLException {
        String sql = PER_MESSAGE + """
                SELECT error_code, min(error_title), count(*) AS n
                FROM per_message WHERE had_failure AND NOT was_delivered
                GROUP BY error_code ORDER BY n DESC, error_code NULLS LAST
                """;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, tenantId, from, to, f);
            return run.execute(ps, rs -> {
                List<FailureRow> rows = new ArrayList<>();
                while (rs.next()) {
                    int code = rs.getInt(1);
                    rows.add(new FailureRow(rs.wasNull() ? null : code, rs.getString(2), rs.getLong(3)));
                }
                return rows;
            });
        }
    }

    private static void bind(PreparedStatement ps, String tenantId, LocalDate from, LocalDate to, Filters f)
            throws SQLException {
        int i = 1;
        ps.setString(i++, tenantId);
        ps.setString(i++, from.toString());
        ps.setString(i++, from.toString());
        ps.setString(i++, to.toString());
        for (String v : new String[] {f.channelId(), f.campaignId(), f.templateName()}) {
            ps.setString(i++, v);
            ps.setString(i++, v);
        }
    }
}
