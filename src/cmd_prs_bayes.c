/*
 * cmd_prs_bayes.c -- `duet prs bayes`: a genome-wide continuous-shrinkage
 * polygenic score (PRS-CS-auto) from summary statistics and an LD
 * reference.  The options and usage; the work is duet_bayes_run()
 * (src/prs/bayes_run.c, contract in include/duet/prs_bayes.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/ldref.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/prs_bayes.h"

enum {
    OPT_SUMSTATS = DUET_OPT_FIRST_PRIVATE,
    OPT_LD,
    OPT_VCF,
    OPT_BLOCKS,
    OPT_WINDOW_VARIANTS,
    OPT_WINDOW_KB,
    OPT_MAF,
    OPT_LD_OUT,
    OPT_N,
    OPT_A,
    OPT_B,
    OPT_PHI,
    OPT_N_ITER,
    OPT_N_BURNIN,
    OPT_THIN,
    OPT_SAMPLES
};

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   A genome-wide Bayesian polygenic score from summary statistics and an LD reference:\n"
        "         PRS-CS-auto's continuous-shrinkage prior fitted by block Gibbs sampling.\n"
        "Usage:   duet prs bayes --sumstats FILE (--ld FILE | --vcf FILE [--ld-out PREFIX])\n"
        "                        [--n N] -o PREFIX [options]\n"
        "\n"
        "Input:\n"
        "        --sumstats FILE        GWAS-SSF, plink2 --glm or regenie summary statistics\n"
        "        --n FLOAT              GWAS sample size [the sumstats' n column]\n"
        "LD reference (one of):\n"
        "        --ld FILE              a duet ld file (PREFIX.ld.zst)\n"
        "        --vcf FILE             reference genotypes to build it from (as duet ld):\n"
        "        --samples FILE         the reference's samples to use [all]\n"
        "        --blocks BED           LD blocks [windows of --window-variants]\n"
        "        --window-kb FLOAT      fixed windows of this many kb\n"
        "        --window-variants INT  runs of this many variants [500]\n"
        "        --maf FLOAT            drop reference variants below this MAF [0]\n"
        "        --ld-out PREFIX        keep the LD reference built as PREFIX.ld.zst\n"
        "Model and sampler:\n"
        "        --a FLOAT              gamma-gamma prior shape a [1]\n"
        "        --b FLOAT              gamma-gamma prior shape b [0.5]\n"
        "        --phi FLOAT            fix the global scale phi (PRS-CS grid mode) [learned]\n"
        "        --n-iter INT           MCMC iterations [1000]\n"
        "        --n-burnin INT         burn-in iterations [500]\n"
        "        --thin INT             keep every INT-th iteration after burn-in [5]\n"
        "Output:\n"
        "        PREFIX.bayes.weights.tsv.gz   per-variant weights (duet weights file, score 'bayes')\n"
        "        PREFIX.bayes.trace.tsv        phi, h2 and sigma2 at each kept iteration\n"
        "        PREFIX.log                    matching counts and posterior summaries\n");
    duet_opts_usage_common(fp,
                           DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_SEED | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "PREFIX");
    fprintf(fp, "\n");
}

/* One option of the command's own; DUET_EUSAGE (reported) on a bad value,
 * -1 if `opt` is not one of them. */
static int parse_own(duet_bayes_opts_t *o, int opt, const char *arg, int *n_block_opts)
{
    long v;
    switch (opt) {
    case OPT_SUMSTATS: o->sumstats = arg; return DUET_OK;
    case OPT_LD: o->ld = arg; return DUET_OK;
    case OPT_VCF: o->vcf = arg; return DUET_OK;
    case OPT_SAMPLES: o->samples = arg; return DUET_OK;
    case OPT_BLOCKS: o->blocks_bed = arg; ++*n_block_opts; return DUET_OK;
    case OPT_LD_OUT: o->ld_out = arg; return DUET_OK;
    case OPT_WINDOW_VARIANTS:
        ++*n_block_opts;
        if (duet_opts_parse_long("--window-variants", arg, 1, DUET_LD_MAX_BLOCK, &v)) return DUET_EUSAGE;
        o->window_variants = (int)v;
        return DUET_OK;
    case OPT_WINDOW_KB:
        ++*n_block_opts;
        return duet_opts_parse_double("--window-kb", arg, 0.001, 1e6, &o->window_kb);
    case OPT_MAF: return duet_opts_parse_double("--maf", arg, 0, 0.5, &o->maf);
    case OPT_N: return duet_opts_parse_double("--n", arg, 1, 1e12, &o->n_gwas);
    case OPT_A: return duet_opts_parse_double("--a", arg, 1e-6, 1e6, &o->par.a);
    case OPT_B: return duet_opts_parse_double("--b", arg, 1e-6, 1e6, &o->par.b);
    case OPT_PHI: return duet_opts_parse_double("--phi", arg, 1e-12, 1e6, &o->par.phi);
    case OPT_N_ITER:
        if (duet_opts_parse_long("--n-iter", arg, 2, 10000000, &v)) return DUET_EUSAGE;
        o->par.n_iter = (int)v;
        return DUET_OK;
    case OPT_N_BURNIN:
        if (duet_opts_parse_long("--n-burnin", arg, 0, 10000000, &v)) return DUET_EUSAGE;
        o->par.n_burnin = (int)v;
        return DUET_OK;
    case OPT_THIN:
        if (duet_opts_parse_long("--thin", arg, 1, 1000000, &v)) return DUET_EUSAGE;
        o->par.thin = (int)v;
        return DUET_OK;
    default: return -1;
    }
}

