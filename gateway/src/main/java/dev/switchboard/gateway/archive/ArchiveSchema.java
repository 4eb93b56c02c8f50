package dev.switchboard.gateway.archive;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The columns of the two archive datasets, in one place: the staging tables the archiver fills,
 * the Parquet files it writes and the empty views a query sees before the first file exists are
 * all derived from these lists, so they cannot drift apart.
 *
 * <p>Times are epoch milliseconds in the hot database and UTC {@code TIMESTAMP}s in Parquet
 * (staged as {@code BIGINT}, converted on the way out). {@code day} is not stored in the files:
 * it is the Hive partition ({@code day=YYYY-MM-DD} directory), so a date filter skips whole
 * directories.
 */
final class ArchiveSchema {
    private ArchiveSchema() {}

    /** One column: its staging type and the expression that turns the staged value into the archived one. */
    record Column(String name, String stagedType, String archivedType) {
        boolean isTime() {
            return archivedType.equals("TIMESTAMP");
        }

        String archivedExpression() {
            if (isTime()) {
                return "epoch_ms(" + name + ") AS " + name;
            }
            return archivedType.equals("JSON") ? "CAST(" + name + " AS JSON) AS " + name : name;
        }
    }

    private static Column col(String name, String type) {
        return new Column(name, type, type);
    }

    private static Column time(String name) {
        return new Column(name, "BIGINT", "TIMESTAMP");
    }

    private static Column json(String name) {
        return new Column(name, "VARCHAR", "JSON");
    }

    /**
     * {@code webhook_events} plus what the archiver joins from the message at archive time:
     * campaign, template, category and {@code message_sent_at}, the time the message went out
     * (its {@code sent_at}, else {@code failed_at}, else {@code accepted_at}) which analytics use
     * to put every status of a message in the day the message was sent.
     */
    static final List<Column> EVENTS = List.of(
            col("id", "BIGINT"),
            time("event_at"),
            time("received_at"),
            col("kind", "VARCHAR"),
            col("tenant_id", "VARCHAR"),
            col("channel_id", "VARCHAR"),
            col("message_id", "VARCHAR"),
            col("wamid", "VARCHAR"),
            col("contact", "VARCHAR"),
            col("status", "VARCHAR"),
            col("error_code", "INTEGER"),
            col("error_title", "VARCHAR"),
            col("campaign_id", "VARCHAR"),
            col("template_name", "VARCHAR"),
            col("category", "VARCHAR"),
            time("message_sent_at"),
            json("payload"));

    /** The {@code messages} row as it was when retired, plus when that happened. */
    static final List<Column> MESSAGES = List.of(
            col("id", "VARCHAR"),
            col("tenant_id", "VARCHAR"),
            col("channel_id", "VARCHAR"),
            col("seq", "BIGINT"),
            col("lane", "SMALLINT"),
            col("recipient", "VARCHAR"),
            json("payload"),
            col("state", "VARCHAR"),
            col("category", "VARCHAR"),
            col("template_name", "VARCHAR"),
            col("campaign_id", "VARCHAR"),
            col("metadata", "VARCHAR"),
            col("idempotency_key", "VARCHAR"),
            col("wamid", "VARCHAR"),
            col("attempts", "INTEGER"),
            time("next_attempt_at"),
            time("expires_at"),
            col("last_error_code", "INTEGER"),
            col("last_error", "VARCHAR"),
            col("dead_lettered", "SMALLINT"),
            time("accepted_at"),
            time("sending_at"),
            time("sent_at"),
            time("delivered_at"),
            time("read_at"),
            time("failed_at"),
            time("expired_at"),
            time("cancelled_at"),
            time("archived_at"));

    /** Position of column {@code name} in {@code columns}. */
    static int index(List<Column> columns, String name) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no column " + name);
    }

    static String stagingTable(String name, List<Column> columns) {
        return "CREATE OR REPLACE TEMP TABLE " + name + " ("
                + columns.stream().map(c -> c.name() + " " + c.stagedType()).collect(Collectors.joining(", ")) + ")";
    }

    static String archivedSelect(List<Column> columns) {
        return columns.stream().map(Column::archivedExpression).collect(Collectors.joining(", "));
    }

    /** A typed, empty relation with the archived columns and {@code day}: the view before any file exists. */
    static String emptyRelation(List<Column> columns) {
        return "SELECT " + columns.stream().map(c -> "CAST(NULL AS " + c.archivedType() + ") AS " + c.name())
                .collect(Collectors.joining(", ")) + ", CAST(NULL AS DATE) AS day WHERE false";
    }
}
