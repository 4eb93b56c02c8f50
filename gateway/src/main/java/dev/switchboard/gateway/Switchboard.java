package dev.switchboard.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.api.AdminApi;
import dev.switchboard.gateway.api.AudienceApi;
import dev.switchboard.gateway.api.FacadeApi;
import dev.switchboard.gateway.api.GraphApi;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.api.NativeApi;
import dev.switchboard.gateway.api.OpenApiDoc;
import dev.switchboard.gateway.archive.ArchiveModule;
import dev.switchboard.gateway.audiences.AudiencesApi;
import dev.switchboard.gateway.campaigns.CampaignHolds;
import dev.switchboard.gateway.campaigns.CampaignsApi;
import dev.switchboard.gateway.campaigns.WindowGate;
import dev.switchboard.gateway.config.ConfigLoader;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.audience.Audience;
import dev.switchboard.gateway.audience.AudienceGate;
import dev.switchboard.gateway.delivery.AdminDeliveryApi;
import dev.switchboard.gateway.delivery.Outbox;
import dev.switchboard.gateway.delivery.TenantDeliveryApi;
import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.intake.Intake;
import dev.switchboard.gateway.intake.PayloadValidator;
import dev.switchboard.gateway.intake.ServiceWindows;
import dev.switchboard.gateway.intake.TemplateCatalog;
import dev.switchboard.gateway.messages.MessageStore;
import dev.switchboard.gateway.ops.CorrelationFilter;
import dev.switchboard.gateway.graph.GraphUpstream;
import dev.switchboard.gateway.graph.MediaLinks;
import dev.switchboard.gateway.graph.MediaOwners;
import dev.switchboard.gateway.ops.OpsApi;
import dev.switchboard.gateway.ops.RequestDeadlines;
import dev.switchboard.gateway.outbound.CloudApiClient;
import dev.switchboard.gateway.outbound.Outbound;
import dev.switchboard.gateway.outbound.SendPathMetrics;
import dev.switchboard.gateway.store.Database;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.templates.TemplatesApi;
import dev.switchboard.gateway.tenancy.AppSecrets;
import dev.switchboard.gateway.tenancy.NumberFacts;
import dev.switchboard.gateway.tenancy.Tenancy;
import dev.switchboard.gateway.tenancy.TokenCipher;
import dev.switchboard.gateway.webhooks.JournalProcessor;
import dev.switchboard.gateway.webhooks.WebhookIngest;
import dev.switchboard.gateway.webhooks.WebhookJournal;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Switchboard node: wires storage, tenancy, the send path and the HTTP APIs, and owns their
 * lifecycle. Tests start it in-process exactly as {@link Main} does.
 */
