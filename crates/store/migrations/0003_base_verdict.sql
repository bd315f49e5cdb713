-- Schema version 3: the base score and verdict of each analysis, from its own evidence without the memory.*
-- findings. Only analyses flagged by their base verdict may be pointed to by later "seen before" findings, so
-- that a mail flagged only through memory never passes the flag on. Existing rows are filled in by the code
-- right after this script (sqlite.rs, `fill_base_verdicts`): recomputed from the stored findings, else the
-- stored verdict (assumed flagged by its own evidence).
ALTER TABLE analyses ADD COLUMN base_score REAL;
ALTER TABLE analyses ADD COLUMN base_verdict TEXT;
