/*
 * pca_geno.c -- the genotype side of duet pca: read a VCF/BCF through the
 * geno reader, keep autosomal variants that pass the MAF filter and window
 * LD pruning, standardise them as plink2 does, and drive the randomized
 * eigensolver of pca.c over them, one pass over the file per iteration or
 * over an in-memory cache of one byte per kept genotype when it fits the
 * memory budget.
 *
 * LD pruning follows plink 1.9's --indep-pairwise (Purcell et al. 2007;
 * Chang et al. 2015): a window of W candidate variants on one chromosome;
 * every pair in the window with r^2 above the threshold loses its variant
 * of lower MAF (the later one on ties), pairs taken in window order; the
 * window then slides by S variants.  r is the correlation of the
 * mean-imputed genotypes over the kept samples (plink uses pairwise-complete
 * genotypes; the two agree when nothing is missing).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/pca.h"
#include "duet/progress.h"

#define CODE_MISSING 3
#define READ_BLOCK 256 /* variants per reader block (does not change results) */

void duet_pca_geno_opts_init(duet_pca_geno_opts_t *o, const char *vcf, int k)
{
    memset(o, 0, sizeof *o);
    o->vcf = vcf;
    o->maf = 0.01;
    o->threads = 1;
    duet_pca_opts_init(&o->pca, k);
}

void duet_pca_result_destroy(duet_pca_result_t *r)
{
    if (!r) return;
    if (r->samples)
        for (int i = 0; i < r->n_samples; i++) free(r->samples[i]);
    free(r->samples);
    free(r->vectors);
    free(r->values);
    free(r->residuals);
    free(r->explained);
    free(r);
}

/* ------------------------------------------------------------------ */
/* Pipeline state                                                      */

/* A growable string reused across variants (no allocation per variant once
 * the longest allele has been seen). */
typedef struct {
    char *s;
    size_t m;
} str_t;

static int str_set(str_t *s, const char *v)
{
    size_t n = strlen(v) + 1;
    if (n > s->m) {
        size_t m = n < 32 ? 32 : n * 2;
        char *p = realloc(s->s, m);
        if (!p) return -1;
        s->s = p;
        s->m = m;
    }
    memcpy(s->s, v, n);
    return 0;
}

/* One candidate variant waiting in the LD window. */
typedef struct {
    uint8_t *codes;   /* n: 0,1,2 or CODE_MISSING */
    double *z;        /* n: centred, unit-norm genotypes (for r) */
    double mean, inv_sd, af, maf;
    int64_t index;    /* variant number in reading order */
    int64_t pos;
    str_t chrom, id, ref, alt;
    int pruned;
} slot_t;

typedef struct {
    const duet_pca_geno_opts_t *opts;
    duet_pca_result_t *res;
    int n;              /* samples */
    /* kept-variant mask over reading order (for streaming passes) */
    uint8_t *keep_bits;
    int64_t keep_m;     /* bytes allocated */
    /* cache of kept genotypes */
    int caching;
    uint8_t *cache;     /* n_used x n bytes */
    double *cache_mean, *cache_inv_sd;
    int64_t cache_m;    /* variants allocated */
    size_t budget;      /* bytes the cache may use */
    size_t per_variant; /* bytes per cached variant: genotypes, mean and
                           scale, and its row of T in duet_pca_pass_all() */
    /* LD window */
    int win_cap, win_step;
    slot_t *slots;
    int *order;         /* window members, oldest first: slot numbers */
    int win_n;
    int *free_slots;
    int n_free;
    double *r2;         /* win_cap x win_cap, by slot */
    uint8_t *codes_tmp; /* n, for variants that skip the window */
} pipe_t;

static duet_err_t set_keep_bit(pipe_t *pp, int64_t index)
{
    int64_t byte = index >> 3;
    if (byte >= pp->keep_m) {
        int64_t m = pp->keep_m ? pp->keep_m : 4096;
        while (m <= byte) m *= 2;
        uint8_t *b = duet_realloc(pp->keep_bits, (size_t)m);
        if (!b) return DUET_ENOMEM;
        memset(b + pp->keep_m, 0, (size_t)(m - pp->keep_m));
        pp->keep_bits = b;
        pp->keep_m = m;
    }
    pp->keep_bits[byte] |= (uint8_t)(1u << (index & 7));
    return DUET_OK;
}

