/*
 * import.c -- `duet store import`: OMOP CSV exports into the store, checked
 * field by field against duet_field (the CDM 5.4 specification the schema
 * was generated from), in one transaction.
 *
 * Per file: the table from the file name, the header's columns matched to
 * the table's fields in any case (CDM 5.3 names mapped to their 5.4 names,
 * unknown columns reported once and skipped, required columns enforced),
 * then every record is validated and bound to one prepared INSERT.
 * person_id references are checked against an in-memory set of the persons
 * already in the store plus those imported so far (person files are loaded
 * first), so that an orphan is reported at its file, line and column.
 * Duplicate primary keys are caught by SQLite's key constraint and reported
 * the same way.  Any error rolls the whole import back.
 *
 * Speed: one transaction, prepared statements, values bound in their final
 * types (no affinity conversions), parsing in a thread of its own with
 * --threads >= 2, synchronous=OFF and a large page cache during the load,
 * and the indices of tables that were empty dropped before and built after
 * the load (one sort instead of a B-tree update per row).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "duet/log.h"
#include "duet/progress.h"
#include "duet/store.h"
#include "store_internal.h"

typedef enum { K_INTEGER, K_FLOAT, K_TEXT, K_DATE, K_DATETIME } kind_t;

typedef struct {
    char *name;
    kind_t kind;
    int required, pk;
} field_t;

typedef struct {
    char *name;
    field_t *fields;
    int n_fields, m_fields;
    int cdm;
    int checked_empty;  /* the empty-before-import test was made */
    int64_t rows;       /* rows imported in this run */
} table_t;

typedef struct {
    table_t *tables;
    int n, m;
} spec_t;

typedef struct {
    char *path;
    table_t *table;
    int order;
} job_t;

/* Index definitions dropped for the load, to be created again after it. */
typedef struct {
    char **sql, **name;
    int n, m;
} index_list_t;

/* ------------------------------------------------------------------ */
/* CDM 5.3 exports */

/* Columns that CDM 5.4 renamed. */
static const struct {
    const char *table, *v53, *v54;
} renamed53[] = {
    { "visit_occurrence", "admitting_source_concept_id", "admitted_from_concept_id" },
    { "visit_occurrence", "admitting_source_value", "admitted_from_source_value" },
    { "visit_occurrence", "discharge_to_concept_id", "discharged_to_concept_id" },
    { "visit_occurrence", "discharge_to_source_value", "discharged_to_source_value" },
    { "visit_detail", "admitting_source_concept_id", "admitted_from_concept_id" },
    { "visit_detail", "admitting_source_value", "admitted_from_source_value" },
    { "visit_detail", "discharge_to_concept_id", "discharged_to_concept_id" },
    { "visit_detail", "discharge_to_source_value", "discharged_to_source_value" },
    { "visit_detail", "visit_detail_parent_id", "parent_visit_detail_id" },
};

/* Tables of CDM 5.3 that 5.4 dropped. */
static const char *const tables53[] = { "attribute_definition", "cohort_attribute" };

/* Required fields that CDM 5.4 added: a 5.3 file lacks the column, and the
 * value is supplied. */
enum { FILL_NONE, FILL_ZERO, FILL_SEQUENCE };
static const struct {
    const char *table, *field;
    int fill;
    const char *how;
} added54[] = {
    { "cdm_source", "cdm_version_concept_id", FILL_ZERO, "0 (no matching concept)" },
    { "metadata", "metadata_id", FILL_SEQUENCE, "numbers after the largest metadata_id" },
};

/* ------------------------------------------------------------------ */
/* A set of person ids (open addressing, linear probing). */

typedef struct {
    int64_t *keys;
    unsigned char *used;
    size_t n, m; /* m a power of two */
} person_set_t;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void pset_free(person_set_t *s)
{
    free(s->keys);
    free(s->used);
    memset(s, 0, sizeof *s);
}

static int pset_has(const person_set_t *s, int64_t key)
{
    if (!s->m) return 0;
    size_t i = mix64((uint64_t)key) & (s->m - 1);
    while (s->used[i]) {
        if (s->keys[i] == key) return 1;
        i = (i + 1) & (s->m - 1);
    }
    return 0;
}

