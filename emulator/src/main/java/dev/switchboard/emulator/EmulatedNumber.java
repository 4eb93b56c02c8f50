package dev.switchboard.emulator;

import static java.util.Objects.requireNonNull;

/**
 * One emulated WhatsApp business phone number: its Graph ids, the token that may send from it,
 * and its throughput ceiling.
 *
 * <p>Meta starts every number at 80 messages per second, raises it to 1,000 automatically, and
 * pins Coexistence numbers (shared with the WhatsApp Business app) at 20. A coexistence number
 * therefore defaults to 20 unless a ceiling is set explicitly.
 */
public final class EmulatedNumber {
    /** Meta's default ceiling for a fresh number. */
    public static final int DEFAULT_CEILING_MPS = 80;
    /** Meta's fixed ceiling for coexistence numbers. */
    public static final int COEXISTENCE_CEILING_MPS = 20;
    /** Meta's highest automatic ceiling; the emulator does not allow more. */
    public static final int MAX_CEILING_MPS = 1000;

    private final String phoneNumberId;
    private final String displayPhoneNumber;
    private final String wabaId;
    private final String portfolioId;
    private final String accessToken;
    private final int ceilingMps;
    private final boolean coexistence;

    private EmulatedNumber(Builder b) {
        this.phoneNumberId = b.phoneNumberId;
        this.displayPhoneNumber = b.displayPhoneNumber != null ? b.displayPhoneNumber : "1555" + b.phoneNumberId;
        this.wabaId = b.wabaId != null ? b.wabaId : "waba-" + b.phoneNumberId;
        this.portfolioId = b.portfolioId != null ? b.portfolioId : "biz-" + this.wabaId;
        this.accessToken = b.accessToken != null ? b.accessToken : "token-" + b.phoneNumberId;
        int ceiling = b.ceilingMps != null ? b.ceilingMps
                : (b.coexistence ? COEXISTENCE_CEILING_MPS : DEFAULT_CEILING_MPS);
        if (ceiling < 1 || ceiling > MAX_CEILING_MPS) {
            throw new IllegalArgumentException("ceilingMps must be 1.." + MAX_CEILING_MPS + ": " + ceiling);
        }
        this.ceilingMps = ceiling;
        this.coexistence = b.coexistence;
    }

    public static Builder builder(String phoneNumberId) {
        return new Builder(phoneNumberId);
    }

    public String phoneNumberId() { return phoneNumberId; }
    public String displayPhoneNumber() { return displayPhoneNumber; }
    public String wabaId() { return wabaId; }
    public String portfolioId() { return portfolioId; }
    public String accessToken() { return accessToken; }
    public int ceilingMps() { return ceilingMps; }
    public boolean coexistence() { return coexistence; }

    @Override
    public String toString() {
        return "EmulatedNumber[" + phoneNumberId + ", waba=" + wabaId + ", ceiling=" + ceilingMps + "]";
    }

    public static final class Builder {
        private final String phoneNumberId;
        private String displayPhoneNumber;
        private String wabaId;
        private String portfolioId;
        private String accessToken;
        private Integer ceilingMps;
        private boolean coexistence;

        private Builder(String phoneNumberId) {
            this.phoneNumberId = requireNonNull(phoneNumberId, "phoneNumberId");
        }

        public Builder displayPhoneNumber(String v) { this.displayPhoneNumber = v; return this; }
        public Builder wabaId(String v) { this.wabaId = v; return this; }
        public Builder portfolioId(String v) { this.portfolioId = v; return this; }
        public Builder accessToken(String v) { this.accessToken = v; return this; }
        public Builder ceilingMps(int v) { this.ceilingMps = v; return this; }
        public Builder coexistence(boolean v) { this.coexistence = v; return this; }

        public EmulatedNumber build() {
            return new EmulatedNumber(this);
        }
    }
}
