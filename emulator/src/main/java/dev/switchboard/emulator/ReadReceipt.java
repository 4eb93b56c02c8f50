package dev.switchboard.emulator;

/**
 * One accepted "mark as read" call ({@code POST /{phone-number-id}/messages} with
 * {@code "status":"read"}), as a test asserts on it.
 *
 * @param phoneNumberId the business number that marked the message
 * @param messageId the inbound wamid marked as read
 * @param from the user who sent that message
 * @param typingIndicator the typing indicator's {@code type} (only {@code text} exists), or
 *        {@code null} when none was asked for
 * @param atMillis wall-clock time of the call
 */
public record ReadReceipt(String phoneNumberId, String messageId, String from, String typingIndicator, long atMillis) {
    public boolean typing() {
        return typingIndicator != null;
    }
}
