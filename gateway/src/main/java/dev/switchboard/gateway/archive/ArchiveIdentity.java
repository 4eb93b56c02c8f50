package dev.switchboard.gateway.archive;

import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.store.Jdbc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.Optional;
import java.util.UUID;

/**
 * Binds an archive directory to one database. The archiver's sweep deletes every event file its
 * cursor does not cover, which is right for leftovers of a crash and catastrophic for a fresh
 * database (cursor 0) pointed at an existing archive: it would delete the lot. So the database
 * holds an id ({@code archive_state}, V5) and the directory a marker file with the same id; the
 * archiver refuses to run on a mismatch, and on a directory holding files but no marker.
 */
final class ArchiveIdentity {
    static final String MARKER = "archive-id";

    /** The directory belongs to another database (or to none we can tell). Nothing was touched. */
    static final class Mismatch extends IllegalStateException {
        Mismatch(String message) {
            super(message);
        }
    }

    private final ArchiveLayout layout;
    private final Jdbc jdbc;
    private final GroupCommitWriter writer;
    private String verified;

    ArchiveIdentity(ArchiveLayout layout, Jdbc jdbc, GroupCommitWriter writer) {
        this.layout = layout;
        this.jdbc = jdbc;
        this.writer = writer;
    }

    /** Checks (once per process, then cached) that the directory is this database's, claiming it if new. */
    void verify() throws IOException {
        if (verified != null) {
            return;
        }
        String db = databaseId().orElse(null);
        if (db == null) {
            String fresh = UUID.randomUUID().toString();
            writer.submit(b -> {
                PreparedStatement ps = b.batch("INSERT INTO archive_state (name, value) VALUES ('instance', ?)"
                        + " ON CONFLICT (name) DO NOTHING");
                ps.setString(1, fresh);
                ps.addBatch();
            }).join();
            db = databaseId().orElseThrow();
        }
        Path marker = layout.root().resolve(MARKER);
        if (Files.exists(marker)) {
            String dir = Files.readString(marker, StandardCharsets.UTF_8).trim();
            if (!dir.equals(db)) {
                throw new Mismatch("archive directory " + layout.root() + " belongs to another database (its " + MARKER
                        + " is " + dir + ", this database's archive id is " + db + "); point archive.directory elsewhere");
            }
        } else {
            if (ArchiveLayout.hasFiles(layout.events()) || ArchiveLayout.hasFiles(layout.messages())) {
                throw new Mismatch("archive directory " + layout.root() + " holds Parquet files but no " + MARKER
                        + "; it is not this database's archive. Move it away, or write " + db + " into " + marker
                        + " if it is");
            }
            Path tmp = ArchiveLayout.temporary(marker);
            Files.writeString(tmp, db + "\n", StandardCharsets.UTF_8);
            ArchiveLayout.publish(tmp, marker);
        }
        verified = db;
    }

    private Optional<String> databaseId() {
        return jdbc.one("SELECT value FROM archive_state WHERE name = 'instance'", rs -> rs.getString(1));
    }
}
