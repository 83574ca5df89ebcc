/*
 * phecode.c -- the phecode-history modality of embed.h: the phecodes that
 * --exclude-phecodes and --target remove, the person x phecode counts of
 * the store without them, the co-occurrence matrix, its PPMI (Levy, Goldberg
 * and Dagan 2015), the truncated SVD through the randomized block Krylov
 * engine of pca.h, and TF-IDF-weighted person vectors (Salton and Buckley
 * 1988, sublinear term frequency).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/embed.h"
#include "duet/log.h"
#include "duet/pca.h"
#include "duet/phecode.h"

void duet_embed_phecode_opts_init(duet_embed_phecode_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->dim = 16;
    o->min_persons = 5;
    o->oversample = 10;
    o->max_iter = 100;
    o->tol = 1e-6;
    o->seed = 1;
}

/* ------------------------------------------------------------- formulas */

/* `code` is `root` or a descendant of it ("250" -> "250.1", "250.12"). */
static int in_family(const char *code, const char *root)
{
    size_t n = strlen(root);
    return !strncmp(code, root, n) && (code[n] == 0 || code[n] == '.');
}

static int mark_family(const duet_phecode_table_t *table, const char *root, char *removed)
{
    int n = duet_phecode_count(table), marked = 0;
    for (int i = 0; i < n; i++)
        if (!removed[i] && in_family(duet_phecode_def(table, i)->phecode, root)) {
            removed[i] = 1;
            marked++;
        }
    return marked;
}

int duet_embed_removed(const duet_phecode_table_t *table, char *const *exclude, int n_exclude,
                       const char *target, char *removed)
{
    int marked = 0, n = duet_phecode_count(table);
    for (int e = 0; e < n_exclude; e++) {
        if (duet_phecode_find(table, exclude[e]) < 0) {
            duet_log_error("--exclude-phecodes: '%s' is not a phecode of version %s", exclude[e],
                           duet_phecode_table_version(table));
            return -1;
        }
        marked += mark_family(table, exclude[e], removed);
    }
    if (!target) return marked;
    int t = duet_phecode_find(table, target);
    if (t < 0) {
        duet_log_error("--target: '%s' is not a phecode of version %s", target,
                       duet_phecode_table_version(table));
        return -1;
    }
    marked += mark_family(table, target, removed);
    /* Its exclusion ranges (phecode 1.2: the codes that make a person
     * neither case nor control) go too: they are near-synonyms of it. */
    const duet_phecode_def_t *d = duet_phecode_def(table, t);
    for (int r = 0; r < d->n_excl; r++) {
        const duet_phecode_range_t *rg = duet_phecode_range(table, d->excl_first + r);
        for (int i = 0; i < n; i++) {
            const duet_phecode_def_t *c = duet_phecode_def(table, i);
            if (!removed[i] && c->number >= 0 && c->number >= rg->lo && c->number <= rg->hi) {
                removed[i] = 1;
                marked++;
            }
        }
    }
    return marked;
}

duet_err_t duet_embed_ppmi(const double *cooc, int n, double *ppmi)
{
    size_t ns = (size_t)n;
    double *row = duet_calloc(ns + 1, sizeof *row);
    if (!row) return DUET_ENOMEM;
    double total = 0;
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < n; j++)
            if (j != i) s += cooc[i * ns + j];
        row[i] = s;
        total += s;
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double c = cooc[i * ns + j], v = 0;
            if (i != j && c > 0) {
                v = log(c * total / (row[i] * row[j]));
                if (!(v > 0)) v = 0;
            }
            ppmi[i * ns + j] = v;
        }
    free(row);
    return DUET_OK;
}

double duet_embed_tfidf(int64_t n_dates, int64_t df, int64_t n_persons)
{
    if (n_dates <= 0 || df <= 0 || n_persons <= 0) return 0;
    return (1 + log((double)n_dates)) * log((double)n_persons / (double)df);
}

