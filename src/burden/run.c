/*
 * run.c -- `duet burden`'s run (burden.h, duet_burden_run): the gene sets
 * (regenie's files or the VCF's consequences), the traits through the
 * shared loader (traitset.h: a phenotype table or every phecode of the
 * store), the models of the autosomes, chrX and chrY genes, one pass over
 * the VCF in which each gene is tested as soon as its variants have been
 * read (genes in parallel, rows in the order the genes completed, so that
 * the output does not depend on --threads), P.burden.tsv.gz and P.log.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <htslib/kstring.h>

#include "duet/bintest.h"
#include "duet/burden.h"
#include "duet/dist.h"
#include "duet/geno.h"
#include "duet/log.h"
#include "duet/out.h"
#include "duet/progress.h"
#include "duet/traitset.h"
#include "duet/version.h"

#define NA "NA"
#define TOP_HITS 10

/* The models of a run, one per way of testing a contig (geno.h, "Sex and
 * ploidy"), as duet gwas sets them up: chrX genes with sex added and the
 * samples of unknown sex left out, chrY genes on males only. */
enum { MODEL_AUTO = 0, MODEL_X, MODEL_Y, N_MODELS };

static const char header_line[] =
    "trait\tgene\tmask\tfreq_bin\tn_variants\tn_carriers\ttest\tbeta\tstandard_error\t"
    "p_value\tneg_log_10_p_value\terrcode\n";

void duet_burden_run_opts_init(duet_burden_run_opts_t *o)
{
    memset(o, 0, sizeof *o);
    duet_opts_init(&o->c);
    duet_trait_cli_init(&o->traits);
    duet_burden_opts_init(&o->b);
    duet_sex_cli_init(&o->sexo);
    o->min_cell = 20;
}

/* One row of the best results, for the log. */
typedef struct {
    double log_p;
    char *text;
} hit_t;

static void add_hit(hit_t *hits, int *n_hits, double log_p, const char *trait, const char *gene,
                    const char *mask, const char *bin, const char *test)
{
    if (*n_hits == TOP_HITS && !(log_p < hits[TOP_HITS - 1].log_p)) return;
    kstring_t ks = { 0, 0, NULL };
    char pbuf[48];
    duet_dist_format_p(log_p, 4, NA, pbuf, sizeof pbuf);
    ksprintf(&ks, "%s\t%s\t%s\t%s\t%s\t%s", trait, gene, mask, bin, test, pbuf);
    if (!ks.s) return;
    int pos = *n_hits < TOP_HITS ? (*n_hits)++ : TOP_HITS - 1;
    free(hits[pos].text);
    /* strictly smaller p moves up: ties keep output order */
    while (pos > 0 && hits[pos - 1].log_p > log_p) {
        hits[pos] = hits[pos - 1];
        pos--;
    }
    hits[pos].log_p = log_p;
    hits[pos].text = ks.s;
}

static void put_g(kstring_t *ks, double v)
{
    if (!isfinite(v)) { kputs(NA, ks); return; }
    char buf[40];
    snprintf(buf, sizeof buf, "%.6g", v == 0 ? 0.0 : v);
    kputs(buf, ks);
}

/* The state of the scan. */
typedef struct {
    const duet_burden_run_opts_t *o;
    const duet_burden_sets_t *sets;
    const duet_traitset_t *ts;
    const duet_burden_model_t *model;           /* models[MODEL_AUTO] */
    const duet_burden_model_t *models[N_MODELS]; /* NULL: not set up */
    duet_par_t par;
    int have_sex;
    const duet_burden_bin_t *bins;
    int n_bins;
    int n_threads;
    duet_burden_work_t **works_of[N_MODELS];    /* per model, per thread */
    duet_burden_gene_res_t **res_of[N_MODELS];  /* per model, per ready gene */
    int n_res_of[N_MODELS];
    duet_burden_gene_res_t **res;               /* per ready gene: its own */
    const duet_burden_model_t **model_of;       /* per ready gene */
    int n_res;
    duet_err_t *errs;
    int m_errs;
    duet_out_t *out;
    kstring_t row;
    uint64_t rows, rows_na, rows_by_test[DUET_BURDEN_N_TESTS];
    uint64_t rows_exact, rows_spa, rows_asymptotic; /* case/control SKAT rows */
    int genes_tested, genes_untested;
    uint64_t mb_empty, mb_tested;
    hit_t hits[DUET_BURDEN_N_TESTS][TOP_HITS];
    int n_hits[DUET_BURDEN_N_TESTS];
} run_t;

