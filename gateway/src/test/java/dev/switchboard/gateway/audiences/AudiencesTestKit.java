package dev.switchboard.gateway.audiences;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestHttp.Resp;
import dev.switchboard.gateway.testing.TestNodes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Audience calls for the tests: create, read back, upload bodies of any content type (fixed length or chunked). */
final class AudiencesTestKit {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private AudiencesTestKit() {}

    static String create(TestHttp http, String key, String name, String country) {
        String body = "{\"name\":\"" + name + "\"" + (country == null ? "" : ",\"default_country\":\"" + country + "\"") + "}";
        Resp r = http.post("/v1/audiences", key, body);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.json().path("contacts").asLong()).isZero();
        return r.json().path("id").asText();
    }

    static JsonNode get(TestHttp http, String key, String id) {
        Resp r = http.get("/v1/audiences/" + id, key);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json();
    }

    /** Every contact, phone → variables, read through the paged listing (3 a page, so paging is exercised). */
    static Map<String, JsonNode> contacts(TestHttp http, String key, String id) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        String after = null;
        do {
            Resp r = http.get("/v1/audiences/" + id + "/contacts?limit=3" + (after == null ? "" : "&after="
                    + URLEncoder.encode(after, StandardCharsets.UTF_8)), key);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            for (JsonNode c : r.json().path("data")) {
                assertThat(out.put(c.path("phone").asText(), c.path("variables"))).as("listed once").isNull();
            }
            after = r.json().path("paging").path("after").asText(null);
        } while (after != null);
        return out;
    }

    static JsonNode assertProblem(Resp r, int status, String code) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).hasValue("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.path("code").asText()).as("%s", r).isEqualTo(code);
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("detail").asText()).isNotBlank();
        return p;
    }

    /** Contact rows stored for an audience, counted in the database itself. */
    static long rows(TestNodes.Node node, String audienceId) {
        try (Connection c = node.switchboard().database().reads().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audience_contacts WHERE audience_id=?")) {
            ps.setString(1, audienceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The node's audiences module, found through its mounted API. */
    static Audiences module(TestNodes.Node node) {
        for (Switchboard.Mount m : node.switchboard().mounts()) {
            if (m.service() instanceof AudiencesApi api) {
                return api.audiences();
            }
        }
        throw new AssertionError("no audiences API mounted");
    }

    /** Uploads to {@code /v1/audiences/{id}/contacts}. */
    record UploadClient(String baseUrl) {
        Result csv(String id, String key, String csv, String phoneColumn) {
            return send(id, key, "text/csv", csv, phoneColumn == null ? "" : "?phone_column=" + phoneColumn, false);
        }

        /** Sent chunked, with no Content-Length: the server cannot know the size up front. */
        Result csvStreamed(String id, String key, String csv) {
            return send(id, key, "text/csv", csv, "", true);
        }

        Result send(String id, String key, String contentType, String body) {
            return send(id, key, contentType, body, "", false);
        }

        Result send(String id, String key, String contentType, String body, String query, boolean chunked) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            HttpRequest.BodyPublisher publisher = chunked
                    ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))
                    : HttpRequest.BodyPublishers.ofByteArray(bytes);
            HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/audiences/" + id + "/contacts" + query))
                    .timeout(Duration.ofSeconds(90)).header("Authorization", "Bearer " + key).header("Content-Type", contentType)
                    .POST(publisher).build();
            try {
                HttpResponse<String> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
                return new Result(new Resp(r.statusCode(), r));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    record Result(Resp resp) {
        JsonNode expect(int status) {
            assertThat(resp.status()).as("%s", resp).isEqualTo(status);
            return resp.json();
        }
    }
}
