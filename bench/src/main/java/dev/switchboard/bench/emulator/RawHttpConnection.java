package dev.switchboard.bench.emulator;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection with the least client-side work possible: a blocking
 * socket per virtual thread, requests written in one go, responses read by Content-Length.
 *
 * <p>Why not the JDK HttpClient: on a 2-core box the load generator shares the CPU with the
 * emulator, and the JDK client's asynchronous machinery costs more CPU per request than the
 * emulator itself, so it measured the client rather than the server. Only for loopback
 * benchmarking: no TLS, no redirects; chunked responses are read but trailers ignored.
 */
public final class RawHttpConnection implements AutoCloseable {
    /** Status and body of one response. */
    public record Response(int status, byte[] body) {
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String host;

    public RawHttpConnection(String host, int port) throws IOException {
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(30_000);
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.host = host + ":" + port;
    }

    Response post(String path, String bearer, byte[] body) throws IOException {
        return postWithHeader(path, "Authorization: Bearer " + bearer, body);
    }

    /** A POST with one extra header line ({@code "Name: value"}). */
    public Response postWithHeader(String path, String headerLine, byte[] body) throws IOException {
        return post(path, body, headerLine);
    }

    /**
     * A JSON POST with extra header lines ({@code "Name: value"}; null entries are skipped).
     * Throws {@link ClosedException} when the server had closed the connection before answering.
     */
    public Response post(String path, byte[] body, String... headerLines) throws IOException {
        StringBuilder head = new StringBuilder(160).append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
        for (String l : headerLines) {
            if (l != null) {
                head.append("\r\n").append(l);
            }
        }
        head.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] req = new byte[h.length + body.length];
        System.arraycopy(h, 0, req, 0, h.length);
        System.arraycopy(body, 0, req, h.length, body.length);
        out.write(req);
        out.flush();
        return read();
    }

    private Response read() throws IOException {
        String statusLine = line();
        if (statusLine == null || statusLine.length() < 12) {
            throw new ClosedException();
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        int length = 0;
        boolean chunked = false;
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            if (l.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(l.substring(15).trim());
            } else if (l.regionMatches(true, 0, "Transfer-Encoding:", 0, 18) && l.toLowerCase().contains("chunked")) {
                chunked = true;
            }
        }
        return new Response(status, chunked ? chunks() : in.readNBytes(length));
    }

    private byte[] chunks() throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 100_000; i++) {
            String size = line();
            if (size == null) {
                throw new IOException("connection closed inside a chunked body");
            }
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                for (String l = line(); l != null && !l.isEmpty(); l = line()) {
                    // trailers: ignored
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            line();
        }
        throw new IOException("too many chunks");
    }

    /** The server closed the connection before sending a status line (an idle keep-alive connection, typically). */
    public static final class ClosedException extends IOException {
        ClosedException() {
            super("connection closed");
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
