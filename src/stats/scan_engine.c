/*
 * scan_engine.c -- the association scan engine (see scan.h): traits grouped into
 * sample sets by missingness, one covariate design and QR per set, linear
 * traits tested together by BLAS-3, binary traits by score test / Wald /
 * Firth, per block of variants.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "duet/bintest.h"
#include "duet/design.h"
#include "duet/log.h"
#include "duet/logreg.h"
#include "duet/scan.h"
#include "duet/stats.h"

typedef struct {
    int n;             /* samples */
    int *rows;         /* reader rows, ascending */
    int *inv;          /* reader row -> set row, or -1 (NULL when is_all) */
    int is_all;        /* rows are 0..N-1 */
    int k;             /* design columns, intercept included */
    double *x;         /* n x k design */
    duet_qr_t *qr;
    duet_linreg_t *lin;
    int n_lin, *lin_traits;
    int n_bin, *bin_traits;
    duet_logreg_null_t **nulls; /* per binary trait of the set */
} set_t;

struct duet_scan_t {
    duet_scan_opts_t opts;
    int n_samples;
    int n_traits;
    duet_scan_trait_t *traits;
    char **trait_names;
    int n_sets;
    set_t *sets;
    int max_set_n, max_k, max_stride, max_lin;
    size_t max_drop_work;
};

struct duet_scan_work_t {
    int max_variants;
    double *g;        /* gathered genotypes, max_set_n x max_variants */
    double *sums;     /* max_stride x max_variants */
    double *gss, *gg, *af, *info, *mac;
    int *n_called, *n_miss;
    int *drop;        /* max_set_n */
    int *urow;        /* n_samples: reader rows with a missing call */
    uint8_t *dmask, *kmask;
    double *dwork;
    duet_assoc_t *tmp; /* max_lin */
    duet_bintest_work_t *bt;
};

void duet_scan_opts_init(duet_scan_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->missing = DUET_MISSING_MEAN;
    duet_bintest_opts_init(&o->binary);
    o->drop_collinear = 0;
    o->min_mac = 0;
}

static void set_free(set_t *s)
{
    free(s->rows);
    free(s->inv);
    free(s->x);
    duet_qr_destroy(s->qr);
    duet_linreg_destroy(s->lin);
    free(s->lin_traits);
    free(s->bin_traits);
    if (s->nulls)
        for (int b = 0; b < s->n_bin; b++) duet_logreg_null_destroy(s->nulls[b]);
    free(s->nulls);
}

void duet_scan_destroy(duet_scan_t *sc)
{
    if (!sc) return;
    for (int s = 0; s < sc->n_sets; s++) set_free(&sc->sets[s]);
    free(sc->sets);
    if (sc->traits)
        for (int t = 0; t < sc->n_traits; t++) {
            free(sc->traits[t].covars_dropped);
            free(sc->traits[t].covars_used);
        }
    free(sc->traits);
    if (sc->trait_names)
        for (int t = 0; t < sc->n_traits; t++) free(sc->trait_names[t]);
    free(sc->trait_names);
    free(sc);
}

int duet_scan_n_traits(const duet_scan_t *sc) { return sc->n_traits; }
const duet_scan_trait_t *duet_scan_trait(const duet_scan_t *sc, int t) { return &sc->traits[t]; }
int duet_scan_n_sets(const duet_scan_t *sc) { return sc->n_sets; }

/* "a, b and 3 more" style list of the traits of set s, for messages */
static void set_trait_list(const duet_scan_t *sc, int s, kstring_t *ks)
{
    int shown = 0, total = 0;
    for (int t = 0; t < sc->n_traits; t++) {
        if (sc->traits[t].skipped || sc->traits[t].set != s) continue;
        total++;
        if (shown < 5) {
            ksprintf(ks, "%s'%s'", shown ? ", " : "", sc->traits[t].name);
            shown++;
        }
    }
    if (total > shown) ksprintf(ks, " and %d more", total - shown);
}

