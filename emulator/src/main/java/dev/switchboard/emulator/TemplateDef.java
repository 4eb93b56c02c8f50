package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message template as the emulator's template store holds it, per WABA.
 *
 * <p>Only what send validation needs is modelled: the body (and optional header) text whose
 * {@code {{1}}} or {@code {{name}}} placeholders define how many parameters a send must carry,
 * plus name, language, category and status, which decide 132001/132015/132016 and pricing.
 * A template created through {@code POST /{waba-id}/message_templates} also keeps the
 * components exactly as submitted ({@link #components()}), which the listing then shows.
 */
public final class TemplateDef {
    public enum Category { MARKETING, UTILITY, AUTHENTICATION }

    public enum Status { APPROVED, PENDING, REJECTED, PAUSED, DISABLED, IN_APPEAL, LIMIT_EXCEEDED }

    public enum ParameterFormat { POSITIONAL, NAMED }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

    private final String wabaId;
    private final String name;
    private final String language;
    private final Category category;
    private final Status status;
    private final ParameterFormat parameterFormat;
    private final String headerText;
    private final String bodyText;
    private final String footerText;
    private final String id;
    private final ArrayNode components;

    private TemplateDef(Builder b) {
        this.wabaId = b.wabaId;
        this.name = b.name;
        this.language = b.language;
        this.category = b.category;
        this.status = b.status;
        this.parameterFormat = b.parameterFormat;
        this.headerText = b.headerText;
        this.bodyText = b.bodyText;
        this.footerText = b.footerText;
        this.components = b.components == null ? null : b.components.deepCopy();
        this.id = b.id != null ? b.id : Long.toString(1_000_000_000_000L + Math.abs((long) (wabaId + "/" + name + "/" + language).hashCode()));
    }

    /** {@code wabaId} may be {@code "*"}: the template is then installed in every WABA. */
    public static Builder builder(String wabaId, String name) {
        return new Builder(wabaId, name);
    }

    public String wabaId() { return wabaId; }
    public String name() { return name; }
    public String language() { return language; }
    public Category category() { return category; }
    public Status status() { return status; }
    public ParameterFormat parameterFormat() { return parameterFormat; }
    public String headerText() { return headerText; }
    public String bodyText() { return bodyText; }
    public String footerText() { return footerText; }
    public String id() { return id; }
    /** Components as submitted to the create endpoint, or {@code null} for configured templates. */
    public ArrayNode components() { return components == null ? null : components.deepCopy(); }

    /** Placeholders of the body, in order of first appearance, without duplicates. */
    public List<String> bodyParameters() {
        return placeholders(bodyText);
    }

    /** Placeholders of the header text (empty without a text header). */
    public List<String> headerParameters() {
        return placeholders(headerText);
    }

    public TemplateDef withStatus(Status newStatus) {
        return toBuilder().status(newStatus).build();
    }

    public TemplateDef withCategory(Category newCategory) {
        return toBuilder().category(newCategory).build();
    }

    /**
     * The HEADER format of a template created through the API (TEXT, IMAGE, VIDEO, DOCUMENT,
     * LOCATION), or null: a media or location header needs a header parameter of that type.
     */
    public String headerFormat() {
        if (components == null) {
            return headerText == null ? null : "TEXT";
        }
        for (com.fasterxml.jackson.databind.JsonNode c : components) {
            if ("HEADER".equals(c.path("type").asText())) {
                return c.path("format").asText("TEXT").toUpperCase(java.util.Locale.ROOT);
            }
        }
        return null;
    }

    public TemplateDef inWaba(String newWabaId) {
        return toBuilder().wabaId(newWabaId).id(null).build();
    }

    public Builder toBuilder() {
        return new Builder(wabaId, name).language(language).category(category).status(status)
                .parameterFormat(parameterFormat).header(headerText).body(bodyText).footer(footerText).id(id).components(components);
    }

    private static List<String> placeholders(String text) {
        if (text == null) {
            return List.of();
        }
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            seen.add(m.group(1));
        }
        return Collections.unmodifiableList(new ArrayList<>(seen));
    }

    /** Templates every WABA has unless configured otherwise. */
    public static List<TemplateDef> defaults(String wabaId) {
        return List.of(
                builder(wabaId, "hello_world").category(Category.UTILITY)
                        .header("Hello World")
                        .body("Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta.")
                        .footer("WhatsApp Business Platform sample message").build(),
                builder(wabaId, "otp_code").category(Category.AUTHENTICATION)
                        .body("{{1}} is your verification code. For your security, do not share this code.").build(),
                builder(wabaId, "order_update").category(Category.UTILITY)
                        .body("Hi {{1}}, your order {{2}} has been updated.").build(),
                builder(wabaId, "flash_sale").category(Category.MARKETING)
                        .body("{{1}}: everything is {{2}} off today only!").build());
    }

    @Override
    public String toString() {
        return "TemplateDef[" + wabaId + "/" + name + "/" + language + " " + category + " " + status + "]";
    }

    public static final class Builder {
        private String wabaId;
        private final String name;
        private String language = "en_US";
        private Category category = Category.UTILITY;
        private Status status = Status.APPROVED;
        private ParameterFormat parameterFormat = ParameterFormat.POSITIONAL;
        private String headerText;
        private String bodyText = "";
        private String footerText;
        private String id;
        private ArrayNode components;

        private Builder(String wabaId, String name) {
            this.wabaId = requireNonNull(wabaId, "wabaId");
            this.name = requireNonNull(name, "name");
        }

        public Builder wabaId(String v) { this.wabaId = requireNonNull(v, "wabaId"); return this; }
        public Builder language(String v) { this.language = requireNonNull(v, "language"); return this; }
        public Builder category(Category v) { this.category = requireNonNull(v, "category"); return this; }
        public Builder status(Status v) { this.status = requireNonNull(v, "status"); return this; }
        public Builder parameterFormat(ParameterFormat v) { this.parameterFormat = requireNonNull(v, "parameterFormat"); return this; }
        public Builder header(String text) { this.headerText = text; return this; }
        public Builder body(String text) { this.bodyText = text == null ? "" : text; return this; }
        public Builder footer(String text) { this.footerText = text; return this; }
        public Builder id(String v) { this.id = v; return this; }
        public Builder components(ArrayNode v) { this.components = v; return this; }

        public TemplateDef build() {
            return new TemplateDef(this);
        }
    }
}
