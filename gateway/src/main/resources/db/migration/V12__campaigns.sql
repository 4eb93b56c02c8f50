-- Campaigns: a template sent to an audience, expanded into the message queue in chunks.
-- Only the campaigns package reads or writes these tables (it reads messages by campaign_id).

CREATE TABLE campaigns (
    id              VARCHAR(40)  NOT NULL PRIMARY KEY,
    tenant_id       VARCHAR(64)  NOT NULL,
    name            VARCHAR(200) NOT NULL,
    template_name   VARCHAR(512) NOT NULL,
    template_lang   VARCHAR(16)  NOT NULL,
    audience_id     VARCHAR(40)  NOT NULL,
    parameters      TEXT         NOT NULL,   -- JSON array: [{"variable", "default"?} | {"text"}]
    channel_id      VARCHAR(64),
    channel_pool    TEXT,                    -- JSON array of channel ids; both NULL: every channel of the tenant
    lane            VARCHAR(8)   NOT NULL,
    start_at        BIGINT,
    state           VARCHAR(12)  NOT NULL,   -- draft, scheduled, running, paused, completed, cancelled
    state_reason    TEXT,                    -- why it was paused automatically; NULL otherwise
    targeted        BIGINT       NOT NULL,   -- the audience's contacts when it started
    expanded        BIGINT       NOT NULL,   -- contacts read so far (messages + skips)
    cursor_phone    VARCHAR(16),             -- last contact expanded (keyset cursor); NULL: none yet
    exhausted       SMALLINT     NOT NULL,   -- 1 once the cursor has read the whole audience
    created_at      BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL
);
CREATE INDEX campaigns_tenant ON campaigns (tenant_id, id);
CREATE INDEX campaigns_active ON campaigns (state) WHERE state IN ('scheduled', 'running', 'paused');

-- Recipients not messaged, each with why. The key makes a re-expanded chunk write nothing twice.
CREATE TABLE campaign_skips (
    campaign_id  VARCHAR(40)  NOT NULL,
    phone        VARCHAR(16)  NOT NULL,
    tenant_id    VARCHAR(64)  NOT NULL,
    reason       VARCHAR(32)  NOT NULL,      -- opted_out, suppressed, marketing_to_us, invalid
    detail       TEXT,
    PRIMARY KEY (campaign_id, phone)
);

-- Backpressure and completion count a campaign's unsent messages; partial, so sent ones leave it.
CREATE INDEX messages_campaign_pending ON messages (campaign_id) WHERE campaign_id IS NOT NULL AND state IN ('QUEUED', 'SENDING');
