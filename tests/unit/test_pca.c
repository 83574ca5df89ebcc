/*
 * test_pca.c -- unit tests of the randomized block Krylov eigensolver (src/stats/pca.c)
 * against a direct LAPACK decomposition: eigenvalues and eigenvectors of
 * X X^T from dsyev, singular values of X from dgesvd, on matrices with
 * planted low-rank structure plus noise; the sign convention; results that
 * do not depend on the thread count; the degenerate-shape error; and the
 * autosome test used by the genotype pipeline.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "duet/core.h"
#include "duet/log.h"
#include "duet/pca.h"
#include "duet/rng.h"
#include "unit.h"

void openblas_set_num_threads(int n);
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a,
            const int *lda, double *w, double *work, const int *lwork,
            int *info, size_t l1, size_t l2);
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n,
             double *a, const int *lda, double *s, double *u, const int *ldu,
             double *vt, const int *ldvt, double *work, const int *lwork,
             int *info, size_t l1, size_t l2);

/* n x m column-major: rank-r structure with decaying strengths, plus noise,
 * each column centred. */
static double *make_matrix(int n, int m, int r, uint64_t seed)
{
    double *x = malloc((size_t)n * m * sizeof *x);
    double *f = malloc((size_t)n * r * sizeof *f);
    duet_rng_t rng;
    duet_rng_init(&rng, seed, 99);
    for (int i = 0; i < n * r; i++) f[i] = duet_rng_normal(&rng);
    for (int j = 0; j < m; j++) {
        double *col = x + (size_t)j * n, mean = 0;
        for (int i = 0; i < n; i++) {
            double v = 0.5 * duet_rng_normal(&rng);
            for (int c = 0; c < r; c++)
                v += f[(size_t)c * n + i] * duet_rng_normal(&rng) * (3.0 / (c + 1));
            col[i] = v;
            mean += v;
        }
        mean /= n;
        for (int i = 0; i < n; i++) col[i] -= mean;
    }
    free(f);
    return x;
}

/* Run the engine over x in chunks of the engine's width. */
static duet_pca_t *run(const double *x, int n, int m, const duet_pca_opts_t *o)
{
    duet_pca_t *pca = NULL;
    if (duet_pca_create(o, n, m, &pca)) return NULL;
    int w = duet_pca_chunk_width(n);
    for (int done = 0; !done;) {
        duet_pca_pass_begin(pca);
        for (int j = 0; j < m; j += w)
            duet_pca_pass_add(pca, x + (size_t)j * n, m - j < w ? m - j : w);
        if (duet_pca_pass_end(pca, &done)) {
            duet_pca_destroy(pca);
            return NULL;
        }
    }
    return pca;
}

/* Exact eigenpairs of X X^T (descending): values in w, vectors in g. */
static void exact(const double *x, int n, int m, double *g, double *w)
{
    for (int a = 0; a < n; a++)
        for (int b = 0; b <= a; b++) {
            double s = 0;
            for (int j = 0; j < m; j++) s += x[(size_t)j * n + a] * x[(size_t)j * n + b];
            g[(size_t)a * n + b] = g[(size_t)b * n + a] = s;
        }
    int info = 0, lwork = -1;
    double q;
    dsyev_("V", "U", &n, g, &n, w, &q, &lwork, &info, 1, 1);
    lwork = (int)q;
    double *work = malloc((size_t)lwork * sizeof *work);
    dsyev_("V", "U", &n, g, &n, w, work, &lwork, &info, 1, 1);
    free(work);
    /* descending */
    for (int j = 0; j < n / 2; j++) {
        double t = w[j];
        w[j] = w[n - 1 - j];
        w[n - 1 - j] = t;
        for (int i = 0; i < n; i++) {
            t = g[(size_t)j * n + i];
            g[(size_t)j * n + i] = g[(size_t)(n - 1 - j) * n + i];
            g[(size_t)(n - 1 - j) * n + i] = t;
        }
    }
}

