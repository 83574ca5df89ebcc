/*
 * store.c -- opening, creating and checking the SQLite store: the embedded
 * schema (schemas/NN_*.sql, compiled in by the Makefile), the application id
 * and schema version, transactions, and the duet_log provenance table.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/store.h"
#include "duet/version.h"
#include "store_internal.h"

/* Written by the Makefile into $(BUILD)/gen/schemas.c: the file names and
 * NUL-terminated contents of schemas/NN_*.sql in name order, NULL-ended. */
extern const char *const duet_schema_names[];
extern const unsigned char *const duet_schema_sql[];

struct duet_store_t {
    sqlite3 *db;
    char *path;
    int64_t last_log_id;
};

int duet_store_n_schemas(void)
{
    int n = 0;
    while (duet_schema_names[n]) n++;
    return n;
}

const char *duet_store_schema_name(int i)
{
    return i >= 0 && i < duet_store_n_schemas() ? duet_schema_names[i] : NULL;
}

const char *duet_store_schema_sql(int i)
{
    return i >= 0 && i < duet_store_n_schemas() ? (const char *)duet_schema_sql[i] : NULL;
}

sqlite3 *duet_store_db(duet_store_t *store) { return store->db; }
const char *duet_store_path(const duet_store_t *store) { return store->path; }
int64_t duet_store_last_log_id(const duet_store_t *store) { return store->last_log_id; }

/* The duet error for an SQLite result code. */
static duet_err_t sqlite_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM: return DUET_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PERM: return DUET_EWRITE;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return DUET_EFORMAT;
    default: return DUET_EINTERNAL;
    }
}

duet_err_t duet_store_exec(duet_store_t *store, const char *sql, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(store->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) return DUET_OK;
    duet_log_error("%s: %s: %s", store->path, what, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return sqlite_err(rc);
}

duet_err_t duet_store_begin(duet_store_t *store)
{
    return duet_store_exec(store, "BEGIN IMMEDIATE", "start a transaction");
}

duet_err_t duet_store_commit(duet_store_t *store)
{
    return duet_store_exec(store, "COMMIT", "commit");
}

void duet_store_rollback(duet_store_t *store)
{
    if (store && store->db && !sqlite3_get_autocommit(store->db))
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

duet_err_t duet_store_log(duet_store_t *store, const char *action, const char *detail)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store->db,
                                "INSERT INTO duet_log (time, action, detail, version, command_line) "
                                "VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?, ?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, duet_version_string(), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, duet_opts_cmdline(), -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        duet_log_error("%s: cannot write the duet_log row: %s", store->path,
                       sqlite3_errmsg(store->db));
        return sqlite_err(rc);
    }
    store->last_log_id = sqlite3_last_insert_rowid(store->db);
    return DUET_OK;
}

/* One integer from a PRAGMA or query; *rc gets SQLite's result code. */
static int64_t query_int(sqlite3 *db, const char *sql, int *rc)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    *rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(st);
        if (*rc == SQLITE_ROW) {
            v = sqlite3_column_int64(st, 0);
            *rc = SQLITE_OK;
        } else if (*rc == SQLITE_DONE) {
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return v;
}

void duet_store_close(duet_store_t *store)
{
    if (!store) return;
    duet_store_rollback(store);
    sqlite3_close_v2(store->db);
    free(store->path);
    free(store);
}

