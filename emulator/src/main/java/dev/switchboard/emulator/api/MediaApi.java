package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.core.GraphError;
import dev.switchboard.emulator.core.Json;
import dev.switchboard.emulator.core.NumberState;
import dev.switchboard.emulator.media.MediaLimits;
import dev.switchboard.emulator.media.MediaStore;
import dev.switchboard.emulator.media.Upload;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Media: {@code POST /{phone-number-id}/media} (multipart {@code messaging_product}, {@code file},
 * {@code type}), {@code GET} and {@code DELETE /{media-id}} (optional {@code phone_number_id}), and
 * the download URL handed out in the metadata, which like Meta's needs the bearer token.
 *
 * <h2>Why the upload is checked while it streams</h2>
 * The file part goes straight into its {@link Upload}; a ceiling is set before its first byte:
 * the limit of the declared {@code type} if that part came first (as client libraries send it),
 * else the largest limit of any kind. The exact limit of the resolved MIME type is checked again
 * at the end (stickers: static or animated). An oversized body is drained to nowhere before the
 * 100 error is answered, so the client reads an answer rather than a reset connection.
 */
final class MediaApi {
    private static final int MAX_TEXT_PART = 64 * 1024;

    private final EmulatorCore core;
    private final Supplier<String> baseUrl;

    MediaApi(EmulatorCore core, Supplier<String> baseUrl) {
        this.core = core;
        this.baseUrl = baseUrl;
    }

    void register(HttpRouting.Builder r) {
        r.post("/{version}/{id}/media", Http.graph(this::upload))
                .get("/_emulator/media/{id}/download", Http.graph(this::download));
    }

    boolean isMedia(String id) {
        return core.media().get(id).isPresent();
    }

    private final class Parts implements MultipartReader.PartSink {
        final ByteArrayOutputStream product = new ByteArrayOutputStream();
        final ByteArrayOutputStream type = new ByteArrayOutputStream();
        boolean sawType;
        Upload file;
        String fileName;
        String fileContentType;

        @Override
        public OutputStream open(String name, String partFileName, String contentType) {
            switch (name) {
                case "messaging_product" -> {
                    return bounded(product);
                }
                case "type" -> {
                    sawType = true;
                    return bounded(type);
                }
                case "file" -> {
                    if (file != null) {
                        return null; // only the first file counts
                    }
                    MediaLimits.Kind declared = sawType ? MediaLimits.kindOf(text(type)) : null;
                    file = core.media().begin(declared != null ? MediaLimits.limit(declared) : MediaLimits.largest());
                    fileName = partFileName;
                    fileContentType = contentType;
                    return file;
                }
                default -> {
                    return null;
                }
            }
        }

        String mime() {
            String t = text(type);
            return !t.isEmpty() ? t : fileContentType;
        }
    }

