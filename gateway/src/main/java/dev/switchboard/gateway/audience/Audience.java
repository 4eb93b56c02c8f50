package dev.switchboard.gateway.audience;

import dev.switchboard.gateway.store.Batches;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.store.WriteOp;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who a tenant may message: opt-outs and the suppressions Meta's failures imply, held in memory
 * (every send checks them, so a database read per send is out of the question) and written
 * through to {@code suppressions}.
 *
 * <p>Writes come as {@link WriteOp}s, or as statements added to another op's transaction (the
 * webhook processor records an opt-out in the same transaction as the inbound message that
 * asked for it); the in-memory view changes only after the commit, through {@link #remember}
 * and {@link #forget}. Memory: one small record per suppressed (tenant, user, kind); expired
 * time-limited entries are dropped lazily and on start.
 */
public final class Audience {
    private final Jdbc jdbc;
    private final Clock clock;
    private final Map<String, List<Suppression>> byUser = new ConcurrentHashMap<>();
    private final Map<String, Keywords> keywords = new ConcurrentHashMap<>();

    public Audience(Jdbc jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
        long now = clock.millis();
        for (Suppression s : jdbc.query("SELECT tenant_id, user_id, kind, marketing_only, error_code, reason, until_at, created_at"
                + " FROM suppressions WHERE until_at = 0 OR until_at > ?", Audience::row, now)) {
            remember(s);
        }
        jdbc.query("SELECT tenant_id, opt_out, opt_in FROM audience_keywords", rs -> {
            keywords.put(rs.getString(1), Keywords.of(split(rs.getString(2), Keywords.DEFAULT_OPT_OUT),
                    split(rs.getString(3), Keywords.DEFAULT_OPT_IN)));
            return null;
        });
    }

    /** The suppression that holds back a message to {@code userId}, or null when it may be sent. */
    public Suppression blocking(String tenantId, String userId, boolean marketing, long now) {
        List<Suppression> list = byUser.get(key(tenantId, userId));
        if (list == null) {
            return null;
        }
        for (Suppression s : list) {
            if (s.blocks(marketing, now)) {
                return s;
            }
        }
        return null;
    }

    /** Whether {@code userId} (E.164 digits) has an opt-out from {@code tenantId} in force at {@code now}. */
    public boolean optedOut(String tenantId, String userId, long now) {
        List<Suppression> list = byUser.get(key(tenantId, userId));
        if (list == null) {
            return false;
        }
        for (Suppression s : list) {
            if (Suppression.OPT_OUT.equals(s.kind()) && s.activeAt(now)) {
                return true;
            }
        }
        return false;
    }

    public Keywords keywords(String tenantId) {
        return keywords.getOrDefault(tenantId, Keywords.defaults());
    }

    // ---- writes -------------------------------------------------------------------------------

    /** Adds (or replaces) {@code s} in the current transaction; call {@link #remember} after commit. */
    public static void write(Batches b, Suppression s) throws SQLException {
        PreparedStatement ps = b.batch("INSERT INTO suppressions (tenant_id, user_id, kind, marketing_only, error_code, reason,"
                + " until_at, created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (tenant_id, user_id, kind) DO UPDATE SET"
                + " marketing_only=excluded.marketing_only, error_code=excluded.error_code, reason=excluded.reason,"
                + " until_at=excluded.until_at, created_at=excluded.created_at");
        Jdbc.bind(ps, s.tenantId(), s.userId(), s.kind(), s.marketingOnly() ? 1 : 0, s.errorCode(), s.reason(), s.untilAt(),
                s.createdAt());
        ps.addBatch();
    }

    /** Removes a suppression in the current transaction; call {@link #forget} after commit. */
    public static void delete(Batches b, String tenantId, String userId, String kind) throws SQLException {
        PreparedStatement ps = b.batch("DELETE FROM suppressions WHERE tenant_id=? AND user_id=? AND kind=?");
        Jdbc.bind(ps, tenantId, userId, kind);
        ps.addBatch();
    }

    public void remember(Suppression s) {
        byUser.compute(key(s.tenantId(), s.userId()), (k, old) -> {
            List<Suppression> next = new ArrayList<>();
            long now = clock.millis();
            if (old != null) {
                for (Suppression o : old) {
                    if (!o.kind().equals(s.kind()) && o.activeAt(now)) {
                        next.add(o);
                    }
                }
            }
            next.add(s);
            return List.copyOf(next);
        });
    }

    public void forget(String tenantId, String userId, String kind) {
        byUser.computeIfPresent(key(tenantId, userId), (k, old) -> {
            List<Suppression> next = new ArrayList<>();
            for (Suppression o : old) {
                if (!o.kind().equals(kind)) {
                    next.add(o);
                }
            }
            return next.isEmpty() ? null : List.copyOf(next);
        });
    }

    /** An op that adds {@code s}, visible to the send path once committed. */
    public WriteOp suppress(Suppression s) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                write(b, s);
            }

            @Override
            public void afterCommit() {
                remember(s);
            }
        };
    }

    /** An op that removes one kind of suppression for a user. */
    public WriteOp lift(String tenantId, String userId, String kind) {
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                delete(b, tenantId, userId, kind);
            }

            @Override
            public void afterCommit() {
                forget(tenantId, userId, kind);
            }
        };
    }

    /** An op that sets a tenant's keywords (null list = the defaults). */
    public WriteOp setKeywords(String tenantId, List<String> optOut, List<String> optIn) {
        Keywords k = Keywords.of(optOut == null ? Keywords.DEFAULT_OPT_OUT : optOut, optIn == null ? Keywords.DEFAULT_OPT_IN : optIn);
        long now = clock.millis();
        return new WriteOp() {
            @Override
            public void apply(Batches b) throws SQLException {
                PreparedStatement ps = b.batch("INSERT INTO audience_keywords (tenant_id, opt_out, opt_in, updated_at) VALUES (?,?,?,?)"
                        + " ON CONFLICT (tenant_id) DO UPDATE SET opt_out=excluded.opt_out, opt_in=excluded.opt_in,"
                        + " updated_at=excluded.updated_at");
                Jdbc.bind(ps, tenantId, optOut == null ? null : String.join("\n", optOut), optIn == null ? null : String.join("\n", optIn),
                        now);
                ps.addBatch();
            }

            @Override
            public void afterCommit() {
                keywords.put(tenantId, k);
            }
        };
    }

    // ---- reads --------------------------------------------------------------------------------

    /** A page of a tenant's active suppressions, optionally of one kind, ordered by user. */
    public List<Suppression> list(String tenantId, String kind, String afterUser, int limit) {
        long now = clock.millis();
        String sql = "SELECT tenant_id, user_id, kind, marketing_only, error_code, reason, until_at, created_at FROM suppressions"
                + " WHERE tenant_id=? AND user_id > ? AND (until_at = 0 OR until_at > ?)";
        if (kind == null) {
            return jdbc.query(sql + " ORDER BY user_id, kind LIMIT " + limit, Audience::row, tenantId,
                    afterUser == null ? "" : afterUser, now);
        }
        return jdbc.query(sql + " AND kind=? ORDER BY user_id, kind LIMIT " + limit, Audience::row, tenantId,
                afterUser == null ? "" : afterUser, now, kind);
    }

    private static Suppression row(java.sql.ResultSet rs) throws SQLException {
        return new Suppression(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4) == 1, Jdbc.intOrNull(rs, "error_code"),
                rs.getString(6), rs.getLong(7), rs.getLong(8));
    }

    private static List<String> split(String stored, List<String> fallback) {
        return stored == null ? fallback : Arrays.asList(stored.split("\n"));
    }

    private static String key(String tenantId, String userId) {
        return tenantId + '\u0000' + userId;
    }
}