static duet_err_t check(const duet_bayes_opts_t *o, int n_block_opts)
{
    if (!o->sumstats || !o->out) {
        duet_log_error("--sumstats and -o/--out are required (see 'duet prs bayes -h')");
        return DUET_EUSAGE;
    }
    if (!o->ld == !o->vcf) {
        duet_log_error("give one LD reference: --ld FILE or --vcf FILE");
        return DUET_EUSAGE;
    }
    if (o->ld && (o->ld_out || n_block_opts || o->maf > 0 || o->samples)) {
        duet_log_error("--ld-out, --samples, --blocks, --window-kb, --window-variants and --maf build an "
                       "LD reference: they go with --vcf, not --ld");
        return DUET_EUSAGE;
    }
    if (n_block_opts > 1) {
        duet_log_error("--blocks, --window-kb and --window-variants exclude each other");
        return DUET_EUSAGE;
    }
    if (!strcmp(o->out, "-")) {
        duet_log_error("-o -: prs bayes writes several files; give a prefix");
        return DUET_EUSAGE;
    }
    if (o->par.n_burnin >= o->par.n_iter) {
        duet_log_error("--n-burnin (%d) must be below --n-iter (%d)", o->par.n_burnin,
                       o->par.n_iter);
        return DUET_EUSAGE;
    }
    if (o->par.n_iter - o->par.n_burnin < o->par.thin) {
        duet_log_error("no iteration kept: --n-iter - --n-burnin is below --thin");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

duet_err_t main_prs_bayes(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"sumstats", required_argument, NULL, OPT_SUMSTATS},
        {"ld", required_argument, NULL, OPT_LD},
        {"vcf", required_argument, NULL, OPT_VCF},
        {"blocks", required_argument, NULL, OPT_BLOCKS},
        {"window-variants", required_argument, NULL, OPT_WINDOW_VARIANTS},
        {"window-kb", required_argument, NULL, OPT_WINDOW_KB},
        {"maf", required_argument, NULL, OPT_MAF},
        {"ld-out", required_argument, NULL, OPT_LD_OUT},
        {"n", required_argument, NULL, OPT_N},
        {"a", required_argument, NULL, OPT_A},
        {"b", required_argument, NULL, OPT_B},
        {"phi", required_argument, NULL, OPT_PHI},
        {"n-iter", required_argument, NULL, OPT_N_ITER},
        {"n-burnin", required_argument, NULL, OPT_N_BURNIN},
        {"thin", required_argument, NULL, OPT_THIN},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    duet_common_t common;
    duet_opts_init(&common);
    duet_bayes_opts_t o;
    duet_bayes_opts_init(&o);
    int n_block_opts = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int rc = parse_own(&o, opt, optarg, &n_block_opts);
        if (rc == DUET_OK) continue;
        if (rc == DUET_EUSAGE) return DUET_EUSAGE;
        rc = duet_opts_common(&common, opt, optarg);
        if (rc == DUET_OK) continue;
        if (rc == DUET_EUSAGE) return DUET_EUSAGE;
        return duet_opts_bad("prs bayes");
    }
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return DUET_EUSAGE;
    }
    o.out = common.out;
    duet_err_t err = check(&o, n_block_opts);
    if (err) return err;
    duet_opts_apply(&common);
    o.threads = common.threads;
    o.force = common.force;
    o.no_version = common.no_version;
    o.par.seed = common.seed;
    return duet_bayes_run(&o);
}
