package dev.switchboard.gateway.audiences;

import dev.switchboard.gateway.intake.Rejection;
import java.io.IOException;

/** How a body that could not be read is answered, the same for every upload format. */
final class Uploads {
    private Uploads() {}

    static Rejection readFailure(Throwable e) {
        if (e instanceof BoundedInput.TooLarge t) {
            return new Rejection(413, "body_too_large", 100, "Upload " + t.getMessage() + " (audiences.maxBytes); the rows before"
                    + " the limit were imported, split the rest into further uploads");
        }
        if (e instanceof IOException || e == null) {
            return Rejection.unreadableBody();
        }
        throw new IllegalStateException("reading the upload failed", e);
    }
}
