/*
 * score.c -- one pass over a VCF/BCF that computes every score of a weights
 * set (score.h).  Blocks of variants are decoded in parallel by the
 * genotype reader; for each block a worker matches its variants to the
 * weight rows (read-only index), builds the effect-allele dosage matrix E
 * (samples x matched columns: ALT or REF count, additive, dominant or
 * recessive, missing calls imputed) and the block's weight matrix W
 * (columns x scores).  The block is then emitted in file order: match
 * statuses are settled (a row keeps its first match; later ones are
 * duplicates, taken out of W), and SUM += E W is one BLAS product, so that
 * the result does not depend on the thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "duet/geno.h"
#include "duet/log.h"
#include "prs_internal.h"

typedef struct {
    int j;             /* variant of the block */
    int swapped;       /* effect allele is REF */
    int model;         /* duet_score_model_t */
    int n_rows;        /* rows using it (within the block) */
    int miss_off, n_miss; /* its missing samples in slot.miss */
    int e_idx;         /* its column of E; -1 when the product reads the
                          block's dosages directly */
} col_t;

typedef struct {
    int row, j;
    int col;           /* >= 0 a match; -1 a status only; -2 a duplicate
                          within the block */
    int status;
} event_t;

typedef struct {
    col_t *cols;
    int n_cols, m_cols;
    event_t *ev;
    int n_ev, m_ev;
    double *E, *W, *named; /* n x m_cols; m_cols x (K + 1) (ld m_cols),
                              the last column the named-dosage weights
                              of additive columns; n (other columns) */
    int has_named;         /* `named` holds something this block */
    int direct;            /* additive columns read from the block's dosage
                              matrix (most of its variants are scored) */
    int *miss;
    int n_miss, m_miss;
    int *cand;
    int m_cand;
    char **alts;
    int m_alts;
    double *part;          /* n x (K + 1): the block's products, when they
                              are computed by work() (else NULL) */
    double *Wd, *We, *konst; /* direct mode: weights of the dosage matrix
                              and of E; constants (K + 1) */
    int m_wd, m_we;
} slot_t;

typedef struct {
    const duet_weights_t *w;
    const duet_score_opts_t *o;
    duet_match_index_t *idx;
    int n, K;
    int *rs_off, *rs_k;  /* CSR: scores of each row */
    double *rs_w;
    uint32_t **stamp;    /* per thread: block index + 1 that last matched a row */
    slot_t *slots;
    int n_slots;
    duet_score_result_t *res;
    int64_t *n_used;     /* per score: matched rows */
    int64_t all_used;
    int32_t *miss_k;     /* n x K: missing calls among matched rows */
    int32_t *all_miss;   /* n */
    double *acc;         /* n x (K + 1): the scores' sums, then the
                            named-dosage sums of additive columns */
    int in_work;         /* products computed by work() into slot.part
                            (while the block is in the cache, in parallel)
                            and added in order by emit(); else by emit() */
} ctx_t;

static int grow(void **p, int *m, int need, size_t size)
{
    if (need <= *m) return 0;
    int nm = *m ? *m : 16;
    while (nm < need) nm *= 2;
    void *q = duet_realloc(*p, (size_t)nm * size);
    if (!q) return -1;
    *p = q;
    *m = nm;
    return 0;
}

static int is_match(int status)
{
    return status >= DUET_MATCH_MATCHED;
}

/* The column of (j, swapped, model), added when new. */
static int column(ctx_t *c, slot_t *s, int j, int swapped, int model)
{
    for (int i = s->n_cols - 1; i >= 0 && s->cols[i].j == j; i--)
        if (s->cols[i].swapped == swapped && s->cols[i].model == model) return i;
    if (s->n_cols == s->m_cols) {
        int m = s->m_cols ? 2 * s->m_cols : 64;
        col_t *cols = duet_realloc(s->cols, (size_t)m * sizeof *cols);
        double *E = cols ? duet_realloc(s->E, (size_t)m * c->n * sizeof *E) : NULL;
        if (cols) s->cols = cols;
        if (E) s->E = E;
        double *W = E ? duet_malloc((size_t)m * (c->K + 1) * sizeof *W) : NULL;
        if (!W) return -1;
        for (int k = 0; k <= c->K; k++)
            memcpy(W + (size_t)k * m, s->W + (size_t)k * s->m_cols, (size_t)s->n_cols * sizeof *W);
        free(s->W);
        s->W = W;
        s->m_cols = m;
    }
    col_t *col = &s->cols[s->n_cols];
    memset(col, 0, sizeof *col);
    col->j = j;
    col->swapped = swapped;
    col->model = model;
    for (int k = 0; k <= c->K; k++) s->W[(size_t)k * s->m_cols + s->n_cols] = 0;
    return s->n_cols++;
}

