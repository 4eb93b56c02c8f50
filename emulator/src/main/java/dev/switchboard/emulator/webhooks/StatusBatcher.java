package dev.switchboard.emulator.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Groups statuses of one phone number into one POST: flushed when {@code maxBatchSize} statuses
 * are waiting or {@code linger} after the first one, whichever comes first. Meta does put
 * several statuses in one delivery, receivers must cope, and at thousands of sends per second
 * batching is what keeps the emulator's webhook side from becoming the bottleneck.
 */
public final class StatusBatcher {
    /** Where statuses of one number are reported: its WABA and metadata. */
    public record Origin(String wabaId, String displayPhoneNumber, String phoneNumberId) {
    }

    private final Map<String, List<ObjectNode>> pending = new HashMap<>();
    private final Map<String, Origin> origins = new HashMap<>();
    private final int maxBatchSize;
    private final long lingerNanos;
    private final ScheduledExecutorService scheduler;
    private final WebhookDispatcher dispatcher;

    public StatusBatcher(int maxBatchSize, long lingerNanos, ScheduledExecutorService scheduler, WebhookDispatcher dispatcher) {
        this.maxBatchSize = maxBatchSize;
        this.lingerNanos = lingerNanos;
        this.scheduler = scheduler;
        this.dispatcher = dispatcher;
    }

    public void add(Origin origin, ObjectNode status) {
        List<ObjectNode> ready = null;
        boolean scheduleFlush = false;
        synchronized (this) {
            List<ObjectNode> batch = pending.computeIfAbsent(origin.phoneNumberId(), k -> new ArrayList<>());
            origins.put(origin.phoneNumberId(), origin);
            batch.add(status);
            if (batch.size() >= maxBatchSize || lingerNanos <= 0) {
                ready = pending.remove(origin.phoneNumberId());
            } else if (batch.size() == 1) {
                scheduleFlush = true;
            }
        }
        if (ready != null) {
            send(origin, ready);
        } else if (scheduleFlush) {
            scheduler.schedule(() -> flush(origin.phoneNumberId()), lingerNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void flush(String phoneNumberId) {
        List<ObjectNode> ready;
        Origin origin;
        synchronized (this) {
            ready = pending.remove(phoneNumberId);
            origin = origins.get(phoneNumberId);
        }
        if (ready != null && !ready.isEmpty()) {
            send(origin, ready);
        }
    }

    public synchronized void clear() {
        pending.clear();
    }

    private void send(Origin origin, List<ObjectNode> statuses) {
        ObjectNode value = Payloads.statusesValue(origin.displayPhoneNumber(), origin.phoneNumberId(), statuses);
        dispatcher.submit(bytes(Payloads.envelope(origin.wabaId(), "messages", value)));
    }

    static byte[] bytes(ObjectNode node) {
        return WebhookJson.bytes(node);
    }
}
