/*
 * prs.h -- polygenic scores from summary statistics: clumping and
 * thresholding (C+T, PRSice-2's method) and its validation statistics.
 * (The Bayesian score, prs bayes, has its own header.)
 *
 * C+T.  The summary statistics are clumped (clump.h) with PRSice-2's
 * defaults (p1 1, r² 0.1, 250 kb), and the index variants make one score
 * per p-value threshold t: weight beta on the effect allele for the index
 * variants with p <= t (inclusive, as PRSice), absent below.  Thresholds
 * come from a grid: PRSice-2's bar levels 0.001, 0.05, 0.1, 0.2, 0.3, 0.4,
 * 0.5 [--bar-levels], optionally its fine grid lower + k x interval up to
 * upper (5e-8, 5e-5, 0.5) [--high-res], and 1 (the full model, unless
 * no_full); like PRSice, a threshold that adds no variant to the previous
 * one is skipped.  All thresholds are scored in one pass over the target
 * genotypes by the score library (score.h; SUM, mean imputation).
 *
 * Validation.  Per threshold, on the target samples with the trait and
 * every covariate: quantitative traits: R² of y ~ 1 + covariates + score
 * minus R² of y ~ 1 + covariates (ordinary least squares), the score's
 * coefficient, SE and t-test p; binary traits (0/1): Nagelkerke's R² of the
 * logistic model with the score minus that without (each against the
 * intercept-only model), Wald coefficient, SE and p; the R² on the
 * liability scale given a prevalence K (Lee et al. 2012, eq. 15, from the
 * observed-scale R² of the linear model of the 0/1 trait, P the sample's
 * case fraction); and the AUC of the score (Mann-Whitney, ties 1/2).  The
 * best threshold has the smallest p (PRSice).  With n_perm, the empirical
 * p of the best threshold: the phenotype is permuted n_perm times (stream b
 * of the seed for permutation b, so any thread count gives the same
 * result) and p_emp = (1 + #{b: min p over thresholds <= the observed
 * one}) / (1 + n_perm), as PRSice (which fits the permuted binary traits by
 * linear regression unless --logit-perm; duet does the same).
 */
#ifndef DUET_PRS_H
#define DUET_PRS_H

#include <stdint.h>

#include "duet/clump.h"
#include "duet/err.h"

/* ------------------------------------------------------------------ */
/* Validation statistics (src/prs/validate.c) */

/* The fit of y on [1, covariates, score] against [1, covariates]. */
typedef struct {
    int n;                /* samples used */
    double r2_null, r2_full; /* R² (quantitative) or Nagelkerke R² (binary) */
    double r2;            /* r2_full - r2_null (PRSice's R2) */
    double coef, se, p;   /* of the score (p may underflow to 0) */
    double log_p;         /* natural log of p, exact where p underflows:
                             the best threshold is the smallest */
    int ok;               /* 0 if the model could not be fitted (singular,
                             separation, no variance): the rest is NaN */
} duet_prs_fit_t;

/*
 * Linear fits.  y (n), covariates (n x k column-major, k may be 0), score
 * (n).  Returns the statistics; ok = 0 when a design is singular.
 */
duet_prs_fit_t duet_prs_fit_linear(const double *y, const double *covars, int k,
                                   const double *score, int n);

/*
 * Logistic fits (IRLS to a relative change of the log-likelihood below
 * 1e-10, at most 50 iterations); Nagelkerke R² = (1 - exp(2 (l0 - l) / n))
 * / (1 - exp(2 l0 / n)) with l0 the intercept-only log-likelihood.
 * ok = 0 on non-convergence or separation.
 */
duet_prs_fit_t duet_prs_fit_logistic(const double *y, const double *covars, int k,
                                     const double *score, int n);

/* The R² on the liability scale (Lee, Goddard, Wray, Visscher 2012,
 * Genet Epidemiol 36:214, eq. 15) of an observed-scale R² r2_obs in a
 * sample with case fraction p_case, prevalence k (both in (0, 1)). */