static double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void test_against_dsyev(int n, int m, int r, int k, const char *what)
{
    char name[160];
    double *x = make_matrix(n, m, r, 7);
    double *g = malloc((size_t)n * n * sizeof *g), *w = malloc((size_t)n * sizeof *w);
    exact(x, n, m, g, w);
    duet_pca_opts_t o;
    duet_pca_opts_init(&o, k);
    o.tol = 1e-9;
    duet_pca_t *pca = run(x, n, m, &o);
    CHECK(pca != NULL, "engine runs");
    if (!pca) return;
    snprintf(name, sizeof name, "%s: converged (%d passes)", what, duet_pca_passes(pca));
    CHECK(duet_pca_converged(pca), name);
    const double *u = duet_pca_vectors(pca), *theta = duet_pca_values(pca);
    double worst_val = 0, worst_vec = 0;
    int signs_ok = 1, norm_ok = 1;
    for (int j = 0; j < k; j++) {
        double rel = fabs(theta[j] - w[j]) / w[j];
        if (rel > worst_val) worst_val = rel;
        double c = fabs(dot(u + (size_t)j * n, g + (size_t)j * n, n));
        if (1 - c > worst_vec) worst_vec = 1 - c;
        if (fabs(dot(u + (size_t)j * n, u + (size_t)j * n, n) - 1) > 1e-12) norm_ok = 0;
        /* sign: the largest |entry| is positive */
        const double *v = u + (size_t)j * n;
        int best = 0;
        for (int i = 1; i < n; i++)
            if (fabs(v[i]) > fabs(v[best])) best = i;
        if (v[best] <= 0) signs_ok = 0;
    }
    snprintf(name, sizeof name, "%s: eigenvalues match dsyev (worst rel %.2g)", what, worst_val);
    CHECK(worst_val < 1e-10, name);
    snprintf(name, sizeof name, "%s: eigenvectors match dsyev (worst 1-|cos| %.2g)", what, worst_vec);
    CHECK(worst_vec < 1e-12, name);
    snprintf(name, sizeof name, "%s: eigenvectors have unit norm", what);
    CHECK(norm_ok, name);
    snprintf(name, sizeof name, "%s: largest entry of each eigenvector is positive", what);
    CHECK(signs_ok, name);
    double tr = 0;
    for (int i = 0; i < n * m; i++) tr += x[i] * x[i];
    snprintf(name, sizeof name, "%s: trace", what);
    CHECK_NEAR(duet_pca_trace(pca) / tr, 1, 1e-12, name);
    duet_pca_destroy(pca);
    free(x);
    free(g);
    free(w);
}

static void test_against_dgesvd(void)
{
    int n = 120, m = 700, k = 6;
    double *x = make_matrix(n, m, 8, 11);
    double *a = malloc((size_t)n * m * sizeof *a);
    memcpy(a, x, (size_t)n * m * sizeof *a);
    double *s = malloc((size_t)n * sizeof *s), *uu = malloc((size_t)n * n * sizeof *uu);
    int info = 0, lwork = -1, ldvt = 1;
    double q, vt;
    dgesvd_("S", "N", &n, &m, a, &n, s, uu, &n, &vt, &ldvt, &q, &lwork, &info, 1, 1);
    lwork = (int)q;
    double *work = malloc((size_t)lwork * sizeof *work);
    dgesvd_("S", "N", &n, &m, a, &n, s, uu, &n, &vt, &ldvt, work, &lwork, &info, 1, 1);
    CHECK(info == 0, "dgesvd runs");
    duet_pca_opts_t o;
    duet_pca_opts_init(&o, k);
    o.oversample = 4;
    o.tol = 1e-9;
    o.max_iter = 1000;
    duet_pca_t *pca = run(x, n, m, &o);
    CHECK(pca && duet_pca_converged(pca), "small oversampling still converges");
    if (pca) printf("# %d passes with oversampling 4\n", duet_pca_passes(pca));
    if (pca) {
        double worst = 0, worstv = 0;
        for (int j = 0; j < k; j++) {
            double rel = fabs(sqrt(duet_pca_values(pca)[j]) - s[j]) / s[j];
            if (rel > worst) worst = rel;
            double c = fabs(dot(duet_pca_vectors(pca) + (size_t)j * n, uu + (size_t)j * n, n));
            if (1 - c > worstv) worstv = 1 - c;
        }
        CHECK(worst < 1e-10, "square roots of eigenvalues = singular values of dgesvd");
        CHECK(worstv < 1e-12, "eigenvectors = left singular vectors of dgesvd");
    }
    duet_pca_destroy(pca);
    free(x);
    free(a);
    free(s);
    free(uu);
    free(work);
}

