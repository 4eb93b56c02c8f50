package dev.switchboard.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The release window's rule on a simulated clock: a sender with an endless backlog departs
 * whenever the window allows; an adversary chooses each request's outbound delay (within the
 * jitter the rule assumes) and its response time; Meta's strict sliding second is checked over
 * the arrivals.
 */
class ReleaseWindowTest {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;
    private static final int LIMIT = 200;
    private static final long J = 25 * MS;

    /** One simulated run: departures, arrivals, and the window's answers. */
    private static final class Run {
        final List<Long> departures = new ArrayList<>();
        final List<Long> arrivals = new ArrayList<>();

        /**
         * @param delay  outbound delay for a request departing at d
         * @param answer response time after arrival, for a request departing at d
         */
        Run(ReleaseWindow window, long seconds, LongUnaryOperator delay, LongUnaryOperator answer) {
            PriorityQueue<long[]> responses = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
            long now = 0;
            long end = seconds * SECOND;
            while (now < end) {
                while (!responses.isEmpty() && responses.peek()[0] <= now) {
                    long[] r = responses.poll();
                    window.complete(r[1], r[0]);
                }
                long wait = window.tryTake(now);
                if (wait == 0) {
                    long a = now + delay.applyAsLong(now);
                    departures.add(now);
                    arrivals.add(a);
                    responses.add(new long[] {a + answer.applyAsLong(now), now});
                    now += 1_000; // the sender needs a microsecond per request
                    continue;
                }
                long next = now + wait;
                if (!responses.isEmpty()) {
                    next = Math.min(next, responses.peek()[0]);
                }
                now = Math.max(next, now + 1);
            }
        }

        /** Most arrivals Meta saw in any half-open second (a − 1 s, a]. */
        int maxInAnySecond() {
            long[] a = arrivals.stream().mapToLong(Long::longValue).sorted().toArray();
            int max = 0;
            int lo = 0;
            for (int hi = 0; hi < a.length; hi++) {
                while (a[hi] - a[lo] >= SECOND) {
                    lo++;
                }
                max = Math.max(max, hi - lo + 1);
            }
            return max;
        }

        double perSecond(long seconds) {
            return departures.size() / (double) seconds;
        }
    }

    private static final long[] LOW_DELAYS = {0, 2 * MS, 40 * MS, 120 * MS};

    /** Adversaries: each picks δ in [low, low + jitter] to bunch arrivals as much as it can. */
    private static List<LongUnaryOperator> adversaries(long low, long jitter, long seed) {
        Random random = new Random(seed);
        List<LongUnaryOperator> out = new ArrayList<>();
        out.add(d -> low + (long) (random.nextDouble() * jitter));
        // early departures of each period arrive late, late ones early: arrivals pile up at the period's end
        for (long period : new long[] {SECOND, SECOND + jitter, SECOND / 2, 250 * MS}) {
            out.add(d -> low + jitter - (jitter * (d % period)) / period);
            out.add(d -> (d % period) < period / 2 ? low + jitter : low);
        }
        out.add(d -> random.nextBoolean() ? low : low + jitter);
        return out;
    }

    @Test
    void atRealMetaLatencyNoSecondEverHoldsMoreThanTheLimitWhateverTheJitterWithinJ() {
        for (long low : LOW_DELAYS) {
            int a = 0;
            for (LongUnaryOperator delay : adversaries(low, J, low)) {
                Random service = new Random(7 + a);
                ReleaseWindow window = new ReleaseWindow(LIMIT, J, 0);
                Run run = new Run(window, 30, delay, d -> 150 * MS + (long) (service.nextDouble() * 250 * MS));
                assertThat(run.maxInAnySecond()).as("outbound delay %d ms + adversary #%d", low / MS, a).isLessThanOrEqualTo(LIMIT);
                // and the ceiling is used: limit / (1 + J) per second, not limit / (1 + round trip)
                assertThat(run.perSecond(30)).as("rate, adversary #%d", a).isGreaterThan(0.96 * LIMIT);
                a++;
            }
        }
    }

    @Test
    void atLoopbackTheResponseBoundsTheArrivalSoAnyDelayWithinTheRoundTripIsSafe() {
        Random random = new Random(3);
        for (long rtt : new long[] {1 * MS, 10 * MS, 24 * MS}) {
            // the adversary may put the arrival anywhere between departure and response
            for (LongUnaryOperator delay : adversaries(0, rtt, rtt)) {
                ReleaseWindow window = new ReleaseWindow(LIMIT, J, 0);
                long[] delays = new long[1];
                Run run = new Run(window, 20, d -> delays[0] = delay.applyAsLong(d),
                        d -> Math.max(0, rtt - delays[0]) + (long) (random.nextDouble() * MS / 10));
                assertThat(run.maxInAnySecond()).as("rtt %d ms", rtt / MS).isLessThanOrEqualTo(LIMIT);
                assertThat(run.perSecond(20)).isGreaterThan(LIMIT / (1.0 + (rtt + MS) / (double) SECOND) * 0.99);
            }
        }
    }