/* The model that tests gene g: by its chromosome and position (a gene of
 * chrX outside the PARs, or of chrY, has its own when sexes are known). */
static int model_of_gene(const run_t *r, int g)
{
    if (!r->have_sex) return MODEL_AUTO;
    const duet_burden_gene_t *gene = &r->sets->genes[g];
    duet_ploidy_t c = duet_geno_record_class(gene->chrom, gene->pos, &r->par);
    int k = c == DUET_PLOIDY_X ? MODEL_X : c == DUET_PLOIDY_Y ? MODEL_Y : MODEL_AUTO;
    return r->models[k] ? k : -1;
}

/* Each ready gene's model, and a result from that model's pool. */
static duet_err_t route_ready(run_t *r, duet_burden_stream_t *st, int G)
{
    duet_err_t err;
    if (G > r->n_res) {
        duet_burden_gene_res_t **p = duet_realloc(r->res, (size_t)G * sizeof *p);
        if (!p) return DUET_ENOMEM;
        r->res = p;
        const duet_burden_model_t **mo = duet_realloc(r->model_of, (size_t)G * sizeof *mo);
        if (!mo) return DUET_ENOMEM;
        r->model_of = mo;
        r->n_res = G;
    }
    for (int g = 0; g < G; g++) {
        int k = model_of_gene(r, duet_burden_stream_ready(st, g)->gene);
        if (k < 0) k = MODEL_AUTO; /* no model for its contig: no row written */
        if (G > r->n_res_of[k]) {
            duet_burden_gene_res_t **p = duet_realloc(r->res_of[k], (size_t)G * sizeof *p);
            if (!p) return DUET_ENOMEM;
            r->res_of[k] = p;
            for (int q = r->n_res_of[k]; q < G; q++) {
                r->res_of[k][q] = NULL;
                if ((err = duet_burden_gene_res_create(r->models[k], &r->res_of[k][q]))) return err;
                r->n_res_of[k] = q + 1;
            }
        }
        r->res[g] = r->res_of[k][g];
        r->model_of[g] = r->models[k];
    }
    int units = G * r->ts->n_traits;
    if (units > r->m_errs) {
        duet_err_t *e = duet_realloc(r->errs, (size_t)units * sizeof *e);
        if (!e) return DUET_ENOMEM;
        r->errs = e;
        r->m_errs = units;
    }
    memset(r->errs, 0, (size_t)units * sizeof *r->errs);
    return DUET_OK;
}

/* The tests of the G ready genes: first the collapsing and the burden
 * regressions (per gene, every trait at once), then the variance-component
 * tests per gene x trait. */
static duet_err_t test_ready(run_t *r, duet_burden_stream_t *st, int G)
{
    int T = r->ts->n_traits, units = G * T;
    const duet_burden_sets_t *sets = r->sets;
    duet_err_t *errs = r->errs;
    duet_burden_gene_res_t **res = r->res;
    const duet_burden_model_t **model_of = r->model_of;
    duet_burden_work_t **const *works_of = r->works_of;
    const duet_burden_model_t *const *models = r->models;
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->n_threads)
    for (int g = 0; g < G; g++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        int k = model_of[g] == models[MODEL_X] ? MODEL_X : model_of[g] == models[MODEL_Y] ? MODEL_Y : MODEL_AUTO;
        errs[g] = duet_burden_gene_prepare(model_of[g], works_of[k][th], sets,
                                           duet_burden_stream_ready(st, g), res[g]);
    }
    for (int g = 0; g < G; g++)
        if (errs[g]) return errs[g];
#pragma omp parallel for schedule(dynamic, 1) num_threads(r->n_threads)
    for (int u = 0; u < units; u++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        int g = u / T, t = u % T;
        int k = model_of[g] == models[MODEL_X] ? MODEL_X : model_of[g] == models[MODEL_Y] ? MODEL_Y : MODEL_AUTO;
        if (duet_scan_trait(duet_burden_model_scan(model_of[g]), t)->skipped) continue;
        errs[u] = duet_burden_gene_vc(model_of[g], works_of[k][th], duet_burden_stream_ready(st, g),
                                      res[g], t);
    }
    for (int u = 0; u < units; u++)
        if (errs[u]) return errs[u];
    return DUET_OK;
}

