package dev.switchboard.gateway.messages;

import java.util.Locale;
import java.util.Optional;

/** Priority lanes: HIGH for authentication codes, NORMAL for utility and service, LOW for marketing. */
public enum Lane {
    HIGH,
    NORMAL,
    LOW;

    private static final Lane[] BY_ORDINAL = values();

    public static Lane ofOrdinal(int ordinal) {
        return BY_ORDINAL[ordinal];
    }

    public static Optional<Lane> parse(String s) {
        if (s == null || s.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(s.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The default lane of a template category; free-form messages (null category) are NORMAL. */
    public static Lane forCategory(String category) {
        if (category == null) {
            return NORMAL;
        }
        return switch (category.toUpperCase(Locale.ROOT)) {
            case "AUTHENTICATION" -> HIGH;
            case "MARKETING" -> LOW;
            default -> NORMAL;
        };
    }
}
