package dev.switchboard.gateway.audiences;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of {@code audiences} and {@code audience_contacts}, and nothing else touches them.
 * Reads go through the read pool; every write is a {@link WriteOp} for a group-commit writer.
 *
 * <p>Contacts go in as multi-row {@code INSERT … ON CONFLICT DO NOTHING} statements run with
 * {@code executeUpdate}, whose count is the rows actually inserted on both engines; the rows
 * offered minus that are the duplicates. (A JDBC batch would not do: PostgreSQL's writers
 * rewrite batched inserts, which reports every row as "success, no count".) The audience's
 * {@code contact_count} moves in the same transaction, so it is exact whatever runs at once.
 */
final class AudienceStore {
    /** Rows per multi-row INSERT: 4 parameters each, far below either engine's parameter limit. */
    static final int ROWS_PER_STATEMENT = 500;
    private static final String AUDIENCE_COLUMNS =
            "id, tenant_id, name, default_country, contact_count, last_import, created_at, updated_at";
    private static final TypeReference<Map<String, String>> VARIABLES = new TypeReference<>() {};

    /** Thrown inside a write when the audience was deleted meanwhile; the transaction rolls back. */
    static final class AudienceGone extends RuntimeException {
        AudienceGone(String id) {
            super("audience " + id + " was deleted", null, false, false);
        }
    }

    private final Jdbc jdbc;
    private final ObjectMapper json;

    AudienceStore(Jdbc jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    // ---- audiences ----------------------------------------------------------------------------

    WriteOp create(AudienceInfo a) {
        return b -> {
            PreparedStatement ps = b.batch("INSERT INTO audiences (" + AUDIENCE_COLUMNS + ", deleted_at) VALUES (?,?,?,?,?,?,?,?,0)");
            Jdbc.bind(ps, a.id(), a.tenantId(), a.name(), a.defaultCountry(), a.contacts(), a.lastImport(), a.createdAt(), a.updatedAt());
            ps.addBatch();
        };
    }

    /** A live audience of the tenant (another tenant's, or a deleted one, is not found). */
    Optional<AudienceInfo> find(String tenantId, String id) {
        return jdbc.one("SELECT " + AUDIENCE_COLUMNS + " FROM audiences WHERE id=? AND tenant_id=? AND deleted_at=0",
                AudienceStore::audience, id, tenantId);
    }

    /** A page of the tenant's live audiences in creation order (ids are time-ordered). */
    List<AudienceInfo> list(String tenantId, String afterId, int limit) {
        return jdbc.query("SELECT " + AUDIENCE_COLUMNS + " FROM audiences WHERE tenant_id=? AND id > ? AND deleted_at=0"
                + " ORDER BY id LIMIT " + limit, AudienceStore::audience, tenantId, afterId == null ? "" : afterId);
    }

    WriteOp saveReport(String id, String report, long now) {
        return b -> {
            PreparedStatement ps = b.batch("UPDATE audiences SET last_import=?, updated_at=? WHERE id=? AND deleted_at=0");
            Jdbc.bind(ps, report, now, id);
            ps.addBatch();
        };
    }

    /** Hides the audience at once (its contacts are purged afterwards); {@code found[0]} says whether it was there. */
    WriteOp markDeleted(String tenantId, String id, long now, boolean[] found) {
        return b -> {
            PreparedStatement ps = b.batch("UPDATE audiences SET deleted_at=? WHERE id=? AND tenant_id=? AND deleted_at=0",
                    n -> found[0] = n > 0);
            Jdbc.bind(ps, now, id, tenantId);
            ps.addBatch();
        };
    }

    /** Audiences deleted but not yet purged (a node stopped mid-purge). */
    List<String> deleted() {
        return jdbc.query("SELECT id FROM audiences WHERE deleted_at > 0", rs -> rs.getString(1));
    }

    /** Deletes up to {@code limit} contacts of a deleted audience; {@code purged[0]} receives how many. */
    WriteOp purgeContacts(String id, int limit, int[] purged) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                try (PreparedStatement ps = b.connection().prepareStatement("DELETE FROM audience_contacts WHERE audience_id=? AND phone IN"
                        + " (SELECT phone FROM audience_contacts WHERE audience_id=? ORDER BY phone LIMIT " + limit + ")")) {
                    Jdbc.bind(ps, id, id);
                    purged[0] = ps.executeUpdate();
                }
            }

