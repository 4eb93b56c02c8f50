package dev.switchboard.gateway.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The provider client: POSTs a prepared Cloud API body to {@code /{version}/{phone-number-id}/messages}.
 *
 * <p><b>Why Helidon's blocking client.</b> Every send already runs on its own virtual thread, so
 * a blocking client is the natural fit. The JDK {@code HttpClient} it replaces is asynchronous
 * inside (selector thread, completable-future chains, timer registration per request), and
 * that machinery was the largest single item in the gateway's CPU profile under a flash sale.
 * Helidon's HTTP/1.1 client writes and reads on the calling thread and keeps up to
 * {@code connectionCacheSize} keep-alive connections to Meta (enough for every request in
 * flight on every number). {@code Expect: 100-continue} is off: it would cost a round trip per
 * send; {@code TCP_NODELAY} is on: Nagle would hold the body behind the headers' ACK.
 *
 * <p>Every request carries a read timeout; a timeout or an I/O failure is a
 * {@link SendResult.Transport} with status 0, never an exception.
 */
public final class CloudApiClient implements AutoCloseable {
    private static final int CONNECTIONS = 1024;
    private final WebClient http;
    private final String pathPrefix;
    private final Duration timeout;
    private final ObjectMapper json;

    public CloudApiClient(String baseUrl, String version, Duration connectTimeout, Duration requestTimeout, ObjectMapper json) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = requestTimeout;
        this.json = json;
        java.net.URI uri = java.net.URI.create(base);
        this.pathPrefix = (uri.getRawPath() == null ? "" : uri.getRawPath()) + "/" + version + "/";
        this.http = WebClient.builder()
                .baseUri(uri.getScheme() + "://" + uri.getRawAuthority())
                .connectTimeout(connectTimeout)
                .readTimeout(requestTimeout)
                .sendExpectContinue(false)
                .followRedirects(false)
                .connectionCacheSize(CONNECTIONS)
                .shareConnectionCache(false)
                .socketOptions(s -> s.tcpNoDelay(true))
                .build();
    }

    public SendResult send(String phoneNumberId, String accessToken, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (HttpClientResponse res = http.post(pathPrefix + phoneNumberId + "/messages")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + accessToken)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .submit(bytes)) {
            byte[] answer;
            try (InputStream in = res.inputStream()) {
                answer = in.readAllBytes();
            }
            return parse(res.status().code(), answer);
        } catch (UncheckedIOException | IOException e) {
            return failure(e);
        } catch (RuntimeException e) {
            // Helidon wraps some socket failures in its own unchecked exceptions
            return failure(e);
        }
    }

    private SendResult failure(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return new SendResult.Transport(0, "timeout after " + timeout.toMillis() + " ms");
            }
            if (t instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
                return new SendResult.Transport(0, "interrupted");
            }
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return new SendResult.Transport(0, "I/O error: " + root.getClass().getSimpleName() + ": " + root.getMessage());
    }

    SendResult parse(int status, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            return new SendResult.Transport(status, "unparseable response (HTTP " + status + ")");
        }
        if (root == null || root.isMissingNode()) {
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
        http.closeResource(); // closes the cached keep-alive connections
    }
}
