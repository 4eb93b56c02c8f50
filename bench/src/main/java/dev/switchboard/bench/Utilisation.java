package dev.switchboard.bench;

import dev.switchboard.bench.stack.EmulatorControl;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How much of a number's ceiling a drain used: sends that arrived at the emulator per second ÷
 * the ceiling, averaged over the whole wall-clock seconds between the first and the last arrival.
 * The first and last seconds are partial (the drain starts and ends inside them) and would
 * understate the rate, so they are left out. A pacer that keeps 97 % of the ceiling scores 0.97.
 */
record Utilisation(double ratio, double meanPerSecond, int fullSeconds) {
    static Utilisation of(List<EmulatorControl.Arrival> arrivals, int ceiling) {
        if (arrivals.size() < 2) {
            return new Utilisation(Double.NaN, Double.NaN, 0);
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (EmulatorControl.Arrival a : arrivals) {
            first = Math.min(first, a.arrivedAtMicros());
            last = Math.max(last, a.arrivedAtMicros());
        }
        long firstSecond = first / 1_000_000;
        long lastSecond = last / 1_000_000;
        int full = (int) (lastSecond - firstSecond - 1);
        if (full <= 0) {
            return new Utilisation(Double.NaN, Double.NaN, 0);
        }
        long inFull = 0;
        for (EmulatorControl.Arrival a : arrivals) {
            long sec = a.arrivedAtMicros() / 1_000_000;
            if (sec > firstSecond && sec < lastSecond) {
                inFull++;
            }
        }
        double mean = inFull / (double) full;
        return new Utilisation(mean / ceiling, mean, full);
    }

    Map<String, Object> json(int maxInAnySlidingSecond, long rejections130429) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("utilisation", Double.isNaN(ratio) ? -1 : Math.round(ratio * 1000) / 1000.0);
        m.put("mean_mps", Report.round(meanPerSecond));
        m.put("full_seconds", fullSeconds);
        m.put("max_in_any_sliding_second", maxInAnySlidingSecond);
        m.put("rejections_130429", rejections130429);
        return m;
    }
}
