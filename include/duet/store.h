/*
 * store.h -- the EHR store: an SQLite database holding OMOP CDM 5.4 tables
 * and the duet_* tables the engine owns.
 *
 * The schema is the SQL in schemas/ (embedded in the binary at build time),
 * applied in file-name order when a store is created:
 *   schemas/10_*.sql  OMOP CDM 5.4 tables (from the CDM field specification)
 *   schemas/20_*.sql  duet core tables (duet_log provenance, duet_sample_link)
 *   schemas/30_*.sql  phecode tables (definitions, maps, person x phecode)
 * Indices that only speed up queries are created after bulk loads.
 * PRAGMA user_version holds DUET_STORE_SCHEMA_VERSION; a store of another
 * version is refused.
 */
#ifndef DUET_STORE_H
#define DUET_STORE_H

#include <sqlite3.h>
#include "duet/err.h"

#define DUET_STORE_SCHEMA_VERSION 1

typedef struct duet_store_t duet_store_t;

typedef enum {
    DUET_STORE_READ = 0,   /* existing store, read-only */
    DUET_STORE_WRITE = 1,  /* existing store, read-write */
    DUET_STORE_CREATE = 2  /* new store; the file must not exist */
} duet_store_mode_t;

/*
 * Open (or create) the store at `path`.  Errors, reported with the path:
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

/* Run SQL without results; an SQLite error is reported with the statement's
 * purpose `what` and returns DUET_EINTERNAL (or DUET_EWRITE for I/O). */
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

#endif
