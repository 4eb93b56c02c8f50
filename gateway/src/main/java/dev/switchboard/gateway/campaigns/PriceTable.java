package dev.switchboard.gateway.campaigns;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.switchboard.gateway.config.SwitchboardConfig;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's price table ({@code pricing} in the configuration): what one message to a
 * recipient costs in a pricing category, in millionths of the table's currency.
 *
 * <p><b>Why millionths.</b> Meta's rates have up to four decimals (0.0014 USD); sums of a
 * million of them in binary floating point drift, and a spend cap compared against a drifting
 * sum pauses one message early or late. Whole micro-units add exactly, and a BIGINT holds nine
 * trillion currency units of them.
 *
 * <p><b>Lookup.</b> The recipient's country by its ISO region ({@code IN}), else by its calling
 * code ({@code 91}, which also covers the regions sharing +1 or +7), else {@code default}; in that
 * row the category exactly, else its stem ({@code MARKETING_LITE} → {@code MARKETING}); a row
 * without the category falls back to the {@code default} row, and no price at all is 0.
 */
final class PriceTable {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    static final long MICROS = 1_000_000L;

    private final String currency;
    private final Map<String, Map<String, BigDecimal>> rates;
    /** calling code or region of a phone prefix → its rate row key; regions repeat a lot in an audience */
    private final Map<String, String> rowOf = new ConcurrentHashMap<>();

    PriceTable(SwitchboardConfig.Pricing pricing) {
        this.currency = pricing.currency();
        this.rates = pricing.rates();
    }

    String currency() {
        return currency;
    }

    /** Whether the operator configured any price: without one there is no spend to count or cap. */
    boolean configured() {
        return !rates.isEmpty();
    }

    /** The price of one message to {@code phone} (E.164 digits) in {@code category}, in micro-units. */
    long micros(String phone, String category) {
        String cat = category == null ? "" : category.toUpperCase(Locale.ROOT);
        BigDecimal p = price(rates.get(row(phone)), cat);
        if (p == null) {
            p = price(rates.get("default"), cat);
        }
        return p == null ? 0 : p.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /** The highest price of {@code category} anywhere in the table: what an unknown recipient may cost. */
    long maxMicros(String category) {
        String cat = category == null ? "" : category.toUpperCase(Locale.ROOT);
        long max = 0;
        for (Map<String, BigDecimal> row : rates.values()) {
            BigDecimal p = price(row, cat);
            if (p != null) {
                max = Math.max(max, p.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact());
            }
        }
        return max;
    }

    private static BigDecimal price(Map<String, BigDecimal> row, String category) {
        if (row == null) {
            return null;
        }
        BigDecimal p = row.get(category);
        int stem = category.indexOf('_');
        return p != null || stem < 0 ? p : row.get(category.substring(0, stem));
    }

    private String row(String phone) {
        if (phone == null || phone.isEmpty()) {
            return "default";
        }
        // the longest calling code is 3 digits, and +1 / +7 regions are told apart by the next 3
        String key = phone.substring(0, Math.min(phone.length(), 6));
        return rowOf.computeIfAbsent(key, k -> lookup(phone));
    }

    private String lookup(String phone) {
        try {
            var number = PHONES.parse("+" + phone, null);
            String region = PHONES.getRegionCodeForNumber(number);
            if (region != null && rates.containsKey(region)) {
                return region;
            }
            String code = Integer.toString(number.getCountryCode());
            return rates.containsKey(code) ? code : "default";
        } catch (NumberParseException e) {
            return "default";
        }
    }

    /** {@code micros} as a decimal amount of the currency, for people: 250.000000 → 250.00, 0.0014 stays. */
    static BigDecimal amount(long micros) {
        BigDecimal a = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
        return a.scale() < 2 ? a.setScale(2, RoundingMode.UNNECESSARY) : a;
    }

    static long micros(BigDecimal amount) {
        return amount.movePointRight(6).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }
}
