package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * An account-level webhook to emit: {@code phone_number_quality_update}, {@code account_update},
 * {@code business_capability_update} or {@code message_template_status_update} (any other field
 * name is passed through). The entry id is the WABA; when only a phone number is named, the
 * emulator resolves its WABA and fills {@code display_phone_number}. A template status update
 * also changes the template store, so later sends see the new status; a template category update
 * changes the template's category there (so a later listing shows it, and pricing follows it).
 */
public final class AccountEvent {
    public static final String QUALITY = "phone_number_quality_update";
    public static final String ACCOUNT = "account_update";
    public static final String CAPABILITY = "business_capability_update";
    public static final String TEMPLATE_STATUS = "message_template_status_update";
    public static final String TEMPLATE_CATEGORY = "template_category_update";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final String field;
    private final String wabaId;
    private final String phoneNumberId;
    private final ObjectNode value;

    private AccountEvent(String field, String wabaId, String phoneNumberId, ObjectNode value) {
        this.field = requireNonNull(field, "field");
        if (wabaId == null && phoneNumberId == null) {
            throw new IllegalArgumentException("an account event needs a waba_id or a phone_number_id");
        }
        this.wabaId = wabaId;
        this.phoneNumberId = phoneNumberId;
        this.value = requireNonNull(value, "value");
    }

    /** {@code event}: FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, THROUGHPUT_UPGRADE…; {@code currentLimit}: e.g. TIER_10K. */
    public static AccountEvent qualityUpdate(String phoneNumberId, String event, String currentLimit) {
        ObjectNode v = F.objectNode().put("event", event);
        if (currentLimit != null) {
            v.put("current_limit", currentLimit);
        }
        return new AccountEvent(QUALITY, null, phoneNumberId, v);
    }

    /** {@code event}: e.g. VERIFIED_ACCOUNT, DISABLED_UPDATE, ACCOUNT_VIOLATION, ACCOUNT_RESTRICTION. */
    public static AccountEvent accountUpdate(String wabaId, String event) {
        return new AccountEvent(ACCOUNT, wabaId, null, F.objectNode().put("event", event));
    }

    public static AccountEvent capabilityUpdate(String wabaId, long maxDailyConversationsPerBusiness, long maxPhoneNumbersPerBusiness) {
        ObjectNode v = F.objectNode()
                .put("max_daily_conversations_per_business", maxDailyConversationsPerBusiness)
                .put("max_phone_numbers_per_business", maxPhoneNumbersPerBusiness);
        return new AccountEvent(CAPABILITY, wabaId, null, v);
    }

    /** {@code event}: APPROVED, REJECTED, PAUSED, DISABLED…; {@code language} null means every language. */
    public static AccountEvent templateStatus(String wabaId, String templateName, String language, String event, String reason) {
        ObjectNode v = F.objectNode().put("event", event).put("message_template_name", templateName);
        if (language != null) {
            v.put("message_template_language", language);
        }
        v.put("reason", reason == null ? "NONE" : reason);
        return new AccountEvent(TEMPLATE_STATUS, wabaId, null, v);
    }

    /**
     * A completed recategorisation ({@code previous_category} → {@code new_category}), as Meta
     * sends when it moves a UTILITY template to MARKETING; {@code language} null means every language.
     */
    public static AccountEvent templateCategory(String wabaId, String templateName, String language, String previousCategory,
                                                String newCategory) {
        ObjectNode v = F.objectNode().put("message_template_name", templateName);
        if (language != null) {
            v.put("message_template_language", language);
        }
        v.put("previous_category", requireNonNull(previousCategory, "previousCategory")).put("new_category", requireNonNull(newCategory, "newCategory"));
        return new AccountEvent(TEMPLATE_CATEGORY, wabaId, null, v);
    }

    /** Any field with a value given verbatim. */
    public static AccountEvent custom(String field, String wabaId, ObjectNode value) {
        return new AccountEvent(field, wabaId, null, value);
    }

    /**
     * Reads the control-API shape: {@code {"field": "...", "waba_id"?: "...", "phone_number_id"?: "...",
     * ...value keys}}; a nested {@code "value"} object is also accepted.
     */
    public static AccountEvent fromJson(JsonNode n) {
        String field = n.path("field").asText(null);
        if (field == null) {
            throw new IllegalArgumentException("field is required");
        }
        ObjectNode value;
        if (n.path("value").isObject()) {
            value = ((ObjectNode) n.get("value")).deepCopy();
        } else {
            value = F.objectNode();
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                if (!e.getKey().equals("field") && !e.getKey().equals("waba_id") && !e.getKey().equals("phone_number_id")) {
                    value.set(e.getKey(), e.getValue().deepCopy());
                }
            }
        }
        return new AccountEvent(field, n.path("waba_id").asText(null), n.path("phone_number_id").asText(null), value);
    }

    public String field() { return field; }
    public String wabaId() { return wabaId; }
    public String phoneNumberId() { return phoneNumberId; }
    public ObjectNode value() { return value.deepCopy(); }
}
