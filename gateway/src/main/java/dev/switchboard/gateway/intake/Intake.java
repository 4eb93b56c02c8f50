package dev.switchboard.gateway.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.MessageIds;
import dev.switchboard.gateway.messages.MessageStore;
import dev.switchboard.gateway.messages.NewMessage;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.outbound.SendPathMetrics;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.WriteOp;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Durable accept: admission (rate, queue cap), idempotency, channel choice, validation, and the
 * group-committed insert. A caller gets a result only after the messages are on disk; the
 * writer hands them to their channel queues in commit order.
 */
public final class Intake {
    private static final long IDEMPOTENCY_WINDOW = Duration.ofHours(24).toMillis();
    private static final Map<Lane, Duration> DEFAULT_TTL = Map.of(
            Lane.HIGH, Duration.ofMinutes(10), Lane.NORMAL, Duration.ofHours(24), Lane.LOW, Duration.ofHours(24));

    /** One message of a request, parsed but not yet validated. */
    public record Candidate(ObjectNode body, String channelId, List<String> pool, Lane priority, Long ttlSeconds,
                            String campaignId, String metadata) {}

    /** An accepted message as reported back. */
    public record Accepted(String id, String channelId, Lane lane, String recipient) {}

    /** The outcome: the accepted messages and the response body stored for idempotent replays. */
    public record Result(List<Accepted> messages, String response, boolean replayed) {}

    private final Tenancy tenancy;
    private final MessageStore store;
    private final GroupCommitWriter writer;
    private final Outbound outbound;
    private final PayloadValidator validator;
    private final SendPathMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, Bucket> ingress = new ConcurrentHashMap<>();
    /**
     * Queued messages per tenant for the admission cap: counted in storage at most every
     * {@link #QUEUED_RECOUNT_MILLIS} and raised by each accept in between. (A cache that expired
     * entries after their last write never recounted under a continuous flood, because every
     * accept's increment was a write: the count could only grow.)
     */
    private final Map<String, QueuedCount> queuedCounts = new ConcurrentHashMap<>();
    private static final long QUEUED_RECOUNT_MILLIS = 2_000;

    private record QueuedCount(long count, long countedAt) {}
    private final Cache<String, String> sticky = Caffeine.newBuilder().maximumSize(1_000_000)
            .expireAfterAccess(Duration.ofDays(7)).build();
    private final Map<String, Object> idempotencyLocks = new ConcurrentHashMap<>();

