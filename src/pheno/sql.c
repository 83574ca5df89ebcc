/*
 * sql.c -- small SQLite helpers for the phenotype module: table presence,
 * prepared statements and errors reported once with what was being done.
 */
#include "duet/log.h"
#include "pheno_internal.h"

int duet_sql_has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') "
                           "AND name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

duet_err_t duet_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt,
                            const char *what)
{
    if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK) {
        duet_log_error("%s: SQLite: %s", what, sqlite3_errmsg(db));
        *stmt = NULL;
        return DUET_EINTERNAL;
    }
    return DUET_OK;
}

duet_err_t duet_sql_exec(sqlite3 *db, const char *sql, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        duet_log_error("%s: SQLite: %s", what, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_READONLY ||
                rc == SQLITE_CANTOPEN)
                   ? DUET_EWRITE
                   : DUET_EINTERNAL;
    }
    return DUET_OK;
}

duet_err_t duet_sql_step_error(sqlite3 *db, const char *what)
{
    int rc = sqlite3_errcode(db);
    duet_log_error("%s: SQLite: %s", what, sqlite3_errmsg(db));
    if (rc == SQLITE_NOMEM) return DUET_ENOMEM;
    return (rc == SQLITE_IOERR || rc == SQLITE_FULL || rc == SQLITE_READONLY ||
            rc == SQLITE_CANTOPEN)
               ? DUET_EWRITE
               : DUET_EINTERNAL;
}
