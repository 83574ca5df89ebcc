/*
 * traitset.c -- the traits and covariates of a scan, aligned on the
 * candidates (the VCF's samples): from a phenotype table or from the store,
 * with covariates from a table and/or the store.  One rule for choosing
 * samples, shared by gwas, phewas and burden (see traitset.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/core.h"
#include "duet/geno.h"
#include "duet/log.h"
#include "duet/phenofile.h"
#include "duet/store.h"
#include "duet/traitset.h"

KHASH_MAP_INIT_STR(ts_id, int)

void duet_traitset_opts_init(duet_traitset_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
}

/* The store's covariates by name. */
enum { SC_SEX, SC_AGE, SC_RECORD_YEARS, SC_N_VISITS, SC_N };
static const char *const store_covar_names[SC_N] = { "sex", "age", "record_years", "n_visits" };

static const double *store_covar(const duet_pheno_t *ph, int which)
{
    switch (which) {
    case SC_SEX: return ph->sex;
    case SC_AGE: return ph->age;
    case SC_RECORD_YEARS: return ph->record_years;
    default: return ph->n_visits;
    }
}

/* Parse db_covars into which[] (indices into store_covar_names). */
static duet_err_t parse_store_covars(const char *list, int *which, int *n_out)
{
    int n = 0;
    const char *s = list;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        int found = -1;
        for (int k = 0; k < SC_N; k++)
            if (strlen(store_covar_names[k]) == len && !strncmp(s, store_covar_names[k], len))
                found = k;
        if (found < 0) {
            duet_log_error("--store-covars: unknown covariate '%.*s' (the store gives %s)",
                           (int)len, s, DUET_STORE_COVARS);
            return DUET_EUSAGE;
        }
        for (int k = 0; k < n; k++)
            if (which[k] == found) {
                duet_log_error("--store-covars names '%s' twice", store_covar_names[found]);
                return DUET_EUSAGE;
            }
        which[n++] = found;
        if (!e) break;
        s = e + 1;
    }
    *n_out = n;
    return DUET_OK;
}

