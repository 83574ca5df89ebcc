/*
 * cmd_prs.c -- `duet prs SUBCOMMAND`: polygenic scores from summary
 * statistics.  This file dispatches the subcommands and holds `prs ct`
 * (clumping + thresholding, src/prs/ct.c); `prs bayes` lives in
 * src/cmd_prs_bayes.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/prs.h"

/* src/cmd_prs_bayes.c */
duet_err_t main_prs_bayes(int argc, char **argv);

enum {
    OPT_SUMSTATS = DUET_OPT_FIRST_PRIVATE,
    OPT_VCF,
    OPT_TARGET,
    OPT_SAMPLES,
    OPT_TARGET_SAMPLES,
    OPT_P1,
    OPT_R2,
    OPT_KB,
    OPT_BAR_LEVELS,
    OPT_HIGH_RES,
    OPT_LOWER,
    OPT_UPPER,
    OPT_INTERVAL,
    OPT_NO_FULL,
    OPT_VALIDATE,
    OPT_COVAR,
    OPT_COVAR_NAME,
    OPT_BINARY,
    OPT_QUANTITATIVE,
    OPT_PREVALENCE,
    OPT_PERM
};

static void usage_ct(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   Clumping + thresholding (C+T, PRSice-2's method): one polygenic score per p-value\n"
        "         threshold, scored in one pass over the target; with --validate, PRSice's table.\n"
        "Usage:   duet prs ct --sumstats FILE --vcf FILE -o PREFIX [options]\n"
        "\n"
        "Input:\n"
        "        --sumstats FILE        GWAS-SSF (duet gwas), plink2 --glm or regenie results\n"
        "        --vcf FILE             LD reference genotypes (VCF, VCF.gz or BCF)\n"
        "        --target FILE          genotypes to score [the --vcf file]\n"
        "        --samples FILE         LD reference samples to use [all]\n"
        "        --target-samples FILE  target samples to score [all]\n"
        "\n"
        "Clumping (PRSice-2's defaults):\n"
        "        --clump-p1 P           index variants have p <= P [1]\n"
        "        --clump-r2 R2          members have r² > R2 with the index [0.1]\n"
        "        --clump-kb KB          window radius in kb [250]\n"
        "\n"
        "Thresholds (PRSice-2's grid; a threshold adding no variant is skipped):\n"
        "        --bar-levels LIST      comma-separated p-value thresholds\n"
        "                               [0.001,0.05,0.1,0.2,0.3,0.4,0.5]\n"
        "        --high-res             add the fine grid LOWER + k INTERVAL up to UPPER\n"
        "        --lower P              [5e-08]\n"
        "        --upper P              [0.5]\n"
        "        --interval P           [5e-05]\n"
        "        --no-full              leave out the full model (threshold 1)\n"
        "\n"
        "Validation:\n"
        "        --validate FILE[:TRAIT] phenotype table and trait [its first column]\n"
        "        --covar FILE           covariate table\n"
        "        --covar-name LIST      covariates to use [every column]\n"
        "        --binary               the trait is 0/1 [decided from its values]\n"
        "        --quantitative         the trait is quantitative\n"
        "        --prevalence K         population prevalence of a binary trait, 0 < K < 1:\n"
        "                               liability-scale R² (Lee et al. 2012)\n"
        "        --perm N               empirical p of the best threshold from N permutations\n"
        "                               (seeded by --seed) [0]\n"
        "\n"
        "Output:\n"
        "        PREFIX.ct.weights.tsv.gz  weights, one column per threshold (duet score reads it)\n"
        "        PREFIX.ct.score.tsv       #IID and one score (SUM) per threshold\n"
        "        PREFIX.ct.log             counts: clumping, thresholds, match report\n"
        "        PREFIX.ct.prsice          per threshold: R2, P, Coefficient, ... (--validate)\n"
        "        PREFIX.ct.summary         the best threshold (--validate)\n");
    duet_opts_usage_common(fp, DUET_USE_ALL & ~DUET_USE_MEMORY, "PREFIX");
    fprintf(fp, "\n");
}

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   Polygenic scores from summary statistics.\n"
        "Usage:   duet prs <subcommand> [options]\n"
        "\n"
        "Subcommands:\n"
        "    ct       clumping + thresholding over a p-value grid (PRSice-2), with validation\n"
        "    bayes    continuous-shrinkage Bayesian weights from an LD reference (PRS-CS-auto)\n"
        "\n");
}

