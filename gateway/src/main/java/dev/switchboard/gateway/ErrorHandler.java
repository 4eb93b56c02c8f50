package dev.switchboard.gateway;

import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one error mapper of the HTTP edge: a clear answer with a machine-readable code, never a
 * stack trace on the wire.
 * <ul>
 *   <li>{@link Rejection}: the 4xx the request earned, as problem JSON;</li>
 *   <li>Helidon's own 4xx ({@link HttpException}: no such route, method not allowed, a body that
 *       cannot be read): on Graph-style paths ({@code /v23.0/...}) in Meta's shape, as Meta
 *       answers an unsupported request (400, code 100, subcode 33), elsewhere as problem JSON
 *       with the real status. These are the caller's mistakes: logged at DEBUG, so an
 *       unauthenticated scanner cannot flood the log;</li>
 *   <li>anything else: a 500 with the correlation id, logged with its stack trace.</li>
 * </ul>
 */
final class ErrorHandler implements io.helidon.webserver.http.ErrorHandler<Throwable> {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);
    private static final java.util.regex.Pattern GRAPH_PATH = java.util.regex.Pattern.compile("^/v\\d+\\.\\d+/");
    private final HttpIo io;

    ErrorHandler(HttpIo io) {
        this.io = io;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res, Throwable t) {
        if (t instanceof Rejection r) {
            io.problem(res, r);
            return;
        }
        int status = t instanceof HttpException h ? h.status().code() : t instanceof RequestException r ? r.status().code() : 500;
        if (status >= 400 && status < 500) {
            callersMistake(req, res, status);
            return;
        }
        LOG.error("unhandled error on {} {}", req.prologue().method().text(), req.path().rawPath(), t);
        io.problem(res, 500, "internal_error", "Internal error; quote correlation id "
                + MDC.get("correlation_id") + " when reporting it. Nothing was accepted unless a 2xx was returned.");
    }

    private void callersMistake(ServerRequest req, ServerResponse res, int status) {
        String method = req.prologue().method().text();
        String path = req.path().rawPath();
        LOG.debug("{} {}: {}", method, path, status);
        if (GRAPH_PATH.matcher(path).find()) {
            String object = path.replaceFirst("^/v[0-9.]+/", "").split("/", 2)[0];
            io.metaError(res, 400, 100, 33, "Unsupported " + method.toLowerCase(java.util.Locale.ROOT) + " request. Object with ID '"
                    + object + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                    "GraphMethodException");
            return;
        }
        switch (status) {
            case 404 -> io.problem(res, 404, "not_found", "No such endpoint: " + method + " " + path);
            case 405 -> io.problem(res, 405, "method_not_allowed", method + " is not allowed on " + path);
            default -> io.problem(res, status, "bad_request", "The request could not be read (HTTP " + status + ").");
        }
    }
}
