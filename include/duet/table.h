/*
 * table.h -- a reader of tables with a header row whose columns are found by
 * name: tab-separated (or runs of spaces when the header has no tab), plain,
 * gzip or bgzip-compressed (htslib BGZF).  Lines starting with "##" before
 * the header and empty lines are skipped; a leading '#' on a column name is
 * ignored when columns are looked up; CR before LF is dropped.
 *
 * Used by the figures (duet plot) and by the summary-statistics reader
 * (sumstats.h) that clump, prs, meta and merge share.
 */
#ifndef DUET_TABLE_H
#define DUET_TABLE_H

#include <stdint.h>
#include <htslib/bgzf.h>
#include <htslib/kstring.h>

#include "duet/err.h"

typedef struct {
    const char *path;
    BGZF *fp;
    kstring_t line;
    char *header;       /* the header line (owned) */
    char **hdr;         /* column names, pointing into `header` */
    int n_hdr;
    char **f;           /* fields of the current row, pointing into `line` */
    int n_f, m_f;
    int64_t lineno;     /* 1-based number of the line last read */
    char delim;         /* '\t', or ' ' for runs of spaces */
} duet_table_t;

/* Open `path` and read its header.  DUET_EREAD if it cannot be opened or
 * read, DUET_EFORMAT if it has no header line; both reported.  `path` is
 * borrowed and must outlive the table. */
duet_err_t duet_table_open(const char *path, duet_table_t *t) DUET_WUR;
void duet_table_close(duet_table_t *t);
/* Start again after the header (for a second pass). */
duet_err_t duet_table_rewind(duet_table_t *t) DUET_WUR;

/* The first column whose name (without a leading '#') equals one of the
 * NULL-terminated `names`, case-insensitively, in the order of `names`;
 * -1 if none. */
int duet_table_col(const duet_table_t *t, const char *const *names);

/* Read the next data row into t->f.  Returns 1 for a row, 0 at the end,
 * -1 on error with *err set (DUET_EREAD, DUET_EFORMAT for a row whose
 * field count differs from the header's; reported with the line). */
int duet_table_next(duet_table_t *t, duet_err_t *err);

/* Parse a decimal number (no hex, no "inf"/"infinity" words, no spaces):
 * 1 if `s` is one (finite), 0 if it is missing (#NA, NA, nan, ., empty),
 * -1 if it is neither (including values that overflow a double). */
int duet_table_parse_double(const char *s, double *v);

/* Report a malformed value of column `col` of the current row as
 * "FILE:LINE:COL: value 'X' in column NAME is not WHAT"; returns
 * DUET_EFORMAT. */
duet_err_t duet_table_bad_value(const duet_table_t *t, int col, const char *what);

#endif
