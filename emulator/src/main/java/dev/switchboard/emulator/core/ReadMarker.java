package dev.switchboard.emulator.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.ReadReceipt;

/**
 * "Mark as read" and typing indicators: {@code POST /{phone-number-id}/messages} with
 * {@code {"messaging_product":"whatsapp","status":"read","message_id":"wamid…"}} and optionally
 * {@code "typing_indicator":{"type":"text"}}.
 *
 * <h2>Why this is not a send</h2>
 * It shares the send's URL but nothing else: Meta answers {@code {"success":true}} with no wamid,
 * emits no status webhooks, and does not count the call against the number's messages per
 * second, so none of the send's admission (throughput, pair rate, service window, faults) applies.
 * What Meta does check is the id: only a message this number received can be marked, and any
 * other id (unknown, or one of the business's own outbound wamids) is refused with 131009. The
 * emulator therefore remembers the wamids of the inbound messages it delivered, per number, and
 * records every accepted mark so a test can see that a gateway marked what it should.
 */
public final class ReadMarker {
    private ReadMarker() {
    }

    /** Whether a body on the messages endpoint is a read receipt rather than a message. */
    public static boolean isReadReceipt(JsonNode body) {
        return body != null && body.isObject() && body.has("status");
    }

    public static ReadReceipt mark(NumberState n, JsonNode body) {
        JsonNode product = body.get("messaging_product");
        if (product == null || product.isNull()) {
            throw GraphError.invalidParameter("The parameter messaging_product is required.");
        }
        if (!"whatsapp".equals(product.asText())) {
            throw GraphError.invalidParameter("Param messaging_product must be one of {WHATSAPP} - got \"" + product.asText() + "\".");
        }
        String status = body.path("status").asText("");
        if (!"read".equalsIgnoreCase(status)) {
            throw GraphError.invalidParameter("Param status must be one of {READ} - got \"" + status + "\".");
        }
        JsonNode id = body.get("message_id");
        if (id == null || id.isNull() || id.asText().isEmpty()) {
            throw GraphError.invalidParameter("The parameter message_id is required.");
        }
        String typing = null;
        if (body.hasNonNull("typing_indicator")) {
            JsonNode t = body.get("typing_indicator");
            String type = t.path("type").asText("");
            if (!t.isObject() || !"text".equalsIgnoreCase(type)) {
                throw GraphError.invalidParameter("Param typing_indicator[type] must be one of {TEXT} - got \"" + type + "\".");
            }
            typing = "text";
        }
        String messageId = id.asText();
        String from = n.inboundIds.from(messageId);
        if (from == null) {
            throw GraphError.invalidValue("Message " + messageId + " was not received by phone number " + n.id()
                    + "; only received messages can be marked as read.");
        }
        ReadReceipt r = new ReadReceipt(n.id(), messageId, from, typing, System.currentTimeMillis());
        n.reads.add(r);
        return r;
    }
}
