package dev.switchboard.gateway.webhooks;

import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.tenancy.AppSecrets;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderName;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;

/**
 * {@code /webhooks/whatsapp}: Meta's verification handshake and the ingest of its POSTs.
 *
 * <p>A POST is checked against {@code X-Hub-Signature-256} over the raw bytes (constant-time),
 * with the global app secret or a channel's own ({@link AppSecrets}; the journal records which),
 * appended to the journal through the webhook path's group-commit writer as an urgent op (its
 * own writer on PostgreSQL, the node's one writer on SQLite), and answered 200 only after that
 * commit. Nothing is parsed or processed inline: the {@link JournalProcessor}
 * does that in batches, so the acknowledgement stays in milliseconds whatever the payload.
 */
public final class WebhookIngest implements HttpService {
    private static final HeaderName SIGNATURE = HeaderNames.create("X-Hub-Signature-256");
    private final AppSecrets secrets;
    private final String verifyToken;
    private final GroupCommitWriter writer;
    private final WebhookJournal journal;
    private final HttpIo io;
    private final long maxBody;
    private final Counter rejectedSignatures;
    private final Counter accepted;
    private final Timer ackTime;

    public WebhookIngest(AppSecrets secrets, String verifyToken, GroupCommitWriter writer, WebhookJournal journal, HttpIo io,
                         long maxBody, MeterRegistry registry) {
        this.secrets = secrets;
        this.verifyToken = verifyToken;
        this.writer = writer;
        this.journal = journal;
        this.io = io;
        this.maxBody = maxBody;
        this.rejectedSignatures = Counter.builder("switchboard_webhooks_rejected_signature").register(registry);
        this.accepted = Counter.builder("switchboard_webhooks_accepted").register(registry);
        this.ackTime = Timer.builder("switchboard_webhooks_ack").publishPercentileHistogram().register(registry);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/whatsapp", this::verify).post("/whatsapp", this::ingest);
    }

    private void verify(ServerRequest req, ServerResponse res) {
        String mode = HttpIo.query(req, "hub.mode").orElse("");
        String token = HttpIo.query(req, "hub.verify_token").orElse("");
        String challenge = HttpIo.query(req, "hub.challenge").orElse("");
        boolean ok = verifyToken != null && "subscribe".equals(mode)
                && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), verifyToken.getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            io.problem(res, 403, "verification_failed", "hub.mode must be subscribe and hub.verify_token must match");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/plain");
        res.send(challenge);
    }

    private void ingest(ServerRequest req, ServerResponse res) {
        long start = System.nanoTime();
        byte[] body;
        try {
            body = io.body(req, maxBody);
        } catch (Rejection r) {
            io.problem(res, r);
            return;
        }
        String signer = signer(HttpIo.header(req, SIGNATURE).orElse(null), body);
        if (signer == null) {
            rejectedSignatures.increment();
            io.problem(res, 401, "invalid_signature", "X-Hub-Signature-256 is missing or does not match the body");
            return;
        }
        try {
            writer.submitUrgent(journal.append(new String(body, StandardCharsets.UTF_8), signer)).join();
        } catch (CompletionException e) {
            // Not journaled: a non-200 makes Meta deliver it again, so nothing is lost.
            io.problem(res, 503, "journal_unavailable", "Webhook not stored; retry");
            return;
        }
        accepted.increment();
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send("{\"status\":\"ok\"}");
        ackTime.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The signer of a correctly signed body (see {@link AppSecrets#signer}), else null. */
    String signer(String header, byte[] body) {
        if (header == null || !header.startsWith("sha256=")) {
            return null;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring(7).trim().toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
        return secrets.signer(given, body);
    }
}
