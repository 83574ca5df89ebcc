/*
 * genetest.c -- the gene-level rare-variant tests on top of a fitted null
 * model: the weighted burden score test, SKAT (Wu et al. 2011, AJHG
 * 89:82-93), SKAT-O (Lee, Wu and Lin 2012, Biostatistics 13:762-775, as the
 * SKAT R package's "optimal.adj" method computes it) and ACAT-V / ACAT-O
 * (Liu et al. 2019, AJHG 104:410-421, as the ACAT R package's ACAT_V).
 * For case/control traits, the small-sample policy of genetest.h: exact
 * p-values by enumerating the carriers' outcomes where they are few, else
 * saddlepoint-adjusted kernels (SAIGE-GENE / SAIGE-GENE+).  The
 * quadratic-form tails come from genetest_qf.c, the saddlepoints from
 * spa.c.
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/dist.h"
#include "duet/genetest.h"
#include "duet/log.h"
#include "duet/spa.h"

/* LAPACK's symmetric eigensolver (divide and conquer), Fortran calling
 * convention: arguments by reference, then the hidden lengths of the two
 * character arguments.  Debian ships OpenBLAS's LAPACK without LAPACKE. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a,
             const int *lda, double *w, double *work, const int *lwork,
             int *iwork, const int *liwork, int *info, size_t jobz_len,
             size_t uplo_len);

const double duet_skato_rho[DUET_SKATO_N_RHO] = { 0.0, 0.01, 0.04, 0.09, 0.16, 0.25, 0.5, 1.0 };

/* SKAT computes rho = 1 as 0.999 so that (1 - rho) can divide. */
#define SKATO_RHO_MAX 0.999
/* Covariate columns closer than this (relative) to the span of the earlier
 * ones are dropped, as duet_qr_create's DUET_QR_TOL. */
#define BASIS_TOL 1e-6

void duet_genetest_opts_init(duet_genetest_opts_t *opts)
{
    opts->beta_a = 1.0;
    opts->beta_b = 25.0;
    opts->acatv_mac = 10.0;
    opts->acc = 1e-6;
    opts->lim = 10000;
    opts->tests = DUET_GENETEST_ALL;
    opts->cc_adjust = 1;
    opts->exact_carriers = 12;
    opts->spa_z = 2.0;
    opts->spa_ref_z = 3.0;
}

const char *duet_genetest_adjust_str(duet_genetest_adjust_t adjust)
{
    switch (adjust) {
    case DUET_GENETEST_SPA: return "spa";
    case DUET_GENETEST_EXACT: return "exact";
    default: return "asymptotic";
    }
}

const char *duet_genetest_status_str(duet_genetest_status_t status)
{
    switch (status) {
    case DUET_GENETEST_NO_VARIANTS: return "no_polymorphic_variants";
    case DUET_GENETEST_COLLINEAR: return "collinear";
    default: return "";
    }
}

/* ------------------------------------------------------------------ */
/* Null model                                                          */

void duet_genetest_null_destroy(duet_genetest_null_t *null)
{
    if (!null) return;
    free(null->resid);
    free(null->sqrt_v);
    free(null->basis);
    free(null->mu);
    free(null);
}

