package dev.switchboard.bench.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The multi-process layout of the facade benchmarks: the Cloud API emulator in one child JVM,
 * the gateway (its fat jar, embedded emulator off) in another, this JVM only generating load and
 * reading figures. Everything listens on 127.0.0.1, on ports picked free at start.
 *
 * <p>Start order follows the dependencies: the emulator first (the gateway syncs its templates
 * from it on start, which is how it learns that {@code promo} is MARKETING and so LOW), then the
 * gateway, whose readiness ({@code /health/ready}) comes after that sync. The emulator's webhook
 * URL names the gateway's port from the outset; nothing is sent before the gateway is ready.
 *
 * <p>{@link #close()} stops the gateway, then the emulator, then drops a PostgreSQL database the
 * run created; a shutdown hook does the same if the benchmark is interrupted.
 */
public final class Stack implements AutoCloseable {
    /** One phone number: both sides derive its token ({@code t<pnid>}) and display number from the id. */
    public record Number(String phoneNumberId, String wabaId, String portfolioId, int ceilingMps) {
        public String token() {
            return "t" + phoneNumberId;
        }

        public String displayPhoneNumber() {
            return "1555000" + phoneNumberId;
        }
    }

    /** One tenant with its API key and numbers. */
    public record Tenant(String id, String apiKey, List<Number> numbers) {
        public List<String> numberIds() {
            return numbers.stream().map(Number::phoneNumberId).toList();
        }
    }

    /** A template installed in the emulator for one WABA (positional parameters). */
    public record Template(String wabaId, String name, String category, String body) {
    }

    /** What the command line chooses: database, emulator latency, extra gateway JVM flags. */
    /** {@code hangShare}: the share of sends the emulator holds for 30 s and then fails (a hung request). */
    /** {@code requestTimeout}: the gateway's {@code http.requestTimeout} (ISO-8601, e.g. PT5M), or null for its default. */
    public record Options(String db, long latencyMs, long jitterMs, List<String> gatewayJvmOpts, Path gatewayJar, double hangShare,
                          String requestTimeout) {
        public static Options from(Map<String, String> a) {
            String opts = a.getOrDefault("gateway-jvm-opts", "").trim();
            double hang = Double.parseDouble(a.getOrDefault("hang-share", "0"));
            if (hang < 0 || hang > 0.5) {
                throw new IllegalArgumentException("hang-share 0..0.5");
            }
            return new Options(a.getOrDefault("db", "sqlite"), Long.parseLong(a.getOrDefault("latency-ms", "0")),
                    Long.parseLong(a.getOrDefault("jitter-ms", "0")), opts.isEmpty() ? List.of() : List.of(opts.split("\\s+")),
                    a.containsKey("gateway-jar") ? Path.of(a.get("gateway-jar")) : null, hang, a.get("request-timeout"));
        }
    }

    /** Tenant A of the flash-sale scenarios: three numbers (2001–2003) at {@code ceiling} mps. */
    public static Tenant shop(int ceiling) {
        return new Tenant("shop", "sk_shop_bench", List.of(new Number("2001", "waba-shop", "biz-shop", ceiling),
                new Number("2002", "waba-shop", "biz-shop", ceiling), new Number("2003", "waba-shop", "biz-shop", ceiling)));
    }

    /** The shop's marketing template (one positional parameter). */
    public static Template promo() {
        return new Template("waba-shop", "promo", "MARKETING", "Flash sale: {{1}} off everything, today only!");
    }

    static final String APP_SECRET = "bench-app-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long START_TIMEOUT_MS = 90_000;

    private final Path dir;
    private final GatewayDb db;
    private final ProcessNode emulator;
    private volatile ProcessNode gateway;
    private List<String> gatewayArgs = List.of();
    private int restarts;
    private final String emulatorBase;
    private final String gatewayBase;
    private final int gatewayPort;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::close, "bench-stack-shutdown");

    private Stack(Path dir, GatewayDb db, ProcessNode emulator, ProcessNode gateway, int emulatorPort, int gatewayPort) {
        this.dir = dir;
        this.db = db;
        this.emulator = emulator;
        this.gateway = gateway;
        this.emulatorBase = "http://127.0.0.1:" + emulatorPort;
        this.gatewayBase = "http://127.0.0.1:" + gatewayPort;
        this.gatewayPort = gatewayPort;
    }

    /** Starts emulator and gateway and waits until both answer; throws (having cleaned up) if either does not. */
    public static Stack start(Options o, List<Tenant> tenants, List<Template> templates) throws Exception {
        Path dir = Files.createTempDirectory("sb-bench-");
        Path gatewayJar = o.gatewayJar() != null ? o.gatewayJar() : locateGatewayJar();
        GatewayDb db = GatewayDb.prepare(o.db(), dir);
        ProcessNode emu = null;
        ProcessNode gw = null;
        try {
            int emulatorPort = freePort();
            int gatewayPort = freePort();
            Path emuConfig = dir.resolve("emulator.json");
            JSON.writerWithDefaultPrettyPrinter().writeValue(emuConfig.toFile(),
                    Configs.emulator(emulatorPort, gatewayPort, APP_SECRET, o.latencyMs(), o.jitterMs(), o.hangShare(), tenants, templates));
            Path gwConfig = dir.resolve("gateway.json");
            JSON.writerWithDefaultPrettyPrinter().writeValue(gwConfig.toFile(),
                    Configs.gateway(gatewayPort, emulatorPort, APP_SECRET, db, dir, tenants, o.requestTimeout()));

            emu = ProcessNode.startJava("emulator", List.of("-cp", absoluteClassPath(),
                    "dev.switchboard.emulator.EmulatorMain", "--config", emuConfig.toString()), dir, dir.resolve("emulator.log"));
            await(emu, "http://127.0.0.1:" + emulatorPort + "/_emulator/health");
            List<String> gwArgs = new ArrayList<>(o.gatewayJvmOpts());
            gwArgs.addAll(List.of("-jar", gatewayJar.toAbsolutePath().toString(), "--config", gwConfig.toString()));
            gw = ProcessNode.startJava("gateway", gwArgs, dir, dir.resolve("gateway.log"));
            await(gw, "http://127.0.0.1:" + gatewayPort + "/health/ready");
            db.openProbe();
            Stack s = new Stack(dir, db, emu, gw, emulatorPort, gatewayPort);
            s.gatewayArgs = List.copyOf(gwArgs);
            Runtime.getRuntime().addShutdownHook(s.hook);
            return s;
        } catch (Exception | Error e) {
            if (gw != null) {
                System.err.println("gateway log tail:\n" + gw.logTail(30));
                gw.close();
            }
            if (emu != null) {
                System.err.println("emulator log tail:\n" + emu.logTail(30));
                emu.close();
            }
            db.close();
            deleteTree(dir);
            throw e;
        }
    }

    private static void await(ProcessNode node, String url) throws InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!node.alive()) {
                throw new IllegalStateException(node.name() + " exited during start-up");
            }
            if (EmulatorControl.status(url) == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(node.name() + " did not become ready within " + START_TIMEOUT_MS / 1000 + " s");
    }

    /** This JVM's class path with every entry made absolute, since the children run in the run's directory. */
    static String absoluteClassPath() {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isEmpty()) {
                out.add(e.endsWith("*") ? Path.of(e.substring(0, e.length() - 1)).toAbsolutePath() + java.io.File.separator + "*"
                        : Path.of(e).toAbsolutePath().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code gateway/target/switchboard.jar} under the working directory, else beside this benchmark's build. */
    static Path locateGatewayJar() throws URISyntaxException {
        Path cwd = Path.of("gateway", "target", "switchboard.jar");
        if (Files.isRegularFile(cwd)) {
            return cwd;
        }
        Path self = Path.of(Stack.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // bench/target/<jar> or bench/target/classes → <repo>/gateway/target/switchboard.jar
        Path repo = self.getParent().getParent().getParent();
        Path beside = repo.resolve("gateway").resolve("target").resolve("switchboard.jar");
        if (Files.isRegularFile(beside)) {
            return beside;
        }
        throw new IllegalStateException("gateway/target/switchboard.jar not found; build first or pass --gateway-jar");
    }

    /**
     * {@code kill -9} the gateway and start it again on the same configuration and database,
     * waiting until it is ready; returns how long it was down, in milliseconds.
     */
    public long killAndRestartGateway() throws Exception {
        long t0 = System.nanoTime();
        gateway.kill();
        restarts++;
        ProcessNode next = ProcessNode.startJava("gateway", gatewayArgs, dir, dir.resolve("gateway-" + restarts + ".log"));
        gateway = next;
        await(next, gatewayBase + "/health/ready");
        return (System.nanoTime() - t0) / 1_000_000;
    }

    public ProcessNode gateway() {
        return gateway;
    }

    public ProcessNode emulator() {
        return emulator;
    }

    public GatewayDb db() {
        return db;
    }

    /** The gateway's base URL ({@code http://127.0.0.1:<port>}). */
    public String gatewayBase() {
        return gatewayBase;
    }

    public String emulatorBase() {
        return emulatorBase;
    }

    public EmulatorControl emulatorControl() {
        return new EmulatorControl(emulatorBase);
    }

    public FacadeClient facadeClient() {
        return new FacadeClient("127.0.0.1", gatewayPort);
    }

    /** The gateway's Prometheus text, or an empty string when it cannot be read. */
    public String gatewayMetrics() {
        try {
            return EmulatorControl.get(gatewayBase + "/metrics");
        } catch (RuntimeException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook
        }
        gateway.close();
        emulator.close();
        db.close();
        if (System.getenv("SB_BENCH_KEEP") != null) {
            System.err.println("kept (SB_BENCH_KEEP): " + dir); // the nodes' logs and the SQLite file, for a post-mortem
        } else {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    /** For callers that need to surface a failure with the children's logs. */
    public String logTails() {
        return "gateway log (" + gateway.log() + "):\n" + gateway.logTail(40) + "\nemulator log (" + emulator.log() + "):\n"
                + emulator.logTail(20);
    }
}
