package dev.switchboard.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A tiny JSON client over the JDK HttpClient. Headers are given as name, value pairs. */
public final class TestHttp {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final String baseUrl;

    public TestHttp(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** A response, with its body parsed lazily as JSON. */
    public record Resp(int status, HttpResponse<String> raw) {
        public String body() {
            return raw.body();
        }

        public JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("response is not JSON (HTTP " + status + "): " + raw.body(), e);
            }
        }

        public Optional<String> header(String name) {
            return raw.headers().firstValue(name);
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + raw.body();
        }
    }

    public Resp get(String path, String bearer, String... headers) {
        return send("GET", path, bearer, null, headers);
    }

    public Resp post(String path, String bearer, Object body, String... headers) {
        return send("POST", path, bearer, body, headers);
    }

    public Resp patch(String path, String bearer, Object body, String... headers) {
        return send("PATCH", path, bearer, body, headers);
    }

    public Resp delete(String path, String bearer, String... headers) {
        return send("DELETE", path, bearer, null, headers);
    }

    /** {@code body}: null (no body), a String or byte[] (sent as is), or anything Jackson can write. */
    public Resp send(String method, String path, String bearer, Object body, String... headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            for (int i = 0; i + 1 < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            HttpRequest.BodyPublisher publisher;
            if (body == null) {
                publisher = HttpRequest.BodyPublishers.noBody();
            } else {
                b.header("Content-Type", "application/json");
                byte[] bytes = body instanceof byte[] raw ? raw
                        : body instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                        : JSON.writeValueAsBytes(body);
                publisher = HttpRequest.BodyPublishers.ofByteArray(bytes);
            }
            b.method(method, publisher);
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** JSON from a string, for building request bodies compactly. */
    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
