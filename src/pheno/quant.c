/*
 * quant.c -- quantitative traits: the --quant/--unit/--range option values,
 * the built-in physiologically plausible ranges of common measurement
 * concepts, per-person aggregation, and the rank-based inverse normal
 * transformation (Blom 1958, offset 3/8, ties averaged).
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/pheno.h"

const char *duet_agg_name(duet_agg_t agg)
{
    static const char *const names[] = { "median", "mean", "min", "max", "first", "last" };
    return (unsigned)agg < 6 ? names[agg] : "?";
}

static int name_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

static int parse_int64(const char *s, size_t len, int64_t *v)
{
    char buf[32];
    if (!len || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    if (*end || errno || x < 0) return -1;
    *v = x;
    return 0;
}

duet_err_t duet_quant_parse(const char *arg, duet_quant_spec_t *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->agg = DUET_AGG_MEDIAN;
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : 0;
    if (!eq || !nlen || nlen >= DUET_TRAIT_NAME_MAX) {
        duet_log_error("--quant expects NAME=CONCEPT_ID[,CONCEPT_ID...][:AGGREGATE], got '%s'",
                       arg);
        return DUET_EUSAGE;
    }
    for (size_t i = 0; i < nlen; i++) {
        if (!name_char_ok(arg[i])) {
            duet_log_error("--quant: trait name '%.*s' may hold only letters, digits, "
                           "'_', '.' and '-'", (int)nlen, arg);
            return DUET_EUSAGE;
        }
    }
    memcpy(spec->name, arg, nlen);
    spec->name[nlen] = '\0';
    if (!strcmp(spec->name, "IID")) {
        duet_log_error("--quant: a trait cannot be called IID");
        return DUET_EUSAGE;
    }
    const char *list = eq + 1;
    const char *colon = strchr(list, ':');
    size_t llen = colon ? (size_t)(colon - list) : strlen(list);
    if (colon) {
        const char *a = colon + 1;
        int found = 0;
        for (int k = 0; k < 6; k++) {
            if (!strcmp(a, duet_agg_name((duet_agg_t)k))) {
                spec->agg = (duet_agg_t)k;
                found = 1;
            }
        }
        if (!found) {
            duet_log_error("--quant %s: aggregate '%s' is not median, mean, min, max, "
                           "first or last", spec->name, a);
            return DUET_EUSAGE;
        }
    }
    int n = 1;
    for (size_t i = 0; i < llen; i++) n += list[i] == ',';
    spec->concepts = duet_malloc((size_t)n * sizeof *spec->concepts);
    if (!spec->concepts) return DUET_ENOMEM;
    const char *p = list, *end = list + llen;
    while (p <= end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        if (!c) c = end;
        int64_t v;
        if (parse_int64(p, (size_t)(c - p), &v)) {
            duet_log_error("--quant %s: '%.*s' is not a concept id", spec->name,
                           (int)(c - p), p);
            duet_quant_spec_free(spec);
            return DUET_EUSAGE;
        }
        spec->concepts[spec->n_concepts++] = v;
        p = c + 1;
    }
    return DUET_OK;
}

void duet_quant_spec_free(duet_quant_spec_t *spec)
{
    if (!spec) return;
    free(spec->concepts);
    spec->concepts = NULL;
    spec->n_concepts = 0;
}

static duet_quant_spec_t *find_spec(duet_quant_spec_t *specs, int n, const char *arg,
                                    const char *opt, const char **value)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        duet_log_error("%s expects NAME=VALUE, got '%s'", opt, arg);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (strlen(specs[i].name) == (size_t)(eq - arg) &&
            !strncmp(specs[i].name, arg, (size_t)(eq - arg))) {
            *value = eq + 1;
            return &specs[i];
        }
    }
    duet_log_error("%s: no --quant trait called '%.*s'", opt, (int)(eq - arg), arg);
    return NULL;
}

duet_err_t duet_quant_set_unit(duet_quant_spec_t *specs, int n_specs, const char *arg)
{
    const char *value;
    duet_quant_spec_t *s = find_spec(specs, n_specs, arg, "--unit", &value);
    if (!s) return DUET_EUSAGE;
    if (parse_int64(value, strlen(value), &s->unit)) {
        duet_log_error("--unit %s: '%s' is not a unit concept id", s->name, value);
        return DUET_EUSAGE;
    }
    s->has_unit = 1;
    return DUET_OK;
}

duet_err_t duet_quant_set_range(duet_quant_spec_t *specs, int n_specs, const char *arg)
{
    const char *value;
    duet_quant_spec_t *s = find_spec(specs, n_specs, arg, "--range", &value);
    if (!s) return DUET_EUSAGE;
    char *end;
    errno = 0;
    double lo = strtod(value, &end);
    if (end == value || *end != ':' || errno) goto bad;
    const char *h = end + 1;
    double hi = strtod(h, &end);
    if (end == h || *end || errno || !isfinite(lo) || !isfinite(hi) || hi < lo) goto bad;
    s->lo = lo;
    s->hi = hi;
    s->has_range = 1;
    return DUET_OK;
bad:
    duet_log_error("--range %s: expected LO:HI with LO <= HI, got '%s'", s->name, value);
    return DUET_EUSAGE;
}

/* Bounds set beyond the most extreme values reported in living humans, so
 * that they remove unit errors, sentinel values (9999) and typing slips, not
 * outliers.  Units are OMOP unit concepts (UCUM). */
