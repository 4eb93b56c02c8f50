package dev.switchboard.gateway.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Templates synced from Meta ({@code GET /{waba-id}/message_templates}), used to validate
 * template sends before accepting them and to pick their default lane from the category.
 *
 * <p>A WABA whose templates were never synced is validated by Meta alone: refusing a send
 * because our copy is missing would be worse than letting Meta answer.
 *
 * <p>Statuses arrive two ways: a sync's snapshot and {@code message_template_status_update}
 * webhooks. A sync reads Meta's list at one moment and writes it a little later, so a webhook that
 * lands in between is newer than the snapshot: the sync keeps the webhook's status then (seen on
 * a busy box: a sync started by a channel change put a just-paused template back to APPROVED).
 */
public final class TemplateCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateCatalog.class);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

    /** What validation needs to know about one template translation. */
    public record TemplateInfo(String name, String language, String category, String status, int parameterCount) {}

    private final Map<String, TemplateInfo> templates = new ConcurrentHashMap<>();
    private final Set<String> syncedWabas = ConcurrentHashMap.newKeySet();
    /** "waba|name" → PAUSED or DISABLED when any translation is: what the send path holds or fails. */
    private final Map<String, String> notSendable = new ConcurrentHashMap<>();
    /** Webhook status changes in order, and the latest per "waba\0name\0language" (or "…\0*" for every language). */
    private final java.util.concurrent.atomic.AtomicLong statusChanges = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, WebhookStatus> webhookStatuses = new ConcurrentHashMap<>();

    private record WebhookStatus(long seq, String status) {}
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String baseUrl;
    private final String version;
    private final Tenancy tenancy;
    private final Jdbc jdbc;
    private final ObjectMapper json;
    private final Clock clock;

    public TemplateCatalog(String baseUrl, String version, Tenancy tenancy, Jdbc jdbc, ObjectMapper json, Clock clock) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.version = version;
        this.tenancy = tenancy;
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    public boolean knows(String wabaId) {
        return syncedWabas.contains(wabaId);
    }

    public Optional<TemplateInfo> find(String wabaId, String name, String language) {
        return Optional.ofNullable(templates.get(key(wabaId, name, language)));
    }

    /**
     * Marks a template's status from a {@code message_template_status_update} webhook; without a
     * language, every translation of the name takes it.
     */
    public void updateStatus(String wabaId, String name, String language, String status) {
        webhookStatuses.put(key(wabaId, name, language == null ? "*" : language),
                new WebhookStatus(statusChanges.incrementAndGet(), status));
        for (Map.Entry<String, TemplateInfo> e : templates.entrySet()) {
            TemplateInfo t = e.getValue();
            if (e.getKey().startsWith(wabaId + "\u0000") && t.name().equals(name) && (language == null || t.language().equals(language))) {
                templates.put(e.getKey(), new TemplateInfo(t.name(), t.language(), t.category(), status, t.parameterCount()));
            }
        }
        if (language == null) {
            jdbc.update("UPDATE templates SET status=? WHERE waba_id=? AND name=?", status, wabaId, name);
        } else {
            jdbc.update("UPDATE templates SET status=? WHERE waba_id=? AND name=? AND language=?", status, wabaId, name, language);
        }
        reindex(wabaId, name);
    }

    /** PAUSED or DISABLED when messages with this template must not go out now; else null. */
    public String holdStatus(String wabaId, String name) {
        return name == null ? null : notSendable.get(wabaId + "|" + name);
    }

    private void reindex(String wabaId, String name) {
        String worst = null;
        for (Map.Entry<String, TemplateInfo> e : templates.entrySet()) {
            TemplateInfo t = e.getValue();
            if (e.getKey().startsWith(wabaId + "\u0000") && t.name().equals(name)) {
                if ("DISABLED".equals(t.status())) {
                    worst = "DISABLED";
                } else if ("PAUSED".equals(t.status()) && worst == null) {
                    worst = "PAUSED";
                }
            }
        }
        if (worst == null) {
            notSendable.remove(wabaId + "|" + name);
        } else {
            notSendable.put(wabaId + "|" + name, worst);
        }
    }

    /** Syncs every WABA that has a channel; failures are logged and retried on the next call. */
    public void syncAll() {
        Set<String> done = new HashSet<>();
        for (Channel c : tenancy.channels()) {
            if (done.add(c.wabaId())) {
                sync(c);
            }
        }
    }

    public void sync(Channel c) {
        long snapshotAfter = statusChanges.get();
        String token = tenancy.accessToken(c);
        String after = null;
        int count = 0;
        try {
            do {
                String url = baseUrl + "/" + version + "/" + c.wabaId() + "/message_templates?limit=100"
                        + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
                HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                if (res.statusCode() != 200) {
                    LOG.warn("template sync for WABA {} answered HTTP {}", c.wabaId(), res.statusCode());
                    return;
                }
                JsonNode root = json.readTree(res.body());
                for (JsonNode t : root.path("data")) {
                    String name = t.path("name").asText();
                    String language = t.path("language").asText();
                    TemplateInfo info = new TemplateInfo(name, language, t.path("category").asText("UTILITY"),
                            newerWebhookStatus(c.wabaId(), name, language, snapshotAfter).orElse(t.path("status").asText("APPROVED")),
                            bodyParameters(t));
                    templates.put(key(c.wabaId(), info.name(), info.language()), info);
                    reindex(c.wabaId(), info.name());
                    persist(c, info);
                    count++;
                }
                JsonNode next = root.path("paging").path("next");
                after = next.isMissingNode() || next.isNull() ? null : root.path("paging").path("cursors").path("after").asText(null);
            } while (after != null);
            syncedWabas.add(c.wabaId());
            LOG.info("synced {} templates for WABA {}", count, c.wabaId());
        } catch (Exception e) {
            LOG.warn("template sync for WABA {} failed: {}", c.wabaId(), e.toString());
        }
    }

    /** The status a webhook set after the snapshot was begun, if one did: it is newer than the snapshot. */
    private Optional<String> newerWebhookStatus(String wabaId, String name, String language, long snapshotAfter) {
        WebhookStatus exact = webhookStatuses.get(key(wabaId, name, language));
        WebhookStatus any = webhookStatuses.get(key(wabaId, name, "*"));
        WebhookStatus latest = exact == null ? any : any == null ? exact : exact.seq() > any.seq() ? exact : any;
        return latest != null && latest.seq() > snapshotAfter ? Optional.of(latest.status()) : Optional.empty();
    }

    private void persist(Channel c, TemplateInfo t) {
        jdbc.update("INSERT INTO templates (tenant_id, waba_id, name, language, category, status, parameter_count, synced_at)"
                        + " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (waba_id, name, language) DO UPDATE SET category=excluded.category,"
                        + " status=excluded.status, parameter_count=excluded.parameter_count, synced_at=excluded.synced_at",
                c.tenantId(), c.wabaId(), t.name(), t.language(), t.category(), t.status(), t.parameterCount(), clock.millis());
    }

    /** Distinct placeholders in the BODY component: what Meta checks against body parameters. */
    static int bodyParameters(JsonNode template) {
        Set<String> names = new HashSet<>();
        for (JsonNode comp : template.path("components")) {
            if ("BODY".equalsIgnoreCase(comp.path("type").asText())) {
                Matcher m = PLACEHOLDER.matcher(comp.path("text").asText(""));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names.size();
    }

    private static String key(String waba, String name, String language) {
        return waba + '\u0000' + name + '\u0000' + language;
    }
}
