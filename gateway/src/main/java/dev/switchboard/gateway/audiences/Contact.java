package dev.switchboard.gateway.audiences;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * One member of an audience.
 *
 * @param phone     E.164 digits without {@code +}, as message recipients and opt-outs are keyed
 * @param variables the upload's other columns for this contact (name → text), for personalisation
 */
public record Contact(String phone, Map<String, String> variables) {
    public Contact {
        requireNonNull(phone, "phone");
        variables = variables == null ? Map.of() : variables;
    }
}