static int pset_add(person_set_t *s, int64_t key)
{
    if (2 * (s->n + 1) > s->m) {
        size_t m = s->m ? 2 * s->m : 1024;
        person_set_t t = { duet_malloc(m * sizeof *t.keys), duet_calloc(m, 1), 0, m };
        if (!t.keys || !t.used) {
            free(t.keys);
            free(t.used);
            return -1;
        }
        for (size_t i = 0; i < s->m; i++)
            if (s->used[i]) {
                size_t j = mix64((uint64_t)s->keys[i]) & (m - 1);
                while (t.used[j]) j = (j + 1) & (m - 1);
                t.used[j] = 1;
                t.keys[j] = s->keys[i];
                t.n++;
            }
        pset_free(s);
        *s = t;
    }
    size_t i = mix64((uint64_t)key) & (s->m - 1);
    while (s->used[i]) {
        if (s->keys[i] == key) return 0;
        i = (i + 1) & (s->m - 1);
    }
    s->used[i] = 1;
    s->keys[i] = key;
    s->n++;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The field specification */

static void spec_free(spec_t *spec)
{
    for (int i = 0; i < spec->n; i++) {
        for (int j = 0; j < spec->tables[i].n_fields; j++) free(spec->tables[i].fields[j].name);
        free(spec->tables[i].fields);
        free(spec->tables[i].name);
    }
    free(spec->tables);
    memset(spec, 0, sizeof *spec);
}

static table_t *spec_table(spec_t *spec, const char *name)
{
    for (int i = 0; i < spec->n; i++)
        if (!strcmp(spec->tables[i].name, name)) return &spec->tables[i];
    return NULL;
}

static field_t *table_field(table_t *t, const char *name)
{
    for (int i = 0; i < t->n_fields; i++)
        if (!strcmp(t->fields[i].name, name)) return &t->fields[i];
    return NULL;
}

static duet_err_t spec_load(duet_store_t *store, spec_t *spec)
{
    sqlite3 *db = duet_store_db(store);
    sqlite3_stmt *st = NULL;
    duet_err_t err = DUET_OK;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT table_name, field_name, kind, required, primary_key, cdm "
                                "FROM duet_field ORDER BY table_name, position",
                                -1, &st, NULL);
    while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *tname = (const char *)sqlite3_column_text(st, 0);
        const char *fname = (const char *)sqlite3_column_text(st, 1);
        const char *kind = (const char *)sqlite3_column_text(st, 2);
        table_t *t = spec->n ? &spec->tables[spec->n - 1] : NULL;
        if (!t || strcmp(t->name, tname)) {
            if (spec->n == spec->m) {
                int m = spec->m ? 2 * spec->m : 64;
                table_t *tt = duet_realloc(spec->tables, (size_t)m * sizeof *tt);
                if (!tt) { err = DUET_ENOMEM; goto cleanup; }
                spec->tables = tt;
                spec->m = m;
            }
            t = &spec->tables[spec->n++];
            memset(t, 0, sizeof *t);
            t->name = strdup(tname);
            t->cdm = sqlite3_column_int(st, 5);
            if (!t->name) { err = duet_log_oom(strlen(tname)); goto cleanup; }
        }
        if (t->n_fields == t->m_fields) {
            int m = t->m_fields ? 2 * t->m_fields : 32;
            field_t *ff = duet_realloc(t->fields, (size_t)m * sizeof *ff);
            if (!ff) { err = DUET_ENOMEM; goto cleanup; }
            t->fields = ff;
            t->m_fields = m;
        }
        field_t *f = &t->fields[t->n_fields++];
        f->name = strdup(fname);
        if (!f->name) { err = duet_log_oom(strlen(fname)); goto cleanup; }
        f->kind = !strcmp(kind, "integer") ? K_INTEGER : !strcmp(kind, "float") ? K_FLOAT
                  : !strcmp(kind, "date") ? K_DATE : !strcmp(kind, "datetime") ? K_DATETIME
                  : K_TEXT;
        f->required = sqlite3_column_int(st, 3);
        f->pk = sqlite3_column_int(st, 4);
    }
    if (rc != SQLITE_DONE) {
        duet_log_error("%s: cannot read the field specification (duet_field): %s",
                       duet_store_path(store), sqlite3_errmsg(db));
        err = DUET_EINTERNAL;
    }
cleanup:
    sqlite3_finalize(st);
    return err;
}

/* ------------------------------------------------------------------ */
/* Files to import */

typedef struct {
    job_t *jobs;
    int n, m;
    int n_skipped;
} job_list_t;

static void jobs_free(job_list_t *jl)
{
    for (int i = 0; i < jl->n; i++) free(jl->jobs[i].path);
    free(jl->jobs);
    memset(jl, 0, sizeof *jl);
}

static int is_table53(const char *name)
{
    for (size_t i = 0; i < sizeof tables53 / sizeof *tables53; i++)
        if (!strcmp(tables53[i], name)) return 1;
    return 0;
}

/* Add `path`; in_folder: found by listing a folder (unknown names are
 * skipped with a warning rather than refused). */