static void skip_trait(duet_scan_t *sc, int t, const char *why)
{
    duet_log_warn("trait '%s' skipped: %s", sc->traits[t].name, why);
    sc->traits[t].skipped = 1;
    sc->traits[t].set = -1;
}

/* Build the design, QR, linear model and null models of set s.  Traits
 * that cannot be tested are skipped.  Returns DUET_OK, or an error. */
static duet_err_t set_build(duet_scan_t *sc, int s, const duet_scan_input_t *in)
{
    set_t *st = &sc->sets[s];
    int n = st->n, N = in->n_samples, C = in->n_covars;
    size_t nr = (size_t)n;
    duet_err_t err = DUET_ENOMEM;
    char *dropped = NULL, *used = NULL, *names = NULL, *tl_s = NULL;
    double *x = duet_malloc(nr * ((size_t)C + 1) * sizeof *x);
    duet_design_col_t *cst = duet_malloc(((size_t)C + 1) * sizeof *cst);
    double *y = NULL;
    int k = 0;
    if (!x || !cst) goto cleanup;
    err = duet_design_build(in->covars, N, C, st->rows, n, x, &k, cst, &st->qr);
    if (err) goto cleanup;
    kstring_t tl = { 0, 0, NULL };
    set_trait_list(sc, s, &tl);
    tl_s = tl.s;
    for (int c = 0; c < C; c++)
        if (cst[c] == DUET_DESIGN_CONSTANT)
            duet_log_warn("covariate '%s' is constant in the samples of %s; dropped",
                          in->covar_names[c], tl_s ? tl_s : "");
    if (n <= k + 1) {
        for (int t = 0; t < sc->n_traits; t++)
            if (!sc->traits[t].skipped && sc->traits[t].set == s) {
                char why[128];
                snprintf(why, sizeof why, "%d samples for %d parameters", n, k + 1);
                skip_trait(sc, t, why);
            }
        err = DUET_OK;
        goto cleanup;
    }
    int n_dep = 0;
    kstring_t nk = { 0, 0, NULL };
    for (int c = 0; c < C; c++)
        if (cst[c] == DUET_DESIGN_COLLINEAR)
            ksprintf(&nk, "%s'%s'", n_dep++ ? ", " : "", in->covar_names[c]);
    names = nk.s;
    if (n_dep && !names) { err = DUET_ENOMEM; goto cleanup; }
    if (n_dep) {
        if (!sc->opts.drop_collinear) {
            duet_log_error("covariate%s %s %s a linear combination of the intercept and "
                           "the covariates listed before (samples of %s); remove %s or use "
                           "--drop-collinear", n_dep > 1 ? "s" : "", names,
                           n_dep > 1 ? "are each" : "is", tl_s ? tl_s : "",
                           n_dep > 1 ? "them" : "it");
            err = DUET_EDEGENERATE;
            goto cleanup;
        }
        duet_log_warn("covariate%s %s collinear with earlier covariates in the samples of "
                      "%s; dropped (--drop-collinear)", n_dep > 1 ? "s" : "", names,
                      tl_s ? tl_s : "");
    }
    if ((err = duet_design_names((const char *const *)in->covar_names, C, cst, 0,
                                 DUET_DESIGN_KEPT, 0, &dropped)) ||
        (err = duet_design_names((const char *const *)in->covar_names, C, cst, 1,
                                 DUET_DESIGN_KEPT, 0, &used)))
        goto cleanup;
    err = DUET_ENOMEM;
    st->k = k;
    st->x = x;
    x = NULL;

    /* linear traits */
    st->lin_traits = duet_malloc((size_t)sc->n_traits * sizeof *st->lin_traits);
    st->bin_traits = duet_malloc((size_t)sc->n_traits * sizeof *st->bin_traits);
    if (!st->lin_traits || !st->bin_traits) { err = DUET_ENOMEM; goto cleanup; }
    for (int t = 0; t < sc->n_traits; t++) {
        if (sc->traits[t].skipped || sc->traits[t].set != s) continue;
        if (sc->traits[t].binary) st->bin_traits[st->n_bin++] = t;
        else st->lin_traits[st->n_lin++] = t;
    }
    if (st->n_lin) {
        y = duet_malloc(nr * st->n_lin * sizeof *y);
        if (!y) { err = DUET_ENOMEM; goto cleanup; }
        for (int l = 0; l < st->n_lin; l++) {
            const double *v = in->traits + (size_t)N * st->lin_traits[l];
            for (int i = 0; i < n; i++) y[nr * l + i] = v[st->rows[i]];
        }
        err = duet_linreg_create(st->qr, y, n, st->n_lin, &st->lin);
        if (err) goto cleanup;
    }
    if (st->n_bin) {
        st->nulls = duet_calloc((size_t)st->n_bin, sizeof *st->nulls);
        free(y);
        y = duet_malloc(nr * sizeof *y);
        if (!st->nulls || !y) { err = DUET_ENOMEM; goto cleanup; }
        for (int b = 0; b < st->n_bin; b++) {
            int t = st->bin_traits[b];
            const double *v = in->traits + (size_t)N * t;
            for (int i = 0; i < n; i++) y[i] = v[st->rows[i]];
            err = duet_logreg_null_create(st->x, n, n, k, y, &st->nulls[b]);
            if (err) goto cleanup;
            if (st->nulls[b]->status == DUET_FIT_OK) {
                /* the start of Firth's restricted fits */
                err = duet_logreg_null_fit_firth(st->nulls[b]);
                if (err) goto cleanup;
            } else {
                skip_trait(sc, t, st->nulls[b]->status == DUET_FIT_SEPARATION
                                      ? "the covariates separate cases from controls "
                                        "(null model fitted probabilities of 0 or 1)"
                                      : "the null logistic model does not converge");
            }
        }
    }
    for (int t = 0; t < sc->n_traits; t++) {
        duet_scan_trait_t *tr = &sc->traits[t];
        if (tr->skipped || tr->set != s) continue;
        tr->n_covars_used = k - 1;
        if (dropped && !(tr->covars_dropped = strdup(dropped))) { err = DUET_ENOMEM; goto cleanup; }
        if (used && !(tr->covars_used = strdup(used))) { err = DUET_ENOMEM; goto cleanup; }
    }
    err = DUET_OK;
cleanup:
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    free(x);
    free(cst);
    free(y);
    free(dropped);
    free(used);
    free(names);
    free(tl_s);
    return err;
}

