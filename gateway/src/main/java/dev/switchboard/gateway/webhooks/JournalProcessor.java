package dev.switchboard.gateway.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.graph.MediaOwners;
import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.intake.ServiceWindows;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.outbound.MetaFailure;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import dev.switchboard.gateway.tenancy.AppSecrets;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the webhook journal in batches and applies it: statuses to messages, inbound messages
 * to the service windows and opt-out lists ({@link AudienceSignals}), account signals to
 * channels and templates ({@link AccountSignals}).
 *
 * <p><b>Statuses.</b> Meta delivers them late, twice, and out of order. Each batch is coalesced
 * per message (first timestamp of each status) and applied as guarded updates that can only move
 * a message forward: {@code sent < delivered < read}; {@code read} implies {@code delivered};
 * {@code failed} applies only before delivery, and a {@code delivered} after {@code failed}
 * (multi-device) wins and is noted. Each status keeps its earliest timestamp, so a
 * {@code delivered} arriving after the {@code read} that implied it still sets the real time. A status is matched by Switchboard's id carried in
 * {@code biz_opaque_callback_data}, else by {@code wamid}; one matching neither is parked and
 * retried until its send response is recorded.
 *
 * <p><b>Events.</b> Every status, inbound message and account signal is also appended, resolved
 * to its tenant and channel, to the {@link EventLog} in the same transaction; the tenant
 * delivery outbox and the archive consume it from there.
 *
 * <p>Effects and the journal's processed flags commit together, so a crash replays at most one
 * batch, harmlessly.
 *
 * <p><b>Which writer.</b> The journal is appended by the webhook path's writer as urgent work
 * (on PostgreSQL a writer of its own, so an ack never waits for the send path; on SQLite the
 * node's one writer, where a separate one would only queue its fsync behind the others).
 * Applying statuses goes through the writer that owns
 * the {@code messages} table (the send writer): two writers updating the same rows in different
 * orders deadlock on PostgreSQL (measured: every few seconds under load, each costing a
 * one-second deadlock timeout). One bulk op per journal batch keeps its share of that writer small.
 */
public final class JournalProcessor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JournalProcessor.class);
    private static final int BATCH = 500;
    /** Statuses and messages per transaction at most; each costs an event row and an update. */
    static final int MAX_ITEMS_PER_TRANSACTION = 400;
    private static final int STATEMENTS_PER_ITEM = 3;

    private final WebhookJournal journal;
    private final GroupCommitWriter writer;
    private final Tenancy tenancy;
    private final EventLog eventLog;
    private final EventExtractor extractor;
    private final AccountSignals accountSignals;
    private final ServiceWindows windows;
    private final AppSecrets secrets;
    private final io.micrometer.core.instrument.Counter foreignChanges;
    private final AudienceSignals audienceSignals;
    private final StatusApplier statusApplier;
    private final ObjectMapper json;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;

    /** Inbound messages older than this (a replayed backlog) no longer occupy the number's second. */
    private static final long RECENT_INBOUND_MILLIS = 2_000;
    private final Outbound outbound;
    private final io.micrometer.core.instrument.Counter sentTwiceAfterCrash;
    private final io.micrometer.core.instrument.Counter malformedChanges;
    private final BillingListener billing;

    public JournalProcessor(WebhookJournal journal, GroupCommitWriter messagesWriter, Jdbc jdbc, Tenancy tenancy, EventLog eventLog,
                            TemplateCatalog templates, Outbound outbound, Audience audience, ServiceWindows windows, AppSecrets secrets,
                            ObjectMapper json, Clock clock, io.micrometer.core.instrument.MeterRegistry registry,
                            BillingListener billing) {
        this.journal = journal;
        this.billing = billing;
        this.writer = messagesWriter;
        this.tenancy = tenancy;
        this.eventLog = eventLog;
        this.extractor = new EventExtractor(tenancy);
        this.windows = windows;
        this.secrets = secrets;
        this.foreignChanges = io.micrometer.core.instrument.Counter.builder("switchboard_webhooks_foreign_changes")
                .description("changes ignored because the payload was signed by another app than the channel's")
                .register(registry);
        this.malformedChanges = io.micrometer.core.instrument.Counter.builder("switchboard_webhooks_malformed_changes")
                .description("signed changes without a field or an object value, skipped (the raw payload stays in the journal)")
                .register(registry);
        this.sentTwiceAfterCrash = io.micrometer.core.instrument.Counter.builder("switchboard_messages_sent_twice_after_crash")
                .description("messages resent after a crash whose original send surfaced later (both reached Meta)")
                .register(registry);
        this.outbound = outbound;
        this.accountSignals = new AccountSignals(tenancy, templates, outbound);
        this.audienceSignals = new AudienceSignals(audience, outbound, json);
        this.statusApplier = new StatusApplier(jdbc, messagesWriter);
        this.json = json;
        this.clock = clock;
        this.thread = Thread.ofPlatform().name("webhook-processor").daemon(true).start(this::run);
    }

    private void run() {
        long lastParkedRetry = 0;
        while (running) {
            try {
                List<WebhookJournal.Entry> batch = journal.pending(BATCH);
                if (!batch.isEmpty()) {
                    process(batch);
                }
                if (clock.millis() - lastParkedRetry > 1000) {
                    statusApplier.retryParked();
                    lastParkedRetry = clock.millis();
                }
                if (batch.size() < BATCH) {
                    Thread.sleep(batch.isEmpty() ? 50 : 5);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("webhook processing failed; retrying the batch", e);
                sleep(500);
            }
        }
    }

    /** A journal entry and its parsed body (null when it is not JSON). */
    private record Parsed(WebhookJournal.Entry entry, JsonNode root) {}

    /**
     * Applies a batch of journal entries in transactions no larger than the send writer's current
     * {@link GroupCommitWriter#rowBudget() row budget} (and {@link #MAX_ITEMS_PER_TRANSACTION}):
     * the writer serves the send path's claims between them, so a status storm never holds an
     * OTP's claim behind one long transaction.
     */
    void process(List<WebhookJournal.Entry> batch) {
        List<Parsed> chunk = new ArrayList<>();
        int items = 0;
        int maxItems = Math.max(1, Math.min(MAX_ITEMS_PER_TRANSACTION, writer.rowBudget() / STATEMENTS_PER_ITEM));
        for (WebhookJournal.Entry e : batch) {
            JsonNode root;
            try {
                root = json.readTree(e.body());
            } catch (Exception ex) {
                LOG.warn("journal entry {} is not JSON; skipped", e.id());
                root = null;
            }
            int n = root == null ? 0 : items(root);
            if (!chunk.isEmpty() && items + n > maxItems) {
                processChunk(chunk, items);
                chunk = new ArrayList<>();
                items = 0;
            }
            chunk.add(new Parsed(e, root));
            items += n;
        }
        if (!chunk.isEmpty()) {
            processChunk(chunk, items);
        }
    }

    private static int items(JsonNode root) {
        int n = 0;
        for (JsonNode entry : root.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                n += Math.max(1, change.path("value").path("statuses").size() + change.path("value").path("messages").size());
            }
        }
        return n;
    }

    private void processChunk(List<Parsed> chunk, int items) {
        Map<String, StatusUpdate> statuses = new LinkedHashMap<>();
        List<Object[]> inbound = new ArrayList<>();
        List<Object[]> inboundMedia = new ArrayList<>();
        List<WebhookEvent> events = new ArrayList<>();
        long now = clock.millis();
        for (Parsed p : chunk) {
            WebhookJournal.Entry e = p.entry();
            JsonNode root = p.root();
            if (root == null) {
                continue;
            }
            int n = 0;
            for (JsonNode entry : root.path("entry")) {
                for (JsonNode change : entry.path("changes")) {
                    String field = change.path("field").asText();
                    JsonNode value = change.path("value");
                    String wabaId = entry.path("id").asText(null);
                    if (field.isBlank() || !value.isObject()) {
                        // Signed but not a change Meta would send: it stays in the journal for an
                        // operator to read, and nothing downstream (events, archive) ever sees it.
                        LOG.warn("journal entry {}: a change without a field or an object value was skipped", e.id());
                        malformedChanges.increment();
                    } else if (!signedByItsApp(e.signer(), field, wabaId, value)) {
                        LOG.warn("journal entry {}: a {} change for another app's channel was ignored", e.id(), field);
                        foreignChanges.increment();
                    } else if ("messages".equals(field)) {
                        collectStatuses(value, statuses);
                        collectInbound(value, inbound, inboundMedia);
                        extractor.messages(value, e.receivedAt(), now, events);
                    } else {
                        accountSignals.apply(field, wabaId, value);
                        extractor.account(field, wabaId, value, e.receivedAt(), now, e.id() + ":" + n, events);
                    }
                    n++;
                }
            }
        }
        Set<String> unknownWamids = statusApplier.unmatchedWamids(statuses.values());
        Map<String, String> sentTwice = statusApplier.surfacedOriginals(statuses.values(), outbound::resentAfterCrash);
        AudienceSignals.Effects audienceEffects = audienceSignals.of(events, now);
        writer.submit(new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                eventLog.append(b, events);
                List<StatusUpdate> known = new ArrayList<>(statuses.size());
                for (StatusUpdate u : statuses.values()) {
                    if (u.messageId != null && sentTwice.containsKey(u.messageId)) {
                        StatusApplier.recordSentTwice(b, u.messageId, sentTwice.get(u.messageId));
                    } else if (u.messageId == null && unknownWamids.contains(u.wamid)) {
                        StatusApplier.park(b, u, now);
                    } else {
                        known.add(u);
                    }
                }
                StatusApplier.applyAll(b, known);
                List<BillingListener.Billable> billable = new ArrayList<>();
                for (StatusUpdate u : known) {
                    if (u.billedCategory != null) {
                        billable.add(new BillingListener.Billable(u.messageId, u.wamid, u.channelId, u.recipient, u.billedCategory));
                    }
                }
                if (!billable.isEmpty()) {
                    billing.billed(b, billable);
                }
                for (Object[] in : inbound) {
                    PreparedStatement ps = b.batch("INSERT INTO service_windows (channel_id, user_id, tenant_id, last_inbound_at)"
                            + " VALUES (?,?,?,?) ON CONFLICT (channel_id, user_id) DO UPDATE SET last_inbound_at ="
                            + " CASE WHEN excluded.last_inbound_at > service_windows.last_inbound_at"
                            + " THEN excluded.last_inbound_at ELSE service_windows.last_inbound_at END");
                    Jdbc.bind(ps, in);
                    ps.addBatch();
                }
                MediaOwners.rememberAll(b, inboundMedia);
                audienceEffects.write(b);
                for (Parsed p : chunk) {
                    WebhookJournal.markProcessed(b, p.entry().id());
                }
            }

            @Override
            public int rows() {
                return STATEMENTS_PER_ITEM * Math.max(1, items);
            }

            @Override
            public void afterCommit() {
                sentTwiceAfterCrash.increment(sentTwice.size());
                audienceEffects.afterCommit();
                for (Object[] in : inbound) { // the send path's view of the window, now that it is durable
                    windows.remember((String) in[0], (String) in[1], (Long) in[3]);
                }
                for (WebhookEvent e : events) { // what Meta failed, for the modules that act on it (a campaign's 131048)
                    if (WebhookEvent.STATUS.equals(e.kind()) && e.errorCode() != null && e.tenantId() != null) {
                        outbound.metaFailure(new MetaFailure(e.tenantId(), e.channelId(), e.messageId(), e.wamid(), e.contact(),
                                e.errorCode(), false));
                    }
                }
            }
        }).join();
    }

    private void collectStatuses(JsonNode value, Map<String, StatusUpdate> out) {
        String channelId = value.path("metadata").path("phone_number_id").asText(null);
        for (JsonNode s : value.path("statuses")) {
            String wamid = s.path("id").asText(null);
            String id = ourId(s.path("biz_opaque_callback_data").asText(null));
            String key = id != null ? "id:" + id : "w:" + wamid;
            if (id == null && wamid == null) {
                continue;
            }
            StatusUpdate u = out.computeIfAbsent(key, k -> new StatusUpdate(id, wamid, channelId));
            JsonNode err = s.path("errors").path(0);
            u.add(s.path("status").asText(""), s.path("timestamp").asLong(clock.millis() / 1000) * 1000,
                    err.isMissingNode() ? null : err.path("code").asInt(),
                    err.isMissingNode() ? null : err.path("title").asText(err.path("message").asText(null)));
            JsonNode pricing = s.path("pricing");
            if (pricing.path("billable").asBoolean(false)) {
                u.billable(pricing.path("category").asText("unknown"), s.path("recipient_id").asText(null));
            }
        }
    }

    private static final Set<String> MEDIA_TYPES = Set.of("image", "audio", "video", "document", "sticker");

    /** Service-window rows, and the media ids an inbound message carries (so the tenant may fetch them). */
    private void collectInbound(JsonNode value, List<Object[]> out, List<Object[]> media) {
        String channelId = value.path("metadata").path("phone_number_id").asText(null);
        Channel c = channelId == null ? null : tenancy.channel(channelId).orElse(null);
        if (c == null) {
            return;
        }
        int recent = 0;
        long now = clock.millis();
        for (JsonNode m : value.path("messages")) {
            String from = m.path("from").asText(null);
            long at = m.path("timestamp").asLong(now / 1000) * 1000;
            if (from != null) {
                out.add(new Object[] {channelId, from, c.tenantId(), at});
            }
            String type = m.path("type").asText("");
            JsonNode mediaId = m.path(type).path("id");
            if (MEDIA_TYPES.contains(type) && mediaId.isValueNode() && !mediaId.asText().isBlank()) {
                media.add(new Object[] {mediaId.asText(), c.tenantId(), channelId, now});
            }
            if (now - at < RECENT_INBOUND_MILLIS) {
                recent++;
            }
        }
        if (recent > 0) {
            outbound.inboundSeen(channelId, recent); // Meta counted them in the number's throughput
        }
    }

    /**
     * A payload signed with one app's secret may only speak for that app's channels: the
     * channel named in a {@code messages} change, or some channel of the WABA for account
     * signals, must be one the signer speaks for ({@link AppSecrets#speaksFor}).
     */
    private boolean signedByItsApp(String signer, String field, String wabaId, JsonNode value) {
        if ("messages".equals(field)) {
            String channelId = value.path("metadata").path("phone_number_id").asText(null);
            // a change for no channel, or one we do not serve, touches nothing: statuses are bound
            // to the channel they name (StatusApplier), so it could only ever reach another's
            return channelId != null && tenancy.channel(channelId).isPresent() && secrets.speaksFor(signer, channelId);
        }
        boolean known = false;
        for (Channel c : tenancy.channels()) {
            if (c.wabaId().equals(wabaId)) {
                known = true;
                if (secrets.speaksFor(signer, c.phoneNumberId())) {
                    return true;
                }
            }
        }
        return !known;
    }

    /** {@code sb:<id>} or {@code sb:<id>|<tenant value>} → {@code <id>}. */
    static String ourId(String opaque) {
        if (opaque == null || !opaque.startsWith("sb:")) {
            return null;
        }
        int bar = opaque.indexOf('|');
        return bar < 0 ? opaque.substring(3) : opaque.substring(3, bar);
    }

    public long backlog() {
        return journal.pendingCount();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
