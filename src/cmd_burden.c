/*
 * cmd_burden.c -- `duet burden`: the option table and usage of the
 * rare-variant gene tests with regenie-style masks; the run (gene sets,
 * traits, the pass over the VCF, P.burden.tsv.gz and P.log) is
 * duet_burden_run() (burden.h, src/burden/run.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/bintest.h"
#include "duet/burden.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/pheno_cli.h"

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_ANNO, OPT_SET_LIST, OPT_MASK_DEF, OPT_CSQ, OPT_AAF_BINS, OPT_MAF_BINS, OPT_SINGLETONS,
    OPT_BUILD_MASK, OPT_TESTS, OPT_WEIGHTS_BETA, OPT_ACATV_MAC,
    OPT_MIN_CASES, OPT_DOSAGE, OPT_DROP_COLLINEAR, OPT_MIN_CELL
};

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
"\n");
    duet_trait_cli_usage(fp, DUET_TRAIT_STORE);
    duet_pheno_cli_usage(fp, "        --min-cases INT        least cases a phecode needs [20]\n");
    duet_bintest_cli_usage(fp);
    fputc('\n', fp);
    duet_sex_cli_usage(fp, 1);
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE, "PREFIX");
    fprintf(fp, "\n");
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

/* --weights-beta A,B */
static duet_err_t parse_weights(const char *arg, duet_burden_opts_t *b)
{
    char *end;
    double a = strtod(arg, &end), bb = NAN;
    if (*end == ',') bb = strtod(end + 1, &end);
    if (*end || !(a > 0) || !(bb > 0) || !isfinite(a) || !isfinite(bb)) {
        duet_log_error("--weights-beta expects two positive numbers A,B, got '%s'", arg);
        return DUET_EUSAGE;
    }
    b->genetest.beta_a = a;
    b->genetest.beta_b = bb;
    return DUET_OK;
}

/* --build-mask max|sum|comphet */
static duet_err_t parse_collapse(const char *arg, duet_collapse_t *rule)
{
    if (!strcmp(arg, "max")) *rule = DUET_COLLAPSE_MAX;
    else if (!strcmp(arg, "sum")) *rule = DUET_COLLAPSE_SUM;
    else if (!strcmp(arg, "comphet")) *rule = DUET_COLLAPSE_COMPHET;
    else {
        duet_log_error("--build-mask expects max, sum or comphet, got '%s'", arg);
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

/* One option of burden's own table; DUET_EUSAGE (reported) for a bad
 * value, -1 for an option that is not burden's. */
static int parse_own(duet_burden_run_opts_t *o, duet_pheno_cli_t *cli, int opt, const char *arg)
{
    long v;
    switch (opt) {
    case OPT_VCF: o->vcf = arg; break;
    case OPT_ANNO: o->anno = arg; break;
    case OPT_SET_LIST: o->set_list = arg; break;
    case OPT_MASK_DEF: o->mask_def = arg; break;
    case OPT_CSQ: o->csq = 1; break;
    case OPT_AAF_BINS: o->aaf_bins = arg; break;
    case OPT_MAF_BINS: o->maf_bins = arg; break;
    case OPT_SINGLETONS: o->singletons = 1; break;
    case OPT_BUILD_MASK: return parse_collapse(arg, &o->b.collapse);
    case OPT_TESTS: return parse_tests(arg, &o->b.tests);
    case OPT_WEIGHTS_BETA: return parse_weights(arg, &o->b);
    case OPT_ACATV_MAC:
        if (duet_opts_parse_double("--acatv-mac", arg, 0, 1e9, &o->b.genetest.acatv_mac))
            return DUET_EUSAGE;
        break;
    case OPT_MIN_CASES:
        if (duet_opts_parse_long("--min-cases", arg, 0, 1L << 30, &v)) return DUET_EUSAGE;
        cli->opts.min_cases = (int)v;
        break;
    case OPT_DOSAGE: o->dosage = 1; break;
    case OPT_DROP_COLLINEAR: o->b.scan.drop_collinear = 1; break;
    case OPT_MIN_CELL:
        if (duet_opts_parse_long("--min-cell", arg, 0, 1000000, &v)) return DUET_EUSAGE;
        o->min_cell = v;
        break;
    default: return duet_opts_common(&o->c, opt, arg);
    }
    return DUET_OK;
}

static duet_err_t parse_args(int argc, char **argv, duet_burden_run_opts_t *o,
                             duet_pheno_cli_t *cli)
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
        DUET_TRAIT_LONGOPTS,
        DUET_TRAIT_STORE_LONGOPTS,
        {"min-cases", required_argument, NULL, OPT_MIN_CASES},
        DUET_PHENO_LONGOPTS,
        {"dosage", no_argument, NULL, OPT_DOSAGE},
        {"drop-collinear", no_argument, NULL, OPT_DROP_COLLINEAR},
        {"min-cell", required_argument, NULL, OPT_MIN_CELL},
        DUET_SEX_LONGOPTS,
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    int opt;
    duet_err_t perr;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (duet_trait_cli_parse(&o->traits, opt, optarg, &perr) ||
            duet_pheno_cli_parse(cli, opt, optarg, &perr) ||
            duet_bintest_cli_parse(&o->b.scan.binary, opt, optarg, &perr) ||
            duet_sex_cli_parse(&o->sexo, opt, optarg, &perr)) {
            if (perr) return perr;
            continue;
        }
        int r = parse_own(o, cli, opt, optarg);
        if (r == DUET_OK) continue;
        if (r == DUET_EUSAGE) return DUET_EUSAGE;
        return duet_opts_bad("burden");
    }
    return DUET_OK;
}

