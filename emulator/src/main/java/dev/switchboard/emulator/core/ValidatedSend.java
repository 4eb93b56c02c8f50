package dev.switchboard.emulator.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.emulator.TemplateDef;

/**
 * A send request that passed validation.
 *
 * @param input the recipient exactly as the client gave it ({@code to} or {@code recipient})
 * @param recipientKey the normalised recipient: digits for {@code to}, the user id for {@code recipient}
 * @param waId digits for the response's {@code wa_id}, or {@code null} when addressed by user id
 * @param type message type
 * @param template the resolved template for template sends, else {@code null}
 * @param bizOpaqueCallbackData as sent, or {@code null}
 * @param body the parsed request body
 */
public record ValidatedSend(String input, String recipientKey, String waId, String type, TemplateDef template,
                            String bizOpaqueCallbackData, JsonNode body) {

    public boolean isTemplate() {
        return template != null;
    }
}
