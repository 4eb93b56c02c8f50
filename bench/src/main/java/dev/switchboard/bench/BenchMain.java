package dev.switchboard.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Entry point: {@code java -jar bench/target/switchboard-bench-*.jar <scenario> [--key value ...]}.
 * Every load targets 127.0.0.1 only and stops by itself.
 */
public final class BenchMain {
    private static final String USAGE = """
            usage: <scenario> [--key value ...]
              flash-sale      gateway and emulator as child processes; tenant A floods the Cloud API facade while
                              tenant B sends OTPs: OTP latency baseline vs loaded, accept rate, ceiling use, gateway CPU
                              --db sqlite|jdbc:postgresql://127.0.0.1:5432/ANY (a fresh sb_bench_* database is created
                              and dropped)  --messages 20000  --concurrency 128  --ceiling 200  --otp-interval-ms 200
                              --baseline-seconds 10  --warmup-seconds 2  --warm-messages 0  --latency-ms 0  --jitter-ms 0
                              --inbound-share 0.3 (users write to the flooded numbers at that share of the ceiling)
                              --hang-share 0.01 (that share of all sends hangs 30 s at the emulator, then fails)
                              --gateway-jvm-opts "-Xmx256m ..."  --gateway-jar gateway/target/switchboard.jar  --out FILE.json
              peak            same processes; 3 numbers at --ceiling 1000, open-loop --rate 3000 sends/s for --seconds 60,
                              3 statuses per send: achieved sends/s, statuses/s, journal backlog and apply lag, gateway CPU
                              --db, --latency-ms, --jitter-ms, --gateway-jvm-opts, --gateway-jar, --out as above;
                              --max-in-flight 1024
              latency-shaping flash-sale at Meta's latency: --latency-ms 150 --jitter-ms 250 --warm-messages 20000 unless given
                              (utilisation per number, highest count in any sliding second, 130429, the release window's J)
              inbound-mix     flash-sale with users writing to the flooded numbers: --inbound-share 0.3 unless given
              crash           same processes, webhooks on; the gateway is kill -9ed --kills 20 times at random moments
                              of a --messages 20000 flood (--concurrency 32, --min-gap-ms 1500 --max-gap-ms 5000 between
                              kills) and restarted on its database: lost, sent-twice and duplicate counts; --db as above
              audience-import gateway (and idle emulator) as child processes; one upload of a generated --rows 1000000
                              row CSV to /v1/audiences/{id}/contacts: import time, gateway CPU, gateway heap (peak used
                              from its GC log, most live after GC, sampled), peak RSS, counts checked; --db as above,
                              --gateway-jvm-opts "-Xmx256m", --request-timeout PT5M (the gateway's http.requestTimeout)
              campaign        gateway and emulator as child processes: start → first send of --starts 5 small campaigns
                              (--start-contacts 200); then a --rows 1000000 CSV audience and a campaign over it on the
                              shop's 3 numbers at --ceiling 200, run for --seconds 90: sends/s ÷ sum of ceilings (after
                              --settle-seconds 15), gateway heap (GC log, live via jcmd), unsent messages, CPU; and bank's
                              HIGH OTPs (--otp-interval-ms 200) alone for --baseline-seconds 20 vs while it runs;
                              --db, --gateway-jvm-opts, --gateway-jar, --out as above
              backlog-heap    in-process: heap held by a paused backlog (--messages 1000000 --db ...)
              emulator        the emulator alone under load (--seconds --clients --numbers)
              webhook-ingest  in-process: webhook ack and apply throughput
            """;

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.out.print(USAGE);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "flash-sale" -> FlashSale.main(rest);
            case "peak" -> Peak.main(rest);
            case "crash" -> Crash.main(rest);
            case "latency-shaping" -> FlashSale.main(withDefaults(rest, "--latency-ms", "150", "--jitter-ms", "250", "--warm-messages", "20000"));
            case "inbound-mix" -> FlashSale.main(withDefaults(rest, "--inbound-share", "0.3", "--warm-messages", "20000"));
            case "audience-import" -> AudienceImport.main(rest);
            case "campaign" -> CampaignBench.main(rest);
            case "backlog-heap" -> BacklogHeap.main(rest);
            case "emulator" -> dev.switchboard.bench.emulator.EmulatorLoad.main(rest);
            case "webhook-ingest" -> dev.switchboard.bench.webhooks.WebhookIngestBench.main(rest);
            default -> {
                System.out.println("unknown scenario " + args[0]);
                System.out.print(USAGE);
            }
        }
    }

    /** {@code defaults} (flag, value, …) first, so the caller's own flags win. */
    private static String[] withDefaults(String[] rest, String... defaults) {
        String[] out = Arrays.copyOf(defaults, defaults.length + rest.length);
        System.arraycopy(rest, 0, out, defaults.length, rest.length);
        return out;
    }

    public static Map<String, String> args(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            out.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return out;
    }
}