double duet_prs_liability_r2(double r2_obs, double k, double p_case);

/* The AUC of score for y (0/1): the Mann-Whitney statistic W / (n1 n0)
 * with mid-ranks for ties (a tied case/control pair counts 1/2).  NaN
 * without cases or controls, and on allocation failure (reported). */
double duet_prs_auc(const double *y, const double *score, int n);

/* ------------------------------------------------------------------ */
/* Thresholds */

typedef struct {
    const double *bar_levels; /* NULL: PRSice's 0.001 ... 0.5 */
    int n_bar_levels;
    int high_res;             /* add the fine grid */
    double lower, upper, interval; /* [5e-8, 0.5, 5e-5] */
    int no_full;              /* leave out 1 */
} duet_ct_grid_t;

void duet_ct_grid_init(duet_ct_grid_t *g);

/*
 * The thresholds of `g` that add a variant given the sorted p-values
 * p[0..n-1] (ascending): *thr (caller frees) ascending, *n_thr of them.
 * DUET_EUSAGE (reported) for a bad grid: a level outside (0, 1], lower >=
 * upper, interval <= 0, more than 100,000 fine thresholds; DUET_ENOMEM.
 */
duet_err_t duet_ct_thresholds(const duet_ct_grid_t *g, const double *p, int n, double **thr,
                              int *n_thr) DUET_WUR;

/* Parse a --bar-levels LIST (comma-separated numbers in (0, 1]) into a
 * sorted array without duplicates (caller frees).  DUET_EUSAGE reported. */
duet_err_t duet_ct_parse_levels(const char *arg, double **levels, int *n) DUET_WUR;

/* ------------------------------------------------------------------ */
/* duet prs ct end to end (src/prs/ct.c) */

typedef struct {
    duet_clump_opts_t clump;        /* sumstats, vcf (LD reference), samples,
                                       thresholds (PRSice's defaults) */
    const char *target;             /* genotypes to score; NULL: clump.vcf */
    const char *const *target_samples; /* NULL: all */
    int n_target_samples;
    duet_ct_grid_t grid;
    int threads;
    /* validation (pheno NULL: none) */
    const char *pheno;              /* phenotype table */
    const char *trait;              /* its column; NULL: the first */
    const char *covar;              /* covariate table or NULL */
    const char *const *covar_names; /* NULL: every column */
    int n_covar_names;
    int binary;                     /* -1 decide from the values (0/1 only:
                                       binary), 0 quantitative, 1 binary */
    double prevalence;              /* NaN: none */
    int n_perm;
    uint64_t seed;
    /* outputs */
    const char *out;                /* PREFIX */
    int force, no_version;
} duet_ct_opts_t;

void duet_ct_opts_init(duet_ct_opts_t *o);

/*
 * Clump, threshold, score, validate, write (all outputs atomically, none
 * on error):
 *   PREFIX.ct.weights.tsv.gz  duet weights file, one column per threshold
 *   PREFIX.ct.score.tsv       #IID and one SUM column per threshold
 *   PREFIX.ct.log             counts: clumping, thresholds, matching
 *   PREFIX.ct.prsice          (with pheno) per threshold: Pheno Set
 *                             Threshold R2 P Coefficient Standard.Error
 *                             Num_SNP [R2.liability AUC]
 *   PREFIX.ct.summary         (with pheno) the best threshold, PRSice's
 *                             columns
 * Errors: those of clumping, scoring and the phenotype reader; DUET_EUSAGE
 * for a bad grid or prevalence; DUET_EMISMATCH when a threshold's variants
 * match nothing in the target, or no target sample has the trait;
 * DUET_EDEGENERATE when no threshold has a variant, or the trait is
 * constant; DUET_EWRITE, DUET_ENOMEM.
 */
duet_err_t duet_ct_run(const duet_ct_opts_t *o) DUET_WUR;

#endif
