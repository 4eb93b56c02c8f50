package dev.switchboard.emulator.core;

import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.account.BusinessProfile;
import dev.switchboard.emulator.account.NumberSettings;
import dev.switchboard.emulator.account.Registration;
import dev.switchboard.emulator.limits.PairRateLimiter;
import dev.switchboard.emulator.limits.ThroughputWindow;
import dev.switchboard.emulator.stats.AcceptedLog;
import dev.switchboard.emulator.stats.DuplicateDetector;
import dev.switchboard.emulator.stats.InboundIds;
import dev.switchboard.emulator.stats.NumberCounters;
import dev.switchboard.emulator.stats.ReadLog;
import dev.switchboard.emulator.webhooks.StatusBatcher;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mutable state of one emulated number. The throughput window, the pair buckets and the
 * duplicate set are guarded by this object's monitor, because admission must decide on all of
 * them atomically: a send rejected by the pair rate must not take a throughput slot. The
 * account-side state (registration, business profile, settings) and the read log guard
 * themselves.
 */
public final class NumberState {
    private final EmulatedNumber number;
    private final StatusBatcher.Origin origin;
    final ThroughputWindow window;
    final PairRateLimiter pairs;
    final DuplicateDetector duplicates = new DuplicateDetector();
    final AcceptedLog log;
    final NumberCounters counters = new NumberCounters();
    final AtomicLong seq = new AtomicLong();
    final InboundIds inboundIds;
    final ReadLog reads;
    private final Registration registration = new Registration();
    private final BusinessProfile profile = new BusinessProfile();
    private final NumberSettings settings = new NumberSettings();
    private volatile long maintenanceUntilNanos;
    private volatile long stormUntilNanos;
    private volatile boolean inMaintenance;
    private volatile boolean storming;

    NumberState(EmulatedNumber number, int pairBurst, long pairRefillNanos, int logCapacity) {
        this.number = number;
        this.origin = new StatusBatcher.Origin(number.wabaId(), number.displayPhoneNumber(), number.phoneNumberId());
        this.window = new ThroughputWindow(number.ceilingMps());
        this.pairs = new PairRateLimiter(pairBurst, pairRefillNanos);
        this.log = new AcceptedLog(logCapacity);
        this.inboundIds = new InboundIds(logCapacity);
        this.reads = new ReadLog(logCapacity);
    }

    public EmulatedNumber number() { return number; }
    public String id() { return number.phoneNumberId(); }
    public StatusBatcher.Origin origin() { return origin; }
    public NumberCounters counters() { return counters; }
    public AcceptedLog log() { return log; }
    public ReadLog reads() { return reads; }
    public Registration registration() { return registration; }
    public BusinessProfile profile() { return profile; }
    public NumberSettings settings() { return settings; }

    public synchronized int ceiling() {
        return window.ceiling();
    }

    public synchronized void setCeiling(int ceiling) {
        window.setCeiling(ceiling);
    }

    /**
     * Meta's throughput counts inbound messages too: one from a user takes a place in the
     * number's sliding second (it is never refused for it, but a send after it may be).
     */
    synchronized void countInbound(long nowNanos) {
        window.record(nowNanos);
    }

    public synchronized int maxInAnySlidingSecond() {
        return window.maxSeen();
    }

    void startMaintenance(long untilNanos) {
        maintenanceUntilNanos = untilNanos;
        inMaintenance = true;
    }

    void endMaintenance() {
        inMaintenance = false;
    }

    boolean inMaintenance(long nowNanos) {
        return inMaintenance && nowNanos - maintenanceUntilNanos < 0;
    }

    void startStorm(long untilNanos) {
        stormUntilNanos = untilNanos;
        storming = true;
    }

    boolean storming(long nowNanos) {
        return storming && nowNanos - stormUntilNanos < 0;
    }

    synchronized void reset(int ceiling) {
        window.clear();
        window.setCeiling(ceiling);
        pairs.clear();
        duplicates.clear();
        log.clear();
        counters.clear();
        seq.set(0);
        inboundIds.clear();
        reads.clear();
        registration.reset();
        profile.reset();
        settings.reset();
        inMaintenance = false;
        storming = false;
    }
}
