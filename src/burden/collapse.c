/*
 * collapse.c -- frequency bins and the rules that collapse a mask's
 * variants into one score per sample, as regenie builds its burden masks
 * (Mbatchou et al. 2021; regenie's documentation, "--build-mask"): max (the
 * largest ALT allele count over the variants, regenie's default), sum (the
 * sum of ALT counts) and comphet (the sum thresholded at 2: for hard calls
 * the largest count, and 2 where two or more variants are heterozygous).
 * Bins follow regenie's --aaf-bins: a variant enters bin B when its
 * alternative allele frequency is at most B ([0, B]); --maf-bins uses the
 * minor allele frequency instead; "singleton" holds the variants whose ALT
 * allele count is 1, "all" every variant of the mask.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/burden.h"
#include "duet/log.h"

const char *duet_collapse_str(duet_collapse_t rule)
{
    switch (rule) {
    case DUET_COLLAPSE_MAX: return "max";
    case DUET_COLLAPSE_SUM: return "sum";
    case DUET_COLLAPSE_COMPHET: return "comphet";
    }
    return "";
}

duet_err_t duet_burden_bins_parse(const char *list, duet_bin_kind_t kind, int singleton,
                                  const char *option, duet_burden_bin_t **bins, int *n_out)
{
    *bins = NULL;
    *n_out = 0;
    int cap = 2;
    for (const char *p = list; p && *p; p++) cap += *p == ',';
    cap += 1;
    duet_burden_bin_t *b = duet_calloc((size_t)cap, sizeof *b);
    if (!b) return DUET_ENOMEM;
    int n = 0;
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        char buf[64];
        if (len == 0 || len >= sizeof buf) {
            duet_log_error("%s: empty or overlong bound in '%s'", option, list);
            free(b);
            return DUET_EUSAGE;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        char *end;
        errno = 0;
        double v = strtod(buf, &end);
        if (errno || *end || !(v > 0) || v > 1 || (kind == DUET_BIN_MAF && v > 0.5)) {
            duet_log_error("%s: '%s' is not a frequency in (0, %s]", option, buf,
                           kind == DUET_BIN_MAF ? "0.5" : "1");
            free(b);
            return DUET_EUSAGE;
        }
        for (int k = 0; k < n; k++)
            if (b[k].bound == v) {
                duet_log_error("%s: bound %s given twice", option, buf);
                free(b);
                return DUET_EUSAGE;
            }
        b[n].kind = kind;
        b[n].bound = v;
        snprintf(b[n].label, sizeof b[n].label, "%g", v);
        n++;
        p += len;
        if (*p == ',') p++;
    }
    if (singleton) {
        b[n].kind = DUET_BIN_SINGLETON;
        b[n].bound = NAN;
        snprintf(b[n].label, sizeof b[n].label, "singleton");
        n++;
    }
    b[n].kind = DUET_BIN_ALL;
    b[n].bound = NAN;
    snprintf(b[n].label, sizeof b[n].label, "all");
    n++;
    *bins = b;
    *n_out = n;
    return DUET_OK;
}

int duet_burden_in_bin(const duet_burden_bin_t *bin, double aaf, double alt_count)
{
    if (!(aaf >= 0)) return 0; /* NaN: nobody called */
    switch (bin->kind) {
    case DUET_BIN_AAF: return aaf <= bin->bound;
    case DUET_BIN_MAF: return fmin(aaf, 1 - aaf) <= bin->bound;
    case DUET_BIN_SINGLETON: return alt_count >= 0.5 && alt_count < 1.5;
    case DUET_BIN_ALL: return 1;
    }
    return 0;
}

void duet_burden_collapse(duet_collapse_t rule, const double *const *cols,
                          const uint8_t *const *missing, int m, int n, double *score,
                          uint8_t *carrier)
{
    size_t N = (size_t)n;
    memset(score, 0, N * sizeof *score);
    if (carrier) memset(carrier, 0, N);
    for (int j = 0; j < m; j++) {
        const double *d = cols[j];
        if (rule == DUET_COLLAPSE_MAX) {
            for (size_t i = 0; i < N; i++)
                if (d[i] > score[i]) score[i] = d[i];
        } else {
            for (size_t i = 0; i < N; i++) score[i] += d[i];
        }
        if (carrier) {
            const uint8_t *mk = missing ? missing[j] : NULL;
            for (size_t i = 0; i < N; i++)
                if (d[i] >= 0.5 && !(mk && mk[i])) carrier[i] = 1;
        }
    }
    if (rule == DUET_COLLAPSE_COMPHET)
        for (size_t i = 0; i < N; i++)
            if (score[i] > 2) score[i] = 2;
}
