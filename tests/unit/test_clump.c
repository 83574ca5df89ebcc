/*
 * test_clump.c -- unit tests of the LD measure (ld.h: hard-call planes, the
 * two-locus table, the cubic, r² from the ML haplotype frequencies) and of
 * the clumping rules (clump.h: window radius, p classes, the greedy step).
 */
#include <stdint.h>
#include <stdlib.h>

#include "duet/clump.h"
#include "duet/ld.h"
#include "unit.h"

/* r² by brute force: the phase share x of the double heterozygotes that
 * maximises the likelihood, over a fine grid refined by golden section. */
static double r2_brute(const uint32_t c[9])
{
    double k[4] = {2.0 * c[0] + c[1] + c[3], 2.0 * c[2] + c[1] + c[5], 2.0 * c[6] + c[3] + c[7],
                   2.0 * c[8] + c[5] + c[7]};
    double h = c[4], tot = k[0] + k[1] + k[2] + k[3] + 2 * h;
    double half = h / tot, f[4];
    for (int i = 0; i < 4; i++) f[i] = k[i] / tot;
#define LL(x) (h * log((f[0] + (x)) * (f[3] + (x)) + (f[1] + half - (x)) * (f[2] + half - (x))) + \
               (k[0] ? k[0] * log(f[0] + (x)) : 0) + (k[1] ? k[1] * log(f[1] + half - (x)) : 0) + \
               (k[2] ? k[2] * log(f[2] + half - (x)) : 0) + (k[3] ? k[3] * log(f[3] + (x)) : 0))
    double best = 0, bl = -INFINITY;
    for (int i = 0; i <= 20000; i++) {
        double x = half * i / 20000.0, l = LL(x);
        if (l > bl) { bl = l; best = x; }
    }
    double lo = best - half / 20000.0, hi = best + half / 20000.0;
    if (lo < 0) lo = 0;
    if (hi > half) hi = half;
    for (int it = 0; it < 200; it++) {
        double a = lo + (hi - lo) * 0.381966, b = lo + (hi - lo) * 0.618034;
        if (LL(a) < LL(b)) lo = a; else hi = b;
    }
    double x = 0.5 * (lo + hi);
#undef LL
    double f11 = f[0] + x, p1 = f[0] + f[1] + half, q1 = f[0] + f[2] + half;
    double d = f11 - p1 * q1;
    return d * fabs(d) / (p1 * (1 - p1) * q1 * (1 - q1));
}

static void test_cubic(void)
{
    double r[3];
    int n = duet_ld_cubic_roots(-6, 11, -6, r);
    CHECK(n == 3, "cubic (x-1)(x-2)(x-3): three roots");
    CHECK_NEAR(r[0], 1, 1e-12, "root 1");
    CHECK_NEAR(r[1], 2, 1e-12, "root 2");
    CHECK_NEAR(r[2], 3, 1e-12, "root 3");
    n = duet_ld_cubic_roots(0, -3, 2, r); /* (x-1)^2 (x+2) */
    CHECK(n == 2, "cubic with a double root: two roots");
    CHECK_NEAR(r[0], -2, 1e-9, "simple root -2");
    CHECK_NEAR(r[1], 1, 1e-6, "double root 1");
    n = duet_ld_cubic_roots(0, 1, 1, r);
    CHECK(n == 1, "x^3 + x + 1: one real root");
    CHECK_NEAR(r[0], -0.6823278038280193, 1e-12, "its value");
}

static void test_r2(void)
{
    /* no double heterozygotes: haplotypes known, r² = D^2 / (pA pa pB pb) */
    uint32_t c[9] = {10, 5, 0, 5, 0, 3, 0, 3, 4};
    double r2;
    CHECK(duet_ld_r2(c, &r2) == 0, "phase-known table: r² defined");
    double f11 = 30.0 / 60, pa = 38.0 / 60, d = f11 - pa * pa;
    CHECK_NEAR(r2, d * d / (pa * (1 - pa) * pa * (1 - pa)), 1e-12, "phase-known table: D^2/(pA pa pB pb)");
    uint32_t perfect[9] = {7, 0, 0, 0, 9, 0, 0, 0, 4};
    CHECK(duet_ld_r2(perfect, &r2) == 0, "identical variants: r² defined");
    CHECK_NEAR(r2, 1.0, 1e-9, "identical variants: r² = 1");
    uint32_t repulsion[9] = {0, 0, 6, 0, 9, 0, 5, 0, 0};
    CHECK(duet_ld_r2(repulsion, &r2) == 0, "complementary variants: r² defined");
    CHECK_NEAR(r2, -1.0, 1e-9, "complementary variants: signed r² = -1");
    uint32_t mono[9] = {5, 3, 2, 0, 0, 0, 0, 0, 0};
    CHECK(duet_ld_r2(mono, &r2) == 1, "a monomorphic variant: no r²");
    uint32_t none[9] = {0};
    CHECK(duet_ld_r2(none, &r2) == 1, "no sample called at both: no r²");
    /* double heterozygotes: the ML phase against brute-force maximisation */
    srand(7);
    double worst = 0;
    int n = 0;
    for (int t = 0; t < 300; t++) {
        uint32_t k[9];
        for (int i = 0; i < 9; i++) k[i] = (uint32_t)(rand() % 40);
        k[4] = 1 + (uint32_t)(rand() % 30);
        if (duet_ld_r2(k, &r2)) continue;
        double b = r2_brute(k);
        if (fabs(r2 - b) > worst) worst = fabs(r2 - b);
        n++;
    }
    CHECK(n > 250, "random tables with double heterozygotes");
    CHECK_NEAR(worst, 0, 1e-6, "r² of the ML phase = brute-force maximum of the likelihood");
}