duet_err_t duet_embed_svd(const double *m, int n, int k, int oversample, int max_iter,
                          double tol, uint64_t seed, double *u, double *sigma, int *converged)
{
    duet_pca_opts_t po;
    duet_pca_opts_init(&po, k);
    po.oversample = oversample;
    po.max_iter = max_iter;
    po.tol = tol;
    po.seed = seed;
    duet_pca_t *pca = NULL;
    duet_err_t err = duet_pca_create(&po, n, n, &pca);
    if (err) return err;
    int w = duet_pca_chunk_width(n), done = 0;
    while (!done) {
        duet_pca_pass_begin(pca);
        for (int j = 0; j < n; j += w)
            duet_pca_pass_add(pca, m + (size_t)j * (size_t)n, n - j < w ? n - j : w);
        if ((err = duet_pca_pass_end(pca, &done))) goto cleanup;
    }
    /* Eigenpairs of m m^T: its eigenvalues are the squared singular values. */
    memcpy(u, duet_pca_vectors(pca), (size_t)n * (size_t)k * sizeof *u);
    const double *values = duet_pca_values(pca);
    for (int j = 0; j < k; j++) sigma[j] = values[j] > 0 ? sqrt(values[j]) : 0;
    *converged = duet_pca_converged(pca);
cleanup:
    duet_pca_destroy(pca);
    return err;
}

/* ------------------------------------------------------------ the store */

typedef struct {
    int sample, code;   /* sample index, phecode index */
    int64_t n_dates;
} entry_t;

typedef struct {
    int64_t person_id;
    int sample;
} person_sample_t;

static int pid_cmp(const void *a, const void *b)
{
    const person_sample_t *x = a, *y = b;
    return (x->person_id > y->person_id) - (x->person_id < y->person_id);
}

static int entry_cmp(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->sample != y->sample) return (x->sample > y->sample) - (x->sample < y->sample);
    return (x->code > y->code) - (x->code < y->code);
}

typedef struct {
    entry_t *e;
    size_t n, m;
    int64_t n_rows, n_removed_rows, n_unlinked_rows, n_unknown_rows;
} entries_t;

/* The person x phecode counts of `version` for the samples of `ph`, without
 * the removed phecodes, sorted by sample and phecode. */
static duet_err_t load_entries(sqlite3 *db, const char *version,
                               const duet_phecode_table_t *table, const char *removed,
                               const duet_pheno_t *ph, entries_t *es)
{
    duet_err_t err = DUET_OK;
    sqlite3_stmt *st = NULL;
    person_sample_t *pids = duet_malloc(((size_t)ph->n_samples + 1) * sizeof *pids);
    if (!pids) return DUET_ENOMEM;
    for (int i = 0; i < ph->n_samples; i++) {
        pids[i].person_id = ph->person_id[i];
        pids[i].sample = i;
    }
    qsort(pids, (size_t)ph->n_samples, sizeof *pids, pid_cmp);
    if (sqlite3_prepare_v2(db,
                           "SELECT person_id, phecode, n_dates FROM duet_person_phecode "
                           "WHERE version = ?1", -1, &st, NULL) != SQLITE_OK) {
        duet_log_error("reading duet_person_phecode: %s", sqlite3_errmsg(db));
        err = DUET_EINTERNAL;
        goto cleanup;
    }
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        es->n_rows++;
        person_sample_t key = {sqlite3_column_int64(st, 0), 0};
        person_sample_t *hit = bsearch(&key, pids, (size_t)ph->n_samples, sizeof *pids, pid_cmp);
        int code = duet_phecode_find(table, (const char *)sqlite3_column_text(st, 1));
        if (!hit) { es->n_unlinked_rows++; continue; }
        if (code < 0) { es->n_unknown_rows++; continue; }
        if (removed[code]) { es->n_removed_rows++; continue; }
        if (es->n == es->m) {
            size_t m = es->m ? 2 * es->m : 4096;
            entry_t *e = duet_realloc(es->e, m * sizeof *e);
            if (!e) { err = DUET_ENOMEM; goto cleanup; }
            es->e = e;
            es->m = m;
        }
        es->e[es->n].sample = hit->sample;
        es->e[es->n].code = code;
        es->e[es->n].n_dates = sqlite3_column_int64(st, 2);
        es->n++;
    }
    if (rc != SQLITE_DONE) {
        duet_log_error("reading duet_person_phecode: %s", sqlite3_errmsg(db));
        err = DUET_EINTERNAL;
        goto cleanup;
    }
    if (es->n) qsort(es->e, es->n, sizeof *es->e, entry_cmp);
