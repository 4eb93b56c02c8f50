package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.events.WebhookEvent;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * Builds the body of one POST in Meta's own webhook format, and in Meta's own bytes, from outbox
 * rows: {@code {"object":"whatsapp_business_account","entry":[{"id":<waba>,"changes":[{"value":…,"field":…}]}]}}.
 *
 * <p><b>Meta's parts.</b> A status or message goes back into the change value Meta sent it in
 * (its row's {@code valueFrame}: {@code messaging_product}, {@code metadata}, the sender's
 * {@code contacts[]} entry, whatever else Meta put there, in Meta's member order), so a webhook
 * Meta sent with one event is forwarded as Meta wrote it, only the ids the tenant knows
 * differently rewritten. A row without a frame (a failure Switchboard reports itself, or a row
 * queued before frames were kept) gets the plain shape: {@code messaging_product},
 * {@code metadata} from the channel, and for a message a {@code contacts[]} entry with its
 * {@code wa_id}.
 *
 * <p><b>Meta's bytes.</b> Meta serialises webhooks with every non-ASCII character escaped as
 * {@code \u005cuXXXX} and {@code /} as {@code \/} (CLOUD-API.md, "Webhooks", "Body bytes"). The
 * hex digits Meta writes are lowercase, and a character beyond the BMP is a surrogate pair:
 * {@code caf\u005cu00e9}, {@code \u005cud83d\u005cude00} (the default form of PHP's
 * {@code json_encode}). Receivers check {@code X-Hub-Signature-256} against that form: some (the
 * npm whatsapp-api-js among them) re-escape the body they were handed, non-ASCII to lowercase
 * {@code \u005cuXXXX}, before computing the HMAC, so a raw UTF-8 accent, Devanagari letter or
 * emoji would fail every check. Jackson writes exactly Meta's form with three of its own
 * features, no post-processing: {@link JsonWriteFeature#ESCAPE_NON_ASCII} (per UTF-16 unit,
 * hence surrogate pairs), {@link JsonWriteFeature#WRITE_HEX_UPPER_CASE} turned off (Meta's hex is
 * lowercase) and {@link JsonWriteFeature#ESCAPE_FORWARD_SLASHES}. The result is pure ASCII, and
 * the signature is computed over these very bytes.
 *
 * <p><b>Batches</b> (only for endpoints that opt in: by default a POST carries one event, as
 * Meta's webhooks usually do). Rows are laid out in id order. Consecutive rows of the same WABA
 * share an entry, and consecutive statuses (or inbound messages) of the same number and the same
 * frame share one change's array, their senders' {@code contacts[]} entries merged, as in Meta's
 * own batches. A change is never reused once another kind of row came after it, so a receiver
 * that walks entries, changes and arrays in order sees every conversation's events in the order
 * they happened.
 */
final class Envelope {
    /** Meta's escaping; a writer of its own, so the node's shared mapper keeps its settings. */
    private static final ObjectWriter META_BYTES = new ObjectMapper(JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .enable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
            .build()).writer();

    private Envelope() {}

    static byte[] build(List<OutboxRow> rows, ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("object", "whatsapp_business_account");
        ArrayNode entries = root.putArray("entry");
        ObjectNode entry = null;
        ObjectNode value = null;
        String valueKey = null;
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
            boolean message = WebhookEvent.MESSAGE.equals(r.kind());
            String items = message ? "messages" : "statuses";
            ObjectNode frame = frame(r, message, item, json);
            ObjectNode shared = frame.deepCopy();
            shared.remove("contacts"); // senders differ within one batched change: they are merged
            String key = r.channelId() + '|' + r.kind() + '|' + shared;
            if (value == null || !key.equals(valueKey)) {
                value = frame;
                changes.addObject().<ObjectNode>set("value", value).put("field", r.field());
                valueKey = key;
            } else if (frame.get("contacts") instanceof ArrayNode senders) {
                mergeContacts(value, senders, items);
            }
            JsonNode events = value.get(items);
            (events instanceof ArrayNode a ? a : value.putArray(items)).add(item);
        }
        try {
            return META_BYTES.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The row's change value without events: Meta's frame, or the plain shape when it has none. */
    private static ObjectNode frame(OutboxRow r, boolean message, JsonNode item, ObjectMapper json) {
        if (r.valueFrame() != null && parse(json, r.valueFrame()) instanceof ObjectNode metas) {
            return metas;
        }
        ObjectNode plain = json.createObjectNode();
        plain.put("messaging_product", "whatsapp");
        plain.putObject("metadata").put("display_phone_number", r.displayPhoneNumber()).put("phone_number_id", r.channelId());
        if (message) {
            String from = item.path("from").asText(null);
            ArrayNode contacts = plain.putArray("contacts");
            if (from != null) {
                contacts.addObject().put("wa_id", from);
            }
            plain.putArray("messages");
        } else {
            plain.putArray("statuses");
        }
        return plain;
    }

    /**
     * Adds a row's sender entries to the change's {@code contacts[]} (just before its events'
     * array when the change has none yet, where Meta puts it), each entry once.
     */
    private static void mergeContacts(ObjectNode value, ArrayNode senders, String items) {
        if (!value.has("contacts")) {
            JsonNode events = value.remove(items);
            value.putArray("contacts");
            value.set(items, events == null ? value.arrayNode() : events);
        }
        ArrayNode contacts = (ArrayNode) value.get("contacts");
        for (JsonNode c : senders) {
            boolean known = false;
            for (JsonNode k : contacts) {
                known |= k.equals(c);
            }
            if (!known) {
                contacts.add(c);
            }
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
