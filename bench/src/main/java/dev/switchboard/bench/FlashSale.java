package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.emulator.AcceptedMessage;
import dev.switchboard.emulator.EmulatedNumber;
import dev.switchboard.emulator.Emulator;
import dev.switchboard.emulator.EmulatorConfig;
import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The flash-sale scenario of issue 3: tenant "shop" floods LOW marketing messages across three
 * numbers (ceiling {@code --ceiling}, default 1,000 mps each) while tenant "bank" sends one OTP
 * every 100 ms on its own number and tenant "shop" also sends its own OTPs on a busy number.
 * Gateway, emulator and load generator share this JVM and talk over loopback HTTP.
 *
 * <p>Reports: accept throughput, per-number send rate and ceiling utilisation, emulator breaches
 * and 130429s, OTP latency (client request → arrival at the emulator) p50/p99/max, and CPU per
 * message sent (whole process).
 */
public final class FlashSale {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().build();

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchMain.args(args);
        int ceiling = Integer.parseInt(a.getOrDefault("ceiling", "1000"));
        int total = Integer.parseInt(a.getOrDefault("messages", "150000"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "60"));
        String dbUrl = a.getOrDefault("db", "sqlite");
        Path dir = Files.createTempDirectory("flash-sale");
        SwitchboardConfig.Database db = dbUrl.equals("sqlite")
                ? new SwitchboardConfig.Database("jdbc:sqlite:" + dir.resolve("sb.db"), null, null, 8, 0)
                : new SwitchboardConfig.Database(dbUrl, a.getOrDefault("db-user", "postgres"), a.getOrDefault("db-password", ""), 8, 0);

