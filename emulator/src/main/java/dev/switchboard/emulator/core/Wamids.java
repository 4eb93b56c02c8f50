package dev.switchboard.emulator.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Message ids shaped like Meta's: {@code wamid.} + base64 of a small binary record that starts
 * with the recipient's digits (which is why real wamids begin {@code HBgL…} for 11-digit
 * numbers) followed by a unique suffix. Unique per emulator instance by a counter, not by luck.
 */
public final class Wamids {
    private static final AtomicLong COUNTER = new AtomicLong(System.nanoTime());

    private Wamids() {
    }

    public static String next(String recipient) {
        byte[] who = recipient.getBytes(StandardCharsets.US_ASCII);
        int whoLen = Math.min(who.length, 60);
        String suffix = String.format("%016X", COUNTER.incrementAndGet() * 0x9E3779B97F4A7C15L);
        ByteBuffer buf = ByteBuffer.allocate(3 + whoLen + 6 + suffix.length() + 1);
        buf.put((byte) 0x1c).put((byte) 0x18).put((byte) whoLen).put(who, 0, whoLen);
        buf.put((byte) 0x15).put((byte) 0x02).put((byte) 0x00).put((byte) 0x11).put((byte) 0x18).put((byte) suffix.length());
        buf.put(suffix.getBytes(StandardCharsets.US_ASCII)).put((byte) 0x00);
        return "wamid." + Base64.getEncoder().encodeToString(buf.array());
    }
}
