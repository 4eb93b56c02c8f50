package dev.switchboard.gateway.audiences;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body read incrementally with a byte cap, so that the cap holds however the body
 * arrives (chunked bodies declare no length). Whatever goes wrong below — Helidon reports a
 * malformed chunk as a runtime exception — surfaces as an {@link IOException} here, so readers
 * above have one failure to handle.
 */
final class BoundedInput extends FilterInputStream {
    /** The body went past its cap. */
    static final class TooLarge extends IOException {
        TooLarge(long max) {
            super("body exceeds " + max + " bytes");
        }
    }

    private final long max;
    private long read;

    BoundedInput(InputStream in, long max) {
        super(in);
        this.max = max;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = super.read(b, off, (int) Math.min(len, max + 1 - read));
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IOException("unreadable body", e);
        }
        if (n > 0) {
            read += n;
            if (read > max) {
                throw new TooLarge(max);
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        int len = (int) Math.min(n, 8192);
        return Math.max(0, read(new byte[len], 0, len));
    }

    long bytesRead() {
        return read;
    }
}
