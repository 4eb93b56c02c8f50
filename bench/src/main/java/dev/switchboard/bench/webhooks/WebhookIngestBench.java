package dev.switchboard.bench.webhooks;

import dev.switchboard.bench.emulator.RawHttpConnection;
import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import io.helidon.webserver.WebServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook ingest at rising load, side by side with a no-op endpoint on the same server stack
 * (Helidon SE, same JVM, same loopback): the ratio of the two is what durability costs.
 *
 * <p>Before the load, {@code --messages} messages are accepted on a paused channel, so the
 * statuses refer to real rows and processing does real work. Each step offers a fixed rate of
 * signed POSTs ({@code --per-post} statuses each, cycling sent → delivered → read through the
 * messages) for {@code --seconds}, open loop: latency is measured from each request's scheduled
 * time, so a server that falls behind shows it as latency instead of silently slowing the
 * load (no coordinated omission). Per step it prints the achieved rate, ack latency p50/p99/max,
 * errors, and for Switchboard the journal backlog left unprocessed at the end of the step.
 */
public final class WebhookIngestBench {
    private static final String SECRET = "bench-app-secret";

    public static void main(String[] args) throws Exception {
        Map<String, String> a = dev.switchboard.bench.BenchMain.args(args);
        int[] steps = Arrays.stream(a.getOrDefault("steps", "500,1000,2000,4000").split(",")).mapToInt(Integer::parseInt).toArray();
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "10"));
        int perPost = Integer.parseInt(a.getOrDefault("per-post", "3"));
        int messages = Integer.parseInt(a.getOrDefault("messages", "100000"));
        int connections = Integer.parseInt(a.getOrDefault("connections", "64"));
        String dbUrl = a.getOrDefault("db", "sqlite");
        Path dir = Files.createTempDirectory("webhook-bench");
        SwitchboardConfig.Database db = dbUrl.equals("sqlite")
                ? new SwitchboardConfig.Database("jdbc:sqlite:" + dir.resolve("sb.db"), null, null, 8, 0)
                : new SwitchboardConfig.Database(dbUrl, a.getOrDefault("db-user", "postgres"), a.getOrDefault("db-password", ""), 8, 0);
        SwitchboardConfig cfg = new SwitchboardConfig(new SwitchboardConfig.Http("127.0.0.1", 0, 0, null), db,
                new SwitchboardConfig.Security("bench", Base64.getEncoder().encodeToString(new byte[32]), dir.resolve("k").toString(), null),
                new SwitchboardConfig.Upstream("http://127.0.0.1:9", "v23.0", Duration.ofSeconds(1), Duration.ofSeconds(1)),
                SwitchboardConfig.Sending.defaults(), new SwitchboardConfig.Webhooks(SECRET, "v", 0), null,
                new SwitchboardConfig.Bootstrap(List.of(new SwitchboardConfig.TenantSpec("shop", "Shop", "sk_shop", 1_000_000,
                        10_000_000L, List.of(new SwitchboardConfig.ChannelSpec("2001", "15550002001", "waba-shop", "biz-shop", "t", 1000,
                                "TIER_UNLIMITED"))))));
        WebServer noop = WebServer.builder().host("127.0.0.1").port(0).maxPayloadSize(4L * 1024 * 1024)
                .routing(r -> r.post("/noop", (req, res) -> {
                    req.content().as(byte[].class);
                    res.header("Content-Type", "application/json").send("{\"status\":\"ok\"}");
                })).build().start();
        try (Switchboard sb = Switchboard.start(cfg)) {
            sb.tenancy().updateChannel("2001", null, null, null, null, "PAUSED", "webhook benchmark");
            List<String> ids = seed(sb, messages);
            System.out.printf("seeded %d messages; %d connections, %d statuses per POST, %d s per step, storage %s%n", ids.size(),
                    connections, perPost, seconds, dbUrl);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            AtomicInteger cursor = new AtomicInteger();
            for (int rate : steps) {
                Step n = run("no-op", noop.port(), "/noop", rate, seconds, connections, perPost, ids, cursor);
                long cpu0 = os.getProcessCpuTime();
                Step s = run("switchboard", sb.port(), "/webhooks/whatsapp", rate, seconds, connections, perPost, ids, cursor);
                double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                long backlog = backlog(sb);
                System.out.printf("offered %5d POST/s | no-op: %s | switchboard: %s | journal backlog at step end %d,"
                        + " JVM CPU %.0f%% of 2 cores (the database's own not counted)%n",
                        rate, n, s, backlog, 100 * cpu / seconds / 2);
                long drainStart = System.nanoTime();
                while (backlog(sb) > 0 && System.nanoTime() - drainStart < 120_000_000_000L) {
                    Thread.sleep(200);
                }
                System.out.printf("    backlog drained %.1f s after the step%n", (System.nanoTime() - drainStart) / 1e9);
            }
        } finally {
            noop.stop();
        }
    }

    private static long backlog(Switchboard sb) {
        return sb.webhookBacklog();
    }

    /** What one step measured. */
    record Step(double postsPerSecond, double statusesPerSecond, double p50, double p99, double max, long errors) {
        @Override
        public String toString() {
            return String.format("%6.0f POST/s (%6.0f statuses/s), ack p50 %6.2f ms p99 %7.2f ms max %7.1f ms, errors %d",
                    postsPerSecond, statusesPerSecond, p50, p99, max, errors);
        }
    }

    private static Step run(String name, int port, String path, int rate, int seconds, int connections, int perPost, List<String> ids,
                            AtomicInteger cursor) throws InterruptedException {
        long intervalNanos = 1_000_000_000L * connections / rate;
        long start = System.nanoTime() + 200_000_000L;
        long end = start + seconds * 1_000_000_000L;
        LongAdder done = new LongAdder();
        LongAdder errors = new LongAdder();
        List<long[]> samples = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            long[] lat = new long[(int) ((long) rate * seconds / connections) + 16];
            samples.add(lat);
            long first = start + intervalNanos * c / connections;
            threads.add(Thread.ofVirtual().start(() -> {
                int n = 0;
                try (RawHttpConnection conn = new RawHttpConnection("127.0.0.1", port)) {
                    for (long due = first; due < end && n < lat.length; due += intervalNanos) {
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        byte[] body = payload(ids, cursor, perPost);
                        RawHttpConnection.Response r = conn.postWithHeader(path, "X-Hub-Signature-256: sha256=" + sign(body), body);
                        lat[n++] = System.nanoTime() - due;
                        if (r.status() == 200) {
                            done.increment();
                        } else {
                            errors.increment();
                        }
                    }
                } catch (Exception e) {
                    errors.increment();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        long total = samples.stream().mapToLong(l -> Arrays.stream(l).filter(v -> v > 0).count()).sum();
        long[] all = new long[(int) total];
        int i = 0;
        for (long[] l : samples) {
            for (long v : l) {
                if (v > 0) {
                    all[i++] = v;
                }
            }
        }
        Arrays.sort(all);
        double secs = (Math.max(System.nanoTime(), end) - start) / 1e9;
        return new Step(done.sum() / secs, done.sum() * perPost / secs, pct(all, 0.50), pct(all, 0.99),
                all.length == 0 ? 0 : all[all.length - 1] / 1e6, errors.sum());
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }

    private static final String[] STATUSES = {"sent", "delivered", "read"};

    /** Meta's shape: one entry, one change, {@code perPost} statuses for consecutive messages. */
    private static byte[] payload(List<String> ids, AtomicInteger cursor, int perPost) {
        StringBuilder sb = new StringBuilder(300 + perPost * 260).append("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":"
                + "\"waba-shop\",\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":"
                + "{\"display_phone_number\":\"15550002001\",\"phone_number_id\":\"2001\"},\"statuses\":[");
        long ts = System.currentTimeMillis() / 1000;
        for (int k = 0; k < perPost; k++) {
            int n = cursor.getAndIncrement();
            String id = ids.get(n % ids.size());
            String status = STATUSES[(n / ids.size()) % 3];
            sb.append(k == 0 ? "" : ",").append("{\"id\":\"wamid.").append(id).append("\",\"status\":\"").append(status)
                    .append("\",\"timestamp\":\"").append(ts).append("\",\"recipient_id\":\"12000000000\",\"biz_opaque_callback_data\":"
                            + "\"sb:").append(id).append("\",\"pricing\":{\"billable\":true,\"pricing_model\":\"PMP\",\"category\":"
                            + "\"marketing\",\"type\":\"regular\"}}");
        }
        return sb.append("]}}]}]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String sign(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    private static List<String> seed(Switchboard sb, int total) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<String> ids = new ArrayList<>(total);
        for (int b = 0; b < total; b += 1000) {
            String body = dev.switchboard.bench.NativeBatches.batch("2001", Math.min(1000, total - b), b);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sb.baseUrl() + "/v1/messages"))
                    .header("Authorization", "Bearer sk_shop").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                throw new IllegalStateException("seed refused: " + r.body());
            }
            var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            tree.path("messages").forEach(m -> ids.add(m.path("id").asText()));
        }
        return ids;
    }
}
