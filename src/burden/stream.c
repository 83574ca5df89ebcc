/*
 * stream.c -- the one pass over the VCF of a burden scan: each decoded
 * variant is matched to the genes that list it, its dosage column copied
 * into a pool of columns, and a gene is handed over as soon as it is
 * complete (every listed variant found, the VCF past its last listed
 * position, or on another chromosome), so that memory holds the open genes
 * only: O(samples x the variants of the genes open at once).  Columns are
 * recycled through a free list: the pool grows to the largest set of open
 * genes and then allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "duet/burden.h"
#include "duet/log.h"

enum { GENE_UNOPENED = 0, GENE_OPEN = 1, GENE_DONE = 2 };

struct duet_burden_stream {
    const duet_burden_sets_t *sets;
    int n_samples;
    /* the column pool */
    double **cols;
    uint8_t **miss;
    int n_cols, m_cols;
    int *free_cols, n_free;
    /* per gene */
    uint8_t *state;
    duet_burden_gene_data_t *data;
    int *n_seen;           /* listed slots found */
    uint8_t *slot_seen;
    /* open and ready genes */
    int *open, n_open;
    int *ready, n_ready;
    int *fresh, n_fresh;   /* ready in this call, to be sorted */
    const char *chrom;     /* the reader's current chromosome */
    kstring_t key;
    duet_burden_stream_stats_t stats;
};

duet_err_t duet_burden_stream_create(const duet_burden_sets_t *sets, int n_samples,
                                     duet_burden_stream_t **out)
{
    *out = NULL;
    duet_burden_stream_t *st = duet_calloc(1, sizeof *st);
    if (!st) return DUET_ENOMEM;
    st->sets = sets;
    st->n_samples = n_samples;
    size_t G = (size_t)sets->n_genes + 1;
    st->state = duet_calloc(G, 1);
    st->data = duet_calloc(G, sizeof *st->data);
    st->n_seen = duet_calloc(G, sizeof *st->n_seen);
    st->slot_seen = duet_calloc((size_t)sets->n_slots + 1, 1);
    st->open = duet_malloc(G * sizeof *st->open);
    st->ready = duet_malloc(G * sizeof *st->ready);
    st->fresh = duet_malloc(G * sizeof *st->fresh);
    if (!st->state || !st->data || !st->n_seen || !st->slot_seen || !st->open || !st->ready ||
        !st->fresh) {
        duet_burden_stream_destroy(st);
        return DUET_ENOMEM;
    }
    *out = st;
    return DUET_OK;
}

static void data_free(duet_burden_gene_data_t *d)
{
    free(d->annot);
    free(d->aaf);
    free(d->alt_count);
    free(d->dosage);
    free(d->missing);
    free(d->col);
    memset(d, 0, sizeof *d);
}

void duet_burden_stream_destroy(duet_burden_stream_t *st)
{
    if (!st) return;
    for (int c = 0; c < st->n_cols; c++) {
        free(st->cols[c]);
        free(st->miss[c]);
    }
    free(st->cols);
    free(st->miss);
    free(st->free_cols);
    if (st->data)
        for (int g = 0; g < st->sets->n_genes; g++) data_free(&st->data[g]);
    free(st->data);
    free(st->state);
    free(st->n_seen);
    free(st->slot_seen);
    free(st->open);
    free(st->ready);
    free(st->fresh);
    free(st->key.s);
    free(st);
}

/* A free column of the pool (growing it if needed), or -1. */
static int take_column(duet_burden_stream_t *st)
{
    if (st->n_free) return st->free_cols[--st->n_free];
    if (st->n_cols == st->m_cols) {
        int m = st->m_cols ? 2 * st->m_cols : 64;
        double **c = duet_realloc(st->cols, (size_t)m * sizeof *c);
        if (!c) return -1;
        st->cols = c;
        uint8_t **mm = duet_realloc(st->miss, (size_t)m * sizeof *mm);
        if (!mm) return -1;
        st->miss = mm;
        int *f = duet_realloc(st->free_cols, (size_t)m * sizeof *f);
        if (!f) return -1;
        st->free_cols = f;
        st->m_cols = m;
    }
    size_t n = (size_t)(st->n_samples > 0 ? st->n_samples : 1);
    double *col = duet_malloc(n * sizeof *col);
    uint8_t *mk = duet_malloc(n);
    if (!col || !mk) {
        free(col);
        free(mk);
        return -1;
    }
    st->cols[st->n_cols] = col;
    st->miss[st->n_cols] = mk;
    return st->n_cols++;
}

