/*
 * cmd_phewas.c -- `duet phewas`: the genotype-first scan.  Variants (by ID,
 * from a list, or a region) or a per-person score are tested against every
 * phecode of the store (derived as `duet pheno` derives them) or every
 * trait of a phenotype table, by logistic regression (Firth where cases are
 * few or the fit fails) or least squares, with covariates.  Inputs come
 * through traitset.h, the tests from phewas.h; this file reads the
 * exposures, adds q-values, Bonferroni flags and the dissemination rule,
 * and writes PREFIX.phewas.tsv.gz and PREFIX.log.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/dist.h"
#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/phecode.h"
#include "duet/phenofile.h"
#include "duet/bintest.h"
#include "duet/pheno_cli.h"
#include "duet/phewas.h"
#include "duet/traitset.h"
#include "duet/tsv.h"
#include "duet/version.h"

KHASH_MAP_INIT_STR(pw_want, int)

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_VARIANT,
    OPT_VARIANTS,
    OPT_REGION,
    OPT_SCORE,
    OPT_DOSAGE,
    OPT_DB,
    OPT_STORE_COVARS,
    OPT_PHENO,
    OPT_PHENO_NAME,
    OPT_BINARY,
    OPT_QUANTITATIVE,
    OPT_COVAR,
    OPT_COVAR_NAME,
    OPT_KEEP,
    OPT_REMOVE,
    OPT_MIN_CASES,
    OPT_MIN_CONTROLS,
    OPT_MIN_CELL,
    OPT_ALPHA
};

/* Exposures tested together (one design per trait serves them). */
#define BATCH 64
#define TOP_HITS 5

static const char header_line[] =
    "id\tphecode\tdescription\tcategory\tn_cases\tn_controls\tn\tbeta\tstandard_error\t"
    "odds_ratio\tci_lower\tci_upper\tp_value\tneg_log_10_p_value\tq_value\tbonferroni\ttest\t"
    "errcode\n";

static void usage(FILE *fp)
{
    fprintf(fp,
            "\n"
            "About:   Genotype-first scan (PheWAS): variants or a score against every phecode\n"
            "         of the store (or every trait of a table), logistic regression with\n"
            "         Firth's correction where cases are few or the fit fails, linear for\n"
            "         quantitative traits.  Writes PREFIX.phewas.tsv.gz and PREFIX.log.\n"
            "Usage:   duet phewas --vcf FILE (--variant ID[,ID...] | --variants FILE |\n"
            "                     --region R | --score FILE:COLUMN) (--db FILE | --pheno FILE)\n"
            "                     [options] -o PREFIX\n"
            "\n"
            "Exposures:\n"
            "        --vcf FILE             genotypes: VCF, VCF.gz or BCF (indexed for --region)\n"
            "        --variant LIST         comma-separated variant IDs (ID or chr:pos:ref:alt)\n"
            "        --variants FILE        variant IDs, one per line\n"
            "        --region REGION        every variant in chr or chr:beg-end\n"
            "        --score FILE:COLUMN    a per-person score: column COLUMN of a table (IID\n"
            "                               first); --vcf then only restricts the samples\n"
            "        --dosage               use FORMAT/DS dosages [GT hard calls]\n"
            "\n"
            "Traits and covariates:\n"
            "        --db FILE              every phecode of the store (run duet phecode first)\n"
            "        --store-covars LIST    covariates from the store among sex, age,\n"
            "                               record_years, n_visits; '' for none [sex,age]\n"
            "        --pheno FILE           or a phenotype table (IID / FID IID first, NA missing)\n"
            "        --pheno-name LIST      comma-separated traits of --pheno [every column]\n"
            "        --binary               every --pheno trait is case/control (1/0)\n"
            "        --quantitative         analyse 0/1 --pheno traits by linear regression\n"
            "        --covar FILE           covariate table (principal components, ...)\n"
            "        --covar-name LIST      comma-separated covariates [every column]\n"
            "        --keep FILE            keep only the samples listed (IID or FID IID)\n"
            "        --remove FILE          remove the samples listed\n"
            "\n");
    duet_pheno_cli_usage(fp, NULL);
    fprintf(fp,
            "Model:\n"
            "        --min-cases INT        cases a case/control trait needs to be tested [20]\n"
            "        --min-controls INT     controls it needs [20]\n"
            "        --min-cell INT         case/control counts below INT are written as <INT [20]\n"
            "        --alpha FLOAT          family-wise level of the bonferroni column [0.05]\n"
            "\n");
    duet_bintest_cli_usage(fp);
    fputc('\n', fp);
    duet_opts_usage_common(fp, DUET_USE_ALL & ~(DUET_USE_MEMORY | DUET_USE_SEED), "PREFIX");
    fprintf(fp, "\n");
}