static duet_err_t parse_validate(char *arg, duet_ct_opts_t *o)
{
    char *colon = strrchr(arg, ':');
    o->pheno = arg;
    if (colon && colon[1]) {
        *colon = '\0';
        o->trait = colon + 1;
    }
    if (!*o->pheno) {
        duet_log_error("--validate: no file given");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

/* The options of prs ct other than the common ones; -1 if not one. */
static int parse_ct_opt(int opt, char *arg, duet_ct_opts_t *o, const char **samples,
                        const char **target_samples, char ***covar_names, double **levels)
{
    switch (opt) {
    case OPT_SUMSTATS: o->clump.sumstats = arg; return DUET_OK;
    case OPT_VCF: o->clump.vcf = arg; return DUET_OK;
    case OPT_TARGET: o->target = arg; return DUET_OK;
    case OPT_SAMPLES: *samples = arg; return DUET_OK;
    case OPT_TARGET_SAMPLES: *target_samples = arg; return DUET_OK;
    case OPT_P1: return duet_opts_parse_double("--clump-p1", arg, 1e-300, 1.0, &o->clump.p1);
    case OPT_R2: return duet_opts_parse_double("--clump-r2", arg, 0.0, 0.999999, &o->clump.r2);
    case OPT_KB: return duet_opts_parse_double("--clump-kb", arg, 0.001, 1e6, &o->clump.kb);
    case OPT_BAR_LEVELS:
        free(*levels);
        return duet_ct_parse_levels(arg, levels, &o->grid.n_bar_levels);
    case OPT_HIGH_RES: o->grid.high_res = 1; return DUET_OK;
    case OPT_LOWER: return duet_opts_parse_double("--lower", arg, 1e-300, 1.0, &o->grid.lower);
    case OPT_UPPER: return duet_opts_parse_double("--upper", arg, 1e-300, 1.0, &o->grid.upper);
    case OPT_INTERVAL: return duet_opts_parse_double("--interval", arg, 1e-300, 1.0, &o->grid.interval);
    case OPT_NO_FULL: o->grid.no_full = 1; return DUET_OK;
    case OPT_VALIDATE: return parse_validate(arg, o);
    case OPT_COVAR: o->covar = arg; return DUET_OK;
    case OPT_COVAR_NAME:
        duet_list_free(*covar_names, o->n_covar_names);
        *covar_names = duet_list_split(arg, &o->n_covar_names);
        return *covar_names ? DUET_OK : DUET_ENOMEM;
    case OPT_BINARY: o->binary = 1; return DUET_OK;
    case OPT_QUANTITATIVE: o->binary = 0; return DUET_OK;
    case OPT_PREVALENCE:
        /* any finite number is parsed; (0, 1) is checked with the run */
        return duet_opts_parse_double("--prevalence", arg, -1e300, 1e300, &o->prevalence);
    case OPT_PERM: {
        long v;
        duet_err_t err = duet_opts_parse_long("--perm", arg, 0, 100000000, &v);
        o->n_perm = (int)v;
        return err;
    }
    default: return -1;
    }
}

static duet_err_t main_prs_ct(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sumstats", required_argument, NULL, OPT_SUMSTATS},
        {"vcf", required_argument, NULL, OPT_VCF},
        {"target", required_argument, NULL, OPT_TARGET},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"target-samples", required_argument, NULL, OPT_TARGET_SAMPLES},
        {"clump-p1", required_argument, NULL, OPT_P1},
        {"clump-r2", required_argument, NULL, OPT_R2},
        {"clump-kb", required_argument, NULL, OPT_KB},
        {"bar-levels", required_argument, NULL, OPT_BAR_LEVELS},
        {"high-res", no_argument, NULL, OPT_HIGH_RES},
        {"lower", required_argument, NULL, OPT_LOWER},
        {"upper", required_argument, NULL, OPT_UPPER},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"no-full", no_argument, NULL, OPT_NO_FULL},
        {"validate", required_argument, NULL, OPT_VALIDATE},
        {"covar", required_argument, NULL, OPT_COVAR},
        {"covar-name", required_argument, NULL, OPT_COVAR_NAME},
        {"binary", no_argument, NULL, OPT_BINARY},
        {"quantitative", no_argument, NULL, OPT_QUANTITATIVE},
        {"prevalence", required_argument, NULL, OPT_PREVALENCE},
        {"perm", required_argument, NULL, OPT_PERM},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    duet_common_t common;
    duet_opts_init(&common);
    duet_ct_opts_t o;
    duet_ct_opts_init(&o);
    const char *samples = NULL, *target_samples = NULL;
    char **covar_names = NULL, **ids = NULL, **tids = NULL;
    double *levels = NULL;
    int n_ids = 0, n_tids = 0, opt;
    duet_err_t err = DUET_OK;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int rc = parse_ct_opt(opt, optarg, &o, &samples, &target_samples, &covar_names, &levels);
        if (rc == -1) {
            rc = duet_opts_common(&common, opt, optarg);
            if (rc == -1) rc = duet_opts_bad("prs ct");
        }
        if (rc) {
            err = (duet_err_t)rc;
            goto cleanup;
        }
    }
    if (common.help) {
        usage_ct(stdout);
        goto cleanup;
    }
    err = DUET_EUSAGE;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        goto cleanup;
    }
    if (!o.clump.sumstats || !o.clump.vcf || !common.out) {
        duet_log_error("--sumstats, --vcf and -o/--out are required (see 'duet prs ct -h')");
        goto cleanup;
    }
    if (!strcmp(common.out, "-")) {
        duet_log_error("-o/--out is a prefix for several files; '-' is not allowed");
        goto cleanup;
    }
    if (!o.pheno && (o.covar || !isnan(o.prevalence) || o.n_perm || o.binary >= 0)) {
        duet_log_error("--covar, --binary, --quantitative, --prevalence and --perm need --validate");
        goto cleanup;
    }
    if (!isnan(o.prevalence) && !(o.prevalence > 0 && o.prevalence < 1)) {
        duet_log_error("--prevalence must lie in (0, 1) (%g)", o.prevalence);
        goto cleanup;
    }
    duet_opts_apply(&common);
    o.grid.bar_levels = levels;
    o.threads = o.clump.threads = common.threads;
    o.seed = common.seed;
    o.out = common.out;
    o.force = common.force;
    o.no_version = common.no_version;
    o.covar_names = (const char *const *)covar_names;
    if (samples && (err = duet_geno_samples_read(samples, &ids, &n_ids))) goto cleanup;
    o.clump.samples = (const char *const *)ids;
    o.clump.n_samples = n_ids;
    if (target_samples && (err = duet_geno_samples_read(target_samples, &tids, &n_tids))) goto cleanup;
    o.target_samples = (const char *const *)tids;
    o.n_target_samples = n_tids;
    err = duet_ct_run(&o);
cleanup:
    duet_list_free(covar_names, o.n_covar_names);
    duet_geno_samples_free(ids, n_ids);
    duet_geno_samples_free(tids, n_tids);
    free(levels);
    return err;
}

duet_err_t main_prs(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? DUET_EUSAGE : DUET_OK;
    }
    if (!strcmp(argv[1], "ct")) {
        duet_log_set_command("prs ct");
        return main_prs_ct(argc - 1, argv + 1);
    }
    if (!strcmp(argv[1], "bayes")) {
        duet_log_set_command("prs bayes");
        return main_prs_bayes(argc - 1, argv + 1);
    }
    duet_log_error("unknown subcommand '%s' (see 'duet prs -h')", argv[1]);
    return DUET_EUSAGE;
}