static void test_planes(void)
{
    enum { N = 70 };
    double a[N], b[N];
    uint8_t ma[N] = {0};
    uint32_t want[9] = {0};
    for (int i = 0; i < N; i++) {
        a[i] = i % 3;
        b[i] = (i / 3) % 3;
        ma[i] = i % 11 == 5;
        if (!ma[i]) want[3 * (int)a[i] + (int)b[i]]++;
    }
    b[2] = 1.2; /* a dosage rounds to 1 */
    if (!ma[2]) {
        want[3 * (int)a[2] + 0]--;
        want[3 * (int)a[2] + 1]++;
    }
    int w = duet_ld_words(N);
    uint64_t pa[3 * 2], pb[3 * 2];
    CHECK(w == 2, "70 samples: two words");
    int called = duet_ld_hardcalls(a, ma, N, pa);
    CHECK(called == N - 6, "missing calls set no bit");
    CHECK(duet_ld_hardcalls(b, NULL, N, pb) == N, "all called without a mask");
    uint32_t c[9];
    duet_ld_table(pa, pb, w, c);
    int same = 1;
    for (int k = 0; k < 9; k++) same &= c[k] == want[k];
    CHECK(same, "two-locus table = direct count of the samples called at both");
}

static void test_rules(void)
{
    CHECK(duet_clump_bp_radius(250) == 249999, "250 kb: pairs at most 249,999 bp apart (plink 1.9)");
    CHECK(duet_clump_bp_radius(0.5) == 499, "0.5 kb: 499 bp");
    CHECK(duet_clump_histo_class(0.05) == 0 && duet_clump_histo_class(0.0499) == 1, "NSIG from p >= 0.05");
    CHECK(duet_clump_histo_class(0.01) == 1 && duet_clump_histo_class(0.001) == 2, "S05 [0.01, 0.05), S01 [0.001, 0.01)");
    CHECK(duet_clump_histo_class(1e-4) == 3 && duet_clump_histo_class(9.9e-5) == 4, "S001 [1e-4, 1e-3), S0001 below");
}

static void test_greedy(void)
{
    /* 0..6 in reference order; LD pairs 0-1, 1-2, 2-3, 4-5, 3-6 */
    double p[7] = {1e-3, 1e-6, 0.02, 1e-5, 0.5, 1e-3, 1e-5};
    double mlp[7];
    for (int i = 0; i < 7; i++) mlp[i] = -log10(p[i]);
    int pairs[][2] = {{0, 1}, {1, 2}, {2, 3}, {4, 5}, {3, 6}};
    /* adjacency of the variants with p <= 1e-3 (0, 1, 3, 5, 6), ascending */
    int64_t start[8] = {0};
    int adj[16], na = 0;
    for (int i = 0; i < 7; i++) {
        start[i] = na;
        if (p[i] > 1e-3) continue;
        for (int j = 0; j < 7; j++)
            for (int e = 0; e < 5; e++)
                if ((pairs[e][0] == i && pairs[e][1] == j) || (pairs[e][1] == i && pairs[e][0] == j))
                    adj[na++] = j;
    }
    start[7] = na;
    duet_clump_t *cl;
    int n, *mem;
    CHECK(duet_clump_greedy(7, p, mlp, 1e-3, start, adj, &cl, &n, &mem) == DUET_OK, "greedy runs");
    /* order: 1 (1e-6), then 3 and 6 (1e-5, 3 first by order), 0 and 5 (1e-3) */
    CHECK(n == 3, "three clumps: 1, 3, 5 (0 joined 1, 6 joined 3)");
    CHECK(n >= 3 && cl[0].index == 1 && cl[0].n_members == 2 && cl[0].members[0] == 0 &&
              cl[0].members[1] == 2, "index 1 takes 0 and 2");
    CHECK(n >= 3 && cl[1].index == 3 && cl[1].n_members == 1 && cl[1].members[0] == 6,
          "index 3 (tie with 6, earlier) takes 6 but not 2 (already clumped)");
    CHECK(n >= 3 && cl[2].index == 5 && cl[2].n_members == 1 && cl[2].members[0] == 4 &&
              cl[2].histo[0] == 1, "index 5 takes 4 (NSIG)");
    CHECK(cl[0].histo[1] == 1 && cl[0].histo[2] == 1, "classes of index 1: S05 (0.02), S01 (1e-3)");
    free(cl);
    free(mem);
    /* p underflowed to 0 in both: the larger -log10 p first, not the earlier */
    double p0[2] = {0.0, 0.0}, m0[2] = {320.0, 400.0};
    int64_t st0[3] = {0, 0, 0};
    CHECK(duet_clump_greedy(2, p0, m0, 1e-4, st0, adj, &cl, &n, &mem) == DUET_OK && n == 2 &&
              cl[0].index == 1, "p = 0 ties ordered by -log10 p");
    free(cl);
    free(mem);
    double p1[2] = {1e-5, 1e-5}, m1[2] = {4.9, 5.1};
    CHECK(duet_clump_greedy(2, p1, m1, 1e-4, st0, adj, &cl, &n, &mem) == DUET_OK && n == 2 &&
              cl[0].index == 0, "other ties in reference order (plink 1.9), whatever -log10 p says");
    free(cl);
    free(mem);
}

int main(void)
{
    test_cubic();
    test_r2();
    test_planes();
    test_rules();
    test_greedy();
    return unit_done();
}