public final class Switchboard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Switchboard.class);

    private final SwitchboardConfig config;
    private final Database db;
    private final GroupCommitWriter sendWriter;
    private final GroupCommitWriter acceptWriter;
    private final GroupCommitWriter expressWriter;
    private final GroupCommitWriter webhookWriter;
    private final JournalProcessor webhookProcessor;
    private final EventLog events;
    private final Audience audience;
    private final AppSecrets appSecrets;
    private final Outbox delivery;
    private final CloudApiClient client;
    private final Tenancy tenancy;
    private final Outbound outbound;
    private final TemplateCatalog templates;
    private final NumberFacts numberFacts;
    private final OpsApi ops;
    private final RequestDeadlines deadlines;
    private final GraphUpstream graphUpstream;
    private final List<Mount> mounts;

    /** One HTTP service and the path prefix it is mounted under. */
    public record Mount(String prefix, io.helidon.webserver.http.HttpService service) {}
    private final MessageStore messages;
    private final PrometheusMeterRegistry registry;
    private final ArchiveModule archive;
    private final WebServer server;

    private Switchboard(SwitchboardConfig config, Clock clock) {
        this.config = config;
        ObjectMapper json = ConfigLoader.mapper();
        this.db = Database.open(config.database());
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Jdbc jdbc = new Jdbc(db.reads());
        TokenCipher cipher = new TokenCipher(MasterKey.load(config.security(), config.database()));
        this.tenancy = new Tenancy(jdbc, cipher, clock);
        Bootstrap.apply(config.bootstrap(), tenancy);
        this.sendWriter = new GroupCommitWriter("send", this::writerConnection, config.database().writerBatch(), 200_000,
                db.writeLock());
        this.client = new CloudApiClient(config.upstream().baseUrl(), config.upstream().apiVersion(),
                config.upstream().connectTimeout(), config.upstream().requestTimeout(), json);
        this.messages = new MessageStore(jdbc);
        this.events = new EventLog(jdbc);
        SendPathMetrics metrics = new SendPathMetrics(registry);
        this.templates = new TemplateCatalog(config.upstream().baseUrl(), config.upstream().apiVersion(), tenancy, jdbc, json, clock);
        this.numberFacts = new NumberFacts(config.upstream().baseUrl(), config.upstream().apiVersion(), tenancy, json);
        this.audience = new Audience(jdbc, clock);
        // PostgreSQL: the HIGH lane's claims and settlements on a connection of their own (see Dispatch).
        this.expressWriter = db.writeLock() != null ? sendWriter
                : new GroupCommitWriter("express", this::writerConnection, config.database().writerBatch(), 200_000, null);
        // a paused campaign's messages are held at the send gate (see CampaignHolds)
        CampaignHolds campaignHolds = new CampaignHolds();
        WindowGate campaignWindows = new WindowGate(); // and a campaign's messages outside its sending window
        this.outbound = new Outbound(config.sending(), messages, sendWriter, expressWriter, client, tenancy, metrics,
                campaignWindows.around(campaignHolds.around(new AudienceGate(audience, templates))), events, clock);
        ServiceWindows windows = new ServiceWindows(jdbc);
        // On PostgreSQL accepts get a writer (and connection) of their own: their inserts never
        // touch a row another writer holds, so they commit beside the claims, settlements and
        // status updates instead of queuing behind them on one connection (measured: 440
        // accepts/s while that connection's round trips waited for CPU). On SQLite one writer
        // does everything (see webhookWriter below).
        this.acceptWriter = db.writeLock() != null ? sendWriter
                : new GroupCommitWriter("accept", this::writerConnection, config.database().writerBatch(), 200_000, null);
        Intake intake = new Intake(tenancy, messages, acceptWriter, outbound, new PayloadValidator(templates, windows,
                new PayloadValidator.Policy(config.sending().unknownWindowGrace(), config.sending().refuseMarketingToUs())), metrics,
                json, clock);
        HttpIo io = new HttpIo(json);
        // On PostgreSQL the webhook path has its own writer (and so its own connection and
        // queue): a storm of statuses cannot delay an accept, nor a flood of accepts an ack. On
        // SQLite every writer takes the same file lock and every commit is an fsync, so separate
        // writers only queued their commits (and their fsyncs) behind one another — an OTP's
        // claim could wait for three. There one writer serves both paths: journal appends go
        // urgent, ahead of bulk accepts and status application, and one fsync covers them all.
        this.webhookWriter = db.writeLock() != null ? sendWriter
                : new GroupCommitWriter("webhooks", this::writerConnection, config.database().writerBatch(), 200_000, null);
        WebhookJournal journal = new WebhookJournal(jdbc, clock);
        this.appSecrets = new AppSecrets(jdbc, cipher, config.webhooks().appSecret(), clock);
        WebhookIngest ingest = new WebhookIngest(appSecrets, config.webhooks().verifyToken(), webhookWriter,
                journal, io, config.webhooks().maxBodyBytes(), registry);
        this.ops = new OpsApi(db, sendWriter, registry, config.security().metricsToken());
        // Delivery path: tenants' webhook endpoints and the outbox that forwards events to them.
        this.delivery = new Outbox(config.delivery(), config.database().writerBatch(), this::writerConnection, db.writeLock(), jdbc, events,
                tenancy, cipher, json, registry, clock);
        // Archive and analytics: Parquet files of the event log and of retired messages.
        this.archive = ArchiveModule.create(config.archive(), config.database(), db, events, sendWriter, registry, clock);
        long maxBody = config.http().maxBodyBytes();
        this.deadlines = new RequestDeadlines(config.http().requestTimeout(), registry);
        this.graphUpstream = new GraphUpstream(config.upstream().baseUrl(), config.upstream().connectTimeout(),
                config.upstream().requestTimeout().plus(config.http().requestTimeout()));
        // Every HTTP service and where it is mounted, in order: the first route that matches wins
        // (so the native /v1 routes come before the Graph-style /{version}/{id} catch-alls).
        var audiencesApi = AudiencesApi.of(db, sendWriter, audience, config.audiences(), tenancy, io, clock);
        var campaignsApi = CampaignsApi.of(db, sendWriter, audiencesApi.audiences(), audience, intake, templates, messages, outbound,
                campaignHolds, tenancy, io, clock, campaignWindows, config.pricing(), registry);
        this.mounts = List.of(
                new Mount("/", ops),
                new Mount("/", new OpenApiDoc()),
                new Mount("/v1/audience", new AudienceApi(tenancy, audience, sendWriter, io, clock)),
                new Mount("/v1/audiences", audiencesApi),
                new Mount("/v1/templates", new TemplatesApi(templates, tenancy, io, config.templates().manualSyncInterval(), clock)),
                new Mount("/v1/campaigns", campaignsApi),
                new Mount("/v1", new NativeApi(tenancy, intake, outbound, messages, sendWriter, io, maxBody * NATIVE_BODY_FACTOR, clock)),
                new Mount("/admin", new AdminApi(tenancy, appSecrets, outbound, io, config.security().adminToken())),
                new Mount("/v1", new TenantDeliveryApi(tenancy, delivery, io)),
                new Mount("/admin", new AdminDeliveryApi(tenancy, delivery, io, config.security().adminToken())),
                new Mount("/webhooks", ingest),
                new Mount("/v1/analytics", archive.analyticsApi(tenancy, io)),
                new Mount("/admin", archive.adminApi(io, config.security().adminToken())),
                new Mount("/", new FacadeApi(tenancy, intake, io, maxBody, graphUpstream)),
                new Mount("/", new GraphApi(tenancy, graphUpstream, new MediaOwners(jdbc, clock),
                        new MediaLinks(cipher.derivedKey("media-links"), clock), templates, io,
                        config.upstream().apiVersion(), config.http().maxMediaBytes())));
        WebServerConfig.Builder listener = WebServer.builder();
        HttpListener.configure(listener, config.http());
        this.server = listener
                .host(config.http().host())
                .port(config.http().port())
                // the largest body any route takes; each route bounds its own reads below this
                .maxPayloadSize(Math.max(Math.max(maxBody * NATIVE_BODY_FACTOR, config.webhooks().maxBodyBytes()),
                        config.http().maxMediaBytes() + 64 * 1024))
                .connectionOptions(deadlines.socketOptions())
                .routing(r -> {
                    r.addFilter(deadlines).addFilter(new CorrelationFilter()).addFilter(ops.drainingGate());
                    mounts.forEach(m -> r.register(m.prefix(), m.service()));
                    r.error(Throwable.class, new ErrorHandler(io));
                })
                .build();
        this.webhookProcessor = new JournalProcessor(journal, sendWriter, jdbc, tenancy, events, templates, outbound, audience, windows,
                appSecrets, json, clock, registry, campaignsApi.billing());
        outbound.evidenceFrom(webhookProcessor::backlog);
        outbound.start();
        numberFacts.start();
        delivery.start();
        archive.start();
        server.start();
        templates.start(config.templates().syncInterval(), config.templates().callsPerHour());
        ops.markReady();
        LOG.info("Switchboard listening on {} ({} database)", baseUrl(), db.dialect());
    }

    /** The native API accepts batches of up to 1,000 messages, so its body cap is larger. */
    private static final int NATIVE_BODY_FACTOR = 16;

    public static Switchboard start(SwitchboardConfig config) {
        return new Switchboard(config, Clock.systemUTC());
    }

    /**
     * A node on another clock: tests move time (the messaging limit's rolling day, a campaign's
     * sending window) without waiting for it. Production uses {@link #start(SwitchboardConfig)}.
     */
    public static Switchboard start(SwitchboardConfig config, Clock clock) {
        return new Switchboard(config, clock);
    }

    private java.sql.Connection writerConnection() {
        try {
            return db.openWriterConnection();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open a writer connection", e);
        }
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return (config.http().tls() ? "https://" : "http://") + ("0.0.0.0".equals(config.http().host()) ? "127.0.0.1" : config.http().host()) + ":" + port();
    }

    /** The HTTP services in the order they are mounted (for the route table the OpenAPI check reads). */
    public List<Mount> mounts() {
        return mounts;
    }

    public Database database() {
        return db;
    }

    public Tenancy tenancy() {
        return tenancy;
    }

    public Outbound outbound() {
        return outbound;
    }

    public MessageStore messages() {
        return messages;
    }

    /** Journaled webhooks not yet processed. */
    public long webhookBacklog() {
        return webhookProcessor.backlog();
    }

    /** The writer that owns the messages table (the send path's group commit). */
    public GroupCommitWriter sendWriter() {
        return sendWriter;
    }

    /** The resolved webhook event log the delivery outbox and the archive consume. */
    public EventLog events() {
        return events;
    }

    /** The tenant delivery outbox. */
    public Outbox delivery() {
        return delivery;
    }

    public NumberFacts numberFacts() {
        return numberFacts;
    }

    public TemplateCatalog templates() {
        return templates;
    }

    /** The archive (Parquet files, analytics). */
    public ArchiveModule archive() {
        return archive;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * A graceful stop (SIGTERM, or a test): readiness turns 503 and new requests get 503, the
     * sends already on their way finish and settle (up to {@code sending.drainTimeout}), the
     * writers flush what they hold, and only then does the listener close.
     */
    @Override
    public void close() {
        ops.markDraining();
        outbound.drain(config.sending().drainTimeout());
        numberFacts.close();
        templates.close();
        outbound.close();
        webhookProcessor.close();
        delivery.close();
        archive.close();
        acceptWriter.close();
        expressWriter.close();
        sendWriter.close();
        webhookWriter.close();
        server.stop();
        deadlines.close();
        graphUpstream.close();
        client.close();
        db.close();
    }
}
