package dev.switchboard.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.messages.QueuedMessage;
import org.junit.jupiter.api.Test;

class LanePriorityTest {
    private final LaneQueue[] lanes = {new LaneQueue(Lane.HIGH, 100), new LaneQueue(Lane.NORMAL, 100), new LaneQueue(Lane.LOW, 100)};

    private void fill(Lane lane) {
        LaneQueue q = lanes[lane.ordinal()];
        q.endLoad(java.util.List.of(), 100, m -> false); // an empty read: the lane is all in memory
        q.offer(new QueuedMessage("m-" + lane, "t", "c", 1, lane, "155500001", "{}", "UTILITY", null, 0, 0, 0, 0));
    }

    @Test
    void strictPriorityUntilALowerLaneIsPassedOverTooOften() {
        LanePriority p = new LanePriority();
        fill(Lane.HIGH);
        fill(Lane.LOW);
        for (int i = 0; i < LanePriority.STARVATION_TURNS; i++) {
            assertThat(p.order(true, lanes)[0]).isEqualTo(Lane.HIGH);
            p.picked(Lane.HIGH, lanes);
        }
        assertThat(p.order(true, lanes)[0]).as("marketing's guaranteed turn").isEqualTo(Lane.LOW);
        p.picked(Lane.LOW, lanes);
        assertThat(p.order(true, lanes)[0]).isEqualTo(Lane.HIGH);
    }

    @Test
    void pausedMarketingIsNotOfferedAtAll() {
        LanePriority p = new LanePriority();
        assertThat(p.order(false, lanes)).containsExactly(Lane.HIGH, Lane.NORMAL);
    }
}
