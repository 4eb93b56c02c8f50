package dev.switchboard.gateway.campaigns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.intake.Rejection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing, storing and rendering a campaign's mapping (what {@code CampaignTemplateTest} does not reach over HTTP). */
class TemplateMappingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TemplateMapping parse(String s) throws Exception {
        return TemplateMapping.parse(JSON.readTree(s));
    }

    @Test
    void campaignsStoredBeforeMappingsKeepTheirPositionalBody() {
        // what CampaignStore wrote for List<Campaign.Param> before: Jackson's record form
        TemplateMapping m = TemplateMapping.read("[{\"variable\":\"name\",\"defaultValue\":\"friend\",\"text\":null},"
                + "{\"variable\":null,\"defaultValue\":null,\"text\":\"#42\"}]", JSON);
        assertThat(m.toJson(JSON).toString()).isEqualTo("[{\"variable\":\"name\",\"default\":\"friend\"},{\"text\":\"#42\"}]");
        JsonNode c = m.components(Map.of(), JSON);
        assertThat(c.toString()).isEqualTo("[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"friend\"},"
                + "{\"type\":\"text\",\"text\":\"#42\"}]}]");
        assertThat(TemplateMapping.read("[]", JSON).isEmpty()).isTrue();
    }

    @Test
    void mediaByVariableOrIdAndLocationHeadersRenderAsMetaTakesThem() throws Exception {
        TemplateMapping doc = parse("{\"header\":{\"type\":\"document\",\"variable\":\"invoice_url\",\"filename\":\"invoice.pdf\"},"
                + "\"buttons\":[{\"index\":\"1\",\"sub_type\":\"QUICK_REPLY\",\"variable\":\"ref\",\"default\":\"none\"}]}");
        assertThat(doc.missingVariable(Map.of("ref", "r1"))).isEqualTo("invoice_url");
        assertThat(doc.missingVariable(Map.of("invoice_url", "https://x.example/i.pdf"))).isNull();
        JsonNode c = doc.components(Map.of("invoice_url", "https://x.example/i.pdf"), JSON);
        assertThat(c.get(0).toString()).isEqualTo("{\"type\":\"header\",\"parameters\":[{\"type\":\"document\",\"document\":"
                + "{\"link\":\"https://x.example/i.pdf\",\"filename\":\"invoice.pdf\"}}]}");
        assertThat(c.get(1).toString()).isEqualTo("{\"type\":\"button\",\"sub_type\":\"quick_reply\",\"index\":\"1\","
                + "\"parameters\":[{\"type\":\"payload\",\"payload\":\"none\"}]}");
        assertThat(TemplateMapping.read(doc.toJson(JSON).toString(), JSON).toJson(JSON)).as("stored as it reads back").isEqualTo(doc.toJson(JSON));

        TemplateMapping video = parse("{\"header\":{\"type\":\"video\",\"id\":\"1234567890\"}}");
        assertThat(video.components(Map.of(), JSON).get(0).path("parameters").get(0).path("video").path("id").asText()).isEqualTo("1234567890");
        TemplateMapping place = parse("{\"header\":{\"type\":\"location\",\"latitude\":18.52,\"longitude\":73.85,\"name\":\"Hall\"}}");
        JsonNode loc = place.components(Map.of(), JSON).get(0).path("parameters").get(0).path("location");
        assertThat(loc.path("latitude").asDouble()).isEqualTo(18.52);
        assertThat(loc.path("name").asText()).isEqualTo("Hall");
        assertThat(TemplateMapping.read(place.toJson(JSON).toString(), JSON).toJson(JSON)).isEqualTo(place.toJson(JSON));
    }

    @Test
    void malformedMappingsNameTheField() {
        assertThatThrownBy(() -> parse("{\"header\":{\"type\":\"image\",\"link\":\"https://x.example/a.jpg\",\"id\":\"1\"}}"))
                .isInstanceOf(Rejection.class).hasMessageContaining("parameters.header");
        assertThatThrownBy(() -> parse("{\"header\":{\"type\":\"location\",\"latitude\":91,\"longitude\":0}}"))
                .isInstanceOf(Rejection.class).hasMessageContaining("latitude");
        assertThatThrownBy(() -> parse("{\"buttons\":[{\"index\":0,\"sub_type\":\"url\",\"text\":\"a\"},{\"index\":0,\"sub_type\":\"url\",\"text\":\"b\"}]}"))
                .isInstanceOf(Rejection.class).hasMessageContaining("parameters.buttons[1].index");
        assertThatThrownBy(() -> parse("{\"body\":[{\"name\":\"First\",\"variable\":\"x\"}]}"))
                .isInstanceOf(Rejection.class).hasMessageContaining("parameters.body[0].name");
        assertThatThrownBy(() -> parse("[{\"variable\":\"x\",\"text\":\"y\"}]"))
                .isInstanceOf(Rejection.class).hasMessageContaining("exactly one of variable or text");
    }
}
