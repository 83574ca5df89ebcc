/*
 * spa.h -- the saddlepoint approximation (SPA) of a case/control score
 * statistic's null distribution, as SPAtest and SAIGE apply it (Dey et al.
 * 2017, AJHG 101:37; Zhou et al. 2018, Nat Genet 50:1335), with
 * Barndorff-Nielsen's tail formula (Lugannani-Rice form).
 *
 * Under the null model the case indicators y_i are independent
 * Bernoulli(mu_i) (mu: the null logistic model's fitted probabilities) and
 * a score statistic of the covariate-adjusted genotype g (g' X = 0 in the
 * W-metric, W = diag(mu (1 - mu))) is
 *   S = sum_i g_i (y_i - mu_i),   Var S = sum_i g_i^2 mu_i (1 - mu_i).
 * For a rare variant S is far from normal: its tail is set by the few
 * carriers.  Its cumulant generating function is exact:
 *   K(t) = sum_i [ ln(1 - mu_i + mu_i e^{t g_i}) - t g_i mu_i ],
 * and the tail P(S >= s) ~ 1 - Phi(w + ln(v / w) / w), with zeta solving
 * K'(zeta) = s, w = sign(zeta) sqrt(2 (zeta s - K(zeta))),
 * v = zeta sqrt(K''(zeta)).
 *
 * The partially normal form (SAIGE's "fast" SPA): the terms of samples
 * whose adjusted genotype is small (the non-carriers of a rare variant,
 * whose g_i is only the covariates' projection) are summed as one normal
 * term of variance var_normal, so that K(t) = sum over the exact samples
 * + var_normal t^2 / 2 and one evaluation costs O(carriers).
 *
 * All functions are thread-safe and allocate nothing.
 */
#ifndef DUET_SPA_H
#define DUET_SPA_H

/* Outcome of a saddlepoint computation. */
typedef enum {
    DUET_SPA_OK = 0,
    DUET_SPA_NORMAL,        /* |s| within DUET_SPA_NEAR_MEAN standard deviations
                               of the mean: the normal tail is returned (the
                               SPA formula is singular at w = 0) */
    DUET_SPA_NO_ROOT,       /* the saddlepoint equation has no root that
                               Newton-bisection found: NaN returned */
    DUET_SPA_BAD_INPUT      /* n < 0, mu outside (0, 1), a non-finite value,
                               or zero variance: NaN returned */
} duet_spa_status_t;

/* Below this many standard deviations the normal approximation is used. */
#define DUET_SPA_NEAR_MEAN 1e-3

/*
 * ln of the two-sided p-value P(S >= |s|) + P(S <= -|s|) of
 *   S = sum_{i < n} g[i] (y_i - mu[i]) + R,   R ~ N(0, var_normal),
 * each tail by its own saddlepoint (as SPAtest's two-sided p).  g: the
 * adjusted genotypes of the samples treated exactly (any values; zeros add
 * nothing), mu their null probabilities in (0, 1); var_normal >= 0 (0: no
 * normal part).  n may be 0 when var_normal > 0 (then the normal p).
 * *status (may be NULL) receives the outcome.  ln p <= 0 always; -inf only
 * when |s| is beyond the support of S (no normal part).
 */
double duet_spa_logp2(const double *g, const double *mu, int n,
                      double var_normal, double s, duet_spa_status_t *status);

/* The same for one tail: ln P(S >= s) (upper != 0) or ln P(S <= s). */
double duet_spa_logp_tail(const double *g, const double *mu, int n,
                          double var_normal, double s, int upper,
                          duet_spa_status_t *status);

/*
 * The exact counterpart for few carriers: ln P(|S| >= |s|) for
 * S = sum_{i < n} g[i] (y_i - mu[i]) with y_i independent Bernoulli(mu[i])
 * (no normal part: the carriers of a variant only, raw genotypes, as
 * SKATBinary's efficient resampling treats them; Lee et al. 2016), summed
 * over the outcomes at least as extreme (not a mid-p: conservative on a
 * lattice).  Genotypes that are all non-negative integers (hard calls, or
 * a burden's allele counts) are convolved on the integer lattice of
 * T = sum g y (while sum g <= 2 DUET_EXACT_MAX_LATTICE); otherwise the 2^n
 * outcomes are enumerated (n up to DUET_EXACT_MAX_ENUM).
 * Returns NaN (status BAD_INPUT) beyond those sizes or for invalid input.
 */
#define DUET_EXACT_MAX_LATTICE 64
#define DUET_EXACT_MAX_ENUM 16
double duet_exact_logp2(const double *g, const double *mu, int n, double s,
                        duet_spa_status_t *status);

#endif
