/*
 * lambda_internal.h -- the chi-squares and effect allele frequencies of a
 * file's rows, gathered row by row for lambda GC by MAF
 * (duet_dist_lambda_by_maf), as `duet gwas` writes them and `duet merge`
 * reads them back.
 */
#ifndef DUET_LAMBDA_INTERNAL_H
#define DUET_LAMBDA_INTERNAL_H

#include <stddef.h>
#include "duet/err.h"

typedef struct {
    float *chi2, *freq;  /* per row with a p-value: chi-square, frequency
                            as written (NaN if none) */
    size_t n, m;
} lambda_rows_t;

/* Append one row; DUET_ENOMEM (reported) on failure. */
duet_err_t lambda_rows_push(lambda_rows_t *rows, float chi2, float freq) DUET_WUR;
void lambda_rows_free(lambda_rows_t *rows);

#endif
