package dev.switchboard.emulator.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.TemplateDef;
import dev.switchboard.emulator.templates.TemplateStore;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a send body the way the Cloud API does, in Meta's order: envelope
 * ({@code messaging_product}, recipient), then the type, then the type's object, then template
 * resolution and parameter counts. Each failure is one {@link GraphError} with Meta's code:
 * 100 for a malformed envelope, 131008 for a missing parameter, 131009 for a bad value, 131051
 * for an unsupported type, 132xxx for template problems.
 */
public final class SendValidator {
    private static final Pattern PHONE = Pattern.compile("\\d{7,15}");
    private static final Pattern USER_ID = Pattern.compile("[A-Z]{2}\\.[0-9A-Za-z]{5,64}");
    private static final Set<String> MEDIA = Set.of("image", "audio", "document", "video", "sticker");
    private static final Set<String> INTERACTIVE = Set.of("button", "list", "cta_url", "flow", "product",
            "product_list", "location_request_message", "address_message", "carousel", "call_permission_request");
    private static final int MAX_TEXT = 4096;
    private static final int MAX_CALLBACK_DATA = 512;

    private final TemplateStore templates;

    public SendValidator(TemplateStore templates) {
        this.templates = templates;
    }

    public ValidatedSend validate(JsonNode body, String wabaId) {
        if (body == null || !body.isObject()) {
            throw GraphError.invalidParameter("The request body must be a JSON object.");
        }
        JsonNode product = body.get("messaging_product");
        if (product == null || product.isNull()) {
            throw GraphError.invalidParameter("The parameter messaging_product is required.");
        }
        if (!"whatsapp".equals(product.asText())) {
            throw GraphError.invalidParameter("Param messaging_product must be one of {WHATSAPP} - got \"" + product.asText() + "\".");
        }
        String recipientType = body.path("recipient_type").asText("individual");
        if (!"individual".equals(recipientType)) {
            throw GraphError.invalidValue("Param recipient_type must be one of {INDIVIDUAL} - got \"" + recipientType + "\".");
        }
        String input;
        String key;
        String waId;
        if (body.hasNonNull("to")) {
            input = body.get("to").asText();
            String digits = input.startsWith("+") ? input.substring(1) : input;
            if (!PHONE.matcher(digits).matches()) {
                throw GraphError.invalidValue("Invalid parameter 'to': must be a phone number of 7 to 15 digits.");
            }
            key = digits;
            waId = digits;
        } else if (body.hasNonNull("recipient")) {
            input = body.get("recipient").asText();
            String digits = input.startsWith("+") ? input.substring(1) : input;
            if (PHONE.matcher(digits).matches()) {
                key = digits;
                waId = digits;
            } else if (USER_ID.matcher(input).matches()) {
                key = input;
                waId = null;
            } else {
                throw GraphError.invalidValue("Invalid parameter 'recipient': must be a phone number or a business-scoped user id.");
            }
        } else {
            throw GraphError.missingParameter("The parameter to is required.");
        }
        String type = body.path("type").asText("text");
        TemplateDef template = null;
        switch (type) {
            case "text" -> text(body);
            case "template" -> template = template(body, wabaId);
            case "interactive" -> interactive(body);
            case "reaction" -> reaction(body);
            case "location" -> location(body);
            case "contacts" -> contacts(body);
            default -> {
                if (MEDIA.contains(type)) {
                    media(body, type);
                } else {
                    throw GraphError.unsupportedType(type);
                }
            }
        }
        if (body.has("context")) {
            if (!body.path("context").hasNonNull("message_id")) {
                throw GraphError.missingParameter("The parameter context['message_id'] is required.");
            }
        }
        String callback = null;
        if (body.hasNonNull("biz_opaque_callback_data")) {
            callback = body.get("biz_opaque_callback_data").asText();
            if (callback.length() > MAX_CALLBACK_DATA) {
                throw GraphError.invalidValue("Param biz_opaque_callback_data must be at most " + MAX_CALLBACK_DATA + " characters long.");
            }
        }
        return new ValidatedSend(input, key, waId, type, template, callback, body);
    }