static duet_err_t add_event(slot_t *s, int row, int j, int col, int status)
{
    if (grow((void **)&s->ev, &s->m_ev, s->n_ev + 1, sizeof *s->ev)) return DUET_ENOMEM;
    s->ev[s->n_ev++] = (event_t){row, j, col, status};
    return DUET_OK;
}

/* Match the block's variants: events, columns and W. */
static duet_err_t match_block(ctx_t *c, slot_t *s, const duet_geno_block_t *b, int thread)
{
    uint32_t *stamp = c->stamp[thread], tag = (uint32_t)(b->index + 1);
    for (int j = 0; j < b->n_variants; j++) {
        const duet_variant_t *v = &b->variants[j];
        int nc = duet_match_candidates(c->idx, v->chrom, v->pos, v->id, s->cand, s->m_cand);
        if (nc > s->m_cand) {
            if (grow((void **)&s->cand, &s->m_cand, nc, sizeof *s->cand)) return DUET_ENOMEM;
            nc = duet_match_candidates(c->idx, v->chrom, v->pos, v->id, s->cand, s->m_cand);
        }
        if (nc > 0) { /* the record's ALT alleles */
            if (grow((void **)&s->alts, &s->m_alts, v->n_alleles, sizeof *s->alts))
                return DUET_ENOMEM;
            int j0 = j - (v->allele - 1);
            for (int a = 0; a < v->n_alleles - 1; a++) s->alts[a] = b->variants[j0 + a].alt;
        }
        for (int i = 0; i < nc; i++) {
            int r = s->cand[i], swapped, col = -1;
            const duet_weight_row_t *row = &c->w->rows[r];
            int st = (int)duet_match_alleles(row, v->ref, (const char *const *)s->alts,
                                             v->n_alleles - 1, v->allele, c->o->keep_ambiguous,
                                             &swapped);
            if (is_match(st)) {
                if (stamp[r] == tag) {
                    col = -2;
                } else {
                    stamp[r] = tag;
                    if ((col = column(c, s, j, swapped, (int)row->model)) < 0) return DUET_ENOMEM;
                    s->cols[col].n_rows++;
                    if (row->model == DUET_MODEL_ADDITIVE)
                        s->W[(size_t)c->K * s->m_cols + col] += 1.0;
                    for (int q = c->rs_off[r]; q < c->rs_off[r + 1]; q++)
                        s->W[(size_t)c->rs_k[q] * s->m_cols + col] += c->rs_w[q];
                }
            }
            duet_err_t err = add_event(s, r, j, col, st);
            if (err) return err;
        }
    }
    return DUET_OK;
}

/* The effect allele's count at sample i of column col (missing or not). */
static double raw_value(const duet_geno_block_t *b, const col_t *col, int i)
{
    int n = b->n_samples;
    const duet_variant_t *v = &b->variants[col->j];
    if (!col->swapped) return b->dosage[(size_t)col->j * n + i];
    int j0 = col->j - (v->allele - 1);
    double alt = 0;
    for (int a = 0; a < v->n_alleles - 1; a++) alt += b->dosage[(size_t)(j0 + a) * n + i];
    return 2.0 - alt;
}

static double transform(int model, double x)
{
    if (model == DUET_MODEL_DOMINANT) return x < 1.0 ? x : 1.0;
    if (model == DUET_MODEL_RECESSIVE) return x > 1.0 ? x - 1.0 : 0.0;
    return x;
}

/* Fill E's column and its missing list.  Additive columns are plain
 * copies (ALT) or 2 minus the record's ALT dosages (REF), whose missing
 * entries the reader already imputed with the mean; their named-dosage
 * sums come from the product (W's last column).  Dominant and recessive
 * columns add their named-dosage sums to the block's `named` here. */