    @Test
    void jitterBeyondJIsWhatBreaksTheRuleAndA130429WidensJUntilItHolds() {
        // the rule's assumption matters: with three times the jitter an adversary overfills a second
        long jitter = 3 * J;
        // over 1 s + jitter of departures the delay falls by the whole jitter: they all arrive within 1 s
        long period = SECOND + jitter;
        LongUnaryOperator sawtooth = d -> 50 * MS + jitter - (jitter * (d % period)) / period;
        LongUnaryOperator answer = d -> 200 * MS;
        Run broken = new Run(new ReleaseWindow(LIMIT, J, 0), 10, sawtooth, answer);
        assertThat(broken.maxInAnySecond()).isGreaterThan(LIMIT);

        // Meta answers 130429 for that: J doubles once per second at most, and then the rule holds again
        ReleaseWindow window = new ReleaseWindow(LIMIT, J, 0);
        window.onThrottled(SECOND);
        window.onThrottled(SECOND + MS); // the same burst: no second step
        assertThat(window.jitterNanos()).isEqualTo(2 * J);
        window.onThrottled(2 * SECOND + MS);
        assertThat(window.jitterNanos()).isEqualTo(4 * J);
        Run healed = new Run(window, 10, sawtooth, answer);
        assertThat(healed.maxInAnySecond()).isLessThanOrEqualTo(LIMIT);
        // 30 s without a 130429 narrows J by a fifth, never below the floor
        window.tryTake(40 * SECOND);
        assertThat(window.jitterNanos()).isEqualTo(4 * J * 4 / 5);
        for (int i = 2; i < 20; i++) {
            window.tryTake((10 + 30L * i) * SECOND);
        }
        assertThat(window.jitterNanos()).isEqualTo(J);
    }

    @Test
    void whenMetaIsNearALongRoundTripMeansCongestionAndTheAckClockHolds() {
        ReleaseWindow window = new ReleaseWindow(2, J, 0);
        assertThat(window.tryTake(0)).isZero();
        window.complete(0, 5 * MS); // a 5 ms answer: Meta is near
        assertThat(window.tryTake(10 * MS)).isZero();
        window.complete(10 * MS, 400 * MS); // a congested 390 ms: held until its answer + 1 s, not d + J + 1 s
        assertThat(window.tryTake(400 * MS)).isEqualTo(1_005 * MS - 400 * MS); // the first slot frees at 5 ms + 1 s
        assertThat(window.tryTake(1_005 * MS)).isZero();
        assertThat(window.tryTake(1_005 * MS)).isEqualTo(1_400 * MS - 1_005 * MS);
    }

    @Test
    void inboundMessagesTakeTheirShareOfTheSecond() {
        ReleaseWindow window = new ReleaseWindow(LIMIT, J, 0);
        // 60 inbound messages a second (30% of the ceiling), seen in bursts of 6 every 100 ms
        List<Long> departures = new ArrayList<>();
        long now = 0;
        long nextInbound = 0;
        PriorityQueue<long[]> responses = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
        while (now < 20 * SECOND) {
            if (now >= nextInbound) {
                window.inbound(6, now);
                nextInbound += 100 * MS;
            }
            while (!responses.isEmpty() && responses.peek()[0] <= now) {
                long[] r = responses.poll();
                window.complete(r[1], r[0]);
            }
            long wait = window.tryTake(now);
            if (wait == 0) {
                departures.add(now);
                responses.add(new long[] {now + 200 * MS, now});
                now += 1_000;
            } else {
                now = Math.min(Math.min(now + wait, nextInbound), responses.isEmpty() ? Long.MAX_VALUE : responses.peek()[0]);
            }
        }
        long[] d = departures.stream().mapToLong(Long::longValue).filter(t -> t >= 5 * SECOND).toArray();
        double outboundPerSecond = d.length / 15.0;
        // 60 a second inbound leaves room for about 200 − (60 + 2√60) = 124 outbound, less the J margin
        assertThat(outboundPerSecond).isBetween(0.55 * LIMIT, (LIMIT - 60) * 1.0);
        assertThat(Arrays.stream(d).count()).isPositive();
    }
}
