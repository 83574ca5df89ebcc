/*
 * cmd_burden.c -- `duet burden`: rare-variant gene tests with regenie-style
 * masks.  Reads the gene sets (regenie's set list, annotation and mask
 * files, or the consequences of INFO/CSQ / INFO/ANN), the traits through
 * the shared loader (traitset.h: a phenotype table or every phecode of the
 * store), then makes one pass over the VCF: each gene is tested as soon as
 * its variants have been read (burden.h), genes in parallel, rows written
 * in the order the genes completed, so that the output does not depend on
 * --threads.  Writes P.burden.tsv.gz and P.log.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <htslib/kstring.h>

#include "duet/bintest.h"
#include "duet/burden.h"
#include "duet/dist.h"
#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/pheno.h"
#include "duet/progress.h"
#include "duet/pheno_cli.h"
#include "duet/traitset.h"
#include "duet/version.h"

#define NA "NA"
#define TOP_HITS 10

/* The models of a run, one per way of testing a contig (geno.h, "Sex and
 * ploidy"), as duet gwas sets them up: chrX genes with sex added and the
 * samples of unknown sex left out, chrY genes on males only. */
enum { MODEL_AUTO = 0, MODEL_X, MODEL_Y, N_MODELS };

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_ANNO, OPT_SET_LIST, OPT_MASK_DEF, OPT_CSQ, OPT_AAF_BINS, OPT_MAF_BINS, OPT_SINGLETONS,
    OPT_BUILD_MASK, OPT_TESTS, OPT_WEIGHTS_BETA, OPT_ACATV_MAC,
    OPT_PHENO, OPT_PHENO_NAME, OPT_COVAR, OPT_COVAR_NAME, OPT_BINARY, OPT_QUANTITATIVE,
    OPT_KEEP, OPT_REMOVE, OPT_DB, OPT_MIN_CASES,
    OPT_STORE_COVARS, OPT_DOSAGE, OPT_DROP_COLLINEAR, OPT_MIN_CELL
};

static const char header_line[] =
    "trait\tgene\tmask\tfreq_bin\tn_variants\tn_carriers\ttest\tbeta\tstandard_error\t"
    "p_value\tneg_log_10_p_value\terrcode\n";

static void usage(FILE *fp)
{
    fprintf(fp,
"\n"
"About:   Rare-variant gene tests with regenie-style masks: per gene x mask x\n"
"         frequency bin, a regression of each trait on the collapsed mask score\n"
"         (burden), SKAT, SKAT-O, ACAT-V and ACAT-O.  Writes P.burden.tsv.gz and\n"
"         P.log.\n"
"Usage:   duet burden --vcf FILE (--anno FILE --set-list FILE --mask-def FILE | --csq)\n"
"                     (--pheno FILE | --db FILE) [options] -o PREFIX\n"
"\n"
"Genes and masks:\n"
"        --vcf FILE             genotypes: VCF, VCF.gz or BCF, in genome order\n"
"        --anno FILE            regenie annotation file: variant gene annotation\n"
"        --set-list FILE        regenie set list: gene chrom pos variant,variant,...\n"
"        --mask-def FILE        regenie mask file: mask annotation,annotation,...\n"
"        --csq                  genes and classes from the VCF's INFO/CSQ (VEP) or\n"
"                               INFO/ANN (snpEff): pLoF, missense, synonymous\n"
"                               [masks pLoF, pLoF+missense, pLoF+missense+synonymous]\n"
"        --aaf-bins LIST        ALT allele frequency upper bounds [0.01], plus \"all\"\n"
"        --maf-bins LIST        minor allele frequency upper bounds instead\n"
"        --singletons           add the bin of variants with one ALT allele\n"
"        --build-mask RULE      collapse per sample: max, sum or comphet [max]\n"
"\n"
"Tests:\n"
"        --tests LIST           burden,skat,skato,acatv,acato [all five]\n"
"        --weights-beta A,B     SKAT / ACAT-V weights Beta(MAF; A, B) [1,25]\n"
"        --acatv-mac FLOAT      ACAT-V collapses variants with MAC at or below this [10]\n"
"        --drop-collinear       drop collinear covariates instead of failing\n"
"        --min-cell INT         carrier counts below INT are written as <INT [20]\n"
"        --dosage               use FORMAT/DS dosages [GT hard calls]\n"
"\n"
"Traits from a table:\n"
"        --pheno FILE           phenotype table (IID / FID IID first, NA missing)\n"
"        --pheno-name LIST      comma-separated traits [every column]\n"
"        --covar FILE           covariate table (same layout)\n"
"        --covar-name LIST      comma-separated covariates [every column]\n"
"        --binary               every trait is case/control (1 case, 0 control)\n"
"        --quantitative         analyse 0/1 traits by linear regression too\n"
"        --keep FILE            keep only the samples listed (IID or FID IID)\n"
"        --remove FILE          remove the samples listed\n"
"\n"
"Traits from the store (every phecode, as duet pheno):\n"
"        --db FILE              the EHR store (after duet phecode)\n"
"        --store-covars LIST    covariates from the store among " DUET_STORE_COVARS "\n"
"                               [sex,age]\n"
"\n");
    duet_pheno_cli_usage(fp, "        --min-cases INT        least cases a phecode needs [20]\n");
    duet_bintest_cli_usage(fp);
    fputc('\n', fp);
    duet_sex_cli_usage(fp, 1);
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE, "PREFIX");
    fprintf(fp, "\n");
}

