-- Delivery path: each tenant's webhook endpoint and the durable outbox of events forwarded to it.
-- Portable SQL, as everywhere: the same file runs on SQLite and PostgreSQL.

-- One endpoint per tenant. The signing secret is encrypted at rest with the master key (like
-- channel access tokens): it has to be recoverable to sign, so it cannot be hashed.
CREATE TABLE webhook_endpoints (
    tenant_id     VARCHAR(64)   NOT NULL PRIMARY KEY,
    url           VARCHAR(2048) NOT NULL,
    secret_enc    TEXT          NOT NULL,
    messages      SMALLINT      NOT NULL,   -- forward inbound messages: 1 / 0
    statuses      VARCHAR(8)    NOT NULL,   -- all | final | none
    account       SMALLINT      NOT NULL,   -- forward account and template events: 1 / 0
    created_at    BIGINT        NOT NULL,
    updated_at    BIGINT        NOT NULL
);

-- The outbox. A row is PENDING until its endpoint answers 2xx (then it is deleted) or its
-- horizon passes (then it is DEAD: the dead-letter list, kept for inspection and replay).
-- Ids are assigned in commit order by the delivery writer, so id order is the order events
-- entered the outbox, and the order they are delivered in per conversation.
CREATE TABLE webhook_deliveries (
    id                    BIGINT        NOT NULL PRIMARY KEY,
    tenant_id             VARCHAR(64)   NOT NULL,
    event_id              BIGINT        NOT NULL,   -- webhook_events.id it came from
    state                 VARCHAR(8)    NOT NULL,   -- PENDING | DEAD
    conversation          VARCHAR(240)  NOT NULL,   -- channel:contact; order is kept within it
    kind                  VARCHAR(16)   NOT NULL,   -- status | message | account
    field                 VARCHAR(64)   NOT NULL,   -- the change field: messages, or an account field
    waba_id               VARCHAR(64),
    channel_id            VARCHAR(64),
    display_phone_number  VARCHAR(32),
    status                VARCHAR(48),
    item                  TEXT          NOT NULL,   -- the status / message / change value, ids mapped
    attempts              INTEGER       NOT NULL,
    next_attempt_at       BIGINT        NOT NULL,
    created_at            BIGINT        NOT NULL,
    last_attempt_at       BIGINT,
    last_http_status      INTEGER,
    last_error            TEXT,
    dead_at               BIGINT
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (tenant_id, state, id);
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (state, dead_at);
