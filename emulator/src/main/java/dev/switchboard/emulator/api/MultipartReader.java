package dev.switchboard.emulator.api;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A streaming multipart/form-data reader: each part's bytes are handed to a sink as they
 * arrive, so an upload goes from the socket to its file once, never held whole in memory and
 * never copied out of a buffered body. The reader keeps one 64 KiB window and only holds back
 * the last {@code delimiter - 1} bytes of it, which might be the start of the next boundary.
 */
final class MultipartReader {
    /** Where a part's bytes go; return {@code null} to discard the part. */
    interface PartSink {
        OutputStream open(String name, String fileName, String contentType) throws IOException;
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))", Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern FILENAME = Pattern.compile("\\bfilename=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final int MAX_HEADER_LINE = 8 * 1024;
    private static final int MAX_HEADER_LINES = 32;

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private boolean eof;

    private MultipartReader(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // the first boundary may open the body: read it as if a CRLF came before it
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
    }

    /** The boundary parameter of a multipart Content-Type, or {@code null}. */
    static String boundary(String contentType) {
        Matcher m = BOUNDARY.matcher(contentType == null ? "" : contentType);
        if (!m.find()) {
            return null;
        }
        String b = m.group(1) != null ? m.group(1) : m.group(2);
        return b.isEmpty() || b.length() > 200 ? null : b;
    }

    /** Reads every part into the sink's streams; throws on a malformed body. */
    static void read(InputStream in, String boundary, PartSink sink) throws IOException {
        MultipartReader r = new MultipartReader(in, boundary);
        r.copyToDelimiter(OutputStream.nullOutputStream()); // preamble
        while (true) {
            String rest = r.readLine();
            if (rest.startsWith("--")) {
                return; // closing boundary; the epilogue is left to the server to drain
            }
            if (!rest.isBlank()) {
                throw new IOException("malformed multipart boundary line");
            }
            String name = null;
            String fileName = null;
            String contentType = null;
            for (int i = 0; ; i++) {
                String line = r.readLine();
                if (line.isEmpty()) {
                    break;
                }
                if (i >= MAX_HEADER_LINES) {
                    throw new IOException("too many multipart part headers");
                }
                int colon = line.indexOf(':');
                String header = colon < 0 ? "" : line.substring(0, colon).trim();
                String value = colon < 0 ? "" : line.substring(colon + 1).trim();
                if (header.equalsIgnoreCase("Content-Disposition")) {
                    name = find(NAME, value);
                    fileName = find(FILENAME, value);
                } else if (header.equalsIgnoreCase("Content-Type")) {
                    contentType = value;
                }
            }
            OutputStream out = name == null ? null : sink.open(name, fileName, contentType);
            r.copyToDelimiter(out == null ? OutputStream.nullOutputStream() : out);
        }
    }

    private static String find(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : null;
    }

    private void copyToDelimiter(OutputStream out) throws IOException {
        while (true) {
            while (lim - pos < delimiter.length && !eof) {
                fill();
            }
            int at = indexOf();
            if (at >= 0) {
                out.write(buf, pos, at - pos);
                pos = at + delimiter.length;
                return;
            }
            if (eof) {
                throw new EOFException("multipart body ended before its closing boundary");
            }
            int safe = lim - (delimiter.length - 1);
            out.write(buf, pos, safe - pos);
            pos = safe;
            fill();
        }
    }

    /** The rest of the current line, without its CRLF (UTF-8). */
    private String readLine() throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        while (true) {
            if (pos == lim) {
                fill();
                if (pos == lim) {
                    throw new EOFException("multipart body ended inside a header");
                }
            }
            byte b = buf[pos++];
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_HEADER_LINE) {
                throw new IOException("multipart header line too long");
            }
            line.write(b);
        }
    }

    private void fill() throws IOException {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
            eof = true;
        } else {
            lim += n;
        }
    }

    private int indexOf() {
        byte first = delimiter[0];
        outer:
        for (int i = pos; i <= lim - delimiter.length; i++) {
            if (buf[i] != first) {
                continue;
            }
            for (int j = 1; j < delimiter.length; j++) {
                if (buf[i + j] != delimiter[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
