package dev.switchboard.gateway.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.audience.AudienceGate;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Account and template signals from Meta, applied to what the send path knows:
 * <ul>
 *   <li>{@code phone_number_quality_update}: {@code THROUGHPUT_UPGRADE} raises the ceiling;
 *       {@code FLAGGED} sets the quality RED (marketing from the number is held),
 *       {@code UNFLAGGED} back to GREEN; {@code current_limit} sets the messaging-limit tier;</li>
 *   <li>{@code account_update}: a ban ({@code DISABLED_UPDATE} with {@code waba_ban_state}
 *       DISABLE, or {@code ACCOUNT_DELETED}/{@code PARTNER_REMOVED}) stops every channel of the
 *       WABA — queued messages stay queued, nothing is sent into the wall — and a reinstatement
 *       starts them again;</li>
 *   <li>{@code business_capability_update}: the portfolio's daily conversation limit becomes the
 *       channels' tier;</li>
 *   <li>{@code message_template_status_update}: the template's status, so queued messages with
 *       a paused template wait and those with a disabled one fail;</li>
 *   <li>{@code template_category_update}: the template's category ({@code new_category}), so
 *       later sends take the new category's lane and rules, and a running campaign that started
 *       under the old one pauses (see {@code campaigns.Campaigns#validate}). A notice of a change
 *       still to come (it carries {@code correct_category}) names the current category as
 *       {@code new_category}, so applying it changes nothing.</li>
 * </ul>
 * Every change goes through {@link Tenancy} (write-through, listeners) and wakes the workers.
 */
final class AccountSignals {
    private static final Logger LOG = LoggerFactory.getLogger(AccountSignals.class);
    static final String BAN_REASON = "WABA banned or removed (account_update)";

    private final Tenancy tenancy;
    private final TemplateCatalog templates;
    private final Outbound outbound;

    AccountSignals(Tenancy tenancy, TemplateCatalog templates, Outbound outbound) {
        this.tenancy = tenancy;
        this.templates = templates;
        this.outbound = outbound;
    }

    void apply(String field, String wabaId, JsonNode value) {
        switch (field) {
            case "phone_number_quality_update" -> quality(wabaId, value);
            case "account_update" -> account(wabaId, value);
            case "business_capability_update" -> capability(wabaId, value);
            case "message_template_status_update" -> template(wabaId, value);
            case "template_category_update" -> category(wabaId, value);
            default -> LOG.debug("webhook field {} is archived, not applied", field);
        }
    }

    /** Only a number of the WABA the payload names (and its signer speaks for) can be touched. */
    private void quality(String wabaId, JsonNode value) {
        String display = digits(value.path("display_phone_number").asText(""));
        String event = value.path("event").asText("").toUpperCase(Locale.ROOT);
        String limit = value.path("current_limit").asText(null);
        for (Channel c : channelsOf(wabaId)) {
            if (display.isEmpty() || !display.equals(digits(c.displayPhoneNumber()))) {
                continue;
            }
            Integer ceiling = "THROUGHPUT_UPGRADE".equals(event) ? Integer.valueOf(Math.max(c.ceilingMps(), 1000)) : null;
            String quality = switch (event) {
                case "FLAGGED" -> AudienceGate.RED;
                case "UNFLAGGED" -> "GREEN";
                default -> null;
            };
            tenancy.updateChannel(c.phoneNumberId(), null, ceiling, limit, quality, null, null);
            outbound.recheck(c.phoneNumberId());
            LOG.info("channel {}: quality update {} (tier {}, ceiling {}, quality {})", c.phoneNumberId(), event, limit, ceiling,
                    quality);
        }
    }

    private void account(String wabaId, JsonNode value) {
        String event = value.path("event").asText("").toUpperCase(Locale.ROOT);
        String banState = value.path("ban_info").path("waba_ban_state").asText("").toUpperCase(Locale.ROOT);
        boolean ban = "ACCOUNT_DELETED".equals(event) || "PARTNER_REMOVED".equals(event) || "BANNED".equals(event)
                || ("DISABLED_UPDATE".equals(event) && ("DISABLE".equals(banState) || banState.isEmpty()));
        boolean reinstate = "REINSTATED".equals(event) || ("DISABLED_UPDATE".equals(event) && "REINSTATE".equals(banState));
        for (Channel c : channelsOf(wabaId)) {
            if (ban && c.sendable()) {
                LOG.error("channel {} stopped: {} ({} {})", c.phoneNumberId(), BAN_REASON, event, banState);
                tenancy.updateChannel(c.phoneNumberId(), null, null, null, null, Channel.STOPPED, BAN_REASON + ": " + event);
            } else if (reinstate && Channel.STOPPED.equals(c.state()) && c.stateReason() != null
                    && c.stateReason().startsWith(BAN_REASON)) {
                LOG.info("channel {} reinstated ({})", c.phoneNumberId(), event);
                tenancy.updateChannel(c.phoneNumberId(), null, null, null, null, Channel.ACTIVE, null);
            }
        }
    }

    private void capability(String wabaId, JsonNode value) {
        JsonNode limit = value.path("max_daily_conversations_per_business");
        if (limit.isMissingNode()) {
            limit = value.path("max_daily_conversation_per_phone");
        }
        if (limit.isMissingNode()) {
            return;
        }
        String tier = tierOf(limit.asLong(-1));
        for (Channel c : channelsOf(wabaId)) {
            tenancy.updateChannel(c.phoneNumberId(), null, null, tier, null, null, null);
            LOG.info("channel {}: messaging limit {} from business_capability_update", c.phoneNumberId(), tier);
        }
    }

    private void template(String wabaId, JsonNode value) {
        String name = value.path("message_template_name").asText(null);
        if (name == null || wabaId == null) {
            return;
        }
        String event = value.path("event").asText("").toUpperCase(Locale.ROOT);
        String status = switch (event) {
            case "APPROVED", "REINSTATED", "UNPAUSED" -> "APPROVED";
            case "PAUSED" -> "PAUSED";
            case "DISABLED", "PENDING_DELETION", "DELETED" -> "DISABLED";
            case "REJECTED" -> "REJECTED";
            default -> null; // FLAGGED and the like are warnings: the template still sends
        };
        if (status == null) {
            return;
        }
        String language = value.path("message_template_language").asText(null);
        templates.updateStatus(wabaId, name, language, status);
        LOG.info("template {} ({}) of WABA {} is now {}", name, language, wabaId, status);
        channelsOf(wabaId).forEach(c -> outbound.recheck(c.phoneNumberId()));
        if ("APPROVED".equals(status)) {
            // messages Meta refused with 132015 while it was paused wait 10 minutes; not any more
            channelsOf(wabaId).forEach(c -> outbound.templateSendable(c.phoneNumberId(), name));
        }
    }

    private void category(String wabaId, JsonNode value) {
        String name = value.path("message_template_name").asText(null);
        String category = value.path("new_category").asText("").toUpperCase(Locale.ROOT);
        if (wabaId == null || (name == null && !value.hasNonNull("message_template_id")) || category.isEmpty()) {
            return;
        }
        String id = value.hasNonNull("message_template_id") ? value.get("message_template_id").asText() : null;
        String language = value.path("message_template_language").asText(null);
        for (TemplateCatalog.TemplateInfo t : templates.updateCategory(wabaId, id, name, language, category)) {
            LOG.info("template {} ({}) of WABA {} recategorised {} → {}", t.name(), t.language(), wabaId,
                    value.path("previous_category").asText("?"), t.category());
        }
        if (value.hasNonNull("correct_category")) {
            LOG.info("template {} ({}) of WABA {} will be recategorised as {} (notice from Meta)", name, language, wabaId,
                    value.path("correct_category").asText());
        }
    }

    private List<Channel> channelsOf(String wabaId) {
        List<Channel> out = new ArrayList<>();
        for (Channel c : tenancy.channels()) {
            if (c.wabaId().equals(wabaId)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Meta's ladder since late 2025: 250 → 2,000 → 10,000 → 100,000 → unlimited (no 1K tier any more). */
    static String tierOf(long maxDaily) {
        if (maxDaily < 0) {
            return "TIER_UNLIMITED";
        }
        if (maxDaily <= 250) {
            return "TIER_250";
        }
        if (maxDaily <= 2_000) {
            return "TIER_2K";
        }
        if (maxDaily <= 10_000) {
            return "TIER_10K";
        }
        return maxDaily <= 100_000 ? "TIER_100K" : "TIER_UNLIMITED";
    }

    private static String digits(String s) {
        return s == null ? "" : s.replaceAll("[^0-9]", "");
    }
}
