package dev.switchboard.gateway.messages;

/** A validated message about to be accepted; the writer assigns its queue sequence. */
public record NewMessage(
        String id,
        String tenantId,
        String channelId,
        Lane lane,
        String recipient,
        String upstreamBody,
        String category,
        String templateName,
        String campaignId,
        String metadata,
        String idempotencyKey,
        long expiresAt,
        long acceptedAt) {

    public QueuedMessage queued(long seq) {
        return new QueuedMessage(id, tenantId, channelId, seq, lane, recipient, upstreamBody,
                QueuedMessage.canonicalCategory(category), templateName, acceptedAt, expiresAt, 0, 0);
    }
}
