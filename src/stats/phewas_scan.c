/*
 * phewas_scan.c -- `duet phewas`'s run (phewas.h, duet_phewas_scan): the
 * genotype-first scan.  Variants (by ID, from a list, or a region) or a
 * per-person score are tested against every phecode of the store (derived
 * as `duet pheno` derives them) or every trait of a phenotype table by the
 * engine of phewas.c; this file reads the exposures, adds q-values,
 * Bonferroni flags and the dissemination rule, and writes
 * PREFIX.phewas.tsv.gz and PREFIX.log.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/bintest.h"
#include "duet/dist.h"
#include "duet/geno.h"
#include "duet/idlist.h"
#include "duet/log.h"
#include "duet/out.h"
#include "duet/phecode.h"
#include "duet/phenofile.h"
#include "duet/phewas.h"
#include "duet/traitset.h"
#include "duet/tsv.h"
#include "duet/version.h"

KHASH_MAP_INIT_STR(pw_want, int)

/* Exposures tested together (one design per trait serves them). */
#define BATCH 64
#define TOP_HITS 5

static const char header_line[] =
    "id\tphecode\tdescription\tcategory\tn_cases\tn_controls\tn\tbeta\tstandard_error\t"
    "odds_ratio\tci_lower\tci_upper\tp_value\tneg_log_10_p_value\tq_value\tbonferroni\ttest\t"
    "errcode\n";

void duet_phewas_scan_opts_init(duet_phewas_scan_opts_t *o)
{
    memset(o, 0, sizeof *o);
    duet_opts_init(&o->c);
    duet_trait_cli_init(&o->traits);
    duet_phewas_opts_init(&o->model);
    o->min_cell = 20;
    o->alpha = 0.05;
}

/* ------------------------------------------------------------------ */
/* Exposures */

typedef struct {
    int n;                 /* columns filled */
    double *g;             /* N x BATCH */
    char *ids[BATCH];
} batch_t;

/* The variants asked for by ID: ID -> times seen. */
typedef struct {
    khash_t(pw_want) *h;
} want_t;

static duet_err_t want_add(want_t *w, const char *id)
{
    int ret;
    khint_t k = kh_put(pw_want, w->h, id, &ret);
    if (ret < 0) return DUET_ENOMEM;
    if (ret > 0) kh_val(w->h, k) = 0;
    return DUET_OK;
}

/* Mark a variant if asked for (by ID or chr:pos:ref:alt); 1 if it is. */
static int want_match(want_t *w, const duet_variant_t *v, kstring_t *key)
{
    khint_t k = kh_end(w->h);
    if (strcmp(v->id, ".")) k = kh_get(pw_want, w->h, v->id);
    if (k == kh_end(w->h)) {
        key->l = 0;
        ksprintf(key, "%s:%lld:%s:%s", v->chrom, (long long)v->pos, v->ref, v->alt);
        k = kh_get(pw_want, w->h, key->s);
    }
    if (k == kh_end(w->h)) return 0;
    kh_val(w->h, k)++;
    return 1;
}

/* The name a variant goes by in the output: its ID when it has one and
 * the record is biallelic, else chr:pos:ref:alt. */
static char *variant_name(const duet_variant_t *v)
{
    kstring_t ks = { 0, 0, NULL };
    if (strcmp(v->id, ".") && v->n_alleles == 2) kputs(v->id, &ks);
    else ksprintf(&ks, "%s:%lld:%s:%s", v->chrom, (long long)v->pos, v->ref, v->alt);
    return ks.s;
}

/* ------------------------------------------------------------------ */
/* Output */

