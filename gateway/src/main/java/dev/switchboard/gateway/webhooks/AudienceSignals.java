package dev.switchboard.gateway.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.audience.Suppression;
import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.store.Batches;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a batch of webhook events teaches the send path about its audience:
 * <ul>
 *   <li>an inbound message that is exactly an opt-out keyword puts the user on the tenant's
 *       opt-out list (marketing to them is failed, not sent); an opt-in keyword lifts it;</li>
 *   <li>a {@code failed} status with 131050 (user stopped marketing) records an opt-out,
 *       131049 (per-user marketing limit) holds marketing to that user for 24 h, and 131026
 *       (undeliverable) fails further sends to them for 24 h so the tenant can fall back to
 *       another channel at once;</li>
 *   <li>131048 (spam rate limit) pauses the number's marketing lane for an hour.</li>
 * </ul>
 * The suppressions are written in the batch's own transaction; memory and the channel workers
 * learn of them after it commits.
 */
final class AudienceSignals {
    private static final Logger LOG = LoggerFactory.getLogger(AudienceSignals.class);
    static final long MARKETING_LIMIT_MILLIS = TimeUnit.HOURS.toMillis(24);
    static final long UNDELIVERABLE_MILLIS = TimeUnit.HOURS.toMillis(24);
    static final long SPAM_PAUSE_MILLIS = TimeUnit.HOURS.toMillis(1);

    private final Audience audience;
    private final Outbound outbound;
    private final ObjectMapper json;

    AudienceSignals(Audience audience, Outbound outbound, ObjectMapper json) {
        this.audience = audience;
        this.outbound = outbound;
        this.json = json;
    }

    /** The effects of one batch: write them in its transaction, then {@link Effects#afterCommit}. */
    final class Effects {
        private final List<Suppression> added = new ArrayList<>();
        private final List<Suppression> lifted = new ArrayList<>();
        private final Set<String> spamPaused = new LinkedHashSet<>();
        private final long now;

        private Effects(long now) {
            this.now = now;
        }

        void write(Batches b) throws SQLException {
            for (Suppression s : lifted) {
                Audience.delete(b, s.tenantId(), s.userId(), s.kind());
            }
            for (Suppression s : added) {
                Audience.write(b, s);
            }
        }

        void afterCommit() {
            lifted.forEach(s -> audience.forget(s.tenantId(), s.userId(), s.kind()));
            added.forEach(audience::remember);
            for (String channel : spamPaused) {
                LOG.warn("channel {}: Meta reported 131048 (spam rate limit); marketing paused for 1 h", channel);
                outbound.pauseMarketing(channel, now + SPAM_PAUSE_MILLIS);
            }
        }
    }

    Effects of(List<WebhookEvent> events, long now) {
        Effects fx = new Effects(now);
        for (WebhookEvent e : events) {
            if (e.tenantId() == null || e.contact() == null) {
                continue;
            }
            if (WebhookEvent.MESSAGE.equals(e.kind())) {
                keyword(e, fx);
            } else if (WebhookEvent.STATUS.equals(e.kind()) && e.errorCode() != null) {
                failure(e, fx, now);
            }
        }
        return fx;
    }

    private void keyword(WebhookEvent e, Effects fx) {
        int match = audience.keywords(e.tenantId()).match(text(e.payload()));
        if (match > 0) {
            remove(fx.lifted, e, Suppression.OPT_OUT); // a later opt-in in the same batch wins, and vice versa
            fx.added.add(new Suppression(e.tenantId(), e.contact(), Suppression.OPT_OUT, true, null,
                    "the user opted out by sending '" + text(e.payload()).strip() + "'", 0, e.eventAt()));
        } else if (match < 0) {
            remove(fx.added, e, Suppression.OPT_OUT);
            fx.lifted.add(new Suppression(e.tenantId(), e.contact(), Suppression.OPT_OUT, true, null, "opt-in", 0, e.eventAt()));
        }
    }

    private static void failure(WebhookEvent e, Effects fx, long now) {
        switch (e.errorCode()) {
            case 131050 -> fx.added.add(new Suppression(e.tenantId(), e.contact(), Suppression.OPT_OUT, true, 131050,
                    "Meta 131050: the user stopped marketing messages", 0, now));
            case 131049 -> fx.added.add(new Suppression(e.tenantId(), e.contact(), Suppression.MARKETING_LIMIT, true, 131049,
                    "Meta 131049: per-user marketing limit reached", now + MARKETING_LIMIT_MILLIS, now));
            case 131026 -> fx.added.add(new Suppression(e.tenantId(), e.contact(), Suppression.UNDELIVERABLE, false, 131026,
                    "Meta 131026: undeliverable to this user", now + UNDELIVERABLE_MILLIS, now));
            case 131048 -> {
                if (e.channelId() != null) {
                    fx.spamPaused.add(e.channelId());
                }
            }
            default -> { }
        }
    }

    private static void remove(List<Suppression> list, WebhookEvent e, String kind) {
        list.removeIf(s -> s.tenantId().equals(e.tenantId()) && s.userId().equals(e.contact()) && s.kind().equals(kind));
    }

    /** The words of an inbound message a keyword can match: text, button or interactive reply title. */
    private String text(String payload) {
        try {
            JsonNode m = json.readTree(payload);
            return switch (m.path("type").asText("")) {
                case "text" -> m.path("text").path("body").asText("");
                case "button" -> m.path("button").path("text").asText(m.path("button").path("payload").asText(""));
                case "interactive" -> {
                    JsonNode i = m.path("interactive");
                    JsonNode reply = i.has("button_reply") ? i.path("button_reply") : i.path("list_reply");
                    yield reply.path("title").asText("");
                }
                default -> "";
            };
        } catch (Exception ex) {
            return "";
        }
    }
}
