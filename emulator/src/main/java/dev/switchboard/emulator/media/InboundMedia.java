package dev.switchboard.emulator.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * Gives an injected inbound media message (image, audio, video, document, sticker) a real media
 * object, so the id in its webhook resolves through {@code GET /{media-id}} and downloads like
 * one Meta would hand a business.
 *
 * <p>The injected object may name an {@code id} that is already stored (e.g. uploaded earlier) and
 * is then used as it is; otherwise the file is the base64 {@code content_base64} if given (an
 * emulator-only key, removed from the webhook) or a small placeholder, stored under the given
 * {@code id} or a fresh one. The webhook's {@code mime_type} and {@code sha256} are always those of
 * the stored file, so they match what a download returns.
 */
public final class InboundMedia {
    public static final Set<String> TYPES = Set.of("image", "audio", "video", "document", "sticker");
    private static final Map<String, String> DEFAULT_MIME = Map.of("image", "image/jpeg", "audio", "audio/ogg; codecs=opus",
            "video", "video/mp4", "document", "application/pdf", "sticker", "image/webp");

    private InboundMedia() {
    }

    /** The webhook object for the media message (caption, filename… kept; then mime_type, sha256, id). */
    public static ObjectNode resolve(MediaStore store, String phoneNumberId, String type, ObjectNode content) {
        String id = content.path("id").asText(null);
        MediaStore.Media m = store.get(id).orElse(null);
        if (m == null) {
            String mime = content.path("mime_type").asText(DEFAULT_MIME.get(type));
            byte[] data = content.hasNonNull("content_base64")
                    ? Base64.getDecoder().decode(content.get("content_base64").asText())
                    : ("switchboard-emulator inbound " + type + " " + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
            m = store.put(id, phoneNumberId, mime, data, content.path("filename").asText(null));
        }
        ObjectNode out = content.objectNode();
        for (Map.Entry<String, JsonNode> e : content.properties()) {
            String k = e.getKey();
            if (!k.equals("id") && !k.equals("mime_type") && !k.equals("sha256") && !k.equals("content_base64")) {
                out.set(k, e.getValue());
            }
        }
        out.put("mime_type", m.mimeType());
        out.put("sha256", m.sha256());
        out.put("id", m.id());
        return out;
    }
}
