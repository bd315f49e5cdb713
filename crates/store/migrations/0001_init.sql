-- Schema version 1: messages (one row per distinct raw message), analyses (one row per run), indicators.
-- Large values live in their own tables (raws, reports) so that scanning messages and analyses never reads
-- overflow pages.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    sha1 TEXT NOT NULL,
    md5 TEXT NOT NULL,
    size INTEGER NOT NULL,
    first_seen INTEGER NOT NULL
);
CREATE TABLE raws (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    raw BLOB NOT NULL
);
CREATE TABLE analyses (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    analysed_at INTEGER NOT NULL,
    received_at INTEGER,
    source TEXT,
    subject TEXT,
    verdict TEXT NOT NULL,
    score REAL NOT NULL
);
CREATE INDEX analyses_message ON analyses(message_id);
CREATE TABLE reports (
    analysis_id INTEGER PRIMARY KEY REFERENCES analyses(id),
    json TEXT NOT NULL
);
-- A rowid table: its secondary indexes then carry the rowid, not the (possibly long) value.
CREATE TABLE indicators (
    analysis_id INTEGER NOT NULL REFERENCES analyses(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    weight REAL NOT NULL
);
CREATE INDEX indicators_analysis ON indicators(analysis_id);
CREATE INDEX indicators_kind_value ON indicators(kind, value);
