/*
 * clump.h -- LD clumping of GWAS summary statistics as plink 1.9 --clump
 * defines it, with r² from a reference panel (any VCF/BCF: a panel, or the
 * target cohort itself).
 *
 * Matching.  A summary-statistics row (sumstats.h) matches a reference
 * variant (one ALT allele of a record, geno.h) with the same chromosome
 * ("chr" prefix and case ignored, M = MT) and position whose alleles are
 * {effect, other} in either order (a swap matches); where the file gives no
 * other allele, the effect allele must be the REF or this ALT.  Rows
 * without a p-value are skipped; rows whose position the reference lacks
 * are "absent", rows whose position it has with other alleles "allele
 * mismatches"; a second row of the same variant is a "duplicate" (the first
 * is kept).  The reference must be sorted by position within each
 * chromosome and hold each chromosome in one run.
 *
 * Clumping (plink 1.9 clump_reports()).  Every matched variant is a
 * candidate, whatever its p.  Index variants are taken in increasing p
 * (ties in reference order; p-values that underflowed to 0 by -log10 p)
 * among those with p <= p1; one that is already
 * in a clump is skipped; each candidate not yet in a clump, on the same
 * chromosome, at most kb x 1000 - 1 bp away and with |r²| > r2 (strictly;
 * ld.h's r² of hard GT calls, samples called at both) joins the index's
 * clump.  TOTAL counts the members, by p: NSIG p >= 0.05, S05 [0.01, 0.05),
 * S01 [0.001, 0.01), S001 [1e-4, 0.001), S0001 < 1e-4; SP2 lists the
 * members with p < p2.
 *
 * Reading.  A reference with a CSI/TBI index is read only in the windows
 * around the rows with p <= p1 when those are at most 5% of the rows
 * (merged; at most 4096 regions, else whole):
 * every pair that clumping looks at lies inside one.  Rows outside them are
 * counted as n_outside instead of matched / absent / mismatched.  Without
 * an index the reference is read whole.
 *
 * Memory: the reference's hard calls are held for one window of matched
 * variants (kb around the newest one), as bit planes; the pairs in LD that
 * involve a variant with p <= p1 are kept (8 bytes each) until the clumps
 * are formed.
 */
#ifndef DUET_CLUMP_H
#define DUET_CLUMP_H

#include <stdint.h>

#include "duet/err.h"
#include "duet/out.h"

typedef struct {
    const char *sumstats;       /* summary statistics (sumstats.h formats) */
    const char *vcf;            /* reference genotypes: VCF, VCF.gz or BCF */
    const char *const *samples; /* reference samples to use; NULL = all */
    int n_samples;
    double p1;                  /* index threshold [1e-4] */
    double p2;                  /* SP2 threshold [1e-2] */
    double r2;                  /* r² threshold [0.5] */
    double kb;                  /* window radius in kb [250] */
    int threads;                /* [1] */
} duet_clump_opts_t;

/* plink 1.9 --clump's defaults. */
void duet_clump_opts_init(duet_clump_opts_t *opts);

/* A matched variant.  Strings are owned by the result. */
typedef struct {
    const char *chrom;      /* as the reference writes it */
    int64_t pos;
    const char *id;         /* the sumstats' variant ID; else the
                               reference's; else CHR:POS:REF:ALT */
    const char *effect_allele, *other_allele; /* as the sumstats give them
                               (other_allele: the reference's other allele
                               where the sumstats have none) */
    double beta;            /* per effect allele; NAN if missing */
    double p;               /* may be 0 (underflow) */
    double mlp;             /* -log10 p (exact beyond underflow) */
    int effect_is_alt;      /* 1 if the effect allele is the reference ALT */
} duet_clump_variant_t;

typedef struct {
    int index;              /* into variants */
    int n_members;          /* TOTAL */
    int *members;           /* into variants, in reference order */
    int histo[5];           /* NSIG S05 S01 S001 S0001 */
} duet_clump_t;

