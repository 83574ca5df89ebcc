/*
 * genetest.h -- numerical kernels of the rare-variant gene tests: the tail
 * of a quadratic form in normal variables (Davies' algorithm, Liu's moment
 * matching, Kuonen's saddlepoint and a driver that picks among them), the
 * weighted burden score test, SKAT (Wu et al. 2011), SKAT-O (Lee et al.
 * 2012), ACAT-V and ACAT-O (Liu et al. 2019), the adaptive quadrature
 * that SKAT-O's p-value needs, and for case/control traits a small-sample
 * policy (exact and saddlepoint-adjusted p-values; see below).
 *
 * The caller fits the null model (linear or logistic regression of the
 * trait on the covariates, intercept included) and hands its residuals and
 * fitted values to duet_genetest_null_create(); each gene is then one call
 * of duet_genetest_run() on a dense sample x variant dosage matrix.  The
 * statistics follow the SKAT R package's scale: for a null model with
 * residuals r = y - mu, variance weights V = diag(v) (v = 1 for a linear
 * model, mu(1 - mu) for a logistic one) and dispersion phi (the residual
 * variance s2 of a linear model, 1 for a logistic one), and the weighted,
 * MAF-flipped genotypes G W,
 *   U = W G'r,                           the score vector (m variants),
 *   Sigma = W G' P G W / 2,  P = V - V X (X'V X)^-1 X'V,
 *   Q_skat = U'U / (2 phi),  Q_burden = (1'U)^2 / (2 phi),
 * and under the null Q_skat ~ sum_j lambda_j chi2_1 with lambda the
 * eigenvalues of Sigma, Q_burden ~ (1'Sigma 1) chi2_1.
 *
 * Every p-value is returned as its natural logarithm (log_p), so that
 * p-values below the double range (1e-308) keep their exponent.  All
 * functions are thread-safe; a duet_genetest_work_t must not be shared by
 * threads at the same time.
 */
#ifndef DUET_GENETEST_H
#define DUET_GENETEST_H

#include "duet/err.h"

/* ------------------------------------------------------------------ */
/* The distribution of a quadratic form                                */
/* Q = sum_j lambda_j chi2(df_j, nc_j) + sigma N(0, 1)                 */

/* Davies' fault indicator (AS 155's ifault, plus 5). */
enum {
    DUET_DAVIES_OK = 0,
    DUET_DAVIES_ACCURACY = 1, /* the accuracy asked for needs more than lim
                                 integration terms */
    DUET_DAVIES_ROUNDOFF = 2, /* round-off error may be significant (the
                                 value is returned all the same) */
    DUET_DAVIES_PARAM = 3,    /* invalid parameters (negative df or nc, or
                                 every lambda and sigma zero) */
    DUET_DAVIES_LOCATE = 4,   /* the integration parameters could not be
                                 located within lim steps */
    DUET_DAVIES_NOMEM = 5     /* out of memory (r > 256, unsorted lambda) */
};

/* How the computation went (AS 155's trace). */
typedef struct {
    double abs_sum;        /* absolute value sum of the main integration */
    int n_terms;           /* integration terms, all integrations */
    int n_integrations;    /* integrations done (1 + auxiliary ones) */
    double interval;       /* integration interval of the main integration */
    double truncation;     /* truncation point of the initial integration */
    double sd_convergence; /* standard deviation of the initial convergence
                              factor term */
    int n_cycles;          /* cycles spent locating integration parameters */
} duet_davies_trace_t;

/*
 * P(Q < c) by Davies' (1980) numerical inversion of the characteristic
 * function (Algorithm AS 155, Applied Statistics 29:323-333), for any real
 * weights lambda[0..r-1] (negative ones too), integer degrees of freedom
 * df[] >= 0 (NULL: all 1), non-centralities nc[] >= 0 (NULL: all 0) and a
 * normal term of standard deviation sigma >= 0.  lim bounds the number of
 * integration terms (AS 155: 1,000 for repeated calls, up to 50,000), acc
 * is the absolute error bound asked for (1e-4 .. 1e-9).
 * *cdf receives the probability when the fault is DUET_DAVIES_OK or
 * DUET_DAVIES_ROUNDOFF, NaN otherwise.  trace may be NULL.
 * Returns the fault indicator above.  Allocates only when r > 256 and the
 * weights are not in non-increasing order of |lambda|.
 */