static duet_err_t add_job(job_list_t *jl, spec_t *spec, const char *path, int in_folder)
{
    char name[256];
    if (!duet_store_table_from_path(path, name, sizeof name)) {
        if (in_folder) return DUET_OK; /* README, LICENSE...: not data */
        duet_log_error("%s: cannot tell the table from the file name; name files after the "
                       "table, e.g. condition_occurrence.csv (.csv, .tsv, optionally .gz or .zst)",
                       path);
        return DUET_EFORMAT;
    }
    table_t *t = spec_table(spec, name);
    if (!t) {
        if (is_table53(name)) {
            duet_log_warn("%s: skipped: CDM 5.3 table %s has no CDM 5.4 counterpart", path, name);
            jl->n_skipped++;
            return DUET_OK;
        }
        if (in_folder) {
            duet_log_warn("%s: skipped: '%s' is not a CDM 5.4 table", path, name);
            jl->n_skipped++;
            return DUET_OK;
        }
        duet_log_error("%s: '%s' is not a CDM 5.4 table (nor duet_sample_link)", path, name);
        return DUET_EFORMAT;
    }
    for (int i = 0; i < jl->n; i++)
        if (!strcmp(jl->jobs[i].path, path)) {
            duet_log_warn("%s: given twice; imported once", path);
            return DUET_OK;
        }
    if (jl->n == jl->m) {
        int m = jl->m ? 2 * jl->m : 64;
        job_t *jj = duet_realloc(jl->jobs, (size_t)m * sizeof *jj);
        if (!jj) return DUET_ENOMEM;
        jl->jobs = jj;
        jl->m = m;
    }
    job_t *j = &jl->jobs[jl->n];
    j->path = strdup(path);
    if (!j->path) return duet_log_oom(strlen(path));
    j->table = t;
    j->order = jl->n++;
    return DUET_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static duet_err_t add_folder(job_list_t *jl, spec_t *spec, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        duet_log_error("cannot read the folder %s: %s", dir, strerror(errno));
        return DUET_EREAD;
    }
    char **names = NULL;
    int n = 0, m = 0;
    duet_err_t err = DUET_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == m) {
            m = m ? 2 * m : 64;
            char **nn = duet_realloc(names, (size_t)m * sizeof *nn);
            if (!nn) { err = DUET_ENOMEM; goto cleanup; }
            names = nn;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = duet_malloc(len);
        if (!names[n]) { err = DUET_ENOMEM; goto cleanup; }
        snprintf(names[n], len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        n++;
    }
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int before = jl->n + jl->n_skipped, jobs_before = jl->n;
    for (int i = 0; i < n && !err; i++) {
        struct stat st;
        if (stat(names[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
        err = add_job(jl, spec, names[i], 1);
    }
    if (!err && jl->n == jobs_before) {
        /* `duet simulate -o DIR` writes its OMOP export in DIR/omop/. */
        for (int i = 0; i < n; i++) {
            const char *base = strrchr(names[i], '/');
            struct stat st;
            if (base && !strcasecmp(base + 1, "omop") && stat(names[i], &st) == 0 &&
                S_ISDIR(st.st_mode))
                duet_log_warn("%s holds no CDM table files, but %s may: import that folder",
                              dir, names[i]);
        }
    }
    if (!err && jl->n + jl->n_skipped == before) {
        duet_log_error("%s: no files named after CDM tables (TABLE.csv, .tsv, optionally .gz "
                       "or .zst) in this folder", dir);
        err = DUET_EFORMAT;
    }
cleanup:
    closedir(d);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return err;
}

static int cmp_job(const void *a, const void *b)
{
    const job_t *x = a, *y = b;
    int px = strcmp(x->table->name, "person") != 0, py = strcmp(y->table->name, "person") != 0;
    if (px != py) return px - py;
    return x->order - y->order;
}

/* ------------------------------------------------------------------ */
/* Loading one file */

typedef struct {
    int csv_col;        /* column in the file, -1 for a supplied value */
    field_t *field;
    int fill;           /* FILL_* for supplied values */
    int person_ref;     /* person_id of a table other than person */
    int person_key;     /* person.person_id */
} col_t;

typedef struct {
    duet_store_t *store;
    sqlite3 *db;
    person_set_t persons;
    index_list_t indices;
    duet_progress_t *progress;
    int64_t rows_total;
    int threads;        /* > 1: parse in a second thread */
} import_t;

static void report_value(const duet_csv_t *csv, const char *path, int col, const char *field,
                         const char *value, size_t len, const char *why)
{
    duet_log_error("%s:%ld:%d (%s): '%.*s%s': %s", path, duet_csv_field_line(csv, col), col + 1,
                   field, len > 60 ? 60 : (int)len, value, len > 60 ? "..." : "", why);
}

/* Drop the indices of `t` if it holds no rows yet, remembering their SQL. */
static duet_err_t maybe_drop_indices(import_t *im, table_t *t)
{
    if (t->checked_empty) return DUET_OK;
    t->checked_empty = 1;
    char sql[512];
    sqlite3_stmt *st = NULL;
    duet_err_t err = DUET_OK;
    snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM \"%s\")", t->name);
    int rc = sqlite3_prepare_v2(im->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    int has_rows = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_ROW) goto sql_error;
    if (has_rows) return DUET_OK;
    rc = sqlite3_prepare_v2(im->db,
                            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                            "AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto sql_error;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    int first = im->indices.n;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (im->indices.n == im->indices.m) {
            int m = im->indices.m ? 2 * im->indices.m : 32;
            char **s = duet_realloc(im->indices.sql, (size_t)m * sizeof *s);
            if (s) im->indices.sql = s;
            char **nm = duet_realloc(im->indices.name, (size_t)m * sizeof *nm);
            if (nm) im->indices.name = nm;
            if (!s || !nm) { err = DUET_ENOMEM; goto cleanup; }
            im->indices.m = m;
        }
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *def = (const char *)sqlite3_column_text(st, 1);
        char *a = strdup(name), *b = strdup(def);
        if (!a || !b) {
            free(a);
            free(b);
            err = duet_log_oom(strlen(def));
            goto cleanup;
        }
        im->indices.name[im->indices.n] = a;
        im->indices.sql[im->indices.n++] = b;
    }
    if (rc != SQLITE_DONE) goto sql_error;
    sqlite3_finalize(st);
    st = NULL;
    for (int i = first; i < im->indices.n; i++) {
        char *drop = sqlite3_mprintf("DROP INDEX \"%w\"", im->indices.name[i]);
        if (!drop) { err = duet_log_oom(64); goto cleanup; }
        err = duet_store_exec(im->store, drop, "drop an index for the load");
        sqlite3_free(drop);
        if (err) goto cleanup;
    }
    goto cleanup;
sql_error:
    duet_log_error("%s: %s: %s", duet_store_path(im->store), t->name, sqlite3_errmsg(im->db));
    err = DUET_EINTERNAL;
cleanup:
    sqlite3_finalize(st);
    return err;
}

/* Map the header to fields; fills cols[] and *n_cols. */
static duet_err_t plan_columns(duet_csv_t *csv, const char *path, table_t *t, col_t *cols,
                               int *n_cols)
{
    int n_header = duet_csv_n_fields(csv);
    int n = 0;
    char unknown[1024] = "", renamed[1024] = "";
    size_t lu = 0, lr = 0;
    field_t **mapped_by = duet_calloc((size_t)t->n_fields, sizeof *mapped_by);
    int *mapped_col = duet_calloc((size_t)t->n_fields, sizeof *mapped_col);
    duet_err_t err = DUET_OK;
    if (!mapped_by || !mapped_col) { err = DUET_ENOMEM; goto cleanup; }
    for (int i = 0; i < n_header; i++) {
        char name[256];
        const char *h = duet_csv_field(csv, i);
        size_t len = duet_csv_len(csv, i);
        while (len && (*h == ' ' || *h == '\t')) h++, len--;
        while (len && (h[len - 1] == ' ' || h[len - 1] == '\t')) len--;
        if (len >= sizeof name) len = sizeof name - 1;
        for (size_t k = 0; k < len; k++)
            name[k] = (char)(h[k] >= 'A' && h[k] <= 'Z' ? h[k] + 32 : h[k]);
        name[len] = 0;
        field_t *f = table_field(t, name);
        if (!f) {
            for (size_t k = 0; k < sizeof renamed53 / sizeof *renamed53; k++)
                if (!strcmp(renamed53[k].table, t->name) && !strcmp(renamed53[k].v53, name)) {
                    f = table_field(t, renamed53[k].v54);
                    if (lr < sizeof renamed - 1)
                        lr += (size_t)snprintf(renamed + lr, sizeof renamed - lr, "%s%s -> %s",
                                               lr ? ", " : "", name, renamed53[k].v54);
                }
        }
        if (!f) {
            if (lu < sizeof unknown - 1)
                lu += (size_t)snprintf(unknown + lu, sizeof unknown - lu, "%s%s", lu ? ", " : "",
                                       len ? name : "(a column without a name)");
            continue;
        }
        int fi = (int)(f - t->fields);
        if (mapped_by[fi]) {
            duet_log_error("%s:%ld:%d: column '%s' gives %s.%s a second time (first in column %d)",
                           path, duet_csv_line(csv), i + 1, name, t->name, f->name,
                           mapped_col[fi] + 1);
            err = DUET_EFORMAT;
            goto cleanup;
        }
        mapped_by[fi] = f;
        mapped_col[fi] = i;
        cols[n++] = (col_t){ i, f, FILL_NONE, 0, 0 };
    }
    for (int fi = 0; fi < t->n_fields; fi++) {
        field_t *f = &t->fields[fi];
        if (mapped_by[fi] || !f->required) continue;
        int fill = FILL_NONE;
        for (size_t k = 0; k < sizeof added54 / sizeof *added54; k++)
            if (!strcmp(added54[k].table, t->name) && !strcmp(added54[k].field, f->name)) {
                fill = added54[k].fill;
                duet_log_warn("%s: no column %s (a required field CDM 5.4 added to 5.3): "
                              "filled with %s", path, f->name, added54[k].how);
            }
        if (fill == FILL_NONE) {
            duet_log_error("%s:%ld:1: missing required column '%s' of table %s", path,
                           duet_csv_line(csv), f->name, t->name);
            err = DUET_EFORMAT;
            goto cleanup;
        }
        cols[n++] = (col_t){ -1, f, fill, 0, 0 };
    }
    if (lr) duet_log_info("%s: CDM 5.3 columns read as their 5.4 names: %s", path, renamed);
    if (lu)
        duet_log_warn("%s: column%s not in CDM 5.4 table %s, skipped: %s", path,
                      strchr(unknown, ',') ? "s" : "", t->name, unknown);
    for (int i = 0; i < n; i++) {
        cols[i].person_ref = !strcmp(cols[i].field->name, "person_id") && strcmp(t->name, "person");
        cols[i].person_key = !strcmp(cols[i].field->name, "person_id") && !strcmp(t->name, "person");
    }
    *n_cols = n;
cleanup:
    free(mapped_by);
    free(mapped_col);
    return err;
}

/*
 * Rows travel from the parser to SQLite in batches: the parser checks and
 * converts each field into a typed value (text, normalised dates included,
 * copied into the batch's arena), and the inserter binds the values and
 * steps the statement.  With --threads >= 2 the parser runs in a thread of
 * its own, a few batches ahead; with one thread the two alternate.  Either
 * way the rows go in in file order, so the store is the same.
 */
enum { V_NULL, V_INT, V_DBL, V_TEXT };

typedef struct {
    union {
        int64_t i;
        double d;
        struct { size_t off; uint32_t len; } t;
    } u;
    int type;
} val_t;

#define BATCH_ROWS 4096
#define N_BATCHES 3

typedef struct {
    val_t *vals;         /* BATCH_ROWS x n_cols */
    long *lines;         /* line of each record */
    char *arena;         /* text of the batch */
    size_t arena_l, arena_m;
    int n_rows;
} batch_t;

typedef struct {
    import_t *im;
    const char *path;
    table_t *t;
    duet_csv_t *csv;
    col_t *cols;
    int n_cols, n_header, is_person, pk_col;
    int64_t sequence;    /* FILL_SEQUENCE values */
    sqlite3_stmt *st;
    batch_t batch[N_BATCHES];
    /* hand-over between the threads */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int full[N_BATCHES]; /* 1: parsed, waiting for the inserter */
    int parser_done;     /* the parser stopped: end of file or error */
    int stop;            /* the inserter failed: the parser must stop */
    duet_err_t parser_err;
} loader_t;

static int arena_reserve(batch_t *b, size_t n)
{
    if (b->arena_l + n <= b->arena_m) return 0;
    size_t m = b->arena_m ? b->arena_m : 1 << 20;
    while (m < b->arena_l + n) m *= 2;
    char *a = realloc(b->arena, m);
    if (!a) { duet_log_oom(m); return -1; }
    b->arena = a;
    b->arena_m = m;
    return 0;
}

/* Check and convert the current record into row b->n_rows. */
static duet_err_t convert_row(loader_t *L, batch_t *b)
{
    duet_csv_t *csv = L->csv;
    const char *path = L->path;
    int n_fields = duet_csv_n_fields(csv);
    if (n_fields != L->n_header) {
        duet_log_error("%s:%ld: %d field%s, but the header has %d", path, duet_csv_line(csv),
                       n_fields, n_fields == 1 ? "" : "s", L->n_header);
        return DUET_EFORMAT;
    }
    val_t *row = b->vals + (size_t)b->n_rows * (size_t)L->n_cols;
    int64_t person_key = 0;
    for (int i = 0; i < L->n_cols; i++) {
        col_t *c = &L->cols[i];
        field_t *f = c->field;
        val_t *v = &row[i];
        if (c->csv_col < 0) {
            v->type = V_INT;
            v->u.i = c->fill == FILL_ZERO ? 0 : ++L->sequence;
            continue;
        }
        char *s = duet_csv_field(csv, c->csv_col);
        size_t n = duet_csv_len(csv, c->csv_col);
        if (f->kind != K_TEXT) {
            while (n && (*s == ' ' || *s == '\t')) s++, n--;
            while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        }
        if (n == 0) {
            if (f->required) {
                duet_log_error("%s:%ld:%d (%s): empty, but %s.%s is required", path,
                               duet_csv_field_line(csv, c->csv_col), c->csv_col + 1, f->name,
                               L->t->name, f->name);
                return DUET_EFORMAT;
            }
            v->type = V_NULL;
            continue;
        }
        const char *why = NULL;
        switch (f->kind) {
        case K_INTEGER:
            v->type = V_INT;
            if ((why = duet_value_int64(s, n, &v->u.i))) break;
            if (c->person_key) person_key = v->u.i;
            if (c->person_ref && !pset_has(&L->im->persons, v->u.i))
                why = "no such person_id in the person table (neither in the store nor in "
                      "this import)";
            break;
        case K_FLOAT:
            v->type = V_DBL;
            why = duet_value_double(s, n, &v->u.d);
            break;
        case K_DATE:
        case K_DATETIME:
            if (arena_reserve(b, DUET_DATETIME_MAX)) return DUET_ENOMEM;
            v->type = V_TEXT;
            v->u.t.off = b->arena_l;
            why = f->kind == K_DATE ? duet_value_date(s, n, b->arena + b->arena_l)
                                    : duet_value_datetime(s, n, b->arena + b->arena_l);
            if (!why) {
                v->u.t.len = (uint32_t)strlen(b->arena + b->arena_l);
                b->arena_l += v->u.t.len;
            }
            break;
        case K_TEXT:
            if (n > 1000000000 || arena_reserve(b, n)) {
                if (n > 1000000000) duet_log_error("%s:%ld:%d (%s): a field of more than 1 GB",
                                                   path, duet_csv_field_line(csv, c->csv_col),
                                                   c->csv_col + 1, f->name);
                return n > 1000000000 ? DUET_EFORMAT : DUET_ENOMEM;
            }
            v->type = V_TEXT;
            v->u.t.off = b->arena_l;
            v->u.t.len = (uint32_t)n;
            memcpy(b->arena + b->arena_l, s, n);
            b->arena_l += n;
            break;
        }
        if (why) {
            report_value(csv, path, c->csv_col, f->name, s, n, why);
            return DUET_EFORMAT;
        }
    }
    /* The person set grows as person rows are read: a person row that then
     * fails to insert fails the whole import anyway. */
    if (L->is_person && pset_add(&L->im->persons, person_key)) return DUET_ENOMEM;
    b->lines[b->n_rows++] = duet_csv_line(csv);
    return DUET_OK;
}

/* Fill batch b with up to BATCH_ROWS records; *eof = 1 at the end of file. */
static duet_err_t parse_batch(loader_t *L, batch_t *b, int *eof)
{
    b->n_rows = 0;
    b->arena_l = 0;
    *eof = 0;
    /* A batch ends after BATCH_ROWS rows or 64 MB of text. */
    while (b->n_rows < BATCH_ROWS && b->arena_l < ((size_t)64 << 20)) {
        int got;
        duet_err_t err = duet_csv_next(L->csv, &got);
        if (err) return err;
        if (!got) {
            *eof = 1;
            return DUET_OK;
        }
        if ((err = convert_row(L, b))) return err;
    }
    return DUET_OK;
}

/* Bind and insert the rows of batch b. */
static duet_err_t insert_batch(loader_t *L, batch_t *b, int64_t *rows)
{
    sqlite3_stmt *st = L->st;
    import_t *im = L->im;
    for (int r = 0; r < b->n_rows; r++) {
        const val_t *row = b->vals + (size_t)r * (size_t)L->n_cols;
        for (int i = 0; i < L->n_cols; i++) {
            const val_t *v = &row[i];
            switch (v->type) {
            case V_NULL: sqlite3_bind_null(st, i + 1); break;
            case V_INT: sqlite3_bind_int64(st, i + 1, v->u.i); break;
            case V_DBL: sqlite3_bind_double(st, i + 1, v->u.d); break;
            default:
                sqlite3_bind_text(st, i + 1, b->arena + v->u.t.off, (int)v->u.t.len, SQLITE_STATIC);
            }
        }
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
            int ext = sqlite3_extended_errcode(im->db);
            long line = b->lines[r];
            duet_err_t err;
            if ((ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE) &&
                L->pk_col >= 0) {
                const col_t *c = &L->cols[L->pk_col];
                const val_t *v = &row[L->pk_col];
                char value[64];
                if (v->type == V_INT) snprintf(value, sizeof value, "%lld", (long long)v->u.i);
                else snprintf(value, sizeof value, "%.*s", v->u.t.len > 60 ? 60 : (int)v->u.t.len,
                              b->arena + v->u.t.off);
                duet_log_error("%s:%ld:%d (%s): duplicate primary key %s.%s = '%s' (already in "
                               "the store or earlier in this import)",
                               L->path, line, c->csv_col + 1, c->field->name, L->t->name,
                               c->field->name, value);
                err = DUET_EFORMAT;
            } else {
                duet_log_error("%s:%ld: cannot insert into %s: %s", L->path, line, L->t->name,
                               sqlite3_errmsg(im->db));
                int prim = rc & 0xff;
                err = prim == SQLITE_CONSTRAINT ? DUET_EFORMAT
                      : prim == SQLITE_NOMEM ? DUET_ENOMEM
                      : prim == SQLITE_FULL || prim == SQLITE_IOERR ? DUET_EWRITE
                                                                    : DUET_EINTERNAL;
            }
            sqlite3_reset(st);
            return err;
        }
        sqlite3_reset(st);
        ++*rows;
        if (((im->rows_total + *rows) & 0xffff) == 0)
            duet_progress_update(im->progress, (uint64_t)(im->rows_total + *rows));
    }
    return DUET_OK;
}