/* FNV-1a over the mask, 8 bytes at a time. */
static uint64_t mask_hash(const uint8_t *m, int n)
{
    uint64_t h = 1469598103934665603ull;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, m + i, 8);
        h = (h ^ word) * 1099511628211ull;
    }
    for (; i < n; i++) h = (h ^ m[i]) * 1099511628211ull;
    return h;
}

duet_err_t duet_scan_create(const duet_scan_input_t *in, const duet_scan_opts_t *opts,
                            duet_scan_t **out)
{
    *out = NULL;
    duet_err_t err = DUET_ENOMEM;
    int N = in->n_samples, T = in->n_traits;
    uint8_t *masks = NULL;
    int *set_rep = NULL, *table = NULL;
    uint64_t *set_hash = NULL;
    duet_scan_t *sc = duet_calloc(1, sizeof *sc);
    if (!sc) return DUET_ENOMEM;
    sc->opts = *opts;
    sc->n_samples = N;
    sc->n_traits = T;
    sc->traits = duet_calloc((size_t)T, sizeof *sc->traits);
    sc->trait_names = duet_calloc((size_t)T, sizeof *sc->trait_names);
    sc->sets = duet_calloc((size_t)(T ? T : 1), sizeof *sc->sets);
    masks = duet_malloc((size_t)N * (T ? T : 1));
    if (!sc->traits || !sc->trait_names || !sc->sets || !masks) goto cleanup;

    /* traits: samples with a value, degenerate ones skipped */
    for (int t = 0; t < T; t++) {
        duet_scan_trait_t *tr = &sc->traits[t];
        sc->trait_names[t] = strdup(in->trait_names[t]);
        if (!sc->trait_names[t]) goto cleanup;
        tr->name = sc->trait_names[t];
        tr->binary = in->binary[t];
        tr->set = -1;
        const double *v = in->traits + (size_t)N * t;
        uint8_t *m = masks + (size_t)N * t;
        int n = 0, cases = 0, distinct = 0;
        double first = NAN;
        for (int i = 0; i < N; i++) {
            m[i] = !isnan(v[i]);
            if (!m[i]) continue;
            if (!n) first = v[i];
            else if (v[i] != first) distinct = 1;
            n++;
            cases += v[i] == 1;
        }
        tr->n = n;
        if (tr->binary) {
            tr->n_cases = cases;
            tr->n_controls = n - cases;
        }
        if (n == 0) skip_trait(sc, t, "no sample with a value");
        else if (tr->binary && cases == 0) skip_trait(sc, t, "no cases");
        else if (tr->binary && cases == n) skip_trait(sc, t, "no controls");
        else if (!distinct) skip_trait(sc, t, "one value only");
    }
    /* sets: identical masks, found through a hash of each mask (phecodes'
     * exclusion patterns make most traits a set of their own: comparing
     * every trait with every set would cost O(T^2 N)) */
    set_rep = duet_malloc((size_t)(T ? T : 1) * sizeof *set_rep);
    set_hash = duet_malloc((size_t)(T ? T : 1) * sizeof *set_hash);
    size_t cap = 16;
    while (cap < 2 * (size_t)T) cap *= 2;
    table = duet_malloc(cap * sizeof *table);
    if (!set_rep || !set_hash || !table) goto cleanup;
    for (size_t h = 0; h < cap; h++) table[h] = -1;
    for (int t = 0; t < T; t++) {
        if (sc->traits[t].skipped) continue;
        const uint8_t *m = masks + (size_t)N * t;
        uint64_t hash = mask_hash(m, N);
        size_t slot = (size_t)(hash & (cap - 1));
        int s = -1;
        for (; table[slot] >= 0; slot = (slot + 1) & (cap - 1)) {
            int c = table[slot];
            if (set_hash[c] == hash && !memcmp(masks + (size_t)N * set_rep[c], m, (size_t)N)) {
                s = c;
                break;
            }
        }
        if (s < 0) {
            s = sc->n_sets;
            table[slot] = s;
            set_rep[s] = t;
            set_hash[s] = hash;
            set_t *st = &sc->sets[sc->n_sets++];
            st->n = sc->traits[t].n;
            st->rows = duet_malloc((size_t)st->n * sizeof *st->rows);
            if (!st->rows) goto cleanup;
            int c = 0;
            for (int i = 0; i < N; i++)
                if (m[i]) st->rows[c++] = i;
            st->is_all = st->n == N;
            if (!st->is_all) {
                st->inv = duet_malloc((size_t)N * sizeof *st->inv);
                if (!st->inv) goto cleanup;
                for (int i = 0; i < N; i++) st->inv[i] = -1;
                for (int i = 0; i < st->n; i++) st->inv[st->rows[i]] = i;
            }
        }
        sc->traits[t].set = s;
    }
    for (int s = 0; s < sc->n_sets; s++) {
        err = set_build(sc, s, in);
        if (err) goto cleanup;
    }
    int left = 0;
    for (int t = 0; t < T; t++) left += !sc->traits[t].skipped;
    if (!left) {
        duet_log_error("no trait left to test");
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    for (int s = 0; s < sc->n_sets; s++) {
        set_t *st = &sc->sets[s];
        if (st->n > sc->max_set_n) sc->max_set_n = st->n;
        if (st->k > sc->max_k) sc->max_k = st->k;
        int stride = st->k + st->n_lin + 1;
        if (st->k + 2 > stride) stride = st->k + 2;
        if (stride > sc->max_stride) sc->max_stride = stride;
        if (st->n_lin > sc->max_lin) sc->max_lin = st->n_lin;
        if (st->lin && duet_linreg_drop_work(st->lin) > sc->max_drop_work)
            sc->max_drop_work = duet_linreg_drop_work(st->lin);
        for (int b = 0; b < st->n_bin; b++)
            if (st->nulls[b] && duet_logreg_score_drop_work(st->nulls[b]) > sc->max_drop_work)
                sc->max_drop_work = duet_logreg_score_drop_work(st->nulls[b]);
    }
    *out = sc;
    sc = NULL;
    err = DUET_OK;
cleanup:
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    free(masks);
    free(set_rep);
    free(set_hash);
    free(table);
    duet_scan_destroy(sc);
    return err;
}

/* ------------------------------------------------------------------ */
/* Blocks */

void duet_scan_work_destroy(duet_scan_work_t *w)
{
    if (!w) return;
    free(w->g);
    free(w->sums);
    free(w->gss);
    free(w->gg);
    free(w->af);
    free(w->info);
    free(w->mac);
    free(w->n_called);
    free(w->n_miss);
    free(w->drop);
    free(w->urow);
    free(w->dmask);
    free(w->kmask);
    free(w->dwork);
    free(w->tmp);
    duet_bintest_work_destroy(w->bt);
    free(w);
}

duet_err_t duet_scan_work_create(const duet_scan_t *sc, int max_variants,
                                 duet_scan_work_t **out)
{
    *out = NULL;
    size_t B = (size_t)max_variants, n = (size_t)sc->max_set_n;
    duet_scan_work_t *w = duet_calloc(1, sizeof *w);
    if (!w) return DUET_ENOMEM;
    w->max_variants = max_variants;
    w->g = duet_malloc(n * B * sizeof *w->g);
    w->sums = duet_malloc((size_t)sc->max_stride * B * sizeof *w->sums);
    w->gss = duet_malloc(B * sizeof *w->gss);
    w->gg = duet_malloc(B * sizeof *w->gg);
    w->af = duet_malloc(B * sizeof *w->af);
    w->info = duet_malloc(B * sizeof *w->info);
    w->mac = duet_malloc(B * sizeof *w->mac);
    w->n_called = duet_malloc(B * sizeof *w->n_called);
    w->n_miss = duet_malloc(B * sizeof *w->n_miss);
    w->drop = duet_malloc(n * sizeof *w->drop);
    w->urow = duet_malloc(((size_t)sc->n_samples + 1) * sizeof *w->urow);
    w->dmask = duet_calloc(n, 1);
    w->kmask = duet_malloc(n);
    w->dwork = duet_malloc((sc->max_drop_work + 1) * sizeof *w->dwork);
    w->tmp = duet_malloc(((size_t)sc->max_lin + 1) * sizeof *w->tmp);
    if (!w->g || !w->sums || !w->gss || !w->gg || !w->af || !w->info || !w->mac || !w->n_called ||
        !w->n_miss || !w->drop || !w->urow || !w->dmask || !w->kmask || !w->dwork || !w->tmp) {
        duet_scan_work_destroy(w);
        return DUET_ENOMEM;
    }
    int any_bin = 0;
    for (int s = 0; s < sc->n_sets; s++) any_bin |= sc->sets[s].n_bin > 0;
    if (any_bin && duet_bintest_work_create(sc->max_set_n, sc->max_k, &w->bt)) {
        duet_scan_work_destroy(w);
        return DUET_ENOMEM;
    }
    *out = w;
    return DUET_OK;
}

/* Reader rows whose mask byte is set, ascending, into out; returns the
 * count.  Eight bytes at a time: missing calls are rare. */
static int mask_rows(const uint8_t *mask, int n, int *out)
{
    int c = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, mask + i, 8);
        if (!word) continue;
        for (int b = 0; b < 8; b++)
            if (mask[i + b]) out[c++] = i + b;
    }
    for (; i < n; i++)
        if (mask[i]) out[c++] = i;
    return c;
}

