/*
 * test_meta.c -- unit tests of duet meta's statistics and variant keys
 * (meta.h) on values checkable by hand, with R's metafor for the
 * three-study case (the R lines are in the comment at the end).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duet/dist.h"
#include "duet/meta.h"
#include "unit.h"

static void test_two_studies(void)
{
    /* b = 1, 3 with se 1, 1: beta 2, se 1/sqrt(2); Q = 1 + 1 = 2 on 1 df;
     * I^2 = (2 - 1) / 2 = 50%; tau^2 = (Q - df) / (sum w - sum w^2 / sum w)
     * = 1 / (2 - 1) = 1; random-effects weights 1/2 each: beta 2, se 1 */
    const double b[] = { 1, 3 }, se[] = { 1, 1 };
    duet_meta_ivw_t r;
    duet_meta_ivw(b, se, 2, &r);
    CHECK(r.k == 2, "k");
    CHECK_NEAR(r.beta, 2, 1e-15, "FE beta = mean");
    CHECK_NEAR(r.se, sqrt(0.5), 1e-15, "FE se = 1/sqrt(2)");
    CHECK_NEAR(r.z, 2 * sqrt(2), 1e-14, "FE z = 2 sqrt(2)");
    CHECK_NEAR(r.log_p, -5.3649412646166379, 1e-12, "FE ln p = ln 2 pnorm(-2 sqrt 2)");
    CHECK_NEAR(r.q, 2, 1e-15, "Q = 2");
    CHECK_NEAR(r.q_log_p, -1.8496055099332525, 1e-12, "ln P(chi2_1 > 2)");
    CHECK_NEAR(r.i2, 50, 1e-13, "I^2 = 50%");
    CHECK_NEAR(r.tau2, 1, 1e-15, "tau^2 = 1");
    CHECK_NEAR(r.re_beta, 2, 1e-15, "RE beta");
    CHECK_NEAR(r.re_se, 1, 1e-15, "RE se = 1");
    CHECK_NEAR(r.re_log_p, -3.0900371531220863, 1e-12, "RE ln p = ln 2 pnorm(-2)");
}

static void test_three_studies(void)
{
    /* weights 100, 25, 100/9: beta = 113/490, se = 3/35; Q on 2 df has
     * ln p = -Q/2 exactly */
    const double b[] = { 0.2, 0.5, -0.1 }, se[] = { 0.1, 0.2, 0.3 };
    duet_meta_ivw_t r;
    duet_meta_ivw(b, se, 3, &r);
    CHECK_NEAR(r.beta, 113.0 / 490, 1e-15, "FE beta = 113/490");
    CHECK_NEAR(r.se, 3.0 / 35, 1e-15, "FE se = 3/35");
    CHECK_NEAR(r.log_p, -4.942741258563462, 1e-12, "FE ln p (metafor)");
    CHECK_NEAR(r.q, 3.1224489795918369, 1e-13, "Q (metafor)");
    CHECK_NEAR(r.q_log_p, -r.q / 2, 1e-13, "ln p of Q on 2 df = -Q/2");
    CHECK_NEAR(r.i2, 35.947712418300654, 1e-11, "I^2 (metafor)");
    CHECK_NEAR(r.tau2, 0.019642857142857153, 1e-15, "DL tau^2 (metafor)");
    CHECK_NEAR(r.re_beta, 0.23847215018044163, 1e-15, "DL beta (metafor)");
    CHECK_NEAR(r.re_se, 0.12950811795271874, 1e-15, "DL se (metafor)");
    CHECK_NEAR(r.re_log_p, -2.7246736557212516, 1e-12, "DL ln p (metafor)");
}

