package dev.switchboard.gateway.campaigns;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.audience.Suppression;
import dev.switchboard.gateway.audiences.Audiences;
import dev.switchboard.gateway.audiences.Contact;
import dev.switchboard.gateway.audiences.ContactCursor;
import dev.switchboard.gateway.intake.Intake;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns running campaigns into messages, a chunk at a time, only as fast as their channels drain.
 *
 * <p><b>Backpressure.</b> One virtual thread loops over the active campaigns. A running campaign
 * gets its next chunk ({@link #chunk} contacts, read through the audience's keyset cursor) only
 * while fewer of its messages are unsent (QUEUED or SENDING, counted on a partial index) than its
 * {@link FairShare} bound: a few seconds of its channels' ceilings, at most {@code maxPending},
 * divided among the running campaigns on the same channels. So a campaign of a million holds at
 * most about {@code maxPending + chunk} messages in storage and in the channel workers' memory,
 * and each pass gives every campaign one chunk at most: a small campaign started later is not
 * stuck behind a big one, their messages interleave chunk by chunk.
 *
 * <p><b>Through the normal intake.</b> Every message is accepted by {@link Intake} like an API
 * send — validation, lane, admission and durability are the usual ones — with the idempotency
 * key {@code campaign:{id}:{phone}}. A slice of a chunk is accepted in parallel so the group
 * commit writes it in a few transactions.
 *
 * <p><b>Crash safety.</b> After each chunk the cursor (last phone done) and the chunk's skips
 * are written in one transaction. After {@code kill -9} the chunk since the last cursor is
 * expanded again: its accepted messages replay their idempotency keys (nothing is created twice)
 * and its skips are keyed by (campaign, phone); a recipient who already has a message of the
 * campaign is not accepted again even once its idempotency key has been purged (a day later):
 * the first chunk a node expands for a campaign, and the one after a chunk that ended early, ask
 * the database which of their contacts already have one. An admission refusal (the queue cap, an
 * overloaded writer) ends the chunk at the contact before it, which is retried on a later pass.
 * Expansion goes through {@link Intake#acceptGenerated}: the queue cap applies, the tenant's
 * ingress rate (which meters its API requests) does not.
 *
 * <p>A campaign whose template can no longer be sent as mapped (paused, disabled, edited so the
 * mapping no longer fits, recategorised by Meta since it started) or whose audience was deleted
 * pauses itself with the reason.
 *
 * <p><b>Pacing.</b> How much of a chunk may be read at all is {@link CampaignPacing}'s answer:
 * nothing outside the sending window, no faster than the rate cap, no more than the messaging
 * limit has free, nothing that would pass the spend cap (which pauses the campaign once reached).
 *
 * <p><b>Skips</b>, each recorded with its reason: {@code opted_out}, {@code suppressed} (a
 * suppression that blocks this template's category), {@code marketing_limit} (Meta's 131049 for
 * this user in the last 24 h, recorded by the webhook path as a suppression; marketing only),
 * {@code marketing_to_us} (Meta delivers no marketing templates to +1 US numbers),
 * {@code invalid} (a mapped variable missing with no default, or the message refused by
 * validation).
 */
final class Expander implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Expander.class);
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final int SLICE = 200;
    private static final long CATALOGUE_PATIENCE_MILLIS = 120_000;
    /** Campaigns waiting for their WABAs' first template sync, since when (this node's memory). */
    private final java.util.Map<String, Long> catalogueWait = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Campaigns whose saved cursor covers every message this node created for them: their next
     * chunk holds only new contacts. Absent (a node just started, a chunk that ended early), the
     * next chunk first asks which of its contacts already have a message ({@link CampaignStore#messaged}).
     */
    private final java.util.Set<String> checked = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Campaigns campaigns;
    private final Audiences audiences;
    private final Audience optOuts;
    private final Intake intake;
    private final Tenancy tenancy;
    private final ObjectMapper json;
    private final Clock clock;
    private final int chunk;
    private final FairShare share;
    private final PacingModule pace;
    private final Object signal = new Object();
    private final ExecutorService slices = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running = true;
    private Thread loop;

    Expander(Campaigns campaigns, Audiences audiences, Audience optOuts, Intake intake, Tenancy tenancy, ObjectMapper json,
             Clock clock, int chunk, int maxPending, PacingModule pace) {
        this.campaigns = campaigns;
        this.audiences = audiences;
        this.optOuts = optOuts;
        this.intake = intake;
        this.tenancy = tenancy;
        this.json = json;
        this.clock = clock;
        this.chunk = chunk;
        this.share = new FairShare(campaigns, chunk, maxPending);
        this.pace = pace;
    }

    void start() {
        loop = Thread.ofVirtual().name("campaign-expander").start(this::run);
    }

    /** Something changed (a start, a resume): look again now rather than at the next tick. */
    void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void run() {
        while (running) {
            boolean busy = false;
            try {
                List<Campaign> active = campaigns.store().active();
                Map<String, Integer> bounds = share.bounds(active);
                for (Campaign c : active) {
                    if (!running) {
                        return;
                    }
                    if (c.state() == Campaign.State.SCHEDULED && c.startAt() != null && c.startAt() <= clock.millis()) {
                        campaigns.due(c);
                        busy = true;
                    } else if (c.state() == Campaign.State.RUNNING) {
                        busy |= stepIsolated(c, bounds.getOrDefault(c.id(), chunk));
                    }
                }
                pace.afterPass(active);
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("campaign expansion pass failed; retrying", e);
                }
            }
            if (!busy) {
                synchronized (signal) {
                    try {
                        signal.wait(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** One campaign's step; its failure is logged and does not hold back the others. */
    private boolean stepIsolated(Campaign c, int maxPending) {
        try {
            return step(c, maxPending);
        } catch (RuntimeException e) {
            if (running) {
                LOG.warn("campaign {}: expansion step failed; retrying on the next pass", c.id(), e);
            }
            return false;
        }
    }

    /** One chunk of one campaign if it has room; true when it did something. */
    private boolean step(Campaign c, int maxPending) {
        if (!campaigns.catalogueReady(c)) {
            // just started: the templates are being synced. A WABA whose sync keeps failing (a bad
            // token) would leave the campaign "running" with nothing said; after a while it pauses
            long since = catalogueWait.computeIfAbsent(c.id(), k -> clock.millis());
            if (clock.millis() - since > CATALOGUE_PATIENCE_MILLIS) {
                catalogueWait.remove(c.id());
                campaigns.autoPause(c, "the templates of its channels' WABAs could not be read from Meta for "
                        + CATALOGUE_PATIENCE_MILLIS / 1000 + " s (check the channels' access tokens, then resume)");
                return true;
            }
            return false;
        }
        catalogueWait.remove(c.id());
        TemplateCatalog.TemplateInfo template;
        try {
            template = campaigns.validate(c);
        } catch (Rejection r) {
            // the template became unsendable, or the mapping no longer fits it: stop here and say why
            LOG.info("campaign {} paused: {}", c.id(), r.getMessage());
            campaigns.autoPause(c, r.getMessage());
            return true;
        }
        long pending = campaigns.store().pending(c.id());
        if (c.exhausted()) {
            return pending == 0 && campaigns.complete(c);
        }
        if (pending >= maxPending) {
            return false;
        }
        // the sending window, rate cap, messaging limit and spend cap say how much may be expanded now
        CampaignPacing.Allowance allowed = pace.pacing().allowance(c, campaigns.channels(c.tenantId(), c.channelId(), c.channelPool()),
                pending, chunk, template == null ? null : template.category());
        if (allowed.pauseNow() != null) {
            LOG.info("campaign {} paused: {}", c.id(), allowed.pauseNow());
            campaigns.autoPause(c, allowed.pauseNow());
            return true;
        }
        int take = allowed.contacts();
        if (take == 0) {
            return false;
        }
        Tenant tenant = tenancy.tenant(c.tenantId()).orElse(null);
        ContactCursor cursor = audiences.contacts(c.tenantId(), c.audienceId(), c.cursorPhone(), take).orElse(null);
        if (tenant == null || cursor == null) {
            campaigns.autoPause(c, "its audience " + c.audienceId() + " was deleted");
            return true;
        }
        boolean marketing = "MARKETING".equals(template == null ? null : template.category());
        List<Contact> contacts = new ArrayList<>(take);
        while (contacts.size() < take && cursor.hasNext()) {
            contacts.add(cursor.next());
        }
        int read = contacts.size();
        contacts = allowed.affordable(contacts);
        if (contacts.isEmpty() && read > 0) {
            String spentOut = allowed.spentOut(c.id());
            if (spentOut != null) {
                LOG.info("campaign {} paused: {}", c.id(), spentOut);
                campaigns.autoPause(c, spentOut);
            }
            return spentOut != null;
        }
        List<CampaignStore.Skip> skips = new ArrayList<>();
        int done = 0;
        boolean stopped = false;
        String[] stop = new String[1];
        ReentrantLock lock = campaigns.lock(c.id());
        for (int from = 0; from < contacts.size() && !stopped; from += SLICE) {
            List<Contact> slice = contacts.subList(from, Math.min(contacts.size(), from + SLICE));
            lock.lock();
            try {
                Campaign now = campaigns.find(c.tenantId(), c.id()).orElse(null);
                if (now == null || now.state() != Campaign.State.RUNNING) {
                    break; // paused or cancelled: what is done so far is kept below
                }
                int ok = slice(tenant, c, marketing, slice, skips, stop);
                done += ok;
                stopped = ok < slice.size();
            } finally {
                lock.unlock();
            }
        }
        if (done == 0 && !contacts.isEmpty()) {
            if (stop[0] != null) {
                LOG.info("campaign {} paused: {}", c.id(), stop[0]);
                campaigns.autoPause(c, stop[0]);
                return true;
            }
            return false;
        }
        if (done == contacts.size()) {
            checked.add(c.id()); // the cursor covers all this node accepted: later chunks are new contacts
        } else {
            checked.remove(c.id()); // accepted contacts may lie past the cursor: the next read checks them
        }
        String last = done == 0 ? c.cursorPhone() : contacts.get(done - 1).phone();
        boolean exhausted = done == read && read < take;
        campaigns.write(campaigns.store().chunkDone(c, skips, last, c.expanded() + done, exhausted, clock.millis()));
        pace.pacing().expanded(c, done);
        if (stop[0] != null) {
            LOG.info("campaign {} paused: {}", c.id(), stop[0]);
            campaigns.autoPause(c, stop[0]);
        }
        return true;
    }

    /** Accepts a slice in parallel; returns how many contacts from its start are done (accepted or skipped). */
    private int slice(Tenant tenant, Campaign c, boolean marketing, List<Contact> slice, List<CampaignStore.Skip> skips,
                      String[] stop) {
        long now = clock.millis();
        java.util.Set<String> messaged = java.util.Set.of();
        if (!checked.contains(c.id())) {
            List<String> phones = new ArrayList<>(slice.size());
            slice.forEach(contact -> phones.add(contact.phone()));
            messaged = campaigns.store().messaged(c.tenantId(), c.id(), phones);
        }
        List<CompletableFuture<CampaignStore.Skip>> outcomes = new ArrayList<>(slice.size());
        for (Contact contact : slice) {
            if (messaged.contains(contact.phone())) {
                outcomes.add(CompletableFuture.completedFuture(ACCEPTED)); // re-read after a crash: it has its message
                continue;
            }
            CampaignStore.Skip skip = precheck(c, contact, marketing, now);
            outcomes.add(skip != null ? CompletableFuture.completedFuture(skip)
                    : CompletableFuture.supplyAsync(() -> accept(tenant, c, contact), slices));
        }
        for (int i = 0; i < outcomes.size(); i++) {
            CampaignStore.Skip s;
            try {
                s = outcomes.get(i).join();
            } catch (RuntimeException e) {
                // admission said "later", the write failed, or the campaign cannot go on as it is:
                // this contact and all after it wait for the next pass
                for (int j = i + 1; j < outcomes.size(); j++) {
                    outcomes.get(j).handle((v, t) -> null).join();
                }
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof CampaignWide w && stop[0] == null) {
                    stop[0] = w.getMessage();
                }
                return i;
            }
            if (s != null && s != ACCEPTED) {
                skips.add(s);
            }
        }
        return slice.size();
    }

    private static final CampaignStore.Skip ACCEPTED = new CampaignStore.Skip("", "", null);

    private CampaignStore.Skip precheck(Campaign c, Contact contact, boolean marketing, long now) {
        String phone = contact.phone();
        if (optOuts.optedOut(c.tenantId(), phone, now)) {
            return new CampaignStore.Skip(phone, "opted_out", null);
        }
        Suppression blocking = optOuts.blocking(c.tenantId(), phone, marketing, now);
        if (blocking != null) { // a 131049 in the last 24 h (marketing only) has its own reason; the rest are "suppressed"
            return new CampaignStore.Skip(phone, Suppression.MARKETING_LIMIT.equals(blocking.kind()) ? "marketing_limit" : "suppressed",
                    blocking.reason());
        }
        if (marketing && usNumber(phone)) {
            return new CampaignStore.Skip(phone, "marketing_to_us", "Meta delivers no marketing templates to US numbers");
        }
        String missing = c.parameters().missingVariable(contact.variables());
        if (missing != null) {
            return new CampaignStore.Skip(phone, "invalid", "no value for variable " + missing + " and no default");
        }
        return null;
    }

    private CampaignStore.Skip accept(Tenant tenant, Campaign c, Contact contact) {
        String key = "campaign:" + c.id() + ":" + contact.phone();
        try {
            intake.acceptGenerated(tenant, List.of(new Intake.Candidate(body(c, contact), c.channelId(), c.channelPool(),
                    Lane.parse(c.lane()).orElse(Lane.LOW), pace.pacing().ttlSeconds(c), c.id(), null)), key,
                    key.getBytes(StandardCharsets.UTF_8), a -> {
                        pace.pacing().accepted(c, a); // a windowed campaign's gate knows the ids before any worker sees them
                        return "{}";
                    });
            return ACCEPTED;
        } catch (Rejection r) {
            if (r.httpStatus() == 429 || r.httpStatus() == 503) {
                throw r; // not this recipient's fault: retried on a later pass
            }
            if (MARKETING_TO_US.equals(r.code())) {
                return new CampaignStore.Skip(contact.phone(), "marketing_to_us", r.getMessage());
            }
            if (RECIPIENT_REFUSALS.contains(r.code())) {
                return new CampaignStore.Skip(contact.phone(), "invalid", r.code() + ": " + r.getMessage());
            }
            // the template, a channel or the mapping: every later recipient would be refused alike
            throw new CampaignWide(r.code() + ": " + r.getMessage());
        }
    }

    private static final String MARKETING_TO_US = "marketing_to_us_not_delivered";
    /** Refusals about this one recipient or its values; any other refusal stops the campaign. */
    private static final java.util.Set<String> RECIPIENT_REFUSALS =
            java.util.Set.of("invalid_recipient", "missing_recipient", "invalid_parameter", "outside_service_window");

    /** A refusal that is no recipient's own: the campaign pauses with it as the reason. */
    private static final class CampaignWide extends RuntimeException {
        CampaignWide(String message) {
            super(message, null, false, false);
        }
    }

    private ObjectNode body(Campaign c, Contact contact) {
        ObjectNode b = json.createObjectNode().put("messaging_product", "whatsapp").put("to", contact.phone()).put("type", "template");
        ObjectNode t = b.putObject("template").put("name", c.templateName());
        t.putObject("language").put("code", c.templateLanguage());
        if (!c.parameters().isEmpty()) {
            t.set("components", c.parameters().components(contact.variables(), json));
        }
        return b;
    }

    static boolean usNumber(String phone) {
        if (phone.isEmpty() || phone.charAt(0) != '1') {
            return false;
        }
        try {
            return "US".equals(PHONES.getRegionCodeForNumber(PHONES.parse("+" + phone, null)));
        } catch (NumberParseException e) {
            return false;
        }
    }

    @Override
    public void close() {
        running = false;
        wake();
        if (loop != null) {
            loop.interrupt();
        }
        slices.shutdownNow();
    }
}
