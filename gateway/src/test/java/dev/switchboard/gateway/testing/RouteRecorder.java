package dev.switchboard.gateway.testing;

import dev.switchboard.gateway.Switchboard;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The route table a node really registers, read by handing each mounted service this recorder as
 * its {@link HttpRules}: every {@code get/post/.../any(path, ...)} and {@code route(method, path,
 * handler)} is written down as method and prefix-joined path, nested services are followed, and
 * paths come out in OpenAPI's template form ({@code {name:regex}} becomes {@code {name}}).
 *
 * <p>A route it cannot read back as a path — an {@link HttpRoute}, a {@code PathMatcher}, a route
 * without a path — fails at once rather than slipping past the check; so do Helidon path features
 * OpenAPI has no form for (wildcards, optional sections, greedy {@code {+name}}).
 */
public final class RouteRecorder implements HttpRules {
    /** One registered route; {@code method} is {@code ANY} for a route that takes every method. */
    public record Route(String method, String path) implements Comparable<Route> {
        @Override
        public int compareTo(Route o) {
            int c = path.compareTo(o.path);
            return c != 0 ? c : method.compareTo(o.method);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final String prefix;
    private final Set<Route> routes;

    private RouteRecorder(String prefix, Set<Route> routes) {
        this.prefix = prefix;
        this.routes = routes;
    }

    /** Every route of {@code mounts}, as the node registers them. */
    public static SortedSet<Route> of(List<Switchboard.Mount> mounts) {
        SortedSet<Route> routes = new TreeSet<>();
        for (Switchboard.Mount m : mounts) {
            m.service().routing(new RouteRecorder(join("", m.prefix()), routes));
        }
        return routes;
    }

    /** Every route of {@code service} mounted under {@code prefix}. */
    public static SortedSet<Route> of(String prefix, HttpService service) {
        return of(List.of(new Switchboard.Mount(prefix, service)));
    }

    @Override
    public HttpRules register(HttpService... services) {
        for (HttpService s : services) {
            s.routing(this);
        }
        return this;
    }

    @Override
    public HttpRules register(String path, HttpService... services) {
        RouteRecorder nested = new RouteRecorder(join(prefix, path), routes);
        for (HttpService s : services) {
            s.routing(nested);
        }
        return this;
    }

    @Override
    public HttpRules route(HttpRoute route) {
        throw new AssertionError("a route was registered as an HttpRoute (or with a PathMatcher, or without a path) under '"
                + prefix + "': its method and path cannot be read back for the OpenAPI check; register it with"
                + " get/post/put/patch/delete(path, handler) instead");
    }

    @Override
    public HttpRules route(Method method, String path, Handler handler) {
        return record(method.text(), path);
    }

    @Override
    public HttpRules get(String path, Handler... handlers) {
        return record("GET", path);
    }

    @Override
    public HttpRules post(String path, Handler... handlers) {
        return record("POST", path);
    }

    @Override
    public HttpRules put(String path, Handler... handlers) {
        return record("PUT", path);
    }

    @Override
    public HttpRules delete(String path, Handler... handlers) {
        return record("DELETE", path);
    }

    @Override
    public HttpRules patch(String path, Handler... handlers) {
        return record("PATCH", path);
    }

    @Override
    public HttpRules head(String path, Handler... handlers) {
        return record("HEAD", path);
    }

    @Override
    public HttpRules options(String path, Handler... handlers) {
        return record("OPTIONS", path);
    }

    @Override
    public HttpRules trace(String path, Handler... handlers) {
        return record("TRACE", path);
    }

    @Override
    public HttpRules any(String path, Handler... handlers) {
        return record("ANY", path);
    }

    private HttpRules record(String method, String path) {
        routes.add(new Route(method, openApiPath(join(prefix, path))));
        return this;
    }

    /** {@code prefix} and {@code path} as Helidon joins them: {@code /v1} and {@code /messages} make {@code /v1/messages}. */
    static String join(String prefix, String path) {
        String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (path == null || path.isEmpty() || path.equals("/")) {
            return p.isEmpty() ? "/" : p;
        }
        return p + (path.startsWith("/") ? path : "/" + path);
    }

    /** Helidon's template to OpenAPI's: {@code /{version:v\d+\.\d+}/{id}} becomes {@code /{version}/{id}}. */
    public static String openApiPath(String helidon) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < helidon.length()) {
            char c = helidon.charAt(i);
            if (c == '*' || c == '[' || c == ']') {
                throw new AssertionError("path '" + helidon + "' uses '" + c + "' (a wildcard or optional section), which"
                        + " OpenAPI cannot describe as one path");
            }
            if (c != '{') {
                out.append(c);
                i++;
                continue;
            }
            int end = closingBrace(helidon, i);
            String param = helidon.substring(i + 1, end);
            int colon = param.indexOf(':');
            String name = colon < 0 ? param : param.substring(0, colon);
            if (name.isEmpty() || name.startsWith("+")) {
                throw new AssertionError("path '" + helidon + "' has a parameter '{" + param + "}' OpenAPI cannot describe");
            }
            out.append('{').append(name).append('}');
            i = end + 1;
        }
        return out.toString();
    }

    /** The brace that closes the parameter opened at {@code open}; a regex may nest braces ({@code {id:\d{3}}}). */
    private static int closingBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new AssertionError("path '" + s + "' has an unclosed '{'");
    }
}