static void *parser_main(void *arg)
{
    loader_t *L = arg;
    duet_err_t err = DUET_OK;
    for (int k = 0;; k = (k + 1) % N_BATCHES) {
        pthread_mutex_lock(&L->mu);
        while (L->full[k] && !L->stop) pthread_cond_wait(&L->cv, &L->mu);
        int stop = L->stop;
        pthread_mutex_unlock(&L->mu);
        if (stop) break;
        int eof;
        err = parse_batch(L, &L->batch[k], &eof);
        pthread_mutex_lock(&L->mu);
        if (!err && L->batch[k].n_rows) L->full[k] = 1;
        if (err || eof) {
            L->parser_err = err;
            L->parser_done = 1;
        }
        pthread_cond_broadcast(&L->cv);
        int done = L->parser_done;
        pthread_mutex_unlock(&L->mu);
        if (done) break;
    }
    pthread_mutex_lock(&L->mu);
    L->parser_done = 1;
    pthread_cond_broadcast(&L->cv);
    pthread_mutex_unlock(&L->mu);
    return NULL;
}

/* The inserter's side with a parser thread. */
static duet_err_t load_threaded(loader_t *L, int64_t *rows)
{
    pthread_t tid;
    duet_err_t err = DUET_OK;
    if (pthread_mutex_init(&L->mu, NULL) || pthread_cond_init(&L->cv, NULL)) {
        duet_log_error("internal: cannot create a mutex");
        return DUET_EINTERNAL;
    }
    if (pthread_create(&tid, NULL, parser_main, L)) {
        duet_log_error("internal: cannot start the parser thread");
        err = DUET_EINTERNAL;
        goto cleanup;
    }
    for (int k = 0;; k = (k + 1) % N_BATCHES) {
        pthread_mutex_lock(&L->mu);
        while (!L->full[k] && !L->parser_done) pthread_cond_wait(&L->cv, &L->mu);
        int have = L->full[k];
        pthread_mutex_unlock(&L->mu);
        if (!have) break; /* the parser is done and nothing is left */
        err = insert_batch(L, &L->batch[k], rows);
        pthread_mutex_lock(&L->mu);
        L->full[k] = 0;
        if (err) L->stop = 1;
        pthread_cond_broadcast(&L->cv);
        pthread_mutex_unlock(&L->mu);
        if (err) break;
    }
    pthread_join(tid, NULL);
    if (!err) err = L->parser_err;
cleanup:
    pthread_cond_destroy(&L->cv);
    pthread_mutex_destroy(&L->mu);
    return err;
}