/* Rows (set coordinates, ascending) with a missing call for variant j into
 * w->drop; returns the count.  With masks, also w->dmask (1 = dropped) and
 * w->kmask (1 = kept). */
static int collect_missing(const set_t *st, const duet_geno_block_t *blk, int j,
                           duet_scan_work_t *w, int masks)
{
    const uint8_t *mm = blk->missing + (size_t)blk->n_samples * j;
    int nu = mask_rows(mm, blk->n_samples, w->urow), nd = 0;
    for (int u = 0; u < nu; u++) {
        int i = st->is_all ? w->urow[u] : st->inv[w->urow[u]];
        if (i >= 0) w->drop[nd++] = i;
    }
    if (masks && st->n > 0) {
        size_t n = (unsigned)st->n;
        memset(w->dmask, 0, n);
        memset(w->kmask, 1, n);
        for (int d = 0; d < nd; d++) {
            w->dmask[w->drop[d]] = 1;
            w->kmask[w->drop[d]] = 0;
        }
    }
    return nd;
}

static void clear_masks(const duet_scan_work_t *w, int nd)
{
    for (int d = 0; d < nd; d++) w->dmask[w->drop[d]] = 0;
}

static void put(duet_scan_result_t *r, const duet_assoc_t *a, const duet_scan_work_t *w,
                int j, int cases, int controls)
{
    r->a = *a;
    r->af = w->af[j];
    r->info = w->info[j];
    r->n_cases = cases;
    r->n_controls = controls;
}

