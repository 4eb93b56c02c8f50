package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.audiences.AudienceInfo;
import dev.switchboard.gateway.audiences.Audiences;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.WriteOp;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A tenant's campaigns: creation, the lifecycle, validation before start, and what pause and
 * cancel do to messages already queued.
 *
 * <p><b>Lifecycle.</b> draft → scheduled (a start time ahead) or running → paused ⇄ running →
 * completed (the {@link Expander} sees the audience exhausted and nothing unsent) or cancelled
 * (from any state before completed). Every move is a guarded {@code UPDATE … WHERE state IN}; a
 * move the state does not allow is a 409 naming both.
 *
 * <p><b>Pause and cancel within a second.</b> Each campaign has a lock that the expander holds
 * only while it accepts one small slice of a chunk; a transition takes it, so once the call
 * returns no further message of the campaign is created. Pause then holds the campaign's unsent
 * messages at the send gate ({@link CampaignHolds}); cancel makes its QUEUED messages CANCELLED
 * in the same transaction as the campaign's move (a crash cannot leave a cancelled campaign whose
 * queued messages are sent after the restart), then takes them out of their channel workers'
 * memory. A campaign paused before its start time resumes to scheduled, not early.
 *
 * <p><b>Validation before start.</b> The template must be in the catalogue for every channel the
 * campaign may use, sendable, and the mapping must fit it ({@link MappingCheck}: body, header,
 * buttons), so Meta's 132000 (parameter count) and 132012 (parameter format) are refused here
 * with a 400 rather than a million times. The same check runs before every chunk, with one more:
 * the template's category must still be the one it had at start, since Meta may recategorise a
 * UTILITY template as MARKETING ({@code template_category_update}), which changes its price and
 * who may receive it. The campaign then pauses naming both categories; resuming it accepts the
 * new one.
 */
public final class Campaigns {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final Set<Campaign.State> CANCELLABLE =
            EnumSet.of(Campaign.State.DRAFT, Campaign.State.SCHEDULED, Campaign.State.RUNNING, Campaign.State.PAUSED);

    private final CampaignStore store;
    private final GroupCommitWriter writer;
    private final Audiences audiences;
    private final Tenancy tenancy;
    private final TemplateCatalog templates;
    private final Outbound outbound;
    private final CampaignHolds holds;
    private final Clock clock;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private volatile Runnable onChange = () -> { };
    private volatile java.util.function.Consumer<Campaign> onResume = c -> { };

    Campaigns(CampaignStore store, GroupCommitWriter writer, Audiences audiences, Tenancy tenancy, TemplateCatalog templates,
              Outbound outbound, CampaignHolds holds, Clock clock) {
        this.store = store;
        this.writer = writer;
        this.audiences = audiences;
        this.tenancy = tenancy;
        this.templates = templates;
        this.outbound = outbound;
        this.holds = holds;
        this.clock = clock;
        // a node that stopped while a campaign was paused holds its messages again before any is sent
        for (Campaign c : store.active()) {
            if (c.state() == Campaign.State.PAUSED) {
                holds.hold(c.id(), CampaignStore.ids(store.pendingMessages(c.id())));
            }
        }
    }

    void onChange(Runnable r) {
        this.onChange = r;
    }

    CampaignStore store() {
        return store;
    }

    Outbound outbound() {
        return outbound;
    }

    /** Told, inside each resume's transition, of the campaign as it was while paused (see {@link CampaignSignals}). */
    void onResume(java.util.function.Consumer<Campaign> r) {
        this.onResume = r;
    }

    ReentrantLock lock(String campaignId) {
        return locks.computeIfAbsent(campaignId, k -> new ReentrantLock());
    }

    Campaign create(String tenantId, String name, String template, String language, String audienceId, TemplateMapping params,
                    String channelId, List<String> pool, String lane, Long startAt,
                    java.util.function.Function<String, WriteOp> alongside) {
        audiences.find(tenantId, audienceId).orElseThrow(() -> Rejection.invalid("audience_id", "is not an audience of yours: " + audienceId));
        channels(tenantId, channelId, pool);
        long now = clock.millis();
        Campaign c = new Campaign(String.format("cmp_%012x%012x", now, RANDOM.nextLong() & 0xffffffffffffL), tenantId, name,
                template, language, audienceId, params, channelId, pool == null ? null : List.copyOf(pool), lane, startAt,
                Campaign.State.DRAFT, null, 0, 0, null, false, now, now, null);
        WriteOp insert = store.insert(c);
        WriteOp also = alongside == null ? null : alongside.apply(c.id()); // its pacing, in the same transaction
        write(also == null ? insert : b -> {
            insert.apply(b);
            also.apply(b);
        });
        return c;
    }

