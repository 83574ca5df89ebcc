/*
 * scan.h -- the association scan engine: many traits (quantitative and
 * binary) against every variant of a genotype block, sharing work between
 * traits observed on the same samples.  `duet gwas` drives it; PheWAS and
 * burden scans can drive it the same way.
 *
 * Set-up (duet_scan_create) groups the traits by their pattern of missing
 * values into sample sets; each set gets its own covariate design
 * (intercept + covariates standardised over the set; constant covariates
 * dropped with a warning; collinear ones refused or dropped), its own QR
 * basis, one linear model holding all its quantitative traits and one null
 * logistic model per binary trait.  Traits that cannot be tested (one
 * value, no cases or no controls, fewer samples than parameters, a null
 * model that does not converge) are skipped with a warning.
 *
 * Per block (duet_scan_block, thread-safe for distinct workspaces): each
 * set's genotype rows are gathered (or used in place when the set is every
 * sample), missing calls are re-imputed with the set's mean (--missing
 * mean) or dropped per variant (--missing drop, exact downdates for linear
 * traits, as plink2 drops them), and every trait's tests are computed:
 * linear traits by one matrix product per set, binary traits by the
 * case/control policy of bintest.h (score test, one product per trait, then
 * saddlepoint and Firth's penalised LRT where p is small; or Firth or Wald
 * fits throughout).
 */
#ifndef DUET_SCAN_H
#define DUET_SCAN_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/bintest.h"
#include "duet/geno.h"
#include "duet/stats.h"
#include "duet/traitset.h"

typedef enum {
    DUET_MISSING_MEAN = 0, /* impute missing calls with the set's mean */
    DUET_MISSING_DROP = 1  /* drop samples with a missing call per variant */
} duet_missing_t;

typedef struct {
    duet_missing_t missing;
    duet_bintest_opts_t binary; /* the case/control test policy */
    int drop_collinear;       /* drop collinear covariates instead of
                                 failing */
    double min_mac;           /* a trait's test needs this minor allele
                                 count in its samples (else FEW_MINOR) */
} duet_scan_opts_t;

void duet_scan_opts_init(duet_scan_opts_t *opts);

/* The inputs, aligned on the genotype reader's samples (rows 0..N-1). */
typedef struct {
    int n_samples;
    int n_traits;
    const char *const *trait_names;
    const double *traits;      /* N x n_traits, column-major, NaN missing */
    const int *binary;         /* n_traits flags: 0/1 trait */
    int n_covars;
    const char *const *covar_names;
    const double *covars;      /* N x n_covars, column-major, no NaN */
} duet_scan_input_t;

/* The inputs of a trait set loaded without `compact` (traitset.h): its
 * samples, traits and covariates; in points into ts. */
void duet_scan_input_traitset(const duet_traitset_t *ts, duet_scan_input_t *in);

/* What the scan knows about each trait after set-up. */
typedef struct {
    const char *name;
    int binary;
    int skipped;           /* 1: not tested (reason warned) */
    int set;               /* its sample set */
    int n;                 /* samples */
    int n_cases, n_controls;
    int n_covars_used;     /* design columns besides the intercept */
    char *covars_dropped;  /* comma-separated names dropped for this
                              trait's set (constant or collinear), or NULL */
    char *covars_used;     /* comma-separated names kept, or NULL */
} duet_scan_trait_t;

typedef struct duet_scan_t duet_scan_t;
typedef struct duet_scan_work_t duet_scan_work_t;

/*
 * Set up the scan.  Copies what it needs from `in`.  Errors:
 *   DUET_EDEGENERATE  collinear covariates without drop_collinear (named,
 *                     with the traits concerned), or no trait left;
 *   DUET_ENOMEM, DUET_EINTERNAL.
 */
duet_err_t duet_scan_create(const duet_scan_input_t *in,
                            const duet_scan_opts_t *opts,
                            duet_scan_t **scan) DUET_WUR;
void duet_scan_destroy(duet_scan_t *scan);

int duet_scan_n_traits(const duet_scan_t *scan);
const duet_scan_trait_t *duet_scan_trait(const duet_scan_t *scan, int t);
int duet_scan_n_sets(const duet_scan_t *scan);

/* One variant x trait result. */
typedef struct {
    duet_assoc_t a;
    double af;          /* tested allele frequency in the test's samples */
    double info;        /* MaCH r2 of dosages (var / 2p(1-p)); NaN for GT */
    int n_cases, n_controls; /* binary traits: in the test's samples */
} duet_scan_result_t;

/* A per-thread workspace for blocks of up to max_variants variants. */
duet_err_t duet_scan_work_create(const duet_scan_t *scan, int max_variants,
                                 duet_scan_work_t **work) DUET_WUR;
void duet_scan_work_destroy(duet_scan_work_t *work);

/*
 * Test every variant of a decoded block (block->missing must be filled
 * when any variant has missing calls) against every trait that is not
 * skipped.  skip: NULL or n_variants flags (1 = filtered out: no test).
 * dosage_info: compute the info column (dosages).  results:
 * block->n_variants x n_traits, results[j * n_traits + t]; rows of skipped
 * variants and traits are left untouched.  The block's dosage matrix is
 * modified (used in place).  Thread-safe for distinct work and block.
 */
void duet_scan_block(const duet_scan_t *scan, duet_scan_work_t *work,
                     duet_geno_block_t *block, const uint8_t *skip,
                     int dosage_info, duet_scan_result_t *results);

#endif
