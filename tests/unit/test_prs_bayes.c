/*
 * test_prs_bayes.c -- the pieces of duet ld and duet prs bayes: the GIG
 * sampler against the distribution's analytic mean and variance (Bessel
 * functions), the nearest non-negative definite projection, the LD file
 * (round trip, truncation, corruption), the Gibbs sampler against the
 * closed-form posterior when psi and sigma2 are fixed, and the sampler's
 * independence of the thread count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duet/ldref.h"
#include "duet/log.h"
#include "duet/prs_bayes.h"
#include "duet/rng.h"
#include "unit.h"

void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* 1e5 draws: sample mean and variance within 5 standard errors of the
 * analytic ones (the variance's error from the sample fourth moment). */
static void gig_moments(double p, double a, double b, double mean, double var)
{
    enum { N = 100000 };
    static double x[N];
    duet_rng_t rng;
    duet_rng_init(&rng, 42, (uint64_t)(p * 1000 + a * 10 + b));
    double s = 0;
    int positive = 1;
    for (int i = 0; i < N; i++) {
        x[i] = duet_gig_draw(&rng, p, a, b);
        positive &= x[i] > 0 && isfinite(x[i]);
        s += x[i];
    }
    double m = s / N, m2 = 0, m4 = 0;
    for (int i = 0; i < N; i++) {
        double d = (x[i] - m) * (x[i] - m);
        m2 += d;
        m4 += d * d;
    }
    m2 /= N;
    m4 /= N;
    char name[160];
    snprintf(name, sizeof name, "GIG(%g, %g, %g): draws positive and finite", p, a, b);
    CHECK(positive, name);
    snprintf(name, sizeof name, "GIG(%g, %g, %g): mean %.5g vs analytic %.5g", p, a, b, m, mean);
    CHECK_NEAR(m, mean, 5 * sqrt(var / N), name);
    snprintf(name, sizeof name, "GIG(%g, %g, %g): variance %.5g vs analytic %.5g", p, a, b, m2,
             var);
    CHECK_NEAR(m2, var, 5 * sqrt((m4 - m2 * m2) / N), name);
}

