package dev.switchboard.emulator.account;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.core.GraphError;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A number's {@code /{phone-number-id}/settings}. Meta uses this edge for the Calling API
 * ({@code calling}) and reports payload encryption and data storage beside it. The emulator
 * keeps what is small and checkable: {@code calling} is stored and echoed ({@code status},
 * {@code call_icon_visibility} and {@code callback_permission_status} validated against Meta's
 * values, the nested objects such as {@code call_hours} or {@code sip} kept verbatim); the
 * other two are reported at their defaults and cannot be changed here. Calling starts
 * disabled, as on a fresh number.
 */
public final class NumberSettings {
    private static final Map<String, Set<String>> ENUMS = Map.of(
            "status", Set.of("ENABLED", "DISABLED"),
            "call_icon_visibility", Set.of("DEFAULT", "DISABLE_ALL"),
            "callback_permission_status", Set.of("ENABLED", "DISABLED"));
    private static final Set<String> OBJECTS = Set.of("call_hours", "sip", "call_icons", "audio", "video");

    private ObjectNode calling = defaults();

    private static ObjectNode defaults() {
        return JsonNodeFactory.instance.objectNode().put("status", "DISABLED").put("call_icon_visibility", "DEFAULT")
                .put("callback_permission_status", "DISABLED");
    }

    public synchronized ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("calling", calling.deepCopy());
        o.putObject("payload_encryption").put("status", "DISABLED");
        o.putObject("storage_configuration").put("status", "DEFAULT");
        return o;
    }

    /** {@code POST}: validates the whole body, then merges {@code calling} into the stored settings. */
    public synchronized void update(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw GraphError.invalidParameter("The request body must be a JSON object.");
        }
        ObjectNode merged = calling.deepCopy();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (!e.getKey().equals("calling")) {
                throw GraphError.invalidParameter("Param " + e.getKey() + " is not a setting the emulator supports (calling only).");
            }
            if (!e.getValue().isObject()) {
                throw GraphError.invalidParameter("Param calling must be an object.");
            }
            for (Map.Entry<String, JsonNode> c : e.getValue().properties()) {
                String key = c.getKey();
                if (ENUMS.containsKey(key)) {
                    String v = c.getValue().asText("").toUpperCase(Locale.ROOT);
                    if (!ENUMS.get(key).contains(v)) {
                        throw GraphError.invalidParameter("Param calling[" + key + "] must be one of " + ENUMS.get(key)
                                + " - got \"" + c.getValue().asText() + "\".");
                    }
                    merged.put(key, v);
                } else if (OBJECTS.contains(key)) {
                    if (!c.getValue().isObject()) {
                        throw GraphError.invalidParameter("Param calling[" + key + "] must be an object.");
                    }
                    merged.set(key, c.getValue().deepCopy());
                } else {
                    throw GraphError.invalidParameter("Param calling[" + key + "] is not a valid parameter.");
                }
            }
        }
        calling = merged;
    }

    public synchronized void reset() {
        calling = defaults();
    }
}
