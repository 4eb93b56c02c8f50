package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.bench.stack.EmulatorControl;
import dev.switchboard.bench.stack.FacadeClient;
import dev.switchboard.bench.stack.GatewayDb;
import dev.switchboard.bench.stack.Stack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 7's flash sale, through the Cloud API facade, with gateway and emulator in processes of
 * their own: does one tenant's flood make another tenant's login codes late, how fast does the
 * gateway accept the flood, how close to Meta's ceilings does it drain it, and at what CPU cost?
 *
 * <p>Tenant B ("bank", one number at 80 mps) sends a HIGH OTP text every {@code --otp-interval-ms}
 * throughout. After a short warm-up (not counted) comes the baseline, B alone for
 * {@code --baseline-seconds}; then tenant A ("shop", three numbers at {@code --ceiling} mps)
 * floods {@code --messages} LOW marketing template sends ({@code promo}, MARKETING in the
 * emulator's catalogue, from which the gateway syncs its lane) at {@code --concurrency}
 * concurrent single-message requests, and B's OTPs go on until A's last message has arrived at
 * the emulator. Comparing B's OTP latency (request start → arrival at Meta) under load with the
 * baseline of the same run cancels out the machine: the ratio is the cost of the neighbour.
 *
 * <p>The gateway's CPU is counted from the flood's start until every status of every message
 * is applied (three per send: ingesting them is part of a message's cost), divided by the
 * messages sent in that window. Webhook ack times are the emulator's, snapshotted at the
 * flood's start and at the drain, so they are the flood's own.
 */
public final class FlashSale {
    private static final Pattern ACCEPTED = Pattern.compile("^switchboard_messages_accepted_total\\{([^}]*)}\\s+(\\S+)", Pattern.MULTILINE);

    private FlashSale() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchMain.args(args);
        int messages = Integer.parseInt(a.getOrDefault("messages", "20000"));
        int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "128"));
        int ceiling = Integer.parseInt(a.getOrDefault("ceiling", "200"));
        long otpInterval = Long.parseLong(a.getOrDefault("otp-interval-ms", "200"));
        int baselineSeconds = Integer.parseInt(a.getOrDefault("baseline-seconds", "10"));
        int warmupSeconds = Integer.parseInt(a.getOrDefault("warmup-seconds", "2"));
        int warmMessages = Integer.parseInt(a.getOrDefault("warm-messages", "0"));
        double inboundShare = Double.parseDouble(a.getOrDefault("inbound-share", "0"));
        if (messages < 1 || concurrency < 1 || concurrency > 4096 || ceiling < 1 || ceiling > 1000 || otpInterval < 10
                || baselineSeconds < 1 || baselineSeconds > 600 || warmupSeconds < 0 || warmupSeconds > 60
                || warmMessages < 0 || warmMessages > 1_000_000) {
            throw new IllegalArgumentException("messages >= 1, concurrency 1..4096, ceiling 1..1000, otp-interval-ms >= 10,"
                    + " baseline-seconds 1..600, warmup-seconds 0..60, warm-messages 0..1000000");
        }
        Stack.Options options = Stack.Options.from(a);
        Stack.Tenant shop = Stack.shop(ceiling);
        Stack.Tenant bank = new Stack.Tenant("bank", "sk_bank_bench", List.of(new Stack.Number("2101", "waba-bank", "biz-bank", 80)));
        Stack.Template promo = Stack.promo();

        Report r = new Report("flash-sale");
        r.add("database", options.db(), "setup.db", options.db());
        r.add("flood", String.format("%,d LOW template sends, %d concurrent, 3 numbers at %d mps", messages, concurrency, ceiling),
                "setup.messages", messages);
        r.put("setup.concurrency", concurrency).put("setup.ceiling", ceiling).put("setup.otp_interval_ms", otpInterval)
                .put("setup.baseline_seconds", baselineSeconds).put("setup.warmup_seconds", warmupSeconds)
                .put("setup.warm_messages", warmMessages).put("setup.inbound_share", inboundShare);
        r.add("OTP", String.format("HIGH text every %d ms; warm-up %d s, baseline %d s", otpInterval, warmupSeconds, baselineSeconds),
                "setup.otp", "text, X-Priority: high, own number at 80 mps");
        r.add("emulator response latency", options.latencyMs() + " ms + 0.." + options.jitterMs() + " ms", "setup.latency_ms",
                options.latencyMs());
        r.put("setup.jitter_ms", options.jitterMs()).put("setup.hang_share", options.hangShare()).put("setup.gateway_jvm_opts", String.join(" ", options.gatewayJvmOpts()));
        try (Stack s = Stack.start(options, List.of(shop, bank), List.of(promo))) {
            try {
                run(s, r, shop, bank, messages, concurrency, ceiling, otpInterval, warmupSeconds, baselineSeconds, warmMessages, inboundShare);
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

    private static void run(Stack s, Report r, Stack.Tenant shop, Stack.Tenant bank, int messages, int concurrency, int ceiling,
                            long otpInterval, int warmupSeconds, int baselineSeconds, int warmMessages, double inboundShare)
            throws Exception {
        EmulatorControl emu = s.emulatorControl();
        long drainTimeout = messages * 1000L / ceiling + 60_000;
        try (FacadeClient client = s.facadeClient()) {
            if (warmMessages > 0) {
                warm(s, client, shop, warmMessages, concurrency, ceiling);
            }
            long acceptedShopBefore = EmulatorControl.accepted(emu.stats(), shop.numberIds());
            long floodStartMicros = java.time.Instant.now().toEpochMilli() * 1000;
            OtpStream otp = new OtpStream(client, "2101", bank.apiKey(), otpInterval);
            otp.start((warmupSeconds + baselineSeconds) * 1000L + drainTimeout + 10_000);
            Thread.sleep(warmupSeconds * 1000L);
            otp.phase(OtpStream.Phase.BASELINE);
            Thread.sleep(baselineSeconds * 1000L);

            JsonNode baselineAcks = emu.webhookLatencySnapshot();
            long acceptedBefore = EmulatorControl.acceptedAll(emu.stats());
            CpuSnapshot cpu0 = CpuSnapshot.take(s);
            otp.phase(OtpStream.Phase.LOADED);
            floodStartMicros = nowMicros();
            Flood flood = new Flood(client, shop.numberIds(), shop.apiKey(), "promo", messages, warmMessages);
            flood.start(concurrency);
            InboundLoad inbound = new InboundLoad(emu, shop.numberIds(), inboundShare * ceiling);
            inbound.start(drainTimeout);
            System.out.printf("flood started: %,d messages; waiting for them at the emulator (at most %d s)%n", messages, drainTimeout / 1000);
            long t0 = System.nanoTime();
            boolean drained = false;
            while ((System.nanoTime() - t0) / 1_000_000 < drainTimeout) {
                if (flood.done() && EmulatorControl.accepted(emu.stats(), shop.numberIds()) - acceptedShopBefore >= flood.accepted()) {
                    drained = true;
                    break;
                }
                Thread.sleep(100);
            }
            long drainMillis = (System.nanoTime() - t0) / 1_000_000;
            long inboundSent = inbound.stop();
            JsonNode floodAcks = emu.webhookLatencySnapshot();
            GatewayDb.Journal journalAtDrain = s.db().journal();
            otp.stop();
            flood.await(5_000);
            StatusesApplied.Outcome applied = StatusesApplied.await(s, 60_000 + messages / 100L);
            CpuSnapshot cpu = CpuSnapshot.take(s).since(cpu0);
            JsonNode stats = emu.stats();

            if (System.getProperty("dumpArrivals") != null) { // TEMPORARY
                for (String id : shop.numberIds()) {
                    java.nio.file.Files.writeString(Path.of(System.getProperty("dumpArrivals") + id + ".json"),
                            EmulatorControl.get(s.emulatorBase() + "/_emulator/messages?phone_number_id=" + id + "&limit=1000000"));
                }
            }
            List<EmulatorControl.Arrival> otpArrivals = emu.arrivals("2101");
            OtpStream.Latencies base = otp.latencies(OtpStream.Phase.BASELINE, otpArrivals);
            OtpStream.Latencies loaded = otp.latencies(OtpStream.Phase.LOADED, otpArrivals);
            Percentiles pb = Percentiles.ofMicros(base.micros());
            Percentiles pl = Percentiles.ofMicros(loaded.micros());
            r.heading("OTP latency, request start → arrival at the emulator");
            r.add("baseline (B alone)", pb.text() + otpNote(base), "otp.baseline", pb.json());
            r.add("under the flash sale", pl.text() + otpNote(loaded), "otp.loaded", pl.json());
            r.put("otp.baseline.refused", base.refused()).put("otp.baseline.missing", base.missing())
                    .put("otp.loaded.refused", loaded.refused()).put("otp.loaded.missing", loaded.missing());
            double ratio = pl.p99() / pb.p99();
            r.add("p99 loaded ÷ p99 baseline", String.format("%.1f×", ratio), "otp.p99_ratio", Report.round(ratio));
            if (otp.firstRefusal() != null) {
                r.add("an OTP refusal", otp.firstRefusal(), "otp.sample_refusal", otp.firstRefusal());
            }

            Percentiles acc = flood.acceptLatency();
            r.heading("Tenant A's flood through the facade");
            r.add("accept rate", String.format("%,.0f msg/s (%,d accepted in %.1f s)", flood.acceptRate(), flood.accepted(), flood.seconds()),
                    "flood.accept_rate", Math.round(flood.acceptRate()));
            r.put("flood.accepted", flood.accepted()).put("flood.seconds", Report.round(flood.seconds()));
            r.add("accept latency", acc.text(), "flood.accept_latency", acc.json());
            if (!flood.refusals().isEmpty()) {
                r.add("refused (by HTTP status)", flood.refusals() + " e.g. " + flood.sampleRefusal(), "flood.refused",
                        flood.refusals().toString());
            }
            r.add("drained at the emulator", drained ? String.format("yes, %.1f s after the flood's start", drainMillis / 1e3)
                    : "NO, gave up after " + drainMillis / 1000 + " s", "flood.drain_seconds", drained ? Report.round(drainMillis / 1e3) : -1);
            String metrics = s.gatewayMetrics();
            String lanes = lanes(metrics, shop.numberIds());
            r.add("gateway lanes of A's messages", lanes, "flood.lanes", lanes);

            r.heading("Ceilings during the drain (full seconds between A's first and last arrival per number)");
            long startMicros = floodStartMicros;
            long all429 = 0;
            for (Stack.Number n : shop.numbers()) {
                List<EmulatorControl.Arrival> arr = emu.arrivals(n.phoneNumberId()).stream().filter(x -> "promo".equals(x.templateName()))
                        .filter(x -> x.arrivedAtMicros() >= startMicros).toList();
                Utilisation u = Utilisation.of(arr, n.ceilingMps());
                JsonNode ns = stats.path("numbers").path(n.phoneNumberId());
                long r429 = ns.path("rejectionsByCode").path("130429").asLong();
                r.add("number " + n.phoneNumberId(), String.format("utilisation %.3f (%.1f mps over %d s); max in any sliding second %d of %d;"
                        + " 130429: %d", u.ratio(), u.meanPerSecond(), u.fullSeconds(), ns.path("maxInAnySlidingSecond").asInt(),
                        n.ceilingMps(), r429), "ceilings." + n.phoneNumberId(), u.json(ns.path("maxInAnySlidingSecond").asInt(), r429));
            }
            for (JsonNode ns : stats.path("numbers")) {
                all429 += ns.path("rejectionsByCode").path("130429").asLong();
            }
            r.add("130429, all numbers", Long.toString(all429), "ceilings.rejections_130429", all429);
            r.add("release window J at the end", perChannel(metrics, "switchboard_channel_arrival_jitter_ms", shop.numberIds()) + " ms",
                    "ceilings.arrival_jitter_ms", perChannel(metrics, "switchboard_channel_arrival_jitter_ms", shop.numberIds()));
            if (inboundShare > 0) {
                double perNumber = inboundSent / 3.0 / Math.max(1, drainMillis / 1000.0);
                r.add("inbound during the drain", String.format("%,d messages, %.1f/s per number (%.2f of the ceiling, counted by"
                        + " the emulator in the same second)", inboundSent, perNumber, perNumber / ceiling), "ceilings.inbound_per_number", perNumber);
            }

            r.heading("Gateway process, flood start → every status applied");
            long sent = EmulatorControl.acceptedAll(stats) - acceptedBefore;
            cpu.report(r, "cpu", sent);
            r.add("peak RSS (VmHWM)", s.gateway().peakRssKib() / 1024 + " MiB", "gateway.peak_rss_mib", s.gateway().peakRssKib() / 1024);

            r.heading("Webhooks (emulator → gateway)");
            r.add("ack p50 / p99 / max, baseline", acks(baselineAcks), "webhooks.ack_baseline", baselineAcks);
            r.add("ack p50 / p99 / max, during the flood", acks(floodAcks), "webhooks.ack_flood", floodAcks);
            JsonNode w = stats.path("webhooks");
            r.add("statuses emitted / POSTs", String.format("%,d / %,d (%.1f statuses per POST, batched per number)",
                    w.path("statusesEmitted").asLong(), w.path("payloadsQueued").asLong(),
                    w.path("statusesEmitted").asDouble() / Math.max(1, w.path("payloadsQueued").asLong())),
                    "webhooks.statuses_emitted", w.path("statusesEmitted").asLong());
            r.put("webhooks.posts", w.path("payloadsQueued").asLong()).put("webhooks.failed_attempts", w.path("failedAttempts").asLong());
            r.add("journal backlog at A's last arrival", String.format("%,d payloads, oldest %,d ms", journalAtDrain.pending(),
                    journalAtDrain.oldestAgeMillis()), "webhooks.journal_at_drain", journalAtDrain.pending());
            r.put("webhooks.oldest_unapplied_at_drain_ms", journalAtDrain.oldestAgeMillis());
            r.add("every status applied", applied.applied()
                            ? String.format("yes, %.1f s after A's last arrival", applied.millis() / 1e3)
                            : String.format("NO after %.0f s: journal pending %d, messages not READ %d, emulator pending %d",
                            applied.millis() / 1e3, applied.journalPending(), applied.notRead(), applied.emulatorPending()),
                    "webhooks.applied_seconds_after_drain", applied.applied() ? Report.round(applied.millis() / 1e3) : -1);
            Map<String, Long> states = s.db().states();
            r.add("message states", states.toString(), "gateway.message_states", states);
        }
    }

    /**
     * A flood before the measured one, drained and applied, so the measured run sees a JVM whose
     * hot paths are compiled: a node runs for days, and a cold one spends much of a short flash
     * sale in the JIT compiler (measured: 38% of the gateway's CPU in a 10,000-message run).
     */
    private static void warm(Stack s, FacadeClient client, Stack.Tenant shop, int warmMessages, int concurrency, int ceiling)
            throws Exception {
        EmulatorControl emu = s.emulatorControl();
        long before = EmulatorControl.accepted(emu.stats(), shop.numberIds());
        Flood warm = new Flood(client, shop.numberIds(), shop.apiKey(), "promo", warmMessages);
        warm.start(concurrency);
        long deadline = System.nanoTime() + (warmMessages * 1000L / ceiling + 60_000) * 1_000_000L;
        while (System.nanoTime() < deadline
                && !(warm.done() && EmulatorControl.accepted(emu.stats(), shop.numberIds()) - before >= warm.accepted())) {
            Thread.sleep(100);
        }
        warm.await(5_000);
        StatusesApplied.await(s, 60_000 + warmMessages / 100L);
        System.out.printf("warm-up flood of %,d messages drained and applied%n", warmMessages);
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    private static String otpNote(OtpStream.Latencies l) {
        return String.format(" (%d sent%s%s)", l.sent(), l.refused() > 0 ? ", " + l.refused() + " refused" : "",
                l.missing() > 0 ? ", " + l.missing() + " never arrived" : "");
    }

    private static String acks(JsonNode snap) {
        return String.format("%.1f / %.1f / %.1f ms over %,d POSTs", snap.path("p50Millis").asDouble(), snap.path("p99Millis").asDouble(),
                snap.path("maxMillis").asDouble(), snap.path("count").asLong());
    }

    /** "2001=25.0 2002=50.0 …": a per-channel gauge from the gateway's metrics. */
    static String perChannel(String metrics, String gauge, List<String> channels) {
        List<String> parts = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + gauge + "\\{[^}]*channel=\"([^\"]*)\"[^}]*} (\\S+)$").matcher(metrics);
        while (m.find()) {
            if (channels.contains(m.group(1))) {
                parts.add(m.group(1) + "=" + m.group(2));
            }
        }
        return parts.isEmpty() ? "(no " + gauge + ")" : String.join(" ", parts);
    }

    /** "2001: LOW 6667; …" from {@code switchboard_messages_accepted_total{channel,lane}}, or a note when absent. */
    static String lanes(String metrics, List<String> channels) {
        Map<String, List<String>> byChannel = new LinkedHashMap<>();
        Matcher m = ACCEPTED.matcher(metrics);
        while (m.find()) {
            Matcher ch = Pattern.compile("channel=\"([^\"]*)\"").matcher(m.group(1));
            Matcher lane = Pattern.compile("lane=\"([^\"]*)\"").matcher(m.group(1));
            if (ch.find() && lane.find() && channels.contains(ch.group(1))) {
                byChannel.computeIfAbsent(ch.group(1), k -> new ArrayList<>()).add(lane.group(1) + " " + (long) Double.parseDouble(m.group(2)));
            }
        }
        if (byChannel.isEmpty()) {
            return "(no switchboard_messages_accepted_total metric)";
        }
        List<String> parts = new ArrayList<>();
        byChannel.forEach((k, v) -> parts.add(k + ": " + String.join(", ", v)));
        return String.join("; ", parts);
    }
}
