-- Schema version 2: re-analysis (superseded), flags and brands for fast filters, benign indicators, and
-- lookups by a 64-bit key of (kind, value) instead of the value itself: long URLs made the old index large and
-- its lookups read overflow pages. The keys of existing rows are filled in by the code right after this
-- script (sqlite.rs, `fill_value_keys`).
ALTER TABLE analyses ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
UPDATE analyses SET flagged = (verdict <> 'clean');
ALTER TABLE analyses ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
UPDATE analyses SET superseded = 1 WHERE id NOT IN (SELECT max(id) FROM analyses GROUP BY message_id);
ALTER TABLE analyses ADD COLUMN brands TEXT NOT NULL DEFAULT ',';
-- Brands from the stored report (version 1 stored them at the top level of the JSON, later under facts).
UPDATE analyses SET brands = ',' || coalesce((
    SELECT group_concat(json_extract(b.value, '$.brand_id'), ',')
    FROM reports r, json_each(r.json, '$.brands') AS b
    WHERE r.analysis_id = analyses.id AND json_valid(r.json)
), '') || ',';
UPDATE analyses SET brands = ',' WHERE brands = ',,';
ALTER TABLE analyses ADD COLUMN tool_version TEXT NOT NULL DEFAULT '';
ALTER TABLE indicators ADD COLUMN benign INTEGER NOT NULL DEFAULT 0;
UPDATE indicators SET benign = 1 WHERE weight = 0 AND kind NOT IN ('sha1', 'md5');
ALTER TABLE indicators ADD COLUMN vkey INTEGER;
DROP INDEX indicators_kind_value;
CREATE INDEX indicators_vkey ON indicators(vkey, analysis_id, weight);
CREATE INDEX analyses_current ON analyses(superseded, analysed_at);
