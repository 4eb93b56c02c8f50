package dev.switchboard.gateway.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Loads {@link SwitchboardConfig}: a JSON file (or a bundled resource) first, then environment
 * overrides named {@code SWITCHBOARD_<SECTION>_<FIELD>}, e.g. {@code SWITCHBOARD_HTTP_PORT=9000}
 * or {@code SWITCHBOARD_DATABASE_URL=jdbc:postgresql://...}; the field part is the record
 * component in upper snake case ({@code SWITCHBOARD_SENDING_CEILING_UTILISATION}).
 *
 * <p>Overrides are applied to the JSON tree rather than to the records so that one generic rule
 * covers every field, and an unknown variable fails start-up instead of being silently ignored.
 */
public final class ConfigLoader {
    private static final String PREFIX = "SWITCHBOARD_";
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConfigLoader() {}

    public static SwitchboardConfig load(Path file, Map<String, String> env) {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, env);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read configuration " + file, e);
        }
    }

    public static SwitchboardConfig load(InputStream json, Map<String, String> env) {
        try {
            SwitchboardConfig fromFile = json == null
                    ? SwitchboardConfig.defaults()
                    : JSON.readValue(json, SwitchboardConfig.class);
            ObjectNode tree = JSON.valueToTree(fromFile);
            applyEnv(tree, env);
            return JSON.treeToValue(tree, SwitchboardConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
        }
    }

    static void applyEnv(ObjectNode tree, Map<String, String> env) {
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(PREFIX) || name.equals("SWITCHBOARD_CONFIG")) {
                continue;
            }
            String[] parts = name.substring(PREFIX.length()).toLowerCase(Locale.ROOT).split("_");
            if (parts.length < 2) {
                continue;
            }
            JsonNode section = tree.get(parts[0]);
            String field = camel(parts, 1);
            if (!(section instanceof ObjectNode obj) || !obj.has(field)) {
                throw new IllegalArgumentException("unknown configuration variable " + name
                        + " (no field " + parts[0] + "." + field + ")");
            }
            obj.set(field, TextNode.valueOf(e.getValue()));
        }
    }

    private static String camel(String[] parts, int from) {
        StringBuilder sb = new StringBuilder(parts[from]);
        for (int i = from + 1; i < parts.length; i++) {
            sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
        }
        return sb.toString();
    }

    public static ObjectMapper mapper() {
        return JSON;
    }
}
