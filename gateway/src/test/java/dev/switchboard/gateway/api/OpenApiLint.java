package dev.switchboard.gateway.api;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.testing.RouteRecorder.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Structural checks of an OpenAPI 3.1 document that hold whatever a parser library accepts:
 * the version, every {@code $ref} resolving inside the document, every path parameter declared
 * once (and required) where its template names it and nowhere else, operation ids unique, no two
 * templates that OpenAPI considers the same path, and security requirements naming defined
 * schemes. Each problem is one line naming where it is.
 */
final class OpenApiLint {
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Pattern TEMPLATE = Pattern.compile("\\{([^}/]+)}");

    private final JsonNode doc;
    private final List<String> problems = new ArrayList<>();

    private OpenApiLint(JsonNode doc) {
        this.doc = doc;
    }

    static List<String> problems(JsonNode doc) {
        OpenApiLint lint = new OpenApiLint(doc);
        lint.run();
        return lint.problems;
    }

    /** The (method, path) pairs the document describes. */
    static SortedSet<Route> operations(JsonNode doc) {
        SortedSet<Route> out = new TreeSet<>();
        doc.path("paths").properties().forEach(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (METHODS.contains(m)) {
                out.add(new Route(m.toUpperCase(Locale.ROOT), p.getKey()));
            }
        }));
        return out;
    }

    private void run() {
        if (!doc.path("openapi").asText("").matches("3\\.1\\.\\d+")) {
            problems.add("openapi is '" + doc.path("openapi").asText() + "', not 3.1.x");
        }
        if (!doc.path("info").path("title").isTextual() || !doc.path("info").path("version").isTextual()) {
            problems.add("info.title and info.version are required");
        }
        refs(doc, "#");
        paths();
        security(doc.path("security"), "#/security");
    }

    private void refs(JsonNode n, String where) {
        if (n.isObject()) {
            JsonNode ref = n.get("$ref");
            if (ref != null) {
                String r = ref.asText();
                if (!r.startsWith("#/") || resolve(r).isMissingNode()) {
                    problems.add(where + ": $ref '" + r + "' does not resolve inside the document");
                }
            }
            n.properties().forEach(e -> refs(e.getValue(), where + "/" + e.getKey()));
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                refs(n.get(i), where + "/" + i);
            }
        }
    }

    private JsonNode resolve(String ref) {
        return doc.at(JsonPointer.compile(ref.substring(1)));
    }

    /** A parameter or anything else, with one level of $ref followed. */
    private JsonNode deref(JsonNode n) {
        return n.has("$ref") ? resolve(n.get("$ref").asText()) : n;
    }

    private void paths() {
        Map<String, String> shapes = new HashMap<>();
        Set<String> operationIds = new HashSet<>();
        doc.path("paths").properties().forEach(p -> {
            String path = p.getKey();
            if (!path.startsWith("/")) {
                problems.add("path '" + path + "' does not start with /");
            }
            String shape = TEMPLATE.matcher(path).replaceAll("{}");
            String other = shapes.putIfAbsent(shape, path);
            if (other != null) {
                problems.add("paths '" + other + "' and '" + path + "' are the same template with other parameter names");
            }
            Set<String> named = new LinkedHashSet<>();
            Matcher m = TEMPLATE.matcher(path);
            while (m.find()) {
                if (!named.add(m.group(1))) {
                    problems.add(path + ": parameter {" + m.group(1) + "} appears twice");
                }
            }
            JsonNode item = p.getValue();
            List<JsonNode> shared = parameters(item.path("parameters"), path);
            for (Iterator<String> it = item.fieldNames(); it.hasNext(); ) {
                String method = it.next();
                if (!METHODS.contains(method)) {
                    if (!Set.of("parameters", "summary", "description", "servers").contains(method)) {
                        problems.add(path + ": '" + method + "' is not an operation or a path item field");
                    }
                    continue;
                }
                JsonNode op = item.get(method);
                String where = method.toUpperCase(Locale.ROOT) + " " + path;
                operation(op, where, named, shared, operationIds);
            }
        });
    }

    private void operation(JsonNode op, String where, Set<String> named, List<JsonNode> shared, Set<String> operationIds) {
        String id = op.path("operationId").asText(null);
        if (id != null && !operationIds.add(id)) {
            problems.add(where + ": operationId '" + id + "' is used twice");
        }
        if (!op.path("responses").isObject() || op.path("responses").isEmpty()) {
            problems.add(where + ": has no responses");
        }
        Map<String, JsonNode> pathParams = new HashMap<>();
        for (JsonNode prm : shared) {
            if ("path".equals(prm.path("in").asText())) {
                pathParams.put(prm.path("name").asText(), prm);
            }
        }
        Set<String> declaredHere = new HashSet<>();
        for (JsonNode prm : parameters(op.path("parameters"), where)) {
            String key = prm.path("in").asText() + ":" + prm.path("name").asText();
            if (!declaredHere.add(key)) {
                problems.add(where + ": parameter " + key + " is declared twice");
            }
            if ("path".equals(prm.path("in").asText())) {
                pathParams.put(prm.path("name").asText(), prm);
            }
        }
        for (String name : named) {
            JsonNode prm = pathParams.get(name);
            if (prm == null) {
                problems.add(where + ": path parameter {" + name + "} is not declared");
            } else if (!prm.path("required").asBoolean(false)) {
                problems.add(where + ": path parameter {" + name + "} must be required: true");
            }
        }
        for (String name : pathParams.keySet()) {
            if (!named.contains(name)) {
                problems.add(where + ": declares path parameter '" + name + "' that the path does not have");
            }
        }
        if (op.has("security")) {
            security(op.get("security"), where);
        }
    }

    private List<JsonNode> parameters(JsonNode list, String where) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : list) {
            JsonNode prm = deref(n);
            if (!prm.path("name").isTextual() || !Set.of("path", "query", "header", "cookie").contains(prm.path("in").asText())) {
                problems.add(where + ": a parameter without a name or a valid 'in'");
                continue;
            }
            out.add(prm);
        }
        return out;
    }

    private void security(JsonNode requirements, String where) {
        JsonNode schemes = doc.path("components").path("securitySchemes");
        for (JsonNode requirement : requirements) {
            requirement.fieldNames().forEachRemaining(name -> {
                if (!schemes.has(name)) {
                    problems.add(where + ": security scheme '" + name + "' is not defined");
                }
            });
        }
    }
}
