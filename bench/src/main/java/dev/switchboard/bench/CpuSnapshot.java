package dev.switchboard.bench;

import dev.switchboard.bench.stack.ProcessNode;
import dev.switchboard.bench.stack.Stack;

/**
 * CPU seconds used so far by each process of a run, at one instant: the gateway (the figure that
 * matters), the emulator and this load generator (for information, they share the 2 cores), and
 * PostgreSQL's processes when the run uses it, and the whole machine's busy time, so that whatever
 * else ran on the box meanwhile shows up beside the figures instead of silently inflating them.
 * Two snapshots give the CPU of a phase.
 */
record CpuSnapshot(long nanos, double gateway, double emulator, double bench, double postgres, double machine) {
    static CpuSnapshot take(Stack s) {
        return new CpuSnapshot(System.nanoTime(), s.gateway().cpuSeconds(), s.emulator().cpuSeconds(), ProcessNode.ownCpuSeconds(),
                s.db().postgres() ? ProcessNode.cpuSecondsOfCommand("postgres") : 0, ProcessNode.machineBusySeconds());
    }

    /** This snapshot minus an earlier one. */
    CpuSnapshot since(CpuSnapshot earlier) {
        return new CpuSnapshot(nanos - earlier.nanos, gateway - earlier.gateway, emulator - earlier.emulator, bench - earlier.bench,
                postgres - earlier.postgres, machine - earlier.machine);
    }

    double seconds() {
        return nanos / 1e9;
    }

    /** Per-process CPU of a phase ({@code since}) in µs per message, cores used, and the JSON of both. */
    void report(Report r, String key, long messages) {
        double s = seconds();
        r.add("gateway CPU per message", String.format("%.0f µs (%.1f CPU s for %d messages in %.1f s = %.2f cores)",
                gateway * 1e6 / Math.max(1, messages), gateway, messages, s, gateway / s), key + ".gateway_us_per_message",
                Report.round(gateway * 1e6 / Math.max(1, messages)));
        r.add("emulator / bench CPU per message", String.format("%.0f / %.0f µs (%.2f / %.2f cores)", emulator * 1e6 / Math.max(1, messages),
                bench * 1e6 / Math.max(1, messages), emulator / s, bench / s), key + ".emulator_us_per_message",
                Report.round(emulator * 1e6 / Math.max(1, messages)));
        r.put(key + ".bench_us_per_message", Report.round(bench * 1e6 / Math.max(1, messages)));
        r.put(key + ".gateway_cpu_seconds", Report.round(gateway));
        r.put(key + ".seconds", Report.round(s));
        r.put(key + ".messages", messages);
        double others = Math.max(0, machine - gateway - emulator - bench - postgres);
        r.add("other processes on the machine", String.format("%.2f cores (machine busy %.2f of %d cores)", others / s, machine / s,
                Runtime.getRuntime().availableProcessors()), key + ".other_cores", Report.round(others / s));
        if (postgres > 0) {
            r.add("PostgreSQL CPU per message", String.format("%.0f µs (%.2f cores; processes alive at both ends)",
                    postgres * 1e6 / Math.max(1, messages), postgres / s), key + ".postgres_us_per_message",
                    Report.round(postgres * 1e6 / Math.max(1, messages)));
        }
    }
}
