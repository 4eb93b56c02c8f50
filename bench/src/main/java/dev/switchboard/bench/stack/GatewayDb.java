package dev.switchboard.bench.stack;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The gateway's database as a benchmark sees it: a fresh one per run (a SQLite file in the run's
 * directory, or a new PostgreSQL database {@code sb_bench_<random>} created beside the URL given
 * and dropped at the end), and a read-only observer of the webhook journal and message states.
 *
 * <p>Why read the database: the gateway exposes no metric for its journal backlog nor for when a
 * status was applied, yet "every status applied, and how soon after its ack" is what the webhook
 * path is judged on. The unprocessed rows of {@code webhook_journal} are exactly the acked but
 * not yet applied payloads, and the oldest one's {@code received_at} is the current apply lag.
 * The queries ride on the {@code (processed, id)} index; on SQLite they run in this (the
 * benchmark's) process and take no write lock, on PostgreSQL they cost the server a little.
 */
public final class GatewayDb implements AutoCloseable {
    /** Unapplied journal rows and the age in ms of the oldest (0 when none). */
    public record Journal(long pending, long oldestAgeMillis) {
    }

    private final String url;
    private final String user;
    private final String password;
    private final String adminUrl;
    private final String createdName;
    private Connection probe;

    private GatewayDb(String url, String user, String password, String adminUrl, String createdName) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.adminUrl = adminUrl;
        this.createdName = createdName;
    }

    /**
     * {@code sqlite}: a file in {@code dir}. {@code jdbc:postgresql://host:port/any}: a fresh
     * database on that server, created through its {@code postgres} database as user postgres.
     */
    public static GatewayDb prepare(String option, Path dir) throws SQLException {
        if (option.equals("sqlite")) {
            return new GatewayDb("jdbc:sqlite:" + dir.resolve("switchboard.db").toAbsolutePath(), null, null, null, null);
        }
        if (!option.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("--db must be sqlite or jdbc:postgresql://HOST:PORT/DB, not " + option);
        }
        int slash = option.indexOf('/', "jdbc:postgresql://".length());
        String server = slash < 0 ? option : option.substring(0, slash);
        String name = "sb_bench_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
        String admin = server + "/postgres";
        try (Connection c = DriverManager.getConnection(admin, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return new GatewayDb(server + "/" + name, "postgres", "", admin, name);
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public boolean postgres() {
        return createdName != null;
    }

    /** Opens the observer connection; call once the gateway has created the schema. */
    public synchronized void openProbe() throws SQLException {
        probe = DriverManager.getConnection(url, user, password);
        if (!postgres()) {
            try (Statement s = probe.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
            }
        }
    }

    public synchronized Journal journal() throws SQLException {
        long pending = scalar("SELECT COUNT(*) FROM webhook_journal WHERE processed=0");
        if (pending == 0) {
            return new Journal(0, 0);
        }
        long oldest = scalar("SELECT received_at FROM webhook_journal WHERE processed=0 ORDER BY id LIMIT 1");
        return new Journal(pending, oldest <= 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest));
    }

    /** Messages not (yet) in state READ, over all tenants. */
    public synchronized long notRead() throws SQLException {
        return scalar("SELECT COUNT(*) FROM messages WHERE state <> 'READ'");
    }

    /** A campaign's unsent messages (QUEUED or SENDING), on the partial index the expander's backpressure uses. */
    public synchronized long campaignPending(String campaignId) throws SQLException {
        try (var ps = probe.prepareStatement("SELECT COUNT(*) FROM messages WHERE campaign_id=? AND campaign_id IS NOT NULL"
                + " AND state IN ('QUEUED', 'SENDING')")) {
            ps.setString(1, campaignId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Message count per state, over all tenants. */
    public synchronized Map<String, Long> states() throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Statement s = probe.createStatement();
             ResultSet rs = s.executeQuery("SELECT state, COUNT(*) FROM messages GROUP BY state ORDER BY state")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    private long scalar(String sql) throws SQLException {
        try (Statement s = probe.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Closes the observer and drops a PostgreSQL database this run created; call after the gateway stopped. */
    @Override
    public synchronized void close() {
        try {
            if (probe != null) {
                probe.close();
            }
        } catch (SQLException e) {
            // closing anyway
        }
        probe = null;
        if (createdName != null) {
            try (Connection c = DriverManager.getConnection(adminUrl, "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + createdName + " WITH (FORCE)");
            } catch (SQLException e) {
                System.err.println("could not drop database " + createdName + ": " + e.getMessage());
            }
        }
    }
}
