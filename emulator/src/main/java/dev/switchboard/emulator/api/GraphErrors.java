package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.emulator.core.GraphError;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.Random;

/** Renders {@link GraphError}s in Meta's envelope with a fresh {@code fbtrace_id}. */
public final class GraphErrors {
    private static final char[] TRACE_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".toCharArray();
    private static final Random TRACE_RANDOM = new SecureRandom();

    private GraphErrors() {
    }

    public static ObjectNode body(GraphError e) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("code", e.code());
        if (e.details() != null) {
            ObjectNode data = error.putObject("error_data");
            data.put("messaging_product", "whatsapp");
            data.put("details", e.details());
        }
        if (e.subcode() != null) {
            error.put("error_subcode", e.subcode());
        }
        if (e.userTitle() != null) {
            error.put("is_transient", false);
            error.put("error_user_title", e.userTitle());
            error.put("error_user_msg", e.userMessage());
        }
        error.put("fbtrace_id", fbtraceId());
        return root;
    }

    /** Meta's trace ids look like {@code AbCdEf12345-_xyzABCDEFG}: 23 URL-safe characters. */
    static String fbtraceId() {
        char[] out = new char[23];
        for (int i = 0; i < out.length; i++) {
            out[i] = TRACE_ALPHABET[TRACE_RANDOM.nextInt(TRACE_ALPHABET.length)];
        }
        return new String(out);
    }
}
