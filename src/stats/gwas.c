/*
 * gwas.c -- the phenotype-first scan of `duet gwas` (gwas.h): inputs and
 * samples, the scans of the autosomes, chrX and chrY, the block loop over
 * the reader, GWAS-SSF rows, YAML sidecars and the run summary.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htslib/hts.h>
#include <htslib/kstring.h>

#include "duet/dist.h"
#include "duet/gwas.h"
#include "duet/idlist.h"
#include "duet/log.h"
#include "duet/out.h"
#include "duet/progress.h"
#include "duet/ssf.h"
#include "duet/text.h"
#include "duet/traitset.h"
#include "duet/version.h"
#include "lambda_internal.h"

#define NA "#NA"
#define TOP_HITS 10

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

void duet_gwas_opts_init(duet_gwas_opts_t *o)
{
    memset(o, 0, sizeof *o);
    duet_opts_init(&o->c);
    duet_trait_cli_init(&o->traits);
    duet_scan_opts_init(&o->scan);
    duet_sex_cli_init(&o->sexo);
    o->min_cell = 20;
    o->xchr_model = 2;
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
    lambda_rows_t lrows; /* per row with a p-value: chi-square, frequency */
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

static const char *model_name(const duet_gwas_opts_t *o, int binary)
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
static duet_err_t write_yaml(const duet_gwas_opts_t *o, const char *sex_summary,
                             const duet_scan_t *scan, trait_out_t *to, uint64_t n_tested)
{
    const duet_scan_trait_t *tr = duet_scan_trait(scan, to->index);
    duet_text_t ks = DUET_TEXT_INIT;
    const char *base = strrchr(to->tsv_path, '/');
    base = base ? base + 1 : to->tsv_path;
    duet_text_puts(&ks, "# GWAS-SSF metadata (GWAS Catalog summary statistics standard) written by duet gwas\n");
    duet_text_puts(&ks, "file_type: GWAS-SSF v1.0\n");
    duet_text_puts(&ks, "data_file_name: "); duet_ssf_yaml_str(&ks, base); duet_text_puts(&ks, "\n");
    duet_text_printf(&ks, "data_file_md5sum: %s\n", to->md5);
    duet_text_puts(&ks, "is_harmonised: false\nis_sorted: true\n");
    duet_text_puts(&ks, "genome_assembly: "); duet_ssf_yaml_str(&ks, o->build ? o->build : NA); duet_text_puts(&ks, "\n");
    duet_text_puts(&ks, "coordinate_system: 1-based\n");
    duet_text_puts(&ks, "trait_description:\n  - "); duet_ssf_yaml_str(&ks, tr->name); duet_text_puts(&ks, "\n");
    duet_text_printf(&ks, "sample_size: %d\n", tr->n);
    if (tr->binary) {
        if (tr->n_cases >= o->min_cell && tr->n_controls >= o->min_cell)
            duet_text_printf(&ks, "case_count: %d\ncontrol_count: %d\n", tr->n_cases, tr->n_controls);
        else
            duet_text_puts(&ks, "case_count: \"" NA "\"\ncontrol_count: \"" NA "\"\n");
    }
    if (!o->c.no_version) {
        duet_text_puts(&ks, "analysis_software: "); duet_ssf_yaml_str(&ks, duet_version_string()); duet_text_puts(&ks, "\n");
    }
    duet_text_puts(&ks, "adjusted_covariates:");
    if (tr->covars_used) {
        duet_text_puts(&ks, "\n");
        for (const char *p = tr->covars_used; *p;) {
            size_t len = strcspn(p, ",");
            char *nm = strndup(p, len);
            if (nm) { duet_text_puts(&ks, "  - "); duet_ssf_yaml_str(&ks, nm); duet_text_puts(&ks, "\n"); }
            if (!nm) ks.oom = 1;
            free(nm);
            p += len + (p[len] == ',');
        }
    } else {
        duet_text_puts(&ks, " []\n");
    }
    duet_text_puts(&ks, "duet:\n");
    if (!o->c.no_version) {
        duet_text_puts(&ks, "  command: "); duet_ssf_yaml_str(&ks, duet_opts_cmdline()); duet_text_puts(&ks, "\n");
    }
    duet_text_puts(&ks, "  model: "); duet_ssf_yaml_str(&ks, model_name(o, tr->binary)); duet_text_puts(&ks, "\n");
    if (tr->binary) {
        char pol[160];
        duet_bintest_describe(&o->scan.binary, pol, sizeof pol);
        duet_text_puts(&ks, "  case_control_test: "); duet_ssf_yaml_str(&ks, pol); duet_text_puts(&ks, "\n");
    }
    duet_text_printf(&ks, "  genotypes: %s\n", o->dosage ? "DS" : "GT");
    duet_text_printf(&ks, "  missing_genotypes: %s\n", o->scan.missing == DUET_MISSING_DROP ? "drop" : "mean");
    if (tr->covars_dropped) {
        duet_text_puts(&ks, "  covariates_dropped: "); duet_ssf_yaml_str(&ks, tr->covars_dropped); duet_text_puts(&ks, "\n");
    }
    if (o->region) { duet_text_puts(&ks, "  region: "); duet_ssf_yaml_str(&ks, o->region); duet_text_puts(&ks, "\n"); }
    if (o->chunk_n) duet_text_printf(&ks, "  chunk: %d/%d\n", o->chunk_k, o->chunk_n);
    if (sex_summary) {
        duet_text_puts(&ks, "  sex: "); duet_ssf_yaml_str(&ks, sex_summary); duet_text_puts(&ks, "\n");
        duet_text_printf(&ks, "  xchr_model: %d\n  par: %s\n", o->xchr_model, o->sexo.par.name);
    }
    duet_text_printf(&ks, "  variants_tested: %llu\n", (unsigned long long)n_tested);
    char lbuf[1024];
    duet_dist_lambda_yaml(&to->lambda, lbuf, sizeof lbuf);
    duet_text_puts(&ks, lbuf);
    duet_err_t err = duet_text_write(&ks, to->yaml);
    duet_text_free(&ks);
    return err;
}