duet_err_t duet_genetest_null_create(duet_genetest_model_t model, int n, int k,
                                     const double *x, int ldx,
                                     const double *resid, const double *mu,
                                     duet_genetest_null_t **out)
{
    duet_err_t err = DUET_OK;
    duet_genetest_null_t *null = NULL;
    *out = NULL;
    if (n < 1 || k < 0 || (k > 0 && (!x || ldx < n)) || !resid ||
        (model == DUET_GENETEST_LOGISTIC && !mu) ||
        (model != DUET_GENETEST_LINEAR && model != DUET_GENETEST_LOGISTIC)) {
        duet_log_error("gene test null model: invalid arguments (n=%d, k=%d)", n, k);
        return DUET_EINTERNAL;
    }
    null = duet_calloc(1, sizeof *null);
    if (!null) return DUET_ENOMEM;
    null->model = model;
    null->n = n;
    null->k = k;
    null->resid = duet_malloc(sizeof(double) * (size_t)n);
    null->sqrt_v = duet_malloc(sizeof(double) * (size_t)n);
    null->basis = duet_malloc(sizeof(double) * (size_t)n * (size_t)(k > 0 ? k : 1));
    if (!null->resid || !null->sqrt_v || !null->basis) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    memcpy(null->resid, resid, sizeof(double) * (size_t)n);
    if (model == DUET_GENETEST_LOGISTIC) {
        null->mu = duet_malloc(sizeof(double) * (size_t)n);
        if (!null->mu) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
        memcpy(null->mu, mu, sizeof(double) * (size_t)n);
    }
    for (int i = 0; i < n; i++) {
        if (model == DUET_GENETEST_LINEAR) {
            null->sqrt_v[i] = 1.0;
        } else {
            if (!(mu[i] > 0.0 && mu[i] < 1.0)) {
                duet_log_error("gene test null model: fitted probability %g of sample %d "
                               "is not inside (0, 1) (separation?)", mu[i], i + 1);
                err = DUET_EDEGENERATE;
                goto cleanup;
            }
            null->sqrt_v[i] = sqrt(mu[i] * (1.0 - mu[i]));
        }
        if (!isfinite(resid[i])) {
            duet_log_error("gene test null model: residual of sample %d is not finite", i + 1);
            err = DUET_EINTERNAL;
            goto cleanup;
        }
    }

    /* Orthonormal basis of V^1/2 X by modified Gram-Schmidt, each column
     * orthogonalised twice ("twice is enough", Giraud et al. 2005). */
    int rank = 0;
    for (int j = 0; j < k; j++) {
        double *b = null->basis + (size_t)n * rank;
        for (int i = 0; i < n; i++) b[i] = null->sqrt_v[i] * x[(size_t)ldx * j + i];
        double norm0 = cblas_dnrm2(n, b, 1);
        if (!(norm0 > 0.0)) continue;
        for (int pass = 0; pass < 2; pass++)
            for (int c = 0; c < rank; c++) {
                const double *q = null->basis + (size_t)n * c;
                cblas_daxpy(n, -cblas_ddot(n, q, 1, b, 1), q, 1, b, 1);
            }
        double norm = cblas_dnrm2(n, b, 1);
        if (!(norm > BASIS_TOL * norm0)) continue;
        cblas_dscal(n, 1.0 / norm, b, 1);
        rank++;
    }
    null->rank = rank;
    null->rss = cblas_ddot(n, resid, 1, resid, 1);
    if (n - rank < 1 || !(null->rss > 0.0)) {
        duet_log_error("gene test null model: %s (%d samples, %d covariates)",
                       n - rank < 1 ? "no residual degrees of freedom" : "residuals are all zero",
                       n, rank);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    null->phi = model == DUET_GENETEST_LINEAR ? null->rss / (n - rank) : 1.0;

    /* The scores assume X'r = 0 (residuals of a fit that includes X):
     * check it on the weighted scale, (V^1/2 X)' (V^-1/2 r). */
    {
        double rn = 0.0, worst = 0.0;
        for (int i = 0; i < n; i++) {
            double t = resid[i] / null->sqrt_v[i];
            rn += t * t;
        }
        rn = sqrt(rn);
        for (int c = 0; c < rank; c++) {
            const double *q = null->basis + (size_t)n * c;
            double dot = 0.0;
            for (int i = 0; i < n; i++) dot += q[i] * resid[i] / null->sqrt_v[i];
            if (fabs(dot) > worst) worst = fabs(dot);
        }
        if (worst > 1e-4 * rn) {
            duet_log_error("gene test null model: the residuals are not orthogonal to the "
                           "covariates (|X'r| = %g, |r| = %g): not residuals of this fit",
                           worst, rn);
            err = DUET_EINTERNAL;
            goto cleanup;
        }
    }
    *out = null;
    null = NULL;
cleanup:
    duet_genetest_null_destroy(null);
    return err;
}

/* ------------------------------------------------------------------ */
/* Work space                                                          */

struct duet_genetest_work {
    size_t cap_z, cap_m, cap_d, cap_n, cap_b;
    double *z;     /* n x m: V^1/2 G W residualised, divided by sqrt 2 */
    double *btz;   /* rank x m */
    /* per variant (m) */
    double *u, *maf, *mac, *w, *diag, *raw, *lp, *lpw;
    int *col, *flip;
    /* kernel space (d = min(n, m)) */
    double *kmat, *tmp;      /* d x d */
    double *eig;             /* d */
    double *lam;             /* (DUET_SKATO_N_RHO + 1) x d, kept eigenvalues */
    double *sv, *kv, *ones;  /* d */
    double *syev_work;       /* 2 d + 1 */
    int *syev_iwork;         /* 1 */
    /* sample space (n) */
    double *zr;
    /* case/control adjustment: per variant (m) the kernel scale and
     * the ACAT-V log p; per sample (n) an adjusted genotype, the exact
     * part of a saddlepoint and the carriers */
    double *ratio, *lpv;
    double *gadj, *gex, *muex;
    int *carriers, *clist;
    unsigned char *is_carrier, *mark;
    /* exact enumeration: 2^exact_carriers outcomes */
    size_t cap_e;
    double *eprob, *eqs, *eqb, *eacat, *emin, *etail;
    struct eq_item *esort;
    /* carrier x variant entries of the genotype (CSR by carrier) */
    size_t cap_ent;
    int *ent_start, *ent_var;
    double *ent_val;
    double *eu, *ecur;
    unsigned char *vrare;
};

/* an outcome's statistic and index, for sorting */
struct eq_item {
    double q;
    int k;
};

duet_err_t duet_genetest_work_create(duet_genetest_work_t **out)
{
    *out = duet_calloc(1, sizeof **out);
    return *out ? DUET_OK : DUET_ENOMEM;
}

void duet_genetest_work_destroy(duet_genetest_work_t *w)
{
    if (!w) return;
    free(w->z);
    free(w->btz);
    free(w->u);
    free(w->maf);
    free(w->mac);
    free(w->w);
    free(w->diag);
    free(w->raw);
    free(w->lp);
    free(w->lpw);
    free(w->col);
    free(w->flip);
    free(w->kmat);
    free(w->tmp);
    free(w->eig);
    free(w->lam);
    free(w->sv);
    free(w->kv);
    free(w->ones);
    free(w->syev_work);
    free(w->syev_iwork);
    free(w->zr);
    free(w->ratio);
    free(w->lpv);
    free(w->gadj);
    free(w->gex);
    free(w->muex);
    free(w->carriers);
    free(w->clist);
    free(w->is_carrier);
    free(w->mark);
    free(w->eprob);
    free(w->eqs);
    free(w->eqb);
    free(w->eacat);
    free(w->emin);
    free(w->etail);
    free(w->esort);
    free(w->ent_start);
    free(w->ent_var);
    free(w->ent_val);
    free(w->eu);
    free(w->ecur);
    free(w->vrare);
    free(w);
}

static int grow(void **p, size_t need, size_t elem)
{
    void *q = realloc(*p, elem * (need ? need : 1));
    if (!q) {
        duet_log_oom(elem * need);
        return -1;
    }
    *p = q;
    return 0;
}

#define GROW(ptr, need) grow((void **)&(ptr), (need), sizeof *(ptr))

static duet_err_t work_reserve(duet_genetest_work_t *w, int n, int m, int rank)
{
    size_t nz = (size_t)n * (size_t)m;
    if (nz > w->cap_z) {
        if (GROW(w->z, nz)) return DUET_ENOMEM;
        w->cap_z = nz;
    }
    size_t nb = (size_t)(rank > 0 ? rank : 1) * (size_t)m;
    if (nb > w->cap_b) {
        if (GROW(w->btz, nb)) return DUET_ENOMEM;
        w->cap_b = nb;
    }
    if ((size_t)m > w->cap_m) {
        if (GROW(w->u, m) || GROW(w->maf, m) || GROW(w->mac, m) || GROW(w->w, m) ||
            GROW(w->diag, m) || GROW(w->raw, m) || GROW(w->lp, m + 1) || GROW(w->lpw, m + 1) ||
            GROW(w->col, m) || GROW(w->flip, m) || GROW(w->ratio, m) || GROW(w->lpv, m) ||
            GROW(w->eu, m) || GROW(w->ecur, m) || GROW(w->vrare, m))
            return DUET_ENOMEM;
        w->cap_m = (size_t)m;
    }
    size_t d = (size_t)(m < n ? m : n);
    if (d > w->cap_d) {
        if (GROW(w->kmat, d * d) || GROW(w->tmp, d * d) || GROW(w->eig, d) ||
            GROW(w->lam, (DUET_SKATO_N_RHO + 1) * d) || GROW(w->sv, d) || GROW(w->kv, d) ||
            GROW(w->ones, d) || GROW(w->syev_work, 2 * d + 1) || GROW(w->syev_iwork, 1))
            return DUET_ENOMEM;
        w->cap_d = d;
    }
    if ((size_t)n > w->cap_n) {
        if (GROW(w->zr, n) || GROW(w->gadj, n) || GROW(w->gex, n) || GROW(w->muex, n) ||
            GROW(w->carriers, n) || GROW(w->clist, n) || GROW(w->is_carrier, n) ||
            GROW(w->mark, n) || GROW(w->ent_start, n + 1))
            return DUET_ENOMEM;
        w->cap_n = (size_t)n;
    }
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* Eigenvalues                                                         */

/* Eigenvalues of the symmetric d x d matrix a (upper triangle read,
 * destroyed) into eig (ascending). */
static duet_err_t sym_eigenvalues(duet_genetest_work_t *w, double *a, int d, double *eig)
{
    int lwork = 2 * d + 1, liwork = 1, info = 0;
    dsyevd_("N", "U", &d, a, &d, eig, w->syev_work, &lwork, w->syev_iwork, &liwork, &info, 1, 1);
    if (info != 0) {
        duet_log_error("gene test: LAPACK dsyevd failed (info %d, order %d)", info, d);
        return DUET_EINTERNAL;
    }
    return DUET_OK;
}

/* SKAT's Get_Lambda: keep the eigenvalues above 1e-5 times the mean of the
 * non-negative ones, written to out in decreasing order (Davies' preferred
 * order).  Eigenvalues at or below `floor` (rounding noise of a kernel that
 * is zero in exact arithmetic) count as zero first.  Returns how many. */
static int keep_lambda(const double *eig, int d, double floor, double *out)
{
    double sum = 0.0;
    int npos = 0;
    for (int i = 0; i < d; i++)
        if (eig[i] > floor) {
            sum += eig[i];
            npos++;
        }
    if (npos == 0) return 0;
    double cut = sum / npos / 1e5;
    if (cut < floor) cut = floor;
    int r = 0;
    for (int i = d - 1; i >= 0; i--)
        if (eig[i] > cut) out[r++] = eig[i];
    return r;
}

/* Eigenvalues of a (d x d, destroyed) kept as above into out. */
static duet_err_t kernel_lambda(duet_genetest_work_t *w, double *a, int d, double floor,
                                double *out, int *r)
{
    duet_err_t err = sym_eigenvalues(w, a, d, w->eig);
    if (err) return err;
    *r = keep_lambda(w->eig, d, floor, out);
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* SKAT-O                                                              */

/*
 * The p-value of SKAT-O's minimum over rho of the per-rho p-values (Lee,
 * Wu and Lin 2012, Appendix; SKAT's SKAT_Optimal_PValue_Davies).  With
 * Q_rho = (1 - rho) kappa + tau_rho eta0, eta0 ~ chi2_1 independent of
 * kappa (a mixture of chi-squares with weights lambda, the eigenvalues of
 * the kernel with its burden direction projected out, plus a remainder of
 * variance var_remain whose effect is a rescaling),
 *   P(min p_rho < p_min) = 1 - E[ F_kappa( min_rho (q_rho - tau_rho eta0)
 *                                          / (1 - rho) ) ].
 * SKAT evaluates 1 - integral_0^40 of that with R's integrate().  We
 * integrate the complement, the survival function S_kappa, up to x0 where
 * the argument reaches kappa's lower end (S = 1 beyond it exactly) and add
 * P(chi2_1 > x0) in closed form: the same number, without the
 * cancellation in 1 - integral, so that p-values far below 1e-10 keep their
 * digits -- for which S_kappa comes from duet_genetest_qf_pvalue(), whose
 * second Davies pass resolves small tails (SKAT's Davies at acc = 1e-6
 * cannot).  The substitution x = t^2 removes chi2_1's density singularity at
 * 0; the integral is split where the active rho changes (the integrand's
 * kinks), and scaled by p_min so that tiny p-values do not underflow.
 */
/* Chebyshev nodes of the interpolated ln S_kappa (see skato_survival). */
#define SKATO_CHEB_N 24

typedef struct {
    const double *lambda; /* kappa's weights, decreasing */
    int r;
    double mu_q;          /* mean of kappa */
    double sd_ratio;      /* sqrt((VarQ - VarRemain) / VarQ) */
    double q[DUET_SKATO_N_RHO], tau[DUET_SKATO_N_RHO], one_minus[DUET_SKATO_N_RHO];
    double acc;
    int lim;
    double log_scale;     /* ln p_min: the integrand is divided by p_min */
    /* ln S_kappa(v^2) on [v_lo, v_hi] as a Chebyshev series, when cheb_ok */
    int cheb_ok;
    double v_lo, v_hi;
    double cheb[SKATO_CHEB_N];
} skato_integrand_t;

/* kappa's rescaled argument at x: the lower envelope of the rho lines */
static double skato_argument(const skato_integrand_t *c, double x)
{
    double mval = INFINITY;
    for (int i = 0; i < DUET_SKATO_N_RHO; i++) {
        double v = (c->q[i] - c->tau[i] * x) / c->one_minus[i];
        if (v < mval) mval = v;
    }
    return (mval - c->mu_q) * c->sd_ratio + c->mu_q;
}

static double survival_direct(const skato_integrand_t *c, double m)
{
    duet_qf_pvalue_t pv;
    duet_genetest_qf_pvalue(m, c->lambda, c->r, c->acc, c->lim, &pv);
    return pv.log_p > 0.0 ? 0.0 : pv.log_p;
}

/*
 * The integrand needs ln S_kappa at hundreds of arguments, all within
 * [0, m0] (m0 its argument at x = 0), and each is a Davies inversion (two
 * for small tails): the cost of SKAT-O.  ln S_kappa(v^2) is smooth in v
 * (the substitution v = sqrt(m) removes the c^(r/2) behaviour of the CDF
 * at 0), so SKATO_CHEB_N inversions at Chebyshev nodes of [0, sqrt(m0)]
 * and the series through them (Clenshaw) give it to far below the
 * integration's tolerance, at a fixed cost per gene.  Sets cheb_ok = 0 if
 * a node has no value (the integrand then inverts directly).
 */
static void skato_survival_fit(skato_integrand_t *c)
{
    double m0 = skato_argument(c, 0.0);
    c->cheb_ok = 0;
    if (!(m0 > 0.0) || !isfinite(m0)) return;
    int n = SKATO_CHEB_N;
    double f[SKATO_CHEB_N];
    c->v_lo = 0.0;
    c->v_hi = sqrt(m0);
    for (int k = 0; k < n; k++) {
        double z = cos(M_PI * (k + 0.5) / n);
        double v = 0.5 * (c->v_hi + c->v_lo) + 0.5 * (c->v_hi - c->v_lo) * z;
        f[k] = v > 0.0 ? survival_direct(c, v * v) : 0.0;
        if (!isfinite(f[k])) return;
    }
    for (int j = 0; j < n; j++) {
        double sum = 0.0;
        for (int k = 0; k < n; k++) sum += f[k] * cos(M_PI * j * (k + 0.5) / n);
        c->cheb[j] = 2.0 * sum / n;
    }
    c->cheb_ok = 1;
}

static double skato_survival(const skato_integrand_t *c, double m)
{
    if (!(m > 0.0)) return 0.0;
    double v = sqrt(m);
    if (!c->cheb_ok || v > c->v_hi) return survival_direct(c, m);
    double z = (2.0 * v - c->v_lo - c->v_hi) / (c->v_hi - c->v_lo);
    double b1 = 0.0, b2 = 0.0;
    for (int j = SKATO_CHEB_N - 1; j >= 1; j--) {
        double b0 = 2.0 * z * b1 - b2 + c->cheb[j];
        b2 = b1;
        b1 = b0;
    }
    double ls = z * b1 - b2 + 0.5 * c->cheb[0];
    return ls > 0.0 ? 0.0 : ls;
}

static double skato_integrand(double t, void *vctx)
{
    const skato_integrand_t *c = vctx;
    double x = t * t;
    double log_s = skato_survival(c, skato_argument(c, x));
    /* chi2_1 density of x times dx/dt = sqrt(2/pi) exp(-t^2/2) */
    return exp(log_s + 0.5 * log(2.0 / M_PI) - 0.5 * x - c->log_scale);
}

/* ln p of SKAT-O given the integrand's parameters (q, tau, one_minus,
 * lambda, mu_q, sd_ratio filled).  *ok is 0 if the integral is not
 * usable. */
static double skato_integrate(skato_integrand_t *c, double log_pmin, int *ok)
{
    *ok = 1;
    c->log_scale = log_pmin;
    /* x0: the smallest x at which some rho's line reaches m* (kappa's
     * rescaled argument at 0) */
    double mstar = c->mu_q * (1.0 - 1.0 / c->sd_ratio);
    double x0 = INFINITY;
    for (int i = 0; i < DUET_SKATO_N_RHO; i++) {
        if (!(c->tau[i] > 0)) continue;
        double v = (c->q[i] - c->one_minus[i] * mstar) / c->tau[i];
        if (v < x0) x0 = v;
    }
    if (!(x0 > 0.0)) return 0.0;
    if (isinf(x0)) {
        *ok = 0;
        return NAN;
    }
    /* kinks: where the lowest of the lines (q_rho - tau_rho x) / (1 - rho)
     * changes, walking its lower envelope from x = 0 (at most one kink per
     * rho) */
    double cut[DUET_SKATO_N_RHO + 2];
    int ncut = 0;
    cut[ncut++] = 0.0;
    {
        double a[DUET_SKATO_N_RHO], b[DUET_SKATO_N_RHO];
        int cur = 0;
        for (int i = 0; i < DUET_SKATO_N_RHO; i++) {
            a[i] = c->q[i] / c->one_minus[i];
            b[i] = c->tau[i] / c->one_minus[i];
            if (a[i] < a[cur] || (a[i] == a[cur] && b[i] > b[cur])) cur = i;
        }
        double x_cur = 0.0;
        for (;;) {
            int next = -1;
            double x_next = INFINITY;
            for (int j = 0; j < DUET_SKATO_N_RHO; j++) {
                if (!(b[j] > b[cur])) continue;
                double x = (a[j] - a[cur]) / (b[j] - b[cur]);
                if (x < x_cur) x = x_cur;
                if (x < x_next || (x == x_next && b[j] > b[next])) {
                    x_next = x;
                    next = j;
                }
            }
            if (next < 0 || !(x_next < x0)) break;
            if (x_next > x_cur) cut[ncut++] = sqrt(x_next);
            x_cur = x_next;
            cur = next;
        }
    }
    cut[ncut++] = sqrt(x0);
    skato_survival_fit(c);
    double total = 0.0;
    for (int i = 0; i + 1 < ncut; i++) {
        if (!(cut[i + 1] > cut[i])) continue;
        int piece_ok;
        total += duet_genetest_integrate(skato_integrand, c, cut[i], cut[i + 1], 1e-8, 1e-5,
                                         100, NULL, &piece_ok);
        if (!piece_ok) *ok = 0;
    }
    double log_tail = pchisq(x0, 1.0, 0, 1) - log_pmin;
    double scaled = total + exp(log_tail);
    if (!(scaled > 0.0) || !isfinite(scaled)) {
        *ok = 0;
        return NAN;
    }
    return log_pmin + log(scaled);
}


/* ------------------------------------------------------------------ */
/* Case/control traits: saddlepoint and exact p-values (genetest.h)    */

/*
 * ln of the two-sided p of a score s = sum_i gadj_i (y_i - mu_i) with
 * variance var = sum_i gadj_i^2 mu_i (1 - mu_i): the normal p where
 * |z| <= spa_z, else the saddlepoint with the samples idx[0..ni-1] (the
 * carriers) exact and the others as one normal term, as SAIGE's fast SPA.
 * *used is 1 if the saddlepoint was tried, *failed 1 if it gave no value
 * (the normal p is then returned).
 */
static double spa_score_logp(const duet_genetest_null_t *null, duet_genetest_work_t *w,
                             const double *gadj, const int *idx, int ni, double s, double var,
                             double spa_z, int *used, int *failed)
{
    *used = *failed = 0;
    if (!(var > 0.0)) return 0.0;
    double z2 = s * s / var;
    double lp_norm = pchisq(z2, 1.0, 0, 1);
    if (!(sqrt(z2) > spa_z)) return lp_norm;
    double vex = 0.0;
    for (int k = 0; k < ni; k++) {
        int i = idx[k];
        double m = null->mu[i];
        w->gex[k] = gadj[i];
        w->muex[k] = m;
        vex += gadj[i] * gadj[i] * m * (1.0 - m);
    }
    double vn = var - vex;
    if (vn < 0.0) vn = 0.0;
    duet_spa_status_t st;
    double lp = duet_spa_logp2(w->gex, w->muex, ni, vn, s, &st);
    *used = 1;
    if (isnan(lp)) {
        *failed = 1;
        return lp_norm;
    }
    return lp;
}

/* The variance ratio V* / V = (s^2 / V) / qchisq(p, 1, lower = FALSE) of a
 * score whose adjusted p is exp(lp), kept at 1 where it would shrink the
 * variance (genetest.h: the kernel only inflates). */
static double inflation_ratio(double s, double var, double lp)
{
    double chi2 = duet_dist_chisq1_from_logp(lp);
    if (!(chi2 > 0.0) || !isfinite(chi2) || !(var > 0.0)) return 1.0;
    double r = s * s / var / chi2;
    return r > 1.0 ? r : 1.0;
}

/* The variance ratio of a score (adjusted genotype in w->gadj, carriers
 * idx) at the reference point |z| = ref_z, whatever its observed value. */
static double reference_ratio(const duet_genetest_null_t *null, duet_genetest_work_t *w,
                              const int *idx, int ni, double var,
                              const duet_genetest_opts_t *opts)
{
    if (!(opts->spa_ref_z > 0.0) || !(var > 0.0)) return 1.0;
    int used, failed;
    double s = opts->spa_ref_z * sqrt(var);
    double lp = spa_score_logp(null, w, w->gadj, idx, ni, s, var, 0.0, &used, &failed);
    return used && !failed ? inflation_ratio(s, var, lp) : 1.0;
}

/* adjusted genotype of the sum of the projected columns z[cols] (n-space,
 * scaled as w->z) into out: g~ = sqrt(2) z / sqrt(v); returns its score
 * variance sum_i g~_i^2 v_i */
static double sum_adjusted(const duet_genetest_null_t *null, const duet_genetest_work_t *w, int mk,
                           const unsigned char *use, double *out)
{
    const int n = null->n;
    for (int i = 0; i < n; i++) out[i] = 0.0;
    for (int c = 0; c < mk; c++)
        if (!use || use[c]) cblas_daxpy(n, 1.0, w->z + (size_t)n * c, 1, out, 1);
    double var = 0.0;
    for (int i = 0; i < n; i++) {
        var += 2.0 * out[i] * out[i];
        out[i] *= M_SQRT2 / null->sqrt_v[i];
    }
    return var;
}

static int eq_item_desc(const void *a, const void *b)
{
    double x = ((const struct eq_item *)a)->q, y = ((const struct eq_item *)b)->q;
    if (x > y) return -1;
    if (x < y) return 1;
    int i = ((const struct eq_item *)a)->k, j = ((const struct eq_item *)b)->k;
    return (i > j) - (i < j);
}

/* P(X >= x_obs) over the outcomes, ties (within 1e-9 of the largest |X|)
 * included */
static double exact_upper(const double *x, const double *prob, int n_out, double x_obs)
{
    double big = 0.0, p = 0.0;
    for (int k = 0; k < n_out; k++)
        if (fabs(x[k]) > big) big = fabs(x[k]);
    double cut = x_obs - 1e-9 * big;
    for (int k = 0; k < n_out; k++)
        if (x[k] >= cut) p += prob[k];
    return p;
}

static double clamp_log(double p)
{
    double lp = log(p);
    return lp > 0.0 ? 0.0 : lp;
}

static int grow_exact(duet_genetest_work_t *w, size_t n_out, size_t n_ent)
{
    if (n_out > w->cap_e) {
        if (GROW(w->eprob, n_out) || GROW(w->eqs, n_out) || GROW(w->eqb, n_out) ||
            GROW(w->eacat, n_out) || GROW(w->emin, n_out) || GROW(w->etail, n_out) ||
            GROW(w->esort, n_out))
            return -1;
        w->cap_e = n_out;
    }
    if (n_ent > w->cap_ent) {
        if (GROW(w->ent_var, n_ent) || GROW(w->ent_val, n_ent)) return -1;
        w->cap_ent = n_ent;
    }
    return 0;
}

/*
 * The exact tests of a gene with nc carriers (w->carriers; genetest.h):
 * every case/control outcome of the carriers, its probability under the
 * null, and the burden, SKAT, SKAT-O and ACAT-V statistics of its scores.
 * Reads the variants' columns, flips, weights, MAC and diag from w (step
 * 1-3 of duet_genetest_run) and z for ACAT-V's collapsed variance.  Fills
 * the log p-values of res.
 */
static duet_err_t exact_gene(const duet_genetest_null_t *null, duet_genetest_work_t *w,
                             const double *geno, int ldg, int mk, int nc, int burden_ok,
                             const double *weights, const duet_genetest_opts_t *opts,
                             duet_genetest_result_t *res)
{
    const size_t n_out = (size_t)1 << nc;
    if (grow_exact(w, n_out, (size_t)nc * (size_t)mk + 1)) return DUET_ENOMEM;
    /* carrier k's entries: (variant, w_c g_ic) */
    int ne = 0;
    double odds[DUET_GENETEST_EXACT_MAX], p0 = 1.0;
    int k_obs = 0;
    for (int c = 0; c < mk; c++) w->eu[c] = 0.0;
    for (int k = 0; k < nc; k++) {
        int i = w->carriers[k];
        double m = null->mu[i];
        w->ent_start[k] = ne;
        for (int c = 0; c < mk; c++) {
            double g = geno[(size_t)ldg * w->col[c] + i];
            if (w->flip[c]) g = 2.0 - g;
            if (g == 0.0) continue;
            w->ent_var[ne] = c;
            w->ent_val[ne] = w->w[c] * g;
            w->eu[c] -= w->w[c] * g * m; /* the score with every carrier a control */
            ne++;
        }
        odds[k] = m / (1.0 - m);
        p0 *= 1.0 - m;
        if (null->resid[i] > 0.0) k_obs |= 1 << k;
    }
    w->ent_start[nc] = ne;
    /* ACAT-V's pieces: per-variant score variances and weights, and the
     * collapsed burden of the variants with MAC <= acatv_mac */
    int n_rare = 0;
    double rare_maf = 0.0, rare_wsum = 0.0, zraw = 0.0;
    for (int c = 0; c < mk; c++) {
        w->vrare[c] = w->mac[c] <= opts->acatv_mac;
        if (!w->vrare[c]) continue;
        n_rare++;
        rare_maf += w->maf[c];
        rare_wsum += w->w[c] * w->w[c] * w->maf[c] * (1.0 - w->maf[c]);
        zraw += w->raw[c];
    }
    double var_rare = NAN, w_rare = 0.0;
    if (n_rare > 0) {
        double v = sum_adjusted(null, w, mk, w->vrare, w->gadj);
        if (v / 2.0 > BASIS_TOL * BASIS_TOL * zraw) var_rare = v;
        double maf_bar = rare_maf / n_rare;
        if (weights) {
            w_rare = rare_wsum / n_rare;
        } else {
            double b = duet_genetest_beta_weight(maf_bar, opts->beta_a, opts->beta_b);
            w_rare = b * b * maf_bar * (1.0 - maf_bar);
        }
    }
    double *uu = w->ecur, *lp = w->lp, *lw = w->lpw;
    for (size_t k = 0; k < n_out; k++) {
        /* probability: from the outcome without its highest carrier */
        double prob = p0;
        if (k) {
            int hb = 31 - __builtin_clz((unsigned)k);
            prob = w->eprob[k ^ ((size_t)1 << hb)] * odds[hb];
        }
        w->eprob[k] = prob;
        memcpy(uu, w->eu, sizeof(double) * (size_t)mk);
        for (int b = 0; b < nc; b++)
            if (k >> b & 1)
                for (int e = w->ent_start[b]; e < w->ent_start[b + 1]; e++)
                    uu[w->ent_var[e]] += w->ent_val[e];
        double qs = 0.0, sum = 0.0, sum_rare = 0.0;
        for (int c = 0; c < mk; c++) {
            qs += uu[c] * uu[c];
            sum += uu[c];
            if (w->vrare[c]) sum_rare += uu[c];
        }
        w->eqs[k] = qs;
        w->eqb[k] = sum * sum;
        /* ACAT-V of this outcome, as step 8 of duet_genetest_run */
        int np = 0;
        for (int c = 0; c < mk; c++) {
            if (w->vrare[c] || !(w->diag[c] > 0.0)) continue;
            double l = pchisq(uu[c] * uu[c] / (2.0 * w->diag[c]), 1.0, 0, 1);
            if (l == 0.0) continue;
            lp[np] = l;
            lw[np] = w->w[c] * w->w[c] * w->maf[c] * (1.0 - w->maf[c]);
            np++;
        }
        double lrare = isnan(var_rare) ? NAN : pchisq(sum_rare * sum_rare / var_rare, 1.0, 0, 1);
        double acat;
        if (n_rare > 0 && np == 0 && !isnan(lrare)) {
            acat = lrare;
        } else {
            if (!isnan(lrare) && lrare < 0.0) {
                lp[np] = lrare;
                lw[np] = w_rare;
                np++;
            }
            acat = np > 0 ? duet_genetest_acat(lp, lw, np) : 0.0;
        }
        w->eacat[k] = isnan(acat) ? 0.0 : -acat;
    }
    res->adjust = DUET_GENETEST_EXACT;
    res->skat_q = w->eqs[k_obs] / 2.0;
    res->skat_log_p = clamp_log(exact_upper(w->eqs, w->eprob, (int)n_out, w->eqs[k_obs]));
    res->skat_method = DUET_QF_NONE;
    if (burden_ok)
        res->burden_log_p = clamp_log(exact_upper(w->eqb, w->eprob, (int)n_out, w->eqb[k_obs]));
    res->acatv_log_p = clamp_log(exact_upper(w->eacat, w->eprob, (int)n_out, w->eacat[k_obs]));
    for (int c = 0; c < mk; c++) res->n_ultra_rare += w->vrare[c];
    if ((opts->tests & DUET_GENETEST_SKATO) && burden_ok) {
        /* each rho's exact p of every outcome; SKAT-O's statistic is their
         * minimum, whose exact distribution gives the p-value */
        for (size_t k = 0; k < n_out; k++) w->emin[k] = 1.0;
        double best = INFINITY;
        for (int r = 0; r < DUET_SKATO_N_RHO; r++) {
            double rho = duet_skato_rho[r], big = 0.0;
            for (size_t k = 0; k < n_out; k++) {
                double q = (1.0 - rho) * w->eqs[k] + rho * w->eqb[k];
                w->esort[k].q = q;
                w->esort[k].k = (int)k;
                if (q > big) big = q;
            }
            qsort(w->esort, n_out, sizeof *w->esort, eq_item_desc);
            /* tail of position a: every outcome whose q is within 1e-9 big
             * of q_a or above (a prefix of the sorted order) */
            double cum = 0.0;
            size_t e = 0;
            for (size_t a = 0; a < n_out; a++) {
                double cut = w->esort[a].q - 1e-9 * big;
                while (e < n_out && w->esort[e].q >= cut) cum += w->eprob[w->esort[e++].k];
                double t = cum < 1.0 ? cum : 1.0;
                int k = w->esort[a].k;
                w->etail[k] = t;
                if (t < w->emin[k]) w->emin[k] = t;
            }
            double lr = clamp_log(w->etail[k_obs]);
            res->skato_rho_log_p[r] = lr;
            if (lr < best) {
                best = lr;
                res->skato_rho = rho;
            }
        }
        double tobs = w->emin[k_obs] * (1.0 + 1e-9), p = 0.0;
        for (size_t k = 0; k < n_out; k++)
            if (w->emin[k] <= tobs) p += w->eprob[k];
        res->skato_log_p = clamp_log(p);
    }
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* One gene                                                            */

static void result_clear(duet_genetest_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->burden_beta = res->burden_se = res->burden_chi2 = res->burden_log_p = NAN;
    res->skat_q = res->skat_log_p = NAN;
    res->skato_rho = res->skato_log_p = NAN;
    for (int i = 0; i < DUET_SKATO_N_RHO; i++) res->skato_rho_log_p[i] = NAN;
    res->acatv_log_p = res->acato_log_p = NAN;
}

/* One gene's test in progress: its inputs and what each step leaves for
 * the next (duet_genetest_run's steps 1-9). */
typedef struct {
    const duet_genetest_null_t *null;
    const double *geno;
    int ldg;
    const double *weights;
    const duet_genetest_opts_t *opts;
    duet_genetest_work_t *w;
    duet_genetest_result_t *res;
    int n, rank;
    int mk;          /* polymorphic variants (w->col[0..mk)) */
    int mk_k;        /* the kernel's columns */
    double phi, usum, q_skat, q_burden;
    int cc;          /* case/control adjustment applies */
    int exact;       /* few carriers: exact tests */
    int nc;          /* carriers (case/control) */
    double lp_burden_spa, lp_rare_spa, burden_half_info;
    /* the kernel (step 4) */
    int nspace, d, r0, burden_ok;
    double trace_k, floor_k, s_tot, ss, sks;
} gene_t;

/* The dosage of sample i at kept variant c, on the minor allele. */
static inline double gene_dosage(const gene_t *g, int c, int i)
{
    const double *col = g->geno + (size_t)g->ldg * g->w->col[c];
    return g->w->flip[c] ? 2.0 - col[i] : col[i];
}

/* 1. allele frequencies, flips, weights; monomorphic variants out */
static duet_err_t gene_variants(gene_t *g, int m)
{
    duet_genetest_work_t *w = g->w;
    const int n = g->n;
    int mk = 0;
    for (int j = 0; j < m; j++) {
        const double *gj = g->geno + (size_t)g->ldg * j;
        double sum = 0.0;
        for (int i = 0; i < n; i++) sum += gj[i];
        if (!isfinite(sum)) {
            duet_log_error("gene test: variant %d has a missing or non-finite dosage "
                           "(impute before testing)", j + 1);
            return DUET_EINTERNAL;
        }
        double af = sum / (2.0 * n);
        int flip = af > 0.5;
        double maf = flip ? 1.0 - af : af;
        double mac = flip ? 2.0 * n - sum : sum;
        if (!(mac > 0.0)) continue;
        w->col[mk] = j;
        w->flip[mk] = flip;
        w->maf[mk] = maf;
        w->mac[mk] = mac;
        w->w[mk] = g->weights ? g->weights[j]
                              : duet_genetest_beta_weight(maf, g->opts->beta_a, g->opts->beta_b);
        g->res->mac += mac;
        mk++;
    }
    g->mk = g->mk_k = mk;
    g->res->n_variants = mk;
    return DUET_OK;
}

/* 2. Z = V^1/2 G W and the scores U = W G'r; 3. the covariates projected
 * out (twice), scaled by 1/sqrt(2): Z~'Z~ is SKAT's W.1 / 2.  Returns the
 * variants not in the covariates' span. */
static int gene_scores(gene_t *g)
{
    duet_genetest_work_t *w = g->w;
    const duet_genetest_null_t *null = g->null;
    const int n = g->n, mk = g->mk, rank = g->rank;
    const double *r = null->resid, *sv = null->sqrt_v;
    for (int c = 0; c < mk; c++) {
        const double *gc = g->geno + (size_t)g->ldg * w->col[c];
        double *z = w->z + (size_t)n * c, u = 0.0, wc = w->w[c];
        for (int i = 0; i < n; i++) {
            double gi = w->flip[c] ? 2.0 - gc[i] : gc[i];
            z[i] = sv[i] * gi * wc;
            u += gi * r[i];
        }
        w->u[c] = u * wc;
        w->raw[c] = 0.5 * cblas_ddot(n, z, 1, z, 1);
    }
    if (rank > 0)
        for (int pass = 0; pass < 2; pass++) {
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, rank, mk, n, 1.0, null->basis, n,
                        w->z, n, 0.0, w->btz, rank);
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, mk, rank, -1.0, null->basis,
                        n, w->btz, rank, 1.0, w->z, n);
        }
    cblas_dscal((int)((size_t)n * mk), M_SQRT1_2, w->z, 1);
    /* a variant whose projected norm is below BASIS_TOL of its own lies in
     * the covariates' span (e.g. a constant dosage): no test of its own */
    int n_free = 0;
    for (int c = 0; c < mk; c++) {
        const double *z = w->z + (size_t)n * c;
        w->diag[c] = cblas_ddot(n, z, 1, z, 1);
        if (w->diag[c] > BASIS_TOL * BASIS_TOL * w->raw[c]) n_free++;
        else w->diag[c] = 0.0;
    }
    double usum = 0.0, uu = 0.0;
    for (int c = 0; c < mk; c++) {
        usum += w->u[c];
        uu += w->u[c] * w->u[c];
    }
    g->phi = null->phi;
    g->usum = usum;
    g->q_skat = uu / (2.0 * g->phi);
    g->q_burden = usum * usum / (2.0 * g->phi);
    return n_free;
}

/* 3b. case/control traits: the gene's carriers decide between the exact
 * tests and the saddlepoint-adjusted kernel (genetest.h) */
static void gene_carriers(gene_t *g)
{
    duet_genetest_work_t *w = g->w;
    const int n = g->n;
    g->cc = g->null->model == DUET_GENETEST_LOGISTIC && g->opts->cc_adjust && g->null->mu;
    g->lp_burden_spa = g->lp_rare_spa = g->burden_half_info = NAN;
    g->res->burden_var_ratio = 1.0;
    if (!g->cc) return;
    for (int i = 0; i < n; i++) w->is_carrier[i] = 0;
    for (int c = 0; c < g->mk; c++)
        for (int i = 0; i < n; i++)
            if (gene_dosage(g, c, i) != 0.0) w->is_carrier[i] = 1;
    int nc = 0;
    for (int i = 0; i < n; i++)
        if (w->is_carrier[i]) w->carriers[nc++] = i;
    g->nc = g->res->n_carriers = nc;
    int emax = g->opts->exact_carriers < DUET_GENETEST_EXACT_MAX ? g->opts->exact_carriers
                                                                 : DUET_GENETEST_EXACT_MAX;
    g->exact = nc <= emax;
}

/* Each variant's saddlepoint p (ACAT-V) and variance ratio. */
static void gene_spa_variants(gene_t *g)
{
    duet_genetest_work_t *w = g->w;
    duet_genetest_result_t *res = g->res;
    const int n = g->n;
    const double *sv = g->null->sqrt_v;
    int used, failed;
    for (int c = 0; c < g->mk; c++) {
        w->ratio[c] = 1.0;
        w->lpv[c] = NAN;
        if (!(w->diag[c] > 0.0)) continue;
        const double *z = w->z + (size_t)n * c;
        int ni = 0;
        for (int i = 0; i < n; i++) {
            w->gadj[i] = z[i] * M_SQRT2 / sv[i];
            if (gene_dosage(g, c, i) != 0.0) w->clist[ni++] = i;
        }
        double var = 2.0 * w->diag[c];
        w->lpv[c] = spa_score_logp(g->null, w, w->gadj, w->clist, ni, w->u[c], var,
                                   g->opts->spa_z, &used, &failed);
        res->n_spa += used;
        res->n_spa_failed += failed;
        if (used && !failed) w->ratio[c] = inflation_ratio(w->u[c], var, w->lpv[c]);
        w->ratio[c] = fmax(w->ratio[c], reference_ratio(g->null, w, w->clist, ni, var, g->opts));
    }
}

/* The variants with MAC <= acatv_mac collapsed into their weighted sum:
 * ACAT-V's burden p (g->lp_rare_spa), and one column of the SKAT kernel.
 * *n_rare, *u_r, *ratio_r: their count, score and variance ratio; returns
 * 1 if their sum is testable. */
static int gene_spa_rare(gene_t *g, int *n_rare_out, double *u_r_out, double *ratio_r_out)
{
    duet_genetest_work_t *w = g->w;
    duet_genetest_result_t *res = g->res;
    const int n = g->n, mk = g->mk;
    int n_rare = 0, rare_ok = 0, used, failed;
    double zraw = 0.0, u_r = 0.0, ratio_r = 1.0;
    for (int c = 0; c < mk; c++) {
        w->vrare[c] = w->mac[c] <= g->opts->acatv_mac;
        if (w->vrare[c]) {
            n_rare++;
            zraw += w->raw[c];
            u_r += w->u[c];
        }
    }
    if (n_rare > 0) {
        double var_r = sum_adjusted(g->null, w, mk, w->vrare, w->gadj);
        for (int i = 0; i < n; i++) w->mark[i] = 0;
        for (int c = 0; c < mk; c++) {
            if (!w->vrare[c]) continue;
            for (int i = 0; i < n; i++)
                if (gene_dosage(g, c, i) != 0.0) w->mark[i] = 1;
        }
        int ni = 0;
        for (int i = 0; i < n; i++)
            if (w->mark[i]) w->clist[ni++] = i;
        if (var_r / 2.0 > BASIS_TOL * BASIS_TOL * zraw) {
            rare_ok = 1;
            g->lp_rare_spa = spa_score_logp(g->null, w, w->gadj, w->clist, ni, u_r, var_r,
                                            g->opts->spa_z, &used, &failed);
            res->n_spa += used;
            res->n_spa_failed += failed;
            if (used && !failed) ratio_r = inflation_ratio(u_r, var_r, g->lp_rare_spa);
            ratio_r = fmax(ratio_r, reference_ratio(g->null, w, w->clist, ni, var_r, g->opts));
        }
    }
    *n_rare_out = n_rare;
    *u_r_out = u_r;
    *ratio_r_out = ratio_r;
    return rare_ok;
}

/* Scale the kernel: D Sigma D (SAIGE-GENE+: the ultra-rare variants as one
 * column, when there are two or more), then to the burden's variance
 * (target: V*_B / 2). */
static void gene_spa_scale(gene_t *g, int n_rare, int rare_ok, double u_r, double ratio_r,
                           double target)
{
    duet_genetest_work_t *w = g->w;
    const int n = g->n, mk = g->mk;
    if (n_rare >= 2 && rare_ok) {
        double *zc = w->gadj, uu_k = 0.0;
        for (int i = 0; i < n; i++) zc[i] = 0.0;
        for (int c = 0; c < mk; c++)
            if (w->vrare[c]) cblas_daxpy(n, 1.0, w->z + (size_t)n * c, 1, zc, 1);
        int kept = 0;
        for (int c = 0; c < mk; c++) {
            if (w->vrare[c]) continue;
            double *dst = w->z + (size_t)n * kept;
            if (kept != c) memmove(dst, w->z + (size_t)n * c, sizeof(double) * (size_t)n);
            if (w->ratio[c] != 1.0) cblas_dscal(n, sqrt(w->ratio[c]), dst, 1);
            uu_k += w->u[c] * w->u[c];
            kept++;
        }
        memcpy(w->z + (size_t)n * kept, zc, sizeof(double) * (size_t)n);
        if (ratio_r != 1.0) cblas_dscal(n, sqrt(ratio_r), w->z + (size_t)n * kept, 1);
        uu_k += u_r * u_r;
        g->mk_k = kept + 1;
        g->q_skat = uu_k / (2.0 * g->phi);
        g->res->n_collapsed = n_rare;
    } else {
        for (int c = 0; c < mk; c++)
            if (w->ratio[c] != 1.0) cblas_dscal(n, sqrt(w->ratio[c]), w->z + (size_t)n * c, 1);
    }
    double *zs = w->zr;
    for (int i = 0; i < n; i++) zs[i] = 0.0;
    for (int c = 0; c < g->mk_k; c++) cblas_daxpy(n, 1.0, w->z + (size_t)n * c, 1, zs, 1);
    double s_scaled = cblas_ddot(n, zs, 1, zs, 1);
    if (s_scaled > 0.0 && target > s_scaled) {
        cblas_dscal((int)((size_t)n * g->mk_k), sqrt(target / s_scaled), w->z, 1);
        s_scaled = target;
    }
    g->res->burden_var_ratio = g->burden_half_info > 0.0 ? s_scaled / g->burden_half_info : 1.0;
}

/* Case/control traits with many carriers: saddlepoint-adjusted tests and
 * kernel. */
static void gene_spa(gene_t *g)
{
    duet_genetest_work_t *w = g->w;
    duet_genetest_result_t *res = g->res;
    int used, failed;
    res->adjust = DUET_GENETEST_SPA;
    gene_spa_variants(g);
    /* the burden score (weighted sum), over every carrier */
    double var_b = sum_adjusted(g->null, w, g->mk, NULL, w->gadj);
    g->burden_half_info = var_b / 2.0;
    g->lp_burden_spa = spa_score_logp(g->null, w, w->gadj, w->carriers, g->nc, g->usum, var_b,
                                      g->opts->spa_z, &used, &failed);
    res->n_spa += used;
    res->n_spa_failed += failed;
    double ratio_b = used && !failed ? inflation_ratio(g->usum, var_b, g->lp_burden_spa) : 1.0;
    int n_rare;
    double u_r, ratio_r;
    int rare_ok = gene_spa_rare(g, &n_rare, &u_r, &ratio_r);
    gene_spa_scale(g, n_rare, rare_ok, u_r, ratio_r, ratio_b * g->burden_half_info);
}

/* 4. the kernel: m x m Sigma = Z~'Z~, or n x n Z~Z~' when n < m.
 * sv: Sigma 1 (m-space) or z = Z~ 1 (n-space); s_tot = 1'Sigma 1. */
static void gene_kernel(gene_t *g)
{
    duet_genetest_work_t *w = g->w;
    const int n = g->n, mk_k = g->mk_k;
    const int nspace = g->nspace = n < mk_k;
    const int d = g->d = nspace ? n : mk_k;
    double *kmat = w->kmat, *svec = w->sv, *kv = w->kv;
    if (nspace)
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, n, mk_k, 1.0, w->z, n, 0.0, kmat, d);
    else
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, mk_k, n, 1.0, w->z, n, 0.0, kmat, d);
    for (int j = 0; j < d; j++)
        for (int i = j + 1; i < d; i++) kmat[(size_t)d * j + i] = kmat[(size_t)d * i + j];
    double trace_k = 0.0;
    for (int i = 0; i < d; i++) trace_k += kmat[(size_t)d * i + i];
    if (nspace) {
        for (int i = 0; i < n; i++) svec[i] = 0.0;
        for (int c = 0; c < mk_k; c++) cblas_daxpy(n, 1.0, w->z + (size_t)n * c, 1, svec, 1);
    } else {
        for (int i = 0; i < d; i++) w->ones[i] = 1.0;
        cblas_dgemv(CblasColMajor, CblasNoTrans, d, d, 1.0, kmat, d, w->ones, 1, 0.0, svec, 1);
    }
    /* kv = K sv; s_tot, ss = s's, sks = s'Sigma s in either space */
    cblas_dgemv(CblasColMajor, CblasNoTrans, d, d, 1.0, kmat, d, svec, 1, 0.0, kv, 1);
    double s_tot = 0.0, ss, sks;
    if (nspace) {
        s_tot = cblas_ddot(n, svec, 1, svec, 1);
        ss = cblas_ddot(n, svec, 1, kv, 1);
        sks = cblas_ddot(n, kv, 1, kv, 1);
    } else {
        for (int i = 0; i < d; i++) s_tot += svec[i];
        ss = cblas_ddot(d, svec, 1, svec, 1);
        sks = cblas_ddot(d, svec, 1, kv, 1);
    }
    g->trace_k = trace_k;
    /* rounding noise: eigenvalues of a kernel that is zero in exact
     * arithmetic are about 1e-16 of its trace */
    g->floor_k = 1e-12 * trace_k;
    g->s_tot = s_tot;
    g->ss = ss;
    g->sks = sks;
}

