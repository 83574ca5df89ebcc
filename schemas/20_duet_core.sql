-- 20_duet_core.sql -- tables the engine owns beside the CDM: provenance of
-- what was imported and derived, per-file import records, and links between
-- OMOP persons and genotype sample IDs.

-- One row per command that changed the store.  time is UTC ISO 8601; it is
-- provenance kept inside the store, never copied into data files.
CREATE TABLE duet_log (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    action TEXT NOT NULL,          -- 'init', 'import', 'phecode', ...
    detail TEXT,
    version TEXT NOT NULL,         -- duet and library versions
    command_line TEXT NOT NULL
);

-- One row per file loaded by `duet store import`.
CREATE TABLE duet_import (
    id INTEGER PRIMARY KEY,
    log_id INTEGER NOT NULL REFERENCES duet_log (id),
    path TEXT NOT NULL,            -- as given on the command line
    table_name TEXT NOT NULL,
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL,        -- size of the file as stored (compressed)
    sha256 TEXT NOT NULL           -- of the file as stored
);

-- Person <-> genotype sample links, for cohorts whose VCF sample names are
-- not person_source_value.  source names the genotype set (a VCF, a batch).
-- Importable like a CDM table: `duet store import --db F duet_sample_link.csv`.
CREATE TABLE duet_sample_link (
    person_id INTEGER NOT NULL,
    sample_id TEXT NOT NULL,
    source TEXT
);
CREATE INDEX idx_duet_sample_link_person ON duet_sample_link (person_id);
CREATE INDEX idx_duet_sample_link_sample ON duet_sample_link (sample_id);

INSERT INTO duet_field VALUES
    ('duet_sample_link', 'person_id', 1, 'integer', 1, 0, 0),
    ('duet_sample_link', 'sample_id', 2, 'text', 1, 0, 0),
    ('duet_sample_link', 'source', 3, 'text', 0, 0, 0);
