/*
 * tsv.h -- building tab-separated rows with fixed number formats.
 *
 * A duet_tsv_row_t is a reusable line buffer: add fields, then
 * duet_tsv_row_write() appends the line (with '\n') to an output and clears
 * the buffer.  Numbers always use the same formats, so that outputs are
 * byte-identical across runs and thread counts.
 */
#ifndef DUET_TSV_H
#define DUET_TSV_H

#include <stddef.h>
#include <stdint.h>
#include "duet/err.h"
#include "duet/out.h"

typedef struct {
    char *s;       /* the line so far, NUL-terminated */
    size_t l, m;   /* used and allocated bytes (htslib kstring style) */
    int n_fields;  /* fields added since the last write */
    int oom;       /* an allocation failed; reported at write */
} duet_tsv_row_t;

void duet_tsv_row_init(duet_tsv_row_t *row);
void duet_tsv_row_free(duet_tsv_row_t *row);
void duet_tsv_row_clear(duet_tsv_row_t *row);

void duet_tsv_str(duet_tsv_row_t *row, const char *s);
void duet_tsv_strn(duet_tsv_row_t *row, const char *s, size_t n);
void duet_tsv_int(duet_tsv_row_t *row, int64_t v);
/* %.*g with `digits` significant digits; NaN and infinities as `na`. */
void duet_tsv_double(duet_tsv_row_t *row, double v, int digits,
                     const char *na);
/* %.*f with `decimals` decimals; NaN and infinities as `na`. */
void duet_tsv_fixed(duet_tsv_row_t *row, double v, int decimals,
                    const char *na);

/* Append the row and '\n' to `out`, then clear it. */
duet_err_t duet_tsv_row_write(duet_tsv_row_t *row, duet_out_t *out) DUET_WUR;

#endif