/* 6. burden: the weighted sum's score test, chi2_1 */
static void gene_burden(gene_t *g)
{
    duet_genetest_result_t *res = g->res;
    double info = 2.0 * g->s_tot; /* Var(1'U) / phi */
    res->burden_chi2 = g->q_burden / g->s_tot;
    res->burden_beta = g->usum / info;
    res->burden_se = sqrt(g->phi / info);
    res->burden_log_p = pchisq(res->burden_chi2, 1.0, 0, 1);
    if (g->cc && !isnan(g->lp_burden_spa)) {
        /* the saddlepoint test; estimate and SE from the asymptotic
         * information */
        info = 2.0 * g->burden_half_info;
        res->burden_beta = g->usum / info;
        res->burden_se = sqrt(g->phi / info);
        res->burden_log_p = g->lp_burden_spa;
        res->burden_chi2 = duet_dist_chisq1_from_logp(g->lp_burden_spa);
    }
}

/* SKAT-O's grid: each rho's p-value (its eigenvalues: of R^1/2 Sigma
 * R^1/2, R = (1 - rho) I + rho 11'), the smallest in *log_pmin, the
 * integrand's quantiles and weights in ctx. */
static duet_err_t gene_skato_grid(gene_t *g, skato_integrand_t *ctx, double *log_pmin_out)
{
    duet_genetest_work_t *w = g->w;
    duet_genetest_result_t *res = g->res;
    const int d = g->d, mk_k = g->mk_k;
    const double *kmat = w->kmat, *svec = w->sv;
    double *tmp = w->tmp, s_tot = g->s_tot;
    duet_genetest_liu_t liu[DUET_SKATO_N_RHO];
    duet_qf_pvalue_t pv;
    double log_pmin = INFINITY;
    int best = 0;
    duet_err_t err;
    for (int k = 0; k < DUET_SKATO_N_RHO; k++) {
        double rho = duet_skato_rho[k] > SKATO_RHO_MAX ? SKATO_RHO_MAX : duet_skato_rho[k];
        double *lam = w->lam + (size_t)d * k;
        int rk = g->r0;
        if (k > 0) {
            if (g->nspace) {
                for (int j = 0; j < d; j++)
                    for (int i = 0; i <= j; i++)
                        tmp[(size_t)d * j + i] = (1.0 - rho) * kmat[(size_t)d * j + i] +
                                                 rho * svec[i] * svec[j];
            } else {
                /* R^1/2 = a I + b 11', a = sqrt(1 - rho),
                 * b = (sqrt(1 - rho + m rho) - a) / m */
                double a = sqrt(1.0 - rho), b = (sqrt(1.0 - rho + mk_k * rho) - a) / mk_k;
                for (int j = 0; j < d; j++)
                    for (int i = 0; i <= j; i++)
                        tmp[(size_t)d * j + i] = a * a * kmat[(size_t)d * j + i] +
                                                 a * b * (svec[i] + svec[j]) + b * b * s_tot;
            }
            if ((err = kernel_lambda(w, tmp, d, g->floor_k, lam, &rk))) return err;
        }
        double q = (1.0 - rho) * g->q_skat + rho * g->q_burden;
        duet_genetest_qf_pvalue(q, lam, rk, g->opts->acc, g->opts->lim, &pv);
        res->skato_rho_log_p[k] = pv.log_p;
        if (pv.log_p < log_pmin) {
            log_pmin = pv.log_p;
            best = k;
        }
        duet_genetest_liu_params(lam, NULL, NULL, rk, 1, &liu[k]);
        ctx->tau[k] = rho * s_tot + (1.0 - rho) * g->ss / s_tot;
        ctx->one_minus[k] = 1.0 - rho;
    }
    res->skato_rho = duet_skato_rho[best];
    for (int k = 0; k < DUET_SKATO_N_RHO; k++)
        ctx->q[k] = duet_genetest_liu_quantile(&liu[k], log_pmin);
    *log_pmin_out = log_pmin;
    return DUET_OK;
}

