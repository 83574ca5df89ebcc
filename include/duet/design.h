/*
 * design.h -- the covariate design of a regression on a subset of samples,
 * built the same way by every command that fits one (the scan engine of
 * gwas and burden, phewas per phecode, burden's gene-test nulls):
 * intercept first, then each covariate standardised over the samples
 * (mean 0, standard deviation 1 with n - 1 in the denominator), a
 * covariate constant there left out (sex for a sex-specific phecode), then
 * the columns that depend on earlier ones left out (|R_jj| of the
 * unpivoted QR, or the same test on the Gram matrix's Cholesky factor,
 * below DUET_QR_TOL |x_j|).  Which covariates were left out and why is
 * returned, so that every command reports it the same way; whether a
 * collinear covariate is an error is the caller's policy (gwas refuses
 * one unless --drop-collinear).
 */
#ifndef DUET_DESIGN_H
#define DUET_DESIGN_H

#include "duet/err.h"
#include "duet/stats.h"

typedef enum {
    DUET_DESIGN_KEPT = 0,
    DUET_DESIGN_CONSTANT,   /* the same value for every sample */
    DUET_DESIGN_COLLINEAR   /* a linear combination of the intercept and the
                               covariates kept before it */
} duet_design_col_t;

/* "", "constant", "collinear". */
const char *duet_design_col_str(duet_design_col_t status);

/*
 * Build the design of the n samples rows[0..n-1] (indices into the
 * covariate columns; NULL: samples 0..n-1) from covars (column c at
 * covars + ldc c, n_covars columns).  x receives the n x k design
 * (column-major, leading dimension n; room for n x (n_covars + 1)), *k its
 * width (>= 1: the intercept), status[c] (n_covars entries, may be NULL)
 * what became of covariate c.  With qr non-NULL the rank test is the QR's
 * and *qr receives the orthonormal basis of the kept columns (the caller
 * destroys it); without, the Gram matrix's (no basis; a logistic fit needs
 * none).  Returns DUET_OK, DUET_ENOMEM or DUET_EINTERNAL (LAPACK).
 */
duet_err_t duet_design_build(const double *covars, int ldc, int n_covars, const int *rows,
                             int n, double *x, int *k, duet_design_col_t *status,
                             duet_qr_t **qr) DUET_WUR;

/*
 * A comma-separated list of the names of the covariates kept (kept = 1) or
 * left out (kept = 0; with_reason: as "name (reason)"), or only those left
 * out for one reason (kept = 0, reason = CONSTANT or COLLINEAR; KEPT: any).
 * *out: NULL when the list is empty, else a string the caller frees.
 * Returns DUET_OK or DUET_ENOMEM.
 */
duet_err_t duet_design_names(const char *const *names, int n_covars,
                             const duet_design_col_t *status, int kept,
                             duet_design_col_t reason, int with_reason,
                             char **out) DUET_WUR;

#endif