static int keep_bit(const pipe_t *pp, int64_t index)
{
    int64_t byte = index >> 3;
    return byte < pp->keep_m && (pp->keep_bits[byte] >> (index & 7) & 1);
}

static void drop_cache(pipe_t *pp)
{
    if (!pp->caching) return;
    pp->caching = 0;
    free(pp->cache);
    free(pp->cache_mean);
    free(pp->cache_inv_sd);
    pp->cache = NULL;
    pp->cache_mean = pp->cache_inv_sd = NULL;
    pp->cache_m = 0;
    duet_log_info("the kept genotypes exceed the memory budget: reading the "
                  "file once per iteration");
}

/* A variant is in: count it, mark it, cache it, tell the caller. */
static duet_err_t accept(pipe_t *pp, const uint8_t *codes, double mean,
                         double inv_sd, double af, int64_t index,
                         const char *chrom, int64_t pos, const char *id,
                         const char *ref, const char *alt)
{
    duet_err_t err = set_keep_bit(pp, index);
    if (err) return err;
    int64_t j = pp->res->n_used++;
    if (pp->caching) {
        size_t need = (size_t)(j + 1) * pp->per_variant;
        if (need > pp->budget) {
            drop_cache(pp);
        } else if (j >= pp->cache_m) {
            int64_t m = pp->cache_m ? pp->cache_m * 2 : 1024;
            if ((size_t)m * pp->per_variant > pp->budget)
                m = (int64_t)(pp->budget / pp->per_variant);
            if (m <= j) m = j + 1;
            uint8_t *c = realloc(pp->cache, (size_t)m * pp->n);
            double *mu = c ? realloc(pp->cache_mean, (size_t)m * sizeof *mu) : NULL;
            if (c) pp->cache = c;
            if (mu) pp->cache_mean = mu;
            double *sd = mu ? realloc(pp->cache_inv_sd, (size_t)m * sizeof *sd) : NULL;
            if (sd) pp->cache_inv_sd = sd;
            if (!c || !mu || !sd) drop_cache(pp); /* fall back to streaming */
            else pp->cache_m = m;
        }
        if (pp->caching) {
            memcpy(pp->cache + (size_t)j * pp->n, codes, (size_t)pp->n);
            pp->cache_mean[j] = mean;
            pp->cache_inv_sd[j] = inv_sd;
        }
    }
    if (pp->opts->on_variant)
        return pp->opts->on_variant(pp->opts->ctx, chrom, pos, id, ref, alt, af);
    return DUET_OK;
}

/* Leave the window: the oldest `count` members are final. */
static duet_err_t window_emit(pipe_t *pp, int count)
{
    if (count > pp->win_n) count = pp->win_n;
    for (int e = 0; e < count; e++) {
        slot_t *s = &pp->slots[pp->order[e]];
        if (s->pruned) {
            pp->res->n_ld_pruned++;
        } else {
            duet_err_t err = accept(pp, s->codes, s->mean, s->inv_sd, s->af,
                                    s->index, s->chrom.s, s->pos, s->id.s,
                                    s->ref.s, s->alt.s);
            if (err) return err;
        }
        pp->free_slots[pp->n_free++] = pp->order[e];
    }
    memmove(pp->order, pp->order + count, (size_t)(pp->win_n - count) * sizeof *pp->order);
    pp->win_n -= count;
    return DUET_OK;
}

/* Greedy pruning of the current window (plink 1.9 order). */
static void window_prune(pipe_t *pp)
{
    int w = pp->win_cap;
    for (int a = 0; a < pp->win_n; a++) {
        slot_t *si = &pp->slots[pp->order[a]];
        if (si->pruned) continue;
        for (int b = a + 1; b < pp->win_n; b++) {
            slot_t *sj = &pp->slots[pp->order[b]];
            if (sj->pruned) continue;
            if (pp->r2[(size_t)pp->order[a] * w + pp->order[b]] > pp->opts->ld_r2) {
                if (si->maf < sj->maf) {
                    si->pruned = 1;
                    break;
                }
                sj->pruned = 1;
            }
        }
    }
}

