package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.bench.stack.EmulatorControl;
import dev.switchboard.bench.stack.FacadeClient;
import dev.switchboard.bench.stack.Stack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code crash}: a flash sale through the facade with Meta's status webhooks on, and the gateway
 * {@code kill -9}ed {@code --kills} times at random moments of it, each time started again on
 * the same database. Counts, per the emulator's own log: messages that got a 2xx but never
 * reached Meta (lost), messages that reached Meta more than once (sent twice), and the
 * emulator's duplicate count. A request cut off by a kill got no 2xx and is not counted: the
 * client would retry it as a new request.
 */
final class Crash {
    private Crash() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchMain.args(args);
        int messages = Integer.parseInt(a.getOrDefault("messages", "20000"));
        int kills = Integer.parseInt(a.getOrDefault("kills", "20"));
        int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "32"));
        int ceiling = Integer.parseInt(a.getOrDefault("ceiling", "200"));
        long minGapMs = Long.parseLong(a.getOrDefault("min-gap-ms", "1500"));
        long maxGapMs = Long.parseLong(a.getOrDefault("max-gap-ms", "5000"));
        if (messages < 1 || messages > 1_000_000 || kills < 0 || kills > 200 || concurrency < 1 || concurrency > 1024
                || minGapMs < 100 || maxGapMs < minGapMs || maxGapMs > 120_000) {
            throw new IllegalArgumentException("messages 1..1000000, kills 0..200, concurrency 1..1024, 100 <= min-gap-ms <= max-gap-ms <= 120000");
        }
        Stack.Options options = Stack.Options.from(a);
        Stack.Tenant shop = Stack.shop(ceiling);
        Stack.Template promo = Stack.promo();
        Report r = new Report("crash");
        r.add("database", options.db(), "setup.db", options.db());
        r.add("flood", String.format("%,d LOW template sends, %d concurrent, 3 numbers at %d mps, webhooks on", messages, concurrency,
                ceiling), "setup.messages", messages);
        r.add("kills", String.format("%d × kill -9, %d–%d ms apart once the node is ready", kills, minGapMs, maxGapMs), "setup.kills", kills);
        try (Stack s = Stack.start(options, List.of(shop), List.of(promo))) {
            try {
                run(s, r, shop, messages, kills, concurrency, ceiling, minGapMs, maxGapMs);
            } catch (Exception | Error e) {
                System.err.println(s.logTails());
                throw e;
            }
        }
        r.print();
        if (a.containsKey("out")) {
            r.write(Path.of(a.get("out")));
        }
    }

    private static void run(Stack s, Report r, Stack.Tenant shop, int messages, int kills, int concurrency, int ceiling,
                            long minGapMs, long maxGapMs) throws Exception {
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger cutOff = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        try (FacadeClient client = s.facadeClient()) {
            for (int w = 0; w < concurrency; w++) {
                workers.add(Thread.ofVirtual().start(() -> {
                    for (int i = next.getAndIncrement(); i < messages; ) {
                        byte[] body = Flood.body(Flood.FIRST_RECIPIENT + i, "promo", i);
                        FacadeClient.Result res = client.send(shop.numberIds().get(i % 3), shop.apiKey(), body, false, true);
                        if (res.ok()) {
                            accepted.add(EmulatorControl.json(res.body()).path("messages").path(0).path("id").asText());
                            i = next.getAndIncrement();
                        } else {
                            cutOff.incrementAndGet(); // the client tries again: a new request (and message) if the cut-off one was taken
                            sleepQuietly(100); // the node is down: do not spin
                        }
                    }
                }));
            }
            Random random = new Random(42);
            List<Long> downMillis = new ArrayList<>();
            for (int k = 0; k < kills; k++) { // while accepting, sending or reconciling: size --messages so the drain outlasts them
                Thread.sleep(minGapMs + (long) (random.nextDouble() * (maxGapMs - minGapMs)));
                downMillis.add(s.killAndRestartGateway());
                System.out.printf("kill %d of %d: the node was back after %d ms; %,d accepted so far%n", k + 1, kills,
                        downMillis.get(downMillis.size() - 1), accepted.size());
            }
            for (Thread t : workers) {
                t.join();
            }
            r.add("kills done", downMillis.size() + " (node down " + Percentiles.ofNanos(downMillis.stream().mapToLong(x -> x * 1_000_000).toArray()).text() + ")", "kills.done",
                    downMillis.size());
            r.add("requests", String.format("%,d accepted (2xx), %,d cut off by a kill (no 2xx)", accepted.size(), cutOff.get()),
                    "flood.accepted", accepted.size());
            // every accepted message must reach the emulator; in-flight ones wait for the grace window first
            long deadline = System.nanoTime() + (messages * 1000L / (3L * ceiling) + 180_000) * 1_000_000L;
            Map<String, Integer> sends = Map.of();
            long missing = accepted.size();
            while (System.nanoTime() < deadline) {
                sends = sendsPerMessage(s, shop.numberIds());
                Map<String, Integer> snapshot = sends;
                missing = accepted.stream().filter(id -> !snapshot.containsKey(id)).count();
                if (missing == 0) {
                    break;
                }
                Thread.sleep(1000);
            }
            long twice = sends.values().stream().filter(n -> n > 1).count();
            JsonNode stats = s.emulatorControl().stats();
            long duplicates = 0;
            for (String id : shop.numberIds()) {
                duplicates += stats.path("numbers").path(id).path("duplicates").asLong();
            }
            Map<String, Long> states = s.db().states();
            r.heading("Outcome");
            r.add("accepted but never sent (lost)", Long.toString(missing), "outcome.lost", missing);
            r.add("sent more than once", Long.toString(twice), "outcome.sent_twice", twice);
            r.add("emulator duplicate count", Long.toString(duplicates), "outcome.emulator_duplicates", duplicates);
            r.add("message states", states.toString(), "outcome.states", states);
        }
    }

    private static Map<String, Integer> sendsPerMessage(Stack s, List<String> numbers) {
        Map<String, Integer> out = new HashMap<>();
        for (String number : numbers) {
            JsonNode root = EmulatorControl.json(EmulatorControl.get(s.emulatorBase() + "/_emulator/messages?phone_number_id=" + number
                    + "&limit=1000000"));
            for (JsonNode m : root.path("data")) {
                String opaque = m.path("biz_opaque_callback_data").asText("");
                if (opaque.startsWith("sb:")) {
                    int bar = opaque.indexOf('|');
                    out.merge(opaque.substring(3, bar < 0 ? opaque.length() : bar), 1, Integer::sum);
                }
            }
        }
        return out;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