static duet_err_t load_file(import_t *im, job_t *job, int64_t *rows_out, uint64_t *bytes,
                            char sha[65])
{
    const char *path = job->path;
    table_t *t = job->table;
    loader_t L;
    char *sql = NULL;
    int got;
    int64_t rows = 0;
    duet_err_t err;

    memset(&L, 0, sizeof L);
    L.im = im;
    L.path = path;
    L.t = t;
    L.is_person = !strcmp(t->name, "person");
    L.pk_col = -1;
    if ((err = duet_csv_open(path, &L.csv))) goto cleanup;
    if ((err = duet_csv_next(L.csv, &got))) goto cleanup;
    if (!got) {
        duet_log_error("%s:1:1: empty file: no header line", path);
        err = DUET_EFORMAT;
        goto cleanup;
    }
    L.n_header = duet_csv_n_fields(L.csv);
    L.cols = duet_calloc((size_t)(L.n_header + t->n_fields), sizeof *L.cols);
    if (!L.cols) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = plan_columns(L.csv, path, t, L.cols, &L.n_cols))) goto cleanup;
    if ((err = maybe_drop_indices(im, t))) goto cleanup;

    /* INSERT INTO "t" ("a", "b", ...) VALUES (?, ?, ...) */
    size_t len = 64 + strlen(t->name);
    for (int i = 0; i < L.n_cols; i++) len += strlen(L.cols[i].field->name) + 8;
    if (!(sql = duet_malloc(len))) { err = DUET_ENOMEM; goto cleanup; }
    size_t l = (size_t)snprintf(sql, len, "INSERT INTO \"%s\" (", t->name);
    for (int i = 0; i < L.n_cols; i++)
        l += (size_t)snprintf(sql + l, len - l, "%s\"%s\"", i ? ", " : "", L.cols[i].field->name);
    l += (size_t)snprintf(sql + l, len - l, ") VALUES (");
    for (int i = 0; i < L.n_cols; i++) l += (size_t)snprintf(sql + l, len - l, "%s?", i ? ", " : "");
    snprintf(sql + l, len - l, ")");
    if (L.n_cols == 0) snprintf(sql, len, "INSERT INTO \"%s\" DEFAULT VALUES", t->name);
    int rc = sqlite3_prepare_v3(im->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &L.st, NULL);
    if (rc != SQLITE_OK) {
        duet_log_error("%s: cannot prepare the insert into %s: %s", path, t->name,
                       sqlite3_errmsg(im->db));
        err = DUET_EINTERNAL;
        goto cleanup;
    }
    for (int i = 0; i < L.n_cols; i++) {
        if (L.cols[i].field->pk) L.pk_col = i;
        if (L.cols[i].fill != FILL_SEQUENCE) continue;
        char q[256];
        snprintf(q, sizeof q, "SELECT coalesce(max(\"%s\"), 0) FROM \"%s\"",
                 L.cols[i].field->name, t->name);
        sqlite3_stmt *qs = NULL;
        if (sqlite3_prepare_v2(im->db, q, -1, &qs, NULL) == SQLITE_OK && sqlite3_step(qs) == SQLITE_ROW)
            L.sequence = sqlite3_column_int64(qs, 0);
        sqlite3_finalize(qs);
    }
    int n_batches = im->threads > 1 ? N_BATCHES : 1;
    size_t n_vals = (size_t)BATCH_ROWS * (size_t)(L.n_cols ? L.n_cols : 1);
    for (int k = 0; k < n_batches; k++) {
        L.batch[k].vals = duet_malloc(n_vals * sizeof *L.batch[k].vals);
        L.batch[k].lines = duet_malloc(BATCH_ROWS * sizeof *L.batch[k].lines);
        if (!L.batch[k].vals || !L.batch[k].lines) { err = DUET_ENOMEM; goto cleanup; }
    }
    if (im->threads > 1) {
        err = load_threaded(&L, &rows);
    } else {
        for (int eof = 0; !eof;) {
            if ((err = parse_batch(&L, &L.batch[0], &eof))) break;
            if ((err = insert_batch(&L, &L.batch[0], &rows))) break;
        }
    }
    if (err) goto cleanup;
    *rows_out = rows;
    *bytes = duet_csv_file_bytes(L.csv);
    memcpy(sha, duet_csv_sha256(L.csv), 65);
