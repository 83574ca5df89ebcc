/*
 * cmd_gwas.c -- `duet gwas`: a phenotype-first scan of many traits against
 * every variant of a VCF/BCF, writing GWAS-SSF summary statistics per trait
 * (bgzip + tabix + YAML sidecar) and a run summary.  The statistics live in
 * src/stats (scan.h); this file reads the inputs, matches samples, drives
 * the reader and the scan block by block (fetch sequential, decode and
 * compute in parallel, emit in block order) and writes the outputs.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <htslib/hts.h>
#include <htslib/kstring.h>

#include "duet/dist.h"
#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/phenofile.h"
#include "duet/progress.h"
#include "duet/scan.h"
#include "duet/ssf.h"
#include "duet/traitset.h"
#include "duet/version.h"

#define NA "#NA"
#define TOP_HITS 10

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_PHENO, OPT_PHENO_NAME, OPT_COVAR, OPT_COVAR_NAME, OPT_BINARY,
    OPT_QUANTITATIVE, OPT_KEEP, OPT_REMOVE, OPT_EXTRACT, OPT_EXCLUDE,
    OPT_REGION, OPT_CHUNK, OPT_MAF, OPT_MAC, OPT_DOSAGE, OPT_MISSING,
    OPT_DROP_COLLINEAR,
    OPT_MIN_CELL, OPT_BUILD, OPT_XCHR_MODEL
};

/* The scans of a run: one per way of testing a contig (geno.h, "Sex and
 * ploidy"), as plink2 --glm sets them up. */
enum {
    SCAN_AUTO = 0, /* autosomes, PARs, MT, and every contig without sexes */
    SCAN_X,        /* chrX outside the PARs: sex added as a covariate,
                      samples of unknown sex left out */
    SCAN_Y,        /* chrY: males only, without the sex covariate */
    N_SCANS
};

/* skip codes of block_work (filters, then contigs not tested) */
enum { SKIP_NONE = 0, SKIP_MAF, SKIP_MAC, SKIP_EXTRACT, SKIP_EXCLUDE, SKIP_CONTIG };

static const char header_line[] =
    "chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\todds_ratio\t"
    "standard_error\teffect_allele_frequency\tp_value\tneg_log_10_p_value\tci_upper\t"
    "ci_lower\trsid\tvariant_id\tinfo\tn\tn_cases\tn_controls\ttest\terrcode\n";

static void usage(FILE *fp)
{
    fprintf(fp,
"\n"
"About:   Genome-wide association scan of many traits: linear regression for\n"
"         quantitative traits, score test / logistic Wald / Firth regression for\n"
"         case-control traits, with covariates.  Writes GWAS-SSF summary\n"
"         statistics per trait (P.<trait>.gwas.tsv.gz + .tbi + .yaml) and P.log.\n"
"Usage:   duet gwas --vcf FILE --pheno FILE [options] -o PREFIX\n"
"\n"
"Inputs:\n"
"        --vcf FILE             genotypes: VCF, VCF.gz or BCF (indexed for --region)\n"
"        --pheno FILE           phenotype table (IID / FID IID first, NA missing)\n"
"        --pheno-name LIST      comma-separated traits to scan [every column]\n"
"        --covar FILE           covariate table (same layout)\n"
"        --covar-name LIST      comma-separated covariates [every column]\n"
"        --binary               every trait is case/control (1 case, 0 control)\n"
"        --quantitative         analyse 0/1 traits by linear regression too\n"
"\n"
"Samples and variants:\n"
"        --keep FILE            keep only the samples listed (IID or FID IID)\n"
"        --remove FILE          remove the samples listed\n"
"        --extract FILE         test only the variants listed (ID or chr:pos:ref:alt)\n"
"        --exclude FILE         do not test the variants listed\n"
"        --region REGION        chr, chr:beg-end (needs a CSI/TBI index)\n"
"        --chunk K/N            chunk K of N of the records (for duet merge)\n"
"        --maf FLOAT            minimum minor allele frequency [0]\n"
"        --mac FLOAT            minimum minor allele count [0]\n"
"\n"
"Genotypes:\n"
"        --dosage               use FORMAT/DS dosages [GT hard calls]\n"
"        --missing mean|drop    missing calls: mean-impute, or drop the sample\n"
"                               for that variant (as plink2) [mean]\n"
"\n"
"Model:\n"
"        --drop-collinear       drop collinear covariates instead of failing\n"
"        --min-cell INT         case/control counts below INT are written as #NA [20]\n"
"        --genome-build NAME    genome_assembly in the YAML sidecar (GRCh37,\n"
"                               GRCh38, ...; GRCh38/hg38 also set --par b38) [#NA]\n"
"        --xchr-model 0|1|2     chrX outside the PARs, as plink2: 0 not tested,\n"
"                               1 males coded 0..1, 2 males coded 0..2; sex added\n"
"                               as a covariate [2]\n"
"\n");
    duet_bintest_cli_usage(fp);
    fputc('\n', fp);
    duet_sex_cli_usage(fp, 1);
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE, "PREFIX");
    fprintf(fp, "\n");
}

/* ------------------------------------------------------------------ */
/* Small helpers */

static char *safe_name(const char *s)
{
    char *c = strdup(s);
    if (!c) return NULL;
    for (char *p = c; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-') *p = '_';
    if (c[0] == '.') c[0] = '_';
    return c;
}

static void put_g(kstring_t *ks, double v)
{
    if (!isfinite(v)) { kputs(NA, ks); return; }
    char buf[40];
    snprintf(buf, sizeof buf, "%.6g", v == 0 ? 0.0 : v);
    kputs(buf, ks);
}

static void put_fixed(kstring_t *ks, double v, int decimals)
{
    if (!isfinite(v)) { kputs(NA, ks); return; }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)(n - 1)) memmove(buf, buf + 1, (size_t)n);
    kputs(buf, ks);
}

/* critical value of the 95% CI, cached per degrees of freedom */
typedef struct {
    double df, crit;
} crit_cache_t;

static double crit95(crit_cache_t *c, double df)
{
    if (c->df != df) {
        c->df = df;
        c->crit = duet_dist_t_crit(0.05, df);
    }
    return c->crit;
}

static void put_variant_id(kstring_t *ks, const duet_variant_t *v)
{
    ksprintf(ks, "%s_%lld_%s_%s", v->chrom, (long long)v->pos, v->ref, v->alt);
}

/* Append one row; returns the 1-df chi-square of the p-value as printed
 * (NaN for NA rows), so that lambda GC is the same whether computed here
 * or by duet merge from the file. */