    private static JsonNode required(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull() || (n.isTextual() && n.asText().isEmpty() && !path.endsWith("['emoji']"))) {
            throw GraphError.missingParameter("The parameter " + path + " is required.");
        }
        return n;
    }

    private static void text(JsonNode body) {
        JsonNode text = required(body, "text", "text");
        JsonNode b = required(text, "body", "text['body']");
        if (b.asText().length() > MAX_TEXT) {
            throw GraphError.invalidValue("Param text['body'] must be at most " + MAX_TEXT + " characters long.");
        }
    }

    private static void media(JsonNode body, String type) {
        JsonNode media = required(body, type, type);
        boolean hasId = media.hasNonNull("id");
        boolean hasLink = media.hasNonNull("link");
        if (!hasId && !hasLink) {
            throw GraphError.missingParameter("The parameter " + type + "['id'] or " + type + "['link'] is required.");
        }
        if (hasLink && !media.get("link").asText().matches("(?i)https?://.+")) {
            throw GraphError.invalidValue("Param " + type + "['link'] must be a valid URL.");
        }
    }

    private static void interactive(JsonNode body) {
        JsonNode in = required(body, "interactive", "interactive");
        String kind = required(in, "type", "interactive['type']").asText();
        if (!INTERACTIVE.contains(kind)) {
            throw GraphError.invalidValue("Param interactive['type'] is not valid: " + kind);
        }
        JsonNode action = required(in, "action", "interactive['action']");
        if (kind.equals("button") || kind.equals("list")) {
            required(required(in, "body", "interactive['body']"), "text", "interactive['body']['text']");
        }
        if (kind.equals("button")) {
            JsonNode buttons = required(action, "buttons", "interactive['action']['buttons']");
            if (!buttons.isArray() || buttons.isEmpty() || buttons.size() > 3) {
                throw GraphError.invalidValue("Param interactive['action']['buttons'] must have 1 to 3 elements.");
            }
            for (JsonNode b : buttons) {
                JsonNode reply = required(b, "reply", "interactive['action']['buttons'][0]['reply']");
                required(reply, "id", "interactive['action']['buttons'][0]['reply']['id']");
                required(reply, "title", "interactive['action']['buttons'][0]['reply']['title']");
            }
        } else if (kind.equals("list")) {
            required(action, "button", "interactive['action']['button']");
            JsonNode sections = required(action, "sections", "interactive['action']['sections']");
            if (!sections.isArray() || sections.isEmpty() || sections.size() > 10) {
                throw GraphError.invalidValue("Param interactive['action']['sections'] must have 1 to 10 elements.");
            }
            for (JsonNode s : sections) {
                JsonNode rows = required(s, "rows", "interactive['action']['sections'][0]['rows']");
                for (JsonNode r : rows) {
                    required(r, "id", "interactive['action']['sections'][0]['rows'][0]['id']");
                    required(r, "title", "interactive['action']['sections'][0]['rows'][0]['title']");
                }
            }
        }
    }

    private static void reaction(JsonNode body) {
        JsonNode r = required(body, "reaction", "reaction");
        required(r, "message_id", "reaction['message_id']");
        required(r, "emoji", "reaction['emoji']");
    }

    private static void location(JsonNode body) {
        JsonNode l = required(body, "location", "location");
        double lat = required(l, "latitude", "location['latitude']").asDouble(Double.NaN);
        double lon = required(l, "longitude", "location['longitude']").asDouble(Double.NaN);
        if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
            throw GraphError.invalidValue("Param location['latitude'] / ['longitude'] out of range.");
        }
    }

    private static void contacts(JsonNode body) {
        JsonNode c = required(body, "contacts", "contacts");
        if (c.isTextual()) {
            // Graph decodes a parameter given as a JSON-encoded string, and whatsapp-api-js (one of
            // the most used clients) sends contacts that way; an unreadable string stays invalid
            try {
                c = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(c.asText());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw GraphError.invalidValue("Param contacts must be a non-empty array.");
            }
        }
        if (!c.isArray() || c.isEmpty()) {
            throw GraphError.invalidValue("Param contacts must be a non-empty array.");
        }
        for (JsonNode contact : c) {
            required(required(contact, "name", "contacts[0]['name']"), "formatted_name", "contacts[0]['name']['formatted_name']");
        }
    }

    private TemplateDef template(JsonNode body, String wabaId) {
        JsonNode t = required(body, "template", "template");
        String name = required(t, "name", "template['name']").asText();
        String language = required(required(t, "language", "template['language']"), "code", "template['language']['code']").asText();
        TemplateDef def = templates.find(wabaId, name, language).orElseThrow(() -> GraphError.templateMissing(name, language));
        switch (def.status()) {
            case APPROVED -> { }
            case PAUSED -> throw GraphError.templatePaused(name);
            case DISABLED -> throw GraphError.templateDisabled(name);
            default -> throw GraphError.templateMissing(name, language);
        }
        checkParameters(def, t, "body", def.bodyParameters());
        if (def.headerFormat() == null || def.headerFormat().equals("TEXT")) {
            checkParameters(def, t, "header", def.headerParameters());
        } else {
            checkHeaderMedia(def, t);
        }
        return def;
    }

    /** A media or location header needs a header parameter of that type (Meta: 132012, "Format mismatch"). */
    private static void checkHeaderMedia(TemplateDef def, JsonNode template) {
        String format = def.headerFormat();
        String received = "UNKNOWN";
        for (JsonNode c : template.path("components")) {
            if ("header".equalsIgnoreCase(c.path("type").asText()) && c.path("parameters").size() == 1) {
                received = c.path("parameters").path(0).path("type").asText("UNKNOWN").toUpperCase(java.util.Locale.ROOT);
            }
        }
        if (!received.equals(format)) {
            throw GraphError.templateParamFormat("header: Format mismatch, expected " + format + ", received " + received);
        }
    }

    private static void checkParameters(TemplateDef def, JsonNode template, String componentType, List<String> expected) {
        JsonNode params = null;
        for (JsonNode c : template.path("components")) {
            if (componentType.equalsIgnoreCase(c.path("type").asText())) {
                params = c.path("parameters");
            }
        }
        int given = params == null ? 0 : params.size();
        if (componentType.equals("header") && params == null) {
            return; // header placeholders without header parameters: Meta reports on body counts first
        }
        if (given != expected.size()) {
            throw GraphError.templateParamCount(componentType + ": number of localizable_params (" + given
                    + ") does not match the expected number of params (" + expected.size() + ")");
        }
        if (def.parameterFormat() == TemplateDef.ParameterFormat.NAMED && params != null) {
            Set<String> names = new HashSet<>();
            for (JsonNode p : params) {
                JsonNode pn = p.get("parameter_name");
                if (pn == null || pn.isNull()) {
                    throw GraphError.missingParameter("The parameter " + componentType + " parameter_name is required for named templates.");
                }
                names.add(pn.asText());
            }
            if (!names.equals(new HashSet<>(expected))) {
                throw GraphError.templateParamCount(componentType + ": named parameters " + names + " do not match " + expected);
            }
        }
    }
}
