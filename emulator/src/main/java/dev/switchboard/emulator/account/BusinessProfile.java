package dev.switchboard.emulator.account;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.core.GraphError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A number's WhatsApp Business profile ({@code /{phone-number-id}/whatsapp_business_profile}).
 *
 * <p>Updates are validated whole before any field changes, with Meta's limits: {@code about}
 * 1–139 characters, {@code address} at most 256, {@code description} at most 512, {@code email}
 * at most 128 and shaped like an address, at most 2 {@code websites} of at most 256 characters
 * each with their {@code http://} or {@code https://}, {@code vertical} one of Meta's values.
 * Fields left out of an update keep their value, as on Graph. A fresh profile has WhatsApp's
 * default {@code about} and {@code vertical} {@code UNDEFINED}; unset fields are left out of
 * answers, as Meta leaves them out.
 */
public final class BusinessProfile {
    public static final List<String> FIELDS = List.of("about", "address", "description", "email",
            "profile_picture_url", "websites", "vertical");
    static final Set<String> VERTICALS = Set.of("UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN",
            "EVENT_PLAN", "FINANCE", "GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL",
            "TRAVEL", "RESTAURANT", "ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS", "NOT_A_BIZ");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final String DEFAULT_ABOUT = "Hey there! I am using WhatsApp.";

    private String about = DEFAULT_ABOUT;
    private String address;
    private String description;
    private String email;
    private String pictureUrl;
    private List<String> websites = List.of();
    private String vertical = "UNDEFINED";

    /** The profile with the given fields (all when empty), plus {@code messaging_product}. */
    public synchronized ObjectNode toJson(List<String> fields) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (String f : fields.isEmpty() ? FIELDS : fields) {
            switch (f) {
                case "about" -> putIfSet(o, f, about);
                case "address" -> putIfSet(o, f, address);
                case "description" -> putIfSet(o, f, description);
                case "email" -> putIfSet(o, f, email);
                case "profile_picture_url" -> putIfSet(o, f, pictureUrl);
                case "websites" -> {
                    if (!websites.isEmpty()) {
                        ArrayNode a = o.putArray(f);
                        websites.forEach(a::add);
                    }
                }
                case "vertical" -> putIfSet(o, f, vertical);
                default -> throw GraphError.nonexistingField(f, "WhatsAppBusinessProfile");
            }
        }
        o.put("messaging_product", "whatsapp");
        return o;
    }

    /**
     * Applies a {@code POST} body; {@code pictureUrlOf} turns a {@code profile_picture_handle} into
     * the URL later reported as {@code profile_picture_url}.
     */
    public synchronized void update(JsonNode body, UnaryOperator<String> pictureUrlOf) {
        if (body == null || !body.isObject()) {
            throw GraphError.invalidParameter("The request body must be a JSON object.");
        }
        JsonNode product = body.get("messaging_product");
        if (product == null || !"whatsapp".equals(product.asText())) {
            throw GraphError.invalidParameter("The parameter messaging_product is required and must be whatsapp.");
        }
        String newAbout = text(body, "about", 139);
        if (newAbout != null && newAbout.isEmpty()) {
            throw GraphError.invalidParameter("Param about must be between 1 and 139 characters long.");
        }
        String newAddress = text(body, "address", 256);
        String newDescription = text(body, "description", 512);
        String newEmail = text(body, "email", 128);
        if (newEmail != null && !newEmail.isEmpty() && !EMAIL.matcher(newEmail).matches()) {
            throw GraphError.invalidParameter("Param email must be a valid email address.");
        }
        String newVertical = text(body, "vertical", 64);
        if (newVertical != null && !VERTICALS.contains(newVertical)) {
            throw GraphError.invalidParameter("Param vertical must be one of " + VERTICALS + " - got \"" + newVertical + "\".");
        }
        List<String> newWebsites = websites(body);
        String handle = text(body, "profile_picture_handle", 4096);
        if (handle != null && handle.isBlank()) {
            throw GraphError.invalidParameter("Param profile_picture_handle must not be empty.");
        }
        about = newAbout != null ? newAbout : about;
        address = newAddress != null ? emptyToNull(newAddress) : address;
        description = newDescription != null ? emptyToNull(newDescription) : description;
        email = newEmail != null ? emptyToNull(newEmail) : email;
        vertical = newVertical != null ? newVertical : vertical;
        websites = newWebsites != null ? newWebsites : websites;
        pictureUrl = handle != null ? pictureUrlOf.apply(handle) : pictureUrl;
    }

    public synchronized void reset() {
        about = DEFAULT_ABOUT;
        address = null;
        description = null;
        email = null;
        pictureUrl = null;
        websites = List.of();
        vertical = "UNDEFINED";
    }

    private static String text(JsonNode body, String field, int max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw GraphError.invalidParameter("Param " + field + " must be a string.");
        }
        String s = n.asText();
        if (s.codePointCount(0, s.length()) > max) {
            throw GraphError.invalidParameter("Param " + field + " must be at most " + max + " characters long.");
        }
        return s;
    }

    private static List<String> websites(JsonNode body) {
        JsonNode n = body.get("websites");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw GraphError.invalidParameter("Param websites must be an array of URLs.");
        }
        if (n.size() > 2) {
            throw GraphError.invalidParameter("Param websites can have at most 2 entries.");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode w : n) {
            String url = w.asText("");
            if (!w.isTextual() || url.length() > 256 || !(url.startsWith("http://") || url.startsWith("https://"))) {
                throw GraphError.invalidParameter("Param websites[" + out.size()
                        + "] must be an http:// or https:// URL of at most 256 characters.");
            }
            out.add(url);
        }
        return List.copyOf(out);
    }

    private static void putIfSet(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