static duet_err_t window_flush(pipe_t *pp)
{
    window_prune(pp);
    return window_emit(pp, pp->win_n);
}

static duet_err_t window_push(pipe_t *pp, const duet_geno_block_t *blk, int j,
                              double mean, double inv_sd, double maf,
                              int64_t index)
{
    const duet_variant_t *v = &blk->variants[j];
    int n = pp->n;
    if (pp->win_n > 0) {
        slot_t *last = &pp->slots[pp->order[pp->win_n - 1]];
        if (strcmp(last->chrom.s, v->chrom) != 0) {
            duet_err_t err = window_flush(pp);
            if (err) return err;
        }
    }
    int sl = pp->free_slots[--pp->n_free];
    slot_t *s = &pp->slots[sl];
    const double *d = blk->dosage + (size_t)j * n;
    const uint8_t *miss = blk->missing + (size_t)j * n;
    double ss = 0;
    for (int i = 0; i < n; i++) {
        double x = miss[i] ? 0.0 : (d[i] - mean) * inv_sd;
        s->z[i] = x;
        ss += x * x;
        s->codes[i] = miss[i] ? CODE_MISSING : (uint8_t)lrint(d[i]);
    }
    double norm = ss > 0 ? 1.0 / sqrt(ss) : 0.0;
    for (int i = 0; i < n; i++) s->z[i] *= norm;
    s->mean = mean;
    s->inv_sd = inv_sd;
    s->af = v->af;
    s->maf = maf;
    s->index = index;
    s->pos = v->pos;
    s->pruned = 0;
    if (str_set(&s->chrom, v->chrom) || str_set(&s->id, v->id) ||
        str_set(&s->ref, v->ref) || str_set(&s->alt, v->alt))
        return duet_log_oom(strlen(v->ref) + strlen(v->alt));
    /* r^2 against every member of the window, stored both ways. */
    int w = pp->win_cap;
    for (int a = 0; a < pp->win_n; a++) {
        int o = pp->order[a];
        const double *z = pp->slots[o].z;
        double r = 0;
        for (int i = 0; i < n; i++) r += z[i] * s->z[i];
        pp->r2[(size_t)o * w + sl] = pp->r2[(size_t)sl * w + o] = r * r;
    }
    pp->order[pp->win_n++] = sl;
    if (pp->win_n == pp->win_cap) {
        window_prune(pp);
        return window_emit(pp, pp->win_step);
    }
    return DUET_OK;
}

static duet_err_t window_create(pipe_t *pp)
{
    int w = pp->opts->ld_window, n = pp->n;
    pp->win_cap = w;
    pp->win_step = pp->opts->ld_step;
    pp->slots = duet_calloc((size_t)w, sizeof *pp->slots);
    pp->order = duet_malloc((size_t)w * sizeof *pp->order);
    pp->free_slots = duet_malloc((size_t)w * sizeof *pp->free_slots);
    pp->r2 = duet_calloc((size_t)w * w, sizeof *pp->r2);
    if (!pp->slots || !pp->order || !pp->free_slots || !pp->r2) return DUET_ENOMEM;
    for (int s = 0; s < w; s++) {
        pp->slots[s].codes = duet_malloc((size_t)n);
        pp->slots[s].z = duet_malloc((size_t)n * sizeof(double));
        if (!pp->slots[s].codes || !pp->slots[s].z) return DUET_ENOMEM;
        pp->free_slots[s] = w - 1 - s;
    }
    pp->n_free = w;
    return DUET_OK;
}

static void pipe_free(pipe_t *pp)
{
    free(pp->keep_bits);
    free(pp->cache);
    free(pp->cache_mean);
    free(pp->cache_inv_sd);
    if (pp->slots)
        for (int s = 0; s < pp->win_cap; s++) {
            slot_t *sl = &pp->slots[s];
            free(sl->codes);
            free(sl->z);
            free(sl->chrom.s);
            free(sl->id.s);
            free(sl->ref.s);
            free(sl->alt.s);
        }
    free(pp->slots);
    free(pp->order);
    free(pp->free_slots);
    free(pp->r2);
    free(pp->codes_tmp);
}

