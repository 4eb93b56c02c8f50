package dev.switchboard.gateway.delivery;

import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.events.WebhookEvent;
import dev.switchboard.gateway.store.GroupCommitWriter;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves events from the event log into the outbox: reads a batch after the delivery cursor,
 * keeps what some endpoint asked for, maps it, and commits the rows together with the cursor's
 * new position. A crash before that commit replays the batch; after it, the batch is never read
 * again: each event is queued exactly once.
 *
 * <p>One thread, on purpose: the order of the outbox (ids) must follow the order of the log.
 * It does no HTTP, so a slow tenant cannot hold it up.
 */
final class EventFeeder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventFeeder.class);
    private static final int BATCH = 500;
    private static final long IDLE_MILLIS = 50;

    private final EventLog events;
    private final Endpoints endpoints;
    private final EventMapper mapper;
    private final OutboxStore store;
    private final GroupCommitWriter writer;
    private final Consumer<Set<String>> wake;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;

    EventFeeder(EventLog events, Endpoints endpoints, EventMapper mapper, OutboxStore store, GroupCommitWriter writer,
                Consumer<Set<String>> wake, Clock clock) {
        this.events = events;
        this.endpoints = endpoints;
        this.mapper = mapper;
        this.store = store;
        this.writer = writer;
        this.wake = wake;
        this.clock = clock;
        // A platform thread: it lives in JDBC calls, like the other log consumers.
        this.thread = Thread.ofPlatform().name("delivery-feeder").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        long cursor = -1;
        while (running) {
            try {
                if (cursor < 0) {
                    cursor = events.cursor(OutboxStore.CONSUMER);
                }
                // No tenant has an endpoint: nothing to map, so do not read the events at all
                // (three rows a message under a flash sale), just move past them. The head is read
                // before the check, so an event appended after an endpoint appeared is never skipped.
                long head = endpoints.any() ? -1 : events.head();
                if (head >= 0 && !endpoints.any()) {
                    if (head > cursor) {
                        writer.submit(EventLog.advanceOp(OutboxStore.CONSUMER, head)).join();
                        cursor = head;
                    } else {
                        Thread.sleep(IDLE_MILLIS);
                    }
                    continue;
                }
                List<WebhookEvent> batch = events.after(cursor, BATCH);
                if (batch.isEmpty()) {
                    Thread.sleep(IDLE_MILLIS);
                    continue;
                }
                long last = batch.get(batch.size() - 1).id();
                List<OutboxRow> rows = mapper.map(batch, endpoints::orNull, clock.millis());
                writer.submit(store.enqueue(rows, last, wake)).join();
                cursor = last;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.error("delivery feeder failed a batch; retrying it", e);
                cursor = -1; // re-read the durable position: the batch may or may not have committed
                sleep(500);
            }
        }
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
