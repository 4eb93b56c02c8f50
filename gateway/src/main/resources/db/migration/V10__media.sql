-- Which tenant and number each Cloud API media id belongs to: ids a tenant uploaded through
-- Switchboard and ids that arrived in its inbound messages. A media id is only served to the
-- tenant that owns it, with the token of the number it belongs to.

CREATE TABLE media (
    media_id         VARCHAR(128) NOT NULL PRIMARY KEY,
    tenant_id        VARCHAR(64)  NOT NULL,
    phone_number_id  VARCHAR(64)  NOT NULL,
    created_at       BIGINT       NOT NULL
);
