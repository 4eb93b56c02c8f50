-- Webhook path, part 1: the durable journal Meta's POSTs are appended to before the 200,
-- and statuses that arrived before their message's send response was recorded.

CREATE TABLE webhook_journal (
    id           BIGINT       NOT NULL PRIMARY KEY,
    received_at  BIGINT       NOT NULL,
    body         TEXT         NOT NULL,
    processed    SMALLINT     NOT NULL
);
CREATE INDEX webhook_journal_pending ON webhook_journal (processed, id);

CREATE TABLE parked_statuses (
    wamid        VARCHAR(160) NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    status_at    BIGINT       NOT NULL,
    error_code   INTEGER,
    error_title  TEXT,
    parked_at    BIGINT       NOT NULL,
    PRIMARY KEY (wamid, status)
);
