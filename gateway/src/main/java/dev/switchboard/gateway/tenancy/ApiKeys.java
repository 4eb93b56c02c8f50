package dev.switchboard.gateway.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * API keys: 32 random bytes, shown once, stored as SHA-256. A fast hash is right here (unlike
 * for passwords) because the keys carry 256 bits of entropy: there is nothing to brute-force,
 * and authentication sits on the hot path of every request.
 */
public final class ApiKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {}

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "sk_" + HexFormat.of().formatHex(b);
    }

    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String prefix(String key) {
        return key.substring(0, Math.min(10, key.length()));
    }
}
