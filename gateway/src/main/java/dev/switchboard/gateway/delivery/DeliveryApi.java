package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The webhook-endpoint and dead-letter handlers, for one tenant already authorised by the
 * caller: {@link TenantDeliveryApi} (the tenant's API key) and {@link AdminDeliveryApi} (the
 * operator) route here with the tenant id. Errors are problem JSON with a stable code.
 */
final class DeliveryApi {
    private static final String MAX_EVENTS = "max_events_per_post";
    private static final Set<String> FIELDS = Set.of("url", "secret", "messages", "statuses", "account", MAX_EVENTS);
    private static final int MIN_SECRET = 16;
    private static final int MAX_SECRET = 256;
    private static final int MAX_URL = 2048;
    private static final int MAX_LIST = 1000;

    private final Outbox outbox;
    private final HttpIo io;

    DeliveryApi(Outbox outbox, HttpIo io) {
        this.outbox = outbox;
        this.io = io;
    }

    /**
     * PUT: creates or updates; omitted fields keep their value (defaults on creation: everything
     * forwarded, one event per POST as Meta usually sends them; {@code max_events_per_post} above 1
     * opts in to batches).
     */
    void put(String tenantId, ServerRequest req, ServerResponse res) {
        ObjectNode b = io.parseObject(io.body(req, 16 * 1024));
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw Rejection.invalid(f, "is not a field of a webhook endpoint (expected one of " + FIELDS + ")");
            }
        }
        WebhookEndpoint current = outbox.endpoint(tenantId).orElse(null);
        String url = b.hasNonNull("url") ? url(b.get("url"), outbox.allowsPrivateTargets()) : null;
        String secret = b.hasNonNull("secret") ? secret(b.get("secret")) : null;
        if (current == null && url == null) {
            throw Rejection.missing("url");
        }
        if (current == null && secret == null) {
            throw Rejection.missing("secret");
        }
        boolean messages = bool(b, "messages", current == null || current.messages());
        boolean account = bool(b, "account", current == null || current.account());
        StatusFilter statuses = current == null ? StatusFilter.ALL : current.statuses();
        if (b.hasNonNull("statuses")) {
            statuses = StatusFilter.parse(b.get("statuses").isTextual() ? b.get("statuses").asText() : null)
                    .orElseThrow(() -> Rejection.invalid("statuses", "must be \"all\", \"final\" or \"none\""));
        }
        int maxEvents = b.hasNonNull(MAX_EVENTS) ? maxEvents(b.get(MAX_EVENTS), outbox.maxEventsPerPost())
                : current == null ? WebhookEndpoint.ONE_EVENT_PER_POST : current.maxEventsPerPost();
        WebhookEndpoint saved = outbox.configure(tenantId, url == null ? current.url() : url, secret, messages, statuses,
                account, maxEvents);
        io.send(res, current == null ? 201 : 200, view(saved));
    }

    void get(String tenantId, ServerRequest req, ServerResponse res) {
        WebhookEndpoint e = outbox.endpoint(tenantId).orElseThrow(DeliveryApi::noEndpoint);
        io.send(res, 200, view(e));
    }

    void delete(String tenantId, ServerRequest req, ServerResponse res) {
        int discarded = outbox.remove(tenantId);
        if (discarded < 0) {
            throw noEndpoint();
        }
        io.send(res, 200, io.json().createObjectNode().put("deleted", true).put("discarded_pending", discarded));
    }

    void deadLetters(String tenantId, ServerRequest req, ServerResponse res) {
        long asked = HttpIo.query(req, "limit").map(s -> number("limit", s)).orElse(100L);
        if (asked < 1 || asked > MAX_LIST) {
            throw Rejection.invalid("limit", "must be between 1 and " + MAX_LIST);
        }
        int limit = (int) asked;
        long after = HttpIo.query(req, "cursor").map(s -> number("cursor", s)).orElse(0L);
        List<DeadLetter> rows = outbox.deadLetters(tenantId, after, limit);
        ObjectNode out = io.json().createObjectNode();
        ArrayNode data = out.putArray("data");
        for (DeadLetter d : rows) {
            data.add(deadLetterJson(d));
        }
        if (rows.size() == limit) {
            out.put("next_cursor", Long.toString(rows.get(rows.size() - 1).id()));
        }
        io.send(res, 200, out);
    }

    /** Body {@code {"ids":[…]}} replays those; no body (or no ids) replays every dead letter. */
    void replay(String tenantId, ServerRequest req, ServerResponse res) {
        byte[] raw = io.body(req, 64 * 1024);
        List<Long> ids = null;
        if (raw.length > 0) {
            JsonNode given = io.parseObject(raw).get("ids");
            if (given != null && !given.isNull()) {
                ids = ids(given);
            }
        }
        if (outbox.endpoint(tenantId).isEmpty()) {
            throw new Rejection(409, "no_webhook_endpoint", 100,
                    "Configure a webhook endpoint before replaying dead letters: they would have nowhere to go");
        }
        io.send(res, 200, io.json().createObjectNode().put("replayed", outbox.replay(tenantId, ids)));
    }

    void discard(String tenantId, ServerRequest req, ServerResponse res) {
        String raw = req.path().pathParameters().get("id");
        long id = number("id", raw);
        if (!outbox.discard(tenantId, id)) {
            throw new Rejection(404, "not_found", 100, "No dead letter " + raw);
        }
        io.send(res, 200, io.json().createObjectNode().put("id", id).put("discarded", true));
    }

    private ObjectNode view(WebhookEndpoint e) {
        Outbox.Status s = outbox.status(e.tenantId());
        ObjectNode n = io.json().createObjectNode().put("tenant_id", e.tenantId()).put("url", e.url()).put("secret_set", true)
                .put("messages", e.messages()).put("statuses", e.statuses().wire()).put("account", e.account())
                .put(MAX_EVENTS, e.maxEventsPerPost()).put("created_at", e.createdAt()).put("updated_at", e.updatedAt());
        n.putObject("delivery").put("pending", s.pending()).put("dead_letters", s.deadLetters()).put("breaker", s.breaker());
        return n;
    }

    private ObjectNode deadLetterJson(DeadLetter d) {
        ObjectNode n = io.json().createObjectNode().put("id", d.id()).put("event_id", d.eventId()).put("kind", d.kind())
                .put("field", d.field()).put("status", d.status()).put("channel_id", d.channelId())
                .put("conversation", d.conversation()).put("attempts", d.attempts()).put("created_at", d.createdAt())
                .put("dead_at", d.deadAt()).put("last_error", d.lastError());
        if (d.lastAttemptAt() != null) {
            n.put("last_attempt_at", d.lastAttemptAt());
        }
        if (d.lastHttpStatus() != null) {
            n.put("last_http_status", d.lastHttpStatus());
        }
        try {
            n.set("payload", io.json().readTree(d.item()));
        } catch (IOException e) {
            n.put("payload", d.item());
        }
        return n;
    }

    // ---- validation -------------------------------------------------------------------------

    static String url(JsonNode n, boolean allowPrivate) {
        if (!n.isTextual() || n.asText().isBlank()) {
            throw badUrl("must be a non-empty string");
        }
        String s = n.asText().trim();
        if (s.length() > MAX_URL) {
            throw badUrl("must be at most " + MAX_URL + " characters");
        }
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw badUrl("is not a valid URL (" + e.getReason() + ")");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw badUrl("must be an absolute http:// or https:// URL");
        }
        if (u.getHost() == null || u.getHost().isBlank()) {
            throw badUrl("must name a host");
        }
        if (u.getRawUserInfo() != null) {
            throw badUrl("must not carry credentials; verify the X-Hub-Signature-256 header instead");
        }
        if (u.getRawFragment() != null) {
            throw badUrl("must not have a fragment");
        }
        String refusal = allowPrivate ? null : TargetGuard.refusal(u.getHost());
        if (refusal != null) {
            throw badUrl(refusal);
        }
        return s;
    }

    static String secret(JsonNode n) {
        if (!n.isTextual()) {
            throw invalidSecret("must be a string");
        }
        String s = n.asText();
        if (s.length() < MIN_SECRET || s.length() > MAX_SECRET) {
            throw invalidSecret("must be " + MIN_SECRET + " to " + MAX_SECRET + " characters long");
        }
        if (!s.equals(s.strip())) {
            throw invalidSecret("must not start or end with whitespace");
        }
        return s;
    }

    static int maxEvents(JsonNode n, int most) {
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1 || n.asInt() > most) {
            throw Rejection.invalid(MAX_EVENTS, "must be an integer from 1 (one event per POST, Meta's usual shape) to "
                    + most);
        }
        return n.asInt();
    }

    private static boolean bool(JsonNode b, String field, boolean otherwise) {
        JsonNode v = b.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isBoolean()) {
            throw Rejection.invalid(field, "must be true or false");
        }
        return v.asBoolean();
    }

    private static List<Long> ids(JsonNode given) {
        if (!given.isArray() || given.isEmpty() || given.size() > MAX_LIST) {
            throw Rejection.invalid("ids", "must be an array of 1 to " + MAX_LIST + " dead-letter ids");
        }
        List<Long> out = new ArrayList<>(given.size());
        for (JsonNode i : given) {
            if (!i.canConvertToLong() || !i.isIntegralNumber()) {
                throw Rejection.invalid("ids", "must hold integer dead-letter ids");
            }
            out.add(i.asLong());
        }
        return out;
    }

    private static long number(String name, String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw Rejection.invalid(name, "must be an integer");
        }
    }

    private static Rejection badUrl(String why) {
        return new Rejection(400, "invalid_webhook_url", 100, "Parameter value is not valid: url " + why);
    }

    private static Rejection invalidSecret(String why) {
        return new Rejection(400, "invalid_secret", 100, "Parameter value is not valid: secret " + why);
    }

    private static Rejection noEndpoint() {
        return new Rejection(404, "not_found", 100, "No webhook endpoint is configured");
    }
}
