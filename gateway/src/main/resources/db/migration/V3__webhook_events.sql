-- Webhook path, part 2: the event log. The journal processor turns each raw payload into one
-- row per status, inbound message or account signal, resolved to its tenant, channel and
-- Switchboard message id, in the same transaction that applies it. Downstream consumers (the
-- tenant delivery outbox, the Parquet archive) read the log in id order with their own cursor.

CREATE TABLE webhook_events (
    id           BIGINT       NOT NULL PRIMARY KEY,
    received_at  BIGINT       NOT NULL,
    event_at     BIGINT       NOT NULL,
    kind         VARCHAR(16)  NOT NULL,   -- status | message | account
    tenant_id    VARCHAR(64),
    channel_id   VARCHAR(64),
    message_id   VARCHAR(64),             -- Switchboard's id, when known
    wamid        VARCHAR(160),
    contact      VARCHAR(32),             -- the user: recipient of a status, sender of a message
    status       VARCHAR(48),             -- sent/delivered/read/failed; message type; account field
    error_code   INTEGER,
    error_title  TEXT,
    payload      TEXT         NOT NULL,   -- the status / message / change value object, as Meta sent it
    dedup_key    VARCHAR(220)
);
-- Meta's duplicates and journal replays collapse on this key.
CREATE UNIQUE INDEX webhook_events_dedup ON webhook_events (dedup_key);
CREATE INDEX webhook_events_tenant ON webhook_events (tenant_id, id);

CREATE TABLE event_cursors (
    consumer     VARCHAR(64)  NOT NULL PRIMARY KEY,
    position     BIGINT       NOT NULL
);