static duet_err_t check_store(duet_store_t *s)
{
    int rc;
    int64_t app = query_int(s->db, "PRAGMA application_id", &rc);
    if (rc != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
            duet_log_error("%s is not an SQLite database (not a duet store)", s->path);
            return DUET_EFORMAT;
        }
        duet_log_error("cannot read %s: %s", s->path, sqlite3_errmsg(s->db));
        return (rc & 0xff) == SQLITE_BUSY ? DUET_EWRITE : DUET_EREAD;
    }
    if (app != DUET_STORE_APPLICATION_ID) {
        duet_log_error("%s is an SQLite database but not a duet store; create one with "
                       "'duet store init --db FILE'", s->path);
        return DUET_EFORMAT;
    }
    int64_t version = query_int(s->db, "PRAGMA user_version", &rc);
    if (rc != SQLITE_OK) {
        duet_log_error("cannot read %s: %s", s->path, sqlite3_errmsg(s->db));
        return DUET_EREAD;
    }
    if (version != DUET_STORE_SCHEMA_VERSION) {
        duet_log_error("%s has store schema version %lld, this duet uses version %d; a store "
                       "is not migrated in place: create a new one with 'duet store init "
                       "--db NEW' and import the OMOP export again with 'duet store import "
                       "--db NEW EXPORT'%s",
                       s->path, (long long)version, DUET_STORE_SCHEMA_VERSION,
                       version > DUET_STORE_SCHEMA_VERSION
                           ? " (or use the newer duet that wrote it)" : "");
        return DUET_EMISMATCH;
    }
    return DUET_OK;
}

/* Before SQLite's first use: no memory statistics, whose global mutex costs
 * a lock per allocation (a few percent of an import).  Fails harmlessly
 * (SQLITE_MISUSE) if SQLite was already initialised. */
