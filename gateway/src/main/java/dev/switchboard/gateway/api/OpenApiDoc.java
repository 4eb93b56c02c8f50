package dev.switchboard.gateway.api;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 description of every route this node serves (the
 * native API, the Cloud-API facade and Graph pass-through, webhooks, ops and admin), so client
 * generators and API tools need no copy of their own. The document is a hand-written classpath
 * resource, served as is; {@code OpenApiRoutesTest} fails when it and the registered routes
 * drift apart. Unauthenticated: it describes the API and holds no data.
 *
 * <p>Read once when the node starts, so a build without it fails at start-up, not at the first
 * request.
 */
public final class OpenApiDoc implements HttpService {
    static final String RESOURCE = "/openapi.json";
    private final byte[] document;

    public OpenApiDoc() {
        try (InputStream in = OpenApiDoc.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is missing from the build");
            }
            this.document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/openapi.json", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(document);
        });
    }
}