static duet_err_t open_reader(const duet_pca_geno_opts_t *o, duet_geno_t **geno)
{
    duet_geno_opts_t go;
    duet_geno_opts_init(&go, o->vcf);
    go.samples = o->samples;
    go.n_samples = o->samples ? o->n_samples : 0;
    go.region = o->region;
    go.field = DUET_GENO_GT;
    go.threads = o->threads > 0 ? o->threads : 1;
    go.want_missing_mask = 1;
    return duet_geno_open(&go, geno);
}

/* The standardisation of one variant, or 0 if it fails the filters. */
static int variant_passes(const duet_pca_geno_opts_t *o, const duet_variant_t *v,
                          double *mean, double *inv_sd, double *maf)
{
    double af = v->af;
    if (!isfinite(af) || af <= 0 || af >= 1) return 0;
    double m = af < 0.5 ? af : 1 - af;
    if (m < o->maf) return 0;
    *maf = m;
    *mean = 2 * af;
    *inv_sd = 1.0 / sqrt(2 * af * (1 - af));
    return 1;
}

/* First pass: filters, pruning, cache, counts.  Blocks are decoded in
 * parallel by duet_geno_scan() and arrive here in file order. */
typedef struct {
    pipe_t *pp;
    int64_t index;  /* variant number in reading order */
} first_t;

static duet_err_t first_emit(duet_geno_block_t *blk, void *ctx)
{
    first_t *fc = ctx;
    pipe_t *pp = fc->pp;
    const duet_pca_geno_opts_t *o = pp->opts;
    duet_pca_result_t *res = pp->res;
    int n = pp->n;
    duet_err_t err = DUET_OK;
    for (int j = 0; j < blk->n_variants; j++, fc->index++) {
        const duet_variant_t *v = &blk->variants[j];
        double mean, inv_sd, maf;
        res->n_records++;
        if (!duet_pca_is_autosome(v->chrom)) {
            res->n_non_autosomal++;
            continue;
        }
        if (!variant_passes(o, v, &mean, &inv_sd, &maf)) {
            res->n_maf_fail++;
            continue;
        }
        if (pp->win_cap > 0) {
            err = window_push(pp, blk, j, mean, inv_sd, maf, fc->index);
        } else {
            const double *d = blk->dosage + (size_t)j * n;
            const uint8_t *miss = blk->missing + (size_t)j * n;
            if (pp->caching) /* the codes only feed the cache */
                for (int i = 0; i < n; i++)
                    pp->codes_tmp[i] = miss[i] ? CODE_MISSING : (uint8_t)lrint(d[i]);
            err = accept(pp, pp->codes_tmp, mean, inv_sd, v->af, fc->index,
                         v->chrom, v->pos, v->id, v->ref, v->alt);
        }
        if (err) return err;
    }
    return DUET_OK;
}

static duet_err_t first_pass(pipe_t *pp, duet_geno_t *geno, int width)
{
    first_t fc = { pp, 0 };
    duet_geno_scan_t sc;
    memset(&sc, 0, sizeof sc);
    sc.max_variants = width < READ_BLOCK ? width : READ_BLOCK;
    sc.threads = pp->opts->threads > 0 ? pp->opts->threads : 1;
    sc.n_blocks = 2 * sc.threads;
    sc.emit = first_emit;
    sc.ctx = &fc;
    duet_err_t err = duet_geno_scan(geno, &sc);
    if (!err && pp->win_cap > 0) err = window_flush(pp);
    return err;
}

/* The cache as a source of standardised columns. */
static void cache_fill(void *ctx, int64_t j0, int w, int r0, int h, double *out, int ldo)
{
    const pipe_t *pp = ctx;
    int n = pp->n;
    for (int c = 0; c < w; c++) {
        const uint8_t *codes = pp->cache + (size_t)(j0 + c) * n + r0;
        double mean = pp->cache_mean[j0 + c], inv_sd = pp->cache_inv_sd[j0 + c];
        double *col = out + (size_t)c * ldo;
        for (int i = 0; i < h; i++)
            col[i] = codes[i] == CODE_MISSING ? 0.0 : ((double)codes[i] - mean) * inv_sd;
    }
}

