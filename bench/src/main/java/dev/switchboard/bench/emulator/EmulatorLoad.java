package dev.switchboard.bench.emulator;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.emulator.EmulatorStats;
import dev.switchboard.emulator.WebhookBehaviour;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load test of the emulator alone: how many sends per second it accepts over HTTP on this box,
 * and whether its webhook side keeps up (about three statuses per send, batched).
 *
 * <p>Starts an embedded emulator on 127.0.0.1 with {@code --numbers} numbers at the 1,000 mps
 * ceiling (pair rate and service window out of the way), a no-op JDK webhook receiver, and
 * {@code --clients} virtual-thread clients that send template messages as fast as they are
 * answered for {@code --seconds} ({@code --client raw} keep-alive sockets by default, or
 * {@code --client jdk} for the JDK HttpClient). Prints accepted sends/s, webhook POSTs/s and statuses/s, and
 * send latency percentiles. Everything stays on loopback; the run is bounded by the duration.
 *
 * <pre>java -cp "bench/target/switchboard-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
 *     dev.switchboard.bench.emulator.EmulatorLoad --seconds 20 --clients 64 --numbers 8</pre>
 */
public final class EmulatorLoad {
    private static final byte[] RECIPIENT_KEY = "\"recipient_id\"".getBytes(StandardCharsets.US_ASCII);

    private EmulatorLoad() {
    }

