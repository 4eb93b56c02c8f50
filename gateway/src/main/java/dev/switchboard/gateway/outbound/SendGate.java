package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.QueuedMessage;
import dev.switchboard.gateway.tenancy.Channel;

/**
 * The last look before a message leaves: what the webhook path has learnt (opt-outs,
 * suppressions, paused templates, a RED quality rating) decides whether it goes now, waits, or
 * is failed without being sent into a wall. Called under the channel worker's lock for every
 * message considered, so implementations must be in-memory and quick.
 */
@FunctionalInterface
public interface SendGate {
    /** What to do with a message. */
    sealed interface Verdict permits Send, Hold, SetAside, Drop {}

    /** Send it now. */
    record Send() implements Verdict {}

    /** Leave it queued (later messages to the same recipient wait behind it). */
    record Hold(String why) implements Verdict {}

    /**
     * Leave it queued, but out of its lane until {@link Outbound#releaseAside} releases
     * {@code group}: messages behind it in the lane, to its recipient too, go meanwhile. For
     * holds that last (a paused campaign), where holding in place would block the lane.
     */
    record SetAside(String group, String why) implements Verdict {}

    /** Fail it without sending: {@code code} is Meta's code the failure stands for, when there is one. */
    record Drop(int code, String reason) implements Verdict {}

    Verdict SEND = new Send();
    SendGate OPEN = (m, c, now) -> SEND;

    Verdict check(QueuedMessage m, Channel channel, long nowMillis);
}
