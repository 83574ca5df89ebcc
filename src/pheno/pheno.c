/*
 * pheno.c -- `duet pheno`'s work: sample IDs, covariates, phecode
 * case/control traits and quantitative traits from the store, in memory,
 * one row per sample.  Phecode traits are derived from the person x phecode
 * counts that `duet phecode` stored, with the exclusion ranges and sex
 * restrictions of the same run (copied into the store with the counts), so
 * that the traits always match the counts; the rules are those of the PheWAS
 * R package's createPhenotypes (Carroll et al. 2014).  Every table is read
 * once with set-based SQL; no query per phecode or per person.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/phecode.h"
#include "duet/pheno.h"
#include "pheno_internal.h"

#define DAYS_PER_YEAR 365.25

typedef struct {
    int64_t *id;          /* sorted person_id */
    char *sex;            /* 'M', 'F', '?' */
    int32_t *birth;       /* day number or DUET_DATE_NONE */
    char **source_value;  /* person_source_value (owned) or NULL */
    int *n_samples;       /* samples of the person in the output */
    int n, m;
} persons_t;

typedef struct {
    char *phecode;
    char *description;
    char *category;
    char sex;
    int32_t number;
    int first_range, n_ranges;
} phe_t;

typedef struct {
    int n;
    phe_t *phe;
    int32_t *range_lo, *range_hi;
    int n_ranges;
    duet_hash_t index;
    /* person lists, CSR by phecode */
    int64_t *start;
    int32_t *pidx;
    int32_t *n_dates;
} phecodes_t;

void duet_pheno_opts_init(duet_pheno_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->min_code_count = 2;
    o->min_cases = 20;
    o->index_date = DUET_DATE_NONE;
    o->id_column = DUET_ID_AUTO;
}

