package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.audience.AudienceGate;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.outbound.MetaFailure;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses running campaigns when Meta says sending on would hurt the number, and undoes the send
 * path's own brake when the tenant resumes.
 * <ul>
 *   <li><b>131048</b> (spam rate limit) on any message of a campaign, carried by the send answer
 *       or by a {@code failed} status: Meta is restricting the number because recipients block or
 *       report it, and more of the same makes it worse. The send path already holds the number's
 *       marketing for an hour, but a campaign that says "running" while nothing leaves is exactly
 *       the silent failure users of other tools complain about; paused with the reason, the
 *       tenant sees why and decides.</li>
 *   <li><b>RED quality</b> on a channel a MARKETING campaign sends from: the send gate holds
 *       marketing from that number until its quality recovers; the campaign says so.</li>
 * </ul>
 * <b>Resume</b> after a 131048 is the tenant's decision that the number may send marketing
 * again: the number's marketing pause ends, and the campaign's messages Meta refused with 131048
 * (set aside for that hour) go now. A refused message never reached the user, so sending it
 * again messages nobody twice. A campaign resumed while a channel is still RED runs, and its
 * marketing on that channel waits at the gate until the quality recovers.
 *
 * <p><b>Threads.</b> Failures are heard on a send's thread or on the writer's thread just after
 * a status committed; channel changes on whatever thread saved the channel. Pausing writes
 * through that same writer, so the work goes to one virtual thread that drains a queue (started
 * when work arrives, gone when there is none): no hook ever waits for the writer, and a burst of
 * 131048 statuses pauses a campaign once and finds it paused after that.
 *
 * <p>Known limit: the signal is acted on in memory; a node killed between a 131048 and the
 * pause it causes forgets it, and the campaign runs on behind the number's own marketing pause.
 */
final class CampaignSignals {
    private static final Logger LOG = LoggerFactory.getLogger(CampaignSignals.class);
    /** How a 131048 pause's reason starts: resume looks for it to lift the number's marketing pause. */
    static final String SPAM_LIMIT = "Meta's spam rate limit (131048)";
    private static final int SPAM_CODE = 131048;

    private final Campaigns campaigns;
    private final RecipientStore store;
    private final Tenancy tenancy;
    private final Outbound outbound;
    /** Each channel's quality as last seen, so only a change to RED pauses (not every later save of a RED channel). */
    private final Map<String, String> quality = new ConcurrentHashMap<>();
    private final Queue<Runnable> work = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    CampaignSignals(Campaigns campaigns, RecipientStore store, Tenancy tenancy, Outbound outbound) {
        this.campaigns = campaigns;
        this.store = store;
        this.tenancy = tenancy;
        this.outbound = outbound;
        for (Channel c : tenancy.channels()) {
            quality.put(c.phoneNumberId(), String.valueOf(c.quality()));
        }
    }

    /** Starts hearing Meta's failures, channel changes and resumes. */
    CampaignSignals listen() {
        outbound.onMetaFailure(this::failed);
        tenancy.onChannelChange(this::channelChanged);
        campaigns.onResume(this::resumed);
        return this;
    }

    private void failed(MetaFailure f) {
        if (f.code() == SPAM_CODE) {
            submit(() -> spamLimited(f));
        }
    }

    private void spamLimited(MetaFailure f) {
        String id = store.campaignOf(f.tenantId(), f.channelId(), f.messageId(), f.wamid()).orElse(null);
        Campaign c = id == null ? null : campaigns.find(f.tenantId(), id).orElse(null);
        if (c == null || c.state() != Campaign.State.RUNNING) {
            return;
        }
        String reason = SPAM_LIMIT + " on channel " + f.channelId() + " (message " + (f.messageId() != null ? f.messageId() : f.wamid())
                + (f.inAnswer() ? " refused" : " failed") + "): Meta is restricting this number because recipients blocked or"
                + " reported its messages. Review the content and the audience, then resume";
        LOG.warn("campaign {} paused: {}", c.id(), reason);
        campaigns.autoPause(c, reason);
    }

    private void channelChanged(Channel ch) {
        String before = quality.put(ch.phoneNumberId(), String.valueOf(ch.quality()));
        if (AudienceGate.RED.equals(ch.quality()) && !AudienceGate.RED.equals(before)) {
            submit(() -> turnedRed(ch));
        }
    }

    private void turnedRed(Channel ch) {
        for (Campaign c : campaigns.store().active()) {
            if (c.state() == Campaign.State.RUNNING && c.tenantId().equals(ch.tenantId()) && sendsFrom(c, ch) && marketing(c)) {
                String reason = "quality of channel " + ch.phoneNumberId() + " is RED: Meta may limit the number if its marketing goes on;"
                        + " its marketing waits until the quality recovers. Resume when you are ready";
                LOG.warn("campaign {} paused: {}", c.id(), reason);
                campaigns.autoPause(c, reason);
            }
        }
    }

    private boolean sendsFrom(Campaign c, Channel ch) {
        try {
            return campaigns.channels(c.tenantId(), c.channelId(), c.channelPool()).stream()
                    .anyMatch(x -> x.phoneNumberId().equals(ch.phoneNumberId()));
        } catch (Rejection r) {
            return false; // a channel of its pool is gone: the expander pauses it for that
        }
    }

    private boolean marketing(Campaign c) {
        try {
            return "MARKETING".equals(campaigns.validate(c).category());
        } catch (Rejection r) {
            return false; // its template cannot be sent as it is: the expander pauses it for that
        }
    }

    /** In the resume's transition (under the campaign's lock), with the campaign as it was while paused. */
    private void resumed(Campaign paused) {
        if (paused.stateReason() == null || !paused.stateReason().startsWith(SPAM_LIMIT)) {
            return;
        }
        List<Channel> channels = campaigns.channels(paused.tenantId(), paused.channelId(), paused.channelPool());
        for (Channel ch : channels) {
            outbound.resumeMarketing(ch.phoneNumberId(), store.parkedAfter(paused.tenantId(), paused.id(), ch.phoneNumberId(), SPAM_CODE));
        }
        LOG.info("campaign {} resumed after 131048: marketing on {} channel(s) lifted", paused.id(), channels.size());
    }

    private void submit(Runnable task) {
        work.add(task);
        if (draining.compareAndSet(false, true)) {
            Thread.ofVirtual().name("campaign-signals").start(this::drain);
        }
    }

    private void drain() {
        do {
            for (Runnable task; (task = work.poll()) != null; ) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warn("a campaign signal could not be applied", e);
                }
            }
            draining.set(false);
            // work added after the last poll but before the flag dropped would otherwise wait for the next signal
        } while (!work.isEmpty() && draining.compareAndSet(false, true));
    }
}
