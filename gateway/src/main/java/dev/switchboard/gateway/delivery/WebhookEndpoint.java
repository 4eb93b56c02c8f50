package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.events.WebhookEvent;

/**
 * A tenant's webhook endpoint: where its events go, the secret they are signed with (held
 * encrypted; only the dispatcher decrypts it) and which events it wants.
 *
 * @param messages forward inbound messages
 * @param statuses which message statuses to forward
 * @param account  forward account and template events (quality, tier, template status, bans…)
 * @param maxEventsPerPost how many events one POST may carry: 1 (the default) is Meta's own
 *                 shape, one entry, one change, one status or message, which is all most
 *                 receivers written for Meta read; more is an opt-in for receivers that walk
 *                 every entry, change and array (bounded by the node's {@code delivery.maxBatch})
 */
public record WebhookEndpoint(String tenantId, String url, String secretEnc, boolean messages, StatusFilter statuses,
                              boolean account, int maxEventsPerPost, long createdAt, long updatedAt) {
    /** Meta's own shape: one event per POST. */
    public static final int ONE_EVENT_PER_POST = 1;

    /** Whether {@code e} is one of the events this endpoint asked for. */
    public boolean wants(WebhookEvent e) {
        return switch (e.kind()) {
            case WebhookEvent.STATUS -> statuses.admits(e.status());
            case WebhookEvent.MESSAGE -> messages;
            case WebhookEvent.ACCOUNT -> account;
            default -> false;
        };
    }
}