static double format_row(kstring_t *ks, const duet_variant_t *v, const duet_scan_result_t *r,
                         int binary, int min_cell, crit_cache_t *cc, float *freq)
{
    const duet_assoc_t *a = &r->a;
    int ok = a->status == DUET_FIT_OK;
    kputs(v->chrom, ks);
    kputc('\t', ks);
    kputll((long long)v->pos, ks);
    kputc('\t', ks);
    kputs(v->alt, ks);
    kputc('\t', ks);
    kputs(v->ref, ks);
    kputc('\t', ks);
    put_g(ks, ok ? a->beta : NAN);
    kputc('\t', ks);
    put_g(ks, ok && binary ? exp(a->beta) : NAN);
    kputc('\t', ks);
    put_g(ks, ok ? a->se : NAN);
    kputc('\t', ks);
    size_t at = ks->l;
    put_g(ks, r->af);
    /* the frequency as written, for lambda GC by MAF (as duet merge and
     * duet plot qq read it back) */
    *freq = ks->s && isfinite(r->af) ? strtof(ks->s + at, NULL) : NAN;
    kputc('\t', ks);
    char pbuf[48];
    duet_dist_format_p(ok ? a->log_p : NAN, 6, NA, pbuf, sizeof pbuf);
    kputs(pbuf, ks);
    kputc('\t', ks);
    put_fixed(ks, ok ? duet_dist_neglog10(a->log_p) : NAN, 4);
    kputc('\t', ks);
    double lo = NAN, hi = NAN;
    if (ok && isfinite(a->se)) {
        double c = binary ? crit95(cc, INFINITY) : crit95(cc, a->df);
        lo = a->beta - c * a->se;
        hi = a->beta + c * a->se;
        if (binary) { lo = exp(lo); hi = exp(hi); }
    }
    put_g(ks, hi);
    kputc('\t', ks);
    put_g(ks, lo);
    kputc('\t', ks);
    if (v->id && v->id[0] == 'r' && v->id[1] == 's' && isdigit((unsigned char)v->id[2]))
        kputs(v->id, ks);
    else
        kputs(NA, ks);
    kputc('\t', ks);
    put_variant_id(ks, v);
    kputc('\t', ks);
    put_fixed(ks, r->info, 4);
    kputc('\t', ks);
    kputw(a->n, ks);
    kputc('\t', ks);
    /* a count below --min-cell is withheld, and so is the other one:
     * n - n_controls would give it away */
    int show = binary && r->n_cases >= min_cell && r->n_controls >= min_cell;
    if (show) kputw(r->n_cases, ks);
    else kputs(NA, ks);
    kputc('\t', ks);
    if (show) kputw(r->n_controls, ks);
    else kputs(NA, ks);
    kputc('\t', ks);
    kputs(a->test ? duet_test_str(a->test) : NA, ks);
    kputc('\t', ks);
    kputs(ok ? NA : duet_fit_status_str(a->status), ks);
    kputc('\n', ks);
    return ok ? duet_dist_chisq1_from_logp(duet_dist_parse_logp(pbuf)) : NAN;
}

/* ------------------------------------------------------------------ */
/* Per-trait output state and summary */

typedef struct {
    double log_p, beta, se;
    char *variant_id;
    duet_test_t test;
} hit_t;

typedef struct {
    int index;          /* trait index in the scan */
    char *file_name;    /* safe name */
    char *tsv_path, *yaml_path;
    duet_out_t *out, *yaml;
    int cleanup_tsv, cleanup_tbi, cleanup_yaml;
    float *chi2, *freq;  /* per row with a p-value: chi-square, frequency */
    size_t n_chi2, m_chi2;
    uint64_t rows, na_rows, by_test[DUET_TEST_N];
    hit_t hits[TOP_HITS];
    int n_hits;
    duet_lambda_maf_t lambda;
    char md5[33];
} trait_out_t;

static void add_hit(trait_out_t *to, const duet_variant_t *v, const duet_assoc_t *a)
{
    if (to->n_hits == TOP_HITS && a->log_p >= to->hits[TOP_HITS - 1].log_p) return;
    int pos = to->n_hits < TOP_HITS ? to->n_hits++ : TOP_HITS - 1;
    free(to->hits[pos].variant_id);
    /* strictly smaller p moves up: ties keep file order */
    while (pos > 0 && to->hits[pos - 1].log_p > a->log_p) {
        to->hits[pos] = to->hits[pos - 1];
        pos--;
    }
    kstring_t ks = { 0, 0, NULL };
    put_variant_id(&ks, v);
    to->hits[pos].variant_id = ks.s;
    to->hits[pos].log_p = a->log_p;
    to->hits[pos].beta = a->beta;
    to->hits[pos].se = a->se;
    to->hits[pos].test = a->test;
}

/* ------------------------------------------------------------------ */
/* The command */

typedef struct {
    duet_common_t c;
    const char *vcf, *pheno, *pheno_name, *covar, *covar_name;
    const char *keep, *remove, *extract, *exclude, *region, *chunk, *build;
    int binary, quantitative, dosage;
    int chunk_k, chunk_n;
    double maf, mac;
    long min_cell;
    duet_scan_opts_t scan;
    duet_sex_cli_t sexo;
    int xchr_model;
    char *sex_summary;   /* for the YAML: where sexes came from, counts */
} gwas_opts_t;

static const char *model_name(const gwas_opts_t *o, int binary)
{
    if (!binary) return "linear";
    switch (o->scan.binary.mode) {
    case DUET_LOGISTIC_AUTO: return "logistic: score, saddlepoint, Firth LRT";
    case DUET_LOGISTIC_SPA: return "logistic: score, saddlepoint";
    case DUET_LOGISTIC_WALD: return "logistic Wald, Firth LRT fallback";
    case DUET_LOGISTIC_FIRTH: return "Firth logistic, penalised LRT";
    }
    return "";
}

