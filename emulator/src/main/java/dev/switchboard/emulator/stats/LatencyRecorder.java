package dev.switchboard.emulator.stats;

import java.util.Arrays;

/**
 * Keeps the most recent response times (a fixed ring) and the all-time maximum; percentiles are
 * computed on demand by sorting a copy. Cheap to record from many threads, exact enough for the
 * "median under 250 ms, under 1 % above 1 s" question Meta asks of webhook receivers.
 */
public final class LatencyRecorder {
    /** Response times since the last {@link #snapshotAndClear()} (or start): how many, and percentiles in ms. */
    public record Snapshot(long count, double p50Millis, double p90Millis, double p99Millis, double maxMillis) {
    }

    private final long[] samples;
    private long count;
    private long maxNanos;

    public LatencyRecorder(int capacity) {
        this.samples = new long[capacity];
    }

    public synchronized void record(long nanos) {
        samples[(int) (count % samples.length)] = nanos;
        count++;
        if (nanos > maxNanos) {
            maxNanos = nanos;
        }
    }

    /** {p50, p90, p99, max} in milliseconds; zeros when nothing was recorded. */
    public synchronized double[] percentilesMillis() {
        int n = (int) Math.min(count, samples.length);
        if (n == 0) {
            return new double[4];
        }
        long[] copy = Arrays.copyOf(samples, n);
        Arrays.sort(copy);
        return new double[] {ms(copy, n, 0.50), ms(copy, n, 0.90), ms(copy, n, 0.99), maxNanos / 1e6};
    }

    /**
     * The figures recorded so far, then starts afresh: what a benchmark calls at each phase
     * boundary so that one phase's response times are not mixed with the next one's.
     */
    public synchronized Snapshot snapshotAndClear() {
        double[] p = percentilesMillis();
        Snapshot s = new Snapshot(count, p[0], p[1], p[2], p[3]);
        clear();
        return s;
    }

    public synchronized void clear() {
        count = 0;
        maxNanos = 0;
    }

    private static double ms(long[] sorted, int n, double q) {
        int idx = (int) Math.ceil(q * n) - 1;
        return sorted[Math.max(0, Math.min(n - 1, idx))] / 1e6;
    }
}
