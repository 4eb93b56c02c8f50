package dev.switchboard.gateway.delivery;

/**
 * One outbox row: an event on its way to a tenant's endpoint, or (state DEAD) one that did not
 * get there within the horizon. {@code item} is the status, message or change value as it will
 * be forwarded, ids already mapped to the tenant's; {@code valueFrame} the change value Meta sent
 * it in, without its events (see {@link dev.switchboard.gateway.events.WebhookEvent#valueFrame()}),
 * or null when there is none and {@link Envelope} lays out the plain shape.
 */
record OutboxRow(long id, String tenantId, long eventId, String state, String conversation, String kind, String field,
                 String wabaId, String channelId, String displayPhoneNumber, String status, String item, String valueFrame,
                 int attempts, long nextAttemptAt, long createdAt, Long lastAttemptAt, Integer lastHttpStatus,
                 String lastError, Long deadAt) {
    static final String PENDING = "PENDING";
    static final String DEAD = "DEAD";

    /** A row about to be inserted (its id is assigned inside the writer). */
    static OutboxRow fresh(String tenantId, long eventId, String conversation, String kind, String field, String wabaId,
                           String channelId, String displayPhoneNumber, String status, String item, String valueFrame,
                           long now) {
        return new OutboxRow(0, tenantId, eventId, PENDING, conversation, kind, field, wabaId, channelId, displayPhoneNumber,
                status, item, valueFrame, 0, now, now, null, null, null, null);
    }

    /** What the scheduler needs to plan a round: no payload. */
    record Ref(long id, String conversation, long nextAttemptAt, long createdAt) {}
}