int duet_genetest_davies(const double *lambda, const int *df, const double *nc,
                         int r, double sigma, double c, int lim, double acc,
                         double *cdf, duet_davies_trace_t *trace);

/* The chi-square that a Liu-type approximation puts in place of Q:
 * P(Q > q) ~ P(chi2(df, ncp) > (q - mu_q) / sigma_q * sigma_x + mu_x). */
typedef struct {
    double mu_q, sigma_q; /* mean and standard deviation of Q */
    double mu_x, sigma_x; /* those of the approximating chi-square */
    double df, ncp;       /* its degrees of freedom and non-centrality */
} duet_genetest_liu_t;

/*
 * Liu, Tang and Zhang (2009, Comput Stat Data Anal 53:853-856): match the
 * skewness of Q (and its kurtosis where a non-central chi-square can do
 * both).  With modified = 1, the variant that SKAT-O uses (Lee, Wu and Lin
 * 2012, SKAT's Get_Liu_Params_Mod): match the kurtosis instead of the
 * skewness in the central case.  Weights must be non-negative with at least
 * one positive; df and nc as for duet_genetest_davies() (NULL allowed).
 */
void duet_genetest_liu_params(const double *lambda, const int *df,
                              const double *nc, int r, int modified,
                              duet_genetest_liu_t *liu);

/* ln P(Q > q) under the approximation.  0 (p = 1) for q at or below the
 * chi-square's lower end. */
double duet_genetest_liu_logp(const duet_genetest_liu_t *liu, double q);

/* The q whose approximate upper tail is exp(log_p): the inverse of
 * duet_genetest_liu_logp() (SKAT-O's per-rho quantile of the minimum
 * p-value). */
double duet_genetest_liu_quantile(const duet_genetest_liu_t *liu,
                                  double log_p);

/*
 * ln P(Q > q) by the saddlepoint approximation of Kuonen (1999, Biometrika
 * 86:929-935) in Barndorff-Nielsen's form, P = 1 - Phi(w + log(v/w)/w), as
 * GMMAT's .pKuonen computes it.  Relative accuracy far into the tail, where
 * Davies' absolute error bound is useless.  sigma = 0; df, nc as for
 * duet_genetest_davies().  Returns NaN where the approximation does not
 * apply: q within 1e-4 (in saddlepoint units) of the mean, no non-zero
 * weight, or an invalid argument.
 */
double duet_genetest_saddle_logp(const double *lambda, const int *df,
                                 const double *nc, int r, double q);

/* Which method gave a quadratic-form p-value. */
typedef enum {
    DUET_QF_NONE = 0, /* no p-value (no positive weight) */
    DUET_QF_EXACT,    /* one weight: lambda chi2_1, exact */
    DUET_QF_DAVIES,
    DUET_QF_SADDLE,
    DUET_QF_LIU       /* modified Liu */
} duet_qf_method_t;

/* "none", "exact", "davies", "saddlepoint", "liu". */
const char *duet_qf_method_str(duet_qf_method_t method);

typedef struct {
    double log_p;            /* ln P(Q > q); NaN with DUET_QF_NONE */
    duet_qf_method_t method;
    int davies_fault;        /* fault of the Davies attempt (0 if not tried) */
} duet_qf_pvalue_t;

/* Below this, Davies cannot be refined (its error bound would approach
 * double rounding) and the saddlepoint stands. */
#define DUET_QF_REFINE_MIN 1e-11

/*
 * ln P(Q > q) for Q = sum_j lambda_j chi2_1, lambda_j > 0 (eigenvalues, best
 * in decreasing order; r may be 0).  One weight: exact.  Otherwise Davies
 * with accuracy acc and lim terms, kept if it has no fault and
 * p > 1000 acc (its error bound is then 0.1% of p).  Else a second Davies
 * pass with 100 lim terms and accuracy 1e-3 p -- p from the first pass if
 * that had no fault and p > 10 acc (the bar of SKAT and of GMMAT's .Q_pval,
 * Chen et al. 2019), else from the saddlepoint, 1e-4 where neither can say
 * (a failure near the mean: a dominant eigenvalue needs many terms, where
 * SKAT falls back to Liu, 1% off) -- kept if it succeeds and agrees with
 * the saddlepoint within a factor of 10; not tried below
 * DUET_QF_REFINE_MIN.  Else the first pass if it cleared 10 acc; else the
 * saddlepoint approximation (relative error up to 5-15% when one
 * eigenvalue dominates); last, modified Liu.
 */
