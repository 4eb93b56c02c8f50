package dev.switchboard.gateway.audiences;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Phone normalisation and the variables' JSON, without a node. */
class AudiencesPhoneTest {
    @ParameterizedTest(name = "{0} in {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "+91 98765 43210     | null | 919876543210",
            "919876543210        | null | 919876543210",
            "098765 43210        | IN   | 919876543210",
            "(098765) 43210      | IN   | 919876543210",
            "919876543210        | IN   | 919876543210",
            "0091 98765-43210    | IN   | 919876543210",
            "+1 (201) 555-0123   | IN   | 12015550123",
            "11 98765-4321       | BR   | 5511987654321",
            "07911 123456        | GB   | 447911123456",
    })
    void writtenFormsBecomeE164Digits(String raw, String country, String digits) {
        PhoneNormaliser.Result r = new PhoneNormaliser(country).normalise(raw);
        assertThat(r.reason()).isNull();
        assertThat(r.digits()).isEqualTo(digits);
    }

    @ParameterizedTest(name = "{0} in {1}: {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "''                  | IN   | phone is empty",
            "12345               | IN   | too short",
            "hello               | IN   | not a phone number",
            "+999 1234 5678      | IN   | no valid country code",
            "98765 43210 ext. 12 | IN   | has an extension",
            "+1 555 123 4567     | IN   | not a valid number in US",
            "9876543210          | null | not a valid number in IR (read as +country first, as the audience has no default_country)",
    })
    void refusedFormsSayWhy(String raw, String country, String reason) {
        PhoneNormaliser.Result r = new PhoneNormaliser(country).normalise(raw);
        assertThat(r.digits()).isNull();
        assertThat(r.reason()).isEqualTo(reason);
    }

    @Test
    void countriesAreLibphonenumbersRegions() {
        assertThat(PhoneNormaliser.knownCountry("IN")).isTrue();
        assertThat(PhoneNormaliser.knownCountry("in")).isTrue();
        assertThat(PhoneNormaliser.knownCountry("XX")).isFalse();
        assertThat(PhoneNormaliser.knownCountry(null)).isFalse();
    }

    @Test
    void variablesAreWrittenAsAJsonObjectWithEscapes() throws Exception {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("name", "Asha \"A\", \\ née\n");
        v.put("emoji", "\uD83C\uDF89");
        String json = ContactImport.toJson(v);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class)).isEqualTo(v);
        assertThat(ContactImport.toJson(Map.of())).isEqualTo("{}");
    }
}
