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
        long acceptedAt,
        long expiresAt,
        int attempts,
        long notBefore) {

    public QueuedMessage retryAt(long when) {
        return new QueuedMessage(id, tenantId, channelId, seq, lane, recipient, upstreamBody, acceptedAt, expiresAt,
                attempts + 1, when);
    }

    public boolean expired(long now) {
        return expiresAt > 0 && now >= expiresAt;
    }
}