/* One pass of the eigensolver over the cache. */
static void cache_pass(pipe_t *pp, duet_pca_t *pca)
{
    duet_pca_pass_all(pca, pp->res->n_used, cache_fill, pp);
}

/* One pass of the eigensolver over the file. */
static duet_err_t stream_pass(pipe_t *pp, duet_pca_t *pca, double *x, int width,
                              duet_geno_block_t **blk)
{
    const duet_pca_geno_opts_t *o = pp->opts;
    int n = pp->n;
    duet_geno_t *geno = NULL;
    duet_err_t err = open_reader(o, &geno);
    if (err) return err;
    duet_geno_block_destroy(*blk);
    *blk = NULL;
    if ((err = duet_geno_block_create(geno, width < READ_BLOCK ? width : READ_BLOCK, blk))) goto cleanup;
    int64_t index = 0;
    int filled = 0;
    for (;;) {
        if ((err = duet_geno_read_block(geno, *blk))) goto cleanup;
        if ((*blk)->n_variants == 0) break;
        for (int j = 0; j < (*blk)->n_variants; j++, index++) {
            if (!keep_bit(pp, index)) continue;
            const duet_variant_t *v = &(*blk)->variants[j];
            double mean, inv_sd, maf;
            if (!variant_passes(o, v, &mean, &inv_sd, &maf)) {
                duet_log_error("%s: variant %s:%lld changed between passes",
                               o->vcf, v->chrom, (long long)v->pos);
                err = DUET_EINTERNAL;
                goto cleanup;
            }
            const double *d = (*blk)->dosage + (size_t)j * n;
            const uint8_t *miss = (*blk)->missing + (size_t)j * n;
            double *col = x + (size_t)filled * n;
            for (int i = 0; i < n; i++)
                col[i] = miss[i] ? 0.0 : (d[i] - mean) * inv_sd;
            if (++filled == width) {
                duet_pca_pass_add(pca, x, filled);
                filled = 0;
            }
        }
    }
    if (filled) duet_pca_pass_add(pca, x, filled);
cleanup:
    duet_geno_close(geno);
    return err;
}

