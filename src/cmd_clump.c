/*
 * cmd_clump.c -- `duet clump`: LD clumping of summary statistics as plink
 * 1.9 --clump, r² from a reference VCF/BCF (src/prs/clump.c).  Options,
 * usage, and the three outputs claimed before any work and published
 * together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/clump.h"
#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"

enum {
    OPT_SUMSTATS = DUET_OPT_FIRST_PRIVATE,
    OPT_VCF,
    OPT_SAMPLES,
    OPT_P1,
    OPT_P2,
    OPT_R2,
    OPT_KB
};

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   LD clumping of GWAS summary statistics, as plink 1.9 --clump, with r² from a\n"
        "         reference VCF/BCF (a panel or the target cohort).\n"
        "Usage:   duet clump --sumstats FILE --vcf FILE -o PREFIX [options]\n"
        "\n"
        "Input:\n"
        "        --sumstats FILE        GWAS-SSF (duet gwas), plink2 --glm or regenie results\n"
        "        --vcf FILE             reference genotypes: VCF, VCF.gz or BCF, sorted by position;\n"
        "                               hard GT calls are used\n"
        "        --samples FILE         reference samples to use (one ID per line, #IID / .fam) [all]\n"
        "\n"
        "Clumping (plink 1.9's names and defaults):\n"
        "        --clump-p1 P           index variants have p <= P [1e-4]\n"
        "        --clump-p2 P           members with p < P are listed in SP2 [0.01]\n"
        "        --clump-r2 R2          members have r² > R2 with the index [0.5]\n"
        "        --clump-kb KB          members lie less than KB kb from the index [250]\n"
        "\n"
        "Output:\n"
        "        PREFIX.clumped         plink's table (CHR F SNP BP P TOTAL NSIG S05 S01 S001 S0001 SP2)\n"
        "        PREFIX.clumps.tsv      one row per clump: index variant, position, p, members\n"
        "        PREFIX.log             counts: rows read, matched, absent, allele mismatches, clumps\n");
    duet_opts_usage_common(fp,
                           DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "PREFIX");
    fprintf(fp, "\n");
}

static char *join(const char *a, const char *b)
{
    char *s = malloc(strlen(a) + strlen(b) + 1);
    if (s) sprintf(s, "%s%s", a, b);
    else duet_log_oom(strlen(a) + strlen(b) + 1);
    return s;
}

/* Parse the command line into common and o (common->help set by -h).
 * DUET_EUSAGE (reported) for a bad or missing option. */
static duet_err_t parse(int argc, char **argv, duet_common_t *common, duet_clump_opts_t *o,
                        const char **samples_path)
{
    static const struct option longopts[] = {
        {"sumstats", required_argument, NULL, OPT_SUMSTATS},
        {"vcf", required_argument, NULL, OPT_VCF},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"clump-p1", required_argument, NULL, OPT_P1},
        {"clump-p2", required_argument, NULL, OPT_P2},
        {"clump-r2", required_argument, NULL, OPT_R2},
        {"clump-kb", required_argument, NULL, OPT_KB},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_SUMSTATS: o->sumstats = optarg; break;
        case OPT_VCF: o->vcf = optarg; break;
        case OPT_SAMPLES: *samples_path = optarg; break;
        case OPT_P1:
            if (duet_opts_parse_double("--clump-p1", optarg, 1e-300, 1.0, &o->p1)) return DUET_EUSAGE;
            break;
        case OPT_P2:
            if (duet_opts_parse_double("--clump-p2", optarg, 1e-300, 1.0, &o->p2)) return DUET_EUSAGE;
            break;
        case OPT_R2:
            if (duet_opts_parse_double("--clump-r2", optarg, 0.0, 0.999999, &o->r2)) return DUET_EUSAGE;
            break;
        case OPT_KB:
            if (duet_opts_parse_double("--clump-kb", optarg, 0.001, 1e6, &o->kb)) return DUET_EUSAGE;
            break;
        default: {
            int rc = duet_opts_common(common, opt, optarg);
            if (rc == DUET_OK) break;
            if (rc == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("clump");
        }
        }
    }
    if (common->help) return DUET_OK;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return DUET_EUSAGE;
    }
    if (!o->sumstats || !o->vcf || !common->out) {
        duet_log_error("--sumstats, --vcf and -o/--out are required (see 'duet clump -h')");
        return DUET_EUSAGE;
    }
    if (!strcmp(common->out, "-")) {
        duet_log_error("-o/--out is a prefix for several files; '-' is not allowed");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

duet_err_t main_clump(int argc, char **argv)
{
    duet_common_t common;
    duet_opts_init(&common);
    duet_clump_opts_t o;
    duet_clump_opts_init(&o);
    const char *samples_path = NULL;
    duet_err_t err = parse(argc, argv, &common, &o, &samples_path);
    if (err) return err;
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    duet_opts_apply(&common);
    o.threads = common.threads;

    char *p_clumped = join(common.out, ".clumped"), *p_tsv = join(common.out, ".clumps.tsv");
    char *p_log = join(common.out, ".log");
    duet_out_t *o_clumped = NULL, *o_tsv = NULL, *o_log = NULL;
    char **ids = NULL;
    int n_ids = 0;
    duet_clump_result_t *res = NULL;
    if (!p_clumped || !p_tsv || !p_log) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    /* Claim the outputs first: refuse to overwrite before any work. */
    if ((err = duet_out_create(p_clumped, DUET_OUT_PLAIN, common.force, 1, &o_clumped)) ||
        (err = duet_out_create(p_tsv, DUET_OUT_PLAIN, common.force, 1, &o_tsv)) ||
        (err = duet_out_create(p_log, DUET_OUT_PLAIN, common.force, 1, &o_log)))
        goto cleanup;
    if (samples_path) {
        if ((err = duet_geno_samples_read(samples_path, &ids, &n_ids))) goto cleanup;
        o.samples = (const char *const *)ids;
        o.n_samples = n_ids;
    }
    if ((err = duet_clump_run(&o, &res))) goto cleanup;
    const duet_clump_counts_t *c = &res->counts;
    duet_log_info("%s (%s): %lld rows, %lld without p; %lld matched, %lld absent from the "
                  "reference, %lld with other alleles, %lld duplicates",
                  o.sumstats, res->sumstats_format, (long long)c->n_rows, (long long)c->n_no_p,
                  (long long)c->n_matched, (long long)c->n_absent,
                  (long long)c->n_allele_mismatch, (long long)c->n_duplicate);
    if (c->n_index_absent)
        duet_log_warn("%lld rows with p <= %g are not in the reference (see %s)",
                      (long long)c->n_index_absent, o.p1, p_log);
    duet_log_info("%d clumps formed from %lld variants with p <= %g; %lld variants clumped",
                  res->n_clumps, (long long)c->n_index_candidates, o.p1, (long long)c->n_clumped);
    if ((err = duet_clump_write(res, o_clumped, o_tsv, o_log, common.no_version))) goto cleanup;
    if ((err = duet_out_close(o_clumped, NULL)) || (err = duet_out_close(o_tsv, NULL)) ||
        (err = duet_out_close(o_log, NULL)))
        goto cleanup;
    if ((err = duet_out_publish(o_clumped)) || (err = duet_out_publish(o_tsv)) ||
        (err = duet_out_publish(o_log)))
        goto cleanup;

cleanup:
    duet_out_destroy(o_clumped);
    duet_out_destroy(o_tsv);
    duet_out_destroy(o_log);
    duet_clump_result_destroy(res);
    duet_geno_samples_free(ids, n_ids);
    free(p_clumped);
    free(p_tsv);
    free(p_log);
    return err;
}