static duet_err_t fill_column(ctx_t *c, slot_t *s, const duet_geno_block_t *b, int ci)
{
    col_t *col = &s->cols[ci];
    const duet_variant_t *v = &b->variants[col->j];
    int n = c->n;
    double *e = s->E + (size_t)(col->e_idx >= 0 ? col->e_idx : 0) * n;
    const double *x = b->dosage + (size_t)col->j * n;
    const uint8_t *miss = v->n_missing > 0 ? b->missing + (size_t)col->j * n : NULL;
    col->miss_off = s->n_miss;
    col->n_miss = 0;
    if (miss) {
        if (grow((void **)&s->miss, &s->m_miss, s->n_miss + v->n_missing, sizeof *s->miss))
            return DUET_ENOMEM;
        for (int i = 0; i < n; i++)
            if (miss[i]) s->miss[s->n_miss++] = i;
        col->n_miss = s->n_miss - col->miss_off;
    }
    if (col->e_idx < 0) return DUET_OK; /* read in place by emit() */
    if (v->n_called == 0) { /* nothing to impute from: contributes 0 */
        memset(e, 0, (size_t)n * sizeof *e);
        return DUET_OK;
    }
    if (col->model == DUET_MODEL_ADDITIVE && !col->swapped) {
        memcpy(e, x, (size_t)n * sizeof *e);
    } else if (col->model == DUET_MODEL_ADDITIVE && v->n_alleles == 2) {
        for (int i = 0; i < n; i++) e[i] = 2.0 - x[i];
    } else {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double raw = raw_value(b, col, i);
            if (col->model != DUET_MODEL_ADDITIVE && (!miss || !miss[i]))
                s->named[i] += col->n_rows * raw;
            e[i] = transform(col->model, raw);
            sum += e[i];
        }
        if (col->model != DUET_MODEL_ADDITIVE) {
            s->has_named = 1;
            /* missing calls: the mean of the transformed values */
            if (miss) {
                for (int q = 0; q < col->n_miss; q++) sum -= e[s->miss[col->miss_off + q]];
                double fill = sum / (n - col->n_miss);
                for (int q = 0; q < col->n_miss; q++) e[s->miss[col->miss_off + q]] = fill;
            }
        }
    }
    if (miss && c->o->no_mean_imputation)
        for (int q = 0; q < col->n_miss; q++) e[s->miss[col->miss_off + q]] = 0;
    return DUET_OK;
}

static duet_err_t products(ctx_t *c, slot_t *s, const duet_geno_block_t *b, double *out);

static duet_err_t work(duet_geno_block_t *b, void *arg, int thread)
{
    ctx_t *c = arg;
    slot_t *s = &c->slots[b->index % (uint64_t)c->n_slots];
    s->n_cols = s->n_ev = s->n_miss = 0;
    duet_err_t err = match_block(c, s, b, thread);
    if (err) return err;
    if (s->has_named) memset(s->named, 0, (size_t)c->n * sizeof *s->named);
    s->has_named = 0;
    /* read the additive columns in place when they cover at least half of
     * the block's variants (no copy); otherwise copy them into E */
    int n_direct = 0, last = -1, n_e = 0;
    for (int ci = 0; ci < s->n_cols; ci++)
        if (s->cols[ci].model == DUET_MODEL_ADDITIVE && s->cols[ci].j != last)
            n_direct++, last = s->cols[ci].j;
    s->direct = 2 * n_direct >= b->n_variants;
    for (int ci = 0; ci < s->n_cols; ci++)
        s->cols[ci].e_idx = s->direct && s->cols[ci].model == DUET_MODEL_ADDITIVE ? -1 : n_e++;
    for (int ci = 0; ci < s->n_cols; ci++)
        if ((err = fill_column(c, s, b, ci))) return err;
    if (!s->part) return DUET_OK;
    memset(s->part, 0, (size_t)c->n * (c->K + 1) * sizeof *s->part);
    return products(c, s, b, s->part);
}

