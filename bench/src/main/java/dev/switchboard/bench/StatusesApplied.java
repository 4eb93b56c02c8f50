package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.bench.stack.EmulatorControl;
import dev.switchboard.bench.stack.GatewayDb;
import dev.switchboard.bench.stack.Stack;

/**
 * Waits until every status webhook of the run is applied by the gateway: the emulator has
 * emitted three statuses per accepted send and delivered them all (nothing pending), the
 * gateway's journal holds no unprocessed payload, and every message is READ. That instant ends
 * the window over which the gateway's CPU per message is counted, since ingesting and applying
 * the three statuses is part of a message's cost.
 */
final class StatusesApplied {
    /** How the wait ended; {@code millis} is the time it took. */
    record Outcome(boolean applied, long millis, long journalPending, long notRead, long emulatorPending) {
    }

    private StatusesApplied() {
    }

    static Outcome await(Stack s, long timeoutMillis) throws Exception {
        EmulatorControl emu = s.emulatorControl();
        GatewayDb db = s.db();
        long t0 = System.nanoTime();
        long deadline = t0 + timeoutMillis * 1_000_000L;
        long journal = -1;
        long notRead = -1;
        long pending = -1;
        while (System.nanoTime() < deadline) {
            JsonNode stats = emu.stats();
            JsonNode w = stats.path("webhooks");
            pending = w.path("pending").asLong();
            boolean emitted = w.path("statusesEmitted").asLong() >= 3 * EmulatorControl.acceptedAll(stats);
            if (emitted && pending == 0) {
                journal = db.journal().pending();
                if (journal == 0) {
                    notRead = db.notRead();
                    if (notRead == 0) {
                        return new Outcome(true, (System.nanoTime() - t0) / 1_000_000, 0, 0, 0);
                    }
                }
            }
            Thread.sleep(200);
        }
        return new Outcome(false, (System.nanoTime() - t0) / 1_000_000, journal, notRead, pending);
    }
}
