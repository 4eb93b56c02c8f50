package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.bench.stack.Stack;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code audience-import}: one upload of a generated {@code --rows} (default 1,000,000) row CSV to
 * {@code POST /v1/audiences/{id}/contacts}, the gateway in its own process (with the emulator
 * beside it, idle). Reports the import's wall time and rows/s, the gateway's CPU, its heap —
 * the peak used, read from its own GC log (heap in use just before each collection, the highest
 * of the run), the most live data after a collection, and the peak sampled from its metrics —
 * and its peak resident set, and checks the report's counts against what was generated.
 *
 * <p>The file has phone, first_name, city and order_code columns, phones written several ways
 * (national, +country with spaces, country code first) for the audience's default country IN;
 * every 100th row repeats an earlier phone and every 200th is not a number, so the counts to
 * expect are known exactly. The file is written to disk first and sent from there, so the bench's
 * own heap stays out of it.
 */
public final class AudienceImport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GC = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    private static final Pattern HEAP_USED = Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} (\\S+)$");

    private AudienceImport() {}

    /** What the generated file should yield. */
    record Expected(long rows, long accepted, long duplicates, long invalid) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = BenchMain.args(args);
        int rows = Integer.parseInt(a.getOrDefault("rows", "1000000"));
        Path work = Files.createTempDirectory("sb-audience-bench-");
        Path csv = work.resolve("audience.csv");
        Path gcLog = work.resolve("gateway-gc.log");
        Expected expected = generate(csv, rows);
        List<String> jvm = new ArrayList<>(List.of("-Xlog:gc:file=" + gcLog.toAbsolutePath()));
        String opts = a.getOrDefault("gateway-jvm-opts", "").trim();
        if (!opts.isEmpty()) {
            jvm.addAll(List.of(opts.split("\\s+")));
        }
        Stack.Options base = Stack.Options.from(a);
        Stack.Options o = new Stack.Options(base.db(), 0, 0, jvm, base.gatewayJar(), 0, base.requestTimeout());
        Stack.Tenant shop = Stack.shop(80);
        Report r = new Report("audience-import");
        try (Stack s = Stack.start(o, List.of(shop), List.of())) {
            String gateway = s.gatewayBase();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            JsonNode created = post(http, gateway + "/v1/audiences", shop.apiKey(), "application/json",
                    HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\",\"default_country\":\"IN\"}"), 201);
            String id = created.path("id").asText();

            AtomicLong sampledPeak = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    sampledPeak.accumulateAndGet(heapUsed(s.gatewayMetrics()), Math::max);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            CpuSnapshot before = CpuSnapshot.take(s);
            JsonNode report = post(http, gateway + "/v1/audiences/" + id + "/contacts", shop.apiKey(), "text/csv",
                    HttpRequest.BodyPublishers.ofFile(csv), 200);
            CpuSnapshot used = CpuSnapshot.take(s).since(before);
            double seconds = used.seconds();
            double cpu = used.gateway();
            sampling.set(false);
            sampler.join();
            long[] gc = gcPeaks(gcLog);

            r.heading("upload of " + rows + " rows, " + (Files.size(csv) >> 20) + " MiB, database " + (s.db().postgres() ? "PostgreSQL" : "SQLite"));
            r.add("import time", String.format("%.1f s (%.0f rows/s)", seconds, rows / seconds), "import.seconds", Report.round(seconds));
            r.put("import.rows_per_second", Math.round(rows / seconds));
            r.add("gateway CPU", String.format("%.1f s (%.1f µs per row, %.2f cores)", cpu, cpu * 1e6 / rows, cpu / seconds),
                    "import.gateway_cpu_seconds", Report.round(cpu));
            r.add("gateway heap, peak used (GC log: in use before a collection)", mib(gc[0]), "heap.peak_used_mib", gc[0] >> 20);
            r.add("gateway heap, most left after a collection", mib(gc[1]), "heap.max_after_gc_mib", gc[1] >> 20);
            r.add("gateway heap, committed at most", mib(gc[2]), "heap.max_committed_mib", gc[2] >> 20);
            r.add("gateway heap, peak sampled from /metrics every 200 ms", mib(sampledPeak.get()), "heap.sampled_peak_mib",
                    sampledPeak.get() >> 20);
            r.add("gateway peak RSS", s.gateway().peakRssKib() / 1024 + " MiB", "rss_mib", s.gateway().peakRssKib() / 1024);
            r.add("gateway JVM options", String.join(" ", jvm.subList(1, jvm.size())), "gateway_jvm_opts", String.join(" ", jvm));
            r.add("report", String.format("rows %d, accepted %d, duplicates %d, invalid %d, opted out %d, contacts %d",
                    report.path("rows").asLong(), report.path("accepted").asLong(), report.path("duplicates").asLong(),
                    report.path("invalid").asLong(), report.path("opted_out").asLong(), report.path("contacts").asLong()),
                    "report", report);
            boolean exact = report.path("rows").asLong() == expected.rows() && report.path("accepted").asLong() == expected.accepted()
                    && report.path("duplicates").asLong() == expected.duplicates() && report.path("invalid").asLong() == expected.invalid()
                    && report.path("contacts").asLong() == expected.accepted();
            r.add("counts as generated", exact ? "yes" : "NO: expected " + expected, "exact", exact);
            double others = Math.max(0, used.machine() - used.gateway() - used.emulator() - used.bench() - used.postgres());
            r.add("other processes on the machine", String.format("%.2f cores (machine busy %.2f of %d cores; PostgreSQL %.2f)",
                    others / seconds, used.machine() / seconds, Runtime.getRuntime().availableProcessors(), used.postgres() / seconds),
                    "other_cores", Report.round(others / seconds));
        } finally {
            r.print();
            if (a.containsKey("out")) {
                r.write(Path.of(a.get("out")));
            }
            Files.deleteIfExists(csv);
            if (System.getenv("SB_BENCH_KEEP") == null) {
                Files.deleteIfExists(gcLog);
                Files.deleteIfExists(work);
            }
        }
    }

    /** Writes the CSV and returns the counts its import must report. */
    static Expected generate(Path csv, int rows) throws IOException {
        long duplicates = 0;
        long invalid = 0;
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("phone,first_name,city,order_code\r\n");
            for (int i = 0; i < rows; i++) {
                String phone;
                if (i % 200 == 199) {
                    phone = "n/a";
                    invalid++;
                } else if (i % 100 == 49) {
                    phone = written(i - 17);
                    duplicates++;
                } else {
                    phone = written(i);
                }
                w.write(phone);
                w.write(",\"Name ");
                w.write(Integer.toString(i));
                w.write("\",Pune,ORD-");
                w.write(Integer.toString(1_000_000 + i));
                w.write("\r\n");
            }
        }
        return new Expected(rows, rows - duplicates - invalid, duplicates, invalid);
    }

    /** Row {@code i}'s phone (a distinct Indian mobile number), written one of three ways. */
    private static String written(int i) {
        String national = Long.toString(9_000_000_000L + i * 7L);
        return switch (i % 3) {
            case 0 -> national;
            case 1 -> "+91 " + national.substring(0, 5) + " " + national.substring(5);
            default -> "0" + national;
        };
    }

    private static JsonNode post(HttpClient http, String url, String key, String type, HttpRequest.BodyPublisher body, int status)
            throws IOException, InterruptedException {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(30))
                .header("Authorization", "Bearer " + key).header("Content-Type", type).POST(body).build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != status) {
            throw new IllegalStateException("POST " + url + ": HTTP " + res.statusCode() + " " + res.body());
        }
        return JSON.readTree(res.body());
    }

    /** Heap in use now: the sum of the heap pools in the gateway's metrics (0 when unreadable). */
    static long heapUsed(String metrics) {
        long sum = 0;
        Matcher m = HEAP_USED.matcher(metrics);
        while (m.find()) {
            sum += (long) Double.parseDouble(m.group(1));
        }
        return sum;
    }

    /**
     * From {@code -Xlog:gc}: the highest heap in use before a collection (the peak), the highest
     * left after one (an upper bound of what was live: old-generation garbage not yet collected
     * counts too), and the highest committed.
     */
    static long[] gcPeaks(Path log) throws IOException {
        long before = 0;
        long after = 0;
        long committed = 0;
        if (!Files.exists(log)) {
            return new long[] {-1, -1, -1};
        }
        for (String line : Files.readAllLines(log)) {
            Matcher m = GC.matcher(line);
            // evacuating pauses only: a remark or cleanup line reports the heap it found, garbage included
            if ((line.contains("Pause Young") || line.contains("Pause Full")) && m.find()) {
                before = Math.max(before, bytes(m.group(1), m.group(2)));
                after = Math.max(after, bytes(m.group(3), m.group(4)));
                committed = Math.max(committed, bytes(m.group(5), m.group(6)));
            }
        }
        return new long[] {before, after, committed};
    }

    private static long bytes(String n, String unit) {
        long v = Long.parseLong(n);
        return switch (unit) {
            case "K" -> v << 10;
            case "M" -> v << 20;
            default -> v << 30;
        };
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : (bytes >> 20) + " MiB";
    }
}
