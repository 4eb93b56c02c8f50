package dev.switchboard.gateway.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Templates synced from Meta ({@code GET /{waba-id}/message_templates}), used to validate
 * template sends before accepting them, to pick their default lane from the category, and to
 * check a campaign's parameter mapping before it starts.
 *
 * <p><b>Known before the first sync.</b> Every sync is written to the {@code templates} table
 * and read back when a node starts, so a restarted node validates against its catalogue at once
 * (a campaign does not wait for Meta) and does not call Meta for WABAs synced less than a sync
 * interval ago: a node in a crash loop must not spend the management-API budget (see
 * {@link TemplateSync}). A WABA whose templates were never synced is validated by Meta alone:
 * refusing a send because our copy is missing would be worse than letting Meta answer.
 *
 * <p><b>Kept current three ways:</b> a periodic re-sync of every WABA ({@link TemplateRefresher},
 * every {@code templates.syncInterval}); a sync on demand (a tenant's {@code POST
 * /v1/templates/sync}, a template created or deleted through the Graph facade, a new channel);
 * and webhooks, {@code message_template_status_update} (status) and
 * {@code template_category_update} (category). A complete listing also forgets templates Meta no
 * longer lists, so a deleted template is not validated as if it still existed.
 *
 * <p><b>Webhooks win over older snapshots.</b> A sync reads Meta's list at one moment and writes it
 * a little later, so a webhook that lands in between is newer than the snapshot: the sync keeps
 * the webhook's status or category then (seen on a busy box: a sync started by a channel change
 * put a just-paused template back to APPROVED). Syncs of one WABA run one at a time.
 */
