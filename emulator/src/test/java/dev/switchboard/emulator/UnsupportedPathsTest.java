package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whatever the emulator does not serve is answered as Graph answers it: 400, GraphMethodException, 100 / 33. */
class UnsupportedPathsTest {
    static Emulator emu;

    @BeforeAll
    static void start() {
        emu = Emulator.start(EmulatorConfig.builder().seed(1L).build());
    }

    @AfterAll
    static void stop() {
        emu.close();
    }

    @ParameterizedTest
    @CsvSource({
        "GET, /v23.0/1001/marketing_messages, 1001, get",
        "PUT, /v23.0/1001/messages, 1001, put",
        "PATCH, /v23.0/1001, 1001, patch",
        "DELETE, /v23.0/1001, 1001, delete",
        "POST, /v23.0/1001, 1001, post",
        "GET, /v23.0/waba-1/subscribed_apps, waba-1, get",
        "POST, /v23.0/1001/media/extra/segments, 1001, post",
        "GET, /v23.0, v23.0, get",
        "DELETE, /v23.0/1001/messages, 1001, delete",
    })
    void answeredLikeGraph(String method, String path, String id, String verb) {
        Graph.Response r = new Graph(emu).request(method, path, "token-1", method.equals("GET") || method.equals("DELETE") ? null : "{}");
        assertThat(r.status()).isEqualTo(400);
        JsonNode error = r.json().path("error");
        assertThat(SendApiTest.fieldNames(error)).containsExactly("message", "type", "code", "error_subcode", "fbtrace_id");
        assertThat(error.path("message").asText()).isEqualTo("Unsupported " + verb + " request. Object with ID '" + id
                + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
                + " Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api");
        assertThat(error.path("type").asText()).isEqualTo("GraphMethodException");
        assertThat(error.path("code").asInt()).isEqualTo(100);
        assertThat(error.path("error_subcode").asInt()).isEqualTo(33);
        assertThat(error.path("fbtrace_id").asText()).hasSize(23);
    }

    @Test
    void anUnknownObjectIdIsTheSameAnswer() {
        Graph g = new Graph(emu);
        assertThat(g.get("/v23.0/424242", "token-1").json().path("error").path("error_subcode").asInt()).isEqualTo(33);
        assertThat(g.request("DELETE", "/v23.0/424242", "token-1", null).json().path("error").path("message").asText())
                .startsWith("Unsupported delete request. Object with ID '424242'");
    }
}
