package dev.switchboard.gateway.campaigns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.intake.Rejection;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A campaign's optional limits on how it sends: a sending window, a rate cap (messages per
 * second across all its channels) and a spend cap (in the operator's price-table currency).
 * Kept beside the {@link Campaign} rather than in it — a separate table and record — because
 * they are optional, read only by the pacing, and a campaign without them has no row.
 *
 * @param window         null: it may send at any hour
 * @param maxPerSecond   null: as fast as its channels go
 * @param spendCapMicros null: no cap; otherwise millionths of {@code currency}
 */
record Pacing(SendingWindow window, Double maxPerSecond, Long spendCapMicros, String currency) {
    static final Pacing NONE = new Pacing(null, null, null, null);
    private static final Pattern TIME = Pattern.compile("([01]?\\d|2[0-4]):([0-5]\\d)");
    /** Meta's highest throughput is 1,000 messages/s per number; a cap is for going slower. */
    private static final double MAX_RATE = 100_000;
    private static final double MIN_RATE = 0.01;

    boolean none() {
        return window == null && maxPerSecond == null && spendCapMicros == null;
    }

    /** The limits in a create request ({@code sending_window}, {@code max_per_second}, {@code spend_cap}); 400 naming the field otherwise. */
    static Pacing parse(JsonNode body, PriceTable prices) {
        return new Pacing(window(body.get("sending_window")), rate(body.get("max_per_second")), spendCap(body.get("spend_cap"), prices),
                body.hasNonNull("spend_cap") ? prices.currency() : null);
    }

    private static SendingWindow window(JsonNode w) {
        if (w == null || w.isNull()) {
            return null;
        }
        if (!w.isObject()) {
            throw Rejection.invalid("sending_window", "must be {\"time_zone\", \"from\": \"09:00\", \"to\": \"21:00\", \"days\"?: [\"mon\", ...]}");
        }
        JsonNode tz = w.get("time_zone");
        if (tz == null || !tz.isTextual()) {
            throw Rejection.invalid("sending_window.time_zone", "is required: an IANA time zone such as Asia/Kolkata");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(tz.asText());
        } catch (DateTimeException e) {
            throw Rejection.invalid("sending_window.time_zone", "is not a time zone: '" + tz.asText() + "' (use an IANA name such as Asia/Kolkata)");
        }
        int from = minute(w.get("from"), "sending_window.from");
        int to = minute(w.get("to"), "sending_window.to");
        if (from == to || (from == 24 * 60)) {
            throw Rejection.invalid("sending_window", "must open and close at different times, opening before 24:00 (from "
                    + SendingWindow.clock(from) + ", to " + SendingWindow.clock(to) + ")");
        }
        int days = SendingWindow.EVERY_DAY;
        JsonNode d = w.get("days");
        if (d != null && !d.isNull()) {
            if (!d.isArray() || d.isEmpty()) {
                throw Rejection.invalid("sending_window.days", "must be a non-empty array of days such as [\"mon\", \"tue\"]");
            }
            days = 0;
            for (JsonNode day : d) {
                int bit = day.isTextual() ? SendingWindow.dayBit(day.asText()) : -1;
                if (bit < 0) {
                    throw Rejection.invalid("sending_window.days", "has '" + day.asText() + "', which is not a day (mon, tue, ..., sun)");
                }
                days |= bit;
            }
        }
        return new SendingWindow(zone, from, to, days);
    }

    private static int minute(JsonNode n, String field) {
        Matcher m = n != null && n.isTextual() ? TIME.matcher(n.asText().strip()) : null;
        if (m == null || !m.matches() || (Integer.parseInt(m.group(1)) == 24 && !m.group(2).equals("00"))) {
            throw Rejection.invalid(field, "must be a local time HH:MM from 00:00 to 24:00, such as \"09:00\"");
        }
        return Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2));
    }

    private static Double rate(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        // at least 0.01 (one message in 100 s): below it the estimate's arithmetic runs for ages and a
        // campaign would take years; an operator who wants that wants a schedule, not a rate
        if (!n.isNumber() || n.asDouble() < MIN_RATE || n.asDouble() > MAX_RATE || !Double.isFinite(n.asDouble())) {
            throw Rejection.invalid("max_per_second", "must be a number of messages per second from 0.01 to " + (long) MAX_RATE
                    + " (such as 50 or 0.5)");
        }
        return n.asDouble();
    }

    private static Long spendCap(JsonNode n, PriceTable prices) {
        if (n == null || n.isNull()) {
            return null;
        }
        JsonNode amount = n.get("amount");
        if (!n.isObject() || amount == null || !amount.isNumber() || amount.decimalValue().compareTo(new BigDecimal("0.01")) < 0
                || amount.decimalValue().compareTo(BigDecimal.valueOf(1_000_000_000)) > 0) {
            throw Rejection.invalid("spend_cap", "must be {\"amount\": a number from 0.01 up, \"currency\": \"" + prices.currency() + "\"}");
        }
        if (!prices.configured()) {
            throw Rejection.invalid("spend_cap", "cannot be set: the operator has configured no price table (pricing.rates), so spend is not counted");
        }
        String currency = n.path("currency").asText(prices.currency());
        if (!prices.currency().equalsIgnoreCase(currency)) {
            throw Rejection.invalid("spend_cap.currency", "must be " + prices.currency() + ", the currency of the operator's price table, not "
                    + currency);
        }
        return PriceTable.micros(amount.decimalValue());
    }

    /** The limits as the campaign view shows them (always present, null when unset). */
    void view(ObjectNode n) {
        if (window == null) {
            n.putNull("sending_window");
        } else {
            ObjectNode w = n.putObject("sending_window").put("time_zone", window.zone().getId())
                    .put("from", SendingWindow.clock(window.from())).put("to", SendingWindow.clock(window.to()));
            ArrayNode days = w.putArray("days");
            window.dayNames().forEach(days::add);
        }
        if (maxPerSecond == null) {
            n.putNull("max_per_second");
        } else {
            n.put("max_per_second", maxPerSecond);
        }
        if (spendCapMicros == null) {
            n.putNull("spend_cap");
        } else {
            n.putObject("spend_cap").put("amount", PriceTable.amount(spendCapMicros)).put("currency", currency);
        }
    }
}
