-- Campaign audiences: named contact lists a tenant uploads (CSV or JSON) and campaigns reuse.
-- Only the audiences package reads or writes these tables.

CREATE TABLE audiences (
    id               VARCHAR(40)  NOT NULL PRIMARY KEY,
    tenant_id        VARCHAR(64)  NOT NULL,
    name             VARCHAR(200) NOT NULL,
    default_country  VARCHAR(2),              -- ISO 3166 region for numbers written without +country
    contact_count    BIGINT       NOT NULL,   -- kept in the transaction of every insert
    last_import      TEXT,                    -- the latest import's report, as JSON
    created_at       BIGINT       NOT NULL,
    updated_at       BIGINT       NOT NULL,
    deleted_at       BIGINT       NOT NULL    -- 0 = live; otherwise its contacts are being purged
);
CREATE INDEX audiences_tenant ON audiences (tenant_id, id);

-- One row per distinct phone of an audience. The primary key is the dedupe (INSERT ... ON
-- CONFLICT DO NOTHING) and the order of the streaming cursor (keyset by phone).
CREATE TABLE audience_contacts (
    audience_id  VARCHAR(40)  NOT NULL,
    phone        VARCHAR(16)  NOT NULL,       -- E.164 digits without '+'
    tenant_id    VARCHAR(64)  NOT NULL,
    variables    TEXT,                        -- JSON object of string values; NULL when none
    PRIMARY KEY (audience_id, phone)
);
