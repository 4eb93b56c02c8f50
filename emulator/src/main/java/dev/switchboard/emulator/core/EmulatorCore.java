package dev.switchboard.emulator.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.AccountEvent;
import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.emulator.EmulatorStats;
import dev.switchboard.emulator.FaultConfig;
import dev.switchboard.emulator.Tier;
import dev.switchboard.emulator.faults.FaultInjector;
import dev.switchboard.emulator.faults.ScriptedFailures;
import dev.switchboard.emulator.limits.ServiceWindows;
import dev.switchboard.emulator.limits.TierTracker;
import dev.switchboard.emulator.media.MediaStore;
import dev.switchboard.emulator.stats.CanonicalHash;
import dev.switchboard.emulator.templates.TemplateStore;
import dev.switchboard.emulator.webhooks.Payloads;
import dev.switchboard.emulator.webhooks.StatusBatcher;
import dev.switchboard.emulator.webhooks.StatusScheduler;
import dev.switchboard.emulator.webhooks.WebhookDispatcher;
import dev.switchboard.emulator.webhooks.WebhookJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The emulated Cloud API account, without HTTP: numbers, limits, templates, media, and the
 * webhook machinery. The HTTP layer ({@code api}) translates requests into calls here.
 *
 * <h2>Why admission is one critical section per number</h2>
 * Meta's limits interact: a send refused for the pair rate must not consume a throughput slot,
 * and a send refused for throughput must not spend a pair token. So the decision "is there
 * room in the sliding second, and does this pair have a token?" and the commit of both happen
 * under the number's monitor. Different numbers never contend, which mirrors Meta (limits are
 * per number) and keeps the emulator fast enough to stand in for Meta under load.
 *
 * <h2>Why statuses are planned at acceptance</h2>
 * Every random choice about a message's webhooks is drawn when it is accepted, from a seeded
 * source, so a test replays identically; timing is left to a single scheduler thread which
 * hands statuses to per-number batches and a pool of HTTP workers.
 */
public final class EmulatorCore implements AutoCloseable {
    private final EmulatorConfig config;
    private final Map<String, NumberState> numbers = new LinkedHashMap<>();
    private final Map<String, TierTracker> tiers = new LinkedHashMap<>();
    private final ServiceWindows windows;
    private final TemplateStore templates;
    private final MediaStore media = new MediaStore();
    private final SendValidator validator;
    private final FaultInjector faults;
    private final ScheduledExecutorService scheduler;
    private final WebhookDispatcher dispatcher;
    private final StatusBatcher batcher;
    private final StatusScheduler statuses;
    private final Events events;
    private final ResponseDelay responseDelay;
    private final ScriptedFailures scripted = new ScriptedFailures();