/* 7. SKAT-O: the grid, then the integral over the kernel with the burden
 * direction projected out (kappa). */
static duet_err_t gene_skato(gene_t *g)
{
    duet_genetest_work_t *w = g->w;
    duet_genetest_result_t *res = g->res;
    const int d = g->d;
    const double *kmat = w->kmat, *svec = w->sv, *kv = w->kv;
    double *tmp = w->tmp, s_tot = g->s_tot, ss = g->ss;
    skato_integrand_t ctx;
    double log_pmin;
    duet_err_t err = gene_skato_grid(g, &ctx, &log_pmin);
    if (err) return err;
    /* kappa: Sigma - s s'/s_tot (m-space) or P K P, P = I - z z'/s_tot */
    for (int j = 0; j < d; j++)
        for (int i = 0; i <= j; i++) {
            double v = kmat[(size_t)d * j + i];
            if (g->nspace)
                v += (-(svec[i] * kv[j] + kv[i] * svec[j]) + svec[i] * svec[j] * ss / s_tot) /
                     s_tot;
            else
                v -= svec[i] * svec[j] / s_tot;
            tmp[(size_t)d * j + i] = v;
        }
    double *lamk = w->lam + (size_t)d * DUET_SKATO_N_RHO;
    int rk = 0;
    if ((err = kernel_lambda(w, tmp, d, g->floor_k, lamk, &rk))) return err;
    double lp;
    if (rk == 0) {
        /* rank one: every Q_rho is the same test */
        lp = log_pmin;
    } else {
        double sum1 = 0.0, sum2 = 0.0;
        for (int i = 0; i < rk; i++) {
            sum1 += lamk[i];
            sum2 += lamk[i] * lamk[i];
        }
        double var_remain = 4.0 * (g->sks / s_tot - ss * ss / (s_tot * s_tot));
        if (var_remain < 0.0) var_remain = 0.0;
        double var_q = 2.0 * sum2 + var_remain;
        ctx.lambda = lamk;
        ctx.r = rk;
        ctx.mu_q = sum1;
        ctx.sd_ratio = sqrt(2.0 * sum2 / var_q);
        ctx.acc = g->opts->acc;
        ctx.lim = g->opts->lim;
        int ok;
        lp = skato_integrate(&ctx, log_pmin, &ok);
        if (!isfinite(lp)) {
            /* SKAT's bound when the integration fails */
            lp = log(3.0) + log_pmin;
            res->skato_fallback = 1;
        }
        /* SKAT: never above the Bonferroni bound over the grid */
        if (lp > log((double)DUET_SKATO_N_RHO) + log_pmin)
            lp = log((double)DUET_SKATO_N_RHO) + log_pmin;
    }
    res->skato_log_p = lp > 0.0 ? 0.0 : lp;
    return DUET_OK;
}