    /** Occurrences of {@code key} in {@code hay}: one per status object, without parsing JSON. */
    private static int count(byte[] hay, byte[] key) {
        int n = 0;
        outer:
        for (int i = 0; i <= hay.length - key.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (hay[i + j] != key[j]) {
                    continue outer;
                }
            }
            n++;
            i += key.length - 1;
        }
        return n;
    }

    public static void main(String[] args) throws Exception {
        int seconds = intArg(args, "--seconds", 20);
        int clients = intArg(args, "--clients", 64);
        int numbers = intArg(args, "--numbers", 8);
        int ceiling = intArg(args, "--ceiling", 1000);
        int warmup = intArg(args, "--warmup-seconds", 3);
        boolean jdkClient = "jdk".equals(strArg(args, "--client", "raw"));
        if (seconds < 1 || seconds > 600) {
            throw new IllegalArgumentException("--seconds must be 1..600");
        }

        LongAdder webhookPosts = new LongAdder();
        LongAdder webhookStatuses = new LongAdder();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // platform threads: the receiver stands in for another process and must not queue behind
        // the load generator's virtual threads
        ExecutorService receiverPool = Executors.newFixedThreadPool(16);
        receiver.setExecutor(receiverPool);
        receiver.createContext("/webhooks/whatsapp", exchange -> {
            byte[] payload;
            try (InputStream in = exchange.getRequestBody()) {
                payload = in.readAllBytes();
            }
            webhookPosts.increment();
            webhookStatuses.add(count(payload, RECIPIENT_KEY));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();

        EmulatorConfig.Builder cfg = EmulatorConfig.builder().host("127.0.0.1").port(0).seed(1L)
                .appSecret("bench-secret").enforceServiceWindow(false).pairBurst(1_000_000)
                .acceptedLogCapacity(10_000)
                .webhookUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/whatsapp")
                .webhookBehaviour(WebhookBehaviour.builder().sentDelay(Duration.ofMillis(50))
                        .deliveredDelay(Duration.ofMillis(150)).readDelay(Duration.ofMillis(300))
                        .jitter(Duration.ofMillis(20)).maxBatchSize(50).linger(Duration.ofMillis(20))
                        .maxInFlight(16).build());
        for (int i = 0; i < numbers; i++) {
            cfg.number(EmulatedNumber.builder(Integer.toString(5000 + i)).wabaId("waba-bench").portfolioId("biz-bench")
                    .accessToken("bench-token-" + i).ceilingMps(ceiling).build());
        }

        try (Emulator emu = Emulator.start(cfg.build())) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String base = emu.baseUrl();
            AtomicLong recipientSeq = new AtomicLong();
            LongAdder ok = new LongAdder();
            LongAdder limited = new LongAdder();
            LongAdder other = new LongAdder();
            List<long[]> latencies = new ArrayList<>();
            long warmupEnd = System.nanoTime() + warmup * 1_000_000_000L;
            long end = warmupEnd + seconds * 1_000_000_000L;
            System.out.printf("emulator %s, %d numbers x %d mps, %d clients (%s), %ds (+%ds warm-up)%n",
                    base, numbers, ceiling, clients, jdkClient ? "JDK HttpClient" : "raw keep-alive sockets", seconds, warmup);

            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                long[] samples = new long[200_000];
                latencies.add(samples);
                int clientId = c;
                threads.add(Thread.ofVirtual().name("load-", c).start(() -> {
                    int n = 0;
                    int number = clientId % numbers;
                    String path = "/v23.0/" + (5000 + number) + "/messages";
                    URI uri = URI.create(base + path);
                    RawHttpConnection conn = null;
                    while (true) {
                        long now = System.nanoTime();
                        if (now >= end) {
                            break;
                        }
                        String to = String.format("1555%07d", recipientSeq.incrementAndGet() % 10_000_000);
                        String body = "{\"messaging_product\":\"whatsapp\",\"to\":\"" + to + "\",\"type\":\"template\","
                                + "\"template\":{\"name\":\"order_update\",\"language\":{\"code\":\"en_US\"},"
                                + "\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"Ann\"},"
                                + "{\"type\":\"text\",\"text\":\"#" + n + "\"}]}]}}";
                        try {
                            int status;
                            String answer;
                            if (jdkClient) {
                                HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                                        .header("Authorization", "Bearer bench-token-" + number)
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
                                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                                status = r.statusCode();
                                answer = r.body();
                            } else {
                                if (conn == null) {
                                    conn = new RawHttpConnection("127.0.0.1", emu.port());
                                }
                                RawHttpConnection.Response r = conn.post(path, "bench-token-" + number,
                                        body.getBytes(StandardCharsets.UTF_8));
                                status = r.status();
                                answer = new String(r.body(), StandardCharsets.UTF_8);
                            }
                            long took = System.nanoTime() - now;
                            if (now < warmupEnd) {
                                continue;
                            }
                            if (status == 200) {
                                ok.increment();
                            } else if (answer.contains("130429")) {
                                limited.increment();
                            } else {
                                other.increment();
                            }
                            if (n < samples.length) {
                                samples[n] = took;
                            }
                            n++;
                        } catch (Exception e) {
                            other.increment();
                            if (conn != null) {
                                try {
                                    conn.close();
                                } catch (java.io.IOException ignored) {
                                    // already broken
                                }
                                conn = null;
                            }
                        }
                    }
                    if (conn != null) {
                        try {
                            conn.close();
                        } catch (java.io.IOException ignored) {
                            // shutting down
                        }
                    }
                    if (n < samples.length) {
                        samples[n] = -1;
                    }
                }));
            }
            Thread.sleep(warmup * 1000L);
            EmulatorStats atStart = emu.stats();
            long postsAtStart = webhookPosts.sum();
            long statusesAtStart = webhookStatuses.sum();
            for (Thread t : threads) {
                t.join();
            }
            EmulatorStats atEnd = emu.stats();
            long posts = webhookPosts.sum() - postsAtStart;
            long statusesReceived = webhookStatuses.sum() - statusesAtStart;
            long statuses = atEnd.webhooks().statusesEmitted() - atStart.webhooks().statusesEmitted();

            // let the webhook tail drain (bounded) so we can say whether it kept up
            long drainStart = System.nanoTime();
            while (emu.stats().webhooks().pending() > 0 && System.nanoTime() - drainStart < 10_000_000_000L) {
                Thread.sleep(50);
            }
            double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
            long statusesTotal = webhookStatuses.sum() - statusesAtStart;

            long[] all = merge(latencies);
            long maxWindow = atEnd.numbers().values().stream().mapToLong(EmulatorStats.NumberStats::maxInAnySlidingSecond).max().orElse(0);
            System.out.printf("sends accepted      : %,d  (%,.0f /s)%n", ok.sum(), ok.sum() / (double) seconds);
            System.out.printf("sends 130429        : %,d  (%,.0f /s)%n", limited.sum(), limited.sum() / (double) seconds);
            System.out.printf("sends other/errors  : %,d%n", other.sum());
            System.out.printf("send latency        : p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (n=%,d)%n",
                    pct(all, 0.50), pct(all, 0.90), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6, all.length);
            System.out.printf("max in any 1 s/num  : %d (ceiling %d)%n", maxWindow, ceiling);
            System.out.printf("statuses emitted    : %,d  (%,.0f /s)%n", statuses, statuses / (double) seconds);
            System.out.printf("webhooks delivered  : %,d POSTs (%,.0f /s) carrying %,d statuses (%,.0f /s), %.1f per POST%n",
                    posts, posts / (double) seconds, statusesReceived, statusesReceived / (double) seconds,
                    posts == 0 ? 0.0 : statusesReceived / (double) posts);
            EmulatorStats.WebhookStats w = emu.stats().webhooks();
            System.out.printf("webhook totals      : delivered %,d, failed attempts %,d, dropped %,d, pending %,d after %.1fs drain%n",
                    w.delivered(), w.failedAttempts(), w.dropped(), w.pending(), drainSeconds);
            System.out.printf("incl. drain         : %,d statuses in %.1f s (%,.0f /s)%n", statusesTotal, seconds + drainSeconds,
                    statusesTotal / (seconds + drainSeconds));
            System.out.printf("webhook response    : p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", w.p50Millis(), w.p99Millis(), w.maxMillis());
        } finally {
            receiver.stop(0);
            receiverPool.shutdownNow();
        }
    }

    private static long[] merge(List<long[]> parts) {
        int n = 0;
        for (long[] p : parts) {
            for (long v : p) {
                if (v <= 0) {
                    break;
                }
                n++;
            }
        }
        long[] out = new long[n];
        int i = 0;
        for (long[] p : parts) {
            for (long v : p) {
                if (v <= 0) {
                    break;
                }
                out[i++] = v;
            }
        }
        Arrays.sort(out);
        return out;
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
        return sorted[idx] / 1e6;
    }

    private static String strArg(String[] args, String name, String def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }

    private static int intArg(String[] args, String name, int def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return def;
    }
}
