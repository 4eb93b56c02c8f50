package dev.switchboard.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Entry point: {@code java -jar bench/target/switchboard-bench-*.jar <scenario> [--key value ...]}.
 * Scenarios: {@code flash-sale}, {@code backlog-heap}, {@code emulator}, {@code webhook-ingest}. Every load targets
 * 127.0.0.1 only and stops by itself.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.out.println("usage: <flash-sale|backlog-heap|emulator|webhook-ingest> [--key value ...]");
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "flash-sale" -> FlashSale.main(rest);
            case "backlog-heap" -> BacklogHeap.main(rest);
            case "emulator" -> dev.switchboard.bench.emulator.EmulatorLoad.main(rest);
            case "webhook-ingest" -> dev.switchboard.bench.webhooks.WebhookIngestBench.main(rest);
            default -> System.out.println("unknown scenario " + args[0]);
        }
    }

    public static Map<String, String> args(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            out.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return out;
    }
}
