/*
 * test_embed.c -- unit tests of src/embed/: PPMI and TF-IDF on matrices
 * checked by hand, the truncated SVD against R's svd() (an independent
 * implementation, run as /usr/bin/Rscript) and by exact reconstruction of a
 * planted low-rank matrix, the phecodes a --target removes (descendants and
 * exclusion ranges, from the embedded 1.2 table), the number format, and
 * the per-person table reader's checks (repeated IDs, NaN, inf, missing
 * values) and constant-column dropping.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duet/core.h"
#include "duet/embed.h"
#include "duet/log.h"
#include "duet/phecode.h"
#include "duet/rng.h"
#include "unit.h"

static void test_ppmi(void)
{
    /* c01 = 2, c02 = 1, c12 = 1: row sums 3, 3, 2, D = 8. */
    const double c[9] = {7, 2, 1, 2, 9, 1, 1, 1, 5};
    double p[9];
    CHECK(duet_embed_ppmi(c, 3, p) == DUET_OK, "ppmi: runs");
    CHECK_NEAR(p[1], log(16.0 / 9.0), 1e-15, "ppmi: ln(2*8/(3*3)) for (0,1)");
    CHECK_NEAR(p[3], log(16.0 / 9.0), 1e-15, "ppmi: symmetric");
    CHECK_NEAR(p[2], log(8.0 / 6.0), 1e-15, "ppmi: ln(1*8/(3*2)) for (0,2)");
    CHECK_NEAR(p[5], log(8.0 / 6.0), 1e-15, "ppmi: ln(1*8/(3*2)) for (1,2)");
    CHECK(p[0] == 0 && p[4] == 0 && p[8] == 0, "ppmi: the diagonal is ignored (0)");
    /* c01 = 1, c02 = 4, c12 = 4: rows 5, 5, 8, D = 18: PMI(0,1) =
     * ln(18/25) < 0 is clipped; PMI(0,2) = ln(4*18/40). */
    const double d[9] = {0, 1, 4, 1, 0, 4, 4, 4, 0};
    CHECK(duet_embed_ppmi(d, 3, p) == DUET_OK, "ppmi: runs (2)");
    CHECK(p[1] == 0, "ppmi: a negative PMI is clipped to 0");
    CHECK_NEAR(p[2], log(1.8), 1e-15, "ppmi: ln(4*18/(5*8)) for (0,2)");
    const double z[4] = {0, 0, 0, 0};
    CHECK(duet_embed_ppmi(z, 2, p) == DUET_OK && p[1] == 0, "ppmi: no co-occurrence gives 0");
}

static void test_tfidf(void)
{
    CHECK_NEAR(duet_embed_tfidf(1, 10, 100), log(10.0), 1e-15, "tfidf: one date, df 10 of 100");
    CHECK_NEAR(duet_embed_tfidf(3, 50, 100), (1 + log(3.0)) * log(2.0), 1e-15,
               "tfidf: (1 + ln 3) ln 2");
    CHECK(duet_embed_tfidf(4, 100, 100) == 0, "tfidf: a phecode everyone has weighs 0");
    CHECK(duet_embed_tfidf(0, 10, 100) == 0, "tfidf: no date weighs 0");
    CHECK(duet_embed_tfidf(2, 0, 100) == 0, "tfidf: df 0 weighs 0");
}

/* A symmetric n x n matrix: PPMI of random co-occurrence counts. */
static double *random_ppmi(int n, uint64_t seed)
{
    double *c = calloc((size_t)n * n, sizeof *c), *p = malloc((size_t)n * n * sizeof *p);
    duet_rng_t rng;
    duet_rng_init(&rng, seed, 3);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double v = (double)duet_rng_below(&rng, 6) * (duet_rng_uniform(&rng) < 0.4);
            c[i * n + j] = c[j * n + i] = v + (j == i + 1);
        }
    if (duet_embed_ppmi(c, n, p)) exit(1);
    free(c);
    return p;
}

