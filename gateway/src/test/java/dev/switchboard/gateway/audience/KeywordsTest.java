package dev.switchboard.gateway.audience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeywordsTest {
    private final Keywords defaults = Keywords.defaults();

    @Test
    void aWholeMessageThatIsAKeywordMatchesWhateverItsCaseAccentsAndPunctuation() {
        assertThat(defaults.match("STOP")).isEqualTo(1);
        assertThat(defaults.match("  stop!! ")).isEqualTo(1);
        assertThat(defaults.match("Stop all")).isEqualTo(1);
        assertThat(defaults.match("arrêt")).isEqualTo(1);
        assertThat(defaults.match("ARRET.")).isEqualTo(1);
        assertThat(defaults.match("Baja")).isEqualTo(1);
        assertThat(defaults.match("СТОП")).isEqualTo(1);
        assertThat(defaults.match("start")).isEqualTo(-1);
        assertThat(defaults.match("Unstop")).isEqualTo(-1);
    }

    @Test
    void aSentenceContainingAKeywordIsNotAnOptOut() {
        assertThat(defaults.match("please don't stop")).isZero();
        assertThat(defaults.match("stop sending me the wrong size")).isZero();
        assertThat(defaults.match("")).isZero();
        assertThat(defaults.match(null)).isZero();
        assertThat(defaults.match("stop".repeat(20))).isZero();
    }

    @Test
    void aTenantsOwnKeywordsReplaceTheDefaults() {
        Keywords own = Keywords.of(List.of("Basta", "Non più"), List.of("Ancora"));
        assertThat(own.match("basta")).isEqualTo(1);
        assertThat(own.match("NON PIU")).isEqualTo(1);
        assertThat(own.match("ancora!")).isEqualTo(-1);
        assertThat(own.match("STOP")).isZero();
    }
}
