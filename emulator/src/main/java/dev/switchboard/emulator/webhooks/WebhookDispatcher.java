package dev.switchboard.emulator.webhooks;

import dev.switchboard.emulator.EmulatorStats;
import dev.switchboard.emulator.WebhookBehaviour;
import dev.switchboard.emulator.stats.LatencyRecorder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers signed webhook payloads the way Meta does: concurrently, over keep-alive HTTP/1.1,
 * retrying failures with exponential backoff until a horizon, then dropping.
 *
 * <p>Design: a fixed set of {@code maxInFlight} workers take payloads from one queue and POST
 * them synchronously. A worker per in-flight slot bounds concurrency without a semaphore and
 * keeps each attempt a plain blocking call that is easy to time. The workers are platform
 * threads on purpose: measured under a saturating send load on 2 cores, virtual-thread workers
 * shared the carrier pool with every HTTP handler and fell to a few dozen POSTs per second
 * while the send side was hot; OS-scheduled threads keep webhooks flowing as Meta's do. Retries do not
 * occupy a worker while waiting: the shared scheduler puts the payload back on the queue when
 * its backoff ends. A payload is signed once; retries resend the same bytes and signature, as
 * Meta's retries do.
 *
 * <p>An answer slower than the request timeout counts as a failure and is retried, which is
 * what makes a slow receiver see duplicate deliveries — exactly Meta's behaviour.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);

    private record Delivery(byte[] body, String signature, long firstAttemptNanos, int attempts, long generation) {
        Delivery next() {
            return new Delivery(body, signature, firstAttemptNanos, attempts + 1, generation);
        }
    }

    private final WebhookBehaviour behaviour;
    private final Signer signer;
    private final ScheduledExecutorService scheduler;
    private final HttpClient client;
    private final AtomicReference<URI> url = new AtomicReference<>();
    private final LinkedBlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicLong generation = new AtomicLong();
    private final LongAdder queued = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder failedAttempts = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final AtomicLong pending = new AtomicLong();
    private final LatencyRecorder latency = new LatencyRecorder(65_536);
    private volatile boolean closed;

    public WebhookDispatcher(WebhookBehaviour behaviour, String appSecret, String url, ScheduledExecutorService scheduler) {
        this.behaviour = behaviour;
        this.signer = new Signer(appSecret);
        this.scheduler = scheduler;
        setUrl(url);
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        for (int i = 0; i < behaviour.maxInFlight(); i++) {
            workers.add(Thread.ofPlatform().daemon(true).name("emulator-webhook-" + i).start(this::work));
        }
    }

    public void setUrl(String newUrl) {
        url.set(newUrl == null || newUrl.isBlank() ? null : URI.create(newUrl));
    }

    public String url() {
        URI u = url.get();
        return u == null ? null : u.toString();
    }

    /** Queues a payload for delivery; returns false (and drops it) when no callback URL is set. */
    public boolean submit(byte[] body) {
        if (closed || url.get() == null) {
            return false;
        }
        queued.increment();
        pending.incrementAndGet();
        queue.add(new Delivery(body, signer.signatureHeader(body), System.nanoTime(), 0, generation.get()));
        return true;
    }

    private void work() {
        while (!closed) {
            Delivery d;
            try {
                d = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (d.generation() != generation.get()) {
                continue;
            }
            attempt(d.next());
        }
    }

    private void attempt(Delivery d) {
        URI target = url.get();
        boolean ok = false;
        long start = System.nanoTime();
        if (target != null) {
            try {
                HttpRequest request = HttpRequest.newBuilder(target)
                        .timeout(behaviour.requestTimeout())
                        .header("Content-Type", "application/json")
                        .header("X-Hub-Signature-256", d.signature())
                        .header("User-Agent", "facebookexternalua")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()))
                        .build();
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                ok = response.statusCode() / 100 == 2;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.debug("webhook attempt {} failed: {}", d.attempts(), e.toString());
            }
        }
        long elapsed = System.nanoTime() - start;
        if (ok) {
            latency.record(elapsed);
            delivered.increment();
            pending.decrementAndGet();
            return;
        }
        failedAttempts.increment();
        scheduleRetry(d);
    }

    private void scheduleRetry(Delivery d) {
        long initial = behaviour.retryInitialDelay().toNanos();
        long cap = behaviour.retryMaxDelay().toNanos();
        int exponent = Math.min(d.attempts() - 1, 40);
        long delay = exponent >= 62 || initial > (cap >> exponent) ? cap : Math.min(cap, initial << exponent);
        long retryAt = System.nanoTime() + delay;
        if (retryAt - d.firstAttemptNanos() > behaviour.retryHorizon().toNanos() || closed) {
            dropped.increment();
            pending.decrementAndGet();
            LOG.debug("webhook payload dropped after {} attempts", d.attempts());
            return;
        }
        retries.increment();
        scheduler.schedule(() -> {
            if (d.generation() == generation.get() && !closed) {
                queue.add(d);
            }
        }, delay, TimeUnit.NANOSECONDS);
    }

    public EmulatorStats.WebhookStats stats(long statusesEmitted) {
        double[] p = latency.percentilesMillis();
        return new EmulatorStats.WebhookStats(statusesEmitted, queued.sum(), delivered.sum(), failedAttempts.sum(),
                retries.sum(), dropped.sum(), Math.max(0, pending.get()), p[0], p[1], p[2], p[3]);
    }

    /** Delivery response times since the previous call (or start), then starts afresh; counters are untouched. */
    public LatencyRecorder.Snapshot latencySnapshotAndClear() {
        return latency.snapshotAndClear();
    }

    /** Forgets queued and scheduled payloads and zeroes the figures. */
    public void reset() {
        generation.incrementAndGet();
        queue.clear();
        queued.reset();
        delivered.reset();
        failedAttempts.reset();
        retries.reset();
        dropped.reset();
        pending.set(0);
        latency.clear();
    }

    @Override
    public void close() {
        closed = true;
        generation.incrementAndGet();
        workers.forEach(Thread::interrupt);
        queue.clear();
        client.shutdownNow();
    }
}
