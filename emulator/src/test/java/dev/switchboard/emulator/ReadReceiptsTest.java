package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** "Mark as read" and typing indicators on the messages endpoint. */
class ReadReceiptsTest {
    private static Emulator start() {
        return Emulator.start(EmulatorConfig.builder().seed(5L).enforceServiceWindow(false)
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1").accessToken("token-1")
                        .ceilingMps(1).build())
                .number(EmulatedNumber.builder("1002").displayPhoneNumber("15550001002").wabaId("waba-1").accessToken("token-2").build())
                .build());
    }

    static ObjectNode read(String wamid) {
        ObjectNode o = Graph.MAPPER.createObjectNode();
        o.put("messaging_product", "whatsapp").put("status", "read").put("message_id", wamid);
        return o;
    }

    @Test
    void readAndTypingAnswerSuccessAndAreRecorded() {
        try (Emulator emu = start()) {
            Graph g = new Graph(emu);
            String wamid = emu.injectInbound(InboundMessage.text("1001", "15551234567", "Ann", "hi"));
            Graph.Response plain = g.send("1001", "token-1", read(wamid));
            assertThat(plain.status()).isEqualTo(200);
            assertThat(plain.json()).isEqualTo(Graph.json("{\"success\":true}"));
            ObjectNode typing = read(wamid);
            typing.putObject("typing_indicator").put("type", "text");
            Graph.Response typed = g.send("1001", "token-1", typing);
            assertThat(typed.status()).isEqualTo(200);
            assertThat(typed.json().path("success").asBoolean()).isTrue();

            assertThat(emu.readReceipts("1001")).extracting(ReadReceipt::messageId, ReadReceipt::from, ReadReceipt::typingIndicator)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(wamid, "15551234567", null),
                            org.assertj.core.groups.Tuple.tuple(wamid, "15551234567", "text"));
            JsonNode listed = g.get("/_emulator/reads?phone_number_id=1001", null).json().path("data");
            assertThat(listed).hasSize(2);
            assertThat(listed.get(0).path("message_id").asText()).isEqualTo(wamid);
            assertThat(listed.get(0).path("typing_indicator").isNull()).isTrue();
            assertThat(listed.get(1).path("typing_indicator").path("type").asText()).isEqualTo("text");
            assertThat(listed.get(1).path("from").asText()).isEqualTo("15551234567");
            EmulatorStats.NumberStats s = emu.stats().number("1001");
            assertThat(s.reads()).isEqualTo(2);
            assertThat(s.typingIndicators()).isEqualTo(1);
            assertThat(s.accepted()).as("a read is not a message").isZero();
            assertThat(emu.acceptedMessages("1001")).isEmpty();
            JsonNode stats = g.get("/_emulator/stats", null).json().path("numbers").path("1001");
            assertThat(stats.path("reads").asLong()).isEqualTo(2);
            assertThat(stats.path("typingIndicators").asLong()).isEqualTo(1);
            emu.reset();
            assertThat(emu.readReceipts("1001")).isEmpty();
            assertThat(g.send("1001", "token-1", read(wamid)).code()).as("forgotten by reset").isEqualTo(131009);
        }
    }

    @Test
    void readsBypassThroughputFaultsAndStorms() {
        try (Emulator emu = start()) {
            Graph g = new Graph(emu);
            String wamid = emu.injectInbound(InboundMessage.text("1001", "15551234567", "Ann", "hi")); // fills the 1-mps second
            emu.rateLimitStorm("1001", Duration.ofMinutes(5));
            emu.setFaults(FaultConfig.builder().serverErrorProbability(1.0).build());
            assertThat(g.send("1001", "token-1", Graph.template("15551234567", "hello_world")).code()).isEqualTo(131000);
            for (int i = 0; i < 20; i++) {
                assertThat(g.send("1001", "token-1", read(wamid)).status()).isEqualTo(200);
            }
            EmulatorStats.NumberStats s = emu.stats().number("1001");
            assertThat(s.reads()).isEqualTo(20);
            assertThat(s.maxInAnySlidingSecond()).as("only the inbound message took a place").isEqualTo(1);
            assertThat(s.breaches()).isZero();
            assertThat(s.rejectionsByCode()).containsOnlyKeys(131000);
        }
    }

    @Test
    void onlyMessagesThisNumberReceivedCanBeMarked() {
        try (Emulator emu = start()) {
            Graph g = new Graph(emu);
            String inbound = emu.injectInbound(InboundMessage.text("1002", "15551234567", "Ann", "hi"));
            Graph.Response sent = g.send("1002", "token-2", Graph.template("15557654321", "hello_world"));
            assertThat(sent.status()).as(sent.json().toString()).isEqualTo(200);
            String outbound = sent.json().path("messages").get(0).path("id").asText();
            Graph.Response unknown = g.send("1002", "token-2", read("wamid.nope"));
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.code()).isEqualTo(131009);
            assertThat(unknown.json().path("error").path("message").asText()).isEqualTo("(#131009) Parameter value is not valid");
            assertThat(g.send("1002", "token-2", read(outbound)).code()).as("own outbound message").isEqualTo(131009);
            assertThat(g.send("1001", "token-1", read(inbound)).code()).as("received by another number").isEqualTo(131009);
            assertThat(emu.stats().number("1002").reads()).isZero();
            assertThat(emu.stats().number("1002").rejectionsByCode()).as("reads are not sends").isEmpty();
            assertThat(g.send("1002", "token-2", read(inbound)).status()).isEqualTo(200);
        }
    }

    @Test
    void malformedReadsAndAuth() {
        try (Emulator emu = start()) {
            Graph g = new Graph(emu);
            String wamid = emu.injectInbound(InboundMessage.text("1001", "15551234567", "Ann", "hi"));
            assertThat(g.send("1001", "token-1", read(wamid).put("status", "delivered")).code()).isEqualTo(100);
            assertThat(g.send("1001", "token-1", read(wamid).put("messaging_product", "sms")).code()).isEqualTo(100);
            ObjectNode noId = read(wamid);
            noId.remove("message_id");
            assertThat(g.send("1001", "token-1", noId).code()).isEqualTo(100);
            ObjectNode badTyping = read(wamid);
            badTyping.putObject("typing_indicator").put("type", "audio");
            assertThat(g.send("1001", "token-1", badTyping).code()).isEqualTo(100);
            assertThat(g.send("1001", "bad", read(wamid)).code()).isEqualTo(190);
            assertThat(g.send("1001", "token-2", read(wamid)).code()).isEqualTo(100);
            assertThat(emu.stats().number("1001").reads()).isZero();
        }
    }
}