const char *duet_id_column_name(duet_id_column_t id)
{
    switch (id) {
    case DUET_ID_PERSON_ID: return "person_id";
    case DUET_ID_SOURCE_VALUE: return "person_source_value";
    case DUET_ID_LINK: return "duet_sample_link";
    default: return "auto";
    }
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = duet_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int find_person(const persons_t *p, int64_t id)
{
    int lo = 0, hi = p->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (p->id[mid] == id) return mid;
        if (p->id[mid] < id) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static void persons_free(persons_t *p)
{
    for (int i = 0; i < p->n; i++) free(p->source_value[i]);
    free(p->id);
    free(p->sex);
    free(p->birth);
    free(p->source_value);
    free(p->n_samples);
}

static duet_err_t grow_persons(persons_t *p)
{
    if (p->n < p->m) return DUET_OK;
    int m = p->m ? p->m * 2 : 1024;
    int64_t *id = duet_realloc(p->id, (size_t)m * sizeof *id);
    if (!id) return DUET_ENOMEM;
    p->id = id;
    char *sex = duet_realloc(p->sex, (size_t)m);
    if (!sex) return DUET_ENOMEM;
    p->sex = sex;
    int32_t *b = duet_realloc(p->birth, (size_t)m * sizeof *b);
    if (!b) return DUET_ENOMEM;
    p->birth = b;
    char **sv = duet_realloc(p->source_value, (size_t)m * sizeof *sv);
    if (!sv) return DUET_ENOMEM;
    p->source_value = sv;
    int *ns = duet_realloc(p->n_samples, (size_t)m * sizeof *ns);
    if (!ns) return DUET_ENOMEM;
    p->n_samples = ns;
    p->m = m;
    return DUET_OK;
}

/* Birth date: birth_datetime if it parses, else year_of_birth with
 * month_of_birth (July if missing) and day_of_birth (the 1st if the month
 * is missing, the 15th if only the day is). */
static int32_t birth_date(sqlite3_stmt *st)
{
    const char *bdt = (const char *)sqlite3_column_text(st, 5);
    if (bdt) {
        int32_t d = duet_date_parse(bdt, strlen(bdt));
        if (d != DUET_DATE_NONE) return d;
    }
    if (sqlite3_column_type(st, 2) == SQLITE_NULL) return DUET_DATE_NONE;
    int y = sqlite3_column_int(st, 2);
    int has_m = sqlite3_column_type(st, 3) != SQLITE_NULL;
    int has_d = sqlite3_column_type(st, 4) != SQLITE_NULL;
    int m = has_m ? sqlite3_column_int(st, 3) : 7;
    int d = has_m ? (has_d ? sqlite3_column_int(st, 4) : 15) : 1;
    int32_t r = duet_date_from_ymd(y, m, d);
    if (r == DUET_DATE_NONE) r = duet_date_from_ymd(y, 7, 1);
    return r;
}

static duet_err_t load_persons(sqlite3 *db, persons_t *p)
{
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    const char *what = "reading person";
    if (!duet_sql_has_table(db, "person")) {
        duet_log_error("the store has no person table");
        return DUET_EMISMATCH;
    }
    if ((err = duet_sql_prepare(db,
                                "SELECT person_id, gender_concept_id, year_of_birth, "
                                "month_of_birth, day_of_birth, birth_datetime, "
                                "person_source_value FROM person ORDER BY person_id",
                                &st, what)))
        return err;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((err = grow_persons(p))) goto cleanup;
        int i = p->n;
        p->id[i] = sqlite3_column_int64(st, 0);
        int g = sqlite3_column_int(st, 1);
        p->sex[i] = g == 8507 ? 'M' : g == 8532 ? 'F' : '?';
        p->birth[i] = birth_date(st);
        const char *sv = (const char *)sqlite3_column_text(st, 6);
        p->source_value[i] = sv ? dupstr(sv) : NULL;
        if (sv && !p->source_value[i]) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
        p->n_samples[i] = 0;
        p->n++;
    }
    if (rc != SQLITE_DONE) err = duet_sql_step_error(db, what);
cleanup:
    sqlite3_finalize(st);
    return err;
}

static int has_blank(const char *s)
{
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') return 1;
    return 0;
}

typedef struct {
    char *iid;
    int pidx;
} sample_t;

static int sample_cmp(const void *a, const void *b)
{
    const sample_t *x = a, *y = b;
    if (x->pidx != y->pidx) return x->pidx < y->pidx ? -1 : 1;
    return strcmp(x->iid, y->iid);
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Choose the ID source and list the samples: one per person, or one per
 * duet_sample_link row. */
static duet_err_t make_samples(sqlite3 *db, persons_t *p, duet_id_column_t want,
                               duet_pheno_t *out, sample_t **samples_out, int *n_out)
{
    duet_err_t err = DUET_OK;
    sqlite3_stmt *st = NULL;
    sample_t *s = NULL;
    char **sorted = NULL;
    int n = 0, m = 0;
    duet_id_column_t id = want;
    int link_rows = 0;
    if (duet_sql_has_table(db, "duet_sample_link")) {
        if ((err = duet_sql_prepare(db, "SELECT EXISTS (SELECT 1 FROM duet_sample_link)", &st,
                                    "reading duet_sample_link")))
            return err;
        if (sqlite3_step(st) == SQLITE_ROW) link_rows = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (id == DUET_ID_AUTO) id = link_rows ? DUET_ID_LINK : DUET_ID_SOURCE_VALUE;
    if (id == DUET_ID_LINK && !link_rows) {
        duet_log_error("--id-column link: the store's duet_sample_link table is empty or "
                       "absent");
        return DUET_EMISMATCH;
    }
    out->id_column = id;
    if (id == DUET_ID_LINK) {
        const char *what = "reading duet_sample_link";
        if ((err = duet_sql_prepare(db, "SELECT person_id, sample_id FROM duet_sample_link",
                                    &st, what)))
            return err;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int64_t pid = sqlite3_column_int64(st, 0);
            const char *sid = (const char *)sqlite3_column_text(st, 1);
            int pi = find_person(p, pid);
            if (pi < 0) {
                duet_log_error("duet_sample_link: sample '%s' links to person_id %lld, "
                               "which is not in person", sid ? sid : "", (long long)pid);
                err = DUET_EMISMATCH;
                goto cleanup;
            }
            if (n == m) {
                m = m ? m * 2 : 1024;
                sample_t *t = duet_realloc(s, (size_t)m * sizeof *t);
                if (!t) {
                    err = DUET_ENOMEM;
                    goto cleanup;
                }
                s = t;
            }
            s[n].pidx = pi;
            s[n].iid = dupstr(sid ? sid : "");
            if (!s[n].iid) {
                err = DUET_ENOMEM;
                goto cleanup;
            }
            n++;
        }
        if (rc != SQLITE_DONE) {
            err = duet_sql_step_error(db, what);
            goto cleanup;
        }
        sqlite3_finalize(st);
        st = NULL;
    } else {
        s = duet_malloc(((size_t)p->n + 1) * sizeof *s);
        if (!s) return DUET_ENOMEM;
        for (int i = 0; i < p->n; i++) {
            char buf[32];
            const char *v;
            if (id == DUET_ID_PERSON_ID) {
                snprintf(buf, sizeof buf, "%lld", (long long)p->id[i]);
                v = buf;
            } else {
                v = p->source_value[i];
                if (!v || !*v) {
                    duet_log_error("person_id %lld has no person_source_value; use "
                                   "--id-column person_id, or link samples in "
                                   "duet_sample_link", (long long)p->id[i]);
                    err = DUET_EMISMATCH;
                    n = i;
                    goto cleanup;
                }
            }
            s[i].pidx = i;
            s[i].iid = dupstr(v);
            if (!s[i].iid) {
                err = DUET_ENOMEM;
                n = i;
                goto cleanup;
            }
        }
        n = p->n;
    }
    /* IDs: no blanks, no repeats */
    sorted = duet_malloc(((size_t)n + 1) * sizeof *sorted);
    if (!sorted) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        if (!*s[i].iid || has_blank(s[i].iid)) {
            duet_log_error("sample ID '%s' (%s, person_id %lld) is empty or holds blanks",
                           s[i].iid, duet_id_column_name(id), (long long)p->id[s[i].pidx]);
            err = DUET_EMISMATCH;
            goto cleanup;
        }
        sorted[i] = s[i].iid;
    }
    qsort(sorted, (size_t)n, sizeof *sorted, str_ptr_cmp);
    for (int i = 1; i < n; i++) {
        if (!strcmp(sorted[i], sorted[i - 1])) {
            duet_log_error("sample ID '%s' occurs more than once (%s)", sorted[i],
                           duet_id_column_name(id));
            err = DUET_EMISMATCH;
            goto cleanup;
        }
    }
    qsort(s, (size_t)n, sizeof *s, sample_cmp);
    for (int i = 0; i < n; i++) p->n_samples[s[i].pidx]++;
    for (int i = 0; i < p->n; i++) out->n_persons_unlinked += p->n_samples[i] == 0;
cleanup:
    sqlite3_finalize(st);
    free(sorted);
    if (err) {
        for (int i = 0; i < n; i++) free(s[i].iid);
        free(s);
        return err;
    }
    *samples_out = s;
    *n_out = n;
    return DUET_OK;
}

/* ---------------------------------------------------------- covariates */

static duet_err_t read_dates(sqlite3 *db, const char *sql, const char *what,
                             const persons_t *p, int32_t *first, int32_t *last,
                             double *count)
{
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if ((err = duet_sql_prepare(db, sql, &st, what))) return err;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int pi = find_person(p, sqlite3_column_int64(st, 0));
        if (pi < 0) continue;
        for (int k = 1; k <= 2; k++) {
            const char *s = (const char *)sqlite3_column_text(st, k);
            int32_t d = s ? duet_date_parse(s, strlen(s)) : DUET_DATE_NONE;
            if (s && d == DUET_DATE_NONE) {
                duet_log_error("%s: person_id %lld: '%s' is not a date", what,
                               (long long)p->id[pi], s);
                err = DUET_EFORMAT;
                goto cleanup;
            }
            (k == 1 ? first : last)[pi] = d;
        }
        if (count) count[pi] = (double)sqlite3_column_int64(st, 3);
    }
    if (rc != SQLITE_DONE) err = duet_sql_step_error(db, what);
cleanup:
    sqlite3_finalize(st);
    return err;
}

