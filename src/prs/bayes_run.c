/*
 * bayes_run.c -- duet_bayes_run(): duet prs bayes from files to files.
 * Summary statistics (sumstats.h) are standardised as PRS-CS does
 * (parse_genet.py: beta / se, or sign(beta) |Phi^-1(p/2)|, over sqrt(n)),
 * matched to the LD reference (built on the fly from a VCF, or read from
 * a duet ld file) by chromosome, position and alleles, the sampler
 * (bayes.c) runs over the matched sub-blocks, and the posterior means are
 * written as per-allele weights with the reference frequency (beta /
 * sqrt(2 f (1 - f))), with a trace of phi, h2 and sigma2 and a log.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/dist.h"
#include "duet/ldref.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/prs_bayes.h"
#include "duet/sumstats.h"
#include "duet/tsv.h"
#include "duet/version.h"

KHASH_MAP_INIT_STR(pos, int)

typedef struct {
    char *ea, *oa;     /* effect and other allele (oa may be NULL) */
    double beta_std, n;
    int next;          /* next row at the same position, -1 */
    int used;
} ss_row_t;

typedef struct {
    ss_row_t *rows;
    int n, m;
    khash_t(pos) *h;
    int64_t n_read, n_untested;
} ss_table_t;

typedef struct {
    duet_ld_block_t *blocks;
    int n_blocks, m_blocks;
    int64_t n_variants;
} ld_all_t;

/* Per matched variant, in LD order. */
typedef struct {
    const duet_ld_variant_t *v;
    const ss_row_t *row;
    int sign;          /* +1: effect allele = ALT; -1: effect allele = REF */
} match_t;

typedef struct {
    int64_t matched, flipped, allele_mismatch, duplicated, absent;
} match_stats_t;

void duet_bayes_opts_init(duet_bayes_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->window_variants = 500;
    o->threads = 1;
    duet_bayes_params_init(&o->par);
}

static const char *strip_chr(const char *c)
{
    return strncasecmp(c, "chr", 3) == 0 && c[3] ? c + 3 : c;
}

static void ss_free(ss_table_t *t)
{
    if (t->h) {
        for (khint_t k = kh_begin(t->h); k != kh_end(t->h); k++)
            if (kh_exist(t->h, k)) free((char *)kh_key(t->h, k));
        kh_destroy(pos, t->h);
    }
    for (int i = 0; i < t->n; i++) {
        free(t->rows[i].ea);
        free(t->rows[i].oa);
    }
    free(t->rows);
}

/* The standardised effect of a row that has beta with an SE or a p;
 * DUET_EFORMAT (reported) if it has no sample size. */
static duet_err_t standardise(const char *path, const duet_sumstats_row_t *r, double n_gwas,
                              double *beta_std, double *n)
{
    *n = n_gwas > 0 ? n_gwas : r->n;
    if (!(*n > 0)) {
        duet_log_error("%s:%lld: no sample size for this variant (the file has no n column or "
                       "it is missing here): give --n", path, (long long)r->lineno);
        return DUET_EFORMAT;
    }
    double z;
    if (isfinite(r->beta) && isfinite(r->se) && r->se > 0) {
        z = r->beta / r->se;
    } else if (isfinite(r->beta) && isfinite(r->mlp)) {
        z = sqrt(duet_dist_chisq1_from_logp(-r->mlp * M_LN10));
        if (r->beta < 0) z = -z;
        else if (r->beta == 0) z = 0;
    } else {
        return DUET_EINTERNAL; /* ss_read() skips such rows */
    }
    *beta_std = z / sqrt(*n);
    return DUET_OK;
}

