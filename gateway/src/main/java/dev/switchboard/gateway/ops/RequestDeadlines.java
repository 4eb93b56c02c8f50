package dev.switchboard.gateway.ops;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.helidon.webserver.http.ServerRequest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cuts off clients that take too long to send a request: slow-loris senders that trickle header
 * bytes, bodies that dribble in, and connections stalled inside a malformed chunk.
 *
 * <p>Why our own: Helidon's per-read socket timeout resets with every byte, so one byte every few
 * seconds keeps a connection forever; its idle-connection check only interrupts a connection that
 * is reading a request line, not one stuck in its headers or body (measured: a trickled header
 * held for 60 s under a 1 s idle timeout). So every accepted socket gets a deadline here:
 * <ul>
 *   <li>from accept, and after each answer, the next request's headers must be in within
 *       {@code 2 × timeout} (this is also how long an idle keep-alive connection stays open);</li>
 *   <li>once headers are in, a request that carries a body must be answered within
 *       {@code timeout}; one without a body (a GET, a DELETE) has no deadline, so long queries
 *       and streamed exports are never cut;</li>
 *   <li>a handler that streams a large body (a CSV import, a media upload) reads it through
 *       {@link #metered}: every {@value #PROGRESS_BYTES} bytes that arrive push the deadline to
 *       {@code timeout} from then. A real upload, however large, keeps going while it moves at
 *       least that much per timeout (about 1 KiB/s at the default 30 s, the floor Apache's
 *       mod_reqtimeout also uses); a trickle does not.</li>
 * </ul>
 * A watchdog closes overdue sockets; the connection's reader then fails and Helidon drops it.
 * The socket is found again from the filter by its remote address, which is unique per open
 * connection. Assumes one request at a time per connection (HTTP/1.1); with HTTP/2 streams the
 * latest request's deadline wins.
 */
public final class RequestDeadlines implements Filter, AutoCloseable {
    private static final long NEVER = Long.MAX_VALUE;
    /** Bytes of body that buy a streamed request another {@code timeout}. */
    static final int PROGRESS_BYTES = 32 * 1024;

    private final long timeoutNanos;
    private final Map<SocketAddress, Watched> open = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog;
    private final Counter cut;

    private static final class Watched {
        final SocketChannel channel;
        final AtomicInteger active = new AtomicInteger();
        volatile long deadline;

        Watched(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = deadline;
        }
    }

    public RequestDeadlines(Duration timeout, MeterRegistry registry) {
        this.timeoutNanos = timeout.toNanos();
        this.cut = Counter.builder("switchboard_http_connections_cut")
                .description("Connections closed because a request took longer than http.requestTimeout to arrive")
                .register(registry);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "request-deadlines");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), timeoutNanos / 4);
        watchdog.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    /** Socket options for the listener: Helidon's defaults, plus registering each accepted socket here. */
    public SocketOptions socketOptions() {
        return new Registering(SocketOptions.create());
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Watched w = open.get(req.remotePeer().address());
        if (w == null) {
            chain.proceed();
            return;
        }
        w.active.incrementAndGet();
        req.context().register(this);
        req.context().register(w);
        boolean hasBody = req.headers().contains(HeaderNames.TRANSFER_ENCODING)
                || req.headers().contentLength().orElse(0L) > 0;
        w.deadline = hasBody ? System.nanoTime() + timeoutNanos : NEVER;
        try {
            chain.proceed();
        } finally {
            if (w.active.decrementAndGet() == 0) {
                w.deadline = System.nanoTime() + 2 * timeoutNanos;
            }
        }
    }

    /**
     * {@code in}, read from {@code req}'s body, with every {@value #PROGRESS_BYTES} bytes read
     * extending the request's deadline by the timeout (see the class comment). Outside a watched
     * request (no listener deadline) it is {@code in} itself.
     */
    public static InputStream metered(ServerRequest req, InputStream in) {
        Optional<RequestDeadlines> self = req.context().get(RequestDeadlines.class);
        Optional<Watched> w = req.context().get(Watched.class);
        if (self.isEmpty() || w.isEmpty()) {
            return in;
        }
        long timeout = self.get().timeoutNanos;
        Watched watched = w.get();
        return new FilterInputStream(in) {
            private long sinceExtension;

            @Override
            public int read() throws IOException {
                int b = super.read();
                progress(b < 0 ? 0 : 1);
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                progress(Math.max(n, 0));
                return n;
            }

            private void progress(int n) {
                sinceExtension += n;
                if (sinceExtension >= PROGRESS_BYTES) {
                    sinceExtension = 0;
                    watched.deadline = System.nanoTime() + timeout;
                }
            }
        };
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Map.Entry<SocketAddress, Watched> e : open.entrySet()) {
            Watched w = e.getValue();
            if (!w.channel.isOpen()) {
                open.remove(e.getKey(), w);
            } else if (now - w.deadline > 0 && w.deadline != NEVER) {
                open.remove(e.getKey(), w);
                cut.increment();
                try {
                    w.channel.close();
                } catch (IOException ignored) {
                    // closing is all we wanted; a failure means it is closed already
                }
            }
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }

    /** Helidon's socket options, delegated unchanged, with the accepted socket registered. */
    private final class Registering implements SocketOptions {
        private final SocketOptions defaults;

        Registering(SocketOptions defaults) {
            this.defaults = defaults;
        }

        @Override
        public void configureSocket(SocketChannel channel) {
            defaults.configureSocket(channel);
            try {
                open.put(channel.getRemoteAddress(), new Watched(channel, System.nanoTime() + 2 * timeoutNanos));
            } catch (IOException gone) {
                // the client left before we looked; Helidon will find the socket closed
            }
        }

        @Override
        public Map<SocketOption<?>, Object> socketOptions() {
            return defaults.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return defaults.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return defaults.readTimeout();
        }

        @Override
        public Optional<Integer> socketReceiveBufferSize() {
            return defaults.socketReceiveBufferSize();
        }

        @Override
        public Optional<Integer> socketSendBufferSize() {
            return defaults.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return defaults.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return defaults.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return defaults.tcpNoDelay();
        }
    }
}
