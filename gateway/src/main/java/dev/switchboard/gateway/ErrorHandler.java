package dev.switchboard.gateway;

import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Last line of defence: a clear problem JSON, never a stack trace on the wire. */
final class ErrorHandler implements io.helidon.webserver.http.ErrorHandler<Throwable> {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);
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
        LOG.error("unhandled error on {} {}", req.prologue().method().text(), req.path().rawPath(), t);
        io.problem(res, 500, "internal_error", "Internal error; quote correlation id "
                + MDC.get("correlation_id") + " when reporting it. Nothing was accepted unless a 2xx was returned.");
    }
}
