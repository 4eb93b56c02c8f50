package dev.switchboard.gateway.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns one change of a Meta webhook into resolved {@link WebhookEvent}s: the tenant and channel
 * each belongs to, Switchboard's message id for statuses (from {@code biz_opaque_callback_data}
 * when present; otherwise a consumer resolves it by {@code wamid} later) and a dedup key, so
 * Meta's duplicate deliveries and journal replays become one event.
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
                    wamid, s.path("recipient_id").asText(null), status, code, title, s.toString(), key));
        }
        for (JsonNode m : value.path("messages")) {
            String wamid = m.path("id").asText(null);
            out.add(new WebhookEvent(0, receivedAt, seconds(m, nowMillis), WebhookEvent.MESSAGE, tenantId, channelId, null, wamid,
                    m.path("from").asText(null), m.path("type").asText(null), null, null, m.toString(),
                    wamid == null ? null : "m:" + wamid));
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
                    field, null, null, value.toString(), "a:" + journalKey + ":" + c.tenantId()));
        }
        if (affected.isEmpty()) {
            out.add(new WebhookEvent(0, receivedAt, nowMillis, WebhookEvent.ACCOUNT, null, null, null, null, null, field, null,
                    null, value.toString(), "a:" + journalKey));
        }
    }

    private static long seconds(JsonNode n, long nowMillis) {
        return n.path("timestamp").asLong(nowMillis / 1000) * 1000;
    }
}
