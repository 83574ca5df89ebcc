/*
 * tables.c -- the simulator's text outputs other than the OMOP export:
 * regenie gene-burden inputs (annotations.tsv, setlist.tsv, masks.txt),
 * the phenotype and covariate interchange tables (pheno.tsv, covar.tsv,
 * with the polygenic-only trait last when there is one),
 * the omics modality (omics.tsv) and the table of planted effects
 * (truth.tsv).  Fixed number formats and row orders, so the files are
 * byte-identical across runs and thread counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/tsv.h"
#include "duet/version.h"
#include "sim_internal.h"

duet_err_t sim_open(duet_outdir_t *dir, const char *name, duet_out_t **out)
{
    *out = NULL;
    const char *path = duet_outdir_file(dir, name);
    if (!path) return DUET_ENOMEM;
    return duet_out_create(path, DUET_OUT_PLAIN, 0, 1, out);
}

duet_err_t sim_open_table(duet_outdir_t *dir, const char *name, int no_version,
                          const char *header, duet_out_t **out)
{
    duet_err_t err = sim_open(dir, name, out);
    if (!err && !no_version)
        err = duet_out_printf(*out, "# %s\n# %s\n", duet_version_string(), duet_opts_cmdline());
    if (!err) err = duet_out_puts(*out, header);
    return err;
}

/* ------------------------------------------------------------------ */
/* regenie gene-burden inputs */

typedef struct {
    int gene;
    int first; /* first genic variant */
} set_t;

static const sim_cohort_t *sort_cohort;

static int cmp_set(const void *a, const void *b)
{
    const set_t *x = a, *y = b;
    const duet_sim_gene_t *gx = &sort_cohort->genes->genes[x->gene];
    const duet_sim_gene_t *gy = &sort_cohort->genes->genes[y->gene];
    if (gx->chrom != gy->chrom) return gx->chrom < gy->chrom ? -1 : 1;
    if (gx->start0 != gy->start0) return gx->start0 < gy->start0 ? -1 : 1;
    return strcmp(gx->symbol, gy->symbol);
}

duet_err_t sim_write_burden_inputs(sim_cohort_t *c, duet_outdir_t *dir)
{
    duet_err_t err;
    duet_out_t *anno = NULL, *setl = NULL, *masks = NULL;
    set_t *sets = NULL;
    int32_t *next = NULL, *first = NULL, *last = NULL;
    const duet_sim_genes_t *G = c->genes;
    char id[64];

    err = sim_open(dir, "annotations.tsv", &anno);
    if (err) goto cleanup;
    for (int v = 0; v < c->n_variants && !err; v++) {
        if (!c->var[v].genic) continue;
        sim_variant_id(c, v, id, sizeof id);
        err = duet_out_printf(anno, "%s\t%s\t%s\n", id, G->genes[c->var[v].gene].symbol,
                              sim_csq_name(c->var[v].csq));
    }
    if (!err) err = duet_out_commit(anno, NULL);
    if (err) goto cleanup;

    /* set list: genes with variants, by chromosome and start; each gene's
     * variants in position order (linked lists through `next`) */
    next = duet_malloc((size_t)c->n_variants * sizeof *next);
    first = duet_malloc((size_t)G->n * sizeof *first);
    last = duet_malloc((size_t)G->n * sizeof *last);
    sets = duet_malloc((size_t)G->n * sizeof *sets);
    if (!next || !first || !last || !sets) { err = DUET_ENOMEM; goto cleanup; }
    for (int g = 0; g < G->n; g++) first[g] = last[g] = -1;
    int n_sets = 0;
    for (int v = 0; v < c->n_variants; v++) {
        if (!c->var[v].genic) continue;
        int g = c->var[v].gene;
        next[v] = -1;
        if (first[g] < 0) {
            first[g] = v;
            sets[n_sets++] = (set_t){ g, v };
        } else {
            next[last[g]] = v;
        }
        last[g] = v;
    }
    sort_cohort = c;
    qsort(sets, (size_t)n_sets, sizeof *sets, cmp_set);
    err = sim_open(dir, "setlist.tsv", &setl);
    if (err) goto cleanup;
    for (int s = 0; s < n_sets && !err; s++) {
        const duet_sim_gene_t *g = &G->genes[sets[s].gene];
        err = duet_out_printf(setl, "%s %d %lld ", g->symbol, g->chrom, (long long)g->start0 + 1);
        for (int v = sets[s].first; v >= 0 && !err; v = next[v]) {
            sim_variant_id(c, v, id, sizeof id);
            err = duet_out_printf(setl, "%s%s", id, next[v] >= 0 ? "," : "\n");
        }
    }
    if (!err) err = duet_out_commit(setl, NULL);
    if (err) goto cleanup;

    err = sim_open(dir, "masks.txt", &masks);
    if (!err) err = duet_out_puts(masks, "M1\tpLoF\nM2\tpLoF,missense\nM3\tpLoF,missense,synonymous\n");
    if (!err) err = duet_out_commit(masks, NULL);

cleanup:
    duet_out_destroy(anno);
    duet_out_destroy(setl);
    duet_out_destroy(masks);
    free(sets);
    free(next);
    free(first);
    free(last);
    return err;
}

