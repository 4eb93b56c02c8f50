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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Bird's peak (issue 7): three numbers at 1,000 mps, 3,000 sends/s offered through the facade
 * for {@code --seconds}, each send bringing back three status webhooks (sent, delivered, read,
 * batched per number by the emulator) — 9,000 statuses/s at full rate. Can the gateway sustain
 * it on this box, and does every status get applied promptly?
 *
 * <p>The load is open-loop: a pacer releases sends at their scheduled instants whatever the
 * answers, as many independent clients would (at most {@code --max-in-flight} outstanding; a
 * send that would exceed it is counted as not offered). A closed loop would slow down with the
 * gateway and report the rate it chose, not whether it kept up.
 *
 * <p>Each second a sampler records what the emulator accepted and emitted and, from the
 * gateway's database, the journal backlog (payloads acked but not applied) and the age of its
 * oldest row. The gateway has no metric for ack → applied, so that age is the apply lag: its
 * maximum over the run is the worst lag any status saw, to one second's resolution.
 */
public final class Peak {
    private Peak() {
    }

    /** One per-second sample. */
    private record Sample(double t, long sends, long statuses, long posts, long unacked, long journal, long oldestAgeMs, double gatewayCpu) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchMain.args(args);
        int rate = Integer.parseInt(a.getOrDefault("rate", "3000"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "60"));
        int ceiling = Integer.parseInt(a.getOrDefault("ceiling", "1000"));
        int maxInFlight = Integer.parseInt(a.getOrDefault("max-in-flight", "1024"));
        if (rate < 1 || rate > 20_000 || seconds < 1 || seconds > 600 || ceiling < 1 || ceiling > 1000 || maxInFlight < 1) {
            throw new IllegalArgumentException("rate 1..20000, seconds 1..600, ceiling 1..1000, max-in-flight >= 1");
        }
        Stack.Options options = Stack.Options.from(a);
        Stack.Tenant shop = Stack.shop(ceiling);
        Stack.Template promo = Stack.promo();
        Report r = new Report("peak");
        r.add("database", options.db(), "setup.db", options.db());
        r.add("offered", String.format("%,d sends/s for %d s over 3 numbers at %d mps (open loop, at most %d in flight)", rate, seconds,
                ceiling, maxInFlight), "setup.rate", rate);
        r.put("setup.seconds", seconds).put("setup.ceiling", ceiling).put("setup.max_in_flight", maxInFlight)
                .put("setup.latency_ms", options.latencyMs()).put("setup.jitter_ms", options.jitterMs())
                .put("setup.gateway_jvm_opts", String.join(" ", options.gatewayJvmOpts()));
        r.add("emulator", "3 statuses per send (sent, delivered, read), up to 50 per POST per number; response latency "
                + options.latencyMs() + " ms + 0.." + options.jitterMs() + " ms", "setup.statuses_per_send", 3);
        try (Stack s = Stack.start(options, List.of(shop), List.of(promo))) {
            try {
                run(s, r, shop, rate, seconds, maxInFlight);
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

    private static void run(Stack s, Report r, Stack.Tenant shop, int rate, int seconds, int maxInFlight) throws Exception {
        EmulatorControl emu = s.emulatorControl();
        List<Sample> samples = new ArrayList<>();
        long total = (long) rate * seconds;
        LongAdder ok = new LongAdder();
        LongAdder refused = new LongAdder();
        LongAdder notOffered = new LongAdder();
        ConcurrentLinkedQueue<Long> acceptNanos = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(maxInFlight);
        try (FacadeClient client = s.facadeClient()) {
            CpuSnapshot cpu0 = CpuSnapshot.take(s);
            long t0 = System.nanoTime();
            Thread sampler = Thread.ofPlatform().name("peak-sampler").daemon(true).start(() -> sample(s, emu, t0, samples));
            long period = 1_000_000_000L / rate;
            for (long i = 0; i < total; i++) {
                long at = t0 + i * period;
                for (long wait; (wait = at - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(wait);
                }
                if (!inFlight.tryAcquire()) {
                    notOffered.increment();
                    continue;
                }
                long n = i;
                Thread.ofVirtual().start(() -> {
                    try {
                        FacadeClient.Result res = client.send(shop.numberIds().get((int) (n % 3)), shop.apiKey(), body(n), false);
                        (res.ok() ? ok : refused).increment();
                        acceptNanos.add(res.nanos());
                    } finally {
                        inFlight.release();
                    }
                });
            }
            long loadEnd = System.nanoTime();
            inFlight.tryAcquire(maxInFlight, 30, TimeUnit.SECONDS);
            double loadSeconds = (loadEnd - t0) / 1e9;
            long sendsAtLoadEnd = EmulatorControl.acceptedAll(emu.stats());

            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + total / 1000);
            while (System.nanoTime() < drainDeadline && EmulatorControl.acceptedAll(emu.stats()) < ok.sum()) {
                Thread.sleep(100);
            }
            double sendDrain = (System.nanoTime() - loadEnd) / 1e9;
            StatusesApplied.Outcome applied = StatusesApplied.await(s, 120_000);
            double appliedAfterLoad = (System.nanoTime() - loadEnd) / 1e9;
            CpuSnapshot cpu = CpuSnapshot.take(s).since(cpu0);
            sampler.interrupt();
            sampler.join(5_000);
            JsonNode stats = emu.stats();

            long[] acc = acceptNanos.stream().mapToLong(Long::longValue).toArray();
            r.heading("Load");
            r.add("facade accepted", String.format("%,d of %,d offered (%,.0f/s over %.1f s); refused %,d; not offered (in-flight cap) %,d",
                    ok.sum(), total, ok.sum() / loadSeconds, loadSeconds, refused.sum(), notOffered.sum()), "load.accepted", ok.sum());
            r.put("load.accept_rate", Math.round(ok.sum() / loadSeconds)).put("load.refused", refused.sum())
                    .put("load.not_offered", notOffered.sum()).put("load.seconds", Report.round(loadSeconds));
            r.add("accept latency", Percentiles.ofNanos(acc).text(), "load.accept_latency", Percentiles.ofNanos(acc).json());
            r.add("sends/s at the emulator, load window", String.format("%,.0f", sendsAtLoadEnd / loadSeconds), "sends.per_second",
                    Math.round(sendsAtLoadEnd / loadSeconds));
            double busy = loadSeconds + sendDrain;
            r.add("sends/s at the emulator, load start → all sent", String.format("%,.0f mean, %,.0f median second",
                    EmulatorControl.acceptedAll(stats) / busy, medianRate(samples, Sample::sends, busy)), "sends.median_per_second",
                    Math.round(medianRate(samples, Sample::sends, busy)));
            r.put("sends.mean_per_second", Math.round(EmulatorControl.acceptedAll(stats) / busy));
            r.add("all sent", String.format("%.1f s after the load stopped", sendDrain), "sends.drain_seconds_after_load", Report.round(sendDrain));
            long all429 = 0;
            List<String> maxes = new ArrayList<>();
            for (JsonNode ns : stats.path("numbers")) {
                all429 += ns.path("rejectionsByCode").path("130429").asLong();
                maxes.add(ns.path("maxInAnySlidingSecond").asText());
            }
            r.add("130429 / max in any sliding second", all429 + " / " + String.join(", ", maxes), "sends.rejections_130429", all429);

            JsonNode w = stats.path("webhooks");
            double perPost = w.path("statusesEmitted").asDouble() / Math.max(1, w.path("payloadsQueued").asLong());
            r.heading("Statuses");
            r.add("statuses per POST", String.format("%.1f (%,d statuses in %,d POSTs)", perPost, w.path("statusesEmitted").asLong(),
                    w.path("payloadsQueued").asLong()), "statuses.per_post", Report.round(perPost));
            r.add("statuses/s acked, load start → all sent", String.format("%,.0f median second (POSTs acked × statuses per POST)",
                    medianRate(samples, Sample::posts, busy) * perPost), "statuses.median_acked_per_second",
                    Math.round(medianRate(samples, Sample::posts, busy) * perPost));
            r.add("statuses/s emitted, load start → all sent", String.format("%,.0f median second", medianRate(samples, Sample::statuses, busy)),
                    "statuses.median_emitted_per_second", Math.round(medianRate(samples, Sample::statuses, busy)));
            long maxUnacked = samples.stream().mapToLong(Sample::unacked).max().orElse(0);
            r.add("webhook POSTs waiting at the emulator, max", String.format("%,d (not yet acked by the gateway; 16 in flight at most)",
                    maxUnacked), "statuses.max_unacked_posts", maxUnacked);
            long maxJournal = samples.stream().mapToLong(Sample::journal).max().orElse(0);
            long maxLag = samples.stream().mapToLong(Sample::oldestAgeMs).max().orElse(0);
            r.add("journal backlog, max", String.format("%,d payloads", maxJournal), "statuses.max_journal_backlog", maxJournal);
            r.add("apply lag, max (oldest unapplied row's age)", String.format("%,d ms (sampled each second)", maxLag),
                    "statuses.max_apply_lag_ms", maxLag);
            r.add("every status applied", applied.applied() ? String.format("yes, %.1f s after the load stopped", appliedAfterLoad)
                    : String.format("NO after %.0f s: journal pending %d, not READ %d, emulator pending %d", appliedAfterLoad,
                    applied.journalPending(), applied.notRead(), applied.emulatorPending()),
                    "statuses.applied_seconds_after_load", applied.applied() ? Report.round(appliedAfterLoad) : -1);

            r.heading("Gateway process, load start → every status applied");
            cpu.report(r, "cpu", EmulatorControl.acceptedAll(stats));
            r.add("peak RSS (VmHWM)", s.gateway().peakRssKib() / 1024 + " MiB", "gateway.peak_rss_mib", s.gateway().peakRssKib() / 1024);
            series(r, samples);
        }
    }

    private static byte[] body(long i) {
        return Flood.body(Flood.FIRST_RECIPIENT + i, "promo", (int) (i % 60));
    }

    private static void sample(Stack s, EmulatorControl emu, long t0, List<Sample> out) {
        GatewayDb db = s.db();
        long at = t0;
        for (int k = 0; k < 3_600; k++) {
            for (long wait; (wait = at - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
            // a sample is stamped when it starts; ticks missed while the box was too busy are skipped,
            // so samples stay at least a second apart and per-second rates stay meaningful
            long start = System.nanoTime();
            while (at - start <= 0) {
                at += 1_000_000_000L;
            }
            try {
                double cpu = s.gateway().cpuSeconds();
                JsonNode st = emu.stats();
                JsonNode w = st.path("webhooks");
                GatewayDb.Journal j = db.journal();
                Sample smp = new Sample((start - t0) / 1e9, EmulatorControl.acceptedAll(st), w.path("statusesEmitted").asLong(),
                        w.path("delivered").asLong(), w.path("pending").asLong(), j.pending(), j.oldestAgeMillis(), cpu);
                synchronized (out) {
                    out.add(smp);
                }
            } catch (Exception e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
        }
    }

    /** Median per-second increase of a cumulative figure over the samples up to {@code untilSeconds} after the start. */
    private static double medianRate(List<Sample> samples, java.util.function.ToLongFunction<Sample> f, double untilSeconds) {
        List<Double> rates = new ArrayList<>();
        synchronized (samples) {
            for (int i = 1; i < samples.size(); i++) {
                Sample a = samples.get(i - 1);
                Sample b = samples.get(i);
                if (b.t() <= untilSeconds + 0.5) {
                    rates.add((f.applyAsLong(b) - f.applyAsLong(a)) / (b.t() - a.t()));
                }
            }
        }
        if (rates.isEmpty()) {
            return Double.NaN;
        }
        rates.sort(Double::compare);
        return rates.get(rates.size() / 2);
    }

    private static void series(Report r, List<Sample> samples) {
        r.heading("Per second: t, sends/s, statuses emitted/s, POSTs acked/s, POSTs waiting at the emulator, journal backlog,"
                + " oldest unapplied ms, gateway cores");
        List<Map<String, Object>> json = new ArrayList<>();
        synchronized (samples) {
            for (int i = 1; i < samples.size(); i++) {
                Sample a = samples.get(i - 1);
                Sample b = samples.get(i);
                double dt = b.t() - a.t();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("t", Report.round(b.t()));
                m.put("sends_per_second", Math.round((b.sends() - a.sends()) / dt));
                m.put("statuses_emitted_per_second", Math.round((b.statuses() - a.statuses()) / dt));
                m.put("posts_acked_per_second", Math.round((b.posts() - a.posts()) / dt));
                m.put("posts_waiting", b.unacked());
                m.put("journal_backlog", b.journal());
                m.put("oldest_unapplied_ms", b.oldestAgeMs());
                m.put("gateway_cores", Report.round((b.gatewayCpu() - a.gatewayCpu()) / dt));
                json.add(m);
                r.line(String.format("  %5.1f %6d %6d %5d %6d %7d %6d %5.2f", b.t(), m.get("sends_per_second"),
                        m.get("statuses_emitted_per_second"), m.get("posts_acked_per_second"), b.unacked(), b.journal(), b.oldestAgeMs(),
                        (b.gatewayCpu() - a.gatewayCpu()) / dt));
            }
        }
        r.put("series", json);
    }
}
