package dev.switchboard.gateway.outbound;

/**
 * Meta refused or failed one message with an error code: in the send answer, or later in a
 * {@code failed} status webhook. Modules above the send path listen for it through
 * {@link Outbound#onMetaFailure} (a campaign pauses itself on 131048) instead of the send path
 * and the webhook processor calling up into them.
 *
 * @param messageId Switchboard's id, or null when a status named only the wamid
 * @param wamid     Meta's id, or null when the send was refused
 * @param inAnswer  whether the send answer carried it (else a status webhook did)
 */
public record MetaFailure(String tenantId, String channelId, String messageId, String wamid, String recipient, int code,
                          boolean inAnswer) {

    /**
     * Hears failures as they happen: on a send's thread, or on the writer thread right after the
     * status committed. It must be quick and never block on the writers; anything more goes to a
     * thread of its own.
     */
    @FunctionalInterface
    public interface Listener {
        void failed(MetaFailure failure);
    }
}
