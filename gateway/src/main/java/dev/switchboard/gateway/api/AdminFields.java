package dev.switchboard.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.intake.Rejection;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks the fields of admin requests: every value an operator can set has a type and
 * a range (Meta's own where it has one), and anything else is a 400 that names the field. A value
 * saved unchecked is read again at every start: a ceiling of 2,147,483,647 once allocated a
 * pacing ring of that size, answered 500 and left a node that could not start again.
 */
final class AdminFields {
    /** Meta's highest throughput per number. */
    static final int MAX_CEILING_MPS = dev.switchboard.gateway.outbound.NumberPacer.MAX_CEILING_MPS;
    private static final Pattern TENANT_ID = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,62}$");
    private static final Pattern PHONE_NUMBER_ID = Pattern.compile("^[0-9]{1,32}$");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    /** Meta's messaging-limit ladder since late 2025 (the 1K tier is gone). */
    static final Set<String> TIERS = Set.of("TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED");

    private AdminFields() {}

    /** A whole number in {@code [min, max]}, or {@code absent} when the field is missing or null. */
    static Integer integer(JsonNode b, String f, int min, int max, Integer absent) {
        Long v = whole(b, f, min, max, null);
        return v == null ? absent : Integer.valueOf(v.intValue());
    }

    static Long whole(JsonNode b, String f, long min, long max, Long absent) {
        JsonNode v = b.get(f);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw Rejection.invalid(f, "must be a whole number from " + min + " to " + max);
        }
        return v.asLong();
    }

    /** A string without control characters, at most {@code maxLength} long; null when absent. */
    static String text(JsonNode b, String f, int maxLength) {
        JsonNode v = b.get(f);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw Rejection.invalid(f, "must be a string");
        }
        String s = v.asText();
        if (s.length() > maxLength || CONTROL.matcher(s).find()) {
            throw Rejection.invalid(f, "must be at most " + maxLength + " characters, without control characters");
        }
        return s;
    }

    static String required(JsonNode b, String f, int maxLength) {
        String v = text(b, f, maxLength);
        if (v == null || v.isBlank()) {
            throw Rejection.missing(f);
        }
        return v;
    }

    static String tenantId(JsonNode b, String f) {
        String id = text(b, f, 63);
        if (id != null && !TENANT_ID.matcher(id).matches()) {
            throw Rejection.invalid(f, "must be 1 to 63 lower-case letters, digits, '-' or '_', starting with a letter or digit");
        }
        return id;
    }

    static String phoneNumberId(JsonNode b, String f) {
        String id = required(b, f, 32);
        if (!PHONE_NUMBER_ID.matcher(id).matches()) {
            throw Rejection.invalid(f, "must be Meta's numeric phone number id");
        }
        return id;
    }

    static String tier(JsonNode b, String f) {
        String t = text(b, f, 32);
        if (t == null) {
            return null;
        }
        String upper = t.toUpperCase(java.util.Locale.ROOT);
        if (!TIERS.contains(upper)) {
            throw Rejection.invalid(f, "must be one of " + new java.util.TreeSet<>(TIERS)
                    + ("TIER_1K".equals(upper) ? " (Meta removed the 1K tier; numbers on it moved to TIER_2K)" : ""));
        }
        return upper;
    }
}
