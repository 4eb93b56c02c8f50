-- Archive: messages on their way from the hot table to Parquet.
-- Retiring a message takes three steps that cannot share one transaction (a file is written in
-- the middle): pick the batch (rows land here), write the batch's Parquet files, delete the
-- batch from messages and from here. A crash anywhere leaves the batch here, and the next run
-- finishes it: the rows are still hot and the file names derive from batch_id, so the files are
-- rewritten identically and nothing is archived twice or lost.

CREATE TABLE archive_moves (
    tenant_id    VARCHAR(64)  NOT NULL,
    message_id   VARCHAR(40)  NOT NULL,
    batch_id     BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX archive_moves_batch ON archive_moves (batch_id);

-- Which archive directory belongs to this database. The archiver deletes files its cursor does
-- not cover (they are leftovers of a crash), so pointing a fresh database at an existing archive
-- would wipe it: the directory carries this id in a marker file and the archiver refuses to
-- touch a directory whose marker names another database.
CREATE TABLE archive_state (
    name         VARCHAR(64)  NOT NULL PRIMARY KEY,
    value        VARCHAR(200) NOT NULL
);
