/*
 * labs.c -- the labs modality of embed.h.  The values are duet pheno's
 * (duet_pheno_build() with two --quant traits per lab, median and last, so
 * that unit choice, plausible ranges and the inverse normal transformation
 * are exactly those of `duet pheno --quant`); the per-person count re-reads
 * the rows that those filters keep.  Values are then standardised over the
 * persons who have one; a missing value becomes 0 (the mean) with the
 * indicator NAME_missing set, so that the table holds no NA.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/embed.h"
#include "duet/log.h"

typedef struct {
    int64_t person_id;
    int sample;
} pid_sample_t;

static int pid_sample_cmp(const void *a, const void *b)
{
    const pid_sample_t *x = a, *y = b;
    return (x->person_id > y->person_id) - (x->person_id < y->person_id);
}

/* Rows per person of `q`'s concepts that duet pheno kept: unit `unit`, a
 * numeric value, inside the plausible range (q's, else duet_quant_limits()). */
static duet_err_t count_rows(sqlite3 *db, const duet_quant_spec_t *q, int64_t unit,
                             const pid_sample_t *pids, int n, double *count)
{
    size_t len = 200 + (size_t)q->n_concepts * 24;
    char *sql = duet_malloc(len);
    if (!sql) return DUET_ENOMEM;
    int l = snprintf(sql, len, "SELECT person_id, measurement_concept_id, value_as_number "
                               "FROM measurement WHERE value_as_number IS NOT NULL AND "
                               "coalesce(unit_concept_id, 0) = %lld AND "
                               "measurement_concept_id IN (", (long long)unit);
    for (int i = 0; i < q->n_concepts; i++)
        l += snprintf(sql + l, len - (size_t)l, "%s%lld", i ? "," : "", (long long)q->concepts[i]);
    snprintf(sql + l, len - (size_t)l, ")");
    sqlite3_stmt *st = NULL;
    duet_err_t err = DUET_OK;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        duet_log_error("counting measurement rows of %s: %s", q->name, sqlite3_errmsg(db));
        err = DUET_EINTERNAL;
        goto cleanup;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int type = sqlite3_column_type(st, 2);
        double v = sqlite3_column_double(st, 2);
        if ((type != SQLITE_FLOAT && type != SQLITE_INTEGER) || !isfinite(v)) continue;
        double lo, hi;
        int has = q->has_range;
        if (has) {
            lo = q->lo;
            hi = q->hi;
        } else {
            has = duet_quant_limits(sqlite3_column_int64(st, 1), unit, &lo, &hi);
        }
        if (has && (v < lo || v > hi)) continue;
        pid_sample_t key = {sqlite3_column_int64(st, 0), 0};
        const pid_sample_t *hit = bsearch(&key, pids, (size_t)n, sizeof *pids, pid_sample_cmp);
        if (hit) count[hit->sample] += 1;
    }
    if (rc != SQLITE_DONE) {
        duet_log_error("counting measurement rows of %s: %s", q->name, sqlite3_errmsg(db));
        err = DUET_EINTERNAL;
    }
cleanup:
    sqlite3_finalize(st);
    free(sql);
    return err;
}

/* Standardise the non-NaN values (mean 0, SD 1; SD 0 leaves them centred)
 * and set NaN to 0. */
static void standardise(double *x, int n, int stride)
{
    double sum = 0, ss = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        double v = x[(size_t)i * stride];
        if (isnan(v)) continue;
        sum += v;
        m++;
    }
    double mean = m ? sum / m : 0;
    for (int i = 0; i < n; i++) {
        double v = x[(size_t)i * stride];
        if (!isnan(v)) ss += (v - mean) * (v - mean);
    }
    double sd = m > 1 ? sqrt(ss / (m - 1)) : 0;
    for (int i = 0; i < n; i++) {
        double *v = &x[(size_t)i * stride];
        if (isnan(*v)) *v = 0;
        else *v = sd > 0 ? (*v - mean) / sd : *v - mean;
    }
}

/* Two copies of each spec (median, last), concept lists copied. */
static duet_err_t double_specs(const duet_quant_spec_t *specs, int n, duet_quant_spec_t **out)
{
    duet_quant_spec_t *q = duet_calloc(2 * (size_t)n + 1, sizeof *q);
    if (!q) return DUET_ENOMEM;
    *out = q;
    for (int i = 0; i < 2 * n; i++) {
        const duet_quant_spec_t *s = &specs[i / 2];
        q[i] = *s;
        q[i].agg = i % 2 ? DUET_AGG_LAST : DUET_AGG_MEDIAN;
        snprintf(q[i].name, sizeof q[i].name, "%.50s_%s", s->name, i % 2 ? "last" : "median");
        q[i].concepts = duet_malloc(((size_t)s->n_concepts + 1) * sizeof *q[i].concepts);
        if (!q[i].concepts) return DUET_ENOMEM;
        memcpy(q[i].concepts, s->concepts, (size_t)s->n_concepts * sizeof *s->concepts);
    }
    return DUET_OK;
}