cleanup:
    sqlite3_finalize(st);
    free(pids);
    return err;
}

/* The persons (IDs, record length, visits) as duet pheno lists them.  A
 * one-phecode request is the cheapest that duet_pheno_build() accepts; its
 * trait is not used, and its messages are not this command's. */
static duet_err_t load_persons(sqlite3 *db, const char *version, duet_pheno_t **ph)
{
    duet_pheno_opts_t po;
    duet_pheno_opts_init(&po);
    po.version = version;
    po.min_cases = 0;
    char first[32] = "";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT phecode FROM duet_phecode WHERE version = ?1 "
                               "ORDER BY ordinal LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(first, sizeof first, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    char *list[1] = {first};
    po.phecodes = list;
    po.n_phecodes = 1;
    int quiet = duet_log_quiet();
    duet_log_set_quiet(1);
    duet_err_t err = duet_pheno_build(db, &po, ph);
    duet_log_set_quiet(quiet);
    return err;
}

/* The version to use: as asked, else 1.2 if the store has it, else X. */
static duet_err_t choose_version(sqlite3 *db, const char *want, char out[8])
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT version FROM duet_phecode_run "
                               "WHERE ?1 IS NULL OR version = ?1 "
                               "ORDER BY version = '1.2' DESC, version LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        duet_log_error("the store has no phecode tables; create it with 'duet store init' and "
                       "run 'duet phecode --db FILE'");
        return DUET_EMISMATCH;
    }
    if (want) sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
    duet_err_t err = DUET_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, 8, "%s", (const char *)sqlite3_column_text(st, 0));
    } else {
        duet_log_error("the store has no phecode%s%s counts: run 'duet phecode --db FILE%s%s' "
                       "first", want ? " " : "", want ? want : "",
                       want ? " --version " : "", want ? want : "");
        err = DUET_EMISMATCH;
    }
    sqlite3_finalize(st);
    return err;
}

/* ------------------------------------------------------------ the model */

typedef struct {
    int n_codes;        /* phecodes of the table */
    int64_t *df;        /* persons with each phecode (after removal) */
    int *vocab;         /* phecode index -> row of the matrix, -1 if out */
    int n_vocab;
    double *vectors;    /* n_vocab x dim, row-major: W = U S^(1/2) */
    double *sigma;      /* dim singular values */
    int converged;
    int64_t n_pairs;    /* distinct co-occurring pairs (upper triangle) */
} model_t;

static void model_free(model_t *m)
{
    free(m->df);
    free(m->vocab);
    free(m->vectors);
    free(m->sigma);
}

/* Document frequencies and the vocabulary (phecodes of >= min_persons). */
static duet_err_t vocabulary(const entries_t *es, int n_codes, int min_persons, model_t *m)
{
    m->n_codes = n_codes;
    m->df = duet_calloc((size_t)n_codes + 1, sizeof *m->df);
    m->vocab = duet_malloc(((size_t)n_codes + 1) * sizeof *m->vocab);
    if (!m->df || !m->vocab) return DUET_ENOMEM;
    for (size_t i = 0; i < es->n; i++) m->df[es->e[i].code]++;
    m->n_vocab = 0;
    for (int c = 0; c < n_codes; c++)
        m->vocab[c] = m->df[c] >= min_persons && m->df[c] > 0 ? m->n_vocab++ : -1;
    return DUET_OK;
}

/* Co-occurrence counts over persons (a pair counts once per person who has
 * both), then PPMI, then the SVD. */