static duet_err_t covariates(sqlite3 *db, const persons_t *p, const sample_t *s, int n,
                             int32_t index_date, duet_pheno_t *out)
{
    duet_err_t err = DUET_OK;
    size_t np = (size_t)p->n + 1;
    int32_t *obs_first = duet_malloc(np * sizeof *obs_first);
    int32_t *obs_last = duet_malloc(np * sizeof *obs_last);
    int32_t *vis_first = duet_malloc(np * sizeof *vis_first);
    int32_t *vis_last = duet_malloc(np * sizeof *vis_last);
    double *visits = duet_malloc(np * sizeof *visits);
    if (!obs_first || !obs_last || !vis_first || !vis_last || !visits) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int i = 0; i < p->n; i++) {
        obs_first[i] = obs_last[i] = vis_first[i] = vis_last[i] = DUET_DATE_NONE;
        visits[i] = 0;
    }
    if (duet_sql_has_table(db, "observation_period") &&
        (err = read_dates(db,
                          "SELECT person_id, MIN(observation_period_start_date), "
                          "MAX(observation_period_end_date), 0 FROM observation_period "
                          "GROUP BY person_id",
                          "reading observation_period", p, obs_first, obs_last, NULL)))
        goto cleanup;
    if (duet_sql_has_table(db, "visit_occurrence") &&
        (err = read_dates(db,
                          "SELECT person_id, MIN(visit_start_date), MAX(visit_start_date), "
                          "COUNT(DISTINCT visit_start_date) FROM visit_occurrence "
                          "GROUP BY person_id",
                          "reading visit_occurrence", p, vis_first, vis_last, visits)))
        goto cleanup;
    for (int k = 0; k < n; k++) {
        int i = s[k].pidx;
        out->sex[k] = p->sex[i] == 'M' ? 1 : p->sex[i] == 'F' ? 2 : NAN;
        int32_t first = obs_first[i], last = obs_last[i];
        if (first == DUET_DATE_NONE || last == DUET_DATE_NONE) {
            first = vis_first[i];
            last = vis_last[i];
        }
        int32_t ref = index_date != DUET_DATE_NONE ? index_date : last;
        out->age[k] = (p->birth[i] != DUET_DATE_NONE && ref != DUET_DATE_NONE)
                          ? (ref - p->birth[i]) / DAYS_PER_YEAR
                          : NAN;
        out->record_years[k] = (first != DUET_DATE_NONE && last != DUET_DATE_NONE)
                                   ? (last - first) / DAYS_PER_YEAR
                                   : NAN;
        out->n_visits[k] = visits[i];
    }
cleanup:
    free(obs_first);
    free(obs_last);
    free(vis_first);
    free(vis_last);
    free(visits);
    return err;
}

/* ------------------------------------------------------------ phecodes */

static void phecodes_free(phecodes_t *ph)
{
    for (int i = 0; i < ph->n; i++) {
        free(ph->phe[i].phecode);
        free(ph->phe[i].description);
        free(ph->phe[i].category);
    }
    free(ph->phe);
    free(ph->range_lo);
    free(ph->range_hi);
    duet_hash_free(&ph->index);
    free(ph->start);
    free(ph->pidx);
    free(ph->n_dates);
}

static uint64_t phe_hash_of(void *ctx, int32_t v)
{
    phecodes_t *ph = ctx;
    return duet_hash_bytes(ph->phe[v].phecode, strlen(ph->phe[v].phecode), DUET_HASH_SEED);
}

static int phe_find(const phecodes_t *ph, const char *s)
{
    uint64_t h = duet_hash_bytes(s, strlen(s), DUET_HASH_SEED);
    for (size_t j = h & ph->index.mask;; j = (j + 1) & ph->index.mask) {
        int32_t v = ph->index.slot[j];
        if (v < 0) return -1;
        if (!strcmp(ph->phe[v].phecode, s)) return v;
    }
}