static char *dupstr(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = duet_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Where the traits come from: one of the two. */
typedef struct {
    duet_phenofile_t *table;
    duet_store_t *store;
    duet_pheno_t *ph;
    khash_t(ts_id) *ph_rows;
    int n_rows;                /* samples in the source */
    const char *what;          /* for messages */
    const char *path;
} source_t;

static int source_row(const source_t *src, const char *id)
{
    if (src->table) return duet_phenofile_row(src->table, id);
    khint_t k = kh_get(ts_id, src->ph_rows, id);
    return k == kh_end(src->ph_rows) ? -1 : kh_val(src->ph_rows, k);
}

static int source_n_traits(const source_t *src)
{
    return src->table ? src->table->n_columns : src->ph->n_traits;
}

/* Trait t of row r, NaN when missing. */
static double source_value(const source_t *src, int r, int t)
{
    if (src->table) return src->table->values[(size_t)r * src->table->n_columns + t];
    const duet_trait_t *tr = &src->ph->traits[t];
    if (tr->binary) return tr->code[r] < 0 ? NAN : tr->code[r];
    return tr->value[r];
}

static const char *source_id(const source_t *src, int r)
{
    return src->table ? src->table->ids[r] : src->ph->iid[r];
}

static duet_err_t source_open(const duet_traitset_opts_t *o, source_t *src)
{
    duet_err_t err;
    if (o->pheno) {
        if (o->pheno_names && o->n_pheno_names == 0) {
            duet_log_error("--pheno-name lists no trait");
            return DUET_EUSAGE;
        }
        err = duet_phenofile_read(o->pheno, "phenotype", o->pheno_names, o->n_pheno_names,
                                  &src->table);
        if (err) return err;
        src->n_rows = src->table->n_samples;
        src->what = "the phenotype file";
        src->path = o->pheno;
        return DUET_OK;
    }
    err = duet_store_open(o->db, DUET_STORE_READ, &src->store);
    if (err) return err;
    duet_pheno_opts_t def;
    duet_pheno_opts_init(&def);
    err = duet_pheno_build(duet_store_db(src->store), o->db_opts ? o->db_opts : &def, &src->ph);
    if (err) return err;
    src->n_rows = src->ph->n_samples;
    src->what = "the store";
    src->path = o->db;
    src->ph_rows = kh_init(ts_id);
    if (!src->ph_rows) return DUET_ENOMEM;
    for (int r = 0; r < src->ph->n_samples; r++) {
        int ret;
        khint_t k = kh_put(ts_id, src->ph_rows, src->ph->iid[r], &ret);
        if (ret < 0) return DUET_ENOMEM;
        kh_val(src->ph_rows, k) = r;
    }
    return DUET_OK;
}

static void source_close(source_t *src)
{
    duet_phenofile_destroy(src->table);
    if (src->ph_rows) kh_destroy(ts_id, src->ph_rows);
    duet_pheno_destroy(src->ph);
    duet_store_close(src->store);
}

/* Decide which traits are binary (--binary values checked, file:line)
 * and copy the values of the used rows: into y, or as bytes into code for
 * binary traits of a compact set. */
static duet_err_t fill_traits(const duet_traitset_opts_t *o, const source_t *src,
                              const int *row, duet_traitset_t *ts)
{
    size_t N = (size_t)ts->n_samples;
    int n_y = 0;
    for (int t = 0; t < ts->n_traits; t++) {
        if (src->ph) { /* the store says which traits are binary */
            ts->binary[t] = src->ph->traits[t].binary && !o->quantitative;
            ts->ycol[t] = o->compact && ts->binary[t] ? -1 : n_y++;
            continue;
        }
        int is01 = 1, is12 = 1, seen = 0;
        for (size_t i = 0; i < N; i++) {
            double v = source_value(src, row[i], t);
            if (isnan(v)) continue;
            seen = 1;
            if (v != 0 && v != 1) {
                if (is01 && o->binary) {
                    duet_log_error("%s:%d: trait '%s' has value %g for sample '%s'; --binary "
                                   "traits are 1 (case), 0 (control) or NA", src->path,
                                   src->table->lines[row[i]], ts->names[t], v, ts->ids[i]);
                    return DUET_EFORMAT;
                }
                is01 = 0;
            }
            if (v != 1 && v != 2) is12 = 0;
        }
        ts->binary[t] = seen && is01 && !o->quantitative;
        if (seen && is12 && !is01 && !o->binary)
            duet_log_warn("trait '%s' takes only the values 1 and 2 (plink's case/control "
                          "coding?); analysed as quantitative; recode to 1 case / 0 control "
                          "for a case/control analysis", ts->names[t]);
        ts->ycol[t] = o->compact && ts->binary[t] ? -1 : n_y++;
    }
    ts->y = duet_malloc(N * (n_y ? n_y : 1) * sizeof *ts->y);
    if (o->compact) ts->code = duet_malloc(N * (ts->n_traits ? ts->n_traits : 1));
    if (!ts->y || (o->compact && !ts->code)) return DUET_ENOMEM;
    /* each trait's column on its own: spread over the threads */
#pragma omp parallel for schedule(static)
    for (int t = 0; t < ts->n_traits; t++) {
        if (ts->ycol[t] >= 0) {
            double *col = ts->y + N * ts->ycol[t];
            for (size_t i = 0; i < N; i++) col[i] = source_value(src, row[i], t);
        } else {
            int8_t *col = ts->code + N * t;
            for (size_t i = 0; i < N; i++) {
                double v = source_value(src, row[i], t);
                col[i] = isnan(v) ? -1 : (int8_t)v;
            }
        }
    }
    return DUET_OK;
}

static duet_err_t name_traits(const source_t *src, duet_traitset_t *ts)
{
    int T = ts->n_traits;
    ts->names = duet_calloc((size_t)T + 1, sizeof *ts->names);
    ts->descriptions = duet_calloc((size_t)T + 1, sizeof *ts->descriptions);
    ts->categories = duet_calloc((size_t)T + 1, sizeof *ts->categories);
    if (!ts->names || !ts->descriptions || !ts->categories) return DUET_ENOMEM;
    for (int t = 0; t < T; t++) {
        if (src->table) {
            if (!(ts->names[t] = dupstr(src->table->names[t]))) return DUET_ENOMEM;
            continue;
        }
        const duet_trait_t *tr = &src->ph->traits[t];
        ts->names[t] = dupstr(tr->name);
        if (!ts->names[t]) return DUET_ENOMEM;
        if (tr->binary) {
            ts->descriptions[t] = dupstr(tr->description);
            ts->categories[t] = dupstr(tr->category);
            if ((tr->description && !ts->descriptions[t]) || (tr->category && !ts->categories[t]))
                return DUET_ENOMEM;
        }
    }
    return DUET_OK;
}

static void report_no_shared(const duet_traitset_opts_t *o, const source_t *src)
{
    kstring_t a = { 0, 0, NULL }, b = { 0, 0, NULL };
    for (int j = 0; j < o->n_candidates && j < 3; j++)
        ksprintf(&a, "%s'%s'", j ? ", " : "", o->candidates[j]);
    for (int j = 0; j < src->n_rows && j < 3; j++)
        ksprintf(&b, "%s'%s'", j ? ", " : "", source_id(src, j));
    duet_log_error("no sample is shared by %s (%d samples, e.g. %s) and %s '%s' (%d samples, "
                   "e.g. %s)", o->candidates_what ? o->candidates_what : "the genotypes",
                   o->n_candidates, a.s ? a.s : "none", src->what, src->path, src->n_rows,
                   b.s ? b.s : "none");
    free(a.s);
    free(b.s);
}

/* The covariates of the samples used (rows row[] of the source, crow[]
 * of the covariate table): the store's (sc_which, n_sc) first, then the
 * table's; a name in both is refused. */
static duet_err_t fill_covars(const duet_traitset_opts_t *o, const source_t *src,
                              const int *sc_which, int n_sc, const duet_phenofile_t *covar,
                              const int *row, const int *crow, duet_traitset_t *ts)
{
    size_t N = (size_t)ts->n_samples;
    int C_tab = covar ? covar->n_columns : 0, C = n_sc + C_tab;
    ts->n_covars = C;
    ts->covar_names = duet_calloc((size_t)C + 1, sizeof *ts->covar_names);
    ts->x = duet_malloc(N * (C ? C : 1) * sizeof *ts->x);
    if (!ts->covar_names || !ts->x) return DUET_ENOMEM;
    for (int k = 0; k < n_sc; k++) {
        const double *v = store_covar(src->ph, sc_which[k]);
        if (!(ts->covar_names[k] = dupstr(store_covar_names[sc_which[k]]))) return DUET_ENOMEM;
        for (size_t i = 0; i < N; i++) ts->x[N * k + i] = v[row[i]];
    }
    for (int c = 0; c < C_tab; c++) {
        int k = n_sc + c;
        for (int u = 0; u < k; u++)
            if (!strcmp(ts->covar_names[u], covar->names[c])) {
                duet_log_error("covariate '%s' comes from both the store and '%s'",
                               covar->names[c], o->covar);
                return DUET_EMISMATCH;
            }
        if (!(ts->covar_names[k] = dupstr(covar->names[c]))) return DUET_ENOMEM;
        for (size_t i = 0; i < N; i++) ts->x[N * k + i] = covar->values[(size_t)crow[i] * C_tab + c];
    }
    return DUET_OK;
}

duet_err_t duet_traitset_load(const duet_traitset_opts_t *o, duet_traitset_t **out)
{
    *out = NULL;
    if (!o->pheno == !o->db) {
        duet_log_error("give exactly one trait source: a phenotype table or the store");
        return DUET_EUSAGE;
    }
    if (o->db_covars && !o->db) {
        duet_log_error("--store-covars needs --db");
        return DUET_EUSAGE;
    }
    int sc_which[SC_N], n_sc = 0;
    duet_err_t err;
    if (o->db && (err = parse_store_covars(o->db_covars ? o->db_covars : "sex,age", sc_which,
                                           &n_sc)))
        return err;

    source_t src;
    memset(&src, 0, sizeof src);
    duet_phenofile_t *covar = NULL;
    duet_idlist_t *keep = NULL, *remove = NULL;
    int *row = NULL, *crow = NULL;
    duet_traitset_t *ts = duet_calloc(1, sizeof *ts);
    kstring_t sum = { 0, 0, NULL };
    if (!ts) return duet_log_oom(0);

    if ((err = source_open(o, &src))) goto cleanup;
    if (o->covar) {
        if (o->covar_names && o->n_covar_names == 0) {
            duet_log_error("--covar-name lists no covariate");
            err = DUET_EUSAGE;
            goto cleanup;
        }
        err = duet_phenofile_read(o->covar, "covariate", o->covar_names, o->n_covar_names, &covar);
        if (err) goto cleanup;
    }
    if (o->keep && (err = duet_idlist_read(o->keep, 0, &keep))) goto cleanup;
    if (o->remove && (err = duet_idlist_read(o->remove, 0, &remove))) goto cleanup;

    int n_cand = o->n_candidates, T = source_n_traits(&src);
    int C_tab = covar ? covar->n_columns : 0, C = n_sc + C_tab;
    ts->ids = duet_calloc((size_t)n_cand + 1, sizeof *ts->ids);
    ts->candidate = duet_malloc(((size_t)n_cand + 1) * sizeof *ts->candidate);
    row = duet_malloc(((size_t)n_cand + 1) * sizeof *row);
    crow = duet_malloc(((size_t)n_cand + 1) * sizeof *crow);
    if (!ts->ids || !ts->candidate || !row || !crow) { err = DUET_ENOMEM; goto cleanup; }

    int n_shared = 0, n_kept_out = 0, n_no_covar = 0, n_no_value = 0, n = 0;
    for (int j = 0; j < n_cand; j++) {
        const char *id = o->candidates[j];
        int r = source_row(&src, id);
        if (r < 0) continue;
        n_shared++;
        if ((keep && !duet_idlist_has(keep, id)) || (remove && duet_idlist_has(remove, id))) {
            n_kept_out++;
            continue;
        }
        int complete = 1, cr = -1;
        for (int k = 0; k < n_sc && complete; k++)
            if (isnan(store_covar(src.ph, sc_which[k])[r])) complete = 0;
        if (complete && covar) {
            cr = duet_phenofile_row(covar, id);
            complete = cr >= 0;
            for (int c = 0; complete && c < C_tab; c++)
                if (isnan(covar->values[(size_t)cr * C_tab + c])) complete = 0;
        }
        if (!complete) { n_no_covar++; continue; }
        int any = 0;
        for (int t = 0; t < T && !any; t++) any = !isnan(source_value(&src, r, t));
        if (!any) { n_no_value++; continue; }
        if (!(ts->ids[n] = dupstr(id))) { err = DUET_ENOMEM; goto cleanup; }
        ts->candidate[n] = j;
        row[n] = r;
        crow[n] = cr;
        ts->n_samples = ++n;
    }
    if (n_shared == 0) {
        report_no_shared(o, &src);
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    if (n == 0) {
        duet_log_error("no samples left: %d shared by the genotypes and %s, %d removed by "
                       "--keep/--remove, %d without complete covariates, %d without any trait "
                       "value", n_shared, src.what, n_kept_out, n_no_covar, n_no_value);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    ksprintf(&sum, "samples: %d in the VCF, %d in %s, %d shared", n_cand, src.n_rows, src.what,
             n_shared);
    if (keep || remove) ksprintf(&sum, ", %d removed by --keep/--remove", n_kept_out);
    if (C) ksprintf(&sum, ", %d without complete covariates", n_no_covar);
    ksprintf(&sum, ", %d without any trait value; %d used", n_no_value, n);
    if (!sum.s) { err = DUET_ENOMEM; goto cleanup; }

    /* traits */
    ts->n_traits = T;
    ts->binary = duet_calloc((size_t)T + 1, sizeof *ts->binary);
    ts->ycol = duet_calloc((size_t)T + 1, sizeof *ts->ycol);
    if (!ts->binary || !ts->ycol) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = name_traits(&src, ts))) goto cleanup;
    if ((err = fill_traits(o, &src, row, ts))) goto cleanup;

    /* covariates: the store's first, then the table's */
    if ((err = fill_covars(o, &src, sc_which, n_sc, covar, row, crow, ts))) goto cleanup;
    if (src.ph) {
        memcpy(ts->phecode_version, src.ph->version, sizeof ts->phecode_version);
        ts->phecode_version[sizeof ts->phecode_version - 1] = '\0';
    }
    ts->summary = sum.s;
    sum.s = NULL;
    *out = ts;
    ts = NULL;
    err = DUET_OK;

cleanup:
    free(sum.s);
    free(row);
    free(crow);
    duet_idlist_destroy(keep);
    duet_idlist_destroy(remove);
    duet_phenofile_destroy(covar);
    source_close(&src);
    duet_traitset_destroy(ts);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}

void duet_traitset_destroy(duet_traitset_t *ts)
{
    if (!ts) return;
    for (int i = 0; i < ts->n_samples; i++) free(ts->ids[i]);
    free(ts->ids);
    free(ts->candidate);
    for (int t = 0; t < ts->n_traits; t++) {
        if (ts->names) free(ts->names[t]);
        if (ts->descriptions) free(ts->descriptions[t]);
        if (ts->categories) free(ts->categories[t]);
    }
    free(ts->names);
    free(ts->descriptions);
    free(ts->categories);
    free(ts->binary);
    free(ts->y);
    free(ts->ycol);
    free(ts->code);
    for (int c = 0; c < ts->n_covars; c++)
        if (ts->covar_names) free(ts->covar_names[c]);
    free(ts->covar_names);
    free(ts->x);
    free(ts->summary);
    free(ts);
}

duet_err_t duet_traitset_load_vcf(const char *vcf, duet_traitset_opts_t *o,
                                  duet_traitset_t **out)
{
    *out = NULL;
    duet_geno_opts_t g;
    duet_geno_opts_init(&g, vcf);
    duet_geno_t *probe = NULL;
    duet_err_t err = duet_geno_open(&g, &probe);
    if (err) return err;
    int n = duet_geno_n_file_samples(probe);
    const char **ids = duet_malloc(((size_t)n + 1) * sizeof *ids);
    kstring_t what = { 0, 0, NULL };
    ksprintf(&what, "the VCF '%s'", vcf);
    if (!ids || !what.s) {
        err = duet_log_oom(0);
    } else {
        for (int j = 0; j < n; j++) ids[j] = duet_geno_file_sample(probe, j);
        o->candidates = ids;
        o->n_candidates = n;
        o->candidates_what = what.s;
        err = duet_traitset_load(o, out);
        o->candidates = NULL;
        o->n_candidates = 0;
        o->candidates_what = NULL;
    }
    free(ids);
    free(what.s);
    duet_geno_close(probe);
    return err;
}

const double *duet_traitset_column(const duet_traitset_t *ts, int t, double *buf)
{
    size_t N = (size_t)ts->n_samples;
    if (ts->ycol[t] >= 0) return ts->y + N * ts->ycol[t];
    const int8_t *c = ts->code + N * t;
    for (size_t i = 0; i < N; i++) buf[i] = c[i] < 0 ? NAN : c[i];
    return buf;
}

void duet_traitset_count(const duet_traitset_t *ts, int t, int *n_cases, int *n_controls)
{
    int a = 0, b = 0;
    for (int i = 0; i < ts->n_samples; i++) {
        double v = ts->ycol[t] >= 0 ? ts->y[(size_t)ts->n_samples * ts->ycol[t] + i]
                                    : ts->code[(size_t)ts->n_samples * t + i];
        if (v == 1) a++;
        else if (v == 0) b++;
    }
    *n_cases = a;
    *n_controls = b;
}