/* ACAT-V's test of variant c on its own into *lp: score (logistic),
 * saddlepoint (case/control adjusted) or t (linear); 0 if it has none. */
static int gene_variant_logp(const gene_t *g, int c, double *lp)
{
    const duet_genetest_work_t *w = g->w;
    const duet_genetest_null_t *null = g->null;
    if (g->cc) {
        *lp = w->lpv[c]; /* saddlepoint */
    } else if (null->model == DUET_GENETEST_LINEAR) {
        /* t test of the variant added to the null model, as ACAT's
         * Get.marginal.pval and lm() */
        double df2 = g->n - 1.0 - g->rank;
        double ssr = w->u[c] * w->u[c] / (2.0 * w->diag[c]);
        double rest = null->rss - ssr;
        if (!(df2 > 0)) return 0;
        double t = rest > 0 ? sqrt(ssr / (rest / df2)) : INFINITY;
        *lp = M_LN2 + pt(-t, df2, 1, 1);
    } else {
        double chi2 = w->u[c] * w->u[c] / (2.0 * g->phi * w->diag[c]);
        *lp = pchisq(chi2, 1.0, 0, 1);
    }
    return 1;
}

/* 8. ACAT-V: per-variant tests of the variants with MAC above the
 * threshold, one burden test of the rest, combined by ACAT with weights
 * w^2 MAF (1 - MAF) */
