package dev.switchboard.gateway.intake;

import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-syncs every WABA's templates once per {@code interval}, so a template created, edited or
 * deleted in Meta's tools shows up without anyone asking (webhooks report status and category,
 * not new templates).
 *
 * <p>One virtual thread syncs the WABA that is due first, then the next: syncs never run side by
 * side, so the calls to Meta are spread out rather than bursting at each interval, and each WABA
 * is synced {@code interval} after its last sync by any means (a tenant's sync now counts as its
 * periodic one). A sync the budget refused waits until the budget allows it; one that failed
 * otherwise is tried again after a minute (or the interval, when shorter).
 */
final class TemplateRefresher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateRefresher.class);
    private static final long MAX_NAP = 10_000;

    private final TemplateCatalog catalog;
    private final Tenancy tenancy;
    private final Duration interval;
    private final Clock clock;
    /** Per WABA: not before this time (a failed or refused sync). */
    private final Map<String, Long> notBefore = new ConcurrentHashMap<>();
    private final Object signal = new Object();
    private volatile boolean running = true;
    private Thread loop;

    TemplateRefresher(TemplateCatalog catalog, Tenancy tenancy, Duration interval, Clock clock) {
        this.catalog = catalog;
        this.tenancy = tenancy;
        this.interval = interval;
        this.clock = clock;
    }

    void start() {
        loop = Thread.ofVirtual().name("template-refresh").start(this::run);
    }

    /** A channel of each WABA, preferring one that can send (its token is the likeliest to work). */
    static List<Channel> oneChannelPerWaba(java.util.Collection<Channel> channels) {
        Map<String, Channel> byWaba = new LinkedHashMap<>();
        List<Channel> all = new ArrayList<>(channels);
        all.sort(Comparator.comparing((Channel c) -> !c.sendable()).thenComparing(Channel::phoneNumberId));
        for (Channel c : all) {
            byWaba.putIfAbsent(c.wabaId(), c);
        }
        return new ArrayList<>(byWaba.values());
    }

    private long dueAt(Channel c) {
        long next = catalog.due(c.wabaId(), interval) ? 0 : catalog.syncedAt(c.wabaId()) + interval.toMillis();
        return Math.max(next, notBefore.getOrDefault(c.wabaId(), 0L));
    }

    private void run() {
        while (running) {
            try {
                Channel first = null;
                long firstDue = Long.MAX_VALUE;
                for (Channel c : oneChannelPerWaba(tenancy.channels())) {
                    long due = dueAt(c);
                    if (due < firstDue) {
                        first = c;
                        firstDue = due;
                    }
                }
                long now = clock.millis();
                if (first != null && firstDue <= now) {
                    TemplateCatalog.SyncResult r = catalog.refresh(first, interval);
                    if (r.ok()) {
                        notBefore.remove(first.wabaId());
                    } else {
                        long retry = r.retryAt() > 0 ? r.retryAt() : now + Math.min(interval.toMillis(), 60_000);
                        notBefore.put(first.wabaId(), retry);
                    }
                    continue;
                }
                nap(first == null ? MAX_NAP : Math.min(MAX_NAP, firstDue - now));
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("template refresh pass failed; retrying", e);
                    nap(1_000);
                }
            }
        }
    }

    private void nap(long millis) {
        synchronized (signal) {
            try {
                signal.wait(Math.max(1, millis));
            } catch (InterruptedException e) {
                running = false;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (signal) {
            signal.notifyAll();
        }
        if (loop != null) {
            loop.interrupt();
        }
    }
}
