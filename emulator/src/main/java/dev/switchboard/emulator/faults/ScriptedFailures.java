package dev.switchboard.emulator.faults;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failures a test scripts for one recipient, each spent by one send to it, in order: refused in
 * the send answer (how Meta answers some limits at once), or accepted and then reported by a
 * {@code failed} status (how Meta reports 131049, the per-user marketing limit). Spent by one
 * send each, so a test can fail a recipient's message once and watch a retry or a later
 * campaign go through.
 */
public final class ScriptedFailures {
    /** One scripted failure: Meta's error code, and whether the send answer carries it. */
    public record Failure(int code, boolean inSendAnswer) {}

    private final Map<String, Deque<Failure>> byRecipient = new ConcurrentHashMap<>();

    public void add(String recipient, Failure failure) {
        Deque<Failure> q = byRecipient.computeIfAbsent(recipient, k -> new ArrayDeque<>());
        synchronized (q) {
            q.addLast(failure);
        }
    }

    /** The failure this send must be refused with, spent; null when the next one (if any) comes as a status. */
    public Failure takeRefusal(String recipient) {
        return take(recipient, true);
    }

    /** The code this accepted send must fail with in a {@code failed} status, spent; 0 for none. */
    public int takeStatusFailure(String recipient) {
        Failure f = take(recipient, false);
        return f == null ? 0 : f.code();
    }

    private Failure take(String recipient, boolean inSendAnswer) {
        if (byRecipient.isEmpty()) {
            return null;
        }
        Deque<Failure> q = byRecipient.get(recipient);
        if (q == null) {
            return null;
        }
        synchronized (q) {
            Failure head = q.peekFirst();
            return head != null && head.inSendAnswer() == inSendAnswer ? q.pollFirst() : null;
        }
    }

    public void clear() {
        byRecipient.clear();
    }
}