/* Remember the VCF variant a row matched (for the match table). */
static duet_err_t record_match(duet_score_result_t *res, int r, const duet_variant_t *v)
{
    res->match_chrom[r] = strdup(v->chrom);
    res->match_ref[r] = strdup(v->ref);
    res->match_alt[r] = strdup(v->alt);
    res->match_pos[r] = v->pos;
    if (!res->match_chrom[r] || !res->match_ref[r] || !res->match_alt[r])
        return duet_log_oom(strlen(v->ref) + strlen(v->alt) + 64);
    return DUET_OK;
}

/* The value the products used for column `col` at sample i. */
static double product_value(const ctx_t *c, const slot_t *s, const duet_geno_block_t *b,
                            const col_t *col, int i)
{
    if (col->e_idx >= 0) return s->E[(size_t)col->e_idx * c->n + i];
    return raw_value(b, col, i);
}

/* Take a duplicated row's contribution back out of the block's products
 * (computed by work() before the duplicate was known). */
static void take_back(ctx_t *c, slot_t *s, const duet_geno_block_t *b, const event_t *e)
{
    const col_t *col = &s->cols[e->col];
    int n = c->n;
    if (col->e_idx < 0 && b->variants[col->j].n_called == 0) return; /* never added */
    for (int i = 0; i < n; i++) {
        double x = product_value(c, s, b, col, i);
        for (int q = c->rs_off[e->row]; q < c->rs_off[e->row + 1]; q++)
            s->part[(size_t)c->rs_k[q] * n + i] -= c->rs_w[q] * x;
        if (col->model == DUET_MODEL_ADDITIVE) s->part[(size_t)c->K * n + i] -= x;
    }
}

/* A row matched again in a later block: out of W, of the column's row
 * count and of the named-dosage sums. */
static void drop_duplicate(ctx_t *c, slot_t *s, const duet_geno_block_t *b, const event_t *e)
{
    col_t *col = &s->cols[e->col];
    for (int q = c->rs_off[e->row]; q < c->rs_off[e->row + 1]; q++) {
        s->W[(size_t)c->rs_k[q] * s->m_cols + e->col] -= c->rs_w[q];
        c->res->report[c->rs_k[q]].n_duplicated++;
    }
    col->n_rows--;
    if (s->part) take_back(c, s, b, e);
    if (col->model == DUET_MODEL_ADDITIVE) {
        s->W[(size_t)c->K * s->m_cols + e->col] -= 1.0;
        return;
    }
    const uint8_t *miss = b->variants[col->j].n_missing > 0
                              ? b->missing + (size_t)col->j * c->n : NULL;
    for (int i = 0; i < c->n; i++)
        if (!miss || !miss[i]) s->named[i] -= raw_value(b, col, i);
}

/* SUM += E W (the columns copied into E) and, in direct mode, D Wd: the
 * block's dosage matrix D itself, its weights Wd scattered from the
 * additive columns (a REF effect allele: minus the weight on each ALT of
 * the record and twice the weight as a constant). */
static duet_err_t products(ctx_t *c, slot_t *s, const duet_geno_block_t *b, double *out)
{
    int n = c->n, K1 = c->K + 1, nv = b->n_variants;
    if (!s->direct) {
        if (s->n_cols > 0)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, K1, s->n_cols, 1.0, s->E,
                        n, s->W, s->m_cols, 1.0, out, n);
        return DUET_OK;
    }
    if (grow((void **)&s->Wd, &s->m_wd, nv * K1, sizeof *s->Wd) ||
        grow((void **)&s->We, &s->m_we, (s->n_cols ? s->n_cols : 1) * K1, sizeof *s->We))
        return DUET_ENOMEM;
    memset(s->Wd, 0, (size_t)nv * K1 * sizeof *s->Wd);
    memset(s->konst, 0, (size_t)K1 * sizeof *s->konst);
    int n_e = 0;
    for (int ci = 0; ci < s->n_cols; ci++) {
        const col_t *col = &s->cols[ci];
        const duet_variant_t *v = &b->variants[col->j];
        if (col->e_idx >= 0) {
            n_e++;
            continue;
        }
        if (v->n_called == 0) continue; /* nothing to impute from */
        int j0 = col->j - (v->allele - 1);
        for (int k = 0; k < K1; k++) {
            double wk = s->W[(size_t)k * s->m_cols + ci];
            if (wk == 0) continue;
            if (!col->swapped) {
                s->Wd[(size_t)k * nv + col->j] += wk;
                continue;
            }
            for (int a = 0; a < v->n_alleles - 1; a++) s->Wd[(size_t)k * nv + j0 + a] -= wk;
            s->konst[k] += 2.0 * wk;
        }
    }
    if (nv > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, K1, nv, 1.0, b->dosage, n, s->Wd,
                    nv, 1.0, out, n);
    for (int k = 0; k < K1; k++)
        if (s->konst[k] != 0)
            for (int i = 0; i < n; i++) out[(size_t)k * n + i] += s->konst[k];
    if (n_e == 0) return DUET_OK;
    for (int ci = 0; ci < s->n_cols; ci++) {
        const col_t *col = &s->cols[ci];
        if (col->e_idx < 0) continue;
        for (int k = 0; k < K1; k++)
            s->We[(size_t)k * n_e + col->e_idx] = s->W[(size_t)k * s->m_cols + ci];
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, K1, n_e, 1.0, s->E, n, s->We, n_e,
                1.0, out, n);
    return DUET_OK;
}

