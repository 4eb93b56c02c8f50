package dev.switchboard.gateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Template changes made at "Meta" (the emulator's Graph API, with the number's own token), behind
 * Switchboard's back: what a business does in WhatsApp Manager.
 */
final class MetaTemplates {
    private MetaTemplates() {
    }

    /** Creates a template (approved at once: the harness's emulator has no review delay) in the channel's WABA. */
    static void create(Harness h, String channel, String templateJson) {
        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(h.emulator.baseUrl() + "/v23.0/waba-" + channel
                        + "/message_templates")).header("Authorization", "Bearer token-" + channel).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(templateJson)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    static void delete(Harness h, String channel, String name) {
        HttpResponse<String> r = Harness.send(HttpRequest.newBuilder(URI.create(h.emulator.baseUrl() + "/v23.0/waba-" + channel
                + "/message_templates?name=" + name)).header("Authorization", "Bearer token-" + channel).DELETE());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /** A MARKETING template with named body parameters, an IMAGE header and a dynamic URL button plus a quick reply. */
    static String springPromo(String name) {
        return """
                {"name":"%s","language":"en_US","category":"MARKETING","parameter_format":"NAMED","components":[
                  {"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW1n"]}},
                  {"type":"BODY","text":"Hi {{first_name}}, {{code}} takes 20%% off today",
                   "example":{"body_text_named_params":[{"param_name":"first_name","example":"Asha"},{"param_name":"code","example":"SPRING"}]}},
                  {"type":"FOOTER","text":"Reply STOP to opt out"},
                  {"type":"BUTTONS","buttons":[{"type":"URL","text":"Shop","url":"https://shop.example/p/{{1}}","example":["sku-1"]},
                                               {"type":"QUICK_REPLY","text":"Stop promotions"}]}]}""".formatted(name);
    }

    /** A UTILITY template with positional parameters, a TEXT header with its own parameter, a copy-code and a static URL button. */
    static String ticketNotice(String name) {
        return """
                {"name":"%s","language":"en_US","category":"UTILITY","components":[
                  {"type":"HEADER","format":"TEXT","text":"Ticket {{1}}","example":{"header_text":["T-1"]}},
                  {"type":"BODY","text":"Hi {{1}}, your seat is {{2}}.","example":{"body_text":[["Asha","A1"]]}},
                  {"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"GATE42"},
                                               {"type":"URL","text":"Venue","url":"https://venue.example/map"}]}]}""".formatted(name);
    }
}
