package dev.switchboard.gateway.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.intake.Intake;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.messages.Lane;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import dev.switchboard.gateway.graph.GraphUpstream;
import dev.switchboard.gateway.tenancy.Channel;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Cloud-API-compatible facade: {@code POST /{version}/{phone-number-id}/messages} with the
 * tenant's API key as the Bearer token and Meta's own body. Answers in Meta's shapes, success
 * and error, so a client written for Meta only changes its base URL. The id returned is
 * Switchboard's message id, which is also the id on the statuses forwarded to the tenant. The
 * key may also come as {@code ?access_token=}, as Meta allows.
 *
 * <p>Mark-as-read and typing indicators ({@code {"status":"read","message_id":…}}) are not
 * messages: nothing is queued or paced, they go to Meta at once on the number's token (so never
 * behind a campaign) and Meta's answer is relayed as it came. The message id in them is Meta's
 * own inbound id, forwarded to the tenant unchanged, so this just works.
 */
public final class FacadeApi implements HttpService {
    private final Tenancy tenancy;
    private final Intake intake;
    private final HttpIo io;
    private final long maxBody;
    private final GraphUpstream upstream;

    public FacadeApi(Tenancy tenancy, Intake intake, HttpIo io, long maxBody, GraphUpstream upstream) {
        this.tenancy = tenancy;
        this.intake = intake;
        this.io = io;
        this.maxBody = maxBody;
        this.upstream = upstream;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{version:v\\d+\\.\\d+}/{phoneNumberId}/messages", this::send);
    }

    private void send(ServerRequest req, ServerResponse res) {
        try {
            Optional<Tenant> tenant = GraphApi.token(req).flatMap(tenancy::authenticate);
            if (tenant.isEmpty()) {
                io.metaError(res, 401, 190, null, "Invalid OAuth access token - Cannot parse access token", "OAuthException");
                return;
            }
            String channelId = req.path().pathParameters().get("phoneNumberId");
            byte[] raw = io.body(req, maxBody);
            ObjectNode body = io.parseObject(raw);
            if (body.has("status") && !body.has("to")) {
                readReceipt(req, res, tenant.get(), channelId, raw);
                return;
            }
            Lane priority = HttpIo.header(req, HttpIo.PRIORITY).map(p -> Lane.parse(p)
                    .orElseThrow(() -> Rejection.invalid("X-Priority", "must be high, normal or low"))).orElse(null);
            Long ttl = HttpIo.header(req, HttpIo.TTL).map(FacadeApi::seconds).orElse(null);
            Intake.Candidate c = new Intake.Candidate(body, channelId, null, priority, ttl, null, null);
            String key = HttpIo.header(req, HttpIo.IDEMPOTENCY_KEY).orElse(null);
            String rawTo = body.path("to").asText(body.path("recipient").asText(""));
            Intake.Result r = intake.accept(tenant.get(), List.of(c), key, raw, accepted -> render(accepted, rawTo));
            io.send(res, 200, r.response());
        } catch (Rejection r) {
            HttpIo.retryAfter(res, r);
            io.metaError(res, r.httpStatus(), r.metaCode(), r.metaSubcode(), r.getMessage(),
                    r.metaCode() == 100 && r.metaSubcode() != null ? "GraphMethodException" : "OAuthException");
        }
    }

    private void readReceipt(ServerRequest req, ServerResponse res, Tenant tenant, String channelId, byte[] raw) {
        Channel channel = tenancy.channelOf(tenant.id(), channelId).orElseThrow(() -> Rejection.unknownChannel(channelId));
        String version = req.path().pathParameters().get("version");
        try {
            GraphUpstream.Answer a = upstream.call("POST", version, channelId + "/messages", Map.of(), tenancy.accessToken(channel),
                    "application/json", () -> new ByteArrayInputStream(raw), raw.length);
            byte[] answer;
            try (InputStream in = a.body()) {
                answer = in.readAllBytes();
            }
            res.status(Status.create(a.status()));
            res.header(HeaderNames.CONTENT_TYPE, a.contentType());
            res.send(answer);
        } catch (IOException e) {
            io.metaError(res, 503, 2, null, "Service temporarily unavailable: Meta could not be reached", "OAuthException");
        }
    }

    private String render(List<Intake.Accepted> accepted, String rawTo) {
        ObjectNode root = io.json().createObjectNode();
        root.put("messaging_product", "whatsapp");
        ArrayNode contacts = root.putArray("contacts");
        ArrayNode messages = root.putArray("messages");
        for (Intake.Accepted a : accepted) {
            ObjectNode contact = contacts.addObject().put("input", rawTo);
            if (a.recipient().chars().allMatch(Character::isDigit)) {
                contact.put("wa_id", a.recipient());
            }
            messages.addObject().put("id", a.id()).put("message_status", "accepted");
        }
        return root.toString();
    }

    private static long seconds(String s) {
        try {
            long v = Long.parseLong(s);
            if (v <= 0 || v > NativeApi.MAX_TTL_SECONDS) {
                throw Rejection.invalid("X-TTL-Seconds", "must be a whole number of seconds from 1 to " + NativeApi.MAX_TTL_SECONDS);
            }
            return v;
        } catch (NumberFormatException e) {
            throw Rejection.invalid("X-TTL-Seconds", "must be a positive number of seconds");
        }
    }
}
