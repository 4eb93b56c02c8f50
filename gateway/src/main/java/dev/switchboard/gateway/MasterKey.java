package dev.switchboard.gateway;

import dev.switchboard.gateway.config.SwitchboardConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The key that encrypts channel tokens at rest: from configuration in production; in embedded
 * (SQLite) mode a key file is created beside the data on first start so the demo needs no set-up.
 * A PostgreSQL deployment without a configured key refuses to start rather than invent one.
 */
final class MasterKey {
    private MasterKey() {}

    static byte[] load(SwitchboardConfig.Security security, SwitchboardConfig.Database database) {
        if (security.masterKey() != null && !security.masterKey().isBlank()) {
            return Base64.getDecoder().decode(security.masterKey().trim());
        }
        if (!database.isSqlite()) {
            throw new IllegalStateException("security.masterKey (SWITCHBOARD_SECURITY_MASTER_KEY) is required with PostgreSQL:"
                    + " base64 of 32 random bytes, e.g. `openssl rand -base64 32`");
        }
        Path file = Path.of(security.masterKeyFile());
        try {
            if (Files.exists(file)) {
                return Base64.getDecoder().decode(Files.readString(file).trim());
            }
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // owner-only from its first byte: created with 0600 where the file system has POSIX
            // permissions, so the key is never readable by others, not even for a moment
            try {
                Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            }
            Files.writeString(file, Base64.getEncoder().encodeToString(key));
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create master key file " + file, e);
        }
    }
}
