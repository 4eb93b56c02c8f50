package dev.switchboard.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.messages.Message;

/** The JSON a tenant sees for a message: state, timeline, last error. Never another tenant's. */
final class MessageView {
    private MessageView() {}

    static ObjectNode of(ObjectMapper json, Message m, boolean withPayload) {
        ObjectNode n = json.createObjectNode();
        n.put("id", m.id());
        n.put("channel_id", m.channelId());
        n.put("recipient", m.recipient());
        n.put("lane", m.lane().name());
        n.put("state", m.state().name());
        if (m.templateName() != null) {
            n.put("template", m.templateName());
        }
        if (m.category() != null) {
            n.put("category", m.category());
        }
        if (m.campaignId() != null) {
            n.put("campaign_id", m.campaignId());
        }
        if (m.metadata() != null) {
            try {
                n.set("metadata", json.readTree(m.metadata()));
            } catch (java.io.IOException e) {
                n.put("metadata", m.metadata());
            }
        }
        if (m.wamid() != null) {
            n.put("wamid", m.wamid());
        }
        n.put("attempts", m.attempts());
        if (m.expiresAt() != null) {
            n.put("expires_at", m.expiresAt());
        }
        if (m.lastErrorCode() != null || m.lastError() != null) {
            ObjectNode e = n.putObject("last_error");
            if (m.lastErrorCode() != null) {
                e.put("code", m.lastErrorCode());
            }
            e.put("message", m.lastError());
            e.put("dead_lettered", m.deadLettered());
        }
        ObjectNode t = n.putObject("timeline");
        t.put("accepted", m.acceptedAt());
        putIf(t, "sending", m.sendingAt());
        putIf(t, "sent", m.sentAt());
        putIf(t, "delivered", m.deliveredAt());
        putIf(t, "read", m.readAt());
        putIf(t, "failed", m.failedAt());
        putIf(t, "expired", m.expiredAt());
        putIf(t, "cancelled", m.cancelledAt());
        if (withPayload) {
            try {
                n.set("payload", json.readTree(m.payload()));
            } catch (java.io.IOException e) {
                n.put("payload", m.payload());
            }
        }
        return n;
    }

    private static void putIf(ObjectNode n, String k, Long v) {
        if (v != null) {
            n.put(k, v);
        }
    }
}
