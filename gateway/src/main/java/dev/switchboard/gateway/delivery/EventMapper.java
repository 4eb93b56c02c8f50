package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns resolved webhook events into outbox rows for the tenants that asked for them, with the
 * ids the tenant knows.
 *
 * <p>A tenant sent its messages through Switchboard and got Switchboard's ids back, so
 * everything that names one of those messages by Meta's {@code wamid} is rewritten to
 * Switchboard's id: a status's {@code id}, an inbound reply's {@code context.id}, a reaction's
 * {@code message_id}. A status's {@code biz_opaque_callback_data} carries ours
 * ({@code sb:<id>} or {@code sb:<id>|<tenant value>}); the tenant gets back exactly what it
 * sent, or no field when it sent none. A wamid Switchboard does not know (a message sent outside
 * it, e.g. from the Business app) is left as Meta sent it.
 *
 * <p>Nothing else is touched: the item keeps every field Meta sent (pricing, conversation,
 * errors, context, referral, fields Switchboard does not know yet) and travels with the change
 * value Meta sent it in (its frame: metadata, the sender's {@code contacts[]} entry with
 * {@code profile.name}), which {@link Envelope} puts back around it.
 */
final class EventMapper {
    private static final Logger LOG = LoggerFactory.getLogger(EventMapper.class);
    private static final String OURS = "sb:";

    private final Jdbc jdbc;
    private final Tenancy tenancy;
    private final ObjectMapper json;

    EventMapper(Jdbc jdbc, Tenancy tenancy, ObjectMapper json) {
        this.jdbc = jdbc;
        this.tenancy = tenancy;
        this.json = json;
    }

    /** Rows for the events some endpoint wants, in event order. */
    List<OutboxRow> map(List<WebhookEvent> events, Function<String, WebhookEndpoint> endpoints, long now) {
        List<WebhookEvent> wanted = new ArrayList<>();
        for (WebhookEvent e : events) {
            WebhookEndpoint ep = e.tenantId() == null ? null : endpoints.apply(e.tenantId());
            if (ep != null && ep.wants(e)) {
                wanted.add(e);
            }
        }
        if (wanted.isEmpty()) {
            return List.of();
        }
        List<ObjectNode> items = new ArrayList<>(wanted.size());
        Set<String> wamids = new HashSet<>();
        for (WebhookEvent e : wanted) {
            ObjectNode item = parse(e);
            items.add(item);
            if (item == null) {
                continue;
            }
            if (WebhookEvent.STATUS.equals(e.kind()) && e.messageId() == null && item.hasNonNull("id")) {
                wamids.add(item.get("id").asText());
            } else if (WebhookEvent.MESSAGE.equals(e.kind())) {
                addIfText(wamids, item.path("context").get("id"));
                addIfText(wamids, item.path("reaction").get("message_id"));
            }
        }
        Map<String, String[]> ours = ourMessages(wamids);
        List<OutboxRow> rows = new ArrayList<>(wanted.size());
        for (int i = 0; i < wanted.size(); i++) {
            WebhookEvent e = wanted.get(i);
            ObjectNode item = items.get(i);
            if (item == null) {
                continue;
            }
            switch (e.kind()) {
                case WebhookEvent.STATUS -> mapStatus(e, item, ours);
                case WebhookEvent.MESSAGE -> mapMessage(e, item, ours);
                default -> { }
            }
            Channel channel = e.channelId() == null ? null : tenancy.channel(e.channelId()).orElse(null);
            String field = WebhookEvent.ACCOUNT.equals(e.kind()) ? e.status() : "messages";
            rows.add(OutboxRow.fresh(e.tenantId(), e.id(), e.conversation(), e.kind(), field == null ? "unknown" : field,
                    wabaOf(e.tenantId(), channel), e.channelId(), channel == null ? null : channel.displayPhoneNumber(),
                    e.status(), item.toString(), e.valueFrame(), now));
        }
        return rows;
    }

    private ObjectNode parse(WebhookEvent e) {
        try {
            JsonNode n = json.readTree(e.payload());
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException ex) {
            // logged below
        }
        LOG.warn("event {} has a payload that is not a JSON object; not forwarded", e.id());
        return null;
    }

    private static void mapStatus(WebhookEvent e, ObjectNode s, Map<String, String[]> ours) {
        String id = e.messageId();
        if (id == null && s.hasNonNull("id")) {
            String[] known = ours.get(s.get("id").asText());
            id = known != null && known[1].equals(e.tenantId()) ? known[0] : null;
        }
        if (id != null) {
            s.put("id", id);
        }
        JsonNode opaque = s.get("biz_opaque_callback_data");
        if (opaque != null && opaque.isTextual() && opaque.asText().startsWith(OURS)) {
            String v = opaque.asText();
            int bar = v.indexOf('|');
            if (bar < 0) {
                s.remove("biz_opaque_callback_data");
            } else {
                s.put("biz_opaque_callback_data", v.substring(bar + 1));
            }
        }
    }

    private static void mapMessage(WebhookEvent e, ObjectNode m, Map<String, String[]> ours) {
        rewrite(m.get("context"), "id", e.tenantId(), ours);
        rewrite(m.get("reaction"), "message_id", e.tenantId(), ours);
    }

    private static void rewrite(JsonNode parent, String field, String tenantId, Map<String, String[]> ours) {
        if (parent instanceof ObjectNode o && o.hasNonNull(field)) {
            String[] known = ours.get(o.get(field).asText());
            if (known != null && known[1].equals(tenantId)) {
                o.put(field, known[0]);
            }
        }
    }

    /** wamid → {Switchboard id, tenant} for the wamids that are Switchboard's messages. */
    private Map<String, String[]> ourMessages(Set<String> wamids) {
        Map<String, String[]> out = new HashMap<>();
        List<String> list = new ArrayList<>(wamids);
        for (int i = 0; i < list.size(); i += 200) {
            List<String> chunk = list.subList(i, Math.min(list.size(), i + 200));
            jdbc.query("SELECT wamid, id, tenant_id FROM messages WHERE wamid IN (" + "?,".repeat(chunk.size() - 1) + "?)",
                    rs -> out.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)}), chunk.toArray());
        }
        return out;
    }

    /**
     * The WABA an event is filed under ({@code entry[].id}): its channel's; for an account event
     * that names no channel, the tenant's WABA (the lowest id, should a tenant have several).
     */
    private String wabaOf(String tenantId, Channel channel) {
        if (channel != null) {
            return channel.wabaId();
        }
        TreeSet<String> wabas = new TreeSet<>();
        tenancy.channelsOf(tenantId).forEach(c -> wabas.add(c.wabaId()));
        return wabas.isEmpty() ? null : wabas.first();
    }

    private static void addIfText(Set<String> out, JsonNode n) {
        if (n != null && n.isTextual()) {
            out.add(n.asText());
        }
    }
}
