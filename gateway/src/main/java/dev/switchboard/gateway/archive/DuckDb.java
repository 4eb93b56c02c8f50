package dev.switchboard.gateway.archive;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.duckdb.DuckDBConnection;

/**
 * The two embedded DuckDB instances of a node, and SQL literal quoting for them.
 *
 * <p><b>Why two.</b> DuckDB settings are per database instance, not per connection. The
 * archiver's instance must write Parquet anywhere under the archive directory; the query
 * instance, which runs operator SQL, is locked down: no file access outside the archive
 * directory, no extension loading or installing, configuration locked so a query cannot undo
 * any of that. Sharing one instance would force the archiver to live under the query lock-down
 * or the queries to live without it. Both are in-memory: the Parquet files are the only state.
 *
 * <p><b>Why so small.</b> One thread each and a memory cap: the box has two cores and the send
 * path must never wait for an analytics scan (design principle 6, separate paths).
 */
final class DuckDb {
    /** A connection opened on first use: nodes that never archive anything never load DuckDB (~60 MB native). */
    @FunctionalInterface
    interface Source {
        DuckDBConnection get() throws SQLException;
    }

    private DuckDb() {}

    /** An in-memory instance for writing archive files; the caller owns the connection. */
    static DuckDBConnection openWriter(Path archiveDir) throws SQLException {
        DuckDBConnection c = open(new Properties());
        try (Statement s = c.createStatement()) {
            s.execute("SET threads = 1");
            s.execute("SET TimeZone = 'UTC'");
            s.execute("SET memory_limit = '256MB'");
            // Rows are ordered explicitly where it matters; letting DuckDB drop insertion order
            // keeps COPY's memory flat.
            s.execute("SET preserve_insertion_order = false");
            s.execute("SET temp_directory = " + literal(archiveDir.resolve(".duckdb-tmp").toString()));
            lockExtensions(s);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * An in-memory instance for queries. File access is limited to {@code archiveDir} (read
     * through the views; writing needs COPY, which the {@link SqlGate} refuses), and settings
     * cannot be changed afterwards by anyone, including a query.
     */
    static DuckDBConnection openReader(Path archiveDir, String memoryLimit, Properties properties) throws SQLException {
        DuckDBConnection c = open(properties);
        try (Statement s = c.createStatement()) {
            s.execute("SET threads = 1");
            s.execute("SET TimeZone = 'UTC'");
            s.execute("SET memory_limit = " + literal(memoryLimit));
            // No spilling: a query that needs more memory than its cap fails instead of filling a disk.
            s.execute("SET temp_directory = ''");
            lockExtensions(s);
            s.execute("SET allowed_directories = [" + literal(archiveDir.toAbsolutePath() + "/") + "]");
            s.execute("SET enable_external_access = false");
            s.execute("SET lock_configuration = true");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static DuckDBConnection open(Properties properties) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:duckdb:", properties);
        return c.unwrap(DuckDBConnection.class);
    }

    /** Parquet and JSON are built into the driver; nothing else may be fetched or loaded at run time. */
    private static void lockExtensions(Statement s) throws SQLException {
        s.execute("SET autoinstall_known_extensions = false");
        s.execute("SET autoload_known_extensions = false");
    }

    /** A SQL string literal. Used only for paths and dates Switchboard itself produced. */
    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