static duet_err_t choose_version(sqlite3 *db, const char *want, duet_pheno_t *out)
{
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if (!duet_sql_has_table(db, "duet_phecode_run") ||
        !duet_sql_has_table(db, "duet_person_phecode")) {
        duet_log_error("the store has no phecode tables; create it with 'duet store init' "
                       "and run 'duet phecode --db FILE'");
        return DUET_EMISMATCH;
    }
    if ((err = duet_sql_prepare(db,
                                "SELECT version, tables_sha256 FROM duet_phecode_run "
                                "WHERE ?1 IS NULL OR version = ?1 "
                                "ORDER BY version = '1.2' DESC, version LIMIT 1",
                                &st, "reading duet_phecode_run")))
        return err;
    if (want) sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->version, sizeof out->version, "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(out->tables_sha256, sizeof out->tables_sha256, "%s",
                 (const char *)sqlite3_column_text(st, 1));
        err = DUET_OK;
    } else if (rc == SQLITE_DONE) {
        if (want)
            duet_log_error("the store has no phecode %s counts: run 'duet phecode --db FILE "
                           "--version %s' first", want, want);
        else
            duet_log_error("the store has no phecode counts: run 'duet phecode --db FILE' "
                           "first");
        err = DUET_EMISMATCH;
    } else {
        err = duet_sql_step_error(db, "reading duet_phecode_run");
    }
    sqlite3_finalize(st);
    return err;
}

static duet_err_t load_phecodes(sqlite3 *db, const char *version, phecodes_t *ph)
{
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    const char *what = "reading duet_phecode";
    int m = 0;
    if ((err = duet_sql_prepare(db,
                                "SELECT phecode, description, sex, category FROM duet_phecode "
                                "WHERE version = ?1 ORDER BY ordinal",
                                &st, what)))
        return err;
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    int is12 = !strcmp(version, "1.2");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (ph->n == m) {
            m = m ? m * 2 : 1024;
            phe_t *t = duet_realloc(ph->phe, (size_t)m * sizeof *t);
            if (!t) {
                err = DUET_ENOMEM;
                goto cleanup;
            }
            ph->phe = t;
        }
        phe_t *e = &ph->phe[ph->n];
        memset(e, 0, sizeof *e);
        e->phecode = dupstr((const char *)sqlite3_column_text(st, 0));
        e->description = dupstr((const char *)sqlite3_column_text(st, 1));
        e->category = dupstr((const char *)sqlite3_column_text(st, 3));
        ph->n++;
        if (!e->phecode || !e->description || !e->category) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
        const char *sex = (const char *)sqlite3_column_text(st, 2);
        e->sex = sex && !strcmp(sex, "Male") ? 'M' : sex && !strcmp(sex, "Female") ? 'F' : 'B';
        e->number = is12 ? duet_phecode_hundredths(e->phecode) : -1;
    }
    if (rc != SQLITE_DONE) {
        err = duet_sql_step_error(db, what);
        goto cleanup;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((err = duet_hash_init(&ph->index, (size_t)ph->n + 1))) goto cleanup;
    for (int i = 0; i < ph->n; i++) {
        uint64_t h = phe_hash_of(ph, i);
        size_t j = h & ph->index.mask;
        while (ph->index.slot[j] >= 0) j = (j + 1) & ph->index.mask;
        ph->index.slot[j] = i;
        ph->index.n++;
    }
    /* exclusion ranges, grouped by phecode */
    what = "reading duet_phecode_exclude";
    if ((err = duet_sql_prepare(db,
                                "SELECT phecode, lo, hi FROM duet_phecode_exclude "
                                "WHERE version = ?1 ORDER BY phecode, lo",
                                &st, what)))
        goto cleanup;
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    int mr = 0, nr = 0;
    int *owner = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int k = phe_find(ph, (const char *)sqlite3_column_text(st, 0));
        if (k < 0) continue;
        if (nr == mr) {
            mr = mr ? mr * 2 : 1024;
            int32_t *lo = duet_realloc(ph->range_lo, (size_t)mr * sizeof *lo);
            if (lo) ph->range_lo = lo;
            int32_t *hi = duet_realloc(ph->range_hi, (size_t)mr * sizeof *hi);
            if (hi) ph->range_hi = hi;
            int *ow = duet_realloc(owner, (size_t)mr * sizeof *ow);
            if (ow) owner = ow;
            if (!lo || !hi || !ow) {
                free(owner);
                err = DUET_ENOMEM;
                goto cleanup;
            }
        }
        ph->range_lo[nr] = (int32_t)llround(sqlite3_column_double(st, 1) * 100);
        ph->range_hi[nr] = (int32_t)llround(sqlite3_column_double(st, 2) * 100);
        owner[nr++] = k;
    }
    if (rc != SQLITE_DONE) {
        free(owner);
        err = duet_sql_step_error(db, what);
        goto cleanup;
    }
    /* stable grouping: count, place */
    if (nr) {
        int32_t *lo = duet_malloc((size_t)nr * sizeof *lo);
        int32_t *hi = duet_malloc((size_t)nr * sizeof *hi);
        if (!lo || !hi) {
            free(lo);
            free(hi);
            free(owner);
            err = DUET_ENOMEM;
            goto cleanup;
        }
        for (int r = 0; r < nr; r++) ph->phe[owner[r]].n_ranges++;
        int pos = 0;
        for (int i = 0; i < ph->n; i++) {
            ph->phe[i].first_range = pos;
            pos += ph->phe[i].n_ranges;
            ph->phe[i].n_ranges = 0;
        }
        for (int r = 0; r < nr; r++) {
            phe_t *e = &ph->phe[owner[r]];
            lo[e->first_range + e->n_ranges] = ph->range_lo[r];
            hi[e->first_range + e->n_ranges] = ph->range_hi[r];
            e->n_ranges++;
        }
        free(ph->range_lo);
        free(ph->range_hi);
        ph->range_lo = lo;
        ph->range_hi = hi;
    }
    ph->n_ranges = nr;
    free(owner);
