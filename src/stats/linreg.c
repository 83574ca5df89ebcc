/*
 * linreg.c -- covariate QR with rank detection (LAPACK), small Cholesky
 * solves, and blocked linear regression of many variants on many traits
 * (BLAS-3), with the exact per-variant downdate for dropped samples.
 * The model is the one plink2 --glm fits for quantitative traits (Chang et
 * al. 2015, GigaScience 4:7), evaluated through the Frisch-Waugh-Lovell
 * residualisation described in stats.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "duet/dist.h"
#include "duet/log.h"
#include "duet/stats.h"
#include "lapack_internal.h"

/* Up to this many basis columns (covariates + traits), the fused kernel
 * below; beyond, dgemm (BLAS-3 pays off once the product is wide). */
#ifndef XP_MAX_COLS
#define XP_MAX_COLS 64
#endif

const char *duet_fit_status_str(duet_fit_status_t status)
{
    switch (status) {
    case DUET_FIT_OK: return "";
    case DUET_FIT_MONOMORPHIC: return "monomorphic";
    case DUET_FIT_FEW_MINOR: return "too_few_minor_alleles";
    case DUET_FIT_COLLINEAR: return "collinear";
    case DUET_FIT_FEW_SAMPLES: return "too_few_samples";
    case DUET_FIT_NO_CONVERGENCE: return "no_convergence";
    case DUET_FIT_SEPARATION: return "separation";
    case DUET_FIT_N_STATUS: break;
    }
    return "unknown";
}

const char *duet_test_str(duet_test_t test)
{
    switch (test) {
    case DUET_TEST_NONE: return "";
    case DUET_TEST_LINEAR: return "linear";
    case DUET_TEST_SCORE: return "score";
    case DUET_TEST_WALD: return "wald";
    case DUET_TEST_FIRTH: return "firth";
    case DUET_TEST_SPA: return "spa";
    case DUET_TEST_EXACT: return "exact";
    case DUET_TEST_N: break;
    }
    return "unknown";
}

void duet_assoc_na(duet_assoc_t *a, duet_fit_status_t status, duet_test_t test,
                   int n)
{
    a->beta = a->se = a->stat = a->log_p = NAN;
    a->df = NAN;
    a->n = n;
    a->iterations = 0;
    a->status = status;
    a->test = test;
}

/* ------------------------------------------------------------------ */
/* QR */

static duet_err_t qr_factor(double *a, int m, int n, double *tau)
{
    int info = 0, lwork = -1;
    double wq = 0;
    dgeqrf_(&m, &n, a, &m, tau, &wq, &lwork, &info);
    if (info != 0) goto fail;
    lwork = (int)wq > n ? (int)wq : n;
    double *work = duet_malloc((size_t)lwork * sizeof *work);
    if (!work) return DUET_ENOMEM;
    dgeqrf_(&m, &n, a, &m, tau, work, &lwork, &info);
    free(work);
    if (info != 0) goto fail;
    return DUET_OK;
fail:
    duet_log_error("internal: LAPACK dgeqrf failed (info %d)", info);
    return DUET_EINTERNAL;
}

static duet_err_t qr_form_q(double *a, int m, int n, const double *tau)
{
    int info = 0, lwork = -1;
    double wq = 0;
    dorgqr_(&m, &n, &n, a, &m, tau, &wq, &lwork, &info);
    if (info != 0) goto fail;
    lwork = (int)wq > n ? (int)wq : n;
    double *work = duet_malloc((size_t)lwork * sizeof *work);
    if (!work) return DUET_ENOMEM;
    dorgqr_(&m, &n, &n, a, &m, tau, work, &lwork, &info);
    free(work);
    if (info != 0) goto fail;
    return DUET_OK;
fail:
    duet_log_error("internal: LAPACK dorgqr failed (info %d)", info);
    return DUET_EINTERNAL;
}