static duet_err_t fit(const entries_t *es, const duet_embed_phecode_opts_t *o, model_t *m)
{
    int v = m->n_vocab, k = o->dim;
    size_t vs = (size_t)v;
    duet_err_t err = DUET_OK;
    double *cooc = duet_calloc(vs * vs + 1, sizeof *cooc);
    double *ppmi = duet_malloc((vs * vs + 1) * sizeof *ppmi);
    double *u = duet_malloc((vs * (size_t)k + 1) * sizeof *u);
    int *rows = duet_malloc((es->n + 1) * sizeof *rows);
    m->sigma = duet_calloc((size_t)k, sizeof *m->sigma);
    m->vectors = duet_malloc((vs * (size_t)k + 1) * sizeof *m->vectors);
    if (!cooc || !ppmi || !u || !rows || !m->sigma || !m->vectors) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < es->n;) {
        size_t j = i;
        int n_rows = 0;
        while (j < es->n && es->e[j].sample == es->e[i].sample) {
            int r = m->vocab[es->e[j].code];
            if (r >= 0) rows[n_rows++] = r;
            j++;
        }
        for (int a = 0; a < n_rows; a++)
            for (int b = a + 1; b < n_rows; b++) {
                cooc[(size_t)rows[a] * vs + rows[b]] += 1;
                cooc[(size_t)rows[b] * vs + rows[a]] += 1;
            }
        i = j;
    }
    m->n_pairs = 0;
    for (int a = 0; a < v; a++)
        for (int b = a + 1; b < v; b++) m->n_pairs += cooc[(size_t)a * vs + b] > 0;
    if ((err = duet_embed_ppmi(cooc, v, ppmi))) goto cleanup;
    if ((err = duet_embed_svd(ppmi, v, k, o->oversample, o->max_iter, o->tol, o->seed, u,
                              m->sigma, &m->converged)))
        goto cleanup;
    if (!m->converged)
        duet_log_warn("the SVD did not converge to --tol %g in %d iterations", o->tol,
                      o->max_iter);
    for (int r = 0; r < v; r++)
        for (int j = 0; j < k; j++)
            m->vectors[(size_t)r * k + j] = u[(size_t)j * vs + r] * sqrt(m->sigma[j]);
cleanup:
    free(cooc);
    free(ppmi);
    free(u);
    free(rows);
    return err;
}

/* Fill the person rows: the weighted mean vector, n_phecodes, record_years
 * (0 when unknown, flagged by record_years_missing) and n_visits. */
static duet_err_t person_rows(const entries_t *es, const model_t *m, const duet_pheno_t *ph,
                              int k, duet_embed_table_t *t, int64_t *n_with)
{
    int p = t->n_features;
    size_t e = 0;
    *n_with = 0;
    for (int i = 0; i < ph->n_samples; i++) {
        double *x = t->x + (size_t)i * (size_t)p, wsum = 0;
        int n_phe = 0;
        for (; e < es->n && es->e[e].sample == i; e++) {
            n_phe++;
            int r = m->vocab[es->e[e].code];
            if (r < 0) continue;
            double w = duet_embed_tfidf(es->e[e].n_dates, m->df[es->e[e].code], ph->n_samples);
            if (w <= 0) continue;
            wsum += w;
            for (int j = 0; j < k; j++) x[j] += w * m->vectors[(size_t)r * k + j];
        }
        if (wsum > 0)
            for (int j = 0; j < k; j++) x[j] /= wsum;
        if (n_phe) (*n_with)++;
        x[k] = n_phe;
        int known = isfinite(ph->record_years[i]);
        x[k + 1] = known ? ph->record_years[i] : 0;
        x[k + 2] = !known;
        x[k + 3] = isfinite(ph->n_visits[i]) ? ph->n_visits[i] : 0;
        if (!(t->iid[i] = strdup(ph->iid[i]))) return duet_log_oom(strlen(ph->iid[i]) + 1);
    }
    static const char *const extra[] = {"n_phecodes", "record_years", "record_years_missing",
                                        "n_visits"};
    for (int j = 0; j < p; j++) {
        char name[32];
        if (j < k) snprintf(name, sizeof name, "phe%d", j + 1);
        else snprintf(name, sizeof name, "%s", extra[j - k]);
        if (!(t->feature[j] = strdup(name))) return duet_log_oom(sizeof name);
    }
    return DUET_OK;
}