typedef struct {
    const duet_phewas_scan_opts_t *o;
    const duet_traitset_t *ts;
    duet_phecode_table_t *defs;  /* descriptions of --pheno phecodes */
    duet_out_t *out;
    duet_tsv_row_t row;
    duet_phewas_trait_t *traits;
    duet_assoc_t *res;            /* T x BATCH */
    double *log_p, *log_q;        /* T */
    double crit_z;                /* normal 97.5% quantile */
    kstring_t hits;               /* top hits, for the log */
    int n_expo;                   /* in the current batch */
    int n_expo_total;
    long long n_rows, n_bonferroni;
    long long by_test[DUET_TEST_N];
} writer_t;

static void put_count(writer_t *w, int v)
{
    if (v < w->o->min_cell) {
        char buf[32];
        snprintf(buf, sizeof buf, "<%d", w->o->min_cell);
        duet_tsv_str(&w->row, buf);
    } else {
        duet_tsv_int(&w->row, v);
    }
}

static void describe(writer_t *w, int t, const char **desc, const char **cat)
{
    *desc = w->ts->descriptions[t];
    *cat = w->ts->categories[t];
    if (*desc || !w->defs) return;
    int k = duet_phecode_find(w->defs, w->ts->names[t]);
    if (k < 0) return;
    const duet_phecode_def_t *d = duet_phecode_def(w->defs, k);
    *desc = d->description;
    *cat = d->category;
}

static duet_err_t write_row(writer_t *w, const char *id, int t, const duet_assoc_t *a,
                            double log_q, double log_bonf)
{
    const duet_traitset_t *ts = w->ts;
    const duet_phewas_trait_t *tr = &w->traits[t];
    int binary = ts->binary[t], ok = a->status == DUET_FIT_OK;
    const char *desc, *cat;
    describe(w, t, &desc, &cat);
    duet_tsv_str(&w->row, id);
    duet_tsv_str(&w->row, ts->names[t]);
    duet_tsv_str(&w->row, desc ? desc : "NA");
    duet_tsv_str(&w->row, cat ? cat : "NA");
    if (binary) {
        put_count(w, tr->n_cases);
        put_count(w, tr->n_controls);
        /* n would give a withheld count away */
        if (tr->n_cases >= w->o->min_cell && tr->n_controls >= w->o->min_cell)
            duet_tsv_int(&w->row, tr->n);
        else
            duet_tsv_str(&w->row, "NA");
    } else {
        duet_tsv_str(&w->row, "NA");
        duet_tsv_str(&w->row, "NA");
        duet_tsv_int(&w->row, tr->n);
    }
    double b = ok ? a->beta : NAN, se = ok ? a->se : NAN, lo = NAN, hi = NAN;
    if (ok && isfinite(se)) {
        double c = binary ? w->crit_z : duet_dist_t_crit(0.05, a->df);
        lo = b - c * se;
        hi = b + c * se;
    }
    duet_tsv_double(&w->row, b, 6, "NA");
    duet_tsv_double(&w->row, se, 6, "NA");
    duet_tsv_double(&w->row, binary && ok ? exp(b) : NAN, 6, "NA");
    duet_tsv_double(&w->row, binary ? exp(lo) : lo, 6, "NA");
    duet_tsv_double(&w->row, binary ? exp(hi) : hi, 6, "NA");
    char pbuf[48];
    duet_dist_format_p(ok ? a->log_p : NAN, 6, "NA", pbuf, sizeof pbuf);
    duet_tsv_str(&w->row, pbuf);
    duet_tsv_fixed(&w->row, ok ? duet_dist_neglog10(a->log_p) : NAN, 4, "NA");
    duet_dist_format_p(ok ? log_q : NAN, 6, "NA", pbuf, sizeof pbuf);
    duet_tsv_str(&w->row, pbuf);
    int bonf = ok && a->log_p < log_bonf;
    duet_tsv_str(&w->row, ok ? (bonf ? "1" : "0") : "NA");
    duet_tsv_str(&w->row, a->test ? duet_test_str(a->test) : "NA");
    duet_tsv_str(&w->row, ok ? "NA" : duet_fit_status_str(a->status));
    w->n_rows++;
    w->n_bonferroni += bonf;
    if (ok) w->by_test[a->test]++;
    return duet_tsv_row_write(&w->row, w->out);
}