/* ------------------------------------------------------------------ */
/* pheno.tsv, covar.tsv */

#define N_PCS 10

duet_err_t sim_write_pheno_covar(sim_cohort_t *c, duet_outdir_t *dir)
{
    const int N = c->n_samples;
    duet_err_t err;
    duet_out_t *ph = NULL, *cv = NULL;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    char name[32];

    err = sim_open(dir, "pheno.tsv", &ph);
    if (err) goto cleanup;
    duet_tsv_str(&row, "IID");
    for (int t = 0; t < sim_n_traits; t++) duet_tsv_str(&row, sim_traits[t].name);
    if (c->poly_y) duet_tsv_str(&row, DUET_SIM_POLYGENIC_NAME);
    err = duet_tsv_row_write(&row, ph);
    for (int i = 0; i < N && !err; i++) {
        sim_sample_name(c, i, name, sizeof name);
        duet_tsv_str(&row, name);
        for (int t = 0; t < sim_n_traits; t++) {
            if (sim_traits[t].binary) {
                int s = c->status[(size_t)t * N + i];
                duet_tsv_str(&row, s < 0 ? "NA" : s ? "1" : "0");
            } else {
                duet_tsv_fixed(&row, c->level[(size_t)t * N + i], 4, "NA");
            }
        }
        if (c->poly_y) duet_tsv_fixed(&row, c->poly_y[i], 4, "NA");
        err = duet_tsv_row_write(&row, ph);
    }
    if (!err) err = duet_out_commit(ph, NULL);
    if (err) goto cleanup;

    /* Ancestry-like components: the first two are the standardised
     * fractions of populations 1 and 2 plus a little noise; the others are
     * pure noise (as genotype PCs beyond the structure are). */
    double mean[2] = { 0, 0 }, sd[2] = { 0, 0 };
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 2; k++) mean[k] += c->ancestry[(size_t)i * SIM_N_POPS + 1 + k];
    for (int k = 0; k < 2; k++) mean[k] /= N;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 2; k++) {
            double d = c->ancestry[(size_t)i * SIM_N_POPS + 1 + k] - mean[k];
            sd[k] += d * d;
        }
    for (int k = 0; k < 2; k++) sd[k] = sd[k] > 0 ? sqrt(sd[k] / N) : 1;

    err = sim_open(dir, "covar.tsv", &cv);
    if (err) goto cleanup;
    duet_tsv_str(&row, "IID");
    duet_tsv_str(&row, "sex");
    duet_tsv_str(&row, "age");
    for (int k = 1; k <= N_PCS; k++) {
        char pc[16];
        snprintf(pc, sizeof pc, "PC%d", k);
        duet_tsv_str(&row, pc);
    }
    err = duet_tsv_row_write(&row, cv);
    for (int i = 0; i < N && !err; i++) {
        duet_rng_t r;
        duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_COVAR, 0, (uint64_t)i));
        sim_sample_name(c, i, name, sizeof name);
        duet_tsv_str(&row, name);
        duet_tsv_int(&row, c->male[i]);
        duet_tsv_fixed(&row, c->age[i], 2, "NA");
        for (int k = 0; k < N_PCS; k++) {
            double e = duet_rng_normal(&r);
            double pc = k < 2 ? (c->ancestry[(size_t)i * SIM_N_POPS + 1 + k] - mean[k]) / sd[k] + 0.05 * e : e;
            duet_tsv_fixed(&row, pc, 6, "NA");
        }
        err = duet_tsv_row_write(&row, cv);
    }
    if (!err) err = duet_out_commit(cv, NULL);

