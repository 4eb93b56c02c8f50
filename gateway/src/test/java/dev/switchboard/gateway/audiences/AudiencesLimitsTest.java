package dev.switchboard.gateway.audiences;

import static dev.switchboard.gateway.testing.TestNodes.KEY_A;
import static dev.switchboard.gateway.testing.TestNodes.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.testing.TestDatabases;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
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
 * The caps of an upload on both engines, on a node configured small (100 rows, 64 KiB, chunks
 * of 7 so that every upload is several chunks in flight): an upload over a cap is refused with
 * 413, and what it read before the cap stays imported and is in the report; a body declared
 * too large is refused before a byte is read; an audience deleted under a running import stops it.
 */
@ParameterizedClass(name = "[{0}]")
@ValueSource(strings = {"sqlite", "postgres"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AudiencesLimitsTest {
    private static final int MAX_ROWS = 100;
    private static final int MAX_BYTES = 64 * 1024;
    private static TestNodes.Node node;

    @Parameter
    String engine;

    @BeforeParameterizedClassInvocation
    static void startNode(String engine) {
        if (TestDatabases.available(engine)) {
            node = TestNodes.start(engine, c -> c.withAudiences(new SwitchboardConfig.Audiences(MAX_ROWS, MAX_BYTES, 7)));
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

    private static AudiencesTestKit.UploadClient uploads() {
        return new AudiencesTestKit.UploadClient(node.http().baseUrl());
    }

    private static String rows(int n, String note) {
        StringBuilder csv = new StringBuilder("phone,note\n");
        for (int i = 0; i < n; i++) {
            csv.append(9_876_500_000L + i).append(',').append(note).append('\n');
        }
        return csv.toString();
    }

    @Test
    void anUploadOfExactlyTheRowCapIsAccepted() {
        String id = AudiencesTestKit.create(node.http(), KEY_A, "at the cap", "IN");
        JsonNode report = uploads().csv(id, KEY_A, rows(MAX_ROWS, "x"), null).expect(200);
        assertThat(report.path("accepted").asLong()).isEqualTo(MAX_ROWS);
        assertThat(AudiencesTestKit.rows(node, id)).isEqualTo(MAX_ROWS);
    }

    @Test
    void rowsOverTheCapAreRefusedAndTheRowsBeforeItStay() {
        String id = AudiencesTestKit.create(node.http(), KEY_A, "over the row cap", "IN");
        Resp r = uploads().csvStreamed(id, KEY_A, rows(MAX_ROWS + 50, "x")).resp();
        JsonNode p = AudiencesTestKit.assertProblem(r, 413, "too_many_rows");
        assertThat(p.path("report").path("rows").asLong()).isEqualTo(MAX_ROWS);
        assertThat(p.path("report").path("accepted").asLong()).isEqualTo(MAX_ROWS);
        assertThat(p.path("report").path("complete").asBoolean()).isFalse();
        JsonNode a = AudiencesTestKit.get(node.http(), KEY_A, id);
        assertThat(a.path("contacts").asLong()).isEqualTo(MAX_ROWS);
        assertThat(a.path("last_import").path("stopped_reason").asText()).contains("at most " + MAX_ROWS + " rows");
        assertThat(AudiencesTestKit.rows(node, id)).isEqualTo(MAX_ROWS);
    }

    @Test
    void aStreamedBodyOverTheByteCapIsCutAndWhatCameBeforeStays() {
        String id = AudiencesTestKit.create(node.http(), KEY_A, "over the byte cap", "IN");
        String csv = rows(MAX_ROWS - 1, "n".repeat(1_000)); // ~100 KB in 99 rows: the bytes run out first
        JsonNode p = AudiencesTestKit.assertProblem(uploads().csvStreamed(id, KEY_A, csv).resp(), 413, "body_too_large");
        long accepted = p.path("report").path("accepted").asLong();
        assertThat(accepted).isBetween(1L, (long) MAX_ROWS - 2);
        assertThat(p.path("report").path("rows").asLong()).isEqualTo(accepted);
        assertThat(AudiencesTestKit.get(node.http(), KEY_A, id).path("contacts").asLong()).isEqualTo(accepted);
        assertThat(AudiencesTestKit.rows(node, id)).isEqualTo(accepted);
    }

    @Test
    void aBodyDeclaredOverTheByteCapIsRefusedBeforeItIsRead() {
        String id = AudiencesTestKit.create(node.http(), KEY_A, "declared too large", "IN");
        Resp r = uploads().csv(id, KEY_A, rows(MAX_ROWS - 1, "n".repeat(1_000)), null).resp();
        JsonNode p = AudiencesTestKit.assertProblem(r, 413, "body_too_large");
        assertThat(p.has("report")).isFalse();
        JsonNode a = AudiencesTestKit.get(node.http(), KEY_A, id);
        assertThat(a.path("contacts").asLong()).isZero();
        assertThat(a.path("last_import").isNull()).isTrue();
    }

    @Test
    void anAudienceDeletedUnderARunningImportStopsIt() {
        Audiences module = AudiencesTestKit.module(node);
        AudienceInfo a = module.create(TENANT_A, "deleted midway", "IN");
        ContactSource source = sink -> {
            for (int i = 0; i < 40; i++) {
                if (i == 20) {
                    assertThat(module.delete(TENANT_A, a.id())).isTrue();
                }
                sink.row(i, Long.toString(9_876_510_000L + i), Map.of());
            }
        };
        ImportRefused refused = catchThrowableOfType(ImportRefused.class, () -> module.importContacts(TENANT_A, a.id(), "json", source));
        assertThat(refused.refusal().httpStatus()).isEqualTo(409);
        assertThat(refused.refusal().code()).isEqualTo("audience_deleted");
        assertThat(refused.report().accepted()).isLessThan(40);
        assertThat(module.find(TENANT_A, a.id())).isEmpty();
        TestNodes.await("the deleted audience's rows purged", () -> AudiencesTestKit.rows(node, a.id()) == 0);
    }
}