static duet_err_t ss_add(ss_table_t *t, const duet_sumstats_row_t *r, double beta_std, double n)
{
    if (t->n == t->m) {
        int m = t->m ? 2 * t->m : 1024;
        ss_row_t *rows = realloc(t->rows, sizeof *rows * m);
        if (!rows) return duet_log_oom(sizeof *rows * m);
        t->rows = rows;
        t->m = m;
    }
    ss_row_t *s = &t->rows[t->n];
    memset(s, 0, sizeof *s);
    s->ea = strdup(r->effect_allele);
    s->oa = r->other_allele ? strdup(r->other_allele) : NULL;
    s->beta_std = beta_std;
    s->n = n;
    s->next = -1;
    if (!s->ea || (r->other_allele && !s->oa)) return duet_log_oom(64);
    t->n++;
    kstring_t key = { 0, 0, NULL };
    ksprintf(&key, "%s:%lld", strip_chr(r->chrom), (long long)r->pos);
    if (!key.s) return duet_log_oom(64);
    int absent;
    khint_t k = kh_put(pos, t->h, key.s, &absent);
    if (absent < 0) return duet_log_oom(64);
    if (absent) {
        kh_val(t->h, k) = t->n - 1;
    } else { /* append to the chain, keeping file order */
        free(key.s);
        int i = kh_val(t->h, k);
        while (t->rows[i].next >= 0) i = t->rows[i].next;
        t->rows[i].next = t->n - 1;
    }
    return DUET_OK;
}

static duet_err_t ss_read(const char *path, double n_gwas, ss_table_t *t)
{
    duet_sumstats_t *ss = NULL;
    duet_err_t err = duet_sumstats_open(path, &ss);
    if (err) return err;
    if (!(t->h = kh_init(pos))) {
        duet_sumstats_close(ss);
        return duet_log_oom(64);
    }
    duet_sumstats_row_t r;
    int rc;
    while ((rc = duet_sumstats_next(ss, &r, &err)) == 1) {
        double beta_std, n;
        t->n_read++;
        if (!isfinite(r.beta) || (!(isfinite(r.se) && r.se > 0) && !isfinite(r.mlp))) {
            t->n_untested++; /* no effect to use (an untested variant: #NA) */
            continue;
        }
        if ((err = standardise(path, &r, n_gwas, &beta_std, &n))) break;
        if ((err = ss_add(t, &r, beta_std, n))) break;
    }
    if (!err) {
        duet_log_info("%s: %s, %lld variants, %lld without an effect (beta with an SE or a p) "
                      "skipped", path, duet_sumstats_format_name(duet_sumstats_format(ss)),
                      (long long)t->n_read, (long long)t->n_untested);
    }
    duet_sumstats_close(ss);
    return err;
}

static void ld_free(ld_all_t *ld)
{
    for (int k = 0; k < ld->n_blocks; k++) duet_ld_block_free(&ld->blocks[k]);
    free(ld->blocks);
}

/* The sumstats row of an LD variant: alleles equal (sign +1) or swapped
 * (sign -1); a sumstats file without other alleles matches on the effect
 * allele alone.  NULL if none. */
static ss_row_t *find_row(ss_table_t *t, const duet_ld_variant_t *v, int *sign,
                          match_stats_t *st)
{
    kstring_t key = { 0, 0, NULL };
    ksprintf(&key, "%s:%lld", strip_chr(v->chrom), (long long)v->pos);
    khint_t k = key.s ? kh_get(pos, t->h, key.s) : kh_end(t->h);
    free(key.s);
    if (k == kh_end(t->h)) return NULL;
    ss_row_t *found = NULL;
    for (int i = kh_val(t->h, k); i >= 0; i = t->rows[i].next) {
        ss_row_t *s = &t->rows[i];
        int sg = 0;
        if (!strcasecmp(s->ea, v->alt) && (!s->oa || !strcasecmp(s->oa, v->ref))) sg = 1;
        else if (!strcasecmp(s->ea, v->ref) && (!s->oa || !strcasecmp(s->oa, v->alt))) sg = -1;
        if (!sg) continue;
        if (found || s->used) { /* a second row for the variant, or a row used twice */
            st->duplicated++;
            continue;
        }
        found = s;
        *sign = sg;
    }
    if (!found) st->allele_mismatch++;
    return found;
}

