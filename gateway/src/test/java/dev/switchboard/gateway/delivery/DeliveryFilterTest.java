package dev.switchboard.gateway.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.emulator.InboundMessage;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.gateway.delivery.DeliveryHarness.TenantDef;
import dev.switchboard.gateway.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end over HTTP, on SQLite and PostgreSQL: each endpoint gets only the events it asked
 * for (statuses all / final / none, inbound messages on / off, account events on / off), with
 * every id the tenant could know mapped to Switchboard's.
 */
class DeliveryFilterTest extends DeliveryTestBase {
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void eachEndpointGetsOnlyTheEventsItAskedFor(String engine) {
        db = TestDatabases.forEngine(engine, dir);
        TenantDef a = new TenantDef("a", KEY_A, "7401");
        TenantDef b = new TenantDef("b", KEY_B, "7402");
        TenantDef c = new TenantDef("c", "sk_delivery_tenant_c_0123456789", "7403");
        TenantReceiver ra = receiver("secret-of-tenant-a-0004");
        TenantReceiver rb = receiver("secret-of-tenant-b-0004");
        TenantReceiver rc = receiver("secret-of-tenant-c-0004");
        h = DeliveryHarness.start(db.config(), dir, fast(Duration.ofMinutes(5), Duration.ofSeconds(2), 4, 100), a, b, c);
        h.endpoint(a, ra, "final", true, true);   // final statuses, inbound, account events
        h.endpoint(b, rb, "none", true, false);   // inbound only
        h.endpoint(c, rc, "all", false, false);   // statuses only

        String user = "15550400001";
        List<String> idsA = h.send(a, List.of(user, user), i -> null);
        List<String> idsB = h.send(b, List.of(user, user), i -> null);
        List<String> idsC = h.send(c, List.of(user, user), i -> null);
        DeliveryHarness.await("every status logged", Duration.ofSeconds(20),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='status' AND status='read'") == 6);
        // The user replies to A's first message; A must see the id Switchboard gave it, not Meta's wamid.
        String wamidA = h.query("SELECT wamid FROM messages WHERE id=?", rs -> rs.getString(1), idsA.get(0)).get(0);
        String replyWamid = h.emulator.injectInbound(InboundMessage.text(a.channel(), user, "User", "yes please").inReplyTo(wamidA));
        h.emulator.injectInbound(InboundMessage.text(b.channel(), user, "User", "hello b"));
        h.emulator.injectInbound(InboundMessage.text(c.channel(), user, "User", "hello c"));
        // Statuses Meta sends without our callback data: one of C's messages (matched by wamid), and
        // one Switchboard never sent (left as Meta sent it).
        String wamidC = h.query("SELECT wamid FROM messages WHERE id=?", rs -> rs.getString(1), idsC.get(0)).get(0);
        long ts = System.currentTimeMillis() / 1000;
        h.metaWebhook("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"" + c.waba() + "\",\"changes\":[{"
                + "\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
                + "\"display_phone_number\":\"" + c.display() + "\",\"phone_number_id\":\"" + c.channel() + "\"},"
                + "\"statuses\":[{\"id\":\"" + wamidC + "\",\"status\":\"played\",\"timestamp\":\"" + ts
                + "\",\"recipient_id\":\"" + user + "\"},{\"id\":\"wamid.SENT-ELSEWHERE\",\"status\":\"delivered\","
                + "\"timestamp\":\"" + ts + "\",\"recipient_id\":\"15550409999\"}]}}]}]}");
        h.emulator.accountEvent(dev.switchboard.emulator.AccountEvent.accountUpdate(a.waba(), "VERIFIED_ACCOUNT"));
        h.emulator.accountEvent(dev.switchboard.emulator.AccountEvent.accountUpdate(b.waba(), "VERIFIED_ACCOUNT"));
        h.emulator.accountEvent(dev.switchboard.emulator.AccountEvent.templateStatus(a.waba(), "hello_world", "en_US",
                "APPROVED", null));
        h.emulator.accountEvent(dev.switchboard.emulator.AccountEvent.templateStatus(b.waba(), "hello_world", "en_US",
                "APPROVED", null));
        DeliveryHarness.await("everything logged and fed", Duration.ofSeconds(20),
                () -> h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='message'") == 3
                        && h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='account'") == 4
                        && h.count("SELECT COUNT(*) FROM webhook_events WHERE kind='status'") == 20 && h.fedEverything());
        DeliveryHarness.await("outboxes drained", Duration.ofSeconds(10),
                () -> h.count("SELECT COUNT(*) FROM webhook_deliveries") == 0);

        // A: delivered and read only, its inbound reply with the mapped context, its account event.
        assertThat(ra.acceptedStatuses()).extracting(s -> s.path("id").asText() + "/" + s.path("status").asText())
                .containsExactlyInAnyOrder(idsA.get(0) + "/delivered", idsA.get(0) + "/read", idsA.get(1) + "/delivered",
                        idsA.get(1) + "/read");
        assertThat(ra.acceptedMessages()).singleElement().satisfies(m -> {
            assertThat(m.path("id").asText()).isEqualTo(replyWamid);
            assertThat(m.path("context").path("id").asText()).isEqualTo(idsA.get(0));
            assertThat(m.path("text").path("body").asText()).isEqualTo("yes please");
        });
        assertThat(ra.acceptedChanges()).filteredOn(ch -> ch.path("field").asText().equals("account_update"))
                .singleElement().satisfies(ch -> assertThat(ch.path("value").path("event").asText()).isEqualTo("VERIFIED_ACCOUNT"));
        assertThat(ra.acceptedChanges()).filteredOn(ch -> ch.path("field").asText().equals("message_template_status_update"))
                .singleElement().satisfies(ch -> {
                    assertThat(ch.path("value").path("event").asText()).isEqualTo("APPROVED");
                    assertThat(ch.path("value").path("message_template_name").asText()).isEqualTo("hello_world");
                });
        assertThat(ra.accepted()).allSatisfy(r -> assertThat(r.json().path("entry").get(0).path("id").asText()).isEqualTo(a.waba()));
        // B: no statuses, no account events, its inbound message.
        assertThat(rb.acceptedStatuses()).isEmpty();
        assertThat(rb.acceptedMessages()).extracting(m -> m.path("text").path("body").asText()).containsExactly("hello b");
        assertThat(rb.acceptedChanges()).allSatisfy(ch -> assertThat(ch.path("field").asText()).isEqualTo("messages"));
        // C: all its statuses, no inbound message; ids mapped by wamid when the callback data is missing.
        List<JsonNode> cs = rc.acceptedStatuses();
        assertThat(cs).hasSize(8);
        assertThat(cs).filteredOn(s -> s.path("recipient_id").asText().equals(user) && !s.path("status").asText().equals("played"))
                .hasSize(6).extracting(s -> s.path("id").asText()).containsOnly(idsC.get(0), idsC.get(1));
        assertThat(cs).filteredOn(s -> s.path("status").asText().equals("played")).singleElement().satisfies(s -> {
            assertThat(s.path("id").asText()).isEqualTo(idsC.get(0));
            assertThat(s.has("biz_opaque_callback_data")).isFalse();
        });
        assertThat(cs).filteredOn(s -> s.path("recipient_id").asText().equals("15550409999"))
                .singleElement().satisfies(s -> assertThat(s.path("id").asText()).isEqualTo("wamid.SENT-ELSEWHERE"));
        assertThat(rc.acceptedMessages()).isEmpty();
        assertThat(idsB).hasSize(2);
        for (TenantReceiver r : List.of(ra, rb, rc)) {
            assertThat(r.requests()).allSatisfy(q -> assertThat(q.signedWith(r.secret())).isTrue());
        }
    }
}
