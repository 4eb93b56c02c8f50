package dev.switchboard.emulator;

import java.util.Map;

/**
 * A point-in-time snapshot of what the emulator saw; {@code GET /_emulator/stats} serves the
 * same object as JSON.
 */
public record EmulatorStats(
        long takenAtMillis,
        Map<String, NumberStats> numbers,
        Map<String, PortfolioStats> portfolios,
        WebhookStats webhooks) {

    /**
     * Send-side figures of one phone number; {@code reads} counts accepted "mark as read" calls and
     * {@code typingIndicators} those of them that asked for a typing indicator (neither is a send).
     */
    public record NumberStats(
            String phoneNumberId,
            String wabaId,
            String portfolioId,
            int ceiling,
            long accepted,
            Map<Integer, Long> rejectionsByCode,
            int maxInAnySlidingSecond,
            long breaches,
            long duplicates,
            long inbound,
            long reads,
            long typingIndicators) {

        public long rejections(int code) {
            return rejectionsByCode.getOrDefault(code, 0L);
        }
    }

    /** Messaging-limit figures of one business portfolio. */
    public record PortfolioStats(String portfolioId, String tier, int tierLimit, int uniqueRecipients24h, long tierOverruns) {
    }

    /** Webhook delivery figures; response times in milliseconds over the most recent deliveries. */
    public record WebhookStats(
            long statusesEmitted,
            long payloadsQueued,
            long delivered,
            long failedAttempts,
            long retries,
            long dropped,
            long pending,
            double p50Millis,
            double p90Millis,
            double p99Millis,
            double maxMillis) {
    }

    public NumberStats number(String phoneNumberId) {
        return numbers.get(phoneNumberId);
    }

    public PortfolioStats portfolio(String portfolioId) {
        return portfolios.get(portfolioId);
    }
}
