package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.CampaignKit.KEY;
import static dev.switchboard.gateway.e2e.CampaignKit.LONG;
import static dev.switchboard.gateway.e2e.CampaignKit.indian;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.AccountEvent;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What Meta says about a campaign's sending pauses it, over HTTP against the emulator on SQLite
 * and PostgreSQL: 131048 (spam rate limit) in the send answer or in a {@code failed} status, and
 * a number's quality turning RED, pause it with a visible reason; resume carries it to the end
 * with nobody messaged twice. A user Meta refused with 131049 (per-user marketing limit) is
 * skipped as {@code marketing_limit} by the next marketing campaign, not by a utility one.
 */
class CampaignAutoPauseTest {
    @TempDir
    Path dir;
    private CampaignKit kit;

    @AfterEach
    void tearDown() {
        if (kit != null) {
            kit.close();
        }
    }

    private static Set<String> phones(int from, int n) {
        Set<String> out = new HashSet<>();
        for (int i = from; i < from + n; i++) {
            out.add(indian(i));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void spamLimitInTheSendAnswerPausesTheCampaignAndResumeFinishesIt(String engine) {
        kit = CampaignKit.start(engine, dir, 40, e -> { });
        Set<String> phones = phones(0, 300);
        String refused = indian(120);
        kit.h.emulator.failNext(refused, 131048, true);
        String id = kit.startCampaign("flash_sale", kit.audience(0, 300), "\"channel_id\":\"8101\",");

        kit.awaitState(id, "paused");
        JsonNode paused = kit.campaign(id);
        assertThat(paused.path("state_reason").asText()).contains("131048").contains("8101").contains("refused");
        assertThat(kit.stats(id).path("state_reason").asText()).isEqualTo(paused.path("state_reason").asText());
        Harness.await("Meta's refusal is on the message", LONG, () -> recipient(id, refused).path("error_code").asInt() == 131048);
        assertThat(recipient(id, refused).path("status").asText()).as("set aside, not failed").isEqualTo("queued");

        JsonNode resumed = kit.act(id, "resume", 200);
        assertThat(resumed.path("state").asText()).isEqualTo("running");
        assertThat(resumed.path("state_reason").isNull()).isTrue();
        kit.awaitSettled(id, 0);
        // the refused message went again (not after its hour), and it was the only one sent twice
        Harness.await("Meta has every message", LONG, () -> kit.receivedTotal(phones) == phones.size());
        Map<String, Integer> got = kit.received(phones);
        assertThat(got.keySet()).isEqualTo(phones);
        assertThat(got.values()).as("nobody messaged twice").allMatch(n -> n == 1);
        assertThat(recipient(id, refused).path("status").asText()).isIn("sent", "delivered", "read");
        assertThat(kit.stats(id).path("sent").asLong()).isEqualTo(phones.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void spamLimitInAFailedStatusPausesTheCampaignAndResumeFinishesIt(String engine) {
        kit = CampaignKit.start(engine, dir, 40, e -> { });
        Set<String> phones = phones(0, 400);
        // the first recipient sent: its failed status has ten seconds of sending left to arrive in
        String failed = indian(0);
        kit.h.emulator.failNext(failed, 131048, false);
        String id = kit.startCampaign("flash_sale", kit.audience(0, 400), "\"channel_id\":\"8101\",");

        kit.awaitState(id, "paused");
        assertThat(kit.campaign(id).path("state_reason").asText()).contains("131048").contains("failed");
        kit.act(id, "resume", 200);
        kit.awaitSettled(id, 1);
        JsonNode s = kit.stats(id);
        assertThat(s.path("failed").path("by_code").path("131048").asLong()).isEqualTo(1);
        assertThat(s.path("sent").asLong()).isEqualTo(phones.size() - 1);
        JsonNode r = recipient(id, failed);
        assertThat(r.path("status").asText()).isEqualTo("failed");
        assertThat(r.path("error_code").asInt()).isEqualTo(131048);
        Harness.await("Meta has every message", LONG, () -> kit.receivedTotal(phones) == phones.size());
        assertThat(kit.received(phones).values()).as("nobody messaged twice").allMatch(n -> n == 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void redQualityPausesAMarketingCampaignButNotAUtilityOneOnTheSameNumber(String engine) {
        kit = CampaignKit.start(engine, dir, 10, e -> { });
        Set<String> marketingPhones = phones(0, 300);
        Set<String> utilityPhones = phones(1000, 300);
        String marketing = kit.startCampaign("flash_sale", kit.audience(0, 300), "\"channel_id\":\"8101\",");
        Harness.await("the marketing campaign is sending", LONG, () -> kit.receivedTotal(marketingPhones) >= 10);
        // NORMAL lane: in LOW it would queue behind all 300 marketing messages and only start once they are sent
        String utility = kit.startCampaign("order_update", kit.audience(1000, 300), "\"channel_id\":\"8101\",\"lane\":\"normal\",");
        Harness.await("the utility campaign is sending", LONG, () -> kit.receivedTotal(utilityPhones) >= 5);

        kit.h.emulator.accountEvent(AccountEvent.qualityUpdate("8101", "FLAGGED", null));
        kit.awaitState(marketing, "paused");
        assertThat(kit.campaign(marketing).path("state_reason").asText()).contains("8101").contains("RED");
        int utilitySent = kit.receivedTotal(utilityPhones);
        Harness.await("the utility campaign sends on", LONG, () -> kit.receivedTotal(utilityPhones) >= utilitySent + 10);
        assertThat(kit.stats(utility).path("state").asText()).as("a utility campaign is not paused for RED").isEqualTo("running");
        kit.act(utility, "cancel", 200);

        kit.h.emulator.accountEvent(AccountEvent.qualityUpdate("8101", "UNFLAGGED", null));
        Harness.await("quality GREEN again", LONG,
                () -> "GREEN".equals(kit.h.node.tenancy().channel("8101").orElseThrow().quality()));
        int before = kit.receivedTotal(marketingPhones);
        JsonNode resumed = kit.act(marketing, "resume", 200);
        assertThat(resumed.path("state").asText()).isEqualTo("running");
        assertThat(resumed.path("state_reason").isNull()).isTrue();
        Harness.await("the marketing campaign sends again", LONG, () -> kit.receivedTotal(marketingPhones) >= before + 10);
        kit.act(marketing, "cancel", 200);
        assertThat(kit.received(marketingPhones).values()).as("nobody messaged twice").allMatch(n -> n == 1);
        assertThat(kit.received(utilityPhones).values()).as("nobody messaged twice").allMatch(n -> n == 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aUserAtMetasMarketingLimitIsSkippedByTheNextMarketingCampaignOnly(String engine) {
        kit = CampaignKit.start(engine, dir, 50, e -> { });
        String limited = indian(5);
        kit.h.emulator.failNext(limited, 131049, false);
        String first = kit.startCampaign("flash_sale", kit.audience(0, 20), "\"channel_id\":\"8101\",");
        kit.awaitSettled(first, 1);
        assertThat(kit.stats(first).path("failed").path("by_code").path("131049").asLong()).isEqualTo(1);
        Harness.await("the 131049 is recorded for the user", LONG, () -> {
            HttpResponse<String> r = kit.h.get("/v1/audience/suppressions?kind=marketing_limit", KEY);
            return r.statusCode() == 200 && r.body().contains(limited);
        });

        String second = kit.startCampaign("flash_sale", kit.audience(0, 10), "\"channel_pool\":[\"8101\",\"8102\"],");
        kit.awaitSettled(second, 0);
        JsonNode s = kit.stats(second);
        assertThat(s.path("skipped").path("by_reason").path("marketing_limit").asLong()).isEqualTo(1);
        assertThat(s.path("skipped").path("total").asLong()).isEqualTo(1);
        assertThat(s.path("messages").asLong()).isEqualTo(9);
        JsonNode skip = recipient(second, limited);
        assertThat(skip.path("status").asText()).isEqualTo("skipped");
        assertThat(skip.path("reason").asText()).isEqualTo("marketing_limit");
        assertThat(skip.path("detail").asText()).contains("131049");
        HttpResponse<String> byReason = kit.h.get("/v1/campaigns/" + second + "/recipients?reason=marketing_limit", KEY);
        assertThat(Harness.json(byReason).path("data")).hasSize(1);

        // a utility campaign still reaches the user: the limit is Meta's marketing limit only
        String utility = kit.startCampaign("order_update", kit.audience(0, 10), "\"channel_id\":\"8102\",");
        kit.awaitSettled(utility, 0);
        assertThat(kit.stats(utility).path("skipped").path("total").asLong()).isZero();
        assertThat(recipient(utility, limited).path("status").asText()).isIn("sent", "delivered", "read");
        Harness.await("Meta has all three campaigns' messages", LONG, () -> kit.receivedTotal(phones(0, 20)) == 20 + 9 + 10);
        assertThat(kit.received(Set.of(limited))).as("the first campaign and the utility one, not the second")
                .isEqualTo(Map.of(limited, 2));
    }

    /** The campaign's row for one phone in its recipients list. */
    private JsonNode recipient(String campaignId, String phone) {
        String after = null;
        do {
            HttpResponse<String> r = kit.h.get("/v1/campaigns/" + campaignId + "/recipients?limit=1000" + (after == null ? "" : "&after=" + after),
                    KEY);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            for (JsonNode n : Harness.json(r).path("data")) {
                if (phone.equals(n.path("phone").asText())) {
                    return n;
                }
            }
            after = Harness.json(r).path("paging").path("after").asText(null);
        } while (after != null);
        throw new AssertionError(phone + " is not a recipient of " + campaignId);
    }
}
