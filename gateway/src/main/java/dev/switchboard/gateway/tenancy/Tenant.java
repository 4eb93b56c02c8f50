package dev.switchboard.gateway.tenancy;

/** A business using Switchboard. {@code state} is ACTIVE or DISABLED. */
public record Tenant(String id, String name, String state, int ingressPerSecond, long maxQueued, long createdAt, long updatedAt) {
    public static final String ACTIVE = "ACTIVE";
    public static final String DISABLED = "DISABLED";

    public boolean active() {
        return ACTIVE.equals(state);
    }
}