typedef struct {
    duet_common_t c;
    const char *vcf, *variant, *variants, *region, *score;
    int dosage;
    duet_traitset_opts_t ts;
    const char *pheno_name, *covar_name;
    duet_phewas_opts_t model;
    int min_cell;
    double alpha;
} phewas_opts_t;

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
    const phewas_opts_t *o;
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
static duet_err_t scan_variants(const phewas_opts_t *o, const duet_traitset_t *ts,
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
static duet_err_t read_exposures(const phewas_opts_t *o, const duet_traitset_t *ts, want_t *want,
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
static duet_err_t check_found(const phewas_opts_t *o, const want_t *want)
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

/* ------------------------------------------------------------------ */

static duet_err_t parse_args(int argc, char **argv, phewas_opts_t *o, duet_pheno_cli_t *cli)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"variant", required_argument, NULL, OPT_VARIANT},
        {"variants", required_argument, NULL, OPT_VARIANTS},
        {"region", required_argument, NULL, OPT_REGION},
        {"score", required_argument, NULL, OPT_SCORE},
        {"dosage", no_argument, NULL, OPT_DOSAGE},
        {"db", required_argument, NULL, OPT_DB},
        {"store-covars", required_argument, NULL, OPT_STORE_COVARS},
        {"pheno", required_argument, NULL, OPT_PHENO},
        {"pheno-name", required_argument, NULL, OPT_PHENO_NAME},
        {"binary", no_argument, NULL, OPT_BINARY},
        {"quantitative", no_argument, NULL, OPT_QUANTITATIVE},
        {"covar", required_argument, NULL, OPT_COVAR},
        {"covar-name", required_argument, NULL, OPT_COVAR_NAME},
        {"keep", required_argument, NULL, OPT_KEEP},
        {"remove", required_argument, NULL, OPT_REMOVE},
        {"min-cases", required_argument, NULL, OPT_MIN_CASES},
        {"min-controls", required_argument, NULL, OPT_MIN_CONTROLS},
        DUET_BINTEST_LONGOPTS,
        {"min-cell", required_argument, NULL, OPT_MIN_CELL},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        DUET_PHENO_LONGOPTS,
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    int opt;
    long v;
    duet_err_t err;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (duet_pheno_cli_parse(cli, opt, optarg, &err) ||
            duet_bintest_cli_parse(&o->model.binary, opt, optarg, &err)) {
            if (err) return err;
            continue;
        }
        switch (opt) {
        case OPT_VCF: o->vcf = optarg; break;
        case OPT_VARIANT: o->variant = optarg; break;
        case OPT_VARIANTS: o->variants = optarg; break;
        case OPT_REGION: o->region = optarg; break;
        case OPT_SCORE: o->score = optarg; break;
        case OPT_DOSAGE: o->dosage = 1; break;
        case OPT_DB: o->ts.db = optarg; break;
        case OPT_STORE_COVARS: o->ts.db_covars = optarg; break;
        case OPT_PHENO: o->ts.pheno = optarg; break;
        case OPT_PHENO_NAME: o->pheno_name = optarg; break;
        case OPT_BINARY: o->ts.binary = 1; break;
        case OPT_QUANTITATIVE: o->ts.quantitative = 1; break;
        case OPT_COVAR: o->ts.covar = optarg; break;
        case OPT_COVAR_NAME: o->covar_name = optarg; break;
        case OPT_KEEP: o->ts.keep = optarg; break;
        case OPT_REMOVE: o->ts.remove = optarg; break;
        case OPT_MIN_CASES:
            if (duet_opts_parse_long("--min-cases", optarg, 1, 1L << 30, &v)) return DUET_EUSAGE;
            o->model.min_cases = (int)v;
            break;
        case OPT_MIN_CONTROLS:
            if (duet_opts_parse_long("--min-controls", optarg, 1, 1L << 30, &v)) return DUET_EUSAGE;
            o->model.min_controls = (int)v;
            break;
        case OPT_MIN_CELL:
            if (duet_opts_parse_long("--min-cell", optarg, 0, 1000000, &v)) return DUET_EUSAGE;
            o->min_cell = (int)v;
            break;
        case OPT_ALPHA:
            if (duet_opts_parse_double("--alpha", optarg, 1e-300, 1, &o->alpha)) return DUET_EUSAGE;
            break;
        default: {
            int r = duet_opts_common(&o->c, opt, optarg);
            if (r == DUET_OK) break;
            if (r == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("phewas");
        }
        }
    }
    if (o->c.help) return DUET_OK;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("phewas");
    }
    int n_expo_opts = !!o->variant + !!o->variants + !!o->region + !!o->score;
    if (n_expo_opts != 1 || (!o->vcf && !o->score) || !o->c.out ||
        !o->ts.db == !o->ts.pheno) {
        duet_log_error("--vcf, one of --variant/--variants/--region/--score, one of --db/--pheno "
                       "and -o are required");
        return duet_opts_bad("phewas");
    }
    if (o->ts.pheno && cli->any) {
        duet_log_error("the phecode and --quant options derive traits from the store: they need "
                       "--db, not --pheno");
        return DUET_EUSAGE;
    }
    if (o->ts.db && (o->pheno_name || o->ts.binary || o->ts.quantitative)) {
        duet_log_error("--pheno-name, --binary and --quantitative apply to --pheno tables");
        return DUET_EUSAGE;
    }
    if (o->ts.db_covars && !o->ts.db) {
        duet_log_error("--store-covars needs --db");
        return DUET_EUSAGE;
    }
    if (o->covar_name && !o->ts.covar) {
        duet_log_error("--covar-name needs --covar");
        return DUET_EUSAGE;
    }
    if (o->ts.binary && o->ts.quantitative) {
        duet_log_error("--binary and --quantitative exclude each other");
        return DUET_EUSAGE;
    }
    if (o->dosage && o->score) {
        duet_log_error("--dosage applies to variants, not to --score");
        return DUET_EUSAGE;
    }
    if (o->vcf && !strcmp(o->vcf, "-")) {
        duet_log_error("--vcf must be a file (the reader needs to open it twice)");
        return DUET_EUSAGE;
    }
    if (!strcmp(o->c.out, "-")) {
        duet_log_error("-o takes a prefix of files (PREFIX.phewas.tsv.gz, PREFIX.log)");
        return DUET_EUSAGE;
    }
    if ((err = duet_pheno_cli_finish(cli))) return err;
    /* the store writes phecodes with this many cases over all persons;
     * the scan tests those with min_cases among the samples */
    cli->opts.min_cases = o->model.min_cases;
    return DUET_OK;
}

