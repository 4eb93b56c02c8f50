package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.store.Database;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.tenancy.Tenancy;
import io.helidon.webserver.http.HttpService;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The archive capability as one node wires it: the {@link Archiver} (background export,
 * retention, purge), the query side and the two HTTP services. When {@code archive.enabled} is
 * false nothing is started and the endpoints answer {@code 409 archive_disabled}.
 */
public final class ArchiveModule implements AutoCloseable {
    private final ArchiveLayout layout;
    private final Archiver archiver;
    private final ArchiveQueries queries;
    private final int maxRows;
    private final Clock clock;

    private ArchiveModule(ArchiveLayout layout, Archiver archiver, ArchiveQueries queries, int maxRows, Clock clock) {
        this.layout = layout;
        this.archiver = archiver;
        this.queries = queries;
        this.maxRows = maxRows;
        this.clock = clock;
    }

    /**
     * @param messagesWriter the writer that owns {@code messages} and the event log (the send
     *                       writer): retirement deletes and cursor moves go through it
     */
    public static ArchiveModule create(SwitchboardConfig.Archive config, SwitchboardConfig.Database database, Database db,
                                       EventLog events, GroupCommitWriter messagesWriter, MeterRegistry registry, Clock clock) {
        ArchiveLayout layout = new ArchiveLayout(directory(config, database));
        if (!config.enabled()) {
            return new ArchiveModule(layout, null, null, config.maxRows(), clock);
        }
        Jdbc jdbc = new Jdbc(db.reads());
        Archiver archiver = new Archiver(layout, events, messagesWriter, jdbc, new ArchiveLock(db.reads(), db.dialect()),
                config.retention(), config.interval(), registry, clock);
        return new ArchiveModule(layout, archiver, new ArchiveQueries(layout, config.queryTimeout()), config.maxRows(), clock);
    }

    /**
     * The configured directory, else {@code archive} beside a SQLite database file (the archive
     * belongs with the data it came from, and tests' databases live in temporary directories),
     * else {@code data/archive}.
     */
    static Path directory(SwitchboardConfig.Archive config, SwitchboardConfig.Database database) {
        if (config.directory() != null && !config.directory().isBlank()) {
            return Path.of(config.directory());
        }
        if (database.isSqlite()) {
            String file = database.url().substring("jdbc:sqlite:".length());
            int q = file.indexOf('?');
            file = q < 0 ? file : file.substring(0, q);
            if (!file.isEmpty() && !file.equals(":memory:") && !file.startsWith("file:")) {
                Path parent = Path.of(file).toAbsolutePath().getParent();
                return parent.resolve("archive");
            }
        }
        return Path.of("data", "archive");
    }

    /** Starts the periodic runs (the first after one interval). */
    public void start() {
        if (archiver != null) {
            archiver.start();
        }
    }

    /** The archiver, or null when the archive is disabled. */
    public Archiver archiver() {
        return archiver;
    }

    public Path directory() {
        return layout.root();
    }

    /** {@code /v1/analytics}: register under that path. */
    public HttpService analyticsApi(Tenancy tenancy, HttpIo io) {
        return new AnalyticsApi(tenancy, queries, io, clock);
    }

    /** {@code /admin/archive...} and {@code /admin/analytics/sql}: register under {@code /admin}. */
    public HttpService adminApi(HttpIo io, String adminToken) {
        return new ArchiveAdminApi(archiver, queries, layout, maxRows, io, adminToken);
    }

    @Override
    public void close() {
        if (archiver != null) {
            archiver.close();
        }
        if (queries != null) {
            queries.close();
        }
    }
}
