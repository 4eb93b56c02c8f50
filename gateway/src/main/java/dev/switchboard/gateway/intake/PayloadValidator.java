package dev.switchboard.gateway.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.switchboard.gateway.tenancy.Channel;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a Cloud API message body the way Meta would, before it is accepted: what Meta would
 * refuse synchronously is refused here with Meta's own code, so nothing doomed is queued.
 */
public final class PayloadValidator {
    private static final Set<String> TYPES = Set.of("text", "template", "image", "audio", "document", "video", "sticker",
            "interactive", "reaction", "location", "contacts");
    private static final Set<String> MEDIA = Set.of("image", "audio", "document", "video", "sticker");
    private static final Pattern BSUID = Pattern.compile("^[A-Z]{2}\\.[0-9]{5,40}$");
    private static final int MAX_TEXT = 4096;
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    /** The facts the send path needs from a valid body. */
    public record Validated(String recipient, String type, String templateName, String templateLanguage, String category) {}

    /**
     * What is refused before Meta would waste it.
     *
     * @param unknownWindowGrace how long after a number is added a user with no known inbound
     *        message may still get free-form messages: the number's history is incomplete then
     *        (ZERO: only a known open window allows free-form)
     * @param refuseMarketingToUs marketing templates to +1 (US) numbers, which Meta has not
     *        delivered since 2025-04-01; a setting in case Meta changes the rule
     */
    public record Policy(java.time.Duration unknownWindowGrace, boolean refuseMarketingToUs) {
        public static Policy defaults() {
            return new Policy(java.time.Duration.ofHours(24), true);
        }
    }

    private final TemplateCatalog templates;
    private final ServiceWindows windows;
    private final Policy policy;

    public PayloadValidator(TemplateCatalog templates, ServiceWindows windows, Policy policy) {
        this.templates = templates;
        this.windows = windows;
        this.policy = policy;
    }

    public Validated validate(ObjectNode body, Channel channel, long now) {
        JsonNode product = body.get("messaging_product");
        if (product == null || product.isNull()) {
            throw new Rejection(400, "missing_parameter", 100, "The parameter messaging_product is required.");
        }
        if (!"whatsapp".equals(product.asText())) {
            throw new Rejection(400, "invalid_parameter", 100, "Invalid parameter: messaging_product must be \"whatsapp\"");
        }
        String recipient = recipient(body);
        String type = body.path("type").asText("text");
        if (!TYPES.contains(type)) {
            throw Rejection.unsupportedType(type);
        }
        String templateName = null;
        String language = null;
        String category = null;
        switch (type) {
            case "text" -> {
                String text = requireText(body, "text", "body");
                if (text.length() > MAX_TEXT) {
                    throw Rejection.invalid("text.body", "is longer than " + MAX_TEXT + " characters");
                }
            }
            case "template" -> {
                templateName = requireText(body, "template", "name");
                language = body.path("template").path("language").path("code").asText(null);
                if (language == null || language.isBlank()) {
                    throw Rejection.missing("template.language.code");
                }
                category = checkTemplate(body.path("template"), channel, templateName, language);
            }
            default -> {
                if (MEDIA.contains(type)) {
                    JsonNode media = body.path(type);
                    if (!media.hasNonNull("id") && !media.hasNonNull("link")) {
                        throw Rejection.missing(type + ".id or " + type + ".link");
                    }
                } else if (!body.has(type)) {
                    throw Rejection.missing(type);
                }
            }
        }
        if (!"template".equals(type)) {
            java.util.Optional<Long> lastInbound = windows.lastInbound(channel.phoneNumberId(), recipient);
            if (lastInbound.isPresent() && now - lastInbound.get() >= ServiceWindows.WINDOW_MILLIS) {
                throw Rejection.outsideWindow(recipient);
            }
            // Not knowing the window is open is not enough (Meta refuses such sends with 131047),
            // except while the number's history of inbound messages is still incomplete.
            if (lastInbound.isEmpty() && now - channel.createdAt() >= policy.unknownWindowGrace().toMillis()) {
                throw Rejection.noKnownWindow(recipient);
            }
        }
        if ("MARKETING".equals(category) && policy.refuseMarketingToUs() && isUsNumber(recipient)) {
            throw Rejection.marketingToUs(recipient);
        }
        return new Validated(recipient, type, templateName, language, category);
    }

    private static boolean isUsNumber(String recipient) {
        if (recipient.isEmpty() || recipient.charAt(0) != '1') {
            return false; // business-scoped user ids and other countries
        }
        try {
            return "US".equals(PHONES.getRegionCodeForNumber(PHONES.parse("+" + recipient, null)));
        } catch (NumberParseException e) {
            return false;
        }
    }

    private String checkTemplate(JsonNode template, Channel channel, String name, String language) {
        if (!templates.knows(channel.wabaId())) {
            return null; // never synced: let Meta judge
        }
        TemplateCatalog.TemplateInfo info = templates.find(channel.wabaId(), name, language)
                .orElseThrow(() -> Rejection.unknownTemplate(name, language));
        if ("PAUSED".equals(info.status()) || "DISABLED".equals(info.status())) {
            throw Rejection.templateNotSendable(name, info.status());
        }
        int given = 0;
        for (JsonNode comp : template.path("components")) {
            if ("body".equalsIgnoreCase(comp.path("type").asText())) {
                given += comp.path("parameters").size();
            }
        }
        if (given != info.parameterCount()) {
            throw Rejection.templateParameters(name, info.parameterCount(), given);
        }
        return info.category();
    }

    /** Normalised recipient: E.164 digits without '+', or a business-scoped user id. */
    static String recipient(JsonNode body) {
        JsonNode to = body.get("to");
        JsonNode bsuid = body.get("recipient");
        if ((to == null || to.isNull() || to.asText().isBlank()) && (bsuid == null || bsuid.isNull() || bsuid.asText().isBlank())) {
            throw Rejection.missingRecipient();
        }
        if (to == null || to.isNull() || to.asText().isBlank()) {
            String id = bsuid.asText().trim();
            if (!BSUID.matcher(id).matches()) {
                throw Rejection.invalid("recipient", "is not a business-scoped user id (like US.13491208655302741918)");
            }
            return id;
        }
        String raw = to.asText().trim();
        String digits = raw.replaceAll("[\\s().-]", "");
        if (digits.startsWith("+")) {
            digits = digits.substring(1);
        }
        if (!digits.matches("[0-9]{7,15}")) {
            throw Rejection.invalidRecipient(raw);
        }
        try {
            if (!PHONES.isPossibleNumber(PHONES.parse("+" + digits, null))) {
                throw Rejection.invalidRecipient(raw);
            }
        } catch (NumberParseException e) {
            throw Rejection.invalidRecipient(raw);
        }
        return digits;
    }

    private static String requireText(JsonNode body, String object, String field) {
        JsonNode v = body.path(object).get(field);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            throw Rejection.missing(object + "." + field);
        }
        return v.asText();
    }
}
