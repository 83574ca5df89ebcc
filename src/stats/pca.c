/*
 * pca.c -- the randomized block-Krylov eigensolver behind duet pca: top-K
 * eigenpairs of G = X X^T from passes over column chunks of X (pca.h).
 * Randomized start and products with G as in Halko, Martinsson and Tropp
 * (SIAM Review 2011); the basis grows by one block of residual directions
 * per pass (a block Krylov space, Musco and Musco, NeurIPS 2015) with a
 * Rayleigh-Ritz step after each pass and a thick restart on the leading
 * Ritz vectors when it is full.  All products are cut into fixed row or
 * column panels run by OpenMP threads (OpenBLAS single-threaded inside) and
 * reductions are summed in panel order, so results do not depend on the
 * thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/pca.h"
#include "duet/rng.h"

/* BLAS / LAPACK through their Fortran interfaces (hidden string lengths
 * passed explicitly, as gfortran expects). */
void dgemm_(const char *transa, const char *transb, const int *m, const int *n,
            const int *k, const double *alpha, const double *a, const int *lda,
            const double *b, const int *ldb, const double *beta, double *c,
            const int *ldc, size_t la, size_t lb);
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a,
            const int *lda, double *w, double *work, const int *lwork,
            int *info, size_t ljobz, size_t luplo);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda,
             double *tau, double *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a,
             const int *lda, const double *tau, double *work,
             const int *lwork, int *info);

/* Panel sizes: fixed, so that every sum has the same pieces whatever the
 * thread count. */
#define PANEL_COLS 16   /* columns of X per T = X^T P piece */
#define PANEL_ROWS 256  /* samples per row-panel product */
#define RED_ROWS 2048   /* samples per piece of a reduction over samples */

struct duet_pca_t {
    duet_pca_opts_t opts;
    int n;            /* samples */
    int width;        /* L, the block width */
    int cap;          /* W, basis capacity in columns */
    int chunk;        /* duet_pca_chunk_width(n) */
    int nb;           /* basis columns in use */
    int np;           /* columns of the pending block, stored at column nb */
    double *b;        /* n x W: orthonormal basis, then the pending block */
    double *gb;       /* n x W: G times b */
    double *t;        /* chunk x L: X_chunk^T P */
    double *colsq;    /* chunk: per-column sums of squares */
    double *h;        /* W x W: B^T G B, then its eigenvectors */
    double *s;        /* W x L: projections */
    double *partial;  /* reduction pieces: n_red x W x W */
    int n_red;
    double *theta;    /* W Ritz values, descending */
    double *resid;    /* k residuals */
    double *tau, *work;
    int lwork;
    double trace, trace_pass;
    int passes, converged, done;
    int64_t products; /* columns multiplied by G so far */
    double *t_all, *colsq_all; /* duet_pca_pass_all(): T and column sums */
    int64_t t_all_m;  /* columns they hold */
    int failed;       /* an allocation failed during the pass */
};

void duet_pca_opts_init(duet_pca_opts_t *opts, int k)
{
    opts->k = k;
    opts->oversample = 10;
    opts->max_iter = 100;
    opts->depth = 4;
    opts->tol = 1e-5;
    opts->seed = 1;
}

int duet_pca_chunk_width(int n_samples)
{
    /* Aim for a chunk of about 32 MB of doubles: few parallel regions per
     * pass for small cohorts, bounded memory for large ones. */
    long w = (32L << 20) / 8 / (n_samples > 0 ? n_samples : 1);
    int width = 16;
    while (width < 2048 && width * 2 <= w) width *= 2;
    return width;
}

static void gemm(char ta, char tb, int m, int n, int k, double alpha,
                 const double *a, int lda, const double *b, int ldb,
                 double beta, double *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* BLAS would scale C by beta; keep that meaning */
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
                c[(size_t)j * ldc + i] = beta == 0 ? 0 : beta * c[(size_t)j * ldc + i];
        return;
    }
    dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc, 1, 1);
}

