/*
 * stats.h -- association kernels shared by the scans (GWAS now; PheWAS and
 * gene-burden scans reuse them): the per-test result record, covariate QR
 * with rank detection, small dense Cholesky helpers, and blocked linear
 * regression of many variants on many traits sharing one sample set.
 *
 * Linear model.  For a sample set of N samples with covariates X (N x k,
 * intercept first), a trait y and a genotype column g, duet fits
 * y = X a + g b + e by least squares, as plink2 --glm does, through the
 * Frisch-Waugh-Lovell identity: with Q an orthonormal basis of X (from
 * LAPACK dgeqrf/dorgqr), y_r = y - Q Q'y and g_r = g - Q Q'g,
 *   b = g'y_r / g_r'g_r,  RSS = y_r'y_r - b g'y_r,  df = N - k - 1,
 *   se = sqrt(RSS / df / g_r'g_r),  t = b / se,  p = 2 P(T_df > |t|),
 * where g_r'g_r = g'g - |Q'g|^2.  A block of B variants and T traits is
 * one matrix product: [Q | Y_r]' (N x (k+T)) times G (N x B) gives every
 * Q'g and g'y_r at once -- by the fused kernel duet_crossprod_sumsq() (one
 * pass over G, with g'g) while k + T is small, by cblas_dgemm beyond.
 */
#ifndef DUET_STATS_H
#define DUET_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "duet/err.h"

/* Why a test has no estimate (the errcode column of scan outputs). */
typedef enum {
    DUET_FIT_OK = 0,
    DUET_FIT_MONOMORPHIC,     /* the genotype does not vary in the samples */
    DUET_FIT_FEW_MINOR,       /* minor allele count below the threshold */
    DUET_FIT_COLLINEAR,       /* the genotype is a combination of covariates */
    DUET_FIT_FEW_SAMPLES,     /* no residual degrees of freedom */
    DUET_FIT_NO_CONVERGENCE,  /* iterations ran out or the fit diverged */
    DUET_FIT_SEPARATION,      /* (quasi-)complete separation of cases and
                                 controls by the genotype */
    DUET_FIT_N_STATUS
} duet_fit_status_t;

/* "monomorphic", "too_few_minor_alleles", "collinear", "too_few_samples",
 * "no_convergence", "separation"; "" for DUET_FIT_OK. */
const char *duet_fit_status_str(duet_fit_status_t status);

/* Which estimate a result carries (the test column). */
typedef enum {
    DUET_TEST_NONE = 0,
    DUET_TEST_LINEAR,  /* least squares, t test */
    DUET_TEST_SCORE,   /* logistic score test under the null model */
    DUET_TEST_WALD,    /* logistic maximum likelihood, Wald z test */
    DUET_TEST_FIRTH,   /* Firth penalised likelihood, penalised
                          likelihood-ratio test */
    DUET_TEST_SPA,     /* logistic score test, saddlepoint p-value */
    DUET_TEST_EXACT,   /* logistic score test, exact p-value over the
                          carriers' case/control outcomes */
    DUET_TEST_N
} duet_test_t;

/* "linear", "score", "wald", "firth", "spa", "exact"; "" for NONE. */
const char *duet_test_str(duet_test_t test);

/* One variant x trait test. */
typedef struct {
    double beta;   /* effect per copy of the tested allele (log odds for
                      logistic tests); NaN when status != OK */
    double se;     /* its standard error */
    double stat;   /* t (linear) or z (logistic) */
    double log_p;  /* natural log of the two-sided p-value */
    double df;     /* residual degrees of freedom (linear); +inf for z */
    int n;         /* samples in the fit */
    int iterations;/* iterations of an iterative fit, 0 otherwise */
    duet_fit_status_t status;
    duet_test_t test;
} duet_assoc_t;

/* Set every field to "no estimate" with `status` and `test`, n samples. */
void duet_assoc_na(duet_assoc_t *a, duet_fit_status_t status,
                   duet_test_t test, int n);

/* ------------------------------------------------------------------ */
/* QR of a design with rank detection */

/* Relative tolerance of the collinearity test: column j of X is declared
 * dependent on the columns before it when its distance to their span,
 * |R_jj| of the unpivoted QR, is below DUET_QR_TOL * |x_j|.  For a
 * standardised covariate this is a variance inflation factor above 1e12
 * (plink2's default --vif limit is 50; duet only refuses designs that are
 * numerically singular and leaves milder collinearity to the user). */
#define DUET_QR_TOL 1e-6

typedef struct {
    int n_rows;   /* N */
    int n_cols;   /* columns kept (the rank) */
    double *q;    /* N x n_cols, orthonormal columns, column-major */
    double *r;    /* n_cols x n_cols upper triangular, column-major */
} duet_qr_t;

/*
 * QR of x (n_rows x n_cols, column-major with leading dimension ldx) by
 * LAPACK dgeqrf + dorgqr.  Columns that fail the test above, and columns
 * of zero norm, are flagged in `dependent` (n_cols ints, 1 = dependent; may
 * be NULL) and left out of the basis, whose columns keep the order of the
 * independent columns of x.  n_rows >= n_cols >= 1.
 * Returns DUET_OK, DUET_ENOMEM, or DUET_EINTERNAL if LAPACK fails
 * (reported).  *qr is NULL on error.
 */
duet_err_t duet_qr_create(const double *x, int ldx, int n_rows, int n_cols,
                          double tol, int *dependent, duet_qr_t **qr) DUET_WUR;
