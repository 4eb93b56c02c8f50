package dev.switchboard.bench.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The standalone emulator's control API ({@code /_emulator/...}) over HTTP: stats, the log of
 * accepted messages with their arrival times, the response latency, and the webhook-latency
 * snapshot that marks a phase boundary. Also plain GETs against the gateway (metrics, health).
 */
public final class EmulatorControl {
    /** One accepted send: recipient digits, template name (null for text), arrival in epoch µs. */
    public record Arrival(String to, String templateName, long arrivedAtMicros) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    public EmulatorControl(String base) {
        this.base = base;
    }

    public JsonNode stats() {
        return json(get(base + "/_emulator/stats"));
    }

    /** Sends accepted so far on the given numbers. */
    public static long accepted(JsonNode stats, List<String> numbers) {
        long n = 0;
        for (String id : numbers) {
            n += stats.path("numbers").path(id).path("accepted").asLong();
        }
        return n;
    }

    /** Sends accepted so far on every number. */
    public static long acceptedAll(JsonNode stats) {
        long n = 0;
        for (JsonNode number : stats.path("numbers")) {
            n += number.path("accepted").asLong();
        }
        return n;
    }

    /** Every retained accepted message of a number, oldest first. */
    public List<Arrival> arrivals(String phoneNumberId) {
        return arrivals(phoneNumberId, 1_000_000);
    }

    /** The {@code limit} most recent retained accepted messages of a number, oldest first. */
    public List<Arrival> arrivals(String phoneNumberId, int limit) {
        JsonNode root = json(get(base + "/_emulator/messages?phone_number_id=" + phoneNumberId + "&limit=" + limit));
        List<Arrival> out = new ArrayList<>();
        for (JsonNode m : root.path("data")) {
            out.add(new Arrival(m.path("to").asText(), m.path("template_name").isNull() ? null : m.path("template_name").asText(),
                    m.path("arrived_at_us").asLong()));
        }
        return out;
    }

    /** A user's message to a number: the emulator sends its webhook and counts it in the number's second. */
    public void inbound(String phoneNumberId, String from, String text) {
        String body = JSON.createObjectNode().put("phone_number_id", phoneNumberId).put("from", from).put("body", text).toString();
        send(HttpRequest.newBuilder(URI.create(base + "/_emulator/inbound")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Webhook delivery response times since the previous call, then starts afresh. */
    public JsonNode webhookLatencySnapshot() {
        return json(send(HttpRequest.newBuilder(URI.create(base + "/_emulator/webhooks/latency/reset"))
                .POST(HttpRequest.BodyPublishers.noBody())));
    }

    public static String get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    /** Status code of a GET, or -1 when nothing answers. */
    public static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