/* out (a x c, leading dimension ldo) = A^T C, A n x a and C n x c (leading
 * dimension n): partial products over fixed row pieces, summed in order. */
static void tall_tmul(duet_pca_t *p, const double *A, int a, const double *C, int c,
                      double *out, int ldo)
{
    int n = p->n, n_red = (n + RED_ROWS - 1) / RED_ROWS;
    size_t piece = (size_t)a * c;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < n_red; r++) {
        int i0 = r * RED_ROWS, h = n - i0 < RED_ROWS ? n - i0 : RED_ROWS;
        gemm('T', 'N', a, c, h, 1.0, A + i0, n, C + i0, n, 0.0, p->partial + r * piece, a);
    }
    for (int j = 0; j < c; j++)
        for (int i = 0; i < a; i++) {
            double s = 0;
            for (int r = 0; r < n_red; r++) s += p->partial[r * piece + (size_t)j * a + i];
            out[(size_t)j * ldo + i] = s;
        }
}

/* A (n x cols_out, in place) = A (n x cols_in) C (cols_in x cols_out, leading
 * dimension ldc), by row panels.  Returns -1 if a panel buffer cannot be
 * allocated. */
static int tall_rotate(duet_pca_t *p, double *A, int cols_in, const double *C, int ldc,
                       int cols_out)
{
    int n = p->n, n_pan = (n + PANEL_ROWS - 1) / PANEL_ROWS, failed = 0;
#pragma omp parallel
    {
        double *buf = malloc((size_t)PANEL_ROWS * (cols_out > 0 ? cols_out : 1) * sizeof *buf);
        if (!buf) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int rp = 0; rp < n_pan; rp++) {
            if (!buf) continue;
            int i0 = rp * PANEL_ROWS, h = n - i0 < PANEL_ROWS ? n - i0 : PANEL_ROWS;
            gemm('N', 'N', h, cols_out, cols_in, 1.0, A + i0, n, C, ldc, 0.0, buf, PANEL_ROWS);
            for (int j = 0; j < cols_out; j++)
                memcpy(A + (size_t)j * n + i0, buf + (size_t)j * PANEL_ROWS, (size_t)h * sizeof *A);
        }
        free(buf);
    }
    return failed ? -1 : 0;
}

/* P (n x np) -= B (n x nb) S, S = B^T P: P made orthogonal to B. */
static void project_out(duet_pca_t *p, const double *B, int nb, double *P, int np)
{
    if (nb <= 0 || np <= 0) return;
    int n = p->n, n_pan = (n + PANEL_ROWS - 1) / PANEL_ROWS, ls = p->cap;
    tall_tmul(p, B, nb, P, np, p->s, ls);
#pragma omp parallel for schedule(static)
    for (int rp = 0; rp < n_pan; rp++) {
        int i0 = rp * PANEL_ROWS, h = n - i0 < PANEL_ROWS ? n - i0 : PANEL_ROWS;
        gemm('N', 'N', h, np, nb, -1.0, B + i0, n, p->s, ls, 1.0, P + i0, n);
    }
}

/* Orthonormalise the n x cols matrix `a` in place (Householder QR). */
static duet_err_t orthonormalise(duet_pca_t *p, double *a, int cols)
{
    int n = p->n, info = 0;
    if (cols <= 0) return DUET_OK;
    dgeqrf_(&n, &cols, a, &n, p->tau, p->work, &p->lwork, &info);
    if (info == 0) dorgqr_(&n, &cols, &cols, a, &n, p->tau, p->work, &p->lwork, &info);
    if (info != 0) {
        duet_log_error("pca: LAPACK QR failed (info %d)", info);
        return DUET_EINTERNAL;
    }
    return DUET_OK;
}