static void test_threads(void)
{
#ifdef _OPENMP
    int n = 400, m = 1000, k = 5;
    double *x = make_matrix(n, m, 6, 3);
    duet_pca_opts_t o;
    duet_pca_opts_init(&o, k);
    omp_set_num_threads(1);
    duet_pca_t *p1 = run(x, n, m, &o);
    omp_set_num_threads(2);
    duet_pca_t *p2 = run(x, n, m, &o);
    omp_set_num_threads(3);
    duet_pca_t *p3 = run(x, n, m, &o);
    CHECK(p1 && p2 && p3, "engine runs with 1, 2 and 3 threads");
    if (p1 && p2 && p3) {
        CHECK(memcmp(duet_pca_vectors(p1), duet_pca_vectors(p2), (size_t)n * k * sizeof(double)) == 0 &&
                  memcmp(duet_pca_vectors(p1), duet_pca_vectors(p3), (size_t)n * k * sizeof(double)) == 0,
              "eigenvectors bit-identical for 1, 2, 3 threads");
        CHECK(memcmp(duet_pca_values(p1), duet_pca_values(p2), (size_t)k * sizeof(double)) == 0 &&
                  memcmp(duet_pca_values(p1), duet_pca_values(p3), (size_t)k * sizeof(double)) == 0,
              "eigenvalues bit-identical for 1, 2, 3 threads");
        CHECK(duet_pca_passes(p1) == duet_pca_passes(p2), "same number of passes");
    }
    duet_pca_destroy(p1);
    duet_pca_destroy(p2);
    duet_pca_destroy(p3);
    omp_set_num_threads(1);
    /* Another seed converges to the same answer (to the tolerance). */
    o.seed = 12345;
    o.tol = 1e-10;
    duet_pca_t *a = run(x, n, m, &o);
    o.seed = 1;
    duet_pca_t *b = run(x, n, m, &o);
    if (a && b) {
        double worst = 0;
        for (int j = 0; j < k; j++) {
            double c = dot(duet_pca_vectors(a) + (size_t)j * n, duet_pca_vectors(b) + (size_t)j * n, n);
            if (1 - c > worst) worst = 1 - c;
        }
        CHECK(worst < 1e-12, "two seeds give the same signed eigenvectors");
    }
    duet_pca_destroy(a);
    duet_pca_destroy(b);
    free(x);
#endif
}

/* duet_pca_pass_all() over an in-memory matrix gives the same bits as
 * duet_pca_pass_add() chunk by chunk, for 1 and 2 threads. */
typedef struct {
    const double *x;
    int n;
} mat_t;

static void mat_fill(void *ctx, int64_t j0, int w, int r0, int h, double *out, int ldo)
{
    const mat_t *m = ctx;
    for (int c = 0; c < w; c++)
        memcpy(out + (size_t)c * ldo, m->x + (size_t)(j0 + c) * m->n + r0, (size_t)h * sizeof *out);
}