/* State shared by the block callbacks of duet_geno_scan(). */
typedef struct {
    const duet_gwas_opts_t *o;
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
    const duet_gwas_opts_t *o = r->o;
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
            duet_err_t err = lambda_rows_push(&to->lrows, c2[j], fq[j]);
            if (err) return err;
            add_hit(to, &blk->variants[j], a);
        }
    }
    duet_progress_update(r->prog, r->n_read);
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* The run, step by step */

/* Everything a run holds, released by gwas_free(). */
typedef struct {
    duet_gwas_opts_t o;      /* a copy: --genome-build may set the PARs */
    int to_stdout;           /* -o - */
    duet_idlist_t *extract, *exclude;
    duet_traitset_t *ts;
    duet_scan_t *scans[N_SCANS]; /* NULL: contigs of the kind not tested */
    duet_sex_table_t *sex;
    int n_male, n_female, n_unknown, have_sex;
    char *sex_summary;       /* for the YAML: where sexes came from, counts */
    duet_sex_design_t xy;
    duet_geno_t *geno;
    trait_out_t *outs;
    int n_outs;
    duet_out_t *logf;
    char *log_path;
    run_t run;
    int n_blocks;            /* slots of run */
    duet_text_t summary;     /* the run summary (P.log, stderr) */
} gwas_t;

/* Inputs: the variant lists, the traits and covariates on the VCF's
 * samples (traitset.h), and the scan of the autosomes. */
static duet_err_t gwas_load(gwas_t *g)
{
    const duet_gwas_opts_t *o = &g->o;
    duet_err_t err;
    if (o->extract && (err = duet_idlist_read(o->extract, 1, &g->extract))) return err;
    if (o->exclude && (err = duet_idlist_read(o->exclude, 1, &g->exclude))) return err;

    /* samples: VCF order, with a trait value, complete covariates, kept
     * (traitset.h) */
    duet_traitset_opts_t tso;
    duet_traitset_opts_init(&tso);
    duet_trait_cli_traitset(&o->traits, &tso);
    if ((err = duet_traitset_load_vcf(o->vcf, &tso, &g->ts))) return err;
    duet_text_printf(&g->summary, "%s\n", g->ts->summary);
    duet_scan_input_t in;
    duet_scan_input_traitset(g->ts, &in);
    return duet_scan_create(&in, &o->scan, &g->scans[SCAN_AUTO]);
}

