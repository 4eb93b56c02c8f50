-- Templates: what a send of each must carry, kept as Meta lists it, so a node that starts knows
-- its catalogue before it syncs (intake.TemplateCatalog owns this table).
ALTER TABLE templates ADD COLUMN template_id VARCHAR(64);        -- Meta's id (template_category_update names it)
ALTER TABLE templates ADD COLUMN parameter_format VARCHAR(16);   -- POSITIONAL or NAMED
ALTER TABLE templates ADD COLUMN components TEXT;                -- Meta's components JSON; NULL: a row from before V13, synced again at start

-- Campaigns: the category their template had when they started (or when the tenant last resumed
-- them), so a recategorisation by Meta pauses them rather than sending at another price.
ALTER TABLE campaigns ADD COLUMN template_category VARCHAR(20);