cleanup:
    sqlite3_finalize(L.st);
    for (int k = 0; k < N_BATCHES; k++) {
        free(L.batch[k].vals);
        free(L.batch[k].lines);
        free(L.batch[k].arena);
    }
    free(L.cols);
    free(sql);
    duet_csv_close(L.csv);
    return err;
}

/* ------------------------------------------------------------------ */
/* The import */

static duet_err_t load_persons(import_t *im)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(im->db, "SELECT person_id FROM person", -1, &st, NULL);
    while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW)
        if (pset_add(&im->persons, sqlite3_column_int64(st, 0))) {
            sqlite3_finalize(st);
            return DUET_ENOMEM;
        }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        duet_log_error("%s: cannot read person ids: %s", duet_store_path(im->store),
                       sqlite3_errmsg(im->db));
        return DUET_EINTERNAL;
    }
    return DUET_OK;
}

typedef struct {
    char *journal_mode;
    int64_t synchronous, cache_size;
    int saved;
} pragmas_t;

static duet_err_t pragmas_bulk(duet_store_t *store, pragmas_t *p, long cache_mb, int threads)
{
    sqlite3 *db = duet_store_db(store);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        p->journal_mode = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        p->synchronous = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        p->cache_size = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (!p->journal_mode) return duet_log_oom(16);
    p->saved = 1;
    /* A rollback journal on disk (not MEMORY or OFF) so that an interrupted
     * import leaves a hot journal that restores the store; not WAL, which
     * would write every page twice.  synchronous=OFF: the load is one
     * transaction, and the final state is synced at commit (see below). */
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode = %s; PRAGMA synchronous = OFF; PRAGMA cache_size = -%ld; "
             "PRAGMA threads = %d",
             strcasecmp(p->journal_mode, "wal") == 0 ? "DELETE" : p->journal_mode,
             cache_mb * 1024, threads > 1 ? threads - 1 : 0);
    return duet_store_exec(store, sql, "set the bulk-load pragmas");
}