static void test_edges(void)
{
    duet_meta_ivw_t r;
    const double b1[] = { 0.5 }, s1[] = { 0.25 };
    duet_meta_ivw(b1, s1, 1, &r);
    CHECK_NEAR(r.beta, 0.5, 0, "one study: its beta");
    CHECK_NEAR(r.se, 0.25, 1e-16, "one study: its se");
    CHECK(isnan(r.q) && isnan(r.i2) && isnan(r.tau2) && isnan(r.re_beta),
          "one study: no heterogeneity or random effects");
    /* Q below its degrees of freedom: I^2 and tau^2 truncated at 0, random
     * effects equal fixed effects */
    const double b2[] = { 1, 1.1 }, s2[] = { 1, 1 };
    duet_meta_ivw(b2, s2, 2, &r);
    CHECK_NEAR(r.q, 0.005, 1e-15, "Q = 0.005");
    CHECK(r.i2 == 0 && r.tau2 == 0, "I^2 = tau^2 = 0 when Q < df");
    CHECK(r.re_beta == r.beta && r.re_se == r.se, "tau^2 = 0: RE = FE");
    duet_meta_ivw(b2, s2, 0, &r);
    CHECK(isnan(r.beta) && isnan(r.log_p), "no study: NAN");
}

static void test_samplesize(void)
{
    double z, lp;
    const double z1[] = { 1, 1 }, n1[] = { 100, 100 };
    duet_meta_samplesize(z1, n1, 2, &z, &lp);
    CHECK_NEAR(z, sqrt(2), 1e-15, "Z = (10 + 10) / sqrt(200)");
    const double z2[] = { 2, -1 }, n2[] = { 100, 400 };
    duet_meta_samplesize(z2, n2, 2, &z, &lp);
    CHECK_NEAR(z, 0, 1e-15, "Z = (10 * 2 - 20) / sqrt(500) = 0");
    CHECK_NEAR(lp, 0, 1e-15, "p = 1");
    CHECK_NEAR(duet_meta_z_from_logp(log(0.05), 1), 1.959963984540054, 1e-12, "z of p 0.05");
    CHECK_NEAR(duet_meta_z_from_logp(log(0.05), -3), -1.959963984540054, 1e-12, "sign of beta");
    CHECK_NEAR(duet_meta_z_from_logp(duet_dist_logp_z2(50), 1), 50, 1e-9,
               "z = 50 back from ln p (p ~ 1e-545)");
    CHECK(duet_meta_z_from_logp(0, NAN) == 0, "p = 1: z = 0 whatever the sign");
    CHECK(isnan(duet_meta_z_from_logp(log(0.5), 0)), "beta 0 with p < 1: no z");
    CHECK_NEAR(duet_meta_gc_factor(1.21), 1.1, 1e-15, "GC factor sqrt(1.21)");
    CHECK(duet_meta_gc_factor(0.9) == 1, "lambda below 1: no correction");
    CHECK(duet_meta_gc_factor(NAN) == 1, "no lambda: no correction");
}

static void test_keys(void)
{
    CHECK(duet_meta_chrom_rank("1") == 1 && duet_meta_chrom_rank("chr22") == 22, "1, chr22");
    CHECK(duet_meta_chrom_rank("X") == 23 && duet_meta_chrom_rank("chrX") == 23 &&
              duet_meta_chrom_rank("23") == 23, "X = chrX = 23");
    CHECK(duet_meta_chrom_rank("MT") == 26 && duet_meta_chrom_rank("chrM") == 26, "MT = chrM");
    CHECK(duet_meta_chrom_rank("27") == 1000 && duet_meta_chrom_rank("GL000192.1") == 1000,
          "other names after MT");
    char buf[32];
    duet_meta_chrom_name("chr23", buf, sizeof buf);
    CHECK_STR(buf, "X", "chr23 written X");
    duet_meta_chrom_name("chrM", buf, sizeof buf);
    CHECK_STR(buf, "MT", "chrM written MT");
    duet_meta_chrom_name("chrUn_gl000220", buf, sizeof buf);
    CHECK_STR(buf, "Un_gl000220", "other names without the prefix");
    CHECK(duet_meta_key_cmp(2, "2", 100, 10, "10", 5) < 0, "2 before 10 (numeric order)");
    CHECK(duet_meta_key_cmp(1, "1", 200, 1, "1", 100) > 0, "positions ascending");
    CHECK(duet_meta_key_cmp(1, "1", 100, 1, "1", 100) == 0, "same key");
    CHECK(duet_meta_key_cmp(1000, "GL1", 900, 1000, "GL2", 1) < 0, "other names by bytes");
    CHECK(duet_meta_key_cmp(26, "MT", 1, 1000, "GL1", 1) < 0, "MT before other names");
}

