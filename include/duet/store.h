/*
 * store.h -- the EHR store: an SQLite database holding OMOP CDM 5.4 tables
 * and the duet_* tables the engine owns.
 *
 * The schema is the SQL in schemas/ (embedded in the binary at build time:
 * every schemas/NN_*.sql, whatever its name), applied in file-name order
 * when a store is created:
 *   schemas/10_*.sql  OMOP CDM 5.4 tables (generated from the CDM field
 *                     specification by tools/build-schema.py) and duet_field,
 *                     the field kinds import validates against
 *   schemas/11_*.sql  indices for phenotype queries
 *   schemas/20_*.sql  duet core tables (duet_log provenance, duet_import,
 *                     duet_sample_link)
 *   schemas/30_*.sql  phecode tables (definitions, maps, person x phecode)
 * An import drops the indices of tables that are empty before it and builds
 * them after the load.  PRAGMA application_id is DUET_STORE_APPLICATION_ID
 * and PRAGMA user_version DUET_STORE_SCHEMA_VERSION; a store of another
 * version is refused.
 */
#ifndef DUET_STORE_H
#define DUET_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "duet/err.h"
#include "duet/out.h"

#define DUET_STORE_SCHEMA_VERSION 1

typedef struct duet_store_t duet_store_t;

/* SQLite's PRAGMA application_id of a duet store ("DUET" in ASCII): an SQLite
 * file without it is "not a duet store". */
#define DUET_STORE_APPLICATION_ID 0x44554554

typedef enum {
    DUET_STORE_READ = 0,   /* existing store, read-only (PRAGMA query_only;
                            * opened read-write at the file level when
                            * allowed, so that SQLite can roll back the
                            * journal of an interrupted import) */
    DUET_STORE_WRITE = 1,  /* existing store, read-write */
    DUET_STORE_CREATE = 2, /* new store; the file must not exist */
    DUET_STORE_REPLACE = 3 /* new store replacing the file if it exists
                            * (--force); the old file stays in place until
                            * the new one is complete */
} duet_store_mode_t;

/*
 * Open (or create) the store at `path`.  CREATE and REPLACE build the new
 * store under a temporary name in the same folder (every schemas/NN_*.sql in
 * name order, application_id, user_version, an "init" row in duet_log),
 * rename it to `path` when complete, and return it opened read-write.
 * Errors, reported with the path:
 *   DUET_EREAD      the file does not exist or cannot be opened;
 *   DUET_EFORMAT    not an SQLite database, or not a duet store;
 *   DUET_EMISMATCH  another schema version (the message says how to migrate);
 *   DUET_EWRITE     CREATE on an existing file, or the folder is not writable.
 */
duet_err_t duet_store_open(const char *path, duet_store_mode_t mode,
                           duet_store_t **store) DUET_WUR;
void duet_store_close(duet_store_t *store);

/* The SQLite handle (owned by the store) and the path it was opened with. */
sqlite3 *duet_store_db(duet_store_t *store);
const char *duet_store_path(const duet_store_t *store);

/* Run SQL without results (several statements allowed).  An SQLite error is
 * reported with the statement's purpose `what` and returns DUET_EWRITE (I/O,
 * disk full, read-only or locked store), DUET_ENOMEM, DUET_EFORMAT (corrupt
 * file) or DUET_EINTERNAL (anything else: an SQL error is a bug). */
duet_err_t duet_store_exec(duet_store_t *store, const char *sql,
                           const char *what) DUET_WUR;

/* One transaction (BEGIN IMMEDIATE / COMMIT / ROLLBACK). */
duet_err_t duet_store_begin(duet_store_t *store) DUET_WUR;
duet_err_t duet_store_commit(duet_store_t *store) DUET_WUR;
void duet_store_rollback(duet_store_t *store);

/* Append a provenance row to duet_log: the action ("import", "phecode"),
 * a free-text detail, duet's version and the command line. */
