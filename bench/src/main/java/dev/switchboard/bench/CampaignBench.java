package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.bench.stack.EmulatorControl;
import dev.switchboard.bench.stack.FacadeClient;
import dev.switchboard.bench.stack.Stack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code campaign}: issue 11's campaign figures, gateway and emulator in processes of their own.
 *
 * <ol>
 *   <li><b>Start → first send</b>: {@code --starts} small campaigns ({@code --start-contacts}
 *       each) one after another: from just before {@code POST :start} to the first of its
 *       messages arriving at the emulator (the emulator stamps arrivals in epoch µs, the clock the
 *       bench reads), median and spread. They also warm the gateway's JIT.</li>
 *   <li>A generated {@code --rows} CSV (1,000,000 by default, {@link AudienceImport#generate}) is
 *       imported, and a campaign of the shop's {@code promo} template created over it.</li>
 *   <li>Tenant B ("bank", its own number) sends a HIGH OTP every {@code --otp-interval-ms}: a
 *       baseline of {@code --baseline-seconds} with no campaign, then the big campaign starts and
 *       the same stream goes on for {@code --seconds}. Latency is request start → arrival.</li>
 *   <li>While it runs: the shop's sends per second at the emulator (after a
 *       {@code --settle-seconds} ramp) ÷ the sum of its three numbers' {@code --ceiling}; the
 *       gateway's heap after every collection (its GC log) and its live heap (a full collection
 *       through {@code jcmd}) before the start and at the end of the window; the campaign's
 *       unsent messages (the expander's backpressure bound); the gateway's CPU per send.</li>
 * </ol>
 * The big campaign need not finish: the window ends, it is cancelled, and the stack stops.
 */
public final class CampaignBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CampaignBench() {
    }

    /** The command line, checked. */
    record Setup(int rows, int ceiling, int starts, int startContacts, int seconds, int settleSeconds, int baselineSeconds,
                 long otpIntervalMs, int sampleSeconds) {
        static Setup from(Map<String, String> a) {
            Setup s = new Setup(Integer.parseInt(a.getOrDefault("rows", "1000000")), Integer.parseInt(a.getOrDefault("ceiling", "200")),
                    Integer.parseInt(a.getOrDefault("starts", "5")), Integer.parseInt(a.getOrDefault("start-contacts", "200")),
                    Integer.parseInt(a.getOrDefault("seconds", "90")), Integer.parseInt(a.getOrDefault("settle-seconds", "15")),
                    Integer.parseInt(a.getOrDefault("baseline-seconds", "20")), Long.parseLong(a.getOrDefault("otp-interval-ms", "200")),
                    Integer.parseInt(a.getOrDefault("sample-seconds", "5")));
            if (s.rows < 1000 || s.rows > 2_000_000 || s.ceiling < 1 || s.ceiling > 1000 || s.starts < 1 || s.starts > 50
                    || s.startContacts < 1 || s.startContacts > 10_000 || s.seconds < 10 || s.seconds > 900 || s.settleSeconds < 0
                    || s.settleSeconds >= s.seconds || s.baselineSeconds < 1 || s.baselineSeconds > 600 || s.otpIntervalMs < 10
                    || s.sampleSeconds < 1 || s.sampleSeconds > 60) {
                throw new IllegalArgumentException("rows 1000..2000000, ceiling 1..1000, starts 1..50, start-contacts 1..10000,"
                        + " seconds 10..900, settle-seconds 0..seconds-1, baseline-seconds 1..600, otp-interval-ms >= 10,"
                        + " sample-seconds 1..60");
            }
            return s;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchMain.args(args);
        Setup setup = Setup.from(a);
        Path work = Files.createTempDirectory("sb-campaign-bench-");
        Path csv = work.resolve("audience.csv");
        HeapProbe heap = new HeapProbe(work.resolve("gateway-gc.log"));
        AudienceImport.Expected expected = AudienceImport.generate(csv, setup.rows());
        Stack.Options base = Stack.Options.from(a);
        List<String> jvm = new ArrayList<>(List.of(heap.jvmOption()));
        jvm.addAll(base.gatewayJvmOpts());
        Stack.Options o = new Stack.Options(base.db(), base.latencyMs(), base.jitterMs(), jvm, base.gatewayJar(), 0, "PT5M");
        Stack.Tenant shop = Stack.shop(setup.ceiling());
        Stack.Tenant bank = new Stack.Tenant("bank", "sk_bank_bench", List.of(new Stack.Number("2101", "waba-bank", "biz-bank", 80)));
        Report r = new Report("campaign");
        r.add("setup", String.format("%s; shop: 3 numbers at %d mps; audience %,d CSV rows; bank: OTP every %d ms on its own number",
                o.db().equals("sqlite") ? "SQLite" : "PostgreSQL", setup.ceiling(), setup.rows(), setup.otpIntervalMs()), "setup.params", setup);
        r.put("setup.db", o.db()).put("setup.gateway_jvm_opts", String.join(" ", base.gatewayJvmOpts()));
        try (Stack s = Stack.start(o, List.of(shop, bank), List.of(Stack.promo()))) {
            try {
                new Run(s, r, setup, shop, bank, heap).run(csv, expected);
            } catch (Exception | Error e) {
                System.err.println(s.logTails());
                throw e;
            }
        } finally {
            r.print();
            if (a.containsKey("out")) {
                r.write(Path.of(a.get("out")));
            }
            Files.deleteIfExists(csv);
            if (System.getenv("SB_BENCH_KEEP") == null) {
                Files.deleteIfExists(work.resolve("gateway-gc.log"));
                Files.deleteIfExists(work);
            }
        }
    }

    /** One run against a started stack. */
    private record Run(Stack s, Report r, Setup setup, Stack.Tenant shop, Stack.Tenant bank, HeapProbe heap) {
        private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        void run(Path csv, AudienceImport.Expected expected) throws Exception {
            EmulatorControl emu = s.emulatorControl();
            // 1. start → first send, on small campaigns that finish before the next starts
            long[] startMicros = new long[setup.starts()];
            for (int k = 0; k < setup.starts(); k++) {
                StringBuilder contacts = new StringBuilder();
                for (int j = 0; j < setup.startContacts(); j++) {
                    contacts.append(j == 0 ? "" : ",").append("{\"phone\":\"").append(8_100_000_000L + k * 10_000L + j)
                            .append("\",\"first_name\":\"S").append(j).append("\"}");
                }
                String audience = post("/v1/audiences", "{\"name\":\"start-" + k + "\",\"default_country\":\"IN\",\"contacts\":["
                        + contacts + "]}", 201).path("id").asText();
                String id = campaign(audience, "start-" + k);
                startMicros[k] = startToFirstSend(emu, id);
                awaitState(id, "completed", 120_000);
            }
            Percentiles starts = Percentiles.ofMicros(startMicros);
            r.heading("Start → first send (POST :start → first message at the emulator), " + setup.starts() + " campaigns of "
                    + setup.startContacts());
            r.add("median / max", String.format("%.1f / %.1f ms (each: %s)", starts.p50(), starts.max(), ms(startMicros)),
                    "start_to_first_send", starts.json());

            // 2. the big audience
            String audience = post("/v1/audiences", "{\"name\":\"everyone\",\"default_country\":\"IN\"}", 201).path("id").asText();
            long t0 = System.nanoTime();
            HttpResponse<String> up = HTTP.send(request("/v1/audiences/" + audience + "/contacts").timeout(Duration.ofMinutes(30))
                    .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofFile(csv)).build(), HttpResponse.BodyHandlers.ofString());
            double importSeconds = (System.nanoTime() - t0) / 1e9;
            JsonNode report = checked(up, 200);
            if (report.path("contacts").asLong() != expected.accepted()) {
                throw new IllegalStateException("import: expected " + expected + ", got " + report);
            }
            r.heading("The audience");
            r.add("import of " + String.format("%,d", setup.rows()) + " CSV rows", String.format("%.1f s, %,d contacts",
                    importSeconds, report.path("contacts").asLong()), "import.seconds", Report.round(importSeconds));
            r.put("import.contacts", report.path("contacts").asLong());
            String big = campaign(audience, "everyone");
            long liveBefore = HeapProbe.liveAfterFullGc(s.gateway().pid());

            // 3. OTPs alone, then with the campaign
            long window = setup.seconds() * 1000L;
            try (FacadeClient client = s.facadeClient()) {
                OtpStream otp = new OtpStream(client, "2101", bank.apiKey(), setup.otpIntervalMs());
                otp.start(3_000L + setup.baselineSeconds() * 1000L + window + 60_000L);
                Thread.sleep(3_000);
                otp.phase(OtpStream.Phase.BASELINE);
                Thread.sleep(setup.baselineSeconds() * 1000L);
                otp.phase(OtpStream.Phase.LOADED);
                long startedAt = System.currentTimeMillis();
                CpuSnapshot cpu0 = CpuSnapshot.take(s);
                long accepted0 = EmulatorControl.accepted(emu.stats(), shop.numberIds());
                long bigStart = startToFirstSend(emu, big);
                Sampled sampled = sample(emu, big, startedAt, window);
                otp.stop();
                CpuSnapshot cpu = sampled.cpuAtEnd().since(cpu0);
                long endedAt = System.currentTimeMillis();
                long liveAfter = HeapProbe.liveAfterFullGc(s.gateway().pid());
                report(emu, otp, big, bigStart, sampled, cpu, accepted0, liveBefore, liveAfter, startedAt, endedAt);
            }
        }

        /** Starts the campaign and returns µs from just before the request to its first message at the emulator. */
        private long startToFirstSend(EmulatorControl emu, String id) throws Exception {
            long before = EmulatorControl.accepted(emu.stats(), shop.numberIds());
            long t0 = FacadeClient.epochMicros();
            post("/v1/campaigns/" + id + ":start", "", 200);
            long deadline = System.nanoTime() + 60_000_000_000L;
            long now;
            while ((now = EmulatorControl.accepted(emu.stats(), shop.numberIds())) == before) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("campaign " + id + " sent nothing within 60 s");
                }
                Thread.sleep(2);
            }
            long first = Long.MAX_VALUE;
            for (String n : shop.numberIds()) {
                for (EmulatorControl.Arrival x : emu.arrivals(n, (int) Math.min(1_000_000, now - before + 1_000))) {
                    if ("promo".equals(x.templateName()) && x.arrivedAtMicros() >= t0) {
                        first = Math.min(first, x.arrivedAtMicros());
                    }
                }
            }
            return first - t0;
        }

        /** What the sampler saw every {@code --sample-seconds} during the window. */
        record Sampled(List<long[]> sends, long maxPending, long peakHeapUsed, long expandedAtEnd, CpuSnapshot cpuAtEnd) {
        }

        private Sampled sample(EmulatorControl emu, String id, long startedAt, long window) throws Exception {
            List<long[]> sends = new ArrayList<>(); // {epoch ms, accepted on the shop's numbers}
            long maxPending = 0;
            long peakHeap = 0;
            CpuSnapshot cpu = null;
            long end = startedAt + window;
            for (long next = startedAt; next <= end; next += setup.sampleSeconds() * 1000L) {
                long wait = next - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                sends.add(new long[] {System.currentTimeMillis(), EmulatorControl.accepted(emu.stats(), shop.numberIds())});
                cpu = CpuSnapshot.take(s);
                maxPending = Math.max(maxPending, s.db().campaignPending(id));
                peakHeap = Math.max(peakHeap, AudienceImport.heapUsed(s.gatewayMetrics()));
            }
            return new Sampled(sends, maxPending, peakHeap, get("/v1/campaigns/" + id).path("expanded").asLong(), cpu);
        }

        private void report(EmulatorControl emu, OtpStream otp, String big, long bigStart, Sampled sampled, CpuSnapshot cpu,
                            long accepted0, long liveBefore, long liveAfter, long startedAt, long endedAt) throws Exception {
            r.add("start → first send, the big campaign", String.format("%.1f ms", bigStart / 1e3), "start_to_first_send_big_ms",
                    Report.round(bigStart / 1e3));

            r.heading("Sending (" + setup.seconds() + " s window; rate after a " + setup.settleSeconds() + " s ramp)");
            List<long[]> xs = sampled.sends();
            long[] from = xs.getFirst();
            for (long[] x : xs) {
                if (x[0] - startedAt <= setup.settleSeconds() * 1000L) {
                    from = x;
                }
            }
            long[] to = from; // the last sample that still saw sends: a campaign that completes in the window stops the clock
            for (int i = 1; i < xs.size(); i++) {
                if (xs.get(i)[1] > xs.get(i - 1)[1] && xs.get(i)[0] > from[0]) {
                    to = xs.get(i);
                }
            }
            double rate = (to[1] - from[1]) * 1000.0 / Math.max(1, to[0] - from[0]);
            int ceilings = 3 * setup.ceiling();
            r.add("achieved sends/s ÷ sum of ceilings", String.format("%,.0f ÷ %,d = %.3f", rate, ceilings, rate / ceilings),
                    "send.utilisation", Report.round(rate / ceilings * 1000) / 1000);
            r.put("send.rate", Math.round(rate)).put("send.ceilings", ceilings);
            List<String> perSample = new ArrayList<>();
            for (int i = 1; i < xs.size(); i++) {
                perSample.add(Long.toString(Math.round((xs.get(i)[1] - xs.get(i - 1)[1]) * 1000.0 / Math.max(1, xs.get(i)[0] - xs.get(i - 1)[0]))));
            }
            r.add("sends/s per sample", String.join(" ", perSample), "send.per_sample", perSample);
            JsonNode stats = emu.stats();
            long r429 = 0;
            List<String> busiest = new ArrayList<>();
            for (String n : shop.numberIds()) {
                r429 += stats.path("numbers").path(n).path("rejectionsByCode").path("130429").asLong();
                busiest.add(n + ": " + stats.path("numbers").path(n).path("maxInAnySlidingSecond").asInt());
            }
            long sent = xs.getLast()[1] - accepted0; // at the last sample, just before the campaign's expansion was read
            r.add("sent in the window / contacts expanded by its end", String.format("%,d / %,d", sent, sampled.expandedAtEnd()),
                    "send.sent", sent);
            r.put("send.expanded", sampled.expandedAtEnd());
            r.add("campaign's unsent messages, at most (sampled)", String.format("%,d", sampled.maxPending()), "send.max_pending",
                    sampled.maxPending());
            r.add("130429 on the shop's numbers", Long.toString(r429), "send.rejections_130429", r429);
            r.add("most sends in any sliding second, per number", String.join(", ", busiest) + " (ceiling " + setup.ceiling() + ")",
                    "send.max_in_any_second", busiest);
            cpu.report(r, "cpu", sent);

            r.heading("Gateway heap while the campaign runs");
            List<HeapProbe.Gc> gcs = heap.between(startedAt, endedAt);
            long maxAfter = gcs.stream().mapToLong(HeapProbe.Gc::after).max().orElse(-1);
            long maxCommitted = gcs.stream().mapToLong(HeapProbe.Gc::committed).max().orElse(-1);
            List<String> windows = new ArrayList<>();
            for (long w = startedAt; w < endedAt; w += 15_000) {
                long lo = w;
                gcs.stream().filter(g -> g.atMillis() >= lo && g.atMillis() < lo + 15_000).mapToLong(HeapProbe.Gc::after).max()
                        .ifPresent(m -> windows.add((lo - startedAt) / 1000 + "s:" + (m >> 20)));
            }
            r.add("live heap (full GC via jcmd): before start / after the window", HeapProbe.mib(liveBefore) + " / " + HeapProbe.mib(liveAfter),
                    "heap.live_before_mib", liveBefore >> 20);
            r.put("heap.live_after_mib", liveAfter >> 20);
            r.add("used after each GC, most in the window (" + gcs.size() + " GCs)", HeapProbe.mib(maxAfter), "heap.max_after_gc_mib",
                    maxAfter >> 20);
            r.add("used after GC, most per 15 s (MiB)", String.join(" ", windows), "heap.after_gc_per_15s", windows);
            r.add("used, peak sampled / committed at most", HeapProbe.mib(sampled.peakHeapUsed()) + " / " + HeapProbe.mib(maxCommitted),
                    "heap.peak_sampled_mib", sampled.peakHeapUsed() >> 20);
            r.add("gateway peak RSS", s.gateway().peakRssKib() / 1024 + " MiB", "heap.peak_rss_mib", s.gateway().peakRssKib() / 1024);

            List<EmulatorControl.Arrival> otpArrivals = emu.arrivals("2101");
            OtpStream.Latencies alone = otp.latencies(OtpStream.Phase.BASELINE, otpArrivals);
            OtpStream.Latencies loaded = otp.latencies(OtpStream.Phase.LOADED, otpArrivals);
            Percentiles pa = Percentiles.ofMicros(alone.micros());
            Percentiles pl = Percentiles.ofMicros(loaded.micros());
            r.heading("OTP latency on another tenant (HIGH, request start → arrival at the emulator), p50 / p99 / max");
            r.add("no campaign", pa.text() + note(alone), "otp.alone", pa.json());
            r.add("while the campaign runs", pl.text() + note(loaded), "otp.campaign", pl.json());
            r.add("p50 / p99 with ÷ without", String.format("%.1f× / %.1f×", pl.p50() / pa.p50(), pl.p99() / pa.p99()),
                    "otp.p99_ratio", Report.round(pl.p99() / pa.p99()));
            r.put("otp.p50_ratio", Report.round(pl.p50() / pa.p50()));

            String state = get("/v1/campaigns/" + big).path("state").asText();
            if (state.equals("running")) {
                long c0 = System.nanoTime();
                post("/v1/campaigns/" + big + ":cancel", "", 200);
                r.add("cancel of the running campaign answered in", String.format("%.0f ms", (System.nanoTime() - c0) / 1e6),
                        "cancel_ms", Report.round((System.nanoTime() - c0) / 1e6));
            } else {
                r.add("the big campaign at the end of the window", state, "big_state", state);
            }
        }

        private static String note(OtpStream.Latencies l) {
            return String.format(" (%d sent%s%s)", l.sent(), l.refused() > 0 ? ", " + l.refused() + " refused" : "",
                    l.missing() > 0 ? ", " + l.missing() + " never arrived" : "");
        }

        private static String ms(long[] micros) {
            List<String> out = new ArrayList<>();
            for (long m : micros) {
                out.add(String.format("%.0f", m / 1e3));
            }
            return String.join(", ", out);
        }

        private String campaign(String audience, String name) throws Exception {
            return post("/v1/campaigns", "{\"name\":\"" + name + "\",\"template\":{\"name\":\"promo\",\"language\":\"en_US\"},"
                    + "\"audience_id\":\"" + audience + "\",\"channel_pool\":" + JSON.writeValueAsString(shop.numberIds())
                    + ",\"parameters\":[{\"variable\":\"first_name\",\"default\":\"friend\"}]}", 201).path("id").asText();
        }

        private void awaitState(String id, String state, long timeoutMillis) throws Exception {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (!get("/v1/campaigns/" + id).path("state").asText().equals(state)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("campaign " + id + " not " + state + " within " + timeoutMillis + " ms");
                }
                Thread.sleep(50);
            }
        }

        private HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(URI.create(s.gatewayBase() + path)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + shop.apiKey());
        }

        private JsonNode post(String path, String body, int status) throws IOException, InterruptedException {
            return checked(HTTP.send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString()), status);
        }

        private JsonNode get(String path) throws IOException, InterruptedException {
            return checked(HTTP.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()), 200);
        }

        private static JsonNode checked(HttpResponse<String> res, int status) throws IOException {
            if (res.statusCode() != status) {
                throw new IllegalStateException(res.request().method() + " " + res.request().uri() + ": HTTP " + res.statusCode() + " "
                        + res.body());
            }
            return JSON.readTree(res.body());
        }
    }
}
