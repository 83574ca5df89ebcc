/*
 * clump_internal.h -- state shared by clump.c (summary statistics, result),
 * clump_ref.c (the reference pass, the window, the pairs in LD, the greedy
 * step) and clump_write.c (outputs).  Private to src/prs.
 */
#ifndef DUET_CLUMP_INTERNAL_H
#define DUET_CLUMP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <htslib/kstring.h>

#include "duet/clump.h"
#include "duet/sumstats.h"

#define CK_NONE ((size_t)-1)

enum { CK_UNSEEN = 0, CK_POS_SEEN = 1, CK_MATCHED = 2, CK_DUPLICATE = 3 };

typedef struct {
    size_t id, ea, oa;  /* pool offsets; CK_NONE if absent */
    int64_t pos;
    double beta, p, mlp;
    int chrom;          /* chrom_code() */
    int next;           /* next row at the same position, -1 */
    int variant;        /* matched variant, -1 */
    uint8_t status;     /* CK_* */
} ck_row_t;

typedef struct {
    int row;            /* the sumstats row */
    size_t id;          /* pool: the variant's ID as written */
    size_t other;       /* pool: the other allele */
    size_t ref_chrom;   /* pool: the reference's chromosome name */
    int effect_is_alt;
} ck_matched_t;

/* The window: matched variants of the current chromosome within the
 * radius of the newest, as a ring of bit planes. */
typedef struct {
    int words;          /* per plane */
    int cap, head, n;   /* ring capacity, first slot, entries */
    uint64_t *planes;   /* cap x 3 x words */
    int64_t *pos;
    int *variant;
    uint8_t *eligible;  /* p <= p1 */
    uint8_t *flag;      /* scratch: the pair is in LD */
} ck_window_t;

typedef struct {
    duet_clump_opts_t opts;
    int64_t radius;
    duet_sumstats_t *ss;
    void *hash;                 /* (chrom, pos) -> first row */
    ck_row_t *rows;
    int64_t n_rows, m_rows;
    kstring_t pool;
    char **chroms;              /* normalised names */
    int n_chroms, m_chroms;
    ck_matched_t *matched;
    int n_matched, m_matched;
    int *edge_a, *edge_b;       /* pairs in LD, a < b, in arrival order */
    size_t n_edges, m_edges;
    ck_window_t win;
    int64_t **elig_pos;         /* per chromosome code: sorted positions of
                                   rows with p <= p1 */
    int *n_elig_pos;
    duet_clump_counts_t counts;
    int nothing_to_read;        /* indexed reference, no row with p <= p1 */
    int oom;
} ck_state_t;

/* What the result owns besides its arrays. */
typedef struct {
    char *pool;
    int *members;
} ck_store_t;

size_t ck_pool_add(ck_state_t *st, const char *s);
/* The number of a chromosome (names compared without "chr" and case, M as
 * MT); added when `add`; -1 if absent or on allocation failure (st->oom). */
int ck_chrom_code(ck_state_t *st, const char *name, int add);
int ck_rows_at(const ck_state_t *st, int chrom, int64_t pos);
duet_err_t ck_reference_pass(ck_state_t *st);
/* 1 if a row with p <= p1 lies within the radius of (chrom, pos). */
int ck_near_eligible(const ck_state_t *st, int chrom, int64_t pos);
void ck_window_free(ck_window_t *w);
/* For each matched variant with p <= p1, the variants in LD with it
 * (CSR, ascending).  DUET_ENOMEM. */
duet_err_t ck_adjacency(const ck_state_t *st, int64_t **adj_start, int **adj);

#endif