static void gene_acatv(gene_t *g)
{
    duet_genetest_work_t *w = g->w;
    duet_genetest_result_t *res = g->res;
    const duet_genetest_opts_t *opts = g->opts;
    const int n = g->n, mk = g->mk;
    int np = 0, n_rare = 0;
    double rare_u = 0.0, rare_maf = 0.0, rare_wsum = 0.0;
    double *zr = w->zr;
    for (int i = 0; i < n; i++) zr[i] = 0.0;
    for (int c = 0; c < mk; c++) {
        if (w->mac[c] <= opts->acatv_mac) {
            n_rare++;
            rare_u += w->u[c];
            rare_maf += w->maf[c];
            rare_wsum += w->w[c] * w->w[c] * w->maf[c] * (1.0 - w->maf[c]);
            cblas_daxpy(n, 1.0, w->z + (size_t)n * c, 1, zr, 1);
            continue;
        }
        if (!(w->diag[c] > 0.0)) continue; /* in the covariates' span */
        double lpj;
        if (!gene_variant_logp(g, c, &lpj)) continue;
        if (lpj == 0.0) continue; /* p = 1: left out, as ACAT_V does */
        w->lp[np] = lpj;
        w->lpw[np] = w->w[c] * w->w[c] * w->maf[c] * (1.0 - w->maf[c]);
        np++;
    }
    res->n_ultra_rare = n_rare;
    double lp_rare = NAN;
    if (n_rare > 0 && g->cc) {
        lp_rare = g->lp_rare_spa;
    } else if (n_rare > 0) {
        double zz = cblas_ddot(n, zr, 1, zr, 1);
        double zraw = 0.0;
        for (int c = 0; c < mk; c++)
            if (w->mac[c] <= opts->acatv_mac) zraw += w->raw[c];
        if (zz > BASIS_TOL * BASIS_TOL * zraw)
            lp_rare = pchisq(rare_u * rare_u / (2.0 * g->phi * zz), 1.0, 0, 1);
    }
    if (n_rare > 0 && np == 0 && !isnan(lp_rare)) {
        res->acatv_log_p = lp_rare; /* only very rare variants: burden */
        return;
    }
    if (!isnan(lp_rare) && lp_rare < 0.0) {
        double maf_bar = rare_maf / n_rare, wr;
        if (g->weights) {
            wr = rare_wsum / n_rare;
        } else {
            double b = duet_genetest_beta_weight(maf_bar, opts->beta_a, opts->beta_b);
            wr = b * b * maf_bar * (1.0 - maf_bar);
        }
        w->lp[np] = lp_rare;
        w->lpw[np] = wr;
        np++;
    }
    res->acatv_log_p = np > 0 ? duet_genetest_acat(w->lp, w->lpw, np) : 0.0;
}

