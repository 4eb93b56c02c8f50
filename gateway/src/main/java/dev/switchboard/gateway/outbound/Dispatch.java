package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.QueuedMessage;
import dev.switchboard.gateway.store.WriteOp;
import dev.switchboard.gateway.tenancy.Channel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims, sends and settles one message for a {@link ChannelWorker}: the SENDING claim, the HTTP
 * call on a virtual thread, and what each outcome does to the message, the number's pace, the
 * recipient's pair budget, the breaker and the channel.
 */
final class Dispatch {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatch.class);
    /** Meta has no code for "expired before sending"; 131000-range codes are Meta's, so a negative one is used. */
    static final int EXPIRED_CODE = -408;
    private static final long HOLD_MILLIS = TimeUnit.MINUTES.toMillis(10);
    private static final long CHANNEL_BACKOFF_MILLIS = TimeUnit.MINUTES.toMillis(2);
    private static final long MARKETING_PAUSE_MILLIS = TimeUnit.HOURS.toMillis(1);

    private final OutboundContext ctx;
    private final ChannelWorker worker;

    Dispatch(OutboundContext ctx, ChannelWorker worker) {
        this.ctx = ctx;
        this.worker = worker;
    }

    /**
     * HIGH-lane writes go express: a code's claim never waits behind a backlog's own claims. On
     * PostgreSQL the express writer has its own connection, so an OTP's claim does not even wait
     * for the transaction in progress on the busy one (measured: OTPs behind a flash sale waited
     * over a second there); its rows are the OTP's own, which no bulk transaction holds.
     */
    private CompletableFuture<Void> submit(QueuedMessage m, WriteOp op) {
        return m.lane() == Lane.HIGH ? ctx.expressWriter().submitExpress(op) : ctx.writer().submitUrgent(op);
    }

    void claimAndSend(QueuedMessage m) {
        submit(m, ctx.store().markSending(m, ctx.clock().millis(), claimed -> {
            if (claimed) {
                Thread.ofVirtual().name("send-" + m.id()).start(() -> send(m));
            } else {
                // cancelled or expired meanwhile: nothing to send
                worker.breaker().releasePermission();
                worker.releaseSlot(m);
            }
        })).exceptionally(e -> {
            LOG.warn("could not claim {} for sending; it stays queued", m.id(), e);
            worker.breaker().releasePermission();
            worker.retryLater(m.retryAt(ctx.clock().millis() + 1000));
            worker.releaseSlot(m);
            return null;
        });
    }

    /** Sends a message whose SENDING row was written with its accept (see ChannelWorker#tryClaimNow). */
    void sendClaimed(QueuedMessage m) {
        Thread.ofVirtual().name("send-" + m.id()).start(() -> send(m));
    }

    /** The message's final write, followed by a {@code failed} event for the tenant's webhook. */
    private WriteOp andTellTenant(QueuedMessage m, WriteOp finalWrite, int code, String reason) {
        return b -> {
            finalWrite.apply(b);
            ctx.events().appendLocalFailure(b, m.id(), m.tenantId(), m.channelId(), m.recipient(), code, reason, ctx.clock().millis());
        };
    }

    /** Fails a message the {@link SendGate} refused, without sending it. */
    void drop(QueuedMessage m, int code, String reason) {
        submit(m, andTellTenant(m, ctx.store().markFailed(m.id(), code, reason, false, ctx.clock().millis()), code, reason));
        ctx.metrics().failed(m.channelId(), m.lane());
    }

    void expire(QueuedMessage m) {
        submit(m, andTellTenant(m, ctx.store().markExpired(m.id(), ctx.clock().millis()), EXPIRED_CODE,
                "expired: its time-to-live passed before it could be sent"));
        ctx.metrics().expired(m.channelId(), m.lane());
    }

    private void send(QueuedMessage m) {
        long departed;
        try {
            departed = worker.releases().acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            worker.breaker().releasePermission();
            worker.releaseSlot(m);
            return; // shutting down: the message stays SENDING and is reconciled on restart
        }
        long start = System.nanoTime();
        AtomicLong departure = new AtomicLong(departed); // moved to when the client starts writing the body
        Channel c = worker.channel();
        boolean completed = false;
        try {
            if (m.attempts() == 0) {
                ctx.retryPolicy().onFirstAttempt();
            }
            SendResult r;
            try {
                r = ctx.client().send(c.phoneNumberId(), ctx.tenancy().accessToken(c), m.upstreamBody(), departure::set,
                        m.lane() == Lane.HIGH ? ctx.config().highLaneTimeout() : null);
            } finally {
                worker.releases().complete(departure.get());
                completed = true;
            }
            long took = System.nanoTime() - start;
            switch (r) {
                case SendResult.Accepted a -> {
                    worker.breaker().onSuccess(took, TimeUnit.NANOSECONDS);
                    long now = ctx.clock().millis();
                    submit(m, ctx.store().markSent(m.id(), a.wamid(), now));
                    worker.tier().record(m.recipient(), now);
                    ctx.metrics().sent(m.channelId(), m.lane(), m.acceptedAt(), now);
                }
                case SendResult.MetaError e -> {
                    ErrorAction action = ErrorClassifier.classify(e.code());
                    if (action == ErrorAction.RETRY) {
                        worker.breaker().onError(took, TimeUnit.NANOSECONDS, new UpstreamFailure(e.message()));
                    } else {
                        worker.breaker().onSuccess(took, TimeUnit.NANOSECONDS);
                    }
                    ctx.metrics().metaError(m.channelId(), m.lane(), e.code());
                    ctx.failures().failed(new MetaFailure(m.tenantId(), m.channelId(), m.id(), null, m.recipient(), e.code(), true));
                    settle(m, action, e.code(), "(#" + e.code() + ") " + e.message());
                }
                case SendResult.Transport t -> {
                    ErrorAction action = ErrorClassifier.classifyTransport(t.httpStatus());
                    worker.breaker().onError(took, TimeUnit.NANOSECONDS, new UpstreamFailure(t.message()));
                    ctx.metrics().metaError(m.channelId(), m.lane(), t.httpStatus() == 0 ? -1 : t.httpStatus());
                    if (m.lane() == Lane.HIGH && t.message().startsWith(CloudApiClient.TIMEOUT)
                            && !ctx.retryPolicy().exhausted(m.attempts() + 1)) {
                        // An OTP whose request hangs is sent again at once, not after a backoff: if the
                        // first did reach Meta the user gets the same code twice, which beats getting it late.
                        requeue(m, ctx.clock().millis(), -1, t.message() + "; sent again at once (HIGH lane)");
                    } else {
                        settle(m, action, t.httpStatus() == 0 ? -1 : t.httpStatus(), t.message());
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!completed) {
                worker.releases().complete(departure.get());
            }
            LOG.error("send of {} failed unexpectedly; retrying later", m.id(), e);
            worker.breaker().onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            settle(m, ErrorAction.RETRY, -1, "internal error: " + e.getClass().getSimpleName());
        } finally {
            worker.releaseSlot(m);
            worker.memory().signal();
        }
    }

    private void settle(QueuedMessage m, ErrorAction action, int code, String error) {
        long now = ctx.clock().millis();
        switch (action) {
            case THROTTLE_NUMBER -> {
                worker.onThrottled();
                requeue(m, now + 1000, code, error);
            }
            case PAIR_BACKOFF -> requeue(m, now + worker.pairLimited(m.recipient()), code, error);
            case CHANNEL_BACKOFF -> {
                worker.pauseChannel(now + CHANNEL_BACKOFF_MILLIS);
                requeue(m, now + CHANNEL_BACKOFF_MILLIS, code, error);
            }
            case PAUSE_MARKETING -> {
                worker.pauseMarketing(now + MARKETING_PAUSE_MILLIS);
                LOG.warn("channel {}: spam rate limit (131048); marketing paused for 1 h", m.channelId());
                requeue(m, now + MARKETING_PAUSE_MILLIS, code, error);
            }
            case HOLD -> requeue(m, now + HOLD_MILLIS, code, error);
            case STOP_CHANNEL -> {
                Channel c = worker.channel();
                if (c.sendable()) {
                    LOG.error("channel {} stopped: Meta answered {} — {}", c.phoneNumberId(), code, error);
                    ctx.tenancy().saveChannel(c.withState(Channel.STOPPED, error, now));
                }
                requeue(m, now, code, error);
            }
            case RETRY -> {
                RetryPolicy policy = ctx.retryPolicy();
                if (policy.exhausted(m.attempts() + 1)) {
                    fail(m, code, "retries exhausted after " + (m.attempts() + 1) + " attempts: " + error, true);
                } else {
                    long delay = policy.tryRetry(now) ? policy.backoffMillis(m.attempts() + 1) : policy.capMillis();
                    requeue(m, now + delay, code, error);
                }
            }
            case FAIL -> fail(m, code, error, false);
        }
    }

    private void requeue(QueuedMessage m, long when, int code, String error) {
        QueuedMessage next = m.retryAt(when);
        if (next.expired(when)) {
            expire(m); // an OTP that cannot leave in time must not leave late
            return;
        }
        ctx.metrics().retried(m.channelId(), m.lane());
        submit(m, ctx.store().markRetry(m.id(), when, code, error));
        worker.retryLater(next);
    }

    private void fail(QueuedMessage m, int code, String error, boolean deadLetter) {
        submit(m, andTellTenant(m, ctx.store().markFailed(m.id(), code, error, deadLetter, ctx.clock().millis()), code, error));
        ctx.metrics().failed(m.channelId(), m.lane());
    }

    /** Marks upstream unavailability for the circuit breaker (never thrown). */
    static final class UpstreamFailure extends RuntimeException {
        UpstreamFailure(String message) {
            super(message, null, false, false);
        }
    }
}
