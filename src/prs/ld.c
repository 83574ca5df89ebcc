/*
 * ld.c -- r² between two variants from hard calls, the way plink 1.9's
 * --clump computes it: bit planes of the calls, the 3 x 3 two-locus table of
 * the samples called at both, and the maximum-likelihood haplotype
 * frequency of the pair, whose only unknown is how the double heterozygotes
 * are phased.  The likelihood's stationary points are the real roots of a
 * cubic (Hill 1974; plink 1.9 em_phase_hethet); the root with the highest
 * likelihood among those inside the feasible interval is taken, with plink
 * 1.9's tolerances and its choice among several roots, so that the same
 * pairs cross a threshold.
 */
#include <math.h>
#include <string.h>

#include "duet/ld.h"

/* plink 1.9's tolerances (plink_common.h): 2^-21, 2^-35, 2^-44. */
#define LD_EPSILON 0.000000476837158203125
#define LD_SMALLISH_EPSILON 0.00000000003552713678800500929355621337890625
#define LD_SMALL_EPSILON 0.00000000000005684341886080801486968994140625

int duet_ld_words(int n_samples)
{
    return (n_samples + 63) / 64;
}

/* One word of planes from samples beg..end-1 (end - beg <= 64), portable:
 * GT dosages are exactly 0, 1 or 2 (branch-free bits for those), anything
 * else (DS) rounded. */
static void word_generic(const double *dosage, const uint8_t *missing, int beg, int end,
                         uint64_t *b0, uint64_t *b1, uint64_t *b2)
{
    uint64_t c0 = 0, c1 = 0, c2 = 0, odd = 0;
    for (int i = beg; i < end; i++) {
        double d = dosage[i];
        uint64_t ok = missing ? !missing[i] : 1;
        uint64_t bit = UINT64_C(1) << (i - beg);
        c0 |= (uint64_t)(ok & (d == 0.0)) * bit;
        c1 |= (uint64_t)(ok & (d == 1.0)) * bit;
        c2 |= (uint64_t)(ok & (d == 2.0)) * bit;
        odd |= (uint64_t)(ok & (d != 0.0) & (d != 1.0) & (d != 2.0)) * bit;
    }
    for (int i = beg; odd && i < end; i++) {
        if (!(odd >> (i - beg) & 1)) continue;
        double d = dosage[i];
        if (!(d >= 0.0 && d <= 2.0)) continue;
        uint64_t bit = UINT64_C(1) << (i - beg);
        if (d < 0.5) c0 |= bit;
        else if (d < 1.5) c1 |= bit;
        else c2 |= bit;
    }
    *b0 = c0;
    *b1 = c1;
    *b2 = c2;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* 64 samples with AVX2: four doubles compared at a time, the comparison
 * masks gathered with movemask; missing bytes likewise.  Values that are
 * not exactly 0, 1 or 2 go to the portable path. */
__attribute__((target("avx2")))
static int word_avx2(const double *d, const uint8_t *missing, uint64_t *b0, uint64_t *b1,
                     uint64_t *b2)
{
    const __m256d zero = _mm256_set1_pd(0.0), one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0);
    uint64_t c0 = 0, c1 = 0, c2 = 0;
    for (int j = 0; j < 16; j++) {
        __m256d v = _mm256_loadu_pd(d + 4 * j);
        c0 |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v, zero, _CMP_EQ_OQ)) << (4 * j);
        c1 |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v, one, _CMP_EQ_OQ)) << (4 * j);
        c2 |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v, two, _CMP_EQ_OQ)) << (4 * j);
    }
    uint64_t miss = 0;
    if (missing) {
        const __m256i z8 = _mm256_setzero_si256();
        __m256i lo = _mm256_loadu_si256((const __m256i *)missing);
        __m256i hi = _mm256_loadu_si256((const __m256i *)(missing + 32));
        /* bytes equal to 0 are called */
        uint32_t called_lo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, z8));
        uint32_t called_hi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, z8));
        miss = ~((uint64_t)called_lo | (uint64_t)called_hi << 32);
    }
    /* a called value that is none of 0, 1, 2 (a DS dosage): not this path */
    if (~(c0 | c1 | c2) & ~miss) return 0;
    *b0 = c0 & ~miss;
    *b1 = c1 & ~miss;
    *b2 = c2 & ~miss;
    return 1;
}
#endif