void duet_genetest_qf_pvalue(double q, const double *lambda, int r, double acc,
                             int lim, duet_qf_pvalue_t *out);

/* The same; refine = 0 skips the second Davies pass: SKAT's and GMMAT's
 * rule (Davies above 10 acc, else saddlepoint, else Liu). */
void duet_genetest_qf_pvalue_ex(double q, const double *lambda, int r, double acc,
                                int lim, int refine, duet_qf_pvalue_t *out);

/* ------------------------------------------------------------------ */
/* Quadrature, Cauchy combination, weights                             */

/*
 * Integral of f over [a, b] by adaptive Gauss-Kronrod (7-15 point) bisection
 * of the sub-interval with the largest error estimate |K15 - G7|, until the
 * total estimate is below max(abs_tol, rel_tol |integral|) or max_intervals
 * (at most 512) sub-intervals exist.  No allocation.  *err_est (may be NULL) receives the final estimate.
 * Returns the integral; *ok (may be NULL) is 1 if the tolerance was met.
 */
double duet_genetest_integrate(double (*f)(double x, void *ctx), void *ctx,
                               double a, double b, double abs_tol,
                               double rel_tol, int max_intervals,
                               double *err_est, int *ok);

/*
 * ln p of the Cauchy combination (ACAT; Liu and Xie 2020, JASA 115:393-402)
 * of n p-values given by their logarithms, with non-negative weights (NULL:
 * equal; normalised to sum 1): T = sum w_i tan((1/2 - p_i) pi), p = P(C > T)
 * for a standard Cauchy C.  Stable for tiny p: a term with p_i < 1e-15 is
 * w_i / (p_i pi), summed on the log scale, and p = 1 / (T pi) for T > 1e15,
 * so that log p stays exact below 1e-308.  As the ACAT R package: any
 * p_i = 0 gives p = 0 (log -inf), else any p_i = 1 gives p = 1 (log 0).
 * NaN if n = 0, a log_p is NaN or > 0, or the weights are invalid.
 */
double duet_genetest_acat(const double *log_p, const double *weights, int n);

/* The Beta(a, b) density at maf (SKAT's MAF weight, Beta(1, 25) by
 * default), from libRmath dbeta(). */
double duet_genetest_beta_weight(double maf, double a, double b);

/* ------------------------------------------------------------------ */
/* Gene tests                                                          */

typedef enum {
    DUET_GENETEST_LINEAR = 0,  /* quantitative trait, least squares null */
    DUET_GENETEST_LOGISTIC = 1 /* binary trait, logistic null */
} duet_genetest_model_t;

/* The null model, shared by every gene of one trait.  Plain data, owned by
 * the object. */
typedef struct {
    duet_genetest_model_t model;
    int n;          /* samples */
    int k;          /* covariate columns given */
    int rank;       /* independent covariate columns (the basis width) */
    double phi;     /* dispersion: RSS / (n - rank) (linear), 1 (logistic) */
    double rss;     /* sum of squared residuals */
    double *resid;  /* n residuals y - mu */
    double *sqrt_v; /* n: square roots of the variance weights v */
    double *basis;  /* n x rank, column-major: orthonormal basis of
                       V^1/2 X */
    double *mu;     /* n fitted probabilities (logistic), else NULL */
} duet_genetest_null_t;

/*
 * Build the null model of n samples from the covariates x (n x k,
 * column-major, leading dimension ldx >= n; the intercept column included,
 * as SKAT does, so that flipping an allele only flips a score's sign), the
 * residuals resid = y - fitted (n) and, for a logistic model, the fitted
 * probabilities mu (n, each in (0, 1); NULL for a linear model).  The
 * residuals must come from the same fit (X'r = 0).  Covariate columns that
 * depend on earlier ones are dropped from the basis (modified Gram-Schmidt
 * with re-orthogonalisation, relative tolerance 1e-6 as duet_qr_create).
 * Returns DUET_OK, DUET_EDEGENERATE (no residual degrees of freedom, zero
 * residual variance, or a fitted probability at 0 or 1; reported),
 * DUET_EINTERNAL (invalid arguments; reported) or DUET_ENOMEM.  *out is NULL
 * on error.
 */