/* The combinations, once every option is known. */
static duet_err_t check_args(int argc, char **argv, duet_burden_run_opts_t *o,
                             duet_pheno_cli_t *cli)
{
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("burden");
    }
    if (!o->vcf || !o->c.out) {
        duet_log_error("--vcf and -o are required");
        return duet_opts_bad("burden");
    }
    if (o->csq && (o->anno || o->set_list)) {
        duet_log_error("--csq builds the genes from the VCF: it excludes --anno and --set-list");
        return DUET_EUSAGE;
    }
    if (!o->csq && (!o->anno || !o->set_list || !o->mask_def)) {
        duet_log_error("give --anno, --set-list and --mask-def (regenie's files), or --csq");
        return DUET_EUSAGE;
    }
    duet_err_t err = duet_trait_cli_finish(&o->traits, DUET_TRAIT_STORE, cli->any);
    if (err) return err;
    if (!o->traits.pheno && !o->traits.db) {
        duet_log_error("give the traits by exactly one of --pheno and --db");
        return DUET_EUSAGE;
    }
    if (o->aaf_bins && o->maf_bins) {
        duet_log_error("--aaf-bins and --maf-bins exclude each other");
        return DUET_EUSAGE;
    }
    if (!strcmp(o->vcf, "-") || !strcmp(o->c.out, "-")) {
        duet_log_error("--vcf and -o must name files");
        return DUET_EUSAGE;
    }
    if (!o->b.tests) {
        duet_log_error("--tests names no test");
        return DUET_EUSAGE;
    }
    if ((err = duet_pheno_cli_finish(cli))) return err;
    o->db_opts = &cli->opts;
    return DUET_OK;
}

duet_err_t main_burden(int argc, char **argv)
{
    duet_burden_run_opts_t o;
    duet_burden_run_opts_init(&o);
    duet_pheno_cli_t cli;
    duet_err_t err = duet_pheno_cli_init(&cli, argc);
    if (!err) err = parse_args(argc, argv, &o, &cli);
    if (!err && o.c.help) usage(stdout);
    else if (!err && !(err = check_args(argc, argv, &o, &cli))) {
        duet_opts_apply(&o.c);
        err = duet_burden_run(&o);
    }
    duet_trait_cli_free(&o.traits);
    duet_pheno_cli_free(&cli);
    return err;
}
