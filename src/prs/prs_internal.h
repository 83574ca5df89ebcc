/*
 * prs_internal.h -- what the files of src/prs/ share and nobody else sees:
 * the layout of a weights set, the chromosome and allele helpers, and the
 * variant index that matching uses.
 */
#ifndef DUET_PRS_INTERNAL_H
#define DUET_PRS_INTERNAL_H

#include <stdint.h>
#include "duet/score.h"

struct duet_weights_t {
    int n_scores, m_scores;
    char **score_names;
    double **weight;            /* weight[score][row]; NaN: not in the score */
    int n_rows, m_rows;
    duet_weight_row_t *rows;
    int n_files, m_files;
    char **files;
    duet_weights_format_t *formats;
};

/* Write the canonical name of a chromosome into buf (size >= 32): "chr"
 * prefix dropped (any case), 23 -> X, 24 -> Y, 25 -> XY, 26 / M -> MT,
 * letters upper-cased.  Returns buf; a name too long is copied cut
 * (never equal to a real contig's). */
char *duet_prs_chrom_norm(const char *chrom, char *buf);

/* The complement of a single-nucleotide allele (A<->T, C<->G), or 0 when
 * the allele is not one of A, C, G, T. */
char duet_prs_complement(const char *allele);

/* 1 if the pair {a, b} is A/T or C/G (strand-ambiguous SNP). */
int duet_prs_ambiguous(const char *a, const char *b);

/* Parse a finite decimal number (no hex, no inf/nan words, no spaces);
 * 1 on success, 0 otherwise. */
int duet_prs_parse_weight(const char *s, double *v);

/* The index of the rows of a weights set by position and by ID. */
typedef struct duet_match_index_t duet_match_index_t;

/* Rows with a position are indexed by (chromosome, position), unless
 * match_id, when rows with an ID are indexed by ID; rows without a
 * position are indexed by ID.  DUET_ENOMEM. */
duet_err_t duet_match_index_build(const duet_weights_t *w, int match_id,
                                  duet_match_index_t **idx) DUET_WUR;
void duet_match_index_destroy(duet_match_index_t *idx);

/* The candidate rows of a VCF variant: up to max rows written to out[]
 * (the count, possibly above max, is returned).  Read-only: safe to call
 * from several threads. */
int duet_match_candidates(const duet_match_index_t *idx, const char *chrom, int64_t pos,
                          const char *id, int *out, int max);

/* How a row fits a VCF variant: REF ref, the record's ALT alleles
 * alts[0..n_alts-1], this variant's ALT alts[allele-1]: a duet_match_t
 * (ABSENT is never returned: MISMATCH when nothing fits).  The other
 * strand is tried only when no ALT of the record fits as written.
 * *swapped is set to 1 when the effect allele is REF. */
duet_match_t duet_match_alleles(const duet_weight_row_t *row, const char *ref,
                                const char *const *alts, int n_alts, int allele,
                                int keep_ambiguous, int *swapped);

#endif
