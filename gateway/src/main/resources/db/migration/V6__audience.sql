-- Who may be messaged: a tenant's opt-out list and the suppressions Meta's failures imply,
-- and each tenant's opt-out / opt-in keywords (NULL = the defaults).

CREATE TABLE suppressions (
    tenant_id       VARCHAR(64)  NOT NULL,
    user_id         VARCHAR(64)  NOT NULL,
    kind            VARCHAR(24)  NOT NULL,   -- opt_out | marketing_limit | undeliverable
    marketing_only  SMALLINT     NOT NULL,
    error_code      INTEGER,
    reason          TEXT         NOT NULL,
    until_at        BIGINT       NOT NULL,   -- 0 = until removed
    created_at      BIGINT       NOT NULL,
    PRIMARY KEY (tenant_id, user_id, kind)
);

CREATE TABLE audience_keywords (
    tenant_id       VARCHAR(64)  NOT NULL PRIMARY KEY,
    opt_out         TEXT,
    opt_in          TEXT,
    updated_at      BIGINT       NOT NULL
);
