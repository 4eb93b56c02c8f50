package dev.switchboard.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the JSON config format onto the builders. Mapping by hand rather than by annotations
 * keeps the public config classes free of Jackson and lets every key be optional with the
 * builder's default. Durations are integers in milliseconds and end in {@code Ms}.
 */
final class EmulatorConfigJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EmulatorConfigJson() {
    }

    static EmulatorConfig.Builder read(InputStream in, EmulatorConfig.Builder b) {
        JsonNode root;
        try {
            root = MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("invalid emulator config JSON", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("emulator config must be a JSON object");
        }
        text(root, "host", b::host);
        integer(root, "port", b::port);
        text(root, "appSecret", b::appSecret);
        text(root, "webhookUrl", b::webhookUrl);
        bool(root, "enforceServiceWindow", b::enforceServiceWindow);
        millis(root, "serviceWindowMs", b::serviceWindow);
        if (root.hasNonNull("seed")) {
            b.seed(root.get("seed").asLong());
        }
        integer(root, "pairBurst", b::pairBurst);
        millis(root, "pairRefillMs", b::pairRefill);
        integer(root, "rateLimitHttpStatus", b::rateLimitHttpStatus);
        integer(root, "acceptedLogCapacity", b::acceptedLogCapacity);
        text(root, "defaultTier", v -> b.defaultTier(Tier.valueOf(v)));
        millis(root, "responseLatencyMs", b::responseLatency);
        millis(root, "responseJitterMs", b::responseJitter);
        if (root.hasNonNull("templateApprovalDelayMs")) {
            long ms = root.get("templateApprovalDelayMs").asLong();
            b.templateApprovalDelay(ms < 0 ? null : Duration.ofMillis(ms));
        }
        if (root.has("portfolioTiers")) {
            for (Map.Entry<String, JsonNode> e : root.get("portfolioTiers").properties()) {
                b.portfolioTier(e.getKey(), Tier.valueOf(e.getValue().asText()));
            }
        }
        for (JsonNode n : root.path("numbers")) {
            EmulatedNumber.Builder nb = EmulatedNumber.builder(n.path("phoneNumberId").asText());
            text(n, "displayPhoneNumber", nb::displayPhoneNumber);
            text(n, "wabaId", nb::wabaId);
            text(n, "portfolioId", nb::portfolioId);
            text(n, "accessToken", nb::accessToken);
            integer(n, "ceilingMps", nb::ceilingMps);
            bool(n, "coexistence", nb::coexistence);
            b.number(nb.build());
        }
        for (JsonNode t : root.path("templates")) {
            TemplateDef.Builder tb = TemplateDef.builder(t.path("wabaId").asText("*"), t.path("name").asText());
            text(t, "language", tb::language);
            text(t, "category", v -> tb.category(TemplateDef.Category.valueOf(v)));
            text(t, "status", v -> tb.status(TemplateDef.Status.valueOf(v)));
            text(t, "parameterFormat", v -> tb.parameterFormat(TemplateDef.ParameterFormat.valueOf(v)));
            text(t, "header", tb::header);
            text(t, "body", tb::body);
            text(t, "footer", tb::footer);
            text(t, "id", tb::id);
            b.template(tb.build());
        }
        for (JsonNode u : root.path("undeliverable")) {
            b.undeliverable(u.asText());
        }
        if (root.has("webhook")) {
            b.webhookBehaviour(webhook(root.get("webhook")));
        }
        if (root.has("faults")) {
            b.faults(faults(root.get("faults")));
        }
        return b;
    }

    static WebhookBehaviour webhook(JsonNode w) {
        WebhookBehaviour.Builder wb = WebhookBehaviour.builder();
        millis(w, "sentDelayMs", wb::sentDelay);
        millis(w, "deliveredDelayMs", wb::deliveredDelay);
        millis(w, "readDelayMs", wb::readDelay);
        millis(w, "jitterMs", wb::jitter);
        decimal(w, "readProbability", wb::readProbability);
        decimal(w, "reorderProbability", wb::reorderProbability);
        decimal(w, "duplicateProbability", wb::duplicateProbability);
        decimal(w, "omitDeliveredProbability", wb::omitDeliveredProbability);
        integer(w, "maxBatchSize", wb::maxBatchSize);
        millis(w, "lingerMs", wb::linger);
        integer(w, "maxInFlight", wb::maxInFlight);
        millis(w, "requestTimeoutMs", wb::requestTimeout);
        millis(w, "retryInitialDelayMs", wb::retryInitialDelay);
        millis(w, "retryMaxDelayMs", wb::retryMaxDelay);
        millis(w, "retryHorizonMs", wb::retryHorizon);
        return wb.build();
    }

    /** Also used by {@code PUT /_emulator/faults}. */
    static FaultConfig faults(JsonNode f) {
        FaultConfig.Builder fb = FaultConfig.builder();
        decimal(f, "serverErrorProbability", fb::serverErrorProbability);
        decimal(f, "unavailableProbability", fb::unavailableProbability);
        decimal(f, "hangProbability", fb::hangProbability);
        millis(f, "hangDurationMs", fb::hangDuration);
        decimal(f, "stormProbability", fb::stormProbability);
        millis(f, "stormDurationMs", fb::stormDuration);
        return fb.build();
    }

    private static void text(JsonNode n, String key, Consumer<String> sink) {
        if (n.hasNonNull(key)) {
            sink.accept(n.get(key).asText());
        }
    }

    private static void integer(JsonNode n, String key, Consumer<Integer> sink) {
        if (n.hasNonNull(key)) {
            sink.accept(n.get(key).asInt());
        }
    }

    private static void decimal(JsonNode n, String key, Consumer<Double> sink) {
        if (n.hasNonNull(key)) {
            sink.accept(n.get(key).asDouble());
        }
    }

    private static void bool(JsonNode n, String key, Consumer<Boolean> sink) {
        if (n.hasNonNull(key)) {
            sink.accept(n.get(key).asBoolean());
        }
    }

    private static void millis(JsonNode n, String key, Consumer<Duration> sink) {
        if (n.hasNonNull(key)) {
            sink.accept(Duration.ofMillis(n.get(key).asLong()));
        }
    }
}
