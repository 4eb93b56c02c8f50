package dev.switchboard.emulator.webhooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The bytes of a webhook body, serialised the way Meta serialises them.
 *
 * <h2>Why not the ordinary mapper</h2>
 * Meta's webhook JSON is pure ASCII: every character above U+007F is written as a {@code \\uXXXX}
 * escape with lowercase hex digits (characters outside the BMP as their two UTF-16 surrogates,
 * {@code 😀} as {@code \\ud83d\\ude00}), and {@code /} as {@code \\/}. Meta's own guide to
 * signature checking says so, and some receivers (and client libraries) re-escape a parsed body
 * that way before computing the HMAC. A gateway that forwards webhooks must therefore reproduce
 * those bytes exactly, and it can only be tested for that against an emulator whose bodies have
 * them. Jackson's own {@code ESCAPE_NON_ASCII} writes uppercase hex, so the escaping is done
 * here, by a {@link CharacterEscapes} the generator consults for every character; the signature
 * is then computed over exactly these bytes by the dispatcher.
 */
public final class WebhookJson {
    private static final ObjectMapper MAPPER = new ObjectMapper(new JsonFactory().setCharacterEscapes(new MetaEscapes()));

    private WebhookJson() {
    }

    public static byte[] bytes(ObjectNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ASCII passes through except {@code "}, {@code \\}, {@code /} and control characters; everything else is {@code \\u} + 4 lowercase hex digits. */
    private static final class MetaEscapes extends CharacterEscapes {
        private static final int[] ASCII = asciiEscapes();

        private static int[] asciiEscapes() {
            int[] esc = CharacterEscapes.standardAsciiEscapesForJSON();
            esc['/'] = ESCAPE_CUSTOM;
            for (int c = 0; c < 0x20; c++) {
                if (c != '\b' && c != '\f' && c != '\n' && c != '\r' && c != '\t') {
                    esc[c] = ESCAPE_CUSTOM; // Jackson would write uppercase hex here
                }
            }
            return esc;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ASCII;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch == '/') {
                return new SerializedString("\\/");
            }
            if (ch < 0x20 || ch > 0x7F) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
