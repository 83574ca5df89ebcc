/*
 * cmd_simulate.c -- `duet simulate`: options, usage and the call into the
 * simulator (src/sim/, contract in include/duet/sim.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/sim.h"

enum { OPT_SAMPLES = DUET_OPT_FIRST_PRIVATE, OPT_VARIANTS, OPT_GENES, OPT_POLY_H2, OPT_POLY_CAUSAL };

#define MAX_SAMPLES 5000000L
#define MAX_VARIANTS 20000000L

static void usage(FILE *fp)
{
    fprintf(fp, "\n");
    fprintf(fp, "About:   Simulate a cohort with known truth: phased BCF genotypes in real GRCh37\n");
    fprintf(fp, "         genes, an OMOP CDM 5.4 CSV export (ICD-coded diseases, LOINC-coded\n");
    fprintf(fp, "         measurements), omics features, regenie burden inputs, phenotype and\n");
    fprintf(fp, "         covariate tables, and truth.tsv listing every planted effect.\n");
    fprintf(fp, "Usage:   duet simulate [options] -o DIR\n\n");
    fprintf(fp, "Cohort options:\n");
    fprintf(fp, "        --samples INT          number of people, 10..%ld [1000]\n", MAX_SAMPLES);
    fprintf(fp, "        --variants INT         number of variants, 100..%ld [10000]\n", MAX_VARIANTS);
    fprintf(fp, "        --genes FILE           GRCh37 gene table (symbol chrom start0 end ...)\n");
    fprintf(fp, "                               [$DUET_GENES, else the %s]\n\n",
            DUET_SIM_GENES_BUILTIN);
    fprintf(fp, "Polygenic trait (pheno.tsv column %s; GCTA --simu-qt):\n", DUET_SIM_POLYGENIC_NAME);
    fprintf(fp, "        --polygenic-h2 FLOAT   its SNP heritability, 0..1; 0: no such trait [0]\n");
    fprintf(fp, "        --polygenic-causal INT its causal variants, among the common ones [1000]\n\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_SEED | DUET_USE_QUIET |
                                   DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "DIR");
    fprintf(fp, "\nExample:\n");
    fprintf(fp, "    duet simulate --samples 2000 --variants 20000 --seed 7 --threads 2 -o cohort\n");
    fprintf(fp, "    duet simulate --samples 20000 --variants 50000 --polygenic-h2 0.5 -o prs_cohort\n\n");
}

duet_err_t main_simulate(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "samples", required_argument, NULL, OPT_SAMPLES },
        { "variants", required_argument, NULL, OPT_VARIANTS },
        { "genes", required_argument, NULL, OPT_GENES },
        { "polygenic-h2", required_argument, NULL, OPT_POLY_H2 },
        { "polygenic-causal", required_argument, NULL, OPT_POLY_CAUSAL },
        DUET_COMMON_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    duet_common_t common;
    duet_opts_init(&common);
    long samples = 1000, variants = 10000, poly_causal = 1000;
    double poly_h2 = 0;
    int causal_set = 0;
    const char *genes = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_SAMPLES:
            if (duet_opts_parse_long("--samples", optarg, 10, MAX_SAMPLES, &samples)) return DUET_EUSAGE;
            break;
        case OPT_VARIANTS:
            if (duet_opts_parse_long("--variants", optarg, 100, MAX_VARIANTS, &variants)) return DUET_EUSAGE;
            break;
        case OPT_GENES:
            genes = optarg;
            break;
        case OPT_POLY_H2:
            if (duet_opts_parse_double("--polygenic-h2", optarg, 0, 1, &poly_h2)) return DUET_EUSAGE;
            break;
        case OPT_POLY_CAUSAL:
            if (duet_opts_parse_long("--polygenic-causal", optarg, 1, MAX_VARIANTS, &poly_causal))
                return DUET_EUSAGE;
            causal_set = 1;
            break;
        default: {
            int rc = duet_opts_common(&common, opt, optarg);
            if (rc == -1) return duet_opts_bad("simulate");
            if (rc != DUET_OK) return DUET_EUSAGE;
        }
        }
    }
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("simulate");
    }
    if (!common.out) {
        duet_log_error("-o/--out DIR is required");
        return duet_opts_bad("simulate");
    }
    duet_opts_apply(&common);
    if (causal_set && poly_h2 == 0) duet_log_warn("--polygenic-causal has no effect without --polygenic-h2");
    if (!genes) genes = getenv("DUET_GENES");
    if (genes && !*genes) genes = NULL; /* NULL: the built-in table */

    duet_sim_opts_t sim = {
        .n_samples = (int)samples,
        .n_variants = (int)variants,
        .seed = common.seed,
        .threads = common.threads,
        .genes_path = genes,
        .out_dir = common.out,
        .force = common.force,
        .no_version = common.no_version,
        .polygenic_h2 = poly_h2,
        .polygenic_causal = (int)poly_causal,
    };
    return duet_sim_run(&sim);
}
