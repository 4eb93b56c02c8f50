package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.core.GraphError;
import dev.switchboard.emulator.core.Json;
import dev.switchboard.emulator.core.NumberState;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Phone numbers: {@code GET /{phone-number-id}} and {@code GET /{waba-id}/phone_numbers} with
 * Graph's {@code fields} selection (only the fields asked for, plus {@code id}; an unknown field
 * is Meta's "nonexisting field" error), and {@code POST /{phone-number-id}/register} /
 * {@code deregister}.
 *
 * <p>Values: {@code quality_rating} GREEN, {@code code_verification_status} VERIFIED,
 * {@code platform_type} CLOUD_API, {@code throughput.level} STANDARD or HIGH (a ceiling above
 * Meta's 80 stands for an upgraded number), {@code status} CONNECTED, or DISCONNECTED after a
 * deregister; the messaging limit is the portfolio's tier.
 */
final class NumbersApi {
    static final List<String> DEFAULT_FIELDS = List.of("verified_name", "code_verification_status", "display_phone_number",
            "quality_rating", "platform_type", "throughput", "last_onboarded_time");
    private static final String ONBOARDED = ZonedDateTime.now(ZoneOffset.UTC)
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx"));

    private final EmulatorCore core;
    private final Supplier<String> baseUrl;

    NumbersApi(EmulatorCore core, Supplier<String> baseUrl) {
        this.core = core;
        this.baseUrl = baseUrl;
    }

    void register(HttpRouting.Builder r) {
        r.get("/{version}/{id}/phone_numbers", Http.graph(this::list))
                .post("/{version}/{id}/register", Http.graph(this::registerNumber))
                .post("/{version}/{id}/deregister", Http.graph(this::deregister));
    }

    /** {@code GET /{phone-number-id}}. */
    void get(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "get");
        Http.send(res, 200, fields(n, Http.fields(req)));
    }

    private void list(ServerRequest req, ServerResponse res) {
        String wabaId = Http.id(req);
        Http.ownWaba(core, req, wabaId, "get");
        List<String> fields = Http.fields(req);
        List<NumberState> numbers = new ArrayList<>();
        for (NumberState n : core.numbers()) {
            if (n.number().wabaId().equals(wabaId)) {
                numbers.add(n);
            }
        }
        fields(numbers.get(0), fields); // an unknown field fails the whole request
        Http.send(res, 200, Paging.page(numbers, req, baseUrl.get(), 25, n -> fields(n, fields)));
    }

    private ObjectNode fields(NumberState n, List<String> requested) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        String tier = core.tier(n.number().portfolioId()).tierName();
        for (String f : requested.isEmpty() ? DEFAULT_FIELDS : requested) {
            switch (f) {
                case "id" -> { }
                case "verified_name" -> o.put(f, "Switchboard Emulator " + n.id());
                case "display_phone_number" -> o.put(f, n.number().displayPhoneNumber());
                case "quality_rating" -> o.put(f, "GREEN");
                case "code_verification_status" -> o.put(f, "VERIFIED");
                case "platform_type" -> o.put(f, "CLOUD_API");
                // Meta has two levels, 80 and 1,000; a number configured above 80 stands for an upgraded one
                case "throughput" -> o.putObject(f).put("level", n.ceiling() > 80 ? "HIGH" : "STANDARD");
                case "name_status" -> o.put(f, "APPROVED");
                case "status" -> o.put(f, n.registration().registered() ? "CONNECTED" : "DISCONNECTED");
                case "account_mode" -> o.put(f, "LIVE");
                case "is_official_business_account" -> o.put(f, false);
                case "is_on_biz_app" -> o.put(f, n.number().coexistence());
                case "is_pin_enabled" -> o.put(f, n.registration().pinEnabled());
                case "last_onboarded_time" -> o.put(f, ONBOARDED);
                // the portfolio's messaging limit; messaging_limit_tier is the deprecated name
                case "whatsapp_business_manager_messaging_limit", "messaging_limit_tier" -> o.put(f, tier);
                case "webhook_configuration" -> {
                    String url = core.dispatcher().url();
                    ObjectNode w = o.putObject(f);
                    if (url != null) {
                        w.put("application", url);
                    }
                }
                default -> throw GraphError.nonexistingField(f, "WhatsAppBusinessPhoneNumber");
            }
        }
        o.put("id", n.id());
        return o;
    }

    private void registerNumber(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "post");
        JsonNode body = Http.json(Http.body(req));
        requireWhatsapp(body);
        JsonNode pin = body.get("pin");
        n.registration().register(pin == null || pin.isNull() ? null : pin.asText());
        Http.success(res);
    }

    private void deregister(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "post");
        n.registration().deregister();
        Http.success(res);
    }

    static void requireWhatsapp(JsonNode body) {
        if (!body.isObject() || !"whatsapp".equals(body.path("messaging_product").asText())) {
            throw GraphError.invalidParameter("The parameter messaging_product is required and must be whatsapp.");
        }
    }
}
