package dev.switchboard.emulator.media;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The sink of one upload: bytes go to the file as they arrive, through a SHA-256 digest and a
 * counter. Past its ceiling it throws {@link TooLarge} rather than write another byte, so an
 * oversized body never reaches the disk whole. {@link #abort()} removes the file.
 */
public final class Upload extends OutputStream {
    /** The upload passed its ceiling. */
    public static final class TooLarge extends IOException {
        public TooLarge(long ceiling) {
            super("upload larger than " + ceiling + " bytes");
        }
    }

    private final Path path;
    private final OutputStream out;
    private final MessageDigest digest;
    private final long ceiling;
    private long size;
    private boolean closed;

    Upload(Path path, long ceiling) throws IOException {
        this.path = path;
        this.out = Files.newOutputStream(path);
        this.ceiling = ceiling;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (size + len > ceiling) {
            throw new TooLarge(ceiling);
        }
        out.write(b, off, len);
        digest.update(b, off, len);
        size += len;
    }

    public long size() {
        return size;
    }

    public Path path() {
        return path;
    }

    /** Base64 of the digest; call once, after the last byte. */
    String sha256() {
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            out.close();
        }
    }

    public void abort() {
        try {
            close();
        } catch (IOException ignored) {
            // deleting anyway
        }
        MediaStore.deleteQuietly(path);
    }
}
