package dev.switchboard.bench;

import dev.switchboard.bench.stack.FacadeClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tenant A's flash sale: {@code messages} single-message marketing template sends through the
 * facade, {@code concurrency} at a time (each worker a virtual thread with its own keep-alive
 * connection, sending its next message as soon as the previous one is answered), round-robin
 * over A's numbers, every message to a recipient of its own so that Meta's pair rate never
 * bounds it. This is a closed loop on purpose: it measures how fast the gateway accepts, the
 * figure clients of a flash sale experience.
 */
final class Flood {
    static final long FIRST_RECIPIENT = 12_000_000_000L;

    private final FacadeClient client;
    private final List<String> numbers;
    private final String apiKey;
    private final String template;
    private final int messages;
    private final long[] acceptNanos;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder ok = new LongAdder();
    private final Map<Integer, LongAdder> refusedByStatus = new ConcurrentHashMap<>();
    private final AtomicLong firstStartNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastEndNanos = new AtomicLong(Long.MIN_VALUE);
    private volatile String sampleRefusal;
    private final List<Thread> workers = new ArrayList<>();
    private final long firstRecipient;

    Flood(FacadeClient client, List<String> numbers, String apiKey, String template, int messages) {
        this(client, numbers, apiKey, template, messages, 0);
    }

    /** {@code recipientOffset}: where this flood's recipients start, so two floods never share one. */
    Flood(FacadeClient client, List<String> numbers, String apiKey, String template, int messages, long recipientOffset) {
        this.firstRecipient = FIRST_RECIPIENT + recipientOffset;
        this.client = client;
        this.numbers = numbers;
        this.apiKey = apiKey;
        this.template = template;
        this.messages = messages;
        this.acceptNanos = new long[messages];
    }

    void start(int concurrency) {
        for (int w = 0; w < concurrency; w++) {
            workers.add(Thread.ofVirtual().name("flood-" + w).start(this::work));
        }
    }

    private void work() {
        for (int i; (i = next.getAndIncrement()) < messages; ) {
            byte[] body = body(firstRecipient + i, template, i);
            long start = System.nanoTime();
            firstStartNanos.accumulateAndGet(start, Math::min);
            FacadeClient.Result r = client.send(numbers.get(i % numbers.size()), apiKey, body, false);
            lastEndNanos.accumulateAndGet(start + r.nanos(), Math::max);
            acceptNanos[i] = r.nanos();
            if (r.ok()) {
                ok.increment();
            } else {
                refusedByStatus.computeIfAbsent(r.status(), k -> new LongAdder()).increment();
                if (sampleRefusal == null) {
                    sampleRefusal = r.status() + " " + r.body();
                }
            }
        }
    }

    /** A Cloud API template send to {@code recipient} with one parameter ("{@code 10 + i % 60}%"). */
    static byte[] body(long recipient, String template, int i) {
        return ("{\"messaging_product\":\"whatsapp\",\"to\":\"" + recipient + "\",\"type\":\"template\",\"template\":{\"name\":\""
                + template + "\",\"language\":{\"code\":\"en_US\"},\"components\":[{\"type\":\"body\",\"parameters\":["
                + "{\"type\":\"text\",\"text\":\"" + (10 + i % 60) + "%\"}]}]}}").getBytes(StandardCharsets.UTF_8);
    }

    /** Waits for the workers; false if they were still sending after {@code timeoutMillis}. */
    boolean await(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Thread t : workers) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(java.time.Duration.ofNanos(left))) {
                next.set(messages); // no new sends; those in flight finish
                return false;
            }
        }
        return true;
    }

    boolean done() {
        return workers.stream().noneMatch(Thread::isAlive);
    }

    long accepted() {
        return ok.sum();
    }

    /** Accepted messages ÷ (last response − first request start), per second. */
    double acceptRate() {
        long span = lastEndNanos.get() - firstStartNanos.get();
        return span <= 0 ? 0 : ok.sum() * 1e9 / span;
    }

    double seconds() {
        return Math.max(0, lastEndNanos.get() - firstStartNanos.get()) / 1e9;
    }

    Percentiles acceptLatency() {
        return Percentiles.ofNanos(acceptNanos);
    }

    Map<Integer, Long> refusals() {
        Map<Integer, Long> out = new TreeMap<>();
        refusedByStatus.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    String sampleRefusal() {
        return sampleRefusal;
    }
}