/* Sexes: --sex FILE, else the covariate named sex; the PARs of
 * --genome-build GRCh38/hg38 unless --par was given. */
static duet_err_t gwas_sexes(gwas_t *g)
{
    duet_gwas_opts_t *o = &g->o;
    const duet_traitset_t *ts = g->ts;
    int n_used = ts->n_samples;
    duet_err_t err = duet_sex_cli_table(&o->sexo, (const char *const *)ts->ids, n_used,
                                        (const char *const *)ts->covar_names, ts->x,
                                        ts->n_covars, o->traits.covar, &g->sex);
    if (err) return err;
    g->n_unknown = n_used;
    if (g->sex)
        duet_sex_table_count(g->sex, (const char *const *)ts->ids, n_used, &g->n_male,
                             &g->n_female, &g->n_unknown);
    g->have_sex = g->n_male + g->n_female > 0;
    if (!o->sexo.par_given && o->build &&
        (strstr(o->build, "38") && (!strncasecmp(o->build, "GRCh", 4) || !strncasecmp(o->build, "hg", 2))))
        err = duet_par_parse("b38", &o->sexo.par);
    if (err) return err;
    if (g->have_sex) {
        kstring_t ss = { 0, 0, NULL };
        ksprintf(&ss, "%s: %d males, %d females, %d unknown", duet_sex_table_source(g->sex),
                 g->n_male, g->n_female, g->n_unknown);
        g->sex_summary = ss.s;
        if (!g->sex_summary) return DUET_ENOMEM;
        duet_text_printf(&g->summary, "sex: %s; chrX outside the PARs (%s): males hemizygous, coded "
                 "0..%d, sex a covariate, samples of unknown sex left out%s\n",
                 g->sex_summary, o->sexo.par.name, o->xchr_model == 1 ? 1 : 2,
                 o->xchr_model == 0 ? " (--xchr-model 0: not tested)" : "");
    }
    return DUET_OK;
}

/* The reader on the used samples. */
static duet_err_t gwas_open_reader(gwas_t *g)
{
    const duet_gwas_opts_t *o = &g->o;
    duet_geno_opts_t gopts;
    duet_geno_opts_init(&gopts, o->vcf);
    gopts.samples = (const char *const *)g->ts->ids;
    gopts.n_samples = g->ts->n_samples;
    gopts.region = o->region;
    gopts.chunk_k = o->chunk_k;
    gopts.chunk_n = o->chunk_n;
    gopts.field = o->dosage ? DUET_GENO_DS : DUET_GENO_GT;
    gopts.sex = g->have_sex ? g->sex : NULL;
    gopts.par = o->sexo.par;
    gopts.warn_no_sex = 1;
    gopts.xchr_male_scale = o->xchr_model == 1 ? 1 : 2;
    /* decoding and testing run as OpenMP tasks on every thread; htslib's
     * decompression pool only helps the fetching thread keep up when
     * there are many (measured: with 2 threads it steals their cores) */
    gopts.threads = o->c.threads >= 8 ? o->c.threads / 4 : 1;
    gopts.want_missing_mask = 1;
    return duet_geno_open(&gopts, &g->geno);
}

/* chrX and chrY as plink2 --glm sets them up: on chrX the sex covariate
 * added (unless the covariates hold it already) and the samples of unknown
 * sex left out; on chrY the males only, without it.  Same traits, so that
 * every trait keeps one output. */
