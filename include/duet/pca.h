/*
 * pca.h -- principal components of a standardised genotype matrix by
 * randomized block Krylov iteration, and the genotype pipeline that feeds it.
 *
 * The engine (duet_pca_t) finds the top K eigenpairs of G = X X^T, where X
 * is the samples x variants matrix of standardised genotypes, without ever
 * holding X: the caller streams X in column chunks once per iteration
 * ("pass"), and the engine keeps O(samples x depth x L) numbers, L = K +
 * oversampling.  The method is the randomized range finder of Halko,
 * Martinsson and Tropp ("Finding structure with randomness", SIAM Review
 * 53(2), 2011, Algorithms 4.4 and 5.3: a Gaussian start, products with G,
 * re-orthonormalisation), extended to a block Krylov space as Musco and
 * Musco recommend (NeurIPS 2015) so that convergence does not stall on
 * clustered eigenvalues: the basis B holds up to depth x L orthonormal
 * columns together with their products G B; each pass multiplies one new
 * block -- the residuals G u - theta u of the current Ritz pairs, made
 * orthogonal to B -- and a Rayleigh-Ritz step on B gives the eigenvalue and
 * eigenvector estimates and their residuals, so that convergence is
 * measured rather than assumed.  When the basis is full it is restarted on
 * its leading Ritz vectors (thick restart, as in block Lanczos/Davidson
 * solvers), which costs no pass since their products are known.
 *
 * Determinism: every floating-point reduction is cut into pieces whose
 * bounds depend on the matrix shape only (never on the thread count) and
 * combined in a fixed order, so results are bit-identical for any number of
 * OpenMP threads, provided the caller cuts X into the same chunks (use
 * duet_pca_chunk_width()).
 *
 * The pipeline (duet_pca_geno_run) reads a VCF/BCF through geno.h, keeps
 * autosomal variants passing the MAF filter and optional window LD pruning,
 * standardises them as plink2 does -- (g - 2p) / sqrt(2p(1-p)), p the ALT
 * frequency over the kept samples' called genotypes, missing genotypes set
 * to the mean (0 after standardising) -- and runs the engine, reading the
 * file once per pass or, when the kept genotypes fit the memory budget as
 * one byte per genotype, from a cache filled during the first pass.
 */
#ifndef DUET_PCA_H
#define DUET_PCA_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/geno.h"

typedef struct {
    int k;            /* components wanted, >= 1 */
    int oversample;   /* extra basis columns, >= 0 [10] */
    int max_iter;     /* maximum passes, >= 1 [100] */
    int depth;        /* basis capacity in blocks of L columns, >= 2 [4] */
    double tol;       /* stop when every ||G u_k - theta_k u_k|| / theta_1
                         is below this [1e-5] */
    uint64_t seed;    /* seeds the random start (stream 0) [1] */
} duet_pca_opts_t;

/* Defaults for `k` components. */
void duet_pca_opts_init(duet_pca_opts_t *opts, int k);

typedef struct duet_pca_t duet_pca_t;

/*
 * An engine for a matrix of `n_samples` rows and `n_variants` columns.  The
 * block width is L = min(k + oversample, n_samples, n_variants) and the
 * basis holds up to min(depth x L, n_samples) columns; memory is about
 * 2 x n_samples x depth x L doubles.  Errors:
 *   DUET_EDEGENERATE  k > L (fewer samples or variants than components),
 *                     reported naming the counts;
 *   DUET_ENOMEM       reported.
 */
duet_err_t duet_pca_create(const duet_pca_opts_t *opts, int n_samples,
                           int64_t n_variants, duet_pca_t **pca) DUET_WUR;
void duet_pca_destroy(duet_pca_t *pca);

/* The number of columns each duet_pca_pass_add() call must carry (except
 * the last of a pass) for results not to depend on how the caller reads:
 * a power of two between 16 and 2048 chosen from n_samples only. */
int duet_pca_chunk_width(int n_samples);

/* Start a pass (clears the accumulators). */
void duet_pca_pass_begin(duet_pca_t *pca);

/* Add the next `n_cols` columns of X (column-major, n_samples x n_cols,
 * leading dimension n_samples).  Runs OpenMP-parallel inside; call it from
 * outside any parallel region.  n_cols <= duet_pca_chunk_width(). */
void duet_pca_pass_add(duet_pca_t *pca, const double *x, int n_cols);

/* A source of standardised columns: write rows [r0, r0 + h) of columns
 * [j0, j0 + w) of X into `out` (column-major, leading dimension ldo).
 * Called from several threads at once. */
typedef void (*duet_pca_fill_fn)(void *ctx, int64_t j0, int w, int r0, int h,
                                 double *out, int ldo);

/* A whole pass over an X of `n_cols` columns held by the caller (an
 * in-memory cache), in one parallel region instead of one per chunk: every
 * thread computes its rows of T = X^T P, then its panels of samples of
 * Y = X T over all chunks in order.  The floating-point operations are
 * exactly those of duet_pca_pass_add() over chunks of
 * duet_pca_chunk_width() columns, so the results are the same bits.
 * Needs n_cols x L doubles for T; an allocation failure is reported by
 * duet_pca_pass_end() (DUET_ENOMEM).  Call between pass_begin and
 * pass_end, instead of pass_add. */
