/*
 * cmd_gwas.c -- `duet gwas`: the option table and usage of the
 * phenotype-first scan; the scan itself, its inputs and outputs are
 * duet_gwas_run() (gwas.h, src/stats/gwas.c).
 */
#include <stdio.h>
#include <string.h>

#include "duet/gwas.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/pheno_cli.h"

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_EXTRACT, OPT_EXCLUDE, OPT_REGION, OPT_CHUNK, OPT_MAF, OPT_MAC, OPT_DOSAGE, OPT_MISSING,
    OPT_DROP_COLLINEAR, OPT_MIN_CELL, OPT_BUILD, OPT_XCHR_MODEL
};

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
"Genotypes:\n"
"        --vcf FILE             genotypes: VCF, VCF.gz or BCF (indexed for --region)\n"
"        --dosage               use FORMAT/DS dosages [GT hard calls]\n"
"        --missing mean|drop    missing calls: mean-impute, or drop the sample\n"
"                               for that variant (as plink2) [mean]\n"
"\n");
    duet_trait_cli_usage(fp, 0);
    fprintf(fp,
"Variants:\n"
"        --extract FILE         test only the variants listed (ID or chr:pos:ref:alt)\n"
"        --exclude FILE         do not test the variants listed\n"
"        --region REGION        chr, chr:beg-end (needs a CSI/TBI index)\n"
"        --chunk K/N            chunk K of N of the records (for duet merge)\n"
"        --maf FLOAT            minimum minor allele frequency [0]\n"
"        --mac FLOAT            minimum minor allele count [0]\n"
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

/* One option of gwas's own table into *o; DUET_EUSAGE (reported) for a bad
 * value, -1 for an option that is not gwas's. */
static int parse_own(duet_gwas_opts_t *o, int opt, const char *arg)
{
    long v;
    switch (opt) {
    case OPT_VCF: o->vcf = arg; break;
    case OPT_EXTRACT: o->extract = arg; break;
    case OPT_EXCLUDE: o->exclude = arg; break;
    case OPT_REGION: o->region = arg; break;
    case OPT_CHUNK:
        if (duet_geno_chunk_parse(arg, &o->chunk_k, &o->chunk_n)) return DUET_EUSAGE;
        break;
    case OPT_MAF:
        if (duet_opts_parse_double("--maf", arg, 0, 0.5, &o->maf)) return DUET_EUSAGE;
        break;
    case OPT_MAC:
        if (duet_opts_parse_double("--mac", arg, 0, 1e12, &o->mac)) return DUET_EUSAGE;
        break;
    case OPT_DOSAGE: o->dosage = 1; break;
    case OPT_MISSING:
        if (!strcmp(arg, "mean")) o->scan.missing = DUET_MISSING_MEAN;
        else if (!strcmp(arg, "drop")) o->scan.missing = DUET_MISSING_DROP;
        else {
            duet_log_error("--missing expects mean or drop, got '%s'", arg);
            return DUET_EUSAGE;
        }
        break;
    case OPT_DROP_COLLINEAR: o->scan.drop_collinear = 1; break;
    case OPT_MIN_CELL:
        if (duet_opts_parse_long("--min-cell", arg, 0, 1000000, &v)) return DUET_EUSAGE;
        o->min_cell = v;
        break;
    case OPT_BUILD: o->build = arg; break;
    case OPT_XCHR_MODEL:
        if (duet_opts_parse_long("--xchr-model", arg, 0, 2, &v)) return DUET_EUSAGE;
        o->xchr_model = (int)v;
        break;
    default: return duet_opts_common(&o->c, opt, arg);
    }
    return DUET_OK;
}

static duet_err_t parse_args(int argc, char **argv, duet_gwas_opts_t *o)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        DUET_TRAIT_LONGOPTS,
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
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        duet_err_t perr;
        if (duet_trait_cli_parse(&o->traits, opt, optarg, &perr) ||
            duet_bintest_cli_parse(&o->scan.binary, opt, optarg, &perr) ||
            duet_sex_cli_parse(&o->sexo, opt, optarg, &perr)) {
            if (perr) return perr;
            continue;
        }
        int r = parse_own(o, opt, optarg);
        if (r == DUET_OK) continue;
        if (r == DUET_EUSAGE) return DUET_EUSAGE;
        return duet_opts_bad("gwas");
    }
    return DUET_OK;
}

/* The combinations, once every option is known. */
static duet_err_t check_args(int argc, char **argv, duet_gwas_opts_t *o)
{
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("gwas");
    }
    if (!o->vcf || !o->traits.pheno || !o->c.out) {
        duet_log_error("--vcf, --pheno and -o are required");
        return duet_opts_bad("gwas");
    }
    duet_err_t err = duet_trait_cli_finish(&o->traits, 0, 0);
    if (err) return err;
    if (o->region && o->chunk_n) {
        duet_log_error("--region and --chunk exclude each other");
        return DUET_EUSAGE;
    }
    if (!strcmp(o->vcf, "-")) {
        duet_log_error("--vcf must be a file (the reader needs to open it twice)");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

duet_err_t main_gwas(int argc, char **argv)
{
    duet_gwas_opts_t o;
    duet_gwas_opts_init(&o);
    duet_err_t err = parse_args(argc, argv, &o);
    if (!err && o.c.help) usage(stdout);
    else if (!err && !(err = check_args(argc, argv, &o))) {
        duet_opts_apply(&o.c);
        err = duet_gwas_run(&o);
    }
    duet_trait_cli_free(&o.traits);
    return err;
}
