package dev.switchboard.gateway.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.intake.Intake;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.Message;
import dev.switchboard.gateway.messages.MessageState;
import dev.switchboard.gateway.messages.MessageStore;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The native API under {@code /v1}: single or batch sends (up to 1,000, all-or-nothing) with
 * Switchboard's controls, message look-up, listing and cancel. Errors are problem JSON.
 *
 * <p>A message item is a Cloud API body plus optional control fields, which are stripped before
 * the body goes to Meta: {@code channel_id}, {@code channel_pool}, {@code priority},
 * {@code ttl_seconds}, {@code campaign_id}, {@code metadata}.
 */
public final class NativeApi implements HttpService {
    static final int MAX_BATCH = 1000;
    /** Meta keeps trying a message for at most 30 days; a longer life means nothing (and overflowed). */
    static final long MAX_TTL_SECONDS = 30L * 24 * 3600;
    private static final Set<String> CONTROL_FIELDS =
            Set.of("channel_id", "channel_pool", "priority", "ttl_seconds", "campaign_id", "metadata");

    private final Tenancy tenancy;
    private final TenantGuard guard;
    private final Intake intake;
    private final dev.switchboard.gateway.outbound.Outbound outbound;
    private final MessageStore store;
    private final GroupCommitWriter writer;
    private final HttpIo io;
    private final long maxBody;
    private final Clock clock;

    public NativeApi(Tenancy tenancy, Intake intake, dev.switchboard.gateway.outbound.Outbound outbound, MessageStore store, GroupCommitWriter writer, HttpIo io, long maxBody,
                     Clock clock) {
        this.tenancy = tenancy;
        this.guard = new TenantGuard(tenancy, io);
        this.intake = intake;
        this.outbound = outbound;
        this.store = store;
        this.writer = writer;
        this.io = io;
        this.maxBody = maxBody;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/messages", guard.of(this::send))
                .get("/messages", guard.of(this::list))
                .get("/messages/{id}", guard.of(this::get))
                .post("/messages/{id}/cancel", guard.of(this::cancel));
    }

    private void send(Tenant tenant, ServerRequest req, ServerResponse res) {
        byte[] raw = io.body(req, maxBody);
        Parsed parsed = parse(raw);
        boolean batch = parsed.batch();
        List<Intake.Candidate> candidates = parsed.candidates();
        String key = HttpIo.header(req, HttpIo.IDEMPOTENCY_KEY).orElse(null);
        Intake.Result result = intake.accept(tenant, candidates, key, raw, accepted -> render(accepted, batch));
        io.send(res, 202, result.response());
    }

    private record Parsed(boolean batch, List<Intake.Candidate> candidates) {}

