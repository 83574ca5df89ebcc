/*
 * meta.h -- meta-analysis of GWAS summary statistics from several studies
 * (duet meta), streamed as a k-way merge of position-sorted inputs read by
 * the one summary-statistics reader (sumstats.h).  Memory is O(studies):
 * one buffered row per study (plus the rows of the current position).
 *
 * Methods (the statistics are the small functions below, which the unit
 * tests call):
 *   - fixed-effects inverse-variance weighting (METAL SCHEME STDERR;
 *     metafor rma(method = "FE")): beta = sum(w b) / sum(w), w = 1 / se^2,
 *     se = 1 / sqrt(sum(w)), two-sided normal p on the log scale;
 *   - sample-size-weighted Z (METAL SCHEME SAMPLESIZE; Willer, Li and
 *     Abecasis 2010): z_i from each study's p-value and the sign of its
 *     beta, Z = sum(sqrt(N_i) z_i) / sqrt(sum(N_i));
 *   - Cochran's Q = sum(w (b - beta)^2) on k - 1 degrees of freedom, its
 *     p-value, I^2 = 100 max(0, (Q - (k - 1)) / Q) (Higgins and Thompson
 *     2002), and DerSimonian-Laird random effects (tau^2 = max(0, (Q - (k -
 *     1)) / (sum(w) - sum(w^2) / sum(w))), weights 1 / (se^2 + tau^2)), as
 *     metafor rma(method = "DL") computes them;
 *   - per-study genomic control (METAL GENOMICCONTROL ON): each study's
 *     lambda = median chi-square / qchisq(0.5, 1) over its input rows; when
 *     lambda > 1 its standard errors are multiplied (its z divided) by
 *     sqrt(lambda).
 *
 * Variants are matched by chromosome, position and the unordered pair of
 * alleles; the output's effect allele is that of the first study (in the
 * order given) with statistics for the variant, and other studies' effects change
 * sign where their alleles are swapped.  Strand flips are never applied: a
 * row whose alleles equal another study's only after complementing the
 * bases (A/G against T/C; strand-ambiguous A/T and C/G pairs excepted) is
 * dropped and counted as an allele mismatch of its study.
 */
#ifndef DUET_META_H
#define DUET_META_H

#include <stddef.h>
#include <stdint.h>
#include "duet/err.h"

/* ------------------------------------------------------------------ */
/* Statistics */

/* Result of the inverse-variance analysis of k estimates.  Fields that
 * are undefined are NAN: all of them for k = 0; the heterogeneity and
 * random-effects fields for k = 1. */
typedef struct {
    int k;            /* estimates combined */
    double beta, se;  /* fixed effects */
    double z, log_p;  /* beta / se; ln of the two-sided normal p */
    double q;         /* Cochran's Q */
    double q_log_p;   /* ln p of Q on k - 1 degrees of freedom */
    double i2;        /* I^2 in percent, in [0, 100] */
    double tau2;      /* DerSimonian-Laird between-study variance */
    double re_beta, re_se, re_z, re_log_p; /* random effects (DL) */
} duet_meta_ivw_t;

/* Combine beta[i] +- se[i], i < k (every se > 0 and finite). */
void duet_meta_ivw(const double *beta, const double *se, int k, duet_meta_ivw_t *out);

/* METAL's sample-size-weighted Z of k z-scores with sample sizes n[i] > 0:
 * *z = sum(sqrt(n) z) / sqrt(sum(n)), *log_p = ln of its two-sided normal
 * p.  k = 0 gives NAN. */
void duet_meta_samplesize(const double *z, const double *n, int k, double *z_out,
                          double *log_p);

/* The z-score whose two-sided normal p is exp(log_p), with the sign of
 * `sign` (0 or NAN sign: z = 0 when log_p is 0, else NAN).  Exact far in
 * the tail (libRmath qchisq with log.p). */
double duet_meta_z_from_logp(double log_p, double sign);

