package dev.switchboard.gateway;

import dev.switchboard.gateway.config.SwitchboardConfig;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http2.Http2Config;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The listener's protocols and TLS.
 *
 * <p>Plain HTTP speaks HTTP/1.1 only: with HTTP/2 discoverable Helidon would also accept h2c
 * upgrades, and clients such as the JDK's, which try one by default, would then multiplex a
 * tenant's sends over one connection that request deadlines and load tests are not built for.
 * With {@code http.tlsCertificate} and {@code http.tlsKey} (PEM) the listener speaks HTTPS and
 * offers HTTP/2 by ALPN beside HTTP/1.1, for clients that insist on https or on h2.
 */
final class HttpListener {
    private HttpListener() {}

    static void configure(WebServerConfig.Builder server, SwitchboardConfig.Http http) {
        server.protocolsDiscoverServices(false).addProtocol(Http1Config.create());
        if (!http.tls()) {
            return;
        }
        Path cert = Path.of(http.tlsCertificate());
        Path key = Path.of(http.tlsKey());
        for (Path p : new Path[] {cert, key}) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("cannot read TLS file " + p.toAbsolutePath());
            }
        }
        Keys keys = Keys.builder()
                .pem(pem -> pem.key(Resource.create(key)).certChain(Resource.create(cert)))
                .build();
        server.addProtocol(Http2Config.create())
                .tls(Tls.builder()
                        .privateKey(keys.privateKey().orElseThrow(() -> new IllegalArgumentException("no private key in " + key)))
                        .privateKeyCertChain(keys.certChain())
                        .build());
    }
}
