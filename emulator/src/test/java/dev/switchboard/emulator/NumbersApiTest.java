package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Phone numbers, registration, the business profile and number settings. */
class NumbersApiTest {
    static Emulator emu;
    static Graph g;

    @BeforeAll
    static void start() {
        emu = Emulator.start(EmulatorConfig.builder().seed(4L).enforceServiceWindow(false).portfolioTier("biz-1", Tier.TIER_2K)
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1").portfolioId("biz-1")
                        .accessToken("token-1").build())
                .number(EmulatedNumber.builder("1002").displayPhoneNumber("15550001002").wabaId("waba-1").portfolioId("biz-1")
                        .accessToken("token-2").ceilingMps(1000).build())
                .number(EmulatedNumber.builder("2001").displayPhoneNumber("15550002001").wabaId("waba-2").accessToken("token-3").build())
                .build());
        g = new Graph(emu);
    }

    @AfterAll
    static void stop() {
        emu.close();
    }

    @BeforeEach
    void reset() {
        emu.reset();
    }

    @Test
    void phoneNumbersOfAWabaWithDefaultOrRequestedFields() {
        Graph.Response r = g.get("/v23.0/waba-1/phone_numbers", "token-1");
        assertThat(r.status()).isEqualTo(200);
        JsonNode data = r.json().path("data");
        assertThat(data).extracting(n -> n.path("id").asText()).containsExactly("1001", "1002");
        JsonNode first = data.get(0);
        assertThat(SendApiTest.fieldNames(first)).containsExactly("verified_name", "code_verification_status", "display_phone_number",
                "quality_rating", "platform_type", "throughput", "last_onboarded_time", "id");
        assertThat(first.path("display_phone_number").asText()).isEqualTo("15550001001");
        assertThat(first.path("quality_rating").asText()).isEqualTo("GREEN");
        assertThat(first.path("platform_type").asText()).isEqualTo("CLOUD_API");
        assertThat(first.path("throughput").path("level").asText()).isEqualTo("STANDARD");
        assertThat(data.get(1).path("throughput").path("level").asText()).isEqualTo("HIGH");
        assertThat(r.json().path("paging").path("cursors").path("before").asText()).isNotBlank();

        JsonNode picked = g.get("/v23.0/waba-1/phone_numbers?fields=display_phone_number,status&limit=1", "token-2").json();
        assertThat(SendApiTest.fieldNames(picked.path("data").get(0))).containsExactly("display_phone_number", "status", "id");
        assertThat(picked.path("paging").path("next").asText()).contains("fields=display_phone_number%2Cstatus");
        assertThat(g.get("/v23.0/waba-1/phone_numbers", "token-3").code()).isEqualTo(100);
        assertThat(g.get("/v23.0/waba-1/phone_numbers", "nope").code()).isEqualTo(190);
    }

    @Test
    void onePhoneNumberReturnsOnlyTheFieldsAskedFor() {
        JsonNode one = g.get("/v23.0/1001?fields=whatsapp_business_manager_messaging_limit,is_on_biz_app,quality_rating", "token-1").json();
        assertThat(SendApiTest.fieldNames(one)).containsExactly("whatsapp_business_manager_messaging_limit", "is_on_biz_app",
                "quality_rating", "id");
        assertThat(one.path("whatsapp_business_manager_messaging_limit").asText()).isEqualTo("TIER_2K");
        assertThat(SendApiTest.fieldNames(g.get("/v23.0/1001?fields=id", "token-1").json())).containsExactly("id");
        Graph.Response unknown = g.get("/v23.0/1001?fields=throughput,favourite_colour", "token-1");
        assertThat(unknown.code()).isEqualTo(100);
        assertThat(unknown.json().path("error").path("message").asText())
                .isEqualTo("(#100) Tried accessing nonexisting field (favourite_colour) on node type (WhatsAppBusinessPhoneNumber)");
    }

    @Test
    void deregisteredNumbersCannotSendUntilRegisteredWithTheirPin() {
        ObjectNode register = Graph.json("{\"messaging_product\":\"whatsapp\",\"pin\":\"123456\"}");
        assertThat(g.request("POST", "/v23.0/1001/register", "token-1", register).json()).isEqualTo(Graph.json("{\"success\":true}"));
        assertThat(g.get("/v23.0/1001?fields=is_pin_enabled,status", "token-1").json().path("is_pin_enabled").asBoolean()).isTrue();
        Graph.Response dereg = g.request("POST", "/v23.0/1001/deregister", "token-1", null);
        assertThat(dereg.json().path("success").asBoolean()).isTrue();
        assertThat(g.get("/v23.0/1001?fields=status", "token-1").json().path("status").asText()).isEqualTo("DISCONNECTED");
        Graph.Response blocked = g.send("1001", "token-1", Graph.template("15551234567", "hello_world"));
        assertThat(blocked.code()).isEqualTo(133010);
        assertThat(emu.stats().number("1001").accepted()).isZero();

        Graph.Response wrongPin = g.request("POST", "/v23.0/1001/register", "token-1", "{\"messaging_product\":\"whatsapp\",\"pin\":\"654321\"}");
        assertThat(wrongPin.code()).isEqualTo(133005);
        assertThat(g.request("POST", "/v23.0/1001/register", "token-1", "{\"messaging_product\":\"whatsapp\",\"pin\":\"12ab56\"}").code())
                .isEqualTo(100);
        assertThat(g.request("POST", "/v23.0/1001/register", "token-1", "{\"pin\":\"123456\"}").code()).isEqualTo(100);
        assertThat(g.request("POST", "/v23.0/1001/register", "token-2", register).code()).isEqualTo(100);
        assertThat(g.request("POST", "/v23.0/1001/register", "token-1", register).status()).isEqualTo(200);
        assertThat(g.get("/v23.0/1001?fields=status", "token-1").json().path("status").asText()).isEqualTo("CONNECTED");
        assertThat(g.send("1001", "token-1", Graph.template("15551234567", "hello_world")).status()).isEqualTo(200);
    }

    @Test
    void businessProfileReadsAndUpdates() {
        JsonNode initial = g.get("/v23.0/1001/whatsapp_business_profile", "token-1").json();
        assertThat(initial.path("data")).hasSize(1);
        assertThat(initial.path("data").get(0).path("messaging_product").asText()).isEqualTo("whatsapp");
        String update = """
                {"messaging_product":"whatsapp","about":"We ship fast","address":"1 Main St","description":"Shop",
                 "email":"help@example.com","websites":["https://example.com","http://example.org/x"],"vertical":"RETAIL",
                 "profile_picture_handle":"4::aW1hZ2U="}""";
        assertThat(g.request("POST", "/v23.0/1001/whatsapp_business_profile", "token-1", update).json())
                .isEqualTo(Graph.json("{\"success\":true}"));
        JsonNode p = g.get("/v23.0/1001/whatsapp_business_profile", "token-1").json().path("data").get(0);
        assertThat(SendApiTest.fieldNames(p)).containsExactly("about", "address", "description", "email", "profile_picture_url",
                "websites", "vertical", "messaging_product");
        assertThat(p.path("about").asText()).isEqualTo("We ship fast");
        assertThat(p.path("websites")).hasSize(2);
        assertThat(p.path("vertical").asText()).isEqualTo("RETAIL");
        JsonNode some = g.get("/v23.0/1001/whatsapp_business_profile?fields=about,email", "token-1").json().path("data").get(0);
        assertThat(SendApiTest.fieldNames(some)).containsExactly("about", "email", "messaging_product");
        assertThat(g.get("/v23.0/1001/whatsapp_business_profile?fields=shoe_size", "token-1").code()).isEqualTo(100);
        // a partial update keeps the rest
        g.request("POST", "/v23.0/1001/whatsapp_business_profile", "token-1", "{\"messaging_product\":\"whatsapp\",\"about\":\"Open 9-5\"}");
        JsonNode after = g.get("/v23.0/1001/whatsapp_business_profile", "token-1").json().path("data").get(0);
        assertThat(after.path("about").asText()).isEqualTo("Open 9-5");
        assertThat(after.path("email").asText()).isEqualTo("help@example.com");
        // the other number's profile is its own
        assertThat(g.get("/v23.0/1002/whatsapp_business_profile", "token-2").json().path("data").get(0).has("email")).isFalse();
    }

    @Test
    void businessProfileValidation() {
        String[] invalid = {
            "{\"about\":\"x\"}",
            "{\"messaging_product\":\"whatsapp\",\"about\":\"\"}",
            "{\"messaging_product\":\"whatsapp\",\"about\":\"" + "a".repeat(140) + "\"}",
            "{\"messaging_product\":\"whatsapp\",\"address\":\"" + "a".repeat(257) + "\"}",
            "{\"messaging_product\":\"whatsapp\",\"description\":\"" + "a".repeat(513) + "\"}",
            "{\"messaging_product\":\"whatsapp\",\"email\":\"not-an-email\"}",
            "{\"messaging_product\":\"whatsapp\",\"email\":\"" + "a".repeat(120) + "@example.com\"}",
            "{\"messaging_product\":\"whatsapp\",\"websites\":[\"example.com\"]}",
            "{\"messaging_product\":\"whatsapp\",\"websites\":[\"https://a.com\",\"https://b.com\",\"https://c.com\"]}",
            "{\"messaging_product\":\"whatsapp\",\"vertical\":\"SPACESHIPS\"}",
            "{\"messaging_product\":\"whatsapp\",\"about\":42}",
        };
        for (String body : invalid) {
            Graph.Response r = g.request("POST", "/v23.0/1001/whatsapp_business_profile", "token-1", body);
            assertThat(r.code()).as(body).isEqualTo(100);
        }
        assertThat(g.request("POST", "/v23.0/1001/whatsapp_business_profile", "token-1",
                "{\"messaging_product\":\"whatsapp\",\"about\":\"" + "a".repeat(139) + "\"}").status()).isEqualTo(200);
        // a rejected update changes nothing, even fields that were valid
        g.request("POST", "/v23.0/1001/whatsapp_business_profile", "token-1",
                "{\"messaging_product\":\"whatsapp\",\"about\":\"changed\",\"vertical\":\"SPACESHIPS\"}");
        assertThat(g.get("/v23.0/1001/whatsapp_business_profile?fields=about", "token-1").json().path("data").get(0).path("about").asText())
                .isEqualTo("a".repeat(139));
        assertThat(g.get("/v23.0/1001/whatsapp_business_profile", "token-2").code()).isEqualTo(100);
    }

    @Test
    void settingsStoreCallingAndRejectTheRest() {
        JsonNode initial = g.get("/v23.0/1001/settings", "token-1").json();
        assertThat(initial.path("calling").path("status").asText()).isEqualTo("DISABLED");
        assertThat(initial.path("storage_configuration").path("status").asText()).isEqualTo("DEFAULT");
        assertThat(g.request("POST", "/v23.0/1001/settings", "token-1",
                "{\"calling\":{\"status\":\"ENABLED\",\"call_icon_visibility\":\"DEFAULT\",\"call_hours\":{\"status\":\"DISABLED\"}}}")
                .json()).isEqualTo(Graph.json("{\"success\":true}"));
        JsonNode calling = g.get("/v23.0/1001/settings", "token-1").json().path("calling");
        assertThat(calling.path("status").asText()).isEqualTo("ENABLED");
        assertThat(calling.path("call_hours").path("status").asText()).isEqualTo("DISABLED");
        assertThat(calling.path("callback_permission_status").asText()).isEqualTo("DISABLED");
        assertThat(g.request("POST", "/v23.0/1001/settings", "token-1", "{\"calling\":{\"status\":\"MAYBE\"}}").code()).isEqualTo(100);
        assertThat(g.request("POST", "/v23.0/1001/settings", "token-1", "{\"calling\":{\"teleport\":true}}").code()).isEqualTo(100);
        assertThat(g.request("POST", "/v23.0/1001/settings", "token-1", "{\"payload_encryption\":{\"status\":\"ENABLED\"}}").code())
                .isEqualTo(100);
        assertThat(g.get("/v23.0/1001/settings", "token-3").code()).isEqualTo(100);
        emu.reset();
        assertThat(g.get("/v23.0/1001/settings", "token-1").json().path("calling").path("status").asText()).isEqualTo("DISABLED");
    }
}
