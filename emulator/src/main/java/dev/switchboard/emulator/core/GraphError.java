package dev.switchboard.emulator.core;

/**
 * A Graph API error answer. Thrown from validation so that each check reads as one line, and
 * rendered by {@code api.GraphErrors} into Meta's envelope.
 *
 * <p>The catalogue below copies Meta's wording; messages start with {@code (#code)} as Meta's
 * do, except the OAuth/Graph-method errors, which Meta words without it.
 */
public final class GraphError extends RuntimeException {
    private final int httpStatus;
    private final int code;
    private final Integer subcode;
    private final String type;
    private final String details;
    private final String userTitle;
    private final String userMessage;

    public GraphError(int httpStatus, int code, Integer subcode, String type, String message, String details) {
        this(httpStatus, code, subcode, type, message, details, null, null);
    }

    private GraphError(int httpStatus, int code, Integer subcode, String type, String message, String details,
                       String userTitle, String userMessage) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.code = code;
        this.subcode = subcode;
        this.type = type;
        this.details = details;
        this.userTitle = userTitle;
        this.userMessage = userMessage;
    }

    public int httpStatus() { return httpStatus; }
    public int code() { return code; }
    public Integer subcode() { return subcode; }
    public String type() { return type; }
    public String details() { return details; }
    /** Business-management errors carry {@code error_user_title} / {@code error_user_msg}; else {@code null}. */
    public String userTitle() { return userTitle; }
    public String userMessage() { return userMessage; }

    private static GraphError whatsapp(int http, int code, String title, String details) {
        return new GraphError(http, code, null, "OAuthException", "(#" + code + ") " + title, details);
    }

    public static GraphError invalidToken() {
        return new GraphError(401, 190, null, "OAuthException",
                "Invalid OAuth access token - Cannot parse access token", null);
    }

    public static GraphError unknownObject(String id, String method) {
        return new GraphError(400, 100, 33, "GraphMethodException",
                "Unsupported " + method + " request. Object with ID '" + id + "' does not exist, cannot be loaded due to"
                        + " missing permissions, or does not support this operation. Please read the Graph API"
                        + " documentation at https://developers.facebook.com/docs/graph-api", null);
    }

    public static GraphError invalidParameter(String details) {
        return whatsapp(400, 100, "Invalid parameter", details);
    }

    public static GraphError missingParameter(String details) {
        return whatsapp(400, 131008, "Required parameter is missing", details);
    }

    public static GraphError invalidValue(String details) {
        return whatsapp(400, 131009, "Parameter value is not valid", details);
    }

    public static GraphError unsupportedType(String type) {
        return whatsapp(400, 131051, "Unsupported message type", "Message type '" + type + "' is not supported.");
    }

    public static GraphError templateParamCount(String details) {
        return whatsapp(400, 132000, "Number of parameters does not match the expected number of params", details);
    }

    public static GraphError templateParamFormat(String details) {
        return whatsapp(400, 132012, "Parameter format does not match format in the created template", details);
    }

    public static GraphError templateMissing(String name, String language) {
        return whatsapp(400, 132001, "Template name does not exist in the translation",
                "template name (" + name + ") does not exist in " + language);
    }

    public static GraphError templatePaused(String name) {
        return whatsapp(400, 132015, "Template is Paused",
                "Template " + name + " is paused due to low quality so it cannot be sent in a template message.");
    }

    public static GraphError templateDisabled(String name) {
        return whatsapp(400, 132016, "Template is disabled",
                "Template " + name + " has been paused too many times due to low quality and is now permanently disabled.");
    }

    public static GraphError reEngagement() {
        return whatsapp(400, 131047, "Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.");
    }

    public static GraphError rateLimit(int httpStatus) {
        return whatsapp(httpStatus, 130429, "Rate limit hit",
                "Message failed to send because there were too many messages sent from this phone number in a short period of time.");
    }

    public static GraphError pairRateLimit() {
        return whatsapp(400, 131056, "(Business Account, Consumer Account) pair rate limit hit",
                "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.");
    }

    public static GraphError maintenance() {
        return whatsapp(400, 131057, "Account in maintenance mode",
                "Business Account is in maintenance mode. This may be due to a throughput upgrade.");
    }

    /** A failure a test scripted for a recipient ({@code Emulator#failNext}), in Meta's words where known. */
    public static GraphError scripted(int code) {
        return whatsapp(400, code, title(code), details(code));
    }

    /** Meta's title for a send failure code (also the {@code title} of a {@code failed} status). */
    public static String title(int code) {
        return switch (code) {
            case 131026 -> "Message undeliverable";
            case 131048 -> "Spam rate limit hit";
            case 131049 -> "This message was not delivered to maintain healthy ecosystem engagement.";
            case 131050 -> "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.";
            default -> "Message failed to send";
        };
    }

    /** Meta's {@code error_data.details} for a send failure code. */
    public static String details(int code) {
        return switch (code) {
            case 131026 -> "Message Undeliverable.";
            case 131048 -> "Message failed to send because there are restrictions on how many messages can be sent from this phone number."
                    + " This may be because too many previous messages were blocked or flagged as spam.";
            case 131049 -> "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.";
            default -> "Message failed to send (code " + code + ").";
        };
    }

    public static GraphError somethingWentWrong() {
        return whatsapp(500, 131000, "Something went wrong", "Message failed to send due to an unknown error.");
    }

    public static GraphError serviceUnavailable() {
        return whatsapp(503, 131016, "Service unavailable", "A service is temporarily unavailable.");
    }

    public static GraphError mediaUploadFailed(String details) {
        return whatsapp(400, 131053, "Media upload error", details);
    }

    /** A Graph field the node type does not have, e.g. {@code GET /{phone-number-id}?fields=nope}. */
    public static GraphError nonexistingField(String field, String nodeType) {
        return new GraphError(400, 100, null, "OAuthException",
                "(#100) Tried accessing nonexisting field (" + field + ") on node type (" + nodeType + ")", null);
    }

    /** A bare Graph parameter error, worded {@code (#100) <text>} without {@code error_data}. */
    public static GraphError param(String text) {
        return new GraphError(400, 100, null, "OAuthException", "(#100) " + text, null);
    }

    /** Business-management validation failure: {@code Invalid parameter} with a user-facing title and message. */
    public static GraphError invalidForUser(Integer subcode, String userTitle, String userMessage) {
        return new GraphError(400, 100, subcode, "OAuthException", "Invalid parameter", null, userTitle, userMessage);
    }

    public static GraphError notRegistered() {
        return whatsapp(400, 133010, "Phone number not registered",
                "The phone number is not registered on the WhatsApp Business Platform. Register it with POST /{phone-number-id}/register.");
    }

    public static GraphError pinMismatch() {
        return whatsapp(400, 133005, "Two step verification PIN Mismatch",
                "The PIN does not match the two-step verification PIN of this phone number.");
    }
}
