package dev.switchboard.emulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One message the emulator accepted, as a test asserts on it.
 *
 * @param seq per-number acceptance sequence, starting at 1
 * @param wamid the id returned to the sender
 * @param to the recipient as normalised digits (or the business-scoped user id for {@code recipient})
 * @param type the message type ({@code text}, {@code template}, …)
 * @param templateName template name for template sends, else {@code null}
 * @param bizOpaqueCallbackData as sent, or {@code null}
 * @param acceptedAtMillis wall-clock acceptance time
 * @param arrivedAtMicros wall-clock arrival time in epoch microseconds, taken when the send was
 *        counted in the number's throughput window (before any configured response latency), so
 *        a benchmark in another process can measure request start → arrival on the same clock
 * @param body the request body as parsed
 */
public record AcceptedMessage(
        long seq,
        String wamid,
        String to,
        String type,
        String templateName,
        String bizOpaqueCallbackData,
        long acceptedAtMillis,
        long arrivedAtMicros,
        JsonNode body) {
}
