package dev.switchboard.gateway.campaigns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.intake.Rejection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A campaign's mapping from contact columns to its template's parameters, and the components of
 * each message rendered from it.
 *
 * <p>Two shapes are accepted. An array is the body's parameters in order ({@code {{1}}},
 * {@code {{2}}} …), each {@code {"variable", "default"?}} or {@code {"text"}}, or, for a template
 * with named parameters, each with its {@code "name"} ({@code {"name": "first_name",
 * "variable": "first_name"}} → Meta's {@code parameter_name}). An object adds the rest:
 * <pre>
 * {"header":  {"variable"…} | {"text"} | {"type": "image"|"video"|"document", "link"|"id"|"variable", "filename"?}
 *             | {"type": "location", "latitude", "longitude", "name"?, "address"?},
 *  "body":    [ …as the array form… ],
 *  "buttons": [{"index": 0, "sub_type": "url"|"quick_reply"|"copy_code", "variable"… | "text" | "payload"}]}
 * </pre>
 * It is stored as given (normalised) in the campaign's {@code parameters} column, so the array
 * form stays what campaigns created before it hold. {@link MappingCheck} says whether it fits a
 * template; this class only parses, renders and finds missing values.
 */
final class TemplateMapping {
    static final Set<String> MEDIA = Set.of("image", "video", "document");
    private static final Set<String> BUTTON_TYPES = Set.of("url", "quick_reply", "copy_code");
    private static final Pattern PARAMETER_NAME = Pattern.compile("[a-z_][a-z0-9_]*");
    static final TemplateMapping EMPTY = new TemplateMapping(null, List.of(), List.of());

    /** A body parameter: its {@code parameter_name} under a NAMED template (else null), and its value. */
    record BodyParam(String name, Campaign.Param value) {}

    /** A location header's fixed place. */
    record Location(double latitude, double longitude, String name, String address) {}

    /**
     * The header parameter: {@code type} text (value: the text; name under NAMED), image, video or
     * document (value: the link, or a fixed media id; filename for documents) or location.
     */
    record Header(String type, String name, Campaign.Param value, String mediaId, String filename, Location location) {}

    /** A button's parameter: which button ({@code index}), its {@code sub_type}, and the value. */
    record ButtonParam(int index, String subType, Campaign.Param value) {}

    final Header header;
    final List<BodyParam> body;
    final List<ButtonParam> buttons;

    private TemplateMapping(Header header, List<BodyParam> body, List<ButtonParam> buttons) {
        this.header = header;
        this.body = List.copyOf(body);
        this.buttons = List.copyOf(buttons);
    }

    /** The mapping a create request gives ({@code parameters}); a 400 naming the field when it is malformed. */
    static TemplateMapping parse(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return EMPTY;
        }
        if (n.isArray()) {
            return new TemplateMapping(null, body(n, "parameters"), List.of());
        }
        if (!n.isObject()) {
            throw Rejection.invalid("parameters", "must be an array of body parameters or {\"header\"?, \"body\"?, \"buttons\"?}");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("header", "body", "buttons").contains(f)) {
                throw Rejection.invalid("parameters." + f, "is not a part of a mapping (header, body, buttons)");
            }
        }
        JsonNode b = n.get("body");
        if (b != null && !b.isNull() && !b.isArray()) {
            throw Rejection.invalid("parameters.body", "must be an array of {\"variable\", \"default\"?} or {\"text\"}, with \"name\" for named templates");
        }
        return new TemplateMapping(header(n.get("header")), b == null || b.isNull() ? List.of() : body(b, "parameters.body"),
                buttons(n.get("buttons")));
    }

    /** A stored mapping (also the array of {@code {"variable", "defaultValue", "text"}} that campaigns of before kept). */
    static TemplateMapping read(String stored, ObjectMapper json) {
        try {
            return parse(json.readTree(stored));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<BodyParam> body(JsonNode n, String path) {
        List<BodyParam> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (JsonNode p : n) {
            String at = path + "[" + out.size() + "]";
            String name = text(p, "name");
            if (name != null && (!PARAMETER_NAME.matcher(name).matches() || !names.add(name))) {
                throw Rejection.invalid(at + ".name", "must be a distinct parameter name of lowercase letters, digits and underscores");
            }
            if (!out.isEmpty() && (name == null) != (out.get(0).name() == null)) {
                throw Rejection.invalid(at + ".name", "must be given for every body parameter or for none (named or positional)");
            }
            out.add(new BodyParam(name, value(p, at, false)));
        }
        return out;
    }

    private static Header header(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw Rejection.invalid("parameters.header", "must be an object");
        }
        String type = text(n, "type") == null ? "text" : text(n, "type").toLowerCase(Locale.ROOT);
        if (type.equals("text")) {
            String name = text(n, "name");
            if (name != null && !PARAMETER_NAME.matcher(name).matches()) {
                throw Rejection.invalid("parameters.header.name", "must be a parameter name of lowercase letters, digits and underscores");
            }
            return new Header(type, name, value(n, "parameters.header", false), null, null, null);
        }
        if (type.equals("location")) {
            JsonNode lat = n.get("latitude");
            JsonNode lon = n.get("longitude");
            if (lat == null || !lat.isNumber() || Math.abs(lat.asDouble()) > 90 || lon == null || !lon.isNumber()
                    || Math.abs(lon.asDouble()) > 180) {
                throw Rejection.invalid("parameters.header", "a location needs numeric \"latitude\" (-90..90) and \"longitude\" (-180..180)");
            }
            return new Header(type, null, null, null, null,
                    new Location(lat.asDouble(), lon.asDouble(), text(n, "name"), text(n, "address")));
        }
        if (!MEDIA.contains(type)) {
            throw Rejection.invalid("parameters.header.type", "must be text, image, video, document or location");
        }
        String id = text(n, "id");
        String link = text(n, "link");
        boolean variable = text(n, "variable") != null;
        if ((id != null ? 1 : 0) + (link != null ? 1 : 0) + (variable ? 1 : 0) != 1) {
            throw Rejection.invalid("parameters.header", "a " + type + " needs exactly one of \"link\", \"id\" or \"variable\" (a column holding a link)");
        }
        if (link != null) {
            checkLink(link, "parameters.header.link");
        }
        Campaign.Param value = id != null ? null : link != null ? new Campaign.Param(null, null, link) : value(n, "parameters.header", true);
        return new Header(type, null, value, id, type.equals("document") ? text(n, "filename") : null, null);
    }

    private static List<ButtonParam> buttons(JsonNode n) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw Rejection.invalid("parameters.buttons", "must be an array of {\"index\", \"sub_type\", \"variable\" | \"text\" | \"payload\"}");
        }
        List<ButtonParam> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (JsonNode b : n) {
            String at = "parameters.buttons[" + out.size() + "]";
            JsonNode index = b.get("index");
            int i = index == null ? -1 : index.isInt() ? index.asInt() : index.isTextual() && index.asText().matches("[0-9]") ? index.asInt() : -1;
            if (i < 0 || i > 9 || !seen.add(i)) {
                throw Rejection.invalid(at + ".index", "must be a distinct button index from 0 to 9");
            }
            String subType = text(b, "sub_type") == null ? null : text(b, "sub_type").toLowerCase(Locale.ROOT);
            if (!BUTTON_TYPES.contains(subType)) {
                throw Rejection.invalid(at + ".sub_type", "must be url, quick_reply or copy_code");
            }
            Campaign.Param value;
            if (subType.equals("quick_reply") && text(b, "payload") != null) {
                if (text(b, "variable") != null || text(b, "text") != null) {
                    throw Rejection.invalid(at, "must have exactly one of variable, text or payload");
                }
                value = new Campaign.Param(null, null, text(b, "payload"));
            } else {
                value = value(b, at, false);
            }
            out.add(new ButtonParam(i, subType, value));
        }
        return out;
    }

    /** {@code {"variable", "default"?}} or {@code {"text"}}. */
    private static Campaign.Param value(JsonNode p, String at, boolean variableOnly) {
        if (p == null || !p.isObject()) {
            throw Rejection.invalid(at, "must be an object: {\"variable\", \"default\"?} or {\"text\"}");
        }
        String variable = text(p, "variable");
        String fixed = variableOnly ? null : text(p, "text");
        if ((variable == null) == (fixed == null)) {
            throw Rejection.invalid(at, "must have exactly one of variable or text");
        }
        if ((variable != null && variable.isBlank()) || (fixed != null && fixed.isBlank())) {
            throw Rejection.invalid(at, "must not be blank (Meta refuses empty parameters)");
        }
        String def = text(p, "default") != null ? text(p, "default") : text(p, "defaultValue");
        return new Campaign.Param(variable, variable == null ? null : def, fixed);
    }

    private static void checkLink(String link, String at) {
        try {
            URI u = URI.create(link);
            if (!"https".equalsIgnoreCase(u.getScheme()) && !"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
                throw Rejection.invalid(at, "must be an http(s) URL Meta can fetch");
            }
        } catch (IllegalArgumentException e) {
            throw Rejection.invalid(at, "must be an http(s) URL Meta can fetch");
        }
    }

    boolean isEmpty() {
        return header == null && body.isEmpty() && buttons.isEmpty();
    }

    /** The first mapped variable this contact lacks with no default, or null when every value is there. */
    String missingVariable(Map<String, String> variables) {
        List<Campaign.Param> all = new ArrayList<>();
        if (header != null && header.value() != null) {
            all.add(header.value());
        }
        body.forEach(b -> all.add(b.value()));
        buttons.forEach(b -> all.add(b.value()));
        for (Campaign.Param p : all) {
            if (p.valueFor(variables) == null) {
                return p.variable();
            }
        }
        return null;
    }

    /** The template's {@code components} for one contact (call only when {@link #missingVariable} is null). */
    ArrayNode components(Map<String, String> variables, ObjectMapper json) {
        ArrayNode out = json.createArrayNode();
        if (header != null) {
            ObjectNode p = out.addObject().put("type", "header").putArray("parameters").addObject().put("type", header.type());
            switch (header.type()) {
                case "text" -> {
                    p.put("text", header.value().valueFor(variables));
                    if (header.name() != null) {
                        p.put("parameter_name", header.name());
                    }
                }
                case "location" -> {
                    ObjectNode l = p.putObject("location").put("latitude", header.location().latitude())
                            .put("longitude", header.location().longitude());
                    putIfSet(l, "name", header.location().name());
                    putIfSet(l, "address", header.location().address());
                }
                default -> {
                    ObjectNode media = p.putObject(header.type());
                    if (header.mediaId() != null) {
                        media.put("id", header.mediaId());
                    } else {
                        media.put("link", header.value().valueFor(variables));
                    }
                    putIfSet(media, "filename", header.filename());
                }
            }
        }
        if (!body.isEmpty()) {
            ArrayNode params = out.addObject().put("type", "body").putArray("parameters");
            for (BodyParam b : body) {
                ObjectNode p = params.addObject().put("type", "text").put("text", b.value().valueFor(variables));
                putIfSet(p, "parameter_name", b.name());
            }
        }
        for (ButtonParam b : buttons) {
            ObjectNode p = out.addObject().put("type", "button").put("sub_type", b.subType()).put("index", Integer.toString(b.index()))
                    .putArray("parameters").addObject();
            String v = b.value().valueFor(variables);
            switch (b.subType()) {
                case "quick_reply" -> p.put("type", "payload").put("payload", v);
                case "copy_code" -> p.put("type", "coupon_code").put("coupon_code", v);
                default -> p.put("type", "text").put("text", v);
            }
        }
        return out;
    }

    /** The normalised mapping: the array form when it is only positional body parameters. */
    JsonNode toJson(ObjectMapper json) {
        if (header == null && buttons.isEmpty() && (body.isEmpty() || body.get(0).name() == null)) {
            ArrayNode a = json.createArrayNode();
            body.forEach(b -> putValue(a.addObject(), b.value()));
            return a;
        }
        ObjectNode o = json.createObjectNode();
        if (header != null) {
            ObjectNode h = o.putObject("header").put("type", header.type());
            putIfSet(h, "name", header.name());
            if (header.location() != null) {
                h.put("latitude", header.location().latitude()).put("longitude", header.location().longitude());
                putIfSet(h, "name", header.location().name());
                putIfSet(h, "address", header.location().address());
            } else if (header.mediaId() != null) {
                h.put("id", header.mediaId());
            } else if (MEDIA.contains(header.type()) && header.value().text() != null) {
                h.put("link", header.value().text());
            } else {
                putValue(h, header.value());
            }
            putIfSet(h, "filename", header.filename());
        }
        ArrayNode b = o.putArray("body");
        for (BodyParam p : body) {
            ObjectNode n = b.addObject();
            putIfSet(n, "name", p.name());
            putValue(n, p.value());
        }
        ArrayNode bs = o.putArray("buttons");
        for (ButtonParam p : buttons) {
            ObjectNode n = bs.addObject().put("index", p.index()).put("sub_type", p.subType());
            if (p.subType().equals("quick_reply") && p.value().text() != null) {
                n.put("payload", p.value().text());
            } else {
                putValue(n, p.value());
            }
        }
        return o;
    }

    private static void putValue(ObjectNode o, Campaign.Param p) {
        if (p.text() != null) {
            o.put("text", p.text());
        } else {
            o.put("variable", p.variable());
            putIfSet(o, "default", p.defaultValue());
        }
    }

    private static void putIfSet(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static String text(JsonNode o, String f) {
        JsonNode v = o == null ? null : o.get(f);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }
}