cleanup:
    sqlite3_finalize(st);
    return err;
}

/* Read the version's person x phecode counts into per-phecode lists. */
static duet_err_t load_counts(sqlite3 *db, const char *version, const persons_t *p,
                              phecodes_t *ph)
{
    sqlite3_stmt *st = NULL;
    duet_err_t err = DUET_OK;
    const char *what = "reading duet_person_phecode";
    int32_t *rp = NULL, *rk = NULL, *rn = NULL;
    size_t n = 0, m = 0;
    int64_t orphans = 0;
    if ((err = duet_sql_prepare(db,
                                "SELECT person_id, phecode, n_dates FROM duet_person_phecode "
                                "WHERE version = ?1",
                                &st, what)))
        return err;
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int pi = find_person(p, sqlite3_column_int64(st, 0));
        int k = phe_find(ph, (const char *)sqlite3_column_text(st, 1));
        if (pi < 0 || k < 0) {
            orphans++;
            continue;
        }
        if (n == m) {
            m = m ? m * 2 : 1 << 14;
            int32_t *a = duet_realloc(rp, m * sizeof *a);
            if (a) rp = a;
            int32_t *b = duet_realloc(rk, m * sizeof *b);
            if (b) rk = b;
            int32_t *c = duet_realloc(rn, m * sizeof *c);
            if (c) rn = c;
            if (!a || !b || !c) {
                err = DUET_ENOMEM;
                goto cleanup;
            }
        }
        rp[n] = pi;
        rk[n] = k;
        rn[n] = sqlite3_column_int(st, 2);
        n++;
    }
    if (rc != SQLITE_DONE) {
        err = duet_sql_step_error(db, what);
        goto cleanup;
    }
    if (orphans)
        duet_log_warn("%lld person x phecode rows name a person or phecode the store does "
                      "not have; they are ignored", (long long)orphans);
    ph->start = duet_calloc((size_t)ph->n + 1, sizeof *ph->start);
    ph->pidx = duet_malloc((n + 1) * sizeof *ph->pidx);
    ph->n_dates = duet_malloc((n + 1) * sizeof *ph->n_dates);
    if (!ph->start || !ph->pidx || !ph->n_dates) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) ph->start[rk[i] + 1]++;
    for (int k = 0; k < ph->n; k++) ph->start[k + 1] += ph->start[k];
    int64_t *fill = duet_malloc(((size_t)ph->n + 1) * sizeof *fill);
    if (!fill) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    memcpy(fill, ph->start, (size_t)ph->n * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        int64_t at = fill[rk[i]]++;
        ph->pidx[at] = rp[i];
        ph->n_dates[at] = rn[i];
    }
    free(fill);
cleanup:
    sqlite3_finalize(st);
    free(rp);
    free(rk);
    free(rn);
    return err;
}

static int sex_excluded(char phecode_sex, char person_sex)
{
    return phecode_sex != 'B' && phecode_sex != person_sex;
}

typedef struct {
    int32_t number;
    int idx;
} numidx_t;

