package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.events.WebhookEvent;

/**
 * A tenant's webhook endpoint: where its events go, the secret they are signed with (held
 * encrypted; only the dispatcher decrypts it) and which events it wants.
 *
 * @param messages forward inbound messages
 * @param statuses which message statuses to forward
 * @param account  forward account and template events (quality, tier, template status, bans…)
 */
public record WebhookEndpoint(String tenantId, String url, String secretEnc, boolean messages, StatusFilter statuses,
                              boolean account, long createdAt, long updatedAt) {

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
