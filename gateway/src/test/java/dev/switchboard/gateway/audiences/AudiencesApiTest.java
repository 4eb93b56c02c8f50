package dev.switchboard.gateway.audiences;

import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.KEY_B;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Audiences over HTTP on both engines: CSV as spreadsheets write it (BOM, CRLF, quotes), every
 * refused row reported with its line and reason, duplicates and opt-outs counted, JSON contacts,
 * variables kept, one tenant never reaching another's audiences, delete, and a 50,000-row
 * streamed upload with exact counts read back through the cursor.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AudiencesApiTest {
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
        TestDatabases.assumeAvailable(engine);
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

    private static AudiencesTestKit.UploadClient uploads() {
        return new AudiencesTestKit.UploadClient(node.http().baseUrl());
    }

    @Test
    void csvAsSpreadsheetsWriteItIsImported() {
        String id = AudiencesTestKit.create(http(), KEY_A, "spreadsheet", "IN");
        String csv = "\uFEFFphone,name,note\r\n"
                + "\"+91 98765 43210\",\"Asha, \"\"the\"\" first\",plain\r\n"
                + "098765 43211,Ravi,\"two\r\nlines\"\r\n"
                + "\r\n"
                + "919876543212,Meera,\r\n";
        JsonNode report = uploads().csv(id, KEY_A, csv, null).expect(200);
        assertThat(report.path("source").asText()).isEqualTo("csv");
        assertThat(report.path("complete").asBoolean()).isTrue();
        assertThat(report.path("rows").asLong()).isEqualTo(3);
        assertThat(report.path("accepted").asLong()).isEqualTo(3);
        assertThat(report.path("invalid").asLong()).isZero();
        assertThat(report.path("contacts").asLong()).isEqualTo(3);

        Map<String, JsonNode> contacts = AudiencesTestKit.contacts(http(), KEY_A, id);
        assertThat(contacts).containsOnlyKeys("+919876543210", "+919876543211", "+919876543212");
        assertThat(contacts.get("+919876543210").path("name").asText()).isEqualTo("Asha, \"the\" first");
        assertThat(contacts.get("+919876543210").path("note").asText()).isEqualTo("plain");
        assertThat(contacts.get("+919876543211").path("note").asText()).isEqualTo("two\r\nlines");
        assertThat(contacts.get("+919876543212").path("note").asText()).isEmpty();
    }

    @Test
    void invalidRowsAreReportedWithTheirLinesAndReasonsAndNeverStopTheImport() {
        String id = AudiencesTestKit.create(http(), KEY_A, "with mistakes", "IN");
        String csv = "phone,name\n"                 // line 1
                + "9876543210,ok\n"                 // 2
                + "12345,short\n"                   // 3
                + ",blank\n"                        // 4
                + "\"call me\nmaybe\",words\n"      // 5-6: a quoted line break
                + "9876543211,ok,surplus\n"         // 7: a field too many
                + "9876543212\n"                    // 8: a field too few
                + "+15551234567,not in use\n"       // 9
                + "9876543213,ok,,\n"               // 10: empty trailing fields are fine
                + "9876543214,\"" + "x".repeat(ContactImport.MAX_VARIABLE_CHARS + 1) + "\"\n"; // 11
        JsonNode report = uploads().csv(id, KEY_A, csv, null).expect(200);
        assertThat(report.path("rows").asLong()).isEqualTo(9);
        assertThat(report.path("accepted").asLong()).isEqualTo(2);
        assertThat(report.path("invalid").asLong()).isEqualTo(7);
        assertThat(report.path("invalid_rows_truncated").asBoolean()).isFalse();
        List<String> lines = new ArrayList<>();
        for (JsonNode r : report.path("invalid_rows")) {
            lines.add(r.path("line").asLong() + ": " + r.path("reason").asText());
        }
        assertThat(lines).containsExactly(
                "3: too short",
                "4: phone is empty",
                "5: not a phone number",
                "7: has 3 fields, the header has 2",
                "8: has 1 field, the header has 2",
                "9: not a valid number in US",
                "11: variable 'name' is longer than 1024 characters");
        assertThat(report.path("invalid_rows").get(0).path("value").asText()).isEqualTo("12345");
        assertThat(AudiencesTestKit.contacts(http(), KEY_A, id)).containsOnlyKeys("+919876543210", "+919876543213");
    }

    @Test
    void duplicatesAreDroppedWithinAnUploadAndAcrossUploads() {
        String id = AudiencesTestKit.create(http(), KEY_A, "dupes", "IN");
        String csv = "phone\n+91 98765 43210\n098765 43210\n919876543210\n9876543211\n";
        JsonNode first = uploads().csv(id, KEY_A, csv, null).expect(200);
        assertThat(first.path("accepted").asLong()).isEqualTo(2);
        assertThat(first.path("duplicates").asLong()).isEqualTo(2);
        JsonNode second = uploads().csv(id, KEY_A, "phone\n9876543211\n9876543212\n", null).expect(200);
        assertThat(second.path("accepted").asLong()).isEqualTo(1);
        assertThat(second.path("duplicates").asLong()).isEqualTo(1);
        assertThat(second.path("contacts").asLong()).isEqualTo(3);
        assertThat(AudiencesTestKit.get(http(), KEY_A, id).path("contacts").asLong()).isEqualTo(3);
    }

    @Test
    void theTenantsOptOutsAreCountedAndLeftOut() {
        Resp optOut = http().post("/v1/audience/opt-outs", KEY_A, "{\"user\":\"919876600001\",\"reason\":\"asked\"}");
        assertThat(optOut.status()).as("%s", optOut).isEqualTo(201);
        String id = AudiencesTestKit.create(http(), KEY_A, "opt-outs", "IN");
        JsonNode report = uploads().csv(id, KEY_A, "phone\n9876600001\n9876600002\n+91 98766 00001\n", null).expect(200);
        assertThat(report.path("opted_out").asLong()).isEqualTo(2);
        assertThat(report.path("accepted").asLong()).isEqualTo(1);
        assertThat(AudiencesTestKit.contacts(http(), KEY_A, id)).containsOnlyKeys("+919876600002");
        // another tenant's opt-out is not this tenant's
        String other = AudiencesTestKit.create(http(), KEY_B, "b", "IN");
        assertThat(uploads().csv(other, KEY_B, "phone\n9876600001\n", null).expect(200).path("accepted").asLong()).isEqualTo(1);
    }

    @Test
    void jsonContactsOnCreateAndUploadKeepTheirVariables() {
        Resp created = http().post("/v1/audiences", KEY_A, """
                {"name":"json list","default_country":"in","contacts":[
                  {"phone":"9876543210","name":"Asha","orders":3,"vip":true,"note":null},
                  {"phone":"12","name":"short"},
                  {"name":"no phone"},
                  {"phone":"9876543211","address":{"city":"Pune"}},
                  "9876543212"
                ]}""");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        JsonNode a = created.json();
        assertThat(a.path("default_country").asText()).isEqualTo("IN");
        assertThat(a.path("contacts").asLong()).isEqualTo(1);
        JsonNode report = a.path("last_import");
        assertThat(report.path("source").asText()).isEqualTo("json");
        assertThat(report.path("accepted").asLong()).isEqualTo(1);
        assertThat(report.path("invalid").asLong()).isEqualTo(4);
        List<String> refused = new ArrayList<>();
        report.path("invalid_rows").forEach(r -> refused.add(r.path("index").asLong() + ": " + r.path("reason").asText()));
        assertThat(refused).containsExactly("1: too short", "2: phone is missing",
                "3: variable 'address' must be a string, number or boolean", "4: not an object");
        String id = a.path("id").asText();

        // uploads take a bare array or {"contacts": [...]}, streamed
        JsonNode up = uploads().send(id, KEY_A, "application/json", "[{\"phone\":\"+91 98765 43213\",\"name\":\"Ravi\"}]").expect(200);
        assertThat(up.path("accepted").asLong()).isEqualTo(1);
        up = uploads().send(id, KEY_A, "application/json; charset=utf-8",
                "{\"contacts\":[{\"phone\":9876543214},{\"phone\":\"9876543210\"}]}").expect(200);
        assertThat(up.path("accepted").asLong()).isEqualTo(1);
        assertThat(up.path("duplicates").asLong()).isEqualTo(1);

        Map<String, JsonNode> contacts = AudiencesTestKit.contacts(http(), KEY_A, id);
        assertThat(contacts).containsOnlyKeys("+919876543210", "+919876543213", "+919876543214");
        JsonNode asha = contacts.get("+919876543210");
        assertThat(asha.path("name").asText()).isEqualTo("Asha");
        assertThat(asha.path("orders").asText()).isEqualTo("3");
        assertThat(asha.path("vip").asText()).isEqualTo("true");
        assertThat(asha.has("note")).isFalse();
        assertThat(contacts.get("+919876543214").size()).isZero();
    }

    @Test
    void thePhoneColumnMayBeNamedAndMustExist() {
        String id = AudiencesTestKit.create(http(), KEY_A, "named column", null);
        JsonNode report = uploads().csv(id, KEY_A, "Name,Mobile\nAsha,+919876543210\nRavi,9876543211\n", "mobile").expect(200);
        assertThat(report.path("accepted").asLong()).isEqualTo(1);
        assertThat(report.path("invalid_rows").get(0).path("reason").asText())
                .isEqualTo("not a valid number in IR (read as +country first, as the audience has no default_country)");
        assertThat(AudiencesTestKit.contacts(http(), KEY_A, id).get("+919876543210").path("Name").asText()).isEqualTo("Asha");

        Resp missing = uploads().csv(id, KEY_A, "name,mobile\nAsha,+919876543212\n", null).resp();
        AudiencesTestKit.assertProblem(missing, 400, "missing_phone_column");
        assertThat(missing.json().has("report")).isFalse();
        AudiencesTestKit.assertProblem(uploads().csv(id, KEY_A, "", null).resp(), 400, "missing_header");
        AudiencesTestKit.assertProblem(uploads().csv(id, KEY_A, "phone,Phone\n1,2\n", null).resp(), 400, "invalid_header");
        // a refusal before any row leaves the last import as it was
        assertThat(AudiencesTestKit.get(http(), KEY_A, id).path("last_import").path("accepted").asLong()).isEqualTo(1);
    }

    @Test
    void aQuoteThatNeverClosesStopsTheImportWhereItIsAndKeepsWhatCameBefore() {
        String id = AudiencesTestKit.create(http(), KEY_A, "broken", "IN");
        String csv = "phone,name\n9876543210,ok\n9876543211,\"open" + "x".repeat(CsvContacts.MAX_FIELD_CHARS) + "\n9876543212,lost\n";
        Resp r = uploads().csv(id, KEY_A, csv, null).resp();
        JsonNode p = AudiencesTestKit.assertProblem(r, 400, "malformed_csv");
        assertThat(p.path("detail").asText()).contains("after line 2");
        assertThat(p.path("report").path("accepted").asLong()).isEqualTo(1);
        assertThat(p.path("report").path("complete").asBoolean()).isFalse();
        JsonNode last = AudiencesTestKit.get(http(), KEY_A, id).path("last_import");
        assertThat(last.path("complete").asBoolean()).isFalse();
        assertThat(last.path("stopped_reason").asText()).contains("after line 2");
    }

    @Test
    void uploadsMustBeCsvOrJson() {
        String id = AudiencesTestKit.create(http(), KEY_A, "types", null);
        AudiencesTestKit.assertProblem(uploads().send(id, KEY_A, "application/xml", "<x/>").resp(), 415, "unsupported_media_type");
        AudiencesTestKit.assertProblem(uploads().send(id, KEY_A, "application/json", "{\"contacts\":[{\"phone\":").resp(), 400,
                "invalid_json");
    }

    @Test
    void createIsValidated() {
        AudiencesTestKit.assertProblem(http().post("/v1/audiences", KEY_A, "{\"default_country\":\"IN\"}"), 400, "invalid_parameter");
        AudiencesTestKit.assertProblem(http().post("/v1/audiences", KEY_A, "{\"name\":\"x\",\"default_country\":\"XX\"}"), 400,
                "invalid_parameter");
        AudiencesTestKit.assertProblem(http().post("/v1/audiences", KEY_A, "{\"name\":\"x\",\"contacts\":{}}"), 400, "invalid_parameter");
        AudiencesTestKit.assertProblem(http().post("/v1/audiences", null, "{\"name\":\"x\"}"), 401, "unauthorized");
        // the opt-out routes under /v1/audience are not shadowed by /v1/audiences
        assertThat(http().get("/v1/audience/keywords", KEY_A).status()).isEqualTo(200);
    }

    @Test
    void aTenantNeverReachesAnotherTenantsAudiences() {
        String id = AudiencesTestKit.create(http(), KEY_A, "a's own", "IN");
        uploads().csv(id, KEY_A, "phone\n9876543210\n", null).expect(200);
        AudiencesTestKit.assertProblem(http().get("/v1/audiences/" + id, KEY_B), 404, "not_found");
        AudiencesTestKit.assertProblem(http().get("/v1/audiences/" + id + "/contacts", KEY_B), 404, "not_found");
        AudiencesTestKit.assertProblem(uploads().csv(id, KEY_B, "phone\n9876543211\n", null).resp(), 404, "not_found");
        AudiencesTestKit.assertProblem(http().delete("/v1/audiences/" + id, KEY_B), 404, "not_found");
        Resp listed = http().get("/v1/audiences?limit=1000", KEY_B);
        assertThat(listed.status()).as("%s", listed).isEqualTo(200);
        for (JsonNode a : listed.json().path("data")) {
            assertThat(a.path("id").asText()).isNotEqualTo(id);
        }
        assertThat(AudiencesTestKit.get(http(), KEY_A, id).path("contacts").asLong()).isEqualTo(1);
        assertThat(module().contacts("tenant-b", id, null, 10)).isEmpty();
    }

    @Test
    void audiencesAreListedWithTheirCountsAndDeletedWithTheirContacts() {
        String keep = AudiencesTestKit.create(http(), KEY_B, "keep", "IN");
        String drop = AudiencesTestKit.create(http(), KEY_B, "drop", "IN");
        uploads().csv(keep, KEY_B, "phone\n9876543210\n9876543211\n", null).expect(200);
        uploads().csv(drop, KEY_B, "phone\n9876543212\n9876543213\n9876543214\n", null).expect(200);
        Map<String, Long> counts = new java.util.HashMap<>();
        Resp listed = http().get("/v1/audiences", KEY_B);
        assertThat(listed.status()).as("%s", listed).isEqualTo(200);
        assertThat(listed.json().path("data").size()).isGreaterThanOrEqualTo(2);
        for (JsonNode a : listed.json().path("data")) {
            counts.put(a.path("id").asText(), a.path("contacts").asLong());
        }
        assertThat(counts).containsEntry(keep, 2L).containsEntry(drop, 3L);
        JsonNode first = http().get("/v1/audiences?limit=1", KEY_B).json();
        String after = first.path("paging").path("after").asText();
        assertThat(after).isEqualTo(first.path("data").get(0).path("id").asText());
        JsonNode second = http().get("/v1/audiences?limit=1&after=" + after, KEY_B).json();
        assertThat(second.path("data").get(0).path("id").asText()).isGreaterThan(after);
        AudiencesTestKit.assertProblem(http().get("/v1/audiences?limit=0", KEY_B), 400, "invalid_parameter");

        Resp deleted = http().delete("/v1/audiences/" + drop, KEY_B);
        assertThat(deleted.status()).as("%s", deleted).isEqualTo(204);
        AudiencesTestKit.assertProblem(http().get("/v1/audiences/" + drop, KEY_B), 404, "not_found");
        AudiencesTestKit.assertProblem(http().delete("/v1/audiences/" + drop, KEY_B), 404, "not_found");
        AudiencesTestKit.assertProblem(uploads().csv(drop, KEY_B, "phone\n9876543215\n", null).resp(), 404, "not_found");
        for (JsonNode a : http().get("/v1/audiences", KEY_B).json().path("data")) {
            assertThat(a.path("id").asText()).isNotEqualTo(drop);
        }
        TestNodes.await("the deleted audience's rows purged", () -> AudiencesTestKit.rows(node, drop) == 0);
        assertThat(AudiencesTestKit.get(http(), KEY_B, keep).path("contacts").asLong()).isEqualTo(2);
    }

    @Test
    void aLargeStreamedUploadCompletesWithExactCounts() {
        int rows = 50_000;
        String id = AudiencesTestKit.create(http(), KEY_A, "large", "IN");
        // every 50th row repeats an earlier phone, every 100th is invalid: counts are known exactly
        StringBuilder csv = new StringBuilder("phone,first_name,code\r\n");
        long expectedInvalid = 0;
        long expectedDuplicates = 0;
        for (int i = 0; i < rows; i++) {
            String phone;
            if (i % 100 == 99) {
                phone = "12" + i;
                expectedInvalid++;
            } else if (i % 50 == 49) {
                phone = "98765" + String.format("%05d", i - 10);
                expectedDuplicates++;
            } else {
                phone = "98765" + String.format("%05d", i);
            }
            csv.append(phone).append(",\"Name ").append(i).append("\",C").append(i).append("\r\n");
        }
        long expectedAccepted = rows - expectedInvalid - expectedDuplicates;
        JsonNode report = uploads().csvStreamed(id, KEY_A, csv.toString()).expect(200);
        assertThat(report.path("rows").asLong()).isEqualTo(rows);
        assertThat(report.path("invalid").asLong()).isEqualTo(expectedInvalid);
        assertThat(report.path("duplicates").asLong()).isEqualTo(expectedDuplicates);
        assertThat(report.path("accepted").asLong()).isEqualTo(expectedAccepted);
        assertThat(report.path("contacts").asLong()).isEqualTo(expectedAccepted);
        assertThat(report.path("invalid_rows").size()).isEqualTo(ImportReport.LISTED);
        assertThat(report.path("invalid_rows_truncated").asBoolean()).isTrue();
        assertThat(report.path("invalid_rows").get(0).path("line").asLong()).isEqualTo(101); // row 99 after the header

        // the campaign expander's cursor reads each contact once, in phone order, a page at a time
        ContactCursor cursor = module().contacts(TENANT_A, id, null, 1_000).orElseThrow();
        long n = 0;
        String previous = "";
        while (cursor.hasNext()) {
            Contact c = cursor.next();
            assertThat(c.phone()).isGreaterThan(previous);
            previous = c.phone();
            n++;
        }
        assertThat(n).isEqualTo(expectedAccepted);
        Contact first = module().contacts(TENANT_A, id, null, 5).orElseThrow().next();
        assertThat(first.phone()).isEqualTo("919876500000");
        assertThat(first.variables()).containsExactly(Map.entry("first_name", "Name 0"), Map.entry("code", "C0"));
        // and resumes after a position
        ContactCursor resumed = module().contacts(TENANT_A, id, "919876500000", 5).orElseThrow();
        assertThat(resumed.next().phone()).isEqualTo("919876500001");
    }

    private static Audiences module() {
        return AudiencesTestKit.module(node);
    }
}
