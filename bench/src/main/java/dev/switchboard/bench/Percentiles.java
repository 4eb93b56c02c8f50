package dev.switchboard.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Count, p50, p99 and max of a set of latencies, in milliseconds, by the nearest-rank method
 * (the value below which {@code q} of the samples lie, itself a sample): exact for the few
 * thousand samples a run has, and never an interpolated latency nobody saw.
 */
public record Percentiles(int count, double p50, double p99, double max) {
    /** From samples in microseconds. */
    public static Percentiles ofMicros(long[] micros) {
        return of(micros, 1e3);
    }

    /** From samples in nanoseconds. */
    public static Percentiles ofNanos(long[] nanos) {
        return of(nanos, 1e6);
    }

    private static Percentiles of(long[] samples, double perMilli) {
        if (samples.length == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN);
        }
        long[] s = samples.clone();
        Arrays.sort(s);
        return new Percentiles(s.length, rank(s, 0.50) / perMilli, rank(s, 0.99) / perMilli, s[s.length - 1] / perMilli);
    }

    private static long rank(long[] sorted, double q) {
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    /** "p50 / p99 / max" in ms with one decimal. */
    public String text() {
        return count == 0 ? "n/a" : String.format("%.1f / %.1f / %.1f ms", p50, p99, max);
    }

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        m.put("p50_ms", Report.round(p50));
        m.put("p99_ms", Report.round(p99));
        m.put("max_ms", Report.round(max));
        return m;
    }
}
