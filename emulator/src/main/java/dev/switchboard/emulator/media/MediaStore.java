package dev.switchboard.emulator.media;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Uploaded media, kept in memory. Ids are numeric strings like Meta's; the sha256 is the
 * base64 of the SHA-256 digest of the bytes, as Meta reports it in media metadata.
 */
public final class MediaStore {
    /** One stored upload. */
    public record Media(String id, String phoneNumberId, String mimeType, String sha256, byte[] bytes, String fileName) {
    }

    private final ConcurrentHashMap<String, Media> media = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1_700_000_000_000_000L);

    public Media put(String phoneNumberId, String mimeType, byte[] bytes, String fileName) {
        String id = Long.toString(nextId.incrementAndGet());
        Media m = new Media(id, phoneNumberId, mimeType, sha256(bytes), bytes, fileName);
        media.put(id, m);
        return m;
    }

    public Optional<Media> get(String id) {
        return Optional.ofNullable(media.get(id));
    }

    public void clear() {
        media.clear();
    }

    private static String sha256(byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
