package dev.switchboard.gateway.tenancy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.gateway.store.Jdbc;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tenants, their API keys and their channels.
 *
 * <p>Tenants and channels are few and read on every request, so they live in memory and are
 * written through to the database; key look-ups go through a short-lived cache of
 * hash&nbsp;→&nbsp;tenant. Every tenant-facing read takes the tenant id, so a key of one tenant
 * can never resolve another tenant's channel ({@link #channelOf}).
 */
public final class Tenancy {
    private final TenancyStore store;
    private final TokenCipher cipher;
    private final Clock clock;
    private final Map<String, Tenant> tenants = new ConcurrentHashMap<>();
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final Cache<String, Optional<String>> keyCache = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(Duration.ofSeconds(30)).build();
    private final List<Consumer<Channel>> channelListeners = new CopyOnWriteArrayList<>();
    /**
     * Decrypted access tokens by their stored (encrypted) form. Decrypting on every send cost an
     * AES-GCM setup per message in the profile; keyed by the ciphertext, a changed token is
     * simply another key and the old entry ages out. Bounded, so a churn of token updates cannot
     * grow it without limit.
     */
    private final Cache<String, String> plainTokens = Caffeine.newBuilder().maximumSize(10_000).build();

    public Tenancy(Jdbc jdbc, TokenCipher cipher, Clock clock) {
        this.store = new TenancyStore(jdbc);
        this.cipher = cipher;
        this.clock = clock;
        store.tenants().forEach(t -> tenants.put(t.id(), t));
        store.channels().forEach(c -> channels.put(c.phoneNumberId(), c));
    }

    // ---- authentication -------------------------------------------------------------------

