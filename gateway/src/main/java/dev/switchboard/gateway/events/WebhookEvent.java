package dev.switchboard.gateway.events;

/**
 * One thing Meta told us, resolved: a message status, an inbound message or an account signal,
 * with the tenant and channel it belongs to and (for statuses) Switchboard's message id when it
 * is known. {@code payload} is the JSON object exactly as Meta sent it (one element of
 * {@code statuses[]} or {@code messages[]}, or a change's {@code value}), and {@code valueFrame}
 * what Meta sent around a status or message in its change, so a consumer can forward or archive
 * it without loss.
 *
 * @param id         position in the log (0 until appended)
 * @param receivedAt when the webhook carrying it was journaled (epoch ms)
 * @param eventAt    Meta's timestamp for the event (epoch ms)
 * @param kind       {@link #STATUS}, {@link #MESSAGE} or {@link #ACCOUNT}
 * @param contact    the user's WhatsApp id: recipient of a status, sender of a message
 * @param status     status name; inbound message type; account change field
 * @param dedupKey   events with the same key are one event (null: never deduplicated)
 * @param valueFrame for a status or message Meta sent: the rest of the change {@code value} that
 *                   carried it, in Meta's member order ({@code messaging_product}, {@code metadata},
 *                   the sender's {@code contacts[]} entry, anything else), with the event's own
 *                   array ({@code statuses} or {@code messages}) left empty; null for account
 *                   events (their payload is the whole value) and for failures Switchboard reports
 */
public record WebhookEvent(long id, long receivedAt, long eventAt, String kind, String tenantId, String channelId,
                           String messageId, String wamid, String contact, String status, Integer errorCode,
                           String errorTitle, String payload, String dedupKey, String valueFrame) {
    public static final String STATUS = "status";
    public static final String MESSAGE = "message";
    public static final String ACCOUNT = "account";

    /** The conversation this event belongs to: order is kept per conversation. */
    public String conversation() {
        return channelId + ":" + (contact == null ? "" : contact);
    }
}
