package dev.switchboard.gateway.messages;

import java.security.SecureRandom;

/**
 * Message ids: {@code sbm_} + 26 Crockford base-32 characters (48-bit millisecond time, then 80
 * random bits), i.e. ULID layout. Time-ordered ids keep B-tree inserts at the right edge of the
 * index on PostgreSQL; written here because the layout is 20 lines and a dependency would be
 * more code than it saves.
 */
public final class MessageIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private MessageIds() {}

    public static String next(long nowMillis) {
        char[] out = new char[30];
        out[0] = 's';
        out[1] = 'b';
        out[2] = 'm';
        out[3] = '_';
        long t = nowMillis;
        for (int i = 9; i >= 0; i--) {
            out[4 + i] = ALPHABET[(int) (t & 31)];
            t >>>= 5;
        }
        byte[] r = new byte[10];
        RANDOM.nextBytes(r);
        long hi = ((r[0] & 0xFFL) << 32) | ((r[1] & 0xFFL) << 24) | ((r[2] & 0xFFL) << 16) | ((r[3] & 0xFFL) << 8) | (r[4] & 0xFFL);
        long lo = ((r[5] & 0xFFL) << 32) | ((r[6] & 0xFFL) << 24) | ((r[7] & 0xFFL) << 16) | ((r[8] & 0xFFL) << 8) | (r[9] & 0xFFL);
        for (int i = 7; i >= 0; i--) {
            out[14 + i] = ALPHABET[(int) (hi & 31)];
            hi >>>= 5;
            out[22 + i] = ALPHABET[(int) (lo & 31)];
            lo >>>= 5;
        }
        return new String(out);
    }
}
