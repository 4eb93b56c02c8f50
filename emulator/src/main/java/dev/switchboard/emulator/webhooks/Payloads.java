package dev.switchboard.emulator.webhooks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Builders for Meta's webhook JSON: the envelope and the pieces of a {@code messages} value. */
public final class Payloads {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    public static final String ERROR_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

    private Payloads() {
    }

    /** {@code {"object":"whatsapp_business_account","entry":[{"id":waba,"changes":[{"value":…,"field":…}]}]}} */
    public static ObjectNode envelope(String wabaId, String field, ObjectNode value) {
        ObjectNode root = F.objectNode();
        root.put("object", "whatsapp_business_account");
        ObjectNode entry = root.putArray("entry").addObject();
        entry.put("id", wabaId);
        ObjectNode change = entry.putArray("changes").addObject();
        change.set("value", value);
        change.put("field", field);
        return root;
    }

    /** A {@code messages} value with metadata, ready for {@code statuses} or {@code messages}. */
    public static ObjectNode messagesValue(String displayPhoneNumber, String phoneNumberId) {
        ObjectNode value = F.objectNode();
        value.put("messaging_product", "whatsapp");
        ObjectNode metadata = value.putObject("metadata");
        metadata.put("display_phone_number", displayPhoneNumber);
        metadata.put("phone_number_id", phoneNumberId);
        return value;
    }

    public static ObjectNode statusesValue(String displayPhoneNumber, String phoneNumberId, List<ObjectNode> statuses) {
        ObjectNode value = messagesValue(displayPhoneNumber, phoneNumberId);
        ArrayNode arr = value.putArray("statuses");
        statuses.forEach(arr::add);
        return value;
    }

    /** One status object; {@code pricingCategory} null omits pricing (e.g. on failed). */
    public static ObjectNode status(String wamid, String status, long epochSeconds, String recipientId,
                                    String bizOpaqueCallbackData, String pricingCategory, boolean billable) {
        ObjectNode s = F.objectNode();
        s.put("id", wamid);
        s.put("status", status);
        s.put("timestamp", Long.toString(epochSeconds));
        s.put("recipient_id", recipientId);
        if (bizOpaqueCallbackData != null) {
            s.put("biz_opaque_callback_data", bizOpaqueCallbackData);
        }
        if (pricingCategory != null) {
            ObjectNode pricing = s.putObject("pricing");
            pricing.put("billable", billable);
            pricing.put("pricing_model", "PMP");
            pricing.put("type", billable ? "regular" : "free_customer_service");
            pricing.put("category", pricingCategory);
        }
        return s;
    }

    /** Meta's error object on a {@code failed} status. */
    public static ObjectNode statusError(int code, String title, String details) {
        ObjectNode e = F.objectNode();
        e.put("code", code);
        e.put("title", title);
        e.put("message", title);
        e.putObject("error_data").put("details", details);
        e.put("href", ERROR_HREF);
        return e;
    }
}