/* The model over the matched variants: per block with matches the
 * sub-matrix of D, the standardised effects, and the matched variants in
 * LD order. */
typedef struct {
    int n_blocks, m_blocks;
    int *size;
    double **ld;
    double *beta_mrg;
    match_t *matches;
    int p, m_p;
} model_t;

static void model_free(model_t *m)
{
    for (int k = 0; k < m->n_blocks; k++) free(m->ld[k]);
    free(m->ld);
    free(m->size);
    free(m->beta_mrg);
    free(m->matches);
}

/* Room for one more block of up to `m_variants` variants in the model. */
static duet_err_t model_grow(model_t *m, int m_variants)
{
    if (m->n_blocks == m->m_blocks) {
        int nb = m->m_blocks ? 2 * m->m_blocks : 64;
        int *size = realloc(m->size, sizeof(int) * nb);
        if (size) m->size = size;
        double **ld = realloc(m->ld, sizeof(double *) * nb);
        if (ld) m->ld = ld;
        if (!size || !ld) return duet_log_oom(sizeof(double *) * nb);
        m->m_blocks = nb;
    }
    if (m->p + m_variants > m->m_p) {
        int np = m->m_p ? 2 * m->m_p : 4096;
        while (np < m->p + m_variants) np *= 2;
        double *bm = realloc(m->beta_mrg, sizeof(double) * np);
        if (bm) m->beta_mrg = bm;
        match_t *mt = realloc(m->matches, sizeof(match_t) * np);
        if (mt) m->matches = mt;
        if (!bm || !mt) return duet_log_oom(sizeof(match_t) * np);
        m->m_p = np;
    }
    return DUET_OK;
}

/* Match one LD block as it is read: its variants found in the sumstats
 * join the model with the sub-matrix of D between them; the block's full
 * matrix is freed, so that memory holds the matched sub-blocks only. */
static duet_err_t match_block(ss_table_t *t, duet_ld_block_t *b, model_t *m,
                              match_stats_t *st)
{
    duet_err_t err = model_grow(m, b->m);
    if (err) return err;
    int *idx = duet_malloc(sizeof(int) * b->m), mk = 0;
    if (!idx) return DUET_ENOMEM;
    for (int i = 0; i < b->m; i++) {
        int sign = 0;
        ss_row_t *row = find_row(t, &b->variants[i], &sign, st);
        if (!row) continue;
        row->used = 1;
        st->matched++;
        st->flipped += sign < 0;
        idx[mk++] = i;
        match_t *mt = &m->matches[m->p];
        mt->v = &b->variants[i]; /* the variants array stays put */
        mt->row = row;
        mt->sign = sign;
        m->beta_mrg[m->p++] = sign * row->beta_std; /* effect of the ALT allele */
    }
    double *d = mk ? duet_malloc(sizeof(double) * (size_t)mk * mk) : NULL;
    if (mk && !d) err = DUET_ENOMEM;
    for (int j = 0; j < mk && d; j++)
        for (int i = 0; i < mk; i++) d[(size_t)j * mk + i] = b->r[(size_t)idx[j] * b->m + idx[i]];
    if (d) {
        m->size[m->n_blocks] = mk;
        m->ld[m->n_blocks++] = d;
    }
    free(idx);
    free(b->r);
    b->r = NULL;
    return err;
}

