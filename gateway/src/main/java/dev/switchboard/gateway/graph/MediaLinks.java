package dev.switchboard.gateway.graph;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The download links Switchboard hands out for media, in place of Meta's.
 *
 * <p>Like Meta's, a link lives five minutes. It works with the tenant's key as the Bearer token,
 * and also without one, because it is signed for its tenant: some client libraries fetch media
 * URLs from hosts other than Meta's without credentials (measured: {@code @kapso/whatsapp-cloud-api}
 * does by default). The signature binds tenant, media id and expiry with a key derived from the
 * master key, so every node of a deployment accepts every node's links and a link never opens
 * another tenant's media or outlives its five minutes.
 */
public final class MediaLinks {
    public static final Duration LIFETIME = Duration.ofMinutes(5);
    private final SecretKeySpec key;
    private final Clock clock;

    public MediaLinks(byte[] key, Clock clock) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.clock = clock;
    }

    /** The path and query of a fresh link for {@code tenantId}'s media {@code mediaId}. */
    public String link(String tenantId, String mediaId) {
        long expires = clock.instant().plus(LIFETIME).getEpochSecond();
        return "/v1/media/" + mediaId + "/content?tenant=" + java.net.URLEncoder.encode(tenantId, StandardCharsets.UTF_8)
                + "&expires=" + expires
                + "&signature=" + sign(tenantId, mediaId, expires);
    }

    /** The tenant a signed link was issued to, if its signature holds and it has not expired. */
    public Optional<String> tenantOf(String mediaId, String tenantId, String expires, String signature) {
        if (tenantId == null || expires == null || signature == null) {
            return Optional.empty();
        }
        long at;
        try {
            at = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (at < clock.instant().getEpochSecond()) {
            return Optional.empty();
        }
        boolean valid = MessageDigest.isEqual(sign(tenantId, mediaId, at).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
        return valid ? Optional.of(tenantId) : Optional.empty();
    }

    private String sign(String tenantId, String mediaId, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            // lengths first, so no two (tenant, media) pairs can collide by shifting a separator
            byte[] h = mac.doFinal((tenantId.length() + ":" + tenantId + "|" + mediaId.length() + ":" + mediaId + "|" + expires)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
