/*
 * meta_stats.c -- the statistics and variant keys of duet meta (meta.h):
 * inverse-variance fixed effects, Cochran's Q, I^2 and DerSimonian-Laird
 * random effects as metafor's rma() computes them (Viechtbauer 2010,
 * J Stat Softw 36(3)), METAL's sample-size-weighted Z (Willer, Li and
 * Abecasis 2010, Bioinformatics 26(17)), genomic control, and the
 * chromosome order and allele alignment of the k-way merge.  Every
 * p-value is kept as its natural logarithm (dist.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duet/dist.h"
#include "duet/meta.h"

void duet_meta_ivw(const double *beta, const double *se, int k, duet_meta_ivw_t *out)
{
    out->k = k;
    out->beta = out->se = out->z = out->log_p = NAN;
    out->q = out->q_log_p = out->i2 = out->tau2 = NAN;
    out->re_beta = out->re_se = out->re_z = out->re_log_p = NAN;
    if (k < 1) return;
    double sw = 0, swb = 0, sw2 = 0;
    for (int i = 0; i < k; i++) {
        double w = 1.0 / (se[i] * se[i]);
        sw += w;
        swb += w * beta[i];
        sw2 += w * w;
    }
    out->beta = swb / sw;
    out->se = sqrt(1.0 / sw);
    out->z = out->beta / out->se;
    out->log_p = duet_dist_logp_z2(out->z);
    if (k < 2) return;
    /* Q from the residuals, not sum(w b^2) - (sum(w b))^2 / sum(w), which
     * cancels when the estimates agree */
    double q = 0;
    for (int i = 0; i < k; i++) {
        double d = beta[i] - out->beta;
        q += d * d / (se[i] * se[i]);
    }
    double df = k - 1;
    out->q = q;
    out->q_log_p = duet_dist_logp_chisq(q, df);
    out->i2 = q > df ? 100.0 * (q - df) / q : 0.0;
    /* DerSimonian and Laird (1986), truncated at zero as metafor does */
    double c = sw - sw2 / sw;
    double tau2 = c > 0 && q > df ? (q - df) / c : 0.0;
    out->tau2 = tau2;
    double rw = 0, rwb = 0;
    for (int i = 0; i < k; i++) {
        double w = 1.0 / (se[i] * se[i] + tau2);
        rw += w;
        rwb += w * beta[i];
    }
    out->re_beta = rwb / rw;
    out->re_se = sqrt(1.0 / rw);
    out->re_z = out->re_beta / out->re_se;
    out->re_log_p = duet_dist_logp_z2(out->re_z);
}

void duet_meta_samplesize(const double *z, const double *n, int k, double *z_out,
                          double *log_p)
{
    *z_out = *log_p = NAN;
    if (k < 1) return;
    double num = 0, sn = 0;
    for (int i = 0; i < k; i++) {
        num += sqrt(n[i]) * z[i];
        sn += n[i];
    }
    *z_out = num / sqrt(sn);
    *log_p = duet_dist_logp_z2(*z_out);
}

double duet_meta_z_from_logp(double log_p, double sign)
{
    if (isnan(log_p)) return NAN;
    double a = sqrt(duet_dist_chisq1_from_logp(log_p));
    if (a == 0) return 0.0;
    if (isnan(sign) || sign == 0) return NAN;
    return sign > 0 ? a : -a;
}

double duet_meta_gc_factor(double lambda)
{
    return isfinite(lambda) && lambda > 1 ? sqrt(lambda) : 1.0;
}

/* 10^k for |k| <= 27 exactly in long double; beyond, powl's nearest */
static long double pow10l_(int k)
{
    static long double tab[28];
    static int ready;
    if (!ready) {
        long double t = 1;
        for (int i = 0; i < 28; i++, t *= 10) tab[i] = t;
        ready = 1;
    }
    if (k >= 0 && k < 28) return tab[k];
    if (k < 0 && k > -28) return 1 / tab[-k];
    return powl(10.0L, (long double)k);
}

/* 1 if long double arithmetic carries more digits than double, as the x87
 * format does (it does not under emulators such as valgrind, nor where
 * long double is double): the formatter then falls back to printf. */
static int long_double_wide(void)
{
    static int wide = -1;
    if (wide < 0) {
        volatile long double x = 1.0L;
        x += 1e-17L;
        wide = x != 1.0L;
    }
    return wide;
}

