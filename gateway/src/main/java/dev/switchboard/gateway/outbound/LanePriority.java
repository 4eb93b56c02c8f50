package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.Lane;

/**
 * Which lane of a number is asked first: strict priority HIGH &gt; NORMAL &gt; LOW, except that a
 * lower lane passed over {@link #STARVATION_TURNS} times in a row while it had messages goes
 * first once — a guaranteed share, so marketing cannot starve forever behind service traffic.
 *
 * <p>Not thread-safe: its {@link ChannelWorker} calls it under its lock.
 */
final class LanePriority {
    static final int STARVATION_TURNS = 10;
    private final int[] passedOver = new int[Lane.values().length];

    /** The order to try {@code lanes} (indexed by lane ordinal) in now. */
    Lane[] order(boolean lowAllowed, LaneQueue[] lanes) {
        if (passedOver[Lane.LOW.ordinal()] >= STARVATION_TURNS && lowAllowed && !lanes[Lane.LOW.ordinal()].isEmpty()) {
            return new Lane[] {Lane.LOW, Lane.HIGH, Lane.NORMAL};
        }
        if (passedOver[Lane.NORMAL.ordinal()] >= STARVATION_TURNS && !lanes[Lane.NORMAL.ordinal()].isEmpty()) {
            return lowAllowed ? new Lane[] {Lane.NORMAL, Lane.HIGH, Lane.LOW} : new Lane[] {Lane.NORMAL, Lane.HIGH};
        }
        return lowAllowed ? Lane.values() : new Lane[] {Lane.HIGH, Lane.NORMAL};
    }

    /** A message of {@code lane} was picked: every lower lane with messages was passed over. */
    void picked(Lane lane, LaneQueue[] lanes) {
        for (Lane other : Lane.values()) {
            if (other.ordinal() > lane.ordinal() && !lanes[other.ordinal()].isEmpty()) {
                passedOver[other.ordinal()]++;
            }
        }
        passedOver[lane.ordinal()] = 0;
    }
}
