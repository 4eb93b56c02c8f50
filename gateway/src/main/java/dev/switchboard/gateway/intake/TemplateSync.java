package dev.switchboard.gateway.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a WABA's templates from Meta ({@code GET /{waba-id}/message_templates?limit=100}, page
 * by page) within a budget of calls.
 *
 * <p><b>Why a budget.</b> Template, profile and number calls share Meta's management-API budget,
 * about 200 calls an hour per app and WABA; spending it all on syncs would leave a tenant's own
 * template edits through the Graph facade answering code 4 or 80007 for the rest of the hour.
 * So every page read is counted per WABA over a moving hour, and a sync that would go past
 * {@code callsPerHour} (default 100, half of Meta's) does not call at all: it reports when the
 * budget allows it again, and the periodic refresh waits that long. One page lists 100
 * templates, so a WABA with a few hundred costs a handful of calls per sync.
 */
final class TemplateSync {
    private static final long HOUR = Duration.ofHours(1).toMillis();

    /** Meta's listing of one WABA: complete when every page was read. */
    record Listing(List<JsonNode> templates, boolean complete, String error, long retryAt) {}

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String baseUrl;
    private final String version;
    private final Tenancy tenancy;
    private final ObjectMapper json;
    private final Clock clock;
    /** Per WABA: when each of its calls in the last hour was made, oldest first. */
    private final Map<String, Deque<Long>> calls = new ConcurrentHashMap<>();
    private volatile int callsPerHour = 100;

    TemplateSync(String baseUrl, String version, Tenancy tenancy, ObjectMapper json, Clock clock) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.version = version;
        this.tenancy = tenancy;
        this.json = json;
        this.clock = clock;
    }

    void callsPerHour(int n) {
        this.callsPerHour = Math.max(1, n);
    }

    /** Every page of the WABA's list, stopping at a failure or when the budget is spent. */
    Listing fetch(Channel c) {
        List<JsonNode> out = new ArrayList<>();
        String token = tenancy.accessToken(c);
        String after = null;
        try {
            do {
                long wait = reserve(c.wabaId());
                if (wait > 0) {
                    return new Listing(out, false, "the management-API budget of " + callsPerHour + " calls an hour for WABA "
                            + c.wabaId() + " is spent", clock.millis() + wait);
                }
                String url = baseUrl + "/" + version + "/" + c.wabaId() + "/message_templates?limit=100"
                        + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
                HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                if (res.statusCode() != 200) {
                    return new Listing(out, false, "Meta answered HTTP " + res.statusCode() + ": " + errorOf(res.body()), 0);
                }
                JsonNode root = json.readTree(res.body());
                root.path("data").forEach(out::add);
                JsonNode next = root.path("paging").path("next");
                after = next.isMissingNode() || next.isNull() ? null : root.path("paging").path("cursors").path("after").asText(null);
            } while (after != null);
            return new Listing(out, true, null, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Listing(out, false, "interrupted", 0);
        } catch (Exception e) {
            return new Listing(out, false, e.toString(), 0);
        }
    }

    /** Takes one call from the WABA's budget: 0 when taken, else how long until one is free. */
    private long reserve(String wabaId) {
        Deque<Long> times = calls.computeIfAbsent(wabaId, k -> new ArrayDeque<>());
        synchronized (times) {
            long now = clock.millis();
            while (!times.isEmpty() && times.peekFirst() <= now - HOUR) {
                times.pollFirst();
            }
            if (times.size() >= callsPerHour) {
                return times.peekFirst() + HOUR - now;
            }
            times.addLast(now);
            return 0;
        }
    }

    private String errorOf(byte[] body) {
        try {
            JsonNode e = json.readTree(body).path("error");
            return e.isMissingNode() ? "" : "(#" + e.path("code").asText() + ") " + e.path("message").asText();
        } catch (Exception unreadable) {
            return "";
        }
    }
}
