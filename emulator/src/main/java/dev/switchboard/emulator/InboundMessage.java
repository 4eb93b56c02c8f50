package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A message "from a user" to inject: the emulator turns it into a {@code messages} webhook and
 * opens the user's 24-hour service window with that number.
 *
 * <p>{@code content} is the type-specific object exactly as it appears in Meta's webhook under
 * the key named by {@code type} (e.g. {@code {"body":"hi"}} for {@code text}).
 */
public final class InboundMessage {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final String phoneNumberId;
    private final String from;
    private final String name;
    private final String type;
    private final ObjectNode content;
    private final String contextMessageId;

    private InboundMessage(String phoneNumberId, String from, String name, String type, ObjectNode content, String contextMessageId) {
        this.phoneNumberId = requireNonNull(phoneNumberId, "phoneNumberId");
        String f = requireNonNull(from, "from").trim();
        this.from = f.startsWith("+") ? f.substring(1) : f;
        this.name = name == null ? "User " + this.from : name;
        this.type = requireNonNull(type, "type");
        this.content = requireNonNull(content, "content");
        this.contextMessageId = contextMessageId;
    }

    public static InboundMessage of(String phoneNumberId, String from, String name, String type, ObjectNode content) {
        return new InboundMessage(phoneNumberId, from, name, type, content, null);
    }

    public static InboundMessage text(String phoneNumberId, String from, String name, String body) {
        ObjectNode c = F.objectNode().put("body", body);
        return of(phoneNumberId, from, name, "text", c);
    }

    public static InboundMessage buttonReply(String phoneNumberId, String from, String name, String id, String title) {
        ObjectNode c = F.objectNode().put("type", "button_reply");
        c.putObject("button_reply").put("id", id).put("title", title);
        return of(phoneNumberId, from, name, "interactive", c);
    }

    public static InboundMessage listReply(String phoneNumberId, String from, String name, String id, String title, String description) {
        ObjectNode c = F.objectNode().put("type", "list_reply");
        ObjectNode r = c.putObject("list_reply").put("id", id).put("title", title);
        if (description != null) {
            r.put("description", description);
        }
        return of(phoneNumberId, from, name, "interactive", c);
    }

    public static InboundMessage image(String phoneNumberId, String from, String name, String mediaId, String mimeType,
                                       String sha256, String caption) {
        ObjectNode c = F.objectNode().put("id", mediaId).put("mime_type", mimeType).put("sha256", sha256);
        if (caption != null) {
            c.put("caption", caption);
        }
        return of(phoneNumberId, from, name, "image", c);
    }

    /** A reply: the webhook carries {@code context{from,id}} pointing at a business message. */
    public InboundMessage inReplyTo(String wamid) {
        return new InboundMessage(phoneNumberId, from, name, type, content, wamid);
    }

    /**
     * Reads the control-API shape: {@code {phone_number_id, from, name, type, text | button_reply |
     * list_reply | image | interactive | <type>, context?: {message_id | id}}}.
     */
    public static InboundMessage fromJson(JsonNode n) {
        String pnid = n.path("phone_number_id").asText(null);
        String from = n.path("from").asText(null);
        if (pnid == null || from == null) {
            throw new IllegalArgumentException("phone_number_id and from are required");
        }
        String name = n.path("name").asText(null);
        String type = n.path("type").asText("text");
        InboundMessage m;
        if (n.has("button_reply")) {
            JsonNode r = n.get("button_reply");
            m = buttonReply(pnid, from, name, r.path("id").asText(), r.path("title").asText());
        } else if (n.has("list_reply")) {
            JsonNode r = n.get("list_reply");
            m = listReply(pnid, from, name, r.path("id").asText(), r.path("title").asText(), r.path("description").asText(null));
        } else if (n.path(type).isObject()) {
            m = of(pnid, from, name, type, ((ObjectNode) n.get(type)).deepCopy());
        } else if ("text".equals(type) && n.has("body")) {
            m = text(pnid, from, name, n.get("body").asText());
        } else {
            throw new IllegalArgumentException("inbound message of type '" + type + "' needs a '" + type + "' object");
        }
        JsonNode ctx = n.path("context");
        String ctxId = ctx.path("message_id").asText(ctx.path("id").asText(null));
        return ctxId == null ? m : m.inReplyTo(ctxId);
    }

    public String phoneNumberId() { return phoneNumberId; }
    public String from() { return from; }
    public String name() { return name; }
    public String type() { return type; }
    public ObjectNode content() { return content.deepCopy(); }
    public String contextMessageId() { return contextMessageId; }
}
