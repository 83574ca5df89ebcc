/*
 * prs_bayes.h -- duet prs bayes: a genome-wide continuous-shrinkage
 * polygenic score from summary statistics and a block-diagonal LD
 * reference, fitted by block Gibbs sampling as PRS-CS-auto does (Ge, Chen,
 * Ni, Feng and Smoller, Nat Commun 2019; github.com/getian107/PRScs,
 * mcmc_gtb.py):
 *
 *   beta_j | psi_j, sigma2 ~ N(0, sigma2 psi_j / n)
 *   psi_j | delta_j ~ Gamma(a, delta_j),  delta_j | phi ~ Gamma(b, phi)
 *   phi ~ half-Cauchy(0, 1) (auto: through an auxiliary w ~ Gamma(1, phi + 1),
 *   phi ~ Gamma(p b + 1/2, sum delta + w)) or fixed
 *
 * with standardised marginal effects beta_mrg (z / sqrt(n)) and LD D.
 * One iteration: each block's beta from N(A^-1 beta_mrg, sigma2/n A^-1),
 * A = D + diag(1/psi) (Cholesky); sigma2 from its inverse gamma; delta_j
 * and psi_j (generalized inverse Gaussian, capped at 1) per variant; phi
 * from its gamma.  Blocks run in parallel (OpenMP); each draws from its own
 * Philox stream keyed by (seed, iteration, block, phase), global draws from
 * (seed, iteration, global), so results do not depend on --threads.
 */
#ifndef DUET_PRS_BAYES_H
#define DUET_PRS_BAYES_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/rng.h"

/* ---- the generalized inverse Gaussian (src/prs/gig.c) ---------------- */

/* A draw from GIG(p, a, b), density proportional to
 * x^(p-1) exp(-(a x + b / x) / 2), a > 0, b >= 0 (b = 0 needs p > 0: the
 * gamma limit): Devroye's (2014) ratio-of-uniforms-free rejection sampler
 * on the log scale, as PRS-CS's gigrnd.py. */
double duet_gig_draw(duet_rng_t *rng, double p, double a, double b);

/* Mean and variance of GIG(p, a, b), a, b > 0, from modified Bessel
 * functions of the second kind (libRmath bessel_k, exponentially scaled):
 * mean = sqrt(b/a) K_{p+1}(w) / K_p(w), E[X^2] = (b/a) K_{p+2}(w) / K_p(w),
 * w = sqrt(a b). */
double duet_gig_mean(double p, double a, double b);
double duet_gig_var(double p, double a, double b);

/* ---- the sampler (src/prs/bayes.c) ----------------------------------- */

typedef struct {
    int n_blocks;
    const int *size;           /* variants per block */
    const double *const *ld;   /* per block: size x size, column-major */
    const double *beta_mrg;    /* standardised marginal effects, blocks
                                  concatenated */
    double n;                  /* GWAS sample size */
} duet_bayes_model_t;

typedef struct {
    double a, b;               /* gamma-gamma prior [1, 0.5] */
    double phi;                /* > 0: fixed; <= 0: learned (auto) [0] */
    int n_iter, n_burnin, thin;/* [1000, 500, 5] */
    uint64_t seed;             /* [1] */
    int fix_psi;               /* tests: keep psi at psi_init (all 1 when NULL) */
    int fix_sigma;             /* tests: keep sigma2 at 1 */
    const double *psi_init;    /* NULL: all 1 */
} duet_bayes_params_t;

void duet_bayes_params_init(duet_bayes_params_t *p);

typedef struct {
    int p;                     /* variants */
    double *beta;              /* posterior mean (standardised), p */
    double *beta_sd;           /* posterior sd of beta, p */
    double *psi;               /* posterior mean of psi, p */
    int n_kept;                /* kept iterations */
    int *trace_iter;           /* per kept iteration: its number, */
    double *trace_phi;         /* phi, */
    double *trace_h2;          /* sum over blocks of beta' D beta, */
    double *trace_sigma2;      /* and sigma2 */
} duet_bayes_result_t;

void duet_bayes_result_free(duet_bayes_result_t *r);

/* Run the Gibbs sampler on `threads` OpenMP threads.  Errors:
 * DUET_EUSAGE (bad parameters: n_burnin >= n_iter, thin < 1, a or b <= 0),
 * DUET_EDEGENERATE (a block's A not positive definite: the LD matrix is
 * not non-negative definite), DUET_ENOMEM; reported.  The result is
 * byte-identical for any `threads`. */
duet_err_t duet_bayes_gibbs(const duet_bayes_model_t *model,
                            const duet_bayes_params_t *par, int threads,
                            duet_bayes_result_t *res) DUET_WUR;

/* ---- the command's run (src/prs/bayes_run.c) ------------------------- */

typedef struct {
    const char *sumstats;
    const char *ld;            /* --ld P.ld.zst, or NULL with vcf */
    const char *vcf;           /* --vcf REF: build the LD on the fly */
    const char *samples;       /* --samples: the reference's samples */
    const char *blocks_bed;    /* --blocks */
    int window_variants;       /* --window-variants [500] */
    double window_kb;          /* --window-kb [0] */
    double maf;                /* --maf (LD build) [0] */
    const char *ld_out;        /* --ld-out P: keep the LD as P.ld.zst */
    double n_gwas;             /* --n; 0 = the sumstats' n column */
    duet_bayes_params_t par;
    const char *out;           /* -o PREFIX */
    int threads, force, no_version;
} duet_bayes_opts_t;

void duet_bayes_opts_init(duet_bayes_opts_t *o);

/*
 * Read the sumstats (sumstats.h), match them to the LD reference by
 * chromosome ("chr" ignored), position and alleles (swapped alleles flip
 * the sign; other alleles or absent positions are counted and logged),
 * standardise (beta/se, else sign(beta) |Phi^-1(p/2)|, over sqrt(n)), run
 * the sampler and write PREFIX.bayes.weights.tsv.gz (duet weights file,
 * score column "bayes": per-allele effects beta / sqrt(2 f (1 - f)) with
 * the reference frequency f, per copy of the sumstats' effect allele),
 * PREFIX.bayes.trace.tsv and PREFIX.log.  Errors: those of the readers,
 * DUET_EFORMAT (no --n and a row without n; rows without beta, or with
 * neither se nor p, are skipped and counted), DUET_EMISMATCH (no variant matched), DUET_EWRITE,
 * DUET_ENOMEM; nothing is left behind on error.
 */
duet_err_t duet_bayes_run(const duet_bayes_opts_t *o) DUET_WUR;

#endif