/* Write the YAML sidecar of one trait. */
static duet_err_t write_yaml(const gwas_opts_t *o, const duet_scan_t *scan, trait_out_t *to,
                             uint64_t n_tested)
{
    const duet_scan_trait_t *tr = duet_scan_trait(scan, to->index);
    kstring_t ks = { 0, 0, NULL };
    const char *base = strrchr(to->tsv_path, '/');
    base = base ? base + 1 : to->tsv_path;
    kputs("# GWAS-SSF metadata (GWAS Catalog summary statistics standard) written by duet gwas\n", &ks);
    kputs("file_type: GWAS-SSF v1.0\n", &ks);
    kputs("data_file_name: ", &ks); duet_ssf_yaml_str(&ks, base); kputc('\n', &ks);
    ksprintf(&ks, "data_file_md5sum: %s\n", to->md5);
    kputs("is_harmonised: false\nis_sorted: true\n", &ks);
    kputs("genome_assembly: ", &ks); duet_ssf_yaml_str(&ks, o->build ? o->build : NA); kputc('\n', &ks);
    kputs("coordinate_system: 1-based\n", &ks);
    kputs("trait_description:\n  - ", &ks); duet_ssf_yaml_str(&ks, tr->name); kputc('\n', &ks);
    ksprintf(&ks, "sample_size: %d\n", tr->n);
    if (tr->binary) {
        if (tr->n_cases >= o->min_cell && tr->n_controls >= o->min_cell)
            ksprintf(&ks, "case_count: %d\ncontrol_count: %d\n", tr->n_cases, tr->n_controls);
        else
            kputs("case_count: \"" NA "\"\ncontrol_count: \"" NA "\"\n", &ks);
    }
    if (!o->c.no_version) {
        kputs("analysis_software: ", &ks); duet_ssf_yaml_str(&ks, duet_version_string()); kputc('\n', &ks);
    }
    kputs("adjusted_covariates:", &ks);
    if (tr->covars_used) {
        kputc('\n', &ks);
        for (const char *p = tr->covars_used; *p;) {
            size_t len = strcspn(p, ",");
            char *nm = strndup(p, len);
            if (nm) { kputs("  - ", &ks); duet_ssf_yaml_str(&ks, nm); kputc('\n', &ks); }
            free(nm);
            p += len + (p[len] == ',');
        }
    } else {
        kputs(" []\n", &ks);
    }
    kputs("duet:\n", &ks);
    if (!o->c.no_version) {
        kputs("  command: ", &ks); duet_ssf_yaml_str(&ks, duet_opts_cmdline()); kputc('\n', &ks);
    }
    kputs("  model: ", &ks); duet_ssf_yaml_str(&ks, model_name(o, tr->binary)); kputc('\n', &ks);
    if (tr->binary) {
        char pol[160];
        duet_bintest_describe(&o->scan.binary, pol, sizeof pol);
        kputs("  case_control_test: ", &ks); duet_ssf_yaml_str(&ks, pol); kputc('\n', &ks);
    }
    ksprintf(&ks, "  genotypes: %s\n", o->dosage ? "DS" : "GT");
    ksprintf(&ks, "  missing_genotypes: %s\n", o->scan.missing == DUET_MISSING_DROP ? "drop" : "mean");
    if (tr->covars_dropped) {
        kputs("  covariates_dropped: ", &ks); duet_ssf_yaml_str(&ks, tr->covars_dropped); kputc('\n', &ks);
    }
    if (o->region) { kputs("  region: ", &ks); duet_ssf_yaml_str(&ks, o->region); kputc('\n', &ks); }
    if (o->chunk_n) ksprintf(&ks, "  chunk: %d/%d\n", o->chunk_k, o->chunk_n);
    if (o->sex_summary) {
        kputs("  sex: ", &ks); duet_ssf_yaml_str(&ks, o->sex_summary); kputc('\n', &ks);
        ksprintf(&ks, "  xchr_model: %d\n  par: %s\n", o->xchr_model, o->sexo.par.name);
    }
    ksprintf(&ks, "  variants_tested: %llu\n", (unsigned long long)n_tested);
    char lbuf[1024];
    duet_dist_lambda_yaml(&to->lambda, lbuf, sizeof lbuf);
    kputs(lbuf, &ks);
    duet_err_t err = ks.s ? duet_out_write(to->yaml, ks.s, ks.l) : duet_log_oom(0);
    free(ks.s);
    return err;
}

/* State shared by the block callbacks of duet_geno_scan(). */
typedef struct {
    const gwas_opts_t *o;
    const duet_scan_t *scan;        /* scans[SCAN_AUTO] */
    const duet_scan_t *scans[N_SCANS]; /* NULL: contigs of the kind untested */
    int n_traits, n_outs, n_slots;
    trait_out_t *outs;
    const duet_idlist_t *extract, *exclude;
    duet_scan_work_t **works[N_SCANS]; /* per scan, per thread */
    uint8_t **kskips;               /* per thread: one scan's skip flags */
    duet_scan_result_t **results;   /* per slot: max_variants x n_traits */
    uint8_t **skips;                /* per slot: max_variants */
    float **chi2s;                  /* per slot: n_outs x max_variants */
    float **freqs;                  /* per slot: n_outs x max_variants */
    kstring_t **bufs;               /* per slot: n_outs rows of text */
    kstring_t *keys;                /* per thread: variant key buffer */
    duet_progress_t *prog;
    uint64_t n_read, n_tested, f_maf, f_mac, f_extract, f_exclude, f_contig;
    uint64_t tested_by_scan[N_SCANS];
} run_t;

/* The scan that tests a variant. */
static int scan_of(const duet_variant_t *v)
{
    return v->ploidy == DUET_PLOIDY_X ? SCAN_X : v->ploidy == DUET_PLOIDY_Y ? SCAN_Y : SCAN_AUTO;
}

