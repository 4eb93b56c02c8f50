package dev.switchboard.gateway.audience;

import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.messages.QueuedMessage;
import dev.switchboard.gateway.outbound.SendGate;
import dev.switchboard.gateway.tenancy.Channel;

/**
 * The send path's {@link SendGate}: fails messages to suppressed users (Meta would refuse them
 * or the user asked not to be messaged) and holds messages that would hit a wall right now — a
 * paused template, marketing from a number whose quality is RED. All lookups are in memory.
 */
public final class AudienceGate implements SendGate {
    /** What Meta's quality rating calls a number at risk: marketing from it waits. */
    public static final String RED = "RED";
    private static final Verdict PAUSED_TEMPLATE = new Hold("template paused");
    private static final Verdict RED_QUALITY = new Hold("quality RED");

    private final Audience audience;
    private final TemplateCatalog templates;

    public AudienceGate(Audience audience, TemplateCatalog templates) {
        this.audience = audience;
        this.templates = templates;
    }

    /**
     * After a 131026 Meta fails every send to that user for a day, so NORMAL and LOW messages
     * fail at once and the tenant can fall back to SMS or email without waiting. A HIGH-lane
     * message (an OTP) is still sent: a 131026 can be transient (the user reinstalled WhatsApp,
     * changed phones), one wasted send costs a fraction of a cent, and a login that never gets
     * its code costs the tenant a user. If Meta refuses it too, the tenant hears the 131026.
     */
    private static boolean authenticationGetsItsChance(Suppression s, QueuedMessage m) {
        return Suppression.UNDELIVERABLE.equals(s.kind()) && m.lane() == dev.switchboard.gateway.messages.Lane.HIGH;
    }

    @Override
    public Verdict check(QueuedMessage m, Channel channel, long nowMillis) {
        boolean marketing = m.marketing();
        Suppression s = audience.blocking(m.tenantId(), m.recipient(), marketing, nowMillis);
        if (s != null && !authenticationGetsItsChance(s, m)) {
            int code = s.errorCode() != null ? s.errorCode() : 131050;
            return new Drop(code, "not sent: " + s.reason());
        }
        String template = templates.holdStatus(channel.wabaId(), m.templateName());
        if ("DISABLED".equals(template)) {
            return new Drop(132016, "not sent: template " + m.templateName() + " was disabled by Meta");
        }
        if ("PAUSED".equals(template)) {
            return PAUSED_TEMPLATE;
        }
        if (marketing && RED.equals(channel.quality())) {
            return RED_QUALITY;
        }
        return SEND;
    }
}
