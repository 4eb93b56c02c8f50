package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.MessageStore;
import dev.switchboard.gateway.messages.QueuedMessage;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Gauge;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send path's front door: one {@link ChannelWorker} per channel, the tier budgets per
 * business portfolio, crash reconciliation and the periodic sweeps.
 *
 * <p><b>Crash reconciliation.</b> On start, messages left SENDING by a crash may or may not have
 * reached Meta. They are left alone for {@code inFlightGrace}, during which status webhooks
 * (which carry our id in {@code biz_opaque_callback_data}) settle the ones Meta accepted. What
 * is still SENDING afterwards follows the lane's policy: RESEND (at-least-once; the default for
 * every lane) or FAIL (at-most-once, dead-lettered with the reason).
 */
public final class Outbound implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Outbound.class);

    private final OutboundContext ctx;
    private final Map<String, ChannelWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, TierBudget> budgets = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("outbound-timers").daemon(true).factory());
    private final Map<Lane, Boolean> resendInFlight = new EnumMap<>(Lane.class);
    /** Queued messages per "channel|lane" and per tenant, counted in storage every few seconds. */
    private final Map<String, Long> storedDepth = new ConcurrentHashMap<>();

    public Outbound(SwitchboardConfig.Sending config, MessageStore store, GroupCommitWriter writer, GroupCommitWriter expressWriter,
                    CloudApiClient client, Tenancy tenancy, SendPathMetrics metrics, SendGate gate, EventLog events, Clock clock) {
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(Math.max(config.breakerFailureThreshold() * 2, 10))
                .minimumNumberOfCalls(config.breakerFailureThreshold())
                .failureRateThreshold(50)
                .waitDurationInOpenState(config.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                .build());
        RetryPolicy retry = new RetryPolicy(config.retryBase(), config.retryCap(), config.maxAttempts(), config.retryBudgetRatio());
        this.ctx = new OutboundContext(config, store, writer, expressWriter, client, tenancy, retry, breakers, metrics, gate, events, clock);
        for (String rule : config.inFlightPolicy()) {
            String[] kv = rule.split("=");
            resendInFlight.put(Lane.valueOf(kv[0].trim().toUpperCase(Locale.ROOT)),
                    "RESEND".equalsIgnoreCase(kv[1].trim()));
        }
        tenancy.onChannelChange(this::onChannelChange);
    }

    public void start() {
        for (Channel c : ctx.tenancy().channels()) {
            onChannelChange(c);
        }
        reconcileInFlight();
        timers.scheduleWithFixedDelay(this::sweepExpired, 2, 2, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(this::countDepths, 0, 5, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(() -> ctx.writer().submit(ctx.store().purgeIdempotency(
                ctx.clock().millis() - TimeUnit.HOURS.toMillis(24))), 1, 60, TimeUnit.MINUTES);
    }

    /** Called after an accept commits (on the writer thread). */
    public void enqueue(QueuedMessage m) {
        ChannelWorker w = workers.get(m.channelId());
        if (w != null) {
            w.offer(m);
        }
    }

    /**
     * For a HIGH-lane message about to be accepted: true if its channel took it straight to
     * sending ({@link ChannelWorker#tryClaimNow}); the accept must then write it SENDING and
     * call {@link #sendClaimed} after its commit, or {@link #unclaim} if it fails.
     */
    public boolean tryClaimNow(QueuedMessage m) {
        ChannelWorker w = workers.get(m.channelId());
        boolean claimed = w != null && w.tryClaimNow(m);
        if (claimed) {
            ctx.metrics().claimedAtAccept(m.channelId());
        }
        return claimed;
    }

    /** Called after the accept of a message {@link #tryClaimNow} took commits (on the writer thread). */
    public void sendClaimed(QueuedMessage m) {
        workers.get(m.channelId()).sendClaimed(m);
    }

    public void unclaim(QueuedMessage m) {
        workers.get(m.channelId()).unclaim(m);
    }

    /** Holds a channel's marketing until {@code untilMillis} (Meta's 131048 spam rate limit). */
    public void pauseMarketing(String channelId, long untilMillis) {
        ChannelWorker w = workers.get(channelId);
        if (w != null) {
            w.pauseMarketing(untilMillis);
        }
    }

    /** Wakes a channel's worker: something a hold depended on (a template, the quality) changed. */
    public void recheck(String channelId) {
        ChannelWorker w = workers.get(channelId);
        if (w != null) {
            w.signal();
        }
    }

    public boolean breakerOpen(String channelId) {
        ChannelWorker w = workers.get(channelId);
        return w != null && w.breaker().getState() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN;
    }

    public String breakerState(String channelId) {
        ChannelWorker w = workers.get(channelId);
        return w == null ? "NONE" : w.breaker().getState().name();
    }

    /** Current free capacity of a channel in messages per second (for pool selection). */
    public double freeCapacity(String channelId) {
        ChannelWorker w = workers.get(channelId);
        if (w == null || !w.channel().sendable()) {
            return -1;
        }
        int queued = 0;
        for (int[] d : w.depth().values()) {
            queued += d[0] + (d[1] > 0 ? 100_000 : 0);
        }
        return w.pacer().rate() - queued;
    }

    private void onChannelChange(Channel c) {
        TierBudget budget = budgets.computeIfAbsent(c.portfolioId(), p -> new TierBudget(Channel.tierLimit(c.tier())));
        budget.setLimit(Channel.tierLimit(c.tier()));
        ChannelWorker existing = workers.get(c.phoneNumberId());
        if (existing != null) {
            existing.update(c, budget);
            return;
        }
        ChannelWorker w = new ChannelWorker(ctx, c, budget);
        if (workers.putIfAbsent(c.phoneNumberId(), w) == null) {
            registerGauges(c.phoneNumberId(), w);
            w.start();
        }
    }

    /** Depth gauges read the database's truth, which includes what is not paged into memory. */
    private void countDepths() {
        try {
            Map<String, Long> perTenant = new java.util.HashMap<>();
            for (ChannelWorker w : workers.values()) {
                Channel c = w.channel();
                for (Lane lane : Lane.values()) {
                    long n = ctx.store().countQueued(c.phoneNumberId(), lane);
                    storedDepth.put(c.phoneNumberId() + "|" + lane, n);
                    perTenant.merge(c.tenantId(), n, Long::sum);
                }
            }
            perTenant.forEach((tenant, n) -> {
                if (storedDepth.put("tenant|" + tenant, n) == null) {
                    Gauge.builder("switchboard_tenant_queued", storedDepth, m -> m.getOrDefault("tenant|" + tenant, 0L))
                            .tag("tenant", tenant).register(ctx.metrics().registry());
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("queue depth count failed", e);
        }
    }

    private void registerGauges(String channelId, ChannelWorker w) {
        for (Lane lane : Lane.values()) {
            Gauge.builder("switchboard_queue_depth", storedDepth, m -> m.getOrDefault(channelId + "|" + lane, 0L))
                    .tag("channel", channelId).tag("lane", lane.name()).register(ctx.metrics().registry());
            Gauge.builder("switchboard_queue_memory_depth", w, x -> x.depth().get(lane)[0])
                    .tag("channel", channelId).tag("lane", lane.name()).register(ctx.metrics().registry());
        }
        Gauge.builder("switchboard_channel_rate_mps", w, x -> x.pacer().rate()).tag("channel", channelId)
                .register(ctx.metrics().registry());
        Gauge.builder("switchboard_channel_ceiling_mps", w, x -> x.pacer().ceiling()).tag("channel", channelId)
                .register(ctx.metrics().registry());
        Gauge.builder("switchboard_channel_throttles", w, x -> x.pacer().throttles()).tag("channel", channelId)
                .register(ctx.metrics().registry());
    }

    private void reconcileInFlight() {
        long startedAt = ctx.clock().millis();
        long inFlight = ctx.store().countInFlight();
        if (inFlight == 0) {
            return;
        }
        long grace = ctx.config().inFlightGrace().toMillis();
        LOG.warn("{} messages were in flight when the node stopped; reconciling in {} ms", inFlight, grace);
        timers.schedule(() -> {
            long now = ctx.clock().millis();
            for (Lane lane : Lane.values()) {
                boolean resend = resendInFlight.getOrDefault(lane, true);
                ctx.writer().submit(ctx.store().resolveInFlight(lane, resend, startedAt, now)).join();
            }
            // Resent rows are QUEUED again below the lanes' paged-in marks: hand them over directly.
            List<QueuedMessage> back = ctx.store().loadRequeuedAfterCrash(startedAt);
            for (QueuedMessage m : back) {
                ChannelWorker w = workers.get(m.channelId());
                if (w != null) {
                    w.retryLater(m);
                }
            }
            LOG.info("in-flight reconciliation done: {} resent", back.size());
        }, grace, TimeUnit.MILLISECONDS);
    }

    private void sweepExpired() {
        try {
            ctx.writer().submit(ctx.store().expireDue(ctx.clock().millis()));
        } catch (RuntimeException e) {
            LOG.warn("expiry sweep failed", e);
        }
    }

    /** Queue depth in memory per channel and lane (for the admin view and tests). */
    public Map<String, Map<Lane, int[]>> depths() {
        Map<String, Map<Lane, int[]>> out = new java.util.TreeMap<>();
        workers.forEach((id, w) -> out.put(id, w.depth()));
        return out;
    }

    @Override
    public void close() {
        timers.shutdownNow();
        workers.values().forEach(ChannelWorker::stop);
    }

}
