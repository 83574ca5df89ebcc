/*
 * cmd_merge.c -- `duet merge`: the options and usage of the gathering of
 * chunk outputs; the merge itself is duet_merge_run() (merge.h,
 * src/stats/merge.c).
 */
#include <stdio.h>
#include <string.h>

#include "duet/log.h"
#include "duet/merge.h"
#include "duet/opts.h"

static void usage(FILE *fp)
{
    fprintf(fp,
"\n"
"About:   Gather the chunk outputs of one trait (duet gwas --chunk K/N, or\n"
"         --region runs) into one bgzip-compressed, tabix-indexed file with a\n"
"         merged YAML sidecar.  Headers must match; chunks must not overlap.\n"
"Usage:   duet merge [options] FILE... -o FILE\n"
"\n"
"Inputs are TSV files (bgzip, gzip or plain) with one header line; the\n"
"sidecar of IN.tsv.gz is IN.yaml.  The output FILE should end in .tsv.gz\n"
"('-' writes plain TSV to standard output, without index or sidecar).\n"
"\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE, "FILE");
    fprintf(fp, "\n");
}

duet_err_t main_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    duet_merge_opts_t o;
    memset(&o, 0, sizeof o);
    duet_opts_init(&o.c);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int r = duet_opts_common(&o.c, opt, optarg);
        if (r == DUET_OK) continue;
        if (r == DUET_EUSAGE) return DUET_EUSAGE;
        return duet_opts_bad("merge");
    }
    if (o.c.help) {
        usage(stdout);
        return DUET_OK;
    }
    o.n_inputs = argc - optind;
    o.inputs = (const char *const *)argv + optind;
    if (o.n_inputs < 1 || !o.c.out) {
        duet_log_error("give the chunk files and -o FILE");
        return duet_opts_bad("merge");
    }
    duet_opts_apply(&o.c);
    return duet_merge_run(&o);
}
