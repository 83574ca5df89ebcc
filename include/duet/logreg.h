/*
 * logreg.h -- logistic regression kernels for binary traits: the null
 * model fitted once per trait, the score test of many variants at once
 * (BLAS-3), and full per-variant fits by iteratively reweighted least
 * squares (Wald test, as plink2 --glm) or by Firth's penalised likelihood
 * (Firth 1993, Biometrika 80:27; Heinze and Schemper 2002, Stat Med
 * 21:2409; as plink2 --glm firth and R's logistf / brglm2 "MPL_Jeffreys").
 *
 * Design: X (N x k, column-major, intercept first, covariates preferably
 * standardised), y in {0, 1}.  A per-variant fit adds the genotype column
 * g (centred internally, which changes only the intercept) as the last
 * predictor and reports its coefficient.
 *
 * Score test (Rao) under the null fit mu, W = diag(mu (1 - mu)):
 *   U = g'(y - mu),  V = g'Wg - g'WX (X'WX)^{-1} X'Wg,
 *   z = U / sqrt(V);  reported beta = U / V, se = 1 / sqrt(V)
 * (the one-step estimate from beta = 0, as regenie reports).  With
 * Q_w an orthonormal basis of W^{1/2} X, V = g'Wg - |(W^{1/2} Q_w)' g|^2,
 * so one product of [y - mu | W^{1/2} Q_w]' with a block of genotypes
 * (duet_crossprod_sumsq(), with the weighted sums of squares g'Wg) gives
 * every U and V.
 */
#ifndef DUET_LOGREG_H
#define DUET_LOGREG_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/stats.h"

/* Iteration limits and tolerances of the fits (documented in
 * duet-gwas(1)).  Convergence: the largest Newton step on any coefficient
 * is below DUET_LOGREG_TOL. */
#define DUET_LOGREG_MAX_ITER 50     /* IRLS (null and Wald fits) */
#define DUET_FIRTH_MAX_ITER 200     /* Firth */
#define DUET_LOGREG_TOL 1e-8
/* Firth's iteration (Fisher scoring on the modified score) converges
 * linearly, not quadratically: its steps are stopped later, so that the
 * estimate is as accurate as a maximum-likelihood one. */
#define DUET_FIRTH_TOL 1e-10
#define DUET_FIRTH_MAX_STEP 5.0     /* logistf's maxstep */
#define DUET_LOGREG_MAX_HALVING 30

typedef struct {
    int n_samples;   /* N */
    int n_covars;    /* k */
    double *x;       /* N x k design (a copy) */
    double *y;       /* N, 0/1 */
    double *beta;    /* k null coefficients */
    double *mu;      /* N fitted probabilities */
    double *w;       /* N weights mu (1 - mu) */
    double *basis;   /* N x (1 + k): [y - mu | W^{1/2} Q_w] */
    double loglik;   /* null log-likelihood */
    double *firth_beta; /* k: Firth's fit of y ~ X, the start of the
                           restricted fits of Firth's likelihood-ratio test
                           (duet_logreg_null_fit_firth); NULL: the
                           maximum-likelihood beta is the start */
    int n_cases, n_controls;
    int iterations;
    uint64_t serial; /* unique per model made in this process (a full fit's
                        workspace keeps the design of the last model it
                        served, recognised by this) */
    duet_fit_status_t status; /* OK, NO_CONVERGENCE or SEPARATION (the
                                 covariates separate the classes); the
                                 score test needs OK */
} duet_logreg_null_t;

/*
 * Fit the null model y ~ X by IRLS (Newton-Raphson with step halving),
 * started at the intercept-only solution.  Copies x and y.  Returns
 * DUET_OK (check (*null)->status), DUET_ENOMEM, or DUET_EINTERNAL (a
 * LAPACK failure).
 */
duet_err_t duet_logreg_null_create(const double *x, int ldx, int n_samples,
                                   int n_covars, const double *y,
                                   duet_logreg_null_t **null) DUET_WUR;
void duet_logreg_null_destroy(duet_logreg_null_t *null);

/* Fit the null model by Firth's penalised likelihood too (once per trait),
 * into null->firth_beta; left NULL if that fit fails (the restricted fits
 * then start from the maximum-likelihood coefficients).  Not thread-safe
 * for the same null.  Returns DUET_OK or DUET_ENOMEM. */
duet_err_t duet_logreg_null_fit_firth(duet_logreg_null_t *null) DUET_WUR;

/* Score sufficient statistics per variant: duet_logreg_score_stride() =
 * k + 2 doubles [U | (W^{1/2}Q_w)'g (k) | g'Wg]. */
int duet_logreg_score_stride(const duet_logreg_null_t *null);

/* Statistics of n_variants columns g (N x n_variants, leading dimension
 * ldg) into sums (stride x n_variants): one pass of the fused
 * cross-product kernel.  Requires null->status == OK. */
void duet_logreg_score_sums(const duet_logreg_null_t *null, const double *g,
                            int ldg, int n_variants, double *sums);

/* The score test of one variant from its sums.  gss: centred sum of
 * squares of g (0 = monomorphic).  Collinear when V < 1e-8 g'Wg. */
void duet_logreg_score_variant(const duet_logreg_null_t *null,
                               const double *sums, double gss,
                               duet_assoc_t *out);

