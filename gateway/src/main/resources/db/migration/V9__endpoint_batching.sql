-- Forwarding webhooks to tenants as Meta sends them.
--
-- 1. One event per POST by default, Meta's usual shape: many receivers written for Meta read
--    entry[0].changes[0].value.statuses[0] (or messages[0]) and nothing else. An endpoint may opt
--    in to batching by raising max_events_per_post (bounded by the node's delivery.maxBatch).
--    Existing endpoints get 1 too: they were losing every event after the first of a batch.
ALTER TABLE webhook_endpoints ADD COLUMN max_events_per_post INTEGER NOT NULL DEFAULT 1;

-- 2. The rest of the change value that carried an event, as Meta sent it: messaging_product,
--    metadata, the sender's contacts[] entry (wa_id and profile.name) and any other member Meta
--    puts beside statuses[] / messages[], with the item's own array left empty so the member
--    order stays Meta's. The forwarded change is this frame with the event put back in its array.
--    NULL for events Meta did not send (Switchboard's own failures) and for rows written before
--    this migration: those are forwarded in the plain shape the frame would have had.
ALTER TABLE webhook_events ADD COLUMN value_frame TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN value_frame TEXT;