/* R's svd() of the matrix: the k leading singular values and left vectors. */
static int r_svd(const double *m, int n, int k, double *d, double *u)
{
    char path[] = "/tmp/duet_test_embed_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    FILE *fp = fdopen(fd, "w");
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) fprintf(fp, "%.17g%c", m[i * n + j], j + 1 < n ? ' ' : '\n');
    fclose(fp);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/Rscript -e 'm <- as.matrix(read.table(\"%s\")); s <- svd(m, nu = %d, "
             "nv = 0); cat(sprintf(\"%%.17g\", s$d[1:%d]), sprintf(\"%%.17g\", s$u), "
             "sep = \"\\n\")'", path, k, k);
    FILE *r = popen(cmd, "r");
    int got = 0;
    if (r) {
        for (int j = 0; j < k && fscanf(r, "%lf", &d[j]) == 1; j++) got++;
        for (int i = 0; i < n * k && fscanf(r, "%lf", &u[i]) == 1; i++) got++;
        pclose(r);
    }
    unlink(path);
    return got == k + n * k ? 0 : -1;
}

static void test_svd_vs_r(void)
{
    int n = 60, k = 6;
    double *m = random_ppmi(n, 7);
    double *u = malloc((size_t)n * k * sizeof *u), s[6], rd[6];
    double *ru = malloc((size_t)n * k * sizeof *ru);
    int conv = 0;
    CHECK(duet_embed_svd(m, n, k, 10, 200, 1e-10, 1, u, s, &conv) == DUET_OK && conv,
          "svd: 60 x 60 PPMI, k 6, converges");
    int ok = r_svd(m, n, k, rd, ru) == 0;
    CHECK(ok, "svd: R's svd() ran (/usr/bin/Rscript)");
    if (ok) {
        double worst = 0, worst_vec = 0;
        for (int j = 0; j < k; j++) {
            worst = fmax(worst, fabs(s[j] - rd[j]) / rd[0]);
            double dot = 0;
            for (int i = 0; i < n; i++) dot += u[j * n + i] * ru[j * n + i];
            worst_vec = fmax(worst_vec, 1 - fabs(dot));
        }
        char name[160];
        snprintf(name, sizeof name, "svd: singular values equal R's svd()$d (worst rel %.2g)", worst);
        CHECK(worst < 1e-8, name);
        snprintf(name, sizeof name, "svd: left vectors equal R's svd()$u up to sign "
                 "(worst 1-|cos| %.2g)", worst_vec);
        CHECK(worst_vec < 1e-8, name);
    }
    free(m);
    free(u);
    free(ru);
}

/* M = Q diag(s) Q^T of rank 4: the rank-4 SVD reconstructs it exactly. */
static void test_svd_reconstruction(void)
{
    int n = 50, r = 4;
    double *q = malloc((size_t)n * r * sizeof *q), *m = calloc((size_t)n * n, sizeof *m);
    duet_rng_t rng;
    duet_rng_init(&rng, 5, 1);
    for (int i = 0; i < n * r; i++) q[i] = duet_rng_normal(&rng);
    for (int c = 0; c < r; c++) { /* Gram-Schmidt */
        double *v = q + c * n;
        for (int b = 0; b < c; b++) {
            double dot = 0;
            for (int i = 0; i < n; i++) dot += v[i] * q[b * n + i];
            for (int i = 0; i < n; i++) v[i] -= dot * q[b * n + i];
        }
        double nn = 0;
        for (int i = 0; i < n; i++) nn += v[i] * v[i];
        for (int i = 0; i < n; i++) v[i] /= sqrt(nn);
    }
    const double sv[4] = {9, 5, -3, 1.5}; /* a negative eigenvalue: singular value 3 */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int c = 0; c < r; c++) m[i * n + j] += q[c * n + i] * sv[c] * q[c * n + j];
    double *u = malloc((size_t)n * r * sizeof *u), s[4];
    int conv = 0;
    CHECK(duet_embed_svd(m, n, r, 4, 100, 1e-12, 3, u, s, &conv) == DUET_OK,
          "svd reconstruction: runs");
    CHECK_NEAR(s[0], 9, 1e-9, "svd reconstruction: sigma1 9");
    CHECK_NEAR(s[1], 5, 1e-9, "svd reconstruction: sigma2 5");
    CHECK_NEAR(s[2], 3, 1e-9, "svd reconstruction: sigma3 |-3|");
    CHECK_NEAR(s[3], 1.5, 1e-9, "svd reconstruction: sigma4 1.5");
    /* M = U S V^T with V = M U S^-1: check || M - U U^T M || */
    double worst = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double v = 0;
            for (int c = 0; c < r; c++) {
                double um = 0;
                for (int l = 0; l < n; l++) um += u[c * n + l] * m[l * n + j];
                v += u[c * n + i] * um;
            }
            worst = fmax(worst, fabs(v - m[i * n + j]));
        }
    CHECK(worst < 1e-9, "svd reconstruction: U U^T M = M for a rank-4 M");
    free(q);
    free(m);
    free(u);
}

