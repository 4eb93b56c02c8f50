package dev.switchboard.gateway.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.intake.TemplateComponents.Need;
import org.junit.jupiter.api.Test;

/** Meta's template components, as its listing shows them, read into what a send must carry. */
class TemplateComponentsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TemplateComponents parse(String format, String components) throws Exception {
        return TemplateComponents.parse(format, JSON.readTree(components));
    }

    @Test
    void namedBodyTextHeaderAndEveryKindOfButton() throws Exception {
        TemplateComponents c = parse("NAMED", """
                [{"type":"HEADER","format":"TEXT","text":"Order {{order_id}}"},
                 {"type":"BODY","text":"Hi {{first_name}}, order {{order_id}} ships {{ when }}; thanks {{first_name}}"},
                 {"type":"FOOTER","text":"{{not_a_parameter}} footers take none"},
                 {"type":"BUTTONS","buttons":[
                   {"type":"URL","text":"Track","url":"https://x.example/t/{{1}}"},
                   {"type":"URL","text":"Help","url":"https://x.example/help"},
                   {"type":"QUICK_REPLY","text":"Stop"},
                   {"type":"COPY_CODE","example":"SAVE20"},
                   {"type":"PHONE_NUMBER","text":"Call","phone_number":"+15550001111"},
                   {"type":"FLOW","text":"Book","flow_id":"123"},
                   {"type":"CATALOG","text":"View catalog"}]}]""");
        assertThat(c.named()).isTrue();
        assertThat(c.header().format()).isEqualTo("TEXT");
        assertThat(c.header().parameters()).containsExactly("order_id");
        assertThat(c.body()).as("distinct, in order of first appearance").containsExactly("first_name", "order_id", "when");
        assertThat(c.buttons()).extracting(TemplateComponents.Button::subType)
                .containsExactly("url", "url", "quick_reply", "copy_code", "phone_number", "flow", "catalog");
        assertThat(c.buttons()).extracting(TemplateComponents.Button::need)
                .containsExactly(Need.REQUIRED, Need.NONE, Need.OPTIONAL, Need.REQUIRED, Need.NONE, Need.OPTIONAL, Need.UNSUPPORTED);
        assertThat(c.buttons().get(3).index()).isEqualTo(3);
    }

    @Test
    void mediaAndLocationHeadersTakeNoTextAndAuthenticationCodesGoToTheirButton() throws Exception {
        TemplateComponents media = parse(null, """
                [{"type":"HEADER","format":"DOCUMENT","example":{"header_handle":["4::x"]}},{"type":"BODY","text":"Your invoice {{1}}"}]""");
        assertThat(media.parameterFormat()).isEqualTo(TemplateComponents.POSITIONAL);
        assertThat(media.header().format()).isEqualTo("DOCUMENT");
        assertThat(media.header().text()).isFalse();
        assertThat(media.header().parameters()).isEmpty();
        assertThat(media.bodyCount()).isEqualTo(1);
        assertThat(parse("POSITIONAL", "[{\"type\":\"header\",\"format\":\"location\"},{\"type\":\"body\",\"text\":\"Here\"}]").header().format())
                .isEqualTo("LOCATION");
        TemplateComponents otp = parse("POSITIONAL", """
                [{"type":"BODY","text":"{{1}} is your verification code."},
                 {"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy code"}]}]""");
        assertThat(otp.buttons().get(0).subType()).isEqualTo("url");
        assertThat(otp.buttons().get(0).need()).isEqualTo(Need.REQUIRED);
        assertThat(TemplateComponents.positional(3).body()).containsExactly("1", "2", "3");
        assertThat(parse("POSITIONAL", "[]").body()).isEmpty();
    }
}
