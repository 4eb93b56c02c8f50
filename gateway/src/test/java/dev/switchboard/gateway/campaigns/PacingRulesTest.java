package dev.switchboard.gateway.campaigns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.intake.Rejection;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure rules of pacing: sending windows through the zone's calendar, request validation, the price table. */
class PacingRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");
    private static final PriceTable PRICES = new PriceTable(new SwitchboardConfig.Pricing("usd", Map.of(
            "default", Map.of("marketing", new BigDecimal("0.05"), "UTILITY", new BigDecimal("0.01")),
            "IN", Map.of("MARKETING", new BigDecimal("0.0107")),
            "44", Map.of("MARKETING", new BigDecimal("0.0529")))));

    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void aDayWindowIsOpenWithinItsHoursOnItsDaysOnly() {
        // 09:00–21:00 Kolkata, Monday to Friday; 2 March 2026 is a Monday
        SendingWindow w = new SendingWindow(KOLKATA, 9 * 60, 21 * 60, 0b11111);
        assertThat(w.open(at("2026-03-02T03:30:00Z"))).isTrue(); // 09:00 Monday
        assertThat(w.open(at("2026-03-02T03:29:59Z"))).isFalse();
        assertThat(w.open(at("2026-03-02T15:29:59Z"))).isTrue(); // 20:59:59
        assertThat(w.open(at("2026-03-02T15:30:00Z"))).isFalse(); // 21:00: closed
        assertThat(w.open(at("2026-03-07T06:00:00Z"))).isFalse(); // Saturday noon
        // Friday 21:00 → Monday 09:00
        assertThat(w.nextOpen(at("2026-03-06T15:30:00Z"))).isEqualTo(at("2026-03-09T03:30:00Z"));
        assertThat(w.closesAt(at("2026-03-02T10:00:00Z"))).isEqualTo(at("2026-03-02T15:30:00Z"));
        // 13 open hours from Monday 20:00: 1 h on Monday, 12 on Tuesday
        assertThat(w.advance(at("2026-03-02T14:30:00Z"), 13 * 3600)).isEqualTo(at("2026-03-03T15:30:00Z"));
        // its longest closed stretch is the weekend (60 h), plus an hour for a clock change
        assertThat(w.longestClosedMillis(at("2026-03-02T00:00:00Z"))).isEqualTo((60 + 1) * 3_600_000L);
    }

    @Test
    void anOvernightWindowBelongsToTheDayItOpensOn() {
        // 21:00–02:00, Fridays only: open Friday night into Saturday morning, not Saturday night
        SendingWindow w = new SendingWindow(KOLKATA, 21 * 60, 2 * 60, 1 << 4);
        assertThat(w.open(at("2026-03-06T16:00:00Z"))).isTrue(); // Friday 21:30
        assertThat(w.open(at("2026-03-06T20:00:00Z"))).isTrue(); // Saturday 01:30
        assertThat(w.open(at("2026-03-06T20:30:00Z"))).isFalse(); // Saturday 02:00
        assertThat(w.open(at("2026-03-07T16:00:00Z"))).isFalse(); // Saturday 21:30
        assertThat(w.closesAt(at("2026-03-06T16:00:00Z"))).isEqualTo(at("2026-03-06T20:30:00Z"));
        assertThat(w.nextOpen(at("2026-03-07T16:00:00Z"))).isEqualTo(at("2026-03-13T15:30:00Z"));
    }

    @Test
    void daylightSavingIsTheZonesBusiness() {
        // New York springs forward on 8 March 2026 at 02:00: a 02:30 opening that day opens at 03:00 EDT (07:00Z)
        SendingWindow w = new SendingWindow(ZoneId.of("America/New_York"), 2 * 60 + 30, 5 * 60, SendingWindow.EVERY_DAY);
        assertThat(w.nextOpen(at("2026-03-08T05:00:00Z"))).isEqualTo(at("2026-03-08T07:00:00Z"));
        assertThat(w.closesAt(at("2026-03-08T07:00:00Z"))).isEqualTo(at("2026-03-08T09:00:00Z")); // 05:00 EDT
        assertThat(w.nextOpen(at("2026-03-09T05:00:00Z"))).isEqualTo(at("2026-03-09T06:30:00Z")); // 02:30 EDT
    }

    private static Pacing parse(String json) throws Exception {
        return Pacing.parse(JSON.readTree(json), PRICES);
    }

    private static void refused(String json, String field) {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(Rejection.class)
                .satisfies(e -> assertThat(((Rejection) e).httpStatus()).isEqualTo(400))
                .hasMessageContaining(field);
    }

    @Test
    void requestsAreValidatedNamingTheField() throws Exception {
        assertThat(parse("{}").none()).isTrue();
        Pacing p = parse("{\"sending_window\":{\"time_zone\":\"Asia/Kolkata\",\"from\":\"21:00\",\"to\":\"02:00\",\"days\":[\"Fri\",\"saturday\"]},"
                + "\"max_per_second\":0.5,\"spend_cap\":{\"amount\":250,\"currency\":\"usd\"}}");
        assertThat(p.window()).isEqualTo(new SendingWindow(KOLKATA, 21 * 60, 120, (1 << 4) | (1 << 5)));
        assertThat(p.maxPerSecond()).isEqualTo(0.5);
        assertThat(p.spendCapMicros()).isEqualTo(250_000_000L);
        assertThat(p.currency()).isEqualTo("USD");
        assertThat(parse("{\"sending_window\":{\"time_zone\":\"UTC\",\"from\":\"00:00\",\"to\":\"24:00\"}}").window().open(0)).isTrue();

        refused("{\"sending_window\":{\"time_zone\":\"Mars/Olympus\",\"from\":\"09:00\",\"to\":\"21:00\"}}", "sending_window.time_zone");
        refused("{\"sending_window\":{\"from\":\"09:00\",\"to\":\"21:00\"}}", "sending_window.time_zone");
        refused("{\"sending_window\":{\"time_zone\":\"UTC\",\"from\":\"25:00\",\"to\":\"21:00\"}}", "sending_window.from");
        refused("{\"sending_window\":{\"time_zone\":\"UTC\",\"from\":\"09:00\",\"to\":\"9pm\"}}", "sending_window.to");
        refused("{\"sending_window\":{\"time_zone\":\"UTC\",\"from\":\"09:00\",\"to\":\"09:00\"}}", "sending_window");
        refused("{\"sending_window\":{\"time_zone\":\"UTC\",\"from\":\"09:00\",\"to\":\"21:00\",\"days\":[\"funday\"]}}", "sending_window.days");
        refused("{\"sending_window\":{\"time_zone\":\"UTC\",\"from\":\"09:00\",\"to\":\"21:00\",\"days\":[]}}", "sending_window.days");
        refused("{\"sending_window\":\"nights\"}", "sending_window");
        refused("{\"max_per_second\":0}", "max_per_second");
        refused("{\"max_per_second\":\"fast\"}", "max_per_second");
        refused("{\"spend_cap\":{\"amount\":-1,\"currency\":\"USD\"}}", "spend_cap");
        refused("{\"spend_cap\":250}", "spend_cap");
        refused("{\"spend_cap\":{\"amount\":250,\"currency\":\"EUR\"}}", "spend_cap.currency");
        PriceTable none = new PriceTable(SwitchboardConfig.Pricing.defaults());
        JsonNode capped = JSON.readTree("{\"spend_cap\":{\"amount\":250,\"currency\":\"USD\"}}");
        assertThatThrownBy(() -> Pacing.parse(capped, none)).hasMessageContaining("no price table");
    }

    @Test
    void pricesByRegionThenCallingCodeThenDefaultInMillionths() {
        assertThat(PRICES.micros("919812345678", "marketing")).isEqualTo(10_700); // IN by region
        assertThat(PRICES.micros("447700900123", "MARKETING")).isEqualTo(52_900); // +44 by calling code
        assertThat(PRICES.micros("14158675309", "MARKETING_LITE")).isEqualTo(50_000); // default row, the category's stem
        assertThat(PRICES.micros("919812345678", "utility")).isEqualTo(10_000); // IN has no utility price: the default row's
        assertThat(PRICES.micros("919812345678", "service")).isZero(); // no price anywhere: free
        assertThat(PRICES.maxMicros("MARKETING")).isEqualTo(52_900);
        assertThat(PriceTable.amount(700_000).toPlainString()).isEqualTo("0.70");
        assertThat(PriceTable.amount(1_400).toPlainString()).isEqualTo("0.0014");
        assertThatThrownBy(() -> new SwitchboardConfig.Pricing("USD", Map.of("India", Map.of("MARKETING", BigDecimal.ONE))))
                .hasMessageContaining("India");
    }

    @Test
    void thePriceTableComesFromTheConfigurationFile() {
        String json = "{\"pricing\": {\"currency\": \"usd\", \"rates\": {\"default\": {\"MARKETING\": 0.025},"
                + " \"in\": {\"marketing\": 0.0107}}}}";
        SwitchboardConfig c = dev.switchboard.gateway.config.ConfigLoader.load(
                new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Map.of("SWITCHBOARD_PRICING_CURRENCY", "INR"));
        assertThat(c.pricing().currency()).isEqualTo("INR");
        PriceTable t = new PriceTable(c.pricing());
        assertThat(t.micros("919812345678", "MARKETING")).isEqualTo(10_700);
        assertThat(t.micros("4915112345678", "MARKETING")).isEqualTo(25_000);
        assertThat(SwitchboardConfig.defaults().pricing().rates()).isEmpty();
        assertThat(new PriceTable(SwitchboardConfig.defaults().pricing()).configured()).isFalse();
    }
}
