package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A tenant's webhook receiver, as a test double that is a real HTTP server: it records every
 * POST (body, signature header, arrival and answer times, the status it answered) and can be
 * told to answer 2xx, fail with a status, hang before answering, fail at random, or be down
 * (its port closed). Handlers run on virtual threads, so hanging requests do not queue others.
 */
final class TenantReceiver implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One POST as received. {@code answered} is the HTTP status sent back (0 while hanging). */
    record Request(long seq, long arrivedMillis, long arrivedNanos, byte[] body, String signature, String contentType,
                   int answered, long answeredNanos) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        boolean accepted() {
            return answered / 100 == 2;
        }

        /** Verifies {@code X-Hub-Signature-256} independently of the code under test. */
        boolean signedWith(String secret) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
                return expected.equals(signature);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final String secret;
    private volatile int port;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final java.util.Random random = new java.util.Random(42);
    private volatile HttpServer server;
    private volatile int failStatus;
    private volatile double failProbability;
    private volatile long hangMillis;
    private volatile long jitterMillis;

    private TenantReceiver(String secret) {
        this.secret = secret;
    }

    /** A receiver listening on a free port (which it keeps across {@link #down()} and {@link #up()}). */
    static TenantReceiver start(String secret) {
        TenantReceiver r = new TenantReceiver(secret);
        r.listen(0);
        r.port = r.server.getAddress().getPort();
        return r;
    }

    private void listen(int onPort) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 64);
            s.createContext("/hook", this::handle);
            s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            s.start();
            server = s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + port + "/hook";
    }

    String secret() {
        return secret;
    }

    /** Closes the port: connections are refused until {@link #up()}. */
    synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Listens again on the same port. */
    synchronized void up() {
        if (server == null) {
            listen(port);
        }
    }

    /** Answers 200 from now on. */
    void ok() {
        failStatus = 0;
        failProbability = 0;
        hangMillis = 0;
        jitterMillis = 0;
    }

    /** Answers {@code status} to every request. */
    void failWith(int status) {
        failStatus = status;
        failProbability = 1.0;
    }

    /** Answers 500 to a random share of requests, 200 to the rest. */
    void flaky(double probability) {
        failStatus = 500;
        failProbability = probability;
    }

    /** Waits a random 0..{@code d} before answering each request, so concurrent POSTs can overtake each other. */
    void jitter(Duration d) {
        jitterMillis = d.toMillis();
    }

    /** Waits this long before answering each request. */
    void hang(Duration d) {
        hangMillis = d.toMillis();
    }

    private void handle(HttpExchange ex) throws IOException {
        long arrived = System.currentTimeMillis();
        long arrivedNanos = System.nanoTime();
        long n = seq.incrementAndGet();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        String sig = ex.getRequestHeaders().getFirst("X-Hub-Signature-256");
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        long wait = hangMillis;
        if (jitterMillis > 0) {
            synchronized (random) {
                wait += random.nextLong(jitterMillis + 1);
            }
        }
        if (wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean fail;
        synchronized (random) {
            fail = failProbability > 0 && random.nextDouble() < failProbability;
        }
        int status = fail ? failStatus : 200;
        requests.add(new Request(n, arrived, arrivedNanos, body, sig, ct, status, System.nanoTime()));
        byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
        try {
            ex.sendResponseHeaders(status, answer.length);
            ex.getResponseBody().write(answer);
        } catch (IOException ignored) {
            // the client gave up (timed out) first
        } finally {
            ex.close();
        }
    }

    /** Every request answered so far, in arrival order. */
    List<Request> requests() {
        List<Request> out = new ArrayList<>(requests);
        out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return out;
    }

    /** Requests answered 2xx, in arrival order. */
    List<Request> accepted() {
        return requests().stream().filter(Request::accepted).toList();
    }

    /** Requests that have arrived, including those still hanging. */
    long arrivals() {
        return seq.get();
    }

    /** The status objects of one request, in order. */
    List<JsonNode> statusesIn(Request r) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode entry : r.json().path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                change.path("value").path("statuses").forEach(out::add);
            }
        }
        return out;
    }

    /** Every status object of the accepted requests, in arrival and array order. */
    List<JsonNode> acceptedStatuses() {
        List<JsonNode> out = new ArrayList<>();
        for (Request r : accepted()) {
            out.addAll(statusesIn(r));
        }
        return out;
    }

    /** Every inbound message object of the accepted requests, in order. */
    List<JsonNode> acceptedMessages() {
        List<JsonNode> out = new ArrayList<>();
        for (Request r : accepted()) {
            for (JsonNode entry : r.json().path("entry")) {
                for (JsonNode change : entry.path("changes")) {
                    change.path("value").path("messages").forEach(out::add);
                }
            }
        }
        return out;
    }

    /** Every change of the accepted requests, in order. */
    List<JsonNode> acceptedChanges() {
        List<JsonNode> out = new ArrayList<>();
        for (Request r : accepted()) {
            for (JsonNode entry : r.json().path("entry")) {
                entry.path("changes").forEach(out::add);
            }
        }
        return out;
    }

    @Override
    public void close() {
        down();
    }
}