static duet_err_t record(duet_embed_table_t *t, const duet_embed_phecode_opts_t *o,
                         const char *version, const entries_t *es, const model_t *m,
                         int n_removed, int64_t n_with)
{
    duet_err_t err;
    char list[1024] = "", sv[1024] = "";
    for (int i = 0; i < o->n_exclude; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? "," : "",
                 o->exclude[i]);
    for (int j = 0; j < o->dim; j++) {
        char b[48];
        duet_embed_format(m->sigma[j], b);
        snprintf(sv + strlen(sv), sizeof sv - strlen(sv), "%s%s", j ? "," : "", b);
    }
    if ((err = duet_embed_option(t, "phecode_version", "%s", version)) ||
        (err = duet_embed_option(t, "exclude_phecodes", "%s", list)) ||
        (err = duet_embed_option(t, "target", "%s", o->target ? o->target : "")) ||
        (err = duet_embed_option(t, "dim", "%d", o->dim)) ||
        (err = duet_embed_option(t, "min_persons", "%d", o->min_persons)) ||
        (err = duet_embed_option(t, "seed", "%llu", (unsigned long long)o->seed)) ||
        (err = duet_embed_option(t, "tol", "%g", o->tol)) ||
        (err = duet_embed_option(t, "svd_converged", "%s", m->converged ? "yes" : "no")) ||
        (err = duet_embed_option(t, "singular_values", "%s", sv)) ||
        (err = duet_embed_count(t, "persons_with_phecodes", n_with)) ||
        (err = duet_embed_count(t, "phecodes_removed", n_removed)) ||
        (err = duet_embed_count(t, "person_phecode_rows_read", es->n_rows)) ||
        (err = duet_embed_count(t, "person_phecode_rows_removed", es->n_removed_rows)) ||
        (err = duet_embed_count(t, "person_phecode_rows_unlinked", es->n_unlinked_rows)) ||
        (err = duet_embed_count(t, "person_phecode_rows_not_in_table", es->n_unknown_rows)) ||
        (err = duet_embed_count(t, "person_phecode_rows_used", (int64_t)es->n)) ||
        (err = duet_embed_count(t, "phecodes_in_matrix", m->n_vocab)) ||
        (err = duet_embed_count(t, "cooccurring_pairs", m->n_pairs)))
        return err;
    return DUET_OK;
}

duet_err_t duet_embed_phecode(sqlite3 *db, const char *source,
                              const duet_embed_phecode_opts_t *o, duet_embed_table_t **out)
{
    *out = NULL;
    char version[8];
    duet_err_t err = choose_version(db, o->version, version);
    if (err) return err;
    duet_phecode_table_t *table = NULL;
    duet_pheno_t *ph = NULL;
    char *removed = NULL;
    entries_t es;
    memset(&es, 0, sizeof es);
    model_t m;
    memset(&m, 0, sizeof m);
    duet_embed_table_t *t = NULL;
    int64_t n_with = 0;
    if ((err = duet_phecode_table_load(version, &table))) goto cleanup;
    int n_codes = duet_phecode_count(table);
    if (!(removed = duet_calloc((size_t)n_codes + 1, 1))) { err = DUET_ENOMEM; goto cleanup; }
    int n_removed = duet_embed_removed(table, o->exclude, o->n_exclude, o->target, removed);
    if (n_removed < 0) { err = DUET_EUSAGE; goto cleanup; }
    if ((err = load_persons(db, version, &ph))) goto cleanup;
    if ((err = load_entries(db, version, table, removed, ph, &es))) goto cleanup;
    if ((err = vocabulary(&es, n_codes, o->min_persons, &m))) goto cleanup;
    if (m.n_vocab < o->dim + 2) {
        duet_log_error("%d phecodes have --min-persons %d persons or more: too few for --dim %d "
                       "(need at least %d)", m.n_vocab, o->min_persons, o->dim, o->dim + 2);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    if ((err = fit(&es, o, &m))) goto cleanup;
    if (!(t = duet_embed_table_create("phecode", source))) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = duet_embed_table_alloc(t, ph->n_samples, o->dim + 4))) goto cleanup;
    if ((err = person_rows(&es, &m, ph, o->dim, t, &n_with))) goto cleanup;
    if ((err = record(t, o, version, &es, &m, n_removed, n_with))) goto cleanup;
    duet_log_info("phecode %s: %d persons (%lld with phecodes), %d phecodes removed, %d in the "
                  "co-occurrence matrix, %d dimensions", version, ph->n_samples,
                  (long long)n_with, n_removed, m.n_vocab, o->dim);
    *out = t;
    t = NULL;
cleanup:
    duet_embed_table_destroy(t);
    model_free(&m);
    free(es.e);
    free(removed);
    duet_pheno_destroy(ph);
    duet_phecode_table_destroy(table);
    return err;
}
