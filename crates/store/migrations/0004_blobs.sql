-- Schema version 4: raw messages and report documents of new analyses are appended to a file next to the
-- database (`<db>-blobs`, see blobs.rs) instead of the raws and reports tables: written once there, instead of
-- into the WAL and again by the checkpoint. Only their place is kept here. Older rows stay in their tables
-- and are read from there.
ALTER TABLE messages ADD COLUMN raw_off INTEGER;
ALTER TABLE messages ADD COLUMN raw_len INTEGER;
ALTER TABLE analyses ADD COLUMN report_off INTEGER;
ALTER TABLE analyses ADD COLUMN report_len INTEGER;
-- Only indicators that can link two analyses (weight > 0) are in the lookup index, and it no longer carries
-- the weight: a third fewer random index inserts per analysis. `history --indicator` finds the others (big
-- providers, genuine brand domains) by scanning the table.
DROP INDEX indicators_vkey;
CREATE INDEX indicators_vkey ON indicators(vkey, analysis_id) WHERE weight > 0;