typedef struct {
    duet_common_t c;
    const char *vcf, *anno, *set_list, *mask_def, *aaf_bins, *maf_bins, *tests;
    const char *pheno, *pheno_name, *covar, *covar_name, *keep, *remove;
    const char *db, *store_covars;
    int csq, singletons, binary, quantitative, dosage;
    long min_cell;
    duet_burden_opts_t b;
    duet_sex_cli_t sexo;
} burden_opts_t;

/* One row of the best results, for the log. */
typedef struct {
    double log_p;
    char *text;
} hit_t;

static void add_hit(hit_t *hits, int *n_hits, double log_p, const char *trait, const char *gene,
                    const char *mask, const char *bin, const char *test)
{
    if (*n_hits == TOP_HITS && !(log_p < hits[TOP_HITS - 1].log_p)) return;
    kstring_t ks = { 0, 0, NULL };
    char pbuf[48];
    duet_dist_format_p(log_p, 4, NA, pbuf, sizeof pbuf);
    ksprintf(&ks, "%s\t%s\t%s\t%s\t%s\t%s", trait, gene, mask, bin, test, pbuf);
    if (!ks.s) return;
    int pos = *n_hits < TOP_HITS ? (*n_hits)++ : TOP_HITS - 1;
    free(hits[pos].text);
    /* strictly smaller p moves up: ties keep output order */
    while (pos > 0 && hits[pos - 1].log_p > log_p) {
        hits[pos] = hits[pos - 1];
        pos--;
    }
    hits[pos].log_p = log_p;
    hits[pos].text = ks.s;
}

static void put_g(kstring_t *ks, double v)
{
    if (!isfinite(v)) { kputs(NA, ks); return; }
    char buf[40];
    snprintf(buf, sizeof buf, "%.6g", v == 0 ? 0.0 : v);
    kputs(buf, ks);
}

/* The state of the scan. */
typedef struct {
    const burden_opts_t *o;
    const duet_burden_sets_t *sets;
    const duet_traitset_t *ts;
    const duet_burden_model_t *model;           /* models[MODEL_AUTO] */
    const duet_burden_model_t *models[N_MODELS]; /* NULL: not set up */
    duet_par_t par;
    int have_sex;
    const duet_burden_bin_t *bins;
    int n_bins;
    int n_threads;
    duet_burden_work_t **works_of[N_MODELS];    /* per model, per thread */
    duet_burden_gene_res_t **res_of[N_MODELS];  /* per model, per ready gene */
    int n_res_of[N_MODELS];
    duet_burden_gene_res_t **res;               /* per ready gene: its own */
    const duet_burden_model_t **model_of;       /* per ready gene */
    int n_res;
    duet_err_t *errs;
    int m_errs;
    duet_out_t *out;
    kstring_t row;
    uint64_t rows, rows_na, rows_by_test[DUET_BURDEN_N_TESTS];
    uint64_t rows_exact, rows_spa, rows_asymptotic; /* case/control SKAT rows */
    int genes_tested, genes_untested;
    uint64_t mb_empty, mb_tested;
    hit_t hits[DUET_BURDEN_N_TESTS][TOP_HITS];
    int n_hits[DUET_BURDEN_N_TESTS];
} run_t;

/* The model that tests gene g: by its chromosome and position (a gene of
 * chrX outside the PARs, or of chrY, has its own when sexes are known). */
static int model_of_gene(const run_t *r, int g)
{
    if (!r->have_sex) return MODEL_AUTO;
    const duet_burden_gene_t *gene = &r->sets->genes[g];
    duet_ploidy_t c = duet_geno_record_class(gene->chrom, gene->pos, &r->par);
    int k = c == DUET_PLOIDY_X ? MODEL_X : c == DUET_PLOIDY_Y ? MODEL_Y : MODEL_AUTO;
    return r->models[k] ? k : -1;
}

