package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the emulator delivers status webhooks: timing, Meta's known misbehaviours (reordering,
 * duplicates, a skipped {@code delivered}), batching, and retry policy.
 *
 * <p>Defaults are quick enough for tests yet keep the shape of real traffic: statuses a few
 * hundred milliseconds apart, batches of up to 50 statuses per number lingering 20 ms, 16
 * POSTs in flight, retries from 1 s doubling to a 10-minute cap for Meta's 7-day horizon.
 */
public final class WebhookBehaviour {
    private final Duration sentDelay;
    private final Duration deliveredDelay;
    private final Duration readDelay;
    private final Duration jitter;
    private final double readProbability;
    private final double reorderProbability;
    private final double duplicateProbability;
    private final double omitDeliveredProbability;
    private final int maxBatchSize;
    private final Duration linger;
    private final int maxInFlight;
    private final Duration requestTimeout;
    private final Duration retryInitialDelay;
    private final Duration retryMaxDelay;
    private final Duration retryHorizon;

    private WebhookBehaviour(Builder b) {
        this.sentDelay = b.sentDelay;
        this.deliveredDelay = b.deliveredDelay;
        this.readDelay = b.readDelay;
        this.jitter = b.jitter;
        this.readProbability = probability(b.readProbability, "readProbability");
        this.reorderProbability = probability(b.reorderProbability, "reorderProbability");
        this.duplicateProbability = probability(b.duplicateProbability, "duplicateProbability");
        this.omitDeliveredProbability = probability(b.omitDeliveredProbability, "omitDeliveredProbability");
        if (b.maxBatchSize < 1 || b.maxInFlight < 1) {
            throw new IllegalArgumentException("maxBatchSize and maxInFlight must be >= 1");
        }
        this.maxBatchSize = b.maxBatchSize;
        this.linger = b.linger;
        this.maxInFlight = b.maxInFlight;
        this.requestTimeout = b.requestTimeout;
        this.retryInitialDelay = b.retryInitialDelay;
        this.retryMaxDelay = b.retryMaxDelay;
        this.retryHorizon = b.retryHorizon;
    }

    static double probability(double p, String name) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(name + " must be within 0..1: " + p);
        }
        return p;
    }

    public static WebhookBehaviour defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Duration sentDelay() { return sentDelay; }
    public Duration deliveredDelay() { return deliveredDelay; }
    public Duration readDelay() { return readDelay; }
    public Duration jitter() { return jitter; }
    public double readProbability() { return readProbability; }
    public double reorderProbability() { return reorderProbability; }
    public double duplicateProbability() { return duplicateProbability; }
    public double omitDeliveredProbability() { return omitDeliveredProbability; }
    public int maxBatchSize() { return maxBatchSize; }
    public Duration linger() { return linger; }
    public int maxInFlight() { return maxInFlight; }
    public Duration requestTimeout() { return requestTimeout; }
    public Duration retryInitialDelay() { return retryInitialDelay; }
    public Duration retryMaxDelay() { return retryMaxDelay; }
    public Duration retryHorizon() { return retryHorizon; }

    public static final class Builder {
        private Duration sentDelay = Duration.ofMillis(50);
        private Duration deliveredDelay = Duration.ofMillis(200);
        private Duration readDelay = Duration.ofMillis(500);
        private Duration jitter = Duration.ofMillis(20);
        private double readProbability = 1.0;
        private double reorderProbability;
        private double duplicateProbability;
        private double omitDeliveredProbability;
        private int maxBatchSize = 50;
        private Duration linger = Duration.ofMillis(20);
        private int maxInFlight = 16;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration retryInitialDelay = Duration.ofSeconds(1);
        private Duration retryMaxDelay = Duration.ofMinutes(10);
        private Duration retryHorizon = Duration.ofDays(7);

        private Builder() {
        }

        /** Delay after acceptance of {@code sent}; {@code delivered} and {@code read} are also measured from acceptance. */
        public Builder sentDelay(Duration v) { this.sentDelay = requireNonNull(v, "sentDelay"); return this; }
        public Builder deliveredDelay(Duration v) { this.deliveredDelay = requireNonNull(v, "deliveredDelay"); return this; }
        public Builder readDelay(Duration v) { this.readDelay = requireNonNull(v, "readDelay"); return this; }
        /** Uniform random extra delay 0..jitter added to each status. */
        public Builder jitter(Duration v) { this.jitter = requireNonNull(v, "jitter"); return this; }
        public Builder readProbability(double v) { this.readProbability = v; return this; }
        /** Chance that a message's {@code delivered} is scheduled before its {@code sent}. */
        public Builder reorderProbability(double v) { this.reorderProbability = v; return this; }
        /** Chance, per status, that it is sent twice. */
        public Builder duplicateProbability(double v) { this.duplicateProbability = v; return this; }
        /** Chance that {@code delivered} is skipped (Meta implies it by {@code read}). */
        public Builder omitDeliveredProbability(double v) { this.omitDeliveredProbability = v; return this; }
        /** Statuses of one number per POST; 1 disables batching. */
        public Builder maxBatchSize(int v) { this.maxBatchSize = v; return this; }
        public Builder linger(Duration v) { this.linger = requireNonNull(v, "linger"); return this; }
        public Builder maxInFlight(int v) { this.maxInFlight = v; return this; }
        /** A receiver slower than this counts as a failed attempt and is retried. */
        public Builder requestTimeout(Duration v) { this.requestTimeout = requireNonNull(v, "requestTimeout"); return this; }
        public Builder retryInitialDelay(Duration v) { this.retryInitialDelay = requireNonNull(v, "retryInitialDelay"); return this; }
        public Builder retryMaxDelay(Duration v) { this.retryMaxDelay = requireNonNull(v, "retryMaxDelay"); return this; }
        /** After this long since the first attempt, a payload is dropped. */
        public Builder retryHorizon(Duration v) { this.retryHorizon = requireNonNull(v, "retryHorizon"); return this; }

        public WebhookBehaviour build() {
            return new WebhookBehaviour(this);
        }
    }
}
