package dev.switchboard.gateway.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one change of a Meta webhook into resolved {@link WebhookEvent}s: the tenant and channel
 * each belongs to, Switchboard's message id for statuses (from {@code biz_opaque_callback_data}
 * when present; otherwise a consumer resolves it by {@code wamid} later) and a dedup key, so
 * Meta's duplicate deliveries and journal replays become one event.
 *
 * <p>Nothing Meta sent is lost on the way: each status or message keeps its object whole, and
 * its {@linkplain WebhookEvent#valueFrame() frame} keeps the rest of the change value
 * ({@code metadata}, the sender's {@code contacts[]} entry with {@code profile.name}, and members
 * Switchboard does not know yet), so the tenant's copy is rebuilt from Meta's own parts rather
 * than from the few fields Switchboard reads.
 */
final class EventExtractor {
    private final Tenancy tenancy;

    EventExtractor(Tenancy tenancy) {
        this.tenancy = tenancy;
    }

    /** Statuses and inbound messages of a {@code messages} change. */
    void messages(JsonNode value, long receivedAt, long nowMillis, List<WebhookEvent> out) {
        String channelId = value.path("metadata").path("phone_number_id").asText(null);
        String tenantId = channelId == null ? null : tenancy.channel(channelId).map(Channel::tenantId).orElse(null);
        String statusFrame = value.path("statuses").isEmpty() ? null : frame(value, "statuses").toString();
        ObjectNode messageFrame = value.path("messages").isEmpty() ? null : frame(value, "messages");
        for (JsonNode s : value.path("statuses")) {
            String wamid = s.path("id").asText(null);
            String messageId = JournalProcessor.ourId(s.path("biz_opaque_callback_data").asText(null));
            String status = s.path("status").asText("");
            if (wamid == null && messageId == null) {
                continue;
            }
            JsonNode err = s.path("errors").path(0);
            Integer code = err.isMissingNode() ? null : err.path("code").asInt();
            String title = err.isMissingNode() ? null : err.path("title").asText(err.path("message").asText(null));
            String key = "s:" + (messageId != null ? messageId : wamid) + ":" + status;
            out.add(new WebhookEvent(0, receivedAt, seconds(s, nowMillis), WebhookEvent.STATUS, tenantId, channelId, messageId,
                    wamid, s.path("recipient_id").asText(null), status, code, title, s.toString(), key, statusFrame));
        }
        for (JsonNode m : value.path("messages")) {
            String wamid = m.path("id").asText(null);
            out.add(new WebhookEvent(0, receivedAt, seconds(m, nowMillis), WebhookEvent.MESSAGE, tenantId, channelId, null, wamid,
                    m.path("from").asText(null), m.path("type").asText(null), null, null, m.toString(),
                    wamid == null ? null : "m:" + wamid, withSender(messageFrame, value.path("contacts"), m).toString()));
        }
    }

    /**
     * An account or template signal: one event per tenant owning an affected channel (by display
     * number for quality updates, by WABA otherwise). {@code journalKey} makes replays idempotent.
     */
    void account(String field, String wabaId, JsonNode value, long receivedAt, long nowMillis, String journalKey,
                 List<WebhookEvent> out) {
        Set<Channel> affected = new LinkedHashSet<>();
        String display = value.path("display_phone_number").asText(null);
        for (Channel c : tenancy.channels()) {
            if (display != null ? display.equals(c.displayPhoneNumber()) : c.wabaId().equals(wabaId)) {
                affected.add(c);
            }
        }
        Set<String> tenants = new LinkedHashSet<>();
        for (Channel c : affected) {
            if (!tenants.add(c.tenantId())) {
                continue;
            }
            String channelId = display != null ? c.phoneNumberId() : null;
            out.add(new WebhookEvent(0, receivedAt, nowMillis, WebhookEvent.ACCOUNT, c.tenantId(), channelId, null, null, null,
                    field, null, null, value.toString(), "a:" + journalKey + ":" + c.tenantId(), null));
        }
        if (affected.isEmpty()) {
            out.add(new WebhookEvent(0, receivedAt, nowMillis, WebhookEvent.ACCOUNT, null, null, null, null, null, field, null,
                    null, value.toString(), "a:" + journalKey, null));
        }
    }

    /**
     * The change value without its events: every member in Meta's order, {@code items}
     * ({@code statuses} or {@code messages}) left as an empty array where it stood, the other
     * kind's array and, for statuses, {@code contacts} (which describe senders) left out. Members
     * are shared with {@code value}, not copied: a 3 MB batch is not duplicated to read its frame.
     */
    private static ObjectNode frame(JsonNode value, String items) {
        boolean statuses = "statuses".equals(items);
        ObjectNode frame = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> member : value.properties()) {
            String name = member.getKey();
            if (name.equals(items)) {
                frame.putArray(items);
            } else if (!name.equals(statuses ? "messages" : "statuses") && !(statuses && name.equals("contacts"))) {
                frame.set(name, member.getValue());
            }
        }
        return frame;
    }

    /**
     * A message's frame: {@code contacts[]} narrowed to the entries for its sender (by
     * {@code wa_id}, or {@code user_id} for business-scoped ids), so a batch of several users'
     * messages can be split into one webhook per message, each with its own sender's profile.
     * When no entry names the sender, every entry Meta sent is kept rather than guessed at.
     */
    private static ObjectNode withSender(ObjectNode frame, JsonNode contacts, JsonNode message) {
        if (!frame.has("contacts") || contacts.size() <= 1) {
            return frame;
        }
        ArrayNode mine = frame.arrayNode();
        for (JsonNode c : contacts) {
            if (same(c.get("wa_id"), message.get("from")) || same(c.get("user_id"), message.get("from_user_id"))) {
                mine.add(c);
            }
        }
        if (mine.isEmpty()) {
            return frame;
        }
        ObjectNode narrowed = frame.objectNode();
        for (Map.Entry<String, JsonNode> member : frame.properties()) {
            narrowed.set(member.getKey(), member.getKey().equals("contacts") ? mine : member.getValue());
        }
        return narrowed;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        return a != null && a.isTextual() && b != null && a.asText().equals(b.asText());
    }

    private static long seconds(JsonNode n, long nowMillis) {
        return n.path("timestamp").asLong(nowMillis / 1000) * 1000;
    }
}
