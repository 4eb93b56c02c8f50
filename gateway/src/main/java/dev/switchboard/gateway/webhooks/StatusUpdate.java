package dev.switchboard.gateway.webhooks;

/**
 * One message's statuses from a batch of webhooks, coalesced: the timestamp of each status seen
 * (0 = not seen) and the failure, if any. Applying it is one set of guarded updates whatever
 * order Meta delivered the statuses in.
 */
final class StatusUpdate {
    final String messageId; // Switchboard's id from biz_opaque_callback_data, or null
    final String wamid;
    /** The channel the payload named; the update may only touch that channel's messages (null: parked, already checked). */
    final String channelId;
    long sentAt;
    long deliveredAt;
    long readAt;
    long failedAt;
    Integer errorCode;
    String errorTitle;
    /** The pricing category of the first status that said Meta bills this message, or null. */
    String billedCategory;
    String recipient;

    StatusUpdate(String messageId, String wamid) {
        this(messageId, wamid, null);
    }

    StatusUpdate(String messageId, String wamid, String channelId) {
        this.messageId = messageId;
        this.wamid = wamid;
        this.channelId = channelId;
    }

    void add(String status, long at, Integer code, String title) {
        switch (status) {
            case "sent" -> sentAt = min(sentAt, at);
            case "delivered" -> deliveredAt = min(deliveredAt, at);
            case "read", "played" -> readAt = min(readAt, at);
            case "failed" -> {
                failedAt = min(failedAt, at);
                errorCode = code;
                errorTitle = title;
            }
            default -> { /* unknown statuses are archived, not applied */ }
        }
    }

    /** A status carried {@code pricing} with {@code billable: true}; the first one's category is kept. */
    void billable(String category, String recipientId) {
        if (billedCategory == null) {
            billedCategory = category;
            recipient = recipientId;
        }
    }

    /** Nothing this node applies (only statuses it archives). */
    boolean isEmpty() {
        return sentAt == 0 && deliveredAt == 0 && readAt == 0 && failedAt == 0;
    }

    private static long min(long current, long at) {
        return current == 0 ? at : Math.min(current, at);
    }
}