/* 9. ACAT-O over burden, SKAT and ACAT-V; then leave out what was not
 * asked for. */
static void gene_combine(duet_genetest_result_t *res, unsigned tests)
{
    if (tests & DUET_GENETEST_ACATO) {
        double lps[3];
        int nl = 0;
        if (!isnan(res->burden_log_p)) lps[nl++] = res->burden_log_p;
        if (!isnan(res->skat_log_p)) lps[nl++] = res->skat_log_p;
        if (!isnan(res->acatv_log_p)) lps[nl++] = res->acatv_log_p;
        if (nl > 0) res->acato_log_p = duet_genetest_acat(lps, NULL, nl);
    }
    if (!(tests & DUET_GENETEST_BURDEN))
        res->burden_beta = res->burden_se = res->burden_chi2 = res->burden_log_p = NAN;
    if (!(tests & DUET_GENETEST_SKAT)) {
        res->skat_q = res->skat_log_p = NAN;
        res->skat_method = DUET_QF_NONE;
    }
    if (!(tests & DUET_GENETEST_ACATV)) res->acatv_log_p = NAN;
}

/* The exact tests (few carriers): burden's estimate and standard error as
 * the asymptotic test's, p-values exact. */
static duet_err_t gene_exact(gene_t *g)
{
    duet_genetest_result_t *res = g->res;
    if (g->burden_ok) {
        double info = 2.0 * g->s_tot;
        res->burden_beta = g->usum / info;
        res->burden_se = sqrt(g->phi / info);
    }
    duet_err_t err = exact_gene(g->null, g->w, g->geno, g->ldg, g->mk, g->nc, g->burden_ok,
                                g->weights, g->opts, res);
    if (err) return err;
    if (g->burden_ok) res->burden_chi2 = duet_dist_chisq1_from_logp(res->burden_log_p);
    return DUET_OK;
}

