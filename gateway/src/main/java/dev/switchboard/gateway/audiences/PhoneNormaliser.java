package dev.switchboard.gateway.audiences;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Locale;

/**
 * Turns a phone number as people write it ({@code 098765 43210}, {@code +91-98765-43210},
 * {@code 919876543210}) into E.164 digits without the {@code +}, the form Switchboard keys users
 * by everywhere (message recipients, opt-outs), or says in a few words why it cannot.
 *
 * <p>A number written without {@code +country} is read in the audience's default country. With
 * none, it is read as WhatsApp ids are written, country code first; this is also what
 * libphonenumber does with a default country when the digits start with that country's code and
 * make no sense as a national number. A number must be <em>valid</em> (a range in use), not
 * merely of a possible length: a typo caught at upload is a send Meta never has to refuse.
 */
final class PhoneNormaliser {
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final int MAX_INPUT = 40;

    /** Either {@code digits} or {@code reason} is set. */
    record Result(String digits, String reason) {
        boolean valid() {
            return digits != null;
        }
    }

    private final String region;

    /** {@code defaultCountry}: an ISO 3166 region such as {@code IN}, or null. */
    PhoneNormaliser(String defaultCountry) {
        this.region = defaultCountry;
    }

    /** Whether libphonenumber knows {@code region} (upper-case ISO 3166 alpha-2). */
    static boolean knownCountry(String region) {
        return region != null && PHONES.getSupportedRegions().contains(region.toUpperCase(Locale.ROOT));
    }

    Result normalise(String raw) {
        if (raw == null || raw.isBlank()) {
            return invalid("phone is empty");
        }
        String s = raw.strip();
        if (s.length() > MAX_INPUT) {
            return invalid("not a phone number (longer than " + MAX_INPUT + " characters)");
        }
        boolean assumedInternational = region == null && s.charAt(0) != '+';
        PhoneNumber n;
        try {
            n = assumedInternational ? PHONES.parse("+" + s, null) : PHONES.parse(s, region);
        } catch (NumberParseException e) {
            return invalid(switch (e.getErrorType()) {
                case INVALID_COUNTRY_CODE -> region == null
                        ? "no valid country code (write +country, or give the audience a default_country)"
                        : "no valid country code";
                case TOO_SHORT_NSN, TOO_SHORT_AFTER_IDD -> "too short";
                case TOO_LONG -> "too long";
                default -> "not a phone number";
            });
        }
        if (n.hasExtension()) {
            return invalid("has an extension");
        }
        if (!PHONES.isValidNumber(n)) {
            String where = PHONES.getRegionCodeForCountryCode(n.getCountryCode());
            String reason = switch (PHONES.isPossibleNumberWithReason(n)) {
                case TOO_SHORT -> "too short";
                case TOO_LONG -> "too long";
                case INVALID_COUNTRY_CODE -> "no valid country code";
                default -> "not a valid number in " + ("ZZ".equals(where) ? "+" + n.getCountryCode() : where);
            };
            return invalid(assumedInternational ? reason + " (read as +country first, as the audience has no default_country)" : reason);
        }
        return new Result(PHONES.format(n, PhoneNumberFormat.E164).substring(1), null);
    }

    private static Result invalid(String reason) {
        return new Result(null, reason);
    }
}
