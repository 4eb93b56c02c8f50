package dev.switchboard.gateway.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * The one typed configuration of a Switchboard node.
 *
 * <p>Every field has a safe default so that an empty file (or none) starts an embedded node on
 * SQLite with the built-in emulator. {@link ConfigLoader} reads a JSON file and then applies
 * {@code SWITCHBOARD_*} environment-variable overrides, so production only sets what differs.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SwitchboardConfig(
        Http http,
        Database database,
        Security security,
        Upstream upstream,
        Sending sending,
        Webhooks webhooks,
        Emulator emulator,
        Bootstrap bootstrap,
        Delivery delivery,
        Archive archive,
        Audiences audiences,
        Templates templates,
        Pricing pricing) {

    /** The sections every deployment sets; delivery, archive and audiences take their defaults. */
    public SwitchboardConfig(Http http, Database database, Security security, Upstream upstream, Sending sending,
                             Webhooks webhooks, Emulator emulator, Bootstrap bootstrap) {
        this(http, database, security, upstream, sending, webhooks, emulator, bootstrap, null, null, null, null, null);
    }

    /** Every section but audiences, which takes its defaults. */
    public SwitchboardConfig(Http http, Database database, Security security, Upstream upstream, Sending sending,
                             Webhooks webhooks, Emulator emulator, Bootstrap bootstrap, Delivery delivery, Archive archive) {
        this(http, database, security, upstream, sending, webhooks, emulator, bootstrap, delivery, archive, null, null, null);
    }

    /** Every section but templates, which takes its defaults. */
    public SwitchboardConfig(Http http, Database database, Security security, Upstream upstream, Sending sending,
                             Webhooks webhooks, Emulator emulator, Bootstrap bootstrap, Delivery delivery, Archive archive,
                             Audiences audiences) {
        this(http, database, security, upstream, sending, webhooks, emulator, bootstrap, delivery, archive, audiences, null, null);
    }

    /** Every section but pricing, which takes its defaults (no price table). */
    public SwitchboardConfig(Http http, Database database, Security security, Upstream upstream, Sending sending,
                             Webhooks webhooks, Emulator emulator, Bootstrap bootstrap, Delivery delivery, Archive archive,
                             Audiences audiences, Templates templates) {
        this(http, database, security, upstream, sending, webhooks, emulator, bootstrap, delivery, archive, audiences, templates, null);
    }

    public SwitchboardConfig {
        http = http == null ? Http.defaults() : http;
        database = database == null ? Database.defaults() : database;
        security = security == null ? Security.defaults() : security;
        upstream = upstream == null ? Upstream.defaults() : upstream;
        sending = sending == null ? Sending.defaults() : sending;
        webhooks = webhooks == null ? Webhooks.defaults() : webhooks;
        emulator = emulator == null ? Emulator.defaults() : emulator;
        bootstrap = bootstrap == null ? Bootstrap.empty() : bootstrap;
        delivery = delivery == null ? Delivery.defaults() : delivery;
        archive = archive == null ? Archive.defaults() : archive;
        audiences = audiences == null ? Audiences.defaults() : audiences;
        templates = templates == null ? Templates.defaults() : templates;
        pricing = pricing == null ? Pricing.defaults() : pricing;
    }

    public static SwitchboardConfig defaults() {
        return new SwitchboardConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** This configuration with another audiences section. */
    public SwitchboardConfig withAudiences(Audiences a) {
        return new SwitchboardConfig(http, database, security, upstream, sending, webhooks, emulator, bootstrap, delivery, archive, a,
                templates, pricing);
    }

    /** This configuration with another templates section. */
    public SwitchboardConfig withTemplates(Templates t) {
        return new SwitchboardConfig(http, database, security, upstream, sending, webhooks, emulator, bootstrap, delivery, archive,
                audiences, t, pricing);
    }

    /** This configuration with another price table. */
    public SwitchboardConfig withPricing(Pricing p) {
        return new SwitchboardConfig(http, database, security, upstream, sending, webhooks, emulator, bootstrap, delivery, archive,
                audiences, templates, p);
    }

    /** The public HTTP listener. */
    /**
     * The HTTP listener. {@code requestTimeout} bounds how long one request may take from its
     * first line to its answer: a client that trickles bytes (slow-loris) or stalls inside a
     * malformed chunk is cut off then, instead of holding a connection for as long as it likes.
     * It also closes keep-alive connections idle that long. Default 30 s; raise it if tenants
     * upload large media over slow links. {@code maxMediaBytes} caps a media upload (Meta's largest,
     * a document, is 100 MB). {@code tlsCertificate} and {@code tlsKey} (PEM files) turn on HTTPS
     * (with HTTP/2 for clients that offer it); without them the listener speaks plain HTTP.
     */
    public record Http(String host, int port, long maxBodyBytes, String publicUrl, Duration requestTimeout,
                       long maxMediaBytes, String tlsCertificate, String tlsKey) {
        public Http {
            host = host == null ? "127.0.0.1" : host;
            // one Cloud API message needs far less (a 4,096-character text escapes to ~25 KB); the
            // native API takes 16× for a batch of up to 1,000: 8 MiB (a 60 MB batch once ran the heap out)
            maxBodyBytes = maxBodyBytes <= 0 ? 512L * 1024 : maxBodyBytes;
            requestTimeout = requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()
                    ? Duration.ofSeconds(30) : requestTimeout;
            maxMediaBytes = maxMediaBytes <= 0 ? 100L * 1024 * 1024 : maxMediaBytes;
            if ((tlsCertificate == null) != (tlsKey == null)) {
                throw new IllegalArgumentException("http.tlsCertificate and http.tlsKey go together: set both or neither");
            }
        }

        public Http(String host, int port, long maxBodyBytes, String publicUrl) {
            this(host, port, maxBodyBytes, publicUrl, null, 0, null, null);
        }

        public Http withRequestTimeout(Duration timeout) {
            return new Http(host, port, maxBodyBytes, publicUrl, timeout, maxMediaBytes, tlsCertificate, tlsKey);
        }

        public Http withTls(String certificate, String key) {
            return new Http(host, port, maxBodyBytes, publicUrl, requestTimeout, maxMediaBytes, certificate, key);
        }

        @JsonIgnore
        public boolean tls() {
            return tlsCertificate != null;
        }

        public static Http defaults() {
            return new Http(null, 8080, 0, null);
        }
    }

    /**
     * Storage. {@code url} is a JDBC URL: {@code jdbc:sqlite:...} (embedded default) or
     * {@code jdbc:postgresql://...}. {@code writerBatch} caps the rows one group-commit
     * transaction writes (default 2,000).
     */
    public record Database(String url, String user, String password, int poolSize, int writerBatch) {
        public Database {
            url = url == null ? "jdbc:sqlite:data/switchboard.db" : url;
            poolSize = poolSize <= 0 ? 8 : poolSize;
            writerBatch = writerBatch <= 0 ? 2000 : writerBatch;
        }

        public static Database defaults() {
            return new Database(null, null, null, 0, 0);
        }

        /** Derived from the URL; not a configuration field (kept out of the JSON tree ConfigLoader round-trips). */
        @JsonIgnore
        public boolean isSqlite() {
            return url.startsWith("jdbc:sqlite:");
        }
    }

    /**
     * Secrets. {@code masterKey} (base64, 32 bytes) encrypts channel access tokens at rest; when
     * absent a key file beside the SQLite database is created on first start (embedded mode only).
     */
    /** {@code metricsToken}: when set, {@code /metrics} answers only {@code Authorization: Bearer <it>}. */
    public record Security(String adminToken, String masterKey, String masterKeyFile, String metricsToken) {
        public Security {
            masterKeyFile = masterKeyFile == null ? "data/master.key" : masterKeyFile;
        }

        public static Security defaults() {
            return new Security(null, null, null, null);
        }
    }

    /** Meta's Graph API (or an emulator standing in for it). */
    public record Upstream(String baseUrl, String apiVersion, Duration requestTimeout, Duration connectTimeout) {
        public Upstream {
            baseUrl = baseUrl == null ? "https://graph.facebook.com" : baseUrl;
            apiVersion = apiVersion == null ? "v23.0" : apiVersion;
            requestTimeout = requestTimeout == null ? Duration.ofSeconds(10) : requestTimeout;
            connectTimeout = connectTimeout == null ? Duration.ofSeconds(3) : connectTimeout;
        }

        public static Upstream defaults() {
            return new Upstream(null, null, null, null);
        }
    }

    /** The send path's knobs; see {@code outbound} for what each one shapes. */
    public record Sending(
            double ceilingUtilisation,
            int maxInFlightPerChannel,
            int maxAttempts,
            Duration retryBase,
            Duration retryCap,
            double retryBudgetRatio,
            int pairBurst,
            Duration pairInterval,
            int memoryQueueCapacity,
            Duration inFlightGrace,
            @JsonProperty("inFlightPolicy") List<String> inFlightPolicy,
            int breakerFailureThreshold,
            Duration breakerOpenFor,
            Duration arrivalJitter,
            Duration unknownWindowGrace,
            Boolean refuseMarketingToUs,
            Double tierReserve,
            Duration highLaneTimeout,
            Duration drainTimeout) {
        public Sending {
            ceilingUtilisation = ceilingUtilisation <= 0 || ceilingUtilisation > 1 ? 0.99 : ceilingUtilisation;
            maxInFlightPerChannel = maxInFlightPerChannel <= 0 ? 256 : maxInFlightPerChannel;
            maxAttempts = maxAttempts <= 0 ? 8 : maxAttempts;
            retryBase = retryBase == null ? Duration.ofMillis(500) : retryBase;
            retryCap = retryCap == null ? Duration.ofMinutes(5) : retryCap;
            retryBudgetRatio = retryBudgetRatio <= 0 ? 0.2 : retryBudgetRatio;
            pairBurst = pairBurst <= 0 ? 40 : pairBurst;
            pairInterval = pairInterval == null ? Duration.ofSeconds(6) : pairInterval;
            memoryQueueCapacity = memoryQueueCapacity <= 0 ? 5_000 : memoryQueueCapacity;
            inFlightGrace = inFlightGrace == null ? Duration.ofSeconds(30) : inFlightGrace;
            // every lane resends what Meta did not confirm (see Outbound#reconcileInFlight); FAIL stays an option
            inFlightPolicy = inFlightPolicy == null ? List.of("HIGH=RESEND", "NORMAL=RESEND", "LOW=RESEND") : inFlightPolicy;
            breakerFailureThreshold = breakerFailureThreshold <= 0 ? 20 : breakerFailureThreshold;
            breakerOpenFor = breakerOpenFor == null ? Duration.ofSeconds(10) : breakerOpenFor;
            // the floor of the release window's J (outbound delay variation); it widens on 130429
            arrivalJitter = arrivalJitter == null || arrivalJitter.isNegative() ? Duration.ofMillis(50) : arrivalJitter;
            // free-form to a user with no known inbound message is allowed this long after a number is added
            unknownWindowGrace = unknownWindowGrace == null || unknownWindowGrace.isNegative() ? Duration.ofHours(24) : unknownWindowGrace;
            refuseMarketingToUs = refuseMarketingToUs == null || refuseMarketingToUs;
            // the share of a portfolio's messaging limit that marketing (LOW) may not use
            tierReserve = tierReserve == null || tierReserve < 0 || tierReserve > 0.9 ? 0.1 : tierReserve;
            // a HIGH-lane (OTP) request is given up this soon and sent again at once: late is worse than twice
            highLaneTimeout = highLaneTimeout == null || highLaneTimeout.isNegative() || highLaneTimeout.isZero()
                    ? Duration.ofSeconds(3) : highLaneTimeout;
            // on SIGTERM, how long the sends already on their way may take to be answered and settled
            drainTimeout = drainTimeout == null || drainTimeout.isNegative() ? Duration.ofSeconds(15) : drainTimeout;
        }

        public static Sending defaults() {
            return new Sending(0, 0, 0, null, null, 0, 0, null, 0, null, null, 0, null, null, null, null, null, null, null);
        }
    }

    /** Meta-to-Switchboard webhooks. */
    public record Webhooks(String appSecret, String verifyToken, long maxBodyBytes) {
        public Webhooks {
            maxBodyBytes = maxBodyBytes <= 0 ? 3L * 1024 * 1024 + 64 * 1024 : maxBodyBytes;
        }

        public static Webhooks defaults() {
            return new Webhooks(null, null, 0);
        }
    }

    /**
     * Forwarding webhook events to tenants' endpoints: retries with exponential backoff and
     * full jitter from {@code retryBase} to {@code retryCap} until {@code horizon} has passed
     * (then the delivery is dead-lettered); {@code requestTimeout} per POST.
     * {@code maxInFlight} POSTs at most per endpoint at once, each carrying up to
     * {@code maxBatch} events; an endpoint's circuit breaker opens for {@code breakerOpenFor}
     * once half of its last {@code breakerFailureThreshold}·2 POSTs (at least
     * {@code breakerFailureThreshold}) failed. Dead letters are kept for {@code deadLetterRetention}.
     */
    /** {@code allowPrivateTargets}: tenants' webhook URLs may point into this network (off by default; see TargetGuard). */
    public record Delivery(Duration retryBase, Duration retryCap, Duration horizon, Duration requestTimeout,
                           int maxInFlight, int maxBatch, int breakerFailureThreshold, Duration breakerOpenFor,
                           Duration deadLetterRetention, Boolean allowPrivateTargets) {
        public Delivery {
            retryBase = retryBase == null ? Duration.ofSeconds(1) : retryBase;
            retryCap = retryCap == null ? Duration.ofMinutes(10) : retryCap;
            horizon = horizon == null ? Duration.ofHours(24) : horizon;
            requestTimeout = requestTimeout == null ? Duration.ofSeconds(10) : requestTimeout;
            // 16: with one event per POST (the default since receivers expect Meta's shape) four
            // in flight drained only ~80 events/s into a receiver answering in 50 ms
            maxInFlight = maxInFlight <= 0 ? 16 : maxInFlight;
            maxBatch = maxBatch <= 0 ? 100 : maxBatch;
            breakerFailureThreshold = breakerFailureThreshold <= 0 ? 5 : breakerFailureThreshold;
            breakerOpenFor = breakerOpenFor == null ? Duration.ofSeconds(30) : breakerOpenFor;
            deadLetterRetention = deadLetterRetention == null ? Duration.ofDays(7) : deadLetterRetention;
            allowPrivateTargets = allowPrivateTargets != null && allowPrivateTargets;
        }

        /** The timing knobs only; the rest take their defaults. */
        public Delivery(Duration retryBase, Duration retryCap, Duration horizon, Duration requestTimeout) {
            this(retryBase, retryCap, horizon, requestTimeout, 0, 0, 0, null, null, null);
        }

        public static Delivery defaults() {
            return new Delivery(null, null, null, null);
        }
    }

    /**
     * The columnar archive: Parquet files under {@code directory}, partitioned by day. Hot rows
     * older than {@code retention} move there; {@code interval} is how often the archiver runs.
     *
     * <p>{@code enabled} is a {@code Boolean} so that a section which leaves it out (say, one
     * that only sets the directory) keeps the archive on rather than silently turning it off.
     * {@code directory} defaults to {@code archive} beside a SQLite database file (so
     * {@code data/archive} for the default database) and to {@code data/archive} otherwise.
     * Operator SQL ({@code POST /admin/analytics/sql}) is cancelled after {@code queryTimeout}
     * and returns at most {@code maxRows} rows.
     */
    public record Archive(Boolean enabled, String directory, Duration retention, Duration interval, Duration queryTimeout,
                          int maxRows) {
        public Archive {
            enabled = enabled == null ? Boolean.TRUE : enabled;
            retention = retention == null || retention.isNegative() ? Duration.ofDays(7) : retention;
            interval = interval == null || !interval.isPositive() ? Duration.ofSeconds(30) : interval;
            queryTimeout = queryTimeout == null || !queryTimeout.isPositive() ? Duration.ofSeconds(10) : queryTimeout;
            maxRows = maxRows <= 0 ? 10_000 : maxRows;
        }

        public static Archive defaults() {
            return new Archive(null, null, null, null, null, 0);
        }
    }

    /**
     * Contact uploads to audiences ({@code POST /v1/audiences/{id}/contacts}). One upload reads at
     * most {@code maxRows} data rows (default 2,000,000) and {@code maxBytes} of body (default
     * 100 MiB; the listener's largest body, {@code http.maxMediaBytes} + 64 KiB, bounds it too);
     * the rest is refused with 413 and what was read before stays imported. Contacts are written
     * {@code batchRows} per transaction (default 5,000; on SQLite the shared writer's time budget
     * may ask for fewer, so sends never wait long behind an import).
     */
    public record Audiences(long maxRows, long maxBytes, int batchRows) {
        public Audiences {
            maxRows = maxRows <= 0 ? 2_000_000 : maxRows;
            maxBytes = maxBytes <= 0 ? 100L * 1024 * 1024 : maxBytes;
            batchRows = batchRows <= 0 ? 5_000 : batchRows;
        }

        public static Audiences defaults() {
            return new Audiences(0, 0, 0);
        }
    }

    /**
     * The template catalogue. Every WABA's templates are read from Meta again every
     * {@code syncInterval} (default 15 minutes; webhooks bring status and category changes in
     * between, not new or edited templates), with at most {@code callsPerHour} list calls per WABA
     * (default 100: Meta's management-API budget is about 200 an hour per WABA and the tenant's
     * own template and profile calls share it; a WABA whose sync would go past it waits).
     * A tenant may ask for a sync ({@code POST /v1/templates/sync}) once per
     * {@code manualSyncInterval} (default 60 s).
     */
    public record Templates(Duration syncInterval, int callsPerHour, Duration manualSyncInterval) {
        public Templates {
            syncInterval = syncInterval == null || syncInterval.isNegative() || syncInterval.isZero()
                    ? Duration.ofMinutes(15) : syncInterval;
            callsPerHour = callsPerHour <= 0 ? 100 : callsPerHour;
            manualSyncInterval = manualSyncInterval == null || manualSyncInterval.isNegative() ? Duration.ofSeconds(60) : manualSyncInterval;
        }

        public static Templates defaults() {
            return new Templates(null, 0, null);
        }
    }

    /**
     * What Meta charges per delivered template message, for campaigns' spend caps and spend
     * stats: {@code rates} maps a recipient's country — an ISO region ({@code "IN"}) or a calling
     * code ({@code "91"}), or {@code "default"} for every other — to a price per pricing category
     * ({@code MARKETING}, {@code UTILITY}, {@code AUTHENTICATION}, {@code SERVICE}; a category
     * such as {@code MARKETING_LITE} falls back to {@code MARKETING}) in {@code currency}. Meta's
     * rate card changes quarterly and differs per market, so it is the operator's to keep, not
     * built in. Without rates no spend is counted and campaigns cannot take a spend cap.
     */
    public record Pricing(String currency, java.util.Map<String, java.util.Map<String, java.math.BigDecimal>> rates) {
        public Pricing {
            currency = currency == null || currency.isBlank() ? "USD" : currency.strip().toUpperCase(java.util.Locale.ROOT);
            if (!currency.matches("[A-Z]{3}")) {
                throw new IllegalArgumentException("pricing.currency must be an ISO 4217 code such as USD, not " + currency);
            }
            java.util.Map<String, java.util.Map<String, java.math.BigDecimal>> copy = new java.util.TreeMap<>();
            if (rates != null) {
                for (var country : rates.entrySet()) {
                    String key = country.getKey().strip();
                    String where = key.equalsIgnoreCase("default") ? "default" : key.toUpperCase(java.util.Locale.ROOT);
                    if (!where.equals("default") && !where.matches("[A-Z]{2}|[0-9]{1,3}")) {
                        throw new IllegalArgumentException("pricing.rates: " + key
                                + " is neither an ISO region (IN), a calling code (91) nor \"default\"");
                    }
                    java.util.Map<String, java.math.BigDecimal> byCategory = new java.util.TreeMap<>();
                    for (var price : country.getValue() == null ? java.util.Map.<String, java.math.BigDecimal>of().entrySet()
                            : country.getValue().entrySet()) {
                        if (price.getValue() == null || price.getValue().signum() < 0 || price.getValue().compareTo(java.math.BigDecimal.valueOf(1_000_000)) > 0) {
                            throw new IllegalArgumentException("pricing.rates." + key + "." + price.getKey() + " must be a price from 0 to 1,000,000");
                        }
                        byCategory.put(price.getKey().strip().toUpperCase(java.util.Locale.ROOT), price.getValue());
                    }
                    copy.put(where, java.util.Collections.unmodifiableMap(byCategory));
                }
            }
            rates = java.util.Collections.unmodifiableMap(copy);
        }

        public static Pricing defaults() {
            return new Pricing(null, null);
        }
    }

    /** The built-in emulator, started in-process when enabled (the demo default). */
    public record Emulator(boolean enabled, int port, String appSecret) {
        public static Emulator defaults() {
            return new Emulator(false, 0, null);
        }
    }

    /** Tenants and channels declared in configuration, created on start if missing. */
    public record Bootstrap(List<TenantSpec> tenants) {
        public Bootstrap {
            tenants = tenants == null ? List.of() : List.copyOf(tenants);
        }

        public static Bootstrap empty() {
            return new Bootstrap(List.of());
        }
    }

    public record TenantSpec(String id, String name, String apiKey, Integer ingressPerSecond, Long maxQueued,
                             List<ChannelSpec> channels) {
        public TenantSpec {
            channels = channels == null ? List.of() : List.copyOf(channels);
        }

        public TenantSpec(String id, String name, String apiKey, List<ChannelSpec> channels) {
            this(id, name, apiKey, null, null, channels);
        }
    }

    public record ChannelSpec(
            String phoneNumberId,
            String displayPhoneNumber,
            String wabaId,
            String portfolioId,
            String accessToken,
            int ceilingMps,
            String tier) {}
}
