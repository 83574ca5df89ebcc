/*
 * pheno_internal.h -- helpers shared inside src/pheno: an open-addressing
 * hash index of int32 values (the caller keeps the keys and compares them),
 * FNV-1a hashing, phecode numbers, and small SQLite helpers.
 */
#ifndef DUET_PHENO_INTERNAL_H
#define DUET_PHENO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "duet/err.h"

#define DUET_HASH_SEED 0xcbf29ce484222325ULL

/* Slots hold value indices, -1 when empty; capacity is mask + 1, a power of
 * two kept at least twice the count. */
typedef struct {
    int32_t *slot;
    size_t mask;
    size_t n;
} duet_hash_t;

uint64_t duet_hash_bytes(const void *p, size_t n, uint64_t h);
duet_err_t duet_hash_init(duet_hash_t *h, size_t expected) DUET_WUR;
void duet_hash_free(duet_hash_t *h);
/* Double the capacity if one more value would pass half full; hash_of
 * gives the hash of a stored value. */
duet_err_t duet_hash_grow(duet_hash_t *h, uint64_t (*hash_of)(void *ctx, int32_t v),
                          void *ctx) DUET_WUR;

/* A 1.2 phecode or range bound ("008.51", "009.99", "1000") as a whole
 * number of hundredths; -1 if it is not such a number. */
int32_t duet_phecode_hundredths(const char *s);

/* 1 if the database has a table (or view) of that name. */
int duet_sql_has_table(sqlite3 *db, const char *name);

/* Prepare `sql`; an error is reported with `what` and returns
 * DUET_EINTERNAL. */
duet_err_t duet_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt,
                            const char *what) DUET_WUR;

/* Run SQL without results (reported as duet_sql_prepare). */
duet_err_t duet_sql_exec(sqlite3 *db, const char *sql, const char *what) DUET_WUR;

/* Report a failed sqlite3_step() (DUET_EWRITE for I/O and full-disk
 * errors, DUET_EINTERNAL otherwise). */
duet_err_t duet_sql_step_error(sqlite3 *db, const char *what);

#endif