duet_err_t duet_genetest_null_create(duet_genetest_model_t model, int n, int k,
                                     const double *x, int ldx,
                                     const double *resid, const double *mu,
                                     duet_genetest_null_t **out) DUET_WUR;
void duet_genetest_null_destroy(duet_genetest_null_t *null);

/*
 * Case/control traits: the small-sample policy (opts.cc_adjust = 1).
 * With few cases the score U_j of a rare variant is far from normal (its
 * tail is set by its carriers), and SKAT, SKAT-O, the score burden and
 * ACAT-V on the asymptotic variance mu (1 - mu) are anti-conservative (15-27x
 * the expected count of p < 1e-3 at 1% prevalence).  Per gene, by the
 * number of carriers (samples with a non-zero minor-allele dosage in any
 * tested variant):
 *
 * EXACT (at most exact_carriers carriers).  The scores
 * U_j = w_j sum_i G_ij (y_i - mu_i) depend on y only at the carriers; under
 * the null (y_i independent Bernoulli(mu_i), mu the fitted null) all 2^m
 * case/control outcomes of the m carriers are enumerated with their
 * probabilities, and each p-value is the probability of the outcomes whose
 * statistic is at least the observed one (ties included: exact, never a
 * mid-p; SKATBinary's efficient resampling, Lee et al. 2016, Biostatistics
 * 17:1, made exact).  Statistics: burden (sum_j U_j)^2, SKAT sum_j U_j^2,
 * ACAT-V's Cauchy statistic (its asymptotic per-variant p-values as a
 * function of the outcome), and for SKAT-O the minimum over the rho grid
 * of the exact p-values of Q_rho = (1 - rho) Q_skat + rho Q_burden, whose
 * own exact distribution gives the p-value (the minimum-p statistic, so no
 * integral is needed).
 *
 * SPA (more carriers).  As SAIGE-GENE / SAIGE-GENE+ (Zhou et al. 2020, Nat
 * Genet 52:634; 2022, Nat Genet 54:1466): each variant's score gets its
 * saddlepoint two-sided p (spa.h: the carriers of its covariate-adjusted
 * genotype exact, the other samples as one normal term) where its |z|
 * exceeds spa_z (the normal p below), and the adjusted variance
 * V*_j = U_j^2 / qchisq(p_j, 1, lower = FALSE).  As SAIGE-GENE+, the
 * variants with MAC <= acatv_mac (two or more) enter the kernel as one
 * column, their weighted sum, with its own saddlepoint p and V*; SKAT's
 * Q is then sum_{MAC > acatv_mac} U_j^2 + (sum_{MAC <= acatv_mac} U_j)^2
 * (over 2 phi).  The kernel Sigma of those columns is scaled to D Sigma D,
 * D = diag(sqrt(r_j)), r_j = max(1, V*_j / V_j, R_j); then by
 * max(1, V*_B / (1' D Sigma D 1)), V*_B the weighted sum's (the burden
 * score's) adjusted variance, so that SKAT-O's rho = 1 end is at least
 * the burden's saddlepoint test (SAIGE-GENE's approach).  SKAT and SKAT-O
 * take the eigenvalues of the scaled kernel.
 * Choices: (1) the ratios only inflate (a ratio below 1 is left at 1), so
 * the kernel's variances are never below the asymptotic ones; (2) R_j,
 * the small-sample adjustment in the spirit of SKATBinary's (Lee et al.
 * 2012, AJHG 91:224; Zhao et al. 2020, AJHG 106:3): the ratio that column
 * j's saddlepoint gives at |z| = spa_ref_z (3), whatever its observed
 * score.  SAIGE-GENE's ratio at the observed score inflates only the
 * columns whose score is extreme, and the heavy tails of the others (a
 * rare variant's score with few cases) are left out of Q's null
 * distribution: at 1% prevalence that left SKAT and SKAT-O at 1.7x the
 * expected count of p < 0.01 (0.97x and 0.93x with R_j; at 30%
 * prevalence R_j is about 1).  The burden test is the weighted sum's
 * saddlepoint p.  ACAT-V combines the variants' saddlepoint p-values and
 * the saddlepoint p of its collapsed burden of the variants with
 * MAC <= acatv_mac.
 *
 * Where a saddlepoint fails (no root: never seen in practice) the normal
 * p of that score stands and the gene is flagged (n_spa_failed).
 * Quantitative traits and cc_adjust = 0: the asymptotic tests above.
 */