duet_err_t duet_pca_create(const duet_pca_opts_t *opts, int n_samples,
                           int64_t n_variants, duet_pca_t **out)
{
    *out = NULL;
    int64_t width = (int64_t)opts->k + opts->oversample;
    if (width > n_samples) width = n_samples;
    if (width > n_variants) width = n_variants;
    if (opts->k < 1 || opts->k > width) {
        duet_log_error("cannot compute %d principal components from %d samples "
                       "and %lld variants", opts->k, n_samples,
                       (long long)n_variants);
        return DUET_EDEGENERATE;
    }
    duet_pca_t *p = duet_calloc(1, sizeof *p);
    if (!p) return DUET_ENOMEM;
    p->opts = *opts;
    if (p->opts.depth < 2) p->opts.depth = 2;
    p->n = n_samples;
    p->width = (int)width;
    int64_t cap = (int64_t)p->opts.depth * width;
    p->cap = (int)(cap < n_samples ? cap : n_samples);
    p->chunk = duet_pca_chunk_width(n_samples);
    p->n_red = (n_samples + RED_ROWS - 1) / RED_ROWS;
    size_t nw = (size_t)n_samples * p->cap, ww = (size_t)p->cap * p->cap;

    int info = 0, lq = -1, l = p->width, n = n_samples, w = p->cap;
    double wq = 0, wo = 0, ws = 0;
    dgeqrf_(&n, &l, NULL, &n, NULL, &wq, &lq, &info);
    dorgqr_(&n, &l, &l, NULL, &n, NULL, &wo, &lq, &info);
    dsyev_("V", "U", &w, NULL, &w, NULL, &ws, &lq, &info, 1, 1);
    p->lwork = (int)fmax(fmax(wq, wo), fmax(ws, 3.0 * w)) + 1;

    p->b = duet_malloc(nw * sizeof *p->b);
    p->gb = duet_malloc(nw * sizeof *p->gb);
    p->t = duet_malloc((size_t)p->chunk * p->width * sizeof *p->t);
    p->colsq = duet_malloc((size_t)p->chunk * sizeof *p->colsq);
    p->h = duet_malloc(ww * sizeof *p->h);
    p->s = duet_malloc(ww * sizeof *p->s);
    p->partial = duet_malloc((size_t)p->n_red * ww * sizeof *p->partial);
    p->theta = duet_malloc((size_t)p->cap * sizeof *p->theta);
    p->resid = duet_malloc((size_t)opts->k * sizeof *p->resid);
    p->tau = duet_malloc((size_t)p->cap * sizeof *p->tau);
    p->work = duet_malloc((size_t)p->lwork * sizeof *p->work);
    if (!p->b || !p->gb || !p->t || !p->colsq || !p->h || !p->s || !p->partial ||
        !p->theta || !p->resid || !p->tau || !p->work) {
        duet_pca_destroy(p);
        return DUET_ENOMEM;
    }

    /* The random start: a Gaussian n x L block from stream 0, orthonormal. */
    duet_rng_t rng;
    duet_rng_init(&rng, opts->seed, 0);
    for (size_t i = 0; i < (size_t)n_samples * p->width; i++) p->b[i] = duet_rng_normal(&rng);
    p->nb = 0;
    p->np = p->width;
    p->products = p->width;
    duet_err_t err = orthonormalise(p, p->b, p->np);
    if (err) {
        duet_pca_destroy(p);
        return err;
    }
    *out = p;
    return DUET_OK;
}

void duet_pca_destroy(duet_pca_t *p)
{
    if (!p) return;
    free(p->b);
    free(p->gb);
    free(p->t);
    free(p->colsq);
    free(p->h);
    free(p->s);
    free(p->partial);
    free(p->theta);
    free(p->resid);
    free(p->tau);
    free(p->work);
    free(p->t_all);
    free(p->colsq_all);
    free(p);
}

