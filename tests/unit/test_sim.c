/*
 * test_sim.c -- unit tests of the simulator's kernels: the allele-frequency
 * spectrum, the haplotype-block generator (frequencies, LD, rare-variant
 * backgrounds, population drift, missingness, determinism), the gene table
 * reader and the civil-date helpers.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duet/core.h"
#include "duet/err.h"
#include "duet/rng.h"
#include "duet/sim.h"
#include "unit.h"

static void test_maf_spectrum(void)
{
    duet_rng_t r;
    duet_rng_init(&r, 7, 0);
    const int n = 200000, samples = 20000;
    int rare = 0, in_range = 1, rare_low = 0, common_low = 0;
    double lo = 0.5 / (2.0 * samples);
    for (int i = 0; i < n; i++) {
        double f = duet_sim_draw_maf(&r, samples);
        in_range &= f >= lo && f <= 0.5;
        if (f < DUET_SIM_RARE_MAF) {
            rare++;
            rare_low += f < sqrt(lo * DUET_SIM_RARE_MAF); /* log-uniform: half below */
        } else {
            common_low += f < sqrt(DUET_SIM_RARE_MAF * 0.5);
        }
    }
    CHECK(in_range, "MAF within [0.5/(2N), 0.5]");
    CHECK_NEAR((double)rare / n, DUET_SIM_RARE_FRACTION, 0.005, "70% of variants are rare");
    CHECK_NEAR((double)rare_low / rare, 0.5, 0.01, "rare part is log-uniform (1/f)");
    CHECK_NEAR((double)common_low / (n - rare), 0.5, 0.01, "common part is log-uniform (1/f)");
    /* a small cohort: the floor is 1 / (4N) */
    int below = 0;
    for (int i = 0; i < 10000; i++) below += duet_sim_draw_maf(&r, 100) < 0.5 / 200.0;
    CHECK(below == 0, "no MAF below 0.5/(2N) for N = 100");
}

static double af(const uint8_t *a, int n_haps)
{
    long s = 0;
    for (int h = 0; h < n_haps; h++) s += a[h];
    return (double)s / n_haps;
}

static double r2(const uint8_t *a, const uint8_t *b, int n_samples)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n_samples; i++) {
        double x = a[2 * i] + a[2 * i + 1], y = b[2 * i] + b[2 * i + 1];
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
    }
    double n = n_samples, cxy = sxy / n - sx / n * sy / n;
    double vx = sxx / n - sx / n * sx / n, vy = syy / n - sy / n * sy / n;
    return vx > 0 && vy > 0 ? cxy * cxy / (vx * vy) : 0;
}