/* Read the LD reference block by block, matching each as it comes. */
static duet_err_t ld_read(const char *path, ld_all_t *ld, ss_table_t *t, model_t *m,
                          match_stats_t *st)
{
    duet_ld_reader_t *r = NULL;
    duet_err_t err = duet_ld_open(path, &r);
    if (err) return err;
    for (;;) {
        if (ld->n_blocks == ld->m_blocks) {
            int mb = ld->m_blocks ? 2 * ld->m_blocks : 64;
            duet_ld_block_t *b = realloc(ld->blocks, sizeof *b * mb);
            if (!b) { err = duet_log_oom(sizeof *b * mb); break; }
            memset(b + ld->m_blocks, 0, sizeof *b * (mb - ld->m_blocks));
            ld->blocks = b;
            ld->m_blocks = mb;
        }
        duet_ld_block_t *blk = &ld->blocks[ld->n_blocks];
        int rc = duet_ld_next(r, blk, &err);
        if (rc <= 0) break;
        ld->n_variants += blk->m;
        ld->n_blocks++;
        if ((err = match_block(t, blk, m, st))) break;
    }
    if (!err) {
        duet_log_info("%s: %lld variants in %d blocks (reference of %d samples)", path,
                      (long long)ld->n_variants, ld->n_blocks, duet_ld_n_samples(r));
    }
    duet_ld_close(r);
    for (int i = 0; i < t->n && !err; i++) st->absent += !t->rows[i].used;
    st->absent -= st->duplicated; /* duplicated rows are not absent ones */
    if (st->absent < 0) st->absent = 0;
    return err;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* --n, else the median n of the matched variants. */
static double gwas_n(const duet_bayes_opts_t *o, const model_t *m)
{
    if (o->n_gwas > 0) return o->n_gwas;
    double *v = malloc(sizeof(double) * m->p);
    if (!v) return m->matches[0].row->n;
    for (int i = 0; i < m->p; i++) v[i] = m->matches[i].row->n;
    qsort(v, m->p, sizeof(double), cmp_double);
    double med = m->p % 2 ? v[m->p / 2] : (v[m->p / 2 - 1] + v[m->p / 2]) / 2;
    free(v);
    return med;
}

/* Provenance lines ("## duet ...", "## command: ...") unless --no-version. */
static duet_err_t put_provenance(const duet_bayes_opts_t *o, duet_out_t *out)
{
    if (o->no_version) return DUET_OK;
    return duet_out_printf(out, "## %s\n## command: %s\n", duet_version_string(),
                           duet_opts_cmdline());
}

static duet_err_t write_weights(const duet_bayes_opts_t *o, const model_t *m,
                                const duet_bayes_result_t *res, duet_out_t *out)
{
    duet_err_t err = put_provenance(o, out);
    if (!err) err = duet_out_puts(out, "## score bayes: PRS-CS-auto posterior mean effects per "
                                       "copy of effect_allele (duet prs bayes)\n");
    if (!err) err = duet_out_puts(out, "chromosome\tbase_pair_location\tvariant_id\t"
                                       "effect_allele\tother_allele\tbayes\n");
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    for (int i = 0; i < m->p && !err; i++) {
        const match_t *mt = &m->matches[i];
        const duet_ld_variant_t *v = mt->v;
        double f = v->af, w = res->beta[i] / sqrt(2.0 * f * (1.0 - f));
        duet_tsv_str(&row, v->chrom);
        duet_tsv_int(&row, v->pos);
        duet_tsv_str(&row, strcmp(v->id, ".") ? v->id : "#NA");
        duet_tsv_str(&row, mt->sign > 0 ? v->alt : v->ref);
        duet_tsv_str(&row, mt->sign > 0 ? v->ref : v->alt);
        duet_tsv_double(&row, mt->sign * w, 8, "NA");
        err = duet_tsv_row_write(&row, out);
    }
    duet_tsv_row_free(&row);
    return err;
}

static duet_err_t write_trace(const duet_bayes_opts_t *o, const duet_bayes_result_t *res,
                              duet_out_t *out)
{
    duet_err_t err = put_provenance(o, out);
    if (!err) err = duet_out_puts(out, "iteration\tphi\th2\tsigma2\n");
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    for (int t = 0; t < res->n_kept && !err; t++) {
        duet_tsv_int(&row, res->trace_iter[t]);
        duet_tsv_double(&row, res->trace_phi[t], 8, "NA");
        duet_tsv_double(&row, res->trace_h2[t], 8, "NA");
        duet_tsv_double(&row, res->trace_sigma2[t], 8, "NA");
        err = duet_tsv_row_write(&row, out);
    }
    duet_tsv_row_free(&row);
    return err;
}

static void mean_sd(const double *x, int n, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++) s += x[i];
    *mean = n ? s / n : 0;
    for (int i = 0; i < n; i++) ss += (x[i] - *mean) * (x[i] - *mean);
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
}

