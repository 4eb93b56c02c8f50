package dev.switchboard.gateway.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Meta says about each number, read when a number is first seen and every 15 minutes
 * ({@code GET /{phone-number-id}?fields=…}, one management call per number):
 * <ul>
 *   <li>the business portfolio's messaging limit, {@code whatsapp_business_manager_messaging_limit}
 *       ({@code messaging_limit_tier} is deprecated), on Meta's ladder 250 → 2K → 10K → 100K →
 *       unlimited; the send path budgets marketing against it;</li>
 *   <li>its throughput level ({@code throughput.level}: STANDARD is 80 messages a second, HIGH
 *       1,000). It is applied as an upper bound: an operator may pace a number below Meta's level
 *       on purpose (room for another sender), so it only lowers a ceiling above the level, and it
 *       raises one only from the standard 80 to 1,000 (an upgrade whose webhook was missed);</li>
 *   <li>whether the number is shared with the WhatsApp Business app ({@code is_on_biz_app}):
 *       such coexistence numbers are fixed at 20 messages a second.</li>
 * </ul>
 * Webhooks bring the same news sooner ({@code AccountSignals}); this catches up with what a
 * webhook missed, and with numbers added while their history was elsewhere.

 */
public final class NumberFacts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NumberFacts.class);
    private static final Pattern TIER = Pattern.compile("^TIER_(250|2K|10K|100K|UNLIMITED)$");
    static final int COEXISTENCE_MPS = 20;
    static final int STANDARD_MPS = 80;
    static final int HIGH_MPS = 1_000;
    private static final long PERIOD_MINUTES = 15;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("number-facts").daemon(true).factory());
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final String baseUrl;
    private final String version;
    private final Tenancy tenancy;
    private final ObjectMapper json;

    public NumberFacts(String baseUrl, String version, Tenancy tenancy, ObjectMapper json) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.version = version;
        this.tenancy = tenancy;
        this.json = json;
    }

    /** Reads every number now and every 15 minutes, and each new number as it is added. */
    public void start() {
        tenancy.onChannelChange(c -> {
            if (seen.add(c.phoneNumberId())) {
                timer.execute(() -> refresh(c.phoneNumberId()));
            }
        });
        timer.scheduleWithFixedDelay(this::refreshAll, 0, PERIOD_MINUTES, TimeUnit.MINUTES);
    }

    /** Reads every number now, on the caller's thread (operators after a change at Meta; tests). */
    public void refreshAll() {
        for (Channel c : tenancy.channels()) {
            seen.add(c.phoneNumberId());
            refresh(c.phoneNumberId());
        }
    }

    /** One number's facts; a failure is logged and retried on the next round. */
    void refresh(String phoneNumberId) {
        Channel c = tenancy.channel(phoneNumberId).orElse(null);
        if (c == null) {
            return;
        }
        try {
            HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/" + version + "/" + phoneNumberId
                            + "?fields=whatsapp_business_manager_messaging_limit,is_on_biz_app,throughput"))
                    .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + tenancy.accessToken(c)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (res.statusCode() != 200) {
                LOG.debug("number {}: Meta answered HTTP {} for its fields", phoneNumberId, res.statusCode());
                return;
            }
            apply(c, json.readTree(res.body()));
        } catch (java.io.IOException e) {
            LOG.debug("number {}: reading its fields failed: {}", phoneNumberId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("number {}: its fields could not be applied", phoneNumberId, e);
        }
    }

    private void apply(Channel c, JsonNode facts) {
        String limit = facts.path("whatsapp_business_manager_messaging_limit").asText("");
        String tier = TIER.matcher(limit).matches() && !limit.equals(c.tier()) ? limit : null;
        int level = switch (facts.path("throughput").path("level").asText("")) {
            case "STANDARD" -> STANDARD_MPS;
            case "HIGH" -> HIGH_MPS;
            default -> 0; // not said (or a level this code does not know): leave the ceiling alone
        };
        if (facts.path("is_on_biz_app").asBoolean(false)) {
            level = COEXISTENCE_MPS;
        }
        Integer ceiling = null;
        if (level > 0 && c.ceilingMps() > level) {
            ceiling = level;
        } else if (level == HIGH_MPS && c.ceilingMps() == STANDARD_MPS) {
            ceiling = HIGH_MPS;
        }
        if (tier == null && ceiling == null) {
            return;
        }
        LOG.info("number {}: Meta says {}{}", c.phoneNumberId(), tier == null ? "" : "messaging limit " + tier,
                ceiling == null ? "" : (tier == null ? "" : ", ") + "throughput " + ceiling + " mps");
        tenancy.updateChannel(c.phoneNumberId(), null, ceiling, tier, null, null, null);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