/* The genotype matrix of a set: the reader's when the set is every
 * sample, else the workspace's (filled by set_variant_stats). */
typedef struct {
    const double *G;
    int ldg;
    int lin_first;  /* the linear sums come first and bring g'g */
    int lin_stride;
} set_block_t;

/* Per-variant statistics over the set's called samples: one pass over
 * each column, fused with the gathering of a subset. */
static void set_variant_stats(const duet_scan_t *sc, const set_t *st, duet_scan_work_t *w,
                              const duet_geno_block_t *blk, const set_block_t *sb,
                              int dosage_info)
{
    int B = blk->n_variants, N = blk->n_samples, n = st->n, ldg = sb->ldg;
    int drop_mode = sc->opts.missing == DUET_MISSING_DROP;
    for (int j = 0; j < B; j++) {
        const duet_variant_t *v = &blk->variants[j];
        const double *src = blk->dosage + (size_t)N * j;
        double *gj = (double *)sb->G + (size_t)ldg * j;
        double sum = 0, sum2 = 0, gg;
        int called = n, miss = 0;
        int has_miss = v->n_missing > 0 && blk->missing;
        if (st->is_all) {
            /* the reader imputed missing calls with the mean m over the
             * called samples: over called samples sum = N m and
             * sum2 = g'g - n_miss m^2 */
            double s_all;
            if (sb->lin_first) gg = w->sums[(size_t)sb->lin_stride * j + sb->lin_stride - 1];
            else duet_sum_sumsq(src, n, &s_all, &gg);
            miss = v->n_missing;
            called = n - miss;
            sum = v->alt_count;
            double mean = called > 0 ? sum / called : 0;
            sum2 = gg - miss * mean * mean;
        } else if (!has_miss) {
            for (int i = 0; i < n; i++) gj[i] = src[st->rows[i]];
            duet_sum_sumsq(gj, n, &sum, &sum2);
            gg = sum2;
        } else {
            for (int i = 0; i < n; i++) gj[i] = src[st->rows[i]];
            double s_all, ss_all;
            duet_sum_sumsq(gj, n, &s_all, &ss_all);
            miss = collect_missing(st, blk, j, w, 0);
            double s_miss = 0, ss_miss = 0;
            for (int d = 0; d < miss; d++) {
                double x = gj[w->drop[d]];
                s_miss += x;
                ss_miss += x * x;
            }
            called = n - miss;
            sum = s_all - s_miss;
            sum2 = ss_all - ss_miss;
            /* subtracting the imputed values back leaves a rounding residue
             * (-2e-22) where no called sample of the set carries the allele;
             * dosages have a few decimals, so a sum below 1e-9 is that residue */
            if (fabs(sum) < 1e-9) sum = 0;
            if (fabs(sum2) < 1e-9) sum2 = 0;
            gg = ss_all;
            if (miss && !drop_mode && called > 0) {
                /* re-impute with this set's mean */
                double mean = sum / called;
                for (int d = 0; d < miss; d++) gj[w->drop[d]] = mean;
                gg = sum2 + miss * mean * mean;
            }
        }
        double ploidy = v->n_called > 0 ? v->n_alleles_called / v->n_called : 2.0;
        double gss = called > 0 ? sum2 - sum * sum / called : 0;
        if (gss < 1e-12 * (sum2 > 1 ? sum2 : 1)) gss = 0;
        double af = called > 0 ? sum / (ploidy * called) : NAN;
        w->n_called[j] = called;
        w->n_miss[j] = miss;
        w->gss[j] = gss;
        w->gg[j] = gg;
        w->af[j] = af;
        w->mac[j] = called > 0 ? fmin(sum, ploidy * called - sum) : 0;
        w->info[j] = NAN;
        if (dosage_info && called > 0 && af > 0 && af < 1)
            w->info[j] = (gss / called) / (ploidy * af * (1 - af));
    }
}

