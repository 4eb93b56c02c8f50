package dev.switchboard.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(500), Duration.ofSeconds(60), 8, 0.2);

    @Test
    void backoffIsFullJitterBetweenZeroAndTheExponentialCeiling() {
        for (int attempt = 1; attempt <= 7; attempt++) {
            long ceiling = Math.min(60_000, 500L << (attempt - 1));
            int a = attempt;
            long[] samples = LongStream.range(0, 4000).map(i -> policy.backoffMillis(a)).toArray();
            for (long s : samples) {
                assertThat(s).isBetween(0L, ceiling);
            }
            // full jitter: it spans the range (not just the top, not just the bottom)
            assertThat(LongStream.of(samples).min().orElseThrow()).isLessThan(ceiling / 10);
            assertThat(LongStream.of(samples).max().orElseThrow()).isGreaterThan(ceiling * 9 / 10);
            double mean = LongStream.of(samples).average().orElseThrow();
            assertThat(mean).isBetween(ceiling * 0.4, ceiling * 0.6);
        }
    }

    @Test
    void backoffIsCapped() {
        for (int attempt : new int[] {8, 10, 31, 64, 1000, Integer.MAX_VALUE}) {
            for (int i = 0; i < 500; i++) {
                assertThat(policy.backoffMillis(attempt)).isBetween(0L, 60_000L);
            }
        }
        assertThat(policy.capMillis()).isEqualTo(60_000);
        assertThat(LongStream.range(0, 2000).map(i -> policy.backoffMillis(20)).max().orElseThrow()).isGreaterThan(50_000);
    }

    @Test
    void exhaustedAtMaxAttempts() {
        assertThat(policy.exhausted(0)).isFalse();
        assertThat(policy.exhausted(7)).isFalse();
        assertThat(policy.exhausted(8)).isTrue();
        assertThat(policy.exhausted(9)).isTrue();
    }

    @Test
    void theRetryBudgetRunsOutAndRefills() {
        RetryPolicy p = new RetryPolicy(Duration.ofMillis(500), Duration.ofSeconds(60), 8, 0.2);
        long now = 1_000_000L;
        int spent = 0;
        while (p.tryRetry(now)) {
            spent++;
            assertThat(spent).isLessThanOrEqualTo(100);
        }
        assertThat(spent).isEqualTo(100); // the initial budget
        // five first attempts at ratio 0.2 earn one retry
        for (int i = 0; i < 4; i++) {
            p.onFirstAttempt();
        }
        assertThat(p.tryRetry(now)).isFalse();
        p.onFirstAttempt();
        assertThat(p.tryRetry(now)).isTrue();
        assertThat(p.tryRetry(now)).isFalse();
        // the floor: one retry per second of elapsed time
        assertThat(p.tryRetry(now + 999)).isFalse();
        assertThat(p.tryRetry(now + 1000)).isTrue();
        assertThat(p.tryRetry(now + 1000)).isFalse();
        assertThat(p.tryRetry(now + 4000)).isTrue();
        assertThat(p.tryRetry(now + 4000)).isTrue();
        assertThat(p.tryRetry(now + 4000)).isTrue();
        assertThat(p.tryRetry(now + 4000)).isFalse();
    }
}
