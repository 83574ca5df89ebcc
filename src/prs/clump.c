/*
 * clump.c -- LD clumping as plink 1.9 --clump (clump.h): the summary
 * statistics are read once into memory (and hashed by chromosome and
 * position), the reference is read once in file order, each matched
 * variant's hard calls enter a window of the matched variants within the
 * radius, and the r² of every pair in the window that involves a possible
 * index variant (p <= p1) is computed (ld.h) as the newer variant arrives.
 * The pairs in LD are kept; plink's greedy pass then forms the clumps from
 * them in p order.  The result is the same as visiting the index variants in
 * p order and computing r² around each (plink's way), because a pair's r²
 * does not depend on the order, and the window's memory stays bounded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/clump.h"
#include "duet/geno.h"
#include "duet/ld.h"
#include "duet/log.h"
#include "duet/progress.h"
#include "duet/sumstats.h"
#include "clump_internal.h"

KHASH_MAP_INIT_INT64(ck_pos, int)

void duet_clump_opts_init(duet_clump_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->p1 = 1e-4;
    o->p2 = 1e-2;
    o->r2 = 0.5;
    o->kb = 250.0;
    o->threads = 1;
}

int64_t duet_clump_bp_radius(double kb)
{
    /* plink 1.9: (uint32_t)(kb * 1000 * (1 + SMALL_EPSILON)) - 1 */
    return (int64_t)(kb * 1000.0 * (1.0 + 0.00000000000005684341886080801486968994140625)) - 1;
}