/* The same without the n_drop listed samples (the null model is kept, not
 * refitted: an approximation that only the score test makes; the full fits
 * below drop samples exactly).  The genotype is adjusted for the covariates
 * over the kept samples, and so is the score: its nuisance part, which the
 * dropped samples' residuals leave, is removed, so that the test does not
 * depend on the allele coding.  work: duet_logreg_score_drop_work()
 * doubles; on return its first k hold the coefficients gamma of the
 * covariates' projection, g~_i = g_i - sum_j W^{1/2}Q_w[i, j] gamma_j / w_i
 * on the kept samples (without dropped samples gamma is sums[1..k]). */
size_t duet_logreg_score_drop_work(const duet_logreg_null_t *null);
void duet_logreg_score_variant_drop(const duet_logreg_null_t *null,
                                    const double *sums, const double *g,
                                    const int *drop, int n_drop, double gss,
                                    double *work, duet_assoc_t *out);

/* 1 if g separates cases from controls on its own among the samples with
 * keep[i] != 0 (keep NULL = all): every control's g <= every case's g, or
 * the reverse (quasi-complete separation; Albert and Anderson 1984). */
int duet_logreg_separated(const double *g, const double *y,
                          const uint8_t *keep, int n_samples);

/* A per-thread workspace for full fits, sized for up to max_samples
 * samples and max_covars covariate columns; it can serve the null models
 * of several traits in turn. */
typedef struct duet_logreg_fit_t duet_logreg_fit_t;

duet_err_t duet_logreg_fit_create(int max_samples, int max_covars,
                                  duet_logreg_fit_t **fit) DUET_WUR;
void duet_logreg_fit_destroy(duet_logreg_fit_t *fit);

/*
 * Fit y ~ X + g for the trait of `null` (whose design X and y are used)
 * over the samples with drop_mask[i] == 0 (drop_mask NULL = all), starting
 * from the null coefficients and beta_g = 0.  g has null->n_samples rows.
 *   firth == 0: maximum likelihood by IRLS; Wald z = beta / se with se from
 *               the inverse Fisher information.  SEPARATION if g alone
 *               separates the classes (no fit is tried) or the fit ends with
 *               fitted probabilities within 10 DBL_EPSILON of 0 or 1 (the
 *               design separates them: R's glm warns "fitted probabilities
 *               numerically 0 or 1"), NO_CONVERGENCE if the iterations run
 *               out or the likelihood cannot increase.
 *   firth != 0: Firth's penalised likelihood l(b) + log|I(b)| / 2,
 *               modified score U*_j = sum x_ij (y_i - mu_i + h_i (1/2 -
 *               mu_i)) with h the diagonal of the weighted hat matrix,
 *               Newton steps capped at DUET_FIRTH_MAX_STEP with step
 *               halving on the penalised likelihood (the estimate equals
 *               plink2's, logistf's and brglm2's).  The p-value is the
 *               penalised likelihood-ratio test, as logistf and regenie
 *               report it (the Wald z from the penalised information is
 *               badly anti-conservative for rare variants): a second fit
 *               maximises the same penalised likelihood with beta_g = 0
 *               (the full design's information in the penalty), started
 *               at null->firth_beta when set, and
 *               chi2 = 2 (l*(b) - l*(b_0)) ~ chi2_1; stat = sign(beta)
 *               sqrt(chi2), se = |beta| / sqrt(chi2) (regenie's
 *               convention; the information's where chi2 = 0).
 *               NO_CONVERGENCE if either fit fails.
 * Fills out (test WALD or FIRTH; n = samples used) and returns its status
 * (FEW_SAMPLES if no more samples than parameters, COLLINEAR if the
 * information matrix is singular at the start, MONOMORPHIC if g is
 * constant on the samples used).  The null model must have status OK and
 * fit within the workspace's size (the caller's duty).
 */
duet_fit_status_t duet_logreg_fit_variant(duet_logreg_fit_t *fit,
                                          const duet_logreg_null_t *null,
                                          const double *g,
                                          const uint8_t *drop_mask, int firth,
                                          duet_assoc_t *out);

/* The same, starting from beta_g = beta_start (for example the score
 * test's one-step estimate U/V) instead of 0; the covariates still start at
 * the null coefficients.  A start near the estimate saves iterations. */
duet_fit_status_t duet_logreg_fit_variant_from(duet_logreg_fit_t *fit,
                                               const duet_logreg_null_t *null,
                                               const double *g,
                                               const uint8_t *drop_mask,
                                               int firth, double beta_start,
                                               duet_assoc_t *out);

/*
 * Fit y ~ X + g directly, without a null model: X (n x k, leading dimension
 * ldx, first column constant: the intercept) and y (0/1) are the caller's
 * and are read during the call only.  Starts from the intercept-only
 * solution and beta = 0 elsewhere, as R's glm() does.  Otherwise as
 * duet_logreg_fit_variant() with no dropped samples: SEPARATION if g alone
 * separates the classes (maximum likelihood only), NO_CONVERGENCE if the
 * iterations run out, SEPARATION also when the covariates separate the
 * classes (Firth's fit then still converges).  n and k within the workspace's size.
 */
duet_fit_status_t duet_logreg_fit_direct(duet_logreg_fit_t *fit, const double *x,
                                         int ldx, int n_samples, int n_covars,
                                         const double *y, const double *g, int firth,
                                         duet_assoc_t *out);

#endif