/* Decode is done; filter, test and format one block (any thread). */
static duet_err_t block_work(duet_geno_block_t *blk, void *vctx, int thread)
{
    run_t *r = vctx;
    const gwas_opts_t *o = r->o;
    int slot = (int)(blk->index % (uint64_t)r->n_slots);
    uint8_t *skip = r->skips[slot];
    kstring_t *key = &r->keys[thread];
    for (int j = 0; j < blk->n_variants; j++) {
        const duet_variant_t *v = &blk->variants[j];
        uint8_t sk = SKIP_NONE;
        /* filters count alleles (a hemizygous male once), as plink2 */
        double af = v->allele_freq, other = v->n_alleles_obs - v->alt_alleles;
        double maf = isnan(af) ? 0 : fmin(af, 1 - af);
        double mac = fmin(v->alt_alleles, other);
        if (!r->scans[scan_of(v)]) sk = SKIP_CONTIG;
        else if (o->maf > 0 && maf < o->maf) sk = SKIP_MAF;
        else if (o->mac > 0 && mac < o->mac) sk = SKIP_MAC;
        else if (r->extract || r->exclude) {
            key->l = 0;
            ksprintf(key, "%s:%lld:%s:%s", v->chrom, (long long)v->pos, v->ref, v->alt);
            if (!key->s) return duet_log_oom(0);
            if (r->extract && !duet_idlist_has(r->extract, v->id) &&
                !duet_idlist_has(r->extract, key->s))
                sk = SKIP_EXTRACT;
            else if (r->exclude && (duet_idlist_has(r->exclude, v->id) ||
                                    duet_idlist_has(r->exclude, key->s)))
                sk = SKIP_EXCLUDE;
        }
        skip[j] = sk;
    }
    duet_scan_result_t *res = r->results[slot];
    /* each scan tests its contigs' variants; a scan runs only on blocks
     * holding some (files are sorted by contig: few blocks hold two) */
    uint8_t *kskip = r->kskips[thread];
    for (int k = 0; k < N_SCANS; k++) {
        if (!r->scans[k]) continue;
        int any = 0;
        for (int j = 0; j < blk->n_variants; j++) {
            kskip[j] = skip[j] || scan_of(&blk->variants[j]) != k;
            any |= !kskip[j];
        }
        if (any) duet_scan_block(r->scans[k], r->works[k][thread], blk, kskip, o->dosage, res);
    }
    crit_cache_t cc = { NAN, NAN };
    for (int u = 0; u < r->n_outs; u++) {
        const trait_out_t *to = &r->outs[u];
        int bin = duet_scan_trait(r->scan, to->index)->binary;
        kstring_t *ks = &r->bufs[slot][u];
        float *c2 = r->chi2s[slot] + (size_t)u * blk->max_variants;
        float *fq = r->freqs[slot] + (size_t)u * blk->max_variants;
        ks->l = 0;
        for (int j = 0; j < blk->n_variants; j++) {
            if (skip[j]) continue;
            duet_scan_result_t *rj = &res[(size_t)j * r->n_traits + to->index];
            int k = scan_of(&blk->variants[j]);
            if (k != SCAN_AUTO && duet_scan_trait(r->scans[k], to->index)->skipped) {
                /* testable on the autosomes, not among this contig's
                 * samples (warned at set-up) */
                duet_test_t test = !bin ? DUET_TEST_LINEAR
                                 : duet_bintest_uses_score(&o->scan.binary) ? DUET_TEST_SCORE
                                 : o->scan.binary.mode == DUET_LOGISTIC_WALD ? DUET_TEST_WALD
                                                                             : DUET_TEST_FIRTH;
                duet_assoc_na(&rj->a, DUET_FIT_FEW_SAMPLES, test, 0);
                rj->af = NAN;
                rj->info = NAN;
                rj->n_cases = rj->n_controls = 0;
            }
            c2[j] = (float)format_row(ks, &blk->variants[j], rj, bin, (int)o->min_cell, &cc,
                                      &fq[j]);
        }
        if (blk->n_variants && !ks->s) return duet_log_oom(0);
    }
    return DUET_OK;
}

/* Write one block's rows and update the summaries (block order). */
static duet_err_t block_emit(duet_geno_block_t *blk, void *vctx)
{
    run_t *r = vctx;
    int slot = (int)(blk->index % (uint64_t)r->n_slots);
    const uint8_t *skip = r->skips[slot];
    r->n_read += blk->n_variants;
    for (int j = 0; j < blk->n_variants; j++) {
        switch (skip[j]) {
        case SKIP_NONE:
            r->n_tested++;
            r->tested_by_scan[scan_of(&blk->variants[j])]++;
            break;
        case SKIP_MAF: r->f_maf++; break;
        case SKIP_MAC: r->f_mac++; break;
        case SKIP_EXTRACT: r->f_extract++; break;
        case SKIP_EXCLUDE: r->f_exclude++; break;
        default: r->f_contig++; break;
        }
    }
    for (int u = 0; u < r->n_outs; u++) {
        trait_out_t *to = &r->outs[u];
        kstring_t *ks = &r->bufs[slot][u];
        if (ks->l) {
            duet_err_t err = duet_out_write(to->out, ks->s, ks->l);
            if (err) return err;
        }
        const float *c2 = r->chi2s[slot] + (size_t)u * blk->max_variants;
        const float *fq = r->freqs[slot] + (size_t)u * blk->max_variants;
        for (int j = 0; j < blk->n_variants; j++) {
            if (skip[j]) continue;
            const duet_assoc_t *a = &r->results[slot][(size_t)j * r->n_traits + to->index].a;
            to->rows++;
            to->by_test[a->test < DUET_TEST_N ? a->test : 0]++;
            if (a->status != DUET_FIT_OK) { to->na_rows++; continue; }
            if (to->n_chi2 == to->m_chi2) {
                size_t m = to->m_chi2 ? 2 * to->m_chi2 : 4096;
                float *c = realloc(to->chi2, m * sizeof *c);
                if (!c) return duet_log_oom(m * sizeof *c);
                to->chi2 = c;
                float *f = realloc(to->freq, m * sizeof *f);
                if (!f) return duet_log_oom(m * sizeof *f);
                to->freq = f;
                to->m_chi2 = m;
            }
            to->freq[to->n_chi2] = fq[j];
            to->chi2[to->n_chi2++] = c2[j];
            add_hit(to, &blk->variants[j], a);
        }
    }
    duet_progress_update(r->prog, r->n_read);
    return DUET_OK;
}