static void test_removed(void)
{
    duet_phecode_table_t *t = NULL;
    if (duet_phecode_table_load("1.2", &t)) {
        CHECK(0, "removed: phecode 1.2 tables load");
        return;
    }
    int n = duet_phecode_count(t);
    char *rm = calloc((size_t)n, 1);
    int got = duet_embed_removed(t, NULL, 0, "250.2", rm);
    /* independent count: the family by prefix, and 249..250.99 */
    int want = 0, t2 = duet_phecode_find(t, "250.21"), other = duet_phecode_find(t, "401.1");
    for (int i = 0; i < n; i++) {
        const char *c = duet_phecode_def(t, i)->phecode;
        double v = atof(c);
        if (!strncmp(c, "250.2", 5) || (v >= 249 && v <= 250.99 + 1e-9)) want++;
    }
    char name[128];
    snprintf(name, sizeof name, "removed: --target 250.2 removes %d phecodes (249-250.99: %d)",
             got, want);
    CHECK(got == want && got > 5, name);
    CHECK(t2 >= 0 && rm[t2], "removed: the child 250.21 is removed");
    CHECK(rm[duet_phecode_find(t, "250")] && rm[duet_phecode_find(t, "249")],
          "removed: the exclusion range (250, 249) is removed");
    CHECK(other >= 0 && !rm[other], "removed: 401.1 is kept");
    memset(rm, 0, (size_t)n);
    char *ex[] = {"401"};
    got = duet_embed_removed(t, ex, 1, NULL, rm);
    want = 0;
    for (int i = 0; i < n; i++) {
        const char *c = duet_phecode_def(t, i)->phecode;
        want += !strcmp(c, "401") || !strncmp(c, "401.", 4);
    }
    CHECK(got == want && rm[other] && !rm[duet_phecode_find(t, "250")],
          "removed: --exclude-phecodes 401 removes 401 and its descendants only");
    char *bad[] = {"999.999"};
    CHECK(duet_embed_removed(t, bad, 1, NULL, rm) == -1, "removed: an unknown phecode is refused");
    free(rm);
    duet_phecode_table_destroy(t);
}

/* PhecodeX has no exclusion ranges: a target removes its family only. */
static void test_removed_x(void)
{
    duet_phecode_table_t *t = NULL;
    if (duet_phecode_table_load("X", &t)) {
        CHECK(0, "removed X: tables load");
        return;
    }
    int n = duet_phecode_count(t), want = 0;
    char *rm = calloc((size_t)n, 1);
    for (int i = 0; i < n; i++) {
        const char *c = duet_phecode_def(t, i)->phecode;
        want += !strcmp(c, "CV_401") || !strncmp(c, "CV_401.", 7);
    }
    int got = duet_embed_removed(t, NULL, 0, "CV_401", rm);
    char name[128];
    snprintf(name, sizeof name, "removed X: --target CV_401 removes its %d-phecode family only (%d)",
             want, got);
    CHECK(got == want && want >= 5 && rm[duet_phecode_find(t, "CV_401.61")] &&
              !rm[duet_phecode_find(t, "CV_402")],
          name);
    free(rm);
    duet_phecode_table_destroy(t);
}