static duet_pca_t *run_all(const double *x, int n, int m, const duet_pca_opts_t *o)
{
    duet_pca_t *pca = NULL;
    if (duet_pca_create(o, n, m, &pca)) return NULL;
    mat_t mt = { x, n };
    for (int done = 0; !done;) {
        duet_pca_pass_begin(pca);
        duet_pca_pass_all(pca, m, mat_fill, &mt);
        if (duet_pca_pass_end(pca, &done)) {
            duet_pca_destroy(pca);
            return NULL;
        }
    }
    return pca;
}

static void test_pass_all(void)
{
    int n = 700, m = 2500, k = 4; /* several chunks, a partial last one */
    double *x = make_matrix(n, m, 5, 21);
    duet_pca_opts_t o;
    duet_pca_opts_init(&o, k);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    duet_pca_t *a = run(x, n, m, &o), *b = run_all(x, n, m, &o);
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    duet_pca_t *c = run_all(x, n, m, &o);
    CHECK(a && b && c, "pass_all runs");
    if (a && b && c) {
        CHECK(duet_pca_passes(a) == duet_pca_passes(b), "pass_all: same passes as pass_add");
        CHECK(memcmp(duet_pca_vectors(a), duet_pca_vectors(b), (size_t)n * k * sizeof(double)) == 0 &&
                  memcmp(duet_pca_vectors(b), duet_pca_vectors(c), (size_t)n * k * sizeof(double)) == 0,
              "pass_all: bit-identical to pass_add, for 1 and 2 threads");
        CHECK(duet_pca_trace(a) == duet_pca_trace(b), "pass_all: same trace");
    }
    duet_pca_destroy(a);
    duet_pca_destroy(b);
    duet_pca_destroy(c);
    free(x);
}

static void test_shapes(void)
{
    duet_pca_opts_t o;
    duet_pca_opts_init(&o, 5);
    duet_pca_t *p = NULL;
    duet_log_set_quiet(1);
    CHECK(duet_pca_create(&o, 4, 1000, &p) == DUET_EDEGENERATE && !p,
          "more components than samples: degenerate");
    CHECK(duet_pca_create(&o, 100, 3, &p) == DUET_EDEGENERATE && !p,
          "more components than variants: degenerate");
    CHECK(duet_pca_create(&o, 6, 5, &p) == DUET_OK && duet_pca_width(p) == 5,
          "basis width clipped to min(samples, variants)");
    duet_pca_destroy(p);
    duet_pca_destroy(NULL);
    CHECK(duet_pca_chunk_width(1000) == 2048 && duet_pca_chunk_width(500000) == 16 &&
              duet_pca_chunk_width(20000) == 128,
          "chunk width depends on the sample count only");
}

static void test_autosome(void)
{
    CHECK(duet_pca_is_autosome("1") && duet_pca_is_autosome("chr22") &&
              duet_pca_is_autosome("9") && duet_pca_is_autosome("chr1"),
          "1, 9, chr1, chr22 are autosomes");
    CHECK(!duet_pca_is_autosome("X") && !duet_pca_is_autosome("chrX") &&
              !duet_pca_is_autosome("MT") && !duet_pca_is_autosome("chrY") &&
              !duet_pca_is_autosome("0") && !duet_pca_is_autosome("1_random") &&
              !duet_pca_is_autosome("chrUn_gl000220") && !duet_pca_is_autosome("123"),
          "X, Y, MT, 0, contigs and three-digit names are not");
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    openblas_set_num_threads(1);
    test_against_dsyev(200, 900, 5, 5, "200x900 rank 5 + noise, k 5");
    test_against_dsyev(150, 1500, 12, 8, "150x1500 rank 12 + noise, k 8");
    test_against_dsyev(12, 40, 3, 3, "12x40, basis = all samples");
    test_against_dsyev(60, 9, 3, 4, "60x9, basis = all variants");
    test_against_dgesvd();
    test_threads();
    test_pass_all();
    test_shapes();
    test_autosome();
    return unit_done();
}
