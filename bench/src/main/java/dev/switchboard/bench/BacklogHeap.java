package dev.switchboard.bench;

import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Heap held by a large backlog: accepts {@code --messages} (default 1,000,000) LOW messages for a
 * paused number (so none leave), then compares live heap after full GCs with the baseline. The
 * queues page from storage, so the figure should stay near the in-memory window
 * (3 lanes × {@code memoryQueueCapacity}) whatever the backlog. Also reports accept throughput
 * with no sending competing for the machine.
 */
public final class BacklogHeap {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchMain.args(args);
        int total = Integer.parseInt(a.getOrDefault("messages", "1000000"));
        String dbUrl = a.getOrDefault("db", "sqlite");
        Path dir = Files.createTempDirectory("backlog");
        SwitchboardConfig.Database db = dbUrl.equals("sqlite")
                ? new SwitchboardConfig.Database("jdbc:sqlite:" + dir.resolve("sb.db"), null, null, 8, 0)
                : new SwitchboardConfig.Database(dbUrl, a.getOrDefault("db-user", "postgres"), a.getOrDefault("db-password", ""), 8, 0);
        SwitchboardConfig cfg = new SwitchboardConfig(new SwitchboardConfig.Http("127.0.0.1", 0, 0, null), db,
                new SwitchboardConfig.Security("bench", Base64.getEncoder().encodeToString(new byte[32]), dir.resolve("k").toString(), null),
                new SwitchboardConfig.Upstream("http://127.0.0.1:9", "v23.0", Duration.ofSeconds(1), Duration.ofSeconds(1)),
                SwitchboardConfig.Sending.defaults(), null, null, new SwitchboardConfig.Bootstrap(List.of(
                        new SwitchboardConfig.TenantSpec("shop", "Shop", "sk_shop", 1_000_000, 10_000_000L, List.of(new SwitchboardConfig.ChannelSpec(
                                "2001", "15550002001", "waba-shop", "biz-shop", "t", 1000, "TIER_UNLIMITED"))))));
        try (Switchboard sb = Switchboard.start(cfg)) {
            sb.tenancy().updateChannel("2001", null, null, null, null, "PAUSED", "backlog benchmark");
            long baseline = liveHeap();
            long t0 = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            List<Thread> clients = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    int b;
                    while ((b = next.getAndAdd(1000)) < total) {
                        var r = NativeBatches.post(sb.baseUrl() + "/v1/messages", "sk_shop", NativeBatches.batch("2001", Math.min(1000, total - b), b));
                        if (r.statusCode() != 202) {
                            System.err.println("refused: " + r.statusCode() + " " + r.body());
                        }
                    }
                }));
            }
            for (Thread t : clients) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long after = liveHeap();
            System.out.printf("accepted %d messages in %.1f s (%.0f msg/s); live heap %d MiB before, %d MiB with the backlog"
                    + " (+%d MiB); queued per storage: %d%n", total, secs, total / secs, baseline >> 20, after >> 20,
                    (after - baseline) >> 20, sb.messages().countQueued("shop"));
        }
    }

    private static long liveHeap() throws InterruptedException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
