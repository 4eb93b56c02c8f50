package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.QueuedMessage;
import dev.switchboard.gateway.tenancy.Channel;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler of one phone number: which queued message leaves next, and when.
 *
 * <p><b>Design.</b> A channel has three {@link LaneQueue}s (HIGH, NORMAL, LOW) and one worker
 * thread. Each turn the worker waits for the {@link NumberPacer} to grant a slot, then picks:
 * <ul>
 *   <li><em>strict priority</em> HIGH &gt; NORMAL &gt; LOW, except that a lower lane which has
 *       been passed over {@link LanePriority#STARVATION_TURNS} times in a row gets the next slot — a
 *       guaranteed share so marketing cannot starve forever behind service traffic;</li>
 *   <li><em>FIFO within a lane</em>, scanning a short way past the head only when the head's
 *       recipient is not sendable now (pair rate, pending retry, a send to it still in flight,
 *       tier budget, a {@link SendGate} hold such as a paused template). A gate may instead set a
 *       message aside ({@link AsideShelf}: a paused campaign's), out of the lane until released. Once a recipient is skipped, every later message to it is skipped in that
 *       scan too, and a recipient has at most one request in flight, so messages to one
 *       recipient always reach Meta in order;</li>
 *   <li><em>expiry at the last moment</em>: a message past its time-to-live becomes EXPIRED
 *       instead of being sent (an OTP must never arrive late).</li>
 * </ul>
 * The picked message is claimed with a guarded QUEUED → SENDING write through the group-commit
 * writer, and sent on its own virtual thread once the claim commits; the number of sends in
 * flight is bounded. A HIGH-lane message that could leave the instant it is accepted skips the
 * queue: {@link #tryClaimNow} takes its slot before the accept, which then writes it SENDING,
 * so an OTP waits for one commit instead of two. A failed send waits on the {@link RetryShelf} and
 * re-enters the front of its lane when due.
 *
 * <p><b>Why per channel.</b> Queues per (number, lane) make fairness structural: a tenant's
 * backlog sits in its own numbers' queues, and no other tenant's message ever waits behind it.
 * A channel never sees another channel's traffic, so the pacer can be exact.
 *
 * <p><b>Invariants.</b> All queue state is guarded by {@code lock}; the lock is never held
 * across database or network I/O. A message is sent only after its SENDING claim committed, so
 * after a crash every possibly-sent message is visible as SENDING.
 */
final class ChannelWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelWorker.class);
    private static final int SCAN_LIMIT = 64;
    /** Set-aside messages per pick not counted against the scan: bounds the time under the lock. */
    private static final int ASIDE_PER_PICK = 4_096;

    private final OutboundContext ctx;
    private final String channelId;
    private final LanePriority priority = new LanePriority();
    /** At most one send per recipient is in flight, so concurrent requests cannot overtake. */
    private final Set<String> recipientsInFlight = new HashSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final QueueMemory memory;
    private final LaneQueue[] lanes;
    private final RetryShelf retries;
    private final AsideShelf aside;
    private final NumberPacer pacer;
    private final ReleaseWindow releases;
    private final PairPacer pairs;
    private final CircuitBreaker breaker;
    private final Semaphore inFlight;
    private final Dispatch dispatch;
    private volatile Channel channel;
    private volatile TierBudget tier;
    private volatile boolean running = true;
    private long pausedUntilMillis;
    private long marketingPausedUntilMillis;
    private final HoldCounts holds;
    private Thread thread;

    ChannelWorker(OutboundContext ctx, Channel channel, TierBudget tier) {
        this.ctx = ctx;
        this.channelId = channel.phoneNumberId();
        this.channel = channel;
        this.tier = tier;
        this.memory = new QueueMemory(ctx.config().memoryQueueCapacity(), lock, wake);
        this.lanes = memory.lanes;
        this.retries = memory.retries;
        this.aside = memory.aside;
        this.pacer = new NumberPacer(channel.ceilingMps(), ctx.config().ceilingUtilisation(), System.nanoTime());
        this.releases = new ReleaseWindow(pacer.limit(), ctx.config().arrivalJitter().toNanos(), System.nanoTime());
        this.pairs = new PairPacer(ctx.config().pairBurst(), ctx.config().pairInterval());
        this.breaker = ctx.breakers().circuitBreaker("channel-" + channelId);
        this.inFlight = new Semaphore(ctx.config().maxInFlightPerChannel());
        this.dispatch = new Dispatch(ctx, this);
        this.holds = new HoldCounts(channelId, ctx.metrics().registry());
    }

    void start() {
        thread = Thread.ofVirtual().name("channel-" + channelId).start(this::run);
    }

    void stop() {
        running = false;
        memory.signal();
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- inputs -------------------------------------------------------------------------------

    /** Called on the writer thread after an accept commits: must be quick and never block on I/O. */
    void offer(QueuedMessage m) {
        lock.lock();
        try {
            if (lanes[m.lane().ordinal()].offer(m)) {
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes a HIGH-lane message straight to sending if it could leave this instant: nothing of
     * the HIGH lane waits before it, and the number's pace, breaker, in-flight bound, pair pacer
     * and send gate all let it go now. On {@code true} the slot, recipient and breaker permit are
     * held for it exactly as for a claimed message; the caller then writes the message already
     * SENDING in its accept transaction and calls {@link Dispatch#sendClaimed} after the commit,
     * or {@link #releaseSlot} plus a breaker release if the accept fails. This saves an OTP one
     * whole commit (its separate claim) without weakening anything: it still reaches Meta only
     * after a commit that shows it as possibly sent.
     */
    boolean tryClaimNow(QueuedMessage m) {
        if (m.lane() != Lane.HIGH) {
            return false;
        }
        lock.lock();
        try {
            long nowMillis = ctx.clock().millis();
            long nowNanos = System.nanoTime();
            Channel c = channel;
            String r = m.recipient();
            if (!running || !c.sendable() || pausedUntilMillis > nowMillis || !lanes[Lane.HIGH.ordinal()].isEmpty()
                    || lanes[Lane.HIGH.ordinal()].needsLoad() || retries.waitsFor(r) || recipientsInFlight.contains(r)
                    || pacer.waitNanos(nowNanos) > 0 || !(ctx.gate().check(m, c, nowMillis) instanceof SendGate.Send)) {
                return false;
            }
            if (!inFlight.tryAcquire()) {
                return false;
            }
            if (!breaker.tryAcquirePermission()) {
                inFlight.release();
                return false;
            }
            if (!pairs.tryAcquire(r, nowNanos)) {
                breaker.releasePermission();
                inFlight.release();
                return false;
            }
            pacer.commit(nowNanos);
            recipientsInFlight.add(r);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Sends a message {@link #tryClaimNow} took, now that its SENDING row is committed. */
    void sendClaimed(QueuedMessage m) {
        dispatch.sendClaimed(m);
    }

    /** Gives back what {@link #tryClaimNow} took, when the accept holding the message failed. */
    void unclaim(QueuedMessage m) {
        breaker.releasePermission();
        releaseSlot(m);
    }

    /** A message to try again at {@code m.notBefore()} (after its DB row went back to QUEUED). */
    void retryLater(QueuedMessage m) {
        lock.lock();
        try {
            retries.park(m);
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    void update(Channel c, TierBudget newTier) {
        lock.lock();
        try {
            Channel old = this.channel;
            this.channel = c;
            this.tier = newTier;
            if (old.ceilingMps() != c.ceilingMps()) {
                pacer.setCeiling(c.ceilingMps());
                releases.resize(pacer.limit());
            }
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    void onThrottled() {
        lock.lock();
        try {
            long now = System.nanoTime();
            if (releases.onThrottled(now)) {
                pacer.countThrottle();
            } else {
                pacer.onThrottled(now); // the window's margin is at its widest: slow down instead
            }
        } finally {
            lock.unlock();
        }
    }

    void pauseChannel(long untilMillis) {
        lock.lock();
        try {
            pausedUntilMillis = Math.max(pausedUntilMillis, untilMillis);
        } finally {
            lock.unlock();
        }
    }

    void pauseMarketing(long untilMillis) {
        changeAndWake(() -> marketingPausedUntilMillis = Math.max(marketingPausedUntilMillis, untilMillis));
    }

    void resumeMarketing(Set<String> parked) {
        changeAndWake(() -> {
            marketingPausedUntilMillis = 0;
            retries.release(m -> parked.contains(m.id()), lanes);
        });
    }

    long pairLimited(String recipient) {
        lock.lock();
        try {
            return pairs.onPairLimited(recipient, System.nanoTime()) / 1_000_000;
        } finally {
            lock.unlock();
        }
    }

    // ---- the loop ---------------------------------------------------------------------------

    private void run() {
        while (running) {
            try {
                loadPages();
                QueuedMessage next = nextToSend();
                if (next != null) {
                    inFlight.acquire();
                    dispatch.claimAndSend(next);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("channel {} scheduler error; continuing", channelId, e);
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L); // an interrupt ends the loop at its next wait
            }
        }
    }

    private void loadPages() {
        for (LaneQueue q : lanes) {
            q.load(lock, (after, limit) -> ctx.store().loadQueued(channelId, q.lane, after, limit), this::parkIfNotDue);
        }
    }

    /** Blocks until a message may be sent now and returns it, or returns null to re-check pages. */
    private QueuedMessage nextToSend() throws InterruptedException {
        lock.lock();
        try {
            long nowMillis = ctx.clock().millis();
            long nowNanos = System.nanoTime();
            retries.releaseDue(nowMillis, lanes);
            Channel c = channel;
            if (!c.sendable()) {
                if (!isIdle()) {
                    holds.held("channel " + c.state());
                }
                wake.await(1, TimeUnit.SECONDS);
                return null;
            }
            if (pausedUntilMillis > nowMillis) {
                wake.await(Math.min(pausedUntilMillis - nowMillis, 1000), TimeUnit.MILLISECONDS);
                return null;
            }
            if (isIdle()) {
                wake.await(retries.untilNext(nowMillis, 200), TimeUnit.MILLISECONDS);
                return null;
            }
            long wait = pacer.waitNanos(nowNanos);
            if (releases.limit() != pacer.limit()) {
                releases.resize(pacer.limit()); // the pacer adapted its limit to Meta's feedback
            }
            if (wait > 0) {
                wake.awaitNanos(wait);
                return null;
            }
            if (!breaker.tryAcquirePermission()) {
                wake.await(50, TimeUnit.MILLISECONDS);
                return null;
            }
            QueuedMessage m = pick(nowMillis, nowNanos);
            if (m == null) {
                breaker.releasePermission();
                wake.await(retries.untilNext(nowMillis, 50), TimeUnit.MILLISECONDS);
                return null;
            }
            pacer.commit(nowNanos);
            return m;
        } finally {
            lock.unlock();
        }
    }

    private boolean isIdle() {
        return LaneQueue.allIdle(lanes);
    }

    private QueuedMessage pick(long nowMillis, long nowNanos) {
        if (marketingPausedUntilMillis > nowMillis && !lanes[Lane.LOW.ordinal()].isEmpty()) {
            holds.held(HoldCounts.MARKETING_PAUSED);
        }
        for (Lane lane : priority.order(marketingPausedUntilMillis <= nowMillis, lanes)) {
            QueuedMessage m = takeEligible(lanes[lane.ordinal()], nowMillis, nowNanos);
            if (m != null) {
                priority.picked(lane, lanes);
                return m;
            }
        }
        return null;
    }

    private QueuedMessage takeEligible(LaneQueue q, long nowMillis, long nowNanos) {
        Set<String> skipped = null;
        int scanned = 0;
        int setAside = 0;
        TierBudget budget = q.lane == Lane.LOW ? tier : null;
        for (Iterator<QueuedMessage> it = q.iterator(); it.hasNext() && scanned < SCAN_LIMIT; ) {
            QueuedMessage m = it.next();
            if (m.expired(nowMillis)) {
                it.remove();
                dispatch.expire(m);
                continue;
            }
            String r = m.recipient();
            if (skipped != null && skipped.contains(r)) {
                continue; // a hash lookup, not counted: one held recipient never hides the next one behind it
            }
            scanned++; // the limit bounds the distinct recipients judged per pick (each a gate, budget and pair check)
            SendGate.Verdict verdict = ctx.gate().check(m, channel, nowMillis);
            if (verdict instanceof SendGate.SetAside a) {
                it.remove();
                aside.put(a.group(), m);
                holds.held(a.why());
                if (setAside++ < ASIDE_PER_PICK) {
                    scanned--; // cleared out of the lane's way: a paused campaign's queue must not use up the scan
                }
                continue;
            }
            if (verdict instanceof SendGate.Drop drop) {
                it.remove();
                dispatch.drop(m, drop.code(), drop.reason());
                continue;
            }
            // The budget is checked before the pair pacer takes a token and reserved only after,
            // so a message held by one never consumes the other's allowance.
            boolean blocked = true;
            if (verdict instanceof SendGate.Hold hold) {
                holds.held(hold.why());
            } else if (retries.waitsFor(r) || recipientsInFlight.contains(r)) {
                blocked = true; // its recipient's previous message is still on its way: order
            } else if (budget != null && !budget.allows(r, nowMillis)) {
                holds.held(HoldCounts.MESSAGING_LIMIT);
            } else if (!pairs.tryAcquire(r, nowNanos)) {
                holds.held(HoldCounts.PAIR_RATE);
            } else if (budget != null && !budget.tryReserve(r, nowMillis)) {
                holds.held(HoldCounts.MESSAGING_LIMIT);
            } else {
                blocked = false;
            }
            if (blocked) {
                if (skipped == null) {
                    skipped = new HashSet<>();
                }
                skipped.add(r);
                continue;
            }
            it.remove();
            recipientsInFlight.add(r);
            return m;
        }
        return null;
    }

    private boolean parkIfNotDue(QueuedMessage m) {
        if (m.notBefore() > ctx.clock().millis()) {
            retries.park(m);
            return true;
        }
        return false;
    }

    // ---- shared with Dispatch ---------------------------------------------------------------

    Channel channel() {
        return channel;
    }

    TierBudget tier() {
        return tier;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /** The message's send is over (settled, parked for retry, or never claimed). */
    void releaseSlot(QueuedMessage m) {
        lock.lock();
        try {
            if (recipientsInFlight.remove(m.recipient())) {
                wake.signalAll(); // its next message may be sendable now
            }
        } finally {
            lock.unlock();
        }
        inFlight.release();
    }

    /** The queues in memory, for the changes other threads make to them. */
    QueueMemory memory() {
        return memory;
    }

    private void changeAndWake(Runnable change) {
        memory.changeAndWake(change);
    }

    /** Messages taken for sending and not yet settled: claimed, waiting for a slot, or at Meta. */
    int busy() {
        return ctx.config().maxInFlightPerChannel() - inFlight.availablePermits();
    }

    NumberPacer pacer() {
        return pacer;
    }

    /** The gate each request passes just before the HTTP request starts; see {@link ReleaseWindow}. */
    ReleaseWindow releases() {
        return releases;
    }

    /** Inbound messages seen on this number's webhooks: Meta counts them in the same second. */
    void inboundSeen(int messages) {
        releases.inbound(messages, System.nanoTime());
    }
}
