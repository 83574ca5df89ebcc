/*
 * design.c -- the covariate design shared by every regression (design.h):
 * standardisation over the samples used, constant and dependent columns
 * left out and reported.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "duet/design.h"
#include "duet/log.h"

const char *duet_design_col_str(duet_design_col_t status)
{
    switch (status) {
    case DUET_DESIGN_KEPT: return "";
    case DUET_DESIGN_CONSTANT: return "constant";
    case DUET_DESIGN_COLLINEAR: return "collinear";
    }
    return "";
}

/*
 * The rank test of duet_qr_create() without the basis: column j depends on
 * the columns before it when its distance to their span, sqrt(r_jj) of the
 * Gram matrix's Cholesky factorisation, is below DUET_QR_TOL |x_j|.  One
 * pass over the rows for the Gram matrix (k small), then O(k^3); wide
 * designs take the QR.
 */
static duet_err_t gram_rank(const double *x, int n, int k, int *dependent)
{
    enum { KMAX = 16 };
    if (k > KMAX) {
        duet_qr_t *q = NULL;
        duet_err_t err = duet_qr_create(x, n, n, k, DUET_QR_TOL, dependent, &q);
        duet_qr_destroy(q);
        return err;
    }
    double gram[KMAX * KMAX] = { 0 }, l[KMAX * KMAX] = { 0 };
    size_t nn = (size_t)n;
    for (int a = 0; a < k; a++)
        for (int b = 0; b <= a; b++) {
            const double *xa = x + nn * a, *xb = x + nn * b;
            double sum = 0;
            for (size_t i = 0; i < nn; i++) sum += xa[i] * xb[i];
            gram[KMAX * a + b] = sum;
        }
    for (int j = 0; j < k; j++) {
        dependent[j] = 0;
        double r = gram[KMAX * j + j];
        for (int c = 0; c < j; c++) {
            if (dependent[c]) continue;
            double v = gram[KMAX * j + c];
            for (int d = 0; d < c; d++)
                if (!dependent[d]) v -= l[KMAX * j + d] * l[KMAX * c + d];
            l[KMAX * j + c] = v / l[KMAX * c + c];
            r -= l[KMAX * j + c] * l[KMAX * j + c];
        }
        double norm2 = gram[KMAX * j + j];
        if (!(norm2 > 0) || !(r > DUET_QR_TOL * DUET_QR_TOL * norm2)) {
            dependent[j] = 1;
            continue;
        }
        l[KMAX * j + j] = sqrt(r);
    }
    return DUET_OK;
}

duet_err_t duet_design_build(const double *covars, int ldc, int n_covars, const int *rows, int n,
                             double *x, int *k_out, duet_design_col_t *status, duet_qr_t **qr)
{
    size_t nn = (size_t)n;
    int *col_of = duet_malloc(((size_t)n_covars + 1) * sizeof *col_of);
    int *dep = duet_calloc((size_t)n_covars + 1, sizeof *dep);
    if (qr) *qr = NULL;
    if (!col_of || !dep) {
        free(col_of);
        free(dep);
        return DUET_ENOMEM;
    }
    for (size_t i = 0; i < nn; i++) x[i] = 1.0;
    col_of[0] = -1;
    int k = 1;
    for (int c = 0; c < n_covars; c++) {
        const double *v = covars + (size_t)ldc * c;
        double *col = x + nn * k;
        double mean = 0;
        for (size_t i = 0; i < nn; i++) mean += (col[i] = v[rows ? rows[i] : (int)i]);
        mean /= (double)n;
        double ss = 0;
        int constant = 1;
        for (size_t i = 0; i < nn; i++) {
            ss += (col[i] - mean) * (col[i] - mean);
            if (col[i] != col[0]) constant = 0;
        }
        if (status) status[c] = DUET_DESIGN_KEPT;
        if (constant) {
            if (status) status[c] = DUET_DESIGN_CONSTANT;
            continue;
        }
        double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 1;
        if (!(sd > 0)) sd = 1;
        for (size_t i = 0; i < nn; i++) col[i] = (col[i] - mean) / sd;
        col_of[k++] = c;
    }
    /* no more samples than columns: no rank test (the caller, which needs
     * residual degrees of freedom, skips such a fit) */
    duet_err_t err = n <= k ? DUET_OK
                   : qr ? duet_qr_create(x, n, n, k, DUET_QR_TOL, dep, qr)
                        : gram_rank(x, n, k, dep);
    if (!err) {
        int kept = 0;
        for (int j = 0; j < k; j++) {
            if (dep[j] && j > 0) {
                if (status) status[col_of[j]] = DUET_DESIGN_COLLINEAR;
                continue;
            }
            if (kept != j) memmove(x + nn * kept, x + nn * j, nn * sizeof *x);
            kept++;
        }
        *k_out = kept;
    }
    free(col_of);
    free(dep);
    return err;
}

duet_err_t duet_design_names(const char *const *names, int n_covars,
                             const duet_design_col_t *status, int kept,
                             duet_design_col_t reason, int with_reason, char **out)
{
    kstring_t ks = { 0, 0, NULL };
    int fail = 0;
    *out = NULL;
    for (int c = 0; c < n_covars; c++) {
        int is_kept = status[c] == DUET_DESIGN_KEPT;
        if (kept ? !is_kept : is_kept || (reason != DUET_DESIGN_KEPT && status[c] != reason))
            continue;
        if (ks.l) fail |= kputc(',', &ks) < 0;
        fail |= kputs(names[c], &ks) < 0;
        if (!kept && with_reason)
            fail |= ksprintf(&ks, " (%s)", duet_design_col_str(status[c])) < 0;
    }
    if (fail) {
        free(ks.s);
        return DUET_ENOMEM;
    }
    *out = ks.s;
    return DUET_OK;
}
