package dev.switchboard.gateway.testing;

import dev.switchboard.gateway.Switchboard;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.config.SwitchboardConfig.ChannelSpec;
import dev.switchboard.gateway.config.SwitchboardConfig.TenantSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Starts a whole Switchboard node in-process on port 0, with two bootstrapped tenants whose
 * channels point at an unreachable upstream ({@code http://127.0.0.1:1}): sends simply fail to
 * connect and are retried much later, so no emulator is needed.
 *
 * <ul>
 *   <li>Tenant A ({@link #KEY_A}): channel {@link #A_ACTIVE} (ACTIVE, its sends are attempted
 *       and retried) and {@link #A_HELD} (PAUSED right after start, so its messages stay QUEUED —
 *       use it where a test needs a state that does not move).</li>
 *   <li>Tenant B ({@link #KEY_B}): channel {@link #B_HELD} (PAUSED).</li>
 * </ul>
 */
public final class TestNodes {
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    public static final String TENANT_A = "tenant-a";
    public static final String TENANT_B = "tenant-b";
    public static final String KEY_A = "sk_test_tenant_a_0123456789abcdef";
    public static final String KEY_B = "sk_test_tenant_b_0123456789abcdef";
    public static final String A_ACTIVE = "100000000000001";
    public static final String A_HELD = "100000000000002";
    public static final String B_HELD = "200000000000001";
    public static final String TOKEN_A = "EAAG-secret-access-token-of-tenant-a";
    public static final String TOKEN_B = "EAAG-secret-access-token-of-tenant-b";
    public static final String UNREACHABLE = "http://127.0.0.1:1";
    /** Facade body cap in tests (the native API allows 16x this). */
    public static final long MAX_BODY = 32 * 1024;

    private TestNodes() {}

    /** A running node, its database and a client; {@link #close()} stops it and drops the database. */
    public record Node(Switchboard switchboard, TestDatabases.TestDb db, Path dir, TestHttp http, SwitchboardConfig config)
            implements AutoCloseable {
        public String engine() {
            return db.engine();
        }

        /**
         * Stops this node (keeping its database and directory) and starts a new one on the same
         * configuration, as an operator restart would. Use the returned node from then on.
         */
        public Node restart() {
            switchboard.close();
            Switchboard sb = Switchboard.start(config);
            try {
                hold(sb);
            } catch (RuntimeException e) {
                sb.close();
                throw e;
            }
            return new Node(sb, db, dir, new TestHttp(sb.baseUrl()), config);
        }

        @Override
        public void close() {
            try {
                switchboard.close();
            } finally {
                try {
                    db.close();
                } finally {
                    deleteTree(dir);
                }
            }
        }
    }

    public static Node start(String engine) {
        return start(engine, UnaryOperator.identity());
    }

    public static Node start(String engine, UnaryOperator<SwitchboardConfig> customise) {
        Path dir;
        try {
            dir = Files.createTempDirectory("sb-node-" + engine + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestDatabases.TestDb db;
        try {
            db = TestDatabases.forEngine(engine, dir);
        } catch (RuntimeException | Error e) {
            deleteTree(dir);
            throw e;
        }
        try {
            SwitchboardConfig config = customise.apply(config(db.config(), dir));
            Switchboard sb = Switchboard.start(config);
            try {
                hold(sb);
            } catch (RuntimeException e) {
                sb.close();
                throw e;
            }
            return new Node(sb, db, dir, new TestHttp(sb.baseUrl()), config);
        } catch (RuntimeException | Error e) {
            try {
                db.close();
            } finally {
                deleteTree(dir);
            }
            throw e;
        }
    }

    private static void hold(Switchboard sb) {
        sb.tenancy().updateChannel(A_HELD, null, null, null, null, "PAUSED", "held by the test");
        sb.tenancy().updateChannel(B_HELD, null, null, null, null, "PAUSED", "held by the test");
    }

    /** {@code c} with another HTTP section. */
    public static SwitchboardConfig withHttp(SwitchboardConfig c, SwitchboardConfig.Http http) {
        return new SwitchboardConfig(http, c.database(), c.security(), c.upstream(), c.sending(), c.webhooks(), c.emulator(),
                c.bootstrap(), c.delivery(), c.archive(), c.audiences());
    }

    public static SwitchboardConfig config(SwitchboardConfig.Database database, Path dir) {
        SwitchboardConfig.Http http = new SwitchboardConfig.Http("127.0.0.1", 0, MAX_BODY, null);
        // Security: masterKey is required on PostgreSQL; the key file lives in the temp dir either way.
        String masterKey = database.isSqlite() ? null : TestDatabases.MASTER_KEY;
        SwitchboardConfig.Security security = new SwitchboardConfig.Security(ADMIN_TOKEN, masterKey,
                dir.resolve("master.key").toString(), null);
        SwitchboardConfig.Upstream upstream = new SwitchboardConfig.Upstream(UNREACHABLE, "v23.0", Duration.ofSeconds(2),
                Duration.ofSeconds(1));
        // Few, slow retries: a message on the active channel stays QUEUED/SENDING for the test's lifetime.
        SwitchboardConfig.Sending sending = new SwitchboardConfig.Sending(0, 0, 1_000, Duration.ofSeconds(30),
                Duration.ofMinutes(5), 0, 0, null, 0, null, null, 0, null, null, null, null, null, null, null);
        SwitchboardConfig.Bootstrap bootstrap = new SwitchboardConfig.Bootstrap(List.of(
                new TenantSpec(TENANT_A, "Tenant A", KEY_A, List.of(
                        new ChannelSpec(A_ACTIVE, "+1 555 000 0001", "waba-a", "portfolio-a", TOKEN_A, 80, "TIER_10K"),
                        new ChannelSpec(A_HELD, "+1 555 000 0002", "waba-a", "portfolio-a", TOKEN_A, 80, "TIER_10K"))),
                new TenantSpec(TENANT_B, "Tenant B", KEY_B, List.of(
                        new ChannelSpec(B_HELD, "+1 555 000 0003", "waba-b", "portfolio-b", TOKEN_B, 80, "TIER_10K")))));
        return new SwitchboardConfig(http, database, security, upstream, sending, null, null, bootstrap, null,
                archiveIn(dir));
    }

    /** Waits (up to 15 s) for a positive signal; fails with {@code what} otherwise. */
    public static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 15 s waiting for: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }

    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp directory
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** An archive inside the test's own directory: never the shared default under the working directory. */
    public static SwitchboardConfig.Archive archiveIn(Path dir) {
        return new SwitchboardConfig.Archive(null, dir.resolve("archive").toString(), null, null, null, 0);
    }
}