int duet_ld_hardcalls(const double *dosage, const uint8_t *missing, int n_samples,
                      uint64_t *planes)
{
    int words = duet_ld_words(n_samples);
    uint64_t *p0 = planes, *p1 = planes + words, *p2 = planes + 2 * words;
#if defined(__x86_64__) && defined(__GNUC__)
    static int has_avx2 = -1;
    if (has_avx2 < 0) has_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
    int n_called = 0;
    for (int w = 0; w < words; w++) {
        int beg = w * 64, end = beg + 64 < n_samples ? beg + 64 : n_samples;
        int done = 0;
#if defined(__x86_64__) && defined(__GNUC__)
        if (has_avx2 && end - beg == 64)
            done = word_avx2(dosage + beg, missing ? missing + beg : NULL, &p0[w], &p1[w], &p2[w]);
#endif
        if (!done) word_generic(dosage, missing, beg, end, &p0[w], &p1[w], &p2[w]);
        n_called += __builtin_popcountll(p0[w]) + __builtin_popcountll(p1[w]) +
                    __builtin_popcountll(p2[w]);
    }
    return n_called;
}

/* The table with the CPU's popcount instruction where it has one: the same
 * loop compiled twice, chosen once. */
#define LD_TABLE_BODY                                                         \
    uint64_t acc[9] = {0};                                                    \
    const uint64_t *a0 = a, *a1 = a + words, *a2 = a + 2 * words;             \
    const uint64_t *b0 = b, *b1 = b + words, *b2 = b + 2 * words;             \
    for (int w = 0; w < words; w++) {                                         \
        acc[0] += __builtin_popcountll(a0[w] & b0[w]);                        \
        acc[1] += __builtin_popcountll(a0[w] & b1[w]);                        \
        acc[2] += __builtin_popcountll(a0[w] & b2[w]);                        \
        acc[3] += __builtin_popcountll(a1[w] & b0[w]);                        \
        acc[4] += __builtin_popcountll(a1[w] & b1[w]);                        \
        acc[5] += __builtin_popcountll(a1[w] & b2[w]);                        \
        acc[6] += __builtin_popcountll(a2[w] & b0[w]);                        \
        acc[7] += __builtin_popcountll(a2[w] & b1[w]);                        \
        acc[8] += __builtin_popcountll(a2[w] & b2[w]);                        \
    }                                                                         \
    for (int k = 0; k < 9; k++) counts[k] = (uint32_t)acc[k];

static void table_generic(const uint64_t *a, const uint64_t *b, int words, uint32_t counts[9])
{
    LD_TABLE_BODY
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt")))
static void table_popcnt(const uint64_t *a, const uint64_t *b, int words, uint32_t counts[9])
{
    LD_TABLE_BODY
}
#endif

void duet_ld_table(const uint64_t *a, const uint64_t *b, int words, uint32_t counts[9])
{
#if defined(__x86_64__) && defined(__GNUC__)
    static int has_popcnt = -1;
    if (has_popcnt < 0) has_popcnt = __builtin_cpu_supports("popcnt") ? 1 : 0;
    if (has_popcnt) {
        table_popcnt(a, b, words, counts);
        return;
    }
#endif
    table_generic(a, b, words, counts);
}

int duet_ld_cubic_roots(double a, double b, double c, double roots[3])
{
    /* Cardano / Viete: depressed cubic t^3 + p t + q with x = t - a/3,
     * written with Q = (a^2 - 3b)/9 and R = (2a^3 - 9ab + 27c)/54. */
    double a2 = a * a;
    double q = (a2 - 3.0 * b) / 9.0;
    double r = (2.0 * a2 * a - 9.0 * a * b + 27.0 * c) / 54.0;
    double r2 = r * r, q3 = q * q * q;
    double shift = a / 3.0;
    if (r2 < q3) { /* three real roots */
        double sq = sqrt(q);
        double theta = acos(r / (q * sq)) / 3.0;
        double m = -2.0 * sq;
        double x[3] = {m * cos(theta) - shift, m * cos(theta + 2.0 * M_PI / 3.0) - shift,
                       m * cos(theta - 2.0 * M_PI / 3.0) - shift};
        for (int i = 1; i < 3; i++) /* sort three values */
            for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
                double t = x[j];
                x[j] = x[j - 1];
                x[j - 1] = t;
            }
        roots[0] = x[0];
        if (x[1] - x[0] < LD_EPSILON) {
            roots[1] = x[2];
            return x[2] - x[0] < LD_EPSILON ? 1 : 2;
        }
        roots[1] = x[1];
        roots[2] = x[2];
        return x[2] - x[1] < LD_EPSILON ? 2 : 3;
    }
    double u = -cbrt(fabs(r) + sqrt(r2 - q3));
    if (u == 0.0) {
        roots[0] = -shift;
        return 1;
    }
    if (r < 0.0) u = -u;
    double v = q / u;
    roots[0] = u + v - shift;
    /* a double root when u and v (nearly) coincide */
    if (fabs(u - v) >= LD_EPSILON * 8) return 1;
    if (u >= 0.0) {
        roots[1] = roots[0];
        roots[0] = -u - shift;
    } else {
        roots[1] = -u - shift;
    }
    return 2;
}

