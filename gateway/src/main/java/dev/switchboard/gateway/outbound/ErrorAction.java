package dev.switchboard.gateway.outbound;

/** What the sender does about an error from Meta (see CLOUD-API.md's table). */
public enum ErrorAction {
    /** 130429: the number's throughput is reached; slow the number down and retry soon. */
    THROTTLE_NUMBER,
    /** 131056: pair rate to this recipient; retry that recipient after 4^n s, others unaffected. */
    PAIR_BACKOFF,
    /** 4, 80007: app / WABA call-rate limit; back the whole channel off for minutes. */
    CHANNEL_BACKOFF,
    /** 131048: spam rate limit; pause the channel's marketing and alert. */
    PAUSE_MARKETING,
    /** 132015 template paused; 131064 category limit: hold the message and retry much later. */
    HOLD,
    /** Transient (unknown, unavailable, maintenance, 5xx, timeouts): retry with backoff. */
    RETRY,
    /** Token, permission, payment or restriction problem: stop the channel, keep the message queued. */
    STOP_CHANNEL,
    /** Anything the request itself got wrong, or the user cannot receive: fail, never retry. */
    FAIL
}