/* One row (trait, gene, mask k, bin b, test) into r->row; counts it. */
static void format_row(run_t *r, const char *trait, const char *gene, int k, int b, int nv,
                       int nc, int test, const duet_burden_stat_t *s)
{
    const duet_burden_run_opts_t *o = r->o;
    kstring_t *ks = &r->row;
    int ok = !s->errcode[0];
    ksprintf(ks, "%s\t%s\t%s\t%s\t%d\t", trait, gene, r->sets->mask_names[k], r->bins[b].label, nv);
    if (nc < o->min_cell) ksprintf(ks, "<%ld\t", o->min_cell);
    else ksprintf(ks, "%d\t", nc);
    kputs(duet_burden_test_names[test], ks);
    kputc('\t', ks);
    put_g(ks, ok ? s->beta : NAN);
    kputc('\t', ks);
    put_g(ks, ok ? s->se : NAN);
    kputc('\t', ks);
    char pbuf[48];
    duet_dist_format_p(ok ? s->log_p : NAN, 6, NA, pbuf, sizeof pbuf);
    kputs(pbuf, ks);
    kputc('\t', ks);
    double nl = ok ? duet_dist_neglog10(s->log_p) : NAN;
    if (isfinite(nl)) ksprintf(ks, "%.4f", nl == 0 ? 0.0 : nl);
    else kputs(NA, ks);
    kputc('\t', ks);
    kputs(ok ? NA : s->errcode, ks);
    kputc('\n', ks);
    r->rows++;
    r->rows_by_test[test]++;
    if (ok && test == DUET_BURDEN_TEST_SKAT && s->method && s->method[0]) {
        if (!strcmp(s->method, "exact")) r->rows_exact++;
        else if (!strcmp(s->method, "spa")) r->rows_spa++;
        else r->rows_asymptotic++;
    }
    if (!ok) r->rows_na++;
    else
        add_hit(r->hits[test], &r->n_hits[test], s->log_p, trait, gene, r->sets->mask_names[k],
                r->bins[b].label, duet_burden_test_names[test]);
}

/* The rows of ready gene g: trait, mask, bin, test. */
static duet_err_t write_gene(run_t *r, duet_burden_stream_t *st, int g)
{
    const duet_burden_sets_t *sets = r->sets;
    const duet_burden_gene_data_t *gd = duet_burden_stream_ready(st, g);
    if (model_of_gene(r, gd->gene) < 0) { /* its contig has no model: no row */
        r->genes_untested++;
        return DUET_OK;
    }
    const duet_scan_t *scan = duet_burden_model_scan(r->model_of[g]);
    const char *gene = sets->genes[gd->gene].name;
    const duet_burden_gene_res_t *gr = r->res[g];
    kstring_t *ks = &r->row;
    r->genes_tested++;
    ks->l = 0;
    for (int mb = 0; mb < sets->n_masks * r->n_bins; mb++) {
        if (duet_burden_res_n_variants(gr, mb)) r->mb_tested++;
        else r->mb_empty++;
    }
    for (int t = 0; t < r->ts->n_traits; t++) {
        if (duet_scan_trait(scan, t)->skipped) continue;
        for (int k = 0; k < sets->n_masks; k++)
            for (int b = 0; b < r->n_bins; b++) {
                int mb = k * r->n_bins + b;
                int nv = duet_burden_res_n_variants(gr, mb);
                if (!nv) continue;
                int nc = duet_burden_res_n_carriers(gr, mb, t);
                for (int test = 0; test < DUET_BURDEN_N_TESTS; test++)
                    if (r->o->b.tests & (1u << test))
                        format_row(r, r->ts->names[t], gene, k, b, nv, nc, test,
                                   duet_burden_res_stat(gr, mb, t, test));
            }
    }
    if (!ks->l) return DUET_OK;
    if (!ks->s) return DUET_ENOMEM;
    return duet_out_write(r->out, ks->s, ks->l);
}

/* Test the ready genes of the stream and write their rows, genes in the
 * order they became ready. */
