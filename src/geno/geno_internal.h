/*
 * geno_internal.h -- the reader's private state, shared by the files of
 * src/geno: reader.c (opening, sample matching, regions, chunks, fetching
 * raw records), decode.c (raw GT/DS bytes to dosages) and scan.c (fetch in
 * order, decode in parallel).
 */
#ifndef DUET_GENO_INTERNAL_H
#define DUET_GENO_INTERNAL_H

#include <stdint.h>

#include <htslib/hts.h>
#include <htslib/kstring.h>
#include <htslib/tbx.h>
#include <htslib/vcf.h>

#include "duet/geno.h"

/* How records are pulled from the file. */
typedef enum {
    GENO_READ_STREAM = 0, /* bcf_read() from the start */
    GENO_READ_BCF_ITR,    /* bcf_itr_next() over a CSI iterator */
    GENO_READ_TBX_ITR     /* tbx_itr_next() + vcf_parse() */
} geno_read_mode_t;

struct duet_geno_t {
    char *path;
    htsFile *fp;
    bcf_hdr_t *hdr;
    hts_idx_t *idx;   /* BCF (CSI) index, or NULL */
    tbx_t *tbx;       /* VCF.gz (TBI/CSI) index, or NULL */
    hts_itr_t *itr;   /* current iterator, or NULL */
    kstring_t line;   /* text line for the tabix iterator */
    geno_read_mode_t mode;
    int is_bcf;
    int no_eof_marker; /* BGZF without its end-of-file block: truncated */

    duet_geno_field_t field;
    int want_missing_mask;
    int gt_id, ds_id; /* header FORMAT ids, -1 if not declared */

    /* Kept samples: output row i reads file column cols[i]. */
    int n_samples, n_file_samples;
    int *cols;
    int identity; /* cols[i] == i for every i and all file samples kept */

    /* Chunking: contigs to visit in order (index tids), the records to skip
     * in the first one, and the records still to deliver. */
    int *chunk_tids;
    int n_chunk_tids, chunk_next_tid;
    uint64_t chunk_skip, chunk_left;
    int chunking;

    uint64_t n_records_hint;
    uint64_t next_record;  /* number of the next record read */
    uint64_t next_block;
    int eof;

    /* A record read that did not fit in the last block: goes first in the
     * next one.  Records circulate between the reader and the blocks by
     * pointer swaps, so that none is allocated per block. */
    bcf1_t *pending;
    uint64_t pending_record;
    int has_pending;

    /* Last record read successfully, for error messages. */
    int last_rid;
    int64_t last_pos;
    uint8_t *seen_rid;     /* contigs read so far (sortedness), m_seen_rid long */
    int m_seen_rid;

    /* Sexes of the kept samples (duet_sex_t, output order) and the rules
     * of chrX, chrY and MT; has_sex 0: every contig diploid. */
    uint8_t *sex;
    int has_sex;
    duet_par_t par;
    double x_scale;        /* matrix value of one hemizygous chrX allele */
    int class_rid;         /* contig of the cached class, -1 none */
    duet_ploidy_t class_of_rid;
    int warn_no_sex, warned_no_sex;
};

/* Block state the reader keeps: the raw records of the block. */
typedef struct {
    bcf1_t **recs;
    uint64_t *rec_number; /* record number of recs[r] */
    const char **chrom;   /* contig name of recs[r], taken at fetch time (a
                             VCF line can add contigs to the header, so
                             decoding threads never look names up) */
    uint8_t *rec_class;   /* duet_ploidy_t of recs[r], set at fetch time */
    int n_recs, m_recs;
    int n_cols;           /* variant columns the fetched records fill */
    int gt_id, ds_id;     /* header FORMAT ids when the block was fetched */
    uint8_t *gather;      /* 2 x n_samples + 64 bytes: GT bytes of the kept
                             samples, in output order */
    int *miss_idx;        /* n_samples: missing samples of one variant */
} geno_block_raw_t;

/* Build the decoding lookup tables once per process (thread-safe). */
void geno_decode_init(void);

/* For tests and benchmarks: cap the SIMD kernel used for diploid int8 GT
 * (0 SSE2, 1 AVX2, 2 AVX-512BW; the CPU's own limit still applies).
 * Returns the level in force.  Not thread-safe: call between decodes. */
int geno_decode_set_simd(int level);

/* Decode record r of a fetched block into variant columns col.. (one per
 * ALT).  Defined in decode.c; duet_geno_decode() calls it for every record
 * and duet_geno_read_block() right after reading each one, while its bytes
 * are still in the cache. */
duet_err_t geno_decode_record(const duet_geno_t *g, geno_block_raw_t *raw, int r,
                              duet_geno_block_t *b, int col);

/* "chrom:pos" of a record, for messages; writes into buf. */
const char *geno_record_name(const duet_geno_t *geno, const bcf1_t *rec,
                             char *buf, size_t size);

#endif
