package dev.switchboard.gateway.audiences;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestNodes;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A large upload that keeps moving is never cut by {@code http.requestTimeout}, however long it
 * takes in all: each 32 KiB that arrives buys another timeout (ops/RequestDeadlines). Here the
 * timeout is 3 s and the upload runs at least twice that, 64 KiB every 100 ms; the trickling
 * clients that the same deadline does cut are in ops/SlowClientTest.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AudiencesSlowUploadTest {
    private static final int BLOCKS = 60;
    private static final int ROWS_PER_BLOCK = 4_000;
    private static TestNodes.Node node;

    @BeforeAll
    static void start() {
        node = TestNodes.start("sqlite", c -> TestNodes.withHttp(c, c.http().withRequestTimeout(Duration.ofSeconds(3))));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void anUploadThatKeepsMovingOutlivesTheRequestTimeout() throws Exception {
        TestHttp http = node.http();
        String id = AudiencesTestKit.create(http, TestNodes.KEY_A, "slow-but-steady", "IN");
        long started = System.nanoTime();
        HttpRequest req = HttpRequest.newBuilder(URI.create(http.baseUrl() + "/v1/audiences/" + id + "/contacts"))
                .header("Authorization", "Bearer " + TestNodes.KEY_A).header("Content-Type", "text/csv")
                .timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofInputStream(SteadyCsv::new)).build();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> res = client.send(req, HttpResponse.BodyHandlers.ofString());
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            JsonNode report = TestHttp.parse(res.body());
            assertThat(report.path("complete").asBoolean()).isTrue();
            assertThat(report.path("rows").asLong()).isEqualTo((long) BLOCKS * ROWS_PER_BLOCK);
            // the premise: the upload really did outlast the timeout (the pauses alone are 6 s)
            assertThat(took).isGreaterThan(3_000);
        }
    }

    /** A CSV of distinct numbers, a block at a time with a pause before each. */
    private static final class SteadyCsv extends InputStream {
        private byte[] block = "phone\n".getBytes(StandardCharsets.US_ASCII);
        private int pos;
        private int sent;

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == block.length) {
                if (sent == BLOCKS) {
                    return -1;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < ROWS_PER_BLOCK; i++) {
                    sb.append("+9198").append(String.format("%08d", sent * ROWS_PER_BLOCK + i)).append('\n');
                }
                block = sb.toString().getBytes(StandardCharsets.US_ASCII);
                pos = 0;
                sent++;
            }
            int n = Math.min(len, block.length - pos);
            System.arraycopy(block, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