duet_err_t duet_qr_create(const double *x, int ldx, int n_rows, int n_cols,
                          double tol, int *dependent, duet_qr_t **out)
{
    *out = NULL;
    duet_err_t err = DUET_ENOMEM;
    size_t nr = (size_t)n_rows;
    double *a = duet_malloc(nr * n_cols * sizeof *a);
    double *tau = duet_malloc((size_t)n_cols * sizeof *tau);
    double *norm = duet_malloc((size_t)n_cols * sizeof *norm);
    int *dep = duet_calloc((size_t)n_cols, sizeof *dep);
    duet_qr_t *qr = duet_calloc(1, sizeof *qr);
    if (!a || !tau || !norm || !dep || !qr) goto cleanup;
    if (n_rows < n_cols || n_cols < 1) {
        duet_log_error("internal: QR of a %d x %d matrix", n_rows, n_cols);
        err = DUET_EINTERNAL;
        goto cleanup;
    }

    for (int j = 0; j < n_cols; j++) {
        memcpy(a + nr * j, x + (size_t)ldx * j, nr * sizeof *a);
        norm[j] = cblas_dnrm2(n_rows, a + nr * j, 1);
    }
    err = qr_factor(a, n_rows, n_cols, tau);
    if (err) goto cleanup;
    /* |R_jj| is the distance of x_j to the span of x_1..x_{j-1}.  Removing
     * a dependent column does not change the span seen by later ones. */
    int kept = 0;
    for (int j = 0; j < n_cols; j++) {
        double rjj = fabs(a[nr * j + j]);
        dep[j] = !(norm[j] > 0) || !(rjj > tol * norm[j]);
        kept += !dep[j];
    }
    if (kept < n_cols) {
        int c = 0;
        for (int j = 0; j < n_cols; j++) {
            if (dep[j]) continue;
            memcpy(a + nr * c, x + (size_t)ldx * j, nr * sizeof *a);
            c++;
        }
        if (kept == 0) { /* nothing to factor: an empty basis */
            err = DUET_EINTERNAL;
            duet_log_error("internal: QR of a design without any independent column");
            goto cleanup;
        }
        err = qr_factor(a, n_rows, kept, tau);
        if (err) goto cleanup;
    }
    qr->r = duet_calloc((size_t)kept * kept, sizeof *qr->r);
    if (!qr->r) { err = DUET_ENOMEM; goto cleanup; }
    for (int j = 0; j < kept; j++)
        for (int i = 0; i <= j; i++) qr->r[(size_t)kept * j + i] = a[nr * j + i];
    err = qr_form_q(a, n_rows, kept, tau);
    if (err) goto cleanup;
    qr->n_rows = n_rows;
    qr->n_cols = kept;
    qr->q = a;
    a = NULL;
    if (dependent) memcpy(dependent, dep, (size_t)n_cols * sizeof *dep);
    *out = qr;
    qr = NULL;
    err = DUET_OK;
cleanup:
    free(a);
    free(tau);
    free(norm);
    free(dep);
    duet_qr_destroy(qr);
    return err;
}

void duet_qr_destroy(duet_qr_t *qr)
{
    if (!qr) return;
    free(qr->q);
    free(qr->r);
    free(qr);
}

void duet_qr_residualise(const duet_qr_t *qr, double *y, int ldy, int n_y,
                         double *work)
{
    int n = qr->n_rows, k = qr->n_cols;
    for (int pass = 0; pass < 2; pass++) {
        /* work = Q'y ; y -= Q work */
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, n_y, n, 1.0,
                    qr->q, n, y, ldy, 0.0, work, k);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n_y, k, -1.0,
                    qr->q, n, work, k, 1.0, y, ldy);
    }
}

/* ------------------------------------------------------------------ */
/* Cholesky */

int duet_chol(double *a, int p, double tol)
{
    double dmax = 0;
    for (int j = 0; j < p; j++)
        if (a[(size_t)p * j + j] > dmax) dmax = a[(size_t)p * j + j];
    if (!(dmax > 0)) return -1;
    for (int j = 0; j < p; j++) {
        double d = a[(size_t)p * j + j];
        for (int c = 0; c < j; c++) d -= a[(size_t)p * c + j] * a[(size_t)p * c + j];
        if (!(d > tol * dmax)) return -1;
        d = sqrt(d);
        a[(size_t)p * j + j] = d;
        for (int i = j + 1; i < p; i++) {
            double s = a[(size_t)p * j + i];
            for (int c = 0; c < j; c++) s -= a[(size_t)p * c + i] * a[(size_t)p * c + j];
            a[(size_t)p * j + i] = s / d;
        }
    }
    return 0;
}