static void test_gig(void)
{
    /* analytic moments, checked on one case by hand: GIG(0.5, 2, 1) has
     * K_{1.5}(w)/K_{0.5}(w) = 1 + 1/w, w = sqrt 2: mean sqrt(1/2) (1 + 1/sqrt 2) */
    CHECK_NEAR(duet_gig_mean(0.5, 2, 1), sqrt(0.5) * (1 + 1 / sqrt(2.0)), 1e-12,
               "GIG mean from Bessel K (closed form at p = 1/2)");
    /* p = -1/2 is the inverse Gaussian: mean sqrt(b/a), variance sqrt(b^3/a^3)/sqrt(ab)... */
    double a = 3, b = 2, mu = sqrt(b / a), lam = b;
    CHECK_NEAR(duet_gig_mean(-0.5, a, b), mu, 1e-12, "GIG(-1/2) is inverse Gaussian: mean");
    CHECK_NEAR(duet_gig_var(-0.5, a, b), mu * mu * mu / lam, 1e-12,
               "GIG(-1/2) is inverse Gaussian: variance mu^3/lambda");
    double cases[][3] = {
        { 0.5, 2.0, 1.0 },      /* PRS-CS's p = a - 1/2 */
        { 0.5, 0.05, 20.0 },    /* small delta, large n beta^2 / sigma2 */
        { 0.5, 300.0, 0.01 },   /* large delta (small phi), beta near 0 */
        { 0.5, 3.0, 1e-4 },     /* near the gamma limit */
        { -1.5, 1.0, 3.0 },     /* negative p (the swap branch) */
        { 2.0, 4.0, 0.5 },
        { 0.0, 1.0, 1.0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double p = cases[i][0], aa = cases[i][1], bb = cases[i][2];
        gig_moments(p, aa, bb, duet_gig_mean(p, aa, bb), duet_gig_var(p, aa, bb));
    }
    /* b = 0: the Gamma(p, rate a/2) limit */
    gig_moments(0.5, 2.0, 0.0, 0.5, 0.5);
}

static int is_psd(const double *a, int m)
{
    double *c = malloc(sizeof(double) * m * m);
    memcpy(c, a, sizeof(double) * m * m);
    for (int i = 0; i < m; i++) c[i * m + i] += 1e-9;
    int info = 0;
    dpotrf_("L", &m, c, &m, &info);
    free(c);
    return info == 0;
}

static double frob(const double *a, const double *b, int m)
{
    double s = 0;
    for (int i = 0; i < m * m; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

static void test_psd(void)
{
    /* [[1,2],[2,1]] has eigenvalues 3 and -1: the nearest PSD matrix is
     * 3 v v' with v = (1,1)/sqrt 2, i.e. 1.5 everywhere; the third
     * variable is untouched. */
    double a[9] = { 1, 2, 0, 2, 1, 0, 0, 0, 3 };
    double want[9] = { 1.5, 1.5, 0, 1.5, 1.5, 0, 0, 0, 3 };
    int neg = -1;
    CHECK(duet_ld_psd_project(a, 3, &neg) == DUET_OK, "projection of a 3x3 runs");
    CHECK(neg == 1, "one negative eigenvalue clamped");
    CHECK(frob(a, want, 3) < 1e-12, "3x3 projection equals the known nearest PSD matrix");

    /* A PSD input (B B') comes back bit for bit. */
    enum { M = 7 };
    duet_rng_t rng;
    duet_rng_init(&rng, 5, 0);
    double bmat[M * M], c[M * M], c0[M * M];
    for (int i = 0; i < M * M; i++) bmat[i] = duet_rng_normal(&rng);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            double s = 0;
            for (int k = 0; k < M; k++) s += bmat[i + k * M] * bmat[j + k * M];
            c[i + j * M] = s + (i == j ? 0.5 : 0);
        }
    memcpy(c0, c, sizeof c);
    CHECK(duet_ld_psd_project(c, M, &neg) == DUET_OK && neg == 0, "PSD input: nothing clamped");
    CHECK(memcmp(c, c0, sizeof c) == 0, "PSD input unchanged");

    /* A random symmetric indefinite matrix: the result is PSD and nearer
     * to it than other PSD matrices (the input's own PSD part shifted,
     * and the identity). */
    double s[M * M], p[M * M];
    for (int i = 0; i < M; i++)
        for (int j = 0; j <= i; j++) s[i + j * M] = s[j + i * M] = duet_rng_normal(&rng);
    memcpy(p, s, sizeof s);
    CHECK(duet_ld_psd_project(p, M, &neg) == DUET_OK && neg > 0, "indefinite input: clamped");
    CHECK(is_psd(p, M), "projection is non-negative definite");
    int nearest = 1;
    for (int t = 0; t < 50; t++) {
        double x[M * M];
        for (int i = 0; i < M * M; i++) x[i] = p[i];
        double u[M];
        for (int i = 0; i < M; i++) u[i] = 0.3 * duet_rng_normal(&rng);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) x[i + j * M] += u[i] * u[j]; /* still PSD */
        if (frob(s, x, M) < frob(s, p, M) - 1e-12) nearest = 0;
    }
    double id[M * M] = { 0 };
    for (int i = 0; i < M; i++) id[i * M + i] = 1;
    CHECK(nearest && frob(s, p, M) <= frob(s, id, M), "projection is Frobenius-nearest among tried PSD matrices");
}

static void fill_block(duet_ld_block_t *b, int m, const char *chrom, int64_t pos0, duet_rng_t *rng)
{
    b->m = m;
    b->variants = calloc(m, sizeof *b->variants);
    b->r = malloc(sizeof(double) * m * m);
    for (int i = 0; i < m; i++) {
        char id[32];
        snprintf(id, sizeof id, "rs%lld", (long long)(pos0 + i));
        b->variants[i].chrom = strdup(chrom);
        b->variants[i].id = strdup(id);
        b->variants[i].ref = strdup("A");
        b->variants[i].alt = strdup(i % 2 ? "GT" : "C");
        b->variants[i].pos = pos0 + 10 * i;
        b->variants[i].af = 0.05 + 0.01 * i;
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j <= i; j++)
            b->r[i + j * m] = b->r[j + i * m] = i == j ? 1.0 : 0.4 * duet_rng_uniform(rng) - 0.2;
}

static int write_file(const char *path, duet_ld_block_t *blocks, int n)
{
    duet_ld_writer_t *w = NULL;
    if (duet_ld_writer_create(path, 1, 123, "test provenance", &w)) return 0;
    for (int k = 0; k < n; k++)
        if (duet_ld_writer_block(w, &blocks[k])) return 0;
    int ok = duet_ld_writer_commit(w) == DUET_OK;
    duet_ld_writer_destroy(w);
    return ok;
}

/* Read a whole file: DUET_OK and the blocks compared, or the error. */
static duet_err_t read_file(const char *path, duet_ld_block_t *want, int n, int *same)
{
    duet_ld_reader_t *r = NULL;
    duet_err_t err = duet_ld_open(path, &r);
    if (err) return err;
    duet_ld_block_t b = { 0 };
    int k = 0, rc;
    *same = duet_ld_n_samples(r) == 123 && !strcmp(duet_ld_provenance(r), "test provenance");
    while ((rc = duet_ld_next(r, &b, &err)) == 1) {
        if (k >= n || b.m != want[k].m) { *same = 0; k++; continue; }
        for (int i = 0; i < b.m; i++) {
            duet_ld_variant_t *x = &b.variants[i], *y = &want[k].variants[i];
            *same &= !strcmp(x->chrom, y->chrom) && !strcmp(x->id, y->id) &&
                     !strcmp(x->ref, y->ref) && !strcmp(x->alt, y->alt) && x->pos == y->pos &&
                     x->af == y->af;
            for (int j = 0; j < b.m; j++)
                *same &= b.r[i + j * b.m] == (double)(float)want[k].r[i + j * b.m];
        }
        k++;
    }
    *same &= k == n;
    duet_ld_block_free(&b);
    duet_ld_close(r);
    return rc < 0 ? err : DUET_OK;
}

static void test_ldfile(void)
{
    char dir[] = "/tmp/duet-ldtest.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0, "temporary folder");
        return;
    }
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/ref.ld.zst", dir);
    snprintf(bad, sizeof bad, "%s/bad.ld.zst", dir);
    duet_rng_t rng;
    duet_rng_init(&rng, 9, 0);
    duet_ld_block_t blocks[3];
    fill_block(&blocks[0], 5, "1", 1000, &rng);
    fill_block(&blocks[1], 1, "1", 5000, &rng);
    fill_block(&blocks[2], 40, "chr22", 100, &rng);
    CHECK(write_file(path, blocks, 3), "LD file written");
    int same = 0;
    CHECK(read_file(path, blocks, 3, &same) == DUET_OK && same,
          "LD file round trip: variants, frequencies, float32 correlations");

    FILE *fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    rewind(fp);
    unsigned char *buf = malloc(size);
    CHECK(fread(buf, 1, size, fp) == (size_t)size, "LD file read back");
    fclose(fp);
    duet_log_set_quiet(1);
    for (int cut = 0; cut < 3; cut++) { /* truncated at a quarter, a half, one byte short */
        long keep = cut == 2 ? size - 1 : size * (cut + 1) / 4;
        fp = fopen(bad, "wb");
        fwrite(buf, 1, keep, fp);
        fclose(fp);
        char name[96];
        snprintf(name, sizeof name, "truncated LD file (%ld of %ld bytes): malformed input", keep, size);
        CHECK(read_file(bad, blocks, 3, &same) == DUET_EFORMAT, name);
    }
    buf[size / 2] ^= 0x5a; /* one corrupted byte */
    fp = fopen(bad, "wb");
    fwrite(buf, 1, size, fp);
    fclose(fp);
    CHECK(read_file(bad, blocks, 3, &same) == DUET_EFORMAT, "corrupted LD file: malformed input");
    fp = fopen(bad, "wb");
    fputs("not an LD file at all", fp);
    fclose(fp);
    CHECK(read_file(bad, blocks, 3, &same) == DUET_EFORMAT, "not zstd: malformed input");
    CHECK(read_file("/nonexistent/x.ld.zst", blocks, 3, &same) == DUET_EREAD,
          "absent LD file: cannot read");
    free(buf);
    for (int k = 0; k < 3; k++) duet_ld_block_free(&blocks[k]);
    unlink(path);
    unlink(bad);
    rmdir(dir);
}

