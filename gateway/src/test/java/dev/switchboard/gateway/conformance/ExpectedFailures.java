package dev.switchboard.gateway.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code conformance/expected-failures.json}: per library (its npm name) and scenario, why the
 * scenario is known to fail against today's Switchboard. Keys starting with {@code _} are
 * comments. Every reason must be a non-empty string: an entry without a why is refused.
 */
final class ExpectedFailures {
    private final Map<String, Map<String, String>> byLibrary;

    private ExpectedFailures(Map<String, Map<String, String>> byLibrary) {
        this.byLibrary = byLibrary;
    }

    static ExpectedFailures read(Path file) throws IOException {
        JsonNode root = ClientConformanceTest.JSON.readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IllegalStateException(file + " must hold a JSON object");
        }
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> lib : root.properties()) {
            if (lib.getKey().startsWith("_")) {
                continue;
            }
            Map<String, String> scenarios = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> s : lib.getValue().properties()) {
                if (s.getKey().startsWith("_")) {
                    continue;
                }
                if (!s.getValue().isTextual() || s.getValue().asText().isBlank()) {
                    throw new IllegalStateException(file + ": " + lib.getKey() + " / " + s.getKey() + " needs a reason (a non-empty string)");
                }
                scenarios.put(s.getKey(), s.getValue().asText());
            }
            out.put(lib.getKey(), scenarios);
        }
        return new ExpectedFailures(out);
    }

    /** Why {@code scenario} is expected to fail for {@code library}, or null when it is expected to pass. */
    String reason(String library, String scenario) {
        return library == null ? null : byLibrary.getOrDefault(library, Map.of()).get(scenario);
    }

    /**
     * Fails when an entry names a library the suite does not run, or a scenario that a library's
     * run did not plan (renamed or removed). Libraries whose run planned nothing (it crashed) are
     * not judged here: their own tests already fail.
     */
    void checkKnown(Collection<String> libraries, Map<String, List<String>> plannedByLibrary) {
        List<String> unknown = new ArrayList<>();
        byLibrary.forEach((lib, scenarios) -> {
            if (!libraries.contains(lib)) {
                unknown.add(lib + " (not a library of this suite: " + libraries + ")");
                return;
            }
            List<String> planned = plannedByLibrary.get(lib);
            if (planned != null && !planned.isEmpty()) {
                scenarios.keySet().stream().filter(s -> !planned.contains(s)).forEach(s -> unknown.add(lib + " / " + s));
            }
        });
        if (!unknown.isEmpty()) {
            fail("expected-failures.json names what the suite does not run: " + unknown);
        }
    }
}
