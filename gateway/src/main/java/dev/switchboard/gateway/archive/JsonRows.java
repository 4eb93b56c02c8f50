package dev.switchboard.gateway.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;

/**
 * DuckDB result sets as JSON: {@code columns} (name and DuckDB type) and {@code rows} as arrays
 * in column order, so duplicate or empty column names lose nothing. Timestamps are ISO-8601 in
 * UTC (the archive stores UTC and the query instance runs in UTC), JSON columns are embedded as
 * JSON, numbers stay numbers; anything else is rendered as text.
 */
final class JsonRows {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Result of reading at most {@code maxRows} rows. */
    record Page(ArrayNode columns, ArrayNode rows, boolean truncated) {}

    private final ObjectMapper json;

    JsonRows(ObjectMapper json) {
        this.json = json;
    }

    Page read(ResultSet rs, int maxRows) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        ArrayNode columns = NODES.arrayNode();
        String[] types = new String[n];
        for (int i = 1; i <= n; i++) {
            types[i - 1] = md.getColumnTypeName(i);
            columns.add(NODES.objectNode().put("name", md.getColumnLabel(i)).put("type", types[i - 1]));
        }
        ArrayNode rows = NODES.arrayNode();
        boolean truncated = false;
        while (rs.next()) {
            if (rows.size() == maxRows) {
                truncated = true;
                break;
            }
            ArrayNode row = rows.addArray();
            for (int i = 1; i <= n; i++) {
                row.add(value(rs, i, types[i - 1]));
            }
        }
        return new Page(columns, rows, truncated);
    }

    private JsonNode value(ResultSet rs, int i, String type) throws SQLException {
        if (type.equals("TIMESTAMP") || type.startsWith("TIMESTAMP_")) {
            LocalDateTime t = rs.getObject(i, LocalDateTime.class);
            return t == null ? NODES.nullNode() : NODES.textNode(t + "Z");
        }
        if (type.equals("TIMESTAMP WITH TIME ZONE")) {
            OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
            return t == null ? NODES.nullNode() : NODES.textNode(t.toString());
        }
        return convert(rs.getObject(i));
    }

    private JsonNode convert(Object v) throws SQLException {
        return switch (v) {
            case null -> NODES.nullNode();
            case Boolean b -> NODES.booleanNode(b);
            case Byte b -> NODES.numberNode(b);
            case Short s -> NODES.numberNode(s);
            case Integer x -> NODES.numberNode(x);
            case Long x -> NODES.numberNode(x);
            case BigInteger x -> NODES.numberNode(x);
            case BigDecimal x -> NODES.numberNode(x);
            case Float f -> Float.isFinite(f) ? NODES.numberNode(f) : NODES.textNode(f.toString());
            case Double d -> Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(d.toString());
            case String s -> NODES.textNode(s);
            case LocalDate d -> NODES.textNode(d.toString());
            case org.duckdb.JsonNode j -> embedded(j.toString());
            case java.sql.Array a -> array((Object[]) a.getArray());
            case java.sql.Struct s -> array(s.getAttributes());
            default -> NODES.textNode(v.toString());
        };
    }

    private JsonNode array(Object[] values) throws SQLException {
        ArrayNode out = NODES.arrayNode();
        for (Object o : values) {
            out.add(convert(o));
        }
        return out;
    }

    private JsonNode embedded(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            return NODES.textNode(text);
        }
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }
}
