package dev.switchboard.emulator.stats;

/**
 * Remembers which (recipient, canonical body) pairs a number has accepted, as 64-bit hashes in
 * an open-addressing set of primitive longs: 16 bytes per message at most, no bodies retained.
 * A false positive needs a 64-bit collision, negligible for any test or benchmark volume.
 *
 * <p>Not thread-safe: guarded by the owning number's lock.
 */
public final class DuplicateDetector {
    private static final long EMPTY = 0L;

    private long[] table = new long[1024];
    private int size;
    private boolean containsZero;

    /** Adds the hash; returns true if it was already present (a duplicate send). */
    public boolean addAndCheck(long hash) {
        if (hash == EMPTY) {
            boolean dup = containsZero;
            containsZero = true;
            return dup;
        }
        if (size * 2 >= table.length) {
            rehash();
        }
        int mask = table.length - 1;
        int i = mix(hash) & mask;
        while (table[i] != EMPTY) {
            if (table[i] == hash) {
                return true;
            }
            i = (i + 1) & mask;
        }
        table[i] = hash;
        size++;
        return false;
    }

    public void clear() {
        table = new long[1024];
        size = 0;
        containsZero = false;
    }

    private void rehash() {
        long[] old = table;
        table = new long[old.length * 2];
        int mask = table.length - 1;
        for (long h : old) {
            if (h != EMPTY) {
                int i = mix(h) & mask;
                while (table[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                table[i] = h;
            }
        }
    }

    private static int mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h;
    }
}
