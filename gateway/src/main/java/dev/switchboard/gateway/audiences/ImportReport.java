package dev.switchboard.gateway.audiences;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What one upload did, row by row, in counts: every row read is exactly one of accepted (a new
 * contact), duplicate (its phone was already in the audience, from this upload or an earlier
 * one), opted out (the tenant holds an opt-out for it, so it is not added) or invalid. Invalid
 * rows are also listed with where they are and why, the first {@link #LISTED} of them, so a
 * report stays small whatever the upload.
 */
public final class ImportReport {
    /** Invalid rows listed at most; the count covers all. */
    public static final int LISTED = 100;
    private static final int VALUE_SHOWN = 64;

    /** One refused row: its line (CSV, 1 = the header) or index (JSON, from 0). */
    public record InvalidRow(long position, String value, String reason) {}

    private final String source;
    private final String positionName;
    private final long startedAt;
    private long rows;
    private long accepted;
    private long duplicates;
    private long optedOut;
    private long invalid;
    private final List<InvalidRow> invalidRows = new ArrayList<>();
    private String stoppedReason;
    private long finishedAt;
    private long contacts;

    /** {@code source}: {@code csv} (rows are numbered by line) or {@code json} (by index). */
    ImportReport(String source, long startedAt) {
        this.source = source;
        this.positionName = "csv".equals(source) ? "line" : "index";
        this.startedAt = startedAt;
    }

    void row() {
        rows++;
    }

    void invalid(long position, String value, String reason) {
        invalid++;
        if (invalidRows.size() < LISTED) {
            String shown = value == null ? null : value.length() > VALUE_SHOWN ? value.substring(0, VALUE_SHOWN) + "…" : value;
            invalidRows.add(new InvalidRow(position, shown, reason));
        }
    }

    void countOptedOut() {
        optedOut++;
    }

    void written(long inserted, long skipped) {
        accepted += inserted;
        duplicates += skipped;
    }

    void stopped(String reason) {
        if (stoppedReason == null) {
            stoppedReason = reason;
        }
    }

    void finished(long at, long audienceContacts) {
        finishedAt = at;
        contacts = audienceContacts;
    }

    public long rows() {
        return rows;
    }

    public long accepted() {
        return accepted;
    }

    public long duplicates() {
        return duplicates;
    }

    public long optedOut() {
        return optedOut;
    }

    public long invalid() {
        return invalid;
    }

    public List<InvalidRow> invalidRows() {
        return List.copyOf(invalidRows);
    }

    /** Whether the whole upload was read; otherwise {@link #stoppedReason()} says why not. */
    public boolean complete() {
        return stoppedReason == null;
    }

    public String stoppedReason() {
        return stoppedReason;
    }

    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode n = json.createObjectNode().put("source", source).put("complete", complete());
        if (stoppedReason != null) {
            n.put("stopped_reason", stoppedReason);
        }
        n.put("rows", rows).put("accepted", accepted).put("duplicates", duplicates).put("opted_out", optedOut)
                .put("invalid", invalid);
        var list = n.putArray("invalid_rows");
        for (InvalidRow r : invalidRows) {
            ObjectNode o = list.addObject().put(positionName, r.position());
            if (r.value() != null) {
                o.put("value", r.value());
            }
            o.put("reason", r.reason());
        }
        n.put("invalid_rows_truncated", invalid > invalidRows.size());
        n.put("contacts", contacts).put("started_at", startedAt).put("finished_at", finishedAt);
        return n;
    }
}
