package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.TokenCipher;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant delivery path: forwards the webhook events each tenant asked for to its own
 * endpoint, in Meta's format and signed like Meta's, through a durable outbox.
 *
 * <h2>Why an outbox</h2>
 * Meta gets a 200 from Switchboard within milliseconds, whatever the tenant's endpoint is doing;
 * from then on Switchboard owes the tenant those events. Holding them in memory would lose them
 * on a restart and let one dead endpoint fill the heap, so every event bound for a tenant becomes
 * a row of {@code webhook_deliveries} first, and is deleted only once the endpoint answered 2xx.
 * The {@link EventFeeder} queues events in the same transaction that moves its cursor over the
 * event log, so across any crash each event is queued exactly once; delivery itself is at least
 * once (a POST that succeeded just before a crash is sent again), as Meta's own webhooks are, and
 * receivers already deduplicate those by message id and status.
 *
 * <h2>Why order is kept per conversation, not per endpoint</h2>
 * What a receiver needs in order is one user's story on one number: sent before delivered before
 * read, the reply after the message it answers. Ordering the whole endpoint would let a single
 * poisoned event stall every user; ordering nothing would let a retry deliver {@code sent} after
 * {@code read}. So a conversation (channel + contact) is the unit: while the oldest pending event
 * of a conversation waits for its retry, the events behind it wait too, and every other
 * conversation goes on. Rows carry ids assigned in commit order, which is event-log order; the
 * {@link RoundPlanner} only ever takes a prefix of a conversation's pending rows, into a single
 * POST, and never while an earlier POST of that conversation is in flight.
 *
 * <h2>Why one event per POST</h2>
 * Most of Meta's webhooks carry a single status or message, and many receivers written for Meta
 * (most client libraries among them) read {@code entry[0].changes[0].value.statuses[0]} (or
 * {@code messages[0]}) and stop there; a batch would silently lose everything after its first
 * event for them. So an endpoint gets one event per POST, in the change value Meta sent it in
 * and in Meta's bytes ({@link Envelope}), unless it opts in to batches with
 * {@code max_events_per_post} (up to {@code delivery.maxBatch}). The cost is POSTs: an endpoint
 * drains at most {@code maxInFlight} events per round trip, and one conversation one event per
 * round trip (its POSTs never overlap). A receiver answering in 50 ms with the default 16 POSTs
 * in flight takes about 320 events a second (4 in flight, the old default, about 80); one that
 * needs more opts in to batches, or the operator raises {@code delivery.maxInFlight}.
 *
 * <h2>Why a worker per endpoint</h2>
 * One slow or dead endpoint must not delay anyone else. Each endpoint has an
 * {@link EndpointWorker}: its own planning loop and POSTs on virtual threads (a hung receiver
 * costs a parked virtual thread, not a pool slot), its own bound on POSTs in flight, its own
 * circuit breaker, and timeouts on every request. Nothing they share blocks on HTTP: the feeder
 * only maps and writes, the writer only writes, and the JDK HttpClient multiplexes every
 * connection on its own selector. A POST's outcome goes through the delivery path's own
 * group-commit writer, so the send path's and the webhook path's writers never queue behind a
 * tenant's retries; the workers' reads run on two platform threads of their own, which bounds
 * the connections they take from the shared pool and keeps JDBC's native calls off the carrier
 * threads that the HTTP handlers' virtual threads need.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A POST carries at most the endpoint's {@code max_events_per_post} events (1 by default).</li>
 *   <li>A row is PENDING until it is delivered (deleted), dead-lettered (its {@code horizon}
 *       passed: after a failed attempt, or while it waited) or discarded with its endpoint.</li>
 *   <li>At most one POST per conversation is in flight, and it holds that conversation's oldest
 *       pending rows in id order. A POST's outcome commits before its conversations are free.</li>
 *   <li>Retries back off exponentially with full jitter between {@code retryBase} and
 *       {@code retryCap}; while the breaker is open nothing is attempted and nothing is charged
 *       an attempt, but horizons still run.</li>
 *   <li>A replayed dead letter re-enters as a new row behind everything queued, with a fresh
 *       horizon: replay is an explicit act, so it does not pretend to restore the original order.</li>
 * </ul>
 */
