package dev.switchboard.gateway.messages;

/**
 * What the send path holds in memory for a queued message: just enough to pace, order and send
 * it. The upstream body is kept as the exact JSON text to send, so dispatch does no
 * re-serialisation.
 */
public record QueuedMessage(
        String id,
        String tenantId,
        String channelId,
        long seq,
        Lane lane,
        String recipient,
        String upstreamBody,
        String category,
        String templateName,
        long acceptedAt,
        long expiresAt,
        int attempts,
        long notBefore) {

    public QueuedMessage retryAt(long when) {
        return new QueuedMessage(id, tenantId, channelId, seq, lane, recipient, upstreamBody, category, templateName, acceptedAt,
                expiresAt, attempts + 1, when);
    }

    /** Marketing by template category: what opt-outs, marketing limits and RED quality hold back. */
    public boolean marketing() {
        return "MARKETING".equals(category);
    }

    /** Category strings repeat across millions of rows: keep one instance of each known value. */
    public static String canonicalCategory(String category) {
        if (category == null) {
            return null;
        }
        return switch (category) {
            case "MARKETING" -> "MARKETING";
            case "UTILITY" -> "UTILITY";
            case "AUTHENTICATION" -> "AUTHENTICATION";
            default -> category;
        };
    }

    public boolean expired(long now) {
        return expiresAt > 0 && now >= expiresAt;
    }
}