/* The top hits of one exposure, for the log. */
static void log_hits(writer_t *w, const char *id, int e)
{
    int T = w->ts->n_traits, used[TOP_HITS];
    for (int h = 0; h < TOP_HITS; h++) {
        int best = -1;
        for (int t = 0; t < T; t++) {
            if (isnan(w->log_p[t])) continue;
            int taken = 0;
            for (int u = 0; u < h; u++) taken |= used[u] == t;
            if (!taken && (best < 0 || w->log_p[t] < w->log_p[best])) best = t;
        }
        if (best < 0) break;
        used[h] = best;
        const duet_assoc_t *a = &w->res[(size_t)best * w->n_expo + e];
        const char *desc, *cat;
        describe(w, best, &desc, &cat);
        char pbuf[48];
        duet_dist_format_p(a->log_p, 4, "NA", pbuf, sizeof pbuf);
        ksprintf(&w->hits, "%s\t%s\t%s\t%.4g\t%s\t%s\n", id, w->ts->names[best],
                 desc ? desc : "NA", a->beta, pbuf, duet_test_str(a->test));
    }
}

/* Test a batch of exposures and write their rows. */
static duet_err_t flush_batch(writer_t *w, batch_t *b, int threads)
{
    if (b->n == 0) return DUET_OK;
    const duet_traitset_t *ts = w->ts;
    int T = ts->n_traits, E = b->n;
    w->n_expo = E;
    w->n_expo_total += E;
    duet_err_t err = duet_phewas_run(ts, b->g, ts->n_samples, E, &w->o->model, threads,
                                     w->traits, w->res);
    if (err) return err;
    for (int e = 0; e < E; e++) {
        int m = 0;
        for (int t = 0; t < T; t++) {
            const duet_assoc_t *a = &w->res[(size_t)t * E + e];
            int ok = w->traits[t].skip == DUET_PHEWAS_TESTED && a->status == DUET_FIT_OK;
            w->log_p[t] = ok ? a->log_p : NAN;
            m += ok;
        }
        if ((err = duet_bh_logq(w->log_p, T, w->log_q))) return err;
        double log_bonf = m ? log(w->o->alpha) - log((double)m) : -INFINITY;
        for (int t = 0; t < T; t++) {
            if (w->traits[t].skip != DUET_PHEWAS_TESTED) continue;
            err = write_row(w, b->ids[e], t, &w->res[(size_t)t * E + e], w->log_q[t], log_bonf);
            if (err) return err;
        }
        log_hits(w, b->ids[e], e);
    }
    for (int e = 0; e < E; e++) {
        free(b->ids[e]);
        b->ids[e] = NULL;
    }
    b->n = 0;
    return DUET_OK;
}

/* Read the variants of `region` (NULL: the whole file) that are asked for
 * (all of them without a want list) into batches. */
static duet_err_t scan_variants(const duet_phewas_scan_opts_t *o, const duet_traitset_t *ts,
                                const char *region, want_t *want, writer_t *w, batch_t *b,
                                long long *n_read)
{
    duet_geno_opts_t g;
    duet_geno_opts_init(&g, o->vcf);
    g.samples = (const char *const *)ts->ids;
    g.n_samples = ts->n_samples;
    g.region = region;
    g.field = o->dosage ? DUET_GENO_DS : DUET_GENO_GT;
    duet_geno_t *geno = NULL;
    duet_geno_block_t *blk = NULL;
    kstring_t key = { 0, 0, NULL };
    duet_err_t err = duet_geno_open(&g, &geno);
    if (err) return err;
    size_t N = (size_t)ts->n_samples;
    /* about 8 MB of dosages per block */
    int max_variants = (int)((1u << 20) / (N ? N : 1));
    if (max_variants < 1) max_variants = 1;
    if (max_variants > 256) max_variants = 256;
    if ((err = duet_geno_block_create(geno, max_variants, &blk))) goto cleanup;
    for (;;) {
        if ((err = duet_geno_read_block(geno, blk))) goto cleanup;
        if (blk->n_variants == 0) break;
        for (int j = 0; j < blk->n_variants; j++) {
            const duet_variant_t *v = &blk->variants[j];
            (*n_read)++;
            if (want->h && !want_match(want, v, &key)) continue;
            memcpy(b->g + N * b->n, blk->dosage + N * j, N * sizeof *b->g);
            if (!(b->ids[b->n] = variant_name(v))) { err = DUET_ENOMEM; goto cleanup; }
            if (++b->n == BATCH && (err = flush_batch(w, b, o->c.threads))) goto cleanup;
        }
    }
cleanup:
    free(key.s);
    duet_geno_block_destroy(blk);
    duet_geno_close(geno);
    return err;
}