void duet_chol_solve(const double *l, int p, double *b)
{
    for (int i = 0; i < p; i++) { /* L z = b */
        double s = b[i];
        for (int c = 0; c < i; c++) s -= l[(size_t)p * c + i] * b[c];
        b[i] = s / l[(size_t)p * i + i];
    }
    for (int i = p - 1; i >= 0; i--) { /* L' x = z */
        double s = b[i];
        for (int r = i + 1; r < p; r++) s -= l[(size_t)p * i + r] * b[r];
        b[i] = s / l[(size_t)p * i + i];
    }
}

/* ------------------------------------------------------------------ */
/* Linear regression */

duet_err_t duet_linreg_create(const duet_qr_t *qr, const double *y, int ldy,
                              int n_traits, duet_linreg_t **out)
{
    *out = NULL;
    int n = qr->n_rows, k = qr->n_cols;
    size_t nr = (size_t)n;
    duet_linreg_t *m = duet_calloc(1, sizeof *m);
    if (!m) return DUET_ENOMEM;
    m->n_samples = n;
    m->n_covars = k;
    m->n_traits = n_traits;
    m->basis = duet_malloc(nr * (size_t)(k + n_traits) * sizeof *m->basis);
    m->yy = duet_malloc((size_t)(n_traits ? n_traits : 1) * sizeof *m->yy);
    double *work = duet_malloc((size_t)k * (n_traits ? n_traits : 1) * sizeof *work);
    if (!m->basis || !m->yy || !work) {
        free(work);
        duet_linreg_destroy(m);
        return DUET_ENOMEM;
    }
    memcpy(m->basis, qr->q, nr * k * sizeof *m->basis);
    double *yr = m->basis + nr * k;
    for (int t = 0; t < n_traits; t++)
        memcpy(yr + nr * t, y + (size_t)ldy * t, nr * sizeof *yr);
    if (n_traits) duet_qr_residualise(qr, yr, n, n_traits, work);
    for (int t = 0; t < n_traits; t++)
        m->yy[t] = cblas_ddot(n, yr + nr * t, 1, yr + nr * t, 1);
    free(work);
    *out = m;
    return DUET_OK;
}

void duet_linreg_destroy(duet_linreg_t *m)
{
    if (!m) return;
    free(m->basis);
    free(m->yy);
    free(m);
}

int duet_linreg_stride(const duet_linreg_t *m) { return m->n_covars + m->n_traits + 1; }

void duet_sum_sumsq(const double *x, int n, double *sum, double *sumsq)
{
    double s = 0, s2 = 0;
#pragma omp simd reduction(+ : s, s2)
    for (int i = 0; i < n; i++) {
        s += x[i];
        s2 += x[i] * x[i];
    }
    *sum = s;
    *sumsq = s2;
}

#define XP_TILE 256

/* The kernel body, compiled three times below for the vector units at
 * hand (features are tested, not the CPU's model name).  Four columns of A
 * share each load of G and keep four independent accumulators; XP_MADD is
 * a fused multiply-add where the unit has one. */
#define XP_BODY                                                               \
    for (int j = 0; j < n_cols; j++) {                                        \
        for (int c = 0; c < m; c++) C[(size_t)ldc * j + c] = 0;               \
        if (sq_row >= 0) C[(size_t)ldc * j + sq_row] = 0;                     \
    }                                                                         \
    for (int i0 = 0; i0 < n; i0 += XP_TILE) {                                 \
        int len = n - i0 < XP_TILE ? n - i0 : XP_TILE;                        \
        for (int j = 0; j < n_cols; j++) {                                    \
            const double *g = G + (size_t)ldg * j + i0;                       \
            double *cj = C + (size_t)ldc * j;                                 \
            int c = 0;                                                        \
            for (; c + 4 <= m; c += 4) {                                      \
                const double *a0 = A + (size_t)lda * c + i0;                  \
                const double *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;  \
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;                        \
                _Pragma("omp simd reduction(+ : s0, s1, s2, s3)")             \
                for (int i = 0; i < len; i++) {                               \
                    double x = g[i];                                          \
                    s0 = XP_MADD(a0[i], x, s0);                               \
                    s1 = XP_MADD(a1[i], x, s1);                               \
                    s2 = XP_MADD(a2[i], x, s2);                               \
                    s3 = XP_MADD(a3[i], x, s3);                               \
                }                                                             \
                cj[c] += s0;                                                  \
                cj[c + 1] += s1;                                              \
                cj[c + 2] += s2;                                              \
                cj[c + 3] += s3;                                              \
            }                                                                 \
            for (; c < m; c++) {                                              \
                const double *a = A + (size_t)lda * c + i0;                   \
                double s = 0;                                                 \
                _Pragma("omp simd reduction(+ : s)")                          \
                for (int i = 0; i < len; i++) s = XP_MADD(a[i], g[i], s);     \
                cj[c] += s;                                                   \
            }                                                                 \
            if (sq_row < 0) continue;                                         \
            double s = 0;                                                     \
            if (w) {                                                          \
                const double *wt = w + i0;                                    \
                _Pragma("omp simd reduction(+ : s)")                          \
                for (int i = 0; i < len; i++) s = XP_MADD(wt[i] * g[i], g[i], s); \
            } else {                                                          \
                _Pragma("omp simd reduction(+ : s)")                          \
                for (int i = 0; i < len; i++) s = XP_MADD(g[i], g[i], s);     \
            }                                                                 \
            cj[sq_row] += s;                                                  \
        }                                                                     \
    }