/* Genomic control: lambda = median / qchisq(0.5, 1) of n chi-square
 * statistics (NAN for n = 0), and the factor sqrt(max(1, lambda)) by which
 * a study's standard errors are multiplied. */
double duet_meta_gc_factor(double lambda);

/* Write v as printf's "%.10g" does (finite v; -0 as 0) into buf (>= 32
 * bytes), without printf: the 10 significant digits come from one scaling
 * in long double, so that they may differ from printf's only where v lies
 * within about 1e-19 relative of a rounding tie (where long double is no
 * wider than double, printf itself is used).  Returns the length.
 * (printf's float formatting was half of duet meta's time.) */
int duet_meta_format_g10(double v, char *buf);

/* ------------------------------------------------------------------ */
/* Variant keys */

/* The sort order of duet meta's inputs and output: chromosomes 1-22, X,
 * Y, XY, MT (a "chr" prefix is ignored; 23-26 are plink's codes for X, Y,
 * XY, MT, and M is MT), then other names in byte order; positions
 * ascending within a chromosome.  duet_meta_chrom_rank() gives 1-26 for
 * the named ones and 1000 for the rest. */
int duet_meta_chrom_rank(const char *chrom);

/* The chromosome as meta writes it into `buf` (size >= 2 and enough for
 * the name): prefix dropped, 23-26 and M spelt X, Y, XY, MT. */
void duet_meta_chrom_name(const char *chrom, char *buf, size_t size);

/* Compare two keys (rank, normalised name, position) as above: < 0, 0,
 * > 0.  `name` is the normalised name (compared only for rank 1000). */
int duet_meta_key_cmp(int rank_a, const char *name_a, int64_t pos_a, int rank_b,
                      const char *name_b, int64_t pos_b);

/* How alleles (ea, oa) of a row relate to (ref_ea, ref_oa): +1 the same,
 * -1 swapped, 2 the same or swapped only on the opposite strand (a strand
 * flip: SNVs only, never for the strand-ambiguous pairs A/T, C/G), 0
 * unrelated (another allele of a multi-allelic site). */
int duet_meta_align(const char *ea, const char *oa, const char *ref_ea, const char *ref_oa);

/* ------------------------------------------------------------------ */
/* The run */

typedef enum {
    DUET_META_STDERR = 0,     /* inverse-variance weighting */
    DUET_META_SAMPLESIZE = 1  /* sample-size-weighted Z */
} duet_meta_scheme_t;

typedef struct {
    const char *const *inputs;  /* study files, >= 2, in order */
    int n_inputs;
    const double *n;            /* per input: sample size replacing the n
                                   column, NAN to use the column; NULL: none */
    duet_meta_scheme_t scheme;  /* [DUET_META_STDERR] */
    int gc;                     /* per-study genomic control [0] */
    int min_studies;            /* write variants in >= this many studies [1] */
    const char *out;            /* prefix: OUT.meta.tsv.gz (+ .tbi), OUT.meta.yaml, OUT.log */
    const char *build;          /* genome_assembly of the sidecar, or NULL */
    int force, threads, no_version;
} duet_meta_opts_t;

void duet_meta_opts_init(duet_meta_opts_t *o);

/*
 * Run the meta-analysis and write its outputs atomically (nothing is left
 * on failure).  Errors, all reported:
 *   DUET_EREAD    an input cannot be read;
 *   DUET_EFORMAT  an input is malformed (FILE:LINE:COLUMN from the reader),
 *                 unsorted or has a variant twice (FILE:LINE), lacks
 *                 standard errors (--scheme stderr), sample sizes
 *                 (--scheme samplesize without --n) or the other allele;
 *   DUET_EDEGENERATE  no variant is left to write;
 *   DUET_EWRITE, DUET_ENOMEM.
 * Studies whose YAML sidecars name different traits give a warning.
 */
duet_err_t duet_meta_run(const duet_meta_opts_t *o) DUET_WUR;

#endif
