package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Failures the emulator injects into the send endpoint, drawn from the seeded random source so
 * that a test sees the same sequence every run.
 *
 * <ul>
 *   <li>{@code serverErrorProbability}: answer HTTP 500 with code 131000 ("Something went wrong");</li>
 *   <li>{@code unavailableProbability}: answer HTTP 503 with code 131016 ("Service unavailable");</li>
 *   <li>{@code hangProbability}: hold the request for {@code hangDuration} before answering 131000,
 *       so a client must rely on its own timeout;</li>
 *   <li>{@code stormProbability}: chance per send that a 130429 storm starts on that number and
 *       rejects everything for {@code stormDuration}.</li>
 * </ul>
 * A faulted request is never accepted: no message, no webhook, no window slot.
 */
public final class FaultConfig {
    private static final FaultConfig NONE = builder().build();

    private final double serverErrorProbability;
    private final double unavailableProbability;
    private final double hangProbability;
    private final Duration hangDuration;
    private final double stormProbability;
    private final Duration stormDuration;

    private FaultConfig(Builder b) {
        this.serverErrorProbability = WebhookBehaviour.probability(b.serverErrorProbability, "serverErrorProbability");
        this.unavailableProbability = WebhookBehaviour.probability(b.unavailableProbability, "unavailableProbability");
        this.hangProbability = WebhookBehaviour.probability(b.hangProbability, "hangProbability");
        this.hangDuration = b.hangDuration;
        this.stormProbability = WebhookBehaviour.probability(b.stormProbability, "stormProbability");
        this.stormDuration = b.stormDuration;
    }

    public static FaultConfig none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    public double serverErrorProbability() { return serverErrorProbability; }
    public double unavailableProbability() { return unavailableProbability; }
    public double hangProbability() { return hangProbability; }
    public Duration hangDuration() { return hangDuration; }
    public double stormProbability() { return stormProbability; }
    public Duration stormDuration() { return stormDuration; }

    public boolean isNone() {
        return serverErrorProbability == 0 && unavailableProbability == 0 && hangProbability == 0 && stormProbability == 0;
    }

    public static final class Builder {
        private double serverErrorProbability;
        private double unavailableProbability;
        private double hangProbability;
        private Duration hangDuration = Duration.ofSeconds(30);
        private double stormProbability;
        private Duration stormDuration = Duration.ofSeconds(5);

        private Builder() {
        }

        public Builder serverErrorProbability(double v) { this.serverErrorProbability = v; return this; }
        public Builder unavailableProbability(double v) { this.unavailableProbability = v; return this; }
        public Builder hangProbability(double v) { this.hangProbability = v; return this; }
        public Builder hangDuration(Duration v) { this.hangDuration = requireNonNull(v, "hangDuration"); return this; }
        public Builder stormProbability(double v) { this.stormProbability = v; return this; }
        public Builder stormDuration(Duration v) { this.stormDuration = requireNonNull(v, "stormDuration"); return this; }

        public FaultConfig build() {
            return new FaultConfig(this);
        }
    }
}
