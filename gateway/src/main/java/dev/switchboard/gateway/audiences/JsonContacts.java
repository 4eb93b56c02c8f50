package dev.switchboard.gateway.audiences;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.api.HttpIo;
import dev.switchboard.gateway.intake.Rejection;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Contacts as JSON: {@code [{"phone":"…", "name":"…", …}, …]} or {@code {"contacts":[…]}}.
 * Each contact is an object with {@code phone}; its other members are variables (strings, or
 * numbers and booleans kept as their text; null is left out). A body is parsed with Jackson's
 * streaming parser, one contact object at a time, so an upload of any length needs the memory
 * of one contact; contacts already parsed (the create call's) go through the same rules.
 * A contact that breaks them is an invalid row at its index; JSON that stops being JSON stops the
 * import there.
 */
final class JsonContacts implements ContactSource {
    private final ObjectMapper json;
    private final InputStream in;
    private final JsonNode parsed;

    private JsonContacts(ObjectMapper json, InputStream in, JsonNode parsed) {
        this.json = json;
        this.in = in;
        this.parsed = parsed;
    }

    /** A body still to be read. */
    static JsonContacts streamed(ObjectMapper json, InputStream in) {
        return new JsonContacts(json, in, null);
    }

    /** An array already parsed. */
    static JsonContacts parsed(JsonNode array) {
        return new JsonContacts(null, null, array);
    }

    @Override
    public void readInto(ContactImport sink) {
        if (parsed != null) {
            long index = 0;
            for (JsonNode c : parsed) {
                contact(sink, index++, c);
            }
            return;
        }
        try (JsonParser p = json.createParser(in)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.START_ARRAY) {
                array(sink, p);
            } else if (first == JsonToken.START_OBJECT) {
                boolean found = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if ("contacts".equals(field) && value == JsonToken.START_ARRAY) {
                        array(sink, p);
                        found = true;
                    } else {
                        p.skipChildren();
                    }
                }
                if (!found) {
                    throw Rejection.missing("contacts");
                }
            } else {
                throw Rejection.badJson("expected an array of contacts, or {\"contacts\":[...]}");
            }
        } catch (BoundedInput.TooLarge e) {
            throw Uploads.readFailure(e);
        } catch (JsonProcessingException e) {
            throw HttpIo.badJson(e);
        } catch (IOException e) {
            throw Uploads.readFailure(e);
        }
    }

    private static void array(ContactImport sink, JsonParser p) throws IOException {
        long index = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == null) {
                throw Rejection.badJson("the contacts array does not close");
            }
            contact(sink, index++, p.readValueAsTree());
        }
    }

    private static void contact(ContactImport sink, long index, JsonNode c) {
        if (!c.isObject()) {
            sink.invalid(index, c.isValueNode() ? c.asText() : null, "not an object");
            return;
        }
        JsonNode phone = c.get("phone");
        if (phone == null || !(phone.isTextual() || phone.isIntegralNumber())) {
            sink.invalid(index, null, phone == null || phone.isNull() ? "phone is missing" : "phone must be a string");
            return;
        }
        if (c.size() > CsvContacts.MAX_COLUMNS) {
            sink.invalid(index, phone.asText(), "has more than " + CsvContacts.MAX_COLUMNS + " variables");
            return;
        }
        Map<String, String> variables = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : c.properties()) {
            JsonNode v = f.getValue();
            if (f.getKey().equals("phone") || v.isNull()) {
                continue;
            }
            if (!v.isValueNode()) {
                sink.invalid(index, phone.asText(), "variable '" + f.getKey() + "' must be a string, number or boolean");
                return;
            }
            if (f.getKey().isBlank() || f.getKey().length() > CsvContacts.MAX_NAME_CHARS) {
                sink.invalid(index, phone.asText(), "a variable's name must have 1 to " + CsvContacts.MAX_NAME_CHARS + " characters");
                return;
            }
            variables.put(f.getKey(), v.asText());
        }
        sink.row(index, phone.asText(), variables);
    }
}
