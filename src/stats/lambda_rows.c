/*
 * lambda_rows.c -- the rows gathered for lambda GC (lambda_internal.h).
 */
#include <stdlib.h>

#include "duet/log.h"
#include "lambda_internal.h"

duet_err_t lambda_rows_push(lambda_rows_t *rows, float chi2, float freq)
{
    if (rows->n == rows->m) {
        size_t m = rows->m ? 2 * rows->m : 4096;
        float *c = realloc(rows->chi2, m * sizeof *c);
        if (!c) return duet_log_oom(m * sizeof *c);
        rows->chi2 = c;
        float *f = realloc(rows->freq, m * sizeof *f);
        if (!f) return duet_log_oom(m * sizeof *f);
        rows->freq = f;
        rows->m = m;
    }
    rows->freq[rows->n] = freq;
    rows->chi2[rows->n++] = chi2;
    return DUET_OK;
}

void lambda_rows_free(lambda_rows_t *rows)
{
    free(rows->chi2);
    free(rows->freq);
    rows->chi2 = rows->freq = NULL;
    rows->n = rows->m = 0;
}
