package dev.switchboard.gateway.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Lets through exactly one read-only query: a single {@code SELECT} (including {@code WITH},
 * {@code FROM}-first, {@code VALUES}, {@code DESCRIBE}/{@code SUMMARIZE}/{@code SHOW}, which
 * DuckDB parses as selects) and nothing else.
 *
 * <p><b>Why the parser and not a keyword list.</b> Keyword checks are fooled by comments,
 * quoting, case and the next syntax DuckDB adds. DuckDB's own parser is asked instead, through
 * {@code json_serialize_sql}, which serialises SELECT statements only and reports anything else
 * ({@code COPY}, {@code ATTACH}, {@code INSTALL}, {@code LOAD}, {@code SET}, {@code PRAGMA},
 * {@code CALL}, {@code EXPORT}, DDL, DML) as an error; the statement count it returns catches a
 * second statement hidden after a semicolon. This is one of three walls: the query instance
 * also cannot reach files outside the archive directory nor change its own configuration
 * ({@link DuckDb#openReader}), and a {@code SELECT} cannot write a file.
 */
final class SqlGate {
    /** Why a statement was refused: a stable code and a message for the operator. */
    static final class Refused extends Exception {
        private final String code;

        Refused(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        String code() {
            return code;
        }
    }

    static final int MAX_SQL_CHARS = 20_000;

    private final ObjectMapper json;

    SqlGate(ObjectMapper json) {
        this.json = json;
    }

    void check(Connection duck, String sql) throws Refused, SQLException {
        if (sql == null || sql.isBlank()) {
            throw new Refused("missing_parameter", "Required parameter is missing: sql");
        }
        if (sql.length() > MAX_SQL_CHARS) {
            throw new Refused("sql_too_long", "sql is longer than " + MAX_SQL_CHARS + " characters");
        }
        JsonNode parsed = serialise(duck, sql);
        if (parsed.path("error").asBoolean(false)) {
            String message = parsed.path("error_message").asText("unparseable statement");
            if (message.contains("Only SELECT")) {
                throw new Refused("read_only", "Only a single read-only query (SELECT / WITH / FROM / VALUES) is allowed:"
                        + " COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA, CALL, EXPORT, DDL and DML are refused");
            }
            throw new Refused("invalid_sql", firstLine(message));
        }
        int statements = parsed.path("statements").size();
        if (statements != 1) {
            throw new Refused(statements == 0 ? "invalid_sql" : "multiple_statements",
                    statements == 0 ? "No statement found" : "Exactly one statement is allowed; found " + statements);
        }
    }

    private JsonNode serialise(Connection duck, String sql) throws SQLException {
        try (PreparedStatement ps = duck.prepareStatement("SELECT json_serialize_sql(CAST(? AS VARCHAR))")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return json.readTree(rs.getString(1));
            }
        } catch (IOException e) {
            throw new SQLException("json_serialize_sql returned something that is not JSON", e);
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "error";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