    public Optional<Campaign> find(String tenantId, String id) {
        return store.find(tenantId, id);
    }

    List<Campaign> list(String tenantId, String afterId, int limit) {
        return store.list(tenantId, afterId, limit);
    }

    /** The channels a campaign may send from: the named one, the pool, or all of the tenant's. */
    List<Channel> channels(String tenantId, String channelId, List<String> pool) {
        List<Channel> out = new ArrayList<>();
        if (channelId != null) {
            out.add(tenancy.channelOf(tenantId, channelId).orElseThrow(() -> Rejection.invalid("channel_id", "is not a channel of yours: " + channelId)));
        } else if (pool != null && !pool.isEmpty()) {
            for (String id : pool) {
                out.add(tenancy.channelOf(tenantId, id).orElseThrow(() -> Rejection.invalid("channel_pool", "has a channel that is not yours: " + id)));
            }
        } else {
            out.addAll(tenancy.channelsOf(tenantId));
        }
        if (out.isEmpty()) {
            throw Rejection.invalid("channel_id", "is required: the tenant has no channels");
        }
        return out;
    }

    /**
     * The template as the catalogue knows it for every channel of the campaign, with the mapping
     * checked against it and its category against the one the campaign started with; a 400
     * {@code campaign_invalid} otherwise.
     */
    TemplateCatalog.TemplateInfo validate(Campaign c) {
        return validate(c, true);
    }

    /** As {@link #validate(Campaign)}; without {@code sameCategory}, a new category is accepted (start, resume). */
    private TemplateCatalog.TemplateInfo validate(Campaign c, boolean sameCategory) {
        TemplateCatalog.TemplateInfo found = null;
        Set<String> wabas = new HashSet<>();
        for (Channel ch : channels(c.tenantId(), c.channelId(), c.channelPool())) {
            if (!wabas.add(ch.wabaId())) {
                continue;
            }
            TemplateCatalog.TemplateInfo t = templates.find(ch.wabaId(), c.templateName(), c.templateLanguage())
                    .orElseThrow(() -> invalid("Template " + c.templateName() + " (" + c.templateLanguage() + ") is not in the catalogue of WABA "
                            + ch.wabaId() + " (channel " + ch.phoneNumberId() + "); create it or sync templates first"));
            if ("PAUSED".equals(t.status()) || "DISABLED".equals(t.status()) || "REJECTED".equals(t.status())) {
                throw invalid("Template " + c.templateName() + " is " + t.status() + " in WABA " + ch.wabaId());
            }
            String problem = MappingCheck.problem(c.parameters(), t);
            if (problem != null) {
                throw invalid(problem);
            }
            if (sameCategory && c.templateCategory() != null && !c.templateCategory().equals(t.category())) {
                throw invalid("Meta recategorised template " + c.templateName() + " (" + c.templateLanguage() + ") from "
                        + c.templateCategory() + " to " + t.category() + " in WABA " + ch.wabaId() + "; it would now be sent and charged as "
                        + t.category() + ". Resume the campaign to accept " + t.category());
            }
            if (found != null && !found.category().equals(t.category())) {
                throw invalid("Template " + c.templateName() + " is " + found.category() + " in WABA " + found.wabaId() + " but "
                        + t.category() + " in WABA " + ch.wabaId() + "; send from channels of one category");
            }
            found = found == null ? t : found;
        }
        return found;
    }

    /**
     * Whether the catalogue has synced every WABA the campaign may send from. A node that just
     * started syncs after it listens: until then a template is not "missing", only not known yet,
     * and the expander waits rather than pausing the campaign for it.
     */
    boolean catalogueReady(Campaign c) {
        for (Channel ch : channels(c.tenantId(), c.channelId(), c.channelPool())) {
            if (!templates.knows(ch.wabaId())) {
                return false;
            }
        }
        return true;
    }

    private static Rejection invalid(String detail) {
        return new Rejection(400, "campaign_invalid", 100, detail);
    }

    Campaign start(String tenantId, String id) {
        Campaign c = existing(tenantId, id);
        if (c.state() != Campaign.State.DRAFT) {
            throw illegal(c, "start");
        }
        TemplateCatalog.TemplateInfo t = validate(c, false);
        AudienceInfo a = audiences.find(tenantId, c.audienceId())
                .orElseThrow(() -> invalid("Audience " + c.audienceId() + " was deleted"));
        write(store.templateCategory(c.id(), t.category(), EnumSet.of(Campaign.State.DRAFT)));
        Campaign.State to = c.startAt() != null && c.startAt() > clock.millis() ? Campaign.State.SCHEDULED : Campaign.State.RUNNING;
        return move(c, EnumSet.of(Campaign.State.DRAFT), to, a.contacts(), null, "start", () -> { });
    }

