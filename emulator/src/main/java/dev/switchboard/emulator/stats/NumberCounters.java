package dev.switchboard.emulator.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Lock-free counters of one number's send outcomes; snapshotted for {@code EmulatorStats}. */
public final class NumberCounters {
    private final LongAdder accepted = new LongAdder();
    private final LongAdder breaches = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder inbound = new LongAdder();
    private final ConcurrentHashMap<Integer, LongAdder> rejections = new ConcurrentHashMap<>();

    public void accepted() { accepted.increment(); }
    public void breach() { breaches.increment(); }
    public void duplicate() { duplicates.increment(); }
    public void inbound() { inbound.increment(); }

    public void rejected(int code) {
        rejections.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    public long acceptedCount() { return accepted.sum(); }
    public long breachCount() { return breaches.sum(); }
    public long duplicateCount() { return duplicates.sum(); }
    public long inboundCount() { return inbound.sum(); }

    public Map<Integer, Long> rejectionsByCode() {
        Map<Integer, Long> out = new TreeMap<>();
        rejections.forEach((code, n) -> out.put(code, n.sum()));
        return out;
    }

    public void clear() {
        accepted.reset();
        breaches.reset();
        duplicates.reset();
        inbound.reset();
        rejections.clear();
    }
}
