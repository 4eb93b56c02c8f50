package dev.switchboard.gateway.api;

import dev.switchboard.gateway.ops.RequestDeadlines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.intake.Rejection;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Request and response plumbing shared by the APIs: bounded body reads and JSON answers. */
public final class HttpIo {
    public static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    public static final HeaderName PRIORITY = HeaderNames.create("X-Priority");
    public static final HeaderName TTL = HeaderNames.create("X-TTL-Seconds");
    private final ObjectMapper json;

    public HttpIo(ObjectMapper json) {
        this.json = json;
    }

    public ObjectMapper json() {
        return json;
    }

    /** Reads at most {@code max} bytes; one more is a 413, not a truncated parse. */
    public byte[] body(ServerRequest req, long max) {
        // refused on its declared length before a byte is read
        if (req.headers().contentLength().orElse(0) > max) {
            throw Rejection.tooLarge(max);
        }
        try (InputStream in = RequestDeadlines.metered(req, req.content().inputStream())) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (b.length > max) {
                throw Rejection.tooLarge(max);
            }
            return b;
        } catch (Rejection r) {
            throw r;
        } catch (IOException | RuntimeException e) {
            // Helidon reports a malformed chunk size as a NumberFormatException from its parser
            throw Rejection.unreadableBody();
        }
    }

    public JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw Rejection.badJson("empty body");
        }
        try {
            JsonNode n = json.readTree(body);
            if (n == null) {
                throw Rejection.badJson("empty body");
            }
            return n;
        } catch (IOException e) {
            throw badJson(e);
        }
    }

    /** A JSON parse failure as the caller's 400, in Jackson's own words without its source excerpt or class names. */
    public static Rejection badJson(IOException e) {
        if (e instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException) {
            return Rejection.badJson("nested too deep, or a number or string too long");
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException p) {
            return Rejection.badJson(firstLine(p.getOriginalMessage()));
        }
        return Rejection.badJson(firstLine(e.getMessage()));
    }

    public ObjectNode parseObject(byte[] body) {
        JsonNode n = parse(body);
        if (!(n instanceof ObjectNode o)) {
            throw Rejection.badJson("expected a JSON object");
        }
        return o;
    }

    public static Optional<String> header(ServerRequest req, HeaderName name) {
        return req.headers().first(name).map(String::trim).filter(s -> !s.isEmpty());
    }

    public static Optional<String> query(ServerRequest req, String name) {
        return req.query().first(name).asOptional().map(String::trim).filter(s -> !s.isEmpty());
    }

    public static Optional<String> bearer(ServerRequest req) {
        return header(req, HeaderNames.AUTHORIZATION)
                .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(h -> h.substring(7).trim());
    }

    public void send(ServerResponse res, int status, Object body) {
        try {
            byte[] bytes = body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : json.writeValueAsBytes(body);
            res.status(Status.create(status));
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** RFC 9457 problem JSON with a stable machine code. */
    public void problem(ServerResponse res, int status, String code, String detail) {
        ObjectNode p = json.createObjectNode();
        p.put("type", "https://switchboard.dev/problems/" + code);
        p.put("title", code.replace('_', ' '));
        p.put("status", status);
        p.put("code", code);
        p.put("detail", detail);
        try {
            res.status(Status.create(status));
            res.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
            res.send(json.writeValueAsBytes(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void problem(ServerResponse res, Rejection r) {
        retryAfter(res, r);
        problem(res, r.httpStatus(), r.code(), r.getMessage());
    }

    /** {@code Retry-After} on a refusal that says when to come back. */
    public static void retryAfter(ServerResponse res, Rejection r) {
        Integer seconds = r.retryAfterSeconds();
        if (seconds != null) {
            res.header(HeaderNames.RETRY_AFTER, Integer.toString(seconds));
        }
    }

    /** Meta's error shape, for the Cloud-API facade. */
    public void metaError(ServerResponse res, int status, int code, Integer subcode, String message, String type) {
        ObjectNode root = json.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", "(#" + code + ") " + message);
        e.put("type", type);
        e.put("code", code);
        e.putObject("error_data").put("messaging_product", "whatsapp").put("details", message);
        if (subcode != null) {
            e.put("error_subcode", subcode);
        }
        e.put("fbtrace_id", "sb" + Long.toHexString(System.nanoTime()));
        send(res, status, root);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
