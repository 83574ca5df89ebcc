/*
 * cmd_meta.c -- `duet meta`: meta-analysis of GWAS summary statistics from
 * several studies (GWAS-SSF, plink2 --glm, regenie), streamed as a k-way
 * merge of position-sorted files; the work is src/prs/meta.c (meta.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/meta.h"
#include "duet/opts.h"

enum {
    OPT_SCHEME = DUET_OPT_FIRST_PRIVATE,
    OPT_N,
    OPT_GC,
    OPT_MIN_STUDIES,
    OPT_BUILD
};

static void usage(FILE *fp)
{
    fprintf(fp,
"\n"
"About:   Meta-analysis of GWAS summary statistics from several studies: fixed-effects\n"
"         inverse-variance or METAL's sample-size-weighted Z, Cochran's Q, I^2,\n"
"         DerSimonian-Laird random effects, per-study direction and genomic control.\n"
"Usage:   duet meta [options] FILE1 FILE2 ... -o PREFIX\n"
"\n"
"Inputs: GWAS-SSF (duet gwas, duet meta), plink2 --glm or regenie files, plain or\n"
"compressed, each sorted by chromosome (1-22, X, Y, XY, MT, then other names\n"
"alphabetically; 'chr' ignored) and position.  Variants are matched by chromosome,\n"
"position and alleles; the first study that has a variant gives its effect allele.\n"
"\n"
"Options:\n"
"        --scheme NAME          stderr (inverse-variance weights, needs standard errors)\n"
"                               or samplesize (z from p and the sign of beta, weights\n"
"                               sqrt(N)) [stderr]\n"
"        --n N1,N2,...          sample size of each study, in the order given; '.' takes\n"
"                               the file's n column [n columns]\n"
"        --gc                   genomic control of each study: standard errors times\n"
"                               sqrt(lambda) where its lambda GC is above 1\n"
"        --min-studies INT      write variants found in at least INT studies [1]\n"
"        --genome-build NAME    genome_assembly in the YAML sidecar [#NA]\n"
"\n"
"Output:\n"
"        PREFIX.meta.tsv.gz     GWAS-SSF (+ .tbi), columns n_studies direction z_score\n"
"                               het_q het_df het_p_value i_squared tau_squared re_beta\n"
"                               re_standard_error re_p_value re_neg_log_10_p_value after\n"
"                               the standard ones; '-o -' writes plain TSV to stdout\n"
"        PREFIX.meta.yaml       metadata sidecar; PREFIX.meta.log  per-study counts\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE, "PREFIX");
    fprintf(fp, "\n");
}

/* --n N1,N2,...: one positive number or '.' per study. */
static duet_err_t parse_n(const char *arg, int n_inputs, double **out)
{
    int n_items = 0;
    char **items = duet_list_split(arg, &n_items);
    if (!items) return duet_log_oom(strlen(arg));
    duet_err_t err = DUET_OK;
    double *n = NULL;
    if (n_items != n_inputs || strchr(arg, ',') == arg ||
        (strlen(arg) && arg[strlen(arg) - 1] == ',') || strstr(arg, ",,")) {
        duet_log_error("--n lists %d value%s for %d studies: give one per study ('.' for the "
                       "file's n column)", n_items, n_items == 1 ? "" : "s", n_inputs);
        err = DUET_EUSAGE;
        goto cleanup;
    }
    if (!(n = duet_malloc((size_t)n_items * sizeof *n))) { err = DUET_ENOMEM; goto cleanup; }
    for (int i = 0; i < n_items && !err; i++) {
        if (!strcmp(items[i], ".")) n[i] = NAN;
        else err = duet_opts_parse_double("--n", items[i], 1, 1e12, &n[i]);
    }

cleanup:
    duet_list_free(items, n_items);
    if (err) free(n);
    else *out = n;
    return err;
}

duet_err_t main_meta(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"scheme", required_argument, NULL, OPT_SCHEME},
        {"n", required_argument, NULL, OPT_N},
        {"gc", no_argument, NULL, OPT_GC},
        {"min-studies", required_argument, NULL, OPT_MIN_STUDIES},
        {"genome-build", required_argument, NULL, OPT_BUILD},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    duet_common_t common;
    duet_opts_init(&common);
    duet_meta_opts_t o;
    duet_meta_opts_init(&o);
    const char *n_arg = NULL;
    long lv;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_SCHEME:
            if (!strcmp(optarg, "stderr")) o.scheme = DUET_META_STDERR;
            else if (!strcmp(optarg, "samplesize")) o.scheme = DUET_META_SAMPLESIZE;
            else {
                duet_log_error("--scheme: 'stderr' or 'samplesize', not '%s'", optarg);
                return DUET_EUSAGE;
            }
            break;
        case OPT_N: n_arg = optarg; break;
        case OPT_GC: o.gc = 1; break;
        case OPT_MIN_STUDIES:
            if (duet_opts_parse_long("--min-studies", optarg, 1, 1000000, &lv)) return DUET_EUSAGE;
            o.min_studies = (int)lv;
            break;
        case OPT_BUILD: o.build = optarg; break;
        default: {
            int rc = duet_opts_common(&common, opt, optarg);
            if (rc == DUET_OK) break;
            if (rc == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("meta");
        }
        }
    }
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    o.n_inputs = argc - optind;
    o.inputs = (const char *const *)(argv + optind);
    if (!common.out || o.n_inputs < 1) {
        duet_log_error("give the studies' files and -o PREFIX (see 'duet meta -h')");
        return DUET_EUSAGE;
    }
    /* one study is not a meta-analysis (and would silently copy it) */
    if (o.n_inputs < 2) {
        duet_log_error("one study given ('%s'): duet meta combines two or more", o.inputs[0]);
        return DUET_EUSAGE;
    }
    if (o.min_studies > o.n_inputs) {
        duet_log_error("--min-studies %d is more than the %d studies given", o.min_studies,
                       o.n_inputs);
        return DUET_EUSAGE;
    }
    duet_opts_apply(&common);
    o.out = common.out;
    o.force = common.force;
    o.threads = common.threads;
    o.no_version = common.no_version;
    double *n = NULL;
    duet_err_t err = n_arg ? parse_n(n_arg, o.n_inputs, &n) : DUET_OK;
    if (err) return err;
    o.n = n;
    err = duet_meta_run(&o);
    free(n);
    return err;
}
