package dev.switchboard.gateway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.gateway.config.SwitchboardConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The connection pools and schema of one Switchboard database.
 *
 * <p>Reads share a HikariCP pool. Writes do not use it: they go through
 * {@link GroupCommitWriter}s, each with a dedicated connection. How many depends on the engine.
 * On PostgreSQL rows lock one by one, so writers whose rows never meet run side by side: accepts
 * (inserts), the HIGH lane's claims and settlements, the rest of the send path with status
 * application, the webhook journal, and the delivery outbox. On SQLite the file has one write
 * lock and every commit is an fsync, so parallel writers would only queue their commits; there
 * one writer serves the send and webhook paths (its queue classes keep OTPs and acks first), the
 * delivery outbox's writer shares its {@link #writeLock() lock}, and a {@link WalCheckpointer}
 * keeps checkpoints off the commit path. The SQLite file is opened in WAL mode so readers never
 * block the writer, with {@code synchronous=FULL} because a 2xx promises durability; group
 * commit is what keeps that affordable.
 */
public final class Database implements AutoCloseable {
    private final Dialect dialect;
    private final HikariDataSource readers;
    private final SwitchboardConfig.Database config;
    /** Shared by this database's group-commit writers on SQLite (see GroupCommitWriter); null elsewhere. */
    private final java.util.concurrent.locks.Lock writeLock;
    private final WalCheckpointer checkpointer;

    private Database(SwitchboardConfig.Database config) {
        this.config = config;
        this.dialect = Dialect.of(config.url());
        if (dialect == Dialect.SQLITE) {
            createParentDirectory(config.url());
        }
        this.readers = new HikariDataSource(hikari(config, "switchboard-read", config.poolSize()));
        this.writeLock = dialect == Dialect.SQLITE ? new java.util.concurrent.locks.ReentrantLock(true) : null;
        this.checkpointer = dialect == Dialect.SQLITE ? new WalCheckpointer(this::checkpointConnection) : null;
    }

    public static Database open(SwitchboardConfig.Database config) {
        Database db = new Database(config);
        try {
            Flyway.configure()
                    .dataSource(db.readers)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private static HikariConfig hikari(SwitchboardConfig.Database config, String name, int size) {
        HikariConfig h = new HikariConfig();
        h.setPoolName(name);
        h.setJdbcUrl(config.url());
        if (config.user() != null) {
            h.setUsername(config.user());
        }
        if (config.password() != null) {
            h.setPassword(config.password());
        }
        h.setMaximumPoolSize(size);
        h.setMinimumIdle(1);
        if (Dialect.of(config.url()) == Dialect.SQLITE) {
            h.addDataSourceProperty("journal_mode", "WAL");
            h.addDataSourceProperty("synchronous", "FULL");
            h.addDataSourceProperty("busy_timeout", "10000");
            h.addDataSourceProperty("foreign_keys", "false");
        } else {
            h.addDataSourceProperty("reWriteBatchedInserts", "true");
        }
        return h;
    }

    private static void createParentDirectory(String url) {
        String path = url.substring("jdbc:sqlite:".length());
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.isEmpty() || path.equals(":memory:") || path.startsWith("file:")) {
            return;
        }
        Path parent = Path.of(path).toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create database directory " + parent, e);
        }
    }

    private Connection checkpointConnection() {
        try {
            return java.sql.DriverManager.getConnection(config.url(), props());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the WAL checkpointer's connection", e);
        }
    }

    /** A new connection for a dedicated writer; the caller owns and closes it. */
    public Connection openWriterConnection() throws SQLException {
        Connection c = java.sql.DriverManager.getConnection(config.url(), props());
        c.setAutoCommit(false);
        return c;
    }

    private java.util.Properties props() {
        java.util.Properties p = new java.util.Properties();
        if (config.user() != null) {
            p.setProperty("user", config.user());
        }
        if (config.password() != null) {
            p.setProperty("password", config.password());
        }
        if (dialect == Dialect.SQLITE) {
            p.setProperty("journal_mode", "WAL");
            p.setProperty("synchronous", "FULL");
            p.setProperty("busy_timeout", "10000");
            p.setProperty("wal_autocheckpoint", "0"); // the WalCheckpointer does it, off the commit path
        } else {
            // The writers batch their inserts; one multi-row INSERT per batch instead of a
            // statement per row (only INSERT counts change, to SUCCESS_NO_INFO; no writer reads them).
            p.setProperty("reWriteBatchedInserts", "true");
        }
        return p;
    }

    /** The lock this database's writers share around their transactions, or null when the engine needs none. */
    public java.util.concurrent.locks.Lock writeLock() {
        return writeLock;
    }

    public DataSource reads() {
        return readers;
    }

    public Dialect dialect() {
        return dialect;
    }

    public boolean isHealthy() {
        try (Connection c = readers.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (checkpointer != null) {
            checkpointer.close();
        }
        readers.close();
    }
}
