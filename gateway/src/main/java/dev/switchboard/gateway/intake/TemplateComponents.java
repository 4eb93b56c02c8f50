package dev.switchboard.gateway.intake;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a send of one template must carry, read from the {@code components} Meta lists for it
 * ({@code GET /{waba-id}/message_templates}). This is the contract Meta checks a send against:
 * the body's placeholders ({@code {{1}}} … under {@code parameter_format} POSITIONAL, or
 * {@code {{first_name}}} under NAMED, sent with {@code parameter_name}), a header (TEXT with its
 * own placeholder, or IMAGE / VIDEO / DOCUMENT / LOCATION, which need a parameter of that type or
 * Meta answers 132012), and buttons (a URL button whose URL ends in {@code {{1}}} needs its
 * suffix, COPY_CODE its coupon code; a QUICK_REPLY may carry a payload).
 *
 * <p>Only the shape is kept, not the texts Meta renders: that is all validation needs, and it
 * is what {@code /v1/templates} shows a tenant mapping columns to parameters.
 *
 * @param parameterFormat POSITIONAL or NAMED
 * @param header          null when the template has none
 * @param body            the body's placeholders, distinct, in order of first appearance
 * @param buttons         every button, in Meta's order (its index is what a send names)
 */
public record TemplateComponents(String parameterFormat, Header header, List<String> body, List<Button> buttons) {
    public static final String POSITIONAL = "POSITIONAL";
    public static final String NAMED = "NAMED";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

    public TemplateComponents {
        body = List.copyOf(body);
        buttons = List.copyOf(buttons);
    }

    /** A HEADER: TEXT (its placeholders, at most one in practice) or a media / location format. */
    public record Header(String format, List<String> parameters) {
        public Header {
            parameters = List.copyOf(parameters);
        }

        public boolean text() {
            return "TEXT".equals(format);
        }
    }

    /** What a send must give a button. */
    public enum Need {
        /** Nothing can be given (PHONE_NUMBER, a URL without a placeholder…). */
        NONE,
        /** May be given (a QUICK_REPLY payload, a FLOW token). */
        OPTIONAL,
        /** Must be given (a dynamic URL's suffix, a COPY_CODE coupon, an OTP code). */
        REQUIRED,
        /** Needs product or action parameters a column mapping cannot express (CATALOG, MPM…). */
        UNSUPPORTED
    }

    /**
     * One button.
     *
     * @param index   its position among the template's buttons, as a send names it
     * @param type    Meta's type: URL, QUICK_REPLY, COPY_CODE, PHONE_NUMBER, OTP, FLOW, CATALOG…
     * @param subType the {@code sub_type} a send uses for it (url, quick_reply, copy_code, flow…)
     */
    public record Button(int index, String type, String text, String subType, Need need) {}

    /** A template known only by its body parameter count (a catalogue row from before components were kept). */
    public static TemplateComponents positional(int bodyParameters) {
        List<String> body = new ArrayList<>();
        for (int i = 1; i <= bodyParameters; i++) {
            body.add(Integer.toString(i));
        }
        return new TemplateComponents(POSITIONAL, null, body, List.of());
    }

    /** Reads Meta's {@code parameter_format} and {@code components} of one template. */
    public static TemplateComponents parse(String parameterFormat, JsonNode components) {
        String format = NAMED.equalsIgnoreCase(parameterFormat) ? NAMED : POSITIONAL;
        Header header = null;
        List<String> body = List.of();
        List<Button> buttons = new ArrayList<>();
        for (JsonNode c : components) {
            switch (c.path("type").asText("").toUpperCase(Locale.ROOT)) {
                case "HEADER" -> {
                    String f = c.path("format").asText("TEXT").toUpperCase(Locale.ROOT);
                    header = new Header(f, f.equals("TEXT") ? placeholders(c.path("text").asText("")) : List.of());
                }
                case "BODY" -> body = placeholders(c.path("text").asText(""));
                case "BUTTONS" -> {
                    for (JsonNode b : c.path("buttons")) {
                        buttons.add(button(buttons.size(), b));
                    }
                }
                default -> { } // FOOTER and the like take no parameters
            }
        }
        return new TemplateComponents(format, header, body, buttons);
    }

    private static Button button(int index, JsonNode b) {
        String type = b.path("type").asText("").toUpperCase(Locale.ROOT);
        String text = b.path("text").asText(null);
        return switch (type) {
            case "URL" -> new Button(index, type, text, "url",
                    placeholders(b.path("url").asText("")).isEmpty() ? Need.NONE : Need.REQUIRED);
            case "QUICK_REPLY" -> new Button(index, type, text, "quick_reply", Need.OPTIONAL);
            case "COPY_CODE" -> new Button(index, type, text, "copy_code", Need.REQUIRED);
            // authentication templates: the code goes to the button as a url parameter
            case "OTP" -> new Button(index, type, text, "url", Need.REQUIRED);
            case "FLOW" -> new Button(index, type, text, "flow", Need.OPTIONAL);
            case "CATALOG", "MPM", "SPM", "ORDER_DETAILS" ->
                    new Button(index, type, text, type.toLowerCase(Locale.ROOT), Need.UNSUPPORTED);
            default -> new Button(index, type, text, type.toLowerCase(Locale.ROOT), Need.NONE);
        };
    }

    /** Body parameters: what Meta counts against the body's parameters (132000). */
    public int bodyCount() {
        return body.size();
    }

    public boolean named() {
        return NAMED.equals(parameterFormat);
    }

    static List<String> placeholders(String text) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return List.copyOf(names);
    }
}