static void test_hapgen(void)
{
    const int N = 2000, H = 2 * N, blocks = 300;
    double *anc = malloc((size_t)N * 2 * sizeof *anc);
    for (int i = 0; i < N; i++) { /* half population 0, half population 1 */
        anc[2 * i] = i < N / 2;
        anc[2 * i + 1] = i >= N / 2;
    }
    duet_sim_pop_t pop = { N, 2, anc, 8, 0.04, 0.0 };
    duet_sim_hapgen_t *g = NULL;
    CHECK(duet_sim_hapgen_create(&pop, 6, &g) == DUET_OK, "generator created");
    duet_sim_pop_t bad = pop;
    bad.n_founders = 40;
    duet_sim_hapgen_t *g2 = NULL;
    CHECK(duet_sim_hapgen_create(&bad, 6, &g2) == DUET_EINTERNAL && !g2, "too many founders refused");

    duet_sim_site_t sites[6] = {
        { 0.30, 0, 0.0 }, { 0.30, 0, 0.0 }, { 0.10, 0, 0.02 },
        { 0.002, 0, 0.0 }, { 0.20, 1, 0.0 }, { 0.0005, 0, 0.0 },
    };
    double sum_af[6] = { 0 }, sum_r2_same = 0, sum_r2_far = 0, sum_diff = 0, miss = 0;
    int rare_one_background = 1, rare_polymorphic = 1;
    uint8_t *prev = malloc((size_t)H);
    for (int b = 0; b < blocks; b++) {
        duet_rng_t r;
        duet_rng_init(&r, 3, (uint64_t)b);
        duet_sim_hapgen_block(g, sites, 6, &r);
        for (int s = 0; s < 6; s++) sum_af[s] += af(duet_sim_hapgen_alleles(g, s), H);
        sum_r2_same += r2(duet_sim_hapgen_alleles(g, 0), duet_sim_hapgen_alleles(g, 1), N);
        if (b > 0) sum_r2_far += r2(duet_sim_hapgen_alleles(g, 0), prev, N);
        memcpy(prev, duet_sim_hapgen_alleles(g, 1), (size_t)H);
        /* population drift: ALT frequency in each half */
        const uint8_t *a0 = duet_sim_hapgen_alleles(g, 0);
        double p0 = af(a0, N), p1 = af(a0 + N, N);
        sum_diff += fabs(p0 - p1);
        /* rare alleles sit on one founder background */
        const uint8_t *fo = duet_sim_hapgen_founders(g);
        for (int s = 3; s <= 5; s += 2) {
            const uint8_t *a = duet_sim_hapgen_alleles(g, s);
            int bg = -1, carriers = 0;
            for (int h = 0; h < H; h++) {
                if (!a[h]) continue;
                carriers++;
                if (bg < 0) bg = fo[h];
                else if (fo[h] != bg) rare_one_background = 0;
            }
            if (carriers == 0) rare_polymorphic = 0;
        }
        const uint8_t *m = duet_sim_hapgen_missing(g, 2);
        for (int i = 0; i < N; i++) miss += m[i];
    }
    CHECK_NEAR(sum_af[0] / blocks, 0.30, 0.01, "common site: mean AF = target");
    CHECK_NEAR(sum_af[2] / blocks, 0.10, 0.005, "common site 0.1: mean AF = target");
    CHECK_NEAR(sum_af[3] / blocks, 0.002, 0.0003, "rare site: mean AF = target");
    CHECK_NEAR(sum_af[4] / blocks, 0.80, 0.01, "ALT-major site: AF = 1 - MAF");
    CHECK(rare_one_background, "rare alleles sit on a single founder");
    CHECK(rare_polymorphic, "every rare site has a carrier");
    CHECK(sum_r2_same / blocks > 0.25, "sites in a block are in LD (mean r2 > 0.25)");
    CHECK(sum_r2_far / (blocks - 1) < 0.01, "sites of different blocks are not");
    CHECK(sum_diff / blocks > 0.02, "populations differ in allele frequency");
    CHECK_NEAR(miss / ((double)N * blocks), 0.02, 0.002, "missing rate as asked");

    /* Same stream, same block; without noise, haplotypes copying a founder
     * share its alleles except on the one topped-up or thinned share. */
    duet_rng_t r1, r2s;
    duet_rng_init(&r1, 99, 5);
    duet_rng_init(&r2s, 99, 5);
    duet_sim_hapgen_block(g, sites, 6, &r1);
    uint8_t *copy = malloc((size_t)6 * H);
    for (int s = 0; s < 6; s++) memcpy(copy + (size_t)s * H, duet_sim_hapgen_alleles(g, s), (size_t)H);
    duet_sim_hapgen_block(g, sites, 6, &r2s);
    int same = 1;
    for (int s = 0; s < 6; s++) same &= !memcmp(copy + (size_t)s * H, duet_sim_hapgen_alleles(g, s), (size_t)H);
    CHECK(same, "a block is a function of its stream");

    free(copy);
    free(prev);
    duet_sim_hapgen_destroy(g);
    duet_sim_hapgen_destroy(NULL);
    free(anc);
}