static int numidx_cmp(const void *a, const void *b)
{
    const numidx_t *x = a, *y = b;
    if (x->number != y->number) return x->number < y->number ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static duet_err_t add_trait(duet_pheno_t *out, int *m_traits, duet_trait_t **t)
{
    if (out->n_traits == *m_traits) {
        int m = *m_traits ? *m_traits * 2 : 64;
        duet_trait_t *a = duet_realloc(out->traits, (size_t)m * sizeof *a);
        if (!a) return DUET_ENOMEM;
        out->traits = a;
        *m_traits = m;
    }
    *t = &out->traits[out->n_traits++];
    memset(*t, 0, sizeof **t);
    return DUET_OK;
}

static duet_err_t phecode_traits(sqlite3 *db, const duet_pheno_opts_t *o, const persons_t *p,
                                 const sample_t *s, int n_samples, duet_pheno_t *out,
                                 int *m_traits)
{
    phecodes_t ph;
    memset(&ph, 0, sizeof ph);
    duet_err_t err;
    int8_t *col = NULL;
    int *selected = NULL;
    numidx_t *bynum = NULL;
    if ((err = load_phecodes(db, out->version, &ph))) goto cleanup;
    if ((err = load_counts(db, out->version, p, &ph))) goto cleanup;
    int min = o->min_code_count;
    selected = duet_malloc(((size_t)ph.n + 1) * sizeof *selected);
    col = duet_malloc((size_t)p->n + 1);
    bynum = duet_malloc(((size_t)ph.n + 1) * sizeof *bynum);
    if (!selected || !col || !bynum) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    int n_sel = 0;
    if (o->phecodes) {
        for (int i = 0; i < o->n_phecodes; i++) {
            int k = phe_find(&ph, o->phecodes[i]);
            if (k < 0) {
                duet_log_error("--phecodes: '%s' is not a phecode of version %s",
                               o->phecodes[i], out->version);
                err = DUET_EUSAGE;
                goto cleanup;
            }
            selected[n_sel++] = k;
        }
    } else {
        for (int k = 0; k < ph.n; k++) {
            int64_t cases = 0;
            for (int64_t j = ph.start[k]; j < ph.start[k + 1]; j++) {
                int pi = ph.pidx[j];
                if (ph.n_dates[j] >= min && !sex_excluded(ph.phe[k].sex, p->sex[pi]))
                    cases += p->n_samples[pi];
            }
            if (cases >= o->min_cases) selected[n_sel++] = k;
        }
    }
    for (int k = 0; k < ph.n; k++) {
        bynum[k].number = ph.phe[k].number;
        bynum[k].idx = k;
    }
    qsort(bynum, (size_t)ph.n, sizeof *bynum, numidx_cmp);

    for (int si = 0; si < n_sel; si++) {
        int k = selected[si];
        const phe_t *e = &ph.phe[k];
        memset(col, 0, (size_t)p->n);
        /* exclusion ranges: anyone with a phecode inside is not a control */
        for (int r = 0; r < e->n_ranges; r++) {
            int32_t lo = ph.range_lo[e->first_range + r], hi = ph.range_hi[e->first_range + r];
            int a = 0, b = ph.n;
            while (a < b) { /* first number >= lo */
                int mid = (a + b) / 2;
                if (bynum[mid].number < lo) a = mid + 1;
                else b = mid;
            }
            for (int q = a; q < ph.n && bynum[q].number <= hi; q++) {
                int qk = bynum[q].idx;
                for (int64_t j = ph.start[qk]; j < ph.start[qk + 1]; j++) col[ph.pidx[j]] = -1;
            }
        }
        /* the phecode itself: cases, and NA below the minimum count */
        for (int64_t j = ph.start[k]; j < ph.start[k + 1]; j++)
            col[ph.pidx[j]] = ph.n_dates[j] >= min ? 1 : -1;
        /* sex restriction */
        if (e->sex != 'B')
            for (int i = 0; i < p->n; i++)
                if (sex_excluded(e->sex, p->sex[i])) col[i] = -1;
        duet_trait_t *t;
        if ((err = add_trait(out, m_traits, &t))) goto cleanup;
        t->binary = 1;
        t->name = dupstr(e->phecode);
        t->description = dupstr(e->description);
        t->category = dupstr(e->category);
        t->code = duet_malloc((size_t)n_samples + 1);
        if (!t->name || !t->description || !t->category || !t->code) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
        for (int i = 0; i < n_samples; i++) {
            int8_t v = col[s[i].pidx];
            t->code[i] = v;
            if (v == 1) t->n_cases++;
            else if (v == 0) t->n_controls++;
            else t->n_missing++;
        }
        t->n = t->n_cases + t->n_controls;
        t->unit = -1;
        if (o->phecodes && t->n_cases < o->min_cases)
            duet_log_warn("phecode %s has %lld cases (fewer than --min-cases %d)", t->name,
                          (long long)t->n_cases, o->min_cases);
    }
    duet_log_info("phecode %s: %d of %d phecodes selected%s", out->version, n_sel, ph.n,
                  o->phecodes ? " (--phecodes)" : "");
cleanup:
    phecodes_free(&ph);
    free(col);
    free(selected);
    free(bynum);
    return err;
}

/* --------------------------------------------------------- quantitative */

typedef struct {
    int32_t pidx;
    int32_t day;
    int64_t id;
    int64_t unit;
    int64_t concept;
    double value;
} qrow_t;

static int qrow_cmp(const void *a, const void *b)
{
    const qrow_t *x = a, *y = b;
    if (x->pidx != y->pidx) return x->pidx < y->pidx ? -1 : 1;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The measurement rows of q's concepts, of persons in p, with a numeric
 * value and a date, into *rows (n_rows); t counts the rows not numeric. */
static duet_err_t quant_read_rows(sqlite3 *db, const char *sql, const persons_t *p,
                                  duet_trait_t *t, qrow_t **rows_out, size_t *n_rows)
{
    const char *what = "reading measurement";
    sqlite3_stmt *st = NULL;
    qrow_t *rows = NULL;
    size_t n = 0, m = 0;
    duet_err_t err = duet_sql_prepare(db, sql, &st, what);
    if (err) return err;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int pi = find_person(p, sqlite3_column_int64(st, 0));
        if (pi < 0) continue;
        int type = sqlite3_column_type(st, 3);
        if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) {
            t->n_rows_not_numeric++;
            continue;
        }
        double v = sqlite3_column_double(st, 3);
        if (!isfinite(v)) {
            t->n_rows_not_numeric++;
            continue;
        }
        const char *ds = (const char *)sqlite3_column_text(st, 1);
        int32_t day = ds ? duet_date_parse(ds, strlen(ds)) : DUET_DATE_NONE;
        if (day == DUET_DATE_NONE) {
            duet_log_error("measurement measurement_id %lld: measurement_date '%s' is not a "
                           "date", (long long)sqlite3_column_int64(st, 2), ds ? ds : "NULL");
            err = DUET_EFORMAT;
            goto cleanup;
        }
        if (n == m) {
            m = m ? m * 2 : 4096;
            qrow_t *r = duet_realloc(rows, m * sizeof *r);
            if (!r) {
                err = DUET_ENOMEM;
                goto cleanup;
            }
            rows = r;
        }
        qrow_t *r = &rows[n++];
        r->pidx = pi;
        r->day = day;
        r->id = sqlite3_column_int64(st, 2);
        r->value = v;
        r->unit = sqlite3_column_int64(st, 4); /* NULL -> 0 */
        r->concept = sqlite3_column_int64(st, 5);
    }
    if (rc != SQLITE_DONE) err = duet_sql_step_error(db, what);
cleanup:
    sqlite3_finalize(st);
    *rows_out = rows;
    *n_rows = n;
    return err;
}