cleanup:
    duet_tsv_row_free(&row);
    duet_out_destroy(ph);
    duet_out_destroy(cv);
    return err;
}

/* ------------------------------------------------------------------ */
/* omics.tsv */

/* Residual SD of feature f: what its inputs (trait levels and liabilities,
 * each of about unit variance, age per decade, the batch factor) leave of
 * a unit variance; sex is a shift outside the budget. */
static double omic_noise_sd(const sim_omic_t *f)
{
    double v = f->age10 * f->age10 + f->tech * f->tech;
    for (int l = 0; l < f->n_loads; l++) v += f->loads[l].load * f->loads[l].load;
    return sqrt(v < 0.9 ? 1.0 - v : 0.1);
}

duet_err_t sim_write_omics(sim_cohort_t *c, duet_outdir_t *dir)
{
    const int N = c->n_samples;
    duet_err_t err;
    duet_out_t *out = NULL;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    char name[32];

    err = sim_open(dir, "omics.tsv", &out);
    if (err) goto cleanup;
    duet_tsv_str(&row, "IID");
    for (int f = 0; f < sim_n_omics; f++) duet_tsv_str(&row, sim_omics[f].name);
    err = duet_tsv_row_write(&row, out);
    for (int i = 0; i < N && !err; i++) {
        duet_rng_t r;
        duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_OMICS, 0, (uint64_t)i));
        double batch = duet_rng_normal(&r);
        sim_sample_name(c, i, name, sizeof name);
        duet_tsv_str(&row, name);
        for (int f = 0; f < sim_n_omics; f++) {
            const sim_omic_t *o = &sim_omics[f];
            double x = o->age10 * (c->age[i] - 50.0) / 10.0 + o->male * c->male[i] + o->tech * batch;
            for (int l = 0; l < o->n_loads; l++) {
                int t = o->loads[l].trait;
                double v = c->z[(size_t)t * N + i];
                if (sim_traits[t].binary) /* the latent liability, standardised */
                    v = c->status[(size_t)t * N + i] < 0 ? 0 : (v - c->eta_mean[t]) / c->eta_sd[t];
                x += o->loads[l].load * v;
            }
            double e = duet_rng_normal(&r), u = duet_rng_uniform(&r);
            double value = o->mean + o->sd * (x + omic_noise_sd(o) * e);
            duet_tsv_fixed(&row, u < SIM_OMICS_NA ? NAN : value, o->decimals, "NA");
        }
        err = duet_tsv_row_write(&row, out);
    }
    if (!err) err = duet_out_commit(out, NULL);
cleanup:
    duet_tsv_row_free(&row);
    duet_out_destroy(out);
    return err;
}

/* ------------------------------------------------------------------ */
/* truth.tsv */