/* Columns of lab `l` from the built traits 2l (median) and 2l + 1 (last). */
static duet_err_t fill_lab(sqlite3 *db, const duet_quant_spec_t *q, const duet_pheno_t *ph,
                           int l, const pid_sample_t *pids, duet_embed_table_t *t)
{
    int n = ph->n_samples, p = t->n_features;
    const duet_trait_t *med = &ph->traits[2 * l], *last = &ph->traits[2 * l + 1];
    double *x = t->x + 4 * l;
    for (int i = 0; i < n; i++) {
        x[(size_t)i * p] = med->value[i];
        x[(size_t)i * p + 1] = last->value[i];
        x[(size_t)i * p + 3] = isnan(med->value[i]);
    }
    double *count = duet_calloc((size_t)n + 1, sizeof *count);
    if (!count) return DUET_ENOMEM;
    duet_err_t err = count_rows(db, q, med->unit, pids, n, count);
    for (int i = 0; i < n; i++) x[(size_t)i * p + 2] = count[i];
    free(count);
    if (err) return err;
    standardise(x, n, p);
    standardise(x + 1, n, p);
    static const char *const suffix[] = {"median", "last", "count", "missing"};
    for (int c = 0; c < 4; c++) {
        char name[DUET_TRAIT_NAME_MAX + 16];
        snprintf(name, sizeof name, "%s_%s", q->name, suffix[c]);
        if (!(t->feature[4 * l + c] = strdup(name))) return duet_log_oom(sizeof name);
    }
    char key[DUET_TRAIT_NAME_MAX + 32];
    snprintf(key, sizeof key, "%s_unit_concept_id", q->name);
    if ((err = duet_embed_option(t, key, "%lld", (long long)med->unit))) return err;
    snprintf(key, sizeof key, "%s_persons", q->name);
    if ((err = duet_embed_count(t, key, med->n))) return err;
    snprintf(key, sizeof key, "%s_rows", q->name);
    if ((err = duet_embed_count(t, key, med->n_rows))) return err;
    snprintf(key, sizeof key, "%s_rows_other_unit", q->name);
    if ((err = duet_embed_count(t, key, med->n_rows_other_unit))) return err;
    snprintf(key, sizeof key, "%s_rows_implausible", q->name);
    return duet_embed_count(t, key, med->n_rows_implausible);
}

duet_err_t duet_embed_labs(sqlite3 *db, const char *source, const duet_quant_spec_t *specs,
                           int n_specs, int inverse_normal, duet_embed_table_t **out)
{
    *out = NULL;
    duet_quant_spec_t *q = NULL;
    duet_pheno_t *ph = NULL;
    duet_embed_table_t *t = NULL;
    pid_sample_t *pids = NULL;
    duet_err_t err = double_specs(specs, n_specs, &q);
    if (err) goto cleanup;
    duet_pheno_opts_t po;
    duet_pheno_opts_init(&po);
    po.no_phecodes = 1;
    po.quant = q;
    po.n_quant = 2 * n_specs;
    po.inverse_normal = inverse_normal;
    if ((err = duet_pheno_build(db, &po, &ph))) goto cleanup;
    int n = ph->n_samples;
    if (!(pids = duet_malloc(((size_t)n + 1) * sizeof *pids))) { err = DUET_ENOMEM; goto cleanup; }
    for (int i = 0; i < n; i++) {
        pids[i].person_id = ph->person_id[i];
        pids[i].sample = i;
    }
    qsort(pids, (size_t)n, sizeof *pids, pid_sample_cmp);
    if (!(t = duet_embed_table_create("labs", source))) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = duet_embed_table_alloc(t, n, 4 * n_specs))) goto cleanup;
    for (int i = 0; i < n; i++)
        if (!(t->iid[i] = strdup(ph->iid[i]))) { err = duet_log_oom(1); goto cleanup; }
    if ((err = duet_embed_option(t, "inverse_normal", "%s", inverse_normal ? "yes" : "no")))
        goto cleanup;
    for (int l = 0; l < n_specs; l++)
        if ((err = fill_lab(db, &specs[l], ph, l, pids, t))) goto cleanup;
    *out = t;
    t = NULL;
cleanup:
    if (q)
        for (int i = 0; i < 2 * n_specs; i++) duet_quant_spec_free(&q[i]);
    free(q);
    free(pids);
    duet_pheno_destroy(ph);
    duet_embed_table_destroy(t);
    return err;
}
