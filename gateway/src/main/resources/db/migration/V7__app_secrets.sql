-- Meta signs each webhook with the secret of the app the number is connected to. Channels
-- connected to another app than the global one carry that app's secret here (encrypted with
-- the master key), and the journal remembers which secret a payload was signed with, so a
-- payload signed by one app can only speak for that app's channels.

CREATE TABLE channel_app_secrets (
    phone_number_id  VARCHAR(64)  NOT NULL PRIMARY KEY,
    secret_enc       TEXT         NOT NULL,
    updated_at       BIGINT       NOT NULL
);

ALTER TABLE webhook_journal ADD COLUMN signer VARCHAR(64);