static char *write_tmp(const char *text)
{
    static int k;
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/duet_test_sim_%d_%d.tsv", (int)getpid(), k++);
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void test_genes(void)
{
    char *ok = write_tmp("symbol\tchrom\tstart0\tend\tstrand\tn_transcripts\n"
                         "# comment\n"
                         "AAA\t1\t100\t200\t+\t1\n"
                         "\n"
                         "BBB chr2 1000 5000 - 2\n"
                         "CCC\tX\t10\t20\t+\t1\n"
                         "AAA\t3\t100\t200\t?\t1\n"
                         "DDD\t6_apd_hap1\t10\t20\t+\t1\n"
                         "EEE\t22\t0\t51304566\n");
    duet_sim_genes_t *g = NULL;
    CHECK(duet_sim_genes_read(ok, &g) == DUET_OK, "gene table read");
    CHECK(g && g->n == 3, "autosomal genes, first row of a symbol only");
    CHECK(g && g->n_rows == 6 && g->n_skipped == 3, "rows counted, others skipped");
    if (g && g->n == 3) {
        CHECK_STR(g->genes[1].symbol, "BBB", "space-separated row, chr prefix");
        CHECK(g->genes[1].chrom == 2 && g->genes[1].start0 == 1000 && g->genes[1].end == 5000 &&
                  g->genes[1].strand == '-',
              "coordinates and strand");
        CHECK(g->genes[2].strand == '.', "strand optional");
    }
    duet_sim_genes_destroy(g);

    static const char *const bad[] = {
        "AAA\t1\t100\n",                 /* three fields */
        "AAA\t1\t100\t200\n BBB 1 x 5\n", /* not a number */
        "AAA\t1\t300\t200\n",            /* end before start */
        "AAA\t1\t-5\t200\n",             /* negative */
        "AAA\t1\t100\t249250622\n",      /* beyond chr1 */
        "AAA\t1\t100\t200\t*\n",         /* strand */
        "AAA\tX\t100\t200\n",            /* no autosome */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char *p = write_tmp(bad[k]);
        duet_sim_genes_t *gb = (duet_sim_genes_t *)1;
        char name[64];
        snprintf(name, sizeof name, "malformed table %zu: DUET_EFORMAT", k + 1);
        CHECK(duet_sim_genes_read(p, &gb) == DUET_EFORMAT && gb == NULL, name);
        unlink(p);
        free(p);
    }
    duet_sim_genes_t *gm = NULL;
    CHECK(duet_sim_genes_read("/nonexistent/genes.tsv", &gm) == DUET_EREAD, "missing table: DUET_EREAD");
    CHECK(duet_sim_grch37_length(1) == 249250621 && duet_sim_grch37_length(22) == 51304566 &&
              duet_sim_grch37_length(23) == 0,
          "GRCh37 lengths");
    unlink(ok);
    free(ok);
}

static void test_dates(void)
{
    CHECK(duet_sim_days_from_civil(1970, 1, 1) == 0, "epoch is day 0");
    CHECK(duet_sim_days_from_civil(2000, 3, 1) == 11017, "2000-03-01 is day 11017");
    CHECK(duet_sim_days_from_civil(2015, 10, 1) - duet_sim_days_from_civil(2015, 9, 30) == 1, "consecutive days");
    int ok = 1;
    for (int32_t d = -30000; d < 60000; d += 7) {
        int y, m, dd;
        duet_sim_civil_from_days(d, &y, &m, &dd);
        ok &= duet_sim_days_from_civil(y, m, dd) == d;
    }
    CHECK(ok, "civil dates round-trip");
    char buf[16];
    duet_sim_format_date(duet_sim_days_from_civil(2016, 2, 29), buf);
    CHECK_STR(buf, "2016-02-29", "format leap day");
    duet_sim_format_date(duet_sim_days_from_civil(1935, 1, 1), buf);
    CHECK_STR(buf, "1935-01-01", "format 1935");
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    test_maf_spectrum();
    test_hapgen();
    test_genes();
    test_dates();
    return unit_done();
}