/* The products counted the imputed values of missing calls in the
 * named-dosage sums (called alleles only) and, for additive columns read
 * in place, in the scores under no_mean_imputation: take them back out. */
static void corrections(ctx_t *c, const slot_t *s, const duet_geno_block_t *b)
{
    int n = c->n;
    double *named = c->acc + (size_t)c->K * n;
    for (int ci = 0; ci < s->n_cols; ci++) {
        const col_t *col = &s->cols[ci];
        if (col->model != DUET_MODEL_ADDITIVE || !col->n_rows || !col->n_miss) continue;
        if (b->variants[col->j].n_called == 0) continue;
        const double *e = col->e_idx >= 0 ? s->E + (size_t)col->e_idx * n : NULL;
        for (int q = 0; q < col->n_miss; q++) {
            int i = s->miss[col->miss_off + q];
            double x = e ? e[i] : raw_value(b, col, i);
            named[i] -= col->n_rows * x;
            if (e || !c->o->no_mean_imputation) continue;
            for (int k = 0; k < c->K; k++)
                c->acc[(size_t)k * n + i] -= s->W[(size_t)k * s->m_cols + ci] * x;
        }
    }
}

static duet_err_t emit(duet_geno_block_t *b, void *arg)
{
    ctx_t *c = arg;
    duet_score_result_t *res = c->res;
    slot_t *s = &c->slots[b->index % (uint64_t)c->n_slots];
    int n = c->n;
    duet_err_t err;
    for (int x = 0; x < s->n_ev; x++) {
        const event_t *e = &s->ev[x];
        int r = e->row;
        if (e->col == -2) {
            for (int q = c->rs_off[r]; q < c->rs_off[r + 1]; q++)
                res->report[c->rs_k[q]].n_duplicated++;
        } else if (e->col == -1) {
            if (res->status[r] < e->status && !is_match(res->status[r]))
                res->status[r] = (uint8_t)e->status;
        } else if (is_match(res->status[r])) {
            drop_duplicate(c, s, b, e);
        } else {
            res->status[r] = (uint8_t)e->status;
            if ((err = record_match(res, r, &b->variants[e->j]))) return err;
            const col_t *col = &s->cols[e->col];
            c->all_used++;
            for (int q = 0; q < col->n_miss; q++) c->all_miss[s->miss[col->miss_off + q]]++;
            for (int q = c->rs_off[r]; q < c->rs_off[r + 1]; q++) {
                int k = c->rs_k[q];
                c->n_used[k]++;
                int32_t *mk = c->miss_k + (size_t)k * n;
                for (int z = 0; z < col->n_miss; z++) mk[s->miss[col->miss_off + z]]++;
            }
        }
    }
    if (!s->part) {
        if ((err = products(c, s, b, c->acc))) return err;
    } else {
        size_t nk = (size_t)n * (c->K + 1);
        for (size_t z = 0; z < nk; z++) c->acc[z] += s->part[z];
    }
    corrections(c, s, b);
    if (s->has_named)
        for (int i = 0; i < n; i++) res->named_dosage_sum[i] += s->named[i];
    if (b->n_variants > 0) {
        const duet_variant_t *last = &b->variants[b->n_variants - 1];
        res->n_records = (int64_t)last->record + 1;
        res->n_vcf_variants += b->n_variants;
    }
    return DUET_OK;
}

