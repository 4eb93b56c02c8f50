package dev.switchboard.gateway.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.gateway.store.Jdbc;
import dev.switchboard.gateway.tenancy.Channel;
import dev.switchboard.gateway.testing.TestNodes;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a sync costs in calls to Meta: every page counts against the WABA's hourly budget, a sync
 * that would exceed it does not call (and says when it may), and a node whose peer synced a WABA
 * recently reads the peer's rows instead of calling Meta. A stand-in for Meta's list endpoint
 * counts the calls (two pages per WABA: one template on each).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TemplateSyncBudgetTest {
    private final AtomicInteger calls = new AtomicInteger();
    private HttpServer meta;

    @BeforeEach
    void startMeta() throws Exception {
        meta = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        meta.createContext("/", exchange -> {
            calls.incrementAndGet();
            boolean second = exchange.getRequestURI().getQuery().contains("after=");
            String body = second
                    ? "{\"data\":[{\"name\":\"ticket\",\"language\":\"en\",\"category\":\"UTILITY\",\"status\":\"APPROVED\",\"id\":\"2\","
                            + "\"components\":[{\"type\":\"BODY\",\"text\":\"Seat {{1}}\"}]}],\"paging\":{\"cursors\":{\"before\":\"p2\"}}}"
                    : "{\"data\":[{\"name\":\"promo\",\"language\":\"en\",\"category\":\"MARKETING\",\"status\":\"APPROVED\",\"id\":\"1\","
                            + "\"parameter_format\":\"NAMED\",\"components\":[{\"type\":\"BODY\",\"text\":\"Hi {{first_name}}\"}]}],"
                            + "\"paging\":{\"cursors\":{\"after\":\"p2\"},\"next\":\"http://meta/next\"}}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        meta.start();
    }

    @AfterEach
    void stopMeta() {
        meta.stop(0);
    }

    private TemplateCatalog catalog(TestNodes.Node node) {
        return new TemplateCatalog("http://127.0.0.1:" + meta.getAddress().getPort(), "v23.0", node.switchboard().tenancy(),
                new Jdbc(node.switchboard().database().reads()), new ObjectMapper(), Clock.systemUTC());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void everyPageCountsAndASyncPastTheBudgetDoesNotCall(String engine) {
        try (TestNodes.Node node = TestNodes.start(engine); TemplateCatalog catalog = catalog(node)) {
            catalog.start(Duration.ofHours(1), 3); // syncs waba-a and waba-b now: two pages each
            assertThat(calls.get()).isEqualTo(4);
            Channel a = node.switchboard().tenancy().channel(TestNodes.A_ACTIVE).orElseThrow();
            assertThat(catalog.find("waba-a", "promo", "en").orElseThrow().parameterFormat()).isEqualTo(TemplateComponents.NAMED);
            assertThat(catalog.find("waba-a", "ticket", "en").orElseThrow().parameterCount()).isEqualTo(1);

            TemplateCatalog.SyncResult spent = catalog.sync(a); // the third call fits, the fourth does not
            assertThat(calls.get()).isEqualTo(5);
            assertThat(spent.ok()).isFalse();
            assertThat(spent.error()).contains("budget").contains("waba-a");
            assertThat(spent.retryAt()).isGreaterThan(System.currentTimeMillis());
            assertThat(catalog.find("waba-a", "ticket", "en")).as("an incomplete listing forgets nothing").isPresent();
            assertThat(catalog.sync(a).ok()).isFalse();
            assertThat(calls.get()).as("a spent budget calls no more").isEqualTo(5);
            Channel b = node.switchboard().tenancy().channel(TestNodes.B_HELD).orElseThrow();
            assertThat(catalog.sync(b).error()).as("waba-b has one call left: its second page is refused").contains("waba-b");
            assertThat(calls.get()).isEqualTo(6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void aNodeReadsAPeersRecentSyncInsteadOfCallingMeta(String engine) {
        try (TestNodes.Node node = TestNodes.start(engine); TemplateCatalog other = catalog(node); TemplateCatalog peer = catalog(node)) {
            Channel a = node.switchboard().tenancy().channel(TestNodes.A_ACTIVE).orElseThrow();
            assertThat(other.knows("waba-a")).isFalse();
            assertThat(peer.sync(a).ok()).isTrue();
            assertThat(calls.get()).isEqualTo(2);

            TemplateCatalog.SyncResult read = other.refresh(a, Duration.ofHours(1));
            assertThat(read.ok()).isTrue();
            assertThat(read.templates()).isEqualTo(2);
            assertThat(calls.get()).as("read from the peer's rows").isEqualTo(2);
            assertThat(other.knows("waba-a")).isTrue();
            assertThat(other.find("waba-a", "promo", "en").orElseThrow().components().body()).containsExactly("first_name");

            try (TemplateCatalog restarted = catalog(node)) {
                assertThat(restarted.knows("waba-a")).as("a new node knows the catalogue from disk").isTrue();
                assertThat(restarted.find("waba-a", "promo", "en").orElseThrow().category()).isEqualTo("MARKETING");
                assertThat(restarted.due("waba-a", Duration.ofHours(1))).isFalse();
                assertThat(restarted.due("waba-b", Duration.ofHours(1))).as("never synced").isTrue();
            }
        }
    }
}