#define XP_ARGS                                                               \
    const double *A, int lda, int m, const double *G, int ldg, int n_cols,    \
        int n, const double *w, double *C, int ldc, int sq_row

#define XP_MADD(a, b, c) __builtin_fma((a), (b), (c))
__attribute__((target("avx512f,avx512dq,avx2,fma")))
static void xp_avx512(XP_ARGS) { XP_BODY }

__attribute__((target("avx2,fma")))
static void xp_avx2(XP_ARGS) { XP_BODY }
#undef XP_MADD

#define XP_MADD(a, b, c) ((a) * (b) + (c))
static void xp_base(XP_ARGS) { XP_BODY }
#undef XP_MADD

void duet_crossprod_sumsq(XP_ARGS)
{
    /* chosen once; a race only stores the same value twice */
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") ? 2
              : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
    }
    if (level == 2) xp_avx512(A, lda, m, G, ldg, n_cols, n, w, C, ldc, sq_row);
    else if (level == 1) xp_avx2(A, lda, m, G, ldg, n_cols, n, w, C, ldc, sq_row);
    else xp_base(A, lda, m, G, ldg, n_cols, n, w, C, ldc, sq_row);
}

void duet_linreg_sums(const duet_linreg_t *m, const double *g, int ldg,
                      int n_variants, const double *gg, double *sums)
{
    int n = m->n_samples, kt = m->n_covars + m->n_traits, stride = kt + 1;
    if (n_variants <= 0) return;
    if (kt <= XP_MAX_COLS) {
        duet_crossprod_sumsq(m->basis, n, kt, g, ldg, n_variants, n, NULL, sums, stride,
                             gg ? -1 : kt);
    } else {
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, kt, n_variants, n, 1.0,
                    m->basis, n, g, ldg, 0.0, sums, stride);
        if (!gg)
            for (int j = 0; j < n_variants; j++) {
                double s;
                duet_sum_sumsq(g + (size_t)ldg * j, n, &s, &sums[(size_t)stride * j + kt]);
            }
    }
    if (gg)
        for (int j = 0; j < n_variants; j++) sums[(size_t)stride * j + kt] = gg[j];
}

void duet_linreg_from_cross(double r_gg, double r_gy, double r_yy, double gss,
                            int n, int k, duet_assoc_t *out)
{
    int df = n - k - 1;
    if (!(gss > 0)) {
        duet_assoc_na(out, DUET_FIT_MONOMORPHIC, DUET_TEST_LINEAR, n);
        return;
    }
    if (df < 1) {
        duet_assoc_na(out, DUET_FIT_FEW_SAMPLES, DUET_TEST_LINEAR, n);
        return;
    }
    if (!(r_gg > 1e-8 * gss)) {
        duet_assoc_na(out, DUET_FIT_COLLINEAR, DUET_TEST_LINEAR, n);
        return;
    }
    double beta = r_gy / r_gg;
    double rss = r_yy - beta * r_gy;
    if (rss < 0) rss = 0; /* a perfect fit: rounding only */
    double se = sqrt(rss / df / r_gg);
    out->beta = beta;
    out->se = se;
    out->stat = se > 0 ? beta / se : (beta == 0 ? NAN : copysign(INFINITY, beta));
    out->log_p = isinf(out->stat) ? -INFINITY : duet_dist_logp_t2(out->stat, df);
    out->df = df;
    out->n = n;
    out->iterations = 0;
    out->status = DUET_FIT_OK;
    out->test = DUET_TEST_LINEAR;
}

