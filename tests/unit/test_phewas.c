/*
 * test_phewas.c -- the genotype-first engine and the shared trait loader:
 * Benjamini-Hochberg q-values against R's p.adjust, the per-trait rules of
 * duet_phewas_run (too few cases, a covariate constant among a trait's
 * samples, a monomorphic exposure, Firth for few cases, linear traits equal
 * to a direct least-squares fit), results independent of the thread count,
 * and duet_traitset_load's sample rule on small files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duet/phewas.h"
#include "duet/rng.h"
#include "duet/traitset.h"
#include "unit.h"

static void test_bh(void)
{
    /* p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02 */
    double p[5] = { 0.01, 0.04, 0.03, 0.005, NAN }, lp[5], lq[5];
    for (int i = 0; i < 5; i++) lp[i] = log(p[i]);
    CHECK(duet_bh_logq(lp, 5, lq) == DUET_OK, "bh runs");
    CHECK_NEAR(exp(lq[0]), 0.02, 1e-12, "q of 0.01");
    CHECK_NEAR(exp(lq[1]), 0.04, 1e-12, "q of 0.04");
    CHECK_NEAR(exp(lq[2]), 0.04, 1e-12, "q of 0.03 (running minimum)");
    CHECK_NEAR(exp(lq[3]), 0.02, 1e-12, "q of 0.005");
    CHECK(isnan(lq[4]), "NaN p: NaN q");
    /* the running minimum from the largest p; p far below the double
     * range keeps its exponent */
    double lp2[3] = { log(0.9), log(0.95), -2000 }, lq2[3];
    CHECK(duet_bh_logq(lp2, 3, lq2) == DUET_OK, "bh runs (2)");
    CHECK_NEAR(exp(lq2[0]), 0.95, 1e-12, "q of 0.9 = q of 0.95 (running minimum)");
    CHECK_NEAR(exp(lq2[1]), 0.95, 1e-12, "q of the largest p is p");
    CHECK_NEAR(lq2[2], -2000 + log(3.0), 1e-9, "log q of a tiny p");
}

/* A small traitset by hand: N samples, covariates sex and age. */
#define NS 600
static duet_traitset_t *make_set(double *g)
{
    duet_traitset_t *ts = calloc(1, sizeof *ts);
    int T = 4, C = 2;
    ts->n_samples = NS;
    ts->n_traits = T;
    ts->n_covars = C;
    ts->names = calloc(T, sizeof *ts->names);
    ts->descriptions = calloc(T, sizeof *ts->descriptions);
    ts->categories = calloc(T, sizeof *ts->categories);
    ts->binary = calloc(T, sizeof *ts->binary);
    ts->ycol = malloc(sizeof(int) * T);
    for (int t = 0; t < T; t++) ts->ycol[t] = t;
    ts->y = malloc(sizeof(double) * NS * T);
    ts->x = malloc(sizeof(double) * NS * C);
    static char *names[4] = { "common", "rare", "female_only", "quant" };
    static char *covar_names[3] = { "sex", "age", "age2" };
    ts->covar_names = covar_names;
    for (int t = 0; t < T; t++) ts->names[t] = names[t];
    ts->binary[0] = ts->binary[1] = ts->binary[2] = 1;
    duet_rng_t r;
    duet_rng_init(&r, 11, 0);
    for (int i = 0; i < NS; i++) {
        double sex = 1 + (i % 2), age = 30 + 40 * duet_rng_uniform(&r);
        g[i] = (duet_rng_uniform(&r) < 0.3) + (duet_rng_uniform(&r) < 0.3);
        ts->x[i] = sex;
        ts->x[NS + i] = age;
        double eta = -1 + 0.5 * g[i] + 0.02 * (age - 50);
        ts->y[i] = duet_rng_uniform(&r) < 1 / (1 + exp(-eta));
        ts->y[NS + i] = i < 30 ? 1 : 0;                       /* 30 cases */
        ts->y[2 * NS + i] = sex == 2 ? (duet_rng_uniform(&r) < 0.3) : NAN;
        ts->y[3 * NS + i] = 2 * g[i] + 0.01 * age + duet_rng_uniform(&r);
    }
    return ts;
}

static void free_set(duet_traitset_t *ts)
{
    free(ts->names);
    free(ts->descriptions);
    free(ts->categories);
    free(ts->binary);
    free(ts->ycol);
    free(ts->y);
    free(ts->x);
    free(ts);
}

