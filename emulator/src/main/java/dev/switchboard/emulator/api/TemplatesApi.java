package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.AccountEvent;
import dev.switchboard.emulator.TemplateDef;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.core.GraphError;
import dev.switchboard.emulator.core.Json;
import dev.switchboard.emulator.templates.TemplateRequest;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /{waba-id}/message_templates}: list (cursor paging, filters {@code name} (substring),
 * {@code status}, {@code category}, {@code language}), create and delete. Every call needs the
 * token of a number of that WABA.
 *
 * <p>A created template is PENDING until the configured approval delay passes; it is then
 * APPROVED with a {@code message_template_status_update} webhook, as Meta's review ends (a zero
 * delay answers APPROVED at once and still sends the webhook; no delay keeps it PENDING for a
 * test to move with an event). A second template with the same name and language is refused
 * with Meta's 100 / 2388024.
 */
final class TemplatesApi {
    private final EmulatorCore core;
    private final Supplier<String> baseUrl;

    TemplatesApi(EmulatorCore core, Supplier<String> baseUrl) {
        this.core = core;
        this.baseUrl = baseUrl;
    }

    void register(HttpRouting.Builder r) {
        r.get("/{version}/{id}/message_templates", Http.graph(this::list))
                .post("/{version}/{id}/message_templates", Http.graph(this::create))
                .delete("/{version}/{id}/message_templates", Http.graph(this::delete));
    }

    private void list(ServerRequest req, ServerResponse res) {
        String wabaId = Http.id(req);
        Http.ownWaba(core, req, wabaId, "get");
        String name = req.query().first("name").orElse(null);
        String status = req.query().first("status").orElse(null);
        String category = req.query().first("category").orElse(null);
        String language = req.query().first("language").orElse(null);
        List<TemplateDef> all = core.templates().list(wabaId).stream()
                .filter(t -> name == null || t.name().contains(name))
                .filter(t -> status == null || t.status().name().equalsIgnoreCase(status))
                .filter(t -> category == null || t.category().name().equalsIgnoreCase(category))
                .filter(t -> language == null || t.language().equals(language))
                .toList();
        Http.send(res, 200, Paging.page(all, req, baseUrl.get(), 25, TemplatesApi::templateJson));
    }

    private void create(ServerRequest req, ServerResponse res) {
        String wabaId = Http.id(req);
        Http.ownWaba(core, req, wabaId, "post");
        JsonNode body = Http.json(Http.body(req));
        Duration delay = core.config().templateApprovalDelay();
        TemplateDef.Status initial = delay != null && delay.isZero() ? TemplateDef.Status.APPROVED : TemplateDef.Status.PENDING;
        TemplateDef t = TemplateRequest.parse(body, wabaId, core.templates().nextId(), initial);
        if (!core.templates().create(t)) {
            throw GraphError.invalidForUser(2388024, "Content in this language already exists",
                    "There is already " + t.language() + " content for the template " + t.name()
                            + ". Create a new template with a different name and try again.");
        }
        if (delay != null) {
            core.scheduler().schedule(() -> approve(t), delay.toNanos(), TimeUnit.NANOSECONDS);
        }
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", t.id());
        o.put("status", t.status().name());
        o.put("category", t.category().name());
        Http.send(res, 200, o);
    }

    /** The end of the emulated review, unless the template was deleted (or the emulator reset) meanwhile. */
    private void approve(TemplateDef t) {
        boolean stillThere = core.templates().find(t.wabaId(), t.name(), t.language())
                .map(current -> current.id().equals(t.id())).orElse(false);
        if (stillThere) {
            core.events().emit(AccountEvent.templateStatus(t.wabaId(), t.name(), t.language(), "APPROVED", null));
        }
    }

    /** {@code ?name=} deletes every language of the template; adding {@code &hsm_id=} deletes only that one. */
    private void delete(ServerRequest req, ServerResponse res) {
        String wabaId = Http.id(req);
        Http.ownWaba(core, req, wabaId, "delete");
        byte[] raw = Http.body(req);
        JsonNode body = raw.length == 0 ? Json.MAPPER.createObjectNode() : Http.json(raw);
        String name = req.query().first("name").orElse(body.path("name").asText(null));
        String hsmId = req.query().first("hsm_id").orElse(body.path("hsm_id").asText(null));
        if (name == null || name.isEmpty()) {
            throw GraphError.invalidParameter("The parameter name is required.");
        }
        if (core.templates().delete(wabaId, name, hsmId).isEmpty()) {
            throw GraphError.invalidForUser(null, "Message template not found",
                    "There is no message template named " + name + (hsmId == null ? "" : " with id " + hsmId)
                            + " in this WhatsApp Business account.");
        }
        Http.success(res);
    }

    static ObjectNode templateJson(TemplateDef t) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", t.name());
        o.put("parameter_format", t.parameterFormat().name());
        ArrayNode submitted = t.components();
        if (submitted != null) {
            o.set("components", submitted);
        } else {
            configuredComponents(t, o.putArray("components"));
        }
        o.put("language", t.language());
        o.put("status", t.status().name());
        o.put("category", t.category().name());
        o.put("id", t.id());
        return o;
    }

    private static void configuredComponents(TemplateDef t, ArrayNode components) {
        if (t.headerText() != null) {
            components.addObject().put("type", "HEADER").put("format", "TEXT").put("text", t.headerText());
        }
        ObjectNode body = components.addObject().put("type", "BODY").put("text", t.bodyText());
        List<String> params = t.bodyParameters();
        if (!params.isEmpty()) {
            ObjectNode example = body.putObject("example");
            if (t.parameterFormat() == TemplateDef.ParameterFormat.NAMED) {
                ArrayNode named = example.putArray("body_text_named_params");
                params.forEach(p -> named.addObject().put("param_name", p).put("example", "example_" + p));
            } else {
                ArrayNode row = example.putArray("body_text").addArray();
                params.forEach(p -> row.add("example_" + p));
            }
        }
        if (t.footerText() != null) {
            components.addObject().put("type", "FOOTER").put("text", t.footerText());
        }
    }
}
