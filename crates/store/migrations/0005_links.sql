-- Schema version 5: one row per analysis instead of one per indicator. An analysis's indicators are packed
-- into its own row (`analyses.indicators`, a JSON array of [kind, value, weight, benign], read by show, export
-- and campaigns), and only the values that can link two analyses (weight > 0) get an entry in `links`, a
-- WITHOUT ROWID table whose key answers a lookup by itself: (value key, analysis, whether that analysis was
-- flagged by its own evidence). Before, each indicator was a table row plus two index entries, and each lookup
-- hit read every matching analysis row for its flag: together most of what storing cost.
ALTER TABLE analyses ADD COLUMN indicators TEXT;
CREATE TABLE links (
    vkey INTEGER NOT NULL,
    analysis_id INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    PRIMARY KEY (vkey, analysis_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO links (vkey, analysis_id, flagged)
    SELECT i.vkey, i.analysis_id, coalesce(a.base_verdict, a.verdict) <> 'clean'
    FROM indicators i JOIN analyses a ON a.id = i.analysis_id
    WHERE i.weight > 0 AND i.vkey IS NOT NULL;
UPDATE analyses SET indicators = (
    SELECT json_group_array(json_array(s.kind, s.value, s.weight, s.benign))
    FROM (SELECT kind, value, weight, benign FROM indicators i WHERE i.analysis_id = analyses.id
          ORDER BY kind, value) AS s
);
DROP TABLE indicators;
