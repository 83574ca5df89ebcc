/*
 * ldref.h -- an LD reference: block-diagonal correlation matrices of
 * standardised genotype dosages, built from a VCF/BCF (duet ld, prs bayes
 * --ld-out) and read back by prs bayes (--ld).
 *
 * Each block's correlation matrix is projected to the nearest (Frobenius)
 * non-negative definite matrix, eigenvalues below 0 clamped to 0 (Higham
 * 1988), and stored as a packed upper triangle of float32.
 *
 * The file (P.ld.zst) is one zstd frame (with zstd's content checksum)
 * holding, little-endian:
 *
 *   header   char magic[8] "DUETLD\r\n"; u32 version (1); u32 value bytes
 *            (4: float32); u32 n_samples; u32 text bytes T; T bytes of
 *            provenance text (duet version and command line; T = 0 with
 *            --no-version)
 *   blocks   u32 m (variants in the block, >= 1); m variant records
 *            (u32 length + bytes of chrom, i64 pos, u32 length + bytes
 *            of id, ref and alt each, f64 ALT allele frequency); then
 *            m (m + 1) / 2 float32: r[0][0..m-1], r[1][1..m-1], ...
 *   trailer  u32 0; u64 variants; u64 blocks; u64 FNV-1a 64-bit hash of
 *            every byte before the hash
 *
 * Blocks are in file order and hold whole chromosomes' stretches (a block
 * never spans two chromosomes).  Memory while building or reading block by
 * block is that of one block.
 */
#ifndef DUET_LDREF_H
#define DUET_LDREF_H

#include <stdint.h>
#include "duet/err.h"

#define DUET_LD_MAGIC "DUETLD\r\n"
#define DUET_LD_VERSION 1u
#define DUET_LD_MAX_BLOCK 65536 /* variants per block a reader accepts */

typedef struct {
    char *chrom, *id, *ref, *alt; /* owned by the block */
    int64_t pos;
    double af;                    /* ALT allele frequency in the reference */
} duet_ld_variant_t;

/* One block: m variants and their m x m correlation matrix (full,
 * symmetric, column-major doubles). */
typedef struct {
    int m;
    duet_ld_variant_t *variants;
    double *r;
} duet_ld_block_t;

/* Free a block's contents (not the struct); NULL and empty blocks are
 * accepted. */
void duet_ld_block_free(duet_ld_block_t *b);

/*
 * Nearest non-negative definite matrix in Frobenius norm: a (m x m,
 * symmetric, column-major; the upper triangle is read) is replaced by
 * V max(L, 0) V' from its eigendecomposition (LAPACK dsyevr).  *n_neg
 * gets the number of eigenvalues clamped (may be NULL).  DUET_EDEGENERATE
 * (reported) if LAPACK fails, DUET_ENOMEM.
 */
duet_err_t duet_ld_psd_project(double *a, int m, int *n_neg) DUET_WUR;

/* ---- writing ---------------------------------------------------------- */

typedef struct duet_ld_writer_t duet_ld_writer_t;

/* Create `path` (atomically, through out.h: nothing visible until
 * duet_ld_writer_commit()).  `provenance` may be NULL.  DUET_EWRITE,
 * DUET_ENOMEM. */
duet_err_t duet_ld_writer_create(const char *path, int force, int n_samples,
                                 const char *provenance,
                                 duet_ld_writer_t **w) DUET_WUR;
/* Append a block (its matrix is rounded to float32).  DUET_EWRITE. */
duet_err_t duet_ld_writer_block(duet_ld_writer_t *w,
                                const duet_ld_block_t *b) DUET_WUR;
/* Write the trailer and publish the file.  DUET_EWRITE. */
duet_err_t duet_ld_writer_commit(duet_ld_writer_t *w) DUET_WUR;
/* Free; an uncommitted file is removed.  NULL accepted. */
void duet_ld_writer_destroy(duet_ld_writer_t *w);

/* ---- reading ---------------------------------------------------------- */

typedef struct duet_ld_reader_t duet_ld_reader_t;

/* Open and read the header.  DUET_EREAD (cannot open), DUET_EFORMAT (not
 * an LD file, another version, a truncated or corrupted file; the message
 * gives the path and the byte offset in the decompressed stream),
 * DUET_ENOMEM. */
duet_err_t duet_ld_open(const char *path, duet_ld_reader_t **r) DUET_WUR;
void duet_ld_close(duet_ld_reader_t *r);
int duet_ld_n_samples(const duet_ld_reader_t *r);
/* The provenance text of the header ("" if none). */
const char *duet_ld_provenance(const duet_ld_reader_t *r);

/* The next block into *b (freed and refilled): 1 a block, 0 the end (the
 * trailer's counts and hash checked, and nothing after it), -1 an error
 * with *err set (DUET_EFORMAT for a truncated or corrupted file,
 * DUET_ENOMEM), reported. */
int duet_ld_next(duet_ld_reader_t *r, duet_ld_block_t *b, duet_err_t *err);

/* ---- building --------------------------------------------------------- */

typedef struct {
    const char *vcf;          /* reference genotypes */
    const char *samples;      /* keep these samples (geno.h sample file) or NULL */
    const char *blocks_bed;   /* BED of blocks (chrom, 0-based start, end) or NULL */
    int window_variants;      /* variants per block when no BED and no kb [500] */
    double window_kb;         /* fixed windows of this many kb (> 0) or 0 */
    const char *extract;      /* variant IDs to keep (idlist column 1) or NULL */
    double maf;               /* drop variants with minor allele freq below [0] */
    int threads;
    int force;
    const char *provenance;   /* header text or NULL */
} duet_ld_build_opts_t;

void duet_ld_build_opts_init(duet_ld_build_opts_t *o);

/* Counts of a build, for logs and tests. */
typedef struct {
    int64_t n_read, n_kept, n_blocks, n_multiallelic, n_monomorphic, n_maf,
        n_extract, n_outside, n_neg_eig;
    int n_samples;
} duet_ld_build_stats_t;

/*
 * Build the LD reference of opts->vcf into `path`: variants read in file
 * order (one ALT allele per record: multi-allelic records, monomorphic
 * variants, those below --maf, not in --extract, or outside every BED block
 * are dropped and counted), dosages mean-imputed (geno.h) and standardised
 * over samples, r = X'X / n per block, projected (duet_ld_psd_project()).
 * Blocks: the BED's intervals (a variant at 1-based pos belongs to the
 * interval start < pos <= end of its chromosome, "chr" prefixes ignored;
 * the BED need not be sorted; overlapping intervals are refused); else
 * windows of window_kb kb ([k K, (k+1) K) kb); else runs of window_variants
 * variants; a block ends at a chromosome change.  Records must be sorted by
 * position within a chromosome (DUET_EFORMAT otherwise).  Errors of the
 * reader (geno.h), of the BED (DUET_EREAD, DUET_EFORMAT with FILE:LINE:
 * COLUMN), DUET_EDEGENERATE (no variant kept), DUET_EWRITE, DUET_ENOMEM.
 */
duet_err_t duet_ld_build(const duet_ld_build_opts_t *opts, const char *path,
                         duet_ld_build_stats_t *stats) DUET_WUR;

#endif
