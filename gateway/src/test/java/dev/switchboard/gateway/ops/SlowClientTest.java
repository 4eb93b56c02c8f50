package dev.switchboard.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.testing.TestNodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that never finish a request are cut off after {@code http.requestTimeout} (here 1 s):
 * one that trickles header bytes (slow-loris) and one that stalls after a malformed chunk size.
 * Each test waits for the positive signal — the server closing the socket or answering — and the
 * node keeps serving others afterwards. HTTP only, so SQLite suffices.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowClientTest {
    private static TestNodes.Node node;

    @BeforeAll
    static void start() {
        node = TestNodes.start("sqlite", c -> TestNodes.withHttp(c, c.http().withRequestTimeout(Duration.ofSeconds(1))));
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aClientTricklingItsHeadersIsDisconnected() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // a byte every 100 ms, for at most 60 s: far past the 1 s request timeout
            Thread trickler = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 600; i++) {
                        out.write('x');
                        out.flush();
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException closedByServer) {
                    // the outcome the test waits for
                }
            });
            assertThat(readUntilClosed(socket.getInputStream())).doesNotContain("HTTP/1.1 2");
            trickler.interrupt();
        }
        assertNodeStillServes();
    }

    @Test
    void aMalformedChunkSizeIsRefusedOrCutOffNotLeftHanging() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestNodes.KEY_A
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = readUntilClosed(socket.getInputStream());
            // either a 400 at once, or a cut connection after the request timeout: never a 2xx or 5xx
            assertThat(answer).doesNotContain("HTTP/1.1 2").doesNotContain("HTTP/1.1 5");
        }
        assertThat(node.http().get("/metrics", null).body()).containsPattern("switchboard_http_connections_cut_total [1-9]");
        assertNodeStillServes();
    }

    @Test
    void aCompleteMalformedChunkIsA400() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestNodes.KEY_A
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "zz\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readUntilClosed(socket.getInputStream())).startsWith("HTTP/1.1 400").contains("unreadable_body");
        }
        assertNodeStillServes();
    }

    private static Socket connect() throws IOException {
        URI base = URI.create(node.switchboard().baseUrl());
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(60_000); // a bound for the test itself, far beyond the server's
        return socket;
    }

    /** Everything the server sends until it closes the connection; the test's own read timeout fails it. */
    private static String readUntilClosed(InputStream in) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (java.net.SocketTimeoutException stillOpen) {
            throw new AssertionError("the server held the connection for 60 s; it should cut it after 1 s", stillOpen);
        } catch (IOException resetByServer) {
            // a reset is a close too
        }
        return got.toString(StandardCharsets.US_ASCII);
    }

    private static void assertNodeStillServes() {
        assertThat(node.http().get("/health/live", null).status()).isEqualTo(200);
    }
}
