/*
 * cmd_phewas.c -- `duet phewas`: the option table and usage of the
 * genotype-first scan; the scan, its exposures and outputs are
 * duet_phewas_scan() (phewas.h, src/stats/phewas_scan.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "duet/bintest.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/pheno_cli.h"
#include "duet/phewas.h"

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_VARIANT,
    OPT_VARIANTS,
    OPT_REGION,
    OPT_SCORE,
    OPT_DOSAGE,
    OPT_MIN_CASES,
    OPT_MIN_CONTROLS,
    OPT_MIN_CELL,
    OPT_ALPHA
};

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
            "\n");
    duet_trait_cli_usage(fp, DUET_TRAIT_STORE);
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

/* One option of phewas's own table; DUET_EUSAGE (reported) for a bad
 * value, -1 for an option that is not phewas's. */
static int parse_own(duet_phewas_scan_opts_t *o, int opt, const char *arg)
{
    long v;
    switch (opt) {
    case OPT_VCF: o->vcf = arg; break;
    case OPT_VARIANT: o->variant = arg; break;
    case OPT_VARIANTS: o->variants = arg; break;
    case OPT_REGION: o->region = arg; break;
    case OPT_SCORE: o->score = arg; break;
    case OPT_DOSAGE: o->dosage = 1; break;
    case OPT_MIN_CASES:
        if (duet_opts_parse_long("--min-cases", arg, 1, 1L << 30, &v)) return DUET_EUSAGE;
        o->model.min_cases = (int)v;
        break;
    case OPT_MIN_CONTROLS:
        if (duet_opts_parse_long("--min-controls", arg, 1, 1L << 30, &v)) return DUET_EUSAGE;
        o->model.min_controls = (int)v;
        break;
    case OPT_MIN_CELL:
        if (duet_opts_parse_long("--min-cell", arg, 0, 1000000, &v)) return DUET_EUSAGE;
        o->min_cell = (int)v;
        break;
    case OPT_ALPHA:
        if (duet_opts_parse_double("--alpha", arg, 1e-300, 1, &o->alpha)) return DUET_EUSAGE;
        break;
    default: return duet_opts_common(&o->c, opt, arg);
    }
    return DUET_OK;
}

static duet_err_t parse_args(int argc, char **argv, duet_phewas_scan_opts_t *o,
                             duet_pheno_cli_t *cli)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"variant", required_argument, NULL, OPT_VARIANT},
        {"variants", required_argument, NULL, OPT_VARIANTS},
        {"region", required_argument, NULL, OPT_REGION},
        {"score", required_argument, NULL, OPT_SCORE},
        {"dosage", no_argument, NULL, OPT_DOSAGE},
        DUET_TRAIT_STORE_LONGOPTS,
        DUET_TRAIT_LONGOPTS,
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
    duet_err_t err;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (duet_trait_cli_parse(&o->traits, opt, optarg, &err) ||
            duet_pheno_cli_parse(cli, opt, optarg, &err) ||
            duet_bintest_cli_parse(&o->model.binary, opt, optarg, &err)) {
            if (err) return err;
            continue;
        }
        int r = parse_own(o, opt, optarg);
        if (r == DUET_OK) continue;
        if (r == DUET_EUSAGE) return DUET_EUSAGE;
        return duet_opts_bad("phewas");
    }
    return DUET_OK;
}

/* The combinations, once every option is known. */
static duet_err_t check_args(int argc, char **argv, duet_phewas_scan_opts_t *o,
                             duet_pheno_cli_t *cli)
{
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("phewas");
    }
    duet_err_t err = duet_trait_cli_finish(&o->traits, DUET_TRAIT_STORE, cli->any);
    if (err) return err;
    int n_expo_opts = !!o->variant + !!o->variants + !!o->region + !!o->score;
    if (n_expo_opts != 1 || (!o->vcf && !o->score) || !o->c.out ||
        (!o->traits.db && !o->traits.pheno)) {
        duet_log_error("--vcf, one of --variant/--variants/--region/--score, one of --db/--pheno "
                       "and -o are required");
        return duet_opts_bad("phewas");
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
    o->db_opts = &cli->opts;
    return DUET_OK;
}

duet_err_t main_phewas(int argc, char **argv)
{
    duet_phewas_scan_opts_t o;
    duet_phewas_scan_opts_init(&o);
    duet_pheno_cli_t cli;
    duet_err_t err = duet_pheno_cli_init(&cli, argc);
    if (!err) err = parse_args(argc, argv, &o, &cli);
    if (!err && o.c.help) usage(stdout);
    else if (!err && !(err = check_args(argc, argv, &o, &cli))) {
        duet_opts_apply(&o.c);
        err = duet_phewas_scan(&o);
    }
    duet_trait_cli_free(&o.traits);
    duet_pheno_cli_free(&cli);
    return err;
}