static duet_err_t gwas_sex_scans(gwas_t *g)
{
    const duet_gwas_opts_t *o = &g->o;
    const duet_traitset_t *ts = g->ts;
    int n_used = ts->n_samples, T = ts->n_traits, C = ts->n_covars;
    int want_x = g->have_sex && o->xchr_model != 0 &&
                 duet_geno_may_have_contig(g->geno, DUET_PLOIDY_X);
    int want_y = g->have_sex && g->n_male > 0 && duet_geno_may_have_contig(g->geno, DUET_PLOIDY_Y);
    for (int k = SCAN_X; k <= SCAN_Y; k++) {
        if (k == SCAN_X ? !want_x : !want_y) continue;
        duet_sex_design_free(&g->xy);
        duet_err_t err = duet_sex_design(g->sex, k == SCAN_X ? DUET_PLOIDY_X : DUET_PLOIDY_Y,
                                         (const char *const *)ts->ids, n_used, ts->y, T, ts->x,
                                         (const char *const *)ts->covar_names, C, &g->xy);
        if (err) return err;
        if (!g->xy.n_testable) {
            duet_log_warn("no trait can be tested among the %d %s (two values and more "
                          "samples than parameters needed): %s variants are not tested",
                          g->xy.n_kept, k == SCAN_X ? "samples of known sex" : "males",
                          k == SCAN_X ? "chrX's (outside the PARs)" : "chrY's");
            continue;
        }
        duet_log_info("setting up the %s scan: %d samples%s", k == SCAN_X ? "chrX" : "chrY",
                      g->xy.n_kept, k == SCAN_X ? " of known sex, sex a covariate" : " (males)");
        duet_scan_input_t xin;
        duet_scan_input_traitset(ts, &xin);
        xin.traits = g->xy.traits;
        xin.n_covars = g->xy.n_covars;
        xin.covar_names = g->xy.covar_names;
        xin.covars = g->xy.covars;
        if ((err = duet_scan_create(&xin, &o->scan, &g->scans[k]))) return err;
    }
    return DUET_OK;
}

/* One output per trait that is scanned, named after it; two traits must
 * not share a file name, and -o - streams a single trait. */
