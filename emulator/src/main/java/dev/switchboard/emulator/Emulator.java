package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

import dev.switchboard.emulator.api.ControlApi;
import dev.switchboard.emulator.api.GraphApi;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.faults.ScriptedFailures;
import io.helidon.webserver.WebServer;
import java.time.Duration;
import java.util.List;

/**
 * A running emulator of Meta's WhatsApp Cloud API: an HTTP server answering the Graph endpoints
 * Switchboard uses, plus signed webhooks to a callback URL, plus a control API under
 * {@code /_emulator/}.
 *
 * <h2>What "faithful" means here</h2>
 * The emulator exists so that a gateway can be tested against the rules that hurt in
 * production without talking to Meta: the strict per-number throughput ceiling (130429), the
 * pair rate (131056), the 24-hour service window (131047), template state (132xxx), Meta's
 * error envelope, and a webhook stream that arrives late, batched, out of order, duplicated and
 * retried. Each of those is reproduced exactly where Meta documents it, and made configurable
 * where sources disagree, so a test can pin the behaviour it depends on. What Meta does not
 * document (e.g. what happens past the messaging-limit tier) is observed and counted, never
 * invented as an error.
 *
 * <h2>Shape</h2>
 * {@link EmulatorCore} holds the account and its rules without HTTP; {@code api} maps HTTP onto
 * it; {@code limits}, {@code webhooks}, {@code templates}, {@code media}, {@code faults} and
 * {@code stats} each own one concern. The same instance is used embedded (tests, benchmarks)
 * and standalone ({@link EmulatorMain}).
 *
 * <pre>{@code
 * try (Emulator emu = Emulator.start(EmulatorConfig.builder().seed(42).build())) {
 *     emu.setWebhookUrl("http://127.0.0.1:" + gatewayPort + "/webhooks/whatsapp");
 *     ... point the gateway at emu.baseUrl() ...
 *     assertThat(emu.stats().number("1001").breaches()).isZero();
 * }
 * }</pre>
 */
public final class Emulator implements AutoCloseable {
    private final EmulatorConfig config;
    private final EmulatorCore core;
    private final WebServer server;

    private Emulator(EmulatorConfig config) {
        this.config = config;
        this.core = new EmulatorCore(config);
        GraphApi graph = new GraphApi(core, this::baseUrl);
        ControlApi control = new ControlApi(core, EmulatorConfigJson::faults);
        WebServer ws;
        try {
            ws = WebServer.builder()
                    .host(config.host())
                    .port(config.port())
                    .shutdownGracePeriod(Duration.ofMillis(200))
                    .routing(r -> {
                        control.register(r);
                        graph.register(r);
                    })
                    .build()
                    .start();
        } catch (RuntimeException e) {
            core.close();
            throw e;
        }
        this.server = ws;
    }

    /** Starts an emulator; close it to stop the server and its webhook workers. */
    public static Emulator start(EmulatorConfig config) {
        return new Emulator(requireNonNull(config, "config"));
    }

    public EmulatorConfig config() {
        return config;
    }

    public int port() {
        return server.port();
    }

    /** E.g. {@code http://127.0.0.1:41234}; the Graph version segment goes after it. */
    public String baseUrl() {
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    public EmulatorStats stats() {
        return core.stats();
    }

    /** Accepted messages of a number, oldest first (bounded by {@code acceptedLogCapacity}). */
    public List<AcceptedMessage> acceptedMessages(String phoneNumberId) {
        return core.require(phoneNumberId).log().all();
    }

    /** Read receipts (and typing indicators) the number sent, oldest first (bounded by {@code acceptedLogCapacity}). */
    public List<ReadReceipt> readReceipts(String phoneNumberId) {
        return core.require(phoneNumberId).reads().last(Integer.MAX_VALUE);
    }

    /** Where webhooks go from now on (including retries of earlier payloads); {@code null} stops them. */
    public void setWebhookUrl(String url) {
        core.dispatcher().setUrl(url);
    }

    /** The current webhook URL, or {@code null}. */
    public String webhookUrl() {
        return core.dispatcher().url();
    }

    /** Emits the inbound message's webhook and opens the service window; returns its wamid. */
    public String injectInbound(InboundMessage message) {
        return core.events().inbound(requireNonNull(message, "message"));
    }

    public void accountEvent(AccountEvent event) {
        core.events().emit(requireNonNull(event, "event"));
    }

    /** 131057 for {@code window}, then {@code newCeiling} and a THROUGHPUT_UPGRADE webhook. */
    public void throughputUpgrade(String phoneNumberId, int newCeiling, Duration window) {
        core.throughputUpgrade(phoneNumberId, newCeiling, requireNonNull(window, "window"));
    }

    /** Rejects every send of the number with 130429 for {@code duration}. */
    public void rateLimitStorm(String phoneNumberId, Duration duration) {
        core.storm(phoneNumberId, requireNonNull(duration, "duration"));
    }

    /** Delay of every send answer from now on: {@code fixed} plus uniform 0..{@code jitter}, after the arrival is counted. */
    public void setResponseLatency(Duration fixed, Duration jitter) {
        core.responseDelay().set(requireNonNull(fixed, "fixed").toMillis(), requireNonNull(jitter, "jitter").toMillis());
    }

    public void setFaults(FaultConfig faults) {
        core.setFaults(requireNonNull(faults, "faults"));
    }

    /**
     * The next send to {@code recipient} fails with Meta's {@code code}: refused in the send
     * answer ({@code inSendAnswer}), or accepted and then failed by a {@code failed} status (as
     * Meta reports 131049). Each call scripts one send; calls for a recipient are spent in order.
     */
    public void failNext(String recipient, int code, boolean inSendAnswer) {
        String r = requireNonNull(recipient, "recipient").trim();
        core.scripted().add(r.startsWith("+") ? r.substring(1) : r, new ScriptedFailures.Failure(code, inSendAnswer));
    }

    /** Sets a template's status directly (no webhook); see {@link AccountEvent#templateStatus} for the webhook way. */
    public void setTemplateStatus(String wabaId, String name, String language, TemplateDef.Status status) {
        core.templates().setStatus(wabaId, name, language, status);
    }

    /** Back to the configured state: counters, logs, windows, templates, faults, pending webhooks. */
    public void reset() {
        core.reset();
    }

    @Override
    public void close() {
        core.faults().releaseAll();
        try {
            server.stop();
        } finally {
            core.close();
        }
    }
}
