package dev.switchboard.gateway.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Node.js project under {@code conformance/} at the repository root: finding it, checking
 * that {@code node} and {@code npm} exist, installing exactly what its committed lock file pins,
 * and running one library's scenarios as a child process. Every child process has a deadline
 * and is killed (with its descendants) when it passes it.
 */
final class NodeProject {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    /** Written into node_modules after a successful install: the SHA-256 of the lock file it installed. */
    private static final String STAMP = ".switchboard-installed-lock.sha256";

    private final Path dir;
    private String tooling;

    private NodeProject(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** The {@code conformance/} directory of the checkout this test runs in (Surefire runs in {@code gateway/}). */
    static NodeProject locate() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("conformance");
            if (Files.isRegularFile(candidate.resolve("package-lock.json")) && Files.isRegularFile(candidate.resolve("run.mjs"))) {
                return new NodeProject(candidate);
            }
        }
        throw new IllegalStateException("no conformance/ project (package-lock.json, run.mjs) above " + Path.of("").toAbsolutePath());
    }

    /**
     * Why the suite cannot run here ({@code node} or {@code npm} missing), printed loudly to
     * stderr as well; empty when both run. Sets {@link #tooling()} otherwise.
     */
    Optional<String> missingTooling() {
        String node = version("node");
        String npm = version("npm");
        if (node != null && npm != null) {
            tooling = "node " + node + ", npm " + npm;
            return Optional.empty();
        }
        String message = "CLIENT CONFORMANCE SUITE SKIPPED: " + (node == null ? "`node`" : "`npm`")
                + " is not on the PATH, so the real Cloud API client libraries cannot run against Switchboard."
                + " Install Node.js 20+ with npm to run it.";
        System.err.println("*** " + message + " ***");
        return Optional.of(message);
    }

    /** The versions found by {@link #missingTooling()}. */
    String tooling() {
        return tooling;
    }

    private String version(String tool) {
        Path out = null;
        try {
            out = Files.createTempFile("sb-" + tool + "-version-", ".out");
            Outcome o = run(List.of(tool, "--version"), Map.of(), PROBE_TIMEOUT, out);
            return o.exitCode() == 0 ? o.output().strip() : null;
        } catch (IOException e) {
            return null; // not installed: the process could not start
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }

    /**
     * {@code npm ci} unless node_modules already holds what the current lock file pins (our stamp
     * says so). Fails, with npm's output, when the install fails.
     *
     * @return what was done, for the log
     */
    String install(Path scratch) throws IOException {
        String lockHash = sha256(Files.readAllBytes(dir.resolve("package-lock.json")));
        Path stamp = dir.resolve("node_modules").resolve(STAMP);
        if (Files.isRegularFile(stamp) && Files.readString(stamp).strip().equals(lockHash)) {
            return "node_modules matches package-lock.json: npm ci skipped";
        }
        long started = System.nanoTime();
        Outcome o = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), INSTALL_TIMEOUT, scratch.resolve("npm-ci.log"));
        if (o.timedOut() || o.exitCode() != 0) {
            throw new AssertionError("npm ci in " + dir + (o.timedOut() ? " timed out after " + INSTALL_TIMEOUT : " exited " + o.exitCode())
                    + ":\n" + tail(o.output(), 4000));
        }
        Files.writeString(stamp, lockHash + "\n");
        return "npm ci took " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms";
    }

    /** Runs {@code node run.mjs <library>} with the given environment; stdout and stderr go to {@code log}. */
    Outcome runLibrary(String library, Map<String, String> env, Duration timeout, Path log) throws IOException {
        return run(List.of("node", "run.mjs", library), env, timeout, log);
    }

    /** What a finished (or killed) child process left. */
    record Outcome(int exitCode, boolean timedOut, String output, Duration took) {}

    private Outcome run(List<String> command, Map<String, String> env, Duration timeout, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        pb.environment().putAll(env);
        long started = System.nanoTime();
        Process p = pb.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        return new Outcome(finished ? p.exitValue() : -1, !finished, output, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The version a library's package.json in node_modules declares, if installed. */
    Optional<String> installedVersion(String npmPackage) {
        Path pkg = dir.resolve("node_modules").resolve(npmPackage).resolve("package.json");
        try {
            return Optional.ofNullable(ClientConformanceTest.JSON.readTree(pkg.toFile()).path("version").asText(null));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static String tail(String s, int max) {
        return s.length() <= max ? s : "…" + s.substring(s.length() - max);
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
