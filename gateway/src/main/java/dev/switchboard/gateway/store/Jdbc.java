package dev.switchboard.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Tiny JDBC helpers for the small repositories; SQL stays visible at the call site. */
public final class Jdbc {
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private final DataSource ds;

    public Jdbc(DataSource ds) {
        this.ds = ds;
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StoreException(sql, e);
        }
    }

    public <T> Optional<T> one(String sql, RowMapper<T> mapper, Object... args) {
        List<T> rows = query(sql, mapper, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public int update(String sql, Object... args) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            int n = ps.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
            return n;
        } catch (SQLException e) {
            throw new StoreException(sql, e);
        }
    }

    public static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                ps.setObject(i + 1, null);
            } else if (a instanceof Integer v) {
                ps.setInt(i + 1, v);
            } else if (a instanceof Long v) {
                ps.setLong(i + 1, v);
            } else if (a instanceof String v) {
                ps.setString(i + 1, v);
            } else {
                ps.setObject(i + 1, a);
            }
        }
    }

    /** Nullable long column. */
    public static Long longOrNull(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    public static Integer intOrNull(ResultSet rs, String col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? null : v;
    }

    /** A storage failure, carrying the statement for the log (never for the client). */
    public static final class StoreException extends RuntimeException {
        public StoreException(String sql, SQLException cause) {
            super("database error: " + cause.getMessage() + " [" + sql + "]", cause);
        }
    }
}
