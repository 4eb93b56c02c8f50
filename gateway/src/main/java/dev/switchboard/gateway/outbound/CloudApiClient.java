package dev.switchboard.gateway.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

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
    /** How a timed-out request's {@link SendResult.Transport#message()} begins. */
    static final String TIMEOUT = "timeout after ";
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
        return send(phoneNumberId, accessToken, body, null, null);
    }

    /**
     * Sends, and tells {@code departing} the {@link System#nanoTime()} at which the client began
     * to write the body: the request's real departure. Measured under a flash sale, the JDK
     * client took up to seconds (p99 27–80 ms once warm) between {@code send} and that moment,
     * while it opened connections, so a stamp taken before {@code send} would make the arrival
     * jitter look several times larger than it is (see {@link ReleaseWindow}).
     */
    public SendResult send(String phoneNumberId, String accessToken, String body, LongConsumer departing, Duration timeout) {
        Duration limit = timeout == null ? this.timeout : timeout;
        HttpRequest.BodyPublisher publisher = HttpRequest.BodyPublishers.ofString(body);
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/" + version + "/" + phoneNumberId + "/messages"))
                .timeout(limit)
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json")
                .POST(departing == null ? publisher : new Stamping(publisher, departing))
                .build();
        HttpResponse<byte[]> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            return new SendResult.Transport(0, TIMEOUT + limit.toMillis() + " ms");
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

    /** Reports the first time the client subscribes to the body, i.e. starts writing it. */
    private static final class Stamping implements HttpRequest.BodyPublisher {
        private final HttpRequest.BodyPublisher body;
        private LongConsumer departing;

        Stamping(HttpRequest.BodyPublisher body, LongConsumer departing) {
            this.body = body;
            this.departing = departing;
        }

        @Override
        public long contentLength() {
            return body.contentLength();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            LongConsumer once;
            synchronized (this) {
                once = departing;
                departing = null;
            }
            if (once != null) {
                once.accept(System.nanoTime());
            }
            body.subscribe(subscriber);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
