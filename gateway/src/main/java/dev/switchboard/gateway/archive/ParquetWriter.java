package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.archive.ArchiveSchema.Column;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.duckdb.DuckDBAppender;

/**
 * Rows in, durable Parquet files out, through the archiver's DuckDB instance.
 *
 * <p>Rows are staged with DuckDB's appender (columnar, no SQL per row) into a temporary table,
 * then each file is one {@code COPY (SELECT ...) TO} of a slice of it, written under a temporary
 * name and {@link ArchiveLayout#publish published}. Staging keeps the hot database's shape
 * (epoch-millisecond {@code BIGINT}s, JSON as text); the conversion to archive types happens in
 * the {@code SELECT}, in one place ({@link ArchiveSchema}).
 */
final class ParquetWriter {
    private final DuckDb.Source duck;

    ParquetWriter(DuckDb.Source duck) {
        this.duck = duck;
    }

    /** Replaces temporary table {@code table} with {@code rows} (each in {@code columns} order). */
    void stage(String table, List<Column> columns, List<Object[]> rows) throws SQLException {
        try (Statement s = duck.get().createStatement()) {
            s.execute(ArchiveSchema.stagingTable(table, columns));
        }
        try (DuckDBAppender a = duck.get().createAppender("temp", "main", table)) {
            for (Object[] row : rows) {
                a.beginRow();
                for (int i = 0; i < columns.size(); i++) {
                    append(a, row[i]);
                }
                a.endRow();
            }
        }
    }

    private static void append(DuckDBAppender a, Object v) throws SQLException {
        switch (v) {
            case null -> a.appendNull();
            case Long l -> a.append(l.longValue());
            case Integer i -> a.append(i.intValue());
            case Short s -> a.append(s.shortValue());
            case String s -> a.append(s);
            default -> throw new IllegalArgumentException("cannot stage a " + v.getClass().getName());
        }
    }

    /**
     * Writes the staged rows matching {@code where} (a condition Switchboard built, no user
     * input), ordered by id, to {@code target}, replacing any file of that name.
     */
    void write(String table, List<Column> columns, String where, Path target) throws SQLException, IOException {
        Path tmp = ArchiveLayout.temporary(target);
        Files.deleteIfExists(tmp);
        String copy = "COPY (SELECT " + ArchiveSchema.archivedSelect(columns) + " FROM " + table + " WHERE " + where
                + " ORDER BY id) TO " + DuckDb.literal(tmp.toString()) + " (FORMAT parquet, COMPRESSION zstd)";
        try (Statement s = duck.get().createStatement()) {
            s.execute(copy);
        } catch (SQLException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        ArchiveLayout.publish(tmp, target);
    }

    /** Drops a staging table so its rows do not hold memory between runs. */
    void drop(String table) throws SQLException {
        try (Statement s = duck.get().createStatement()) {
            s.execute("DROP TABLE IF EXISTS temp.main." + table);
        }
    }
}
