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
import java.util.function.LongSupplier;
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
    /** Ids resent after the last crash (at most what was in flight then); see {@link #reconcileInFlight}. */
    private final java.util.Set<String> resentAfterCrash = ConcurrentHashMap.newKeySet();
    private volatile LongSupplier unappliedWebhooks = () -> 0;
    /** Queued messages per "channel|lane" and per tenant, counted in storage every few seconds. */
    private final Map<String, Long> storedDepth = new ConcurrentHashMap<>();
    private final List<MetaFailure.Listener> failureListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

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
        this.ctx = new OutboundContext(config, store, writer, expressWriter, client, tenancy, retry, breakers, metrics, gate, events, clock,
                this::metaFailure);
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

    /**
     * A person decided the number may send marketing again (a campaign resumed after Meta's
     * 131048): its marketing pause ends, and {@code parked} — messages set aside until the pause
     * would have ended — go back to the front of their lanes now.
     */
    public void resumeMarketing(String channelId, java.util.Set<String> parked) {
        ChannelWorker w = workers.get(channelId);
        if (w != null) {
            w.resumeMarketing(parked);
        }
    }

    /** Hears every error code Meta answers a send with or reports in a {@code failed} status (see {@link MetaFailure}). */
    public void onMetaFailure(MetaFailure.Listener listener) {
        failureListeners.add(listener);
    }

    /** Meta failed a message: the send path's own refusals and the webhook processor's failed statuses come here. */
    public void metaFailure(MetaFailure failure) {
        for (MetaFailure.Listener l : failureListeners) {
            try {
                l.failed(failure);
            } catch (RuntimeException e) {
                LOG.warn("a listener of Meta's failures failed on {} ({})", failure.messageId(), failure.code(), e);
            }
        }
    }

    /** A queued message was cancelled: it leaves its worker's memory now. */
    public void cancelled(String channelId, String messageId) {
        ChannelWorker w = workers.get(channelId);
        if (w != null) {
            w.memory().forget(messageId);
        }
    }

    /** Whether a channel's worker holds this message in memory (diagnostics, and the cancel test). */
    public boolean inMemory(String channelId, String messageId) {
        ChannelWorker w = workers.get(channelId);
        return w != null && w.memory().holds(messageId);
    }

    /** Inbound messages Meta counted in a number's throughput: they take their share of its second. */
    public void inboundSeen(String channelId, int messages) {
        ChannelWorker w = workers.get(channelId);
        if (w != null) {
            w.inboundSeen(messages);
        }
    }

    /** Meta made a template sendable again: the channel's messages held for it go now, not after their hold. */
    public void templateSendable(String channelId, String templateName) {
        ChannelWorker w = workers.get(channelId);
        if (w != null) {
            w.memory().releaseTemplate(templateName);
        }
    }

    /** A group the gate set aside (a campaign) may go again: its messages return to their lanes on every channel. */
    public void releaseAside(String group) {
        for (ChannelWorker w : workers.values()) {
            w.memory().releaseAside(group);
        }
    }

    /** Wakes a channel's worker: something a hold depended on (a template, the quality) changed. */
    public void recheck(String channelId) {
        ChannelWorker w = workers.get(channelId);
        if (w != null) {
            w.memory().signal();
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
        for (int[] d : w.memory().depth().values()) {
            queued += d[0] + (d[1] > 0 ? 100_000 : 0);
        }
        return w.pacer().rate() - queued;
    }

    /** The messaging-limit budget of the channel's portfolio now, or empty for a channel this node does not serve. */
    public java.util.Optional<TierBudget.Room> messagingLimit(String channelId) {
        ChannelWorker w = workers.get(channelId);
        return w == null ? java.util.Optional.empty() : java.util.Optional.of(w.tier().room(ctx.clock().millis()));
    }

    private void onChannelChange(Channel c) {
        if (c.ceilingMps() < 1 || c.ceilingMps() > NumberPacer.MAX_CEILING_MPS) {
            LOG.error("channel {}: stored ceiling {} mps is outside 1..{}; paced at {} until an operator fixes it", c.phoneNumberId(),
                    c.ceilingMps(), NumberPacer.MAX_CEILING_MPS, Math.max(1, Math.min(NumberPacer.MAX_CEILING_MPS, c.ceilingMps())));
        }
        TierBudget budget = budgets.computeIfAbsent(c.portfolioId(), p -> new TierBudget(Channel.tierLimit(c.tier()), ctx.config().tierReserve()));
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
            Gauge.builder("switchboard_queue_memory_depth", w, x -> x.memory().depth().get(lane)[0])
                    .tag("channel", channelId).tag("lane", lane.name()).register(ctx.metrics().registry());
        }
        Gauge.builder("switchboard_channel_rate_mps", w, x -> x.pacer().rate()).tag("channel", channelId)
                .register(ctx.metrics().registry());
        Gauge.builder("switchboard_channel_ceiling_mps", w, x -> x.pacer().ceiling()).tag("channel", channelId)
                .register(ctx.metrics().registry());
        Gauge.builder("switchboard_channel_throttles", w, x -> x.pacer().throttles()).tag("channel", channelId)
                .register(ctx.metrics().registry());
        Gauge.builder("switchboard_channel_arrival_jitter_ms", w, x -> x.releases().jitterNanos() / 1e6).tag("channel", channelId)
                .description("the release window's margin for arrival jitter; widens on 130429, narrows after 30 s without")
                .register(ctx.metrics().registry());
    }

    /**
     * Messages claimed (SENDING) when the node died may or may not have reached Meta. Meta
     * answers every send it accepted with a {@code sent} or {@code failed} status carrying our
     * {@code biz_opaque_callback_data}, within seconds, and retries the webhook until we take it:
     * so after a grace window, and once the webhooks received by then are applied, a message
     * still SENDING was not accepted by Meta and is resent (the lane's policy may say fail
     * instead). Statuses that arrive later still apply to it; should the original turn out to
     * have been accepted after all, {@link #resentAfterCrash} lets the webhook path record the
     * double send instead of letting the original's statuses overwrite the resend's.
     */
    private void reconcileInFlight() {
        long startedAt = ctx.clock().millis();
        long inFlight = ctx.store().countInFlight();
        if (inFlight == 0) {
            return;
        }
        long grace = ctx.config().inFlightGrace().toMillis();
        LOG.warn("{} messages were in flight when the node stopped; waiting {} ms for Meta's statuses before resending"
                + " those without one", inFlight, grace);
        long giveUpWaitingAt = System.nanoTime() + 2 * grace * 1_000_000L;
        timers.schedule(() -> resolveInFlight(startedAt, giveUpWaitingAt), grace, TimeUnit.MILLISECONDS);
    }

    private void resolveInFlight(long startedAt, long giveUpWaitingAt) {
        long backlog = unappliedWebhooks.getAsLong();
        if (backlog > 0 && System.nanoTime() - giveUpWaitingAt < 0) {
            // webhooks already received may hold the evidence: apply them first
            timers.schedule(() -> resolveInFlight(startedAt, giveUpWaitingAt), 200, TimeUnit.MILLISECONDS);
            return;
        }
        long now = ctx.clock().millis();
        for (Lane lane : Lane.values()) {
            boolean resend = resendInFlight.getOrDefault(lane, true);
            ctx.writer().submit(ctx.store().resolveInFlight(lane, resend, startedAt, now)).join();
        }
        // Resent rows are QUEUED again below the lanes' paged-in marks: hand them over directly.
        List<QueuedMessage> back = ctx.store().loadRequeuedAfterCrash(startedAt);
        for (QueuedMessage m : back) {
            resentAfterCrash.add(m.id());
            ChannelWorker w = workers.get(m.channelId());
            if (w != null) {
                w.retryLater(m);
            }
        }
        LOG.info("in-flight reconciliation done: {} without a status from Meta resent{}", back.size(),
                backlog > 0 ? " (" + backlog + " webhooks were still unapplied)" : "");
    }

    /** Whether this message was resent after a crash because Meta had not confirmed it. */
    public boolean resentAfterCrash(String messageId) {
        return !resentAfterCrash.isEmpty() && resentAfterCrash.contains(messageId);
    }

    /** How many received webhooks are not yet applied: the evidence {@link #reconcileInFlight} waits for. */
    public void evidenceFrom(LongSupplier unappliedWebhooks) {
        this.unappliedWebhooks = unappliedWebhooks;
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
        workers.forEach((id, w) -> out.put(id, w.memory().depth()));
        return out;
    }

    /**
     * Stops taking messages and waits, up to {@code grace}, for the requests already on their way
     * to Meta to be answered and settled (their settlements reach the writers, which flush on
     * close). What is still in flight after that is reconciled by the next start, as after a crash.
     * Returns how many were still in flight.
     */
    public int drain(java.time.Duration grace) {
        workers.values().forEach(ChannelWorker::stop);
        long deadline = System.nanoTime() + grace.toNanos();
        int inFlight;
        while ((inFlight = workers.values().stream().mapToInt(ChannelWorker::busy).sum()) > 0
                && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight > 0) {
            LOG.warn("{} sends were still in flight after {} ms; the next start reconciles them", inFlight, grace.toMillis());
        }
        return inFlight;
    }

    @Override
    public void close() {
        timers.shutdownNow();
        workers.values().forEach(ChannelWorker::stop);
    }

}
