/*
 * cmd_ld.c -- `duet ld`: an LD reference for prs bayes (block-diagonal
 * correlation matrices of a reference panel, each projected to the nearest
 * non-negative definite matrix) in PREFIX.ld.zst; the file format is in
 * include/duet/ldref.h and man/duet-ld.1, the work in src/prs/ldbuild.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/ldref.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/version.h"

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_BLOCKS,
    OPT_WINDOW_VARIANTS,
    OPT_WINDOW_KB,
    OPT_EXTRACT,
    OPT_MAF,
    OPT_SAMPLES
};

#define LD_SUFFIX ".ld.zst"

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   A block-diagonal LD reference (nearest non-negative definite correlation blocks)\n"
        "         for prs bayes, from reference genotypes.\n"
        "Usage:   duet ld --vcf FILE -o PREFIX [--blocks BED | --window-variants N | --window-kb K]\n"
        "\n"
        "Input:\n"
        "        --vcf FILE             reference genotypes: VCF, VCF.gz or BCF (GT calls), sorted\n"
        "        --samples FILE         keep these samples: one ID per line, or #IID / FID IID [all]\n"
        "        --extract FILE         keep only these variant IDs (first column) [all]\n"
        "        --maf FLOAT            drop variants with minor allele frequency below [0]\n"
        "Blocks (one of):\n"
        "        --blocks BED           LD blocks (chrom, 0-based start, end), e.g. Berisa and\n"
        "                               Pickrell's; variants outside every block are dropped\n"
        "        --window-kb FLOAT      fixed windows of this many kb\n"
        "        --window-variants INT  runs of this many variants [500]\n"
        "Output:\n"
        "        PREFIX" LD_SUFFIX "         zstd-compressed blocks (float32 packed upper triangles)\n");
    duet_opts_usage_common(fp,
                           DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "PREFIX");
    fprintf(fp, "\n");
}

duet_err_t main_ld(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"blocks", required_argument, NULL, OPT_BLOCKS},
        {"window-variants", required_argument, NULL, OPT_WINDOW_VARIANTS},
        {"window-kb", required_argument, NULL, OPT_WINDOW_KB},
        {"extract", required_argument, NULL, OPT_EXTRACT},
        {"maf", required_argument, NULL, OPT_MAF},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    duet_common_t common;
    duet_opts_init(&common);
    duet_ld_build_opts_t o;
    duet_ld_build_opts_init(&o);
    int n_block_opts = 0;
    long wv = 500;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_VCF: o.vcf = optarg; break;
        case OPT_BLOCKS: o.blocks_bed = optarg; n_block_opts++; break;
        case OPT_WINDOW_VARIANTS:
            if (duet_opts_parse_long("--window-variants", optarg, 1, DUET_LD_MAX_BLOCK, &wv))
                return DUET_EUSAGE;
            n_block_opts++;
            break;
        case OPT_WINDOW_KB:
            if (duet_opts_parse_double("--window-kb", optarg, 0.001, 1e6, &o.window_kb))
                return DUET_EUSAGE;
            n_block_opts++;
            break;
        case OPT_EXTRACT: o.extract = optarg; break;
        case OPT_SAMPLES: o.samples = optarg; break;
        case OPT_MAF:
            if (duet_opts_parse_double("--maf", optarg, 0, 0.5, &o.maf)) return DUET_EUSAGE;
            break;
        default: {
            int rc = duet_opts_common(&common, opt, optarg);
            if (rc == DUET_OK) break;
            if (rc == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("ld");
        }
        }
    }
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return DUET_EUSAGE;
    }
    if (!o.vcf || !common.out) {
        duet_log_error("--vcf and -o/--out are required (see 'duet ld -h')");
        return DUET_EUSAGE;
    }
    if (n_block_opts > 1) {
        duet_log_error("--blocks, --window-kb and --window-variants exclude each other");
        return DUET_EUSAGE;
    }
    if (!strcmp(common.out, "-")) {
        duet_log_error("-o -: the LD reference is a binary file; give a prefix");
        return DUET_EUSAGE;
    }
    duet_opts_apply(&common);
    o.window_variants = (int)wv;
    o.threads = common.threads;
    o.force = common.force;

    duet_err_t err = DUET_OK;
    char *prov = NULL, *path = malloc(strlen(common.out) + sizeof LD_SUFFIX);
    if (!path) return duet_log_oom(strlen(common.out) + sizeof LD_SUFFIX);
    sprintf(path, "%s%s", common.out, LD_SUFFIX);
    if (!common.no_version) {
        size_t n = strlen(duet_version_string()) + strlen(duet_opts_cmdline()) + 32;
        if (!(prov = malloc(n))) {
            free(path);
            return duet_log_oom(n);
        }
        snprintf(prov, n, "%s\ncommand: %s", duet_version_string(), duet_opts_cmdline());
    }
    o.provenance = prov;
    duet_ld_build_stats_t st;
    err = duet_ld_build(&o, path, &st);
    if (!err) {
        duet_log_info("%s: %d samples; %lld variants read, %lld kept in %lld blocks", o.vcf,
                      st.n_samples, (long long)st.n_read, (long long)st.n_kept,
                      (long long)st.n_blocks);
        duet_log_info("dropped: %lld multi-allelic, %lld monomorphic, %lld below --maf, "
                      "%lld not in --extract, %lld outside the blocks; %lld negative "
                      "eigenvalues clamped", (long long)st.n_multiallelic,
                      (long long)st.n_monomorphic, (long long)st.n_maf,
                      (long long)st.n_extract, (long long)st.n_outside,
                      (long long)st.n_neg_eig);
        duet_log_info("wrote %s", path);
    }
    free(prov);
    free(path);
    return err;
}
