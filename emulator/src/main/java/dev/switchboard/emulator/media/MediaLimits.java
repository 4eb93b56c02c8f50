package dev.switchboard.emulator.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What Meta accepts on {@code POST /{phone-number-id}/media}: the MIME types (in the order Meta
 * lists them in its error message) and the size limit of each kind. Image 5 MB, audio and video
 * 16 MB, document 100 MB, sticker ({@code image/webp}) 100 KB static or 500 KB animated; a
 * megabyte is 1,048,576 bytes here (the more lenient reading).
 */
public final class MediaLimits {
    public enum Kind { AUDIO, DOCUMENT, IMAGE, STICKER, VIDEO }

    public static final long KB = 1024;
    public static final long MB = 1024 * KB;
    public static final long STATIC_STICKER = 100 * KB;
    public static final long ANIMATED_STICKER = 500 * KB;

    private static final Map<String, Kind> SUPPORTED = new LinkedHashMap<>();

    static {
        for (String t : new String[] {"audio/aac", "audio/mp4", "audio/mpeg", "audio/amr", "audio/ogg", "audio/opus"}) {
            SUPPORTED.put(t, Kind.AUDIO);
        }
        for (String t : new String[] {"application/vnd.ms-powerpoint", "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf", "text/plain",
                "application/vnd.ms-excel"}) {
            SUPPORTED.put(t, Kind.DOCUMENT);
        }
        SUPPORTED.put("image/jpeg", Kind.IMAGE);
        SUPPORTED.put("image/png", Kind.IMAGE);
        SUPPORTED.put("image/webp", Kind.STICKER);
        SUPPORTED.put("video/mp4", Kind.VIDEO);
        SUPPORTED.put("video/3gpp", Kind.VIDEO);
    }

    private MediaLimits() {
    }

    /** The kind of a MIME type (parameters such as {@code ; codecs=opus} ignored), or {@code null} if Meta refuses it. */
    public static Kind kindOf(String mimeType) {
        if (mimeType == null) {
            return null;
        }
        int semi = mimeType.indexOf(';');
        String base = (semi < 0 ? mimeType : mimeType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        return SUPPORTED.get(base);
    }

    /** The largest upload of a kind; for stickers the animated limit (the static one is checked after). */
    public static long limit(Kind kind) {
        return switch (kind) {
            case IMAGE -> 5 * MB;
            case AUDIO, VIDEO -> 16 * MB;
            case DOCUMENT -> 100 * MB;
            case STICKER -> ANIMATED_STICKER;
        };
    }

    /** The largest upload of any kind: the ceiling while the kind is not yet known. */
    public static long largest() {
        return 100 * MB;
    }

    public static String supportedList() {
        return String.join(", ", SUPPORTED.keySet());
    }

    /** Whether a WebP file is animated: a {@code VP8X} header with the animation flag set. */
    public static boolean animatedWebp(Path file) {
        byte[] head = new byte[21];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        return head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F'
                && head[8] == 'W' && head[9] == 'E' && head[10] == 'B' && head[11] == 'P'
                && head[12] == 'V' && head[13] == 'P' && head[14] == '8' && head[15] == 'X'
                && (head[20] & 0x02) != 0;
    }

    /** Human-readable size for error details, e.g. {@code 5 MB}, {@code 100 KB}. */
    public static String describe(long bytes) {
        return bytes % MB == 0 ? bytes / MB + " MB" : bytes / KB + " KB";
    }
}
