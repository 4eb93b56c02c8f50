package dev.switchboard.gateway.campaigns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.gateway.intake.Rejection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The recipients export's cursor, its order over messages and skips, and its CSV cells. */
class CampaignRecipientsCursorTest {
    @Test
    void cursorsRoundTripAndForgeriesAreRefused() {
        for (RecipientStore.Key k : List.of(new RecipientStore.Key("919812345678", false, "sbm_01ABC"),
                new RecipientStore.Key("919812345678", true, ""))) {
            assertThat(CampaignRecipients.decode(CampaignRecipients.encode(k))).isEqualTo(k);
        }
        for (String bad : List.of("%%%", "bm90IGEgY3Vyc29y", CampaignRecipients.encode(new RecipientStore.Key("", false, "x")))) {
            assertThatThrownBy(() -> CampaignRecipients.decode(bad)).isInstanceOf(Rejection.class)
                    .satisfies(e -> assertThat(((Rejection) e).httpStatus()).isEqualTo(400));
        }
    }

    @Test
    void aPhonesMessagesComeBeforeItsSkipAndPhonesInOrder() {
        RecipientStore.Key m1 = new RecipientStore.Key("9198", false, "sbm_1");
        RecipientStore.Key m2 = new RecipientStore.Key("9198", false, "sbm_2");
        RecipientStore.Key s = new RecipientStore.Key("9198", true, "");
        RecipientStore.Key next = new RecipientStore.Key("9199", false, "sbm_0");
        List<RecipientStore.Key> keys = new ArrayList<>(List.of(next, s, m2, m1));
        Collections.sort(keys);
        assertThat(keys).containsExactly(m1, m2, s, next);
    }

    @Test
    void freeTextNeverStartsAFormula() {
        assertThat(CampaignRecipients.inert("=HYPERLINK(\"x\")")).isEqualTo("'=HYPERLINK(\"x\")");
        assertThat(CampaignRecipients.inert("+1 555")).isEqualTo("'+1 555");
        assertThat(CampaignRecipients.inert("-2")).isEqualTo("'-2");
        assertThat(CampaignRecipients.inert("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(CampaignRecipients.inert("Meta 131049: per-user marketing limit reached")).isEqualTo("Meta 131049: per-user marketing limit reached");
        assertThat(CampaignRecipients.inert(null)).isEmpty();
    }
}
