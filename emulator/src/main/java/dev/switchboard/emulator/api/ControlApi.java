package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.AccountEvent;
import dev.switchboard.emulator.FaultConfig;
import dev.switchboard.emulator.InboundMessage;
import dev.switchboard.emulator.ReadReceipt;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.core.Json;
import dev.switchboard.emulator.core.NumberState;
import dev.switchboard.emulator.core.ResponseDelay;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulator's own control API under {@code /_emulator/}: what a test or an operator uses to
 * look inside, inject traffic and change behaviour at run time. Plain JSON errors here (these
 * are not Meta endpoints).
 */
public final class ControlApi {
    private static final Logger LOG = LoggerFactory.getLogger(ControlApi.class);

    private final EmulatorCore core;
    private final Function<JsonNode, FaultConfig> faultParser;

    public ControlApi(EmulatorCore core, Function<JsonNode, FaultConfig> faultParser) {
        this.core = core;
        this.faultParser = faultParser;
    }

    public void register(HttpRouting.Builder r) {
        r.get("/_emulator/health", (req, res) -> Http.send(res, 200, Json.MAPPER.createObjectNode().put("status", "UP")))
                .get("/_emulator/stats", (req, res) -> Http.send(res, 200, core.stats()))
                .get("/_emulator/messages", this::messages)
                .get("/_emulator/reads", this::reads)
                .post("/_emulator/inbound", guarded(this::inbound))
                .post("/_emulator/events", guarded(this::event))
                .post("/_emulator/scenario", guarded(this::scenario))
                .put("/_emulator/faults", guarded(this::faults))
                .put("/_emulator/webhook", guarded(this::webhook))
                .get("/_emulator/latency", (req, res) -> Http.send(res, 200, latencyJson()))
                .post("/_emulator/latency", guarded(this::latency))
                .post("/_emulator/webhooks/latency/reset", (req, res) ->
                        Http.send(res, 200, core.dispatcher().latencySnapshotAndClear()))
                .post("/_emulator/numbers/{id}/throughput-upgrade", guarded(this::upgrade))
                .post("/_emulator/numbers/{id}/storm", guarded(this::storm))
                .post("/_emulator/reset", (req, res) -> {
                    core.reset();
                    Http.send(res, 200, Json.MAPPER.createObjectNode().put("reset", true));
                });
    }

    private interface JsonHandler {
        Object handle(ServerRequest req, JsonNode body);
    }

    private io.helidon.webserver.http.Handler guarded(JsonHandler h) {
        return (req, res) -> {
            try {
                byte[] raw = Http.body(req);
                JsonNode body = raw.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(raw);
                Http.send(res, 200, h.handle(req, body));
            } catch (IllegalArgumentException | java.io.IOException e) {
                Http.plainError(res, 400, e.getMessage());
            }
        };
    }

    private void messages(ServerRequest req, ServerResponse res) {
        String pnid = req.query().first("phone_number_id").orElse(null);
        int limit = Http.intParam(req, "limit", 100);
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        for (NumberState n : core.numbers()) {
            if (pnid != null && !pnid.equals(n.id())) {
                continue;
            }
            for (AcceptedMessage m : n.log().last(limit)) {
                ObjectNode o = data.addObject();
                o.put("phone_number_id", n.id());
                o.put("seq", m.seq());
                o.put("wamid", m.wamid());
                o.put("to", m.to());
                o.put("type", m.type());
                o.put("template_name", m.templateName());
                o.put("biz_opaque_callback_data", m.bizOpaqueCallbackData());
                o.put("accepted_at_millis", m.acceptedAtMillis());
                o.put("arrived_at_us", m.arrivedAtMicros());
                o.set("body", m.body());
            }
        }
        Http.send(res, 200, root);
    }

