package dev.switchboard.emulator.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.WebhookBehaviour;
import dev.switchboard.emulator.core.GraphError;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns an accepted message into its future statuses — sent → delivered → read, or sent →
 * failed — and schedules each at its delay, applying Meta's documented misbehaviours with the
 * configured probabilities: {@code delivered} before {@code sent}, a status twice, or
 * {@code delivered} skipped.
 *
 * <p>All random draws for one message happen at acceptance, on the caller's thread, from the
 * seeded source; so a test that sends sequentially sees the same statuses every run regardless
 * of how the scheduler interleaves them.
 */
public final class StatusScheduler {
    /** What a status needs to know about its message; {@code failureCode} 0 lets it be delivered, else it fails with that code. */
    public record Outgoing(StatusBatcher.Origin origin, String wamid, String recipientId, String bizOpaqueCallbackData,
                           String pricingCategory, boolean billable, int failureCode) {
    }

    private record Planned(String status, long delayNanos) {
    }

    private final WebhookBehaviour behaviour;
    private final Random random;
    private final ScheduledExecutorService scheduler;
    private final StatusBatcher batcher;
    private final AtomicLong generation = new AtomicLong();
    private final LongAdder emitted = new LongAdder();

    public StatusScheduler(WebhookBehaviour behaviour, Random random, ScheduledExecutorService scheduler, StatusBatcher batcher) {
        this.behaviour = behaviour;
        this.random = random;
        this.scheduler = scheduler;
        this.batcher = batcher;
    }

    public void schedule(Outgoing m) {
        List<Planned> plan = plan(m.failureCode() != 0);
        long gen = generation.get();
        for (Planned p : plan) {
            scheduler.schedule(() -> {
                if (gen == generation.get()) {
                    emit(m, p.status());
                }
            }, p.delayNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private List<Planned> plan(boolean undeliverable) {
        List<Planned> plan = new ArrayList<>(4);
        long sent = delay(behaviour.sentDelay().toNanos());
        long delivered = delay(behaviour.deliveredDelay().toNanos());
        if (undeliverable) {
            plan.add(new Planned("sent", sent));
            plan.add(new Planned("failed", Math.max(sent + 1, delivered)));
            return duplicates(plan);
        }
        boolean reorder = chance(behaviour.reorderProbability());
        boolean omitDelivered = chance(behaviour.omitDeliveredProbability());
        boolean read = chance(behaviour.readProbability());
        long readAt = delay(behaviour.readDelay().toNanos());
        if (reorder) {
            long t = sent;
            sent = Math.max(delivered, sent + 1);
            delivered = t;
        }
        plan.add(new Planned("sent", sent));
        if (!omitDelivered) {
            plan.add(new Planned("delivered", delivered));
        }
        if (read) {
            plan.add(new Planned("read", Math.max(readAt, Math.max(sent, delivered) + 1)));
        }
        return duplicates(plan);
    }

    private List<Planned> duplicates(List<Planned> plan) {
        if (behaviour.duplicateProbability() <= 0) {
            return plan;
        }
        List<Planned> out = new ArrayList<>(plan);
        for (Planned p : plan) {
            if (chance(behaviour.duplicateProbability())) {
                out.add(new Planned(p.status(), p.delayNanos() + 1_000_000));
            }
        }
        return out;
    }

    private void emit(Outgoing m, String status) {
        long nowSeconds = System.currentTimeMillis() / 1000;
        boolean failed = "failed".equals(status);
        ObjectNode s = Payloads.status(m.wamid(), status, nowSeconds, m.recipientId(), m.bizOpaqueCallbackData(),
                failed ? null : m.pricingCategory(), m.billable());
        if (failed) {
            s.putArray("errors").add(Payloads.statusError(m.failureCode(), GraphError.title(m.failureCode()),
                    GraphError.details(m.failureCode())));
        }
        emitted.increment();
        batcher.add(m.origin(), s);
    }

    private long delay(long baseNanos) {
        long jitter = behaviour.jitter().toNanos();
        return baseNanos + (jitter > 0 ? (long) (random.nextDouble() * jitter) : 0);
    }

    private boolean chance(double p) {
        return p > 0 && (p >= 1 || random.nextDouble() < p);
    }

    public long emitted() {
        return emitted.sum();
    }

    public void reset() {
        generation.incrementAndGet();
        emitted.reset();
        batcher.clear();
    }
}