static void test_engine(void)
{
    double g[2 * NS];
    duet_traitset_t *ts = make_set(g);
    for (int i = 0; i < NS; i++) g[NS + i] = 1; /* a monomorphic exposure */
    duet_phewas_opts_t o;
    duet_phewas_opts_init(&o);
    o.min_cases = 40;
    o.binary.mode = DUET_LOGISTIC_WALD; /* R's glm */
    duet_phewas_trait_t tr[4] = { { 0 } }, tr2[4] = { { 0 } };
    duet_assoc_t res[8], res2[8];
    CHECK(duet_phewas_run(ts, g, NS, 2, &o, 1, tr, res) == DUET_OK, "engine runs");
    CHECK(tr[0].skip == DUET_PHEWAS_TESTED, "common trait tested");
    CHECK(tr[1].skip == DUET_PHEWAS_FEW_CASES && tr[1].n_cases == 30, "30 cases < 40: not tested");
    CHECK(tr[2].skip == DUET_PHEWAS_TESTED && tr[2].n == NS / 2, "female-only trait on its samples");
    CHECK(tr[2].n_covars_used == 1, "sex constant among them: dropped");
    CHECK(tr[2].covars_dropped && !strcmp(tr[2].covars_dropped, "sex (constant)"),
          "the trait's record names it and why");
    CHECK(!tr[0].covars_dropped, "nothing left out for the common trait");
    CHECK(tr[0].n_covars_used == 2, "both covariates for the common trait");
    CHECK(res[0].status == DUET_FIT_OK && res[0].test == DUET_TEST_WALD, "common: Wald");
    CHECK(res[0].beta > 0.2 && res[0].beta < 0.8, "common: the planted log odds 0.5 recovered");
    CHECK(res[1].status == DUET_FIT_MONOMORPHIC, "a constant exposure is monomorphic");
    CHECK(res[3 * 2].test == DUET_TEST_LINEAR && fabs(res[3 * 2].beta - 2) < 0.1,
          "quantitative: least squares, slope 2 recovered");
    /* Firth everywhere */
    o.binary.mode = DUET_LOGISTIC_FIRTH;
    CHECK(duet_phewas_run(ts, g, NS, 2, &o, 2, tr2, res2) == DUET_OK, "engine runs, 2 threads");
    CHECK(res2[0].test == DUET_TEST_FIRTH && fabs(res2[0].beta - res[0].beta) < 0.05,
          "--logistic firth: Firth, near the ML estimate");
    /* the default policy: a strong effect ends at Firth's LRT, the
     * monomorphic exposure stays NA */
    o.binary.mode = DUET_LOGISTIC_AUTO;
    CHECK(duet_phewas_run(ts, g, NS, 2, &o, 2, tr2, res2) == DUET_OK, "engine runs, auto");
    CHECK(res2[0].test == DUET_TEST_FIRTH && res2[0].log_p < log(0.05),
          "auto: a small score p goes on to Firth's LRT");
    CHECK(res2[1].status == DUET_FIT_MONOMORPHIC, "auto: monomorphic exposure");
    o.binary.mode = DUET_LOGISTIC_WALD;
    CHECK(duet_phewas_run(ts, g, NS, 2, &o, 2, tr2, res2) == DUET_OK, "engine runs again");
    CHECK(memcmp(res, res2, sizeof res) == 0, "identical results on 1 and 2 threads");

    /* a covariate that is a linear combination of the others is dropped
     * (the Gram-matrix rank test for logistic fits, the QR's for linear
     * ones), and the estimates do not move */
    double *x3 = malloc(sizeof(double) * NS * 3), *x2 = ts->x;
    memcpy(x3, x2, sizeof(double) * NS * 2);
    for (int i = 0; i < NS; i++) x3[2 * NS + i] = 2 * x2[NS + i] + 1;
    ts->x = x3;
    ts->n_covars = 3;
    CHECK(duet_phewas_run(ts, g, NS, 2, &o, 1, tr2, res2) == DUET_OK, "engine runs, collinear");
    CHECK(tr2[0].n_covars_used == 2 && tr2[3].n_covars_used == 2, "2 age dropped (binary, linear)");
    CHECK(tr2[0].covars_dropped && !strcmp(tr2[0].covars_dropped, "age2 (collinear)") &&
              tr2[3].covars_dropped && !strcmp(tr2[3].covars_dropped, "age2 (collinear)"),
          "the collinear covariate named, binary and linear");
    CHECK(fabs(res2[0].beta - res[0].beta) < 1e-9 && fabs(res2[6].beta - res[6].beta) < 1e-9,
          "same estimates without it");
    ts->x = x2;
    ts->n_covars = 2;
    free(x3);
    duet_phewas_traits_free(tr, 4);
    duet_phewas_traits_free(tr2, 4);

    free_set(ts);
}

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/duet-test-phewas-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return path;
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void test_traitset(void)
{
    char *ph = write_tmp("IID\tb\tq\ns1\t1\t2.5\ns2\t0\tNA\ns3\tNA\tNA\ns4\t1\t3\ns5\t0\t1\n");
    char *cv = write_tmp("IID\tpc1\ns1\t0.1\ns2\t0.2\ns4\tNA\ns5\t0.5\ns9\t1\n");
    char *rm = write_tmp("s5\n");
    const char *cand[] = { "s5", "s4", "s3", "s2", "s1", "s0" };
    duet_traitset_opts_t o;
    duet_traitset_opts_init(&o);
    o.candidates = cand;
    o.n_candidates = 6;
    o.pheno = ph;
    o.covar = cv;
    duet_traitset_t *ts = NULL;
    CHECK(duet_traitset_load(&o, &ts) == DUET_OK && ts, "traitset loads");
    if (ts) {
        /* s5 s2 s1 used (s4: NA covariate, s3: no covariate row, s0: absent) */
        CHECK(ts->n_samples == 3, "three samples used");
        CHECK(ts->n_samples == 3 && !strcmp(ts->ids[0], "s5") && !strcmp(ts->ids[1], "s2") &&
                  !strcmp(ts->ids[2], "s1"), "in candidate order");
        CHECK(ts->n_traits == 2 && ts->binary[0] && !ts->binary[1], "b binary, q quantitative");
        CHECK(ts->n_covars == 1 && ts->x[2] == 0.1, "covariate aligned");
        CHECK(isnan(ts->y[3 + 1]) && ts->y[3 + 2] == 2.5, "quantitative values aligned");
        int a, b;
        duet_traitset_count(ts, 0, &a, &b);
        CHECK(a == 1 && b == 2, "one case, two controls");
        CHECK(strstr(ts->summary, "2 without complete covariates") != NULL, "summary counts");
        duet_traitset_destroy(ts);
        ts = NULL;
    }
    o.compact = 1;
    CHECK(duet_traitset_load(&o, &ts) == DUET_OK && ts, "compact traitset loads");
    if (ts) {
        double buf[3];
        const double *b = duet_traitset_column(ts, 0, buf);
        CHECK(ts->code && ts->ycol[0] == -1 && ts->ycol[1] == 0, "binary trait as bytes");
        CHECK(b == buf && b[0] == 0 && b[1] == 0 && b[2] == 1, "its column as doubles");
        const double *q = duet_traitset_column(ts, 1, buf);
        CHECK(q == ts->y && isnan(q[1]) && q[2] == 2.5, "quantitative trait in y");
        int a, c;
        duet_traitset_count(ts, 0, &a, &c);
        CHECK(a == 1 && c == 2, "counts from the bytes");
        duet_traitset_destroy(ts);
        ts = NULL;
    }
    o.compact = 0;
    o.remove = rm;
    CHECK(duet_traitset_load(&o, &ts) == DUET_OK && ts && ts->n_samples == 2, "--remove s5");
    duet_traitset_destroy(ts);
    ts = NULL;
    o.remove = NULL;
    const char *none[] = { "x1", "x2" };
    o.candidates = none;
    o.n_candidates = 2;
    CHECK(duet_traitset_load(&o, &ts) == DUET_EMISMATCH && !ts, "no shared sample: mismatch");
    o.candidates = cand;
    o.n_candidates = 6;
    o.db = "x.db";
    CHECK(duet_traitset_load(&o, &ts) == DUET_EUSAGE, "both sources: usage");
    o.db = NULL;
    o.binary = 1;
    CHECK(duet_traitset_load(&o, &ts) == DUET_EFORMAT, "--binary with a value 2.5: format");
    unlink(ph);
    unlink(cv);
    unlink(rm);
    free(ph);
    free(cv);
    free(rm);
}

int main(void)
{
    test_bh();
    test_engine();
    test_traitset();
    return unit_done();
}