        List<String> shopChannels = List.of("2001", "2002", "2003");
        EmulatorConfig.Builder eb = EmulatorConfig.builder().host("127.0.0.1").port(0).appSecret("bench");
        List<SwitchboardConfig.ChannelSpec> shop = new ArrayList<>();
        for (String ch : shopChannels) {
            eb.number(EmulatedNumber.builder(ch).displayPhoneNumber("1555000" + ch).wabaId("waba-shop").portfolioId("biz-shop")
                    .accessToken("t" + ch).ceilingMps(ceiling).build());
            shop.add(new SwitchboardConfig.ChannelSpec(ch, "1555000" + ch, "waba-shop", "biz-shop", "t" + ch, ceiling, "TIER_UNLIMITED"));
        }
        eb.number(EmulatedNumber.builder("2101").displayPhoneNumber("15550002101").wabaId("waba-bank").portfolioId("biz-bank")
                .accessToken("t2101").ceilingMps(ceiling).build());
        try (Emulator emulator = Emulator.start(eb.build())) {
            SwitchboardConfig cfg = new SwitchboardConfig(new SwitchboardConfig.Http("127.0.0.1", 0, 0, null), db,
                    new SwitchboardConfig.Security("bench", Base64.getEncoder().encodeToString(new byte[32]), dir.resolve("k").toString()),
                    new SwitchboardConfig.Upstream(emulator.baseUrl(), "v23.0", Duration.ofSeconds(5), Duration.ofSeconds(2)),
                    SwitchboardConfig.Sending.defaults(), new SwitchboardConfig.Webhooks("bench", "v", 0),
                    SwitchboardConfig.Emulator.defaults(), new SwitchboardConfig.Bootstrap(List.of(
                            new SwitchboardConfig.TenantSpec("shop", "Shop", "sk_shop", 1_000_000, 10_000_000L, shop),
                            new SwitchboardConfig.TenantSpec("bank", "Bank", "sk_bank", 1_000_000, 10_000_000L, List.of(new SwitchboardConfig.ChannelSpec(
                                    "2101", "15550002101", "waba-bank", "biz-bank", "t2101", ceiling, "TIER_UNLIMITED"))))));
            try (Switchboard sb = Switchboard.start(cfg)) {
                emulator.setWebhookUrl(sb.baseUrl() + "/webhooks/whatsapp");
                run(sb, emulator, shopChannels, total, seconds, ceiling);
            }
        }
    }

    private static void run(Switchboard sb, Emulator emulator, List<String> shopChannels, int total, int seconds, int ceiling)
            throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        AtomicLong accepted = new AtomicLong();
        AtomicLong acceptNanos = new AtomicLong();
        List<Thread> flood = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            flood.add(Thread.ofVirtual().start(() -> {
                int batch;
                while ((batch = next.getAndAdd(1000)) < total) {
                    String ch = shopChannels.get((batch / 1000) % shopChannels.size());
                    String body = batch(ch, Math.min(1000, total - batch), batch);
                    HttpResponse<String> r = post(sb.baseUrl() + "/v1/messages", "sk_shop", body);
                    if (r.statusCode() == 202) {
                        accepted.addAndGet(Math.min(1000, total - batch));
                    } else {
                        System.err.println("flood batch refused: " + r.statusCode() + " " + r.body());
                    }
                }
                acceptNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
            }));
        }
        Map<String, Long> otpSentAt = new ConcurrentHashMap<>();
        Thread otps = Thread.ofVirtual().start(() -> {
            int i = 0;
            while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
                boolean bank = i % 2 == 0;
                String url = sb.baseUrl() + "/v23.0/" + (bank ? "2101" : "2001") + "/messages";
                long start = System.currentTimeMillis();
                HttpResponse<String> r = post(url, bank ? "sk_bank" : "sk_shop", "{\"messaging_product\":\"whatsapp\",\"to\":\"1"
                        + (3_000_000_000L + i) + "\",\"type\":\"template\",\"template\":{\"name\":\"otp_code\",\"language\":{\"code\":"
                        + "\"en_US\"},\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"" + (100000 + i)
                        + "\"}]}]}}");
                if (r.statusCode() == 200) {
                    otpSentAt.put(json(r).path("messages").path(0).path("id").asText(), start);
                }
                i++;
                sleep(100);
            }
        });
        for (Thread t : flood) {
            t.join();
        }
        otps.join();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long cpu = os.getProcessCpuTime() - cpuStart;

        System.out.printf("accepted %d marketing messages in %.1f s: %.0f msg/s accept throughput%n",
                accepted.get(), acceptNanos.get() / 1e9, accepted.get() / (acceptNanos.get() / 1e9));
        long sentTotal = 0;
        for (String ch : shopChannels) {
            var n = emulator.stats().number(ch);
            List<AcceptedMessage> log = emulator.acceptedMessages(ch);
            sentTotal += n.accepted();
            double rate = steadyRate(log);
            System.out.printf("number %s: sent %d, steady rate %.0f mps = %.1f%% of ceiling %d; max in any sliding second %d;"
                    + " breaches %d; 130429 %d%n", ch, n.accepted(), rate, 100.0 * rate / ceiling, ceiling,
                    n.maxInAnySlidingSecond(), n.breaches(), n.rejections(130429));
        }
        List<Long> latencies = new ArrayList<>();
        for (String ch : List.of("2101", "2001")) {
            for (AcceptedMessage m : emulator.acceptedMessages(ch)) {
                String opaque = m.bizOpaqueCallbackData();
                if (opaque != null && "otp_code".equals(m.templateName())) {
                    Long start = otpSentAt.get(opaque.substring(3));
                    if (start != null) {
                        latencies.add(m.acceptedAtMillis() - start);
                    }
                }
            }
        }
        latencies.sort(Long::compare);
        if (!latencies.isEmpty()) {
            System.out.printf("OTPs: %d sent of %d requested; latency client→Meta p50 %d ms, p99 %d ms, max %d ms%n",
                    latencies.size(), otpSentAt.size(), pct(latencies, 0.50), pct(latencies, 0.99), latencies.get(latencies.size() - 1));
        }
        System.out.printf("elapsed %.1f s; CPU %.1f s for %d messages sent = %.0f µs CPU per message (gateway + emulator + load"
                + " generator in one JVM)%n", elapsed, cpu / 1e9, sentTotal, sentTotal == 0 ? 0 : cpu / 1e3 / sentTotal);
        System.out.printf("still queued: %d%n", sb.messages().countQueued("shop"));
        var w = emulator.stats().webhooks();
        System.out.printf("webhooks: %d statuses emitted by the emulator (%.0f/s over the run), %d POSTs acknowledged by Switchboard,"
                        + " ack time as seen by the emulator p50 %.1f ms, p99 %.1f ms, max %.0f ms; %d failed attempts, %d pending;"
                        + " journal backlog %d%n", w.statusesEmitted(), w.statusesEmitted() / elapsed, w.delivered(), w.p50Millis(),
                w.p99Millis(), w.maxMillis(), w.failedAttempts(), w.pending(), sb.webhookBacklog());
    }

    /** Send rate over the middle 80% of a number's accepted log (excludes ramp-up and tail). */
    static double steadyRate(List<AcceptedMessage> log) {
        if (log.size() < 100) {
            return 0;
        }
        int from = log.size() / 10;
        int to = log.size() - log.size() / 10;
        long span = log.get(to - 1).acceptedAtMillis() - log.get(from).acceptedAtMillis();
        return span <= 0 ? 0 : (to - from - 1) * 1000.0 / span;
    }

    private static long pct(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
    }

    public static String batch(String ch, int n, int offset) {
        StringBuilder sb = new StringBuilder("{\"messages\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? "," : "").append("{\"channel_id\":\"").append(ch).append("\",\"to\":\"1")
                    .append(2_000_000_000L + offset + i).append("\",\"type\":\"template\",\"template\":{\"name\":\"flash_sale\","
                            + "\"language\":{\"code\":\"en_US\"},\"components\":[{\"type\":\"body\",\"parameters\":["
                            + "{\"type\":\"text\",\"text\":\"50%\"},{\"type\":\"text\",\"text\":\"today\"}]}]}}");
        }
        return sb.append("]}").toString();
    }

    static HttpResponse<String> post(String url, String key, String body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