/* Test the ready genes of the stream and write their rows. */
static duet_err_t process_ready(run_t *r, duet_burden_stream_t *st)
{
    int G = duet_burden_stream_n_ready(st), T = r->ts->n_traits;
    if (!G) return DUET_OK;
    duet_err_t err = DUET_OK;
    if (G > r->n_res) {
        duet_burden_gene_res_t **p = duet_realloc(r->res, (size_t)G * sizeof *p);
        if (!p) return DUET_ENOMEM;
        r->res = p;
        const duet_burden_model_t **mo = duet_realloc(r->model_of, (size_t)G * sizeof *mo);
        if (!mo) return DUET_ENOMEM;
        r->model_of = mo;
        r->n_res = G;
    }
    /* each gene's model, and results from that model's pool */
    for (int g = 0; g < G; g++) {
        int k = model_of_gene(r, duet_burden_stream_ready(st, g)->gene);
        if (k < 0) k = MODEL_AUTO; /* no model for its contig: no row written */
        if (G > r->n_res_of[k]) {
            duet_burden_gene_res_t **p = duet_realloc(r->res_of[k], (size_t)G * sizeof *p);
            if (!p) return DUET_ENOMEM;
            r->res_of[k] = p;
            for (int q = r->n_res_of[k]; q < G; q++) {
                r->res_of[k][q] = NULL;
                if ((err = duet_burden_gene_res_create(r->models[k], &r->res_of[k][q]))) return err;
                r->n_res_of[k] = q + 1;
            }
        }
        r->res[g] = r->res_of[k][g];
        r->model_of[g] = r->models[k];
    }
    int units = G * T;
    if (units > r->m_errs) {
        duet_err_t *e = duet_realloc(r->errs, (size_t)units * sizeof *e);
        if (!e) return DUET_ENOMEM;
        r->errs = e;
        r->m_errs = units;
    }
    memset(r->errs, 0, (size_t)units * sizeof *r->errs);
    const duet_burden_sets_t *sets = r->sets;
    duet_err_t *errs = r->errs;
    duet_burden_gene_res_t **res = r->res;
    const duet_burden_model_t **model_of = r->model_of;
    duet_burden_work_t **const *works_of = r->works_of;
    const duet_burden_model_t *const *models = r->models;
    /* first the collapsing and the burden regressions (per gene, every
     * trait at once), then the variance-component tests per gene x trait */
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->n_threads)
    for (int g = 0; g < G; g++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        int k = model_of[g] == models[MODEL_X] ? MODEL_X : model_of[g] == models[MODEL_Y] ? MODEL_Y : MODEL_AUTO;
        errs[g] = duet_burden_gene_prepare(model_of[g], works_of[k][th], sets,
                                           duet_burden_stream_ready(st, g), res[g]);
    }
    for (int g = 0; g < G; g++)
        if (errs[g]) return errs[g];
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->n_threads)
    for (int u = 0; u < units; u++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        int g = u / T, t = u % T;
        int k = model_of[g] == models[MODEL_X] ? MODEL_X : model_of[g] == models[MODEL_Y] ? MODEL_Y : MODEL_AUTO;
        if (duet_scan_trait(duet_burden_model_scan(model_of[g]), t)->skipped) continue;
        errs[u] = duet_burden_gene_vc(model_of[g], works_of[k][th], duet_burden_stream_ready(st, g),
                                      res[g], t);
    }
    for (int u = 0; u < units; u++)
        if (errs[u]) return errs[u];

    /* rows: genes in the order they became ready, then trait, mask, bin,
     * test */
    const burden_opts_t *o = r->o;
    kstring_t *ks = &r->row;
    for (int g = 0; g < G; g++) {
        const duet_burden_gene_data_t *gd = duet_burden_stream_ready(st, g);
        if (model_of_gene(r, gd->gene) < 0) { /* its contig has no model: no row */
            r->genes_untested++;
            continue;
        }
        const duet_scan_t *scan = duet_burden_model_scan(model_of[g]);
        const char *gene = sets->genes[gd->gene].name;
        const duet_burden_gene_res_t *gr = res[g];
        r->genes_tested++;
        ks->l = 0;
        for (int mb = 0; mb < sets->n_masks * r->n_bins; mb++) {
            if (duet_burden_res_n_variants(gr, mb)) r->mb_tested++;
            else r->mb_empty++;
        }
        for (int t = 0; t < T; t++) {
            if (duet_scan_trait(scan, t)->skipped) continue;
            const char *trait = r->ts->names[t];
            for (int k = 0; k < sets->n_masks; k++)
                for (int b = 0; b < r->n_bins; b++) {
                    int mb = k * r->n_bins + b;
                    int nv = duet_burden_res_n_variants(gr, mb);
                    if (!nv) continue;
                    int nc = duet_burden_res_n_carriers(gr, mb, t);
                    for (int test = 0; test < DUET_BURDEN_N_TESTS; test++) {
                        if (!(o->b.tests & (1u << test))) continue;
                        const duet_burden_stat_t *s = duet_burden_res_stat(gr, mb, t, test);
                        int ok = !s->errcode[0];
                        ksprintf(ks, "%s\t%s\t%s\t%s\t%d\t", trait, gene, sets->mask_names[k],
                                 r->bins[b].label, nv);
                        if (nc < o->min_cell) ksprintf(ks, "<%ld\t", o->min_cell);
                        else ksprintf(ks, "%d\t", nc);
                        kputs(duet_burden_test_names[test], ks);
                        kputc('\t', ks);
                        put_g(ks, ok ? s->beta : NAN);
                        kputc('\t', ks);
                        put_g(ks, ok ? s->se : NAN);
                        kputc('\t', ks);
                        char pbuf[48];
                        duet_dist_format_p(ok ? s->log_p : NAN, 6, NA, pbuf, sizeof pbuf);
                        kputs(pbuf, ks);
                        kputc('\t', ks);
                        double nl = ok ? duet_dist_neglog10(s->log_p) : NAN;
                        if (isfinite(nl)) ksprintf(ks, "%.4f", nl == 0 ? 0.0 : nl);
                        else kputs(NA, ks);
                        kputc('\t', ks);
                        kputs(ok ? NA : s->errcode, ks);
                        kputc('\n', ks);
                        r->rows++;
                        r->rows_by_test[test]++;
                        if (ok && test == DUET_BURDEN_TEST_SKAT && s->method && s->method[0]) {
                            if (!strcmp(s->method, "exact")) r->rows_exact++;
                            else if (!strcmp(s->method, "spa")) r->rows_spa++;
                            else r->rows_asymptotic++;
                        }
                        if (!ok) r->rows_na++;
                        else
                            add_hit(r->hits[test], &r->n_hits[test], s->log_p, trait, gene,
                                    sets->mask_names[k], r->bins[b].label,
                                    duet_burden_test_names[test]);
                    }
                }
        }
        if (ks->l) {
            if (!ks->s) return DUET_ENOMEM;
            if ((err = duet_out_write(r->out, ks->s, ks->l))) return err;
        }
    }
    duet_burden_stream_release(st);
    return DUET_OK;
}

/* Parse --tests into a bit set. */
static duet_err_t parse_tests(const char *arg, unsigned *tests)
{
    *tests = 0;
    for (const char *p = arg;;) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int t = 0; t < DUET_BURDEN_N_TESTS; t++)
            if (strlen(duet_burden_test_names[t]) == len && !strncmp(p, duet_burden_test_names[t], len))
                found = t;
        if (found < 0) {
            duet_log_error("--tests: unknown test '%.*s' (burden, skat, skato, acatv, acato)",
                           (int)len, p);
            return DUET_EUSAGE;
        }
        *tests |= 1u << found;
        if (!p[len]) break;
        p += len + 1;
    }
    return DUET_OK;
}

