/*
 * gig.c -- the generalized inverse Gaussian distribution GIG(p, a, b),
 * density proportional to x^(p-1) exp(-(a x + b/x) / 2): draws by
 * Devroye's rejection sampler for log-concave densities applied to the
 * log of the two-parameter form (L. Devroye, "Random variate generation
 * for the generalized inverse Gaussian distribution", Statistics and
 * Computing 24:239-246, 2014), the sampler PRS-CS uses (gigrnd.py); and
 * its first two moments from Bessel functions, for the tests.
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <math.h>

#include "duet/prs_bayes.h"

/* log density of the two-parameter form on the log scale, shifted so that
 * psi(0) = 0: -alpha (cosh x - 1) - lambda (e^x - x - 1) */
static double gig_psi(double x, double alpha, double lambda)
{
    return -alpha * (cosh(x) - 1.0) - lambda * (exp(x) - x - 1.0);
}

static double gig_dpsi(double x, double alpha, double lambda)
{
    return -alpha * sinh(x) - lambda * (exp(x) - 1.0);
}

/* Devroye's choice of the two cut points t (right) and s (left). */
static void gig_cuts(double alpha, double lambda, double *t, double *s)
{
    double x = -gig_psi(1.0, alpha, lambda);
    if (x >= 0.5 && x <= 2.0) *t = 1.0;
    else if (x > 2.0) *t = alpha == 0 && lambda == 0 ? 1.0 : sqrt(2.0 / (alpha + lambda));
    else *t = alpha == 0 && lambda == 0 ? 1.0 : log(4.0 / (alpha + 2.0 * lambda));

    x = -gig_psi(-1.0, alpha, lambda);
    if (x >= 0.5 && x <= 2.0) {
        *s = 1.0;
    } else if (x > 2.0) {
        *s = alpha == 0 && lambda == 0 ? 1.0 : sqrt(4.0 / (alpha * cosh(1.0) + lambda));
    } else if (alpha == 0 && lambda == 0) {
        *s = 1.0;
    } else if (alpha == 0) {
        *s = 1.0 / lambda;
    } else {
        double s2 = log(1.0 + 1.0 / alpha + sqrt(1.0 / (alpha * alpha) + 2.0 / alpha));
        *s = lambda == 0 ? s2 : fmin(1.0 / lambda, s2);
    }
}

double duet_gig_draw(duet_rng_t *rng, double p, double a, double b)
{
    double omega = sqrt(a * b);
    if (!(omega > 1e-12)) {
        /* b -> 0 with p > 0: Gamma(p, rate a / 2) */
        return duet_rng_gamma(rng, p) * 2.0 / a;
    }
    double lambda = fabs(p);
    int swap = p < 0;
    double alpha = sqrt(omega * omega + lambda * lambda) - lambda;
    double t, s;
    gig_cuts(alpha, lambda, &t, &s);
    double eta = -gig_psi(t, alpha, lambda), zeta = -gig_dpsi(t, alpha, lambda);
    double theta = -gig_psi(-s, alpha, lambda), xi = gig_dpsi(-s, alpha, lambda);
    double pp = 1.0 / xi, r = 1.0 / zeta;
    double td = t - r * eta, sd = s - pp * theta, q = td + sd;
    double x;
    for (;;) {
        double u = duet_rng_uniform(rng), v = duet_rng_uniform(rng), w = duet_rng_uniform(rng);
        if (u < q / (pp + q + r)) x = -sd + q * v;
        else if (u < (q + r) / (pp + q + r)) x = td - r * log(v);
        else x = -sd + pp * log(v);
        double g;
        if (x >= -sd && x <= td) g = 1.0;
        else if (x > td) g = exp(-eta - zeta * (x - t));
        else g = exp(-theta + xi * (x + s));
        if (w * g <= exp(gig_psi(x, alpha, lambda))) break;
    }
    /* back to GIG(lambda, omega), then to the three-parameter form */
    double y = exp(x) * (lambda / omega + sqrt(1.0 + lambda * lambda / (omega * omega)));
    if (swap) y = 1.0 / y;
    return y / sqrt(a / b);
}

double duet_gig_mean(double p, double a, double b)
{
    double w = sqrt(a * b);
    /* expo = 2: exp(w) K(w), whose ratios are those of K */
    return sqrt(b / a) * bessel_k(w, p + 1, 2) / bessel_k(w, p, 2);
}

double duet_gig_var(double p, double a, double b)
{
    double w = sqrt(a * b);
    double k0 = bessel_k(w, p, 2);
    double m1 = sqrt(b / a) * bessel_k(w, p + 1, 2) / k0;
    double m2 = (b / a) * bessel_k(w, p + 2, 2) / k0;
    return m2 - m1 * m1;
}
