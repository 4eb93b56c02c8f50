package dev.switchboard.gateway.audience;

/**
 * One reason not to message a user of a tenant.
 *
 * @param kind          {@link #OPT_OUT} (the user asked, or Meta's 131050), {@link #MARKETING_LIMIT}
 *                      (Meta's 131049: no marketing for 24 h) or {@link #UNDELIVERABLE} (131026)
 * @param marketingOnly whether only marketing messages are held back
 * @param untilAt       epoch ms when it lapses; 0 = until removed
 */
public record Suppression(String tenantId, String userId, String kind, boolean marketingOnly, Integer errorCode, String reason,
                          long untilAt, long createdAt) {
    public static final String OPT_OUT = "opt_out";
    public static final String MARKETING_LIMIT = "marketing_limit";
    public static final String UNDELIVERABLE = "undeliverable";

    public boolean activeAt(long now) {
        return untilAt == 0 || now < untilAt;
    }

    public boolean blocks(boolean marketing, long now) {
        return activeAt(now) && (marketing || !marketingOnly);
    }
}