typedef struct {
    const char *trait, *kind, *source, *target, *gene;
    double effect;      /* NaN: NA */
    const char *scale;
    double freq;        /* NaN: NA */
    long n;             /* < 0: NA */
    const char *phecode, *icd10, *icd9;
    int concept_id, unit_concept_id; /* 0: NA */
    const char *note;
} truth_row_t;

static duet_err_t truth_write(duet_out_t *out, duet_tsv_row_t *row, const truth_row_t *t)
{
    duet_tsv_str(row, t->trait);
    duet_tsv_str(row, t->kind);
    duet_tsv_str(row, t->source);
    duet_tsv_str(row, t->target ? t->target : "NA");
    duet_tsv_str(row, t->gene ? t->gene : "NA");
    duet_tsv_fixed(row, t->effect, 6, "NA");
    duet_tsv_str(row, t->scale ? t->scale : "NA");
    duet_tsv_double(row, t->freq, 6, "NA");
    if (t->n >= 0) duet_tsv_int(row, t->n);
    else duet_tsv_str(row, "NA");
    duet_tsv_str(row, t->phecode ? t->phecode : "NA");
    duet_tsv_str(row, t->icd10 ? t->icd10 : "NA");
    duet_tsv_str(row, t->icd9 ? t->icd9 : "NA");
    if (t->concept_id) duet_tsv_int(row, t->concept_id);
    else duet_tsv_str(row, "NA");
    if (t->unit_concept_id) duet_tsv_int(row, t->unit_concept_id);
    else duet_tsv_str(row, "NA");
    duet_tsv_str(row, t->note ? t->note : "NA");
    return duet_tsv_row_write(row, out);
}

static void join_codes(const char *const *list, char *buf, size_t size)
{
    buf[0] = 0;
    for (int k = 0; k < SIM_MAX_CODES && list[k]; k++) {
        if (k) strncat(buf, ",", size - strlen(buf) - 1);
        strncat(buf, list[k], size - strlen(buf) - 1);
    }
}

/* Rows name only the fields they fill; the rest default to NA.  The
 * defaults are overridden by designated initializers on purpose.  Each
 * writer below has `out`, `row` (a pointer), `err` and a `cleanup` label. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Woverride-init"
#endif
#define ROW(...)                                                             \
    do {                                                                     \
        truth_row_t r_ = { .effect = NAN, .freq = NAN, .n = -1, __VA_ARGS__ }; \
        err = truth_write(out, row, &r_);                                    \
        if (err) goto cleanup;                                               \
    } while (0)

/* The cohort: realised counts. */
static duet_err_t truth_cohort(const sim_cohort_t *c, duet_out_t *out, duet_tsv_row_t *row)
{
    const int N = c->n_samples;
    duet_err_t err = DUET_OK;
    long n_male = 0, n_genic = 0, n_rare = 0, n_genes = 0, n_missing = 0;
    for (int i = 0; i < N; i++) n_male += c->male[i];
    for (int v = 0; v < c->n_variants; v++) {
        const sim_variant_t *x = &c->var[v];
        n_genic += x->genic;
        double af = x->an ? (double)x->ac / x->an : 0;
        n_rare += (af < 0.5 ? af : 1 - af) < DUET_SIM_RARE_MAF;
        n_missing += (long)N - x->an / 2;
    }
    for (int g = 0; g < c->genes->n; g++) n_genes += c->gene_n_variants[g] > 0;
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "samples", .n = N);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "males", .n = n_male);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "variants", .n = c->n_variants);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "genic_variants", .n = n_genic);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "genes_with_variants", .n = n_genes);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "ld_blocks", .n = c->n_blocks);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "rare_variants",
        .freq = (double)n_rare / c->n_variants, .n = n_rare, .note = "realised MAF < 0.01");
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "missing_genotypes",
        .freq = (double)n_missing / ((double)N * c->n_variants), .n = n_missing);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "visits", .n = c->n_visits);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "condition_rows", .n = c->n_conditions);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "measurement_rows", .n = c->n_measurements);
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "background_phecodes", .n = c->bg.n,
        .note = "phecode 1.2 diagnoses without genetic effect; see background.tsv");
    ROW(.trait = "cohort", .kind = "cohort", .source = "count", .target = "background_condition_rows",
        .n = c->n_bg_conditions);