/* 1 if every ID asked for reads as chrom:pos:ref:alt; then *regions
 * holds n NUL-separated regions "chrom:pos-pos", one per distinct
 * position, and each can be read through the index instead of scanning
 * the file. */
static int want_positions(const want_t *want, kstring_t *regions, int *n)
{
    *n = 0;
    regions->l = 0;
    for (khint_t k = kh_begin(want->h); k != kh_end(want->h); k++) {
        if (!kh_exist(want->h, k)) continue;
        const char *id = kh_key(want->h, k), *c1 = strchr(id, ':');
        if (!c1 || c1 == id) return 0;
        char *end;
        long long pos = strtoll(c1 + 1, &end, 10);
        if (end == c1 + 1 || *end != ':' || pos < 1 || !strchr(end + 1, ':')) return 0;
        /* one read per position: the ALTs of one record are read together */
        size_t start = regions->l;
        ksprintf(regions, "%.*s:%lld-%lld", (int)(c1 - id), id, pos, pos);
        int seen = 0;
        for (const char *r = regions->s; r < regions->s + start && !seen; r += strlen(r) + 1)
            seen = !strcmp(r, regions->s + start);
        if (seen) {
            regions->l = start;
            regions->s[start] = '\0';
            continue;
        }
        kputc('\0', regions);
        (*n)++;
    }
    return *n > 0;
}

/* The exposures: every variant of --region; the variants asked for, each
 * through the index when all are named chrom:pos:ref:alt and the file is
 * indexed (a few reads instead of a pass over the file), else in one pass;
 * then the last batch. */
static duet_err_t read_exposures(const duet_phewas_scan_opts_t *o, const duet_traitset_t *ts, want_t *want,
                                 writer_t *w, batch_t *b, long long *n_read)
{
    duet_err_t err = DUET_OK;
    kstring_t regions = { 0, 0, NULL };
    int n_regions = 0;
    if (want->h && want_positions(want, &regions, &n_regions) && n_regions <= 1000 &&
        duet_geno_indexed(o->vcf)) {
        const char *r = regions.s;
        for (int i = 0; i < n_regions && !err; i++, r += strlen(r) + 1)
            err = scan_variants(o, ts, r, want, w, b, n_read);
    } else {
        err = scan_variants(o, ts, o->region, want, w, b, n_read);
    }
    free(regions.s);
    if (!err) err = flush_batch(w, b, o->c.threads);
    return err;
}

/* IDs asked for and not seen: named, DUET_EMISMATCH. */
static duet_err_t check_found(const duet_phewas_scan_opts_t *o, const want_t *want)
{
    int missing = 0;
    kstring_t ks = { 0, 0, NULL };
    for (khint_t k = kh_begin(want->h); k != kh_end(want->h); k++) {
        if (!kh_exist(want->h, k) || kh_val(want->h, k) > 0) continue;
        if (missing < 10) ksprintf(&ks, "%s'%s'", missing ? ", " : "", kh_key(want->h, k));
        missing++;
    }
    if (!missing) return DUET_OK;
    duet_log_error("%d variant%s asked for %s not in the VCF '%s'%s: %s%s", missing,
                   missing > 1 ? "s" : "", missing > 1 ? "are" : "is", o->vcf,
                   o->region ? " (within --region)" : "", ks.s ? ks.s : "",
                   missing > 10 ? ", ..." : "");
    free(ks.s);
    return DUET_EMISMATCH;
}