static duet_err_t gwas_name_outputs(gwas_t *g)
{
    const duet_scan_t *scan = g->scans[SCAN_AUTO];
    int T = g->ts->n_traits;
    g->outs = duet_calloc((size_t)T, sizeof *g->outs);
    if (!g->outs) return DUET_ENOMEM;
    for (int t = 0; t < T; t++) {
        const duet_scan_trait_t *tr = duet_scan_trait(scan, t);
        if (tr->skipped) continue;
        trait_out_t *to = &g->outs[g->n_outs++];
        to->index = t;
        to->cleanup_tsv = to->cleanup_tbi = to->cleanup_yaml = -1;
        to->file_name = safe_name(tr->name);
        if (!to->file_name) return DUET_ENOMEM;
        for (int u = 0; u < g->n_outs - 1; u++)
            if (!strcmp(g->outs[u].file_name, to->file_name)) {
                duet_log_error("traits '%s' and '%s' would write the same file name '%s'",
                               duet_scan_trait(scan, g->outs[u].index)->name, tr->name,
                               to->file_name);
                return DUET_EUSAGE;
            }
    }
    if (g->to_stdout && g->n_outs != 1) {
        duet_log_error("-o - streams one trait, but %d traits are to be scanned; choose one "
                       "with --pheno-name", g->n_outs);
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

/* Create the data files (header written), the sidecars and the log, under
 * temporary names. */
static duet_err_t gwas_open_outputs(gwas_t *g)
{
    const duet_gwas_opts_t *o = &g->o;
    duet_err_t err;
    for (int u = 0; u < g->n_outs; u++) {
        trait_out_t *to = &g->outs[u];
        kstring_t p = { 0, 0, NULL };
        if (g->to_stdout) {
            kputs("-", &p);
        } else {
            ksprintf(&p, "%s.%s.gwas.tsv.gz", o->c.out, to->file_name);
        }
        to->tsv_path = p.s;
        if (!to->tsv_path) return DUET_ENOMEM;
        /* one compression thread per output: the text of a trait is small
         * next to the genotypes, and the cores are busy testing */
        err = duet_out_create(to->tsv_path, g->to_stdout ? DUET_OUT_PLAIN : DUET_OUT_BGZF,
                              o->c.force, 1, &to->out);
        if (err) return err;
        if (!g->to_stdout) {
            kstring_t y = { 0, 0, NULL };
            ksprintf(&y, "%s.%s.gwas.yaml", o->c.out, to->file_name);
            to->yaml_path = y.s;
            if (!to->yaml_path) return DUET_ENOMEM;
            err = duet_out_create(to->yaml_path, DUET_OUT_PLAIN, o->c.force, 1, &to->yaml);
            if (err) return err;
        }
        if ((err = duet_out_puts(to->out, header_line))) return err;
    }
    if (!g->to_stdout) {
        kstring_t p = { 0, 0, NULL };
        ksprintf(&p, "%s.log", o->c.out);
        g->log_path = p.s;
        if (!g->log_path) return DUET_ENOMEM;
        return duet_out_create(g->log_path, DUET_OUT_PLAIN, o->c.force, 1, &g->logf);
    }
    return DUET_OK;
}

/* The buffers of the block callbacks: n_slots slots of B variants, one
 * workspace per scan and thread. */
static duet_err_t gwas_alloc_run(gwas_t *g, int B)
{
    run_t *run = &g->run;
    int T = g->ts->n_traits, n_outs = g->n_outs, n_threads = g->o.c.threads;
    run->o = &g->o;
    run->scan = g->scans[SCAN_AUTO];
    for (int k = 0; k < N_SCANS; k++) run->scans[k] = g->scans[k];
    run->n_traits = T;
    run->n_outs = n_outs;
    run->outs = g->outs;
    run->extract = g->extract;
    run->exclude = g->exclude;
    run->n_slots = n_threads > 1 ? 4 * n_threads : 1;
    int nb = g->n_blocks = run->n_slots;
    for (int k = 0; k < N_SCANS; k++)
        if (run->scans[k] && !(run->works[k] = duet_calloc((size_t)n_threads, sizeof *run->works[k])))
            return DUET_ENOMEM;
    run->kskips = duet_calloc((size_t)n_threads, sizeof *run->kskips);
    run->keys = duet_calloc((size_t)n_threads, sizeof *run->keys);
    run->results = duet_calloc((size_t)nb, sizeof *run->results);
    run->skips = duet_calloc((size_t)nb, sizeof *run->skips);
    run->chi2s = duet_calloc((size_t)nb, sizeof *run->chi2s);
    run->freqs = duet_calloc((size_t)nb, sizeof *run->freqs);
    run->bufs = duet_calloc((size_t)nb, sizeof *run->bufs);
    if (!run->kskips || !run->keys || !run->results || !run->skips || !run->chi2s ||
        !run->freqs || !run->bufs)
        return DUET_ENOMEM;
    size_t n_rows = (size_t)(n_outs ? n_outs : 1);
    for (int b = 0; b < nb; b++) {
        run->results[b] = duet_malloc((size_t)B * T * sizeof **run->results);
        run->skips[b] = duet_malloc((size_t)B);
        run->chi2s[b] = duet_malloc((size_t)B * n_rows * sizeof **run->chi2s);
        run->freqs[b] = duet_malloc((size_t)B * n_rows * sizeof **run->freqs);
        run->bufs[b] = duet_calloc(n_rows, sizeof **run->bufs);
        if (!run->results[b] || !run->skips[b] || !run->chi2s[b] || !run->freqs[b] ||
            !run->bufs[b])
            return DUET_ENOMEM;
    }
    for (int w = 0; w < n_threads; w++) {
        if (!(run->kskips[w] = duet_malloc((size_t)B))) return DUET_ENOMEM;
        for (int k = 0; k < N_SCANS; k++) {
            duet_err_t err;
            if (run->scans[k] && (err = duet_scan_work_create(run->scans[k], B, &run->works[k][w])))
                return err;
        }
    }
    return DUET_OK;
}

static void gwas_free_run(gwas_t *g)
{
    run_t *run = &g->run;
    int nb = g->n_blocks, n_threads = g->o.c.threads;
    duet_progress_destroy(run->prog);
    for (int b = 0; b < nb; b++) {
        if (run->results) free(run->results[b]);
        if (run->skips) free(run->skips[b]);
        if (run->chi2s) free(run->chi2s[b]);
        if (run->bufs && run->bufs[b]) {
            for (int u = 0; u < g->n_outs; u++) free(run->bufs[b][u].s);
            free(run->bufs[b]);
        }
    }
    free(run->results);
    free(run->skips);
    free(run->chi2s);
    if (run->freqs)
        for (int b = 0; b < nb; b++) free(run->freqs[b]);
    free(run->freqs);
    if (run->kskips)
        for (int w = 0; w < n_threads; w++) free(run->kskips[w]);
    free(run->kskips);
    free(run->bufs);
    for (int k = 0; k < N_SCANS; k++) {
        if (run->works[k])
            for (int w = 0; w < n_threads; w++) duet_scan_work_destroy(run->works[k][w]);
        free(run->works[k]);
    }
    if (run->keys)
        for (int w = 0; w < n_threads; w++) free(run->keys[w].s);
    free(run->keys);
    memset(run, 0, sizeof *run);
}

/* The block loop: about 8 MB of dosages per block, whatever the thread
 * count (so that outputs do not depend on it). */
static duet_err_t gwas_scan(gwas_t *g)
{
    int n_used = g->ts->n_samples;
    int B = (int)((1L << 20) / (n_used > 0 ? n_used : 1));
    B = B / 8 * 8;
    if (B < 8) B = 8;
    if (B > 1024) B = 1024;
    duet_err_t err = gwas_alloc_run(g, B);
    if (err) return err;
    g->run.prog = duet_progress_create("variants", duet_geno_n_records_hint(g->geno));
    duet_geno_scan_t gs = {
        .max_variants = B,
        .n_blocks = g->n_blocks,
        .threads = g->o.c.threads,
        .work = block_work,
        .emit = block_emit,
        .ctx = &g->run,
    };
    err = duet_geno_scan(g->geno, &gs);
    duet_progress_destroy(g->run.prog);
    g->run.prog = NULL;
    return err;
}

/* lambda GC of every trait: over MAF >= 1% (the headline), per MAF bin,
 * and over every variant */
static duet_err_t gwas_lambdas(gwas_t *g)
{
    size_t most = 1;
    for (int u = 0; u < g->n_outs; u++) most = g->outs[u].lrows.n > most ? g->outs[u].lrows.n : most;
    float *scratch = duet_malloc(most * sizeof *scratch);
    if (!scratch) return DUET_ENOMEM;
    for (int u = 0; u < g->n_outs; u++)
        duet_dist_lambda_by_maf(g->outs[u].lrows.chi2, g->outs[u].lrows.freq, g->outs[u].lrows.n, scratch,
                                &g->outs[u].lambda);
    free(scratch);
    return DUET_OK;
}

/* The summary's line of variant counts: read, tested, and why not. */
static void summary_variants(gwas_t *g, duet_text_t *s)
{
    const run_t *r = &g->run;
    const duet_gwas_opts_t *o = &g->o;
    duet_text_printf(s, "variants: %llu read, %llu tested", (unsigned long long)r->n_read,
             (unsigned long long)r->n_tested);
    if (g->scans[SCAN_X] || g->scans[SCAN_Y])
        duet_text_printf(s, " (%llu on chrX outside the PARs, %llu on chrY)",
                 (unsigned long long)r->tested_by_scan[SCAN_X],
                 (unsigned long long)r->tested_by_scan[SCAN_Y]);
    if (r->f_contig)
        duet_text_printf(s, ", %llu on chrX or chrY not tested (%s)", (unsigned long long)r->f_contig,
                 o->xchr_model == 0 ? "--xchr-model 0" : "no trait testable in their samples");
    if (o->maf > 0) duet_text_printf(s, ", %llu below --maf", (unsigned long long)r->f_maf);
    if (o->mac > 0) duet_text_printf(s, ", %llu below --mac", (unsigned long long)r->f_mac);
    if (g->extract) duet_text_printf(s, ", %llu not in --extract", (unsigned long long)r->f_extract);
    if (g->exclude) duet_text_printf(s, ", %llu in --exclude", (unsigned long long)r->f_exclude);
    duet_text_putc(s, '\n');
}

/* The summary's table of traits: model, counts (withheld below
 * --min-cell), rows by test, lambda GC. */
static void summary_traits(gwas_t *g, duet_text_t *s)
{
    const duet_gwas_opts_t *o = &g->o;
    const duet_scan_t *scan = g->scans[SCAN_AUTO];
    duet_text_printf(s, "traits: %d selected, %d scanned\n", g->ts->n_traits, g->n_outs);
    duet_text_puts(s, "trait\tmodel\tn\tn_cases\tn_controls\tcovariates\trows\tNA_rows\tscore\tspa\texact\t"
          "wald\tfirth\tlambda_gc");
    for (int b = 0; b < DUET_LAMBDA_N_BINS; b++) {
        double lo, hi;
        const char *label;
        duet_lambda_bin(b, &lo, &hi, &label);
        duet_text_printf(s, "\tlambda_maf_%s", label);
    }
    duet_text_puts(s, "\tlambda_all\n");
    for (int u = 0; u < g->n_outs; u++) {
        trait_out_t *to = &g->outs[u];
        const duet_scan_trait_t *tr = duet_scan_trait(scan, to->index);
        duet_text_printf(s, "%s\t%s\t%d\t", tr->name, model_name(o, tr->binary), tr->n);
        int show = tr->binary && tr->n_cases >= o->min_cell && tr->n_controls >= o->min_cell;
        if (show) duet_text_printf(s, "%d\t%d\t", tr->n_cases, tr->n_controls);
        else duet_text_puts(s, NA "\t" NA "\t");
        duet_text_printf(s, "%d\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t", tr->n_covars_used,
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
            if (isfinite(ls[q]->lambda)) duet_text_printf(s, "%.4f", ls[q]->lambda);
            else duet_text_puts(s, NA);
            duet_text_putc(s, q == DUET_LAMBDA_N_BINS + 1 ? '\n' : '\t');
        }
    }
    duet_text_printf(s, "lambda_gc: median chi-square / 0.4549 over variants with MAF >= %g "
             "(effect_allele_frequency as written); lambda_maf_*: per MAF bin; lambda_all: "
             "every variant\n", DUET_LAMBDA_MIN_MAF);
}

/* The summary's top hits of every trait (P.log only). */
static void summary_hits(gwas_t *g, duet_text_t *s)
{
    duet_text_puts(s, "top hits:\ntrait\tvariant_id\tbeta\tstandard_error\tp_value\ttest\n");
    for (int u = 0; u < g->n_outs; u++) {
        trait_out_t *to = &g->outs[u];
        for (int h = 0; h < to->n_hits; h++) {
            char pbuf[48];
            duet_dist_format_p(to->hits[h].log_p, 4, NA, pbuf, sizeof pbuf);
            duet_text_printf(s, "%s\t%s\t%.4g\t%.4g\t%s\t%s\n",
                     duet_scan_trait(g->scans[SCAN_AUTO], to->index)->name,
                     to->hits[h].variant_id, to->hits[h].beta, to->hits[h].se, pbuf,
                     duet_test_str(to->hits[h].test));
        }
    }
}

/* Publish every data file (keeping them registered for removal until the
 * end), then checksum them and write their sidecars. */
static duet_err_t gwas_publish_traits(gwas_t *g)
{
    duet_err_t err;
    for (int u = 0; u < g->n_outs; u++) {
        trait_out_t *to = &g->outs[u];
        if ((err = duet_out_publish(to->out))) return err;
        to->cleanup_tsv = duet_cleanup_register(to->tsv_path, 0);
        kstring_t ti = { 0, 0, NULL };
        ksprintf(&ti, "%s.tbi", to->tsv_path);
        if (ti.s) to->cleanup_tbi = duet_cleanup_register(ti.s, 0);
        free(ti.s);
    }
    for (int u = 0; u < g->n_outs; u++) {
        trait_out_t *to = &g->outs[u];
        if ((err = duet_ssf_file_md5(to->tsv_path, to->md5))) return err;
        err = write_yaml(&g->o, g->sex_summary, g->scans[SCAN_AUTO], to, g->run.n_tested);
        if (err) return err;
        if ((err = duet_out_commit(to->yaml, NULL))) return err;
        to->cleanup_yaml = duet_cleanup_register(to->yaml_path, 0);
    }
    return DUET_OK;
}

/* P.log: provenance and the summary. */
static duet_err_t gwas_write_log(gwas_t *g)
{
    const char *summary = duet_text_str(&g->summary);
    if (!summary) return DUET_ENOMEM;
    duet_text_t lg = DUET_TEXT_INIT;
    duet_text_puts(&lg, "# duet gwas run summary\n");
    if (!g->o.c.no_version) {
        duet_text_printf(&lg, "# %s\n", duet_version_string());
        duet_text_printf(&lg, "# %s\n", duet_opts_cmdline());
    }
    duet_text_puts(&lg, summary);
    duet_err_t err = duet_text_write(&lg, g->logf);
    duet_text_free(&lg);
    if (err) return err;
    return duet_out_commit(g->logf, NULL);
}

/* Close every data file, publish them, then the sidecars and the log;
 * nothing stays registered for removal once all is written. */
static duet_err_t gwas_finish(gwas_t *g)
{
    duet_err_t err;
    duet_tabix_t tbx = { 1, 2, 2, 1, '#' };
    for (int u = 0; u < g->n_outs; u++)
        if ((err = duet_out_close(g->outs[u].out, g->to_stdout ? NULL : &tbx))) return err;
    if (g->to_stdout) return duet_out_publish(g->outs[0].out);
    if ((err = gwas_publish_traits(g))) return err;
    if ((err = gwas_write_log(g))) return err;
    for (int u = 0; u < g->n_outs; u++) {
        trait_out_t *to = &g->outs[u];
        duet_cleanup_release(to->cleanup_tsv);
        duet_cleanup_release(to->cleanup_tbi);
        duet_cleanup_release(to->cleanup_yaml);
        to->cleanup_tsv = to->cleanup_tbi = to->cleanup_yaml = -1;
    }
    return DUET_OK;
}

/* The summary on stderr too, up to the top hits (those are for P.log). */
static void gwas_log_summary(gwas_t *g)
{
    if (duet_log_quiet()) return;
    char *save = NULL;
    for (char *line = strtok_r(g->summary.ks.s, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (!strcmp(line, "top hits:")) break;
        duet_log_info("%s", line);
    }
}

static void gwas_free(gwas_t *g)
{
    gwas_free_run(g);
    for (int u = 0; g->outs && u < g->n_outs; u++) {
        trait_out_t *to = &g->outs[u];
        /* a failure after publishing removes what was published */
        duet_cleanup_remove(to->cleanup_tsv);
        duet_cleanup_remove(to->cleanup_tbi);
        duet_cleanup_remove(to->cleanup_yaml);
        duet_out_destroy(to->out);
        duet_out_destroy(to->yaml);
        free(to->file_name);
        free(to->tsv_path);
        free(to->yaml_path);
        lambda_rows_free(&to->lrows);
        for (int h = 0; h < to->n_hits; h++) free(to->hits[h].variant_id);
    }
    free(g->outs);
    duet_out_destroy(g->logf);
    free(g->log_path);
    duet_geno_close(g->geno);
    for (int k = 0; k < N_SCANS; k++) duet_scan_destroy(g->scans[k]);
    duet_sex_table_destroy(g->sex);
    duet_sex_design_free(&g->xy);
    free(g->sex_summary);
    duet_traitset_destroy(g->ts);
    duet_idlist_destroy(g->extract);
    duet_idlist_destroy(g->exclude);
    duet_text_free(&g->summary);
}

duet_err_t duet_gwas_run(const duet_gwas_opts_t *opts)
{
    gwas_t g;
    memset(&g, 0, sizeof g);
    g.o = *opts;
    g.o.scan.min_mac = opts->mac;
    g.to_stdout = !strcmp(opts->c.out, "-");
    duet_err_t err;
    if ((err = gwas_load(&g)) || (err = gwas_sexes(&g)) || (err = gwas_open_reader(&g)) ||
        (err = gwas_sex_scans(&g)) || (err = gwas_name_outputs(&g)) ||
        (err = gwas_open_outputs(&g)) || (err = gwas_scan(&g)) || (err = gwas_lambdas(&g)))
        goto cleanup;
    summary_variants(&g, &g.summary);
    summary_traits(&g, &g.summary);
    summary_hits(&g, &g.summary);
    if (!duet_text_str(&g.summary)) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = gwas_finish(&g))) goto cleanup;
    gwas_log_summary(&g);

cleanup:
    gwas_free(&g);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