/* The set's linear traits: one matrix product, then each variant. */
static void set_linear(const duet_scan_t *sc, const set_t *st, duet_scan_work_t *w,
                       const duet_geno_block_t *blk, const set_block_t *sb, const uint8_t *skip,
                       duet_scan_result_t *results)
{
    const duet_scan_opts_t *o = &sc->opts;
    int B = blk->n_variants, T = sc->n_traits, n = st->n, stride = sb->lin_stride;
    int drop_mode = o->missing == DUET_MISSING_DROP;
    if (!sb->lin_first) duet_linreg_sums(st->lin, sb->G, sb->ldg, B, w->gg, w->sums);
    for (int j = 0; j < B; j++) {
        if (skip && skip[j]) continue;
        const double *sj = w->sums + (size_t)stride * j;
        int n_used = drop_mode ? w->n_called[j] : n;
        duet_fit_status_t pre = DUET_FIT_OK;
        if (w->n_called[j] == 0 || !(w->gss[j] > 0)) pre = DUET_FIT_MONOMORPHIC;
        else if (w->mac[j] < o->min_mac) pre = DUET_FIT_FEW_MINOR;
        if (pre != DUET_FIT_OK) {
            for (int l = 0; l < st->n_lin; l++)
                duet_assoc_na(&w->tmp[l], pre, DUET_TEST_LINEAR, n_used);
        } else if (drop_mode && w->n_miss[j] > 0) {
            int nd = collect_missing(st, blk, j, w, 0);
            duet_linreg_variant_drop(st->lin, sj, sb->G + (size_t)sb->ldg * j, w->drop, nd,
                                     w->gss[j], w->dwork, w->tmp);
        } else {
            duet_linreg_variant(st->lin, sj, w->gss[j], w->tmp);
        }
        for (int l = 0; l < st->n_lin; l++)
            put(&results[(size_t)j * T + st->lin_traits[l]], &w->tmp[l], w, j, 0, 0);
    }
}