/* --score FILE:COLUMN */
static duet_err_t read_score(const char *arg, duet_phenofile_t **score, char **column)
{
    const char *colon = strrchr(arg, ':');
    if (!colon || colon == arg || !colon[1]) {
        duet_log_error("--score expects FILE:COLUMN, got '%s'", arg);
        return DUET_EUSAGE;
    }
    size_t len = (size_t)(colon - arg);
    char *path = duet_malloc(len + 1);
    *column = duet_malloc(strlen(colon + 1) + 1);
    if (!path || !*column) {
        free(path);
        return DUET_ENOMEM;
    }
    memcpy(path, arg, len);
    path[len] = '\0';
    strcpy(*column, colon + 1);
    const char *cols[1] = { *column };
    duet_err_t err = duet_phenofile_read_ex(path, "score", cols, 1, DUET_EFORMAT, score);
    free(path);
    return err;
}

/* The candidates: the VCF's samples (and, for a score, those with a
 * value); without a VCF, the score file's. */
static duet_err_t candidates(const duet_phewas_scan_opts_t *o, const duet_phenofile_t *score,
                             const char ***ids, int *n, duet_geno_t **probe)
{
    int m = 0;
    if (o->vcf) {
        duet_geno_opts_t g;
        duet_geno_opts_init(&g, o->vcf);
        duet_err_t err = duet_geno_open(&g, probe);
        if (err) return err;
        m = duet_geno_n_file_samples(*probe);
    } else {
        m = score->n_samples;
    }
    *ids = duet_malloc(((size_t)m + 1) * sizeof **ids);
    if (!*ids) return DUET_ENOMEM;
    int k = 0;
    for (int j = 0; j < m; j++) {
        const char *id = o->vcf ? duet_geno_file_sample(*probe, j) : score->ids[j];
        if (score) {
            int r = duet_phenofile_row(score, id);
            if (r < 0 || isnan(score->values[r])) continue;
        }
        (*ids)[k++] = id;
    }
    *n = k;
    if (k == 0) {
        if (o->vcf) duet_log_error("no sample of the VCF '%s' has a value in the score file", o->vcf);
        else duet_log_error("no sample of the score file has a value");
        return DUET_EMISMATCH;
    }
    return DUET_OK;
}

