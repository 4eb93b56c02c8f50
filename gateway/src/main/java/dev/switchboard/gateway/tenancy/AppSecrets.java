package dev.switchboard.gateway.tenancy;

import dev.switchboard.gateway.store.Jdbc;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-channel Meta app secrets, for numbers connected to another app than the global one.
 *
 * <p>A webhook names its channel only inside the body, and the body must not be trusted before
 * its signature is, so verification tries the global secret and then each distinct channel
 * secret (one HMAC per distinct secret — deployments have a handful of apps, not thousands).
 * The winner is reported as a <em>signer</em>: {@link #GLOBAL}, or a channel id standing for
 * every channel sharing that secret; the processor later applies a payload only to channels the
 * signer speaks for ({@link #speaksFor}). Secrets are encrypted at rest with the master key.
 */
public final class AppSecrets {
    /** The signer of a payload signed with the global app secret. */
    public static final String GLOBAL = "";

    private final Jdbc jdbc;
    private final TokenCipher cipher;
    private final Clock clock;
    private final byte[] global;
    private final Map<String, byte[]> byChannel = new ConcurrentHashMap<>();

    public AppSecrets(Jdbc jdbc, TokenCipher cipher, String globalSecret, Clock clock) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.clock = clock;
        this.global = globalSecret == null ? null : globalSecret.getBytes(StandardCharsets.UTF_8);
        List<String[]> rows = jdbc.query("SELECT phone_number_id, secret_enc FROM channel_app_secrets",
                rs -> new String[] {rs.getString(1), rs.getString(2)});
        for (String[] r : rows) {
            byChannel.put(r[0], cipher.decrypt(r[1]).getBytes(StandardCharsets.UTF_8));
        }
    }

    public void set(String channelId, String secret) {
        jdbc.update("INSERT INTO channel_app_secrets (phone_number_id, secret_enc, updated_at) VALUES (?,?,?)"
                + " ON CONFLICT (phone_number_id) DO UPDATE SET secret_enc=excluded.secret_enc, updated_at=excluded.updated_at",
                channelId, cipher.encrypt(secret), clock.millis());
        byChannel.put(channelId, secret.getBytes(StandardCharsets.UTF_8));
    }

    public boolean remove(String channelId) {
        jdbc.update("DELETE FROM channel_app_secrets WHERE phone_number_id=?", channelId);
        return byChannel.remove(channelId) != null;
    }

    public boolean has(String channelId) {
        return byChannel.containsKey(channelId);
    }

    /**
     * Who signed {@code body}, given the raw {@code X-Hub-Signature-256} bytes: {@link #GLOBAL},
     * a channel id, or null when no known secret matches. Constant time per candidate secret.
     */
    public String signer(byte[] signature, byte[] body) {
        if (global != null && MessageDigest.isEqual(hmac(global, body), signature)) {
            return GLOBAL;
        }
        Map<String, String> tried = new HashMap<>(); // one HMAC per distinct secret
        for (Map.Entry<String, byte[]> e : byChannel.entrySet()) {
            String key = Arrays.toString(e.getValue());
            if (tried.containsKey(key)) {
                continue;
            }
            tried.put(key, e.getKey());
            if (MessageDigest.isEqual(hmac(e.getValue(), body), signature)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Whether a payload from {@code signer} may speak for {@code channelId}: the global secret
     * speaks for channels without their own secret; a channel secret for the channels that share it.
     */
    public boolean speaksFor(String signer, String channelId) {
        byte[] own = byChannel.get(channelId);
        if (signer == null || GLOBAL.equals(signer)) {
            return own == null;
        }
        byte[] signers = byChannel.get(signer);
        return own != null && signers != null && MessageDigest.isEqual(own, signers);
    }

    public static byte[] hmac(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