cleanup:
    return err;
}

/* A disease's definition and counts. */
static duet_err_t truth_disease(const sim_cohort_t *c, int t, duet_out_t *out, duet_tsv_row_t *row)
{
    const sim_trait_t *tr = &sim_traits[t];
    duet_err_t err = DUET_OK;
    char buf[256], buf2[256];
    join_codes(tr->icd10, buf, sizeof buf);
    join_codes(tr->icd9, buf2, sizeof buf2);
    int ne = c->n_eligible[t], nc = c->n_cases[t];
    ROW(.trait = tr->name, .kind = "binary", .source = "definition", .target = tr->label,
        .effect = c->intercept[t], .scale = "intercept_log_odds",
        .freq = ne ? (double)nc / ne : NAN, .n = nc, .phecode = tr->phecode, .icd10 = buf,
        .icd9 = buf2, .note = tr->sex_only == SIM_SEX_FEMALE ? "females only" : NULL);
    ROW(.trait = tr->name, .kind = "binary", .source = "count", .target = "eligible", .n = ne);
    ROW(.trait = tr->name, .kind = "binary", .source = "count", .target = "cases", .n = nc);
    ROW(.trait = tr->name, .kind = "binary", .source = "count", .target = "controls", .n = ne - nc);
    ROW(.trait = tr->name, .kind = "binary", .source = "count", .target = "cases_2plus_dates",
        .n = c->n_cases_multi[t]);
    ROW(.trait = tr->name, .kind = "binary", .source = "count", .target = "cases_1_date",
        .n = c->n_cases_single[t]);
    ROW(.trait = tr->name, .kind = "binary", .source = "count", .target = "controls_1_code",
        .n = c->n_rule_out[t], .note = "rule-out code on one visit");
cleanup:
    return err;
}

/* A measurement's definition, units, counts and noise. */
static duet_err_t truth_level(const sim_cohort_t *c, int t, duet_out_t *out, duet_tsv_row_t *row)
{
    const sim_trait_t *tr = &sim_traits[t];
    const char *kind = "quantitative";
    duet_err_t err = DUET_OK;
    char buf[256];
    ROW(.trait = tr->name, .kind = kind, .source = "definition", .target = tr->label,
        .effect = tr->mean, .scale = tr->unit, .concept_id = tr->concept_id,
        .unit_concept_id = tr->unit_concept_id, .note = tr->loinc);
    ROW(.trait = tr->name, .kind = kind, .source = "sd", .effect = tr->sd, .scale = tr->unit);
    snprintf(buf, sizeof buf, "%g-%g", tr->lo, tr->hi);
    ROW(.trait = tr->name, .kind = kind, .source = "range", .target = buf, .scale = tr->unit,
        .note = "levels clamped to this range");
    ROW(.trait = tr->name, .kind = kind, .source = "count", .target = "measured_persons",
        .n = c->n_measured[t]);
    ROW(.trait = tr->name, .kind = kind, .source = "count", .target = "measurement_rows",
        .n = c->n_meas_rows[t]);
    if (tr->alt_unit_concept_id) {
        if (tr->alt_shift != 0)
            snprintf(buf, sizeof buf, "%s=(x-%g)*%g", tr->alt_unit, tr->alt_shift, tr->alt_scale);
        else snprintf(buf, sizeof buf, "%s=x*%g", tr->alt_unit, tr->alt_scale);
        ROW(.trait = tr->name, .kind = kind, .source = "alt_unit", .target = buf,
            .effect = tr->alt_scale, .freq = SIM_ALT_UNIT_FRACTION, .n = c->n_alt_unit[t],
            .concept_id = tr->concept_id, .unit_concept_id = tr->alt_unit_concept_id);
    }
    ROW(.trait = tr->name, .kind = kind, .source = "impossible", .target = "negative_or_x100",
        .freq = SIM_IMPOSSIBLE_FRACTION, .n = c->n_impossible[t]);
    ROW(.trait = tr->name, .kind = kind, .source = "within_person_sd", .effect = tr->within_sd,
        .scale = "sd");
cleanup:
    return err;
}

