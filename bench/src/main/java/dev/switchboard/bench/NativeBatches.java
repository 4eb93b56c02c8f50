package dev.switchboard.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Native-API batches for the in-process scenarios ({@code backlog-heap}, {@code webhook-ingest}):
 * 1,000 marketing template messages per {@code POST /v1/messages}, each to its own recipient.
 */
public final class NativeBatches {
    private static final HttpClient HTTP = HttpClient.newBuilder().build();

    private NativeBatches() {
    }

    /** {@code n} flash_sale template messages on channel {@code ch}, recipients numbered from {@code offset}. */
    public static String batch(String ch, int n, int offset) {
        StringBuilder sb = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? "," : "").append("{\"channel_id\":\"").append(ch).append("\",\"to\":\"1")
                    .append(2_000_000_000L + offset + i).append("\",\"type\":\"template\",\"template\":{\"name\":\"flash_sale\","
                            + "\"language\":{\"code\":\"en_US\"},\"components\":[{\"type\":\"body\",\"parameters\":["
                            + "{\"type\":\"text\",\"text\":\"50%\"},{\"type\":\"text\",\"text\":\"today\"}]}]}}");
        }
        return sb.append("]}").toString();
    }

    static HttpResponse<String> post(String url, String key, String body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
