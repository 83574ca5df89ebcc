/*
 * tsv.c -- tab-separated row building with fixed number formats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/tsv.h"

void duet_tsv_row_init(duet_tsv_row_t *row) { memset(row, 0, sizeof *row); }

void duet_tsv_row_free(duet_tsv_row_t *row)
{
    free(row->s);
    memset(row, 0, sizeof *row);
}

void duet_tsv_row_clear(duet_tsv_row_t *row)
{
    row->l = 0;
    row->n_fields = 0;
    if (row->s) row->s[0] = 0;
}

static int reserve(duet_tsv_row_t *row, size_t extra)
{
    if (row->oom) return -1;
    if (row->l + extra + 1 <= row->m) return 0;
    size_t m = row->m ? row->m : 256;
    while (m < row->l + extra + 1) m *= 2;
    char *s = realloc(row->s, m);
    if (!s) { row->oom = 1; return -1; }
    row->s = s;
    row->m = m;
    return 0;
}

void duet_tsv_strn(duet_tsv_row_t *row, const char *str, size_t n)
{
    if (reserve(row, n + 1)) return;
    if (row->n_fields++) row->s[row->l++] = '\t';
    memcpy(row->s + row->l, str, n);
    row->l += n;
    row->s[row->l] = 0;
}

void duet_tsv_str(duet_tsv_row_t *row, const char *s) { duet_tsv_strn(row, s, strlen(s)); }

void duet_tsv_int(duet_tsv_row_t *row, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    duet_tsv_strn(row, buf, (size_t)n);
}

void duet_tsv_double(duet_tsv_row_t *row, double v, int digits, const char *na)
{
    if (!isfinite(v)) { duet_tsv_str(row, na); return; }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.*g", digits, v == 0 ? 0.0 : v); /* no "-0" */
    duet_tsv_strn(row, buf, (size_t)n);
}

void duet_tsv_fixed(duet_tsv_row_t *row, double v, int decimals, const char *na)
{
    if (!isfinite(v)) { duet_tsv_str(row, na); return; }
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%.*f", decimals, v);
    /* "-0.000" is printed as "0.000": the sign of a rounded zero is noise. */
    if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)(n - 1)) {
        memmove(buf, buf + 1, (size_t)n);
        n--;
    }
    duet_tsv_strn(row, buf, (size_t)n);
}

duet_err_t duet_tsv_row_write(duet_tsv_row_t *row, duet_out_t *out)
{
    if (row->oom || reserve(row, 1)) return duet_log_oom(row->l + 1);
    row->s[row->l++] = '\n';
    duet_err_t err = duet_out_write(out, row->s, row->l);
    duet_tsv_row_clear(row);
    return err;
}