    public EmulatorCore(EmulatorConfig config) {
        this.config = config;
        long refill = config.pairRefill().toNanos();
        for (EmulatedNumber n : config.numbers()) {
            numbers.put(n.phoneNumberId(), new NumberState(n, config.pairBurst(), refill, config.acceptedLogCapacity()));
            tiers.computeIfAbsent(n.portfolioId(), p -> {
                Tier t = config.tierOf(p);
                return new TierTracker(t.name(), t.limit());
            });
        }
        this.windows = new ServiceWindows(config.serviceWindow().toMillis());
        this.templates = new TemplateStore(wabaIds(), config.templates());
        this.validator = new SendValidator(templates);
        this.faults = new FaultInjector(config.faults(), config.seed() ^ 0x5DEECE66DL);
        ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("emulator-scheduler").daemon(true).factory());
        stpe.setRemoveOnCancelPolicy(true);
        this.scheduler = Executors.unconfigurableScheduledExecutorService(stpe);
        this.dispatcher = new WebhookDispatcher(config.webhookBehaviour(), config.appSecret(), config.webhookUrl(), scheduler);
        this.batcher = new StatusBatcher(config.webhookBehaviour().maxBatchSize(), config.webhookBehaviour().linger().toNanos(),
                scheduler, dispatcher);
        this.statuses = new StatusScheduler(config.webhookBehaviour(), new Random(config.seed()), scheduler, batcher);
        this.events = new Events(this);
        this.responseDelay = new ResponseDelay(config.responseLatency(), config.responseJitter());
    }

    private List<String> wabaIds() {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        config.numbers().forEach(n -> ids.add(n.wabaId()));
        return new ArrayList<>(ids);
    }

    public EmulatorConfig config() { return config; }
    public NumberState number(String phoneNumberId) { return numbers.get(phoneNumberId); }
    public Iterable<NumberState> numbers() { return numbers.values(); }
    public TemplateStore templates() { return templates; }
    public MediaStore media() { return media; }
    public FaultInjector faults() { return faults; }
    public ServiceWindows serviceWindows() { return windows; }
    public WebhookDispatcher dispatcher() { return dispatcher; }
    public ScheduledExecutorService scheduler() { return scheduler; }
    public Events events() { return events; }
    public ResponseDelay responseDelay() { return responseDelay; }
    public ScriptedFailures scripted() { return scripted; }

    public boolean knownToken(String token) {
        for (NumberState n : numbers.values()) {
            if (n.number().accessToken().equals(token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code token} belongs to any number of {@code wabaId}. */
    public boolean tokenForWaba(String token, String wabaId) {
        for (NumberState n : numbers.values()) {
            if (n.number().wabaId().equals(wabaId) && n.number().accessToken().equals(token)) {
                return true;
            }
        }
        return false;
    }

    public ValidatedSend validate(NumberState number, JsonNode body) {
        return validator.validate(body, number.number().wabaId());
    }

    /**
     * Applies the state-dependent rules (maintenance, storm, service window, throughput, pair
     * rate) and, when all pass, accepts: logs the message, counts it, plans its statuses.
     */
    public AcceptedMessage admit(NumberState n, ValidatedSend send) {
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        if (n.inMaintenance(nowNanos)) {
            throw GraphError.maintenance();
        }
        if (n.storming(nowNanos)) {
            throw GraphError.rateLimit(config.rateLimitHttpStatus());
        }
        ScriptedFailures.Failure refusal = scripted.takeRefusal(send.recipientKey());
        if (refusal != null) {
            throw GraphError.scripted(refusal.code());
        }
        boolean windowOpen = windows.isOpen(n.id(), send.recipientKey(), nowMillis);
        if (!send.isTemplate() && config.enforceServiceWindow() && !windowOpen) {
            throw GraphError.reEngagement();
        }
        long seq;
        long arrivedAtMicros;
        boolean duplicate;
        synchronized (n) {
            // The clock is read under the number's lock: a timestamp taken before it could be
            // recorded after newer ones and leave the window's ring out of order.
            nowNanos = System.nanoTime();
            if (!n.window.hasRoom(nowNanos)) {
                n.counters.breach();
                throw GraphError.rateLimit(config.rateLimitHttpStatus());
            }
            if (!n.pairs.hasToken(send.recipientKey(), nowNanos)) {
                throw GraphError.pairRateLimit();
            }
            n.window.record(nowNanos);
            arrivedAtMicros = epochMicros();
            n.pairs.take(send.recipientKey(), nowNanos);
            duplicate = n.duplicates.addAndCheck(CanonicalHash.of(send.recipientKey(), send.body()));
            seq = n.seq.incrementAndGet();
        }
        if (duplicate) {
            n.counters.duplicate();
        }
        if (!windowOpen) {
            tiers.get(n.number().portfolioId()).record(send.recipientKey(), nowMillis);
        }
        String wamid = Wamids.next(send.recipientKey());
        AcceptedMessage m = new AcceptedMessage(seq, wamid, send.recipientKey(), send.type(),
                send.isTemplate() ? send.template().name() : null, send.bizOpaqueCallbackData(), nowMillis, arrivedAtMicros, send.body());
        n.log.add(m);
        n.counters.accepted();
        String category = send.isTemplate() ? send.template().category().name().toLowerCase(Locale.ROOT) : "service";
        boolean billable = send.isTemplate() || !windowOpen;
        int scriptedFailure = scripted.takeStatusFailure(send.recipientKey());
        int failure = scriptedFailure != 0 ? scriptedFailure : config.undeliverable().contains(send.recipientKey()) ? 131026 : 0;
        statuses.schedule(new StatusScheduler.Outgoing(n.origin(), wamid, send.recipientKey(), send.bizOpaqueCallbackData(),
                category, billable, failure));
        return m;
    }

    private static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Starts a 130429 storm on one number. */
    public void storm(String phoneNumberId, Duration duration) {
        NumberState n = require(phoneNumberId);
        n.startStorm(System.nanoTime() + duration.toNanos());
    }

    /**
     * Meta's throughput upgrade: 131057 for {@code window}, then the new ceiling and a
     * {@code phone_number_quality_update} with {@code event: THROUGHPUT_UPGRADE}.
     */
    public void throughputUpgrade(String phoneNumberId, int newCeiling, Duration window) {
        NumberState n = require(phoneNumberId);
        if (newCeiling < 1 || newCeiling > EmulatedNumber.MAX_CEILING_MPS) {
            throw new IllegalArgumentException("ceiling must be 1.." + EmulatedNumber.MAX_CEILING_MPS);
        }
        n.startMaintenance(System.nanoTime() + window.toNanos());
        scheduler.schedule(() -> {
            n.setCeiling(newCeiling);
            n.endMaintenance();
            String currentLimit = tiers.get(n.number().portfolioId()).tierName();
            events.emit(AccountEvent.qualityUpdate(phoneNumberId, "THROUGHPUT_UPGRADE", currentLimit));
        }, window.toNanos(), TimeUnit.NANOSECONDS);
    }

    public NumberState require(String phoneNumberId) {
        NumberState n = numbers.get(phoneNumberId);
        if (n == null) {
            throw new IllegalArgumentException("unknown phone_number_id " + phoneNumberId);
        }
        return n;
    }

    public TierTracker tier(String portfolioId) {
        return tiers.get(portfolioId);
    }

    public void setFaults(FaultConfig f) {
        faults.set(f);
    }

    public EmulatorStats stats() {
        long now = System.currentTimeMillis();
        Map<String, EmulatorStats.NumberStats> ns = new LinkedHashMap<>();
        for (NumberState n : numbers.values()) {
            ns.put(n.id(), new EmulatorStats.NumberStats(n.id(), n.number().wabaId(), n.number().portfolioId(), n.ceiling(),
                    n.counters.acceptedCount(), n.counters.rejectionsByCode(), n.maxInAnySlidingSecond(),
                    n.counters.breachCount(), n.counters.duplicateCount(), n.counters.inboundCount(),
                    n.reads.reads(), n.reads.typingIndicators()));
        }
        Map<String, EmulatorStats.PortfolioStats> ps = new LinkedHashMap<>();
        tiers.forEach((id, t) -> ps.put(id, new EmulatorStats.PortfolioStats(id, t.tierName(), t.limit(),
                t.uniqueRecipients24h(now), t.overruns())));
        return new EmulatorStats(now, ns, ps, dispatcher.stats(statuses.emitted()));
    }

    /** Back to the configured state: counters, logs, windows, templates, faults, pending webhooks. */
    public void reset() {
        faults.releaseAll();
        faults.set(config.faults());
        scripted.clear();
        responseDelay.set(config.responseLatency().toMillis(), config.responseJitter().toMillis());
        statuses.reset();
        dispatcher.reset();
        for (NumberState n : numbers.values()) {
            n.reset(n.number().ceilingMps());
        }
        tiers.values().forEach(TierTracker::clear);
        windows.clear();
        media.clear();
        templates.load(wabaIds(), config.templates());
    }

    /** Submits a ready envelope for signed delivery. */
    void deliver(ObjectNode envelope) {
        dispatcher.submit(webhookBytes(envelope));
    }

    static byte[] webhookBytes(ObjectNode envelope) {
        return WebhookJson.bytes(envelope);
    }

    static ObjectNode envelope(String wabaId, String field, ObjectNode value) {
        return Payloads.envelope(wabaId, field, value);
    }

    @Override
    public void close() {
        faults.releaseAll();
        dispatcher.close();
        scheduler.shutdownNow();
        media.close();
    }
}
