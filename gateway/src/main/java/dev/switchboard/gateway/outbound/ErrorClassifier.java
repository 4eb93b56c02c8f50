package dev.switchboard.gateway.outbound;

/**
 * Maps Meta's {@code error.code} to an {@link ErrorAction}. Classification is on the code, never
 * on the HTTP status, because Meta reports the same code under different statuses (130429 as
 * both 400 and 429). Unknown codes fail the message rather than retry it: retrying what we do
 * not understand is how retry storms start.
 */
public final class ErrorClassifier {
    private ErrorClassifier() {}

    public static ErrorAction classify(int code) {
        return switch (code) {
            case 130429 -> ErrorAction.THROTTLE_NUMBER;
            case 131056 -> ErrorAction.PAIR_BACKOFF;
            case 4, 80007 -> ErrorAction.CHANNEL_BACKOFF;
            case 131048 -> ErrorAction.PAUSE_MARKETING;
            case 132015, 131064 -> ErrorAction.HOLD;
            case 131000, 131016, 1, 2, 133004, 131057 -> ErrorAction.RETRY;
            case 190, 0, 10, 368, 131031, 131042 -> ErrorAction.STOP_CHANNEL;
            default -> code >= 200 && code <= 299 ? ErrorAction.STOP_CHANNEL : ErrorAction.FAIL;
        };
    }

    /** HTTP failures with no Meta error body (connection refused, 502 from a proxy, timeouts). */
    public static ErrorAction classifyTransport(int httpStatus) {
        return httpStatus == 0 || httpStatus >= 500 || httpStatus == 429 || httpStatus == 408
                ? ErrorAction.RETRY : ErrorAction.FAIL;
    }
}