static duet_err_t write_log(const duet_phewas_scan_opts_t *o, writer_t *w, const duet_traitset_t *ts,
                            long long n_read, int n_expo, const char *expo_what,
                            duet_out_t *logf)
{
    kstring_t ks = { 0, 0, NULL };
    int count[8] = { 0 }, n_bin = 0;
    for (int t = 0; t < ts->n_traits; t++) {
        count[w->traits[t].skip]++;
        n_bin += ts->binary[t];
    }
    kputs("# duet phewas run summary\n", &ks);
    if (!o->c.no_version) {
        ksprintf(&ks, "# %s\n", duet_version_string());
        ksprintf(&ks, "# %s\n", duet_opts_cmdline());
    }
    ksprintf(&ks, "%s\n", ts->summary);
    ksprintf(&ks, "covariates: %s", ts->n_covars ? "" : "none");
    for (int c = 0; c < ts->n_covars; c++) ksprintf(&ks, "%s%s", c ? "," : "", ts->covar_names[c]);
    kputc('\n', &ks);
    if (o->score) ksprintf(&ks, "exposures: the score %s\n", expo_what);
    else ksprintf(&ks, "exposures: %d variants tested of %lld read\n", n_expo, n_read);
    ksprintf(&ks, "traits: %d (%d case/control, %d quantitative); %d tested, %d with fewer than "
             "%d cases, %d with fewer than %d controls, %d with too few samples\n", ts->n_traits, n_bin, ts->n_traits - n_bin,
             count[DUET_PHEWAS_TESTED], count[DUET_PHEWAS_FEW_CASES], o->model.min_cases,
             count[DUET_PHEWAS_FEW_CONTROLS], o->model.min_controls,
             count[DUET_PHEWAS_FEW_SAMPLES]);
    if (count[DUET_PHEWAS_TESTED] < ts->n_traits) {
        kputs("not tested:", &ks);
        for (int t = 0; t < ts->n_traits; t++)
            if (w->traits[t].skip != DUET_PHEWAS_TESTED)
                ksprintf(&ks, " %s (%s)", ts->names[t], duet_phewas_skip_str(w->traits[t].skip));
        kputc('\n', &ks);
    }
    /* covariates left out of some traits' designs, grouped by what was
     * left out (a sex-specific phecode's constant sex, for instance) */
    for (int t = 0; t < ts->n_traits; t++) {
        const char *d = w->traits[t].covars_dropped;
        int first = 1, n_same = 0;
        if (!d || w->traits[t].skip != DUET_PHEWAS_TESTED) continue;
        for (int u = 0; u < t && first; u++)
            if (w->traits[u].covars_dropped && w->traits[u].skip == DUET_PHEWAS_TESTED &&
                !strcmp(w->traits[u].covars_dropped, d))
                first = 0;
        if (!first) continue;
        ksprintf(&ks, "covariates left out: %s, for", d);
        for (int u = t; u < ts->n_traits; u++)
            if (w->traits[u].covars_dropped && w->traits[u].skip == DUET_PHEWAS_TESTED &&
                !strcmp(w->traits[u].covars_dropped, d) && n_same++ < 10)
                ksprintf(&ks, " %s", ts->names[u]);
        if (n_same > 10) ksprintf(&ks, " and %d more", n_same - 10);
        kputc('\n', &ks);
    }
    char pol[160];
    duet_bintest_describe(&o->model.binary, pol, sizeof pol);
    ksprintf(&ks, "case/control tests: %s\n", pol);
    ksprintf(&ks, "rows: %lld; tests: %lld score, %lld spa, %lld exact, %lld firth, %lld wald, "
             "%lld linear; %lld below the Bonferroni threshold (alpha %g)\n", w->n_rows,
             w->by_test[DUET_TEST_SCORE], w->by_test[DUET_TEST_SPA], w->by_test[DUET_TEST_EXACT],
             w->by_test[DUET_TEST_FIRTH], w->by_test[DUET_TEST_WALD], w->by_test[DUET_TEST_LINEAR],
             w->n_bonferroni, o->alpha);
    kputs("top hits:\nid\tphecode\tdescription\tbeta\tp_value\ttest\n", &ks);
    if (w->hits.s) kputs(w->hits.s, &ks);
    if (!ks.s) return DUET_ENOMEM;
    duet_err_t err = duet_out_write(logf, ks.s, ks.l);
    if (!err && !duet_log_quiet()) {
        char *save = NULL;
        for (char *line = strtok_r(ks.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (line[0] == '#') continue;
            if (!strcmp(line, "top hits:")) break;
            duet_log_info("%s", line);
        }
    }
    free(ks.s);
    return err;
}

/* ------------------------------------------------------------------ */
/* The run, step by step */

/* Everything a run holds, released by scan_free(). */
typedef struct {
    const duet_phewas_scan_opts_t *o;
    char **variant_list;
    int n_variant_list;
    duet_idlist_t *vlist;
    want_t want;
    duet_phenofile_t *score;
    char *score_col, *vcf_what, *paths[2];
    duet_geno_t *probe;
    const char **cand;
    duet_traitset_t *ts;
    batch_t batch;
    writer_t w;
    duet_out_t *logf;
    int cleanup_tsv;
    long long n_read;
    int n_expo;
} scan_t;

/* The exposures asked for: --score, or the IDs of --variant / --variants. */
static duet_err_t scan_wants(scan_t *s)
{
    const duet_phewas_scan_opts_t *o = s->o;
    duet_err_t err;
    if (o->score && (err = read_score(o->score, &s->score, &s->score_col))) return err;
    if (!o->variant && !o->variants) return DUET_OK;
    s->want.h = kh_init(pw_want);
    if (!s->want.h) return DUET_ENOMEM;
    if (o->variant) {
        if (!(s->variant_list = duet_list_split(o->variant, &s->n_variant_list))) return DUET_ENOMEM;
        if (s->n_variant_list == 0) {
            duet_log_error("--variant lists no variant");
            return DUET_EUSAGE;
        }
        for (int i = 0; i < s->n_variant_list; i++)
            if ((err = want_add(&s->want, s->variant_list[i]))) return err;
    } else {
        if ((err = duet_idlist_read(o->variants, 1, &s->vlist))) return err;
        if (s->vlist->n == 0) {
            duet_log_error("--variants: '%s' lists no variant", o->variants);
            return DUET_EFORMAT;
        }
        for (int i = 0; i < s->vlist->n; i++)
            if ((err = want_add(&s->want, s->vlist->ids[i]))) return err;
    }
    return DUET_OK;
}

/* Samples, traits and covariates (the whole phenome: a byte per sample
 * and phecode). */
static duet_err_t scan_load_traits(scan_t *s)
{
    const duet_phewas_scan_opts_t *o = s->o;
    int n_cand = 0;
    duet_err_t err = candidates(o, s->score, &s->cand, &n_cand, &s->probe);
    if (err) return err;
    kstring_t vw = { 0, 0, NULL };
    if (o->vcf) ksprintf(&vw, "the VCF '%s'", o->vcf);
    else ksprintf(&vw, "the score file '%s'", o->score);
    if (!(s->vcf_what = vw.s)) return DUET_ENOMEM;
    duet_traitset_opts_t tso;
    duet_traitset_opts_init(&tso);
    duet_trait_cli_traitset(&o->traits, &tso);
    tso.db_opts = o->db_opts;
    tso.candidates = s->cand;
    tso.n_candidates = n_cand;
    tso.candidates_what = s->vcf_what;
    tso.compact = 1;
    return duet_traitset_load(&tso, &s->ts);
}

/* The outputs, and the writer's buffers. */
static duet_err_t scan_open_outputs(scan_t *s)
{
    const duet_phewas_scan_opts_t *o = s->o;
    duet_err_t err;
    for (int k = 0; k < 2; k++) {
        kstring_t p = { 0, 0, NULL };
        ksprintf(&p, "%s%s", o->c.out, k ? ".log" : ".phewas.tsv.gz");
        if (!(s->paths[k] = p.s)) return DUET_ENOMEM;
    }
    if ((err = duet_out_create(s->paths[0], DUET_OUT_BGZF, o->c.force, 1, &s->w.out))) return err;
    if ((err = duet_out_create(s->paths[1], DUET_OUT_PLAIN, o->c.force, 1, &s->logf))) return err;
    if ((err = duet_out_puts(s->w.out, header_line))) return err;
    writer_t *w = &s->w;
    int T = s->ts->n_traits;
    size_t N = (size_t)s->ts->n_samples;
    w->o = o;
    w->ts = s->ts;
    w->crit_z = 1.959963984540054;
    w->traits = duet_calloc((size_t)T, sizeof *w->traits);
    w->res = duet_calloc((size_t)T * BATCH, sizeof *w->res);
    w->log_p = duet_malloc((size_t)T * sizeof *w->log_p);
    w->log_q = duet_malloc((size_t)T * sizeof *w->log_q);
    s->batch.g = duet_malloc(N * BATCH * sizeof *s->batch.g);
    if (!w->traits || !w->res || !w->log_p || !w->log_q || !s->batch.g) return DUET_ENOMEM;
    if (o->traits.pheno && (err = duet_phecode_table_load("1.2", &w->defs))) return err;
    return DUET_OK;
}

/* Test the score, or the variants read. */
static duet_err_t scan_test(scan_t *s)
{
    const duet_phewas_scan_opts_t *o = s->o;
    duet_err_t err;
    if (o->score) {
        size_t N = (size_t)s->ts->n_samples;
        for (size_t i = 0; i < N; i++)
            s->batch.g[i] = s->score->values[duet_phenofile_row(s->score, s->ts->ids[i])];
        if (!(s->batch.ids[0] = strdup(s->score_col))) return DUET_ENOMEM;
        s->batch.n = s->n_expo = 1;
        return flush_batch(&s->w, &s->batch, o->c.threads);
    }
    duet_geno_close(s->probe);
    s->probe = NULL;
    if ((err = read_exposures(o, s->ts, &s->want, &s->w, &s->batch, &s->n_read))) return err;
    if (s->want.h && (err = check_found(o, &s->want))) return err;
    s->n_expo = s->w.n_expo_total;
    if (s->n_expo == 0) {
        duet_log_error("no variant in %s%s", o->region ? "--region " : "the VCF",
                       o->region ? o->region : "");
        return DUET_EDEGENERATE;
    }
    return DUET_OK;
}

/* The table, then the log. */
static duet_err_t scan_finish(scan_t *s)
{
    duet_err_t err;
    if ((err = duet_out_close(s->w.out, NULL))) return err;
    if ((err = duet_out_publish(s->w.out))) return err;
    s->cleanup_tsv = duet_cleanup_register(s->paths[0], 0);
    err = write_log(s->o, &s->w, s->ts, s->n_read, s->n_expo, s->score_col, s->logf);
    if (err) return err;
    if ((err = duet_out_commit(s->logf, NULL))) return err;
    duet_cleanup_release(s->cleanup_tsv);
    s->cleanup_tsv = -1;
    return DUET_OK;
}

static void scan_free(scan_t *s)
{
    writer_t *w = &s->w;
    duet_cleanup_remove(s->cleanup_tsv);
    duet_out_destroy(w->out);
    duet_out_destroy(s->logf);
    duet_tsv_row_free(&w->row);
    if (s->ts) duet_phewas_traits_free(w->traits, s->ts->n_traits);
    free(w->traits);
    free(w->res);
    free(w->log_p);
    free(w->log_q);
    free(w->hits.s);
    duet_phecode_table_destroy(w->defs);
    for (int e = 0; e < BATCH; e++) free(s->batch.ids[e]);
    free(s->batch.g);
    for (int k = 0; k < 2; k++) free(s->paths[k]);
    duet_traitset_destroy(s->ts);
    free(s->cand);
    duet_geno_close(s->probe);
    free(s->vcf_what);
    free(s->score_col);
    duet_phenofile_destroy(s->score);
    duet_idlist_destroy(s->vlist);
    if (s->want.h) kh_destroy(pw_want, s->want.h);
    duet_list_free(s->variant_list, s->n_variant_list);
}

duet_err_t duet_phewas_scan(const duet_phewas_scan_opts_t *opts)
{
    scan_t s;
    memset(&s, 0, sizeof s);
    s.o = opts;
    s.cleanup_tsv = -1;
    duet_tsv_row_init(&s.w.row);
    duet_err_t err;
    if ((err = scan_wants(&s)) || (err = scan_load_traits(&s)) ||
        (err = scan_open_outputs(&s)) || (err = scan_test(&s)))
        goto cleanup;
    err = scan_finish(&s);

cleanup:
    scan_free(&s);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
