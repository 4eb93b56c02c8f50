package dev.switchboard.emulator.stats;

import dev.switchboard.emulator.ReadReceipt;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** A number's read receipts and typing indicators: counted for good, the recent ones kept (bounded). */
public final class ReadLog {
    private final int capacity;
    private final ArrayDeque<ReadReceipt> recent = new ArrayDeque<>();
    private long reads;
    private long typing;

    public ReadLog(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    public synchronized void add(ReadReceipt r) {
        if (recent.size() == capacity) {
            recent.removeFirst();
        }
        recent.addLast(r);
        reads++;
        if (r.typing()) {
            typing++;
        }
    }

    /** The most recent {@code limit} receipts, oldest first. */
    public synchronized List<ReadReceipt> last(int limit) {
        List<ReadReceipt> all = new ArrayList<>(recent);
        return List.copyOf(all.subList(Math.max(0, all.size() - Math.max(0, limit)), all.size()));
    }

    public synchronized long reads() {
        return reads;
    }

    public synchronized long typingIndicators() {
        return typing;
    }

    public synchronized void clear() {
        recent.clear();
        reads = 0;
        typing = 0;
    }
}
