/*
 * logreg_internal.h -- between logreg.c and its vector kernels
 * (logreg_simd.c): one pass over the rows of a narrow design.
 */
#ifndef DUET_LOGREG_INTERNAL_H
#define DUET_LOGREG_INTERNAL_H

/* Designs up to this width take the one-pass evaluation. */
#define LOGREG_FUSED_MAX_P 5

typedef struct {
    int n, p;
    const double *d;   /* n x p design, column-major */
    const double *y;   /* n, 0/1 */
    double *mu, *w;    /* n: written by the evaluation, read by Firth's score */
} logreg_pass_t;

/* 1 if the AVX2 kernels below may run (the CPU has AVX2 and FMA, and
 * DUET_SIMD=sse2 is not set). */
int logreg_simd_available(void);

/* Over the first 4 floor(n / 4) rows: mu and w, the information's lower
 * triangle info[p k + j] (k <= j), the score u = D'(y - mu) and the
 * log-likelihood *ll (as logreg.c's scalar loop computes them).  Returns the
 * number of rows done; the caller adds the rest. */
int logreg_eval_avx2(const logreg_pass_t *ps, const double *beta, double *info,
                     double *u, double *ll);

/* Firth's modified score over the same rows, from the Cholesky factor l of
 * the information (lower, column-major p x p) and mu, w of the
 * evaluation.  Returns the number of rows done. */
int logreg_firth_avx2(const logreg_pass_t *ps, const double *l, double *u);

#endif