/* The asymptotic tests: SKAT, burden, SKAT-O, ACAT-V (steps 5-8). */
static duet_err_t gene_asymptotic(gene_t *g)
{
    duet_genetest_result_t *res = g->res;
    unsigned tests = g->opts->tests;
    int need_acatv = (tests & (DUET_GENETEST_ACATV | DUET_GENETEST_ACATO)) != 0;
    int need_skat = (tests & (DUET_GENETEST_SKAT | DUET_GENETEST_SKATO | DUET_GENETEST_ACATO)) != 0;
    int need_burden = (tests & (DUET_GENETEST_BURDEN | DUET_GENETEST_SKATO | DUET_GENETEST_ACATO)) != 0;
    if (need_skat) {
        duet_qf_pvalue_t pv;
        duet_genetest_qf_pvalue(g->q_skat, g->w->lam, g->r0, g->opts->acc, g->opts->lim, &pv);
        res->skat_q = g->q_skat;
        res->skat_log_p = pv.log_p;
        res->skat_method = pv.method;
    }
    if (need_burden && g->burden_ok) gene_burden(g);
    duet_err_t err;
    if ((tests & DUET_GENETEST_SKATO) && g->burden_ok && (err = gene_skato(g))) return err;
    if (need_acatv) gene_acatv(g);
    return DUET_OK;
}

duet_err_t duet_genetest_run(const duet_genetest_null_t *null,
                             const double *geno, int ldg, int m,
                             const double *weights,
                             const duet_genetest_opts_t *opts,
                             duet_genetest_work_t *w,
                             duet_genetest_result_t *res)
{
    duet_err_t err;
    result_clear(res);
    gene_t g = {
        .null = null, .geno = geno, .ldg = ldg, .weights = weights, .opts = opts,
        .w = w, .res = res, .n = null->n, .rank = null->rank,
    };
    if (m < 0 || (m > 0 && (!geno || ldg < g.n))) {
        duet_log_error("gene test: invalid genotype matrix (m=%d, ld=%d, n=%d)", m, ldg, g.n);
        return DUET_EINTERNAL;
    }
    if ((err = work_reserve(w, g.n, m > 0 ? m : 1, g.rank))) return err;
    if ((err = gene_variants(&g, m))) return err;
    if (g.mk == 0) {
        res->status = DUET_GENETEST_NO_VARIANTS;
        return DUET_OK;
    }
    if (gene_scores(&g) == 0) {
        res->status = DUET_GENETEST_COLLINEAR;
        return DUET_OK;
    }
    gene_carriers(&g);
    if (g.cc && !g.exact) gene_spa(&g);
    gene_kernel(&g);
    /* 5. SKAT: eigenvalues of the kernel */
    memcpy(w->tmp, w->kmat, sizeof(double) * (size_t)g.d * g.d);
    if ((err = kernel_lambda(w, w->tmp, g.d, g.floor_k, w->lam, &g.r0))) return err;
    res->n_lambda = g.r0;
    if (g.r0 == 0) {
        res->status = DUET_GENETEST_COLLINEAR;
        return DUET_OK;
    }
    g.burden_ok = g.s_tot > 1e-10 * g.trace_k;
    err = g.exact ? gene_exact(&g) : gene_asymptotic(&g);
    if (err) return err;
    gene_combine(res, opts->tests);
    return DUET_OK;
}
