package dev.switchboard.gateway.archive;

import static dev.switchboard.gateway.archive.ArchiveAnalyticsTest.assertProblem;
import static dev.switchboard.gateway.archive.ArchiveTestKit.at;
import static dev.switchboard.gateway.testing.TestNodes.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code POST /admin/analytics/sql}: a genuinely read-only window on the archive, with a row
 * cap and a timeout, whose every refusal is a 400 with a code. The query side is DuckDB over
 * files whichever database the node uses, so one engine (SQLite) is enough here; the analytics
 * and durability tests cover both.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OperatorSqlTest {
    private static TestNodes.Node node;
    private static Path archive;

    @BeforeAll
    static void start() {
        node = ArchiveTestKit.start("sqlite");
        archive = ArchiveTestKit.archiveDir(node);
        java.time.LocalDate day = ArchiveTestKit.daysAgo(3);
        ArchiveTestKit.post(node, ArchiveTestKit.webhook(TestNodes.A_HELD, List.of(),
                List.of(ArchiveTestKit.inbound("16503000001", "wamid.op1", at(day, 9, 0), "one"),
                        ArchiveTestKit.inbound("16503000002", "wamid.op2", at(day, 9, 1), "two"))));
        ArchiveTestKit.awaitProcessed(node);
        ArchiveTestKit.flush(node);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static Resp run(Object body) {
        return node.http().post("/admin/analytics/sql", ADMIN_TOKEN, body);
    }

    private static Resp run(String sql) {
        return run(TestHttp.JSON.createObjectNode().put("sql", sql));
    }

    @Test
    void selectsOverTheEventsAndMessagesViewsAnswerColumnsAndRows() {
        JsonNode r = ArchiveTestKit.sql(node, "WITH m AS (SELECT contact, payload FROM events WHERE kind = 'message')"
                + " SELECT contact, payload->'text'->>'body' AS body FROM m ORDER BY contact");
        assertThat(r.path("columns").toString())
                .isEqualTo("[{\"name\":\"contact\",\"type\":\"VARCHAR\"},{\"name\":\"body\",\"type\":\"VARCHAR\"}]");
        assertThat(r.path("rows").toString()).isEqualTo("[[\"16503000001\",\"one\"],[\"16503000002\",\"two\"]]");
        assertThat(r.path("row_count").asInt()).isEqualTo(2);
        assertThat(r.path("truncated").asBoolean()).isFalse();
        // FROM-first and an empty dataset (no message retired yet) both work.
        assertThat(ArchiveTestKit.sql(node, "FROM messages SELECT count(*)").path("rows").toString()).isEqualTo("[[0]]");
    }

    @Test
    void valuesKeepTheirJsonTypes() {
        JsonNode r = ArchiveTestKit.sql(node, "SELECT TIMESTAMP '2026-01-02 03:04:05' AS t, DATE '2026-01-02' AS d,"
                + " CAST('{\"a\":[1,true]}' AS JSON) AS j, CAST(1.5 AS DECIMAL(5,2)) AS n, [1, 2] AS l, NULL AS x, 7 AS x");
        assertThat(r.path("rows").toString())
                .isEqualTo("[[\"2026-01-02T03:04:05Z\",\"2026-01-02\",{\"a\":[1,true]},1.5,[1,2],null,7]]");
        assertThat(r.path("columns").get(6).path("name").asText()).isEqualTo("x"); // duplicate names survive
    }

    @Test
    void rowsAreCappedAndTheCapIsReported() {
        JsonNode ten = run(TestHttp.JSON.createObjectNode().put("sql", "SELECT * FROM range(50)").put("max_rows", 10)).json();
        assertThat(ten.path("rows")).hasSize(10);
        assertThat(ten.path("truncated").asBoolean()).isTrue();
        JsonNode all = ArchiveTestKit.sql(node, "SELECT * FROM range(1500)"); // the node's cap is 1,000
        assertThat(all.path("rows")).hasSize(1000);
        assertThat(all.path("truncated").asBoolean()).isTrue();
        assertThat(ArchiveTestKit.sql(node, "SELECT * FROM range(1000)").path("truncated").asBoolean()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "COPY (SELECT 1) TO '@/evil.csv'                         | read_only",
        "COPY events TO '@/evil.parquet' (FORMAT parquet)        | read_only",
        "ATTACH '@/evil.db' AS evil                              | read_only",
        "INSTALL httpfs                                          | read_only",
        "LOAD httpfs                                             | read_only",
        "CREATE TABLE evil AS SELECT 1                           | read_only",
        "INSERT INTO evil VALUES (1)                             | read_only",
        "DROP VIEW events                                        | read_only",
        "SET enable_external_access = true                       | read_only",
        "PRAGMA version                                          | read_only",
        "EXPORT DATABASE '@/evil'                                | read_only",
        "SELECT 1; COPY (SELECT 1) TO '@/evil.csv'               | read_only",
        "SELECT 1; SELECT 2                                      | multiple_statements",
        "SELECT * FROM read_csv('/etc/passwd')                   | invalid_sql",
        "SELECT * FROM read_text('/etc/hostname')                | invalid_sql",
        "SELECT * FROM read_parquet('https://example.com/x.parquet') | invalid_sql",
        "SELECT * FROM query('COPY (SELECT 1) TO ''@/evil.csv''') | invalid_sql",
        "SELEC 1                                                 | invalid_sql",
        "SELECT * FROM no_such_table                             | invalid_sql",
    })
    void anythingButOneReadOnlyQueryIsRefusedAndWritesNothing(String sql, String code) throws Exception {
        Resp r = run(sql.replace("@", archive.toString()));
        assertThat(r.status()).as("%s", r).isEqualTo(400);
        assertThat(r.json().path("code").asText()).as("%s", r).isEqualTo(code);
        assertThat(r.json().path("detail").asText()).isNotBlank();
        try (var files = Files.list(archive)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("evil"));
        }
        assertThat(ArchiveTestKit.sql(node, "SELECT count(*) FROM events").path("rows").toString()).isEqualTo("[[2]]");
    }

    @Test
    void readingOutsideTheArchiveIsAPermissionError() {
        Resp r = run("SELECT * FROM read_csv('/etc/passwd')");
        assertThat(r.json().path("detail").asText()).contains("Permission");
    }

    @Test
    void aQueryRunningPastTheTimeoutIsCancelledAndTheNextOneRuns() {
        long started = System.nanoTime();
        Resp r = run("SELECT count(*) FROM range(1000000000000) a, range(1000) b");
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertProblem(r, 400, "query_timeout", "cancelled after 2000 ms");
        assertThat(tookMs).isBetween(ArchiveTestKit.QUERY_TIMEOUT.toMillis(), 15_000L);
        assertThat(ArchiveTestKit.sql(node, "SELECT 42").path("rows").toString()).isEqualTo("[[42]]");
    }

    @Test
    void badRequestsGetA4xxWithACode() {
        assertProblem(run(TestHttp.JSON.createObjectNode()), 400, "missing_parameter", "sql");
        assertProblem(run("   "), 400, "missing_parameter", "sql");
        assertProblem(run(TestHttp.JSON.createObjectNode().put("sql", 42)), 400, "invalid_parameter", "sql");
        assertProblem(node.http().post("/admin/analytics/sql", ADMIN_TOKEN, "{not json"), 400, "invalid_json", "JSON");
        for (Object max : new Object[] {0, 5000, "ten", 1.5}) {
            ObjectNode body = TestHttp.JSON.createObjectNode().put("sql", "SELECT 1");
            body.set("max_rows", TestHttp.JSON.valueToTree(max));
            assertProblem(run(body), 400, "invalid_parameter", "max_rows");
        }
        assertThat(node.http().post("/admin/analytics/sql", null, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(401);
        assertThat(node.http().post("/admin/analytics/sql", TestNodes.KEY_A, "{\"sql\":\"SELECT 1\"}").status()).isEqualTo(401);
        assertThat(node.http().post("/admin/archive/flush", TestNodes.KEY_A, "{}").status()).isEqualTo(401);
    }

    @Test
    void statusShowsTheArchiveCaughtUp() {
        ArchiveTestKit.flush(node);
        JsonNode s = node.http().get("/admin/archive", ADMIN_TOKEN).json();
        assertThat(s.path("cursor").asLong()).isEqualTo(node.switchboard().events().head()).isPositive();
        assertThat(s.path("lag").asLong()).isZero();
        assertThat(s.path("directory").asText()).isEqualTo(archive.toString());
        assertThat(s.path("last_error").isNull()).isTrue();
    }

    @Test
    void aNodeWithTheArchiveDisabledSaysSo() {
        try (TestNodes.Node off = TestNodes.start("sqlite", c -> new SwitchboardConfig(c.http(), c.database(), c.security(),
                c.upstream(), c.sending(), c.webhooks(), c.emulator(), c.bootstrap(), c.delivery(),
                new SwitchboardConfig.Archive(false, null, null, null, null, 0)))) {
            assertThat(off.switchboard().archive().archiver()).isNull();
            assertProblem(off.http().get("/v1/analytics/rates", TestNodes.KEY_A), 409, "archive_disabled", "disabled");
            assertProblem(off.http().post("/admin/archive/flush", ADMIN_TOKEN, "{}"), 409, "archive_disabled", "disabled");
            assertProblem(off.http().post("/admin/analytics/sql", ADMIN_TOKEN, "{\"sql\":\"SELECT 1\"}"), 409,
                    "archive_disabled", "disabled");
        }
    }
}