duet_err_t duet_pca_geno_run(const duet_pca_geno_opts_t *o, duet_pca_result_t **out)
{
    *out = NULL;
    duet_err_t err = DUET_OK;
    pipe_t pp;
    memset(&pp, 0, sizeof pp);
    pp.opts = o;
    duet_geno_t *geno = NULL;
    duet_geno_block_t *blk = NULL;
    duet_pca_t *pca = NULL;
    double *x = NULL;
    duet_progress_t *progress = NULL;
    duet_pca_result_t *res = duet_calloc(1, sizeof *res);
    if (!res) return DUET_ENOMEM;
    pp.res = res;

    if ((err = open_reader(o, &geno))) goto cleanup;
    int n = pp.n = duet_geno_n_samples(geno);
    res->n_samples = n;
    res->k = o->pca.k;
    res->samples = duet_calloc((size_t)(n > 0 ? n : 1), sizeof *res->samples);
    if (!res->samples) { err = DUET_ENOMEM; goto cleanup; }
    for (int i = 0; i < n; i++)
        if (!(res->samples[i] = strdup(duet_geno_sample(geno, i)))) {
            err = duet_log_oom(64);
            goto cleanup;
        }
    if (n <= o->pca.k) {
        duet_log_error("%s: %d sample%s kept, need more than %d for %d components",
                       o->vcf, n, n == 1 ? "" : "s", o->pca.k, o->pca.k);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    int width = duet_pca_chunk_width(n);
    if (!(pp.codes_tmp = duet_malloc((size_t)n))) { err = DUET_ENOMEM; goto cleanup; }
    if (o->ld_window > 0 && (err = window_create(&pp))) goto cleanup;

    /* The cache may use what is left of the budget after the working set. */
    {
        size_t mb = o->memory_mb > 0 ? (size_t)o->memory_mb : 1024;
        size_t budget = mb << 20;
        size_t l = (size_t)o->pca.k + o->pca.oversample;
        size_t depth = o->pca.depth > 2 ? (size_t)o->pca.depth : 2;
        size_t work = (size_t)n * (2 * depth * l + 2 * (size_t)width) * 8 +
                      (size_t)n * (size_t)o->ld_window * 9;
        pp.budget = budget > work ? budget - work : 0;
        pp.per_variant = (size_t)n + 16 + 8 * l + 8;
        pp.caching = o->memory_mb >= 0 && pp.budget > 0;
    }

    if ((err = first_pass(&pp, geno, width))) goto cleanup;
    duet_geno_close(geno);
    geno = NULL;
    duet_log_info("%lld variants read: %lld not autosomal, %lld below MAF %g, "
                  "%lld LD-pruned, %lld used; %d samples",
                  (long long)res->n_records, (long long)res->n_non_autosomal,
                  (long long)res->n_maf_fail, o->maf, (long long)res->n_ld_pruned,
                  (long long)res->n_used, n);
    if (res->n_used < o->pca.k) {
        duet_log_error("%s: %lld variant%s left after filtering (%lld read, %lld "
                       "not autosomal, %lld below MAF %g, %lld LD-pruned); need "
                       "at least %d", o->vcf, (long long)res->n_used,
                       res->n_used == 1 ? "" : "s", (long long)res->n_records,
                       (long long)res->n_non_autosomal, (long long)res->n_maf_fail,
                       o->maf, (long long)res->n_ld_pruned, o->pca.k);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    if ((err = duet_pca_create(&o->pca, n, res->n_used, &pca))) goto cleanup;
    if (!pp.caching && !(x = duet_malloc((size_t)n * width * sizeof *x))) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    res->cached = pp.caching;

    progress = duet_progress_create("iterations", (uint64_t)o->pca.max_iter);
    for (int done = 0; !done;) {
        duet_pca_pass_begin(pca);
        if (pp.caching) cache_pass(&pp, pca);
        else if ((err = stream_pass(&pp, pca, x, width, &blk))) goto cleanup;
        if ((err = duet_pca_pass_end(pca, &done))) goto cleanup;
        duet_progress_update(progress, (uint64_t)duet_pca_passes(pca));
    }
    duet_progress_destroy(progress);
    progress = NULL;

    int k = o->pca.k;
    res->passes = duet_pca_passes(pca);
    res->converged = duet_pca_converged(pca);
    res->width = duet_pca_width(pca);
    res->capacity = duet_pca_capacity(pca);
    res->products = duet_pca_products(pca);
    res->vectors = duet_malloc((size_t)n * k * sizeof *res->vectors);
    res->values = duet_malloc((size_t)k * sizeof *res->values);
    res->residuals = duet_malloc((size_t)k * sizeof *res->residuals);
    res->explained = duet_malloc((size_t)k * sizeof *res->explained);
    if (!res->vectors || !res->values || !res->residuals || !res->explained) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    memcpy(res->vectors, duet_pca_vectors(pca), (size_t)n * k * sizeof *res->vectors);
    double trace = duet_pca_trace(pca);
    for (int j = 0; j < k; j++) {
        double theta = duet_pca_values(pca)[j];
        res->values[j] = theta / (double)res->n_used;
        res->residuals[j] = duet_pca_residual(pca, j);
        res->explained[j] = trace > 0 ? theta / trace : NAN;
    }
    if (!res->converged) {
        double worst = 0;
        for (int j = 0; j < k; j++)
            if (res->residuals[j] > worst) worst = res->residuals[j];
        duet_log_warn("not converged after %d iterations (largest residual %.3g, "
                      "tolerance %.3g); raise --iterations or --oversample",
                      res->passes, worst, o->pca.tol);
    }

cleanup:
    duet_progress_destroy(progress);
    duet_geno_close(geno);
    duet_geno_block_destroy(blk);
    duet_pca_destroy(pca);
    free(x);
    pipe_free(&pp);
    if (err) duet_pca_result_destroy(res);
    else *out = res;
    return err;
}