void duet_score_opts_init(duet_score_opts_t *o, const char *vcf)
{
    memset(o, 0, sizeof *o);
    o->vcf = vcf;
    o->threads = 1;
}

void duet_score_result_destroy(duet_score_result_t *res)
{
    if (!res) return;
    for (int i = 0; i < res->n_samples && res->sample_ids; i++) free(res->sample_ids[i]);
    free(res->sample_ids);
    for (int r = 0; r < res->n_rows && res->match_chrom; r++) {
        free(res->match_chrom[r]);
        free(res->match_ref[r]);
        free(res->match_alt[r]);
    }
    free(res->match_chrom);
    free(res->match_ref);
    free(res->match_alt);
    free(res->match_pos);
    free(res->sum);
    free(res->allele_ct);
    free(res->all_allele_ct);
    free(res->named_dosage_sum);
    free(res->report);
    free(res->status);
    free(res);
}

static duet_err_t result_create(int n, int K, int n_rows, duet_score_result_t **out)
{
    duet_score_result_t *res = duet_calloc(1, sizeof *res);
    if (!res) return DUET_ENOMEM;
    res->n_samples = n;
    res->n_scores = K;
    res->n_rows = n_rows;
    size_t nk = (size_t)n * K, nr = (size_t)(n_rows ? n_rows : 1);
    res->sample_ids = duet_calloc((size_t)n, sizeof *res->sample_ids);
    res->sum = duet_calloc(nk, sizeof *res->sum);
    res->allele_ct = duet_calloc(nk, sizeof *res->allele_ct);
    res->all_allele_ct = duet_calloc((size_t)n, sizeof(double));
    res->named_dosage_sum = duet_calloc((size_t)n, sizeof(double));
    res->report = duet_calloc((size_t)K, sizeof *res->report);
    res->status = duet_calloc(nr, 1);
    res->match_chrom = duet_calloc(nr, sizeof(char *));
    res->match_ref = duet_calloc(nr, sizeof(char *));
    res->match_alt = duet_calloc(nr, sizeof(char *));
    res->match_pos = duet_calloc(nr, sizeof(int64_t));
    *out = res;
    if (!res->sample_ids || !res->sum || !res->allele_ct || !res->all_allele_ct ||
        !res->named_dosage_sum || !res->report || !res->status || !res->match_chrom ||
        !res->match_ref || !res->match_alt || !res->match_pos)
        return DUET_ENOMEM;
    return DUET_OK;
}

/* The scores of each row, as compressed rows. */
static duet_err_t row_scores(ctx_t *c)
{
    const duet_weights_t *w = c->w;
    c->rs_off = duet_calloc((size_t)w->n_rows + 1, sizeof *c->rs_off);
    if (!c->rs_off) return DUET_ENOMEM;
    size_t total = 0;
    for (int r = 0; r < w->n_rows; r++) {
        for (int k = 0; k < w->n_scores; k++) total += !isnan(w->weight[k][r]);
        if (total > (size_t)INT32_MAX) return duet_log_oom(total * 12);
        c->rs_off[r + 1] = (int)total;
    }
    c->rs_k = duet_malloc((total ? total : 1) * sizeof *c->rs_k);
    c->rs_w = duet_malloc((total ? total : 1) * sizeof *c->rs_w);
    if (!c->rs_k || !c->rs_w) return DUET_ENOMEM;
    for (int r = 0; r < w->n_rows; r++) {
        int q = c->rs_off[r];
        for (int k = 0; k < w->n_scores; k++) {
            if (isnan(w->weight[k][r])) continue;
            c->rs_k[q] = k;
            c->rs_w[q++] = w->weight[k][r];
        }
    }
    return DUET_OK;
}