    Campaign pause(String tenantId, String id) {
        return pause(existing(tenantId, id), null);
    }

    /**
     * Pauses a running campaign that can no longer be sent as it is (the expander's call: its
     * template was paused, disabled or changed) or that Meta says should stop ({@link CampaignSignals}:
     * 131048, RED quality); the reason is shown until it is resumed.
     */
    void autoPause(Campaign c, String reason) {
        try {
            pause(c, reason);
        } catch (Rejection r) {
            // moved meanwhile (paused or cancelled by the tenant): nothing to do
        }
    }

    private Campaign pause(Campaign c, String reason) {
        return move(c, EnumSet.of(Campaign.State.SCHEDULED, Campaign.State.RUNNING), Campaign.State.PAUSED, null, reason, "pause",
                () -> holds.hold(c.id(), CampaignStore.ids(store.pendingMessages(c.id()))));
    }

    Campaign resume(String tenantId, String id) {
        Campaign c = existing(tenantId, id);
        // a campaign paused for its template resumes only once the template is sendable again; one
        // paused because Meta recategorised it resumes under the new category: resuming accepts it
        TemplateCatalog.TemplateInfo t = validate(c, false);
        if (c.state() == Campaign.State.PAUSED && !t.category().equals(c.templateCategory())) {
            write(store.templateCategory(c.id(), t.category(), EnumSet.of(Campaign.State.PAUSED)));
        }
        // paused before its start time: back to waiting for it, not started early
        Campaign.State to = c.startAt() != null && c.startAt() > clock.millis() && c.expanded() == 0
                ? Campaign.State.SCHEDULED : Campaign.State.RUNNING;
        return move(c, EnumSet.of(Campaign.State.PAUSED), to, null, null, "resume", () -> {
            holds.release(c.id());
            outbound.releaseAside(c.id());
            onResume.accept(c);
        });
    }

    Campaign cancel(String tenantId, String id) {
        Campaign c = existing(tenantId, id);
        ReentrantLock lock = lock(c.id());
        lock.lock();
        try {
            // read under the lock: the expander creates no message of the campaign meanwhile
            List<CampaignStore.Pending> queued = store.pendingMessages(c.id());
            boolean[] moved = new boolean[1];
            write(store.cancel(c, CANCELLABLE, clock.millis(), n -> moved[0] = n > 0));
            if (!moved[0]) {
                throw illegal(store.find(c.tenantId(), c.id()).orElse(c), "cancel");
            }
            for (CampaignStore.Pending p : queued) {
                if ("QUEUED".equals(p.state())) {
                    outbound.cancelled(p.channelId(), p.id()); // out of the worker's memory; a claim racing it fails its guard
                }
            }
            holds.release(c.id());
        } finally {
            lock.unlock();
        }
        onChange.run();
        return store.find(c.tenantId(), c.id()).orElseThrow();
    }

    /** Marks the campaign completed if it still is running (the expander's call). */
    boolean complete(Campaign c) {
        boolean[] moved = new boolean[1];
        write(store.transition(c.id(), EnumSet.of(Campaign.State.RUNNING), Campaign.State.COMPLETED, null, null, clock.millis(),
                n -> moved[0] = n > 0));
        return moved[0];
    }

    /** A scheduled campaign whose time came (the expander's call). */
    void due(Campaign c) {
        write(store.transition(c.id(), EnumSet.of(Campaign.State.SCHEDULED), Campaign.State.RUNNING, null, null, clock.millis(), n -> { }));
    }

    private Campaign move(Campaign c, Set<Campaign.State> from, Campaign.State to, Long targeted, String reason, String action,
                          Runnable effect) {
        ReentrantLock lock = lock(c.id());
        lock.lock();
        try {
            boolean[] moved = new boolean[1];
            write(store.transition(c.id(), from, to, targeted, reason, clock.millis(), n -> moved[0] = n > 0));
            if (!moved[0]) {
                throw illegal(store.find(c.tenantId(), c.id()).orElse(c), action);
            }
            effect.run();
        } finally {
            lock.unlock();
        }
        onChange.run();
        return store.find(c.tenantId(), c.id()).orElseThrow();
    }

    private Campaign existing(String tenantId, String id) {
        return store.find(tenantId, id).orElseThrow(() -> notFound(id));
    }

    static Rejection notFound(String id) {
        return new Rejection(404, "not_found", 100, "No campaign " + id);
    }

    private static Rejection illegal(Campaign c, String action) {
        return new Rejection(409, "illegal_transition", 100, "Campaign " + c.id() + " is " + c.state().wire() + "; it cannot " + action
                + " from there");
    }

    void write(WriteOp op) {
        try {
            writer.submit(op).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof GroupCommitWriter.Overloaded) {
                throw Rejection.overloaded();
            }
            throw e;
        }
    }
}
