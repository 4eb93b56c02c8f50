package dev.switchboard.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PairPacerTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_000 * S;

    @Test
    void burstThenBlockedThenRefilledAfterTheInterval() {
        PairPacer p = new PairPacer(40, Duration.ofSeconds(6));
        for (int i = 0; i < 40; i++) {
            assertThat(p.tryAcquire("alice", T0)).as("send %d of the burst", i).isTrue();
        }
        assertThat(p.tryAcquire("alice", T0)).isFalse();
        assertThat(p.tryAcquire("alice", T0 + 5 * S)).isFalse();
        // other recipients are unaffected
        assertThat(p.tryAcquire("bob", T0)).isTrue();
        // one token per interval
        assertThat(p.tryAcquire("alice", T0 + 6 * S)).isTrue();
        assertThat(p.tryAcquire("alice", T0 + 6 * S)).isFalse();
        assertThat(p.tryAcquire("alice", T0 + 12 * S)).isTrue();
        // a long idle period refills up to the burst, no further
        long later = T0 + 3600 * S;
        int granted = 0;
        while (p.tryAcquire("alice", later)) {
            granted++;
        }
        assertThat(granted).isEqualTo(40);
    }

    @Test
    void pairLimitedBlocksForFourToTheNSeconds() {
        PairPacer p = new PairPacer(40, Duration.ofSeconds(6));
        assertThat(p.tryAcquire("alice", T0)).isTrue();
        long block1 = p.onPairLimited("alice", T0);
        assertThat(block1).isEqualTo(4 * S);
        long block2 = p.onPairLimited("alice", T0);
        assertThat(block2).isEqualTo(16 * S);
        long block3 = p.onPairLimited("alice", T0);
        assertThat(block3).isEqualTo(64 * S);
        assertThat(p.tryAcquire("alice", T0 + 63 * S)).isFalse();
        // unblocked, and tokens refilled since the strike (64 s / 6 s)
        assertThat(p.tryAcquire("alice", T0 + 64 * S)).isTrue();
        // others never blocked
        assertThat(p.tryAcquire("bob", T0 + S)).isTrue();
    }

    @Test
    void blockStartsWithAnEmptyBucket() {
        PairPacer p = new PairPacer(40, Duration.ofSeconds(6));
        long block = p.onPairLimited("carol", T0);
        assertThat(block).isEqualTo(4 * S);
        assertThat(p.tryAcquire("carol", T0 + 3 * S)).isFalse();
        // the block is over, but the bucket was emptied at the strike: one token needs 6 s
        assertThat(p.tryAcquire("carol", T0 + 4 * S)).isFalse();
        assertThat(p.tryAcquire("carol", T0 + 6 * S)).isTrue();
    }

    @Test
    void strikesAreCappedAndResetOnDelivery() {
        PairPacer p = new PairPacer(40, Duration.ofSeconds(6));
        long last = 0;
        for (int i = 0; i < 10; i++) {
            last = p.onPairLimited("dave", T0);
        }
        assertThat(last).isEqualTo((long) Math.pow(4, 6) * S);
        p.onDelivered("dave");
        assertThat(p.onPairLimited("dave", T0)).isEqualTo(4 * S);
    }
}