duet_err_t main_gwas(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"pheno", required_argument, NULL, OPT_PHENO},
        {"pheno-name", required_argument, NULL, OPT_PHENO_NAME},
        {"covar", required_argument, NULL, OPT_COVAR},
        {"covar-name", required_argument, NULL, OPT_COVAR_NAME},
        {"binary", no_argument, NULL, OPT_BINARY},
        {"quantitative", no_argument, NULL, OPT_QUANTITATIVE},
        {"keep", required_argument, NULL, OPT_KEEP},
        {"remove", required_argument, NULL, OPT_REMOVE},
        {"extract", required_argument, NULL, OPT_EXTRACT},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"region", required_argument, NULL, OPT_REGION},
        {"chunk", required_argument, NULL, OPT_CHUNK},
        {"maf", required_argument, NULL, OPT_MAF},
        {"mac", required_argument, NULL, OPT_MAC},
        {"dosage", no_argument, NULL, OPT_DOSAGE},
        {"missing", required_argument, NULL, OPT_MISSING},
        DUET_BINTEST_LONGOPTS,
        {"drop-collinear", no_argument, NULL, OPT_DROP_COLLINEAR},
        {"min-cell", required_argument, NULL, OPT_MIN_CELL},
        {"genome-build", required_argument, NULL, OPT_BUILD},
        {"xchr-model", required_argument, NULL, OPT_XCHR_MODEL},
        DUET_SEX_LONGOPTS,
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    gwas_opts_t o;
    memset(&o, 0, sizeof o);
    duet_opts_init(&o.c);
    duet_scan_opts_init(&o.scan);
    duet_sex_cli_init(&o.sexo);
    o.min_cell = 20;
    o.xchr_model = 2;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        long v;
        duet_err_t perr;
        if (duet_bintest_cli_parse(&o.scan.binary, opt, optarg, &perr) ||
            duet_sex_cli_parse(&o.sexo, opt, optarg, &perr)) {
            if (perr) return perr;
            continue;
        }
        switch (opt) {
        case OPT_VCF: o.vcf = optarg; break;
        case OPT_PHENO: o.pheno = optarg; break;
        case OPT_PHENO_NAME: o.pheno_name = optarg; break;
        case OPT_COVAR: o.covar = optarg; break;
        case OPT_COVAR_NAME: o.covar_name = optarg; break;
        case OPT_BINARY: o.binary = 1; break;
        case OPT_QUANTITATIVE: o.quantitative = 1; break;
        case OPT_KEEP: o.keep = optarg; break;
        case OPT_REMOVE: o.remove = optarg; break;
        case OPT_EXTRACT: o.extract = optarg; break;
        case OPT_EXCLUDE: o.exclude = optarg; break;
        case OPT_REGION: o.region = optarg; break;
        case OPT_CHUNK:
            o.chunk = optarg;
            if (duet_geno_chunk_parse(optarg, &o.chunk_k, &o.chunk_n)) return DUET_EUSAGE;
            break;
        case OPT_MAF:
            if (duet_opts_parse_double("--maf", optarg, 0, 0.5, &o.maf)) return DUET_EUSAGE;
            break;
        case OPT_MAC:
            if (duet_opts_parse_double("--mac", optarg, 0, 1e12, &o.mac)) return DUET_EUSAGE;
            break;
        case OPT_DOSAGE: o.dosage = 1; break;
        case OPT_MISSING:
            if (!strcmp(optarg, "mean")) o.scan.missing = DUET_MISSING_MEAN;
            else if (!strcmp(optarg, "drop")) o.scan.missing = DUET_MISSING_DROP;
            else {
                duet_log_error("--missing expects mean or drop, got '%s'", optarg);
                return DUET_EUSAGE;
            }
            break;
        case OPT_DROP_COLLINEAR: o.scan.drop_collinear = 1; break;
        case OPT_MIN_CELL:
            if (duet_opts_parse_long("--min-cell", optarg, 0, 1000000, &v)) return DUET_EUSAGE;
            o.min_cell = v;
            break;
        case OPT_BUILD: o.build = optarg; break;
        case OPT_XCHR_MODEL:
            if (duet_opts_parse_long("--xchr-model", optarg, 0, 2, &v)) return DUET_EUSAGE;
            o.xchr_model = (int)v;
            break;
        default: {
            int r = duet_opts_common(&o.c, opt, optarg);
            if (r == DUET_OK) break;
            if (r == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("gwas");
        }
        }
    }
    if (o.c.help) {
        usage(stdout);
        return DUET_OK;
    }
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("gwas");
    }
    if (!o.vcf || !o.pheno || !o.c.out) {
        duet_log_error("--vcf, --pheno and -o are required");
        return duet_opts_bad("gwas");
    }
    if (o.covar_name && !o.covar) {
        duet_log_error("--covar-name needs --covar");
        return DUET_EUSAGE;
    }
    if (o.binary && o.quantitative) {
        duet_log_error("--binary and --quantitative exclude each other");
        return DUET_EUSAGE;
    }
    if (o.region && o.chunk) {
        duet_log_error("--region and --chunk exclude each other");
        return DUET_EUSAGE;
    }
    if (!strcmp(o.vcf, "-")) {
        duet_log_error("--vcf must be a file (the reader needs to open it twice)");
        return DUET_EUSAGE;
    }
    o.scan.min_mac = o.mac;
    duet_opts_apply(&o.c);
    int to_stdout = !strcmp(o.c.out, "-");

    duet_err_t err = DUET_OK;
    char **pheno_names = NULL, **covar_names = NULL;
    int n_pheno_names = 0, n_covar_names = 0;
    duet_idlist_t *extract = NULL, *exclude = NULL;
    duet_geno_t *geno = NULL;
    duet_traitset_t *ts = NULL;
    duet_scan_t *scan = NULL, *xscan = NULL, *yscan = NULL;
    duet_sex_table_t *sex = NULL;
    duet_sex_design_t xy;
    memset(&xy, 0, sizeof xy);
    trait_out_t *outs = NULL;
    int n_outs = 0;
    duet_out_t *logf = NULL;
    char *log_path = NULL;
    int nb = 0, n_threads = o.c.threads;
    run_t run;
    memset(&run, 0, sizeof run);
    kstring_t summary = { 0, 0, NULL };

    /* inputs */
    if (o.pheno_name && !(pheno_names = duet_list_split(o.pheno_name, &n_pheno_names))) { err = DUET_ENOMEM; goto cleanup; }
    if (o.covar_name && !(covar_names = duet_list_split(o.covar_name, &n_covar_names))) { err = DUET_ENOMEM; goto cleanup; }
    if (o.extract && (err = duet_idlist_read(o.extract, 1, &extract))) goto cleanup;
    if (o.exclude && (err = duet_idlist_read(o.exclude, 1, &exclude))) goto cleanup;

    /* samples: VCF order, with a trait value, complete covariates, kept
     * (traitset.h) */
    duet_traitset_opts_t tso;
    duet_traitset_opts_init(&tso);
    tso.pheno = o.pheno;
    tso.pheno_names = (const char *const *)pheno_names;
    tso.n_pheno_names = n_pheno_names;
    tso.binary = o.binary;
    tso.quantitative = o.quantitative;
    tso.covar = o.covar;
    tso.covar_names = (const char *const *)covar_names;
    tso.n_covar_names = n_covar_names;
    tso.keep = o.keep;
    tso.remove = o.remove;
    err = duet_traitset_load_vcf(o.vcf, &tso, &ts);
    if (err) goto cleanup;
    ksprintf(&summary, "%s\n", ts->summary);
    int n_used = ts->n_samples, T = ts->n_traits, C = ts->n_covars;

    duet_scan_input_t in = {
        .n_samples = n_used,
        .n_traits = T,
        .trait_names = (const char *const *)ts->names,
        .traits = ts->y,
        .binary = ts->binary,
        .n_covars = C,
        .covar_names = (const char *const *)ts->covar_names,
        .covars = ts->x,
    };
    err = duet_scan_create(&in, &o.scan, &scan);
    if (err) goto cleanup;

    /* sexes: --sex FILE, else the covariate named sex */
    err = duet_sex_cli_table(&o.sexo, (const char *const *)ts->ids, n_used,
                             (const char *const *)ts->covar_names, ts->x, C, o.covar, &sex);
    if (err) goto cleanup;
    int n_male = 0, n_female = 0, n_unknown = n_used;
    if (sex)
        duet_sex_table_count(sex, (const char *const *)ts->ids, n_used, &n_male, &n_female,
                             &n_unknown);
    int have_sex = n_male + n_female > 0;
    if (!o.sexo.par_given && o.build &&
        (strstr(o.build, "38") && (!strncasecmp(o.build, "GRCh", 4) || !strncasecmp(o.build, "hg", 2))))
        err = duet_par_parse("b38", &o.sexo.par);
    if (err) goto cleanup;
    if (have_sex) {
        kstring_t ss = { 0, 0, NULL };
        ksprintf(&ss, "%s: %d males, %d females, %d unknown", duet_sex_table_source(sex),
                 n_male, n_female, n_unknown);
        o.sex_summary = ss.s;
        if (!o.sex_summary) { err = DUET_ENOMEM; goto cleanup; }
        ksprintf(&summary, "sex: %s; chrX outside the PARs (%s): males hemizygous, coded "
                 "0..%d, sex a covariate, samples of unknown sex left out%s\n",
                 o.sex_summary, o.sexo.par.name, o.xchr_model == 1 ? 1 : 2,
                 o.xchr_model == 0 ? " (--xchr-model 0: not tested)" : "");
    }

    /* the reader on the used samples */
    duet_geno_opts_t gopts;
    duet_geno_opts_init(&gopts, o.vcf);
    gopts.samples = (const char *const *)ts->ids;
    gopts.n_samples = n_used;
    gopts.region = o.region;
    gopts.chunk_k = o.chunk_k;
    gopts.chunk_n = o.chunk_n;
    gopts.field = o.dosage ? DUET_GENO_DS : DUET_GENO_GT;
    gopts.sex = have_sex ? sex : NULL;
    gopts.par = o.sexo.par;
    gopts.warn_no_sex = 1;
    gopts.xchr_male_scale = o.xchr_model == 1 ? 1 : 2;
    /* decoding and testing run as OpenMP tasks on every thread; htslib's
     * decompression pool only helps the fetching thread keep up when
     * there are many (measured: with 2 threads it steals their cores) */
    gopts.threads = n_threads >= 8 ? n_threads / 4 : 1;
    gopts.want_missing_mask = 1;
    err = duet_geno_open(&gopts, &geno);
    if (err) goto cleanup;

    /* chrX and chrY as plink2 --glm sets them up: on chrX the sex
     * covariate added (unless the covariates hold it already) and the
     * samples of unknown sex left out; on chrY the males only, without
     * it.  Same traits, so that every trait keeps one output. */
    int want_x = have_sex && o.xchr_model != 0 && duet_geno_may_have_contig(geno, DUET_PLOIDY_X);
    int want_y = have_sex && n_male > 0 && duet_geno_may_have_contig(geno, DUET_PLOIDY_Y);
    for (int k = SCAN_X; k <= SCAN_Y; k++) {
        if (k == SCAN_X ? !want_x : !want_y) continue;
        duet_sex_design_free(&xy);
        err = duet_sex_design(sex, k == SCAN_X ? DUET_PLOIDY_X : DUET_PLOIDY_Y,
                              (const char *const *)ts->ids, n_used, ts->y, T, ts->x,
                              (const char *const *)ts->covar_names, C, &xy);
        if (err) goto cleanup;
        if (!xy.n_testable) {
            duet_log_warn("no trait can be tested among the %d %s (two values and more "
                          "samples than parameters needed): %s variants are not tested",
                          xy.n_kept, k == SCAN_X ? "samples of known sex" : "males",
                          k == SCAN_X ? "chrX's (outside the PARs)" : "chrY's");
            continue;
        }
        duet_log_info("setting up the %s scan: %d samples%s", k == SCAN_X ? "chrX" : "chrY",
                      xy.n_kept, k == SCAN_X ? " of known sex, sex a covariate" : " (males)");
        duet_scan_input_t xin = in;
        xin.traits = xy.traits;
        xin.n_covars = xy.n_covars;
        xin.covar_names = xy.covar_names;
        xin.covars = xy.covars;
        err = duet_scan_create(&xin, &o.scan, k == SCAN_X ? &xscan : &yscan);
        if (err) goto cleanup;
    }

    /* outputs */
    outs = duet_calloc((size_t)T, sizeof *outs);
    if (!outs) { err = DUET_ENOMEM; goto cleanup; }
    for (int t = 0; t < T; t++) {
        const duet_scan_trait_t *tr = duet_scan_trait(scan, t);
        if (tr->skipped) continue;
        trait_out_t *to = &outs[n_outs++];
        to->index = t;
        to->cleanup_tsv = to->cleanup_tbi = to->cleanup_yaml = -1;
        to->file_name = safe_name(tr->name);
        if (!to->file_name) { err = DUET_ENOMEM; goto cleanup; }
        for (int u = 0; u < n_outs - 1; u++)
            if (!strcmp(outs[u].file_name, to->file_name)) {
                duet_log_error("traits '%s' and '%s' would write the same file name '%s'",
                               duet_scan_trait(scan, outs[u].index)->name, tr->name, to->file_name);
                err = DUET_EUSAGE;
                goto cleanup;
            }
    }
    if (to_stdout && n_outs != 1) {
        duet_log_error("-o - streams one trait, but %d traits are to be scanned; choose one "
                       "with --pheno-name", n_outs);
        err = DUET_EUSAGE;
        goto cleanup;
    }
    for (int u = 0; u < n_outs; u++) {
        trait_out_t *to = &outs[u];
        kstring_t p = { 0, 0, NULL };
        if (to_stdout) {
            kputs("-", &p);
        } else {
            ksprintf(&p, "%s.%s.gwas.tsv.gz", o.c.out, to->file_name);
        }
        to->tsv_path = p.s;
        if (!to->tsv_path) { err = DUET_ENOMEM; goto cleanup; }
        /* one compression thread per output: the text of a trait is small
         * next to the genotypes, and the cores are busy testing */
        err = duet_out_create(to->tsv_path, to_stdout ? DUET_OUT_PLAIN : DUET_OUT_BGZF, o.c.force,
                              1, &to->out);
        if (err) goto cleanup;
        if (!to_stdout) {
            kstring_t y = { 0, 0, NULL };
            ksprintf(&y, "%s.%s.gwas.yaml", o.c.out, to->file_name);
            to->yaml_path = y.s;
            if (!to->yaml_path) { err = DUET_ENOMEM; goto cleanup; }
            err = duet_out_create(to->yaml_path, DUET_OUT_PLAIN, o.c.force, 1, &to->yaml);
            if (err) goto cleanup;
        }
        err = duet_out_puts(to->out, header_line);
        if (err) goto cleanup;
    }
    if (!to_stdout) {
        kstring_t p = { 0, 0, NULL };
        ksprintf(&p, "%s.log", o.c.out);
        log_path = p.s;
        if (!log_path) { err = DUET_ENOMEM; goto cleanup; }
        err = duet_out_create(log_path, DUET_OUT_PLAIN, o.c.force, 1, &logf);
        if (err) goto cleanup;
    }

    /* block size: about 8 MB of dosages per block, whatever the thread
     * count (so that outputs do not depend on it) */
    int B = (int)((1L << 20) / (n_used > 0 ? n_used : 1));
    B = B / 8 * 8;
    if (B < 8) B = 8;
    if (B > 1024) B = 1024;
    run.o = &o;
    run.scan = scan;
    run.scans[SCAN_AUTO] = scan;
    run.scans[SCAN_X] = xscan;
    run.scans[SCAN_Y] = yscan;
    run.n_traits = T;
    run.n_outs = n_outs;
    run.outs = outs;
    run.extract = extract;
    run.exclude = exclude;
    run.n_slots = n_threads > 1 ? 4 * n_threads : 1;
    nb = run.n_slots;
    for (int k = 0; k < N_SCANS; k++)
        if (run.scans[k] && !(run.works[k] = duet_calloc((size_t)n_threads, sizeof *run.works[k]))) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
    run.kskips = duet_calloc((size_t)n_threads, sizeof *run.kskips);
    run.keys = duet_calloc((size_t)n_threads, sizeof *run.keys);
    run.results = duet_calloc((size_t)nb, sizeof *run.results);
    run.skips = duet_calloc((size_t)nb, sizeof *run.skips);
    run.chi2s = duet_calloc((size_t)nb, sizeof *run.chi2s);
    run.freqs = duet_calloc((size_t)nb, sizeof *run.freqs);
    run.bufs = duet_calloc((size_t)nb, sizeof *run.bufs);
    if (!run.kskips || !run.keys || !run.results || !run.skips || !run.chi2s || !run.freqs ||
        !run.bufs) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int b = 0; b < nb; b++) {
        run.results[b] = duet_malloc((size_t)B * T * sizeof **run.results);
        run.skips[b] = duet_malloc((size_t)B);
        run.chi2s[b] = duet_malloc((size_t)B * (n_outs ? n_outs : 1) * sizeof **run.chi2s);
        run.freqs[b] = duet_malloc((size_t)B * (n_outs ? n_outs : 1) * sizeof **run.freqs);
        run.bufs[b] = duet_calloc((size_t)(n_outs ? n_outs : 1), sizeof **run.bufs);
        if (!run.results[b] || !run.skips[b] || !run.chi2s[b] || !run.freqs[b] || !run.bufs[b]) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
    }
    for (int w = 0; w < n_threads; w++) {
        if (!(run.kskips[w] = duet_malloc((size_t)B))) { err = DUET_ENOMEM; goto cleanup; }
        for (int k = 0; k < N_SCANS; k++)
            if (run.scans[k] && (err = duet_scan_work_create(run.scans[k], B, &run.works[k][w])))
                goto cleanup;
    }
    run.prog = duet_progress_create("variants", duet_geno_n_records_hint(geno));
    duet_geno_scan_t gs = {
        .max_variants = B,
        .n_blocks = nb,
        .threads = n_threads,
        .work = block_work,
        .emit = block_emit,
        .ctx = &run,
    };
    err = duet_geno_scan(geno, &gs);
    duet_progress_destroy(run.prog);
    run.prog = NULL;
    if (err) goto cleanup;
    uint64_t n_read = run.n_read, n_tested = run.n_tested;
    uint64_t f_maf = run.f_maf, f_mac = run.f_mac, f_extract = run.f_extract,
             f_exclude = run.f_exclude, f_contig = run.f_contig;

    /* summary */
    {
        size_t most = 1;
        for (int u = 0; u < n_outs; u++) most = outs[u].n_chi2 > most ? outs[u].n_chi2 : most;
        float *scratch = duet_malloc(most * sizeof *scratch);
        if (!scratch) { err = DUET_ENOMEM; goto cleanup; }
        for (int u = 0; u < n_outs; u++)
            duet_dist_lambda_by_maf(outs[u].chi2, outs[u].freq, outs[u].n_chi2, scratch,
                                    &outs[u].lambda);
        free(scratch);
    }
    ksprintf(&summary, "variants: %llu read, %llu tested", (unsigned long long)n_read,
             (unsigned long long)n_tested);
    if (xscan || yscan)
        ksprintf(&summary, " (%llu on chrX outside the PARs, %llu on chrY)",
                 (unsigned long long)run.tested_by_scan[SCAN_X],
                 (unsigned long long)run.tested_by_scan[SCAN_Y]);
    if (f_contig)
        ksprintf(&summary, ", %llu on chrX or chrY not tested (%s)", (unsigned long long)f_contig,
                 o.xchr_model == 0 ? "--xchr-model 0" : "no trait testable in their samples");
    if (o.maf > 0) ksprintf(&summary, ", %llu below --maf", (unsigned long long)f_maf);
    if (o.mac > 0) ksprintf(&summary, ", %llu below --mac", (unsigned long long)f_mac);
    if (extract) ksprintf(&summary, ", %llu not in --extract", (unsigned long long)f_extract);
    if (exclude) ksprintf(&summary, ", %llu in --exclude", (unsigned long long)f_exclude);
    kputc('\n', &summary);
    ksprintf(&summary, "traits: %d selected, %d scanned\n", T, n_outs);
    /* lambda GC over MAF >= 1% (the headline), per MAF bin, and over
     * every variant */
    kputs("trait\tmodel\tn\tn_cases\tn_controls\tcovariates\trows\tNA_rows\tscore\tspa\texact\t"
          "wald\tfirth\tlambda_gc", &summary);
    for (int b = 0; b < DUET_LAMBDA_N_BINS; b++) {
        double lo, hi;
        const char *label;
        duet_lambda_bin(b, &lo, &hi, &label);
        ksprintf(&summary, "\tlambda_maf_%s", label);
    }
    kputs("\tlambda_all\n", &summary);
    for (int u = 0; u < n_outs; u++) {
        trait_out_t *to = &outs[u];
        const duet_scan_trait_t *tr = duet_scan_trait(scan, to->index);
        ksprintf(&summary, "%s\t%s\t%d\t", tr->name, model_name(&o, tr->binary), tr->n);
        int show = tr->binary && tr->n_cases >= o.min_cell && tr->n_controls >= o.min_cell;
        if (show) ksprintf(&summary, "%d\t%d\t", tr->n_cases, tr->n_controls);
        else kputs(NA "\t" NA "\t", &summary);
        ksprintf(&summary, "%d\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t", tr->n_covars_used,
                 (unsigned long long)to->rows, (unsigned long long)to->na_rows,
                 (unsigned long long)to->by_test[DUET_TEST_SCORE],
                 (unsigned long long)to->by_test[DUET_TEST_SPA],
                 (unsigned long long)to->by_test[DUET_TEST_EXACT],
                 (unsigned long long)to->by_test[DUET_TEST_WALD],
                 (unsigned long long)to->by_test[DUET_TEST_FIRTH]);
        const duet_lambda_t *ls[DUET_LAMBDA_N_BINS + 2];
        ls[0] = &to->lambda.common;
        for (int b = 0; b < DUET_LAMBDA_N_BINS; b++) ls[1 + b] = &to->lambda.bins[b];
        ls[DUET_LAMBDA_N_BINS + 1] = &to->lambda.all;
        for (int q = 0; q < DUET_LAMBDA_N_BINS + 2; q++) {
            if (isfinite(ls[q]->lambda)) ksprintf(&summary, "%.4f", ls[q]->lambda);
            else kputs(NA, &summary);
            kputc(q == DUET_LAMBDA_N_BINS + 1 ? '\n' : '\t', &summary);
        }
    }
    ksprintf(&summary, "lambda_gc: median chi-square / 0.4549 over variants with MAF >= %g "
             "(effect_allele_frequency as written); lambda_maf_*: per MAF bin; lambda_all: "
             "every variant\n", DUET_LAMBDA_MIN_MAF);
    kputs("top hits:\ntrait\tvariant_id\tbeta\tstandard_error\tp_value\ttest\n", &summary);
    for (int u = 0; u < n_outs; u++) {
        trait_out_t *to = &outs[u];
        for (int h = 0; h < to->n_hits; h++) {
            char pbuf[48];
            duet_dist_format_p(to->hits[h].log_p, 4, NA, pbuf, sizeof pbuf);
            ksprintf(&summary, "%s\t%s\t%.4g\t%.4g\t%s\t%s\n",
                     duet_scan_trait(scan, to->index)->name, to->hits[h].variant_id,
                     to->hits[h].beta, to->hits[h].se, pbuf, duet_test_str(to->hits[h].test));
        }
    }
    if (!summary.s) { err = DUET_ENOMEM; goto cleanup; }

    /* finish: close every data file, publish them (keeping them registered
     * for removal until the end), checksum, then the sidecars and the log */
    duet_tabix_t tbx = { 1, 2, 2, 1, '#' };
    for (int u = 0; u < n_outs; u++) {
        err = duet_out_close(outs[u].out, to_stdout ? NULL : &tbx);
        if (err) goto cleanup;
    }
    if (!to_stdout) {
        for (int u = 0; u < n_outs; u++) {
            trait_out_t *to = &outs[u];
            err = duet_out_publish(to->out);
            if (err) goto cleanup;
            to->cleanup_tsv = duet_cleanup_register(to->tsv_path, 0);
            kstring_t ti = { 0, 0, NULL };
            ksprintf(&ti, "%s.tbi", to->tsv_path);
            if (ti.s) to->cleanup_tbi = duet_cleanup_register(ti.s, 0);
            free(ti.s);
        }
        for (int u = 0; u < n_outs; u++) {
            trait_out_t *to = &outs[u];
            err = duet_ssf_file_md5(to->tsv_path, to->md5);
            if (err) goto cleanup;
            err = write_yaml(&o, scan, to, n_tested);
            if (err) goto cleanup;
            err = duet_out_commit(to->yaml, NULL);
            if (err) goto cleanup;
            to->cleanup_yaml = duet_cleanup_register(to->yaml_path, 0);
        }
        kstring_t lg = { 0, 0, NULL };
        kputs("# duet gwas run summary\n", &lg);
        if (!o.c.no_version) {
            ksprintf(&lg, "# %s\n", duet_version_string());
            ksprintf(&lg, "# %s\n", duet_opts_cmdline());
        }
        kputs(summary.s, &lg);
        err = lg.s ? duet_out_write(logf, lg.s, lg.l) : duet_log_oom(0);
        free(lg.s);
        if (err) goto cleanup;
        err = duet_out_commit(logf, NULL);
        if (err) goto cleanup;
        for (int u = 0; u < n_outs; u++) {
            duet_cleanup_release(outs[u].cleanup_tsv);
            duet_cleanup_release(outs[u].cleanup_tbi);
            duet_cleanup_release(outs[u].cleanup_yaml);
            outs[u].cleanup_tsv = outs[u].cleanup_tbi = outs[u].cleanup_yaml = -1;
        }
    } else {
        err = duet_out_publish(outs[0].out);
        if (err) goto cleanup;
    }
    /* the summary on stderr too */
    if (!duet_log_quiet()) {
        char *save = NULL;
        for (char *line = strtok_r(summary.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (!strcmp(line, "top hits:")) break; /* those are for P.log */
            duet_log_info("%s", line);
        }
    }
    err = DUET_OK;

cleanup:
    duet_progress_destroy(run.prog);
    if (outs) {
        for (int u = 0; u < n_outs; u++) {
            trait_out_t *to = &outs[u];
            /* a failure after publishing removes what was published */
            duet_cleanup_remove(to->cleanup_tsv);
            duet_cleanup_remove(to->cleanup_tbi);
            duet_cleanup_remove(to->cleanup_yaml);
            duet_out_destroy(to->out);
            duet_out_destroy(to->yaml);
            free(to->file_name);
            free(to->tsv_path);
            free(to->yaml_path);
            free(to->chi2);
            free(to->freq);
            for (int h = 0; h < to->n_hits; h++) free(to->hits[h].variant_id);
        }
        free(outs);
    }
    duet_out_destroy(logf);
    free(log_path);
    for (int b = 0; b < nb; b++) {
        if (run.results) free(run.results[b]);
        if (run.skips) free(run.skips[b]);
        if (run.chi2s) free(run.chi2s[b]);
        if (run.bufs && run.bufs[b]) {
            for (int u = 0; u < n_outs; u++) free(run.bufs[b][u].s);
            free(run.bufs[b]);
        }
    }
    free(run.results);
    free(run.skips);
    free(run.chi2s);
    if (run.freqs)
        for (int b = 0; b < nb; b++) free(run.freqs[b]);
    free(run.freqs);
    if (run.kskips)
        for (int w = 0; w < n_threads; w++) free(run.kskips[w]);
    free(run.kskips);
    free(run.bufs);
    for (int k = 0; k < N_SCANS; k++) {
        if (run.works[k])
            for (int w = 0; w < n_threads; w++) duet_scan_work_destroy(run.works[k][w]);
        free(run.works[k]);
    }
    if (run.keys)
        for (int w = 0; w < n_threads; w++) free(run.keys[w].s);
    free(run.keys);
    duet_geno_close(geno);
    duet_scan_destroy(scan);
    duet_scan_destroy(xscan);
    duet_scan_destroy(yscan);
    duet_sex_table_destroy(sex);
    duet_sex_design_free(&xy);
    free(o.sex_summary);
    duet_traitset_destroy(ts);
    duet_idlist_destroy(extract);
    duet_idlist_destroy(exclude);
    duet_list_free(pheno_names, n_pheno_names);
    duet_list_free(covar_names, n_covar_names);
    free(summary.s);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