static duet_err_t ctx_setup(ctx_t *c, int threads, int n_slots)
{
    duet_err_t err = row_scores(c);
    if (err) return err;
    c->in_work = (double)c->n * (c->K + 1) * n_slots * sizeof(double) <= 512.0 * 1024 * 1024;
    c->stamp = duet_calloc((size_t)threads, sizeof *c->stamp);
    c->slots = duet_calloc((size_t)n_slots, sizeof *c->slots);
    c->n_used = duet_calloc((size_t)c->K, sizeof *c->n_used);
    c->miss_k = duet_calloc((size_t)c->n * c->K, sizeof *c->miss_k);
    c->all_miss = duet_calloc((size_t)c->n, sizeof *c->all_miss);
    c->acc = duet_calloc((size_t)c->n * (c->K + 1), sizeof *c->acc);
    if (!c->stamp || !c->slots || !c->n_used || !c->miss_k || !c->all_miss || !c->acc)
        return DUET_ENOMEM;
    c->n_slots = n_slots;
    for (int t = 0; t < threads; t++)
        if (!(c->stamp[t] = duet_calloc((size_t)(c->w->n_rows ? c->w->n_rows : 1), sizeof(uint32_t))))
            return DUET_ENOMEM;
    for (int i = 0; i < n_slots; i++) {
        slot_t *s = &c->slots[i];
        s->named = duet_malloc((size_t)c->n * sizeof *s->named);
        s->W = duet_malloc((size_t)(c->K + 1) * sizeof *s->W); /* grown with the columns */
        s->has_named = 1; /* cleared at the first block */
        s->konst = duet_malloc((size_t)(c->K + 1) * sizeof *s->konst);
        if (!s->konst) return DUET_ENOMEM;
        /* the products of a block in its slot, unless that takes too much
         * memory (then emit() computes them, one block at a time) */
        if (c->in_work && !(s->part = duet_malloc((size_t)c->n * (c->K + 1) * sizeof *s->part)))
            return DUET_ENOMEM;
        if (!s->named || !s->W || grow((void **)&s->cand, &s->m_cand, 16, sizeof *s->cand))
            return DUET_ENOMEM;
    }
    return DUET_OK;
}

static void ctx_free(ctx_t *c, int threads)
{
    for (int t = 0; c->stamp && t < threads; t++) free(c->stamp[t]);
    free(c->stamp);
    for (int i = 0; c->slots && i < c->n_slots; i++) {
        slot_t *s = &c->slots[i];
        free(s->cols);
        free(s->ev);
        free(s->E);
        free(s->W);
        free(s->named);
        free(s->miss);
        free(s->cand);
        free(s->alts);
        free(s->part);
        free(s->Wd);
        free(s->We);
        free(s->konst);
    }
    free(c->slots);
    free(c->rs_off);
    free(c->rs_k);
    free(c->rs_w);
    free(c->n_used);
    free(c->miss_k);
    free(c->all_miss);
    free(c->acc);
    duet_match_index_destroy(c->idx);
}

/* Allele counts and the per-score report, once every block is in. */
static void finish(ctx_t *c)
{
    duet_score_result_t *res = c->res;
    int n = c->n;
    memcpy(res->sum, c->acc, (size_t)n * c->K * sizeof *res->sum);
    for (int i = 0; i < n; i++) res->named_dosage_sum[i] += c->acc[(size_t)c->K * n + i];
    for (int k = 0; k < c->K; k++)
        for (int i = 0; i < n; i++)
            res->allele_ct[(size_t)k * n + i] = 2.0 * (double)(c->n_used[k] - c->miss_k[(size_t)k * n + i]);
    for (int i = 0; i < n; i++) res->all_allele_ct[i] = 2.0 * (double)(c->all_used - c->all_miss[i]);
    for (int r = 0; r < c->w->n_rows; r++) {
        int st = res->status[r];
        for (int q = c->rs_off[r]; q < c->rs_off[r + 1]; q++) {
            duet_score_report_t *rep = &res->report[c->rs_k[q]];
            rep->n_rows++;
            rep->n_matched += is_match(st);
            rep->n_swapped += st == DUET_MATCH_SWAPPED || st == DUET_MATCH_FLIPPED_SWAPPED;
            rep->n_flipped += st == DUET_MATCH_FLIPPED || st == DUET_MATCH_FLIPPED_SWAPPED;
            rep->n_ambiguous_kept += st == DUET_MATCH_AMBIGUOUS_KEPT;
            rep->n_ambiguous += st == DUET_MATCH_AMBIGUOUS;
            rep->n_mismatch += st == DUET_MATCH_MISMATCH;
            rep->n_absent += st == DUET_MATCH_ABSENT;
        }
    }
}