static duet_err_t parse_args(int argc, char **argv, burden_opts_t *op, duet_pheno_cli_t *cli)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"anno", required_argument, NULL, OPT_ANNO},
        {"set-list", required_argument, NULL, OPT_SET_LIST},
        {"mask-def", required_argument, NULL, OPT_MASK_DEF},
        {"csq", no_argument, NULL, OPT_CSQ},
        {"aaf-bins", required_argument, NULL, OPT_AAF_BINS},
        {"maf-bins", required_argument, NULL, OPT_MAF_BINS},
        {"singletons", no_argument, NULL, OPT_SINGLETONS},
        {"build-mask", required_argument, NULL, OPT_BUILD_MASK},
        {"tests", required_argument, NULL, OPT_TESTS},
        {"weights-beta", required_argument, NULL, OPT_WEIGHTS_BETA},
        {"acatv-mac", required_argument, NULL, OPT_ACATV_MAC},
        DUET_BINTEST_LONGOPTS,
        {"pheno", required_argument, NULL, OPT_PHENO},
        {"pheno-name", required_argument, NULL, OPT_PHENO_NAME},
        {"covar", required_argument, NULL, OPT_COVAR},
        {"covar-name", required_argument, NULL, OPT_COVAR_NAME},
        {"binary", no_argument, NULL, OPT_BINARY},
        {"quantitative", no_argument, NULL, OPT_QUANTITATIVE},
        {"keep", required_argument, NULL, OPT_KEEP},
        {"remove", required_argument, NULL, OPT_REMOVE},
        {"db", required_argument, NULL, OPT_DB},
        {"min-cases", required_argument, NULL, OPT_MIN_CASES},
        DUET_PHENO_LONGOPTS,
        {"store-covars", required_argument, NULL, OPT_STORE_COVARS},
        {"dosage", no_argument, NULL, OPT_DOSAGE},
        {"drop-collinear", no_argument, NULL, OPT_DROP_COLLINEAR},
        {"min-cell", required_argument, NULL, OPT_MIN_CELL},
        DUET_SEX_LONGOPTS,
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    burden_opts_t o = *op;
    int opt;
    duet_err_t perr;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        long v;
        if (duet_pheno_cli_parse(cli, opt, optarg, &perr) ||
            duet_bintest_cli_parse(&o.b.scan.binary, opt, optarg, &perr) ||
            duet_sex_cli_parse(&o.sexo, opt, optarg, &perr)) {
            if (perr) return perr;
            continue;
        }
        switch (opt) {
        case OPT_VCF: o.vcf = optarg; break;
        case OPT_ANNO: o.anno = optarg; break;
        case OPT_SET_LIST: o.set_list = optarg; break;
        case OPT_MASK_DEF: o.mask_def = optarg; break;
        case OPT_CSQ: o.csq = 1; break;
        case OPT_AAF_BINS: o.aaf_bins = optarg; break;
        case OPT_MAF_BINS: o.maf_bins = optarg; break;
        case OPT_SINGLETONS: o.singletons = 1; break;
        case OPT_BUILD_MASK:
            if (!strcmp(optarg, "max")) o.b.collapse = DUET_COLLAPSE_MAX;
            else if (!strcmp(optarg, "sum")) o.b.collapse = DUET_COLLAPSE_SUM;
            else if (!strcmp(optarg, "comphet")) o.b.collapse = DUET_COLLAPSE_COMPHET;
            else {
                duet_log_error("--build-mask expects max, sum or comphet, got '%s'", optarg);
                return DUET_EUSAGE;
            }
            break;
        case OPT_TESTS:
            if (parse_tests(optarg, &o.b.tests)) return DUET_EUSAGE;
            break;
        case OPT_WEIGHTS_BETA: {
            char *end;
            double a = strtod(optarg, &end), b = NAN;
            if (*end == ',') b = strtod(end + 1, &end);
            if (*end || !(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b)) {
                duet_log_error("--weights-beta expects two positive numbers A,B, got '%s'", optarg);
                return DUET_EUSAGE;
            }
            o.b.genetest.beta_a = a;
            o.b.genetest.beta_b = b;
            break;
        }
        case OPT_ACATV_MAC:
            if (duet_opts_parse_double("--acatv-mac", optarg, 0, 1e9, &o.b.genetest.acatv_mac))
                return DUET_EUSAGE;
            break;
        case OPT_PHENO: o.pheno = optarg; break;
        case OPT_PHENO_NAME: o.pheno_name = optarg; break;
        case OPT_COVAR: o.covar = optarg; break;
        case OPT_COVAR_NAME: o.covar_name = optarg; break;
        case OPT_BINARY: o.binary = 1; break;
        case OPT_QUANTITATIVE: o.quantitative = 1; break;
        case OPT_KEEP: o.keep = optarg; break;
        case OPT_REMOVE: o.remove = optarg; break;
        case OPT_DB: o.db = optarg; break;
        case OPT_MIN_CASES:
            if (duet_opts_parse_long("--min-cases", optarg, 0, 1L << 30, &v)) return DUET_EUSAGE;
            cli->opts.min_cases = (int)v;
            break;
        case OPT_STORE_COVARS: o.store_covars = optarg; break;
        case OPT_DOSAGE: o.dosage = 1; break;
        case OPT_DROP_COLLINEAR: o.b.scan.drop_collinear = 1; break;
        case OPT_MIN_CELL:
            if (duet_opts_parse_long("--min-cell", optarg, 0, 1000000, &v)) return DUET_EUSAGE;
            o.min_cell = v;
            break;
        default: {
            int r = duet_opts_common(&o.c, opt, optarg);
            if (r == DUET_OK) break;
            if (r == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("burden");
        }
        }
    }
    *op = o;
    if (o.c.help) return DUET_OK;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("burden");
    }
    if (!o.vcf || !o.c.out) {
        duet_log_error("--vcf and -o are required");
        return duet_opts_bad("burden");
    }
    if (o.csq && (o.anno || o.set_list)) {
        duet_log_error("--csq builds the genes from the VCF: it excludes --anno and --set-list");
        return DUET_EUSAGE;
    }
    if (!o.csq && (!o.anno || !o.set_list || !o.mask_def)) {
        duet_log_error("give --anno, --set-list and --mask-def (regenie's files), or --csq");
        return DUET_EUSAGE;
    }
    if (!!o.pheno + !!o.db != 1) {
        duet_log_error("give the traits by exactly one of --pheno and --db");
        return DUET_EUSAGE;
    }
    if (o.db && (o.pheno_name || o.binary || o.quantitative)) {
        duet_log_error("--pheno-name, --binary and --quantitative go with --pheno");
        return DUET_EUSAGE;
    }
    if (!o.db && (cli->any || o.store_covars)) {
        duet_log_error("the phecode, --quant and --store-covars options derive traits from the "
                       "store: they go with --db");
        return DUET_EUSAGE;
    }
    if (o.covar_name && !o.covar) {
        duet_log_error("--covar-name needs --covar");
        return DUET_EUSAGE;
    }
    if (o.binary && o.quantitative) {
        duet_log_error("--binary and --quantitative exclude each other");
        return DUET_EUSAGE;
    }
    if (o.aaf_bins && o.maf_bins) {
        duet_log_error("--aaf-bins and --maf-bins exclude each other");
        return DUET_EUSAGE;
    }
    if (!strcmp(o.vcf, "-") || !strcmp(o.c.out, "-")) {
        duet_log_error("--vcf and -o must name files");
        return DUET_EUSAGE;
    }
    if (!o.b.tests) {
        duet_log_error("--tests names no test");
        return DUET_EUSAGE;
    }
    return duet_pheno_cli_finish(cli);
}