    public Intake(Tenancy tenancy, MessageStore store, GroupCommitWriter writer, Outbound outbound, PayloadValidator validator,
                  SendPathMetrics metrics, ObjectMapper json, Clock clock) {
        this.tenancy = tenancy;
        this.store = store;
        this.writer = writer;
        this.outbound = outbound;
        this.validator = validator;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Accepts {@code candidates} all-or-nothing. {@code render} turns the accepted messages into
     * the response body, which is stored with the idempotency key so a replay answers the same.
     */
    public Result accept(Tenant tenant, List<Candidate> candidates, String idempotencyKey, byte[] rawBody,
                         Function<List<Accepted>, String> render) {
        return accept(tenant, candidates, idempotencyKey, rawBody, render, true);
    }

    /**
     * As {@link #accept}, for messages the gateway creates on a tenant's behalf (a campaign's
     * expansion, which paces itself by the queue): they pass the queue cap but do not spend the
     * tenant's ingress rate, which meters API requests — a campaign must not 429 the tenant's
     * own sends.
     */
    public Result acceptGenerated(Tenant tenant, List<Candidate> candidates, String idempotencyKey, byte[] rawBody,
                                  Function<List<Accepted>, String> render) {
        return accept(tenant, candidates, idempotencyKey, rawBody, render, false);
    }

    private Result accept(Tenant tenant, List<Candidate> candidates, String idempotencyKey, byte[] rawBody,
                          Function<List<Accepted>, String> render, boolean metered) {
        if (idempotencyKey == null || idempotencyKey.isBlank()) {
            return acceptNow(tenant, candidates, null, render, metered);
        }
        String hash = sha256(rawBody);
        Object lock = idempotencyLocks.computeIfAbsent(tenant.id() + '|' + idempotencyKey, k -> new Object());
        synchronized (lock) { // same key, same node: the second request waits and replays
            try {
                Optional<Result> replay = replay(tenant, idempotencyKey, hash);
                if (replay.isPresent()) {
                    return replay.get();
                }
                return acceptNow(tenant, candidates, new String[] {idempotencyKey, hash}, render, metered);
            } finally {
                idempotencyLocks.remove(tenant.id() + '|' + idempotencyKey, lock);
            }
        }
    }

    private Optional<Result> replay(Tenant tenant, String key, String hash) {
        String[] storedHash = new String[1];
        Optional<String> stored = store.idempotentResponse(tenant.id(), key, clock.millis() - IDEMPOTENCY_WINDOW, storedHash);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        if (!storedHash[0].equals(hash)) {
            throw Rejection.idempotencyConflict();
        }
        return Optional.of(new Result(List.of(), stored.get(), true));
    }

    private Result acceptNow(Tenant tenant, List<Candidate> candidates, String[] idem, Function<List<Accepted>, String> render,
                             boolean metered) {
        long now = clock.millis();
        admit(tenant, candidates.size(), metered);
        List<NewMessage> messages = new ArrayList<>(candidates.size());
        List<Accepted> accepted = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            NewMessage m;
            try {
                m = prepare(tenant, c, idem == null ? null : idem[0], now);
            } catch (Rejection r) {
                // in a batch, say which item was refused (the whole batch is refused with it)
                throw candidates.size() > 1 ? r.forItem(i) : r;
            }
            messages.add(m);
            accepted.add(new Accepted(m.id(), m.channelId(), m.lane(), m.recipient()));
        }
        String response = render.apply(accepted);
        MessageStore.IdempotencyRecord record = idem == null ? null
                : new MessageStore.IdempotencyRecord(tenant.id(), idem[0], idem[1], response, now);
        // A lone HIGH-lane message whose channel could send it this instant is written already
        // claimed, so it leaves right after this one commit instead of a second (its claim).
        java.util.Set<String> claimed = messages.size() == 1 && messages.get(0).lane() == Lane.HIGH
                && outbound.tryClaimNow(messages.get(0).queued(0)) ? java.util.Set.of(messages.get(0).id()) : java.util.Set.of();
        try {
            // HIGH-lane accepts jump the writer's queue: a login code must not wait behind a
            // flood of marketing batches to become durable.
            WriteOp op = store.accept(messages, record, claimed,
                    q -> {
                        if (claimed.contains(q.id())) {
                            outbound.sendClaimed(q);
                        } else {
                            outbound.enqueue(q);
                        }
                    });
            boolean urgent = messages.stream().anyMatch(m -> m.lane() == Lane.HIGH);
            (urgent ? writer.submitExpress(op) : writer.submit(op)).join();
        } catch (CompletionException e) {
            if (!claimed.isEmpty()) {
                outbound.unclaim(messages.get(0).queued(0));
            }
            if (e.getCause() instanceof GroupCommitWriter.Overloaded) {
                metrics.rejected(tenant.id(), "overloaded");
                throw Rejection.overloaded();
            }
            if (idem != null) {
                // most likely a concurrent request with the same key on another node won the insert
                Optional<Result> replay = replay(tenant, idem[0], idem[1]);
                if (replay.isPresent()) {
                    return replay.get();
                }
            }
            throw e;
        }
        queuedCounts.computeIfPresent(tenant.id(), (k, v) -> new QueuedCount(v.count() + messages.size(), v.countedAt()));
        for (NewMessage m : messages) {
            metrics.accepted(tenant.id(), m.channelId(), m.lane(), 1);
        }
        return new Result(accepted, response, false);
    }

    private static long burst(Tenant tenant) {
        return Math.max(2L * tenant.ingressPerSecond(), 10);
    }

    private void admit(Tenant tenant, int n, boolean metered) {
        if (metered) {
            meter(tenant, n);
        }
        long now = clock.millis();
        long queued = queuedCounts.compute(tenant.id(), (k, v) -> v == null || now - v.countedAt() > QUEUED_RECOUNT_MILLIS
                ? new QueuedCount(store.countQueued(k), now) : v).count();
        if (queued + n > tenant.maxQueued()) {
            metrics.rejected(tenant.id(), "queue_full");
            throw Rejection.queueFull(tenant.maxQueued());
        }
    }

