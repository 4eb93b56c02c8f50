package dev.switchboard.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.testing.RouteRecorder;
import dev.switchboard.gateway.testing.RouteRecorder.Route;
import dev.switchboard.gateway.testing.TestHttp;
import dev.switchboard.gateway.testing.TestNodes;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpService;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /openapi.json} against the node that serves it: the (method, path) pairs it
 * documents must be exactly the routes the node registers (read from {@code Switchboard.mounts()}
 * through {@link RouteRecorder}), and the document must be well-formed OpenAPI 3.1 — by the
 * checks of {@link OpenApiLint} and by swagger-parser. When a branch adds, moves or drops a route,
 * the failure lists each route missing on each side.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenApiRoutesTest {
    private static TestNodes.Node node;
    private static TestHttp.Resp served;

    @BeforeAll
    static void startNode() {
        node = TestNodes.start("sqlite");
        served = node.http().get("/openapi.json", null);
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void servedWithoutCredentialsAsJson() {
        assertThat(served.status()).as(served.toString()).isEqualTo(200);
        assertThat(served.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(served.json().path("openapi").asText()).startsWith("3.1.");
    }

    @Test
    void documentsExactlyTheRegisteredRoutes() {
        SortedSet<Route> registered = RouteRecorder.of(node.switchboard().mounts());
        SortedSet<Route> documented = OpenApiLint.operations(served.json());
        SortedSet<Route> undocumented = minus(registered, documented);
        SortedSet<Route> phantom = minus(documented, registered);
        if (!undocumented.isEmpty() || !phantom.isEmpty()) {
            fail("/openapi.json (gateway/src/main/resources/openapi.json) and the registered routes differ.\n"
                    + "Registered but not documented (" + undocumented.size() + "):\n" + lines(undocumented)
                    + "Documented but not registered (" + phantom.size() + "):\n" + lines(phantom));
        }
        assertThat(registered).contains(new Route("GET", "/openapi.json"), new Route("POST", "/v1/messages"));
    }

    @Test
    void wellFormedByHand() {
        List<String> problems = OpenApiLint.problems(served.json());
        assertThat(problems).as("problems in /openapi.json").isEmpty();
    }

    @Test
    void wellFormedForSwaggerParser() {
        SwaggerParseResult result = swaggerParse(served.body());
        assertThat(result.getOpenAPI()).as("parsed document; messages: %s", result.getMessages()).isNotNull();
        assertThat(result.getOpenAPI().getOpenapi()).startsWith("3.1.");
        assertThat(result.getMessages()).as("swagger-parser's findings").isEmpty();
    }

    /** The parser, as configured above, does report what it is relied on for. */
    @Test
    void swaggerParserFlagsABrokenDocument() {
        List<String> messages = swaggerParse(BROKEN).getMessages();
        assertThat(String.join("\n", messages)).contains("bogus is unexpected", "Declared path parameter id",
                "required value should be true", "#/components/responses/Nope");
    }

    // ---- the recorder itself, so a green route check means something ----

    @Test
    void recorderJoinsPrefixesFollowsNestedServicesAndNormalisesTemplates() {
        HttpService inner = rules -> rules.delete("/{id:\\d{3}}", (q, r) -> { });
        HttpService outer = rules -> rules.get("/{version:v\\d+\\.\\d+}/{id}", (q, r) -> { })
                .route(Method.PATCH, "/x", (q, r) -> { })
                .any("/any", (q, r) -> { })
                .register("/nested", inner);
        assertThat(RouteRecorder.of("/p", outer)).containsExactlyInAnyOrder(new Route("GET", "/p/{version}/{id}"),
                new Route("PATCH", "/p/x"), new Route("ANY", "/p/any"), new Route("DELETE", "/p/nested/{id}"));
        assertThat(RouteRecorder.of("/", rules -> rules.get("/health", (q, r) -> { })))
                .containsExactly(new Route("GET", "/health"));
    }

    @Test
    void recorderRefusesWhatItCannotReadBack() {
        assertThatThrownBy(() -> RouteRecorder.of("/", rules -> rules.route(HttpRoute.builder()
                .methods(Method.GET).path("/hidden").handler((q, r) -> { }).build())))
                .isInstanceOf(AssertionError.class).hasMessageContaining("HttpRoute");
        assertThatThrownBy(() -> RouteRecorder.of("/", rules -> rules.get((q, r) -> { })))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> RouteRecorder.openApiPath("/files/*")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> RouteRecorder.openApiPath("/files/{+rest}")).isInstanceOf(AssertionError.class);
    }

    @Test
    void lintFindsBrokenReferencesAndUndeclaredPathParameters() {
        JsonNode broken = TestHttp.parse(BROKEN.replace("3.1.0", "3.0.3"));
        String all = String.join("\n", OpenApiLint.problems(broken));
        assertThat(all).contains("not 3.1.x", "#/components/responses/Nope", "{id} is not declared", "must be required",
                "same template", "'ghost' is not defined");
    }

    /** Wrong in the ways the checks above must notice. */
    private static final String BROKEN = """
            {"openapi":"3.1.0","info":{"title":"t","version":"1"},
             "paths":{"/a/{id}":{"get":{"responses":{"200":{"$ref":"#/components/responses/Nope"}}}},
                      "/a/{name}":{"get":{"operationId":"x","parameters":[{"name":"name","in":"path"}],"bogus":1,
                                          "responses":{"200":{"description":"ok"}},"security":[{"ghost":[]}]}}}}
            """;

    private static SwaggerParseResult swaggerParse(String document) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setValidateInternalRefs(true);
        return new OpenAPIV3Parser().readContents(document, null, options);
    }

    private static SortedSet<Route> minus(SortedSet<Route> a, SortedSet<Route> b) {
        SortedSet<Route> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    private static String lines(SortedSet<Route> routes) {
        return routes.isEmpty() ? "  (none)\n" : routes.stream().map(r -> "  " + r + "\n").collect(Collectors.joining());
    }
}