/* The unit: given, or the most frequent among the rows (ties: the
 * smallest id). */
static duet_err_t quant_unit(const duet_quant_spec_t *q, const qrow_t *rows, size_t n,
                             int64_t *unit_out)
{
    int64_t unit = q->unit;
    if (!q->has_unit && n) {
        int64_t *units = duet_malloc(n * sizeof *units);
        if (!units) return DUET_ENOMEM;
        for (size_t i = 0; i < n; i++) units[i] = rows[i].unit;
        qsort(units, n, sizeof *units, i64_cmp);
        size_t best = 0;
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && units[j] == units[i]) j++;
            if (j - i > best) {
                best = j - i;
                unit = units[i];
            }
            i = j;
        }
        free(units);
    }
    *unit_out = unit;
    return DUET_OK;
}

/* Keep the rows in `unit` with a plausible value (--range, else the
 * built-in table); returns how many are kept, counted in t. */
static size_t quant_filter(const duet_quant_spec_t *q, duet_trait_t *t, qrow_t *rows, size_t n,
                           int64_t unit)
{
    size_t w = 0;
    int no_limits = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].unit != unit) {
            t->n_rows_other_unit++;
            continue;
        }
        double lo, hi;
        int has = q->has_range;
        if (has) {
            lo = q->lo;
            hi = q->hi;
        } else {
            has = duet_quant_limits(rows[i].concept, unit, &lo, &hi);
            if (!has) no_limits = 1;
        }
        if (has && (rows[i].value < lo || rows[i].value > hi)) {
            t->n_rows_implausible++;
            continue;
        }
        rows[w++] = rows[i];
    }
    t->n_rows = (int64_t)w;
    if (no_limits)
        duet_log_info("%s: no plausible range is known for (a concept of) this trait in "
                      "unit_concept_id %lld; give one with --range %s=LO:HI", q->name,
                      (long long)unit, q->name);
    return w;
}

/* Each person's value (q's aggregate over their rows, sorted here), then
 * each sample's. */
static duet_err_t quant_values(const duet_quant_spec_t *q, const persons_t *p, const sample_t *s,
                               int n_samples, qrow_t *rows, size_t n, duet_trait_t *t)
{
    qsort(rows, n, sizeof *rows, qrow_cmp);
    double *per_person = duet_malloc(((size_t)p->n + 1) * sizeof *per_person);
    double *vals = duet_malloc((n + 1) * sizeof *vals);
    if (!per_person || !vals) {
        free(per_person);
        free(vals);
        return DUET_ENOMEM;
    }
    for (int i = 0; i < p->n; i++) per_person[i] = NAN;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && rows[j].pidx == rows[i].pidx) {
            vals[j - i] = rows[j].value;
            j++;
        }
        per_person[rows[i].pidx] = duet_quant_aggregate(vals, j - i, q->agg);
        i = j;
    }
    for (int i = 0; i < n_samples; i++) {
        t->value[i] = per_person[s[i].pidx];
        if (!isnan(t->value[i])) t->n++;
    }
    t->n_missing = n_samples - t->n;
    t->n_cases = t->n_controls = -1;
    free(per_person);
    free(vals);
    return DUET_OK;
}

