package dev.switchboard.gateway.api;

import static dev.switchboard.gateway.api.MessagingFixtures.*;
import static dev.switchboard.gateway.testing.TestNodes.A_ACTIVE;
import static dev.switchboard.gateway.testing.TestNodes.A_HELD;
import static dev.switchboard.gateway.testing.TestNodes.B_HELD;
import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.KEY_B;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.messages.MessageState;
import dev.switchboard.gateway.messages.MessageStore;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * After the accept, on both engines: listing with filters and pagination, cancel, priorities,
 * time-to-live, pool choice, and the store's listing agreeing with the API's.
 * Each test uses its own recipients / campaign ids, so tests sharing the node do not interfere.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessageLifecycleApiTest {
    private static TestNodes.Node node;

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void startNode(String engine) {
        if (TestDatabases.available(engine)) {
            node = TestNodes.start(engine);
        }
    }

    @BeforeEach
    void assumeEngine() {
        TestDatabases.assumeAvailable(engine); // skips each test, with the reason, when PostgreSQL is missing
    }

    @AfterParameterizedClassInvocation
    static void stopNode() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    private static TestHttp http() {
        return node.http();
    }

    private static JsonNode getMessage(String key, String id) {
        return MessagingFixtures.getMessage(http(), key, id);
    }

    @Test
    void listingFiltersAndPaginates() {
        String campaign = "camp-" + UUID.randomUUID();
        String r1 = freshNumber();
        String r2 = freshNumber();
        List<String> sent = new ArrayList<>();
        for (String to : List.of(r1, r2, r1, r2, r1)) {
            Resp r = http().post("/v1/messages", KEY_A, nativeText(A_HELD, to).put("campaign_id", campaign)
                    .set("metadata", TestHttp.parse("{\"order\":\"" + sent.size() + "\"}")));
            assertThat(r.status()).as("%s", r).isEqualTo(202);
            sent.add(r.json().path("id").asText());
        }
        String base = "/v1/messages?campaign_id=" + campaign;
        JsonNode all = http().get(base, KEY_A).json();
        assertThat(ids(all)).containsExactlyElementsOf(sent); // oldest first
        assertThat(all.has("next_cursor")).isFalse();
        assertThat(all.path("data").get(0).path("metadata").path("order").asText()).isEqualTo("0");
        assertThat(all.path("data").get(0).has("payload")).isFalse();

        assertThat(ids(http().get(base + "&recipient=" + r1, KEY_A).json()))
                .containsExactly(sent.get(0), sent.get(2), sent.get(4));
        assertThat(ids(http().get(base + "&recipient=" + r2, KEY_A).json())).containsExactly(sent.get(1), sent.get(3));
        assertThat(ids(http().get(base + "&state=queued", KEY_A).json())).containsExactlyElementsOf(sent);
        assertThat(ids(http().get(base + "&state=SENT", KEY_A).json())).isEmpty();

        // time range on accepted_at: from inclusive, to exclusive
        long firstAt = all.path("data").get(0).path("timeline").path("accepted").asLong();
        long lastAt = all.path("data").get(4).path("timeline").path("accepted").asLong();
        assertThat(ids(http().get(base + "&from=" + firstAt + "&to=" + (lastAt + 1), KEY_A).json())).hasSize(5);
        assertThat(ids(http().get(base + "&from=" + (lastAt + 1), KEY_A).json())).isEmpty();
        assertThat(ids(http().get(base + "&to=" + firstAt, KEY_A).json())).isEmpty();

        // cursor pagination, 2 at a time
        List<String> paged = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = http().get(base + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor), KEY_A).json();
            assertThat(page.path("data").size()).isLessThanOrEqualTo(2);
            paged.addAll(ids(page));
            cursor = page.hasNonNull("next_cursor") ? page.path("next_cursor").asText() : null;
            pages++;
            assertThat(pages).isLessThanOrEqualTo(4);
        } while (cursor != null);
        assertThat(paged).containsExactlyElementsOf(sent);
        assertThat(pages).isEqualTo(3);

        // state filter after a cancel
        assertThat(http().post("/v1/messages/" + sent.get(2) + "/cancel", KEY_A, null).status()).isEqualTo(200);
        assertThat(ids(http().get(base + "&state=CANCELLED", KEY_A).json())).containsExactly(sent.get(2));
        assertThat(ids(http().get(base + "&state=QUEUED", KEY_A).json())).hasSize(4).doesNotContain(sent.get(2));
    }

    // ---- cancel -----------------------------------------------------------------------------

    @Test
    void cancelAQueuedMessageOnceOnly() {
        Resp r = http().post("/v1/messages", KEY_A, nativeText(A_HELD, freshNumber()));
        String id = r.json().path("id").asText();
        TestNodes.await("the held channel's worker has it in memory", () -> node.switchboard().outbound().inMemory(A_HELD, id));
        Resp cancel = http().post("/v1/messages/" + id + "/cancel", KEY_A, null);
        assertThat(cancel.status()).as("%s", cancel).isEqualTo(200);
        // cancelled messages leave memory at once (left there, a thousand of them held a channel for minutes)
        assertThat(node.switchboard().outbound().inMemory(A_HELD, id)).isFalse();
        assertThat(cancel.json().path("state").asText()).isEqualTo("CANCELLED");
        assertThat(cancel.json().path("id").asText()).isEqualTo(id);
        JsonNode m = getMessage(KEY_A, id);
        assertThat(m.path("state").asText()).isEqualTo("CANCELLED");
        assertThat(m.path("timeline").path("cancelled").asLong()).isPositive();
        assertThat(node.switchboard().messages().find(TENANT_A, id))
                .hasValueSatisfying(msg -> assertThat(msg.state()).isEqualTo(MessageState.CANCELLED));

        Resp again = http().post("/v1/messages/" + id + "/cancel", KEY_A, null);
        assertThat(again.status()).as("%s", again).isEqualTo(409);
        assertThat(again.json().path("code").asText()).isEqualTo("not_cancellable");
        assertThat(again.json().path("detail").asText()).contains("CANCELLED");

        Resp unknown = http().post("/v1/messages/no-such-message/cancel", KEY_A, null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("code").asText()).isEqualTo("not_found");
        assertThat(http().get("/v1/messages/no-such-message", KEY_A).status()).isEqualTo(404);
    }

    // ---- priorities -------------------------------------------------------------------------

    @Test
    void priorityIsExplicitOrDefaultsToNormalForFreeFormText() {
        Resp normal = http().post("/v1/messages", KEY_A, nativeText(A_HELD, freshNumber()));
        assertThat(normal.json().path("lane").asText()).isEqualTo("NORMAL");
        Resp high = http().post("/v1/messages", KEY_A, nativeText(A_HELD, freshNumber()).put("priority", "high"));
        assertThat(high.json().path("lane").asText()).isEqualTo("HIGH");
        Resp low = http().post("/v1/messages", KEY_A, nativeText(A_HELD, freshNumber()).put("priority", "LOW"));
        assertThat(low.json().path("lane").asText()).isEqualTo("LOW");
        assertThat(getMessage(KEY_A, low.json().path("id").asText()).path("lane").asText()).isEqualTo("LOW");

        Resp facadeLow = http().post(facade(A_HELD), KEY_A, text(freshNumber(), "x"), "X-Priority", "low");
        assertThat(facadeLow.status()).isEqualTo(200);
        String id = facadeLow.json().path("messages").get(0).path("id").asText();
        assertThat(getMessage(KEY_A, id).path("lane").asText()).isEqualTo("LOW");
        Resp facadeDefault = http().post(facade(A_HELD), KEY_A, text(freshNumber(), "x"));
        String id2 = facadeDefault.json().path("messages").get(0).path("id").asText();
        assertThat(getMessage(KEY_A, id2).path("lane").asText()).isEqualTo("NORMAL");
    }

    @Test
    void ttlSetsTheExpiry() {
        Resp r = http().post("/v1/messages", KEY_A, nativeText(A_HELD, freshNumber()).put("ttl_seconds", 60));
        JsonNode m = getMessage(KEY_A, r.json().path("id").asText());
        long accepted = m.path("timeline").path("accepted").asLong();
        assertThat(m.path("expires_at").asLong()).isEqualTo(accepted + 60_000);
        // HIGH defaults to 10 minutes
        Resp h = http().post("/v1/messages", KEY_A, nativeText(A_HELD, freshNumber()).put("priority", "high"));
        JsonNode hm = getMessage(KEY_A, h.json().path("id").asText());
        assertThat(hm.path("expires_at").asLong()).isEqualTo(hm.path("timeline").path("accepted").asLong() + 600_000);
    }

    @Test
    void withoutAChannelTheTenantsActiveChannelIsChosen() {
        // A_HELD is paused, so only A_ACTIVE can be chosen
        ObjectNode n = nativeText(A_HELD, freshNumber());
        n.remove("channel_id");
        Resp r = http().post("/v1/messages", KEY_A, n);
        assertThat(r.status()).as("%s", r).isEqualTo(202);
        assertThat(r.json().path("channel_id").asText()).isEqualTo(A_ACTIVE);
        // tenant B's only channel is paused: nothing to send from
        ObjectNode b = nativeText(B_HELD, freshNumber());
        b.remove("channel_id");
        Resp none = http().post("/v1/messages", KEY_B, b);
        assertThat(none.status()).isEqualTo(409);
        assertThat(none.json().path("code").asText()).isEqualTo("no_channel");
    }

    @Test
    void listingThroughTheStoreMatchesTheApi() {
        String campaign = "camp-" + UUID.randomUUID();
        Resp r = http().post("/v1/messages", KEY_A, nativeText(A_HELD, freshNumber()).put("campaign_id", campaign));
        String id = r.json().path("id").asText();
        List<dev.switchboard.gateway.messages.Message> rows = node.switchboard().messages()
                .list(new MessageStore.Query(TENANT_A, null, campaign, null, null, null, null, 10));
        assertThat(rows).singleElement().satisfies(m -> {
            assertThat(m.id()).isEqualTo(id);
            assertThat(m.campaignId()).isEqualTo(campaign);
            assertThat(m.state()).isEqualTo(MessageState.QUEUED);
        });
    }
}
