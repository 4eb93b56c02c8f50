package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Throughput ceiling, pair rate, tier tracking and duplicate counting, over HTTP. */
class LimitsTest {

    private static EmulatorConfig.Builder base() {
        return EmulatorConfig.builder().seed(7L).enforceServiceWindow(false);
    }

    @Test
    void ceilingAdmitsExactlyNPerSlidingSecondAndCountsTheBreach() throws Exception {
        try (Emulator emu = Emulator.start(base()
                .number(EmulatedNumber.builder("1001").accessToken("t").ceilingMps(5).build()).build())) {
            Graph g = new Graph(emu);
            long start = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                assertThat(g.send("1001", "t", Graph.text("1555000000" + i, "m" + i)).status()).isEqualTo(200);
            }
            Graph.Response sixth = g.send("1001", "t", Graph.text("15550000009", "m6"));
            // on a starved machine the six sends may not fit in one second; then the check means nothing
            Assumptions.assumeTrue(System.nanoTime() - start < 900_000_000L, "sends did not fit in one second");
            assertThat(sixth.status()).isEqualTo(400);
            assertThat(sixth.code()).isEqualTo(130429);
            assertThat(sixth.json().path("error").path("message").asText()).isEqualTo("(#130429) Rate limit hit");
            // a rejected attempt does not occupy the window: after the first accept leaves it, one more fits
            Thread.sleep(Math.max(0, 1_050 - (System.nanoTime() - start) / 1_000_000));
            assertThat(g.send("1001", "t", Graph.text("15550000010", "again")).status()).isEqualTo(200);
            EmulatorStats.NumberStats s = emu.stats().number("1001");
            assertThat(s.accepted()).isEqualTo(6);
            assertThat(s.breaches()).isEqualTo(1);
            assertThat(s.rejections(130429)).isEqualTo(1);
            assertThat(s.maxInAnySlidingSecond()).isEqualTo(5);
            assertThat(s.ceiling()).isEqualTo(5);
        }
    }

    @Test
    void concurrentBurstNeverExceedsTheCeiling() throws Exception {
        try (Emulator emu = Emulator.start(base()
                .number(EmulatedNumber.builder("1001").accessToken("t").ceilingMps(20).build()).build());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Graph g = new Graph(emu);
            List<Future<Graph.Response>> fs = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String to = "1555100" + String.format("%04d", i);
                fs.add(pool.submit(() -> g.send("1001", "t", Graph.text(to, "x"))));
            }
            int ok = 0;
            for (Future<Graph.Response> f : fs) {
                Graph.Response r = f.get();
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertThat(r.code()).isEqualTo(130429);
                }
            }
            EmulatorStats.NumberStats s = emu.stats().number("1001");
            assertThat(s.maxInAnySlidingSecond()).isLessThanOrEqualTo(20);
            assertThat(s.accepted()).isEqualTo(ok);
            assertThat(s.breaches()).isEqualTo(60 - ok);
        }
    }

    @Test
    void coexistenceNumbersDefaultTo20() {
        assertThat(EmulatedNumber.builder("1").coexistence(true).build().ceilingMps()).isEqualTo(20);
        assertThat(EmulatedNumber.builder("1").build().ceilingMps()).isEqualTo(80);
    }

    @Test
    void pairRateAllowsTheBurstThenRejectsWith131056AndRefills() throws Exception {
        try (Emulator emu = Emulator.start(base().pairBurst(3).pairRefill(Duration.ofMillis(300))
                .number(EmulatedNumber.builder("1001").accessToken("t").ceilingMps(100).build()).build())) {
            Graph g = new Graph(emu);
            for (int i = 0; i < 3; i++) {
                assertThat(g.send("1001", "t", Graph.text("15551110000", "m" + i)).status()).isEqualTo(200);
            }
            Graph.Response r = g.send("1001", "t", Graph.text("15551110000", "m3"));
            assertThat(r.code()).isEqualTo(131056);
            assertThat(r.json().path("error").path("message").asText())
                    .isEqualTo("(#131056) (Business Account, Consumer Account) pair rate limit hit");
            // other recipients are unaffected
            assertThat(g.send("1001", "t", Graph.text("15551110001", "other")).status()).isEqualTo(200);
            Thread.sleep(350);
            assertThat(g.send("1001", "t", Graph.text("15551110000", "after refill")).status()).isEqualTo(200);
            assertThat(g.send("1001", "t", Graph.text("15551110000", "too soon")).code()).isEqualTo(131056);
            assertThat(emu.stats().number("1001").rejections(131056)).isEqualTo(2);
            assertThat(emu.stats().number("1001").breaches()).isZero();
        }
    }

    @Test
    void tierCountsUniqueBusinessInitiatedRecipientsAndOverruns() {
        try (Emulator emu = Emulator.start(EmulatorConfig.builder().seed(1L)
                .number(EmulatedNumber.builder("1001").portfolioId("biz-1").accessToken("t").ceilingMps(1000).build())
                .number(EmulatedNumber.builder("1002").portfolioId("biz-1").accessToken("t2").ceilingMps(1000).build())
                .portfolioTier("biz-1", Tier.TIER_250).build())) {
            Graph g = new Graph(emu);
            // a user who wrote in is inside a service window: replying does not count toward the tier
            emu.injectInbound(InboundMessage.text("1001", "15559990000", "In", "hi"));
            assertThat(g.send("1001", "t", Graph.template("15559990000", "hello_world")).status()).isEqualTo(200);
            for (int i = 0; i < 255; i++) {
                String number = i % 2 == 0 ? "1001" : "1002";
                String token = i % 2 == 0 ? "t" : "t2";
                assertThat(g.send(number, token, Graph.template("1555200" + String.format("%04d", i), "hello_world")).status())
                        .isEqualTo(200);
            }
            // the same recipient again is not a new unique user
            g.send("1001", "t", Graph.template("15552000000", "otp_code", "123456"));
            EmulatorStats.PortfolioStats p = emu.stats().portfolio("biz-1");
            assertThat(p.tier()).isEqualTo("TIER_250");
            assertThat(p.tierLimit()).isEqualTo(250);
            assertThat(p.uniqueRecipients24h()).isEqualTo(255);
            assertThat(p.tierOverruns()).isEqualTo(5);
        }
    }

    @Test
    void duplicateSendsAreCountedRegardlessOfKeyOrder() {
        try (Emulator emu = Emulator.start(base().number(EmulatedNumber.builder("1001").accessToken("t").build()).build())) {
            Graph g = new Graph(emu);
            String a = "{\"messaging_product\":\"whatsapp\",\"to\":\"15551230000\",\"type\":\"text\",\"text\":{\"body\":\"same\"}}";
            String b = "{\"type\":\"text\",\"text\":{\"body\":\"same\"},\"to\":\"15551230000\",\"messaging_product\":\"whatsapp\"}";
            assertThat(g.send("1001", "t", a).status()).isEqualTo(200);
            assertThat(g.send("1001", "t", b).status()).isEqualTo(200);
            assertThat(g.send("1001", "t", a.replace("same", "different")).status()).isEqualTo(200);
            assertThat(g.send("1001", "t", a.replace("15551230000", "15551230001")).status()).isEqualTo(200);
            assertThat(emu.stats().number("1001").duplicates()).isEqualTo(1);
        }
    }

    @Test
    void statsEndpointServesTheSnapshotAsJson() {
        try (Emulator emu = Emulator.start(base().number(EmulatedNumber.builder("1001").wabaId("w").portfolioId("p")
                .accessToken("t").ceilingMps(2).build()).build())) {
            Graph g = new Graph(emu);
            for (int i = 0; i < 3; i++) {
                g.send("1001", "t", Graph.text("1555300000" + i, "x"));
            }
            g.send("1001", "t", Graph.text("1", "bad"));
            JsonNode stats = g.get("/_emulator/stats", null).json();
            JsonNode n = stats.path("numbers").path("1001");
            assertThat(n.path("accepted").asLong()).isEqualTo(2);
            assertThat(n.path("ceiling").asInt()).isEqualTo(2);
            assertThat(n.path("breaches").asLong()).isEqualTo(1);
            assertThat(n.path("maxInAnySlidingSecond").asInt()).isEqualTo(2);
            assertThat(n.path("rejectionsByCode").path("130429").asLong()).isEqualTo(1);
            assertThat(n.path("rejectionsByCode").path("131009").asLong()).isEqualTo(1);
            assertThat(n.path("duplicates").asLong()).isZero();
            JsonNode p = stats.path("portfolios").path("p");
            assertThat(p.path("tier").asText()).isEqualTo("TIER_10K");
            assertThat(p.path("uniqueRecipients24h").asInt()).isEqualTo(2);
            assertThat(p.path("tierOverruns").asLong()).isZero();
            assertThat(stats.path("webhooks").has("delivered")).isTrue();
            assertThat(stats.path("webhooks").has("p99Millis")).isTrue();
        }
    }
}
