package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.core.GraphError;
import dev.switchboard.emulator.core.Json;
import io.helidon.webserver.http.ServerRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Graph's cursor paging over a stable list: {@code limit} and {@code after} in, {@code data} and
 * {@code paging{cursors{before,after},next?}} out. Cursors are opaque base64 as Meta's are; the
 * {@code next} URL keeps the request's other query parameters (fields, filters).
 */
final class Paging {
    private Paging() {
    }

    static <T> ObjectNode page(List<T> all, ServerRequest req, String baseUrl, int defaultLimit, Function<T, JsonNode> render) {
        int limit = Math.max(1, Math.min(1000, Http.intParam(req, "limit", defaultLimit)));
        int start = req.query().first("after").map(c -> decode(c) + 1).orElse(0);
        int end = Math.min(all.size(), start + limit);
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        for (int i = start; i < end; i++) {
            data.add(render.apply(all.get(i)));
        }
        ObjectNode paging = root.putObject("paging");
        if (end > start) {
            ObjectNode cursors = paging.putObject("cursors");
            cursors.put("before", encode(start));
            cursors.put("after", encode(end - 1));
            if (end < all.size()) {
                paging.put("next", baseUrl + req.path().path() + "?" + otherParams(req) + "limit=" + limit + "&after=" + encode(end - 1));
            }
        }
        return root;
    }

    private static String otherParams(ServerRequest req) {
        StringBuilder sb = new StringBuilder();
        for (String name : req.query().names()) {
            if (name.equals("limit") || name.equals("after") || name.equals("access_token")) {
                continue;
            }
            for (String v : req.query().all(name)) {
                sb.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&');
            }
        }
        return sb.toString();
    }

    private static String encode(int index) {
        return Base64.getEncoder().encodeToString(("idx:" + index).getBytes(StandardCharsets.UTF_8));
    }

    private static int decode(String c) {
        try {
            String s = new String(Base64.getDecoder().decode(c), StandardCharsets.UTF_8);
            return Integer.parseInt(s.substring(s.indexOf(':') + 1));
        } catch (RuntimeException e) {
            throw GraphError.invalidParameter("Invalid cursor: " + c);
        }
    }
}
