package dev.switchboard.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A JDK HttpServer standing in for the gateway's webhook endpoint, recording raw deliveries. */
final class WebhookReceiver implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();

    record Received(byte[] body, String signature, String contentType, JsonNode json) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private volatile int failFirst;
    private volatile int failStatus = 500;

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/webhooks/whatsapp", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int n = attempts.incrementAndGet();
            if (n <= failFirst) {
                exchange.sendResponseHeaders(failStatus, -1);
                exchange.close();
                return;
            }
            received.add(new Received(body, exchange.getRequestHeaders().getFirst("X-Hub-Signature-256"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), MAPPER.readTree(body)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks/whatsapp";
    }

    /** The next {@code n} attempts answer {@code status}. */
    void failFirst(int n, int status) {
        attempts.set(0);
        this.failStatus = status;
        this.failFirst = n;
    }

    int attempts() {
        return attempts.get();
    }

    void clear() {
        received.clear();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Every status object from every delivery, in arrival order. */
    List<JsonNode> statuses() {
        return values("statuses");
    }

    List<JsonNode> values(String arrayKey) {
        List<JsonNode> out = new ArrayList<>();
        for (Received r : received) {
            for (JsonNode entry : r.json().path("entry")) {
                for (JsonNode change : entry.path("changes")) {
                    for (JsonNode s : change.path("value").path(arrayKey)) {
                        out.add(s);
                    }
                }
            }
        }
        return out;
    }

    List<JsonNode> changes(String field) {
        List<JsonNode> out = new ArrayList<>();
        for (Received r : received) {
            for (JsonNode entry : r.json().path("entry")) {
                for (JsonNode change : entry.path("changes")) {
                    if (field.equals(change.path("field").asText())) {
                        out.add(change);
                    }
                }
            }
        }
        return out;
    }

    List<JsonNode> awaitStatuses(int n, Duration timeout) {
        await(() -> statuses().size() >= n, timeout, "expected " + n + " statuses");
        return statuses();
    }

    List<JsonNode> awaitStatuses(Predicate<List<JsonNode>> condition, Duration timeout) {
        await(() -> condition.test(statuses()), timeout, "status condition not met");
        return statuses();
    }

    List<JsonNode> awaitChanges(String field, int n, Duration timeout) {
        await(() -> changes(field).size() >= n, timeout, "expected " + n + " changes of " + field);
        return changes(field);
    }

    static void await(java.util.function.BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