void duet_pca_pass_all(duet_pca_t *pca, int64_t n_cols, duet_pca_fill_fn fill,
                       void *ctx);

/* Finish a pass: Rayleigh-Ritz, residuals, convergence test, next basis.
 * Sets *done to 1 when converged or after max_iter passes (then the results
 * below are final).  DUET_EINTERNAL if LAPACK fails (reported), DUET_ENOMEM. */
duet_err_t duet_pca_pass_end(duet_pca_t *pca, int *done) DUET_WUR;

/* After *done: eigenvectors of G, n_samples x k column-major, unit norm,
 * each signed so that its entry of largest absolute value (the first such
 * sample on ties) is positive.  Owned by the engine. */
const double *duet_pca_vectors(const duet_pca_t *pca);
/* Eigenvalues of G (not divided by the number of variants), descending,
 * k of them.  Owned by the engine. */
const double *duet_pca_values(const duet_pca_t *pca);
/* Residual of component j (0-based) at the last pass, relative to the
 * largest eigenvalue. */
double duet_pca_residual(const duet_pca_t *pca, int j);
/* Passes made; 1 if converged within max_iter. */
int duet_pca_passes(const duet_pca_t *pca);
int duet_pca_converged(const duet_pca_t *pca);
/* trace(G) = sum of squares of X, summed over the last pass. */
double duet_pca_trace(const duet_pca_t *pca);
/* Block width L, and the basis capacity (columns). */
int duet_pca_width(const duet_pca_t *pca);
int duet_pca_capacity(const duet_pca_t *pca);
/* Vectors multiplied by G so far (the cost: each pass multiplies L vectors
 * at first, fewer once wanted components converge and are locked). */
int64_t duet_pca_products(const duet_pca_t *pca);

/* ------------------------------------------------------------------ */
/* The genotype pipeline                                               */

typedef struct {
    const char *vcf;            /* VCF, VCF.gz or BCF */
    const char *const *samples; /* keep these (file order is kept) or NULL */
    int n_samples;
    const char *region;         /* NULL = whole file */
    double maf;                 /* keep variants with MAF >= maf [0.01] */
    int ld_window, ld_step;     /* window LD pruning (variants); 0 = off */
    double ld_r2;               /* prune pairs with r^2 > ld_r2 */
    int threads;                /* OpenMP threads already set; htslib too */
    long memory_mb;             /* budget for the genotype cache; 0 = the
                                   default of 1024 MB; < 0 never cache */
    duet_pca_opts_t pca;
    /* Called for each kept variant in file order during the first pass
     * (for a variant list); may be NULL.  A non-zero return aborts the run
     * with that code. */
    duet_err_t (*on_variant)(void *ctx, const char *chrom, int64_t pos,
                             const char *id, const char *ref,
                             const char *alt, double af);
    void *ctx;
} duet_pca_geno_opts_t;

void duet_pca_geno_opts_init(duet_pca_geno_opts_t *opts, const char *vcf,
                             int k);

typedef struct {
    int n_samples;
    char **samples;            /* kept sample names, file order (owned) */
    int k;
    double *vectors;           /* n_samples x k, as duet_pca_vectors() */
    double *values;            /* eigenvalues of G / n_used (GRM scale) */
    double *residuals;         /* per component, relative */
    double *explained;         /* eigenvalue / trace(G) */
    int64_t n_records;         /* variants read (one per ALT allele) */
    int64_t n_non_autosomal;   /* skipped: not on an autosome */
    int64_t n_maf_fail;        /* skipped: MAF below the threshold or
                                  monomorphic / nothing called */
    int64_t n_ld_pruned;       /* skipped: LD pruning */
    int64_t n_used;            /* variants in the PCA */
    int passes;
    int converged;
    int width;                 /* block width L */
    int capacity;              /* basis capacity (columns) */
    int64_t products;          /* vectors multiplied by G in all */
    int cached;                /* 1 if passes read the in-memory cache */
} duet_pca_result_t;

void duet_pca_result_destroy(duet_pca_result_t *res);

/*
 * Run the pipeline.  Errors are those of duet_geno_open/read (DUET_EREAD,
 * DUET_EFORMAT, DUET_EMISMATCH, DUET_EUSAGE for a bad region), and
 * DUET_EDEGENERATE when fewer than k+1 samples or k variants remain (the
 * message gives the counts after each filter); all reported.
 */
duet_err_t duet_pca_geno_run(const duet_pca_geno_opts_t *opts,
                             duet_pca_result_t **res) DUET_WUR;

/* 1 if `chrom` names an autosome: an integer 1..99 with an optional "chr"
 * prefix (so X, Y, XY, M, MT and unplaced contigs are not). */
int duet_pca_is_autosome(const char *chrom);

#endif
