package dev.switchboard.gateway.intake;

/**
 * Why a request was refused, in both vocabularies: a stable machine code and HTTP status for
 * the native API's problem JSON, and the Cloud API error code Meta itself would have answered,
 * so the facade can reply exactly like Meta.
 */
public final class Rejection extends RuntimeException {
    private final int httpStatus;
    private final String code;
    private final int metaCode;
    private final Integer metaSubcode;

    public Rejection(int httpStatus, String code, int metaCode, String message) {
        this(httpStatus, code, metaCode, null, message);
    }

    public Rejection(int httpStatus, String code, int metaCode, Integer metaSubcode, String message) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.code = code;
        this.metaCode = metaCode;
        this.metaSubcode = metaSubcode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String code() {
        return code;
    }

    public int metaCode() {
        return metaCode;
    }

    public Integer metaSubcode() {
        return metaSubcode;
    }

    /**
     * For a 429: when to try again, in seconds (the {@code Retry-After} header): a second for the
     * ingress rate, whose bucket refills continuously; five for a full queue, which drains at the
     * numbers' pace. Null for anything else.
     */
    public Integer retryAfterSeconds() {
        return switch (code) {
            case "rate_limited" -> 1;
            case "tenant_queue_full" -> 5;
            default -> null;
        };
    }

    /** The same refusal, naming the batch item it concerns ({@code messages[i]: ...}). */
    public Rejection forItem(int index) {
        return new Rejection(httpStatus, code, metaCode, metaSubcode, "messages[" + index + "]: " + getMessage());
    }

    // The catalogue: one factory per reason, so codes and messages stay consistent everywhere.

    public static Rejection badJson(String detail) {
        return new Rejection(400, "invalid_json", 100, "Request body is not valid JSON: " + detail);
    }

    /** The body could not be read as HTTP: a malformed chunk, a connection cut mid-body. */
    public static Rejection unreadableBody() {
        return new Rejection(400, "unreadable_body", 100, "The request body could not be read (malformed chunked encoding or a truncated body)");
    }

    public static Rejection tooLarge(long max) {
        return new Rejection(413, "body_too_large", 100, "Request body exceeds " + max + " bytes");
    }

    public static Rejection unknownChannel(String id) {
        return new Rejection(404, "unknown_channel", 100, 33, "Unsupported post request. Object with ID '" + id
                + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation");
    }

    public static Rejection missing(String param) {
        return new Rejection(400, "missing_parameter", 131008, "Required parameter is missing: " + param);
    }

    public static Rejection missingRecipient() {
        return new Rejection(400, "missing_recipient", 131008, "Required parameter is missing: to (or recipient)");
    }

    public static Rejection invalidRecipient(String to) {
        return new Rejection(400, "invalid_recipient", 131009, "Parameter value is not valid: '" + to
                + "' is not a valid E.164 phone number");
    }

    public static Rejection invalid(String param, String why) {
        return new Rejection(400, "invalid_parameter", 131009, "Parameter value is not valid: " + param + " " + why);
    }

    public static Rejection unsupportedType(String type) {
        return new Rejection(400, "unsupported_type", 131051, "Unsupported message type: " + type);
    }

    public static Rejection unknownTemplate(String name, String language) {
        return new Rejection(400, "unknown_template", 132001, "Template name does not exist in the translation: "
                + name + " (" + language + ")");
    }

    public static Rejection templateParameters(String name, int expected, int got) {
        return new Rejection(400, "template_parameter_mismatch", 132000, "Number of parameters does not match the expected"
                + " number of params: template " + name + " expects " + expected + ", got " + got);
    }

    public static Rejection templateNotSendable(String name, String status) {
        return new Rejection(400, "template_not_sendable", "PAUSED".equals(status) ? 132015 : 132016,
                "Template " + name + " is " + status);
    }

    public static Rejection outsideWindow(String to) {
        return new Rejection(400, "outside_service_window", 131047, "Re-engagement message: more than 24 hours have"
                + " passed since " + to + " last replied; only template messages can be sent");
    }

    public static Rejection noKnownWindow(String to) {
        return new Rejection(400, "outside_service_window", 131047, "Re-engagement message: " + to + " has not written to"
                + " this number in the last 24 hours (no message from them is known); only template messages can be sent");
    }

    public static Rejection marketingToUs(String to) {
        return new Rejection(400, "marketing_to_us_not_delivered", 131049, "Marketing templates to US (+1) numbers such as "
                + to + " are not delivered by Meta since 2025-04-01; send a utility or authentication template, or disable"
                + " sending.refuseMarketingToUs if Meta changes the rule");
    }

    public static Rejection idempotencyConflict() {
        return new Rejection(409, "idempotency_conflict", 100, "Idempotency-Key was already used with a different request body");
    }

    public static Rejection batchOverIngress(int n, long burst) {
        return new Rejection(429, "batch_over_ingress", 4, "A batch of " + n + " messages is more than this tenant's ingress"
                + " allows at once (" + burst + "); send batches of at most " + burst);
    }

    public static Rejection rateLimited(int perSecond) {
        return new Rejection(429, "rate_limited", 4, "Tenant ingress rate of " + perSecond + " messages/s exceeded; retry shortly");
    }

    public static Rejection queueFull(long max) {
        return new Rejection(429, "tenant_queue_full", 4, "Tenant has " + max + " messages queued (its limit); retry later");
    }

    public static Rejection overloaded() {
        return new Rejection(503, "overloaded", 2, "Switchboard is momentarily overloaded; nothing was accepted, retry shortly");
    }

    public static Rejection channelUnavailable(String id, String state) {
        return new Rejection(409, "channel_unavailable", 100, "Channel " + id + " is " + state);
    }

    public static Rejection noChannel() {
        return new Rejection(409, "no_channel", 100, "The tenant has no active channel to send from");
    }
}
