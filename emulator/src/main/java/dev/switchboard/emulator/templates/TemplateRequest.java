package dev.switchboard.emulator.templates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.TemplateDef;
import dev.switchboard.emulator.core.GraphError;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates a {@code POST /{waba-id}/message_templates} body the way Meta does and turns it into a
 * {@link TemplateDef}: {@code name} (lowercase letters, digits and underscores, at most 512),
 * {@code language} (a locale code such as {@code en} or {@code en_US}), {@code category}
 * (MARKETING, UTILITY, AUTHENTICATION) and {@code components} are required; exactly one BODY
 * (at most 1,024 characters; AUTHENTICATION bodies may be left out, Meta then uses its own
 * one-parameter text), at
 * most one HEADER (TEXT headers at most 60 characters) and FOOTER (at most 60), BUTTONS with
 * 1–10 buttons; placeholders must match {@code parameter_format} ({@code {{1}}} for POSITIONAL,
 * {@code {{name}}} for NAMED). Each failure is Meta's {@code (#100) Invalid parameter}.
 */
public final class TemplateRequest {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]+");
    private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}(_[A-Z]{2})?");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");
    private static final Pattern POSITIONAL = Pattern.compile("[1-9][0-9]*");
    private static final Pattern NAMED = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Set<String> HEADER_FORMATS = Set.of("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION");
    private static final Map<String, Integer> TEXT_LIMITS = Map.of("HEADER", 60, "BODY", 1024, "FOOTER", 60);

    private TemplateRequest() {
    }

    public static TemplateDef parse(JsonNode body, String wabaId, String id, TemplateDef.Status status) {
        if (body == null || !body.isObject()) {
            throw GraphError.invalidParameter("The request body must be a JSON object.");
        }
        String name = required(body, "name");
        if (name.length() > 512 || !NAME.matcher(name).matches()) {
            throw GraphError.invalidParameter("Param name must be at most 512 characters of lowercase letters, digits and underscores - got \""
                    + name + "\".");
        }
        String language = required(body, "language");
        if (!LANGUAGE.matcher(language).matches()) {
            throw GraphError.invalidParameter("Param language must be a supported language code such as en or en_US - got \"" + language + "\".");
        }
        TemplateDef.Category category = enumValue(TemplateDef.Category.class, required(body, "category"), "category");
        TemplateDef.ParameterFormat format = body.hasNonNull("parameter_format")
                ? enumValue(TemplateDef.ParameterFormat.class, body.get("parameter_format").asText(), "parameter_format")
                : TemplateDef.ParameterFormat.POSITIONAL;
        JsonNode components = body.get("components");
        if (components == null || !components.isArray() || components.isEmpty()) {
            throw GraphError.invalidParameter("The parameter components is required and must be a non-empty array.");
        }
        TemplateDef.Builder b = TemplateDef.builder(wabaId, name).language(language).category(category)
                .parameterFormat(format).status(status).id(id);
        ArrayNode normalized = components.deepCopy();
        Set<String> seen = new HashSet<>();
        for (JsonNode c : normalized) {
            String type = c.path("type").asText("").toUpperCase(Locale.ROOT);
            if (!c.isObject() || !Set.of("HEADER", "BODY", "FOOTER", "BUTTONS").contains(type)) {
                throw GraphError.invalidParameter("Param components[][type] must be one of {HEADER, BODY, FOOTER, BUTTONS} - got \""
                        + c.path("type").asText() + "\".");
            }
            if (!seen.add(type)) {
                throw GraphError.invalidParameter("Only one " + type + " component is allowed.");
            }
            ((ObjectNode) c).put("type", type);
            String text = c.hasNonNull("text") ? c.get("text").asText() : null;
            if (text != null && text.codePointCount(0, text.length()) > TEXT_LIMITS.getOrDefault(type, Integer.MAX_VALUE)) {
                throw GraphError.invalidParameter("Param " + type + " text must be at most " + TEXT_LIMITS.get(type) + " characters long.");
            }
            checkPlaceholders(text, format, type);
            switch (type) {
                case "HEADER" -> {
                    String f = c.path("format").asText("TEXT").toUpperCase(Locale.ROOT);
                    if (!HEADER_FORMATS.contains(f)) {
                        throw GraphError.invalidParameter("Param HEADER format must be one of " + HEADER_FORMATS + " - got \"" + f + "\".");
                    }
                    if (f.equals("TEXT")) {
                        b.header(requireText(text, type));
                    }
                }
                case "BODY" -> {
                    // Meta writes authentication bodies itself: "<code> is your verification code."
                    boolean metaText = text == null && category == TemplateDef.Category.AUTHENTICATION;
                    b.body(metaText ? "{{1}} is your verification code." : requireText(text, type));
                }
                case "FOOTER" -> b.footer(requireText(text, type));
                default -> {
                    JsonNode buttons = c.get("buttons");
                    if (buttons == null || !buttons.isArray() || buttons.isEmpty() || buttons.size() > 10) {
                        throw GraphError.invalidParameter("Param BUTTONS buttons must be an array of 1 to 10 buttons.");
                    }
                }
            }
        }
        if (!seen.contains("BODY")) {
            throw GraphError.invalidParameter("A template needs a BODY component.");
        }
        return b.components(normalized).build();
    }

    private static String required(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull() || n.asText().isEmpty()) {
            throw GraphError.invalidParameter("The parameter " + field + " is required.");
        }
        if (!n.isTextual()) {
            throw GraphError.invalidParameter("Param " + field + " must be a string.");
        }
        return n.asText();
    }

    private static String requireText(String text, String type) {
        if (text == null || text.isBlank()) {
            throw GraphError.invalidParameter("The parameter " + type + " text is required.");
        }
        return text;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String value, String field) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                allowed.append(allowed.isEmpty() ? "" : ", ").append(c.name());
            }
            throw GraphError.invalidParameter("Param " + field + " must be one of {" + allowed + "} - got \"" + value + "\".");
        }
    }

    private static void checkPlaceholders(String text, TemplateDef.ParameterFormat format, String type) {
        if (text == null) {
            return;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            Pattern expected = format == TemplateDef.ParameterFormat.NAMED ? NAMED : POSITIONAL;
            if (!expected.matcher(m.group(1)).matches()) {
                throw GraphError.invalidParameter("Param " + type + " text has variable {{" + m.group(1) + "}}, which is not valid for parameter_format "
                        + format + ".");
            }
        }
    }
}
