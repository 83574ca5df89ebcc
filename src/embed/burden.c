/*
 * burden.c -- the burden modality of embed.h: per person, the carrier
 * status (1 when some qualifying variant has a called dosage of at least
 * 0.5) of each gene x mask x frequency bin, with genes, annotations and
 * masks read from regenie's files and variants gathered by the stream and
 * collapse rule of duet burden (burden.h), so that a column means exactly
 * what the gene test of `duet burden` collapses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/burden.h"
#include "duet/embed.h"
#include "duet/geno.h"
#include "duet/log.h"
#include "duet/opts.h"

void duet_embed_burden_opts_init(duet_embed_burden_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->aaf_bins = "0.01";
}

typedef struct {
    const duet_embed_burden_opts_t *o;
    const duet_burden_sets_t *sets;
    const duet_burden_bin_t *bins;
    int n_bins, n_samples;
    char *want_gene;             /* per gene: 1 if kept (all when no list) */
    uint8_t *cols;               /* n_samples x n_cols, column-major */
    int n_cols, m_cols;
    char **names;
    double *score;               /* scratch, n_samples */
    const double **sel;          /* scratch, variant columns */
    const uint8_t **sel_miss;
} burden_run_t;

static duet_err_t add_column(burden_run_t *r, const char *name, const uint8_t *carrier)
{
    if (r->n_cols == r->m_cols) {
        int m = r->m_cols ? 2 * r->m_cols : 64;
        uint8_t *c = duet_realloc(r->cols, (size_t)m * (size_t)r->n_samples);
        if (!c) return DUET_ENOMEM;
        r->cols = c;
        char **nm = duet_realloc(r->names, (size_t)m * sizeof *nm);
        if (!nm) return DUET_ENOMEM;
        r->names = nm;
        r->m_cols = m;
    }
    if (!(r->names[r->n_cols] = strdup(name))) return duet_log_oom(strlen(name) + 1);
    memcpy(r->cols + (size_t)r->n_cols * r->n_samples, carrier, (size_t)r->n_samples);
    r->n_cols++;
    return DUET_OK;
}

/* Every mask x bin column of one gene. */
static duet_err_t gene_columns(burden_run_t *r, const duet_burden_gene_data_t *gd)
{
    const duet_burden_sets_t *s = r->sets;
    uint8_t *carrier = duet_malloc((size_t)r->n_samples + 1);
    if (!carrier) return DUET_ENOMEM;
    duet_err_t err = DUET_OK;
    for (int m = 0; m < s->n_masks && !err; m++)
        for (int b = 0; b < r->n_bins && !err; b++) {
            int k = 0;
            for (int v = 0; v < gd->n_found; v++) {
                int a = gd->annot[v];
                if (a < 0 || !((s->mask_bits[m] >> a) & 1)) continue;
                if (!duet_burden_in_bin(&r->bins[b], gd->aaf[v], gd->alt_count[v])) continue;
                r->sel[k] = gd->dosage[v];
                r->sel_miss[k++] = gd->missing[v];
            }
            memset(carrier, 0, (size_t)r->n_samples);
            duet_burden_collapse(DUET_COLLAPSE_MAX, r->sel, r->sel_miss, k, r->n_samples,
                                 r->score, carrier);
            char name[256];
            snprintf(name, sizeof name, "%s.%s.%s", s->genes[gd->gene].name, s->mask_names[m],
                     r->bins[b].label);
            err = add_column(r, name, carrier);
        }
    free(carrier);
    return err;
}

static duet_err_t process_ready(burden_run_t *r, duet_burden_stream_t *st)
{
    duet_err_t err = DUET_OK;
    for (int g = 0; g < duet_burden_stream_n_ready(st) && !err; g++) {
        const duet_burden_gene_data_t *gd = duet_burden_stream_ready(st, g);
        if (r->want_gene[gd->gene]) err = gene_columns(r, gd);
    }
    duet_burden_stream_release(st);
    return err;
}

/* The genes to keep: all, or those of o->genes (each must exist). */
static duet_err_t choose_genes(burden_run_t *r)
{
    const duet_burden_sets_t *s = r->sets;
    r->want_gene = duet_calloc((size_t)s->n_genes + 1, 1);
    if (!r->want_gene) return DUET_ENOMEM;
    if (!r->o->genes) {
        memset(r->want_gene, 1, (size_t)s->n_genes);
        return DUET_OK;
    }
    int n = 0;
    char **list = duet_list_split(r->o->genes, &n);
    if (!list) return DUET_ENOMEM;
    duet_err_t err = DUET_OK;
    for (int i = 0; i < n; i++) {
        int g = duet_burden_sets_gene(s, list[i]);
        if (g < 0) {
            duet_log_error("--burden-genes: gene '%s' is not in %s", list[i], r->o->set_list);
            err = DUET_EUSAGE;
            break;
        }
        r->want_gene[g] = 1;
    }
    duet_list_free(list, n);
    return err;
}

/* One pass over the VCF through the burden stream. */
static duet_err_t read_vcf(burden_run_t *r, duet_geno_t *geno, duet_burden_stream_t *st,
                           duet_burden_stream_stats_t *stats)
{
    duet_geno_block_t *blk = NULL;
    int n = r->n_samples;
    duet_err_t err = duet_geno_block_create(geno, 256, &blk);
    if (err) return err;
    for (;;) {
        if ((err = duet_geno_read_block(geno, blk))) goto cleanup;
        if (!blk->n_variants) break;
        for (int j = 0; j < blk->n_variants; j++) {
            const duet_variant_t *v = &blk->variants[j];
            const uint8_t *mk = v->n_missing > 0 ? blk->missing + (size_t)n * j : NULL;
            if ((err = duet_burden_stream_add(st, v, blk->dosage + (size_t)n * j, mk)))
                goto cleanup;
            if ((err = process_ready(r, st))) goto cleanup;
        }
    }
    duet_burden_stream_finish(st);
    err = process_ready(r, st);
    *stats = *duet_burden_stream_stats(st);
cleanup:
    duet_geno_block_destroy(blk);
    return err;
}

