package dev.switchboard.emulator.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.AccountEvent;
import dev.switchboard.emulator.InboundMessage;
import dev.switchboard.emulator.TemplateDef;
import dev.switchboard.emulator.media.InboundMedia;
import dev.switchboard.emulator.webhooks.Payloads;
import java.util.List;

/**
 * Webhooks that are not statuses: inbound user messages and account-level events. Inbound
 * messages also open the sender's service window, which is the only way a window opens, and
 * take their place in the number's throughput second, as Meta counts them. Their wamids are
 * remembered so the number can mark them as read, and media messages get a stored media object
 * behind their id.
 */
public final class Events {
    private final EmulatorCore core;

    Events(EmulatorCore core) {
        this.core = core;
    }

    /** Emits a {@code messages} webhook for the inbound message; returns its wamid. */
    public String inbound(InboundMessage in) {
        return inboundMessage(in).path("id").asText();
    }

    /** As {@link #inbound}, returning a copy of the webhook's message object (wamid, media id…). */
    public ObjectNode inboundMessage(InboundMessage in) {
        NumberState n = core.require(in.phoneNumberId());
        long nowMillis = System.currentTimeMillis();
        core.serviceWindows().open(n.id(), in.from(), nowMillis);
        n.counters().inbound();
        n.countInbound(System.nanoTime());
        String wamid = Wamids.next(in.from());
        ObjectNode value = Payloads.messagesValue(n.number().displayPhoneNumber(), n.id());
        ObjectNode contact = value.putArray("contacts").addObject();
        contact.putObject("profile").put("name", in.name());
        contact.put("wa_id", in.from());
        ObjectNode msg = value.putArray("messages").addObject();
        if (in.contextMessageId() != null) {
            msg.putObject("context").put("from", n.number().displayPhoneNumber()).put("id", in.contextMessageId());
        }
        msg.put("from", in.from());
        msg.put("id", wamid);
        msg.put("timestamp", Long.toString(nowMillis / 1000));
        msg.put("type", in.type());
        ObjectNode content = in.content();
        if (InboundMedia.TYPES.contains(in.type())) {
            content = InboundMedia.resolve(core.media(), n.id(), in.type(), content);
        }
        msg.set(in.type(), content);
        n.inboundIds.add(wamid, in.from());
        core.deliver(EmulatorCore.envelope(n.number().wabaId(), "messages", value));
        return msg.deepCopy();
    }

    /** Emits the account event (and applies a template status change to the store). */
    public void emit(AccountEvent e) {
        String wabaId = e.wabaId();
        ObjectNode value = e.value();
        if (e.phoneNumberId() != null) {
            NumberState n = core.require(e.phoneNumberId());
            if (wabaId == null) {
                wabaId = n.number().wabaId();
            }
            if (!value.has("display_phone_number")) {
                ObjectNode ordered = value.objectNode().put("display_phone_number", n.number().displayPhoneNumber());
                ordered.setAll(value);
                value = ordered;
            }
        }
        if (AccountEvent.TEMPLATE_STATUS.equals(e.field())) {
            value = applyTemplateStatus(wabaId, value);
        } else if (AccountEvent.TEMPLATE_CATEGORY.equals(e.field())) {
            value = applyTemplateCategory(wabaId, value);
        }
        core.deliver(EmulatorCore.envelope(wabaId, e.field(), value));
    }

    private ObjectNode applyTemplateStatus(String wabaId, ObjectNode value) {
        String name = value.path("message_template_name").asText(null);
        String language = value.path("message_template_language").asText(null);
        String event = value.path("event").asText("");
        TemplateDef.Status status;
        try {
            status = TemplateDef.Status.valueOf(event);
        } catch (IllegalArgumentException unknownEvent) {
            status = null; // e.g. PENDING_DELETION, FLAGGED: reported, store unchanged
        }
        List<TemplateDef> changed = status == null || name == null ? List.of()
                : core.templates().setStatus(wabaId, name, language, status);
        if (!value.has("message_template_id")) {
            String id = changed.isEmpty() ? "0" : changed.get(0).id();
            ObjectNode ordered = value.objectNode().put("event", event).put("message_template_id", Long.parseLong(id.matches("\\d+") ? id : "0"));
            ordered.setAll(value);
            value = ordered;
        }
        if (!value.has("message_template_language") && !changed.isEmpty()) {
            value.put("message_template_language", changed.get(0).language());
        }
        return value;
    }

    /**
     * A completed recategorisation ({@code new_category} with {@code previous_category}) changes
     * the store; an impending one (with {@code correct_category}) only announces it.
     */
    private ObjectNode applyTemplateCategory(String wabaId, ObjectNode value) {
        String name = value.path("message_template_name").asText(null);
        String language = value.path("message_template_language").asText(null);
        TemplateDef.Category category;
        try {
            category = value.has("correct_category") ? null : TemplateDef.Category.valueOf(value.path("new_category").asText(""));
        } catch (IllegalArgumentException unknown) {
            category = null;
        }
        List<TemplateDef> changed = category == null || name == null ? List.of()
                : core.templates().setCategory(wabaId, name, language, category);
        if (!value.has("message_template_id")) {
            String id = changed.isEmpty() ? "0" : changed.get(0).id();
            ObjectNode ordered = value.objectNode().put("message_template_id", Long.parseLong(id.matches("\\d+") ? id : "0"));
            ordered.setAll(value);
            value = ordered;
        }
        if (!value.has("message_template_language") && !changed.isEmpty()) {
            value.put("message_template_language", changed.get(0).language());
        }
        return value;
    }
}