/* The set's binary trait b: the case/control policy, variant by variant. */
static void set_binary(const duet_scan_t *sc, const set_t *st, int b, duet_scan_work_t *w,
                       const duet_geno_block_t *blk, const set_block_t *sb, const uint8_t *skip,
                       duet_scan_result_t *results)
{
    const duet_scan_opts_t *o = &sc->opts;
    int B = blk->n_variants, T = sc->n_traits, n = st->n, ldg = sb->ldg;
    int drop_mode = o->missing == DUET_MISSING_DROP;
    int t = st->bin_traits[b];
    const duet_logreg_null_t *null = st->nulls[b];
    int stride = duet_logreg_score_stride(null);
    int score = duet_bintest_uses_score(&o->binary);
    if (score) duet_logreg_score_sums(null, sb->G, ldg, B, w->sums);
    duet_test_t first = score ? DUET_TEST_SCORE
                      : o->binary.mode == DUET_LOGISTIC_WALD ? DUET_TEST_WALD
                                                             : DUET_TEST_FIRTH;
    for (int j = 0; j < B; j++) {
        if (skip && skip[j]) continue;
        const double *gj = sb->G + (size_t)ldg * j;
        int nd = 0;
        if (drop_mode && w->n_miss[j] > 0) nd = collect_missing(st, blk, j, w, 1);
        int cases = null->n_cases, controls = null->n_controls;
        for (int d = 0; d < nd; d++) {
            if (null->y[w->drop[d]] > 0.5) cases--;
            else controls--;
        }
        int n_used = n - nd;
        duet_assoc_t a;
        if (w->n_called[j] == 0 || !(w->gss[j] > 0))
            duet_assoc_na(&a, DUET_FIT_MONOMORPHIC, first, n_used);
        else if (w->mac[j] < o->min_mac)
            duet_assoc_na(&a, DUET_FIT_FEW_MINOR, first, n_used);
        else
            duet_bintest_variant(&o->binary, null, w->bt, gj,
                                 score ? w->sums + (size_t)stride * j : NULL, w->gss[j],
                                 w->drop, nd, nd ? w->dmask : NULL, &a);
        put(&results[(size_t)j * T + t], &a, w, j, cases, controls);
        if (nd) clear_masks(w, nd);
    }
}

