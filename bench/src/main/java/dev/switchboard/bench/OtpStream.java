package dev.switchboard.bench;

import dev.switchboard.bench.stack.EmulatorControl;
import dev.switchboard.bench.stack.FacadeClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tenant B's login codes: one HIGH free-form text ({@code X-Priority: high}) every interval,
 * each to its own recipient so it can be found again in the emulator's log.
 *
 * <p>Open loop: the ticker never waits for an answer, each OTP goes out on its own virtual
 * thread at its scheduled instant. A closed loop would send fewer OTPs exactly when the gateway
 * is slow and so hide the latency it is meant to measure (coordinated omission). Each OTP is
 * tagged with the phase it was sent in, so one stream serves warm-up, baseline and load.
 */
final class OtpStream {
    /** Phases an OTP can be sent in. */
    enum Phase { WARMUP, BASELINE, LOADED }

    /** One OTP as sent: its recipient digits, phase, and the facade's answer. */
    record Sent(String to, Phase phase, FacadeClient.Result result) {
    }

    private static final long FIRST_RECIPIENT = 13_000_000_000L;

    private final FacadeClient client;
    private final String phoneNumberId;
    private final String apiKey;
    private final long intervalNanos;
    private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    private volatile Phase phase = Phase.WARMUP;
    private volatile boolean stopped;
    private Thread ticker;
    private final List<Thread> inFlight = new ArrayList<>();

    OtpStream(FacadeClient client, String phoneNumberId, String apiKey, long intervalMillis) {
        this.client = client;
        this.phoneNumberId = phoneNumberId;
        this.apiKey = apiKey;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    }

    /** Starts ticking; stops by {@link #stop()} or after {@code maxMillis}, whichever comes first. */
    void start(long maxMillis) {
        ticker = Thread.ofPlatform().name("otp-ticker").daemon(true).start(() -> tick(maxMillis));
    }

    void phase(Phase p) {
        this.phase = p;
    }

    private void tick(long maxMillis) {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        for (long i = 0; !stopped; i++) {
            long at = t0 + i * intervalNanos;
            if (at - deadline > 0) {
                return;
            }
            for (long wait; !stopped && (wait = at - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            if (stopped) {
                return;
            }
            String to = Long.toString(FIRST_RECIPIENT + i);
            Phase p = phase;
            byte[] body = ("{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"" + to
                    + "\",\"type\":\"text\",\"text\":{\"body\":\"Your login code is " + (100_000 + i % 900_000) + " (otp " + i
                    + ")\"}}").getBytes(StandardCharsets.UTF_8);
            Thread t = Thread.ofVirtual().name("otp-" + i).start(() -> sent.add(new Sent(to, p, client.send(phoneNumberId, apiKey, body, true))));
            synchronized (inFlight) {
                inFlight.add(t);
            }
        }
    }

    /** Stops ticking and waits (up to 30 s) for the OTPs in flight to be answered. */
    void stop() throws InterruptedException {
        stopped = true;
        if (ticker != null) {
            ticker.interrupt();
            ticker.join(5_000);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Thread> all;
        synchronized (inFlight) {
            all = List.copyOf(inFlight);
        }
        for (Thread t : all) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Latencies in µs (request start → arrival at the emulator) of the OTPs of one phase, and how many never arrived. */
    record Latencies(long[] micros, int sent, int refused, int missing) {
    }

    Latencies latencies(Phase p, List<EmulatorControl.Arrival> arrivals) {
        Map<String, Long> arrivedAt = new HashMap<>();
        for (EmulatorControl.Arrival a : arrivals) {
            arrivedAt.putIfAbsent(a.to(), a.arrivedAtMicros());
        }
        List<Long> out = new ArrayList<>();
        int count = 0;
        int refused = 0;
        int missing = 0;
        for (Sent s : sent) {
            if (s.phase() != p) {
                continue;
            }
            count++;
            if (!s.result().ok()) {
                refused++;
                continue;
            }
            Long at = arrivedAt.get(s.to());
            if (at == null) {
                missing++;
            } else {
                out.add(at - s.result().startMicros());
            }
        }
        return new Latencies(out.stream().mapToLong(Long::longValue).toArray(), count, refused, missing);
    }

    /** A sample refusal, for the report, or null. */
    String firstRefusal() {
        for (Sent s : sent) {
            if (!s.result().ok()) {
                return s.result().status() + " " + s.result().body();
            }
        }
        return null;
    }
}
