/*
 * cmd_score.c -- `duet score`: apply polygenic scores (PGS Catalog, plink2
 * --score and duet weights files) to the samples of a VCF/BCF in one pass
 * (src/prs/, include/duet/score.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/score.h"

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_WEIGHTS,
    OPT_FORMAT,
    OPT_ID_COL,
    OPT_ALLELE_COL,
    OPT_SCORE_COLS,
    OPT_MATCH_ID,
    OPT_KEEP_AMBIGUOUS,
    OPT_NO_MEAN_IMPUTATION,
    OPT_MIN_OVERLAP,
    OPT_SAMPLES,
    OPT_DOSAGE,
    OPT_BLOCK
};

#define MAX_WEIGHTS 256

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   Apply polygenic scores to the samples of a VCF/BCF in one pass.\n"
        "Usage:   duet score --vcf FILE --weights FILE [--weights FILE ...] -o PREFIX [options]\n"
        "\n"
        "Input:\n"
        "        --vcf FILE             genotypes: VCF, VCF.gz or BCF\n"
        "        --weights FILE         a PGS Catalog scoring file (format 2.0), a duet weights\n"
        "                               file or a plink2 --score file; repeat for more\n"
        "        --format FMT           auto, pgs, duet or plink2 [auto: from the header]\n"
        "        --id-col INT           plink2 files: column of the variant ID [1]\n"
        "        --allele-col INT       plink2 files: column of the effect allele [2]\n"
        "        --score-col-nums N[-M] plink2 files: the weight column(s) [3]\n"
        "        --samples FILE         score these samples, in this order [all]\n"
        "        --dosage               use FORMAT/DS dosages (GT where a record has none) [GT]\n"
        "\n"
        "Matching:\n"
        "        --match-id             match by variant ID rather than chromosome:position\n"
        "        --keep-ambiguous       keep strand-ambiguous A/T and C/G SNPs (forward strand)\n"
        "        --min-overlap FRAC     fail (exit 5) if a score matches fewer of its variants [0]\n"
        "        --no-mean-imputation   missing calls count 0 (default: the mean dosage)\n"
        "        --block INT            variants per decoded block [16]\n"
        "\n"
        "Output:\n"
        "        PREFIX.score.tsv       IID, ALLELE_CT, NAMED_ALLELE_DOSAGE_SUM, NAME_AVG..., NAME_SUM...\n"
        "        PREFIX.score.match.tsv how each weight row matched, or why not\n"
        "        PREFIX.log             inputs and the match report of each score\n");
    duet_opts_usage_common(fp,
                           DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "PREFIX");
    fprintf(fp, "\n");
}

static duet_err_t parse_cols(const char *arg, duet_weights_read_opts_t *r)
{
    long a, b;
    char first[32];
    const char *dash = strchr(arg, '-');
    size_t n = dash ? (size_t)(dash - arg) : strlen(arg);
    if (n == 0 || n >= sizeof first) goto bad;
    memcpy(first, arg, n);
    first[n] = 0;
    if (duet_opts_parse_long("--score-col-nums", first, 1, 100000, &a)) return DUET_EUSAGE;
    b = a;
    if (dash && duet_opts_parse_long("--score-col-nums", dash + 1, a, 100000, &b)) return DUET_EUSAGE;
    r->score_col_first = (int)a;
    r->score_col_last = (int)b;
    return DUET_OK;
bad:
    duet_log_error("--score-col-nums: expected N or N-M, got '%s'", arg);
    return DUET_EUSAGE;
}

static duet_err_t parse_format(const char *arg, duet_weights_format_t *f)
{
    static const char *const names[] = {"auto", "pgs", "duet", "plink2"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(arg, names[i])) {
            *f = (duet_weights_format_t)i;
            return DUET_OK;
        }
    duet_log_error("--format: expected auto, pgs, duet or plink2, got '%s'", arg);
    return DUET_EUSAGE;
}

static duet_err_t parse(int argc, char **argv, duet_score_run_t *run, duet_common_t *common,
                        const char **weights, const char **samples_path)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"weights", required_argument, NULL, OPT_WEIGHTS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"id-col", required_argument, NULL, OPT_ID_COL},
        {"allele-col", required_argument, NULL, OPT_ALLELE_COL},
        {"score-col-nums", required_argument, NULL, OPT_SCORE_COLS},
        {"match-id", no_argument, NULL, OPT_MATCH_ID},
        {"keep-ambiguous", no_argument, NULL, OPT_KEEP_AMBIGUOUS},
        {"no-mean-imputation", no_argument, NULL, OPT_NO_MEAN_IMPUTATION},
        {"min-overlap", required_argument, NULL, OPT_MIN_OVERLAP},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"dosage", no_argument, NULL, OPT_DOSAGE},
        {"block", required_argument, NULL, OPT_BLOCK},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    int opt;
    long v;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_VCF: run->score.vcf = optarg; break;
        case OPT_WEIGHTS:
            if (run->n_weights == MAX_WEIGHTS) {
                duet_log_error("--weights: at most %d files", MAX_WEIGHTS);
                return DUET_EUSAGE;
            }
            weights[run->n_weights++] = optarg;
            break;
        case OPT_FORMAT:
            if (parse_format(optarg, &run->read.format)) return DUET_EUSAGE;
            break;
        case OPT_ID_COL:
            if (duet_opts_parse_long("--id-col", optarg, 1, 100000, &v)) return DUET_EUSAGE;
            run->read.id_col = (int)v;
            break;
        case OPT_ALLELE_COL:
            if (duet_opts_parse_long("--allele-col", optarg, 1, 100000, &v)) return DUET_EUSAGE;
            run->read.allele_col = (int)v;
            break;
        case OPT_SCORE_COLS:
            if (parse_cols(optarg, &run->read)) return DUET_EUSAGE;
            break;
        case OPT_MATCH_ID: run->score.match_id = 1; break;
        case OPT_KEEP_AMBIGUOUS: run->score.keep_ambiguous = 1; break;
        case OPT_NO_MEAN_IMPUTATION: run->score.no_mean_imputation = 1; break;
        case OPT_MIN_OVERLAP:
            if (duet_opts_parse_double("--min-overlap", optarg, 0, 1, &run->min_overlap))
                return DUET_EUSAGE;
            break;
        case OPT_SAMPLES: *samples_path = optarg; break;
        case OPT_DOSAGE: run->score.dosage = 1; break;
        case OPT_BLOCK:
            if (duet_opts_parse_long("--block", optarg, 1, 1 << 16, &v)) return DUET_EUSAGE;
            run->score.block = (int)v;
            break;
        default: {
            int rc = duet_opts_common(common, opt, optarg);
            if (rc == DUET_OK) break;
            if (rc == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("score");
        }
        }
    }
    if (common->help) return DUET_OK;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return DUET_EUSAGE;
    }
    if (!run->score.vcf || !run->n_weights || !common->out) {
        duet_log_error("--vcf, --weights and -o/--out are required (see 'duet score -h')");
        return DUET_EUSAGE;
    }
    int cols[3] = {run->read.id_col, run->read.allele_col, run->read.score_col_first};
    if (cols[0] == cols[1] || (cols[2] <= cols[0] && cols[0] <= (run->read.score_col_last
                                   ? run->read.score_col_last : cols[2])) ||
        (cols[2] <= cols[1] && cols[1] <= (run->read.score_col_last ? run->read.score_col_last
                                                                     : cols[2]))) {
        duet_log_error("--id-col, --allele-col and --score-col-nums must name different columns");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

duet_err_t main_score(int argc, char **argv)
{
    duet_common_t common;
    duet_opts_init(&common);
    duet_score_run_t run;
    memset(&run, 0, sizeof run);
    duet_weights_read_opts_init(&run.read);
    duet_score_opts_init(&run.score, NULL);
    const char *weights[MAX_WEIGHTS];
    const char *samples_path = NULL;
    duet_err_t err = parse(argc, argv, &run, &common, weights, &samples_path);
    if (err) return err;
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    duet_opts_apply(&common);
    char **samples = NULL;
    int n_samples = 0;
    if (samples_path && (err = duet_geno_samples_read(samples_path, &samples, &n_samples)))
        return err;
    run.weights = weights;
    run.score.samples = (const char *const *)samples;
    run.score.n_samples = n_samples;
    run.score.threads = common.threads;
    run.out = common.out;
    run.force = common.force;
    run.no_version = common.no_version;
    err = duet_score_run(&run);
    duet_geno_samples_free(samples, n_samples);
    return err;
}
