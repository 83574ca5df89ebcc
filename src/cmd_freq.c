/*
 * cmd_freq.c -- `duet freq`: per-variant ALT allele frequency and call
 * counts of the kept samples (plink2 --freq and --missing in one table),
 * read with the genotype reader: records fetched in file order, blocks
 * decoded in parallel (duet_geno_scan), rows written in file order, so that
 * the output is byte-identical for any --threads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/progress.h"
#include "duet/tsv.h"
#include "duet/version.h"

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_SAMPLES,
    OPT_REGION,
    OPT_CHUNK,
    OPT_DOSAGE,
    OPT_BLOCK
};

#define FREQ_SUFFIX ".afreq.tsv"

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   Allele frequency and missingness of each variant (ALT allele), over the kept samples.\n"
        "Usage:   duet freq --vcf FILE -o PREFIX [options]\n"
        "\n"
        "Input:\n"
        "        --vcf FILE             genotypes: VCF, VCF.gz or BCF\n"
        "        --samples FILE         keep these samples, in any order: one ID per line, or a\n"
        "                               #IID / #FID IID table (.psam), or FID IID (.fam) [all]\n"
        "        --region REGION        chr or chr:beg-end, through the CSI/TBI index [whole file]\n"
        "        --chunk K/N            chunk K of N of the file by record count (index) [whole file]\n"
        "        --dosage               count FORMAT/DS dosages (GT where a record has none) [GT]\n"
        "        --block INT            variants per decoded block [16]\n"
        "\n");
    duet_sex_cli_usage(fp, 0);
    fprintf(fp,
        "Output:\n"
        "        PREFIX" FREQ_SUFFIX "       one row per ALT allele; '-o -' writes it to stdout\n");
    duet_opts_usage_common(fp,
                           DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "PREFIX");
    fprintf(fp, "\n");
}

typedef struct {
    duet_out_t *out;
    duet_tsv_row_t row;
    duet_progress_t *progress;
} freq_ctx_t;

/* An allele count: exact as an integer (GT counts always are), otherwise
 * (DS sums of 32-bit floats) to 7 significant digits, float precision. */
static void put_count(duet_tsv_row_t *row, double v)
{
    if (v == (double)(int64_t)v && fabs(v) < 9e15) duet_tsv_int(row, (int64_t)v);
    else duet_tsv_double(row, v, 7, "#NA");
}

/* Rows of one decoded block, in order (runs on one thread at a time). */
static duet_err_t emit_block(duet_geno_block_t *block, void *arg)
{
    freq_ctx_t *ctx = arg;
    duet_tsv_row_t *row = &ctx->row;
    for (int j = 0; j < block->n_variants; j++) {
        const duet_variant_t *v = &block->variants[j];
        duet_tsv_str(row, v->chrom);
        duet_tsv_int(row, v->pos);
        duet_tsv_str(row, strcmp(v->id, ".") ? v->id : "#NA");
        duet_tsv_str(row, v->alt);
        duet_tsv_str(row, v->ref);
        /* alleles as plink2 --freq counts them (a hemizygous male once) */
        double other = v->n_alleles_obs - v->alt_alleles;
        duet_tsv_double(row, v->allele_freq, 8, "#NA");
        duet_tsv_int(row, v->n_called);
        duet_tsv_int(row, v->n_missing);
        put_count(row, v->alt_alleles);
        put_count(row, v->alt_alleles < other ? v->alt_alleles : other);
        duet_err_t err = duet_tsv_row_write(row, ctx->out);
        if (err) return err;
    }
    if (block->n_variants > 0)
        duet_progress_update(ctx->progress, block->variants[block->n_variants - 1].record + 1);
    return DUET_OK;
}