    /** Accepted "mark as read" calls, most recent {@code limit} per number, oldest first. */
    private void reads(ServerRequest req, ServerResponse res) {
        String pnid = req.query().first("phone_number_id").orElse(null);
        int limit = Http.intParam(req, "limit", 100);
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        for (NumberState n : core.numbers()) {
            if (pnid != null && !pnid.equals(n.id())) {
                continue;
            }
            for (ReadReceipt r : n.reads().last(limit)) {
                ObjectNode o = data.addObject();
                o.put("phone_number_id", r.phoneNumberId());
                o.put("message_id", r.messageId());
                o.put("from", r.from());
                if (r.typing()) {
                    o.putObject("typing_indicator").put("type", r.typingIndicator());
                } else {
                    o.putNull("typing_indicator");
                }
                o.put("at_millis", r.atMillis());
            }
        }
        Http.send(res, 200, root);
    }

    private Object inbound(ServerRequest req, JsonNode body) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.putArray("messages").add(core.events().inboundMessage(InboundMessage.fromJson(body)));
        return o;
    }

    private Object event(ServerRequest req, JsonNode body) {
        core.events().emit(AccountEvent.fromJson(body));
        return Json.MAPPER.createObjectNode().put("emitted", body.path("field").asText());
    }

    /**
     * {@code {"steps":[{"delay_ms":100,"inbound":{…}} | {"delay_ms":0,"event":{…}}]}}: run in the
     * background in order, each after its delay; answers at once with the number of steps.
     */
    private Object scenario(ServerRequest req, JsonNode body) {
        JsonNode steps = body.isArray() ? body : body.path("steps");
        if (!steps.isArray()) {
            throw new IllegalArgumentException("steps must be an array");
        }
        List<Runnable> actions = new ArrayList<>();
        List<Long> delays = new ArrayList<>();
        for (JsonNode s : steps) {
            delays.add(s.path("delay_ms").asLong(0));
            if (s.has("inbound")) {
                InboundMessage m = InboundMessage.fromJson(s.get("inbound"));
                actions.add(() -> core.events().inbound(m));
            } else if (s.has("event")) {
                AccountEvent e = AccountEvent.fromJson(s.get("event"));
                actions.add(() -> core.events().emit(e));
            } else {
                throw new IllegalArgumentException("each step needs 'inbound' or 'event'");
            }
        }
        Thread.ofVirtual().name("emulator-scenario").start(() -> {
            try {
                for (int i = 0; i < actions.size(); i++) {
                    Thread.sleep(delays.get(i));
                    actions.get(i).run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("scenario step failed", e);
            }
        });
        return Json.MAPPER.createObjectNode().put("steps", actions.size());
    }

    private Object faults(ServerRequest req, JsonNode body) {
        core.setFaults(faultParser.apply(body));
        return Json.MAPPER.createObjectNode().put("faults", "updated");
    }

    private Object webhook(ServerRequest req, JsonNode body) {
        core.dispatcher().setUrl(body.path("url").asText(null));
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("url", core.dispatcher().url());
        return o;
    }

    /** {@code {"fixed_ms":300,"jitter_ms":100}}: the send endpoint's response latency from now on; a key left out keeps its value. */
    private Object latency(ServerRequest req, JsonNode body) {
        ResponseDelay.Setting current = core.responseDelay().setting();
        long fixed = body.path("fixed_ms").asLong(current.fixedMillis());
        long jitter = body.path("jitter_ms").asLong(current.jitterMillis());
        core.responseDelay().set(fixed, jitter);
        return latencyJson();
    }

    private ObjectNode latencyJson() {
        ResponseDelay.Setting s = core.responseDelay().setting();
        return Json.MAPPER.createObjectNode().put("fixed_ms", s.fixedMillis()).put("jitter_ms", s.jitterMillis());
    }

    private Object upgrade(ServerRequest req, JsonNode body) {
        String id = req.path().pathParameters().get("id");
        int ceiling = body.path("ceiling").asInt(1000);
        long windowMs = body.path("window_ms").asLong(60_000);
        core.throughputUpgrade(id, ceiling, Duration.ofMillis(windowMs));
        return Json.MAPPER.createObjectNode().put("phone_number_id", id).put("ceiling", ceiling).put("window_ms", windowMs);
    }

    private Object storm(ServerRequest req, JsonNode body) {
        String id = req.path().pathParameters().get("id");
        long ms = body.path("duration_ms").asLong(5_000);
        core.storm(id, Duration.ofMillis(ms));
        return Json.MAPPER.createObjectNode().put("phone_number_id", id).put("duration_ms", ms);
    }
}
