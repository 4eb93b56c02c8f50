package dev.switchboard.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Media over HTTP: upload limits and types, metadata, token-guarded download, delete, inbound media ids. */
class MediaApiTest {
    static final int MB = 1024 * 1024;
    static Emulator emu;
    static Graph g;

    @BeforeAll
    static void start() {
        emu = Emulator.start(EmulatorConfig.builder().seed(3L)
                .number(EmulatedNumber.builder("1001").displayPhoneNumber("15550001001").wabaId("waba-1").accessToken("token-1").build())
                .number(EmulatedNumber.builder("1002").displayPhoneNumber("15550001002").wabaId("waba-1").accessToken("token-2").build())
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

    /** As webhooks carry it: base64. */
    static String sha256(byte[] data) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** As {@code GET /{media-id}} gives it: hex. */
    static String sha256Hex(byte[] data) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String upload(String type, byte[] data) {
        Graph.Response r = Uploads.of(type, data).post(emu, "1001", "token-1");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
        return r.json().path("id").asText();
    }

    @Test
    void uploadedBytesComeBackThroughMetadataAndTheTokenGuardedUrl() throws Exception {
        // boundary-like bytes and CRLFs inside the file must not confuse the streaming reader
        byte[] file = Uploads.concat(random(300_000, 1), "\r\n--\r\n------switchboard\r\n".getBytes(StandardCharsets.US_ASCII),
                random(70_000, 2));
        String id = upload("application/pdf", file);
        JsonNode meta = g.get("/v23.0/" + id, "token-1").json();
        assertThat(SendApiTest.fieldNames(meta)).containsExactly("messaging_product", "url", "mime_type", "sha256", "file_size", "id");
        assertThat(meta.path("mime_type").asText()).isEqualTo("application/pdf");
        assertThat(meta.path("file_size").asLong()).isEqualTo(file.length);
        assertThat(meta.path("sha256").asText()).isEqualTo(sha256Hex(file));
        String url = meta.path("url").asText();
        HttpResponse<byte[]> dl = Uploads.download(url, "token-1");
        assertThat(dl.statusCode()).isEqualTo(200);
        assertThat(dl.headers().firstValue("Content-Type")).hasValue("application/pdf");
        assertThat(dl.body()).isEqualTo(file);
        assertThat(Uploads.download(url, null).statusCode()).isEqualTo(401);
        assertThat(Uploads.download(url, "token-3").statusCode()).as("another business's token").isEqualTo(404);
        // the other number of the same WABA may read it; phone_number_id pins it to its own number
        assertThat(g.get("/v23.0/" + id, "token-2").status()).isEqualTo(200);
        assertThat(g.get("/v23.0/" + id + "?phone_number_id=1001", "token-1").status()).isEqualTo(200);
        assertThat(g.get("/v23.0/" + id + "?phone_number_id=1002", "token-2").code()).isEqualTo(100);
        Graph.Response foreign = g.get("/v23.0/" + id, "token-3");
        assertThat(foreign.code()).isEqualTo(100);
        assertThat(foreign.json().path("error").path("error_subcode").asInt()).isEqualTo(33);
    }

    @Test
    void chunkedUploadsStreamToo() throws Exception {
        byte[] file = Uploads.concat("\r\n--".getBytes(StandardCharsets.US_ASCII), random(40_000, 5));
        Graph.Response up = Uploads.of("text/plain", file).post(emu, "1001", "token-1", true);
        assertThat(up.status()).as(up.json().toString()).isEqualTo(200);
        assertThat(g.get("/v23.0/" + up.json().path("id").asText(), "token-1").json().path("sha256").asText()).isEqualTo(sha256Hex(file));
    }

    @Test
    void deleteAnswersSuccessThenTheIdIsGone() {
        String id = upload("image/png", random(1000, 3));
        String url = g.get("/v23.0/" + id, "token-1").json().path("url").asText();
        assertThat(g.request("DELETE", "/v23.0/" + id + "?phone_number_id=1002", "token-2", null).code())
                .as("pinned to the wrong number: not deleted").isEqualTo(100);
        Graph.Response del = g.request("DELETE", "/v23.0/" + id + "?phone_number_id=1001", "token-1", null);
        assertThat(del.status()).isEqualTo(200);
        assertThat(del.json().path("success").asBoolean()).isTrue();
        Graph.Response after = g.get("/v23.0/" + id, "token-1");
        assertThat(after.status()).isEqualTo(400);
        assertThat(after.json().path("error").path("type").asText()).isEqualTo("GraphMethodException");
        assertThat(after.json().path("error").path("error_subcode").asInt()).isEqualTo(33);
        assertThat(after.json().path("error").path("message").asText()).startsWith("Unsupported get request. Object with ID '" + id + "'");
        assertThat(g.request("DELETE", "/v23.0/" + id, "token-1", null).code()).isEqualTo(100);
        assertThat(Uploads.download(url, "token-1").statusCode()).isEqualTo(404);
    }

    @Test
    void sizeLimitsPerKind() {
        Graph.Response image = Uploads.of("image/jpeg", new byte[5 * MB + 1]).post(emu, "1001", "token-1");
        assertThat(image.code()).isEqualTo(100);
        assertThat(image.json().path("error").path("error_data").path("details").asText()).startsWith("File Too Large").contains("5 MB");
        assertThat(upload("image/jpeg", new byte[5 * MB])).isNotBlank();
        // the same 6 MB is fine as a document, and audio/video stop at 16 MB
        assertThat(upload("application/pdf", new byte[6 * MB])).isNotBlank();
        assertThat(Uploads.of("video/mp4", new byte[16 * MB + 1]).post(emu, "1001", "token-1").code()).isEqualTo(100);
        assertThat(Uploads.of("audio/ogg; codecs=opus", new byte[16 * MB + 1]).post(emu, "1001", "token-1").code()).isEqualTo(100);
        // the type after the file: streamed against the largest limit, then checked
        Graph.Response late = new Uploads().field("messaging_product", "whatsapp").file("a.png", null, new byte[5 * MB + 10])
                .field("type", "image/png").post(emu, "1001", "token-1");
        assertThat(late.code()).isEqualTo(100);
        assertThat(late.json().path("error").path("error_data").path("details").asText()).startsWith("File Too Large");
        assertThat(emu.stats().number("1001").accepted()).isZero();
    }

    @Test
    void stickersAreSmallerWhenStatic() {
        assertThat(upload("image/webp", Uploads.webp(false, 100 * 1024))).isNotBlank();
        assertThat(Uploads.of("image/webp", Uploads.webp(false, 100 * 1024 + 1)).post(emu, "1001", "token-1").code()).isEqualTo(100);
        assertThat(upload("image/webp", Uploads.webp(true, 500 * 1024))).isNotBlank();
        assertThat(Uploads.of("image/webp", Uploads.webp(true, 500 * 1024 + 1)).post(emu, "1001", "token-1").code()).isEqualTo(100);
    }

    @Test
    void unsupportedTypesAndMalformedUploadsAreMetaErrors() {
        Graph.Response octet = Uploads.of("application/octet-stream", new byte[10]).post(emu, "1001", "token-1");
        assertThat(octet.status()).isEqualTo(400);
        assertThat(octet.json().path("error").path("message").asText())
                .startsWith("(#100) Param file must be a file with one of the following types: audio/aac")
                .endsWith("Received file of type 'application/octet-stream'.");
        assertThat(new Uploads().field("type", "image/png").file("a.png", "image/png", new byte[3]).post(emu, "1001", "token-1").code())
                .as("no messaging_product").isEqualTo(100);
        assertThat(new Uploads().field("messaging_product", "whatsapp").field("type", "image/png").post(emu, "1001", "token-1").code())
                .as("no file").isEqualTo(100);
        assertThat(new Uploads().field("messaging_product", "whatsapp").file("a.png", "image/png", new byte[3]).post(emu, "1001", "token-1")
                .status()).as("type taken from the file part").isEqualTo(200);
        assertThat(g.request("POST", "/v23.0/1001/media", "token-1", "{}").code()).isEqualTo(100);
        assertThat(Uploads.of("image/png", new byte[3]).post(emu, "1001", "nope").code()).isEqualTo(190);
        assertThat(Uploads.of("image/png", new byte[3]).post(emu, "1001", "token-2").code()).isEqualTo(100);
    }

    @Test
    void inboundMediaIdsResolveAndDownload() throws Exception {
        Graph.Response placeholder = g.request("POST", "/_emulator/inbound", null,
                "{\"phone_number_id\":\"1001\",\"from\":\"15551230001\",\"type\":\"image\",\"image\":{\"caption\":\"look\"}}");
        JsonNode image = placeholder.json().path("messages").get(0).path("image");
        assertThat(image.path("caption").asText()).isEqualTo("look");
        JsonNode meta = g.get("/v23.0/" + image.path("id").asText(), "token-1").json();
        assertThat(meta.path("mime_type").asText()).isEqualTo("image/jpeg").isEqualTo(image.path("mime_type").asText());
        assertThat(java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(meta.path("sha256").asText())))
                .isEqualTo(image.path("sha256").asText());
        assertThat(sha256(Uploads.download(meta.path("url").asText(), "token-1").body())).isEqualTo(image.path("sha256").asText());

        byte[] pdf = "%PDF-1.4 emulator".getBytes(StandardCharsets.US_ASCII);
        Graph.Response doc = g.request("POST", "/_emulator/inbound", null, "{\"phone_number_id\":\"1001\",\"from\":\"15551230001\","
                + "\"type\":\"document\",\"document\":{\"id\":\"777\",\"filename\":\"a.pdf\",\"mime_type\":\"application/pdf\","
                + "\"content_base64\":\"" + Base64.getEncoder().encodeToString(pdf) + "\"}}");
        JsonNode document = doc.json().path("messages").get(0).path("document");
        assertThat(document.has("content_base64")).isFalse();
        assertThat(document.path("id").asText()).isEqualTo("777");
        assertThat(document.path("filename").asText()).isEqualTo("a.pdf");
        assertThat(Uploads.download(g.get("/v23.0/777", "token-1").json().path("url").asText(), "token-1").body()).isEqualTo(pdf);

        // an id that was uploaded before is used as it is
        String uploaded = upload("image/png", random(50, 4));
        JsonNode reused = g.request("POST", "/_emulator/inbound", null, "{\"phone_number_id\":\"1001\",\"from\":\"15551230001\","
                + "\"type\":\"image\",\"image\":{\"id\":\"" + uploaded + "\"}}").json().path("messages").get(0).path("image");
        assertThat(reused.path("mime_type").asText()).isEqualTo("image/png");
        assertThat(reused.path("sha256").asText()).isEqualTo(sha256(random(50, 4)));
    }
}
