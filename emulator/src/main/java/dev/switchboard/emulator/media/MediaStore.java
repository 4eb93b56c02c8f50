package dev.switchboard.emulator.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Media objects: uploads, and the files of inbound media messages, as Meta keeps them behind a
 * media id.
 *
 * <h2>Why on disk</h2>
 * Meta accepts documents of up to 100 MB. Held in memory, a handful of such uploads (or one
 * upload read whole and then copied out of its multipart body) would dominate the heap of an
 * emulator that also stands in for Meta under benchmark load. So an upload is streamed once,
 * straight from the request into a file in a private temporary directory, hashed and counted
 * on the way ({@link Upload}); metadata stays in memory, and downloads stream from the file.
 * The directory is created on first use and removed on {@link #close()}; {@link #clear()}
 * (emulator reset) deletes every file.
 *
 * <p>Ids are numeric strings like Meta's; {@code sha256} is the base64 of the SHA-256 digest of
 * the bytes, as Meta reports it in media metadata and in inbound media webhooks.
 */
public final class MediaStore implements AutoCloseable {
    /** One stored media object. {@code phoneNumberId} is the number it was uploaded to (or received on). */
    public record Media(String id, String phoneNumberId, String mimeType, String sha256, long fileSize, String fileName,
                        Path path) {
    }

    private final ConcurrentHashMap<String, Media> media = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1_700_000_000_000_000L);
    private Path dir;

    /** Starts an upload that fails once it exceeds {@code ceilingBytes}; commit or abort it. */
    public Upload begin(long ceilingBytes) {
        try {
            return new Upload(Files.createTempFile(dir(), "upload-", ".bin"), ceilingBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create media file", e);
        }
    }

    /** Registers a finished upload under a fresh id. */
    public Media commit(Upload upload, String phoneNumberId, String mimeType, String fileName) {
        return commit(upload, Long.toString(nextId.incrementAndGet()), phoneNumberId, mimeType, fileName);
    }

    private Media commit(Upload upload, String id, String phoneNumberId, String mimeType, String fileName) {
        try {
            upload.close();
        } catch (IOException e) {
            upload.abort();
            throw new UncheckedIOException("cannot store media", e);
        }
        Media m = new Media(id, phoneNumberId, mimeType, upload.sha256(), upload.size(), fileName, upload.path());
        Media old = media.put(id, m);
        if (old != null) {
            deleteQuietly(old.path());
        }
        return m;
    }

    /** Stores bytes at once (inbound media); {@code id} null assigns a fresh one. */
    public Media put(String id, String phoneNumberId, String mimeType, byte[] bytes, String fileName) {
        Upload u = begin(Long.MAX_VALUE);
        try (u) {
            u.write(bytes);
        } catch (IOException e) {
            u.abort();
            throw new UncheckedIOException("cannot store media", e);
        }
        return commit(u, id == null ? Long.toString(nextId.incrementAndGet()) : id, phoneNumberId, mimeType, fileName);
    }

    public Optional<Media> get(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(media.get(id));
    }

    /** Deletes the object and its file; false when there was none. */
    public boolean delete(String id) {
        Media m = media.remove(id);
        if (m == null) {
            return false;
        }
        deleteQuietly(m.path());
        return true;
    }

    public InputStream open(Media m) throws IOException {
        return Files.newInputStream(m.path());
    }

    public void clear() {
        for (String id : media.keySet()) {
            delete(id);
        }
    }

    @Override
    public synchronized void close() {
        clear();
        if (dir != null) {
            try (var files = Files.list(dir)) {
                files.forEach(MediaStore::deleteQuietly);
            } catch (IOException ignored) {
                // best effort: a temp directory left behind is harmless
            }
            deleteQuietly(dir);
            dir = null;
        }
    }

    private synchronized Path dir() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("switchboard-emulator-media-");
            dir.toFile().deleteOnExit();
        }
        return dir;
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the file goes with the temp directory
        }
    }
}
