-- Leaner indexes for the hot tables (issue 7).
--
-- A message is updated about four times after its insert (claim, settlement, statuses). Every
-- index that holds a changed column is rewritten by each update on SQLite, and on PostgreSQL a
-- non-HOT update adds an entry to every index. `state` sat in three full indexes although the
-- queries on it only ever look for the few rows still QUEUED (or SENDING after a crash), so
-- those become partial indexes: a message leaves them at its claim and its later updates never
-- touch them again. Likewise the journal's pending index holds only unprocessed rows, and a
-- message without a campaign or wamid has no entry for it.
-- Partial indexes are portable between SQLite and PostgreSQL; queries name the same literal
-- predicates so both planners can use them.

DROP INDEX messages_queue;
CREATE INDEX messages_queue ON messages (channel_id, lane, seq) WHERE state = 'QUEUED';

DROP INDEX messages_state_expiry;
CREATE INDEX messages_queued_expiry ON messages (expires_at) WHERE state = 'QUEUED';

DROP INDEX messages_tenant_state;
CREATE INDEX messages_tenant_pending ON messages (tenant_id) WHERE state IN ('QUEUED', 'SENDING');
CREATE INDEX messages_in_flight ON messages (lane, sending_at) WHERE state = 'SENDING';

DROP INDEX messages_tenant_campaign;
CREATE INDEX messages_tenant_campaign ON messages (tenant_id, campaign_id) WHERE campaign_id IS NOT NULL;

DROP INDEX messages_wamid;
CREATE INDEX messages_wamid ON messages (wamid) WHERE wamid IS NOT NULL;

DROP INDEX webhook_journal_pending;
CREATE INDEX webhook_journal_pending ON webhook_journal (id) WHERE processed = 0;
