package dev.switchboard.gateway.audiences;

import dev.switchboard.gateway.intake.Rejection;

/**
 * An import that stopped early: why (the refusal the caller gets) and what was imported before
 * it stopped, which stays imported.
 */
public final class ImportRefused extends RuntimeException {
    private final transient Rejection refusal;
    private final transient ImportReport report;

    ImportRefused(Rejection refusal, ImportReport report) {
        super(refusal.getMessage(), null, false, false);
        this.refusal = refusal;
        this.report = report;
    }

    public Rejection refusal() {
        return refusal;
    }

    public ImportReport report() {
        return report;
    }
}
