package dev.switchboard.gateway.outbound;

/** The outcome of one HTTP send to Meta. */
public sealed interface SendResult {
    /** Meta accepted the message ({@code message_status} accepted, held_for_quality_assessment or paused). */
    record Accepted(String wamid, String messageStatus) implements SendResult {}

    /** Meta answered with its error shape. */
    record MetaError(int httpStatus, int code, Integer subcode, String message) implements SendResult {}

    /** No usable answer: connection failure, timeout (status 0), or a non-Meta error status. */
    record Transport(int httpStatus, String message) implements SendResult {}
}
