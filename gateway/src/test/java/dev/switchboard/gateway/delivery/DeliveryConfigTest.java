package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.gateway.config.ConfigLoader;
import dev.switchboard.gateway.config.SwitchboardConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The delivery section of the configuration: safe defaults, the JSON file and environment overrides. */
class DeliveryConfigTest {
    @Test
    void defaultsAreSafe() {
        SwitchboardConfig.Delivery d = ConfigLoader.load((InputStream) null, Map.of()).delivery();
        assertThat(d.retryBase()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.retryCap()).isEqualTo(Duration.ofMinutes(10));
        assertThat(d.horizon()).isEqualTo(Duration.ofHours(24));
        assertThat(d.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.maxInFlight()).isEqualTo(16);
        assertThat(d.maxBatch()).isEqualTo(100);
        assertThat(d.breakerFailureThreshold()).isEqualTo(5);
        assertThat(d.breakerOpenFor()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.deadLetterRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(new SwitchboardConfig.Delivery(null, null, null, null)).isEqualTo(d);
    }

    @Test
    void theFileAndTheEnvironmentSetEveryField() {
        InputStream json = new ByteArrayInputStream("""
                {"delivery":{"horizon":"PT6H","maxBatch":20,"breakerOpenFor":"PT5S"}}
                """.getBytes(StandardCharsets.UTF_8));
        SwitchboardConfig.Delivery d = ConfigLoader.load(json, Map.of(
                "SWITCHBOARD_DELIVERY_MAX_IN_FLIGHT", "8",
                "SWITCHBOARD_DELIVERY_RETRY_BASE", "PT0.5S",
                "SWITCHBOARD_DELIVERY_BREAKER_FAILURE_THRESHOLD", "10",
                "SWITCHBOARD_DELIVERY_DEAD_LETTER_RETENTION", "P30D",
                "SWITCHBOARD_DELIVERY_MAX_BATCH", "50")).delivery();
        assertThat(d.horizon()).isEqualTo(Duration.ofHours(6));
        assertThat(d.breakerOpenFor()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.maxBatch()).isEqualTo(50);
        assertThat(d.maxInFlight()).isEqualTo(8);
        assertThat(d.retryBase()).isEqualTo(Duration.ofMillis(500));
        assertThat(d.breakerFailureThreshold()).isEqualTo(10);
        assertThat(d.deadLetterRetention()).isEqualTo(Duration.ofDays(30));
        assertThat(d.retryCap()).isEqualTo(Duration.ofMinutes(10));
    }
}