int duet_clump_histo_class(double p)
{
    if (p < 0.001) return p < 0.0001 ? 4 : 3;
    if (p < 0.01) return 2;
    if (p < 0.05) return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The string pool and the rows of the summary statistics */

size_t ck_pool_add(ck_state_t *st, const char *s)
{
    if (!s) return CK_NONE;
    size_t off = st->pool.l;
    if (kputs(s, &st->pool) < 0 || kputc('\0', &st->pool) < 0) {
        st->oom = 1;
        return CK_NONE;
    }
    return off;
}

/* Chromosome names compared without "chr" and case, M as MT. */
static void norm_chrom(const char *c, char *buf, size_t n)
{
    if (!strncasecmp(c, "chr", 3)) c += 3;
    size_t k = 0;
    for (; c[k] && k + 1 < n; k++) buf[k] = (char)(c[k] >= 'a' && c[k] <= 'z' ? c[k] - 32 : c[k]);
    buf[k] = '\0';
    if (!strcmp(buf, "M")) strcpy(buf, "MT");
}

/* The number of a normalised chromosome name; added when `add`; -1 if
 * absent (or on allocation failure, with st->oom set). */
int ck_chrom_code(ck_state_t *st, const char *name, int add)
{
    char buf[64];
    norm_chrom(name, buf, sizeof buf);
    for (int i = 0; i < st->n_chroms; i++)
        if (!strcmp(st->chroms[i], buf)) return i;
    if (!add) return -1;
    if (st->n_chroms == st->m_chroms) {
        int m = st->m_chroms ? 2 * st->m_chroms : 32;
        char **c = duet_realloc(st->chroms, (size_t)m * sizeof *c);
        if (!c) {
            st->oom = 1;
            return -1;
        }
        st->chroms = c;
        st->m_chroms = m;
    }
    if (!(st->chroms[st->n_chroms] = strdup(buf))) {
        st->oom = 1;
        return -1;
    }
    return st->n_chroms++;
}

static inline int64_t pos_key(int chrom, int64_t pos)
{
    return ((int64_t)chrom << 40) | pos;
}

static duet_err_t add_row(ck_state_t *st, const duet_sumstats_row_t *r)
{
    if (st->n_rows == st->m_rows) {
        int64_t m = st->m_rows ? 2 * st->m_rows : 4096;
        ck_row_t *rows = duet_realloc(st->rows, (size_t)m * sizeof *rows);
        if (!rows) return DUET_ENOMEM;
        st->rows = rows;
        st->m_rows = m;
    }
    if (r->pos >= (INT64_C(1) << 40)) {
        duet_log_error("%s:%lld: position %lld is beyond 2^40", duet_sumstats_path(st->ss),
                       (long long)r->lineno, (long long)r->pos);
        return DUET_EFORMAT;
    }
    ck_row_t *row = &st->rows[st->n_rows];
    memset(row, 0, sizeof *row);
    row->chrom = ck_chrom_code(st, r->chrom, 1);
    row->pos = r->pos;
    row->id = ck_pool_add(st, r->id);
    row->ea = ck_pool_add(st, r->effect_allele);
    row->oa = ck_pool_add(st, r->other_allele);
    row->beta = r->beta;
    row->p = r->p;
    row->mlp = r->mlp;
    row->variant = -1;
    if (st->oom) return DUET_ENOMEM;
    int absent;
    khash_t(ck_pos) *h = st->hash;
    khint_t k = kh_put(ck_pos, h, pos_key(row->chrom, row->pos), &absent);
    if (absent < 0) return duet_log_oom(sizeof(int64_t));
    row->next = absent ? -1 : kh_val(h, k);
    kh_val(h, k) = (int)st->n_rows;
    st->n_rows++;
    return DUET_OK;
}

static duet_err_t load_sumstats(ck_state_t *st)
{
    duet_err_t err = duet_sumstats_open(st->opts.sumstats, &st->ss);
    if (err) return err;
    if (!(st->hash = kh_init(ck_pos))) return duet_log_oom(sizeof(khash_t(ck_pos)));
    duet_sumstats_row_t r;
    int rc;
    while ((rc = duet_sumstats_next(st->ss, &r, &err)) == 1) {
        st->counts.n_rows++;
        if (isnan(r.p) && isnan(r.mlp)) {
            st->counts.n_no_p++;
            continue;
        }
        if (isnan(r.p)) r.p = pow(10.0, -r.mlp);
        if (isnan(r.mlp)) r.mlp = r.p > 0 ? -log10(r.p) : INFINITY;
        if (st->n_rows >= INT32_MAX - 1) {
            duet_log_error("%s: more than %d rows", st->opts.sumstats, INT32_MAX - 1);
            return DUET_EFORMAT;
        }
        if ((err = add_row(st, &r))) return err;
    }
    if (rc < 0) return err;
    if (st->n_rows == 0) {
        duet_log_error("%s: no row with a p-value (%lld rows read)", st->opts.sumstats,
                       (long long)st->counts.n_rows);
        return DUET_EDEGENERATE;
    }
    return DUET_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Per chromosome, the sorted positions of the rows that may be index
 * variants: a reference variant farther than the radius from all of them
 * pairs with none and stays out of the window. */
static duet_err_t eligible_positions(ck_state_t *st)
{
    int nc = st->n_chroms;
    st->elig_pos = duet_calloc((size_t)(nc ? nc : 1), sizeof *st->elig_pos);
    st->n_elig_pos = duet_calloc((size_t)(nc ? nc : 1), sizeof *st->n_elig_pos);
    if (!st->elig_pos || !st->n_elig_pos) return DUET_ENOMEM;
    for (int64_t i = 0; i < st->n_rows; i++)
        if (st->rows[i].p <= st->opts.p1) st->n_elig_pos[st->rows[i].chrom]++;
    for (int c = 0; c < nc; c++) {
        if (!st->n_elig_pos[c]) continue;
        if (!(st->elig_pos[c] = duet_malloc((size_t)st->n_elig_pos[c] * sizeof **st->elig_pos)))
            return DUET_ENOMEM;
        st->n_elig_pos[c] = 0;
    }
    for (int64_t i = 0; i < st->n_rows; i++) {
        const ck_row_t *r = &st->rows[i];
        if (r->p <= st->opts.p1) st->elig_pos[r->chrom][st->n_elig_pos[r->chrom]++] = r->pos;
    }
    for (int c = 0; c < nc; c++)
        if (st->n_elig_pos[c])
            qsort(st->elig_pos[c], (size_t)st->n_elig_pos[c], sizeof **st->elig_pos, cmp_i64);
    return DUET_OK;
}

/* ------------------------------------------------------------------ */

void duet_clump_result_destroy(duet_clump_result_t *res)
{
    if (!res) return;
    ck_store_t *s = res->internal;
    if (s) {
        free(s->pool);
        free(s->members);
        free(s);
    }
    free(res->variants);
    free(res->clumps);
    free(res);
}

static void state_free(ck_state_t *st)
{
    duet_sumstats_close(st->ss);
    if (st->hash) kh_destroy(ck_pos, (khash_t(ck_pos) *)st->hash);
    for (int i = 0; i < st->n_chroms; i++) free(st->chroms[i]);
    free(st->chroms);
    free(st->rows);
    free(st->pool.s);
    free(st->matched);
    free(st->edge_a);
    free(st->edge_b);
    ck_window_free(&st->win);
    for (int c = 0; st->elig_pos && c < st->n_chroms; c++) free(st->elig_pos[c]);
    free(st->elig_pos);
    free(st->n_elig_pos);
}

/* The index of the first row of a position, or -1. */
int ck_rows_at(const ck_state_t *st, int chrom, int64_t pos)
{
    const khash_t(ck_pos) *h = st->hash;
    khint_t k = kh_get(ck_pos, h, pos_key(chrom, pos));
    return k == kh_end(h) ? -1 : kh_val(h, k);
}

/* Turn the matched variants into the result's, with pointers into the
 * pool (now final). */
static duet_err_t make_variants(ck_state_t *st, duet_clump_result_t *res)
{
    ck_store_t *store = duet_calloc(1, sizeof *store);
    if (!store) return DUET_ENOMEM;
    res->internal = store;
    res->variants = duet_calloc(st->n_matched ? (size_t)st->n_matched : 1, sizeof *res->variants);
    if (!res->variants) return DUET_ENOMEM;
    res->n_variants = st->n_matched;
    for (int i = 0; i < st->n_matched; i++) {
        const ck_matched_t *m = &st->matched[i];
        const ck_row_t *r = &st->rows[m->row];
        duet_clump_variant_t *v = &res->variants[i];
        v->chrom = st->pool.s + m->ref_chrom;
        v->pos = r->pos;
        v->id = st->pool.s + m->id;
        v->effect_allele = st->pool.s + r->ea;
        v->other_allele = st->pool.s + m->other;
        v->beta = r->beta;
        v->p = r->p;
        v->mlp = r->mlp;
        v->effect_is_alt = m->effect_is_alt;
    }
    /* the pool moves to the result */
    store->pool = st->pool.s;
    st->pool.s = NULL;
    st->pool.l = st->pool.m = 0;
    return DUET_OK;
}

static void count_rows(ck_state_t *st)
{
    duet_clump_counts_t *c = &st->counts;
    for (int64_t i = 0; i < st->n_rows; i++) {
        const ck_row_t *r = &st->rows[i];
        if (r->status == CK_UNSEEN && (st->counts.n_regions > 0 || st->nothing_to_read) &&
            !ck_near_eligible(st, r->chrom, r->pos)) {
            c->n_outside++;
            continue;
        }
        switch (r->status) {
        case CK_MATCHED: c->n_matched++; break;
        case CK_DUPLICATE: c->n_duplicate++; break;
        case CK_POS_SEEN: c->n_allele_mismatch++; break;
        default: c->n_absent++; break;
        }
        if (r->status != CK_MATCHED && r->status != CK_DUPLICATE && r->p <= st->opts.p1)
            c->n_index_absent++;
    }
}

static duet_err_t check_opts(const duet_clump_opts_t *o)
{
    if (!(o->p1 > 0.0 && o->p1 <= 1.0) || !(o->p2 > 0.0 && o->p2 <= 1.0)) {
        duet_log_error("p-value thresholds must lie in (0, 1] (p1 %g, p2 %g)", o->p1, o->p2);
        return DUET_EUSAGE;
    }
    if (!(o->r2 >= 0.0 && o->r2 < 1.0)) {
        duet_log_error("the r² threshold must lie in [0, 1) (%g)", o->r2);
        return DUET_EUSAGE;
    }
    if (!(o->kb >= 0.001 && o->kb <= 1e6)) {
        duet_log_error("the window must lie in [0.001, 1000000] kb (%g)", o->kb);
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

duet_err_t duet_clump_run(const duet_clump_opts_t *opts, duet_clump_result_t **out)
{
    *out = NULL;
    duet_err_t err = check_opts(opts);
    if (err) return err;
    ck_state_t st;
    memset(&st, 0, sizeof st);
    st.opts = *opts;
    st.radius = duet_clump_bp_radius(opts->kb);
    duet_clump_result_t *res = NULL;
    int64_t *adj_start = NULL;
    int *adj = NULL;

    if ((err = load_sumstats(&st)) || (err = eligible_positions(&st))) goto cleanup;
    if ((err = ck_reference_pass(&st))) goto cleanup;
    count_rows(&st);
    st.counts.n_pairs_ld = (int64_t)st.n_edges;
    if (st.counts.n_matched == 0 && !st.nothing_to_read) {
        duet_log_error("no summary statistic matched a variant of %s: %lld rows with a p-value, "
                       "%lld absent from the reference, %lld with other alleles",
                       opts->vcf, (long long)(st.counts.n_rows - st.counts.n_no_p),
                       (long long)st.counts.n_absent, (long long)st.counts.n_allele_mismatch);
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    if (!(res = duet_calloc(1, sizeof *res))) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    res->opts = *opts;
    res->sumstats_format = duet_sumstats_format_name(duet_sumstats_format(st.ss));
    if ((err = ck_adjacency(&st, &adj_start, &adj))) goto cleanup;
    double *p = duet_malloc(2 * (size_t)st.n_matched * sizeof *p);
    if (!p) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int i = 0; i < st.n_matched; i++) {
        p[i] = st.rows[st.matched[i].row].p;
        st.counts.n_index_candidates += p[i] <= opts->p1;
        p[st.n_matched + i] = st.rows[st.matched[i].row].mlp;
    }
    int *members = NULL;
    err = duet_clump_greedy(st.n_matched, p, p + st.n_matched, opts->p1, adj_start, adj,
                            &res->clumps, &res->n_clumps, &members);
    free(p);
    if (err) goto cleanup;
    if ((err = make_variants(&st, res))) {
        free(members);
        goto cleanup;
    }
    ((ck_store_t *)res->internal)->members = members;
    for (int c = 0; c < res->n_clumps; c++) st.counts.n_clumped += res->clumps[c].n_members;
    res->counts = st.counts;
    if (res->n_clumps == 0)
        duet_log_warn("no matched variant has p <= %g: no clumps", opts->p1);

cleanup:
    free(adj_start);
    free(adj);
    state_free(&st);
    if (err) {
        duet_clump_result_destroy(res);
        res = NULL;
    }
    *out = res;
    return err;
}
