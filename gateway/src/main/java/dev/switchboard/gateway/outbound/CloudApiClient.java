package dev.switchboard.gateway.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * The provider client: POSTs a prepared Cloud API body to {@code /{version}/{phone-number-id}/messages}.
 * One JDK {@link HttpClient} for the whole node keeps connections alive (and speaks HTTP/2 where
 * the server offers it); every request carries its own timeout.
 *
 * <p>Helidon's blocking WebClient was tried here (December 2026) for its lower CPU per request,
 * and reverted: under the full test suite a send occasionally never completed (a message stuck
 * in flight until the test gave up), which matches an open Helidon report of a race when cached
 * connections are reused under load (helidon-io/helidon#10861). A provider call must end, by
 * answer or by timeout; the JDK client's whole-request timeout guarantees that.
 */
public final class CloudApiClient implements AutoCloseable {
    private final HttpClient http;
    private final String baseUrl;
    private final String version;
    private final Duration timeout;
    private final ObjectMapper json;

    public CloudApiClient(String baseUrl, String version, Duration connectTimeout, Duration requestTimeout, ObjectMapper json) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.version = version;
        this.timeout = requestTimeout;
        this.json = json;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    public SendResult send(String phoneNumberId, String accessToken, String body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/" + version + "/" + phoneNumberId + "/messages"))
                .timeout(timeout)
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<byte[]> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            return new SendResult.Transport(0, "timeout after " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new SendResult.Transport(0, "I/O error: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SendResult.Transport(0, "interrupted");
        }
        return parse(res.statusCode(), res.body());
    }

    SendResult parse(int status, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            return new SendResult.Transport(status, "unparseable response (HTTP " + status + ")");
        }
        if (root == null) {
            return new SendResult.Transport(status, "empty response (HTTP " + status + ")");
        }
        JsonNode error = root.get("error");
        if (error != null && error.has("code")) {
            JsonNode sub = error.get("error_subcode");
            return new SendResult.MetaError(status, error.get("code").asInt(), sub == null ? null : sub.asInt(),
                    error.path("message").asText(""));
        }
        JsonNode msg = root.path("messages").path(0);
        if (status / 100 == 2 && msg.hasNonNull("id")) {
            return new SendResult.Accepted(msg.get("id").asText(), msg.path("message_status").asText("accepted"));
        }
        return new SendResult.Transport(status, "unexpected response (HTTP " + status + ")");
    }

    @Override
    public void close() {
        http.close();
    }
}