void duet_linreg_variant(const duet_linreg_t *m, const double *sums, double gss,
                         duet_assoc_t *out)
{
    int k = m->n_covars, T = m->n_traits;
    double qq = 0;
    for (int c = 0; c < k; c++) qq += sums[c] * sums[c];
    double r_gg = sums[k + T] - qq;
    for (int t = 0; t < T; t++)
        duet_linreg_from_cross(r_gg, sums[k + t], m->yy[t], gss, m->n_samples, k,
                               out + t);
}

/* x = L^{-1} x in place, L from duet_chol() */
static void forward(const double *l, int p, double *x)
{
    for (int i = 0; i < p; i++) {
        double s = x[i];
        for (int c = 0; c < i; c++) s -= l[(size_t)p * c + i] * x[c];
        x[i] = s / l[(size_t)p * i + i];
    }
}

size_t duet_linreg_drop_work(const duet_linreg_t *m)
{
    size_t k = (size_t)m->n_covars, T = (size_t)m->n_traits;
    /* Gram (k*k), b (k), a_t per trait (k*T), g'y_r per trait (T) */
    return k * k + k + k * T + T + 1;
}

void duet_linreg_variant_drop(const duet_linreg_t *m, const double *sums,
                              const double *g, const int *drop, int n_drop,
                              double gss, double *work, duet_assoc_t *out)
{
    int n = m->n_samples, k = m->n_covars, T = m->n_traits;
    size_t nr = (size_t)n;
    const double *q = m->basis, *yr = m->basis + nr * k;
    double *gram = work;            /* k x k */
    double *b = gram + (size_t)k * k;
    double *a = b + k;              /* k x T */
    double *gy = a + (size_t)k * T; /* T */
    int n_used = n - n_drop;

    /* Gram = I - Q_D'Q_D, b = Q'g - Q_D'g_D, a_t = -Q_D'y_D (Q'y_r = 0) */
    for (int j = 0; j < k; j++)
        for (int i = 0; i < k; i++) gram[(size_t)k * j + i] = i == j;
    for (int c = 0; c < k; c++) b[c] = sums[c];
    for (size_t i = 0; i < (size_t)k * T; i++) a[i] = 0;
    double gg = sums[k + T];
    for (int t = 0; t < T; t++) gy[t] = sums[k + t];
    for (int d = 0; d < n_drop; d++) {
        size_t r = (size_t)drop[d];
        double gd = g[r];
        gg -= gd * gd;
        for (int j = 0; j < k; j++) {
            double qj = q[nr * j + r];
            b[j] -= qj * gd;
            for (int i = j; i < k; i++) gram[(size_t)k * j + i] -= q[nr * i + r] * qj;
            for (int t = 0; t < T; t++) a[(size_t)k * t + j] -= qj * yr[nr * t + r];
        }
        for (int t = 0; t < T; t++) gy[t] -= gd * yr[nr * t + r];
    }
    if (duet_chol(gram, k, 1e-10) != 0) {
        /* the covariates are singular on the remaining samples */
        for (int t = 0; t < T; t++)
            duet_assoc_na(out + t, DUET_FIT_COLLINEAR, DUET_TEST_LINEAR, n_used);
        return;
    }
    /* With G = L L': b'G^{-1}b = |L^{-1}b|^2 and so on. */
    forward(gram, k, b);
    double bgb = 0;
    for (int c = 0; c < k; c++) bgb += b[c] * b[c];
    double r_gg = gg - bgb;
    for (int t = 0; t < T; t++) {
        double *at = a + (size_t)k * t;
        double yy_t = m->yy[t];
        for (int d = 0; d < n_drop; d++) {
            double v = yr[nr * t + (size_t)drop[d]];
            yy_t -= v * v;
        }
        forward(gram, k, at);
        double bga = 0, aga = 0;
        for (int c = 0; c < k; c++) {
            bga += b[c] * at[c];
            aga += at[c] * at[c];
        }
        duet_linreg_from_cross(r_gg, gy[t] - bga, yy_t - aga, gss, n_used, k, out + t);
    }
}