static duet_err_t process_ready(run_t *r, duet_burden_stream_t *st)
{
    int G = duet_burden_stream_n_ready(st);
    if (!G) return DUET_OK;
    duet_err_t err;
    if ((err = route_ready(r, st, G)) || (err = test_ready(r, st, G))) return err;
    for (int g = 0; g < G; g++)
        if ((err = write_gene(r, st, g))) return err;
    duet_burden_stream_release(st);
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* The run, step by step */

/* Everything a run holds, released by burden_free(). */
typedef struct {
    const duet_burden_run_opts_t *o;
    duet_burden_sets_t *sets;
    duet_burden_bin_t *bins;
    int n_bins;
    int64_t csq_records;
    duet_traitset_t *ts;
    duet_scan_input_t in;          /* the autosomes' inputs (into ts) */
    duet_burden_model_t *models[N_MODELS];
    duet_sex_table_t *sex;
    int n_male, n_female, n_unknown;
    duet_sex_design_t xy;
    char *out_path, *log_path;
    duet_out_t *out, *logf;
    int cleanup_out;
    duet_geno_t *geno;
    duet_geno_block_t *blk;
    duet_burden_stream_t *st;
    duet_progress_t *prog;
    run_t run;
    kstring_t summary;
} burden_t;

/* Warnings about what the set list and the annotations disagree on. */
static void warn_sets(const burden_t *g)
{
    const duet_burden_run_opts_t *o = g->o;
    const duet_burden_sets_stats_t *ss = &g->sets->stats;
    if (ss->anno_gene_absent)
        duet_log_warn("%s: %lld annotation lines name %d genes absent from the set list; "
                      "ignored", o->anno, (long long)ss->anno_gene_absent, ss->n_absent_genes);
    if (ss->anno_variant_absent)
        duet_log_warn("%s: %lld annotation lines name variants that the set list does not give "
                      "for their gene; ignored", o->anno, (long long)ss->anno_variant_absent);
    if (!o->csq && ss->slots_unannotated)
        duet_log_warn("%lld variants of the set list have no annotation; they enter no mask",
                      (long long)ss->slots_unannotated);
    if (ss->setlist_duplicates)
        duet_log_warn("%lld variants are listed twice for one gene; kept once",
                      (long long)ss->setlist_duplicates);
    if (ss->domain_column)
        duet_log_warn("%s: regenie's 4-column form (domains): the domain column is ignored, "
                      "masks span every domain", o->anno);
}

/* The gene sets, the masks and the frequency bins. */
static duet_err_t burden_read_sets(burden_t *g)
{
    const duet_burden_run_opts_t *o = g->o;
    duet_err_t err;
    if ((err = duet_burden_sets_create(&g->sets))) return err;
    if (o->csq) {
        if ((err = duet_burden_sets_from_csq(g->sets, o->vcf, &g->csq_records))) return err;
        err = o->mask_def ? duet_burden_read_masks(g->sets, o->mask_def)
                          : duet_burden_default_masks(g->sets);
        if (err) return err;
    } else {
        if ((err = duet_burden_read_setlist(g->sets, o->set_list))) return err;
        if ((err = duet_burden_read_anno(g->sets, o->anno))) return err;
        if ((err = duet_burden_read_masks(g->sets, o->mask_def))) return err;
    }
    warn_sets(g);
    return o->maf_bins ? duet_burden_bins_parse(o->maf_bins, DUET_BIN_MAF, o->singletons,
                                                "--maf-bins", &g->bins, &g->n_bins)
                       : duet_burden_bins_parse(o->aaf_bins ? o->aaf_bins : "0.01", DUET_BIN_AAF,
                                                o->singletons, "--aaf-bins", &g->bins, &g->n_bins);
}

/* The traits on the VCF's samples, and the autosomes' model. */
static duet_err_t burden_load_traits(burden_t *g)
{
    const duet_burden_run_opts_t *o = g->o;
    duet_traitset_opts_t tso;
    duet_traitset_opts_init(&tso);
    duet_trait_cli_traitset(&o->traits, &tso);
    tso.db_opts = o->traits.db ? o->db_opts : NULL;
    duet_err_t err = duet_traitset_load_vcf(o->vcf, &tso, &g->ts);
    if (err) return err;
    ksprintf(&g->summary, "%s\n", g->ts->summary);
    duet_scan_input_traitset(g->ts, &g->in);
    return duet_burden_model_create(&g->in, &o->b, g->bins, g->n_bins, g->sets->n_masks,
                                    &g->models[MODEL_AUTO]);
}

/* Sexes (--sex FILE, else the covariate named sex: the store's too). */
static duet_err_t burden_sexes(burden_t *g)
{
    const duet_burden_run_opts_t *o = g->o;
    const duet_traitset_t *ts = g->ts;
    int N = ts->n_samples;
    duet_err_t err = duet_sex_cli_table(&o->sexo, (const char *const *)ts->ids, N,
                                        (const char *const *)ts->covar_names, ts->x,
                                        ts->n_covars,
                                        o->traits.covar ? o->traits.covar : o->traits.db, &g->sex);
    if (err) return err;
    g->n_unknown = N;
    if (g->sex)
        duet_sex_table_count(g->sex, (const char *const *)ts->ids, N, &g->n_male, &g->n_female,
                             &g->n_unknown);
    g->run.have_sex = g->n_male + g->n_female > 0;
    g->run.par = o->sexo.par;
    if (g->run.have_sex)
        ksprintf(&g->summary, "sex: %s: %d males, %d females, %d unknown; genes on chrX outside "
                 "the PARs (%s): males hemizygous (coded 0..2), sex a covariate, samples of "
                 "unknown sex left out; on chrY: males only\n", duet_sex_table_source(g->sex),
                 g->n_male, g->n_female, g->n_unknown, o->sexo.par.name);
    return DUET_OK;
}

/* The models of chrX and chrY genes, as duet gwas sets them up. */
static duet_err_t burden_sex_models(burden_t *g)
{
    const duet_burden_run_opts_t *o = g->o;
    const duet_traitset_t *ts = g->ts;
    const duet_burden_sets_t *sets = g->sets;
    int want[N_MODELS] = { 1, 0, 0 };
    for (int k = 0; g->run.have_sex && k < sets->n_genes; k++) {
        duet_ploidy_t c = duet_geno_record_class(sets->genes[k].chrom, sets->genes[k].pos,
                                                 &o->sexo.par);
        want[MODEL_X] |= c == DUET_PLOIDY_X;
        want[MODEL_Y] |= c == DUET_PLOIDY_Y && g->n_male > 0;
    }
    for (int k = MODEL_X; k <= MODEL_Y; k++) {
        if (!want[k]) continue;
        duet_sex_design_free(&g->xy);
        duet_err_t err = duet_sex_design(g->sex, k == MODEL_X ? DUET_PLOIDY_X : DUET_PLOIDY_Y,
                                         (const char *const *)ts->ids, ts->n_samples, ts->y,
                                         ts->n_traits, ts->x,
                                         (const char *const *)ts->covar_names, ts->n_covars,
                                         &g->xy);
        if (err) return err;
        if (!g->xy.n_testable) {
            duet_log_warn("no trait can be tested among the %d %s (two values and more "
                          "samples than parameters needed): %s genes are not tested",
                          g->xy.n_kept, k == MODEL_X ? "samples of known sex" : "males",
                          k == MODEL_X ? "chrX's" : "chrY's");
            continue;
        }
        duet_log_info("setting up the %s genes' models", k == MODEL_X ? "chrX" : "chrY");
        duet_scan_input_t xin = g->in;
        xin.traits = g->xy.traits;
        xin.n_covars = g->xy.n_covars;
        xin.covar_names = g->xy.covar_names;
        xin.covars = g->xy.covars;
        if ((err = duet_burden_model_create(&xin, &o->b, g->bins, g->n_bins, sets->n_masks,
                                            &g->models[k])))
            return err;
    }
    return DUET_OK;
}

/* The outputs (refused early if they exist). */
static duet_err_t burden_open_outputs(burden_t *g)
{
    const duet_burden_run_opts_t *o = g->o;
    kstring_t p = { 0, 0, NULL };
    ksprintf(&p, "%s.burden.tsv.gz", o->c.out);
    g->out_path = p.s;
    p.s = NULL;
    p.l = p.m = 0;
    ksprintf(&p, "%s.log", o->c.out);
    g->log_path = p.s;
    if (!g->out_path || !g->log_path) return DUET_ENOMEM;
    duet_err_t err;
    if ((err = duet_out_create(g->out_path, DUET_OUT_BGZF, o->c.force, 1, &g->out))) return err;
    if ((err = duet_out_create(g->log_path, DUET_OUT_PLAIN, o->c.force, 1, &g->logf))) return err;
    return duet_out_puts(g->out, header_line);
}

/* The reader, the stream of genes and the state of the scan. */
static duet_err_t burden_prepare_pass(burden_t *g)
{
    const duet_burden_run_opts_t *o = g->o;
    int N = g->ts->n_samples, n_threads = o->c.threads;
    duet_geno_opts_t gopts;
    duet_geno_opts_init(&gopts, o->vcf);
    gopts.samples = (const char *const *)g->ts->ids;
    gopts.n_samples = N;
    gopts.field = o->dosage ? DUET_GENO_DS : DUET_GENO_GT;
    gopts.want_missing_mask = 1;
    gopts.sex = g->run.have_sex ? g->sex : NULL;
    gopts.par = o->sexo.par;
    gopts.warn_no_sex = 1;
    duet_err_t err;
    if ((err = duet_geno_open(&gopts, &g->geno))) return err;
    int B = (int)((1L << 20) / (N > 0 ? N : 1));
    if (B < 8) B = 8;
    if (B > 512) B = 512;
    if ((err = duet_geno_block_create(g->geno, B, &g->blk))) return err;
    if ((err = duet_burden_stream_create(g->sets, N, &g->st))) return err;
    run_t *run = &g->run;
    run->o = o;
    run->sets = g->sets;
    run->ts = g->ts;
    run->model = g->models[MODEL_AUTO];
    for (int k = 0; k < N_MODELS; k++) run->models[k] = g->models[k];
    run->bins = g->bins;
    run->n_bins = g->n_bins;
    run->n_threads = n_threads;
    run->out = g->out;
    for (int k = 0; k < N_MODELS; k++) {
        if (!run->models[k]) continue;
        run->works_of[k] = duet_calloc((size_t)n_threads, sizeof *run->works_of[k]);
        if (!run->works_of[k]) return DUET_ENOMEM;
        for (int w = 0; w < n_threads; w++)
            if ((err = duet_burden_work_create(run->models[k], &run->works_of[k][w]))) return err;
    }
    return DUET_OK;
}

/* The pass over the VCF.  Genes are tested in batches: a few per thread,
 * so that the columns held stay near O(threads x the largest gene). */
static duet_err_t burden_pass(burden_t *g)
{
    int N = g->ts->n_samples, batch = 4 * g->o->c.threads;
    duet_geno_block_t *blk = g->blk;
    duet_err_t err;
    g->prog = duet_progress_create("variants", duet_geno_n_records_hint(g->geno));
    uint64_t n_read = 0;
    for (;;) {
        if ((err = duet_geno_read_block(g->geno, blk))) return err;
        if (!blk->n_variants) break;
        for (int j = 0; j < blk->n_variants; j++) {
            const duet_variant_t *v = &blk->variants[j];
            const uint8_t *mk = v->n_missing > 0 ? blk->missing + (size_t)N * j : NULL;
            if ((err = duet_burden_stream_add(g->st, v, blk->dosage + (size_t)N * j, mk))) return err;
            if (duet_burden_stream_n_ready(g->st) >= batch && (err = process_ready(&g->run, g->st)))
                return err;
        }
        n_read += blk->n_variants;
        duet_progress_update(g->prog, n_read);
    }
    duet_burden_stream_finish(g->st);
    if ((err = process_ready(&g->run, g->st))) return err;
    duet_progress_destroy(g->prog);
    g->prog = NULL;
    return DUET_OK;
}

/* Warnings about the variants the stream could not place. */
static void warn_stream(const burden_t *g)
{
    const duet_burden_stream_stats_t *sst = duet_burden_stream_stats(g->st);
    if (sst->slots_missing)
        duet_log_warn("%lld of the %d variants listed in the genes are absent from the VCF",
                      (long long)sst->slots_missing, g->sets->n_slots);
    if (sst->late)
        duet_log_warn("%lld listed variants came after their gene had been tested (the VCF "
                      "is not in the set list's genome order, or a contig appears twice); "
                      "ignored", (long long)sst->late);
    if (sst->duplicates)
        duet_log_warn("%lld listed variants were found twice in the VCF; the first kept",
                      (long long)sst->duplicates);
}

/* The summary: genes, variants, annotations. */
static void summary_inputs(const burden_t *g, kstring_t *s)
{
    const duet_burden_run_opts_t *o = g->o;
    const duet_burden_sets_t *sets = g->sets;
    const duet_burden_sets_stats_t *ss = &sets->stats;
    const duet_burden_stream_stats_t *sst = duet_burden_stream_stats(g->st);
    ksprintf(s, "genes: %d in the %s, %d tested, %d without any variant in the VCF",
             sets->n_genes, o->csq ? "VCF's consequences" : "set list", g->run.genes_tested,
             sst->genes_empty);
    if (g->run.genes_untested)
        ksprintf(s, ", %d on chrX or chrY not tested (no trait testable in their "
                 "samples)", g->run.genes_untested);
    kputc('\n', s);
    ksprintf(s, "variants: %d listed (gene x variant), %lld found, %lld absent from the "
             "VCF; %lld VCF variants read, %lld in some gene",
             sets->n_slots, (long long)sst->slots_found, (long long)sst->slots_missing,
             (long long)sst->variants_read, (long long)sst->variants_used);
    if (sst->late) ksprintf(s, ", %lld after their gene", (long long)sst->late);
    if (sst->duplicates) ksprintf(s, ", %lld found twice", (long long)sst->duplicates);
    kputc('\n', s);
    if (o->csq) ksprintf(s, "consequences: INFO/CSQ or INFO/ANN of %lld records\n",
                         (long long)g->csq_records);
    else
        ksprintf(s, "annotations: %lld lines, %lld naming %d genes absent from the set "
                 "list, %lld naming variants not listed for their gene; %lld listed variants "
                 "unannotated\n", (long long)ss->anno_lines, (long long)ss->anno_gene_absent,
                 ss->n_absent_genes, (long long)ss->anno_variant_absent,
                 (long long)ss->slots_unannotated);
}

/* The summary: masks, bins, method, rows. */
static void summary_tests(const burden_t *g, kstring_t *s)
{
    const duet_burden_run_opts_t *o = g->o;
    const duet_burden_sets_t *sets = g->sets;
    const run_t *run = &g->run;
    kputs("masks:", s);
    for (int k = 0; k < sets->n_masks; k++) {
        ksprintf(s, " %s=", sets->mask_names[k]);
        int first = 1;
        for (int a = 0; a < sets->n_annots; a++)
            if ((sets->mask_bits[k] >> a) & 1) {
                ksprintf(s, "%s%s", first ? "" : ",", sets->annots[a]);
                first = 0;
            }
    }
    ksprintf(s, "\nfrequency bins (%s):", o->maf_bins ? "MAF" : "AAF");
    for (int b = 0; b < g->n_bins; b++) ksprintf(s, " %s", g->bins[b].label);
    ksprintf(s, "\ncollapse: %s; missing genotypes: mean-imputed; SKAT weights: "
             "Beta(MAF; %g, %g); ACAT-V MAC threshold: %g\n", duet_collapse_str(o->b.collapse),
             o->b.genetest.beta_a, o->b.genetest.beta_b, o->b.genetest.acatv_mac);
    ksprintf(s, "mask x bin per gene: %llu with variants, %llu empty (no row)\n",
             (unsigned long long)run->mb_tested, (unsigned long long)run->mb_empty);
    ksprintf(s, "rows: %llu (%llu NA)", (unsigned long long)run->rows,
             (unsigned long long)run->rows_na);
    for (int t = 0; t < DUET_BURDEN_N_TESTS; t++)
        if (o->b.tests & (1u << t))
            ksprintf(s, ", %s %llu", duet_burden_test_names[t],
                     (unsigned long long)run->rows_by_test[t]);
    kputc('\n', s);
    if (run->rows_exact + run->rows_spa + run->rows_asymptotic)
        ksprintf(s, "case/control SKAT, SKAT-O, ACAT-V p-values (per SKAT row): %llu exact "
                 "(few carriers), %llu saddlepoint-adjusted, %llu asymptotic\n",
                 (unsigned long long)run->rows_exact, (unsigned long long)run->rows_spa,
                 (unsigned long long)run->rows_asymptotic);
}

/* The summary: the traits tested (counts withheld below --min-cell) and
 * the top hits. */
static void summary_traits(const burden_t *g, kstring_t *s)
{
    const duet_burden_run_opts_t *o = g->o;
    const duet_scan_t *scan = duet_burden_model_scan(g->models[MODEL_AUTO]);
    int T = g->ts->n_traits, n_tested_traits = 0;
    for (int t = 0; t < T; t++) n_tested_traits += !duet_scan_trait(scan, t)->skipped;
    ksprintf(s, "traits: %d selected, %d tested\n", T, n_tested_traits);
    kputs("trait\tmodel\tn\tn_cases\tn_controls\tcovariates\n", s);
    for (int t = 0; t < T; t++) {
        const duet_scan_trait_t *tr = duet_scan_trait(scan, t);
        if (tr->skipped) continue;
        char pol[160] = "linear";
        if (tr->binary) duet_bintest_describe(&o->b.scan.binary, pol, sizeof pol);
        ksprintf(s, "%s\t%s\t%d\t", tr->name, pol, tr->n);
        if (tr->binary && tr->n_cases >= o->min_cell) ksprintf(s, "%d\t", tr->n_cases);
        else kputs(NA "\t", s);
        if (tr->binary && tr->n_controls >= o->min_cell) ksprintf(s, "%d\t", tr->n_controls);
        else kputs(NA "\t", s);
        ksprintf(s, "%s\n", tr->covars_used ? tr->covars_used : "");
    }
    kputs("top hits:\ntrait\tgene\tmask\tfreq_bin\ttest\tp_value\n", s);
    for (int t = 0; t < DUET_BURDEN_N_TESTS; t++)
        for (int h = 0; h < g->run.n_hits[t]; h++) ksprintf(s, "%s\n", g->run.hits[t][h].text);
}

/* The data file, then the log; then the summary on stderr up to the
 * traits' table. */
static duet_err_t burden_finish(burden_t *g)
{
    duet_err_t err;
    if ((err = duet_out_commit(g->out, NULL))) return err;
    g->cleanup_out = duet_cleanup_register(g->out_path, 0);
    kstring_t lg = { 0, 0, NULL };
    kputs("# duet burden run summary\n", &lg);
    if (!g->o->c.no_version) {
        ksprintf(&lg, "# %s\n", duet_version_string());
        ksprintf(&lg, "# %s\n", duet_opts_cmdline());
    }
    kputs(g->summary.s, &lg);
    err = lg.s ? duet_out_write(g->logf, lg.s, lg.l) : duet_log_oom(0);
    free(lg.s);
    if (err) return err;
    if ((err = duet_out_commit(g->logf, NULL))) return err;
    duet_cleanup_release(g->cleanup_out);
    g->cleanup_out = -1;
    if (!duet_log_quiet()) {
        char *save = NULL;
        for (char *line = strtok_r(g->summary.s, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            if (!strncmp(line, "trait\t", 6)) break;
            duet_log_info("%s", line);
        }
    }
    return DUET_OK;
}

static void burden_free(burden_t *g)
{
    run_t *run = &g->run;
    duet_progress_destroy(g->prog);
    duet_cleanup_remove(g->cleanup_out);
    duet_out_destroy(g->out);
    duet_out_destroy(g->logf);
    free(g->out_path);
    free(g->log_path);
    for (int t = 0; t < DUET_BURDEN_N_TESTS; t++)
        for (int h = 0; h < run->n_hits[t]; h++) free(run->hits[t][h].text);
    for (int k = 0; k < N_MODELS; k++) {
        if (run->works_of[k])
            for (int w = 0; w < g->o->c.threads; w++) duet_burden_work_destroy(run->works_of[k][w]);
        free(run->works_of[k]);
        for (int q = 0; q < run->n_res_of[k]; q++) duet_burden_gene_res_destroy(run->res_of[k][q]);
        free(run->res_of[k]);
    }
    free(run->res);
    free(run->model_of);
    free(run->errs);
    free(run->row.s);
    duet_burden_stream_destroy(g->st);
    duet_geno_block_destroy(g->blk);
    duet_geno_close(g->geno);
    for (int k = 0; k < N_MODELS; k++) duet_burden_model_destroy(g->models[k]);
    duet_sex_table_destroy(g->sex);
    duet_sex_design_free(&g->xy);
    duet_traitset_destroy(g->ts);
    free(g->bins);
    duet_burden_sets_destroy(g->sets);
    free(g->summary.s);
}

duet_err_t duet_burden_run(const duet_burden_run_opts_t *opts)
{
    burden_t g;
    memset(&g, 0, sizeof g);
    g.o = opts;
    g.cleanup_out = -1;
    duet_err_t err;
    if ((err = burden_read_sets(&g)) || (err = burden_load_traits(&g)) ||
        (err = burden_sexes(&g)) || (err = burden_sex_models(&g)) ||
        (err = burden_open_outputs(&g)) || (err = burden_prepare_pass(&g)) ||
        (err = burden_pass(&g)))
        goto cleanup;
    warn_stream(&g);
    summary_inputs(&g, &g.summary);
    summary_tests(&g, &g.summary);
    summary_traits(&g, &g.summary);
    if (!g.summary.s) { err = DUET_ENOMEM; goto cleanup; }
    err = burden_finish(&g);

cleanup:
    burden_free(&g);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
