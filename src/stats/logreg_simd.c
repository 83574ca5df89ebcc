/*
 * logreg_simd.c -- the one-pass evaluation of a narrow logistic fit
 * (logreg.c's evaluate_fused and firth_score) on four samples at a time
 * with AVX2 and FMA, the exponential and logarithm from glibc's vector
 * math library (libmvec: _ZGVdN4v_exp, _ZGVdN4v_log, within 4 ulp).  The
 * lanes' sums are added in a fixed order at the end, so that a result
 * depends on the machine's kernel, never on threads.  logreg.c chooses it
 * at run time (DUET_SIMD=sse2 in the environment keeps the scalar loop).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logreg_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__m256d _ZGVdN4v_exp(__m256d x);
__m256d _ZGVdN4v_log(__m256d x);

int logreg_simd_available(void)
{
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        const char *env = getenv("DUET_SIMD");
        int ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        level = ok && !(env && !strcmp(env, "sse2"));
    }
    return level;
}

__attribute__((target("avx2,fma"))) static inline double hsum(__m256d v)
{
    double a[4];
    _mm256_storeu_pd(a, v);
    return (a[0] + a[1]) + (a[2] + a[3]);
}

/* Rows 4i..4i+3: returns the number of rows done (a multiple of 4). */
__attribute__((target("avx2,fma"), always_inline)) static inline int
eval_p(const logreg_pass_t *ps, const double *beta, int p, double *info, double *u, double *ll)
{
    int n = ps->n;
    const double *d[LOGREG_FUSED_MAX_P];
    __m256d vb[LOGREG_FUSED_MAX_P], vu[LOGREG_FUSED_MAX_P];
    __m256d vi[LOGREG_FUSED_MAX_P * LOGREG_FUSED_MAX_P];
    for (int j = 0; j < p; j++) {
        d[j] = ps->d + (size_t)n * j;
        vb[j] = _mm256_set1_pd(beta[j]);
        vu[j] = _mm256_setzero_pd();
        for (int k = 0; k <= j; k++) vi[p * k + j] = _mm256_setzero_pd();
    }
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    const __m256d sign = _mm256_set1_pd(-0.0);
    __m256d vll = zero, prod = one;
    int in_prod = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d row[LOGREG_FUSED_MAX_P], eta = zero;
        for (int j = 0; j < p; j++) {
            row[j] = _mm256_loadu_pd(d[j] + i);
            eta = _mm256_fmadd_pd(row[j], vb[j], eta);
        }
        __m256d t = _ZGVdN4v_exp(_mm256_or_pd(eta, sign)); /* e^-|eta| */
        __m256d opt = _mm256_add_pd(one, t);
        __m256d inv = _mm256_div_pd(one, opt);
        __m256d pos = _mm256_cmp_pd(eta, zero, _CMP_GE_OQ);
        __m256d mu = _mm256_blendv_pd(_mm256_mul_pd(t, inv), inv, pos);
        __m256d w = _mm256_fnmadd_pd(mu, mu, mu);
        __m256d y = _mm256_loadu_pd(ps->y + i);
        __m256d r = _mm256_sub_pd(y, mu);
        _mm256_storeu_pd(ps->mu + i, mu);
        _mm256_storeu_pd(ps->w + i, w);
        vll = _mm256_add_pd(vll, _mm256_fmsub_pd(y, eta, _mm256_max_pd(eta, zero)));
        prod = _mm256_mul_pd(prod, opt);
        if (++in_prod == 16) {
            vll = _mm256_sub_pd(vll, _ZGVdN4v_log(prod));
            prod = one;
            in_prod = 0;
        }
        for (int j = 0; j < p; j++) {
            __m256d wj = _mm256_mul_pd(w, row[j]);
            vu[j] = _mm256_fmadd_pd(r, row[j], vu[j]);
            for (int k = 0; k <= j; k++) vi[p * k + j] = _mm256_fmadd_pd(wj, row[k], vi[p * k + j]);
        }
    }
    vll = _mm256_sub_pd(vll, _ZGVdN4v_log(prod));
    *ll = hsum(vll);
    for (int j = 0; j < p; j++) {
        u[j] = hsum(vu[j]);
        for (int k = 0; k <= j; k++) info[p * k + j] = hsum(vi[p * k + j]);
    }
    return i;
}