/* Effects of sex, age, ancestry and earlier traits; the residual. */
static duet_err_t truth_covariates(int t, duet_out_t *out, duet_tsv_row_t *row)
{
    const sim_trait_t *tr = &sim_traits[t];
    const char *kind = tr->binary ? "binary" : "quantitative";
    const char *scale = tr->binary ? "log_odds" : "sd";
    duet_err_t err = DUET_OK;
    char buf[256];
    if (tr->male != 0)
        ROW(.trait = tr->name, .kind = kind, .source = "sex", .target = "male", .effect = tr->male, .scale = scale);
    if (tr->age10 != 0)
        ROW(.trait = tr->name, .kind = kind, .source = "age", .target = "per_10_years_from_50",
            .effect = tr->age10, .scale = scale);
    for (int k = 0; k < SIM_N_POPS; k++) {
        if (tr->anc[k] == 0) continue;
        snprintf(buf, sizeof buf, "pop%d_fraction", k);
        ROW(.trait = tr->name, .kind = kind, .source = "ancestry", .target = buf, .effect = tr->anc[k],
            .scale = scale, .note = "PC1/PC2 of covar.tsv track pop1/pop2");
    }
    for (int l = 0; l < tr->n_links; l++) {
        const sim_trait_t *src = &sim_traits[tr->links[l].trait];
        ROW(.trait = tr->name, .kind = kind, .source = "trait", .target = src->name,
            .effect = tr->links[l].effect, .scale = scale,
            .note = src->binary ? "per case" : "per SD of the level");
    }
    if (!tr->binary)
        ROW(.trait = tr->name, .kind = kind, .source = "residual", .effect = tr->residual_sd, .scale = "sd");
cleanup:
    return err;
}

/* The burden gene: direct, or through a link to its trait. */
static duet_err_t truth_burden(const sim_cohort_t *c, int t, duet_out_t *out, duet_tsv_row_t *row)
{
    const int N = c->n_samples;
    const sim_trait_t *tr = &sim_traits[t];
    const char *kind = tr->binary ? "binary" : "quantitative";
    const char *scale = tr->binary ? "log_odds" : "sd";
    duet_err_t err = DUET_OK;
    char buf[256], buf2[256];
    double via = t == sim_burden.trait ? 1.0 : 0.0;
    for (int l = 0; l < tr->n_links; l++)
        if (tr->links[l].trait == sim_burden.trait) via = tr->links[l].effect;
    if (via == 0) return DUET_OK;
    for (int k = 0; k < 2; k++) {
        int csq = k == 0 ? SIM_CSQ_PLOF : SIM_CSQ_MISSENSE;
        double eff = (k == 0 ? sim_burden.plof : sim_burden.missense) * via;
        uint64_t ac = 0, an = 0;
        int n_var = 0;
        for (int v = 0; v < c->n_variants; v++) {
            if (c->var[v].role != SIM_ROLE_BURDEN || c->var[v].csq != csq) continue;
            ac += c->var[v].ac;
            an += c->var[v].an;
            n_var++;
        }
        long carriers = 0;
        for (int i = 0; i < N; i++) carriers += (k == 0 ? c->n_plof[i] : c->n_missense[i]) > 0;
        snprintf(buf, sizeof buf, "%s:%s", c->burden_symbol, sim_csq_name(csq));
        if (t == sim_burden.trait)
            snprintf(buf2, sizeof buf2, "%d variants, MAF < %g, per allele; carriers in n", n_var,
                     sim_burden.max_maf);
        else
            snprintf(buf2, sizeof buf2, "through %s (%g x %g)", sim_traits[sim_burden.trait].name,
                     via, k == 0 ? sim_burden.plof : sim_burden.missense);
        ROW(.trait = tr->name, .kind = kind, .source = "gene_burden", .target = buf,
            .gene = c->burden_symbol, .effect = eff, .scale = scale,
            .freq = an ? (double)ac / an : NAN, .n = carriers, .note = buf2);
    }
cleanup:
    return err;
}

