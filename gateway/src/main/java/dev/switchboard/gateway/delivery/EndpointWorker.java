package dev.switchboard.gateway.delivery;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains one tenant's outbox into its endpoint: a planning loop on a virtual thread, and one
 * virtual thread per POST, at most {@code maxInFlight} at once, behind the endpoint's own
 * circuit breaker. A POST carries one event unless the endpoint opted in to batches
 * ({@link Target#maxEventsPerPost()}). See {@link Outbox} for the design and {@link RoundPlanner}
 * for the order rules.
 *
 * <p>A POST's outcome is committed before its conversations are released: until then they stay
 * busy, so the rows just delivered can never be planned again.
 */
final class EndpointWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointWorker.class);
    private static final int PAGE = 1000;
    private static final int MAX_PAGES = 10;
    private static final long IDLE_WAIT_MILLIS = 30_000;
    private static final String USER_AGENT = "Switchboard-Webhooks/1.0";

    /**
     * Where to POST, what to sign with and how many events one POST may carry (1: Meta's shape);
     * swapped whole when the tenant changes its endpoint.
     */
    record Target(URI uri, String secret, int maxEventsPerPost) {}

    private final String tenantId;
    private final DeliveryContext ctx;
    private final CircuitBreaker breaker;
    private final Semaphore wake = new Semaphore(0);
    private final Set<String> busy = new HashSet<>();
    private final Set<Long> inFlight = new HashSet<>();
    private final Set<Thread> posting = new HashSet<>();
    private final Thread loop;
    private volatile Target target;
    private volatile boolean running = true;
    /** While the breaker is open: when the next row's horizon passes (only the loop thread uses it). */
    private long openUntilExpiry;

    EndpointWorker(String tenantId, Target target, DeliveryContext ctx) {
        this.tenantId = tenantId;
        this.target = target;
        this.ctx = ctx;
        int threshold = ctx.config().breakerFailureThreshold();
        this.breaker = CircuitBreaker.of("webhook-" + tenantId, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(threshold * 2)
                .minimumNumberOfCalls(threshold)
                .failureRateThreshold(50)
                .waitDurationInOpenState(ctx.config().breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
        breaker.getEventPublisher().onStateTransition(e -> {
            LOG.info("webhook endpoint of tenant {}: circuit breaker {}", tenantId, e.getStateTransition());
            wake.release();
        });
        this.loop = Thread.ofVirtual().name("delivery-" + tenantId).start(this::run);
    }

    /** New URL or secret: later POSTs use it; a new URL starts with a fresh breaker. */
    void update(Target next) {
        Target previous = target;
        target = next;
        if (!previous.uri().equals(next.uri())) {
            breaker.reset();
        }
        wake.release();
    }

    void wake() {
        wake.release();
    }

    String breakerState() {
        return breaker.getState().name();
    }

    boolean breakerOpen() {
        return breaker.getState() == CircuitBreaker.State.OPEN;
    }

    private void run() {
        while (running) {
            wake.drainPermits();
            long wait;
            try {
                wait = round();
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("delivery round for tenant {} failed; retrying shortly", tenantId, e);
                wait = 1000;
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (wait > 0) {
                    wake.tryAcquire(wait, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Plans and starts one round; returns how long to wait before the next (woken earlier by events). */
    private long round() throws InterruptedException {
        long now = ctx.clock().millis();
        Set<String> busyNow;
        Set<Long> inFlightNow;
        int free;
        synchronized (this) {
            busyNow = Set.copyOf(busy);
            inFlightNow = Set.copyOf(inFlight);
            free = ctx.config().maxInFlight() - posting.size();
        }
        boolean mayDispatch = breaker.getState() == CircuitBreaker.State.CLOSED
                || breaker.getState() == CircuitBreaker.State.HALF_OPEN;
        if (!mayDispatch && now < openUntilExpiry) {
            // Open breaker: new rows wake us, but nothing can go out and nothing expires before
            // then; the transition to half-open wakes us for the probe.
            return Math.min(openUntilExpiry - now, IDLE_WAIT_MILLIS);
        }
        RoundPlanner plan = new RoundPlanner(now, ctx.config().horizon().toMillis(), busyNow, inFlightNow, free,
                target.maxEventsPerPost(), mayDispatch);
        long after = 0;
        for (int page = 0; page < MAX_PAGES; page++) {
            long from = after;
            List<OutboxRow.Ref> rows = read(() -> ctx.store().scan(tenantId, from, PAGE));
            plan.consider(rows);
            if (rows.size() < PAGE || !plan.wantsMore()) {
                break;
            }
            after = plan.lastId();
        }
        if (!plan.expired().isEmpty()) {
            ctx.writer().submit(ctx.store().expire(plan.expired(), now,
                    n -> ctx.metrics().events(tenantId, DeliveryMetrics.DEAD_LETTERED, n))).join();
            return 0; // heads changed: plan again at once
        }
        for (List<OutboxRow.Ref> batch : plan.batches()) {
            if (!breaker.tryAcquirePermission()) {
                break; // half-open and already probing: the probe's end wakes us
            }
            dispatch(batch);
        }
        long wakeAt = plan.wakeAt();
        // A row queued from now on cannot expire before now + horizon.
        openUntilExpiry = mayDispatch ? 0 : Math.min(wakeAt, now + ctx.config().horizon().toMillis());
        return wakeAt == Long.MAX_VALUE ? IDLE_WAIT_MILLIS : Math.clamp(wakeAt - now, 1, IDLE_WAIT_MILLIS);
    }

    private void dispatch(List<OutboxRow.Ref> batch) {
        synchronized (this) {
            for (OutboxRow.Ref r : batch) {
                inFlight.add(r.id());
                busy.add(r.conversation());
            }
            Thread t = Thread.ofVirtual().name("delivery-" + tenantId + "-post").unstarted(() -> deliver(batch));
            posting.add(t);
            t.start();
        }
    }

    private void deliver(List<OutboxRow.Ref> batch) {
        boolean settled = false;
        try {
            List<Long> ids = new ArrayList<>(batch.size());
            batch.forEach(r -> ids.add(r.id()));
            List<OutboxRow> rows = read(() -> ctx.store().loadPending(ids));
            if (rows.isEmpty()) {
                return; // discarded meanwhile (the endpoint was removed)
            }
            byte[] body = Envelope.build(rows, ctx.json());
            Target to = target;
            long start = System.nanoTime();
            Outcome outcome = post(to, body);
            long took = System.nanoTime() - start;
            if (outcome == null) {
                return; // interrupted: shutting down; the rows stay pending and go out after restart
            }
            ctx.metrics().post(tenantId, outcome.ok(), took);
            settled = true;
            if (outcome.ok()) {
                breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                ctx.writer().submit(ctx.store().delivered(rows)).join();
                ctx.metrics().events(tenantId, DeliveryMetrics.DELIVERED, rows.size());
            } else {
                breaker.onError(took, TimeUnit.NANOSECONDS, new DeliveryFailure(outcome.error()));
                recordFailure(rows, outcome);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Most likely the outcome could not be recorded: the rows are still pending and will
            // be sent again (at least once). Pause so a sick database does not turn into a loop.
            LOG.warn("delivery to tenant {} could not be completed; it will be retried", tenantId, e);
            sleepQuietly(1000);
        } finally {
            if (!settled) {
                breaker.releasePermission();
            }
            synchronized (this) {
                for (OutboxRow.Ref r : batch) {
                    inFlight.remove(r.id());
                    busy.remove(r.conversation());
                }
                posting.remove(Thread.currentThread());
            }
            wake.release();
        }
    }

    private void recordFailure(List<OutboxRow> rows, Outcome outcome) {
        long now = ctx.clock().millis();
        int attempt = 1;
        for (OutboxRow r : rows) {
            attempt = Math.max(attempt, r.attempts() + 1);
        }
        long retryAt = now + Backoff.millis(attempt, ctx.config().retryBase().toMillis(), ctx.config().retryCap().toMillis());
        int total = rows.size();
        ctx.writer().submit(ctx.store().failed(rows, now, outcome.httpStatus(), outcome.error(), retryAt,
                now - ctx.config().horizon().toMillis(), dead -> {
                    ctx.metrics().events(tenantId, DeliveryMetrics.DEAD_LETTERED, dead);
                    ctx.metrics().events(tenantId, DeliveryMetrics.RETRIED, total - dead);
                })).join();
    }

    /** The result of one POST: {@code ok} for any 2xx; anything else (or no answer) is a failure. */
    record Outcome(boolean ok, Integer httpStatus, String error) {}

    /** One signed POST; null when interrupted (shutdown or endpoint removal). */
    private Outcome post(Target to, byte[] body) {
        if (!ctx.config().allowPrivateTargets()) {
            String refusal = TargetGuard.refusal(to.uri().getHost()); // again now: the name may point elsewhere since
            if (refusal != null) {
                return new Outcome(false, null, "not sent: the endpoint's host " + refusal);
            }
        }
        long timeout = ctx.config().requestTimeout().toMillis();
        HttpRequest request = HttpRequest.newBuilder(to.uri())
                .timeout(ctx.config().requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .header(Signatures.HEADER, Signatures.header(to.secret(), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<Void>> f = ctx.client().sendAsync(request, HttpResponse.BodyHandlers.discarding());
        try {
            // The request timeout covers the wait for the response headers; this one also bounds a
            // receiver that answers and then dribbles its body.
            int code = f.get(timeout + 1000, TimeUnit.MILLISECONDS).statusCode();
            return code / 100 == 2 ? new Outcome(true, code, null) : new Outcome(false, code, "HTTP " + code);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Outcome(false, null, "timed out after " + timeout + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return new Outcome(false, null, "timed out after " + timeout + " ms");
            }
            String msg = cause.getMessage();
            return new Outcome(false, null, cause.getClass().getSimpleName() + (msg == null ? "" : ": " + msg));
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Runs a read on the delivery path's database threads; this (virtual) thread parks meanwhile. */
    private <T> T read(Callable<T> r) throws InterruptedException {
        try {
            return ctx.reads().submit(r).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops planning and abandons POSTs in flight: their rows stay pending in the outbox. */
    @Override
    public void close() {
        running = false;
        loop.interrupt();
        List<Thread> threads;
        synchronized (this) {
            threads = new ArrayList<>(posting);
        }
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            loop.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the breaker records for a failed POST. */
    static final class DeliveryFailure extends RuntimeException {
        DeliveryFailure(String message) {
            super(message, null, false, false);
        }
    }
}
