package dev.switchboard.gateway.campaigns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.audiences.AudienceInfo;
import dev.switchboard.gateway.audiences.Audiences;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.webhooks.BillingListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The pacing side of campaigns in one place, so the lifecycle classes only call into it: the
 * limits a create request sets ({@link Pacing}, validated, written with the campaign), how the
 * campaign view, stats and {@code /estimate} show them, what the expander may expand
 * ({@link CampaignPacing}), the estimate ({@link Eta}), the scheduled load forecast
 * ({@link LoadForecast}) and the spend counted from status webhooks ({@link #billing()}).
 */
final class PacingModule {
    private static final long MINUTE = 60_000;

    private final Campaigns campaigns;
    private final Audiences audiences;
    private final CampaignPacing pacing;
    private final PacingStore store;
    private final Eta eta;
    private final LoadForecast forecast;
    private final ChannelTraffic traffic;
    private long sampledAt = System.nanoTime();
    private final ObjectMapper json;
    private final Clock clock;

    PacingModule(Jdbc jdbc, Campaigns campaigns, Audiences audiences, Outbound outbound, WindowGate windows,
                 SwitchboardConfig.Pricing pricing, MeterRegistry registry, ObjectMapper json, Clock clock) {
        this.campaigns = campaigns;
        this.audiences = audiences;
        this.store = new PacingStore(jdbc);
        this.pacing = new CampaignPacing(store, campaigns.store(), new PriceTable(pricing), windows, outbound, clock);
        this.traffic = new ChannelTraffic(registry);
        this.eta = new Eta(pacing, traffic, outbound);
        this.forecast = new LoadForecast(registry);
        this.json = json;
        this.clock = clock;
    }

    CampaignPacing pacing() {
        return pacing;
    }

    /** The create request's limits; a 400 naming the field when one is wrong. */
    Pacing parse(JsonNode body) {
        return Pacing.parse(body, pacing.prices());
    }

    /** The write that stores {@code p} with the campaign (in its transaction), or null when it sets no limit. */
    Function<String, WriteOp> alongside(String tenantId, Pacing p) {
        return p.none() ? null : id -> store.insert(id, tenantId, p);
    }

    void view(Campaign c, ObjectNode n) {
        pacing.of(c.id()).view(n);
    }

    /** Counts spend from status webhooks, in their transaction (see {@link PacingStore#charge}). */
    BillingListener billing() {
        PriceTable prices = pacing.prices();
        return (b, billable) -> {
            if (prices.configured()) {
                PacingStore.charge(b, billable, prices, clock.millis());
            }
        };
    }

    /** The expander's pass is over: pacing state of finished campaigns goes, the forecast is refreshed. */
    void afterPass(List<Campaign> active) {
        pacing.afterPass(active);
        long now = System.nanoTime();
        if (now - sampledAt >= 1_000_000_000L) { // the other traffic on running campaigns' channels, for their estimates
            sampledAt = now;
            for (Campaign c : active) {
                if (c.state() == Campaign.State.RUNNING) {
                    channels(c).forEach(ch -> traffic.priorityRate(ch.phoneNumberId()));
                }
            }
        }
        forecast.update(active, c -> estimate(c).ratePerSecond());
    }

    /** Adds the current rate, spend, what holds it back and (unless it is over) the live estimate to the stats. */
    void stats(Campaign c, ObjectNode s) {
        long now = clock.millis();
        s.put("current_rate", Math.round(store.sentSince(c.tenantId(), c.id(), now - MINUTE) / 60.0 * 100) / 100.0);
        Pacing p = pacing.of(c.id());
        PacingStore.Spend spent = store.spend(c.id());
        ObjectNode spend = s.putObject("spend").put("billed", PriceTable.amount(spent.billedMicros()))
                .put("messages", spent.billedMessages()).put("currency", pacing.prices().currency());
        if (p.spendCapMicros() == null) {
            spend.putNull("cap");
        } else {
            spend.put("cap", PriceTable.amount(p.spendCapMicros()));
        }
        ObjectNode held = s.putObject("pacing");
        var h = c.state() == Campaign.State.RUNNING ? pacing.held(c.id()) : java.util.Optional.<CampaignPacing.Held>empty();
        if (c.state() == Campaign.State.RUNNING && p.window() != null && !p.window().open(now)
                && !h.map(x -> x.reason().equals(CampaignPacing.WINDOW)).orElse(false)) {
            // fully expanded, so the expander has nothing to hold: its queued messages wait at the gate all the same
            h = java.util.Optional.of(new CampaignPacing.Held(CampaignPacing.WINDOW, -1)); // since: not known
        }
        held.put("held_by", h.map(CampaignPacing.Held::reason).orElse(null))
                .put("since", h.filter(x -> x.since() >= 0).map(x -> Instant.ofEpochMilli(x.since()).toString()).orElse(null));
        if (c.state() == Campaign.State.SCHEDULED || c.state() == Campaign.State.RUNNING || c.state() == Campaign.State.PAUSED) {
            s.set("estimate", estimateJson(c));
        }
    }

    /** {@code GET /v1/campaigns/{id}/estimate}. */
    ObjectNode estimateJson(Campaign c) {
        Eta.Estimate e = estimate(c);
        ObjectNode n = json.createObjectNode();
        n.put("eta", e.etaMillis() == null ? null : Instant.ofEpochMilli(e.etaMillis()).toString())
                .put("seconds", e.seconds()).put("rate_per_second", e.ratePerSecond()).put("limited_by", e.limitedBy())
                .put("remaining", e.remaining());
        if (e.freeNow() >= 0) {
            n.put("messaging_limit_free", e.freeNow());
        } else {
            n.putNull("messaging_limit_free");
        }
        ArrayNode warnings = n.putArray("warnings");
        for (Eta.Warning w : e.warnings()) {
            ObjectNode o = warnings.addObject().put("code", w.code()).put("message", w.message());
            new TreeMap<>(w.numbers()).forEach(o::put);
        }
        spendWarning(c, e.remaining()).ifPresent(w -> {
            ObjectNode o = warnings.addObject().put("code", w.code()).put("message", w.message());
            new TreeMap<>(w.numbers()).forEach(o::put);
        });
        return n;
    }

    private Eta.Estimate estimate(Campaign c) {
        long now = clock.millis();
        long remaining = switch (c.state()) {
            case DRAFT, SCHEDULED -> audiences.find(c.tenantId(), c.audienceId()).map(AudienceInfo::contacts).orElse(0L);
            case RUNNING, PAUSED -> Math.max(0, c.targeted() - c.expanded()) + campaigns.store().pending(c.id());
            case COMPLETED, CANCELLED -> 0L;
        };
        boolean ahead = (c.state() == Campaign.State.DRAFT || c.state() == Campaign.State.SCHEDULED) && c.startAt() != null
                && c.startAt() > now;
        List<Channel> channels = channels(c);
        Map<String, Integer> sharing = new HashMap<>();
        for (Campaign other : campaigns.store().active()) {
            if (other.state() == Campaign.State.RUNNING && !other.id().equals(c.id())) {
                channels(other).forEach(ch -> sharing.merge(ch.phoneNumberId(), 1, Integer::sum));
            }
        }
        return eta.estimate(c, channels, remaining, now, ahead ? c.startAt() : now, id -> sharing.getOrDefault(id, 0));
    }

    private List<Channel> channels(Campaign c) {
        try {
            return campaigns.channels(c.tenantId(), c.channelId(), c.channelPool());
        } catch (Rejection r) {
            return List.of(); // a channel was removed: the estimate says it cannot send
        }
    }

    /** When the spend cap will likely stop the campaign before its audience is done: about how many messages still fit. */
    private java.util.Optional<Eta.Warning> spendWarning(Campaign c, long remaining) {
        Pacing p = pacing.of(c.id());
        if (p.spendCapMicros() == null || remaining == 0) {
            return java.util.Optional.empty();
        }
        PacingStore.Spend spent = store.spend(c.id());
        long each = spent.billedMessages() > 0 ? Math.max(1, spent.billedMicros() / spent.billedMessages())
                : Math.max(1, pacing.prices().maxMicros(category(c)));
        long left = Math.max(0, p.spendCapMicros() - spent.billedMicros());
        long fit = left / each;
        if (fit >= remaining) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Eta.Warning("spend_cap", String.format(Locale.ROOT,
                "The spend cap stops it early: about %,d of %,d remaining messages fit in the %s %s left of its %s %s cap (at about %s %s a"
                        + " message%s)", fit, remaining, PriceTable.amount(left).toPlainString(), p.currency(),
                PriceTable.amount(p.spendCapMicros()).toPlainString(), p.currency(), PriceTable.amount(each).toPlainString(), p.currency(),
                spent.billedMessages() > 0 ? ", as billed so far" : ", the dearest rate of its category"),
                Map.of("fit", fit, "recipients", remaining)));
    }

    private String category(Campaign c) {
        try {
            var t = campaigns.validate(c);
            return t == null || t.category() == null ? "MARKETING" : t.category();
        } catch (Rejection r) {
            return "MARKETING";
        }
    }
}