static duet_err_t quant_trait(sqlite3 *db, const duet_pheno_opts_t *o,
                              const duet_quant_spec_t *q, const persons_t *p,
                              const sample_t *s, int n_samples, duet_pheno_t *out,
                              int *m_traits)
{
    duet_err_t err = DUET_OK;
    qrow_t *rows = NULL;
    size_t *scratch = NULL;
    char *sql = NULL, *desc = NULL;
    size_t n = 0;
    duet_trait_t *t;
    if ((err = add_trait(out, m_traits, &t))) return err;
    t->name = dupstr(q->name);
    t->value = duet_malloc(((size_t)n_samples + 1) * sizeof *t->value);
    size_t sql_len = 256 + (size_t)q->n_concepts * 24;
    sql = duet_malloc(sql_len);
    desc = duet_malloc(sql_len);
    if (!t->name || !t->value || !sql || !desc) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    int len = snprintf(sql, sql_len,
                       "SELECT person_id, measurement_date, measurement_id, value_as_number, "
                       "unit_concept_id, measurement_concept_id FROM measurement "
                       "WHERE value_as_number IS NOT NULL AND measurement_concept_id IN (");
    int dlen = snprintf(desc, sql_len, "%s of measurement_concept_id ", duet_agg_name(q->agg));
    for (int i = 0; i < q->n_concepts; i++) {
        len += snprintf(sql + len, sql_len - (size_t)len, "%s%lld", i ? "," : "",
                        (long long)q->concepts[i]);
        dlen += snprintf(desc + dlen, sql_len - (size_t)dlen, "%s%lld", i ? "," : "",
                         (long long)q->concepts[i]);
    }
    snprintf(sql + len, sql_len - (size_t)len, ")");
    if ((err = quant_read_rows(db, sql, p, t, &rows, &n))) goto cleanup;
    int64_t unit;
    if ((err = quant_unit(q, rows, n, &unit))) goto cleanup;
    t->unit = unit;
    n = quant_filter(q, t, rows, n, unit);
    if ((err = quant_values(q, p, s, n_samples, rows, n, t))) goto cleanup;
    if (o->inverse_normal) {
        scratch = duet_malloc(((size_t)n_samples + 1) * sizeof *scratch);
        if (!scratch) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
        duet_inverse_normal(t->value, (size_t)n_samples, scratch);
    }
    dlen += snprintf(desc + dlen, sql_len - (size_t)dlen, " in unit_concept_id %lld%s",
                     (long long)unit, o->inverse_normal ? ", inverse normal transformed" : "");
    t->description = desc;
    desc = NULL;
    duet_log_info("%s: %lld samples with a value from %lld rows (%lld in another unit, %lld "
                  "implausible, %lld not numeric dropped)", q->name, (long long)t->n,
                  (long long)t->n_rows, (long long)t->n_rows_other_unit,
                  (long long)t->n_rows_implausible, (long long)t->n_rows_not_numeric);
    if (!t->n) duet_log_warn("%s: no sample has a value", q->name);
cleanup:
    free(rows);
    free(scratch);
    free(sql);
    free(desc);
    return err;
}

/* ------------------------------------------------------------- the whole */

duet_err_t duet_pheno_build(sqlite3 *db, const duet_pheno_opts_t *o, duet_pheno_t **result)
{
    duet_err_t err;
    persons_t p;
    memset(&p, 0, sizeof p);
    sample_t *s = NULL;
    int n_samples = 0, m_traits = 0;
    *result = NULL;
    duet_pheno_t *out = duet_calloc(1, sizeof *out);
    if (!out) return DUET_ENOMEM;
    if (!o->no_phecodes && (err = choose_version(db, o->version, out))) goto cleanup;
    if (o->n_quant && !duet_sql_has_table(db, "measurement")) {
        duet_log_error("--quant: the store has no measurement table");
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    if ((err = load_persons(db, &p))) goto cleanup;
    if ((err = make_samples(db, &p, o->id_column, out, &s, &n_samples))) goto cleanup;
    if (!n_samples) {
        duet_log_error("no samples: the store has no persons%s",
                       out->id_column == DUET_ID_LINK ? " linked in duet_sample_link" : "");
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    out->n_samples = n_samples;
    size_t ns = (size_t)n_samples;
    out->iid = duet_calloc(ns, sizeof *out->iid);
    out->person_id = duet_malloc(ns * sizeof *out->person_id);
    out->sex = duet_malloc(ns * sizeof *out->sex);
    out->age = duet_malloc(ns * sizeof *out->age);
    out->record_years = duet_malloc(ns * sizeof *out->record_years);
    out->n_visits = duet_malloc(ns * sizeof *out->n_visits);
    if (!out->iid || !out->person_id || !out->sex || !out->age || !out->record_years ||
        !out->n_visits) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int i = 0; i < n_samples; i++) {
        out->iid[i] = s[i].iid;
        s[i].iid = NULL;
        out->person_id[i] = p.id[s[i].pidx];
    }
    if ((err = covariates(db, &p, s, n_samples, o->index_date, out))) goto cleanup;
    if (!o->no_phecodes &&
        (err = phecode_traits(db, o, &p, s, n_samples, out, &m_traits)))
        goto cleanup;
    for (int q = 0; q < o->n_quant; q++)
        if ((err = quant_trait(db, o, &o->quant[q], &p, s, n_samples, out, &m_traits)))
            goto cleanup;
    if (!out->n_traits) {
        duet_log_error("no trait left: no phecode has --min-cases %d cases and no --quant "
                       "trait was asked for", o->min_cases);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    *result = out;
    out = NULL;
cleanup:
    if (s)
        for (int i = 0; i < n_samples; i++) free(s[i].iid);
    free(s);
    persons_free(&p);
    duet_pheno_destroy(out);
    return err;
}

void duet_pheno_destroy(duet_pheno_t *x)
{
    if (!x) return;
    if (x->iid)
        for (int i = 0; i < x->n_samples; i++) free(x->iid[i]);
    free(x->iid);
    free(x->person_id);
    free(x->sex);
    free(x->age);
    free(x->record_years);
    free(x->n_visits);
    for (int t = 0; t < x->n_traits; t++) {
        free(x->traits[t].name);
        free(x->traits[t].description);
        free(x->traits[t].category);
        free(x->traits[t].code);
        free(x->traits[t].value);
    }
    free(x->traits);
    free(x);
}