            @Override
            public int rows() {
                return limit;
            }
        };
    }

    /** Removes the audience row once its contacts are gone. */
    WriteOp drop(String id) {
        return b -> {
            PreparedStatement ps = b.batch("DELETE FROM audiences WHERE id=? AND deleted_at > 0");
            Jdbc.bind(ps, id);
            ps.addBatch();
        };
    }

    // ---- contacts -----------------------------------------------------------------------------

    /** One chunk of new contacts: {@code phones[i]} with {@code variables[i]} (JSON or null). */
    final class Insert implements WriteOp {
        private final String tenantId;
        private final String audienceId;
        private final String[] phones;
        private final String[] variables;
        private final int size;
        private final long now;
        private volatile int inserted;

        Insert(String tenantId, String audienceId, String[] phones, String[] variables, int size, long now) {
            this.tenantId = tenantId;
            this.audienceId = audienceId;
            this.phones = phones;
            this.variables = variables;
            this.size = size;
            this.now = now;
        }

        @Override
        public void apply(Batches b) throws SQLException {
            Connection c = b.connection();
            int added = 0;
            PreparedStatement full = null;
            try {
                for (int from = 0; from < size; from += ROWS_PER_STATEMENT) {
                    int n = Math.min(ROWS_PER_STATEMENT, size - from);
                    if (n == ROWS_PER_STATEMENT) {
                        if (full == null) {
                            full = c.prepareStatement(insertSql(n));
                        }
                        added += insert(full, from, n);
                    } else {
                        try (PreparedStatement ps = c.prepareStatement(insertSql(n))) {
                            added += insert(ps, from, n);
                        }
                    }
                }
            } finally {
                if (full != null) {
                    full.close();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE audiences SET contact_count = contact_count + ?, updated_at=? WHERE id=? AND deleted_at=0")) {
                Jdbc.bind(ps, (long) added, now, audienceId);
                if (ps.executeUpdate() == 0) {
                    throw new AudienceGone(audienceId);
                }
            }
            inserted = added; // set, not added to: the writer may apply an op again after a rollback
        }

        private int insert(PreparedStatement ps, int from, int n) throws SQLException {
            int p = 1;
            for (int i = from; i < from + n; i++) {
                ps.setString(p++, audienceId);
                ps.setString(p++, phones[i]);
                ps.setString(p++, tenantId);
                ps.setString(p++, variables[i]);
            }
            return ps.executeUpdate();
        }

        @Override
        public int rows() {
            return size;
        }

        int size() {
            return size;
        }

        /** Rows this op inserted, once its transaction committed. */
        int inserted() {
            return inserted;
        }
    }

    private static String insertSql(int rows) {
        StringBuilder sql = new StringBuilder(64 + rows * 10)
                .append("INSERT INTO audience_contacts (audience_id, phone, tenant_id, variables) VALUES ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "(?,?,?,?)" : ",(?,?,?,?)");
        }
        return sql.append(" ON CONFLICT (audience_id, phone) DO NOTHING").toString();
    }

    /** Up to {@code limit} contacts after {@code afterPhone} (null: from the start), in phone order. */
    List<Contact> page(String audienceId, String afterPhone, int limit) {
        return jdbc.query("SELECT phone, variables FROM audience_contacts WHERE audience_id=? AND phone > ? ORDER BY phone LIMIT "
                + limit, rs -> new Contact(rs.getString(1), variables(rs.getString(2))), audienceId, afterPhone == null ? "" : afterPhone);
    }

    private Map<String, String> variables(String stored) {
        if (stored == null) {
            return Map.of();
        }
        try {
            return json.readValue(stored, VARIABLES);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable contact variables", e);
        }
    }

    private static AudienceInfo audience(ResultSet rs) throws SQLException {
        return new AudienceInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6),
                rs.getLong(7), rs.getLong(8));
    }
}
