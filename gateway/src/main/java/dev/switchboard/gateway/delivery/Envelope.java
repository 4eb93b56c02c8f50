package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.events.WebhookEvent;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the body of one POST in Meta's own webhook format from outbox rows:
 * {@code {"object":"whatsapp_business_account","entry":[{"id":<waba>,"changes":[{"value":…,"field":…}]}]}}.
 *
 * <p>Rows are laid out in id order. Consecutive rows of the same WABA share an entry, and
 * consecutive statuses (or inbound messages) of the same number share one change's array, as in
 * Meta's own batches. A change is never reused once another kind of row came after it, so a
 * receiver that walks entries, changes and arrays in order sees every conversation's events in
 * the order they happened.
 */
final class Envelope {
    private Envelope() {}

    static byte[] build(List<OutboxRow> rows, ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "whatsapp_business_account");
        ArrayNode entries = root.putArray("entry");
        ObjectNode entry = null;
        ObjectNode value = null;
        String valueKey = null;
        Set<String> contacts = new HashSet<>();
        for (OutboxRow r : rows) {
            if (entry == null || !Objects.equals(textOrNull(entry.get("id")), r.wabaId())) {
                entry = entries.addObject();
                if (r.wabaId() == null) {
                    entry.putNull("id");
                } else {
                    entry.put("id", r.wabaId());
                }
                entry.putArray("changes");
                value = null;
            }
            ArrayNode changes = (ArrayNode) entry.get("changes");
            JsonNode item = parse(json, r.item());
            if (WebhookEvent.ACCOUNT.equals(r.kind())) {
                changes.addObject().<ObjectNode>set("value", item).put("field", r.field());
                value = null;
                continue;
            }
            String key = r.channelId() + '|' + r.kind();
            if (value == null || !key.equals(valueKey)) {
                value = json.createObjectNode();
                value.put("messaging_product", "whatsapp");
                value.putObject("metadata").put("display_phone_number", r.displayPhoneNumber())
                        .put("phone_number_id", r.channelId());
                if (WebhookEvent.MESSAGE.equals(r.kind())) {
                    value.putArray("contacts");
                    value.putArray("messages");
                } else {
                    value.putArray("statuses");
                }
                changes.addObject().<ObjectNode>set("value", value).put("field", r.field());
                valueKey = key;
                contacts.clear();
            }
            if (WebhookEvent.MESSAGE.equals(r.kind())) {
                String from = item.path("from").asText(null);
                if (from != null && contacts.add(from)) {
                    ((ArrayNode) value.get("contacts")).addObject().put("wa_id", from);
                }
                ((ArrayNode) value.get("messages")).add(item);
            } else {
                ((ArrayNode) value.get("statuses")).add(item);
            }
        }
        try {
            return json.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(ObjectMapper json, String s) {
        try {
            return json.readTree(s);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String textOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