static void configure_sqlite(void)
{
    static int done;
    if (done) return;
    done = 1;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static duet_err_t open_existing(const char *path, int writable, duet_store_t **out)
{
    configure_sqlite();
    duet_store_t *s = duet_calloc(1, sizeof *s);
    if (!s) return DUET_ENOMEM;
    duet_err_t err;
    s->path = strdup(path);
    if (!s->path) { err = duet_log_oom(strlen(path)); goto cleanup; }
    struct stat st;
    if (stat(path, &st) != 0) {
        duet_log_error("cannot open the store %s: %s", path, strerror(errno));
        err = DUET_EREAD;
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        duet_log_error("cannot open the store %s: not a regular file", path);
        err = DUET_EREAD;
        goto cleanup;
    }
    /* NOMUTEX: a store handle is used by one thread at a time, so SQLite's
     * per-call connection mutex is pure overhead (7% of an import).  A store
     * read by a user who may write it is opened read-write with query_only
     * set: SQLite can then roll back the journal an interrupted import left
     * behind, which a read-only connection cannot. */
    int query_only = !writable && access(path, W_OK) == 0;
    int flags = (writable || query_only ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        duet_log_error("cannot open the store %s: %s", path,
                       s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        err = writable && access(path, W_OK) != 0 ? DUET_EWRITE : DUET_EREAD;
        goto cleanup;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 10000);
    if ((err = check_store(s))) goto cleanup;
    if (query_only && (err = duet_store_exec(s, "PRAGMA query_only = ON", "open read-only")))
        goto cleanup;
    *out = s;
    return DUET_OK;
cleanup:
    duet_store_close(s);
    return err;
}

/* Build a new store at `tmp`: pragmas, every schema file, the init row. */
static duet_err_t build_store(const char *tmp, const char *final_path)
{
    duet_store_t s = { NULL, (char *)final_path, 0 };
    duet_err_t err;
    configure_sqlite();
    int rc = sqlite3_open_v2(tmp, &s.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        duet_log_error("cannot create the store %s: %s", final_path,
                       s.db ? sqlite3_errmsg(s.db) : sqlite3_errstr(rc));
        sqlite3_close_v2(s.db);
        return DUET_EWRITE;
    }
    sqlite3_extended_result_codes(s.db, 1);
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA application_id = %d; PRAGMA user_version = %d; PRAGMA page_size = 8192",
             DUET_STORE_APPLICATION_ID, DUET_STORE_SCHEMA_VERSION);
    if ((err = duet_store_exec(&s, pragmas, "set the store's pragmas"))) goto cleanup;
    if ((err = duet_store_begin(&s))) goto cleanup;
    for (int i = 0; duet_schema_names[i]; i++) {
        char what[256];
        snprintf(what, sizeof what, "apply schemas/%s", duet_schema_names[i]);
        if ((err = duet_store_exec(&s, (const char *)duet_schema_sql[i], what))) goto cleanup;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "schema version %d", DUET_STORE_SCHEMA_VERSION);
    if ((err = duet_store_log(&s, "init", detail))) goto cleanup;
    if ((err = duet_store_commit(&s))) goto cleanup;
cleanup:
    duet_store_rollback(&s);
    rc = sqlite3_close(s.db);
    if (!err && rc != SQLITE_OK) {
        duet_log_error("cannot close the new store %s: %s", final_path, sqlite3_errstr(rc));
        err = DUET_EWRITE;
    }
    return err;
}

static duet_err_t create_store(const char *path, int replace)
{
    struct stat st;
    if (!replace && lstat(path, &st) == 0) {
        duet_log_error("%s already exists; use --force to replace it", path);
        return DUET_EWRITE;
    }
    if (replace && lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        duet_log_error("%s exists and is not a regular file; not replacing it", path);
        return DUET_EWRITE;
    }
    /* "dir/.name.tmpXXXXXX", and its journal, registered for removal on
     * SIGINT/SIGTERM. */
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    size_t len = strlen(path) + 32;
    char *tmp = duet_malloc(len), *journal = duet_malloc(len + 8);
    if (!tmp || !journal) {
        free(tmp);
        free(journal);
        return DUET_ENOMEM;
    }
    snprintf(tmp, len, "%.*s.%s.tmpXXXXXX", dir_len, path, path + dir_len);
    duet_err_t err = DUET_OK;
    int h_tmp = -1, h_journal = -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        duet_log_error("cannot create the store %s: %s", path, strerror(errno));
        err = DUET_EWRITE;
        goto cleanup;
    }
    /* mkstemp makes the file 0600 (owner only): a store holds health
     * records, so it stays so whatever the umask; chmod widens it. */
    close(fd);
    h_tmp = duet_cleanup_register(tmp, 0);
    snprintf(journal, len + 8, "%s-journal", tmp);
    h_journal = duet_cleanup_register(journal, 0);
    if ((err = build_store(tmp, path))) goto cleanup;
    /* SQLite synced the database at commit; make the rename durable too. */
    if (rename(tmp, path) != 0) {
        duet_log_error("cannot rename the new store to %s: %s", path, strerror(errno));
        err = DUET_EWRITE;
        goto cleanup;
    }
    duet_cleanup_release(h_tmp);
    h_tmp = -1;
    char *copy = strdup(path);
    if (copy) {
        /* make the rename durable; a folder that cannot be synced (EIO,
         * not a file system without folder sync) leaves no store behind */
        int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
        if (dfd >= 0 && fsync(dfd) != 0 && errno != EINVAL && errno != ENOTSUP) {
            duet_log_error("cannot sync the folder of the store %s: %s", path,
                           strerror(errno));
            unlink(path);
            err = DUET_EWRITE;
        }
        if (dfd >= 0) close(dfd);
        free(copy);
    }
cleanup:
    if (h_tmp >= 0) duet_cleanup_remove(h_tmp);
    if (h_journal >= 0) duet_cleanup_remove(h_journal);
    free(tmp);
    free(journal);
    return err;
}

duet_err_t duet_store_open(const char *path, duet_store_mode_t mode, duet_store_t **store)
{
    *store = NULL;
    duet_err_t err;
    switch (mode) {
    case DUET_STORE_READ: return open_existing(path, 0, store);
    case DUET_STORE_WRITE: return open_existing(path, 1, store);
    case DUET_STORE_CREATE:
    case DUET_STORE_REPLACE:
        if ((err = create_store(path, mode == DUET_STORE_REPLACE))) return err;
        return open_existing(path, 1, store);
    }
    duet_log_error("internal: unknown store mode %d", (int)mode);
    return DUET_EINTERNAL;
}