__attribute__((target("avx2,fma"))) int logreg_eval_avx2(const logreg_pass_t *ps,
                                                         const double *beta, double *info,
                                                         double *u, double *ll)
{
    switch (ps->p) {
    case 1: return eval_p(ps, beta, 1, info, u, ll);
    case 2: return eval_p(ps, beta, 2, info, u, ll);
    case 3: return eval_p(ps, beta, 3, info, u, ll);
    case 4: return eval_p(ps, beta, 4, info, u, ll);
    default: return eval_p(ps, beta, 5, info, u, ll);
    }
}

__attribute__((target("avx2,fma"), always_inline)) static inline int
firth_p(const logreg_pass_t *ps, const double *l, int p, double *u)
{
    int n = ps->n;
    const double *d[LOGREG_FUSED_MAX_P];
    __m256d vl[LOGREG_FUSED_MAX_P * LOGREG_FUSED_MAX_P], vinv[LOGREG_FUSED_MAX_P];
    __m256d vu[LOGREG_FUSED_MAX_P];
    for (int j = 0; j < p; j++) {
        d[j] = ps->d + (size_t)n * j;
        vinv[j] = _mm256_set1_pd(1.0 / l[(size_t)p * j + j]);
        vu[j] = _mm256_setzero_pd();
        for (int k = 0; k < j; k++) vl[p * k + j] = _mm256_set1_pd(l[(size_t)p * k + j]);
    }
    const __m256d half = _mm256_set1_pd(0.5);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d row[LOGREG_FUSED_MAX_P], z[LOGREG_FUSED_MAX_P], q = _mm256_setzero_pd();
        for (int j = 0; j < p; j++) {
            row[j] = _mm256_loadu_pd(d[j] + i);
            __m256d v = row[j];
            for (int k = 0; k < j; k++) v = _mm256_fnmadd_pd(vl[p * k + j], z[k], v);
            z[j] = _mm256_mul_pd(v, vinv[j]);
            q = _mm256_fmadd_pd(z[j], z[j], q);
        }
        __m256d mu = _mm256_loadu_pd(ps->mu + i), w = _mm256_loadu_pd(ps->w + i);
        __m256d y = _mm256_loadu_pd(ps->y + i);
        __m256d h = _mm256_mul_pd(w, q);
        __m256d r = _mm256_fmadd_pd(h, _mm256_sub_pd(half, mu), _mm256_sub_pd(y, mu));
        for (int j = 0; j < p; j++) vu[j] = _mm256_fmadd_pd(r, row[j], vu[j]);
    }
    for (int j = 0; j < p; j++) u[j] = hsum(vu[j]);
    return i;
}

__attribute__((target("avx2,fma"))) int logreg_firth_avx2(const logreg_pass_t *ps,
                                                          const double *l, double *u)
{
    switch (ps->p) {
    case 1: return firth_p(ps, l, 1, u);
    case 2: return firth_p(ps, l, 2, u);
    case 3: return firth_p(ps, l, 3, u);
    case 4: return firth_p(ps, l, 4, u);
    default: return firth_p(ps, l, 5, u);
    }
}

#else

int logreg_simd_available(void) { return 0; }
int logreg_eval_avx2(const logreg_pass_t *ps, const double *beta, double *info, double *u,
                     double *ll)
{
    (void)ps; (void)beta; (void)info; (void)u; (void)ll;
    return 0;
}
int logreg_firth_avx2(const logreg_pass_t *ps, const double *l, double *u)
{
    (void)ps; (void)l; (void)u;
    return 0;
}

#endif