duet_err_t main_freq(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"region", required_argument, NULL, OPT_REGION},
        {"chunk", required_argument, NULL, OPT_CHUNK},
        {"dosage", no_argument, NULL, OPT_DOSAGE},
        {"block", required_argument, NULL, OPT_BLOCK},
        DUET_SEX_LONGOPTS,
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}};
    duet_common_t common;
    duet_opts_init(&common);
    duet_sex_cli_t sexo;
    duet_sex_cli_init(&sexo);
    const char *vcf = NULL, *samples_path = NULL, *region = NULL;
    int chunk_k = 0, chunk_n = 0, dosage = 0;
    long block = 16;
    duet_err_t err = DUET_OK;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (duet_sex_cli_parse(&sexo, opt, optarg, &err)) {
            if (err) return err;
            continue;
        }
        switch (opt) {
        case OPT_VCF: vcf = optarg; break;
        case OPT_SAMPLES: samples_path = optarg; break;
        case OPT_REGION: region = optarg; break;
        case OPT_CHUNK:
            if (duet_geno_chunk_parse(optarg, &chunk_k, &chunk_n)) return DUET_EUSAGE;
            break;
        case OPT_DOSAGE: dosage = 1; break;
        case OPT_BLOCK:
            if (duet_opts_parse_long("--block", optarg, 1, 1 << 20, &block)) return DUET_EUSAGE;
            break;
        default: {
            int rc = duet_opts_common(&common, opt, optarg);
            if (rc == DUET_OK) break;
            if (rc == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("freq");
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
    if (!vcf || !common.out) {
        duet_log_error("--vcf and -o/--out are required (see 'duet freq -h')");
        return DUET_EUSAGE;
    }
    if (region && chunk_n) {
        duet_log_error("--region and --chunk cannot be combined");
        return DUET_EUSAGE;
    }
    duet_opts_apply(&common);

    char **samples = NULL;
    int n_samples = 0;
    char *path = NULL;
    duet_geno_t *geno = NULL;
    duet_sex_table_t *sex = NULL;
    freq_ctx_t ctx = {0};
    duet_tsv_row_init(&ctx.row);

    if (samples_path && (err = duet_geno_samples_read(samples_path, &samples, &n_samples)))
        goto cleanup;
    if (sexo.sex_path && (err = duet_sex_table_read(sexo.sex_path, &sex))) goto cleanup;
    duet_geno_opts_t go;
    duet_geno_opts_init(&go, vcf);
    go.samples = (const char *const *)samples;
    go.n_samples = n_samples;
    go.region = region;
    go.chunk_k = chunk_k;
    go.chunk_n = chunk_n;
    go.field = dosage ? DUET_GENO_DS : DUET_GENO_GT;
    go.sex = sex;
    go.par = sexo.par;
    go.warn_no_sex = 1;
    /* Up to 3 threads, decompression stays on the fetching thread and the
     * others decode (an htslib thread pool costs more than it saves there,
     * bench/reader.sh); from 4 on, half as many htslib threads inflate
     * BGZF blocks ahead of the fetcher, which is then the bottleneck. */
    go.threads = common.threads >= 4 ? common.threads / 2 : 1;
    if ((err = duet_geno_open(&go, &geno))) goto cleanup;

    if (strcmp(common.out, "-") == 0) {
        path = strdup("-");
    } else {
        path = malloc(strlen(common.out) + sizeof FREQ_SUFFIX);
        if (path) sprintf(path, "%s%s", common.out, FREQ_SUFFIX);
    }
    if (!path) {
        err = duet_log_oom(strlen(common.out) + sizeof FREQ_SUFFIX);
        goto cleanup;
    }
    if ((err = duet_out_create(path, DUET_OUT_PLAIN, common.force, 1, &ctx.out))) goto cleanup;
    if (!common.no_version) {
        if ((err = duet_out_printf(ctx.out, "## %s\n## command: %s\n", duet_version_string(),
                                   duet_opts_cmdline())))
            goto cleanup;
    }
    if ((err = duet_out_puts(ctx.out, "chromosome\tbase_pair_location\tvariant_id\teffect_allele\t"
                                      "other_allele\talt_allele_freq\tn_called\tn_missing\t"
                                      "alt_allele_count\tminor_allele_count\n")))
        goto cleanup;

    duet_log_info("%s: %d of %d samples, %s", vcf, duet_geno_n_samples(geno),
                  duet_geno_n_file_samples(geno), dosage ? "DS dosages" : "GT calls");
    if (sex) {
        int nm = 0, nf = 0, nu = 0;
        for (int i = 0; i < duet_geno_n_samples(geno); i++) {
            duet_sex_t s = duet_sex_table_get(sex, duet_geno_sample(geno, i));
            nm += s == DUET_SEX_MALE;
            nf += s == DUET_SEX_FEMALE;
            nu += s == DUET_SEX_UNKNOWN;
        }
        duet_log_info("sex from %s: %d males, %d females, %d unknown; chrX PARs %s",
                      sexo.sex_path, nm, nf, nu, sexo.par.name);
    }
    ctx.progress = duet_progress_create("records", duet_geno_n_records_hint(geno));
    duet_geno_scan_t scan = {(int)block, 2 * common.threads + 2, common.threads, NULL,
                             emit_block, &ctx};
    err = duet_geno_scan(geno, &scan);
    duet_progress_destroy(ctx.progress);
    ctx.progress = NULL;
    if (err) goto cleanup;
    err = duet_out_commit(ctx.out, NULL);

cleanup:
    duet_progress_destroy(ctx.progress);
    duet_out_destroy(ctx.out);
    duet_tsv_row_free(&ctx.row);
    duet_geno_close(geno);
    duet_sex_table_destroy(sex);
    duet_geno_samples_free(samples, n_samples);
    free(path);
    return err;
}