/* Log-likelihood of the haplotype frequencies when `x` of the double
 * heterozygotes' share goes to the 11/22 phase. */
static double lnlike(const double known[4], double center, const double f[4], double half,
                     double x)
{
    double f11 = f[0] + x, f12 = f[1] + half - x, f21 = f[2] + half - x, f22 = f[3] + x;
    double ll = center * log(f11 * f22 + f12 * f21);
    if (known[0] != 0.0) ll += known[0] * log(f11);
    if (known[1] != 0.0) ll += known[1] * log(f12);
    if (known[2] != 0.0) ll += known[2] * log(f21);
    if (known[3] != 0.0) ll += known[3] * log(f22);
    return ll;
}

/* The candidate phase shares of the double heterozygotes: roots of the
 * likelihood equation inside [0, half], or the interval's ends. */
static void candidates(const double f[4], double half, double sol[3], int *start, int *end)
{
    double p1122 = f[0] * f[3], p1221 = f[1] * f[2];
    *start = 0;
    if (p1122 != 0.0 || p1221 != 0.0) {
        int n = duet_ld_cubic_roots(0.5 * (f[0] + f[3] - f[1] - f[2] - 3.0 * half),
                                    0.5 * (p1122 + p1221 + half * (f[1] + f[2] - f[0] - f[3] + half)),
                                    -0.5 * half * p1122, sol);
        while (n && sol[n - 1] > half + LD_SMALLISH_EPSILON) n--;
        while (*start < n && sol[*start] < -LD_SMALLISH_EPSILON) (*start)++;
        if (*start == n) { /* a double root at an end: compare the ends */
            *start = 0;
            n = 2;
            sol[0] = 0.0;
            sol[1] = half;
        } else {
            if (sol[*start] < 0.0) sol[*start] = 0.0;
            if (sol[n - 1] > half) sol[n - 1] = half;
        }
        *end = n;
        return;
    }
    sol[0] = 0.0;
    if (f[3] + LD_SMALLISH_EPSILON < half + f[2] && f[2] + LD_SMALLISH_EPSILON < half + f[3]) {
        sol[1] = (half + f[2] - f[3]) * 0.5;
        sol[2] = half;
        *end = 3;
    } else {
        sol[1] = half;
        *end = 2;
    }
}

int duet_ld_r2(const uint32_t c[9], double *r2)
{
    /* haplotypes known from every cell but the double heterozygotes (c[4]);
     * allele "1" is 0 ALT copies' allele, "2" the ALT */
    double known[4] = {2.0 * c[0] + c[1] + c[3], 2.0 * c[2] + c[1] + c[5],
                       2.0 * c[6] + c[3] + c[7], 2.0 * c[8] + c[5] + c[7]};
    double center = c[4];
    double twice_tot = known[0] + known[1] + known[2] + known[3] + 2.0 * center;
    if (twice_tot == 0.0) return 1;
    double f[4];
    for (int k = 0; k < 4; k++) f[k] = known[k] / twice_tot;
    double half = center / twice_tot;
    double f1x = f[0] + f[1] + half, f2x = 1.0 - f1x;
    double fx1 = f[0] + f[2] + half, fx2 = 1.0 - fx1;
    double f11 = f[0];
    if (center > 0.0) {
        double sol[3];
        int start, end;
        candidates(f, half, sol, &start, &end);
        double best = sol[start];
        if (end > start + 1) {
            /* plink 1.9 compares every later root with the first one's
             * likelihood (not with the best so far): the last root that beats
             * the first wins; kept so that the same root is chosen */
            double first_ll = lnlike(known, center, f, half, best);
            for (int k = start + 1; k < end; k++)
                if (lnlike(known, center, f, half, sol[k]) > first_ll) best = sol[k];
        }
        f11 += best;
    } else if (f[0] * f[3] == 0.0 && f[1] * f[2] == 0.0) {
        return 1;
    }
    double expected = fx1 * f1x;
    double d = f11 - expected;
    if (fabs(d) < LD_SMALL_EPSILON) {
        *r2 = 0.0;
        return 0;
    }
    *r2 = fabs(d) * d / (expected * f2x * fx2);
    return 0;
}