int duet_meta_format_g10(double v, char *buf)
{
    char *p = buf;
    if (v == 0) { buf[0] = '0'; buf[1] = 0; return 1; }
    if (!long_double_wide()) return snprintf(buf, 32, "%.10g", v);
    if (v < 0) { *p++ = '-'; v = -v; }
    /* v in [2^(b-1), 2^b): floor(log10 v) is e or e + 1 */
    int b;
    frexp(v, &b);
    int e = (int)floor((b - 1) * 0.30102999566398120);
    /* ten digits: m in [1e9, 1e10), rounded half up (v > 0) */
    long long m = (long long)((long double)v * pow10l_(9 - e) + 0.5L);
    if (m >= 10000000000LL) {
        e++;
        m = (long long)((long double)v * pow10l_(9 - e) + 0.5L);
        if (m >= 10000000000LL) { m /= 10; e++; } /* 9.9999999995 rounded up */
    }
    char d[11];
    for (int i = 9; i >= 0; i--) { d[i] = (char)('0' + m % 10); m /= 10; }
    int nd = 10;
    while (nd > 1 && d[nd - 1] == '0') nd--;
    if (e < -4 || e >= 10) {
        *p++ = d[0];
        if (nd > 1) { *p++ = '.'; for (int i = 1; i < nd; i++) *p++ = d[i]; }
        *p++ = 'e';
        *p++ = e < 0 ? '-' : '+';
        int ae = e < 0 ? -e : e;
        if (ae >= 100) { *p++ = (char)('0' + ae / 100); ae %= 100; }
        *p++ = (char)('0' + ae / 10);
        *p++ = (char)('0' + ae % 10);
    } else if (e >= 0) {
        for (int i = 0; i <= e; i++) *p++ = d[i];
        if (nd > e + 1) { *p++ = '.'; for (int i = e + 1; i < nd; i++) *p++ = d[i]; }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -e - 1; i++) *p++ = '0';
        for (int i = 0; i < nd; i++) *p++ = d[i];
    }
    *p = 0;
    return (int)(p - buf);
}

/* The name without a chr prefix. */
static const char *strip_chr(const char *c)
{
    return strncasecmp(c, "chr", 3) == 0 && c[3] ? c + 3 : c;
}

int duet_meta_chrom_rank(const char *chrom)
{
    const char *c = strip_chr(chrom);
    if (c[0] >= '1' && c[0] <= '9') {
        char *end;
        long v = strtol(c, &end, 10);
        if (!*end && v >= 1 && v <= 26) return (int)v;
        return 1000;
    }
    if (!strcasecmp(c, "X")) return 23;
    if (!strcasecmp(c, "Y")) return 24;
    if (!strcasecmp(c, "XY")) return 25;
    if (!strcasecmp(c, "MT") || !strcasecmp(c, "M")) return 26;
    return 1000;
}

void duet_meta_chrom_name(const char *chrom, char *buf, size_t size)
{
    static const char *const named[] = { "X", "Y", "XY", "MT" };
    int r = duet_meta_chrom_rank(chrom);
    if (r <= 22) snprintf(buf, size, "%d", r);
    else if (r <= 26) snprintf(buf, size, "%s", named[r - 23]);
    else snprintf(buf, size, "%s", strip_chr(chrom));
}

int duet_meta_key_cmp(int rank_a, const char *name_a, int64_t pos_a, int rank_b,
                      const char *name_b, int64_t pos_b)
{
    if (rank_a != rank_b) return rank_a < rank_b ? -1 : 1;
    if (rank_a == 1000) {
        int c = strcmp(name_a, name_b);
        if (c) return c < 0 ? -1 : 1;
    }
    return (pos_a > pos_b) - (pos_a < pos_b);
}

/* The complement of a base, 0 for anything but A, C, G, T. */
static char complement(char b)
{
    switch (b) {
    case 'A': return 'T';
    case 'T': return 'A';
    case 'C': return 'G';
    case 'G': return 'C';
    }
    return 0;
}

/* 1 if `a` is `b` read on the other strand, base by base. */
static int is_complement(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n == 0 || n != strlen(b)) return 0;
    for (size_t i = 0; i < n; i++)
        if (!complement(a[i]) || complement(a[i]) != b[i]) return 0;
    return 1;
}

int duet_meta_align(const char *ea, const char *oa, const char *ref_ea, const char *ref_oa)
{
    if (!strcmp(ea, ref_ea) && !strcmp(oa, ref_oa)) return 1;
    if (!strcmp(ea, ref_oa) && !strcmp(oa, ref_ea)) return -1;
    /* strand flips are looked for in SNVs only (an indel on the other
     * strand is reverse-complemented and usually shifted); A/T and C/G
     * read the same on both strands: no flip can be seen */
    if (strlen(ea) != 1 || strlen(oa) != 1 || strlen(ref_ea) != 1 || strlen(ref_oa) != 1)
        return 0;
    if (is_complement(ea, oa) || is_complement(ref_ea, ref_oa)) return 0;
    if ((is_complement(ea, ref_ea) && is_complement(oa, ref_oa)) ||
        (is_complement(ea, ref_oa) && is_complement(oa, ref_ea)))
        return 2;
    return 0;
}