/* The table: persons of the VCF, one column per gene x mask x bin. */
static duet_err_t make_table(burden_run_t *r, duet_geno_t *geno, const char *vcf,
                             const duet_burden_stream_stats_t *stats, duet_embed_table_t **out)
{
    int n = r->n_samples, p = r->n_cols;
    duet_embed_table_t *t = duet_embed_table_create("burden", vcf);
    if (!t) return DUET_ENOMEM;
    duet_err_t err = duet_embed_table_alloc(t, n, p);
    if (err) goto cleanup;
    for (int i = 0; i < n; i++)
        if (!(t->iid[i] = strdup(duet_geno_sample(geno, i)))) { err = duet_log_oom(64); goto cleanup; }
    for (int j = 0; j < p; j++) {
        t->feature[j] = r->names[j];
        r->names[j] = NULL;
        for (int i = 0; i < n; i++) t->x[(size_t)i * p + j] = r->cols[(size_t)j * n + i];
    }
    if ((err = duet_embed_option(t, "set_list", "%s", r->o->set_list)) ||
        (err = duet_embed_option(t, "anno", "%s", r->o->anno)) ||
        (err = duet_embed_option(t, "mask_def", "%s", r->o->mask_def)) ||
        (err = duet_embed_option(t, "aaf_bins", "%s", r->o->aaf_bins)) ||
        (err = duet_embed_option(t, "genes", "%s", r->o->genes ? r->o->genes : "all")) ||
        (err = duet_embed_option(t, "carrier", "%s", "called dosage >= 0.5 at a qualifying variant")) ||
        (err = duet_embed_count(t, "variants_read", stats->variants_read)) ||
        (err = duet_embed_count(t, "variants_in_genes", stats->variants_used)) ||
        (err = duet_embed_count(t, "listed_variants_absent", stats->slots_missing)) ||
        (err = duet_embed_count(t, "genes_with_variants", stats->genes_done)) ||
        (err = duet_embed_count(t, "columns", p)))
        goto cleanup;
    *out = t;
    t = NULL;
cleanup:
    duet_embed_table_destroy(t);
    return err;
}

duet_err_t duet_embed_burden(const duet_embed_burden_opts_t *o, duet_embed_table_t **out)
{
    *out = NULL;
    burden_run_t r;
    memset(&r, 0, sizeof r);
    r.o = o;
    duet_burden_sets_t *sets = NULL;
    duet_burden_bin_t *bins = NULL;
    duet_geno_t *geno = NULL;
    duet_burden_stream_t *st = NULL;
    duet_burden_stream_stats_t stats;
    memset(&stats, 0, sizeof stats);
    duet_err_t err;
    if ((err = duet_burden_sets_create(&sets)) ||
        (err = duet_burden_read_setlist(sets, o->set_list)) ||
        (err = duet_burden_read_anno(sets, o->anno)) ||
        (err = duet_burden_read_masks(sets, o->mask_def)) ||
        (err = duet_burden_bins_parse(o->aaf_bins, DUET_BIN_AAF, 0, "--aaf-bins", &bins,
                                      &r.n_bins)))
        goto cleanup;
    r.sets = sets;
    r.bins = bins;
    if ((err = choose_genes(&r))) goto cleanup;
    duet_geno_opts_t go;
    duet_geno_opts_init(&go, o->vcf);
    go.want_missing_mask = 1;
    if ((err = duet_geno_open(&go, &geno))) goto cleanup;
    r.n_samples = duet_geno_n_samples(geno);
    int max_var = 0;
    for (int g = 0; g < sets->n_genes; g++)
        if (sets->genes[g].n_variants > max_var) max_var = sets->genes[g].n_variants;
    r.score = duet_malloc((size_t)r.n_samples * sizeof *r.score + 1);
    r.sel = duet_malloc(((size_t)max_var + 1) * sizeof *r.sel);
    r.sel_miss = duet_malloc(((size_t)max_var + 1) * sizeof *r.sel_miss);
    if (!r.score || !r.sel || !r.sel_miss) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = duet_burden_stream_create(sets, r.n_samples, &st))) goto cleanup;
    if ((err = read_vcf(&r, geno, st, &stats))) goto cleanup;
    if (!r.n_cols) {
        duet_log_error("%s: no gene of %s has a variant in the VCF", o->vcf, o->set_list);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    duet_log_info("burden: %d persons, %d gene x mask x bin columns from %lld variants in "
                  "genes", r.n_samples, r.n_cols, (long long)stats.variants_used);
    err = make_table(&r, geno, o->vcf, &stats, out);
cleanup:
    for (int j = 0; j < r.n_cols; j++) free(r.names ? r.names[j] : NULL);
    free(r.names);
    free(r.cols);
    free(r.want_gene);
    free(r.score);
    free(r.sel);
    free(r.sel_miss);
    duet_burden_stream_destroy(st);
    duet_geno_close(geno);
    free(bins);
    duet_burden_sets_destroy(sets);
    return err;
}