static void mark_ready(duet_burden_stream_t *st, int g)
{
    st->state[g] = GENE_DONE;
    st->fresh[st->n_fresh++] = g;
    for (int k = 0; k < st->n_open; k++)
        if (st->open[k] == g) {
            memmove(st->open + k, st->open + k + 1, (size_t)(st->n_open - k - 1) * sizeof *st->open);
            st->n_open--;
            break;
        }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void flush_fresh(duet_burden_stream_t *st)
{
    if (!st->n_fresh) return;
    qsort(st->fresh, (size_t)st->n_fresh, sizeof *st->fresh, cmp_int);
    for (int k = 0; k < st->n_fresh; k++) {
        st->ready[st->n_ready++] = st->fresh[k];
        st->stats.genes_done++;
    }
    st->n_fresh = 0;
}

static duet_err_t open_gene(duet_burden_stream_t *st, int g)
{
    duet_burden_gene_data_t *d = &st->data[g];
    int m = st->sets->genes[g].n_variants;
    d->gene = g;
    d->n_found = 0;
    d->m_found = m;
    d->annot = duet_malloc((size_t)m * sizeof *d->annot);
    d->aaf = duet_malloc((size_t)m * sizeof *d->aaf);
    d->alt_count = duet_malloc((size_t)m * sizeof *d->alt_count);
    d->dosage = duet_malloc((size_t)m * sizeof *d->dosage);
    d->missing = duet_malloc((size_t)m * sizeof *d->missing);
    d->col = duet_malloc((size_t)m * sizeof *d->col);
    if (!d->annot || !d->aaf || !d->alt_count || !d->dosage || !d->missing || !d->col) {
        data_free(d);
        return DUET_ENOMEM;
    }
    st->state[g] = GENE_OPEN;
    st->open[st->n_open++] = g;
    return DUET_OK;
}

/* Add the variant to the slot's gene. */
static duet_err_t add_to_slot(duet_burden_stream_t *st, int slot, const duet_variant_t *v,
                              const double *dosage, const uint8_t *missing)
{
    const duet_burden_slot_t *sl = &st->sets->slots[slot];
    int g = sl->gene;
    if (st->state[g] == GENE_DONE) {
        st->stats.late++;
        return DUET_OK;
    }
    if (st->slot_seen[slot]) {
        st->stats.duplicates++;
        return DUET_OK;
    }
    duet_err_t err;
    if (st->state[g] == GENE_UNOPENED && (err = open_gene(st, g))) return err;
    duet_burden_gene_data_t *d = &st->data[g];
    int c = take_column(st);
    if (c < 0) return DUET_ENOMEM;
    size_t n = (size_t)st->n_samples;
    memcpy(st->cols[c], dosage, n * sizeof *dosage);
    if (missing) memcpy(st->miss[c], missing, n);
    else memset(st->miss[c], 0, n);
    int j = d->n_found++;
    d->col[j] = c;
    d->dosage[j] = st->cols[c];
    d->missing[j] = st->miss[c];
    d->annot[j] = sl->annot;
    /* bins and singletons count alleles: a hemizygous male carries one */
    d->aaf[j] = v->allele_freq;
    d->alt_count[j] = v->alt_alleles;
    st->slot_seen[slot] = 1;
    st->stats.slots_found++;
    if (++st->n_seen[g] == st->sets->genes[g].n_variants) mark_ready(st, g);
    return DUET_OK;
}

duet_err_t duet_burden_stream_add(duet_burden_stream_t *st, const duet_variant_t *v,
                                  const double *dosage, const uint8_t *missing)
{
    st->stats.variants_read++;
    /* another chromosome: the open genes are complete */
    if (!st->chrom || strcmp(st->chrom, v->chrom)) {
        while (st->n_open) mark_ready(st, st->open[0]);
        st->chrom = v->chrom;
    }
    /* past the last listed position of an open gene */
    for (int k = 0; k < st->n_open;) {
        int g = st->open[k];
        if (st->sets->genes[g].last_pos < v->pos) mark_ready(st, g);
        else k++;
    }
    int first = -1;
    if (v->n_alleles == 2 && v->id && strcmp(v->id, ".")) first = duet_burden_sets_lookup(st->sets, v->id);
    if (first < 0) {
        st->key.l = 0;
        ksprintf(&st->key, "%s:%lld:%s:%s", v->chrom, (long long)v->pos, v->ref, v->alt);
        if (!st->key.s) return DUET_ENOMEM;
        first = duet_burden_sets_lookup(st->sets, st->key.s);
    }
    if (first >= 0) {
        st->stats.variants_used++;
        for (int q = first; q >= 0; q = st->sets->slots[q].next) {
            duet_err_t err = add_to_slot(st, q, v, dosage, missing);
            if (err) return err;
        }
    }
    flush_fresh(st);
    return DUET_OK;
}

void duet_burden_stream_finish(duet_burden_stream_t *st)
{
    while (st->n_open) mark_ready(st, st->open[0]);
    flush_fresh(st);
    st->stats.slots_missing = st->sets->n_slots - st->stats.slots_found;
    st->stats.genes_empty = 0;
    for (int g = 0; g < st->sets->n_genes; g++) st->stats.genes_empty += st->state[g] == GENE_UNOPENED;
}

int duet_burden_stream_n_ready(const duet_burden_stream_t *st) { return st->n_ready; }

const duet_burden_gene_data_t *duet_burden_stream_ready(const duet_burden_stream_t *st, int k)
{
    return &st->data[st->ready[k]];
}

int duet_burden_stream_n_columns(const duet_burden_stream_t *st)
{
    return st->n_cols - st->n_free;
}

void duet_burden_stream_release(duet_burden_stream_t *st)
{
    for (int k = 0; k < st->n_ready; k++) {
        duet_burden_gene_data_t *d = &st->data[st->ready[k]];
        for (int j = 0; j < d->n_found; j++) st->free_cols[st->n_free++] = d->col[j];
        data_free(d);
    }
    st->n_ready = 0;
}

const duet_burden_stream_stats_t *duet_burden_stream_stats(const duet_burden_stream_t *st)
{
    return &st->stats;
}
