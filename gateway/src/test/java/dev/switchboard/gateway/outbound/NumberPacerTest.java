package dev.switchboard.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Runs the pacer against a simulated nanosecond clock: a worker that sends as soon as allowed. */
class NumberPacerTest {
    private static final long SECOND = 1_000_000_000L;

    /** A worker loop on simulated time; {@code lateness} adds scheduling delay before each start. */
    private static final class Sim {
        final NumberPacer pacer;
        final List<Long> starts = new ArrayList<>();
        long now;
        long nextStall;
        final Random random = new Random(42);

        Sim(NumberPacer pacer, long now) {
            this.pacer = pacer;
            this.now = now;
            this.nextStall = now + 2 * SECOND;
        }

        void runUntil(long end, boolean jittery) {
            while (true) {
                long wait = pacer.waitNanos(now);
                if (wait > 0) {
                    now += wait;
                    if (jittery) {
                        if (random.nextInt(10) == 0) {
                            now += random.nextInt(3_000_000); // now and then the worker wakes up to 3 ms late
                        }
                        if (now >= nextStall) {
                            now += 250_000_000L; // a stall every 5 s (slow commit, GC pause)
                            nextStall = now + 5 * SECOND;
                        }
                    }
                    continue; // re-check: waiting may have changed the answer
                }
                if (now >= end) {
                    return;
                }
                pacer.commit(now);
                starts.add(now);
            }
        }

        long countIn(long from, long to) {
            return starts.stream().filter(t -> t >= from && t < to).count();
        }
    }

    /** The strongest form of "no 1,000 ms window holds more than limit starts". */
    private static void assertNoWindowExceeds(List<Long> starts, int limit) {
        for (int k = limit; k < starts.size(); k++) {
            assertThat(starts.get(k) - starts.get(k - limit))
                    .as("start #%d and the one %d starts earlier are within 1 s", k, limit)
                    .isGreaterThanOrEqualTo(SECOND);
        }
    }

    @Test
    void limitIsFloorOfCeilingTimesUtilisation() {
        assertThat(new NumberPacer(80, 0.97, 0).limit()).isEqualTo(77);
        assertThat(new NumberPacer(1000, 0.97, 0).limit()).isEqualTo(970);
        assertThat(new NumberPacer(20, 0.9, 0).limit()).isEqualTo(18);
        assertThat(new NumberPacer(1, 0.5, 0).limit()).isEqualTo(1); // never zero
    }

    @Test
    void aLongRunNeverExceedsTheLimitInAnyWindowAndAchievesIt() {
        NumberPacer pacer = new NumberPacer(80, 0.97, 0);
        Sim sim = new Sim(pacer, 0);
        sim.runUntil(120 * SECOND, false);
        assertNoWindowExceeds(sim.starts, 77);
        double achieved = sim.starts.size() / 120.0;
        assertThat(achieved).isBetween(77 * 0.98, 77.0 + 1.0 / 120);
        for (int s = 0; s < 120; s++) {
            assertThat(sim.countIn(s * SECOND, (s + 1) * SECOND)).isBetween(76L, 77L);
        }
    }

    @Test
    void aJitteryWorkerStillNeverExceedsTheLimit() {
        for (int[] cfg : new int[][] {{80, 97}, {1000, 97}, {20, 90}, {250, 100}}) {
            double u = cfg[1] / 100.0;
            int limit = (int) Math.floor(cfg[0] * u);
            NumberPacer pacer = new NumberPacer(cfg[0], u, 5 * SECOND);
            Sim sim = new Sim(pacer, 5 * SECOND);
            sim.runUntil(65 * SECOND, true);
            assertNoWindowExceeds(sim.starts, limit);
            // stalls cost some throughput, but the pacer must not fall far behind
            assertThat(sim.starts.size() / 60.0).as("ceiling %d", cfg[0]).isGreaterThan(limit * 0.8);
        }
    }