void duet_pca_pass_begin(duet_pca_t *p)
{
    memset(p->gb + (size_t)p->nb * p->n, 0, (size_t)p->n * p->np * sizeof *p->gb);
    p->trace_pass = 0;
    p->failed = 0;
}

void duet_pca_pass_add(duet_pca_t *p, const double *x, int n_cols)
{
    int n = p->n, l = p->np;
    if (n_cols <= 0) return;
    const double *pend = p->b + (size_t)p->nb * n;
    double *y = p->gb + (size_t)p->nb * n;
    int n_cpanels = (n_cols + PANEL_COLS - 1) / PANEL_COLS;
    int n_rpanels = (n + PANEL_ROWS - 1) / PANEL_ROWS;
#pragma omp parallel
    {
        /* T = X^T P, one panel of columns (rows of T) at a time; each entry
         * of T is a full sum over samples inside one dgemm call. */
#pragma omp for schedule(static)
        for (int cp = 0; cp < n_cpanels; cp++) {
            int j0 = cp * PANEL_COLS;
            int w = n_cols - j0 < PANEL_COLS ? n_cols - j0 : PANEL_COLS;
            gemm('T', 'N', w, l, n, 1.0, x + (size_t)j0 * n, n, pend, n, 0.0,
                 p->t + j0, n_cols);
            for (int j = j0; j < j0 + w; j++) {
                const double *col = x + (size_t)j * n;
                double s = 0;
                for (int i = 0; i < n; i++) s += col[i] * col[i];
                p->colsq[j] = s;
            }
        }
        /* Y += X T, one panel of samples at a time. */
#pragma omp for schedule(static)
        for (int rp = 0; rp < n_rpanels; rp++) {
            int i0 = rp * PANEL_ROWS;
            int h = n - i0 < PANEL_ROWS ? n - i0 : PANEL_ROWS;
            gemm('N', 'N', h, l, n_cols, 1.0, x + i0, n, p->t, n_cols, 1.0, y + i0, n);
        }
    }
    for (int j = 0; j < n_cols; j++) p->trace_pass += p->colsq[j];
}

