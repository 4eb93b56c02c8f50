package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** Status webhooks: shape, signature, sequencing, misbehaviour knobs, batching and retries. */
class WebhookTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    private static WebhookBehaviour.Builder quick() {
        return WebhookBehaviour.builder().sentDelay(Duration.ofMillis(5)).deliveredDelay(Duration.ofMillis(30))
                .readDelay(Duration.ofMillis(60)).jitter(Duration.ZERO).linger(Duration.ofMillis(5));
    }

    private static Emulator start(WebhookReceiver rx, WebhookBehaviour wb) {
        return Emulator.start(EmulatorConfig.builder().seed(42L).appSecret("s3cret").webhookUrl(rx.url())
                .enforceServiceWindow(false).undeliverable("+15550009999")
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1")
                        .accessToken("t").ceilingMps(1000).build())
                .webhookBehaviour(wb).build());
    }

    static String hmac(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    private static Map<String, List<String>> byWamid(List<JsonNode> statuses) {
        return statuses.stream().collect(Collectors.groupingBy(s -> s.path("id").asText(),
                Collectors.mapping(s -> s.path("status").asText(), Collectors.toList())));
    }

    @Test
    void sentDeliveredReadInOrderSignedAndEchoingCallbackData() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, quick().build())) {
            Graph g = new Graph(emu);
            String wamid = g.send("1001", "t", Graph.template("15551234567", "flash_sale", "Ann", "20%")
                    .put("biz_opaque_callback_data", "campaign-7")).json().path("messages").get(0).path("id").asText();
            List<JsonNode> statuses = rx.awaitStatuses(3, WAIT);
            // Webhooks are separate POSTs, as Meta's are: their arrival order is not promised (a busy
            // machine reorders them), but their timestamps follow the message's life.
            assertThat(statuses).extracting(s -> s.path("status").asText()).containsExactlyInAnyOrder("sent", "delivered", "read");
            assertThat(java.util.stream.Stream.of("sent", "delivered", "read").map(st -> timestampOf(statuses, st)).toList())
                    .isSorted();
            for (JsonNode s : statuses) {
                assertThat(s.path("id").asText()).isEqualTo(wamid);
                assertThat(s.path("recipient_id").asText()).isEqualTo("15551234567");
                assertThat(s.path("biz_opaque_callback_data").asText()).isEqualTo("campaign-7");
                assertThat(s.path("timestamp").isTextual()).isTrue();
                assertThat(Long.parseLong(s.path("timestamp").asText())).isCloseTo(System.currentTimeMillis() / 1000,
                        org.assertj.core.data.Offset.offset(5L));
                assertThat(s.path("pricing").path("category").asText()).isEqualTo("marketing");
                assertThat(s.path("pricing").path("pricing_model").asText()).isEqualTo("PMP");
                assertThat(s.path("pricing").path("billable").asBoolean()).isTrue();
            }
            for (WebhookReceiver.Received r : rx.received()) {
                assertThat(r.signature()).isEqualTo(hmac("s3cret", r.body()));
                assertThat(r.contentType()).startsWith("application/json");
                JsonNode entry = r.json().path("entry").get(0);
                assertThat(r.json().path("object").asText()).isEqualTo("whatsapp_business_account");
                assertThat(entry.path("id").asText()).isEqualTo("waba-1");
                JsonNode change = entry.path("changes").get(0);
                assertThat(change.path("field").asText()).isEqualTo("messages");
                assertThat(change.path("value").path("metadata").path("display_phone_number").asText()).isEqualTo("15550001001");
                assertThat(change.path("value").path("metadata").path("phone_number_id").asText()).isEqualTo("1001");
            }
            WebhookReceiver.await(() -> emu.stats().webhooks().delivered() == rx.received().size(), WAIT,
                    "deliveries acknowledged");
        }
    }

    @Test
    void undeliverableRecipientGetsSentThenFailedWith131026() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, quick().build())) {
            new Graph(emu).send("1001", "t", Graph.template("15550009999", "hello_world"));
            List<JsonNode> statuses = rx.awaitStatuses(2, WAIT);
            // two deliveries, sent by concurrent workers: their arrival order is not guaranteed (nor at Meta)
            assertThat(statuses).extracting(s -> s.path("status").asText()).containsExactlyInAnyOrder("sent", "failed");
            JsonNode failed = statuses.stream().filter(s -> s.path("status").asText().equals("failed")).findFirst().orElseThrow();
            JsonNode error = failed.path("errors").get(0);
            assertThat(error.path("code").asInt()).isEqualTo(131026);
            assertThat(error.path("title").asText()).isEqualTo("Message undeliverable");
            assertThat(error.path("message").asText()).isEqualTo("Message undeliverable");
            assertThat(error.path("error_data").path("details").asText()).isEqualTo("Message Undeliverable.");
            assertThat(error.path("href").asText()).isEqualTo("https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/");
            Thread.sleep(100);
            assertThat(rx.statuses()).hasSize(2);
        }
    }

    @Test
    void aScriptedFailureFailsTheNextSendOnceInTheAnswerOrInAFailedStatus() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, quick().readProbability(0).build())) {
            Graph g = new Graph(emu);
            emu.failNext("+15551230001", 131048, true);
            emu.failNext("15551230001", 131049, false);
            Graph.Response refused = g.send("1001", "t", Graph.template("15551230001", "flash_sale", "Ann", "20%"));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().path("error").path("code").asInt()).isEqualTo(131048);
            assertThat(refused.json().path("error").path("message").asText()).isEqualTo("(#131048) Spam rate limit hit");
            // the next send is accepted, then failed by a status with the scripted code
            Graph.Response accepted = g.send("1001", "t", Graph.template("15551230001", "flash_sale", "Ann", "20%"));
            assertThat(accepted.status()).isEqualTo(200);
            List<JsonNode> statuses = rx.awaitStatuses(2, WAIT);
            assertThat(statuses).extracting(s -> s.path("status").asText()).containsExactlyInAnyOrder("sent", "failed");
            JsonNode error = statuses.stream().filter(s -> s.path("status").asText().equals("failed")).findFirst().orElseThrow()
                    .path("errors").get(0);
            assertThat(error.path("code").asInt()).isEqualTo(131049);
            assertThat(error.path("title").asText()).contains("healthy ecosystem");
            // both are spent: the third send is delivered
            String wamid = g.send("1001", "t", Graph.template("15551230001", "flash_sale", "Ann", "20%")).json()
                    .path("messages").get(0).path("id").asText();
            List<JsonNode> third = rx.awaitStatuses(l -> byWamid(l).getOrDefault(wamid, List.of()).size() >= 2, WAIT);
            assertThat(byWamid(third).get(wamid)).containsExactlyInAnyOrder("sent", "delivered");
            assertThat(emu.acceptedMessages("1001")).hasSize(2);
        }
    }

    @Test
    void serviceRepliesInsideTheWindowAreFreeOfCharge() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, quick().readProbability(0).build())) {
            emu.injectInbound(InboundMessage.text("1001", "15551234567", "Ann", "hi"));
            new Graph(emu).send("1001", "t", Graph.text("15551234567", "hello"));
            List<JsonNode> statuses = rx.awaitStatuses(2, WAIT);
            assertThat(statuses.get(0).path("pricing").path("category").asText()).isEqualTo("service");
            assertThat(statuses.get(0).path("pricing").path("billable").asBoolean()).isFalse();
            assertThat(statuses.get(0).path("pricing").path("type").asText()).isEqualTo("free_customer_service");
        }
    }

    @Test
    void statusesOfManySendsAreBatchedPerNumber() throws Exception {
        WebhookBehaviour wb = quick().maxBatchSize(50).linger(Duration.ofMillis(100)).readProbability(0)
                .sentDelay(Duration.ofMillis(10)).deliveredDelay(Duration.ofMillis(400)).build();
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, wb)) {
            Graph g = new Graph(emu);
            for (int i = 0; i < 20; i++) {
                g.send("1001", "t", Graph.template("1555400" + String.format("%04d", i), "hello_world"));
            }
            rx.awaitStatuses(40, WAIT);
            assertThat(rx.received().size()).isLessThan(20);
            assertThat(rx.received()).anySatisfy(r ->
                    assertThat(r.json().path("entry").get(0).path("changes").get(0).path("value").path("statuses").size())
                            .isGreaterThan(1));
        }
    }

    @Test
    void maxBatchSizeOneSendsEachStatusAlone() throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, quick().maxBatchSize(1).build())) {
            Graph g = new Graph(emu);
            for (int i = 0; i < 3; i++) {
                g.send("1001", "t", Graph.template("1555500000" + i, "hello_world"));
            }
            rx.awaitStatuses(9, WAIT);
            assertThat(rx.received()).hasSize(9);
        }
    }

    @Test
    void misbehaviourKnobsProduceDuplicatesOmissionsAndReorderingReproducibly() throws Exception {
        WebhookBehaviour wb = quick().duplicateProbability(0.3).omitDeliveredProbability(0.3).reorderProbability(0.3)
                .deliveredDelay(Duration.ofMillis(40)).readDelay(Duration.ofMillis(120)).build();
        Map<String, List<String>> first = runKnobs(wb);
        Map<String, List<String>> second = runKnobs(wb);
        // same seed, same sequential sends → the same multiset of statuses per message (by send order)
        assertThat(second.values().stream().map(l -> l.stream().sorted().toList()).toList())
                .isEqualTo(first.values().stream().map(l -> l.stream().sorted().toList()).toList());
        List<List<String>> all = List.copyOf(first.values());
        assertThat(all).anySatisfy(l -> assertThat(l).doesNotContain("delivered"));
        assertThat(all).anySatisfy(l -> assertThat(l.stream().filter("sent"::equals).count()
                + l.stream().filter("read"::equals).count() + l.stream().filter("delivered"::equals).count()).isGreaterThan(3));
        assertThat(all).anyMatch(l -> l.contains("delivered") && l.indexOf("delivered") < l.indexOf("sent"));
    }

    private Map<String, List<String>> runKnobs(WebhookBehaviour wb) throws Exception {
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, wb)) {
            Graph g = new Graph(emu);
            List<String> wamids = new java.util.ArrayList<>();
            for (int i = 0; i < 30; i++) {
                wamids.add(g.send("1001", "t", Graph.template("1555600" + String.format("%04d", i), "hello_world"))
                        .json().path("messages").get(0).path("id").asText());
            }
            // every planned status fires within ~125 ms of its send; then wait until all were delivered
            Thread.sleep(200);
            WebhookReceiver.await(() -> {
                EmulatorStats.WebhookStats w = emu.stats().webhooks();
                return w.pending() == 0 && rx.statuses().size() == w.statusesEmitted();
            }, WAIT, "all statuses delivered");
            Map<String, List<String>> grouped = byWamid(rx.statuses());
            Map<String, List<String>> ordered = new java.util.LinkedHashMap<>();
            wamids.forEach(w -> ordered.put(w, grouped.getOrDefault(w, List.of())));
            return ordered;
        }
    }

    @Test
    void failedDeliveriesAreRetriedWithBackoffUntilAccepted() throws Exception {
        WebhookBehaviour wb = quick().readProbability(0).omitDeliveredProbability(1).maxBatchSize(1)
                .retryInitialDelay(Duration.ofMillis(20)).retryMaxDelay(Duration.ofMillis(200)).build();
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, wb)) {
            rx.failFirst(3, 503);
            new Graph(emu).send("1001", "t", Graph.template("15551234567", "hello_world"));
            rx.awaitStatuses(1, WAIT);
            assertThat(rx.attempts()).isEqualTo(4);
            // the receiver records before it answers: wait for the dispatcher to see the 200
            WebhookReceiver.await(() -> emu.stats().webhooks().delivered() == 1, WAIT, "delivery acknowledged");
            EmulatorStats.WebhookStats s = emu.stats().webhooks();
            assertThat(s.failedAttempts()).isEqualTo(3);
            assertThat(s.retries()).isEqualTo(3);
            assertThat(s.delivered()).isEqualTo(1);
            assertThat(s.dropped()).isZero();
            assertThat(s.maxMillis()).isGreaterThan(0);
        }
    }

    @Test
    void payloadsAreDroppedAfterTheRetryHorizon() throws Exception {
        WebhookBehaviour wb = quick().readProbability(0).omitDeliveredProbability(1).maxBatchSize(1)
                .retryInitialDelay(Duration.ofMillis(20)).retryMaxDelay(Duration.ofMillis(50))
                .retryHorizon(Duration.ofMillis(250)).build();
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, wb)) {
            rx.failFirst(Integer.MAX_VALUE, 500);
            new Graph(emu).send("1001", "t", Graph.template("15551234567", "hello_world"));
            WebhookReceiver.await(() -> emu.stats().webhooks().dropped() == 1, WAIT, "drop");
            EmulatorStats.WebhookStats s = emu.stats().webhooks();
            assertThat(s.delivered()).isZero();
            assertThat(s.failedAttempts()).isGreaterThanOrEqualTo(2);
            assertThat(s.pending()).isZero();
            int attempts = rx.attempts();
            Thread.sleep(150);
            assertThat(rx.attempts()).isEqualTo(attempts);
        }
    }

    @Test
    void slowReceiverCountsAsFailureAndIsRetried() throws Exception {
        WebhookBehaviour wb = quick().readProbability(0).omitDeliveredProbability(1).maxBatchSize(1)
                .requestTimeout(Duration.ofMillis(100)).retryInitialDelay(Duration.ofMillis(20)).build();
        try (WebhookReceiver rx = new WebhookReceiver(); Emulator emu = start(rx, wb)) {
            emu.setWebhookUrl("http://10.255.255.1:9/unroutable");
            new Graph(emu).send("1001", "t", Graph.template("15551234567", "hello_world"));
            WebhookReceiver.await(() -> emu.stats().webhooks().failedAttempts() >= 1, WAIT, "a failed attempt");
            emu.setWebhookUrl(rx.url());
            rx.awaitStatuses(1, WAIT);
            assertThat(emu.stats().webhooks().retries()).isGreaterThanOrEqualTo(1);
        }
    }

    private static long timestampOf(List<JsonNode> statuses, String status) {
        return statuses.stream().filter(s -> s.path("status").asText().equals(status)).findFirst().orElseThrow()
                .path("timestamp").asText().transform(Long::parseLong);
    }
}
