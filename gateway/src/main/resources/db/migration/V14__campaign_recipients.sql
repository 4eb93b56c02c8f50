-- A campaign's recipients, paged and exported in phone order (GET /v1/campaigns/{id}/recipients).
--
-- The keyset over a campaign's messages is (recipient, id) within (tenant_id, campaign_id). The
-- index on (tenant_id, campaign_id) becomes one on all four columns: the queries that used it
-- (stats, the native list by campaign) still find their prefix, a page of the export is one
-- range scan from its cursor instead of a sort of the whole campaign, and the table keeps the
-- same number of indexes (none of these columns changes after the insert, so the wider key
-- costs nothing on the updates that follow it). Partial as before: messages without a campaign
-- have no entry. campaign_skips needs nothing: its key (campaign_id, phone) is the skip order.
--
-- Per-user marketing limits (131049) need no table here: the webhook path already records them
-- in suppressions (kind marketing_limit, until_at 24 h on), which the expander reads.

DROP INDEX messages_tenant_campaign;
CREATE INDEX messages_tenant_campaign ON messages (tenant_id, campaign_id, recipient, id) WHERE campaign_id IS NOT NULL;
