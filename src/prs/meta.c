/*
 * meta.c -- duet meta's run (meta.h): the k-way merge of position-sorted
 * summary statistics, allele alignment, the per-variant analysis and the
 * GWAS-SSF output (bgzip + tabix + YAML sidecar, as duet gwas writes it)
 * with a run log.  One row per study is buffered, plus the rows of the
 * position being combined (several at a multi-allelic site), so memory does
 * not grow with the number of variants.  Genomic control reads a study two
 * more times to find its median chi-square exactly in constant memory.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <htslib/kstring.h>

#include "duet/dist.h"
#include "duet/log.h"
#include "duet/meta.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/ssf.h"
#include "duet/sumstats.h"
#include "duet/tsv.h"
#include "duet/version.h"

#define NA "#NA"
#define DIGITS 10      /* significant digits of the statistics */
#define Z975 1.959963984540054

static const char header_line[] =
    DUET_SSF_COLUMNS "\tn_studies\tdirection\tz_score\thet_q\thet_df\thet_p_value\t"
    "i_squared\ttau_squared\tre_beta\tre_standard_error\tre_p_value\tre_neg_log_10_p_value\n";

void duet_meta_opts_init(duet_meta_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->scheme = DUET_META_STDERR;
    o->min_studies = 1;
    o->threads = 1;
}

/* One row of a study, with copies of its strings. */
typedef struct {
    kstring_t chrom, ea, oa, rsid;  /* chrom normalised (duet_meta_chrom_name) */
    int rank;
    int64_t pos, lineno;
    double beta, se, z, eaf, n;     /* se and z after genomic control */
    int ok;                         /* has what the scheme needs */
    int has_se;                     /* beta and se usable (heterogeneity) */
} row_t;

typedef struct {
    const char *path;
    duet_sumstats_t *ss;
    row_t head;          /* the next row, if has_head */
    int has_head;
    row_t *grp;          /* rows at the current position */
    int n_grp, m_grp;
    double n_fixed;      /* --n, or NAN */
    double lambda, gc;   /* genomic control: lambda and sqrt(max(1, lambda)) */
    char *trait;
    int last_rank;       /* key of the last row read, for the sort check */
    kstring_t last_chrom;
    int64_t last_pos;
    kstring_t raw_chrom, chrom;  /* the last chromosome as written, normalised */
    int rank;                    /* and its rank */
    uint64_t rows, used, swapped, mismatched, no_stat;
    double n_max;        /* the largest sample size of its rows (0: none) */
} study_t;

/* An output variant at the current position. */
typedef struct {
    const row_t *ref;    /* the row that defines its alleles */
    int *slot;           /* per study: index into grp, -1 absent */
    signed char *sign;   /* per study: +1, -1 (swapped) */
} rec_t;

typedef struct {
    const duet_meta_opts_t *o;
    int n_st;
    study_t *st;
    rec_t *recs;
    int n_recs, m_recs;
    double *b, *se, *z, *n;   /* per study scratch */
    char *dir;
    kstring_t key;            /* chromosome of the current position */
    kstring_t vid;            /* variant_id of the row being written */
    duet_out_t *out, *yaml, *log; /* the table, its sidecar, the run log */
    duet_tsv_row_t line;
    uint64_t n_positions, n_written, n_below_min, n_none;
} meta_t;

static void row_free(row_t *r)
{
    free(r->chrom.s);
    free(r->ea.s);
    free(r->oa.s);
    free(r->rsid.s);
}

static void set_str(kstring_t *ks, const char *s)
{
    ks->l = 0;
    kputs(s ? s : "", ks);
}

/* ------------------------------------------------------------------ */
/* Reading a study */

/* ln p of a row: from the p-value while it is a normal double (printed
 * to more digits than duet gwas's -log10 p), else from -log10 p. */
static double row_logp(const duet_sumstats_row_t *in)
{
    if (isfinite(in->p) && in->p >= 1e-300) return log(in->p);
    return isfinite(in->mlp) ? -in->mlp * M_LN10 : NAN;
}

