package dev.switchboard.bench;

import dev.switchboard.bench.stack.EmulatorControl;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Users writing to the flooded numbers while the flash sale runs: {@code perSecond} inbound
 * messages a second on each number, injected at the emulator, which counts them in the number's
 * sliding second as Meta does. The gateway must leave them room (the {@code inbound-mix} check:
 * zero 130429). Bounded by {@link #stop()} and by a deadline.
 */
final class InboundLoad {
    private final EmulatorControl emu;
    private final List<String> numbers;
    private final double perSecond;
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean stopped;
    private Thread thread;

    InboundLoad(EmulatorControl emu, List<String> numbers, double perSecond) {
        this.emu = emu;
        this.numbers = numbers;
        this.perSecond = perSecond;
    }

    void start(long maxMillis) {
        if (perSecond <= 0) {
            return;
        }
        long deadline = System.nanoTime() + maxMillis * 1_000_000L;
        thread = Thread.ofPlatform().name("inbound-load").daemon(true).start(() -> {
            long interval = (long) (1e9 / perSecond);
            long next = System.nanoTime();
            long k = 0;
            while (!stopped && System.nanoTime() < deadline) {
                for (String number : numbers) {
                    // many distinct users, as a flash sale's replies would come from
                    emu.inbound(number, "4477" + String.format("%08d", k % 50_000), "is the sale still on?");
                    sent.incrementAndGet();
                }
                k++;
                next += interval;
                long sleep = (next - System.nanoTime()) / 1_000_000;
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        });
    }

    long stop() throws InterruptedException {
        stopped = true;
        if (thread != null) {
            thread.join(5_000);
        }
        return sent.get();
    }
}
