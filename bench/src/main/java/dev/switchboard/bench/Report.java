package dev.switchboard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scenario's figures twice: a two-column table for the terminal (and {@code BENCHMARKS.md}),
 * and a JSON tree ({@code --out FILE}) for comparing runs by machine. Each figure is added once
 * with its text and its JSON value, so the two can never disagree.
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String title;
    private final Map<String, Object> root = new LinkedHashMap<>();
    private final List<String[]> rows = new ArrayList<>();

    Report(String title) {
        this.title = title;
        root.put("scenario", title);
    }

    /** A figure in both forms; {@code key} is a dotted JSON path ({@code "otp.loaded"}). */
    Report add(String label, String text, String key, Object value) {
        rows.add(new String[] {label, text});
        put(key, value);
        return this;
    }

    /** A table heading (no JSON). */
    Report heading(String text) {
        rows.add(new String[] {"## " + text, null});
        return this;
    }

    /** A raw table line (no JSON). */
    Report line(String text) {
        rows.add(new String[] {text, null});
        return this;
    }

    /** JSON only. */
    @SuppressWarnings("unchecked")
    Report put(String key, Object value) {
        String[] parts = key.split("\\.");
        Map<String, Object> m = root;
        for (int i = 0; i < parts.length - 1; i++) {
            m = (Map<String, Object>) m.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
        }
        m.put(parts[parts.length - 1], value);
        return this;
    }

    void print() {
        int width = 0;
        for (String[] r : rows) {
            if (r[1] != null) {
                width = Math.max(width, r[0].length());
            }
        }
        System.out.println();
        System.out.println("# " + title);
        for (String[] r : rows) {
            if (r[1] == null) {
                System.out.println(r[0]);
            } else {
                System.out.printf("  %-" + width + "s  %s%n", r[0], r[1]);
            }
        }
    }

    void write(Path file) throws IOException {
        JSON.writeValue(file.toFile(), root);
        System.out.println("report written to " + file);
    }

    static double round(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? -1 : Math.round(v * 10) / 10.0;
    }
}
