package dev.switchboard.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.audience.Keywords;
import dev.switchboard.gateway.audience.Suppression;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.Tenant;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A tenant's audience controls under {@code /v1/audience}: its opt-out list and suppressions,
 * and the keywords that opt users out and back in.
 * <ul>
 *   <li>{@code GET /suppressions?kind=opt_out|marketing_limit|undeliverable&after=<user>&limit=}</li>
 *   <li>{@code POST /opt-outs} {@code {"user":"<wa id>","reason":"..."}} — e.g. an opt-out taken
 *       on another channel; {@code DELETE /opt-outs/{user}} lifts it</li>
 *   <li>{@code GET /keywords}, {@code PUT /keywords} {@code {"opt_out":[...],"opt_in":[...]}}
 *       (a missing list means the defaults)</li>
 * </ul>
 */
public final class AudienceApi implements HttpService {
    private static final Pattern USER = Pattern.compile("^(\\+?[0-9]{6,20}|[A-Z]{2}\\.[0-9A-Za-z]{4,60})$");
    private static final Set<String> KINDS = Set.of(Suppression.OPT_OUT, Suppression.MARKETING_LIMIT, Suppression.UNDELIVERABLE);
    private static final int MAX_KEYWORDS = 100;

    private final Tenancy tenancy;
    private final TenantGuard guard;
    private final Audience audience;
    private final GroupCommitWriter writer;
    private final HttpIo io;
    private final Clock clock;

    public AudienceApi(Tenancy tenancy, Audience audience, GroupCommitWriter writer, HttpIo io, Clock clock) {
        this.tenancy = tenancy;
        this.guard = new TenantGuard(tenancy, io);
        this.audience = audience;
        this.writer = writer;
        this.io = io;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/suppressions", guard.of(this::list))
                .post("/opt-outs", guard.of(this::optOut))
                .delete("/opt-outs/{user}", guard.of(this::optIn))
                .get("/keywords", guard.of(this::getKeywords))
                .put("/keywords", guard.of(this::putKeywords));
    }

    private void list(Tenant t, ServerRequest req, ServerResponse res) {
        String kind = HttpIo.query(req, "kind").orElse(null);
        if (kind != null && !KINDS.contains(kind)) {
            throw Rejection.invalid("kind", "must be one of " + KINDS);
        }
        int limit = intParam(req, "limit", 100, 1, 1000);
        List<Suppression> page = audience.list(t.id(), kind, HttpIo.query(req, "after").orElse(null), limit);
        ObjectNode root = io.json().createObjectNode();
        ArrayNode data = root.putArray("data");
        for (Suppression s : page) {
            ObjectNode n = data.addObject().put("user", s.userId()).put("kind", s.kind()).put("marketing_only", s.marketingOnly())
                    .put("reason", s.reason()).put("since", s.createdAt());
            if (s.errorCode() != null) {
                n.put("error_code", s.errorCode());
            }
            if (s.untilAt() > 0) {
                n.put("until", s.untilAt());
            }
        }
        if (page.size() == limit) {
            root.putObject("paging").put("after", page.get(page.size() - 1).userId());
        }
        io.send(res, 200, root);
    }

    private void optOut(Tenant t, ServerRequest req, ServerResponse res) {
        ObjectNode body = io.parseObject(io.body(req, 16 * 1024));
        String user = user(body.path("user").asText(null));
        String reason = body.path("reason").asText("added through the API");
        if (reason.length() > 500) {
            throw Rejection.invalid("reason", "must be at most 500 characters");
        }
        Suppression s = new Suppression(t.id(), user, Suppression.OPT_OUT, true, null, reason, 0, clock.millis());
        writer.submit(audience.suppress(s)).join();
        io.send(res, 201, io.json().createObjectNode().put("user", user).put("kind", s.kind()));
    }

    private void optIn(Tenant t, ServerRequest req, ServerResponse res) {
        String user = user(req.path().pathParameters().get("user"));
        writer.submit(audience.lift(t.id(), user, Suppression.OPT_OUT)).join();
        res.status(204).send();
    }

    private void getKeywords(Tenant t, ServerRequest req, ServerResponse res) {
        Keywords k = audience.keywords(t.id());
        ObjectNode root = io.json().createObjectNode();
        k.optOut().stream().sorted().forEach(root.putArray("opt_out")::add);
        k.optIn().stream().sorted().forEach(root.putArray("opt_in")::add);
        io.send(res, 200, root);
    }

    private void putKeywords(Tenant t, ServerRequest req, ServerResponse res) {
        ObjectNode body = io.parseObject(io.body(req, 64 * 1024));
        List<String> optOut = words(body, "opt_out");
        List<String> optIn = words(body, "opt_in");
        if (optOut != null && optIn != null) {
            for (String w : optOut) {
                if (Keywords.of(optIn, List.of()).match(w) != 0) {
                    throw Rejection.invalid("opt_in", "'" + w + "' cannot be both an opt-out and an opt-in keyword");
                }
            }
        }
        writer.submit(audience.setKeywords(t.id(), optOut, optIn)).join();
        getKeywords(t, req, res);
    }

    private static List<String> words(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray() || n.isEmpty() || n.size() > MAX_KEYWORDS) {
            throw Rejection.invalid(field, "must be a non-empty array of at most " + MAX_KEYWORDS + " keywords");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode w : n) {
            if (!w.isTextual() || w.asText().isBlank() || w.asText().length() > 40) {
                throw Rejection.invalid(field, "each keyword must be a non-blank string of at most 40 characters");
            }
            out.add(w.asText().strip());
        }
        return out;
    }

    private static String user(String raw) {
        if (raw == null || !USER.matcher(raw).matches()) {
            throw Rejection.invalid("user", "must be a WhatsApp id: the phone number in international digits, or a business-scoped"
                    + " user id such as US.13491208655302741918");
        }
        return raw.startsWith("+") ? raw.substring(1) : raw;
    }

    private static int intParam(ServerRequest req, String name, int dflt, int min, int max) {
        String v = HttpIo.query(req, name).orElse(null);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Rejection.invalid(name, "must be an integer from " + min + " to " + max);
    }
}