/* A trait's causal variants: planted ones first, then the background. */
static duet_err_t truth_variants(const sim_cohort_t *c, int t, duet_out_t *out, duet_tsv_row_t *row)
{
    const sim_trait_t *tr = &sim_traits[t];
    const char *kind = tr->binary ? "binary" : "quantitative";
    const char *scale = tr->binary ? "log_odds" : "sd";
    duet_err_t err = DUET_OK;
    char id[64], buf2[256];
    for (int pass = 1; pass >= 0; pass--) {
        for (int e = 0; e < c->n_eff; e++) {
            const sim_effect_t *x = &c->eff[e];
            if (x->trait != t || x->planted != pass) continue;
            const sim_variant_t *v = &c->var[x->variant];
            sim_variant_id(c, x->variant, id, sizeof id);
            const char *like = pass ? sim_traits[t].planted[v->role_index].like : NULL;
            if (like) snprintf(buf2, sizeof buf2, "%s-like", like);
            ROW(.trait = tr->name, .kind = kind, .source = pass ? "variant" : "polygenic", .target = id,
                .gene = v->genic ? c->genes->genes[v->gene].symbol : NULL,
                .effect = (double)x->effect_q / SIM_EFFECT_SCALE, .scale = scale,
                .freq = v->an ? (double)v->ac / v->an : NAN, .n = v->ac, .note = like ? buf2 : NULL);
        }
    }
cleanup:
    return err;
}

/* The polygenic-only trait: its definition, h2 planned and realised, and
 * each causal variant twice, per ALT allele (as the catalogue's variants,
 * for scoring) and per SD of the ALT count. */
static duet_err_t truth_polygenic(const sim_cohort_t *c, duet_out_t *out, duet_tsv_row_t *row)
{
    const char *name = DUET_SIM_POLYGENIC_NAME, *kind = "quantitative";
    const double h2 = c->opts->polygenic_h2;
    duet_err_t err = DUET_OK;
    char id[64];
    ROW(.trait = name, .kind = kind, .source = "definition", .target = "polygenic trait", .effect = 0,
        .scale = "sd", .note = "GCTA --simu-qt: y = g + e; var(g) = h2 in the sample; e ~ N(0, 1 - h2)");
    ROW(.trait = name, .kind = kind, .source = "h2", .target = "planned", .effect = h2, .scale = "var_g/var_y");
    ROW(.trait = name, .kind = kind, .source = "h2", .target = "realised", .effect = c->poly_h2,
        .scale = "var_g/var_y", .n = c->n_samples, .note = "sample variances over all persons");
    ROW(.trait = name, .kind = kind, .source = "count", .target = "causal_variants", .n = c->poly_n_causal,
        .note = "common variants (target MAF >= 0.01) not planted");
    ROW(.trait = name, .kind = kind, .source = "scale", .target = "effects", .effect = c->poly_scale,
        .note = "N(0, h2/M) draws times this: var(g) = h2");
    ROW(.trait = name, .kind = kind, .source = "residual", .effect = sqrt(1.0 - h2), .scale = "sd");
    for (int pass = 0; pass < 2; pass++) {
        for (int e = 0; e < c->n_eff; e++) {
            const sim_effect_t *x = &c->eff[e];
            if (x->trait != c->poly_trait) continue;
            const sim_variant_t *v = &c->var[x->variant];
            const char *gene = v->genic ? c->genes->genes[v->gene].symbol : NULL;
            double per_allele = c->poly_scale * (double)x->effect_q / SIM_EFFECT_SCALE;
            double p = v->true_ac / (2.0 * c->n_samples);
            sim_variant_id(c, x->variant, id, sizeof id);
            if (pass == 0)
                ROW(.trait = name, .kind = kind, .source = "polygenic", .target = id, .gene = gene,
                    .effect = per_allele, .scale = "sd", .freq = v->an ? (double)v->ac / v->an : NAN, .n = v->ac);
            else
                ROW(.trait = name, .kind = kind, .source = "polygenic_std", .target = id, .gene = gene,
                    .effect = per_allele * sqrt(2.0 * p * (1.0 - p)), .scale = "sd_per_sd_of_alt_count", .freq = p,
                    .n = v->true_ac, .note = "freq, n: true ALT alleles, missing calls included");
        }
    }
cleanup:
    return err;
}