static const struct {
    int64_t concept, unit;
    double lo, hi;
} limits[] = {
    { 3036277, 8582, 20, 275 },     /* body height, cm */
    { 3025315, 9529, 0.2, 650 },    /* body weight, kg */
    { 3038553, 9531, 5, 250 },      /* BMI, kg/m2 */
    { 3004249, 8876, 20, 370 },     /* systolic BP, mmHg */
    { 3012888, 8876, 5, 360 },      /* diastolic BP, mmHg */
    { 3027018, 8541, 10, 480 },     /* heart rate, /min */
    { 3024171, 8541, 1, 150 },      /* respiratory rate, /min */
    { 3020891, 586323, 13, 47 },    /* body temperature, Cel */
    { 3004410, 8554, 2, 25 },       /* HbA1c, % */
    { 3004501, 8840, 5, 3000 },     /* glucose serum/plasma, mg/dL */
    { 3000483, 8840, 5, 3000 },     /* glucose blood, mg/dL */
    { 3027114, 8840, 20, 3000 },    /* total cholesterol, mg/dL */
    { 3007070, 8840, 1, 400 },      /* HDL cholesterol, mg/dL */
    { 3009966, 8840, 1, 2000 },     /* LDL cholesterol (direct), mg/dL */
    { 3022192, 8840, 5, 30000 },    /* triglycerides, mg/dL */
    { 3016723, 8840, 0.05, 40 },    /* creatinine serum/plasma, mg/dL */
    { 3051825, 8840, 0.05, 40 },    /* creatinine blood, mg/dL */
    { 3000963, 8713, 1, 30 },       /* hemoglobin, g/dL */
    { 3000285, 8753, 80, 220 },     /* sodium, mmol/L */
    { 3005456, 8753, 0.5, 15 },     /* potassium, mmol/L */
};

int duet_quant_limits(int64_t concept_id, int64_t unit_concept_id, double *lo, double *hi)
{
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        if (limits[i].concept == concept_id && limits[i].unit == unit_concept_id) {
            *lo = limits[i].lo;
            *hi = limits[i].hi;
            return 1;
        }
    }
    return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double duet_quant_aggregate(double *v, size_t n, duet_agg_t agg)
{
    double r;
    switch (agg) {
    case DUET_AGG_MEAN:
        r = 0;
        for (size_t i = 0; i < n; i++) r += v[i];
        return r / (double)n;
    case DUET_AGG_MIN:
        r = v[0];
        for (size_t i = 1; i < n; i++) if (v[i] < r) r = v[i];
        return r;
    case DUET_AGG_MAX:
        r = v[0];
        for (size_t i = 1; i < n; i++) if (v[i] > r) r = v[i];
        return r;
    case DUET_AGG_FIRST:
        return v[0];
    case DUET_AGG_LAST:
        return v[n - 1];
    case DUET_AGG_MEDIAN:
    default:
        qsort(v, n, sizeof *v, dbl_cmp);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}

static const double *int_sort_x;

static int idx_cmp(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = int_sort_x[i], y = int_sort_x[j];
    if (x != y) return x < y ? -1 : 1;
    return (i > j) - (i < j);
}

void duet_inverse_normal(double *x, size_t n, size_t *order)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) order[m++] = i;
    int_sort_x = x;
    qsort(order, m, sizeof *order, idx_cmp);
    for (size_t a = 0; a < m;) {
        size_t b = a + 1;
        while (b < m && x[order[b]] == x[order[a]]) b++;
        /* ranks a+1 .. b share their average */
        double rank = ((double)(a + 1) + (double)b) / 2.0;
        double z = qnorm((rank - 0.375) / ((double)m + 0.25), 0.0, 1.0, 1, 0);
        for (size_t k = a; k < b; k++) x[order[k]] = z;
        a = b;
    }
}
