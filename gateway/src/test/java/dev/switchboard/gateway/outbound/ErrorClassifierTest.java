package dev.switchboard.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every code of the error table in CLOUD-API.md, mapped to what a sender must do. */
class ErrorClassifierTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // throughput, pair rate, call-rate limits
        "130429, THROTTLE_NUMBER",
        "131056, PAIR_BACKOFF",
        "4, CHANNEL_BACKOFF",
        "80007, CHANNEL_BACKOFF",
        // spam rate limit: pause the number / campaign
        "131048, PAUSE_MARKETING",
        // never retry
        "131049, FAIL",
        "131050, FAIL",
        "131026, FAIL",
        "131047, FAIL",
        "131051, FAIL",
        "132000, FAIL",
        "132001, FAIL",
        "132005, FAIL",
        "132007, FAIL",
        "132012, FAIL",
        "132016, FAIL",
        "133010, FAIL",
        "100, FAIL",
        "131008, FAIL",
        "131009, FAIL",
        "131021, FAIL",
        "130497, FAIL",
        "130403, FAIL",
        // hold and retry much later
        "132015, HOLD",
        "131064, HOLD",
        // transient: retry with backoff
        "131000, RETRY",
        "131016, RETRY",
        "1, RETRY",
        "2, RETRY",
        "133004, RETRY",
        "131057, RETRY",
        // token / auth / permission / payment / restriction: stop the channel
        "190, STOP_CHANNEL",
        "0, STOP_CHANNEL",
        "10, STOP_CHANNEL",
        "200, STOP_CHANNEL",
        "250, STOP_CHANNEL",
        "299, STOP_CHANNEL",
        "368, STOP_CHANNEL",
        "131031, STOP_CHANNEL",
        "131042, STOP_CHANNEL",
    })
    void mapsTheDocumentedCodes(int code, ErrorAction expected) {
        assertThat(ErrorClassifier.classify(code)).isEqualTo(expected);
    }

    @Test
    void unknownCodesFailRatherThanRetry() {
        assertThat(ErrorClassifier.classify(199)).isEqualTo(ErrorAction.FAIL);
        assertThat(ErrorClassifier.classify(300)).isEqualTo(ErrorAction.FAIL);
        assertThat(ErrorClassifier.classify(999_999)).isEqualTo(ErrorAction.FAIL);
    }

    @Test
    void mediaUploadFailureIsNotRetriedBlindly() {
        // 131053 "fix media; sometimes transient": retrying it blindly would loop on a bad URL
        assertThat(ErrorClassifier.classify(131053)).isEqualTo(ErrorAction.FAIL);
    }

    @Test
    void transportFailuresWithoutAMetaBody() {
        assertThat(ErrorClassifier.classifyTransport(0)).isEqualTo(ErrorAction.RETRY);
        assertThat(ErrorClassifier.classifyTransport(500)).isEqualTo(ErrorAction.RETRY);
        assertThat(ErrorClassifier.classifyTransport(502)).isEqualTo(ErrorAction.RETRY);
        assertThat(ErrorClassifier.classifyTransport(503)).isEqualTo(ErrorAction.RETRY);
        assertThat(ErrorClassifier.classifyTransport(429)).isEqualTo(ErrorAction.RETRY);
        assertThat(ErrorClassifier.classifyTransport(408)).isEqualTo(ErrorAction.RETRY);
        assertThat(ErrorClassifier.classifyTransport(400)).isEqualTo(ErrorAction.FAIL);
        assertThat(ErrorClassifier.classifyTransport(404)).isEqualTo(ErrorAction.FAIL);
    }
}
