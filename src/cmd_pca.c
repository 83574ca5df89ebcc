/*
 * cmd_pca.c -- `duet pca`: genotype principal components by randomized
 * block Krylov iteration (src/stats/pca.c, pca_geno.c), written as a covariate
 * table (P.eigenvec), eigenvalues (P.eigenval) and a run log with
 * provenance (P.pca.log), optionally with the list of variants used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/pca.h"
#include "duet/tsv.h"
#include "duet/version.h"

enum {
    OPT_VCF = DUET_OPT_FIRST_PRIVATE,
    OPT_MAF,
    OPT_LD_PRUNE,
    OPT_SAMPLES,
    OPT_REGION,
    OPT_OVERSAMPLE,
    OPT_ITERATIONS,
    OPT_TOL,
    OPT_WRITE_VARIANTS
};

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   Principal components of standardised genotypes (randomized SVD), as covariates.\n"
        "Usage:   duet pca --vcf FILE [-k INT] -o PREFIX [options]\n"
        "\n"
        "Input:\n"
        "        --vcf FILE             genotypes: VCF, VCF.gz or BCF (GT calls)\n"
        "        --samples FILE         keep these samples (one ID per line, or FID IID) [all]\n"
        "        --region REGION        chr, chr:beg-end (needs a CSI/TBI index) [whole file]\n"
        "Variants (autosomes only):\n"
        "        --maf FLOAT            minimum minor-allele frequency [0.01]\n"
        "        --ld-prune W,S,R2      window LD pruning as plink --indep-pairwise:\n"
        "                               W variants per window, step S, prune r^2 > R2 [off]\n"
        "Components:\n"
        "    -k, --pcs INT              number of principal components [10]\n"
        "        --oversample INT       extra basis vectors of the randomized SVD [10]\n"
        "        --iterations INT       maximum iterations (passes over the variants) [100]\n"
        "        --tol FLOAT            stop when residuals ||Gu - lu||/l1 are below this [1e-05]\n"
        "Output (PREFIX.eigenvec, PREFIX.eigenval, PREFIX.pca.log):\n"
        "        --write-variants       also write PREFIX.pca.variants, the variants used\n");
    duet_opts_usage_common(fp, DUET_USE_ALL, "PREFIX");
    fprintf(fp, "\n");
}

/* --ld-prune W,S,R2 */
static duet_err_t parse_ld(const char *arg, int *w, int *s, double *r2)
{
    char *end = NULL;
    long a = strtol(arg, &end, 10);
    if (end == arg || *end != ',') goto bad;
    const char *p = end + 1;
    long b = strtol(p, &end, 10);
    if (end == p || *end != ',') goto bad;
    p = end + 1;
    errno = 0;
    double r = strtod(p, &end);
    if (end == p || *end || errno) goto bad;
    if (a < 2 || a > 100000 || b < 1 || b > a || !(r > 0 && r < 1)) {
        duet_log_error("--ld-prune: need 2 <= W <= 100000, 1 <= S <= W and 0 < R2 < 1, got '%s'", arg);
        return DUET_EUSAGE;
    }
    *w = (int)a;
    *s = (int)b;
    *r2 = r;
    return DUET_OK;
bad:
    duet_log_error("--ld-prune expects WINDOW,STEP,R2 (for example 50,5,0.2), got '%s'", arg);
    return DUET_EUSAGE;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keep list in file order (*kept borrows names from `ids`). */
static duet_err_t match_samples(const char *vcf, const char *list, char **ids,
                                int n_ids, const char ***kept, int *n_kept)
{
    duet_geno_opts_t go;
    duet_geno_opts_init(&go, vcf);
    duet_geno_t *geno = NULL;
    duet_err_t err = duet_geno_open(&go, &geno);
    if (err) return err;
    qsort(ids, (size_t)n_ids, sizeof *ids, cmp_str);
    int nf = duet_geno_n_file_samples(geno), n = 0, found = 0;
    const char **out = duet_malloc((size_t)(nf > 0 ? nf : 1) * sizeof *out);
    if (!out) { duet_geno_close(geno); return DUET_ENOMEM; }
    for (int j = 0; j < nf; j++) {
        const char *name = duet_geno_file_sample(geno, j);
        char **hit = bsearch(&name, ids, (size_t)n_ids, sizeof *ids, cmp_str);
        if (hit) out[n++] = *hit;
    }
    /* Distinct IDs in the list, to report those the file lacks. */
    int distinct = 0;
    for (int i = 0; i < n_ids; i++)
        if (i == 0 || strcmp(ids[i], ids[i - 1])) distinct++;
    found = n;
    if (found < distinct)
        duet_log_warn("%s: %d of %d sample IDs are not in %s; ignored", list,
                      distinct - found, distinct, vcf);
    duet_geno_close(geno);
    if (n == 0) {
        duet_log_error("no sample of %s (%d IDs) is in %s (%d samples)", list,
                       distinct, vcf, nf);
        free(out);
        return DUET_EMISMATCH;
    }
    *kept = out;
    *n_kept = n;
    return DUET_OK;
}

/* --write-variants: one row per variant used. */
static duet_err_t on_variant(void *ctx, const char *chrom, int64_t pos,
                             const char *id, const char *ref, const char *alt,
                             double af)
{
    duet_out_t *o = ctx;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    duet_tsv_str(&row, chrom);
    duet_tsv_int(&row, pos);
    duet_tsv_str(&row, id);
    duet_tsv_str(&row, ref);
    duet_tsv_str(&row, alt);
    duet_tsv_double(&row, af, 6, "NA");
    duet_err_t err = duet_tsv_row_write(&row, o);
    duet_tsv_row_free(&row);
    return err;
}

static char *join(const char *prefix, const char *suffix)
{
    size_t n = strlen(prefix) + strlen(suffix) + 1;
    char *s = duet_malloc(n);
    if (s) snprintf(s, n, "%s%s", prefix, suffix);
    return s;
}

static duet_err_t write_results(const duet_common_t *common,
                                const duet_pca_geno_opts_t *po,
                                const duet_pca_result_t *r, const char *ld_arg,
                                duet_out_t *vec, duet_out_t *val, duet_out_t *log)
{
    duet_err_t err;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    int k = r->k;

    duet_tsv_str(&row, "#IID");
    for (int j = 0; j < k; j++) {
        char name[16];
        snprintf(name, sizeof name, "PC%d", j + 1);
        duet_tsv_str(&row, name);
    }
    if ((err = duet_tsv_row_write(&row, vec))) goto cleanup;
    for (int i = 0; i < r->n_samples; i++) {
        duet_tsv_str(&row, r->samples[i]);
        for (int j = 0; j < k; j++)
            duet_tsv_double(&row, r->vectors[(size_t)j * r->n_samples + i], 8, "NA");
        if ((err = duet_tsv_row_write(&row, vec))) goto cleanup;
    }
    for (int j = 0; j < k; j++) {
        duet_tsv_double(&row, r->values[j], 8, "NA");
        if ((err = duet_tsv_row_write(&row, val))) goto cleanup;
    }

    if (!common->no_version) {
        if ((err = duet_out_printf(log, "# %s\n# %s\n", duet_version_string(),
                                   duet_opts_cmdline())))
            goto cleanup;
    }
    err = duet_out_printf(log,
        "samples\t%d\n"
        "variants_read\t%lld\n"
        "variants_not_autosomal\t%lld\n"
        "variants_below_maf\t%lld\n"
        "variants_ld_pruned\t%lld\n"
        "variants_used\t%lld\n"
        "maf\t%g\n"
        "ld_prune\t%s\n"
        "components\t%d\n"
        "block_width\t%d\n"
        "basis_width\t%d\n"
        "seed\t%llu\n"
        "tolerance\t%g\n"
        "iterations\t%d\n"
        "products\t%lld\n"
        "converged\t%s\n"
        "genotypes\t%s\n"
        "#PC\teigenvalue\tvariance_explained\tresidual\n",
        r->n_samples, (long long)r->n_records, (long long)r->n_non_autosomal,
        (long long)r->n_maf_fail, (long long)r->n_ld_pruned,
        (long long)r->n_used, po->maf, ld_arg ? ld_arg : "off", k, r->width,
        r->capacity,
        (unsigned long long)po->pca.seed, po->pca.tol, r->passes, (long long)r->products,
        r->converged ? "yes" : "no", r->cached ? "cached in memory" : "read once per iteration");
    if (err) goto cleanup;
    for (int j = 0; j < k; j++) {
        char name[16];
        snprintf(name, sizeof name, "PC%d", j + 1);
        duet_tsv_str(&row, name);
        duet_tsv_double(&row, r->values[j], 8, "NA");
        duet_tsv_double(&row, r->explained[j], 6, "NA");
        duet_tsv_double(&row, r->residuals[j], 3, "NA");
        if ((err = duet_tsv_row_write(&row, log))) goto cleanup;
    }
cleanup:
    duet_tsv_row_free(&row);
    return err;
}

duet_err_t main_pca(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"vcf", required_argument, NULL, OPT_VCF},
        {"pcs", required_argument, NULL, 'k'},
        {"maf", required_argument, NULL, OPT_MAF},
        {"ld-prune", required_argument, NULL, OPT_LD_PRUNE},
        {"samples", required_argument, NULL, OPT_SAMPLES},
        {"region", required_argument, NULL, OPT_REGION},
        {"oversample", required_argument, NULL, OPT_OVERSAMPLE},
        {"iterations", required_argument, NULL, OPT_ITERATIONS},
        {"tol", required_argument, NULL, OPT_TOL},
        {"write-variants", no_argument, NULL, OPT_WRITE_VARIANTS},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    duet_common_t common;
    duet_opts_init(&common);
    duet_pca_geno_opts_t po;
    duet_pca_geno_opts_init(&po, NULL, 10);
    const char *samples_path = NULL, *ld_arg = NULL;
    int write_variants = 0;
    long lv;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:" DUET_COMMON_SHORTOPTS, lopts, NULL)) != -1) {
        switch (c) {
        case OPT_VCF: po.vcf = optarg; break;
        case 'k':
            if (duet_opts_parse_long("--pcs", optarg, 1, 1000, &lv)) return DUET_EUSAGE;
            po.pca.k = (int)lv;
            break;
        case OPT_MAF:
            if (duet_opts_parse_double("--maf", optarg, 0, 0.5, &po.maf)) return DUET_EUSAGE;
            break;
        case OPT_LD_PRUNE:
            if (parse_ld(optarg, &po.ld_window, &po.ld_step, &po.ld_r2)) return DUET_EUSAGE;
            ld_arg = optarg;
            break;
        case OPT_SAMPLES: samples_path = optarg; break;
        case OPT_REGION: po.region = optarg; break;
        case OPT_OVERSAMPLE:
            if (duet_opts_parse_long("--oversample", optarg, 0, 1000, &lv)) return DUET_EUSAGE;
            po.pca.oversample = (int)lv;
            break;
        case OPT_ITERATIONS:
            if (duet_opts_parse_long("--iterations", optarg, 1, 100000, &lv)) return DUET_EUSAGE;
            po.pca.max_iter = (int)lv;
            break;
        case OPT_TOL:
            if (duet_opts_parse_double("--tol", optarg, 1e-15, 1, &po.pca.tol)) return DUET_EUSAGE;
            break;
        case OPT_WRITE_VARIANTS: write_variants = 1; break;
        default: {
            int r = duet_opts_common(&common, c, optarg);
            if (r == DUET_OK) break;
            if (r == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("pca");
        }
        }
    }
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("pca");
    }
    if (!po.vcf || !common.out) {
        duet_log_error("--vcf and -o/--out are required");
        return duet_opts_bad("pca");
    }
    if (!strcmp(common.out, "-")) {
        duet_log_error("-o/--out is a prefix for several files; '-' is not allowed");
        return DUET_EUSAGE;
    }
    duet_opts_apply(&common);
    po.threads = common.threads;
    po.memory_mb = common.memory_mb;
    po.pca.seed = common.seed;

    duet_err_t err = DUET_OK;
    char *p_vec = join(common.out, ".eigenvec"), *p_val = join(common.out, ".eigenval");
    char *p_log = join(common.out, ".pca.log"), *p_var = join(common.out, ".pca.variants");
    duet_out_t *o_vec = NULL, *o_val = NULL, *o_log = NULL, *o_var = NULL;
    char **ids = NULL;
    int n_ids = 0;
    const char **kept = NULL;
    duet_pca_result_t *res = NULL;
    if (!p_vec || !p_val || !p_log || !p_var) { err = DUET_ENOMEM; goto cleanup; }

    /* Claim the outputs first: refuse to overwrite before any work. */
    if ((err = duet_out_create(p_vec, DUET_OUT_PLAIN, common.force, 1, &o_vec)) ||
        (err = duet_out_create(p_val, DUET_OUT_PLAIN, common.force, 1, &o_val)) ||
        (err = duet_out_create(p_log, DUET_OUT_PLAIN, common.force, 1, &o_log)))
        goto cleanup;
    if (write_variants) {
        if ((err = duet_out_create(p_var, DUET_OUT_PLAIN, common.force, 1, &o_var)))
            goto cleanup;
        if ((err = duet_out_puts(o_var, "#chromosome\tbase_pair_location\tvariant_id\t"
                                        "ref\talt\talt_frequency\n")))
            goto cleanup;
        po.on_variant = on_variant;
        po.ctx = o_var;
    }

    if (samples_path) {
        if ((err = duet_geno_samples_read(samples_path, &ids, &n_ids))) goto cleanup;
        int n_kept = 0;
        if ((err = match_samples(po.vcf, samples_path, ids, n_ids, &kept, &n_kept)))
            goto cleanup;
        po.samples = kept;
        po.n_samples = n_kept;
    }

    if ((err = duet_pca_geno_run(&po, &res))) goto cleanup;
    duet_log_info("%d components of %d samples x %lld variants in %d iteration%s",
                  res->k, res->n_samples, (long long)res->n_used, res->passes,
                  res->passes == 1 ? "" : "s");
    if ((err = write_results(&common, &po, res, ld_arg, o_vec, o_val, o_log))) goto cleanup;

    /* Close everything, then make everything visible. */
    if ((err = duet_out_close(o_vec, NULL)) || (err = duet_out_close(o_val, NULL)) ||
        (err = duet_out_close(o_log, NULL)) || (o_var && (err = duet_out_close(o_var, NULL))))
        goto cleanup;
    duet_out_t *all[4] = { o_vec, o_val, o_log, o_var };
    err = duet_out_publish_all(all, 4);

cleanup:
    duet_out_destroy(o_vec);
    duet_out_destroy(o_val);
    duet_out_destroy(o_log);
    duet_out_destroy(o_var);
    duet_pca_result_destroy(res);
    duet_geno_samples_free(ids, n_ids);
    free(kept);
    free(p_vec);
    free(p_val);
    free(p_log);
    free(p_var);
    return err;
}