duet_err_t duet_store_log(duet_store_t *store, const char *action,
                          const char *detail) DUET_WUR;

/* The id of the duet_log row most recently added through this handle
 * (0 if none), for tables that point at their provenance row. */
int64_t duet_store_last_log_id(const duet_store_t *store);

/*
 * The embedded schema: the number of schemas/NN_*.sql files and the name and
 * SQL text of file i (0-based, in name order); NULL when i is out of range.
 */
int duet_store_n_schemas(void);
const char *duet_store_schema_name(int i);
const char *duet_store_schema_sql(int i);

/*
 * Import OMOP CSV exports (`duet store import`).  Each path is a file, or a
 * folder whose *.csv, *.tsv (optionally .gz / .zst) files are taken in name
 * order; the table is the file name without those suffixes, in any case.
 * person files are loaded first.  Everything is validated against
 * duet_field (types, required fields, person_id references, primary keys,
 * UTF-8) and loaded in ONE transaction: on any error nothing is written.
 * Indices of tables that were empty are dropped during the load and built
 * after it.  The import is recorded in duet_log and duet_import.  With
 * omp_get_max_threads() >= 2 (--threads), files are parsed in a second
 * thread; the result is the same.
 *
 * `store` must be open read-write and not inside a transaction.  `opts` may
 * be NULL (defaults below).  `stats` (may be NULL) receives the counts.
 * Returns DUET_OK; DUET_EREAD (a path cannot be read); DUET_EFORMAT (a
 * malformed file: the message names file:line:column and the field); DUET_EWRITE
 * (SQLite could not write, store locked); DUET_ENOMEM; DUET_EINTERNAL.
 */
typedef struct {
    long cache_mb;  /* SQLite page cache during the load, MB [256] */
    int check_only; /* validate and load, then roll back: nothing is kept */
} duet_store_import_opts_t;

typedef struct {
    int n_files;     /* files loaded */
    int n_skipped;   /* files in folders skipped (not a CDM table) */
    int64_t n_rows;  /* rows inserted, all tables */
} duet_store_import_stats_t;

duet_err_t duet_store_import(duet_store_t *store, int n_paths,
                             char *const *paths,
                             const duet_store_import_opts_t *opts,
                             duet_store_import_stats_t *stats) DUET_WUR;

/*
 * Write the store summary of `duet store info` to `out` as tab-separated
 * rows "section name value" under the header "#section\tname\tvalue"
 * (sections: store, table, persons, dates, vocabulary, source_codes,
 * source_concepts; documented in duet-store(1)).  Unless `no_version`, two
 * provenance lines "##duet_version=..." and "##duet_command=..." come first.
 * Returns DUET_OK, DUET_EWRITE (output), DUET_EINTERNAL (SQL).
 */
duet_err_t duet_store_info(duet_store_t *store, duet_out_t *out,
                           int no_version) DUET_WUR;

/*
 * The shape of a source code, as `duet store info` counts them: the same
 * rule the phecode mapping uses (duet_icd_compact() then duet_icd_shapes() in
 * duet/phecode.h; blanks around the code and dots ignored, any case):
 *   ICD9CM     fits ICD-9-CM only (digits; E9xx)
 *   AMBIGUOUS  fits both (V or E0-E8 followed by digits only)
 *   ICD10CM    fits ICD-10-CM only
 *   OTHER      neither (empty included)
 * The vocabulary proper comes from the source concept where the concept
 * table has it, then from this shape and the date (duet-phecode(1)).
 */
typedef enum {
    DUET_CODE_OTHER = 0,
    DUET_CODE_ICD9CM = 1,
    DUET_CODE_ICD10CM = 2,
    DUET_CODE_AMBIGUOUS = 3
} duet_code_shape_t;

duet_code_shape_t duet_store_code_shape(const char *code, size_t len);
/* "ICD9CM-like", "ICD10CM-like", "ICD9CM-or-ICD10CM", "other". */
const char *duet_store_code_shape_name(duet_code_shape_t shape);

#endif
