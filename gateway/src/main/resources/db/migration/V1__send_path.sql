-- Switchboard schema, part 1: tenancy and the send path.
-- The same file runs on SQLite and PostgreSQL: only portable types (VARCHAR, TEXT, INTEGER,
-- BIGINT, SMALLINT), times as epoch milliseconds, no engine-specific defaults.
-- Every table carries tenant_id so the schema distributes by tenant unchanged.

CREATE TABLE tenants (
    id                   VARCHAR(64)  NOT NULL PRIMARY KEY,
    name                 VARCHAR(200) NOT NULL,
    state                VARCHAR(16)  NOT NULL,
    ingress_per_second   INTEGER      NOT NULL,
    max_queued           BIGINT       NOT NULL,
    created_at           BIGINT       NOT NULL,
    updated_at           BIGINT       NOT NULL
);

CREATE TABLE api_keys (
    id           VARCHAR(64)  NOT NULL PRIMARY KEY,
    tenant_id    VARCHAR(64)  NOT NULL,
    key_hash     VARCHAR(64)  NOT NULL,
    key_prefix   VARCHAR(16)  NOT NULL,
    name         VARCHAR(200),
    state        VARCHAR(16)  NOT NULL,
    created_at   BIGINT       NOT NULL
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE channels (
    phone_number_id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    tenant_id             VARCHAR(64)  NOT NULL,
    display_phone_number  VARCHAR(32),
    waba_id               VARCHAR(64)  NOT NULL,
    portfolio_id          VARCHAR(64)  NOT NULL,
    access_token_enc      TEXT         NOT NULL,
    ceiling_mps           INTEGER      NOT NULL,
    tier                  VARCHAR(32)  NOT NULL,
    quality               VARCHAR(16)  NOT NULL,
    state                 VARCHAR(16)  NOT NULL,
    state_reason          TEXT,
    created_at            BIGINT       NOT NULL,
    updated_at            BIGINT       NOT NULL
);
CREATE INDEX channels_tenant ON channels (tenant_id);

CREATE TABLE templates (
    tenant_id        VARCHAR(64)  NOT NULL,
    waba_id          VARCHAR(64)  NOT NULL,
    name             VARCHAR(512) NOT NULL,
    language         VARCHAR(16)  NOT NULL,
    category         VARCHAR(20)  NOT NULL,
    status           VARCHAR(20)  NOT NULL,
    parameter_count  INTEGER      NOT NULL,
    synced_at        BIGINT       NOT NULL,
    PRIMARY KEY (waba_id, name, language)
);

CREATE TABLE messages (
    id                VARCHAR(40)  NOT NULL PRIMARY KEY,
    tenant_id         VARCHAR(64)  NOT NULL,
    channel_id        VARCHAR(64)  NOT NULL,
    seq               BIGINT       NOT NULL,
    lane              SMALLINT     NOT NULL,
    recipient         VARCHAR(64)  NOT NULL,
    payload           TEXT         NOT NULL,
    state             VARCHAR(12)  NOT NULL,
    category          VARCHAR(20),
    template_name     VARCHAR(512),
    campaign_id       VARCHAR(64),
    metadata          TEXT,
    idempotency_key   VARCHAR(255),
    wamid             VARCHAR(160),
    attempts          INTEGER      NOT NULL,
    next_attempt_at   BIGINT,
    expires_at        BIGINT,
    last_error_code   INTEGER,
    last_error        TEXT,
    dead_lettered     SMALLINT     NOT NULL,
    accepted_at       BIGINT       NOT NULL,
    sending_at        BIGINT,
    sent_at           BIGINT,
    delivered_at      BIGINT,
    read_at           BIGINT,
    failed_at         BIGINT,
    expired_at        BIGINT,
    cancelled_at      BIGINT
);
CREATE INDEX messages_queue ON messages (channel_id, lane, state, seq);
CREATE INDEX messages_tenant_time ON messages (tenant_id, accepted_at);
CREATE INDEX messages_tenant_state ON messages (tenant_id, state);
CREATE INDEX messages_tenant_recipient ON messages (tenant_id, recipient, accepted_at);
CREATE INDEX messages_tenant_campaign ON messages (tenant_id, campaign_id);
CREATE INDEX messages_wamid ON messages (wamid);
CREATE INDEX messages_state_expiry ON messages (state, expires_at);

CREATE TABLE idempotency_keys (
    tenant_id     VARCHAR(64)  NOT NULL,
    idem_key      VARCHAR(255) NOT NULL,
    request_hash  VARCHAR(64)  NOT NULL,
    response      TEXT         NOT NULL,
    created_at    BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_created ON idempotency_keys (created_at);

-- The 24-hour customer-service window per (channel, user), fed by inbound messages.
CREATE TABLE service_windows (
    channel_id        VARCHAR(64)  NOT NULL,
    user_id           VARCHAR(64)  NOT NULL,
    tenant_id         VARCHAR(64)  NOT NULL,
    last_inbound_at   BIGINT       NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
