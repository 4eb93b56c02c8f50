package dev.switchboard.gateway.e2e;

import static dev.switchboard.gateway.e2e.CampaignKit.KEY;
import static dev.switchboard.gateway.e2e.CampaignKit.OTHER_KEY;
import static dev.switchboard.gateway.e2e.CampaignKit.indian;
import static dev.switchboard.gateway.e2e.CampaignKit.us;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /v1/campaigns/{id}/recipients} over HTTP against the emulator, on SQLite and
 * PostgreSQL: a finished campaign of 1,100 recipients (sent, failed with 131026, and skipped for
 * four reasons) read back as JSON pages, through every filter, and as a CSV parsed with FastCSV
 * (longer than one of the export's database pages) — every recipient exactly once with its
 * outcome, never another tenant's campaign or messages.
 */
class CampaignRecipientsTest {
    private static final Set<String> SENT = Set.of("sent", "delivered", "read");

    @TempDir
    Path dir;
    private CampaignKit kit;

    @AfterEach
    void tearDown() {
        if (kit != null) {
            kit.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void everyRecipientOnceWithItsOutcomeAsJsonPagesFiltersAndStreamedCsv(String engine) {
        Set<String> undeliverable = Set.of(indian(3), indian(400), indian(1049));
        kit = CampaignKit.start(engine, dir, 200, e -> undeliverable.forEach(e::undeliverable));
        // expected outcome per phone: a skip reason, "failed", or "sent" (sent, delivered or read)
        Map<String, String> expected = new HashMap<>();
        List<String> contacts = new ArrayList<>();
        for (int i = 0; i < 1080; i++) {
            if (i % 100 == 50) { // 11 without the variable and no default
                contacts.add("{\"phone\":\"+" + indian(i) + "\",\"city\":\"Pune\"}");
                expected.put(indian(i), "invalid");
            } else {
                contacts.add("{\"phone\":\"+" + indian(i) + "\",\"name\":\"P" + i + "\"}");
                expected.put(indian(i), undeliverable.contains(indian(i)) ? "failed" : "sent");
            }
        }
        for (int i = 0; i < 20; i++) {
            contacts.add("{\"phone\":\"+" + us(i) + "\",\"name\":\"U" + i + "\"}");
            expected.put(us(i), "marketing_to_us");
        }
        String audience = kit.audience(contacts);
        for (int i = 7; i < 1080; i += 180) { // 6 opted out after the upload
            HttpResponse<String> r = kit.h.post("/v1/audience/opt-outs", KEY, "{\"user\":\"+" + indian(i) + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            expected.put(indian(i), "opted_out");
        }
        String id = kit.startCampaign("flash_sale", audience, "\"channel_pool\":[\"8101\",\"8102\"],");
        kit.awaitSettled(id, undeliverable.size());
        assertThat(kit.stats(id).path("failed").path("by_code").path("131026").asLong()).isEqualTo(undeliverable.size());

        // every recipient, 37 to a page, each exactly once with its outcome
        Map<String, JsonNode> all = new HashMap<>();
        String after = null;
        int pages = 0;
        do {
            JsonNode page = page("/v1/campaigns/" + id + "/recipients?limit=37" + (after == null ? "" : "&after=" + after));
            for (JsonNode r : page.path("data")) {
                assertThat(all.put(r.path("phone").asText(), r)).as("listed twice: " + r).isNull();
            }
            after = page.path("paging").path("after").asText(null);
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(1100 / 37 + 1);
        assertThat(all.keySet()).isEqualTo(expected.keySet());
        expected.forEach((phone, outcome) -> {
            JsonNode r = all.get(phone);
            switch (outcome) {
                case "sent" -> {
                    assertThat(r.path("status").asText()).as(r.toString()).isIn(SENT);
                    assertThat(r.path("message_id").asText()).startsWith("sbm_");
                    assertThat(r.path("wamid").asText()).isNotEmpty();
                    assertThat(r.path("channel_id").asText()).isIn(CampaignKit.CHANNELS);
                    assertThat(r.path("sent_at").isIntegralNumber()).as(r.toString()).isTrue();
                    assertThat(r.path("error_code").isNull()).isTrue();
                    assertThat(r.path("reason").isNull()).isTrue();
                }
                case "failed" -> {
                    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("failed");
                    assertThat(r.path("error_code").asInt()).isEqualTo(131026);
                    assertThat(r.path("failed_at").isIntegralNumber()).isTrue();
                }
                default -> {
                    assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("skipped");
                    assertThat(r.path("reason").asText()).isEqualTo(outcome);
                    assertThat(r.path("message_id").isNull()).isTrue();
                }
            }
        });
        assertThat(all.get(indian(50)).path("detail").asText()).contains("name");

        // the filters
        assertThat(phones("status=skipped")).isEqualTo(having(expected, o -> !o.equals("sent") && !o.equals("failed")));
        assertThat(phones("status=failed")).isEqualTo(undeliverable);
        assertThat(phones("error_code=131026")).isEqualTo(undeliverable);
        assertThat(phones("reason=opted_out")).isEqualTo(having(expected, "opted_out"::equals));
        assertThat(phones("reason=invalid,marketing_to_us&limit=5")).isEqualTo(having(expected, o -> o.equals("invalid")
                || o.equals("marketing_to_us")));
        assertThat(phones("status=sent,delivered,read&limit=1000")).isEqualTo(having(expected, "sent"::equals));
        assertThat(phones("status=failed,skipped&reason=invalid")).isEqualTo(having(expected, "invalid"::equals));
        assertThat(phones("status=queued")).isEmpty();
        for (String bad : List.of("status=bogus", "status=,", "limit=0", "limit=1001", "after=not-a-cursor", "error_code=x", "format=xml",
                "reason=DROP%20TABLE")) {
            HttpResponse<String> r = kit.h.get("/v1/campaigns/" + id + "/recipients?" + bad, KEY);
            assertThat(r.statusCode()).as(bad + ": " + r.body()).isEqualTo(400);
            assertThat(Harness.json(r).path("code").asText()).isEqualTo("invalid_parameter");
        }

        // CSV: every matching recipient, streamed; the same outcomes as the JSON
        HttpResponse<String> csv = kit.get("/v1/campaigns/" + id + "/recipients", KEY, "text/csv");
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        List<CsvRecord> rows = parse(csv.body());
        assertThat(rows.getFirst().getFields()).containsExactly("phone", "status", "reason", "detail", "error_code", "error_title",
                "message_id", "wamid", "channel_id", "accepted_at", "sent_at", "delivered_at", "read_at", "failed_at", "expired_at",
                "cancelled_at");
        Set<String> seen = new HashSet<>();
        for (CsvRecord row : rows.subList(1, rows.size())) {
            String phone = row.getField(0);
            assertThat(seen.add(phone)).as("listed twice: " + phone).isTrue();
            JsonNode j = all.get(phone);
            String status = row.getField(1);
            if (SENT.contains(j.path("status").asText())) {
                assertThat(status).isIn(SENT); // a read receipt may have arrived between the two reads
            } else {
                assertThat(status).isEqualTo(j.path("status").asText());
            }
            assertThat(row.getField(2)).isEqualTo(j.path("reason").asText(""));
            assertThat(row.getField(4)).isEqualTo(j.path("error_code").isNull() ? "" : j.path("error_code").asText());
            assertThat(row.getField(6)).isEqualTo(j.path("message_id").asText(""));
            assertThat(row.getField(9)).isEqualTo(j.path("accepted_at").isNull() ? ""
                    : java.time.Instant.ofEpochMilli(j.path("accepted_at").asLong()).toString());
        }
        assertThat(seen).isEqualTo(expected.keySet());
        HttpResponse<String> skippedCsv = kit.h.get("/v1/campaigns/" + id + "/recipients?format=csv&status=skipped", KEY);
        assertThat(skippedCsv.statusCode()).isEqualTo(200);
        assertThat(parse(skippedCsv.body()).stream().skip(1).map(r -> r.getField(0)).toList())
                .containsExactlyInAnyOrderElementsOf(phones("status=skipped"));
        assertThat(page("/v1/campaigns/" + id + "/recipients?format=json&limit=1").path("data")).hasSize(1);

        // another tenant: no such campaign, and its own messages labelled with this campaign's id never show
        assertThat(kit.h.get("/v1/campaigns/" + id + "/recipients", OTHER_KEY).statusCode()).isEqualTo(404);
        assertThat(kit.get("/v1/campaigns/" + id + "/recipients", OTHER_KEY, "text/csv").statusCode()).isEqualTo(404);
        assertThat(kit.h.get("/v1/campaigns/cmp_nope/recipients", KEY).statusCode()).isEqualTo(404);
        HttpResponse<String> foreign = kit.h.post("/v1/messages", OTHER_KEY, "{\"channel_id\":\"8201\",\"to\":\"" + indian(5000)
                + "\",\"campaign_id\":\"" + id + "\",\"type\":\"template\",\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}");
        assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(202);
        assertThat(phones("limit=1000")).isEqualTo(expected.keySet());
    }

    private JsonNode page(String path) {
        HttpResponse<String> r = kit.h.get(path, KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return Harness.json(r);
    }

    /** The phones a query lists, following its pages. */
    private Set<String> phones(String query) {
        String id = currentCampaign();
        Set<String> out = new HashSet<>();
        String after = null;
        do {
            JsonNode page = page("/v1/campaigns/" + id + "/recipients?" + query + (after == null ? "" : "&after=" + after));
            page.path("data").forEach(r -> assertThat(out.add(r.path("phone").asText())).as("listed twice: " + r).isTrue());
            after = page.path("paging").path("after").asText(null);
        } while (after != null);
        return out;
    }

    private String currentCampaign() {
        return Harness.json(kit.h.get("/v1/campaigns", KEY)).path("data").path(0).path("id").asText();
    }

    private static Set<String> having(Map<String, String> expected, java.util.function.Predicate<String> outcome) {
        Set<String> out = new HashSet<>();
        expected.forEach((phone, o) -> {
            if (outcome.test(o)) {
                out.add(phone);
            }
        });
        return out;
    }

    private static List<CsvRecord> parse(String csv) {
        List<CsvRecord> rows = new ArrayList<>();
        CsvReader.builder().ofCsvRecord(csv).forEach(rows::add);
        return rows;
    }
}
