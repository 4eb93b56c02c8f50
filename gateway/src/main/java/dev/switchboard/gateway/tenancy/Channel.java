package dev.switchboard.gateway.tenancy;

/**
 * One WhatsApp business phone number. The access token is held encrypted; only the sender
 * decrypts it, through {@link TokenCipher}. {@code state}: ACTIVE, PAUSED (by the operator),
 * STOPPED (by an auth/permission error from Meta; see {@code stateReason}), DISABLED.
 */
public record Channel(
        String phoneNumberId,
        String tenantId,
        String displayPhoneNumber,
        String wabaId,
        String portfolioId,
        String accessTokenEnc,
        int ceilingMps,
        String tier,
        String quality,
        String state,
        String stateReason,
        long createdAt,
        long updatedAt) {
    public static final String ACTIVE = "ACTIVE";
    public static final String PAUSED = "PAUSED";
    public static final String STOPPED = "STOPPED";
    public static final String DISABLED = "DISABLED";

    public boolean sendable() {
        return ACTIVE.equals(state);
    }

    public Channel withState(String newState, String reason, long now) {
        return new Channel(phoneNumberId, tenantId, displayPhoneNumber, wabaId, portfolioId, accessTokenEnc,
                ceilingMps, tier, quality, newState, reason, createdAt, now);
    }

    public Channel withCeiling(int mps, long now) {
        return new Channel(phoneNumberId, tenantId, displayPhoneNumber, wabaId, portfolioId, accessTokenEnc,
                mps, tier, quality, state, stateReason, createdAt, now);
    }

    /** Unique-recipient budget of the messaging-limit tier per rolling 24 h; -1 = unlimited. */
    public static long tierLimit(String tier) {
        return switch (tier == null ? "" : tier.toUpperCase(java.util.Locale.ROOT)) {
            case "TIER_50" -> 50;
            case "TIER_250" -> 250;
            case "TIER_1K" -> 1_000;
            case "TIER_2K" -> 2_000;
            case "TIER_10K" -> 10_000;
            case "TIER_100K" -> 100_000;
            case "TIER_UNLIMITED", "UNLIMITED" -> -1;
            default -> 2_000;
        };
    }
}
