-- Forwarding webhooks to tenants as Meta sends them.
--
-- One event per POST by default, Meta's usual shape: many receivers written for Meta read
-- entry[0].changes[0].value.statuses[0] (or messages[0]) and nothing else. An endpoint may opt
-- in to batching by raising max_events_per_post (bounded by the node's delivery.maxBatch).
-- Existing endpoints get 1 too: they were losing every event after the first of a batch.
ALTER TABLE webhook_endpoints ADD COLUMN max_events_per_post INTEGER NOT NULL DEFAULT 1;