typedef enum {
    DUET_GENETEST_ASYMPTOTIC = 0, /* normal scores, chi-square mixtures */
    DUET_GENETEST_SPA,            /* saddlepoint-adjusted variances */
    DUET_GENETEST_EXACT           /* enumeration of the carriers' outcomes */
} duet_genetest_adjust_t;

/* "asymptotic", "spa", "exact". */
const char *duet_genetest_adjust_str(duet_genetest_adjust_t adjust);

/* Tests that duet_genetest_run() computes (a bit mask). */
enum {
    DUET_GENETEST_BURDEN = 1,
    DUET_GENETEST_SKAT = 2,
    DUET_GENETEST_SKATO = 4,
    DUET_GENETEST_ACATV = 8,
    DUET_GENETEST_ACATO = 16, /* needs burden, SKAT and ACAT-V */
    DUET_GENETEST_ALL = 31
};

typedef struct {
    double beta_a, beta_b; /* MAF weight Beta(a, b) [1, 25] */
    double acatv_mac;      /* ACAT-V: variants with minor allele count at or
                              below this are collapsed into one burden
                              p-value [10] */
    double acc;            /* Davies accuracy [1e-6] */
    int lim;               /* Davies integration terms [10000] */
    unsigned tests;        /* DUET_GENETEST_* mask [ALL] */
    /* case/control traits (DUET_GENETEST_LOGISTIC) only: */
    int cc_adjust;         /* 1: the small-sample policy below; 0: the
                              asymptotic tests (SKAT's "noadj") [1] */
    int exact_carriers;    /* the exact test where at most this many
                              samples carry a minor allele of the gene,
                              0..DUET_GENETEST_EXACT_MAX [12] */
    double spa_z;          /* a score's saddlepoint p where its |z| exceeds
                              this; below, the normal p stands [2] */
    double spa_ref_z;      /* SPA regime: each kernel column's variance is
                              also inflated to its ratio at |z| = this,
                              whatever its observed score; 0: off [3] */
} duet_genetest_opts_t;

/* The largest exact_carriers (2^16 outcomes per gene). */
#define DUET_GENETEST_EXACT_MAX 16

/* Fill *opts with the defaults in brackets above. */
void duet_genetest_opts_init(duet_genetest_opts_t *opts);

/* Why a gene has no p-values (the errcode column). */
typedef enum {
    DUET_GENETEST_OK = 0,
    DUET_GENETEST_NO_VARIANTS, /* no variant varies among the samples */
    DUET_GENETEST_COLLINEAR    /* the genotypes lie in the span of the
                                  covariates (no positive eigenvalue) */
} duet_genetest_status_t;

/* "", "no_polymorphic_variants", "collinear". */
const char *duet_genetest_status_str(duet_genetest_status_t status);

/* SKAT-O's rho grid, SKAT's "optimal.adj": 0, 0.01, 0.04, 0.09, 0.16, 0.25,
 * 0.5, 1 (1 is computed as 0.999, as SKAT does). */
#define DUET_SKATO_N_RHO 8
extern const double duet_skato_rho[DUET_SKATO_N_RHO];

/* One gene.  Every log_p is NaN when its test was not asked for or the
 * status is not OK. */