static void test_format(void)
{
    char b[48];
    duet_embed_format(1.5, b);
    CHECK_STR(b, "1.5", "format: 1.5");
    duet_embed_format(1e-9, b);
    CHECK_STR(b, "0.000000001", "format: 1e-9 in decimal notation");
    duet_embed_format(-2.25e-5, b);
    CHECK_STR(b, "-0.0000225", "format: -2.25e-5");
    duet_embed_format(123456789.123, b);
    CHECK_STR(b, "123456789", "format: 8 significant digits of a large number");
    duet_embed_format(-0.0, b);
    CHECK_STR(b, "0", "format: -0 is 0");
    duet_embed_format(0.1234567891, b);
    CHECK_STR(b, "0.12345679", "format: 8 significant digits");
}

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/duet_test_embed_tab_XXXXXX");
    int fd = mkstemp(path);
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void test_read_table(void)
{
    duet_embed_table_t *t = NULL;
    const char *p = write_tmp("FID\tIID\ta\tb\tc\n0\tx\t1\t2\t5\n0\ty\t3\tNA\t5\n0\tz\tNA\tNA\tNA\n"
                              "0\tw\t2\t4\t5\n");
    CHECK(duet_embed_read_table(p, "t", 1, &t) == DUET_OK, "table: reads FID IID a b c");
    if (t) {
        CHECK(t->n_persons == 3, "table: the all-NA row is left out");
        CHECK(t->n_features == 4 && !strcmp(t->feature[3], "b_missing"),
              "table: b gets the indicator b_missing");
        CHECK_NEAR(t->x[1 * 4 + 1], 3, 0, "table: NA of b is b's mean (2+4)/2");
        CHECK(t->x[1 * 4 + 3] == 1 && t->x[0 * 4 + 3] == 0, "table: the indicator marks it");
        CHECK(duet_embed_drop_constant(t) == DUET_OK && t->n_features == 3 &&
                  !strcmp(t->feature[2], "b_missing") && t->x[3 + 2] == 1,
              "table: the constant column c is dropped, the rest compacted");
        duet_embed_table_destroy(t);
    }
    unlink(p);
    t = NULL;
    p = write_tmp("IID\ta\nx\t1\ny\tNA\n");
    CHECK(duet_embed_read_table(p, "t", 0, &t) == DUET_EFORMAT && !t,
          "table: NA with --missing error exits 4");
    unlink(p);
    p = write_tmp("IID\ta\nx\t1\ny\tnan\n");
    CHECK(duet_embed_read_table(p, "t", 1, &t) == DUET_EFORMAT, "table: NaN exits 4");
    unlink(p);
    p = write_tmp("IID\ta\nx\t1\ny\tinf\n");
    CHECK(duet_embed_read_table(p, "t", 1, &t) == DUET_EFORMAT, "table: inf exits 4");
    unlink(p);
    p = write_tmp("IID\ta\nx\t1\ny\t1e999\n");
    CHECK(duet_embed_read_table(p, "t", 1, &t) == DUET_EFORMAT, "table: overflow exits 4");
    unlink(p);
    p = write_tmp("IID\ta\nx\t1\ny\t2\nx\t3\n");
    CHECK(duet_embed_read_table(p, "t", 1, &t) == DUET_EMISMATCH, "table: a repeated ID exits 5");
    unlink(p);
    p = write_tmp("ID\ta\nx\t1\n");
    CHECK(duet_embed_read_table(p, "t", 1, &t) == DUET_EFORMAT, "table: no IID column exits 4");
    unlink(p);
    p = write_tmp("IID\ta\n");
    CHECK(duet_embed_read_table(p, "t", 1, &t) == DUET_EDEGENERATE, "table: no row exits 6");
    unlink(p);
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    duet_log_set_quiet(1);
    test_ppmi();
    test_tfidf();
    test_svd_vs_r();
    test_svd_reconstruction();
    test_removed();
    test_removed_x();
    test_format();
    test_read_table();
    return unit_done();
}
