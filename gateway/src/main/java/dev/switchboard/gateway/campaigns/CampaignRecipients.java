package dev.switchboard.gateway.campaigns;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.siegmar.fastcsv.writer.CsvWriter;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/campaigns/{id}/recipients}: every recipient of a campaign with its outcome —
 * the message's state, ids, timeline and last error, or the reason it was skipped.
 *
 * <p><b>Two shapes, one query.</b> JSON is paged with an opaque keyset cursor ({@code after},
 * {@code limit} 1..1000). CSV ({@code Accept: text/csv} or {@code ?format=csv}) is every matching
 * recipient, written row by row to the response while it is read from the database a page at a
 * time ({@link RecipientStore}): a million-recipient export holds one page in memory and no
 * connection between pages, so it neither grows the heap nor pins a read transaction (on SQLite
 * that would stop WAL checkpoints for the whole download).
 *
 * <p>Filters: {@code status} (one or a comma list of {@code queued, sending, sent, delivered,
 * read, failed, expired, cancelled, skipped}), {@code reason} (skip reasons) and
 * {@code error_code} (the message's last error). Another tenant's campaign is a 404.
 */
final class CampaignRecipients {
    private static final Logger LOG = LoggerFactory.getLogger(CampaignRecipients.class);
    private static final MediaType CSV = MediaTypes.create("text/csv");
    private static final int CSV_PAGE = 1000;
    private static final Pattern REASON = Pattern.compile("[a-z_]{1,32}");
    /** The wire status of each message state; ACCEPTED is the instant before QUEUED and shown as queued. */
    private static final Map<String, List<String>> STATES = Map.of("queued", List.of("QUEUED", "ACCEPTED"), "sending", List.of("SENDING"),
            "sent", List.of("SENT"), "delivered", List.of("DELIVERED"), "read", List.of("READ"), "failed", List.of("FAILED"),
            "expired", List.of("EXPIRED"), "cancelled", List.of("CANCELLED"));
    private static final String SKIPPED = "skipped";
    private static final String[] COLUMNS = {"phone", "status", "reason", "detail", "error_code", "error_title", "message_id", "wamid",
        "channel_id", "accepted_at", "sent_at", "delivered_at", "read_at", "failed_at", "expired_at", "cancelled_at"};

    private final Campaigns campaigns;
    private final RecipientStore store;
    private final HttpIo io;

    CampaignRecipients(Campaigns campaigns, RecipientStore store, HttpIo io) {
        this.campaigns = campaigns;
        this.store = store;
        this.io = io;
    }

    void handle(Tenant t, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Campaign c = campaigns.find(t.id(), id).orElseThrow(() -> Campaigns.notFound(id));
        RecipientStore.Filter filter = filter(req);
        RecipientStore.Key after = HttpIo.query(req, "after").map(CampaignRecipients::decode).orElse(null);
        if (wantsCsv(req)) {
            csv(t, c, filter, after, res);
        } else {
            json(t, c, filter, after, limit(req), res);
        }
    }

    private void json(Tenant t, Campaign c, RecipientStore.Filter filter, RecipientStore.Key after, int limit, ServerResponse res) {
        List<RecipientStore.Recipient> page = store.page(t.id(), c.id(), filter, after, limit);
        ObjectNode root = io.json().createObjectNode();
        ArrayNode data = root.putArray("data");
        for (RecipientStore.Recipient r : page) {
            Object[] v = values(r);
            ObjectNode o = data.addObject();
            for (int i = 0; i < COLUMNS.length; i++) {
                switch (v[i]) {
                    case null -> o.putNull(COLUMNS[i]);
                    case Integer n -> o.put(COLUMNS[i], n);
                    case Long n -> o.put(COLUMNS[i], n);
                    default -> o.put(COLUMNS[i], v[i].toString());
                }
            }
        }
        if (page.size() == limit) {
            root.putObject("paging").put("after", encode(page.get(page.size() - 1).key()));
        }
        io.send(res, 200, root);
    }

    private void csv(Tenant t, Campaign c, RecipientStore.Filter filter, RecipientStore.Key after, ServerResponse res) {
        List<RecipientStore.Recipient> page = store.page(t.id(), c.id(), filter, after, CSV_PAGE); // a failure here is still an error answer
        res.status(200);
        res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
        res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + c.id() + "-recipients.csv\"");
        long rows = 0;
        OutputStream out = res.outputStream();
        try {
            CsvWriter w = CsvWriter.builder().build(out, StandardCharsets.UTF_8);
            w.writeRecord(COLUMNS);
            while (!page.isEmpty()) {
                for (RecipientStore.Recipient r : page) {
                    w.writeRecord(csvCells(r));
                }
                rows += page.size();
                if (page.size() < CSV_PAGE) {
                    break;
                }
                page = store.page(t.id(), c.id(), filter, page.get(page.size() - 1).key(), CSV_PAGE);
            }
            w.close(); // only a complete export ends the response normally
        } catch (IOException | UncheckedIOException e) { // FastCSV wraps a failed write in the unchecked one
            // the client went away mid-download: nothing to answer any more
            LOG.debug("campaign {}: recipients export stopped after {} rows: {}", c.id(), rows, e.toString());
        } catch (RuntimeException e) {
            // Past the headers no error answer is possible. The stream is left unfinished, so the
            // server drops the connection and the client sees a broken download, never a short
            // file that looks complete.
            LOG.error("campaign {}: recipients export failed after {} rows", c.id(), rows, e);
            throw e;
        }
    }

    /** A row's values in {@link #COLUMNS} order: text, the error code, timestamps in epoch milliseconds. */
    private static Object[] values(RecipientStore.Recipient r) {
        boolean skip = r.key().skip();
        return new Object[] {r.key().phone(), skip ? SKIPPED : status(r.state()), r.reason(), r.detail(), r.errorCode(), r.errorTitle(),
            skip ? null : r.key().messageId(), r.wamid(), r.channelId(), r.acceptedAt(), r.sentAt(), r.deliveredAt(), r.readAt(),
            r.failedAt(), r.expiredAt(), r.cancelledAt()};
    }

    /** A CSV row: empty cells for nothing, ISO-8601 instants, and free text no spreadsheet runs as a formula. */
    private static String[] csvCells(RecipientStore.Recipient r) {
        Object[] v = values(r);
        String[] out = new String[v.length];
        for (int i = 0; i < v.length; i++) {
            boolean freeText = i == 3 || i == 5; // detail, error_title: words from Meta or the tenant
            out[i] = switch (v[i]) {
                case null -> "";
                case Long millis -> Instant.ofEpochMilli(millis).toString();
                case String text when freeText -> inert(text);
                default -> v[i].toString();
            };
        }
        return out;
    }

    /** OWASP's CSV-injection rule: a cell starting with = + - @ or a control character is prefixed with '. */
    static String inert(String s) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        char c = s.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + s : s;
    }

    private static String status(String state) {
        for (Map.Entry<String, List<String>> e : STATES.entrySet()) {
            if (e.getValue().contains(state)) {
                return e.getKey();
            }
        }
        return state.toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean wantsCsv(ServerRequest req) {
        String format = HttpIo.query(req, "format").orElse(null);
        if (format != null) {
            return switch (format) {
                case "csv" -> true;
                case "json" -> false;
                default -> throw Rejection.invalid("format", "must be csv or json");
            };
        }
        return req.headers().bestAccepted(MediaTypes.APPLICATION_JSON, CSV).map(CSV::equals).orElse(false);
    }

    private static RecipientStore.Filter filter(ServerRequest req) {
        Set<String> states = null;
        boolean skips = true;
        String status = HttpIo.query(req, "status").orElse(null);
        if (status != null) {
            states = new LinkedHashSet<>();
            skips = false;
            for (String s : list("status", status)) {
                if (SKIPPED.equals(s)) {
                    skips = true;
                } else if (STATES.containsKey(s)) {
                    states.addAll(STATES.get(s));
                } else {
                    throw Rejection.invalid("status", "has '" + s + "'; the statuses are queued, sending, sent, delivered, read, failed,"
                            + " expired, cancelled and skipped");
                }
            }
        }
        Set<String> reasons = null;
        String reason = HttpIo.query(req, "reason").orElse(null);
        if (reason != null) {
            reasons = new LinkedHashSet<>();
            for (String r : list("reason", reason)) {
                if (!REASON.matcher(r).matches()) {
                    throw Rejection.invalid("reason", "must be skip reasons such as opted_out or marketing_limit");
                }
                reasons.add(r);
            }
            states = Set.of(); // only skips have a reason
        }
        Integer errorCode = null;
        String code = HttpIo.query(req, "error_code").orElse(null);
        if (code != null) {
            try {
                errorCode = Integer.valueOf(code.strip());
            } catch (NumberFormatException e) {
                throw Rejection.invalid("error_code", "must be an integer such as 131026");
            }
        }
        return new RecipientStore.Filter(states == null ? null : Set.copyOf(states), skips, reasons == null ? null : Set.copyOf(reasons),
                errorCode);
    }

    private static List<String> list(String param, String v) {
        List<String> out = java.util.Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (out.isEmpty() || out.size() > 16) {
            throw Rejection.invalid(param, "must be one to 16 comma-separated values");
        }
        return out;
    }

    private static int limit(ServerRequest req) {
        String v = HttpIo.query(req, "limit").orElse(null);
        if (v == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Rejection.invalid("limit", "must be an integer from 1 to 1000");
    }

    static String encode(RecipientStore.Key k) {
        String raw = k.phone() + '\n' + (k.skip() ? 's' : 'm') + '\n' + k.messageId();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static RecipientStore.Key decode(String cursor) {
        try {
            String[] p = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\n", -1);
            if (p.length == 3 && !p[0].isEmpty() && p[0].length() <= 64 && p[2].length() <= 64 && ("s".equals(p[1]) || "m".equals(p[1]))) {
                return new RecipientStore.Key(p[0], "s".equals(p[1]), p[2]);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw Rejection.invalid("after", "is not a cursor this endpoint gave (pass paging.after back unchanged)");
    }
}
