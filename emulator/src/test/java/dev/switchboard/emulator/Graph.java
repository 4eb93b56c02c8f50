package dev.switchboard.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A test client for the emulator's HTTP API. */
final class Graph {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, JsonNode json) {
        int code() {
            return json.path("error").path("code").asInt(-1);
        }
    }

    private final String base;

    Graph(Emulator emu) {
        this.base = emu.baseUrl();
    }

    static ObjectNode json(String s) {
        try {
            return (ObjectNode) MAPPER.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode text(String to, String body) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("messaging_product", "whatsapp").put("recipient_type", "individual").put("to", to).put("type", "text");
        o.putObject("text").put("body", body);
        return o;
    }

    static ObjectNode template(String to, String name, String... bodyParams) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("messaging_product", "whatsapp").put("to", to).put("type", "template");
        ObjectNode t = o.putObject("template").put("name", name);
        t.putObject("language").put("code", "en_US");
        if (bodyParams.length > 0) {
            var params = t.putArray("components").addObject().put("type", "body").putArray("parameters");
            for (String p : bodyParams) {
                params.addObject().put("type", "text").put("text", p);
            }
        }
        return o;
    }

    Response send(String phoneNumberId, String token, Object body) {
        return request("POST", "/v23.0/" + phoneNumberId + "/messages", token, body);
    }

    Response get(String path, String token) {
        return request("GET", path, token, null);
    }

    Response request(String method, String path, String token, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            byte[] bytes = body == null ? null : body instanceof String s ? s.getBytes() : MAPPER.writeValueAsBytes(body);
            b.header("Content-Type", "application/json");
            b.method(method, bytes == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
            HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(r.body());
            return new Response(r.statusCode(), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