/* The candidates: the VCF's samples (and, for a score, those with a
 * value); without a VCF, the score file's. */
static duet_err_t candidates(const phewas_opts_t *o, const duet_phenofile_t *score,
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

static duet_err_t write_log(const phewas_opts_t *o, writer_t *w, const duet_traitset_t *ts,
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

duet_err_t main_phewas(int argc, char **argv)
{
    phewas_opts_t o;
    memset(&o, 0, sizeof o);
    duet_opts_init(&o.c);
    duet_traitset_opts_init(&o.ts);
    duet_phewas_opts_init(&o.model);
    o.min_cell = 20;
    o.alpha = 0.05;
    duet_pheno_cli_t cli;
    duet_err_t err = duet_pheno_cli_init(&cli, argc);
    char **pheno_names = NULL, **covar_names = NULL, **variant_list = NULL;
    int n_pheno_names = 0, n_covar_names = 0, n_variant_list = 0;
    duet_phenofile_t *score = NULL;
    char *score_col = NULL, *vcf_what = NULL, *paths[2] = { NULL, NULL };
    duet_geno_t *probe = NULL;
    const char **cand = NULL;
    duet_traitset_t *ts = NULL;
    duet_idlist_t *vlist = NULL;
    want_t want = { NULL };
    batch_t batch;
    memset(&batch, 0, sizeof batch);
    writer_t w;
    memset(&w, 0, sizeof w);
    duet_tsv_row_init(&w.row);
    duet_out_t *logf = NULL;
    int cleanup_tsv = -1;
    if (err) goto cleanup;
    if ((err = parse_args(argc, argv, &o, &cli))) goto cleanup;
    if (o.c.help) {
        usage(stdout);
        goto cleanup;
    }
    duet_opts_apply(&o.c);
    o.ts.db_opts = &cli.opts;

    /* exposures asked for */
    if (o.score && (err = read_score(o.score, &score, &score_col))) goto cleanup;
    if (o.variant || o.variants) {
        want.h = kh_init(pw_want);
        if (!want.h) { err = DUET_ENOMEM; goto cleanup; }
        if (o.variant) {
            if (!(variant_list = duet_list_split(o.variant, &n_variant_list))) { err = DUET_ENOMEM; goto cleanup; }
            if (n_variant_list == 0) {
                duet_log_error("--variant lists no variant");
                err = DUET_EUSAGE;
                goto cleanup;
            }
            for (int i = 0; i < n_variant_list; i++)
                if ((err = want_add(&want, variant_list[i]))) goto cleanup;
        } else {
            if ((err = duet_idlist_read(o.variants, 1, &vlist))) goto cleanup;
            if (vlist->n == 0) {
                duet_log_error("--variants: '%s' lists no variant", o.variants);
                err = DUET_EFORMAT;
                goto cleanup;
            }
            for (int i = 0; i < vlist->n; i++)
                if ((err = want_add(&want, vlist->ids[i]))) goto cleanup;
        }
    }

    /* samples, traits and covariates */
    int n_cand = 0;
    if ((err = candidates(&o, score, &cand, &n_cand, &probe))) goto cleanup;
    if (o.pheno_name && !(pheno_names = duet_list_split(o.pheno_name, &n_pheno_names))) { err = DUET_ENOMEM; goto cleanup; }
    if (o.covar_name && !(covar_names = duet_list_split(o.covar_name, &n_covar_names))) { err = DUET_ENOMEM; goto cleanup; }
    kstring_t vw = { 0, 0, NULL };
    if (o.vcf) ksprintf(&vw, "the VCF '%s'", o.vcf);
    else ksprintf(&vw, "the score file '%s'", o.score);
    if (!(vcf_what = vw.s)) { err = DUET_ENOMEM; goto cleanup; }
    o.ts.candidates = cand;
    o.ts.n_candidates = n_cand;
    o.ts.candidates_what = vcf_what;
    o.ts.pheno_names = (const char *const *)pheno_names;
    o.ts.n_pheno_names = n_pheno_names;
    o.ts.covar_names = (const char *const *)covar_names;
    o.ts.n_covar_names = n_covar_names;
    o.ts.compact = 1; /* the whole phenome: a byte per sample and phecode */
    if ((err = duet_traitset_load(&o.ts, &ts))) goto cleanup;

    /* outputs */
    for (int k = 0; k < 2; k++) {
        kstring_t p = { 0, 0, NULL };
        ksprintf(&p, "%s%s", o.c.out, k ? ".log" : ".phewas.tsv.gz");
        if (!(paths[k] = p.s)) { err = DUET_ENOMEM; goto cleanup; }
    }
    if ((err = duet_out_create(paths[0], DUET_OUT_BGZF, o.c.force, 1, &w.out))) goto cleanup;
    if ((err = duet_out_create(paths[1], DUET_OUT_PLAIN, o.c.force, 1, &logf))) goto cleanup;
    if ((err = duet_out_puts(w.out, header_line))) goto cleanup;

    int T = ts->n_traits;
    size_t N = (size_t)ts->n_samples;
    w.o = &o;
    w.ts = ts;
    w.crit_z = 1.959963984540054;
    w.traits = duet_calloc((size_t)T, sizeof *w.traits);
    w.res = duet_calloc((size_t)T * BATCH, sizeof *w.res);
    w.log_p = duet_malloc((size_t)T * sizeof *w.log_p);
    w.log_q = duet_malloc((size_t)T * sizeof *w.log_q);
    batch.g = duet_malloc(N * BATCH * sizeof *batch.g);
    if (!w.traits || !w.res || !w.log_p || !w.log_q || !batch.g) { err = DUET_ENOMEM; goto cleanup; }
    if (o.ts.pheno && (err = duet_phecode_table_load("1.2", &w.defs))) goto cleanup;

    long long n_read = 0;
    int n_expo = 0;
    if (o.score) {
        for (size_t i = 0; i < N; i++)
            batch.g[i] = score->values[duet_phenofile_row(score, ts->ids[i])];
        if (!(batch.ids[0] = strdup(score_col))) { err = DUET_ENOMEM; goto cleanup; }
        batch.n = n_expo = 1;
        if ((err = flush_batch(&w, &batch, o.c.threads))) goto cleanup;
    } else {
        duet_geno_close(probe);
        probe = NULL;
        if ((err = read_exposures(&o, ts, &want, &w, &batch, &n_read))) goto cleanup;
        if (want.h && (err = check_found(&o, &want))) goto cleanup;
        n_expo = w.n_expo_total;
        if (n_expo == 0) {
            duet_log_error("no variant in %s%s", o.region ? "--region " : "the VCF",
                           o.region ? o.region : "");
            err = DUET_EDEGENERATE;
            goto cleanup;
        }
    }

    if ((err = duet_out_close(w.out, NULL))) goto cleanup;
    if ((err = duet_out_publish(w.out))) goto cleanup;
    cleanup_tsv = duet_cleanup_register(paths[0], 0);
    if ((err = write_log(&o, &w, ts, n_read, n_expo, score_col, logf))) goto cleanup;
    if ((err = duet_out_commit(logf, NULL))) goto cleanup;
    duet_cleanup_release(cleanup_tsv);
    cleanup_tsv = -1;

cleanup:
    duet_cleanup_remove(cleanup_tsv);
    duet_out_destroy(w.out);
    duet_out_destroy(logf);
    duet_tsv_row_free(&w.row);
    if (ts) duet_phewas_traits_free(w.traits, ts->n_traits);
    free(w.traits);
    free(w.res);
    free(w.log_p);
    free(w.log_q);
    free(w.hits.s);
    duet_phecode_table_destroy(w.defs);
    for (int e = 0; e < BATCH; e++) free(batch.ids[e]);
    free(batch.g);
    for (int k = 0; k < 2; k++) free(paths[k]);
    duet_traitset_destroy(ts);
    free(cand);
    duet_geno_close(probe);
    free(vcf_what);
    free(score_col);
    duet_phenofile_destroy(score);
    duet_idlist_destroy(vlist);
    if (want.h) kh_destroy(pw_want, want.h);
    duet_list_free(variant_list, n_variant_list);
    duet_list_free(pheno_names, n_pheno_names);
    duet_list_free(covar_names, n_covar_names);
    duet_pheno_cli_free(&cli);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
