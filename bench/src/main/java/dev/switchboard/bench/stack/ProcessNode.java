package dev.switchboard.bench.stack;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM of a benchmark (the gateway, or the emulator), started with the same {@code java}
 * binary as the benchmark itself, output to a log file, and stopped for sure.
 *
 * <p>Why a process of its own: CPU per message is the figure the gateway is judged on, and
 * inside one JVM the gateway's CPU cannot be told from the emulator's or the load generator's.
 * The kernel accounts CPU per process, so {@code /proc/<pid>/stat} (user + system clock ticks)
 * read at two instants gives exactly what the gateway burnt in between, JIT and GC included.
 * {@code VmHWM} in {@code /proc/<pid>/status} is the process's peak resident set.
 *
 * <p>Every node started is remembered until closed, and a shutdown hook kills the survivors, so
 * an interrupted benchmark leaves no JVM behind.
 */
public final class ProcessNode implements AutoCloseable {
    private static final Set<ProcessNode> LIVE = ConcurrentHashMap.newKeySet();
    private static final long CLOCK_TICKS = clockTicks();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(ProcessNode::close), "bench-children"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ProcessNode(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java <args>} in {@code workDir}, stdout and stderr to {@code log}. */
    public static ProcessNode startJava(String name, List<String> args, Path workDir, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(requireNonNull(args, "args"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        ProcessNode node = new ProcessNode(name, pb.start(), log);
        LIVE.add(node);
        return node;
    }

    /** The {@code java} this benchmark runs on, so both children run the same JDK. */
    public static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** User + system CPU seconds used so far by this process. */
    public double cpuSeconds() {
        return cpuSecondsOf(pid());
    }

    /** Peak resident set size (VmHWM) in KiB, or -1 when unreadable. */
    public long peakRssKib() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.substring(6).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // process gone or no procfs
        }
        return -1;
    }

    /** The last {@code lines} lines of the node's log, for a failure message. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    public Path log() {
        return log;
    }

    /** CPU seconds of any process, from {@code /proc/<pid>/stat} (utime + stime); 0 when it is gone. */
    public static double cpuSecondsOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * CPU seconds the whole machine spent busy (all cores; everything but idle and I/O wait) since
     * boot, from {@code /proc/stat}: minus the run's own processes, it shows what else competed
     * for the cores during a phase.
     */
    public static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** This benchmark's own CPU seconds. */
    public static double ownCpuSeconds() {
        return cpuSecondsOf(ProcessHandle.current().pid());
    }

    /**
     * CPU seconds of every live process whose command name is {@code comm} (e.g. {@code postgres}):
     * for information only, since a process that exits between two readings takes its share along.
     */
    public static double cpuSecondsOfCommand(String comm) {
        double sum = 0;
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) dirs::iterator) {
                String pid = p.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    if (stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).equals(comm)) {
                        sum += cpuSecondsOf(Long.parseLong(pid));
                    }
                } catch (IOException | RuntimeException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    /** SIGKILL, as a crash would: no shutdown hook runs, nothing is flushed. Waits until it is gone. */
    public void kill() throws InterruptedException {
        LIVE.remove(this);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, up to 10 s for a clean stop, then SIGKILL. */
    @Override
    public void close() {
        if (!LIVE.remove(this)) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
