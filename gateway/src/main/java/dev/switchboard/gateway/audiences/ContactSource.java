package dev.switchboard.gateway.audiences;

/**
 * Where an import's rows come from: an upload read incrementally (CSV, JSON) or contacts already
 * parsed. A source feeds every row it finds to the import, refused ones included, and throws a
 * {@link dev.switchboard.gateway.intake.Rejection} only when it cannot go on at all (no header, a
 * quote that never closes, broken JSON, a body over its cap, a connection cut).
 */
@FunctionalInterface
interface ContactSource {
    void readInto(ContactImport sink);
}
