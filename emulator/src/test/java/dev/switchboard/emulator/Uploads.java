package dev.switchboard.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds multipart/form-data bodies for the media endpoint and posts them (fixed length or chunked). */
final class Uploads {
    private final String boundary = "----switchboard" + System.nanoTime();
    private final List<byte[]> parts = new ArrayList<>();

    Uploads field(String name, String value) {
        parts.add(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        return this;
    }

    Uploads file(String fileName, String contentType, byte[] data) {
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n"
                + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n") + "\r\n";
        parts.add(concat(head.getBytes(StandardCharsets.UTF_8), data, "\r\n".getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    /** The usual upload: messaging_product, type, then the file. */
    static Uploads of(String type, byte[] data) {
        return new Uploads().field("messaging_product", "whatsapp").field("type", type).file("f.bin", type, data);
    }

    byte[] body() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    Graph.Response post(Emulator emu, String phoneNumberId, String token, boolean chunked) {
        byte[] body = body();
        HttpRequest.BodyPublisher publisher = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        try {
            HttpResponse<byte[]> r = Graph.CLIENT.send(HttpRequest.newBuilder(URI.create(emu.baseUrl() + "/v23.0/" + phoneNumberId + "/media"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(publisher).build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = Graph.MAPPER.readTree(r.body());
            return new Graph.Response(r.statusCode(), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Graph.Response post(Emulator emu, String phoneNumberId, String token) {
        return post(emu, phoneNumberId, token, false);
    }

    /** GET with a bearer token (or none), raw bytes back. */
    static HttpResponse<byte[]> download(String url, String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            return Graph.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static byte[] concat(byte[]... arrays) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] a : arrays) {
            out.writeBytes(a);
        }
        return out.toByteArray();
    }

    /** A WebP header: animated ({@code VP8X} with the animation flag) or static, padded to {@code size} bytes. */
    static byte[] webp(boolean animated, int size) {
        byte[] b = new byte[size];
        byte[] riff = "RIFF".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(riff, 0, b, 0, 4);
        System.arraycopy("WEBPVP8".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 7);
        b[15] = (byte) (animated ? 'X' : ' ');
        b[20] = (byte) (animated ? 0x02 : 0);
        return b;
    }
}
