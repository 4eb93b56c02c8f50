package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The send endpoint's configurable response latency: the answer waits at least the fixed part,
 * the arrival is recorded (and counted) before the wait, and waiting requests do not hold up
 * others. Only lower bounds on time are asserted, so a busy machine cannot fail these tests.
 */
class ResponseLatencyTest {
    private static EmulatorConfig.Builder base() {
        return EmulatorConfig.builder().seed(5L).enforceServiceWindow(false)
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1")
                        .portfolioId("biz-1").accessToken("token-1").build());
    }

    private static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Sends one text and returns {request start µs, response end µs, elapsed ns}. */
    private static long[] timedSend(Graph g, String to) {
        long startMicros = epochMicros();
        long t0 = System.nanoTime();
        Graph.Response r = g.send("1001", "token-1", Graph.text(to, "hi"));
        long elapsed = System.nanoTime() - t0;
        long endMicros = epochMicros();
        assertThat(r.status()).isEqualTo(200);
        return new long[] {startMicros, endMicros, elapsed};
    }

    private static JsonNode arrival(Graph g, String to) {
        for (JsonNode m : g.get("/_emulator/messages?phone_number_id=1001&limit=1000", null).json().path("data")) {
            if (to.equals(m.path("to").asText())) {
                return m;
            }
        }
        throw new AssertionError("no accepted message to " + to);
    }

    @Test
    void answerWaitsAtLeastTheFixedLatencyAndArrivalIsRecordedBeforeTheWait() {
        try (Emulator emu = Emulator.start(base().responseLatency(Duration.ofMillis(300)).build())) {
            Graph g = new Graph(emu);
            long[] t = timedSend(g, "15551230001");
            assertThat(t[2]).isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
            JsonNode m = arrival(g, "15551230001");
            long arrived = m.path("arrived_at_us").asLong();
            // arrival lies after the request started, and the whole fixed wait follows it
            assertThat(arrived).isGreaterThanOrEqualTo(t[0] - 1_000);
            assertThat(arrived + 300_000).isLessThanOrEqualTo(t[1]);
            assertThat(m.path("accepted_at_millis").asLong()).isLessThanOrEqualTo(arrived / 1000 + 1);
            // counted in the sliding second although the answer came later
            assertThat(emu.stats().number("1001").maxInAnySlidingSecond()).isEqualTo(1);
        }
    }

    @Test
    void rejectionsWaitToo() {
        try (Emulator emu = Emulator.start(base().responseLatency(Duration.ofMillis(200)).build())) {
            Graph g = new Graph(emu);
            long t0 = System.nanoTime();
            Graph.Response r = g.send("1001", "token-1", Graph.template("15551230002", "no_such_template"));
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
            assertThat(r.code()).isEqualTo(132001);
        }
    }

    @Test
    void controlEndpointChangesTheLatencyAndResetRestoresTheConfiguredOne() {
        try (Emulator emu = Emulator.start(base().build())) {
            Graph g = new Graph(emu);
            assertThat(g.get("/_emulator/latency", null).json().path("fixed_ms").asLong()).isZero();
            Graph.Response set = g.request("POST", "/_emulator/latency", null, "{\"fixed_ms\":250,\"jitter_ms\":50}");
            assertThat(set.status()).isEqualTo(200);
            assertThat(set.json().path("fixed_ms").asLong()).isEqualTo(250);
            assertThat(set.json().path("jitter_ms").asLong()).isEqualTo(50);
            long[] t = timedSend(g, "15551230003");
            assertThat(t[2]).isGreaterThanOrEqualTo(Duration.ofMillis(250).toNanos());
            assertThat(arrival(g, "15551230003").path("arrived_at_us").asLong() + 250_000).isLessThanOrEqualTo(t[1]);

            assertThat(g.request("POST", "/_emulator/latency", null, "{\"fixed_ms\":-1}").status()).isEqualTo(400);
            assertThat(g.request("POST", "/_emulator/latency", null, "{\"jitter_ms\":0}").json().path("fixed_ms").asLong())
                    .isEqualTo(250);
            emu.reset();
            assertThat(g.get("/_emulator/latency", null).json().path("fixed_ms").asLong()).isZero();
        }
    }

    @Test
    void waitingAnswersDoNotHoldUpOtherRequests() throws Exception {
        int n = 6;
        try (Emulator emu = Emulator.start(base().responseLatency(Duration.ofSeconds(2)).build());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Graph g = new Graph(emu);
            List<Future<long[]>> sends = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String to = "1555124000" + i;
                sends.add(pool.submit(() -> timedSend(g, to)));
            }
            long firstAnswer = Long.MAX_VALUE;
            for (Future<long[]> f : sends) {
                firstAnswer = Math.min(firstAnswer, f.get()[1]);
            }
            // every request arrived while the others were still waiting: none was queued behind a sleeping one
            for (int i = 0; i < n; i++) {
                assertThat(arrival(g, "1555124000" + i).path("arrived_at_us").asLong()).isLessThan(firstAnswer);
            }
        }
    }

    @Test
    void jsonConfigReadsLatencyKeys() {
        String json = "{\"responseLatencyMs\": 150, \"responseJitterMs\": 250}";
        EmulatorConfig c = EmulatorConfig.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(c.responseLatency()).isEqualTo(Duration.ofMillis(150));
        assertThat(c.responseJitter()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.toBuilder().build().responseJitter()).isEqualTo(Duration.ofMillis(250));
        assertThat(EmulatorConfig.builder().build().responseLatency()).isZero();
    }

    @Test
    void webhookLatencySnapshotStartsAfresh() {
        try (Emulator emu = Emulator.start(base().build())) {
            Graph g = new Graph(emu);
            Graph.Response r = g.request("POST", "/_emulator/webhooks/latency/reset", null, "");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().path("count").asLong()).isZero();
            assertThat(r.json().has("p99Millis")).isTrue();
        }
    }
}
