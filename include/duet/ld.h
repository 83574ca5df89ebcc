/*
 * ld.h -- linkage disequilibrium between pairs of variants from hard calls,
 * as plink 1.9 measures it for --clump (and --r2 with its default phased
 * estimate): each variant's calls become three bit planes over the samples
 * (0, 1 or 2 copies of the ALT allele; a missing call sets none), the
 * two-locus genotype table of a pair counts the samples called at both, and
 * r² is that of the maximum-likelihood haplotype frequencies given the
 * table (the double heterozygotes' phase estimated from the cubic
 * likelihood equation, as plink 1.9's em_phase_hethet does).
 *
 * Used by duet clump and prs ct (src/prs/clump.c); generic over any set of
 * variants.
 */
#ifndef DUET_LD_H
#define DUET_LD_H

#include <stdint.h>

#include "duet/err.h"

/* 64-bit words of one bit plane over n_samples samples. */
int duet_ld_words(int n_samples);

/*
 * Hard calls of one variant into planes[0..3*words-1]: plane g (words
 * g*words .. g*words+words-1) has bit i set when sample i carries g ALT
 * copies.  dosage[i] is rounded to the nearest of 0, 1, 2 (GT dosages are
 * exact); a sample with missing[i] != 0 (missing may be NULL) or a dosage
 * outside [0, 2] sets no bit.  Returns the number of called samples.
 */
int duet_ld_hardcalls(const double *dosage, const uint8_t *missing, int n_samples,
                      uint64_t *planes);

/*
 * The 3 x 3 table of the samples called at both variants: counts[3*a + b]
 * samples with a ALT copies at the first variant and b at the second.
 */
void duet_ld_table(const uint64_t *planes_a, const uint64_t *planes_b, int words,
                   uint32_t counts[9]);

/*
 * r² of the pair from its table, signed by D (the square of the haplotype
 * correlation, negative when the ALT alleles are in repulsion), as plink
 * 1.9's --clump compares it (|r²| > threshold).  Returns 0 and sets *r2, or
 * 1 when a variant is monomorphic among the samples called at both (or no
 * sample is): plink 1.9 then leaves the pair out.
 */
int duet_ld_r2(const uint32_t counts[9], double *r2);

/*
 * The real roots of x^3 + a x^2 + b x + c, ascending, each once (roots
 * closer than 2^-21 merged); returns their number (1 to 3).
 */
int duet_ld_cubic_roots(double a, double b, double c, double roots[3]);

#endif