typedef struct {
    duet_genetest_status_t status;
    int n_variants;     /* polymorphic variants tested */
    int n_ultra_rare;   /* of which minor allele count <= acatv_mac */
    double mac;         /* total minor allele count of the tested variants */
    int n_lambda;       /* positive eigenvalues kept for SKAT */
    duet_genetest_adjust_t adjust; /* the method of every p-value below */
    int n_carriers;     /* samples with a minor allele (logistic, adjusted) */
    int n_spa;          /* scores (variants and burdens) given a saddlepoint p */
    int n_spa_failed;   /* of which the saddlepoint failed (normal p kept) */
    int n_collapsed;    /* SPA: variants with MAC <= acatv_mac that entered
                           SKAT and SKAT-O as one column (0: none) */
    double burden_var_ratio; /* V*_B over the burden's asymptotic variance
                                (1 without adjustment) */
    /* burden: score test of the weighted sum of minor alleles */
    double burden_beta; /* score estimate U_B / I_B (for a linear model the
                           least-squares slope of the weighted sum) */
    double burden_se;   /* sqrt(phi / I_B), the null-model standard error */
    double burden_chi2; /* Q_burden / (1'Sigma 1), chi2_1 under the null */
    double burden_log_p;
    /* SKAT */
    double skat_q;      /* Q_skat */
    double skat_log_p;
    duet_qf_method_t skat_method; /* DUET_QF_NONE for exact p-values */
    /* SKAT-O */
    double skato_rho;   /* grid rho of the smallest per-rho p-value */
    double skato_log_p; /* never above 8 min_rho p_rho (SKAT's Bonferroni
                           cap) */
    double skato_rho_log_p[DUET_SKATO_N_RHO];
    int skato_fallback; /* 1 if the integral gave no finite value and the
                           p-value is SKAT's bound 3 min_rho p_rho */
    /* ACAT-V: Cauchy combination of the per-variant score (logistic) or
     * t (linear, as lm()) test p-values of the variants with MAC above
     * acatv_mac and one burden p-value of the others, weighted by
     * w^2 MAF (1 - MAF) (the burden's at the mean MAF of its variants;
     * with caller weights, the mean of theirs); p-values of exactly 1 are
     * dropped, as ACAT_V does; all variants at or below acatv_mac: the
     * burden p-value alone */
    double acatv_log_p;
    double acato_log_p; /* Cauchy combination of burden, SKAT and ACAT-V,
                           equal weights */
} duet_genetest_result_t;

/* Per-thread scratch space of duet_genetest_run(): n x m doubles for the
 * projected genotypes plus two d x d kernels, d = min(n, m); it grows
 * to the largest gene seen, after which run() allocates nothing.  *out is
 * NULL on error (DUET_ENOMEM). */
typedef struct duet_genetest_work duet_genetest_work_t;
duet_err_t duet_genetest_work_create(duet_genetest_work_t **out) DUET_WUR;
void duet_genetest_work_destroy(duet_genetest_work_t *work);

/*
 * Test one gene: geno holds the dosages (0..2, missing values already
 * imputed, e.g. by the mean as SKAT does) of m variants for the null
 * model's n samples, column-major with leading dimension ldg >= n.  A
 * variant whose allele frequency over the samples exceeds 0.5 is flipped
 * (2 - dosage), as SKAT does, so that MAF, MAC and weights refer to the
 * minor allele; variants with MAC 0 are left out.  weights (m, may be NULL)
 * replaces the Beta(maf; a, b) weights; ACAT-V then weighs a variant's
 * p-value by w^2 MAF (1 - MAF) (Liu et al. 2019) in both cases.  The
 * eigenvalues come from LAPACK dsyevd on the m x m kernel, or on the n x n
 * one when n < m (same non-zero spectrum); SKAT-O needs 9 of them (8 rho
 * kernels and the burden-projected one), all derived from the first
 * kernel in O(d^2) each.  Cost per gene: O(n m (rank + min(n, m))) for the
 * projection and kernel, O(d^3) per eigendecomposition, and about 100
 * Davies evaluations for SKAT-O's integral (a few milliseconds for
 * m = 20).  A variant that varies but lies in the covariates' span (a
 * constant dosage, say) adds nothing and gets no ACAT-V p-value; if all
 * do, the status is DUET_GENETEST_COLLINEAR.
 * Case/control traits (opts->cc_adjust): the policy above; the exact path
 * costs O(2^carriers (carriers + m)) plus 8 sorts of the 2^carriers
 * outcomes for SKAT-O, the saddlepoint path a few O(carriers) root
 * searches per variant on top of the asymptotic cost.
 * Returns DUET_OK (the status field tells whether p-values exist),
 * DUET_ENOMEM, or DUET_EINTERNAL if a dosage is not finite or LAPACK
 * fails (reported).
 */
duet_err_t duet_genetest_run(const duet_genetest_null_t *null,
                             const double *geno, int ldg, int m,
                             const double *weights,
                             const duet_genetest_opts_t *opts,
                             duet_genetest_work_t *work,
                             duet_genetest_result_t *res) DUET_WUR;

#endif
