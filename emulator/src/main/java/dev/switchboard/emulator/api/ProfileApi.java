package dev.switchboard.emulator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.emulator.core.EmulatorCore;
import dev.switchboard.emulator.core.Json;
import dev.switchboard.emulator.core.NumberState;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * {@code /{phone-number-id}/whatsapp_business_profile} (GET with optional {@code fields}, POST to
 * update; see {@code account.BusinessProfile} for the rules) and {@code /{phone-number-id}/settings}
 * (see {@code account.NumberSettings}). A {@code profile_picture_handle} is accepted as it is
 * (the resumable-upload API that issues handles is not emulated) and reported as an emulator
 * URL that is not served.
 */
final class ProfileApi {
    private final EmulatorCore core;
    private final Supplier<String> baseUrl;

    ProfileApi(EmulatorCore core, Supplier<String> baseUrl) {
        this.core = core;
        this.baseUrl = baseUrl;
    }

    void register(HttpRouting.Builder r) {
        r.get("/{version}/{id}/whatsapp_business_profile", Http.graph(this::getProfile))
                .post("/{version}/{id}/whatsapp_business_profile", Http.graph(this::updateProfile))
                .get("/{version}/{id}/settings", Http.graph(this::getSettings))
                .post("/{version}/{id}/settings", Http.graph(this::updateSettings));
    }

    private void getProfile(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "get");
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.putArray("data").add(n.profile().toJson(Http.fields(req)));
        Http.send(res, 200, root);
    }

    private void updateProfile(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "post");
        n.profile().update(Http.json(Http.body(req)), handle -> baseUrl.get() + "/_emulator/profile-pictures/" + n.id()
                + "?handle=" + URLEncoder.encode(handle, StandardCharsets.UTF_8));
        Http.success(res);
    }

    private void getSettings(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "get");
        Http.send(res, 200, n.settings().toJson());
    }

    private void updateSettings(ServerRequest req, ServerResponse res) {
        NumberState n = Http.ownNumber(core, req, Http.id(req), "post");
        n.settings().update(Http.json(Http.body(req)));
        Http.success(res);
    }
}
