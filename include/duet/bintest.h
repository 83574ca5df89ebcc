/*
 * bintest.h -- the one policy for case/control association tests of a
 * variant (or any exposure column), used by every command that tests a
 * binary trait: `duet gwas` (through the scan engine), the burden
 * regression of `duet burden` (the same engine) and `duet phewas`.
 *
 * Most phecodes have fewer than 1% cases and most variants are rare: there
 * the Wald z test of a maximum-likelihood fit, the plain score test and the
 * Wald test of Firth's fit are all anti-conservative.  The policy (mode
 * AUTO, the default), as regenie and SAIGE apply it:
 *   1. the score test under the trait's null model (cheap: one product per
 *      block of variants); its p stands where |z| <= spa_z (2: p > 0.0455),
 *      where the normal approximation is accurate;
 *   2. beyond, the saddlepoint approximation of the score's null
 *      distribution (spa.h: SAIGE's partially normal SPA, the carriers of
 *      the covariate-adjusted genotype exact, the rest as one normal term);
 *      its p stands where p >= firth_p (0.05);
 *   3. below, Firth's penalised likelihood fit, with the penalised
 *      likelihood-ratio test (logreg.h), which reports an estimate that
 *      exists under separation and the best-calibrated p-value for rare
 *      variants in small case groups.
 * A test never falls back to a less calibrated one: where Firth's fits fail
 * the SPA p stands (it is calibrated), where SPA fails Firth is fitted, and
 * where both fail the row is NA with the reason (status), never the score
 * p.  The other modes: SPA (steps 1-2, Firth only where SPA fails), FIRTH
 * (step 3 for every test) and WALD (maximum likelihood and its Wald z, as
 * plink2 --glm and R's glm report; Firth's LRT where the fit separates or
 * does not converge).  Every result names the test that produced it
 * (duet_assoc_t.test: score, spa, firth or wald); for score and SPA rows
 * beta is the one-step estimate U / V from beta = 0 and se = |beta| /
 * |stat|, stat being the signed z whose two-sided normal p is the row's p
 * (so that beta / se and the p-value agree, regenie's convention).
 */
#ifndef DUET_BINTEST_H
#define DUET_BINTEST_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "duet/err.h"
#include "duet/logreg.h"
#include "duet/opts.h"
#include "duet/stats.h"

typedef enum {
    DUET_LOGISTIC_AUTO = 0, /* score, SPA beyond |z| > spa_z, Firth LRT
                               below firth_p */
    DUET_LOGISTIC_SPA,      /* score, SPA beyond |z| > spa_z */
    DUET_LOGISTIC_FIRTH,    /* Firth's fit and penalised LRT everywhere */
    DUET_LOGISTIC_WALD      /* maximum likelihood, Wald z; Firth's LRT where
                               the fit fails */
} duet_logistic_mode_t;

/* AUTO: the exact test needs fewer expected cases or controls than this
 * among the carriers (with at most exact_carriers of them). */
#define DUET_BINTEST_EXACT_EXPECTED 5.0

typedef struct {
    duet_logistic_mode_t mode; /* [AUTO] */
    double spa_z;   /* SPA where the score test's |z| exceeds this [2] */
    double firth_p; /* AUTO: Firth where the SPA p is below this [0.05] */
    int exact_carriers; /* AUTO: the exact test where at most this many
                           samples carry the minor allele [10] */
} duet_bintest_opts_t;

void duet_bintest_opts_init(duet_bintest_opts_t *opts);

/* "auto", "spa", "firth", "wald" -> *mode; returns 0, or -1 for any other
 * string. */
int duet_bintest_mode_parse(const char *s, duet_logistic_mode_t *mode);
const char *duet_bintest_mode_str(duet_logistic_mode_t mode);

/* A one-line statement of the policy for logs and YAML sidecars, e.g.
 * "score test; saddlepoint where |z| > 2; Firth penalised LRT where
 * p < 0.05". */
void duet_bintest_describe(const duet_bintest_opts_t *opts, char *buf, size_t size);

/* 1 if the mode starts from the score test (the caller then computes the
 * score sums of duet_logreg_score_sums() for each variant). */
int duet_bintest_uses_score(const duet_bintest_opts_t *opts);

/* Per-thread scratch space for samples up to max_samples and designs up to
 * max_covars columns (intercept included). */
typedef struct duet_bintest_work_t duet_bintest_work_t;
duet_err_t duet_bintest_work_create(int max_samples, int max_covars,
                                    duet_bintest_work_t **out) DUET_WUR;
void duet_bintest_work_destroy(duet_bintest_work_t *work);

/*
 * Test one exposure g (null->n_samples values) against the trait of `null`
 * (status OK, within the workspace's size) by the policy.  sums: its score
 * sums (duet_logreg_score_sums) when duet_bintest_uses_score(), else
 * ignored.  gss: its centred sum of squares over the samples used (> 0: the
 * caller reports monomorphic exposures).  drop / n_drop: samples left out
 * for this exposure (missing calls under --missing drop; distinct row
 * indices), drop_mask the same as N flags (NULL when n_drop = 0).  Fills
 * out (n = samples used).
 */
void duet_bintest_variant(const duet_bintest_opts_t *opts,
                          const duet_logreg_null_t *null,
                          duet_bintest_work_t *work, const double *g,
                          const double *sums, double gss, const int *drop,
                          int n_drop, const uint8_t *drop_mask,
                          duet_assoc_t *out);

/*
 * For a trait whose null model cannot be fitted because the covariates
 * separate the classes (a sex-specific phecode's cases all of one sex, for
 * instance): Firth's direct fit and penalised LRT of y ~ X + g (the only
 * test that exists there).  x: n x k design (intercept first), y 0/1.
 */
void duet_bintest_direct_firth(duet_bintest_work_t *work, const double *x, int ldx,
                               int n_samples, int n_covars, const double *y,
                               const double *g, duet_assoc_t *out);

/* ------------------------------------------------------------------ */
/* The options, spelled the same in every command that tests case/control
 * traits (gwas, phewas, burden): a command puts DUET_BINTEST_LONGOPTS in
 * its getopt_long() table, hands each option to duet_bintest_cli_parse()
 * before its own switch, and prints duet_bintest_cli_usage(). */

enum {
    DUET_BINTEST_OPT_LOGISTIC = DUET_OPT_FIRST_PRIVATE + 0xC0,
    DUET_BINTEST_OPT_FIRTH,
    DUET_BINTEST_OPT_FIRTH_THRESHOLD
};

#define DUET_BINTEST_LONGOPTS                                                   \
    {"logistic", required_argument, NULL, DUET_BINTEST_OPT_LOGISTIC},           \
    {"firth", no_argument, NULL, DUET_BINTEST_OPT_FIRTH},                       \
    {"firth-threshold", required_argument, NULL, DUET_BINTEST_OPT_FIRTH_THRESHOLD}

/* Returns 1 if opt is one of DUET_BINTEST_LONGOPTS (*err: DUET_OK, or
 * DUET_EUSAGE for a bad value, reported), 0 if not. */
int duet_bintest_cli_parse(duet_bintest_opts_t *opts, int opt, const char *arg,
                           duet_err_t *err);

/* Their usage lines, under the heading "Case/control tests". */
void duet_bintest_cli_usage(FILE *fp);

#endif
