package dev.switchboard.gateway.graph;

import dev.switchboard.gateway.store.Jdbc;
import java.time.Clock;
import java.util.Optional;

/**
 * Owner of the {@code media} table: which tenant and number each media id belongs to. Meta's
 * media ids are bare numbers that any token of the app can look up; Switchboard serves one only
 * to the tenant that uploaded it or received it in an inbound message, with the token of that
 * number. Rows are tiny and written once per upload or inbound media message, so they go
 * straight to the database rather than through a group-commit writer.
 */
public final class MediaOwners {
    /** A media id's owner. */
    public record Owner(String tenantId, String phoneNumberId) {}

    private final Jdbc jdbc;
    private final Clock clock;

    public MediaOwners(Jdbc jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public Optional<Owner> owner(String mediaId) {
        return jdbc.one("SELECT tenant_id, phone_number_id FROM media WHERE media_id=?",
                rs -> new Owner(rs.getString(1), rs.getString(2)), mediaId);
    }

    /** Records an owner; a media id already known keeps its first owner. */
    public void remember(String mediaId, String tenantId, String phoneNumberId) {
        if (owner(mediaId).isPresent()) {
            return;
        }
        try {
            jdbc.update("INSERT INTO media (media_id, tenant_id, phone_number_id, created_at) VALUES (?,?,?,?)",
                    mediaId, tenantId, phoneNumberId, clock.millis());
        } catch (Jdbc.StoreException raced) {
            if (owner(mediaId).isEmpty()) {
                throw raced;
            }
        }
    }

    /**
     * Records, inside a webhook batch's transaction, the media ids of inbound messages as their
     * receiving tenant's: {@code {media id, tenant, number, at}} each. A known id keeps its owner.
     */
    public static void rememberAll(dev.switchboard.gateway.store.Batches b, java.util.List<Object[]> inbound)
            throws java.sql.SQLException {
        for (Object[] m : inbound) {
            java.sql.PreparedStatement ps = b.batch("INSERT INTO media (media_id, tenant_id, phone_number_id, created_at)"
                    + " VALUES (?,?,?,?) ON CONFLICT (media_id) DO NOTHING");
            Jdbc.bind(ps, m);
            ps.addBatch();
        }
    }

    public void forget(String mediaId) {
        jdbc.update("DELETE FROM media WHERE media_id=?", mediaId);
    }
}
