package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything an {@link Emulator} needs, as one immutable typed object. Build it in code with
 * {@link #builder()} or read it from JSON with {@link #fromJson(Path)} (format documented in
 * {@code emulator/README.md}).
 *
 * <p>Every Meta value the sources disagree on (the HTTP status of 130429, pair-rate burst and
 * refill, window length) is a setting with Meta's documented value as default.
 */
public final class EmulatorConfig {
    private final String host;
    private final int port;
    private final String appSecret;
    private final String webhookUrl;
    private final List<EmulatedNumber> numbers;
    private final List<TemplateDef> templates;
    private final Set<String> undeliverable;
    private final WebhookBehaviour webhookBehaviour;
    private final FaultConfig faults;
    private final boolean enforceServiceWindow;
    private final Duration serviceWindow;
    private final long seed;
    private final int pairBurst;
    private final Duration pairRefill;
    private final int rateLimitHttpStatus;
    private final int acceptedLogCapacity;
    private final Tier defaultTier;
    private final Map<String, Tier> portfolioTiers;
    private final Duration responseLatency;
    private final Duration responseJitter;
    private final Duration templateApprovalDelay;

    private EmulatorConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.appSecret = b.appSecret;
        this.webhookUrl = b.webhookUrl;
        this.numbers = List.copyOf(b.numbers.values());
        this.templates = List.copyOf(b.templates);
        this.undeliverable = Collections.unmodifiableSet(new LinkedHashSet<>(b.undeliverable));
        this.webhookBehaviour = b.webhookBehaviour;
        this.faults = b.faults;
        this.enforceServiceWindow = b.enforceServiceWindow;
        this.serviceWindow = b.serviceWindow;
        this.seed = b.seed;
        this.pairBurst = b.pairBurst;
        this.pairRefill = b.pairRefill;
        this.rateLimitHttpStatus = b.rateLimitHttpStatus;
        this.acceptedLogCapacity = b.acceptedLogCapacity;
        this.defaultTier = b.defaultTier;
        this.portfolioTiers = Collections.unmodifiableMap(new LinkedHashMap<>(b.portfolioTiers));
        this.responseLatency = b.responseLatency;
        this.responseJitter = b.responseJitter;
        this.templateApprovalDelay = b.templateApprovalDelay;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static EmulatorConfig fromJson(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return fromJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read emulator config " + file, e);
        }
    }

    public static EmulatorConfig fromJson(InputStream in) {
        return EmulatorConfigJson.read(in, builder()).build();
    }

    public String host() { return host; }
    public int port() { return port; }
    public String appSecret() { return appSecret; }
    /** May be {@code null}: no webhooks are sent until one is set. */
    public String webhookUrl() { return webhookUrl; }
    public List<EmulatedNumber> numbers() { return numbers; }
    public List<TemplateDef> templates() { return templates; }
    public Set<String> undeliverable() { return undeliverable; }
    public WebhookBehaviour webhookBehaviour() { return webhookBehaviour; }
    public FaultConfig faults() { return faults; }
    public boolean enforceServiceWindow() { return enforceServiceWindow; }
    public Duration serviceWindow() { return serviceWindow; }
    public long seed() { return seed; }
    public int pairBurst() { return pairBurst; }
    public Duration pairRefill() { return pairRefill; }
    public int rateLimitHttpStatus() { return rateLimitHttpStatus; }
    public int acceptedLogCapacity() { return acceptedLogCapacity; }
    public Tier defaultTier() { return defaultTier; }
    public Map<String, Tier> portfolioTiers() { return portfolioTiers; }
    /** Fixed delay before the send endpoint answers (after the arrival is counted); zero by default. */
    public Duration responseLatency() { return responseLatency; }
    /** Uniform extra delay 0..jitter added to {@link #responseLatency()}; zero by default. */
    public Duration responseJitter() { return responseJitter; }
    /**
     * How long a template created through the API stays PENDING before it is APPROVED (with a
     * {@code message_template_status_update} webhook): zero (the default) approves it at once,
     * {@code null} leaves it PENDING until a test changes it.
     */
    public Duration templateApprovalDelay() { return templateApprovalDelay; }

    public Tier tierOf(String portfolioId) {
        return portfolioTiers.getOrDefault(portfolioId, defaultTier);
    }

    public Builder toBuilder() {
        Builder b = builder().host(host).port(port).appSecret(appSecret).webhookUrl(webhookUrl)
                .webhookBehaviour(webhookBehaviour).faults(faults).enforceServiceWindow(enforceServiceWindow)
                .serviceWindow(serviceWindow).seed(seed).pairBurst(pairBurst).pairRefill(pairRefill)
                .rateLimitHttpStatus(rateLimitHttpStatus).acceptedLogCapacity(acceptedLogCapacity)
                .defaultTier(defaultTier).responseLatency(responseLatency).responseJitter(responseJitter)
                .templateApprovalDelay(templateApprovalDelay);
        numbers.forEach(b::number);
        templates.forEach(b::template);
        undeliverable.forEach(b::undeliverable);
        portfolioTiers.forEach(b::portfolioTier);
        return b;
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private String appSecret = "app-secret";
        private String webhookUrl;
        private final Map<String, EmulatedNumber> numbers = new LinkedHashMap<>();
        private final List<TemplateDef> templates = new ArrayList<>();
        private final Set<String> undeliverable = new LinkedHashSet<>();
        private WebhookBehaviour webhookBehaviour = WebhookBehaviour.defaults();
        private FaultConfig faults = FaultConfig.none();
        private boolean enforceServiceWindow = true;
        private Duration serviceWindow = Duration.ofHours(24);
        private long seed = System.nanoTime();
        private int pairBurst = 45;
        private Duration pairRefill = Duration.ofSeconds(6);
        private int rateLimitHttpStatus = 400;
        private int acceptedLogCapacity = 200_000;
        private Tier defaultTier = Tier.TIER_10K;
        private final Map<String, Tier> portfolioTiers = new LinkedHashMap<>();
        private Duration responseLatency = Duration.ZERO;
        private Duration responseJitter = Duration.ZERO;
        private Duration templateApprovalDelay = Duration.ZERO;

        private Builder() {
        }

        public Builder host(String v) { this.host = requireNonNull(v, "host"); return this; }
        /** 0 picks an ephemeral port. */
        public Builder port(int v) { this.port = v; return this; }
        public Builder appSecret(String v) { this.appSecret = requireNonNull(v, "appSecret"); return this; }
        public Builder webhookUrl(String v) { this.webhookUrl = v; return this; }
        /** Adds a number, replacing one with the same phone_number_id. */
        public Builder number(EmulatedNumber v) { numbers.put(v.phoneNumberId(), v); return this; }
        /** Adds or overrides a template; a wabaId of {@code "*"} applies to every WABA. */
        public Builder template(TemplateDef v) { templates.add(requireNonNull(v, "template")); return this; }
        /** Recipients (digits, or a business-scoped user id) whose messages end in a 131026 failed status. */
        public Builder undeliverable(String recipient) { undeliverable.add(digitsOrId(recipient)); return this; }
        public Builder webhookBehaviour(WebhookBehaviour v) { this.webhookBehaviour = requireNonNull(v, "webhookBehaviour"); return this; }
        public Builder faults(FaultConfig v) { this.faults = requireNonNull(v, "faults"); return this; }
        public Builder enforceServiceWindow(boolean v) { this.enforceServiceWindow = v; return this; }
        public Builder serviceWindow(Duration v) { this.serviceWindow = requireNonNull(v, "serviceWindow"); return this; }
        public Builder seed(long v) { this.seed = v; return this; }
        /** Pair-rate bucket size (Meta: about 45). */
        public Builder pairBurst(int v) { this.pairBurst = v; return this; }
        /** Time to regain one pair-rate token (Meta: about 6 s). */
        public Builder pairRefill(Duration v) { this.pairRefill = requireNonNull(v, "pairRefill"); return this; }
        /** HTTP status of a 130429 answer; Meta has been seen answering 400 and 429. */
        public Builder rateLimitHttpStatus(int v) { this.rateLimitHttpStatus = v; return this; }
        /** Accepted messages kept per number for {@code acceptedMessages()}; oldest dropped first. */
        public Builder acceptedLogCapacity(int v) { this.acceptedLogCapacity = v; return this; }
        public Builder defaultTier(Tier v) { this.defaultTier = requireNonNull(v, "defaultTier"); return this; }
        public Builder portfolioTier(String portfolioId, Tier tier) { portfolioTiers.put(portfolioId, tier); return this; }
        /** Fixed delay of every send answer, after the arrival is counted (Meta: 150–400 ms in all). */
        public Builder responseLatency(Duration v) { this.responseLatency = nonNegative(v, "responseLatency"); return this; }
        /** Uniform extra delay 0..v on top of {@link #responseLatency(Duration)}. */
        public Builder responseJitter(Duration v) { this.responseJitter = nonNegative(v, "responseJitter"); return this; }

        /** Delay before an API-created template is approved; {@code null} keeps it PENDING. */
        public Builder templateApprovalDelay(Duration v) {
            this.templateApprovalDelay = v == null ? null : nonNegative(v, "templateApprovalDelay");
            return this;
        }

        public EmulatorConfig build() {
            if (numbers.isEmpty()) {
                number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1")
                        .portfolioId("biz-1").accessToken("token-1").build());
            }
            return new EmulatorConfig(this);
        }

        private static Duration nonNegative(Duration v, String name) {
            if (requireNonNull(v, name).isNegative()) {
                throw new IllegalArgumentException(name + " must be >= 0: " + v);
            }
            return v;
        }

        private static String digitsOrId(String recipient) {
            String r = requireNonNull(recipient, "recipient").trim();
            return r.startsWith("+") ? r.substring(1) : r;
        }
    }
}