/* The summary, to the log file and (unless --quiet) stderr. */
static duet_err_t write_log(const duet_bayes_opts_t *o, const ss_table_t *t, const ld_all_t *ld,
                            const model_t *m, const match_stats_t *st, double n,
                            const duet_bayes_result_t *res, duet_out_t *out)
{
    kstring_t s = { 0, 0, NULL };
    if (!o->no_version) ksprintf(&s, "# %s\n# command: %s\n", duet_version_string(), duet_opts_cmdline());
    ksprintf(&s, "sumstats_variants: %lld\nsumstats_without_effect: %lld\nld_variants: %lld\nld_blocks: %d\n",
             (long long)t->n_read, (long long)t->n_untested, (long long)ld->n_variants,
             ld->n_blocks);
    ksprintf(&s, "matched: %lld\nmatched_swapped: %lld\nallele_mismatch: %lld\n"
                 "duplicated: %lld\nabsent_from_ld: %lld\nblocks_used: %d\n",
             (long long)st->matched, (long long)st->flipped, (long long)st->allele_mismatch,
             (long long)st->duplicated, (long long)st->absent, m->n_blocks);
    ksprintf(&s, "n_gwas: %.10g\na: %.10g\nb: %.10g\nphi: %s\nn_iter: %d\nn_burnin: %d\n"
                 "thin: %d\nseed: %llu\nkept_iterations: %d\n", n, o->par.a, o->par.b,
             o->par.phi > 0 ? "fixed" : "auto", o->par.n_iter, o->par.n_burnin, o->par.thin,
             (unsigned long long)o->par.seed, res->n_kept);
    const char *names[3] = { "phi", "h2", "sigma2" };
    const double *tr[3] = { res->trace_phi, res->trace_h2, res->trace_sigma2 };
    for (int i = 0; i < 3; i++) {
        double mu, sd;
        mean_sd(tr[i], res->n_kept, &mu, &sd);
        ksprintf(&s, "posterior_mean_%s: %.6g\nposterior_sd_%s: %.6g\n", names[i], mu, names[i], sd);
        duet_log_info("posterior %s: mean %.6g, sd %.6g", names[i], mu, sd);
    }
    if (!s.s) return duet_log_oom(256);
    duet_err_t err = duet_out_puts(out, s.s);
    free(s.s);
    return err;
}

/* The LD reference: read from --ld, or built from --vcf into --ld-out's
 * P.ld.zst (kept) or a temporary file beside the outputs (removed). */
static duet_err_t get_ld(const duet_bayes_opts_t *o, ld_all_t *ld, ss_table_t *t, model_t *m,
                         match_stats_t *st)
{
    if (o->ld) return ld_read(o->ld, ld, t, m, st);
    kstring_t path = { 0, 0, NULL };
    ksprintf(&path, "%s%s", o->ld_out ? o->ld_out : o->out,
             o->ld_out ? ".ld.zst" : ".bayes.tmp-ld.zst");
    if (!path.s) return duet_log_oom(64);
    duet_ld_build_opts_t bo;
    duet_ld_build_opts_init(&bo);
    bo.vcf = o->vcf;
    bo.samples = o->samples;
    bo.blocks_bed = o->blocks_bed;
    bo.window_variants = o->window_variants;
    bo.window_kb = o->window_kb;
    bo.maf = o->maf;
    bo.threads = o->threads;
    bo.force = o->ld_out ? o->force : 1;
    kstring_t prov = { 0, 0, NULL };
    if (!o->no_version) ksprintf(&prov, "%s\ncommand: %s", duet_version_string(), duet_opts_cmdline());
    bo.provenance = prov.s;
    int handle = o->ld_out ? -1 : duet_cleanup_register(path.s, 0);
    duet_ld_build_stats_t bs;
    duet_err_t err = duet_ld_build(&bo, path.s, &bs);
    if (!err) {
        duet_log_info("LD reference from %s: %lld of %lld variants in %lld blocks%s%s", o->vcf,
                      (long long)bs.n_kept, (long long)bs.n_read, (long long)bs.n_blocks,
                      o->ld_out ? ", kept in " : "", o->ld_out ? path.s : "");
        err = ld_read(path.s, ld, t, m, st);
    }
    if (handle >= 0) duet_cleanup_remove(handle);
    free(prov.s);
    free(path.s);
    return err;
}