public final class Outbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    /** Dead letters replayed per transaction: a big replay must not hold the write lock for long. */
    private static final int REPLAY_CHUNK = 1000;

    private final DeliveryContext ctx;
    private final GroupCommitWriter writer;
    private final Endpoints endpoints;
    private final EventFeeder feeder;
    private final Map<String, EndpointWorker> workers = new ConcurrentHashMap<>();
    private final Set<String> breakerGauges = ConcurrentHashMap.newKeySet();
    private final ExecutorService reads = Executors.newFixedThreadPool(2,
            Thread.ofPlatform().name("delivery-read-", 0).daemon(true).factory());
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("delivery-timers").daemon(true).factory());

    boolean allowsPrivateTargets() {
        return ctx.config().allowPrivateTargets();
    }

    /** The most events an endpoint may ask for in one POST: the node's {@code delivery.maxBatch}. */
    int maxEventsPerPost() {
        return ctx.config().maxBatch();
    }

    public Outbox(SwitchboardConfig.Delivery config, int writerBatch, Supplier<Connection> writerConnections,
                  java.util.concurrent.locks.Lock sharedWriteLock, Jdbc jdbc,
                  EventLog events, Tenancy tenancy, TokenCipher cipher, ObjectMapper json, MeterRegistry registry,
                  Clock clock) {
        // Its own writer (and so its own connection and queue): retries and acknowledgements of
        // tenant POSTs never wait behind accepts or webhook storms, nor make them wait. On SQLite
        // it shares the file's write lock with the node's other writer (see GroupCommitWriter).
        this.writer = new GroupCommitWriter("delivery", writerConnections, writerBatch, 100_000, sharedWriteLock);
        OutboxStore store = new OutboxStore(jdbc);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(min(config.requestTimeout(), Duration.ofSeconds(5)))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        this.ctx = new DeliveryContext(config, store, writer, client, json, new DeliveryMetrics(registry), clock, reads);
        this.endpoints = new Endpoints(jdbc, writer, cipher);
        this.feeder = new EventFeeder(events, endpoints, new EventMapper(jdbc, tenancy, json), store, writer, this::wake, clock);
    }

    public void start() {
        for (WebhookEndpoint e : endpoints.all()) {
            startWorker(e);
        }
        feeder.start();
        timers.scheduleWithFixedDelay(this::count, 0, 5, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(this::purgeDeadLetters, 1, 60, TimeUnit.MINUTES);
    }

    // ---- endpoints --------------------------------------------------------------------------

    public Optional<WebhookEndpoint> endpoint(String tenantId) {
        return endpoints.get(tenantId);
    }

    /**
     * Creates or replaces a tenant's endpoint (a null secret keeps the current one) and starts
     * delivering to it. {@code maxEventsPerPost} is between 1 and {@link #maxEventsPerPost()}.
     */
    public WebhookEndpoint configure(String tenantId, String url, String secret, boolean messages, StatusFilter statuses,
                                     boolean account, int maxEventsPerPost) {
        if (maxEventsPerPost < 1 || maxEventsPerPost > maxEventsPerPost()) {
            throw new IllegalArgumentException("maxEventsPerPost must be 1 to " + maxEventsPerPost());
        }
        WebhookEndpoint e = endpoints.save(tenantId, url, secret, messages, statuses, account, maxEventsPerPost,
                ctx.clock().millis());
        EndpointWorker w = workers.get(tenantId);
        if (w != null) {
            w.update(target(e));
        } else {
            startWorker(e);
        }
        return e;
    }

    /** Removes a tenant's endpoint; returns how many pending deliveries were discarded, or -1 if it had none. */
    public int remove(String tenantId) {
        EndpointWorker w = workers.remove(tenantId);
        if (w != null) {
            w.close();
        }
        return endpoints.delete(tenantId);
    }

    private void startWorker(WebhookEndpoint e) {
        EndpointWorker w = new EndpointWorker(e.tenantId(), target(e), ctx);
        EndpointWorker previous = workers.put(e.tenantId(), w);
        if (previous != null) {
            previous.close();
        }
        if (breakerGauges.add(e.tenantId())) {
            ctx.metrics().breaker(e.tenantId(), () -> {
                EndpointWorker current = workers.get(e.tenantId());
                return current != null && current.breakerOpen();
            });
        }
    }

    private EndpointWorker.Target target(WebhookEndpoint e) {
        // An operator may have lowered delivery.maxBatch since the endpoint asked for more.
        return new EndpointWorker.Target(URI.create(e.url()), endpoints.secret(e),
                Math.clamp(e.maxEventsPerPost(), 1, maxEventsPerPost()));
    }

    /** Wakes the workers of {@code tenants} (called after their new rows committed). */
    void wake(Set<String> tenants) {
        for (String t : tenants) {
            EndpointWorker w = workers.get(t);
            if (w != null) {
                w.wake();
            }
        }
    }

    /** Pending and dead counts and the breaker of a tenant's endpoint, for the APIs. */
    public Status status(String tenantId) {
        long[] c = ctx.store().counts(tenantId);
        ctx.metrics().counts(tenantId, c);
        EndpointWorker w = workers.get(tenantId);
        return new Status(c[0], c[1], w == null ? "NONE" : w.breakerState());
    }

    /** @param breaker CLOSED, OPEN, HALF_OPEN (or NONE without an endpoint) */
    public record Status(long pending, long deadLetters, String breaker) {}

    // ---- dead letters -------------------------------------------------------------------------

    /** A tenant's dead letters with ids after {@code afterId}, oldest first. */
    public List<DeadLetter> deadLetters(String tenantId, long afterId, int limit) {
        return ctx.store().deadLetters(tenantId, afterId, limit).stream().map(DeadLetter::of).toList();
    }

    /**
     * Puts a tenant's dead letters back in its outbox: those in {@code ids}, or all when null.
     * Returns how many; ids that are not this tenant's dead letters are ignored.
     */
    public int replay(String tenantId, List<Long> ids) {
        int total = 0;
        if (ids != null) {
            for (int i = 0; i < ids.size(); i += REPLAY_CHUNK) {
                total += replayChunk(tenantId, ids.subList(i, Math.min(ids.size(), i + REPLAY_CHUNK)));
            }
        } else {
            int n;
            do {
                n = replayChunk(tenantId, null);
                total += n;
            } while (n == REPLAY_CHUNK);
        }
        if (total > 0) {
            wake(Set.of(tenantId));
        }
        return total;
    }

    private int replayChunk(String tenantId, List<Long> ids) {
        AtomicInteger n = new AtomicInteger();
        writer.submit(ctx.store().replay(tenantId, ids, REPLAY_CHUNK, ctx.clock().millis(), n::set)).join();
        return n.get();
    }

    /** Drops one dead letter of a tenant; false if it has no such dead letter. */
    public boolean discard(String tenantId, long id) {
        AtomicInteger n = new AtomicInteger();
        writer.submit(ctx.store().discardDead(tenantId, id, n::set)).join();
        return n.get() > 0;
    }

    // ---- housekeeping -----------------------------------------------------------------------

    private void count() {
        try {
            ctx.metrics().counts(ctx.store().counts());
        } catch (RuntimeException e) {
            LOG.warn("outbox count failed", e);
        }
    }

    private void purgeDeadLetters() {
        try {
            writer.submit(ctx.store().purgeDead(ctx.clock().millis() - ctx.config().deadLetterRetention().toMillis()));
        } catch (RuntimeException e) {
            LOG.warn("dead-letter purge failed", e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Stops feeding and delivering; what is pending stays in the outbox for the next start. */
    @Override
    public void close() {
        timers.shutdownNow();
        feeder.close();
        workers.values().forEach(EndpointWorker::close);
        workers.clear();
        reads.shutdownNow();
        writer.close();
        ctx.client().shutdownNow();
    }
}
