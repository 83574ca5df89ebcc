/*
 * rng.c -- Philox4x32-10 counter-based generator and the distributions the
 * simulator and resampling code draw from.
 *
 * Philox follows Salmon et al. (SC 2011) and the Random123 reference
 * constants; the known-answer test lives in tests/unit/test_core.c.
 */
#include <math.h>

#include "duet/rng.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void duet_rng_philox(const uint32_t ctr_in[4], const uint32_t key_in[2], uint32_t out[4])
{
    uint32_t c0 = ctr_in[0], c1 = ctr_in[1], c2 = ctr_in[2], c3 = ctr_in[3];
    uint32_t k0 = key_in[0], k1 = key_in[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

void duet_rng_init(duet_rng_t *rng, uint64_t seed, uint64_t stream)
{
    rng->key[0] = (uint32_t)seed;
    rng->key[1] = (uint32_t)(seed >> 32);
    rng->ctr[0] = rng->ctr[1] = 0;
    rng->ctr[2] = (uint32_t)stream;
    rng->ctr[3] = (uint32_t)(stream >> 32);
    rng->used = 4;
    rng->have_normal = 0;
    rng->normal = 0;
}

uint32_t duet_rng_u32(duet_rng_t *rng)
{
    if (rng->used == 4) {
        duet_rng_philox(rng->ctr, rng->key, rng->out);
        if (++rng->ctr[0] == 0) ++rng->ctr[1];
        rng->used = 0;
    }
    return rng->out[rng->used++];
}

uint64_t duet_rng_u64(duet_rng_t *rng)
{
    uint64_t hi = duet_rng_u32(rng);
    return hi << 32 | duet_rng_u32(rng);
}

double duet_rng_uniform(duet_rng_t *rng)
{
    /* 53 random bits, shifted by half a step: never 0, never 1. */
    return ((double)(duet_rng_u64(rng) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t duet_rng_below(duet_rng_t *rng, uint64_t n)
{
    /* Lemire's rejection on the 64-bit product would need 128-bit ints;
     * plain rejection of the top partial range is simple and exact. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = duet_rng_u64(rng); while (x >= limit);
    return x % n;
}

double duet_rng_normal(duet_rng_t *rng)
{
    if (rng->have_normal) {
        rng->have_normal = 0;
        return rng->normal;
    }
    double u, v, s;
    do {
        u = 2.0 * duet_rng_uniform(rng) - 1.0;
        v = 2.0 * duet_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    rng->normal = v * f;
    rng->have_normal = 1;
    return u * f;
}

double duet_rng_exponential(duet_rng_t *rng) { return -log(duet_rng_uniform(rng)); }

double duet_rng_gamma(duet_rng_t *rng, double shape)
{
    if (shape < 1.0) {
        /* Gamma(a) = Gamma(a + 1) * U^(1/a) */
        double g = duet_rng_gamma(rng, shape + 1.0);
        return g * pow(duet_rng_uniform(rng), 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = duet_rng_normal(rng);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = duet_rng_uniform(rng);
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}

double duet_rng_beta(duet_rng_t *rng, double a, double b)
{
    double x = duet_rng_gamma(rng, a), y = duet_rng_gamma(rng, b);
    return x / (x + y);
}

uint64_t duet_rng_binomial(duet_rng_t *rng, uint64_t n, double p)
{
    if (p <= 0.0 || n == 0) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - duet_rng_binomial(rng, n, 1.0 - p);
    /* Successes are the trials hit by geometric jumps: exact, O(n p). */
    double log_q = log1p(-p);
    uint64_t count = 0;
    double pos = 0;
    for (;;) {
        pos += floor(log(duet_rng_uniform(rng)) / log_q) + 1.0;
        if (pos > (double)n) break;
        count++;
    }
    return count;
}

uint64_t duet_rng_poisson(duet_rng_t *rng, double mean)
{
    if (mean <= 0.0) return 0;
    if (mean < 30.0) {
        double limit = exp(-mean), prod = duet_rng_uniform(rng);
        uint64_t k = 0;
        while (prod > limit) {
            k++;
            prod *= duet_rng_uniform(rng);
        }
        return k;
    }
    /* Knuth, TAOCP vol. 2, 3.4.1: reduce through a gamma variate. */
    uint64_t m = (uint64_t)floor(0.875 * mean);
    double x = duet_rng_gamma(rng, (double)m);
    if (x < mean) return m + duet_rng_poisson(rng, mean - x);
    return duet_rng_binomial(rng, m - 1, mean / x);
}