    /** The active tenant owning {@code apiKey}, if any. */
    public Optional<Tenant> authenticate(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            return Optional.empty();
        }
        String hash = ApiKeys.hash(apiKey.trim());
        Optional<String> tenantId = keyCache.get(hash, store::tenantOfKeyHash);
        return tenantId.map(tenants::get).filter(Tenant::active);
    }

    // ---- tenants --------------------------------------------------------------------------

    public Tenant createTenant(String id, String name, int ingressPerSecond, long maxQueued) {
        long now = clock.millis();
        Tenant t = new Tenant(id == null ? "t_" + UUID.randomUUID().toString().substring(0, 8) : id, name,
                Tenant.ACTIVE, ingressPerSecond, maxQueued, now, now);
        if (tenants.putIfAbsent(t.id(), t) != null) {
            throw new Conflict("tenant " + t.id() + " already exists");
        }
        store.insertTenant(t);
        return t;
    }

    public Tenant updateTenant(String id, String name, String state, Integer ingressPerSecond, Long maxQueued) {
        Tenant old = tenant(id).orElseThrow(() -> new NotFound("tenant " + id));
        Tenant t = new Tenant(id, name == null ? old.name() : name, state == null ? old.state() : state,
                ingressPerSecond == null ? old.ingressPerSecond() : ingressPerSecond,
                maxQueued == null ? old.maxQueued() : maxQueued, old.createdAt(), clock.millis());
        store.updateTenant(t);
        tenants.put(id, t);
        keyCache.invalidateAll();
        return t;
    }

    public Optional<Tenant> tenant(String id) {
        return Optional.ofNullable(tenants.get(id));
    }

    public Collection<Tenant> tenants() {
        return tenants.values().stream().sorted(java.util.Comparator.comparing(Tenant::id)).toList();
    }

    // ---- keys -----------------------------------------------------------------------------

    /** Creates a key and returns it in clear: the only time it is ever visible. */
    public IssuedKey issueKey(String tenantId, String name, String presetKey) {
        tenant(tenantId).orElseThrow(() -> new NotFound("tenant " + tenantId));
        String key = presetKey != null ? presetKey : ApiKeys.generate();
        String id = "key_" + UUID.randomUUID().toString().substring(0, 12);
        store.insertKey(id, tenantId, ApiKeys.hash(key), ApiKeys.prefix(key), name, clock.millis());
        keyCache.invalidate(ApiKeys.hash(key));
        return new IssuedKey(id, key);
    }

    public boolean revokeKey(String tenantId, String keyId) {
        boolean revoked = store.revokeKey(tenantId, keyId) > 0;
        keyCache.invalidateAll();
        return revoked;
    }

    public List<TenancyStore.ApiKeyInfo> keys(String tenantId) {
        return store.keys(tenantId);
    }

    public boolean hasKeyHash(String key) {
        return store.tenantOfKeyHash(ApiKeys.hash(key)).isPresent();
    }

    public record IssuedKey(String id, String key) {}

    // ---- channels -------------------------------------------------------------------------

    public Channel createChannel(String tenantId, String phoneNumberId, String displayPhoneNumber, String wabaId,
                                 String portfolioId, String accessToken, int ceilingMps, String tier) {
        tenant(tenantId).orElseThrow(() -> new NotFound("tenant " + tenantId));
        long now = clock.millis();
        Channel c = new Channel(phoneNumberId, tenantId, displayPhoneNumber, wabaId,
                portfolioId == null ? wabaId : portfolioId, cipher.encrypt(accessToken),
                ceilingMps <= 0 ? 80 : ceilingMps, tier == null ? "TIER_2K" : tier, "GREEN", Channel.ACTIVE, null, now, now);
        if (channels.putIfAbsent(phoneNumberId, c) != null) {
            throw new Conflict("channel " + phoneNumberId + " already exists");
        }
        store.insertChannel(c);
        channelListeners.forEach(l -> l.accept(c));
        return c;
    }

    /** Replaces a channel's row (admin update, or a signal from Meta) and tells the send path. */
    public Channel saveChannel(Channel c) {
        store.updateChannel(c);
        channels.put(c.phoneNumberId(), c);
        channelListeners.forEach(l -> l.accept(c));
        return c;
    }

    public Channel updateChannel(String phoneNumberId, String accessToken, Integer ceilingMps, String tier,
                                 String quality, String state, String reason) {
        Channel old = channel(phoneNumberId).orElseThrow(() -> new NotFound("channel " + phoneNumberId));
        Channel c = new Channel(old.phoneNumberId(), old.tenantId(), old.displayPhoneNumber(), old.wabaId(), old.portfolioId(),
                accessToken == null ? old.accessTokenEnc() : cipher.encrypt(accessToken),
                ceilingMps == null ? old.ceilingMps() : ceilingMps, tier == null ? old.tier() : tier,
                quality == null ? old.quality() : quality, state == null ? old.state() : state,
                state == null ? old.stateReason() : reason, old.createdAt(), clock.millis());
        return saveChannel(c);
    }

    public Optional<Channel> channel(String phoneNumberId) {
        return Optional.ofNullable(channels.get(phoneNumberId));
    }

    /** The channel only if it belongs to {@code tenantId}: the tenant-isolation check. */
    public Optional<Channel> channelOf(String tenantId, String phoneNumberId) {
        return channel(phoneNumberId).filter(c -> c.tenantId().equals(tenantId));
    }

    public List<Channel> channelsOf(String tenantId) {
        return channels.values().stream().filter(c -> c.tenantId().equals(tenantId))
                .sorted(java.util.Comparator.comparing(Channel::phoneNumberId)).toList();
    }

    public Collection<Channel> channels() {
        return channels.values();
    }

    public String accessToken(Channel c) {
        return plainTokens.get(c.accessTokenEnc(), cipher::decrypt);
    }

    public void onChannelChange(Consumer<Channel> listener) {
        channelListeners.add(listener);
    }

    /** Lookup failures surfaced to the admin API as 404 / 409. */
    public static final class NotFound extends RuntimeException {
        public NotFound(String what) {
            super(what + " not found");
        }
    }

    public static final class Conflict extends RuntimeException {
        public Conflict(String message) {
            super(message);
        }
    }
}