/* An omics feature's definition and loadings. */
static duet_err_t truth_omic(const sim_omic_t *o, duet_out_t *out, duet_tsv_row_t *row)
{
    duet_err_t err = DUET_OK;
    ROW(.trait = o->name, .kind = "omics", .source = "definition", .effect = o->mean, .scale = "mean",
        .freq = SIM_OMICS_NA, .note = "freq: share of NA");
    ROW(.trait = o->name, .kind = "omics", .source = "sd", .effect = o->sd, .scale = "sd");
    for (int l = 0; l < o->n_loads; l++) {
        const sim_trait_t *src = &sim_traits[o->loads[l].trait];
        ROW(.trait = o->name, .kind = "omics", .source = "trait", .target = src->name,
            .effect = o->loads[l].load, .scale = "sd",
            .note = src->binary ? "per SD of the liability" : "per SD of the level");
    }
    if (o->age10 != 0)
        ROW(.trait = o->name, .kind = "omics", .source = "age", .target = "per_10_years_from_50",
            .effect = o->age10, .scale = "sd");
    if (o->male != 0)
        ROW(.trait = o->name, .kind = "omics", .source = "sex", .target = "male", .effect = o->male, .scale = "sd");
    ROW(.trait = o->name, .kind = "omics", .source = "batch", .effect = o->tech, .scale = "sd",
        .note = "per-person assay factor shared by all features");
    ROW(.trait = o->name, .kind = "omics", .source = "residual", .effect = omic_noise_sd(o), .scale = "sd");
cleanup:
    return err;
}

duet_err_t sim_write_truth(sim_cohort_t *c, duet_outdir_t *dir)
{
    duet_err_t err;
    duet_out_t *out = NULL;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);

    err = sim_open_table(dir, "truth.tsv", c->opts->no_version,
                         "trait\tkind\tsource\ttarget\tgene\teffect\tscale\tfreq\tn\t"
                         "phecode\ticd10\ticd9\tconcept_id\tunit_concept_id\tnote\n", &out);
    if (!err) err = truth_cohort(c, out, &row);
    for (int t = 0; t < sim_n_traits && !err; t++) {
        err = sim_traits[t].binary ? truth_disease(c, t, out, &row) : truth_level(c, t, out, &row);
        if (!err) err = truth_covariates(t, out, &row);
        if (!err) err = truth_burden(c, t, out, &row);
        if (!err) err = truth_variants(c, t, out, &row);
    }
    if (!err && c->poly_trait >= 0) err = truth_polygenic(c, out, &row);
    for (int f = 0; f < sim_n_omics && !err; f++) err = truth_omic(&sim_omics[f], out, &row);
    if (!err) err = duet_out_commit(out, NULL);

    duet_tsv_row_free(&row);
    duet_out_destroy(out);
    return err;
}