/* psi and sigma2 fixed: beta | data ~ N(A^-1 bm, A^-1 / n), A = D +
 * diag(1/psi); the draws are independent, so the averages of 10,000 draws
 * are within 5 Monte Carlo errors of the closed form. */
static void test_gibbs_closed_form(void)
{
    double d1[9] = { 1, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1 }, d2[1] = { 1 };
    const double *ld[2] = { d1, d2 };
    int size[2] = { 3, 1 };
    double bm[4] = { 0.05, 0.03, -0.02, 0.04 }, psi[4] = { 0.5, 1.0, 0.2, 0.3 };
    duet_bayes_model_t md = { 2, size, ld, bm, 1000 };
    duet_bayes_params_t par;
    duet_bayes_params_init(&par);
    par.n_iter = 11000;
    par.n_burnin = 1000;
    par.thin = 1;
    par.fix_psi = par.fix_sigma = 1;
    par.psi_init = psi;
    duet_bayes_result_t res;
    CHECK(duet_bayes_gibbs(&md, &par, 1, &res) == DUET_OK && res.n_kept == 10000,
          "Gibbs with psi and sigma2 fixed runs, 10000 kept draws");
    /* closed form: invert the 3x3 A by cofactors, the 1x1 directly */
    double A[9];
    memcpy(A, d1, sizeof A);
    for (int j = 0; j < 3; j++) A[j * 4] += 1 / psi[j];
    double c00 = A[4] * A[8] - A[5] * A[7], c01 = -(A[3] * A[8] - A[5] * A[6]),
           c02 = A[3] * A[7] - A[4] * A[6], c11 = A[0] * A[8] - A[2] * A[6],
           c12 = -(A[0] * A[7] - A[1] * A[6]), c22 = A[0] * A[4] - A[1] * A[3];
    double det = A[0] * c00 + A[1] * c01 + A[2] * c02;
    double inv[9] = { c00 / det, c01 / det, c02 / det, c01 / det, c11 / det,
                      c12 / det, c02 / det, c12 / det, c22 / det };
    double mean[4], sd[4];
    for (int i = 0; i < 3; i++) {
        mean[i] = inv[i] * bm[0] + inv[i + 3] * bm[1] + inv[i + 6] * bm[2];
        sd[i] = sqrt(inv[i * 4] / md.n);
    }
    mean[3] = bm[3] / (1 + 1 / psi[3]);
    sd[3] = sqrt(1 / (1 + 1 / psi[3]) / md.n);
    for (int j = 0; j < 4; j++) {
        char name[128];
        snprintf(name, sizeof name, "variant %d: posterior mean %.6f vs closed form %.6f", j + 1,
                 res.beta[j], mean[j]);
        CHECK_NEAR(res.beta[j], mean[j], 5 * sd[j] / sqrt(10000.0), name);
        snprintf(name, sizeof name, "variant %d: posterior sd %.6f vs closed form %.6f", j + 1,
                 res.beta_sd[j], sd[j]);
        CHECK_NEAR(res.beta_sd[j], sd[j], 0.03 * sd[j], name);
    }
    duet_bayes_result_free(&res);
}

