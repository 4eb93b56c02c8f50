package dev.switchboard.gateway.delivery;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Keeps tenants' webhook URLs out of the network Switchboard runs in. A tenant may point its
 * endpoint anywhere; without this, {@code http://127.0.0.1:8080/admin/...}, the cloud metadata
 * service at {@code 169.254.169.254}, {@code [::1]}, {@code 2130706433} or a {@code 10.x} host
 * would receive Switchboard's POSTs, and the dead letters would tell the tenant which internal
 * ports answer.
 *
 * <p>A host is refused when any address it resolves to is loopback, link-local, private (RFC
 * 1918, IPv6 unique-local), carrier-grade NAT, multicast or unspecified. The check runs when the
 * URL is saved and again before every POST, on the address the name resolves to then, so a
 * name that is re-pointed at an internal address after it was saved (DNS rebinding) is caught
 * too. The HTTP client resolves once more when it connects; that window is milliseconds wide.
 * Operators who deliver inside their own network say so with
 * {@code delivery.allowPrivateTargets} (the demo and the tests do).
 */
final class TargetGuard {
    private TargetGuard() {}

    /** Why {@code host} may not be posted to, or null when it may (or cannot be resolved now). */
    static String refusal(String host) {
        if (host == null || host.isBlank()) {
            return "has no host";
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost") || h.toLowerCase(java.util.Locale.ROOT).endsWith(".localhost")) {
            return "names this machine (localhost)";
        }
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(h);
        } catch (UnknownHostException e) {
            return null; // not resolvable now: the POST fails on its own, and is checked again then
        }
        for (InetAddress a : all) {
            if (internal(a)) {
                return "resolves to " + a.getHostAddress() + ", an internal address (loopback, link-local, private or"
                        + " unspecified); an operator can allow such targets with delivery.allowPrivateTargets";
            }
        }
        return null;
    }

    static boolean internal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second < 128); // "this network", carrier-grade NAT
        }
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc; // unique-local fc00::/7
        }
        return false;
    }
}