void duet_pca_pass_all(duet_pca_t *p, int64_t n_cols, duet_pca_fill_fn fill, void *ctx)
{
    int n = p->n, l = p->np, chunk = p->chunk, failed = 0;
    if (n_cols <= 0) return;
    if (n_cols > p->t_all_m) {
        double *t = realloc(p->t_all, (size_t)n_cols * p->width * sizeof *t);
        double *c = t ? realloc(p->colsq_all, (size_t)n_cols * sizeof *c) : NULL;
        if (t) p->t_all = t;
        if (c) p->colsq_all = c;
        if (!t || !c) {
            /* Fall back to chunk by chunk through a buffer (same numbers). */
            double *x = malloc((size_t)n * chunk * sizeof *x);
            if (!x) {
                p->failed = 1;
                return;
            }
            for (int64_t j0 = 0; j0 < n_cols; j0 += chunk) {
                int w = (int)(n_cols - j0 < chunk ? n_cols - j0 : chunk);
                fill(ctx, j0, w, 0, n, x, n);
                duet_pca_pass_add(p, x, w);
            }
            free(x);
            return;
        }
        p->t_all_m = n_cols;
    }
    const double *pend = p->b + (size_t)p->nb * n;
    double *y = p->gb + (size_t)p->nb * n;
    int64_t n_cpanels = (n_cols + PANEL_COLS - 1) / PANEL_COLS;
    int n_rpanels = (n + PANEL_ROWS - 1) / PANEL_ROWS;
    int64_t ldt = n_cols;
#pragma omp parallel
    {
        double *buf = malloc((size_t)n * PANEL_COLS * sizeof *buf);
        double *rbuf = malloc((size_t)PANEL_ROWS * chunk * sizeof *rbuf);
        if (!buf || !rbuf) {
#pragma omp atomic write
            failed = 1;
        }
        /* T = X^T P for every column: the same dgemm calls, on the same
         * 16-column panels, as duet_pca_pass_add() makes chunk by chunk. */
#pragma omp for schedule(static)
        for (int64_t cp = 0; cp < n_cpanels; cp++) {
            if (!buf || !rbuf) continue;
            int64_t j0 = cp * PANEL_COLS;
            int w = (int)(n_cols - j0 < PANEL_COLS ? n_cols - j0 : PANEL_COLS);
            fill(ctx, j0, w, 0, n, buf, n);
            gemm('T', 'N', w, l, n, 1.0, buf, n, pend, n, 0.0, p->t_all + j0, (int)ldt);
            for (int c = 0; c < w; c++) {
                const double *col = buf + (size_t)c * n;
                double s = 0;
                for (int i = 0; i < n; i++) s += col[i] * col[i];
                p->colsq_all[j0 + c] = s;
            }
        }
        /* Y += X T, each panel of samples over the chunks in order: the
         * same sequence of products as chunk-by-chunk passes. */
#pragma omp for schedule(static)
        for (int rp = 0; rp < n_rpanels; rp++) {
            if (!buf || !rbuf) continue;
            int i0 = rp * PANEL_ROWS;
            int h = n - i0 < PANEL_ROWS ? n - i0 : PANEL_ROWS;
            for (int64_t j0 = 0; j0 < n_cols; j0 += chunk) {
                int w = (int)(n_cols - j0 < chunk ? n_cols - j0 : chunk);
                fill(ctx, j0, w, i0, h, rbuf, PANEL_ROWS);
                gemm('N', 'N', h, l, w, 1.0, rbuf, PANEL_ROWS, p->t_all + j0, (int)ldt, 1.0,
                     y + i0, n);
            }
        }
        free(buf);
        free(rbuf);
    }
    if (failed) {
        p->failed = 1;
        return;
    }
    for (int64_t j = 0; j < n_cols; j++) p->trace_pass += p->colsq_all[j];
}

/* Sign convention: the entry of largest |value| is positive. */
static void fix_sign(double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (fabs(v[i]) > fabs(v[best])) best = i;
    if (v[best] < 0)
        for (int i = 0; i < n; i++) v[i] = -v[i];
}

