package dev.switchboard.gateway.delivery;

/**
 * An event that did not reach its tenant's endpoint within the horizon, as the dead-letter API
 * shows it. {@code item} is the JSON that would have been forwarded (ids already the tenant's).
 */
public record DeadLetter(long id, long eventId, String kind, String field, String status, String channelId,
                         String conversation, int attempts, long createdAt, Long lastAttemptAt, long deadAt,
                         Integer lastHttpStatus, String lastError, String item) {
    static DeadLetter of(OutboxRow r) {
        return new DeadLetter(r.id(), r.eventId(), r.kind(), r.field(), r.status(), r.channelId(), r.conversation(),
                r.attempts(), r.createdAt(), r.lastAttemptAt(), r.deadAt() == null ? 0 : r.deadAt(), r.lastHttpStatus(),
                r.lastError(), r.item());
    }
}