void duet_qr_destroy(duet_qr_t *qr);

/* y (n_rows x n_y, leading dimension ldy) -= Q (Q'y), twice (classical
 * Gram-Schmidt re-orthogonalisation, so that Q'y_r is zero to rounding).
 * work holds qr->n_cols * n_y doubles. */
void duet_qr_residualise(const duet_qr_t *qr, double *y, int ldy, int n_y,
                         double *work);

/* ------------------------------------------------------------------ */
/* Small dense symmetric positive definite systems (p up to a few dozen) */

/* Cholesky a = L L' in place (lower triangle, column-major p x p; the
 * upper triangle is not read).  Returns 0, or -1 if a is not numerically
 * positive definite (a pivot <= tol * the largest diagonal). */
int duet_chol(double *a, int p, double tol);
/* Solve L L' x = b in place given the factor from duet_chol(). */
void duet_chol_solve(const double *l, int p, double *b);

/* ------------------------------------------------------------------ */
/* Linear regression of many traits sharing a sample set */

typedef struct {
    int n_samples;  /* N */
    int n_covars;   /* k, columns of the covariate basis (intercept first) */
    int n_traits;   /* T */
    double *basis;  /* N x (k + T): [Q | Y_r], column-major */
    double *yy;     /* T: y_r'y_r */
} duet_linreg_t;

/*
 * Build the model for traits y (N x T, leading dimension ldy; no missing
 * values: the caller restricts to the sample set) on the covariate basis
 * qr (whose first column must span the intercept).  Copies what it needs.
 * Returns DUET_OK or DUET_ENOMEM.
 */
duet_err_t duet_linreg_create(const duet_qr_t *qr, const double *y, int ldy,
                              int n_traits, duet_linreg_t **model) DUET_WUR;
void duet_linreg_destroy(duet_linreg_t *model);

/* Per-variant sufficient statistics: a column of
 * duet_linreg_stride(model) = k + T + 1 doubles [Q'g | g'Y_r | g'g]. */
int duet_linreg_stride(const duet_linreg_t *model);

/* Sufficient statistics of n_variants genotype columns g (N x n_variants,
 * leading dimension ldg) into sums (stride x n_variants): one matrix
 * product (see above), and
 * the column sums of squares g'g, copied from gg (n_variants values) when
 * the caller has them, computed when gg is NULL.  BLAS runs in the calling
 * thread. */
void duet_linreg_sums(const duet_linreg_t *model, const double *g, int ldg,
                      int n_variants, const double *gg, double *sums);

/*
 * Skinny cross-products, fused with (weighted) column sums of squares:
 *   C[c + ldc j] = sum_i A[i + lda c] G[i + ldg j]   for c < m, j < n_cols,
 *   C[sq_row + ldc j] = sum_i w_i G[i + ldg j]^2     (w NULL: w_i = 1),
 * over i < n; sq_row < 0 skips the squares.  For the few-columns-wide A of
 * a scan (covariate basis and traits) a dgemm spends more time packing G
 * than multiplying; this reads each tile of G once while it sits in L1
 * (tiles of 256 rows, vectorised, compiled for AVX-512, AVX2 and baseline
 * x86-64 and chosen at run time).  The order of the additions is fixed for
 * a given machine, so results do not depend on the thread count.
 */
void duet_crossprod_sumsq(const double *A, int lda, int m, const double *G, int ldg,
                          int n_cols, int n, const double *w, double *C, int ldc,
                          int sq_row);

/* sum and sum of squares of x[0..n-1] (vectorised; the order of the
 * additions is fixed, so results are reproducible). */
void duet_sum_sumsq(const double *x, int n, double *sum, double *sumsq);

/* Tests of one variant against every trait, from its column of sums; out
 * holds n_traits results.  `gss` is the variant's centred sum of squares
 * sum (g - mean)^2 over the set (0 = monomorphic).  The genotype is
 * declared collinear with the covariates when g_r'g_r < 1e-8 gss. */
void duet_linreg_variant(const duet_linreg_t *model, const double *sums,
                         double gss, duet_assoc_t *out);

/*
 * The same tests on the subset without the n_drop samples listed in drop
 * (distinct row indices; missing genotypes under --missing drop, as plink2
 * drops them per variant).  Exact: the sufficient statistics are
 * downdated, sums_S = sums - sum over dropped rows, and the covariate
 * Gram matrix Q_S'Q_S = I - Q_D'Q_D is factored (k x k), so that
 *   r_gg = g_S'g_S - b'(Q_S'Q_S)^{-1} b,  b = Q'g - Q_D'g_D,
 * and likewise for r_gy and r_yy (y_r is orthogonal to Q).  g is the full
 * genotype column (N); its values at dropped rows are ignored.  work holds
 * duet_linreg_drop_work(model) doubles.  gss as above, over the subset.
 */
size_t duet_linreg_drop_work(const duet_linreg_t *model);
void duet_linreg_variant_drop(const duet_linreg_t *model, const double *sums,
                              const double *g, const int *drop, int n_drop,
                              double gss, double *work, duet_assoc_t *out);

/* The t test from residual cross-products, shared by the two functions
 * above and by other scans: r_gg = g_r'g_r, r_gy = g_r'y_r,
 * r_yy = y_r'y_r, n samples, k covariate columns.  Fills out (test
 * LINEAR). */
void duet_linreg_from_cross(double r_gg, double r_gy, double r_yy, double gss,
                            int n, int k, duet_assoc_t *out);

#endif