public final class TemplateCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateCatalog.class);

    /** One template translation as the catalogue knows it. */
    public record TemplateInfo(String wabaId, String name, String language, String category, String status, String id,
                               TemplateComponents components, String componentsJson) {
        /** Body parameters, which Meta counts against a send's (132000). */
        public int parameterCount() {
            return components.bodyCount();
        }

        public String parameterFormat() {
            return components.parameterFormat();
        }

        TemplateInfo withStatus(String s) {
            return new TemplateInfo(wabaId, name, language, category, s, id, components, componentsJson);
        }

        TemplateInfo withCategory(String c) {
            return new TemplateInfo(wabaId, name, language, c, status, id, components, componentsJson);
        }
    }

    /** What one sync of one WABA did: its template count, or why it failed (and, for a spent budget, when to retry). */
    public record SyncResult(String wabaId, int templates, String error, long retryAt) {
        public boolean ok() {
            return error == null;
        }
    }

    private final Map<String, TemplateInfo> templates = new ConcurrentHashMap<>();
    private final Set<String> knownWabas = ConcurrentHashMap.newKeySet();
    /** Per WABA: when its last complete sync (by any node) began. */
    private final Map<String, Long> syncedAt = new ConcurrentHashMap<>();
    /** WABAs whose last sync failed, or whose stored rows predate kept components: synced again soon. */
    private final Set<String> needSync = ConcurrentHashMap.newKeySet();
    /** "waba|name" → PAUSED or DISABLED when any translation is: what the send path holds or fails. */
    private final Map<String, String> notSendable = new ConcurrentHashMap<>();
    /** Webhook changes in order, and the latest per "kind\0waba\0name\0language" (or "…\0*" for every language). */
    private final AtomicLong changes = new AtomicLong();
    private final Map<String, WebhookChange> webhookChanges = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> wabaLocks = new ConcurrentHashMap<>();

    private record WebhookChange(long seq, String value) {}

    private final TemplateSync fetcher;
    private final TemplateRows rows;
    private final Tenancy tenancy;
    private final Clock clock;
    private volatile TemplateRefresher refresher;
    private volatile boolean closed;

    public TemplateCatalog(String baseUrl, String version, Tenancy tenancy, Jdbc jdbc, ObjectMapper json, Clock clock) {
        this.fetcher = new TemplateSync(baseUrl, version, tenancy, json, clock);
        this.rows = new TemplateRows(jdbc, json);
        this.tenancy = tenancy;
        this.clock = clock;
        for (TemplateRows.Stored s : rows.all()) {
            remember(s);
        }
    }

    private void remember(TemplateRows.Stored s) {
        TemplateInfo t = s.info();
        templates.put(key(t.wabaId(), t.name(), t.language()), t);
        knownWabas.add(t.wabaId());
        syncedAt.merge(t.wabaId(), s.syncedAt(), Math::max);
        if (t.componentsJson() == null) {
            needSync.add(t.wabaId());
        }
        reindex(t.wabaId(), t.name());
    }

    /**
     * Syncs the WABAs not synced within {@code interval} (on this thread, so a first start knows
     * its templates before it reports ready), then keeps every WABA synced that often, each within
     * {@code callsPerHour} calls to Meta, and syncs the WABA of a channel that appears.
     */
    public void start(Duration interval, int callsPerHour) {
        fetcher.callsPerHour(callsPerHour);
        for (Channel c : TemplateRefresher.oneChannelPerWaba(tenancy.channels())) {
            if (due(c.wabaId(), interval)) {
                sync(c);
            }
        }
        tenancy.onChannelChange(this::channelChanged);
        refresher = new TemplateRefresher(this, tenancy, interval, clock);
        refresher.start();
    }

    boolean due(String wabaId, Duration interval) {
        Long at = syncedAt.get(wabaId);
        return at == null || needSync.contains(wabaId) || at + interval.toMillis() <= clock.millis();
    }

    long syncedAt(String wabaId) {
        return syncedAt.getOrDefault(wabaId, 0L);
    }

    /** A new WABA, or one whose last sync failed (a new token may fix it), is synced now, off the caller's thread. */
    private void channelChanged(Channel c) {
        ReentrantLock lock = wabaLocks.computeIfAbsent(c.wabaId(), k -> new ReentrantLock());
        if (!closed && (!knownWabas.contains(c.wabaId()) || needSync.contains(c.wabaId())) && !lock.isLocked()) {
            CompletableFuture.runAsync(() -> sync(c));
        }
    }

    public boolean knows(String wabaId) {
        return knownWabas.contains(wabaId);
    }

    public Optional<TemplateInfo> find(String wabaId, String name, String language) {
        return Optional.ofNullable(templates.get(key(wabaId, name, language)));
    }

    /** Every translation of the given WABAs, by name, language and WABA. */
    public List<TemplateInfo> templatesOf(Collection<String> wabaIds) {
        Set<String> wabas = new HashSet<>(wabaIds);
        List<TemplateInfo> out = new ArrayList<>();
        for (TemplateInfo t : templates.values()) {
            if (wabas.contains(t.wabaId())) {
                out.add(t);
            }
        }
        out.sort(Comparator.comparing(TemplateInfo::name).thenComparing(TemplateInfo::language).thenComparing(TemplateInfo::wabaId));
        return out;
    }

    /**
     * Marks a template's status from a {@code message_template_status_update} webhook; without a
     * language, every translation of the name takes it.
     */
    public void updateStatus(String wabaId, String name, String language, String status) {
        noteWebhook("status", wabaId, name, language, status);
        for (Map.Entry<String, TemplateInfo> e : templates.entrySet()) {
            TemplateInfo t = e.getValue();
            if (t.wabaId().equals(wabaId) && t.name().equals(name) && (language == null || t.language().equals(language))) {
                templates.put(e.getKey(), t.withStatus(status));
            }
        }
        rows.status(wabaId, name, language, status);
        reindex(wabaId, name);
    }

    /**
     * Sets a template's category from a {@code template_category_update} webhook: the template
     * with Meta's id, else the name (in the language given, else every language). Returns the
     * translations whose category changed.
     */
    public List<TemplateInfo> updateCategory(String wabaId, String templateId, String name, String language, String category) {
        String lang = language == null ? null : language.replace('-', '_'); // examples spell it en-US; templates en_US
        List<TemplateInfo> changed = new ArrayList<>();
        for (Map.Entry<String, TemplateInfo> e : templates.entrySet()) {
            TemplateInfo t = e.getValue();
            boolean byId = templateId != null && templateId.equals(t.id());
            boolean byName = t.name().equals(name) && (lang == null || t.language().equals(lang));
            if (t.wabaId().equals(wabaId) && (byId || (byName && (templateId == null || t.id() == null)))) {
                noteWebhook("category", wabaId, t.name(), t.language(), category);
                if (!category.equals(t.category())) {
                    templates.put(e.getKey(), t.withCategory(category));
                    rows.category(wabaId, t.name(), t.language(), category);
                    changed.add(t.withCategory(category));
                }
            }
        }
        if (name != null) {
            noteWebhook("category", wabaId, name, lang, category); // a sync under way does not undo it
        }
        return changed;
    }

    /** PAUSED or DISABLED when messages with this template must not go out now; else null. */
    public String holdStatus(String wabaId, String name) {
        return name == null ? null : notSendable.get(wabaId + "|" + name);
    }

    private void reindex(String wabaId, String name) {
        String worst = null;
        for (TemplateInfo t : templates.values()) {
            if (t.wabaId().equals(wabaId) && t.name().equals(name)) {
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

    /** Syncs every WABA that has a channel, one after another; failures are logged and reported. */
    public List<SyncResult> syncAll() {
        List<SyncResult> out = new ArrayList<>();
        for (Channel c : TemplateRefresher.oneChannelPerWaba(tenancy.channels())) {
            out.add(sync(c));
        }
        return out;
    }

    /** Syncs every WABA the tenant has a channel of (a tenant's "sync now"). */
    public List<SyncResult> syncTenant(String tenantId) {
        List<SyncResult> out = new ArrayList<>();
        for (Channel c : TemplateRefresher.oneChannelPerWaba(tenancy.channelsOf(tenantId))) {
            out.add(sync(c));
        }
        return out;
    }

    /** Reads the channel's WABA from Meta now (after any sync of it under way) and applies it. */
    public SyncResult sync(Channel c) {
        String waba = c.wabaId();
        ReentrantLock lock = wabaLocks.computeIfAbsent(waba, k -> new ReentrantLock());
        lock.lock();
        try {
            long snapshotAfter = changes.get();
            long started = clock.millis();
            TemplateSync.Listing listing = fetcher.fetch(c);
            Set<String> listed = new HashSet<>();
            for (JsonNode t : listing.templates()) {
                TemplateInfo info = settle(fromMeta(waba, t), snapshotAfter);
                String k = key(waba, info.name(), info.language());
                listed.add(k);
                TemplateInfo old = templates.put(k, info);
                TemplateInfo settled = settle(info, snapshotAfter); // a webhook that landed during the put is newer still
                if (settled != info) {
                    templates.put(k, settled);
                }
                if (!settled.equals(old)) {
                    rows.save(c.tenantId(), settled, started);
                }
                reindex(waba, info.name());
            }
            if (!listing.complete()) {
                needSync.add(waba);
                LOG.warn("template sync for WABA {} failed: {}", waba, listing.error());
                return new SyncResult(waba, listed.size(), listing.error(), listing.retryAt());
            }
            for (TemplateInfo gone : templatesOf(List.of(waba))) {
                if (!listed.contains(key(waba, gone.name(), gone.language()))) {
                    templates.remove(key(waba, gone.name(), gone.language()));
                    rows.delete(waba, gone.name(), gone.language());
                    reindex(waba, gone.name());
                    LOG.info("template {} ({}) is no longer listed by WABA {}: forgotten", gone.name(), gone.language(), waba);
                }
            }
            rows.synced(waba, started);
            syncedAt.put(waba, started);
            knownWabas.add(waba);
            needSync.remove(waba);
            LOG.info("synced {} templates for WABA {}", listed.size(), waba);
            return new SyncResult(waba, listed.size(), null, 0);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The periodic refresh of one WABA: when another node synced it within {@code interval} (its
     * rows say so), those rows are read instead of calling Meta, so nodes sharing a database
     * share the budget too.
     */
    SyncResult refresh(Channel c, Duration interval) {
        String waba = c.wabaId();
        long theirs = rows.syncedAt(waba);
        if (theirs > syncedAt(waba) && theirs + interval.toMillis() > clock.millis() && !needSync.contains(waba)) {
            ReentrantLock lock = wabaLocks.computeIfAbsent(waba, k -> new ReentrantLock());
            lock.lock();
            try {
                long snapshotAfter = changes.get();
                List<TemplateRows.Stored> stored = rows.of(waba);
                Set<String> names = new HashSet<>();
                templatesOf(List.of(waba)).forEach(t -> names.add(t.name()));
                // the new entries first, then the stale ones out: a send or campaign step reading
                // in between must never find the WABA's templates missing
                Set<String> fresh = new HashSet<>();
                for (TemplateRows.Stored s : stored) {
                    remember(new TemplateRows.Stored(settle(s.info(), snapshotAfter), s.syncedAt()));
                    fresh.add(key(waba, s.info().name(), s.info().language()));
                }
                templates.keySet().removeIf(k -> k.startsWith(waba + '\u0000') && !fresh.contains(k));
                names.forEach(n -> reindex(waba, n)); // names no longer stored are sendable-unknown again
                return new SyncResult(waba, stored.size(), null, 0);
            } finally {
                lock.unlock();
            }
        }
        return sync(c);
    }

    private static TemplateInfo fromMeta(String waba, JsonNode t) {
        JsonNode components = t.path("components");
        return new TemplateInfo(waba, t.path("name").asText(), t.path("language").asText(), t.path("category").asText("UTILITY"),
                t.path("status").asText("APPROVED"), t.hasNonNull("id") ? t.get("id").asText() : null,
                TemplateComponents.parse(t.path("parameter_format").asText(TemplateComponents.POSITIONAL), components),
                components.isMissingNode() ? "[]" : components.toString());
    }

    /** The template with the status and category webhooks set after the snapshot began: they are newer. */
    private TemplateInfo settle(TemplateInfo t, long snapshotAfter) {
        String status = newerWebhook("status", t.wabaId(), t.name(), t.language(), snapshotAfter).orElse(t.status());
        String category = newerWebhook("category", t.wabaId(), t.name(), t.language(), snapshotAfter).orElse(t.category());
        return status.equals(t.status()) && category.equals(t.category()) ? t : t.withStatus(status).withCategory(category);
    }

    private void noteWebhook(String kind, String wabaId, String name, String language, String value) {
        webhookChanges.put(kind + '\u0000' + key(wabaId, name, language == null ? "*" : language),
                new WebhookChange(changes.incrementAndGet(), value));
    }

    /** The value a webhook set after the snapshot was begun, if one did: it is newer than the snapshot. */
    private Optional<String> newerWebhook(String kind, String wabaId, String name, String language, long snapshotAfter) {
        WebhookChange exact = webhookChanges.get(kind + '\u0000' + key(wabaId, name, language));
        WebhookChange any = webhookChanges.get(kind + '\u0000' + key(wabaId, name, "*"));
        WebhookChange latest = exact == null ? any : any == null ? exact : exact.seq() > any.seq() ? exact : any;
        return latest != null && latest.seq() > snapshotAfter ? Optional.of(latest.value()) : Optional.empty();
    }

    private static String key(String waba, String name, String language) {
        return waba + '\u0000' + name + '\u0000' + language;
    }

    @Override
    public void close() {
        closed = true;
        TemplateRefresher r = refresher;
        if (r != null) {
            r.close();
        }
    }
}
