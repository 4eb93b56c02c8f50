package dev.switchboard.emulator.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.emulator.stats.CanonicalHash;
import dev.switchboard.emulator.stats.DuplicateDetector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The limit primitives on a synthetic clock: exact boundaries without sleeping. */
class LimitPrimitivesTest {
    static final long MS = 1_000_000L;

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 80, 1000})
    void slidingSecondAdmitsCeilingThenExactlyAtTheBoundary(int ceiling) {
        ThroughputWindow w = new ThroughputWindow(ceiling);
        long t0 = 5_000 * MS;
        for (int i = 0; i < ceiling; i++) {
            assertThat(w.hasRoom(t0 + i)).isTrue();
            w.record(t0 + i);
        }
        assertThat(w.hasRoom(t0 + ceiling)).isFalse();
        assertThat(w.hasRoom(t0 + 999 * MS)).isFalse();
        // the first send leaves the half-open window (now-1000ms, now] at exactly t0+1000ms
        assertThat(w.hasRoom(t0 + 1000 * MS)).isTrue();
        w.record(t0 + 1000 * MS);
        assertThat(w.maxSeen()).isEqualTo(ceiling);
    }

    @Test
    void raisingTheCeilingTakesEffectImmediately() {
        ThroughputWindow w = new ThroughputWindow(2);
        w.record(0);
        w.record(1);
        assertThat(w.hasRoom(2)).isFalse();
        w.setCeiling(3);
        assertThat(w.hasRoom(2)).isTrue();
        assertThat(w.record(2)).isEqualTo(3);
    }

    @Test
    void pairBucketBurstsThenRefillsOneTokenPerPeriod() {
        PairRateLimiter p = new PairRateLimiter(45, 6_000 * MS);
        long t = 0;
        for (int i = 0; i < 45; i++) {
            assertThat(p.hasToken("u", t)).isTrue();
            p.take("u", t);
        }
        assertThat(p.hasToken("u", t)).isFalse();
        assertThat(p.hasToken("other", t)).isTrue();
        assertThat(p.hasToken("u", t + 5_999 * MS)).isFalse();
        assertThat(p.hasToken("u", t + 6_000 * MS)).isTrue();
        p.take("u", t + 6_000 * MS);
        assertThat(p.hasToken("u", t + 6_001 * MS)).isFalse();
        // a long pause refills to the burst, never beyond
        long later = t + 3_600_000 * MS;
        for (int i = 0; i < 45; i++) {
            p.take("u", later);
        }
        assertThat(p.hasToken("u", later)).isFalse();
    }

    @Test
    void pairBucketsSweepFullBuckets() {
        PairRateLimiter p = new PairRateLimiter(2, MS);
        for (int i = 0; i < 5_000; i++) {
            p.take("u" + i, i * 10 * MS);
        }
        assertThat(p.hasToken("u0", 60_000 * MS)).isTrue();
    }

    @Test
    void tierExpiresContactsAfter24Hours() {
        TierTracker t = new TierTracker("TIER_250", 2);
        long day = 24L * 3600 * 1000;
        assertThat(t.record("a", 0)).isFalse();
        assertThat(t.record("b", 10)).isFalse();
        assertThat(t.record("a", 20)).isFalse();
        assertThat(t.record("c", 30)).isTrue();
        assertThat(t.uniqueRecipients24h(40)).isEqualTo(3);
        assertThat(t.uniqueRecipients24h(day + 15)).isEqualTo(2); // b expired, a refreshed at 20
        assertThat(t.record("d", day + 25)).isFalse();            // a expired too: c, d
        assertThat(t.overruns()).isEqualTo(1);
    }

    @Test
    void duplicateDetectorSurvivesRehashing() {
        DuplicateDetector d = new DuplicateDetector();
        for (long i = 0; i < 10_000; i++) {
            assertThat(d.addAndCheck(i * 0x9E3779B97F4A7C15L)).isFalse();
        }
        for (long i = 0; i < 10_000; i++) {
            assertThat(d.addAndCheck(i * 0x9E3779B97F4A7C15L)).isTrue();
        }
    }

    @Test
    void canonicalHashIgnoresKeyOrderButNotValuesOrTypes() throws Exception {
        ObjectMapper m = new ObjectMapper();
        long a = CanonicalHash.of("1", m.readTree("{\"a\":1,\"b\":{\"c\":[1,2]}}"));
        long b = CanonicalHash.of("1", m.readTree("{\"b\":{\"c\":[1,2]},\"a\":1}"));
        assertThat(a).isEqualTo(b);
        assertThat(CanonicalHash.of("1", m.readTree("{\"a\":\"1\",\"b\":{\"c\":[1,2]}}"))).isNotEqualTo(a);
        assertThat(CanonicalHash.of("1", m.readTree("{\"a\":1,\"b\":{\"c\":[2,1]}}"))).isNotEqualTo(a);
        assertThat(CanonicalHash.of("2", m.readTree("{\"a\":1,\"b\":{\"c\":[1,2]}}"))).isNotEqualTo(a);
    }
}