/* Fill `r` from the reader's row; 0 or DUET_ENOMEM / DUET_EFORMAT. */
static duet_err_t take_row(const meta_t *m, study_t *s, const duet_sumstats_row_t *in, row_t *r)
{
    /* the chromosome's rank and name change rarely: computed once per run
     * of rows */
    if (!s->raw_chrom.s || strcmp(s->raw_chrom.s, in->chrom)) {
        set_str(&s->raw_chrom, in->chrom);
        size_t len = strlen(in->chrom) + 4;
        if (!s->raw_chrom.s || ks_resize(&s->chrom, len) < 0) return duet_log_oom(len);
        duet_meta_chrom_name(in->chrom, s->chrom.s, s->chrom.m);
        s->chrom.l = strlen(s->chrom.s);
        s->rank = duet_meta_chrom_rank(in->chrom);
    }
    set_str(&r->chrom, s->chrom.s);
    if (!r->chrom.s) return duet_log_oom(s->chrom.l + 1);
    r->rank = s->rank;
    r->pos = in->pos;
    r->lineno = in->lineno;
    if (!in->other_allele) {
        duet_log_error("%s:%lld: no other allele: duet meta matches variants by both alleles",
                       s->path, (long long)in->lineno);
        return DUET_EFORMAT;
    }
    set_str(&r->ea, in->effect_allele);
    set_str(&r->oa, in->other_allele);
    const char *rs = in->rsid ? in->rsid : in->id;
    set_str(&r->rsid, rs && rs[0] == 'r' && rs[1] == 's' && rs[2] >= '0' && rs[2] <= '9' ? rs : "");
    r->eaf = in->eaf;
    r->n = isfinite(s->n_fixed) ? s->n_fixed : in->n;
    if (isfinite(r->n) && r->n > s->n_max) s->n_max = r->n;
    r->beta = in->beta;
    r->se = in->se * s->gc;
    r->has_se = isfinite(in->beta) && isfinite(in->se) && in->se > 0;
    if (m->o->scheme == DUET_META_STDERR) {
        r->z = r->has_se ? r->beta / r->se : NAN;
        r->ok = r->has_se;
    } else {
        r->z = duet_meta_z_from_logp(row_logp(in), in->beta) / s->gc;
        r->ok = isfinite(r->z);
        if (r->ok && !(isfinite(r->n) && r->n > 0)) {
            duet_log_error("%s:%lld: no sample size: --scheme samplesize needs an n column or "
                           "--n for this study", s->path, (long long)in->lineno);
            return DUET_EFORMAT;
        }
    }
    if (ks_len(&r->ea) == 0 || ks_len(&r->oa) == 0 || !r->ea.s || !r->oa.s || !r->rsid.s) {
        if (!r->ea.s || !r->oa.s || !r->rsid.s) return duet_log_oom(0);
        duet_log_error("%s:%lld: empty allele", s->path, (long long)in->lineno);
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

/* Read the next row of `s` into s->head (has_head = 0 at the end),
 * refusing a row that sorts before the previous one. */
static duet_err_t advance(const meta_t *m, study_t *s)
{
    duet_sumstats_row_t in;
    duet_err_t err = DUET_OK;
    int rc = duet_sumstats_next(s->ss, &in, &err);
    if (rc < 0) return err ? err : DUET_EFORMAT;
    if (rc == 0) {
        s->has_head = 0;
        return DUET_OK;
    }
    row_t *r = &s->head;
    if ((err = take_row(m, s, &in, r))) return err;
    s->rows++;
    if (s->rows > 1 && duet_meta_key_cmp(r->rank, r->chrom.s, r->pos, s->last_rank,
                                         s->last_chrom.s, s->last_pos) < 0) {
        duet_log_error("%s:%lld: %s:%lld comes after %s:%lld: the file is not sorted (duet meta "
                       "needs chromosomes in the order 1-22, X, Y, XY, MT, then other names "
                       "alphabetically, and positions ascending; see duet-meta(1))",
                       s->path, (long long)r->lineno, r->chrom.s, (long long)r->pos,
                       s->last_chrom.s, (long long)s->last_pos);
        return DUET_EFORMAT;
    }
    s->last_rank = r->rank;
    s->last_pos = r->pos;
    set_str(&s->last_chrom, r->chrom.s);
    if (!s->last_chrom.s) return duet_log_oom(0);
    s->has_head = 1;
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* Genomic control: the exact median of a study's chi-squares in constant
 * memory.  Pass 1 counts the statistics in 2^19 bins that are monotone in
 * the value (the bits of the float nearest to it); pass 2 keeps the values
 * of the bins that hold the middle ranks. */

#define GC_BINS (1u << 19)

static uint32_t gc_bin(double chi2)
{
    float f = (float)chi2;
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u >> 12;
}

/* The chi-square of a reader row as the scheme reads it (NAN if none):
 * (beta / se)^2 for inverse-variance weighting, from p for sample size. */
static double gc_chi2(const meta_t *m, const duet_sumstats_row_t *in)
{
    if (m->o->scheme == DUET_META_STDERR) {
        if (!(isfinite(in->beta) && isfinite(in->se) && in->se > 0)) return NAN;
        double z = in->beta / in->se;
        return z * z;
    }
    double log_p = row_logp(in);
    return isfinite(log_p) ? duet_dist_chisq1_from_logp(log_p) : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One pass over `path`: with vals NULL count bins, else collect the
 * values of bins lo and hi into vals (at most `cap`). */
static duet_err_t gc_pass(const meta_t *m, const char *path, uint32_t *hist, uint32_t lo,
                          uint32_t hi, double *vals, size_t cap, size_t *n_vals)
{
    duet_sumstats_t *ss = NULL;
    duet_err_t err = duet_sumstats_open(path, &ss);
    if (err) return err;
    duet_sumstats_row_t in;
    int rc;
    *n_vals = 0;
    while ((rc = duet_sumstats_next(ss, &in, &err)) > 0) {
        double c = gc_chi2(m, &in);
        if (isnan(c)) continue;
        uint32_t b = gc_bin(c);
        if (!vals) {
            hist[b]++;
            (*n_vals)++;
        } else if ((b == lo || b == hi) && (*n_vals)++ < cap) {
            vals[*n_vals - 1] = c;
        }
    }
    duet_sumstats_close(ss);
    return rc < 0 ? (err ? err : DUET_EFORMAT) : DUET_OK;
}

static duet_err_t gc_lambda(const meta_t *m, study_t *s)
{
    uint32_t *hist = duet_calloc(GC_BINS, sizeof *hist);
    double *vals = NULL;
    size_t n = 0;
    duet_err_t err = DUET_OK;
    s->lambda = NAN;
    if (!hist) return DUET_ENOMEM;
    if ((err = gc_pass(m, s->path, hist, 0, 0, NULL, 0, &n))) goto cleanup;
    if (n > 0) {
        /* ranks (n - 1) / 2 and n / 2, 0-based: the median as
         * duet_dist_lambda_gc takes it */
        size_t r_lo = (n - 1) / 2, r_hi = n / 2, cum = 0, base_lo = 0;
        uint32_t b_lo = GC_BINS, b_hi = GC_BINS;
        for (uint32_t b = 0; b < GC_BINS && b_hi == GC_BINS; b++) {
            if (b_lo == GC_BINS && cum + hist[b] > r_lo) { b_lo = b; base_lo = cum; }
            if (cum + hist[b] > r_hi) b_hi = b;
            cum += hist[b];
        }
        size_t cap = hist[b_lo] + (b_hi != b_lo ? hist[b_hi] : 0), got = 0;
        vals = duet_malloc(cap * sizeof *vals);
        if (!vals) { err = DUET_ENOMEM; goto cleanup; }
        if ((err = gc_pass(m, s->path, hist, b_lo, b_hi, vals, cap, &got))) goto cleanup;
        if (got != cap) {
            duet_log_error("%s changed while it was read", s->path);
            err = DUET_EREAD;
            goto cleanup;
        }
        qsort(vals, got, sizeof *vals, cmp_double);
        double med = (vals[r_lo - base_lo] + vals[r_hi - base_lo]) / 2;
        s->lambda = med / duet_dist_chisq1_from_logp(-M_LN2);
    }
    s->gc = duet_meta_gc_factor(s->lambda);

cleanup:
    free(hist);
    free(vals);
    return err;
}

/* ------------------------------------------------------------------ */
/* The merge */

/* Move every study's rows at the smallest key into its group; 0 when all
 * studies are at their end (*done = 1). */
static duet_err_t collect(meta_t *m, int *done)
{
    const row_t *min = NULL;
    for (int i = 0; i < m->n_st; i++) {
        const row_t *h = &m->st[i].head;
        if (m->st[i].has_head &&
            (!min || duet_meta_key_cmp(h->rank, h->chrom.s, h->pos, min->rank, min->chrom.s,
                                       min->pos) < 0))
            min = h;
    }
    *done = !min;
    if (!min) return DUET_OK;
    /* the key is copied: the head it points to moves */
    int rank = min->rank;
    int64_t pos = min->pos;
    kstring_t *key = &m->key;
    set_str(key, min->chrom.s);
    if (!key->s) return duet_log_oom(0);
    for (int i = 0; i < m->n_st; i++) {
        study_t *s = &m->st[i];
        s->n_grp = 0;
        while (s->has_head &&
               duet_meta_key_cmp(s->head.rank, s->head.chrom.s, s->head.pos, rank, key->s,
                                 pos) == 0) {
            if (s->n_grp == s->m_grp) {
                int mm = s->m_grp ? 2 * s->m_grp : 4;
                row_t *g = duet_realloc(s->grp, (size_t)mm * sizeof *g);
                if (!g) return DUET_ENOMEM;
                memset(g + s->m_grp, 0, (size_t)(mm - s->m_grp) * sizeof *g);
                s->grp = g;
                s->m_grp = mm;
            }
            /* swap, so that buffers are reused rather than copied */
            row_t t = s->grp[s->n_grp];
            s->grp[s->n_grp++] = s->head;
            s->head = t;
            duet_err_t err = advance(m, s);
            if (err) return err;
        }
    }
    return DUET_OK;
}

static duet_err_t new_rec(meta_t *m, const row_t *ref, rec_t **out)
{
    if (m->n_recs == m->m_recs) {
        int mm = m->m_recs ? 2 * m->m_recs : 4;
        rec_t *r = duet_realloc(m->recs, (size_t)mm * sizeof *r);
        if (!r) return DUET_ENOMEM;
        for (int j = m->m_recs; j < mm; j++) {
            r[j].slot = duet_malloc((size_t)m->n_st * sizeof *r[j].slot);
            r[j].sign = duet_malloc((size_t)m->n_st);
            if (!r[j].slot || !r[j].sign) {
                for (int q = m->m_recs; q <= j; q++) { free(r[q].slot); free(r[q].sign); }
                m->recs = r;
                return DUET_ENOMEM;
            }
        }
        m->recs = r;
        m->m_recs = mm;
    }
    rec_t *r = &m->recs[m->n_recs++];
    r->ref = ref;
    for (int i = 0; i < m->n_st; i++) r->slot[i] = -1;
    *out = r;
    return DUET_OK;
}

/* Match the rows of the current position into output variants: studies
 * in order, rows in file order; a row joins the first variant with the
 * same (or swapped) alleles, else starts one, unless it matches one only
 * on the other strand (dropped, counted). */
static duet_err_t align_position(meta_t *m)
{
    m->n_recs = 0;
    for (int i = 0; i < m->n_st; i++) {
        study_t *s = &m->st[i];
        for (int g = 0; g < s->n_grp; g++) {
            const row_t *r = &s->grp[g];
            for (int h = 0; h < g; h++) {
                int a = duet_meta_align(r->ea.s, r->oa.s, s->grp[h].ea.s, s->grp[h].oa.s);
                if (a == 1 || a == -1) {
                    duet_log_error("%s:%lld: variant %s:%lld %s/%s appears twice (line %lld)",
                                   s->path, (long long)r->lineno, r->chrom.s, (long long)r->pos,
                                   r->ea.s, r->oa.s, (long long)s->grp[h].lineno);
                    return DUET_EFORMAT;
                }
            }
            int placed = 0, strand = 0;
            for (int v = 0; v < m->n_recs && !placed; v++) {
                rec_t *rc = &m->recs[v];
                int a = duet_meta_align(r->ea.s, r->oa.s, rc->ref->ea.s, rc->ref->oa.s);
                if ((a == 1 || a == -1) && rc->slot[i] < 0) {
                    rc->slot[i] = g;
                    rc->sign[i] = (signed char)a;
                    placed = 1;
                }
                strand |= a == 2;
            }
            if (placed) continue;
            if (strand) {
                s->mismatched++;
                continue;
            }
            rec_t *rc;
            duet_err_t err = new_rec(m, r, &rc);
            if (err) return err;
            rc->slot[i] = g;
            rc->sign[i] = 1;
        }
    }
    return DUET_OK;
}

/* %.10g without printf (duet_meta_format_g10); NaN and inf as #NA */
static void put_num(duet_tsv_row_t *l, double v)
{
    if (!isfinite(v)) {
        duet_tsv_strn(l, NA, sizeof NA - 1);
        return;
    }
    char buf[40];
    int n = duet_meta_format_g10(v, buf);
    duet_tsv_strn(l, buf, (size_t)n);
}

/* A non-negative integer (positions, counts) without printf. */
static void put_int(duet_tsv_row_t *l, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = (uint64_t)v;
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    duet_tsv_strn(l, p, (size_t)(buf + sizeof buf - p));
}

/* A p-value from ln p: as a double while exp() is exact enough (as
 * duet_dist_format_p decides), as mantissa and exponent beyond. */
static void put_p(duet_tsv_row_t *l, double log_p)
{
    if (isnan(log_p) || log_p >= 0 || log_p <= -700.0) {
        char buf[48];
        duet_dist_format_p(log_p, DIGITS, NA, buf, sizeof buf);
        duet_tsv_str(l, buf);
    } else {
        put_num(l, exp(log_p));
    }
}

/* p-value and its -log10 from ln p */
static void put_logp(duet_tsv_row_t *l, double log_p)
{
    put_p(l, log_p);
    put_num(l, duet_dist_neglog10(log_p));
}

/* The alleles of a variant are those of the first study with statistics
 * for it: signs turn if that study's row was the swapped one. */
static void choose_ref(const meta_t *m, rec_t *rc)
{
    for (int i = 0; i < m->n_st; i++) {
        if (rc->slot[i] < 0 || !m->st[i].grp[rc->slot[i]].ok) continue;
        rc->ref = &m->st[i].grp[rc->slot[i]];
        if (rc->sign[i] < 0)
            for (int j = 0; j < m->n_st; j++) rc->sign[j] = (signed char)-rc->sign[j];
        return;
    }
}

/* Combine and write one output variant (or count why it is not). */
static duet_err_t emit(meta_t *m, rec_t *rc)
{
    const duet_meta_opts_t *o = m->o;
    choose_ref(m, rc);
    int k = 0, k_se = 0, n_eaf = 0, n_eaf_n = 0, n_n = 0;
    double eaf = 0, eaf_w = 0, eaf_wn = 0, n_sum = 0;
    for (int i = 0; i < m->n_st; i++) {
        const row_t *r = rc->slot[i] >= 0 ? &m->st[i].grp[rc->slot[i]] : NULL;
        if (!r || !r->ok) {
            if (r) m->st[i].no_stat++;
            m->dir[i] = '?';
            continue;
        }
        double sg = rc->sign[i];
        m->b[k] = sg * r->beta;
        m->se[k] = r->se;
        m->z[k] = sg * r->z;
        m->n[k] = r->n;
        k_se += r->has_se;
        double est = o->scheme == DUET_META_STDERR ? m->b[k] : m->z[k];
        m->dir[i] = est > 0 ? '+' : est < 0 ? '-' : '0';
        if (isfinite(r->eaf)) {
            double f = sg > 0 ? r->eaf : 1 - r->eaf;
            eaf += f;
            n_eaf++;
            if (isfinite(r->n) && r->n > 0) { eaf_w += r->n * f; eaf_wn += r->n; n_eaf_n++; }
        }
        if (isfinite(r->n)) { n_sum += r->n; n_n++; }
        k++;
    }
    if (k == 0) { m->n_none++; return DUET_OK; }
    if (k < o->min_studies) { m->n_below_min++; return DUET_OK; }
    for (int i = 0; i < m->n_st; i++) {
        const row_t *r = rc->slot[i] >= 0 ? &m->st[i].grp[rc->slot[i]] : NULL;
        if (!r || !r->ok) continue;
        m->st[i].used++;
        m->st[i].swapped += rc->sign[i] < 0;
    }
    duet_meta_ivw_t iv;
    duet_meta_ivw(m->b, m->se, k_se == k ? k : 0, &iv);
    double z = iv.z, log_p = iv.log_p, beta = iv.beta, se = iv.se;
    if (o->scheme == DUET_META_SAMPLESIZE) {
        duet_meta_samplesize(m->z, m->n, k, &z, &log_p);
        beta = se = NAN;
    }
    const row_t *ref = rc->ref;
    duet_tsv_row_t *l = &m->line;
    duet_tsv_str(l, ref->chrom.s);
    put_int(l, ref->pos);
    duet_tsv_str(l, ref->ea.s);
    duet_tsv_str(l, ref->oa.s);
    put_num(l, beta);
    duet_tsv_str(l, NA); /* odds_ratio */
    put_num(l, se);
    /* frequency: weighted by n where every study gives it, else a mean */
    put_num(l, n_eaf == 0 ? NAN : n_eaf_n == n_eaf ? eaf_w / eaf_wn : eaf / n_eaf);
    put_logp(l, log_p);
    put_num(l, beta + Z975 * se);
    put_num(l, beta - Z975 * se);
    duet_tsv_str(l, ref->rsid.l ? ref->rsid.s : NA);
    kstring_t *vid = &m->vid;
    vid->l = 0;
    kputs(ref->chrom.s, vid);
    kputc('_', vid);
    kputll((long long)ref->pos, vid);
    kputc('_', vid);
    kputs(ref->oa.s, vid);
    kputc('_', vid);
    kputs(ref->ea.s, vid);
    duet_tsv_str(l, vid->s ? vid->s : NA);
    duet_tsv_str(l, NA); /* info */
    put_num(l, n_n ? n_sum : NAN);
    put_int(l, k);
    duet_tsv_strn(l, m->dir, (size_t)m->n_st);
    put_num(l, z);
    put_num(l, iv.q);
    if (isfinite(iv.q)) put_int(l, k - 1);
    else duet_tsv_str(l, NA);
    put_p(l, iv.q_log_p);
    put_num(l, iv.i2);
    put_num(l, iv.tau2);
    put_num(l, iv.re_beta);
    put_num(l, iv.re_se);
    put_logp(l, iv.re_log_p);
    m->n_written++;
    return duet_tsv_row_write(l, m->out);
}

/* ------------------------------------------------------------------ */
/* Sidecar and log */

static const char *scheme_name(const duet_meta_opts_t *o)
{
    return o->scheme == DUET_META_STDERR ? "stderr" : "samplesize";
}

static void put_lambda(duet_text_t *t, double v)
{
    if (isfinite(v)) duet_text_printf(t, "%.4f", v);
    else duet_text_puts(t, "\"" NA "\"");
}

/* The YAML sidecar: GWAS-SSF metadata as duet gwas writes it, and the
 * studies with their counts. */
static duet_err_t write_yaml(const meta_t *m, const char *tsv_path, const char *md5,
                             duet_out_t *y)
{
    const duet_meta_opts_t *o = m->o;
    duet_text_t ks = DUET_TEXT_INIT;
    const char *base = strrchr(tsv_path, '/');
    base = base ? base + 1 : tsv_path;
    duet_text_puts(&ks, "# GWAS-SSF metadata (GWAS Catalog summary statistics standard) written by duet meta\n");
    duet_text_puts(&ks, "file_type: GWAS-SSF v1.0\n");
    duet_text_puts(&ks, "data_file_name: "); duet_ssf_yaml_str(&ks, base); duet_text_puts(&ks, "\n");
    duet_text_printf(&ks, "data_file_md5sum: %s\n", md5);
    duet_text_puts(&ks, "is_harmonised: false\nis_sorted: true\n");
    duet_text_puts(&ks, "genome_assembly: "); duet_ssf_yaml_str(&ks, o->build ? o->build : NA); duet_text_puts(&ks, "\n");
    duet_text_puts(&ks, "coordinate_system: 1-based\n");
    duet_text_puts(&ks, "trait_description:");
    int n_traits = 0;
    for (int i = 0; i < m->n_st; i++) {
        const char *t = m->st[i].trait;
        int seen = !t;
        for (int j = 0; j < i && !seen; j++) seen = m->st[j].trait && !strcmp(m->st[j].trait, t);
        if (seen) continue;
        duet_text_puts(&ks, "\n  - "); duet_ssf_yaml_str(&ks, t);
        n_traits++;
    }
    duet_text_puts(&ks, n_traits ? "\n" : " []\n");
    /* the studies' largest sample sizes added up, when every study gives one */
    double n_total = 0;
    for (int i = 0; i < m->n_st && n_total >= 0; i++)
        n_total = m->st[i].n_max > 0 ? n_total + m->st[i].n_max : -1;
    if (n_total > 0) duet_text_printf(&ks, "sample_size: %.0f\n", n_total);
    if (!o->no_version) {
        duet_text_puts(&ks, "analysis_software: "); duet_ssf_yaml_str(&ks, duet_version_string()); duet_text_puts(&ks, "\n");
    }
    duet_text_puts(&ks, "duet:\n");
    if (!o->no_version) {
        duet_text_puts(&ks, "  command: "); duet_ssf_yaml_str(&ks, duet_opts_cmdline()); duet_text_puts(&ks, "\n");
    }
    duet_text_printf(&ks, "  model: \"%s; Cochran's Q, I^2, DerSimonian-Laird random effects\"\n",
             o->scheme == DUET_META_STDERR ? "fixed-effects inverse-variance weighting"
                                           : "sample-size-weighted Z");
    duet_text_printf(&ks, "  scheme: %s\n  genomic_control: %s\n  min_studies: %d\n", scheme_name(o),
             o->gc ? "true" : "false", o->min_studies);
    duet_text_printf(&ks, "  variants_written: %llu\n", (unsigned long long)m->n_written);
    duet_text_puts(&ks, "  studies:\n");
    for (int i = 0; i < m->n_st; i++) {
        const study_t *s = &m->st[i];
        duet_text_puts(&ks, "    - file: "); duet_ssf_yaml_str(&ks, s->path); duet_text_puts(&ks, "\n");
        duet_text_printf(&ks, "      format: %s\n",
                 duet_sumstats_format_name(duet_sumstats_format(s->ss)));
        duet_text_puts(&ks, "      trait: "); duet_ssf_yaml_str(&ks, s->trait ? s->trait : NA); duet_text_puts(&ks, "\n");
        duet_text_printf(&ks, "      rows: %llu\n      used: %llu\n      swapped: %llu\n"
                 "      allele_mismatches: %llu\n      no_statistics: %llu\n",
                 (unsigned long long)s->rows, (unsigned long long)s->used,
                 (unsigned long long)s->swapped, (unsigned long long)s->mismatched,
                 (unsigned long long)s->no_stat);
        if (o->gc) { duet_text_puts(&ks, "      lambda_gc: "); put_lambda(&ks, s->lambda); duet_text_puts(&ks, "\n"); }
    }
    duet_err_t err = duet_text_write(&ks, y);
    duet_text_free(&ks);
    return err;
}

/* The run summary (P.meta.log, and stderr). */
static void summary(const meta_t *m, kstring_t *ks)
{
    const duet_meta_opts_t *o = m->o;
    ksprintf(ks, "scheme: %s; genomic control: %s; min studies: %d\n", scheme_name(o),
             o->gc ? "on" : "off", o->min_studies);
    kputs("study\tfile\tformat\ttrait\trows\tused\tswapped\tallele_mismatches\tno_statistics"
          "\tnot_additive\tlambda_gc\n", ks);
    for (int i = 0; i < m->n_st; i++) {
        const study_t *s = &m->st[i];
        ksprintf(ks, "%d\t%s\t%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%lld\t", i + 1, s->path,
                 duet_sumstats_format_name(duet_sumstats_format(s->ss)),
                 s->trait ? s->trait : NA, (unsigned long long)s->rows,
                 (unsigned long long)s->used, (unsigned long long)s->swapped,
                 (unsigned long long)s->mismatched, (unsigned long long)s->no_stat,
                 (long long)duet_sumstats_n_skipped(s->ss));
        if (o->gc && isfinite(s->lambda)) ksprintf(ks, "%.4f\n", s->lambda);
        else kputs(NA "\n", ks);
    }
    ksprintf(ks, "variants: %llu written, %llu in fewer than %d studies, %llu without "
             "statistics in any study\n", (unsigned long long)m->n_written,
             (unsigned long long)m->n_below_min, o->min_studies, (unsigned long long)m->n_none);
}

/* ------------------------------------------------------------------ */
/* The run */

/* Open the studies, check that each has what the scheme needs, compare
 * their traits and read their first rows. */
static duet_err_t open_studies(meta_t *m)
{
    const duet_meta_opts_t *o = m->o;
    duet_err_t err;
    for (int i = 0; i < m->n_st; i++) {
        study_t *s = &m->st[i];
        s->path = o->inputs[i];
        s->n_fixed = o->n ? o->n[i] : NAN;
        s->lambda = NAN;
        s->gc = 1;
        if ((err = duet_sumstats_open(s->path, &s->ss))) return err;
        if (!duet_sumstats_has_other_allele(s->ss)) {
            duet_log_error("%s: no other-allele column: duet meta matches variants by "
                           "chromosome, position and both alleles", s->path);
            return DUET_EFORMAT;
        }
        if (!duet_sumstats_has_beta(s->ss)) {
            duet_log_error("%s: no beta or odds ratio column: the effect's direction is unknown",
                           s->path);
            return DUET_EFORMAT;
        }
        if (o->scheme == DUET_META_STDERR && !duet_sumstats_has_se(s->ss)) {
            duet_log_error("%s: no standard_error column: inverse-variance weighting needs it; "
                           "use --scheme samplesize (with --n or an n column) to combine "
                           "p-values and directions", s->path);
            return DUET_EFORMAT;
        }
        if ((err = duet_sumstats_yaml_trait(s->path, &s->trait))) return err;
    }
    /* the first study that names a trait against each that names another */
    const study_t *first = NULL;
    for (int i = 0; i < m->n_st; i++) {
        const study_t *s = &m->st[i];
        if (!s->trait) continue;
        if (!first) first = s;
        else if (strcmp(first->trait, s->trait))
            duet_log_warn("the studies name different traits in their YAML sidecars: '%s' (%s) "
                          "and '%s' (%s)", first->trait, first->path, s->trait, s->path);
    }
    for (int i = 0; i < m->n_st; i++) {
        study_t *s = &m->st[i];
        if (o->gc) {
            if ((err = gc_lambda(m, s))) return err;
            duet_log_info("%s: lambda GC %.4f%s", s->path, s->lambda,
                          s->gc > 1 ? ", standard errors inflated by its square root"
                                    : " (not above 1: no correction)");
        }
        if ((err = advance(m, s))) return err;
    }
    return DUET_OK;
}

/* Every position of the merge, in order. */
static duet_err_t merge_all(meta_t *m)
{
    for (;;) {
        int done;
        duet_err_t err = collect(m, &done);
        if (err || done) return err;
        m->n_positions++;
        if ((err = align_position(m))) return err;
        for (int v = 0; v < m->n_recs; v++)
            if ((err = emit(m, &m->recs[v]))) return err;
    }
}

static char *path_with(const char *prefix, const char *suffix)
{
    kstring_t ks = { 0, 0, NULL };
    ksprintf(&ks, "%s%s", prefix, suffix);
    if (!ks.s) (void)duet_log_oom(strlen(prefix) + strlen(suffix) + 1);
    return ks.s;
}

/* Close, index and publish the data file; then its sidecar and the log. */
static duet_err_t finish(meta_t *m, const char *tsv, const kstring_t *sum)
{
    const duet_meta_opts_t *o = m->o;
    duet_tabix_t tbx = { 1, 2, 2, 1, '#' };
    duet_out_t *y = m->yaml, *lg = m->log;
    int c_tsv = -1, c_tbi = -1;
    char *tbi = NULL;
    duet_err_t err;
    if ((err = duet_out_close(m->out, &tbx))) goto cleanup;
    if ((err = duet_out_publish(m->out))) goto cleanup;
    /* published files stay registered for removal until everything is */
    c_tsv = duet_cleanup_register(tsv, 0);
    if (!(tbi = path_with(tsv, ".tbi"))) { err = DUET_ENOMEM; goto cleanup; }
    c_tbi = duet_cleanup_register(tbi, 0);
    char md5[33];
    if ((err = duet_ssf_file_md5(tsv, md5))) goto cleanup;
    if ((err = write_yaml(m, tsv, md5, y))) goto cleanup;
    kstring_t head = { 0, 0, NULL };
    kputs("# duet meta run summary\n", &head);
    if (!o->no_version) ksprintf(&head, "# %s\n# %s\n", duet_version_string(), duet_opts_cmdline());
    if (!head.s) { err = duet_log_oom(0); goto cleanup; }
    err = duet_out_write(lg, head.s, head.l);
    free(head.s);
    if (err || (err = duet_out_write(lg, sum->s, sum->l))) goto cleanup;
    if ((err = duet_out_commit(y, NULL)) || (err = duet_out_commit(lg, NULL))) goto cleanup;
    duet_cleanup_release(c_tsv);
    duet_cleanup_release(c_tbi);
    c_tsv = c_tbi = -1;

cleanup:
    duet_cleanup_remove(c_tsv);
    duet_cleanup_remove(c_tbi);
    free(tbi);
    return err;
}

/* Never overwrite an input (with --force a study could be replaced by its
 * own meta-analysis): DUET_EUSAGE if `tsv` is one of them. */
static duet_err_t refuse_input_as_output(const duet_meta_opts_t *o, const char *tsv)
{
    struct stat so, si;
    if (!tsv || stat(tsv, &so) != 0) return DUET_OK;
    for (int i = 0; i < o->n_inputs; i++)
        if (stat(o->inputs[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            duet_log_error("the output '%s' is also an input", tsv);
            return DUET_EUSAGE;
        }
    return DUET_OK;
}

duet_err_t duet_meta_run(const duet_meta_opts_t *o)
{
    meta_t m = { 0 };
    m.o = o;
    m.n_st = o->n_inputs;
    int to_stdout = !strcmp(o->out, "-");
    char *tsv = NULL, *yaml_path = NULL, *log_path = NULL;
    kstring_t sum = { 0, 0, NULL };
    duet_err_t err = DUET_OK;
    duet_tsv_row_init(&m.line);
    m.st = duet_calloc((size_t)m.n_st, sizeof *m.st);
    m.b = duet_malloc((size_t)m.n_st * sizeof *m.b);
    m.se = duet_malloc((size_t)m.n_st * sizeof *m.se);
    m.z = duet_malloc((size_t)m.n_st * sizeof *m.z);
    m.n = duet_malloc((size_t)m.n_st * sizeof *m.n);
    m.dir = duet_malloc((size_t)m.n_st + 1);
    if (!m.st || !m.b || !m.se || !m.z || !m.n || !m.dir) { err = DUET_ENOMEM; goto cleanup; }
    if (!to_stdout) {
        tsv = path_with(o->out, ".meta.tsv.gz");
        yaml_path = path_with(o->out, ".meta.yaml");
        log_path = path_with(o->out, ".meta.log");
        if (!tsv || !yaml_path || !log_path) { err = DUET_ENOMEM; goto cleanup; }
    }
    if ((err = refuse_input_as_output(o, tsv)) || (err = open_studies(&m))) goto cleanup;
    /* every output is created first, so that an existing one stops the run
     * before the work */
    err = duet_out_create(to_stdout ? "-" : tsv, to_stdout ? DUET_OUT_PLAIN : DUET_OUT_BGZF,
                          o->force, o->threads, &m.out);
    if (!err && !to_stdout &&
        !(err = duet_out_create(yaml_path, DUET_OUT_PLAIN, o->force, 1, &m.yaml)))
        err = duet_out_create(log_path, DUET_OUT_PLAIN, o->force, 1, &m.log);
    if (err || (err = duet_out_puts(m.out, header_line))) goto cleanup;
    if ((err = merge_all(&m))) goto cleanup;
    summary(&m, &sum);
    if (!sum.s) { err = duet_log_oom(0); goto cleanup; }
    if (m.n_written == 0) {
        duet_log_error("no variant to write (%llu in fewer than %d studies, %llu without "
                       "statistics)", (unsigned long long)m.n_below_min, o->min_studies,
                       (unsigned long long)m.n_none);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    if (to_stdout) err = duet_out_commit(m.out, NULL);
    else err = finish(&m, tsv, &sum);
    if (err) goto cleanup;
    for (char *p = sum.s, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        *nl = 0;
        duet_log_info("%s", p);
    }

cleanup:
    duet_out_destroy(m.out);
    duet_out_destroy(m.yaml);
    duet_out_destroy(m.log);
    if (m.st)
        for (int i = 0; i < m.n_st; i++) {
            study_t *s = &m.st[i];
            duet_sumstats_close(s->ss);
            row_free(&s->head);
            for (int g = 0; g < s->m_grp; g++) row_free(&s->grp[g]);
            free(s->grp);
            free(s->trait);
            free(s->last_chrom.s);
            free(s->raw_chrom.s);
            free(s->chrom.s);
        }
    for (int v = 0; v < m.m_recs; v++) {
        free(m.recs[v].slot);
        free(m.recs[v].sign);
    }
    free(m.recs);
    free(m.st);
    free(m.b);
    free(m.se);
    free(m.z);
    free(m.n);
    free(m.dir);
    free(m.key.s);
    free(m.vid.s);
    duet_tsv_row_free(&m.line);
    free(sum.s);
    free(tsv);
    free(yaml_path);
    free(log_path);
    return err;
}