duet_err_t main_burden(int argc, char **argv)
{
    burden_opts_t o;
    memset(&o, 0, sizeof o);
    duet_opts_init(&o.c);
    duet_burden_opts_init(&o.b);
    duet_sex_cli_init(&o.sexo);
    o.min_cell = 20;
    duet_pheno_cli_t cli;
    duet_err_t err = duet_pheno_cli_init(&cli, argc);
    if (!err) err = parse_args(argc, argv, &o, &cli);
    if (err || o.c.help) {
        if (!err) usage(stdout);
        duet_pheno_cli_free(&cli);
        return err;
    }
    duet_opts_apply(&o.c);

    duet_burden_sets_t *sets = NULL;
    duet_burden_bin_t *bins = NULL;
    int n_bins = 0;
    char **pheno_names = NULL, **covar_names = NULL;
    int n_pheno_names = 0, n_covar_names = 0;
    duet_geno_t *geno = NULL;
    duet_geno_block_t *blk = NULL;
    duet_traitset_t *ts = NULL;
    char *out_path = NULL, *log_path = NULL;
    duet_burden_model_t *model = NULL, *model_x = NULL, *model_y = NULL;
    duet_sex_table_t *sex = NULL;
    duet_sex_design_t xy;
    memset(&xy, 0, sizeof xy);
    duet_burden_stream_t *st = NULL;
    duet_out_t *out = NULL, *logf = NULL;
    duet_progress_t *prog = NULL;
    int n_threads = o.c.threads, cleanup_out = -1;
    int64_t csq_records = 0;
    run_t run;
    memset(&run, 0, sizeof run);
    kstring_t summary = { 0, 0, NULL };

    /* gene sets */
    if ((err = duet_burden_sets_create(&sets))) goto cleanup;
    if (o.csq) {
        if ((err = duet_burden_sets_from_csq(sets, o.vcf, &csq_records))) goto cleanup;
        err = o.mask_def ? duet_burden_read_masks(sets, o.mask_def) : duet_burden_default_masks(sets);
        if (err) goto cleanup;
    } else {
        if ((err = duet_burden_read_setlist(sets, o.set_list))) goto cleanup;
        if ((err = duet_burden_read_anno(sets, o.anno))) goto cleanup;
        if ((err = duet_burden_read_masks(sets, o.mask_def))) goto cleanup;
    }
    const duet_burden_sets_stats_t *ss = &sets->stats;
    if (ss->anno_gene_absent)
        duet_log_warn("%s: %lld annotation lines name %d genes absent from the set list; "
                      "ignored", o.anno, (long long)ss->anno_gene_absent, ss->n_absent_genes);
    if (ss->anno_variant_absent)
        duet_log_warn("%s: %lld annotation lines name variants that the set list does not give "
                      "for their gene; ignored", o.anno, (long long)ss->anno_variant_absent);
    if (!o.csq && ss->slots_unannotated)
        duet_log_warn("%lld variants of the set list have no annotation; they enter no mask",
                      (long long)ss->slots_unannotated);
    if (ss->setlist_duplicates)
        duet_log_warn("%lld variants are listed twice for one gene; kept once",
                      (long long)ss->setlist_duplicates);
    if (ss->domain_column)
        duet_log_warn("%s: regenie's 4-column form (domains): the domain column is ignored, "
                      "masks span every domain", o.anno);
    err = o.maf_bins ? duet_burden_bins_parse(o.maf_bins, DUET_BIN_MAF, o.singletons, "--maf-bins", &bins, &n_bins)
                     : duet_burden_bins_parse(o.aaf_bins ? o.aaf_bins : "0.01", DUET_BIN_AAF, o.singletons,
                                              "--aaf-bins", &bins, &n_bins);
    if (err) goto cleanup;

    /* traits on the VCF's samples */
    if (o.pheno_name && !(pheno_names = duet_list_split(o.pheno_name, &n_pheno_names))) { err = DUET_ENOMEM; goto cleanup; }
    if (o.covar_name && !(covar_names = duet_list_split(o.covar_name, &n_covar_names))) { err = DUET_ENOMEM; goto cleanup; }
    duet_traitset_opts_t tso;
    duet_traitset_opts_init(&tso);
    tso.pheno = o.pheno;
    tso.pheno_names = (const char *const *)pheno_names;
    tso.n_pheno_names = n_pheno_names;
    tso.binary = o.binary;
    tso.quantitative = o.quantitative;
    tso.db = o.db;
    tso.db_opts = o.db ? &cli.opts : NULL;
    tso.db_covars = o.store_covars;
    tso.covar = o.covar;
    tso.covar_names = (const char *const *)covar_names;
    tso.n_covar_names = n_covar_names;
    tso.keep = o.keep;
    tso.remove = o.remove;
    if ((err = duet_traitset_load_vcf(o.vcf, &tso, &ts))) goto cleanup;
    ksprintf(&summary, "%s\n", ts->summary);
    int N = ts->n_samples, T = ts->n_traits;

    duet_scan_input_t in = {
        .n_samples = N,
        .n_traits = T,
        .trait_names = (const char *const *)ts->names,
        .traits = ts->y,
        .binary = ts->binary,
        .n_covars = ts->n_covars,
        .covar_names = (const char *const *)ts->covar_names,
        .covars = ts->x,
    };
    if ((err = duet_burden_model_create(&in, &o.b, bins, n_bins, sets->n_masks, &model))) goto cleanup;

    /* sexes (--sex FILE, else the covariate named sex: the store's too)
     * and the models of chrX and chrY genes, as duet gwas sets them up */
    int C = ts->n_covars;
    err = duet_sex_cli_table(&o.sexo, (const char *const *)ts->ids, N,
                             (const char *const *)ts->covar_names, ts->x, C,
                             o.covar ? o.covar : o.db, &sex);
    if (err) goto cleanup;
    int n_male = 0, n_female = 0, n_unknown = N;
    if (sex) duet_sex_table_count(sex, (const char *const *)ts->ids, N, &n_male, &n_female, &n_unknown);
    run.have_sex = n_male + n_female > 0;
    run.par = o.sexo.par;
    if (run.have_sex)
        ksprintf(&summary, "sex: %s: %d males, %d females, %d unknown; genes on chrX outside "
                 "the PARs (%s): males hemizygous (coded 0..2), sex a covariate, samples of "
                 "unknown sex left out; on chrY: males only\n", duet_sex_table_source(sex),
                 n_male, n_female, n_unknown, o.sexo.par.name);
    int want[N_MODELS] = { 1, 0, 0 };
    for (int g = 0; run.have_sex && g < sets->n_genes; g++) {
        duet_ploidy_t c = duet_geno_record_class(sets->genes[g].chrom, sets->genes[g].pos, &o.sexo.par);
        want[MODEL_X] |= c == DUET_PLOIDY_X;
        want[MODEL_Y] |= c == DUET_PLOIDY_Y && n_male > 0;
    }
    for (int k = MODEL_X; k <= MODEL_Y; k++) {
        if (!want[k]) continue;
        duet_sex_design_free(&xy);
        if ((err = duet_sex_design(sex, k == MODEL_X ? DUET_PLOIDY_X : DUET_PLOIDY_Y,
                                   (const char *const *)ts->ids, N, ts->y, T, ts->x,
                                   (const char *const *)ts->covar_names, C, &xy)))
            goto cleanup;
        if (!xy.n_testable) {
            duet_log_warn("no trait can be tested among the %d %s (two values and more "
                          "samples than parameters needed): %s genes are not tested",
                          xy.n_kept, k == MODEL_X ? "samples of known sex" : "males",
                          k == MODEL_X ? "chrX's" : "chrY's");
            continue;
        }
        duet_log_info("setting up the %s genes' models", k == MODEL_X ? "chrX" : "chrY");
        duet_scan_input_t xin = in;
        xin.traits = xy.traits;
        xin.n_covars = xy.n_covars;
        xin.covar_names = xy.covar_names;
        xin.covars = xy.covars;
        if ((err = duet_burden_model_create(&xin, &o.b, bins, n_bins, sets->n_masks,
                                            k == MODEL_X ? &model_x : &model_y)))
            goto cleanup;
    }

    /* outputs (refused early if they exist) */
    kstring_t p = { 0, 0, NULL };
    ksprintf(&p, "%s.burden.tsv.gz", o.c.out);
    out_path = p.s;
    p.s = NULL;
    p.l = p.m = 0;
    ksprintf(&p, "%s.log", o.c.out);
    log_path = p.s;
    if (!out_path || !log_path) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = duet_out_create(out_path, DUET_OUT_BGZF, o.c.force, 1, &out))) goto cleanup;
    if ((err = duet_out_create(log_path, DUET_OUT_PLAIN, o.c.force, 1, &logf))) goto cleanup;
    if ((err = duet_out_puts(out, header_line))) goto cleanup;

    /* the pass over the VCF */
    duet_geno_opts_t gopts;
    duet_geno_opts_init(&gopts, o.vcf);
    gopts.samples = (const char *const *)ts->ids;
    gopts.n_samples = N;
    gopts.field = o.dosage ? DUET_GENO_DS : DUET_GENO_GT;
    gopts.want_missing_mask = 1;
    gopts.sex = run.have_sex ? sex : NULL;
    gopts.par = o.sexo.par;
    gopts.warn_no_sex = 1;
    if ((err = duet_geno_open(&gopts, &geno))) goto cleanup;
    int B = (int)((1L << 20) / (N > 0 ? N : 1));
    if (B < 8) B = 8;
    if (B > 512) B = 512;
    if ((err = duet_geno_block_create(geno, B, &blk))) goto cleanup;
    if ((err = duet_burden_stream_create(sets, N, &st))) goto cleanup;
    run.o = &o;
    run.sets = sets;
    run.ts = ts;
    run.model = model;
    run.models[MODEL_AUTO] = model;
    run.models[MODEL_X] = model_x;
    run.models[MODEL_Y] = model_y;
    run.bins = bins;
    run.n_bins = n_bins;
    run.n_threads = n_threads;
    run.out = out;
    for (int k = 0; k < N_MODELS; k++) {
        if (!run.models[k]) continue;
        run.works_of[k] = duet_calloc((size_t)n_threads, sizeof *run.works_of[k]);
        if (!run.works_of[k]) { err = DUET_ENOMEM; goto cleanup; }
        for (int w = 0; w < n_threads; w++)
            if ((err = duet_burden_work_create(run.models[k], &run.works_of[k][w]))) goto cleanup;
    }
    /* genes are tested in batches: a few per thread, so that the columns
     * held stay near O(threads x the largest gene) */
    int batch = 4 * n_threads;
    prog = duet_progress_create("variants", duet_geno_n_records_hint(geno));
    uint64_t n_read = 0;
    for (;;) {
        if ((err = duet_geno_read_block(geno, blk))) goto cleanup;
        if (!blk->n_variants) break;
        for (int j = 0; j < blk->n_variants; j++) {
            const duet_variant_t *v = &blk->variants[j];
            const uint8_t *mk = v->n_missing > 0 ? blk->missing + (size_t)N * j : NULL;
            if ((err = duet_burden_stream_add(st, v, blk->dosage + (size_t)N * j, mk))) goto cleanup;
            if (duet_burden_stream_n_ready(st) >= batch && (err = process_ready(&run, st)))
                goto cleanup;
        }
        n_read += blk->n_variants;
        duet_progress_update(prog, n_read);
    }
    duet_burden_stream_finish(st);
    if ((err = process_ready(&run, st))) goto cleanup;
    duet_progress_destroy(prog);
    prog = NULL;

    /* the summary */
    const duet_burden_stream_stats_t *sst = duet_burden_stream_stats(st);
    const duet_scan_t *scan = duet_burden_model_scan(model);
    if (sst->slots_missing)
        duet_log_warn("%lld of the %d variants listed in the genes are absent from the VCF",
                      (long long)sst->slots_missing, sets->n_slots);
    if (sst->late)
        duet_log_warn("%lld listed variants came after their gene had been tested (the VCF "
                      "is not in the set list's genome order, or a contig appears twice); "
                      "ignored", (long long)sst->late);
    if (sst->duplicates)
        duet_log_warn("%lld listed variants were found twice in the VCF; the first kept",
                      (long long)sst->duplicates);
    int n_tested_traits = 0;
    for (int t = 0; t < T; t++) n_tested_traits += !duet_scan_trait(scan, t)->skipped;
    ksprintf(&summary, "genes: %d in the %s, %d tested, %d without any variant in the VCF",
             sets->n_genes, o.csq ? "VCF's consequences" : "set list", run.genes_tested,
             sst->genes_empty);
    if (run.genes_untested)
        ksprintf(&summary, ", %d on chrX or chrY not tested (no trait testable in their "
                 "samples)", run.genes_untested);
    kputc('\n', &summary);
    ksprintf(&summary, "variants: %d listed (gene x variant), %lld found, %lld absent from the "
             "VCF; %lld VCF variants read, %lld in some gene",
             sets->n_slots, (long long)sst->slots_found, (long long)sst->slots_missing,
             (long long)sst->variants_read, (long long)sst->variants_used);
    if (sst->late) ksprintf(&summary, ", %lld after their gene", (long long)sst->late);
    if (sst->duplicates) ksprintf(&summary, ", %lld found twice", (long long)sst->duplicates);
    kputc('\n', &summary);
    if (o.csq) ksprintf(&summary, "consequences: INFO/CSQ or INFO/ANN of %lld records\n",
                        (long long)csq_records);
    else
        ksprintf(&summary, "annotations: %lld lines, %lld naming %d genes absent from the set "
                 "list, %lld naming variants not listed for their gene; %lld listed variants "
                 "unannotated\n", (long long)ss->anno_lines, (long long)ss->anno_gene_absent,
                 ss->n_absent_genes, (long long)ss->anno_variant_absent,
                 (long long)ss->slots_unannotated);
    kputs("masks:", &summary);
    for (int k = 0; k < sets->n_masks; k++) {
        ksprintf(&summary, " %s=", sets->mask_names[k]);
        int first = 1;
        for (int a = 0; a < sets->n_annots; a++)
            if ((sets->mask_bits[k] >> a) & 1) {
                ksprintf(&summary, "%s%s", first ? "" : ",", sets->annots[a]);
                first = 0;
            }
    }
    ksprintf(&summary, "\nfrequency bins (%s):", o.maf_bins ? "MAF" : "AAF");
    for (int b = 0; b < n_bins; b++) ksprintf(&summary, " %s", bins[b].label);
    ksprintf(&summary, "\ncollapse: %s; missing genotypes: mean-imputed; SKAT weights: "
             "Beta(MAF; %g, %g); ACAT-V MAC threshold: %g\n", duet_collapse_str(o.b.collapse),
             o.b.genetest.beta_a, o.b.genetest.beta_b, o.b.genetest.acatv_mac);
    ksprintf(&summary, "mask x bin per gene: %llu with variants, %llu empty (no row)\n",
             (unsigned long long)run.mb_tested, (unsigned long long)run.mb_empty);
    ksprintf(&summary, "rows: %llu (%llu NA)", (unsigned long long)run.rows,
             (unsigned long long)run.rows_na);
    for (int t = 0; t < DUET_BURDEN_N_TESTS; t++)
        if (o.b.tests & (1u << t))
            ksprintf(&summary, ", %s %llu", duet_burden_test_names[t],
                     (unsigned long long)run.rows_by_test[t]);
    kputc('\n', &summary);
    if (run.rows_exact + run.rows_spa + run.rows_asymptotic)
        ksprintf(&summary, "case/control SKAT, SKAT-O, ACAT-V p-values (per SKAT row): %llu exact "
                 "(few carriers), %llu saddlepoint-adjusted, %llu asymptotic\n",
                 (unsigned long long)run.rows_exact, (unsigned long long)run.rows_spa,
                 (unsigned long long)run.rows_asymptotic);
    ksprintf(&summary, "traits: %d selected, %d tested\n", T, n_tested_traits);
    kputs("trait\tmodel\tn\tn_cases\tn_controls\tcovariates\n", &summary);
    for (int t = 0; t < T; t++) {
        const duet_scan_trait_t *tr = duet_scan_trait(scan, t);
        if (tr->skipped) continue;
        char pol[160] = "linear";
        if (tr->binary) duet_bintest_describe(&o.b.scan.binary, pol, sizeof pol);
        ksprintf(&summary, "%s\t%s\t%d\t", tr->name, pol, tr->n);
        if (tr->binary && tr->n_cases >= o.min_cell) ksprintf(&summary, "%d\t", tr->n_cases);
        else kputs(NA "\t", &summary);
        if (tr->binary && tr->n_controls >= o.min_cell) ksprintf(&summary, "%d\t", tr->n_controls);
        else kputs(NA "\t", &summary);
        ksprintf(&summary, "%s\n", tr->covars_used ? tr->covars_used : "");
    }
    kputs("top hits:\ntrait\tgene\tmask\tfreq_bin\ttest\tp_value\n", &summary);
    for (int t = 0; t < DUET_BURDEN_N_TESTS; t++)
        for (int h = 0; h < run.n_hits[t]; h++) ksprintf(&summary, "%s\n", run.hits[t][h].text);
    if (!summary.s) { err = DUET_ENOMEM; goto cleanup; }

    /* finish: the data file, then the log */
    if ((err = duet_out_commit(out, NULL))) goto cleanup;
    cleanup_out = duet_cleanup_register(out_path, 0);
    kstring_t lg = { 0, 0, NULL };
    kputs("# duet burden run summary\n", &lg);
    if (!o.c.no_version) {
        ksprintf(&lg, "# %s\n", duet_version_string());
        ksprintf(&lg, "# %s\n", duet_opts_cmdline());
    }
    kputs(summary.s, &lg);
    err = lg.s ? duet_out_write(logf, lg.s, lg.l) : duet_log_oom(0);
    free(lg.s);
    if (err) goto cleanup;
    if ((err = duet_out_commit(logf, NULL))) goto cleanup;
    duet_cleanup_release(cleanup_out);
    cleanup_out = -1;
    if (!duet_log_quiet()) {
        char *save = NULL;
        for (char *line = strtok_r(summary.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (!strncmp(line, "trait\t", 6)) break;
            duet_log_info("%s", line);
        }
    }
    err = DUET_OK;

cleanup:
    duet_progress_destroy(prog);
    duet_cleanup_remove(cleanup_out);
    duet_out_destroy(out);
    duet_out_destroy(logf);
    free(out_path);
    free(log_path);
    for (int t = 0; t < DUET_BURDEN_N_TESTS; t++)
        for (int h = 0; h < run.n_hits[t]; h++) free(run.hits[t][h].text);
    for (int k = 0; k < N_MODELS; k++) {
        if (run.works_of[k])
            for (int w = 0; w < n_threads; w++) duet_burden_work_destroy(run.works_of[k][w]);
        free(run.works_of[k]);
        for (int g = 0; g < run.n_res_of[k]; g++) duet_burden_gene_res_destroy(run.res_of[k][g]);
        free(run.res_of[k]);
    }
    free(run.res);
    free(run.model_of);
    free(run.errs);
    free(run.row.s);
    duet_burden_stream_destroy(st);
    duet_geno_block_destroy(blk);
    duet_geno_close(geno);
    duet_burden_model_destroy(model);
    duet_burden_model_destroy(model_x);
    duet_burden_model_destroy(model_y);
    duet_sex_table_destroy(sex);
    duet_sex_design_free(&xy);
    duet_traitset_destroy(ts);
    duet_list_free(pheno_names, n_pheno_names);
    duet_list_free(covar_names, n_covar_names);
    duet_pheno_cli_free(&cli);
    free(bins);
    duet_burden_sets_destroy(sets);
    free(summary.s);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