duet_err_t duet_pca_pass_end(duet_pca_t *p, int *done)
{
    int n = p->n, l = p->width, k = p->opts.k, w = p->cap, info = 0;
    duet_err_t err;
    *done = 0;
    if (p->failed) return duet_log_oom((size_t)p->n * PANEL_COLS * sizeof(double));
    p->passes++;
    p->trace = p->trace_pass;
    p->nb += p->np;
    p->np = 0;
    int nb = p->nb;

    /* Rayleigh-Ritz on the basis: H = B^T G B (symmetric in exact
     * arithmetic: use the average of H and H^T), H = V diag(theta) V^T. */
    tall_tmul(p, p->b, nb, p->gb, nb, p->h, nb);
    for (int j = 0; j < nb; j++)
        for (int i = 0; i < j; i++) {
            double v = 0.5 * (p->h[(size_t)j * nb + i] + p->h[(size_t)i * nb + j]);
            p->h[(size_t)j * nb + i] = p->h[(size_t)i * nb + j] = v;
        }
    dsyev_("V", "U", &nb, p->h, &nb, p->theta, p->work, &p->lwork, &info, 1, 1);
    if (info != 0) {
        duet_log_error("pca: LAPACK dsyev failed (info %d)", info);
        return DUET_EINTERNAL;
    }
    for (int j = 0; j < nb / 2; j++) { /* descending */
        double tmp = p->theta[j];
        p->theta[j] = p->theta[nb - 1 - j];
        p->theta[nb - 1 - j] = tmp;
        double *c1 = p->h + (size_t)j * nb, *c2 = p->h + (size_t)(nb - 1 - j) * nb;
        for (int i = 0; i < nb; i++) {
            tmp = c1[i];
            c1[i] = c2[i];
            c2[i] = tmp;
        }
    }
    /* Rotate the basis onto the Ritz vectors: B <- B V, G B <- G B V. */
    if (tall_rotate(p, p->b, nb, p->h, nb, nb) || tall_rotate(p, p->gb, nb, p->h, nb, nb))
        return duet_log_oom((size_t)PANEL_ROWS * nb * sizeof(double));

    double scale = p->theta[0] > 0 ? p->theta[0] : 1.0;
    int ok = 1;
    for (int j = 0; j < k; j++) {
        const double *u = p->b + (size_t)j * n, *gu = p->gb + (size_t)j * n;
        double s = 0;
        for (int i = 0; i < n; i++) {
            double r = gu[i] - p->theta[j] * u[i];
            s += r * r;
        }
        p->resid[j] = sqrt(s) / scale;
        if (!(p->resid[j] < p->opts.tol)) ok = 0;
    }
    p->converged = ok;

    /* Room for the next block: keep the leading Ritz vectors (thick
     * restart when the basis is full). */
    int keep = w - l > l ? w - l : l;
    if (keep > nb) keep = nb;
    int np = w - keep < l ? w - keep : l;
    if (np <= 0 && !ok) p->converged = ok = nb >= n; /* the basis is R^n */
    if (ok || np <= 0 || p->passes >= p->opts.max_iter) {
        for (int j = 0; j < k; j++) fix_sign(p->b + (size_t)j * n, n);
        p->done = *done = 1;
        return DUET_OK;
    }
    p->nb = nb = keep;

    /* The next block: residuals of the leading Ritz pairs, orthogonal to the
     * basis (twice, with QR in between, for numerical orthogonality).
     * Wanted pairs that have converged are locked: their residuals are not
     * multiplied again (soft locking, as in LOBPCG); the pairs beyond k
     * always are, as guards for the wanted ones. */
    double *pend = p->b + (size_t)nb * n;
    int n_src = 0;
    for (int j = 0; j < l && j < nb && n_src < np; j++) {
        if (j < k && p->resid[j] < p->opts.tol) continue;
        const double *u = p->b + (size_t)j * n, *gu = p->gb + (size_t)j * n;
        double *r = pend + (size_t)n_src * n, th = p->theta[j];
        for (int i = 0; i < n; i++) r[i] = gu[i] - th * u[i];
        n_src++;
    }
    np = n_src;
    project_out(p, p->b, nb, pend, np);
    if ((err = orthonormalise(p, pend, np))) return err;
    project_out(p, p->b, nb, pend, np);
    if ((err = orthonormalise(p, pend, np))) return err;
    p->np = np;
    p->products += np;
    return DUET_OK;
}

const double *duet_pca_vectors(const duet_pca_t *p) { return p->b; }
const double *duet_pca_values(const duet_pca_t *p) { return p->theta; }
double duet_pca_residual(const duet_pca_t *p, int j) { return p->resid[j]; }
int duet_pca_passes(const duet_pca_t *p) { return p->passes; }
int duet_pca_converged(const duet_pca_t *p) { return p->converged; }
double duet_pca_trace(const duet_pca_t *p) { return p->trace; }
int duet_pca_width(const duet_pca_t *p) { return p->width; }
int duet_pca_capacity(const duet_pca_t *p) { return p->cap; }
int64_t duet_pca_products(const duet_pca_t *p) { return p->products; }

int duet_pca_is_autosome(const char *chrom)
{
    if (!strncmp(chrom, "chr", 3) || !strncmp(chrom, "CHR", 3)) chrom += 3;
    if (chrom[0] < '1' || chrom[0] > '9') return 0;
    if (chrom[1] == 0) return 1;
    return chrom[1] >= '0' && chrom[1] <= '9' && chrom[2] == 0;
}
