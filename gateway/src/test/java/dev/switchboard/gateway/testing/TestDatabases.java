package dev.switchboard.gateway.testing;

import dev.switchboard.gateway.config.SwitchboardConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * Databases for tests: a SQLite file in a temp directory, or a fresh, uniquely named PostgreSQL
 * database (dropped again by {@link TestDb#close()}).
 *
 * <p>PostgreSQL is expected at {@code jdbc:postgresql://127.0.0.1:5432/} as user {@code postgres}
 * with trust auth; override the base URL (everything before the database name) with env
 * {@code PG_TEST_URL}. When it is unreachable the PostgreSQL variants are skipped,
 * unless env {@code CI} is set, in which case they fail loudly.
 */
public final class TestDatabases {
    /** base64 of 32 bytes; PostgreSQL nodes refuse to start without a configured master key. */
    public static final String MASTER_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    public static final String PG_USER = "postgres";

    private static volatile String pgUnreachable; // null = not probed yet or reachable
    private static volatile boolean pgProbed;

    private TestDatabases() {}

    /** A database that may need dropping after the test. */
    public record TestDb(String engine, SwitchboardConfig.Database config, String pgName) implements AutoCloseable {
        @Override
        public void close() {
            if (pgName != null) {
                drop(pgName);
            }
        }
    }

    public static SwitchboardConfig.Database sqlite(Path tempDir) {
        return new SwitchboardConfig.Database("jdbc:sqlite:" + tempDir.resolve("sb.db").toAbsolutePath(), null, null, 4, 0);
    }

    /** Creates a fresh PostgreSQL database, or skips (fails under CI) when PostgreSQL is unreachable. */
    public static TestDb postgres() {
        requirePostgres();
        String name = "sb_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " at " + pgBase(), e);
        }
        return new TestDb("postgres", new SwitchboardConfig.Database(pgBase() + name, PG_USER, null, 4, 0), name);
    }

    public static TestDb forEngine(String engine, Path tempDir) {
        return switch (engine) {
            case "sqlite" -> new TestDb("sqlite", sqlite(tempDir), null);
            case "postgres" -> postgres();
            default -> throw new IllegalArgumentException("unknown engine " + engine);
        };
    }

    public static void drop(String name) {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name, e);
        }
    }

    /** JDBC URL prefix to which a database name is appended. */
    public static String pgBase() {
        String base = System.getenv("PG_TEST_URL");
        if (base == null || base.isBlank()) {
            base = "jdbc:postgresql://127.0.0.1:5432/";
        }
        return base.endsWith("/") ? base : base + "/";
    }

    private static Connection admin() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PG_USER);
        p.setProperty("connectTimeout", "3");
        p.setProperty("loginTimeout", "5");
        return DriverManager.getConnection(pgBase() + "postgres", p);
    }

    /**
     * Whether {@code engine} can be used here. SQLite always; PostgreSQL when reachable. Under CI
     * an unreachable PostgreSQL is an error, never a skip.
     */
    public static boolean available(String engine) {
        if (!"postgres".equals(engine)) {
            return true;
        }
        try {
            requirePostgres();
            return true;
        } catch (org.opentest4j.TestAbortedException e) {
            return false;
        }
    }

    /** Skips the calling test, with the reason, when {@code engine} is not available (see {@link #available}). */
    public static void assumeAvailable(String engine) {
        if ("postgres".equals(engine)) {
            requirePostgres();
        }
    }

    private static synchronized void requirePostgres() {
        if (!pgProbed) {
            try (Connection c = admin()) {
                c.isValid(3);
                pgUnreachable = null;
            } catch (SQLException e) {
                pgUnreachable = e.toString();
            }
            pgProbed = true;
        }
        if (pgUnreachable != null) {
            String msg = "PostgreSQL is unreachable at " + pgBase() + "postgres as user " + PG_USER + " (" + pgUnreachable
                    + "); set PG_TEST_URL to point elsewhere.";
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(msg + " CI is set, so the PostgreSQL variants must not be skipped.");
            }
            Assumptions.abort(msg + " Skipping the PostgreSQL variant (set CI to make this a failure).");
        }
    }
}