/* The full sampler (auto phi) gives the same bytes on 1 and 2 threads, and
 * shrinks: the posterior means are nearer the truth than the marginal
 * effects on independent variants. */
static void test_gibbs_threads(void)
{
    enum { NB = 9, M = 12 };
    static double d[NB][M * M];
    const double *ld[NB];
    int size[NB];
    double bm[NB * M], truth[NB * M];
    duet_rng_t rng;
    duet_rng_init(&rng, 77, 0);
    double n = 5000;
    for (int k = 0; k < NB; k++) {
        size[k] = M;
        ld[k] = d[k];
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) d[k][i + j * M] = i == j;
        for (int i = 0; i < M; i++) {
            int j = k * M + i;
            truth[j] = duet_rng_uniform(&rng) < 0.1 ? 0.08 * duet_rng_normal(&rng) : 0;
            bm[j] = truth[j] + duet_rng_normal(&rng) / sqrt(n);
        }
    }
    duet_bayes_model_t md = { NB, size, ld, bm, n };
    duet_bayes_params_t par;
    duet_bayes_params_init(&par);
    par.n_iter = 400;
    par.n_burnin = 200;
    par.seed = 11;
    duet_bayes_result_t r1, r2;
    CHECK(duet_bayes_gibbs(&md, &par, 1, &r1) == DUET_OK, "auto sampler, 1 thread");
    CHECK(duet_bayes_gibbs(&md, &par, 2, &r2) == DUET_OK, "auto sampler, 2 threads");
    int same = r1.n_kept == r2.n_kept && !memcmp(r1.beta, r2.beta, sizeof(double) * NB * M) &&
               !memcmp(r1.trace_phi, r2.trace_phi, sizeof(double) * r1.n_kept) &&
               !memcmp(r1.trace_h2, r2.trace_h2, sizeof(double) * r1.n_kept);
    CHECK(same, "1 and 2 threads: identical posterior means and traces");
    double e_post = 0, e_mrg = 0;
    for (int j = 0; j < NB * M; j++) {
        e_post += (r1.beta[j] - truth[j]) * (r1.beta[j] - truth[j]);
        e_mrg += (bm[j] - truth[j]) * (bm[j] - truth[j]);
    }
    char name[128];
    snprintf(name, sizeof name, "shrinkage: squared error %.3g below the marginal effects' %.3g",
             e_post, e_mrg);
    CHECK(e_post < 0.9 * e_mrg, name);
    par.seed = 12;
    duet_bayes_result_t r3;
    CHECK(duet_bayes_gibbs(&md, &par, 2, &r3) == DUET_OK &&
              memcmp(r1.beta, r3.beta, sizeof(double) * NB * M) != 0,
          "another seed gives other draws");
    duet_bayes_result_free(&r1);
    duet_bayes_result_free(&r2);
    duet_bayes_result_free(&r3);
    par.n_burnin = par.n_iter;
    duet_log_set_quiet(1);
    CHECK(duet_bayes_gibbs(&md, &par, 1, &r1) == DUET_EUSAGE, "burn-in >= iterations refused");
}

int main(void)
{
    test_gig();
    test_psd();
    test_ldfile();
    test_gibbs_closed_form();
    test_gibbs_threads();
    return unit_done();
}