static void test_align(void)
{
    CHECK(duet_meta_align("A", "G", "A", "G") == 1, "same alleles");
    CHECK(duet_meta_align("G", "A", "A", "G") == -1, "swapped");
    CHECK(duet_meta_align("T", "C", "A", "G") == 2, "other strand");
    CHECK(duet_meta_align("C", "T", "A", "G") == 2, "other strand, swapped");
    CHECK(duet_meta_align("A", "T", "A", "T") == 1, "A/T as written");
    CHECK(duet_meta_align("T", "A", "A", "T") == -1, "A/T swapped (ambiguous: as written)");
    CHECK(duet_meta_align("A", "C", "A", "G") == 0, "another ALT: another variant");
    CHECK(duet_meta_align("AT", "A", "A", "AT") == -1, "indel swapped");
    CHECK(duet_meta_align("TA", "T", "AT", "A") == 0, "indels: no strand test");
    CHECK(duet_meta_align("C", "G", "G", "C") == -1, "C/G swapped");
}

/* The formatter against printf's %.10g over values of every magnitude. */
static void test_format(void)
{
    static const double fixed[] = { 1, -1, 0.5, 0.1, 1e-5, 1.5e-5, 0.0001, 123456789,
                                    1234567890, 12345678901.0, 9.9999999995, 9.99999999949,
                                    0.30000000000000004, 1e300, 2.5e-300, 4.9e-324, 75, 8,
                                    0.0075, 6.928203230275509, -0.000123456789012 };
    char a[64], b[64];
    int same = 1;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        duet_meta_format_g10(fixed[i], a);
        snprintf(b, sizeof b, "%.10g", fixed[i]);
        if (strcmp(a, b)) { printf("#   %.17g: '%s' vs printf '%s'\n", fixed[i], a, b); same = 0; }
    }
    CHECK(same, "format_g10 == printf %.10g on edge values");
    duet_meta_format_g10(0.0, a);
    CHECK_STR(a, "0", "zero");
    duet_meta_format_g10(-0.0, a);
    CHECK_STR(a, "0", "-0 written 0");
    /* random values over 600 orders of magnitude */
    uint64_t s = 7;
    int n_diff = 0, n_far = 0;
    for (int i = 0; i < 200000; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double mant = (double)(s >> 11) / 9007199254740992.0;
        double v = (mant + 0.1) * pow(10.0, (double)((int)(s % 601) - 300)) * (s & 1 ? 1 : -1);
        duet_meta_format_g10(v, a);
        snprintf(b, sizeof b, "%.10g", v);
        if (strcmp(a, b)) {
            n_diff++;
            if (fabs(strtod(a, NULL) - strtod(b, NULL)) > 1.0000001e-9 * fabs(v)) n_far++;
        }
    }
    CHECK(n_diff <= 2, "format_g10 == printf on 200,000 random values (ties aside)");
    CHECK(n_far == 0, "any difference within one unit of the 10th digit");
}

int main(void)
{
    test_format();
    test_two_studies();
    test_three_studies();
    test_edges();
    test_samplesize();
    test_keys();
    test_align();
    return unit_done();
}

/*
 * R 4.2, metafor 3.8-1:
 *   b <- c(0.2, 0.5, -0.1); s <- c(0.1, 0.2, 0.3)
 *   f <- rma(b, sei = s, method = "FE"); d <- rma(b, sei = s, method = "DL")
 *   c(f$b, f$se, log(f$pval), f$QE, f$I2, d$tau2, d$b, d$se, log(d$pval))
 *   log(2 * pnorm(-2 * sqrt(2))); log(2 * pnorm(-2)); log(pchisq(2, 1, lower.tail = FALSE))
 */
