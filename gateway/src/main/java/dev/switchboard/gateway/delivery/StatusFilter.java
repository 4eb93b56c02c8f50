package dev.switchboard.gateway.delivery;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which message statuses a tenant wants forwarded. {@link #FINAL} keeps the ones that settle a
 * message for its sender (delivered, read, failed) and drops {@code sent} (and {@code played}),
 * which is most of the volume: about one webhook in three per outbound message.
 */
public enum StatusFilter {
    ALL,
    FINAL,
    NONE;

    private static final Set<String> FINAL_STATUSES = Set.of("delivered", "read", "failed");

    public boolean admits(String status) {
        return switch (this) {
            case ALL -> true;
            case FINAL -> status != null && FINAL_STATUSES.contains(status);
            case NONE -> false;
        };
    }

    /** The lower-case name used in the API and the database. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<StatusFilter> parse(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (StatusFilter f : values()) {
            if (f.wire().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