    private void upload(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "post");
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        String boundary = MultipartReader.boundary(contentType);
        if (!contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data") || boundary == null) {
            throw GraphError.invalidParameter("Media upload must be multipart/form-data with a boundary.");
        }
        Parts parts = new Parts();
        boolean committed = false;
        try (InputStream in = req.content().inputStream()) {
            try {
                MultipartReader.read(in, boundary, parts);
            } catch (Upload.TooLarge e) {
                in.transferTo(OutputStream.nullOutputStream());
                throw tooLarge(parts.mime(), parts.file.size());
            } catch (IOException e) {
                throw GraphError.invalidParameter("The multipart body could not be read: " + e.getMessage());
            }
            if (parts.product.size() == 0) {
                // Graph takes any parameter from the query string as well as the body, and some
                // clients (whatsapp-api-js) send messaging_product there
                req.query().first("messaging_product").asOptional()
                        .ifPresent(p -> parts.product.writeBytes(p.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            MediaStore.Media m = validateAndCommit(n, parts);
            committed = true;
            Http.send(res, 200, Json.MAPPER.createObjectNode().put("id", m.id()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!committed && parts.file != null) {
                parts.file.abort();
            }
        }
    }

    private MediaStore.Media validateAndCommit(NumberState n, Parts parts) {
        if (!"whatsapp".equals(text(parts.product))) {
            throw GraphError.invalidParameter("The parameter messaging_product is required and must be whatsapp.");
        }
        if (parts.file == null || parts.file.size() == 0) {
            throw GraphError.invalidParameter("The parameter file is required.");
        }
        String mime = parts.mime();
        if (mime == null || mime.isBlank()) {
            throw GraphError.invalidParameter("The parameter type is required.");
        }
        MediaLimits.Kind kind = MediaLimits.kindOf(mime);
        if (kind == null) {
            throw GraphError.param("Param file must be a file with one of the following types: " + MediaLimits.supportedList()
                    + ". Received file of type '" + mime + "'.");
        }
        long limit = MediaLimits.limit(kind);
        if (kind == MediaLimits.Kind.STICKER && !MediaLimits.animatedWebp(parts.file.path())) {
            limit = MediaLimits.STATIC_STICKER;
        }
        if (parts.file.size() > limit) {
            throw tooLarge(mime, parts.file.size());
        }
        return core.media().commit(parts.file, n.id(), mime.trim(), parts.fileName);
    }

    private static GraphError tooLarge(String mime, long atLeast) {
        MediaLimits.Kind kind = MediaLimits.kindOf(mime);
        String what = kind == null ? "any file" : mime + " (" + kind.name().toLowerCase(Locale.ROOT) + ")";
        long limit = kind == null ? MediaLimits.largest() : MediaLimits.limit(kind);
        String sticker = kind == MediaLimits.Kind.STICKER ? " animated, " + MediaLimits.describe(MediaLimits.STATIC_STICKER) + " static" : "";
        return GraphError.invalidParameter("File Too Large: the maximum size for " + what + " is " + MediaLimits.describe(limit)
                + sticker + "; the file has " + (atLeast > limit ? "more than " + limit : atLeast) + " bytes.");
    }

    /** {@code GET /{media-id}}: the media's metadata and a download URL that needs the bearer token. */
    void get(ServerRequest req, ServerResponse res) {
        MediaStore.Media m = owned(req, "get");
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("messaging_product", "whatsapp");
        o.put("url", baseUrl.get() + "/_emulator/media/" + m.id() + "/download");
        o.put("mime_type", m.mimeType());
        // here Meta gives the hash in hex and the size as a string (webhooks carry the hash in base64)
        o.put("sha256", java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(m.sha256())));
        o.put("file_size", Long.toString(m.fileSize()));
        o.put("id", m.id());
        Http.send(res, 200, o);
    }

    /** {@code DELETE /{media-id}}: afterwards the id answers like any unknown object. */
    void delete(ServerRequest req, ServerResponse res) {
        MediaStore.Media m = owned(req, "delete");
        core.media().delete(m.id());
        Http.success(res);
    }

    /**
     * The media the caller may see: its token must belong to the WABA of the number the media
     * lives on, and an optional {@code phone_number_id} must be that number (Meta then refuses
     * media of other numbers).
     */
    private MediaStore.Media owned(ServerRequest req, String method) {
        String id = Http.id(req);
        String token = Http.token(core, req);
        MediaStore.Media m = core.media().get(id).orElseThrow(() -> GraphError.unknownObject(id, method));
        NumberState owner = core.number(m.phoneNumberId());
        if (owner == null || !core.tokenForWaba(token, owner.number().wabaId())) {
            throw GraphError.unknownObject(id, method);
        }
        String pnid = req.query().first("phone_number_id").orElse(null);
        if (pnid != null) {
            Http.ownNumber(core, req, pnid, method);
            if (!pnid.equals(m.phoneNumberId())) {
                throw GraphError.invalidParameter("Media " + id + " does not belong to phone number " + pnid + ".");
            }
        }
        return m;
    }

    /** The download URL: bearer token required (like Meta's lookaside URL), bytes streamed from the store. */
    private void download(ServerRequest req, ServerResponse res) {
        MediaStore.Media m;
        try {
            m = owned(req, "get");
        } catch (GraphError e) {
            if (e.code() == 190) {
                Http.error(res, e);
            } else {
                Http.plainError(res, 404, "no such media");
            }
            return;
        }
        try (InputStream in = core.media().open(m)) {
            res.header(HeaderNames.CONTENT_TYPE, m.mimeType());
            res.header(HeaderNames.CONTENT_LENGTH, Long.toString(m.fileSize()));
            try (OutputStream out = res.outputStream()) {
                in.transferTo(out);
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            Http.plainError(res, 404, "no such media");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OutputStream bounded(ByteArrayOutputStream target) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (target.size() + len > MAX_TEXT_PART) {
                    throw new IOException("form field larger than " + MAX_TEXT_PART + " bytes");
                }
                target.write(b, off, len);
            }
        };
    }

    private static String text(ByteArrayOutputStream b) {
        return b.toString(StandardCharsets.UTF_8).trim();
    }
}