static duet_err_t open_outputs(const duet_bayes_opts_t *o, duet_out_t **outs)
{
    static const char *const suffix[3] = { ".bayes.weights.tsv.gz", ".bayes.trace.tsv", ".log" };
    for (int i = 0; i < 3; i++) {
        kstring_t p = { 0, 0, NULL };
        ksprintf(&p, "%s%s", o->out, suffix[i]);
        if (!p.s) return duet_log_oom(64);
        duet_err_t err = duet_out_create(p.s, i == 0 ? DUET_OUT_BGZF : DUET_OUT_PLAIN, o->force,
                                         1, &outs[i]);
        free(p.s);
        if (err) return err;
    }
    return DUET_OK;
}

duet_err_t duet_bayes_run(const duet_bayes_opts_t *o)
{
    duet_out_t *outs[3] = { NULL, NULL, NULL };
    ss_table_t t;
    ld_all_t ld;
    model_t m;
    match_stats_t st;
    duet_bayes_result_t res;
    memset(&t, 0, sizeof t);
    memset(&ld, 0, sizeof ld);
    memset(&m, 0, sizeof m);
    memset(&res, 0, sizeof res);
    memset(&st, 0, sizeof st);
    duet_err_t err;
    if ((err = open_outputs(o, outs))) goto cleanup;
    if ((err = ss_read(o->sumstats, o->n_gwas, &t))) goto cleanup;
    if ((err = get_ld(o, &ld, &t, &m, &st))) goto cleanup;
    duet_log_info("matched %lld variants (%lld with swapped alleles) in %d blocks; %lld LD "
                  "variants with other alleles, %lld duplicated rows, %lld sumstats variants "
                  "absent from the LD reference", (long long)st.matched, (long long)st.flipped,
                  m.n_blocks, (long long)st.allele_mismatch, (long long)st.duplicated,
                  (long long)st.absent);
    if (st.matched == 0) {
        duet_log_error("no variant of %s matches the LD reference %s by chromosome, position "
                       "and alleles", o->sumstats, o->ld ? o->ld : o->vcf);
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    double n = gwas_n(o, &m);
    duet_bayes_model_t md = { m.n_blocks, m.size, (const double *const *)m.ld, m.beta_mrg, n };
    duet_log_info("sampling: n %.10g, %d iterations (burn-in %d, thin %d), phi %s, %d threads",
                  n, o->par.n_iter, o->par.n_burnin, o->par.thin, o->par.phi > 0 ? "fixed" : "auto",
                  o->threads);
    if ((err = duet_bayes_gibbs(&md, &o->par, o->threads, &res))) goto cleanup;
    if ((err = write_weights(o, &m, &res, outs[0])) || (err = write_trace(o, &res, outs[1])) ||
        (err = write_log(o, &t, &ld, &m, &st, n, &res, outs[2])))
        goto cleanup;
    for (int i = 0; i < 3 && !err; i++) err = duet_out_close(outs[i], NULL);
    for (int i = 0; i < 3 && !err; i++) err = duet_out_publish(outs[i]);

cleanup:
    for (int i = 0; i < 3; i++) duet_out_destroy(outs[i]);
    duet_bayes_result_free(&res);
    model_free(&m);
    ld_free(&ld);
    ss_free(&t);
    return err;
}
