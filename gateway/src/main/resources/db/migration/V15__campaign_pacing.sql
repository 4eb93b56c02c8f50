-- Campaign pacing (issue 11): sending window, rate cap, spend cap, and the spend counted from
-- the pricing of status webhooks. Only the campaigns package reads or writes these tables.

-- A campaign's optional limits; no row: none. Written with the campaign, in its transaction.
CREATE TABLE campaign_pacing (
    campaign_id       VARCHAR(40)  NOT NULL PRIMARY KEY,
    tenant_id         VARCHAR(64)  NOT NULL,
    window_tz         VARCHAR(64),             -- IANA zone; NULL: no sending window
    window_from       INTEGER,                 -- minutes after local midnight the window opens
    window_to         INTEGER,                 -- minutes after local midnight it closes (before window_from: overnight)
    window_days       INTEGER,                 -- bit mask of the days it opens on, Monday = 1 … Sunday = 64
    max_per_second    DOUBLE PRECISION,        -- rate cap; NULL: none
    spend_cap_micros  BIGINT,                  -- spend cap in millionths of spend_currency; NULL: none
    spend_currency    VARCHAR(3)
);

-- One row per campaign message Meta bills, at its first status with pricing.billable = true:
-- the key makes the sent, delivered and read statuses (and Meta's duplicates) one charge.
CREATE TABLE campaign_charges (
    message_id     VARCHAR(64)  NOT NULL PRIMARY KEY,
    campaign_id    VARCHAR(40)  NOT NULL,
    category       VARCHAR(32)  NOT NULL,      -- Meta's pricing category: marketing, utility, …
    amount_micros  BIGINT       NOT NULL,      -- the operator's price for it (pricing.rates), millionths
    charged_at     BIGINT       NOT NULL
);

-- The running total of campaign_charges per campaign, moved in the same statement batch as each
-- charge, so the expander's spend check is one key lookup rather than a sum over a million rows.
CREATE TABLE campaign_spend (
    campaign_id      VARCHAR(40)  NOT NULL PRIMARY KEY,
    billed_micros    BIGINT       NOT NULL,
    billed_messages  BIGINT       NOT NULL
);
