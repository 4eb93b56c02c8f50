package dev.switchboard.emulator.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minimal multipart/form-data reader for the media upload: enough for {@code file}, {@code type}
 * and {@code messaging_product}, all in memory (uploads are test-sized).
 */
final class Multipart {
    record Part(String name, String fileName, String contentType, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"");

    private Multipart() {
    }

    static Map<String, Part> parse(String contentType, byte[] body) {
        Matcher bm = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!bm.find()) {
            throw new IllegalArgumentException("multipart boundary missing");
        }
        byte[] delimiter = ("--" + bm.group(1)).getBytes(StandardCharsets.ISO_8859_1);
        Map<String, Part> parts = new LinkedHashMap<>();
        int pos = indexOf(body, delimiter, 0);
        while (pos >= 0) {
            int start = pos + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                break;
            }
            start = skipCrlf(body, start);
            int next = indexOf(body, delimiter, start);
            if (next < 0) {
                break;
            }
            int headerEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
            if (headerEnd < 0 || headerEnd > next) {
                break;
            }
            String headers = new String(body, start, headerEnd - start, StandardCharsets.UTF_8);
            int dataStart = headerEnd + 4;
            int dataEnd = next - 2; // the CRLF before the delimiter belongs to it
            byte[] data = new byte[Math.max(0, dataEnd - dataStart)];
            System.arraycopy(body, dataStart, data, 0, data.length);
            String name = find(NAME, headers);
            if (name != null) {
                parts.put(name, new Part(name, find(FILENAME, headers), contentTypeOf(headers), data));
            }
            pos = next;
        }
        return parts;
    }

    private static String contentTypeOf(String headers) {
        for (String line : headers.split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase("Content-Type")) {
                return line.substring(c + 1).trim();
            }
        }
        return null;
    }

    private static String find(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : null;
    }

    private static int skipCrlf(byte[] b, int i) {
        return i + 1 < b.length && b[i] == '\r' && b[i + 1] == '\n' ? i + 2 : i;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
