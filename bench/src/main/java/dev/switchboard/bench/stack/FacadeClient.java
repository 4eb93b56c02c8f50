package dev.switchboard.bench.stack;

import dev.switchboard.bench.emulator.RawHttpConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Single-message sends to the gateway's Cloud API facade ({@code POST /v23.0/{pnid}/messages},
 * the tenant's API key as Bearer) over a pool of keep-alive connections: a caller borrows an idle
 * connection or opens a new one, so N concurrent callers use N connections, as N clients would.
 *
 * <p>Raw blocking sockets on virtual threads rather than the JDK HttpClient: on a 2-core box the
 * load generator competes with the gateway for CPU, and the JDK client's asynchronous machinery
 * costs several times more per request (see {@link RawHttpConnection}). The benchmark's own CPU
 * is reported beside the gateway's anyway.
 *
 * <p>The start of a request is taken in epoch microseconds, the clock the emulator stamps
 * arrivals with, so request start → arrival at Meta is measured across processes.
 */
public final class FacadeClient implements AutoCloseable {
    /** Outcome of one send: HTTP status (-1 on an I/O error), start in epoch µs, round trip in ns. */
    public record Result(int status, long startMicros, long nanos, String body) {
        public boolean ok() {
            return status == 200;
        }
    }

    private final String host;
    private final int port;
    private final ConcurrentLinkedDeque<RawHttpConnection> idle = new ConcurrentLinkedDeque<>();

    public FacadeClient(String host, int port) {
        this.host = host;
        this.port = port;
    }

    public static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Sends one message; {@code high} adds {@code X-Priority: high}. Keeps the body only when the send failed. */
    public Result send(String phoneNumberId, String apiKey, byte[] body, boolean high) {
        return send(phoneNumberId, apiKey, body, high, false);
    }

    /** As {@link #send(String, String, byte[], boolean)}; {@code keepBody} keeps a 200's body too. */
    public Result send(String phoneNumberId, String apiKey, byte[] body, boolean high, boolean keepBody) {
        String path = "/v23.0/" + phoneNumberId + "/messages";
        String auth = "Authorization: Bearer " + apiKey;
        String priority = high ? "X-Priority: high" : null;
        for (int attempt = 0; ; attempt++) {
            RawHttpConnection c = idle.pollFirst();
            boolean reused = c != null;
            long startMicros = epochMicros();
            long t0 = System.nanoTime();
            try {
                if (c == null) {
                    c = new RawHttpConnection(host, port);
                }
                RawHttpConnection.Response r = c.post(path, body, auth, priority);
                long nanos = System.nanoTime() - t0;
                idle.offerFirst(c);
                return new Result(r.status(), startMicros, nanos,
                        r.status() == 200 && !keepBody ? null : new String(r.body(), StandardCharsets.UTF_8));
            } catch (RawHttpConnection.ClosedException e) {
                closeQuietly(c);
                if (!reused || attempt > 0) {
                    return new Result(-1, startMicros, System.nanoTime() - t0, e.toString());
                }
                // an idle keep-alive connection the server had closed: the request never reached it, retry once
            } catch (IOException e) {
                closeQuietly(c);
                return new Result(-1, startMicros, System.nanoTime() - t0, e.toString());
            }
        }
    }

    private static void closeQuietly(RawHttpConnection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // gone anyway
        }
    }

    @Override
    public void close() {
        for (RawHttpConnection c; (c = idle.pollFirst()) != null; ) {
            closeQuietly(c);
        }
    }
}