duet_err_t duet_score_compute(const duet_weights_t *w, const duet_score_opts_t *o,
                              duet_score_result_t **out)
{
    *out = NULL;
    if (w->n_scores == 0 || w->n_rows == 0) {
        duet_log_error("no weights to score");
        return DUET_EUSAGE;
    }
    int threads = o->threads > 0 ? o->threads : 1;
    duet_geno_t *geno = NULL;
    duet_score_result_t *res = NULL;
    ctx_t c = {0};
    c.w = w;
    c.o = o;
    c.K = w->n_scores;
    duet_geno_opts_t go;
    duet_geno_opts_init(&go, o->vcf);
    go.samples = o->samples;
    go.n_samples = o->n_samples;
    go.field = o->dosage ? DUET_GENO_DS : DUET_GENO_GT;
    go.want_missing_mask = 1;
    go.threads = threads >= 4 ? threads / 2 : 1; /* as duet freq: bench/reader.sh */
    duet_err_t err = duet_geno_open(&go, &geno);
    if (err) return err;
    c.n = duet_geno_n_samples(geno);
    if ((err = duet_match_index_build(w, o->match_id, &c.idx))) goto cleanup;
    int n_slots = 2 * threads + 2;
    if ((err = ctx_setup(&c, threads, n_slots))) goto cleanup;
    if ((err = result_create(c.n, c.K, w->n_rows, &res))) goto cleanup;
    for (int i = 0; i < c.n; i++)
        if (!(res->sample_ids[i] = strdup(duet_geno_sample(geno, i)))) {
            err = duet_log_oom(64);
            goto cleanup;
        }
    c.res = res;
    duet_geno_scan_t scan = {o->block > 0 ? o->block : 16, n_slots, threads, work, emit, &c};
    if ((err = duet_geno_scan(geno, &scan))) goto cleanup;
    finish(&c);
    *out = res;
    res = NULL;

cleanup:
    ctx_free(&c, threads);
    duet_score_result_destroy(res);
    duet_geno_close(geno);
    return err;
}

/* One line of the report of score k (for the log and errors). */
static void report_line(char *buf, size_t size, const duet_score_report_t *r)
{
    snprintf(buf, size,
             "%lld variants: %lld matched (%.2f%%; %lld swapped, %lld flipped, %lld ambiguous "
             "kept), %lld ambiguous dropped, %lld allele mismatch, %lld absent, %lld duplicated",
             (long long)r->n_rows, (long long)r->n_matched,
             r->n_rows ? 100.0 * (double)r->n_matched / (double)r->n_rows : 0.0,
             (long long)r->n_swapped, (long long)r->n_flipped, (long long)r->n_ambiguous_kept,
             (long long)r->n_ambiguous, (long long)r->n_mismatch, (long long)r->n_absent,
             (long long)r->n_duplicated);
}

void duet_score_report_format(const duet_score_report_t *r, char *buf, size_t size)
{
    report_line(buf, size, r);
}

duet_err_t duet_score_check(const duet_weights_t *w, const duet_score_result_t *res,
                            double min_overlap)
{
    duet_err_t err = DUET_OK;
    for (int k = 0; k < res->n_scores; k++) {
        const duet_score_report_t *r = &res->report[k];
        double frac = r->n_rows ? (double)r->n_matched / (double)r->n_rows : 0;
        if (r->n_matched > 0 && frac >= min_overlap) continue;
        char line[512];
        report_line(line, sizeof line, r);
        if (r->n_matched == 0)
            duet_log_error("score %s: no variant of the weights matches the VCF: %s",
                           duet_weights_score_name(w, k), line);
        else
            duet_log_error("score %s: %.2f%% of the variants matched, below --min-overlap "
                           "%g%%: %s", duet_weights_score_name(w, k), 100 * frac,
                           100 * min_overlap, line);
        err = DUET_EMISMATCH;
    }
    return err;
}
