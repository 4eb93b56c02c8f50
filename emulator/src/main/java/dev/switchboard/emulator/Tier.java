package dev.switchboard.emulator;

/**
 * Messaging-limit tiers: how many unique users a business portfolio may reach outside a
 * customer-service window in a moving 24 hours.
 */
public enum Tier {
    TIER_250(250),
    TIER_2K(2_000),
    TIER_10K(10_000),
    TIER_100K(100_000),
    TIER_UNLIMITED(Integer.MAX_VALUE);

    private final int limit;

    Tier(int limit) {
        this.limit = limit;
    }

    public int limit() {
        return limit;
    }
}