    /**
     * Reads one message, or a batch under {@code "messages"}, streaming: each batch item becomes
     * its candidate as soon as it is parsed, so a full batch never exists as one JSON tree beside
     * its candidates (the body itself is bounded by {@code maxBody}).
     */
    private Parsed parse(byte[] raw) {
        if (raw.length == 0) {
            throw Rejection.badJson("empty body");
        }
        try (JsonParser p = io.json().createParser(raw)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw Rejection.badJson("expected a JSON object");
            }
            ObjectNode single = io.json().createObjectNode();
            List<Intake.Candidate> batch = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("messages".equals(field) && batch == null) {
                    batch = batchItems(p, value);
                } else {
                    single.set(field, p.readValueAsTree());
                }
            }
            if (p.nextToken() != null) {
                throw Rejection.badJson("unexpected content after the JSON object");
            }
            return batch != null ? new Parsed(true, batch) : new Parsed(false, List.of(candidate(single)));
        } catch (IOException e) {
            throw HttpIo.badJson(e);
        }
    }

    private List<Intake.Candidate> batchItems(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw Rejection.invalid("messages", "must be an array");
        }
        List<Intake.Candidate> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (out.size() == MAX_BATCH) {
                throw new Rejection(400, "batch_too_large", 100, "A batch holds at most " + MAX_BATCH + " messages");
            }
            JsonNode item = p.readValueAsTree();
            try {
                out.add(candidate(item));
            } catch (Rejection r) {
                throw new Rejection(r.httpStatus(), r.code(), r.metaCode(), "messages[" + out.size() + "]: " + r.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw Rejection.invalid("messages", "must not be empty");
        }
        return out;
    }

    private Intake.Candidate candidate(JsonNode item) {
        if (!(item instanceof ObjectNode o)) {
            throw Rejection.badJson("each message must be a JSON object");
        }
        String channel = text(o, "channel_id");
        List<String> pool = null;
        if (o.has("channel_pool")) {
            if (!o.get("channel_pool").isArray()) {
                throw Rejection.invalid("channel_pool", "must be an array of channel ids");
            }
            pool = new ArrayList<>();
            for (JsonNode p : o.get("channel_pool")) {
                pool.add(p.asText());
            }
        }
        Lane priority = null;
        if (o.hasNonNull("priority")) {
            priority = Lane.parse(o.get("priority").asText())
                    .orElseThrow(() -> Rejection.invalid("priority", "must be high, normal or low"));
        }
        Long ttl = null;
        if (o.hasNonNull("ttl_seconds")) {
            JsonNode t = o.get("ttl_seconds");
            if (!t.isIntegralNumber() || !t.canConvertToLong() || t.asLong() <= 0 || t.asLong() > MAX_TTL_SECONDS) {
                throw Rejection.invalid("ttl_seconds", "must be a whole number of seconds from 1 to " + MAX_TTL_SECONDS + " (30 days)");
            }
            ttl = o.get("ttl_seconds").asLong();
        }
        JsonNode metadata = o.get("metadata");
        String campaign = text(o, "campaign_id");
        // the parsed item is ours alone: its control fields come off in place, no copy
        o.remove(CONTROL_FIELDS);
        if (!o.has("messaging_product")) {
            o.put("messaging_product", "whatsapp");
        }
        return new Intake.Candidate(o, channel, pool, priority, ttl, campaign,
                metadata == null || metadata.isNull() ? null : metadata.toString());
    }

    private String render(List<Intake.Accepted> accepted, boolean batch) {
        ArrayNode arr = io.json().createArrayNode();
        for (Intake.Accepted a : accepted) {
            arr.addObject().put("id", a.id()).put("state", "QUEUED").put("channel_id", a.channelId())
                    .put("lane", a.lane().name()).put("recipient", a.recipient());
        }
        if (batch) {
            ObjectNode root = io.json().createObjectNode();
            root.set("messages", arr);
            return root.toString();
        }
        return arr.get(0).toString();
    }

    private void get(Tenant tenant, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Message m = store.find(tenant.id(), id).orElse(null);
        if (m == null) {
            io.problem(res, 404, "not_found", "No message " + id);
            return;
        }
        io.send(res, 200, MessageView.of(io.json(), m, true));
    }

    private void list(Tenant tenant, ServerRequest req, ServerResponse res) {
        MessageState state = HttpIo.query(req, "state").map(s -> {
            try {
                return MessageState.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw Rejection.invalid("state", "is not a message state");
            }
        }).orElse(null);
        int limit = HttpIo.query(req, "limit").map(s -> parseLong("limit", s)).orElse(100L).intValue();
        MessageStore.Query q = new MessageStore.Query(tenant.id(), HttpIo.query(req, "recipient").orElse(null),
                HttpIo.query(req, "campaign_id").orElse(null), state,
                HttpIo.query(req, "from").map(s -> parseLong("from", s)).orElse(null),
                HttpIo.query(req, "to").map(s -> parseLong("to", s)).orElse(null),
                HttpIo.query(req, "cursor").map(s -> parseLong("cursor", s)).orElse(null), Math.min(Math.max(limit, 1), 1000));
        List<Message> rows = store.list(q);
        ObjectNode out = io.json().createObjectNode();
        ArrayNode data = out.putArray("data");
        rows.forEach(m -> data.add(MessageView.of(io.json(), m, false)));
        if (rows.size() == q.limit()) {
            out.put("next_cursor", Long.toString(rows.get(rows.size() - 1).seq()));
        }
        io.send(res, 200, out);
    }

    private void cancel(Tenant tenant, ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Message m = store.find(tenant.id(), id).orElse(null);
        if (m == null) {
            io.problem(res, 404, "not_found", "No message " + id);
            return;
        }
        CompletableFuture<Boolean> outcome = new CompletableFuture<>();
        writer.submit(store.cancel(tenant.id(), id, clock.millis(), outcome::complete)).join();
        if (outcome.join()) {
            outbound.cancelled(m.channelId(), id);
            io.send(res, 200, io.json().createObjectNode().put("id", id).put("state", "CANCELLED"));
        } else {
            MessageState now = store.find(tenant.id(), id).map(Message::state).orElse(m.state());
            io.problem(res, 409, "not_cancellable", "Message " + id + " is " + now + "; only QUEUED messages can be cancelled");
        }
    }

    private static String text(JsonNode o, String f) {
        JsonNode v = o.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static long parseLong(String name, String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw Rejection.invalid(name, "must be an integer");
        }
    }
}
