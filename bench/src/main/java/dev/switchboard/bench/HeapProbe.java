package dev.switchboard.bench;

import dev.switchboard.bench.stack.ProcessNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's heap seen from outside its process, two ways.
 *
 * <p><b>After each collection</b>, from its own GC log ({@code -Xlog:gc} with epoch-millisecond
 * decorations, see {@link #jvmOption}): "heap used after GC" per collection, so a window of the
 * run (the campaign's, say) can be cut out by wall clock. This costs the gateway nothing extra.
 * With G1 a young collection leaves old-generation garbage in place until a mixed one, so the
 * figure is an upper bound of what is live.
 *
 * <p><b>Live, exactly</b>, by {@code jcmd <pid> GC.run} followed by {@code GC.heap_info}: a full
 * collection, then the heap in use — nothing but reachable objects. It stops the gateway for
 * tens of milliseconds, so a benchmark calls it only between its measured phases.
 */
final class HeapProbe {
    private static final Pattern LINE = Pattern.compile("^\\[(\\d+)ms].*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    private static final Pattern HEAP_INFO_USED = Pattern.compile("used (\\d+)K");

    /** One evacuating collection: when it ended (epoch ms), heap in use before and after it, and committed, in bytes. */
    record Gc(long atMillis, long before, long after, long committed) {
    }

    private final Path log;

    HeapProbe(Path log) {
        this.log = log;
    }

    /** The gateway JVM flag that writes the log this probe reads. */
    String jvmOption() {
        return "-Xlog:gc:file=" + log.toAbsolutePath() + ":timemillis";
    }

    /** Young, mixed and full collections logged between the two instants (epoch ms). */
    List<Gc> between(long fromMillis, long toMillis) throws IOException {
        List<Gc> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            // evacuating pauses only: a remark or cleanup line reports the heap it found, garbage included
            if (!line.contains("Pause Young") && !line.contains("Pause Full")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                long at = Long.parseLong(m.group(1));
                if (at >= fromMillis && at <= toMillis) {
                    out.add(new Gc(at, bytes(m.group(2), m.group(3)), bytes(m.group(4), m.group(5)), bytes(m.group(6), m.group(7))));
                }
            }
        }
        return out;
    }

    /** Full collection, then the heap in use (bytes): the live set now; -1 if jcmd could not tell. */
    static long liveAfterFullGc(long pid) {
        if (jcmd(pid, "GC.run") == null) {
            return -1;
        }
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = info == null ? null : HEAP_INFO_USED.matcher(info);
        return m != null && m.find() ? Long.parseLong(m.group(1)) << 10 : -1;
    }

    private static String jcmd(long pid, String command) {
        Path java = Path.of(ProcessNode.javaBinary());
        Path jcmd = java.resolveSibling("jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static long bytes(String n, String unit) {
        long v = Long.parseLong(n);
        return switch (unit) {
            case "K" -> v << 10;
            case "M" -> v << 20;
            default -> v << 30;
        };
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : (bytes >> 20) + " MiB";
    }
}
