package dev.switchboard.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.testing.TestNodes;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With {@code http.tlsCertificate} and {@code http.tlsKey} the listener speaks HTTPS, and HTTP/2
 * to a client that offers it; a client that only speaks HTTP/1.1 is served too. The test trusts
 * exactly the test certificate, so the handshake really verifies it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsListenerTest {
    private static final Path TLS = Path.of("src/test/resources/tls");
    private static TestNodes.Node node;
    private static SSLContext trustTestCert;

    @BeforeAll
    static void start() throws Exception {
        node = TestNodes.start("sqlite", c -> TestNodes.withHttp(c, c.http().withTls(
                TLS.resolve("localhost-test.cert.pem").toString(), TLS.resolve("localhost-test.key.pem").toString())));
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = java.nio.file.Files.newInputStream(TLS.resolve("localhost-test.cert.pem"))) {
            trust.setCertificateEntry("test", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trustTestCert = SSLContext.getInstance("TLS");
        trustTestCert.init(null, tmf.getTrustManagers(), null);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void servesHttpsWithHttp2ToClientsThatOfferIt() throws Exception {
        assertThat(node.switchboard().baseUrl()).startsWith("https://");
        HttpResponse<String> r = get(HttpClient.Version.HTTP_2, "/health/live");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    }

    @Test
    void servesHttp11ClientsOverTlsAndTheApiWorksThere() throws Exception {
        HttpResponse<String> r = get(HttpClient.Version.HTTP_1_1, "/v1/messages?limit=1");
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static HttpResponse<String> get(HttpClient.Version version, String path) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().sslContext(trustTestCert).version(version)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(node.switchboard().baseUrl().replace("127.0.0.1", "localhost") + path))
                    .header("Authorization", "Bearer " + TestNodes.KEY_A).timeout(Duration.ofSeconds(20)).GET().build();
            return client.send(req, HttpResponse.BodyHandlers.ofString());
        }
    }
}
