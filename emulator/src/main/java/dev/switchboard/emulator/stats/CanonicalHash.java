package dev.switchboard.emulator.stats;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * 64-bit FNV-1a hash of a JSON tree in canonical form (object keys sorted, no whitespace), so
 * that the same message sent twice counts as a duplicate however the client serialised it.
 */
public final class CanonicalHash {
    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private CanonicalHash() {
    }

    public static long of(String recipient, JsonNode body) {
        long h = str(OFFSET, recipient);
        return node(h, body);
    }

    private static long node(long h, JsonNode n) {
        if (n == null || n.isNull()) {
            return str(h, "null");
        }
        if (n.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            Collections.sort(names);
            h = str(h, "{");
            for (String name : names) {
                h = str(h, name);
                h = str(h, ":");
                h = node(h, n.get(name));
            }
            return str(h, "}");
        }
        if (n.isArray()) {
            h = str(h, "[");
            for (JsonNode e : n) {
                h = node(h, e);
                h = str(h, ",");
            }
            return str(h, "]");
        }
        return str(h, (n.isTextual() ? "s" : "v") + n.asText());
    }

    private static long str(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= PRIME;
        }
        h ^= 0xff;
        return h * PRIME;
    }
}
