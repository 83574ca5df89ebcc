-- 30_duet_phecode.sql -- the phecode layer of the store: the phecode tables
-- a run used (copied from the tables embedded in duet, phecodes/ in the
-- source tree), and its result, the person x phecode counts of distinct
-- dates.  Written by `duet phecode` (one transaction per run; a run replaces
-- the rows of its version), read by `duet pheno` and other phenome scans.
-- version is '1.2' or 'X' everywhere.

-- One row per phecode run: which tables, and what came out.
CREATE TABLE duet_phecode_run (
    version TEXT NOT NULL PRIMARY KEY,
    tables_sha256 TEXT NOT NULL,   -- phecodes/README.md, "tables"
    n_rows INTEGER NOT NULL,       -- source rows read (condition + observation)
    n_icd_rows INTEGER NOT NULL,   -- rows whose code is ICD-9-CM / ICD-10-CM (/ ICD-10)
    n_mapped_rows INTEGER NOT NULL,-- ICD rows that map to at least one phecode
    n_persons INTEGER NOT NULL,    -- persons with at least one phecode
    n_person_phecodes INTEGER NOT NULL
);

-- Phecode definitions: description, category, sex restriction ('Both',
-- 'Male', 'Female'), leaf flag; ordinal gives the phecode order of outputs.
CREATE TABLE duet_phecode (
    version TEXT NOT NULL,
    phecode TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('Both', 'Male', 'Female')),
    leaf INTEGER NOT NULL,
    PRIMARY KEY (version, phecode)
) WITHOUT ROWID;

-- Exclusion ranges (phecode 1.2): a person with any phecode p such that
-- lo <= CAST(p AS REAL) <= hi is not a control for `phecode`.
CREATE TABLE duet_phecode_exclude (
    version TEXT NOT NULL,
    phecode TEXT NOT NULL,
    lo REAL NOT NULL,
    hi REAL NOT NULL,
    PRIMARY KEY (version, phecode, lo, hi)
) WITHOUT ROWID;

-- The rolled-up map: a code counts toward every phecode listed for it.
-- vocabulary is 'ICD9CM' or 'ICD10CM'; code is dotted and upper case;
-- source is 'map', 'parent' or 'range' (phecodes/README.md).
CREATE TABLE duet_phecode_map (
    version TEXT NOT NULL,
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    phecode TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (version, vocabulary, code, phecode)
) WITHOUT ROWID;

-- Mapping coverage of a run, by vocabulary as decided (ICD9CM, ICD10CM,
-- ICD10; 'other' for rows whose source concept is of another vocabulary or
-- whose code has no ICD shape, 'none' for rows without a source code).
CREATE TABLE duet_phecode_coverage (
    version TEXT NOT NULL,
    vocabulary TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    n_mapped_rows INTEGER NOT NULL,
    n_codes INTEGER NOT NULL,      -- distinct normalised codes
    n_mapped_codes INTEGER NOT NULL,
    PRIMARY KEY (version, vocabulary)
) WITHOUT ROWID;

-- ICD codes of a run that map to no phecode, with their row counts.
CREATE TABLE duet_phecode_unmapped (
    version TEXT NOT NULL,
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    PRIMARY KEY (version, vocabulary, code)
) WITHOUT ROWID;

-- Person x phecode: the number of distinct dates (condition_start_date,
-- observation_date) with a code that counts toward the phecode, and the
-- first and last of those dates (YYYY-MM-DD).
CREATE TABLE duet_person_phecode (
    version TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    phecode TEXT NOT NULL,
    n_dates INTEGER NOT NULL,
    first_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    PRIMARY KEY (version, person_id, phecode)
) WITHOUT ROWID;
