package dev.switchboard.gateway.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Switchboard's promise is that code written for Meta's Cloud API works unchanged when pointed
 * at it. This holds it to that with real client libraries from npm, pinned by the committed
 * {@code conformance/package-lock.json} and changed in nothing but the one setting each needs to
 * reach another base URL (see {@code conformance/README.md}), run against a real node and its
 * Cloud API emulator.
 *
 * <p>Each library runs as its own {@code node} process ({@code conformance/run.mjs}) against its
 * own tenant: it sends every message type, marks messages read, handles media, templates, the
 * business profile and phone numbers as far as it has an API for them, and receives inbound
 * messages and statuses through an HTTP receiver built on its own webhook handling and signature
 * check, registered as the tenant's webhook endpoint. The process prints one result per
 * scenario; each becomes a test here, grouped by library, so the report reads as a library ×
 * scenario matrix.
 *
 * <p>Not everything works yet. {@code conformance/expected-failures.json} lists, per library and
 * scenario, what is known to fail and why. Such a scenario is reported skipped with that reason;
 * if it passes, the test fails until the entry is removed, so the list only ever shrinks as
 * features land and never hides a regression. A scenario a library has no API for is skipped
 * as unsupported. Without {@code node} or {@code npm} the whole suite is skipped, loudly.
 */
class ClientConformanceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Per library run. A healthy run of every scenario takes a few seconds; each scenario gives up
     * after 20 s (its waits after 10 s), and a run that is still going after this is killed, its
     * unreported scenarios failing with the run's output.
     */
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    /** The libraries: the adapter under conformance/libraries/ and the npm package it drives. */
    private static final List<Library> LIBRARIES = List.of(
            new Library("whatsapp-api-js", "whatsapp-api-js"),
            new Library("great-detail", "@great-detail/whatsapp"),
            new Library("kapso", "@kapso/whatsapp-cloud-api"));

    record Library(String adapter, String npmPackage) {}

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicNode> realClientLibrariesWorkUnchangedAgainstSwitchboard() throws IOException {
        NodeProject project = NodeProject.locate();
        Optional<String> missing = project.missingTooling();
        if (missing.isPresent()) {
            // a skipped test (not just an aborted factory) so that the skip shows in the counts
            return Stream.of(DynamicTest.dynamicTest("client conformance suite", () -> Assumptions.abort(missing.get())));
        }
        String install = project.install(dir);
        ExpectedFailures expected = ExpectedFailures.read(project.dir().resolve("expected-failures.json"));
        System.out.println("client conformance: " + project.tooling() + "; " + install);

        Map<Library, LibraryRun> runs = new LinkedHashMap<>();
        List<ConformanceNode.Tenant> tenants = new ArrayList<>();
        for (int i = 0; i < LIBRARIES.size(); i++) {
            tenants.add(new ConformanceNode.Tenant(LIBRARIES.get(i).npmPackage(), i + 1));
        }
        // The libraries run side by side, each against its own tenant: the wall time is the slowest
        // run's, and Switchboard serves several tenants at once as it does in production.
        long started = System.nanoTime();
        try (ConformanceNode node = ConformanceNode.start(dir, tenants);
             ExecutorService pool = Executors.newFixedThreadPool(LIBRARIES.size())) {
            Map<Library, Future<NodeProject.Outcome>> pending = new LinkedHashMap<>();
            for (int i = 0; i < LIBRARIES.size(); i++) {
                Library lib = LIBRARIES.get(i);
                Map<String, String> env = node.environment(tenants.get(i));
                pending.put(lib, pool.submit(() -> project.runLibrary(lib.adapter(), env, RUN_TIMEOUT, dir.resolve(lib.adapter() + ".log"))));
            }
            for (Map.Entry<Library, Future<NodeProject.Outcome>> e : pending.entrySet()) {
                NodeProject.Outcome o = await(e.getValue());
                System.out.println("client conformance: " + e.getKey().npmPackage() + " ran in " + o.took().toMillis() + " ms");
                runs.put(e.getKey(), LibraryRun.parse(o));
            }
        }
        System.out.println("client conformance: node and libraries took " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");

        List<DynamicNode> nodes = new ArrayList<>();
        StringBuilder matrix = new StringBuilder("| library | scenario | verdict | detail |\n|---|---|---|---|\n");
        for (Map.Entry<Library, LibraryRun> e : runs.entrySet()) {
            Library lib = e.getKey();
            LibraryRun run = e.getValue();
            String title = lib.npmPackage() + project.installedVersion(lib.npmPackage()).map(v -> " " + v).orElse("");
            List<DynamicTest> tests = new ArrayList<>();
            for (String scenario : run.scenariosOrRun()) {
                Verdict v = Verdict.of(lib, run, scenario, expected);
                String detail = v.detail().length() > 200 ? v.detail().substring(0, 200) + "…" : v.detail();
                matrix.append("| ").append(title).append(" | ").append(scenario).append(" | ").append(v.kind())
                        .append(" | ").append(detail.replace("|", "\\|").replace("\n", " ")).append(" |\n");
                tests.add(DynamicTest.dynamicTest(scenario, v::apply));
            }
            nodes.add(DynamicContainer.dynamicContainer(title, tests));
        }
        Map<String, List<String>> planned = new LinkedHashMap<>();
        runs.forEach((lib, run) -> planned.put(lib.npmPackage(), run.planned()));
        nodes.add(DynamicTest.dynamicTest("expected-failures.json names only libraries and scenarios that exist",
                () -> expected.checkKnown(LIBRARIES.stream().map(Library::npmPackage).toList(), planned)));
        System.out.println(matrix);
        if (Files.isDirectory(Path.of("target"))) { // the module's build directory when Maven runs this
            Files.writeString(Path.of("target", "client-conformance.md"), matrix);
        }
        return nodes.stream();
    }

    private static NodeProject.Outcome await(Future<NodeProject.Outcome> f) throws IOException {
        try {
            return f.get(); // each run has its own deadline (RUN_TIMEOUT), after which it is killed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** How one library × scenario result is judged against the expected failures. */
    record Verdict(String kind, String subject, String detail) {
        static Verdict of(Library lib, LibraryRun run, String scenario, ExpectedFailures expected) {
            String where = lib.npmPackage() + " / " + scenario;
            if (run.library() != null && !run.library().equals(lib.npmPackage())) {
                return new Verdict("FAIL", where, "the adapter " + lib.adapter() + " reports itself as " + run.library());
            }
            if (run.planned().isEmpty()) {
                return new Verdict("FAIL", where, "the run reported no scenarios " + run.describeExit() + ":\n"
                        + NodeProject.tail(run.output(), 4000));
            }
            JsonNode r = run.results().get(scenario);
            if (r == null) {
                return new Verdict("FAIL", where, "no result: the run ended before this scenario reported " + run.describeExit()
                        + ":\n" + NodeProject.tail(run.output(), 3000));
            }
            String reason = expected.reason(lib.npmPackage(), scenario);
            String detail = r.path("detail").asText();
            return switch (r.path("outcome").asText()) {
                case "pass" -> reason == null ? new Verdict("pass", where, "")
                        : new Verdict("FAIL", where, "passes now, but expected-failures.json still lists it (\"" + reason
                                + "\"): remove the entry so that a regression cannot hide behind it");
                case "fail" -> reason == null ? new Verdict("FAIL", where, detail)
                        : new Verdict("expected failure", where, reason + " | observed: " + detail);
                case "unsupported" -> reason == null ? new Verdict("unsupported", where, detail)
                        : new Verdict("FAIL", where, "the library has no API for this (" + detail
                                + "), so it cannot be an expected failure: remove it from expected-failures.json");
                default -> new Verdict("FAIL", where, "unknown outcome in " + r);
            };
        }

        void apply() {
            switch (kind) {
                case "pass" -> { }
                case "expected failure", "unsupported" -> Assumptions.abort(kind + ": " + subject + ": " + detail);
                default -> fail(subject + ": " + detail);
            }
        }
    }

    /** What one library's process reported: its plan and its results by scenario. */
    record LibraryRun(String library, List<String> planned, Map<String, JsonNode> results, NodeProject.Outcome outcome) {
        static LibraryRun parse(NodeProject.Outcome o) throws IOException {
            String library = null;
            List<String> planned = new ArrayList<>();
            Map<String, JsonNode> results = new LinkedHashMap<>();
            for (String line : o.output().split("\n")) {
                if (line.startsWith("CONFORMANCE-PLAN ")) {
                    JsonNode p = JSON.readTree(line.substring("CONFORMANCE-PLAN ".length()));
                    library = p.path("library").asText();
                    p.path("scenarios").forEach(s -> planned.add(s.asText()));
                } else if (line.startsWith("CONFORMANCE-RESULT ")) {
                    JsonNode r = JSON.readTree(line.substring("CONFORMANCE-RESULT ".length()));
                    results.put(r.path("scenario").asText(), r);
                }
            }
            return new LibraryRun(library, planned, results, o);
        }

        String output() {
            return outcome.output();
        }

        /** The planned scenarios, or a single "run" entry when the run planned nothing (it crashed first). */
        List<String> scenariosOrRun() {
            return planned.isEmpty() ? List.of("run") : planned;
        }

        String describeExit() {
            return outcome.timedOut() ? "(killed after " + RUN_TIMEOUT.toSeconds() + " s)" : "(exit code " + outcome.exitCode() + ")";
        }
    }
}
