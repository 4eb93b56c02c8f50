package dev.switchboard.emulator.account;

import dev.switchboard.emulator.core.GraphError;
import java.util.regex.Pattern;

/**
 * Whether a number is registered with the Cloud API, and its two-step verification PIN.
 * Every configured number starts registered without a PIN (as after onboarding). The first
 * {@code register} sets the PIN; later ones must repeat it (133005). A deregistered number
 * cannot send (133010) until it registers again.
 */
public final class Registration {
    private static final Pattern PIN = Pattern.compile("\\d{6}");

    private boolean registered = true;
    private String pin;

    /** {@code POST /{phone-number-id}/register}: checks the PIN's form, then that it matches the one set. */
    public synchronized void register(String newPin) {
        if (newPin == null || newPin.isEmpty()) {
            throw GraphError.invalidParameter("The parameter pin is required.");
        }
        if (!PIN.matcher(newPin).matches()) {
            throw GraphError.invalidParameter("Param pin must be a 6-digit number.");
        }
        if (pin != null && !pin.equals(newPin)) {
            throw GraphError.pinMismatch();
        }
        pin = newPin;
        registered = true;
    }

    public synchronized void deregister() {
        registered = false;
    }

    public synchronized boolean registered() {
        return registered;
    }

    public synchronized boolean pinEnabled() {
        return pin != null;
    }

    public synchronized void reset() {
        registered = true;
        pin = null;
    }
}
