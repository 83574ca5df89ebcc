/*
 * rng.h -- a counter-based random number generator (Philox4x32-10).
 *
 * Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2,
 * 3", SC 2011 (Random123).  A stream is fixed by (seed, stream id): the key
 * is the seed and the stream id fills the upper half of the counter, so that
 * the block of work numbered `stream` draws the same numbers whichever thread
 * runs it.  Each stream has 2^64 draws of 128 bits.
 */
#ifndef DUET_RNG_H
#define DUET_RNG_H

#include <stdint.h>

typedef struct {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t out[4];
    int used; /* words of `out` already handed out (4 = refill) */
    int have_normal;
    double normal;
} duet_rng_t;

/* One Philox4x32-10 bijection: out = philox(ctr, key).  Exposed for the
 * known-answer tests. */
void duet_rng_philox(const uint32_t ctr[4], const uint32_t key[2],
                     uint32_t out[4]);

/* Start stream `stream` of seed `seed`. */
void duet_rng_init(duet_rng_t *rng, uint64_t seed, uint64_t stream);

uint32_t duet_rng_u32(duet_rng_t *rng);
uint64_t duet_rng_u64(duet_rng_t *rng);
/* Uniform on the open interval (0, 1), 53-bit resolution. */
double duet_rng_uniform(duet_rng_t *rng);
/* Uniform integer in [0, n), n >= 1, without modulo bias. */
uint64_t duet_rng_below(duet_rng_t *rng, uint64_t n);
/* Standard normal (Marsaglia polar method). */
double duet_rng_normal(duet_rng_t *rng);
/* Exponential with rate 1. */
double duet_rng_exponential(duet_rng_t *rng);
/* Gamma(shape, 1), shape > 0 (Marsaglia and Tsang 2000). */
double duet_rng_gamma(duet_rng_t *rng, double shape);
/* Beta(a, b) through two gammas. */
double duet_rng_beta(duet_rng_t *rng, double a, double b);
/* Binomial(n, p); inversion for small n*p, normal-free BTPE-less rejection
 * otherwise (exact: sum of geometric gaps). */
uint64_t duet_rng_binomial(duet_rng_t *rng, uint64_t n, double p);
/* Poisson(mean) by summing exponential gaps (mean < 50) or via binomial
 * splitting; exact in distribution. */
uint64_t duet_rng_poisson(duet_rng_t *rng, double mean);

#endif
