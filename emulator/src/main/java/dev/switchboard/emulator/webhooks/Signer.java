package dev.switchboard.emulator.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Meta's webhook signature: {@code sha256=} followed by the lowercase hex HMAC-SHA256 of the
 * exact body bytes, keyed with the app secret. Signing the bytes that are sent (not a
 * re-serialisation) is the point: receivers must verify on raw bytes too.
 */
public final class Signer {
    private final SecretKeySpec key;

    public Signer(String appSecret) {
        this.key = new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public String signatureHeader(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
