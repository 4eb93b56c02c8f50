package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.archive.MessageAttributes.Attributes;
import dev.switchboard.gateway.events.WebhookEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes one batch of the event log to Parquet: one file per UTC day of {@code event_at}, named
 * by the lowest and highest id it holds. Writing the same batch again produces the same files
 * under the same names; the cursor is not this class's business (see {@link Archiver}).
 */
final class EventExport {
    private static final String STAGING = "staged_events";

    private final ArchiveLayout layout;
    private final MessageAttributes attributes;

    EventExport(ArchiveLayout layout, MessageAttributes attributes) {
        this.layout = layout;
        this.attributes = attributes;
    }

    /**
     * Publishes {@code batch} (non-empty, in id order) and returns the files written. If it
     * fails part-way, the files already published are deleted again before the exception
     * leaves, so a failed run leaves nothing behind (and a crash leaves what the next sweep removes).
     */
    List<Path> write(List<WebhookEvent> batch, ParquetWriter out, DuckDb.Source duck) throws SQLException, IOException {
        Map<Long, Attributes> joined = attributes.resolve(batch, duck);
        List<Object[]> rows = new ArrayList<>(batch.size());
        Map<LocalDate, long[]> days = new TreeMap<>(); // day -> {lowest id, highest id}
        for (WebhookEvent e : batch) {
            rows.add(row(e, joined.get(e.id())));
            days.merge(day(e.eventAt()), new long[] {e.id(), e.id()},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        out.stage(STAGING, ArchiveSchema.EVENTS, rows);
        List<Path> written = new ArrayList<>(days.size());
        try {
            for (Map.Entry<LocalDate, long[]> d : days.entrySet()) {
                Path target = layout.eventPart(d.getKey(), d.getValue()[0], d.getValue()[1]);
                out.write(STAGING, ArchiveSchema.EVENTS, "CAST(epoch_ms(event_at) AS DATE) = DATE " + DuckDb.literal(d.getKey().toString()),
                        target);
                written.add(target);
            }
        } catch (SQLException | IOException | RuntimeException e) {
            for (Path p : written) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        } finally {
            out.drop(STAGING);
        }
        return written;
    }

    static LocalDate day(long epochMillis) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    /** In {@link ArchiveSchema#EVENTS} order. */
    private static Object[] row(WebhookEvent e, Attributes a) {
        String messageId = a != null ? a.messageId() : e.messageId();
        return new Object[] {
            e.id(), e.eventAt(), e.receivedAt(), e.kind(), e.tenantId(), e.channelId(), messageId, e.wamid(), e.contact(),
            e.status(), e.errorCode(), e.errorTitle(),
            a == null ? null : a.campaignId(), a == null ? null : a.templateName(), a == null ? null : a.category(),
            a == null ? null : a.sentAt(),
            // an event journaled before malformed changes were skipped may carry no payload at all:
            // archive it as JSON null rather than let one row stop the archive for every tenant
            e.payload() == null || e.payload().isBlank() ? "null" : e.payload()
        };
    }
}
