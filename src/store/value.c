/*
 * value.c -- what `duet store import` accepts in a CDM field, and the form
 * it stores: 64-bit integers, finite floats, real calendar dates as
 * 'YYYY-MM-DD', ISO 8601 datetimes as 'YYYY-MM-DD HH:MM:SS[.f][+HH:MM]';
 * table names from file names; the shape of ICD source codes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duet/phecode.h"
#include "store_internal.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }

const char *duet_value_int64(const char *s, size_t len, int64_t *value)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == len || !is_digit(s[i])) return "not an integer";
    /* Accumulate as a negative number so that INT64_MIN fits. */
    int64_t v = 0;
    for (; i < len && is_digit(s[i]); i++) {
        int d = s[i] - '0';
        if (v < (INT64_MIN + d) / 10) return "integer out of the 64-bit range";
        v = v * 10 - d;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] == '0'; i++) {}
        if (i < len) return "not an integer";
    }
    if (i < len) return "not an integer";
    if (!neg) {
        if (v == INT64_MIN) return "integer out of the 64-bit range";
        v = -v;
    }
    *value = v;
    return NULL;
}

const char *duet_value_double(const char *s, size_t len, double *value)
{
    size_t i = 0, n_digits = 0;
    char buf[128];
    if (len >= sizeof buf) return "not a number (too long)";
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    for (; i < len && is_digit(s[i]); i++) n_digits++;
    if (i < len && s[i] == '.')
        for (i++; i < len && is_digit(s[i]); i++) n_digits++;
    if (!n_digits) return "not a number";
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        if (i == len || !is_digit(s[i])) return "not a number";
        for (; i < len && is_digit(s[i]); i++) {}
    }
    if (i < len) return "not a number";
    memcpy(buf, s, len);
    buf[len] = 0;
    errno = 0;
    double v = strtod(buf, NULL);
    if (errno == ERANGE && (v > 1 || v < -1)) return "number out of the double range";
    *value = v;
    return NULL;
}

static int digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i])) return 0;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 1;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return days[m - 1];
}

static void put2(char *p, int v) { p[0] = (char)('0' + v / 10); p[1] = (char)('0' + v % 10); }

static void put_date(char *out, int y, int m, int d)
{
    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 0;
}

/* The date at the start of s: sets *used to the characters taken. */
static const char *parse_date(const char *s, size_t len, int *y, int *m, int *d,
                              size_t *used)
{
    if (len >= 10 && s[4] == '-' && s[7] == '-') {
        if (!digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d))
            return "not a date (YYYY-MM-DD or YYYYMMDD)";
        *used = 10;
    } else if (len >= 8 && digits(s, 4, y) && digits(s + 4, 2, m) && digits(s + 6, 2, d)) {
        *used = 8;
    } else {
        return "not a date (YYYY-MM-DD or YYYYMMDD)";
    }
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return "not a calendar date";
    return NULL;
}

const char *duet_value_date(const char *s, size_t len, char *out)
{
    int y, m, d;
    size_t used;
    const char *why = parse_date(s, len, &y, &m, &d, &used);
    if (why) return why;
    if (used < len) {
        /* A datetime in a date field (exports write "2005-05-07 00:00:00"):
         * it must be valid as a whole; its date is kept. */
        char tmp[DUET_DATETIME_MAX];
        if (duet_value_datetime(s, len, tmp)) return "not a date (YYYY-MM-DD or YYYYMMDD)";
    }
    put_date(out, y, m, d);
    return NULL;
}

const char *duet_value_datetime(const char *s, size_t len, char *out)
{
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    size_t i;
    const char *why = parse_date(s, len, &y, &mo, &d, &i);
    if (why) return why;
    put_date(out, y, mo, d);
    char *p = out + 10;
    if (i == len) {
        memcpy(p, " 00:00:00", 10);
        return NULL;
    }
    static const char *bad = "not a datetime (ISO 8601: YYYY-MM-DD HH:MM:SS)";
    if (s[i] != ' ' && s[i] != 'T' && s[i] != 't') return bad;
    i++;
    if (len - i < 5 || !digits(s + i, 2, &hh) || s[i + 2] != ':' || !digits(s + i + 3, 2, &mi))
        return bad;
    i += 5;
    if (i < len && s[i] == ':') {
        if (len - i < 3 || !digits(s + i + 1, 2, &ss)) return bad;
        i += 3;
    }
    if (hh > 23 || mi > 59 || ss > 59) return "not a time of day";
    *p++ = ' ';
    put2(p, hh);
    p[2] = ':';
    put2(p + 3, mi);
    p[5] = ':';
    put2(p + 6, ss);
    p += 8;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        size_t n = 0;
        *p++ = '.';
        for (i++; i < len && is_digit(s[i]); i++, n++) {
            if (n == 9) return "fraction of a second longer than 9 digits";
            *p++ = s[i];
        }
        if (!n) return bad;
    }
    if (i < len) {
        int oh = 0, om = 0;
        if (s[i] == 'Z' || s[i] == 'z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            char sign = s[i++];
            if (len - i < 2 || !digits(s + i, 2, &oh)) return bad;
            i += 2;
            if (i < len && s[i] == ':') i++;
            if (i < len) {
                if (len - i < 2 || !digits(s + i, 2, &om)) return bad;
                i += 2;
            }
            if (oh > 14 || om > 59) return "not a time zone offset";
            *p++ = sign;
            put2(p, oh);
            p[2] = ':';
            put2(p + 3, om);
            p += 5;
            goto done;
        } else {
            return bad;
        }
        memcpy(p, "+00:00", 6);
        p += 6;
    }
done:
    if (i < len) return bad;
    *p = 0;
    return NULL;
}

static int ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

int duet_store_table_from_path(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (ends_with_ci(base, n, ".gz")) n -= 3;
    else if (ends_with_ci(base, n, ".zst")) n -= 4;
    if (!ends_with_ci(base, n, ".csv") && !ends_with_ci(base, n, ".tsv")) return 0;
    n -= 4;
    if (n == 0 || n >= size) return 0;
    for (size_t i = 0; i < n; i++) out[i] = (char)tolower((unsigned char)base[i]);
    out[n] = 0;
    return 1;
}

duet_code_shape_t duet_store_code_shape(const char *code, size_t len)
{
    /* One rule for the whole engine: the phenotype layer's compact form and
     * shape test (duet_icd_compact, duet_icd_shapes in phecode.h). */
    char compact[DUET_ICD_MAX];
    if (duet_icd_compact(code, len, compact) <= 0) return DUET_CODE_OTHER;
    switch (duet_icd_shapes(compact)) {
    case DUET_SHAPE_ICD9: return DUET_CODE_ICD9CM;
    case DUET_SHAPE_ICD10: return DUET_CODE_ICD10CM;
    case DUET_SHAPE_ICD9 | DUET_SHAPE_ICD10: return DUET_CODE_AMBIGUOUS;
    }
    return DUET_CODE_OTHER;
}

const char *duet_store_code_shape_name(duet_code_shape_t shape)
{
    switch (shape) {
    case DUET_CODE_ICD9CM: return "ICD9CM-like";
    case DUET_CODE_ICD10CM: return "ICD10CM-like";
    case DUET_CODE_AMBIGUOUS: return "ICD9CM-or-ICD10CM";
    case DUET_CODE_OTHER: break;
    }
    return "other";
}
