package dev.switchboard.gateway.store;

/** The two engines Switchboard runs on; the SQL is shared, only connection set-up differs. */
public enum Dialect {
    SQLITE,
    POSTGRES;

    public static Dialect of(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRES;
        }
        throw new IllegalArgumentException("unsupported database URL (use jdbc:sqlite: or jdbc:postgresql:): " + jdbcUrl);
    }
}