    private void meter(Tenant tenant, int n) {
        // A burst of two seconds' worth absorbs a client's unevenness while holding the sustained
        // rate to the tenant's limit. (It used to be at least 2,000 so a full batch always fit:
        // a tenant limited to 5/s then had 2,000 before its first 429.) A batch larger than the
        // burst can never fit, and is told so rather than asked to retry.
        long burst = burst(tenant);
        if (n > burst) {
            metrics.rejected(tenant.id(), "rate_limited");
            throw Rejection.batchOverIngress(n, burst);
        }
        Bucket bucket = ingress.computeIfAbsent(tenant.id() + '|' + tenant.ingressPerSecond(), k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(burst)
                        .refillGreedy(tenant.ingressPerSecond(), Duration.ofSeconds(1)).build())
                .build());
        if (!bucket.tryConsume(n)) {
            metrics.rejected(tenant.id(), "rate_limited");
            throw Rejection.rateLimited(tenant.ingressPerSecond());
        }
    }

    private NewMessage prepare(Tenant tenant, Candidate c, String idemKey, long now) {
        Channel channel = chooseChannel(tenant, c);
        PayloadValidator.Validated v = validator.validate(c.body(), channel, now);
        Lane lane = c.priority() != null ? c.priority() : Lane.forCategory(v.category());
        long ttl = c.ttlSeconds() != null ? c.ttlSeconds() * 1000 : DEFAULT_TTL.get(lane).toMillis();
        String id = MessageIds.next(now);
        ObjectNode upstream = c.body().deepCopy();
        // Our id rides along so every status can be matched even if the send response is lost.
        JsonNode own = upstream.get("biz_opaque_callback_data");
        upstream.put("biz_opaque_callback_data", own == null || own.isNull() ? "sb:" + id : "sb:" + id + "|" + own.asText());
        if (c.channelId() == null) {
            // Only pool choices are remembered: a named channel needs no memory, and a backlog of
            // millions sent to named channels then costs no heap (bounded anyway at 1M recipients).
            sticky.put(tenant.id() + '|' + v.recipient(), channel.phoneNumberId());
        }
        return new NewMessage(id, tenant.id(), channel.phoneNumberId(), lane, v.recipient(), upstream.toString(), v.category(),
                v.templateName(), c.campaignId(), c.metadata(), idemKey, now + ttl, now);
    }

    private Channel chooseChannel(Tenant tenant, Candidate c) {
        if (c.channelId() != null) {
            Channel ch = tenancy.channelOf(tenant.id(), c.channelId())
                    .orElseThrow(() -> Rejection.unknownChannel(c.channelId()));
            if (Channel.DISABLED.equals(ch.state())) {
                throw Rejection.channelUnavailable(ch.phoneNumberId(), ch.state());
            }
            return ch;
        }
        List<Channel> pool = new ArrayList<>();
        if (c.pool() != null && !c.pool().isEmpty()) {
            for (String id : c.pool()) {
                pool.add(tenancy.channelOf(tenant.id(), id).orElseThrow(() -> Rejection.unknownChannel(id)));
            }
        } else {
            pool.addAll(tenancy.channelsOf(tenant.id()));
        }
        pool.removeIf(ch -> !ch.sendable());
        if (pool.isEmpty()) {
            throw Rejection.noChannel();
        }
        String recipient = PayloadValidator.recipient(c.body());
        String previous = sticky.getIfPresent(tenant.id() + '|' + recipient);
        if (previous != null) {
            for (Channel ch : pool) {
                if (ch.phoneNumberId().equals(previous)) {
                    return ch;
                }
            }
        }
        Channel best = pool.get(0);
        double bestFree = outbound.freeCapacity(best.phoneNumberId());
        for (Channel ch : pool) {
            double free = outbound.freeCapacity(ch.phoneNumberId());
            if (free > bestFree) {
                best = ch;
                bestFree = free;
            }
        }
        return best;
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
