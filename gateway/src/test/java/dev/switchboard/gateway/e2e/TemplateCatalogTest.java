package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.Harness.channel;
import static dev.switchboard.gateway.e2e.Harness.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The template catalogue over HTTP against the emulator, on SQLite and PostgreSQL: what
 * {@code /v1/templates} lists (filters, paging, each component's parameters, one tenant's WABAs
 * only), a sync on request and its rate limit, a restart that knows the catalogue from disk
 * before it syncs, and the periodic re-sync that finds a template created behind its back.
 */
class TemplateCatalogTest {
    private static final String KEY = "sk_test_templates";
    private static final String OTHER_KEY = "sk_test_templates_other";
    private static final Duration LONG = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private TestDatabases.TestDb db;
    private Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private void start(String engine, UnaryOperator<SwitchboardConfig> config) {
        db = TestDatabases.forEngine(engine, dir);
        h = Harness.start(db.config(), dir, SwitchboardConfig.Sending.defaults(), e -> { }, config,
                tenant("tpl", KEY, channel("8301", 50), channel("8302", 50)), tenant("other", OTHER_KEY, channel("8401", 50)));
    }

    private JsonNode get(String path, String key) {
        HttpResponse<String> r = h.get(path, key);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return Harness.json(r);
    }

    private static List<String> ids(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.forEach(t -> out.add(t.path("name").asText() + "/" + t.path("language").asText() + "/" + t.path("waba_id").asText()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void listsFiltersPagesSyncsOnRequestAndKnowsItsCatalogueAfterARestart(String engine) {
        start(engine, c -> c);
        JsonNode all = get("/v1/templates", KEY);
        // the emulator's four default templates in each of the tenant's two WABAs, by name, language, WABA
        assertThat(ids(all.path("data"))).containsExactly(
                "flash_sale/en_US/waba-8301", "flash_sale/en_US/waba-8302", "hello_world/en_US/waba-8301", "hello_world/en_US/waba-8302",
                "order_update/en_US/waba-8301", "order_update/en_US/waba-8302", "otp_code/en_US/waba-8301", "otp_code/en_US/waba-8302");
        JsonNode order = all.path("data").get(4);
        assertThat(order.path("category").asText()).isEqualTo("UTILITY");
        assertThat(order.path("status").asText()).isEqualTo("APPROVED");
        assertThat(order.path("parameter_format").asText()).isEqualTo("positional");
        assertThat(order.path("components").path("body").path("parameters")).extracting(JsonNode::asText).containsExactly("1", "2");
        assertThat(get("/v1/templates", OTHER_KEY).path("data")).as("another tenant sees only its own WABA")
                .allSatisfy(t -> assertThat(t.path("waba_id").asText()).isEqualTo("waba-8401")).hasSize(4);

        // a template made in WhatsApp Manager is not known until a sync
        MetaTemplates.create(h, "8301", MetaTemplates.springPromo("spring_promo"));
        assertThat(h.get("/v1/templates/spring_promo", KEY).statusCode()).isEqualTo(404);
        HttpResponse<String> synced = h.post("/v1/templates/sync", KEY, "");
        assertThat(synced.statusCode()).as(synced.body()).isEqualTo(200);
        assertThat(Harness.json(synced).path("synced")).extracting(s -> s.path("waba_id").asText()).containsExactlyInAnyOrder("waba-8301", "waba-8302");
        assertThat(Harness.json(synced).path("failed")).isEmpty();
        HttpResponse<String> again = h.post("/v1/templates/sync", KEY, "");
        assertThat(again.statusCode()).as("a tenant syncs at most once a minute: " + again.body()).isEqualTo(429);
        assertThat(again.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
        assertThat(Harness.json(again).path("code").asText()).isEqualTo("sync_rate_limited");
        assertThat(h.post("/v1/templates/sync", OTHER_KEY, "").statusCode()).as("the limit is per tenant").isEqualTo(200);

        JsonNode promo = get("/v1/templates/spring_promo", KEY).path("translations");
        assertThat(promo).hasSize(1);
        JsonNode p = promo.get(0);
        assertThat(p.path("category").asText()).isEqualTo("MARKETING");
        assertThat(p.path("parameter_format").asText()).isEqualTo("named");
        assertThat(p.path("id").asText()).matches("\\d+");
        assertThat(p.path("components").path("header").path("format").asText()).isEqualTo("image");
        assertThat(p.path("components").path("body").path("parameters")).extracting(JsonNode::asText).containsExactly("first_name", "code");
        JsonNode buttons = p.path("components").path("buttons");
        assertThat(buttons.get(0).path("type").asText()).isEqualTo("url");
        assertThat(buttons.get(0).path("parameter").asText()).isEqualTo("required");
        assertThat(buttons.get(1).path("sub_type").asText()).isEqualTo("quick_reply");
        assertThat(buttons.get(1).path("parameter").asText()).isEqualTo("optional");
        assertThat(h.get("/v1/templates/spring_promo", OTHER_KEY).statusCode()).isEqualTo(404);

        // filters and paging
        assertThat(ids(get("/v1/templates?category=marketing", KEY).path("data")))
                .containsExactly("flash_sale/en_US/waba-8301", "flash_sale/en_US/waba-8302", "spring_promo/en_US/waba-8301");
        assertThat(ids(get("/v1/templates?name=order&language=en_US", KEY).path("data")))
                .containsExactly("order_update/en_US/waba-8301", "order_update/en_US/waba-8302");
        h.emulator.accountEvent(dev.switchboard.emulator.AccountEvent.templateStatus("waba-8302", "otp_code", "en_US", "PAUSED", "LOW_QUALITY"));
        Harness.await("the paused template is listed as paused", LONG,
                () -> ids(get("/v1/templates?status=paused", KEY).path("data")).equals(List.of("otp_code/en_US/waba-8302")));
        List<String> paged = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = get("/v1/templates?limit=4" + (after == null ? "" : "&after=" + after), KEY);
            assertThat(page.path("data").size()).isBetween(1, 4);
            paged.addAll(ids(page.path("data")));
            after = page.path("paging").path("after").asText(null);
        } while (after != null);
        assertThat(paged).isEqualTo(ids(get("/v1/templates", KEY).path("data"))).hasSize(9);
        assertThat(h.get("/v1/templates?limit=0", KEY).statusCode()).isEqualTo(400);
        assertThat(h.get("/v1/templates?after=***", KEY).statusCode()).isEqualTo(400);
        assertThat(h.get("/v1/templates", "sk_nope").statusCode()).isEqualTo(401);

        // deleted at Meta meanwhile: a restarted node still knows it (from disk, no sync within the
        // interval), until a sync that lists everything forgets it
        MetaTemplates.delete(h, "8301", "spring_promo");
        h.restart();
        assertThat(h.node.templates().knows("waba-8301")).as("known at once after a restart").isTrue();
        JsonNode remembered = get("/v1/templates/spring_promo", KEY).path("translations").get(0);
        assertThat(remembered.path("components").path("header").path("format").asText()).isEqualTo("image");
        assertThat(remembered.path("components").path("body").path("parameters")).extracting(JsonNode::asText)
                .containsExactly("first_name", "code");
        assertThat(ids(get("/v1/templates?status=paused", KEY).path("data"))).containsExactly("otp_code/en_US/waba-8302");
        assertThat(h.post("/v1/templates/sync", KEY, "").statusCode()).isEqualTo(200);
        assertThat(h.get("/v1/templates/spring_promo", KEY).statusCode()).as("forgotten once Meta no longer lists it").isEqualTo(404);
        assertThat(get("/v1/templates", KEY).path("data")).hasSize(8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void thePeriodicSyncFindsATemplateCreatedBehindItsBack(String engine) {
        start(engine, c -> c.withTemplates(new SwitchboardConfig.Templates(Duration.ofSeconds(1), 0, null)));
        assertThat(h.get("/v1/templates/ticket_notice", KEY).statusCode()).isEqualTo(404);
        MetaTemplates.create(h, "8302", MetaTemplates.ticketNotice("ticket_notice"));
        Harness.await("the periodic sync lists the new template", LONG, () -> h.get("/v1/templates/ticket_notice", KEY).statusCode() == 200);
        JsonNode t = get("/v1/templates/ticket_notice", KEY).path("translations").get(0);
        assertThat(t.path("waba_id").asText()).isEqualTo("waba-8302");
        assertThat(t.path("components").path("header").path("format").asText()).isEqualTo("text");
        assertThat(t.path("components").path("header").path("parameters")).extracting(JsonNode::asText).containsExactly("1");
        assertThat(t.path("components").path("buttons").get(0).path("sub_type").asText()).isEqualTo("copy_code");
        assertThat(t.path("components").path("buttons").get(0).path("parameter").asText()).isEqualTo("required");
        assertThat(t.path("components").path("buttons").get(1).path("parameter").asText()).as("a static URL").isEqualTo("none");
    }
}
