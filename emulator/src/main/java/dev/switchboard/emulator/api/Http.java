package dev.switchboard.emulator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.core.GraphError;
import dev.switchboard.emulator.core.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;

/** Small request/response helpers shared by the handlers. */
final class Http {
    private Http() {
    }

    static byte[] body(ServerRequest req) {
        return req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
    }

    /** Parses JSON or throws Meta's 100 for an unparsable body. */
    static JsonNode json(byte[] body) {
        if (body.length == 0) {
            throw GraphError.invalidParameter("The request body is empty.");
        }
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw GraphError.invalidParameter("The request body is empty.");
            }
            return n;
        } catch (IOException e) {
            throw GraphError.invalidParameter("The request body is not valid JSON.");
        }
    }

    /** The bearer token, from the Authorization header or Graph's {@code access_token} query parameter. */
    static String bearer(ServerRequest req) {
        String h = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String t = h.substring(7).trim();
            return t.isEmpty() ? null : t;
        }
        return req.query().first("access_token").orElse(null);
    }

    static void send(ServerResponse res, int status, Object body) {
        try {
            byte[] bytes = body instanceof byte[] b ? b : Json.MAPPER.writeValueAsBytes(body);
            res.status(status);
            res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=UTF-8");
            res.send(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void error(ServerResponse res, GraphError e) {
        if (e.code() == 190) {
            res.header("WWW-Authenticate", "OAuth \"Facebook Platform\" \"invalid_token\" \"" + e.getMessage() + "\"");
        }
        send(res, e.httpStatus(), GraphErrors.body(e));
    }

    static void plainError(ServerResponse res, int status, String message) {
        send(res, status, Json.MAPPER.createObjectNode().put("error", message));
    }

    static int intParam(ServerRequest req, String name, int def) {
        return req.query().first(name).map(v -> {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return def;
            }
        }).orElse(def);
    }
}
