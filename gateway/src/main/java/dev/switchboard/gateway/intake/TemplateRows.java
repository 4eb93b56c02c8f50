package dev.switchboard.gateway.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.store.Jdbc;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The SQL of the {@code templates} table: the catalogue's copy on disk, one row per (WABA, name,
 * language), with Meta's components as listed (so a node that starts reads the same shape a
 * sync would give it). Rows are written as syncs and webhooks change them, one statement each:
 * the table is small and changes rarely, and a sync writes only the rows that changed.
 */
final class TemplateRows {
    private static final String COLUMNS = "waba_id, name, language, category, status, parameter_count, template_id,"
            + " parameter_format, components, synced_at";

    /** A stored translation and when its WABA was last synced. */
    record Stored(TemplateCatalog.TemplateInfo info, long syncedAt) {}

    private final Jdbc jdbc;
    private final ObjectMapper json;

    TemplateRows(Jdbc jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    List<Stored> all() {
        return jdbc.query("SELECT " + COLUMNS + " FROM templates", this::stored);
    }

    List<Stored> of(String wabaId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM templates WHERE waba_id=?", this::stored, wabaId);
    }

    /** When the WABA was last synced completely, by any node (0: never). */
    long syncedAt(String wabaId) {
        return jdbc.one("SELECT MAX(synced_at) FROM templates WHERE waba_id=?", rs -> rs.getLong(1), wabaId).orElse(0L);
    }

    void save(String tenantId, TemplateCatalog.TemplateInfo t, long now) {
        jdbc.update("INSERT INTO templates (tenant_id, " + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                        + " ON CONFLICT (waba_id, name, language) DO UPDATE SET tenant_id=excluded.tenant_id, category=excluded.category,"
                        + " status=excluded.status, parameter_count=excluded.parameter_count, template_id=excluded.template_id,"
                        + " parameter_format=excluded.parameter_format, components=excluded.components, synced_at=excluded.synced_at",
                tenantId, t.wabaId(), t.name(), t.language(), t.category(), t.status(), t.parameterCount(), t.id(),
                t.parameterFormat(), t.componentsJson(), now);
    }

    /** A complete sync began at {@code at}: every row of the WABA is that fresh. */
    void synced(String wabaId, long at) {
        jdbc.update("UPDATE templates SET synced_at=? WHERE waba_id=?", at, wabaId);
    }

    void status(String wabaId, String name, String language, String status) {
        if (language == null) {
            jdbc.update("UPDATE templates SET status=? WHERE waba_id=? AND name=?", status, wabaId, name);
        } else {
            jdbc.update("UPDATE templates SET status=? WHERE waba_id=? AND name=? AND language=?", status, wabaId, name, language);
        }
    }

    void category(String wabaId, String name, String language, String category) {
        jdbc.update("UPDATE templates SET category=? WHERE waba_id=? AND name=? AND language=?", category, wabaId, name, language);
    }

    void delete(String wabaId, String name, String language) {
        jdbc.update("DELETE FROM templates WHERE waba_id=? AND name=? AND language=?", wabaId, name, language);
    }

    private Stored stored(ResultSet rs) throws SQLException {
        String raw = rs.getString("components");
        TemplateComponents components = null;
        if (raw != null) {
            try {
                JsonNode parsed = json.readTree(raw);
                components = TemplateComponents.parse(rs.getString("parameter_format"), parsed);
            } catch (IOException unreadable) {
                raw = null; // treated as a row from before components were kept: synced again at start
            }
        }
        if (components == null) {
            components = TemplateComponents.positional(rs.getInt("parameter_count"));
        }
        return new Stored(new TemplateCatalog.TemplateInfo(rs.getString("waba_id"), rs.getString("name"), rs.getString("language"),
                rs.getString("category"), rs.getString("status"), rs.getString("template_id"), components, raw), rs.getLong("synced_at"));
    }
}