typedef struct {
    int64_t n_rows;              /* sumstats rows read */
    int64_t n_no_p;              /* rows without a p-value (skipped) */
    int64_t n_matched;           /* rows matched to a reference variant */
    int64_t n_absent;            /* position not in the reference */
    int64_t n_allele_mismatch;   /* position there, alleles not */
    int64_t n_duplicate;         /* a second row of one variant */
    int64_t n_multiallelic;      /* matched to an ALT of a multi-allelic
                                    record */
    int64_t n_outside;           /* rows farther than the window from
                                    every row with p <= p1, not looked up
                                    (indexed reference read by regions) */
    int64_t n_ref_variants;      /* reference variants (ALT alleles) read */
    int64_t n_regions;           /* regions read through the index; 0 when
                                    the reference was read whole */
    int64_t n_swapped;           /* matched with effect allele = REF */
    int64_t n_index_absent;      /* unmatched rows with p <= p1 */
    int64_t n_index_candidates;  /* matched variants with p <= p1 */
    int64_t n_pairs;             /* pairs whose r² was computed */
    int64_t n_pairs_ld;          /* ... above the threshold */
    int64_t n_clumped;           /* variants in clumps, index excluded */
    int n_samples;               /* reference samples used */
} duet_clump_counts_t;

typedef struct {
    duet_clump_variant_t *variants; /* matched variants, reference order */
    int n_variants;
    duet_clump_t *clumps;           /* index variants by increasing p */
    int n_clumps;
    duet_clump_counts_t counts;
    duet_clump_opts_t opts;         /* as run (pointers not owned) */
    const char *sumstats_format;    /* "GWAS-SSF", "plink2", "regenie" */
    void *internal;                 /* storage */
} duet_clump_result_t;

/*
 * Clump.  Errors, reported where found: DUET_EREAD / DUET_EFORMAT from the
 * two readers (and DUET_EFORMAT for a reference not sorted by position,
 * naming the record); DUET_EMISMATCH when no row matches a reference
 * variant (the message gives the counts); DUET_EUSAGE for thresholds out
 * of range; DUET_ENOMEM.  No index variant (nothing with p <= p1) is not
 * an error: zero clumps, with a warning.  On error *res is NULL.
 */
duet_err_t duet_clump_run(const duet_clump_opts_t *opts, duet_clump_result_t **res) DUET_WUR;
void duet_clump_result_destroy(duet_clump_result_t *res);

/*
 * The outputs of duet clump, into writers the caller created (and closes
 * and publishes, all or none; out.h):
 *   clumped  PREFIX.clumped: plink 1.9's columns (CHR F SNP BP P TOTAL NSIG
 *            S05 S01 S001 S0001 SP2), whitespace-aligned, by increasing p
 *   tsv      PREFIX.clumps.tsv: index_variant chromosome base_pair_location
 *            effect_allele other_allele p_value neg_log_10_p_value total
 *            members (comma-separated IDs in position order, #NA for none)
 *   log      PREFIX.log: key<TAB>value lines of the counts and settings
 * `no_version` leaves out the "##" provenance lines.  DUET_EWRITE,
 * DUET_ENOMEM.
 */
duet_err_t duet_clump_write(const duet_clump_result_t *res, duet_out_t *clumped, duet_out_t *tsv,
                            duet_out_t *log, int no_version) DUET_WUR;

/*
 * The greedy step alone, for tests and for callers with their own LD:
 * variants 0..n-1 in reference order with p-values p[] (and -log10 p mlp[]
 * to order p-values that underflowed; may be NULL), and for each variant i
 * with p[i] <= p1 the variants in LD with it: adj[adj_start[i] ..
 * adj_start[i+1]-1], ascending.  Fills clumps (index by increasing p, ties
 * by index; members ascending) into *clumps / *n_clumps and the member
 * storage *members (caller frees both with free()).  DUET_ENOMEM.
 */
duet_err_t duet_clump_greedy(int n, const double *p, const double *mlp, double p1,
                             const int64_t *adj_start, const int *adj, duet_clump_t **clumps,
                             int *n_clumps, int **members) DUET_WUR;

/* plink's p-value class of a member: 0 NSIG (p >= 0.05), 1 S05, 2 S01,
 * 3 S001, 4 S0001 (p < 1e-4). */
int duet_clump_histo_class(double p);

/* The window radius in bp for --clump-kb KB: plink 1.9 keeps pairs at most
 * KB x 1000 - 1 bp apart. */
int64_t duet_clump_bp_radius(double kb);

#endif