static duet_err_t pragmas_restore(duet_store_t *store, pragmas_t *p)
{
    duet_err_t err = DUET_OK;
    if (p->saved) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "PRAGMA synchronous = %lld; PRAGMA cache_size = %lld; PRAGMA journal_mode = %s",
                 (long long)p->synchronous, (long long)p->cache_size, p->journal_mode);
        err = duet_store_exec(store, sql, "restore the pragmas");
    }
    free(p->journal_mode);
    memset(p, 0, sizeof *p);
    return err;
}

static duet_err_t sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        duet_log_error("cannot sync %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return DUET_EWRITE;
    }
    close(fd);
    return DUET_OK;
}

static duet_err_t record_import(import_t *im, job_list_t *jl, int64_t *rows, uint64_t *bytes,
                                char (*sha)[65], int64_t total)
{
    char detail[128];
    snprintf(detail, sizeof detail, "%d file%s, %lld rows", jl->n, jl->n == 1 ? "" : "s",
             (long long)total);
    duet_err_t err = duet_store_log(im->store, "import", detail);
    if (err) return err;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(im->db,
                                "INSERT INTO duet_import (log_id, path, table_name, rows, bytes, "
                                "sha256) VALUES (?, ?, ?, ?, ?, ?)",
                                -1, &st, NULL);
    for (int i = 0; rc == SQLITE_OK && i < jl->n; i++) {
        sqlite3_bind_int64(st, 1, duet_store_last_log_id(im->store));
        sqlite3_bind_text(st, 2, jl->jobs[i].path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, jl->jobs[i].table->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, rows[i]);
        sqlite3_bind_int64(st, 5, (int64_t)bytes[i]);
        sqlite3_bind_text(st, 6, sha[i], 64, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        duet_log_error("%s: cannot record the import: %s", duet_store_path(im->store),
                       sqlite3_errmsg(im->db));
        return DUET_EWRITE;
    }
    return DUET_OK;
}

duet_err_t duet_store_import(duet_store_t *store, int n_paths, char *const *paths,
                             const duet_store_import_opts_t *opts,
                             duet_store_import_stats_t *stats)
{
    duet_store_import_opts_t defaults = { 256, 0 };
    if (!opts) opts = &defaults;
    spec_t spec = { 0 };
    job_list_t jl = { 0 };
    import_t im = { 0 };
    pragmas_t pragmas = { 0 };
    int64_t *rows = NULL, total = 0;
    uint64_t *bytes = NULL;
    char (*sha)[65] = NULL;
    int in_tx = 0;
    duet_err_t err;
    im.store = store;
    im.db = duet_store_db(store);
#ifdef _OPENMP
    im.threads = omp_get_max_threads();
#else
    im.threads = 1;
#endif
    if (stats) memset(stats, 0, sizeof *stats);

    if ((err = spec_load(store, &spec))) goto cleanup;
    for (int i = 0; i < n_paths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            duet_log_error("cannot open %s: %s", paths[i], strerror(errno));
            err = DUET_EREAD;
            goto cleanup;
        }
        err = S_ISDIR(st.st_mode) ? add_folder(&jl, &spec, paths[i])
                                  : add_job(&jl, &spec, paths[i], 0);
        if (err) goto cleanup;
    }
    if (jl.n == 0) {
        duet_log_error("nothing to import: every file was skipped");
        err = DUET_EFORMAT;
        goto cleanup;
    }
    qsort(jl.jobs, (size_t)jl.n, sizeof *jl.jobs, cmp_job);
    rows = duet_calloc((size_t)jl.n, sizeof *rows);
    bytes = duet_calloc((size_t)jl.n, sizeof *bytes);
    sha = duet_calloc((size_t)jl.n, sizeof *sha);
    if (!rows || !bytes || !sha) { err = DUET_ENOMEM; goto cleanup; }

    if ((err = pragmas_bulk(store, &pragmas, opts->cache_mb > 0 ? opts->cache_mb : 256,
                            im.threads)))
        goto cleanup;
    if ((err = duet_store_begin(store))) goto cleanup;
    in_tx = 1;
    if ((err = load_persons(&im))) goto cleanup;
    im.progress = duet_progress_create("rows", 0);
    for (int i = 0; i < jl.n; i++) {
        job_t *j = &jl.jobs[i];
        if ((err = load_file(&im, j, &rows[i], &bytes[i], sha[i]))) goto cleanup;
        j->table->rows += rows[i];
        im.rows_total += rows[i];
        total += rows[i];
        duet_log_info("%s: %lld row%s into %s", j->path, (long long)rows[i],
                      rows[i] == 1 ? "" : "s", j->table->name);
    }
    duet_progress_destroy(im.progress);
    im.progress = NULL;
    if (im.indices.n) {
        duet_log_info("building %d ind%s", im.indices.n, im.indices.n == 1 ? "ex" : "ices");
        for (int i = 0; i < im.indices.n; i++)
            if ((err = duet_store_exec(store, im.indices.sql[i], "create an index"))) goto cleanup;
    }
    if ((err = record_import(&im, &jl, rows, bytes, sha, total))) goto cleanup;
    if (opts->check_only) {
        duet_store_rollback(store);
        in_tx = 0;
        duet_log_info("check only: %lld rows in %d files are valid; nothing was written",
                      (long long)total, jl.n);
    } else {
        if ((err = duet_store_commit(store))) goto cleanup;
        in_tx = 0;
        /* synchronous was OFF during the load (SQLite cannot change it
         * inside a transaction): sync the committed store ourselves so that
         * the data are on disk when we exit 0. */
        if ((err = sync_file(duet_store_path(store)))) {
            duet_log_error("the import was committed: %s holds the new rows, but they are not "
                           "known to be on disk (a power failure may lose them)",
                           duet_store_path(store));
            goto cleanup;
        }
        int n_tables = 0;
        for (int i = 0; i < spec.n; i++) n_tables += spec.tables[i].rows > 0;
        duet_log_info("imported %lld rows from %d file%s into %d table%s", (long long)total, jl.n,
                      jl.n == 1 ? "" : "s", n_tables, n_tables == 1 ? "" : "s");
    }
    if (stats) {
        stats->n_files = jl.n;
        stats->n_skipped = jl.n_skipped;
        stats->n_rows = total;
    }
cleanup:
    duet_progress_destroy(im.progress);
    if (in_tx) {
        duet_store_rollback(store);
        if (err) duet_log_error("nothing was imported: the store is unchanged");
    }
    if (pragmas.saved) {
        duet_err_t e2 = pragmas_restore(store, &pragmas);
        if (!err) err = e2;
    }
    for (int i = 0; i < im.indices.n; i++) {
        free(im.indices.sql[i]);
        free(im.indices.name[i]);
    }
    free(im.indices.sql);
    free(im.indices.name);
    pset_free(&im.persons);
    free(rows);
    free(bytes);
    free(sha);
    jobs_free(&jl);
    spec_free(&spec);
    return err;
}
