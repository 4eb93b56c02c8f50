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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A template-status (or category) webhook that lands while a sync is between reading Meta's list
 * and writing it is newer than the list: the sync must not put the template back to APPROVED (or
 * its old category), in memory or on disk. The window is
 * forced open deterministically: a stand-in for Meta's list endpoint answers only after the test
 * has applied the webhook. (A stand-in rather than the emulator because the race needs Meta's
 * answer to be older than a status change, which a live emulator never gives on demand.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TemplateSyncRaceTest {
    @Test
    void aWebhookDuringASyncIsNotUndoneByTheSyncsOlderSnapshot() throws Exception {
        CountDownLatch listRequested = new CountDownLatch(1);
        CountDownLatch webhookApplied = new CountDownLatch(1);
        HttpServer meta = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        meta.createContext("/", exchange -> {
            listRequested.countDown();
            try {
                webhookApplied.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = ("{\"data\":[{\"name\":\"flash_sale\",\"language\":\"en_US\",\"category\":\"MARKETING\","
                    + "\"status\":\"APPROVED\",\"components\":[{\"type\":\"BODY\",\"text\":\"Hi {{1}}\"}]}],\"paging\":{}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        meta.start();
        try (TestNodes.Node node = TestNodes.start("sqlite")) {
            TemplateCatalog catalog = new TemplateCatalog("http://127.0.0.1:" + meta.getAddress().getPort(), "v23.0",
                    node.switchboard().tenancy(), new Jdbc(node.switchboard().database().reads()), new ObjectMapper(),
                    Clock.systemUTC());
            Channel channel = node.switchboard().tenancy().channel(TestNodes.A_ACTIVE).orElseThrow();
            CompletableFuture<Void> sync = CompletableFuture.runAsync(() -> catalog.sync(channel));
            assertThat(listRequested.await(30, TimeUnit.SECONDS)).as("the sync asked for the list").isTrue();

            catalog.updateStatus(channel.wabaId(), "flash_sale", "en_US", "PAUSED");
            catalog.updateCategory(channel.wabaId(), null, "flash_sale", "en_US", "UTILITY"); // a recategorisation likewise
            webhookApplied.countDown();
            sync.get(30, TimeUnit.SECONDS);

            assertThat(catalog.holdStatus(channel.wabaId(), "flash_sale")).isEqualTo("PAUSED");
            assertThat(catalog.find(channel.wabaId(), "flash_sale", "en_US").orElseThrow().category()).isEqualTo("UTILITY");
            try (TemplateCatalog restarted = new TemplateCatalog("http://127.0.0.1:1", "v23.0", node.switchboard().tenancy(),
                    new Jdbc(node.switchboard().database().reads()), new ObjectMapper(), Clock.systemUTC())) {
                assertThat(restarted.find(channel.wabaId(), "flash_sale", "en_US").orElseThrow().category())
                        .as("and so on disk").isEqualTo("UTILITY");
                assertThat(restarted.holdStatus(channel.wabaId(), "flash_sale")).isEqualTo("PAUSED");
            }
            assertThat(catalog.find(channel.wabaId(), "flash_sale", "en_US").orElseThrow().parameterCount()).isEqualTo(1);
        } finally {
            meta.stop(0);
        }
    }
}