void duet_scan_block(const duet_scan_t *sc, duet_scan_work_t *w, duet_geno_block_t *blk,
                     const uint8_t *skip, int dosage_info, duet_scan_result_t *results)
{
    int B = blk->n_variants, N = blk->n_samples;
    for (int s = 0; s < sc->n_sets; s++) {
        const set_t *st = &sc->sets[s];
        if (!st->n_lin && !st->n_bin) continue;
        set_block_t sb;
        if (st->is_all) {
            sb.G = blk->dosage;
            sb.ldg = N;
        } else {
            sb.G = w->g; /* filled below */
            sb.ldg = st->n;
        }
        /* When the set is every sample the reader's matrix is final: the
         * linear sums come first and bring g'g with them. */
        sb.lin_first = st->is_all && st->n_lin > 0;
        sb.lin_stride = st->n_lin ? duet_linreg_stride(st->lin) : 0;
        if (sb.lin_first) duet_linreg_sums(st->lin, sb.G, sb.ldg, B, NULL, w->sums);
        set_variant_stats(sc, st, w, blk, &sb, dosage_info);
        if (st->n_lin) set_linear(sc, st, w, blk, &sb, skip, results);
        for (int b = 0; b < st->n_bin; b++)
            if (!sc->traits[st->bin_traits[b]].skipped)
                set_binary(sc, st, b, w, blk, &sb, skip, results);
    }
}

void duet_scan_input_traitset(const duet_traitset_t *ts, duet_scan_input_t *in)
{
    in->n_samples = ts->n_samples;
    in->n_traits = ts->n_traits;
    in->trait_names = (const char *const *)ts->names;
    in->traits = ts->y;
    in->binary = ts->binary;
    in->n_covars = ts->n_covars;
    in->covar_names = (const char *const *)ts->covar_names;
    in->covars = ts->x;
}
