package dev.switchboard.gateway.messages;

/**
 * A message's life: {@code ACCEPTED → QUEUED → SENDING → SENT → DELIVERED → READ}, or one of
 * the terminal {@code FAILED}, {@code EXPIRED}, {@code CANCELLED}.
 *
 * <p>{@link #rank()} orders the delivery progression so that webhook statuses, which Meta
 * delivers out of order and more than once, can be applied monotonically: a status is applied
 * only if it ranks above the current one.
 */
public enum MessageState {
    ACCEPTED(0),
    QUEUED(1),
    SENDING(2),
    SENT(3),
    DELIVERED(4),
    READ(5),
    FAILED(6),
    EXPIRED(6),
    CANCELLED(6);

    private final int rank;

    MessageState(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    public boolean terminalBeforeSend() {
        return this == EXPIRED || this == CANCELLED;
    }
}