    @Test
    void sendsAreEvenlySpacedNotBursts() {
        NumberPacer pacer = new NumberPacer(100, 0.97, 0);
        Sim sim = new Sim(pacer, 0);
        sim.runUntil(10 * SECOND, false);
        long interval = SECOND / 97;
        for (int i = 1; i < sim.starts.size(); i++) {
            // the sliding-window guard may add a few ns where 97 rounded-down intervals fall short of 1 s
            assertThat(sim.starts.get(i) - sim.starts.get(i - 1)).isBetween(interval - 2, interval + 1_000);
        }
        // after an idle period the pacer does not release a burst of saved-up credit
        long resume = sim.now + 30 * SECOND;
        Sim later = new Sim(pacer, resume);
        later.runUntil(resume + 2 * SECOND, false);
        assertThat(later.countIn(resume, resume + SECOND / 10)).isLessThanOrEqualTo(11); // 0.1 s at 97/s, +1 credit
        // The pacer grants one interval of credit after idling (a burst of two), by design; the
        // sliding window then repeats that pair once per second. Never more than two at once.
        for (int i = 2; i < later.starts.size(); i++) {
            assertThat(later.starts.get(i) - later.starts.get(i - 2)).as("starts %d..%d", i - 2, i)
                    .isGreaterThanOrEqualTo(interval - 2);
        }
        assertNoWindowExceeds(later.starts, 97);
    }

    @Test
    void throttledHalvesTheRateAndRecoversWithinTheLimit() {
        NumberPacer pacer = new NumberPacer(80, 0.97, 0);
        Sim sim = new Sim(pacer, 0);
        sim.runUntil(5 * SECOND, false);
        assertThat(pacer.rate()).isEqualTo(77.0);
        assertThat(pacer.limit()).isEqualTo(77);

        long t = sim.now;
        pacer.onThrottled(t);
        // the rate halves; the limit stays (the release window owns the arrival margin)
        assertThat(pacer.rate()).isEqualTo(38.5);
        assertThat(pacer.limit()).isEqualTo(77);
        assertThat(pacer.throttles()).isEqualTo(1);
        sim.runUntil(t + SECOND, false);
        assertThat(sim.countIn(t, t + SECOND)).isLessThanOrEqualTo(40);

        // a second 130429 within the same second is the same congestion event: no second cut
        double before = pacer.rate();
        pacer.onThrottled(t + SECOND / 2);
        assertThat(pacer.rate()).isEqualTo(before);

        sim.runUntil(t + 10 * SECOND, false);
        assertThat(pacer.rate()).isEqualTo(77.0);
        sim.runUntil(t + 12 * SECOND, false);
        assertThat(sim.countIn(t + 11 * SECOND, t + 12 * SECOND)).isBetween(76L, 77L);
        assertNoWindowExceeds(sim.starts, 77);
    }

    @Test
    void repeatedThrottlingNeverGoesBelowOnePerSecond() {
        NumberPacer pacer = new NumberPacer(80, 0.97, 0);
        for (int i = 0; i < 20; i++) {
            pacer.onThrottled(0);
        }
        assertThat(pacer.rate()).isEqualTo(1.0);
        assertThat(pacer.throttles()).isEqualTo(20);
    }

    @Test
    void setCeilingRaisesTheLimitAndTheAchievedRate() {
        NumberPacer pacer = new NumberPacer(80, 0.97, 0);
        Sim sim = new Sim(pacer, 0);
        sim.runUntil(3 * SECOND, false);
        long t = sim.now;
        pacer.setCeiling(1000);
        assertThat(pacer.ceiling()).isEqualTo(1000);
        assertThat(pacer.limit()).isEqualTo(970);
        sim.runUntil(t + 12 * SECOND, false);
        assertThat(sim.countIn(t + 11 * SECOND, t + 12 * SECOND)).isBetween(960L, 970L);
        List<Long> after = sim.starts.stream().filter(x -> x >= t).toList();
        assertNoWindowExceeds(after, 970);
    }

    @Test
    void loweringTheCeilingTakesEffectWithoutABurst() {
        NumberPacer pacer = new NumberPacer(1000, 0.97, 0);
        Sim sim = new Sim(pacer, 0);
        sim.runUntil(3 * SECOND, false);
        long t = sim.now;
        pacer.setCeiling(80);
        assertThat(pacer.limit()).isEqualTo(77);
        sim.runUntil(t + 5 * SECOND, false);
        List<Long> after = sim.starts.stream().filter(x -> x >= t).toList();
        assertNoWindowExceeds(after, 77);
        // and the old high-rate sends still count: the first second after the change holds at most 77 starts
        assertThat(sim.countIn(t, t + SECOND)).isLessThanOrEqualTo(77);
    }
}
