/*
 * table.c -- the header-named table reader of table.h: plain, gzip or bgzip
 * input through htslib BGZF, fields split in place, columns found by name,
 * strict decimal numbers.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duet/log.h"
#include "duet/table.h"

/* Split t->line into t->f; returns the number of fields or -1 (OOM). */
static int split(duet_table_t *t)
{
    char *s = t->line.s;
    int n = 0;
    for (;;) {
        if (t->delim == ' ')
            while (*s == ' ') s++;
        if (t->delim == ' ' && !*s) break;
        if (n == t->m_f) {
            int m = t->m_f ? 2 * t->m_f : 32;
            char **f = realloc(t->f, (size_t)m * sizeof *f);
            if (!f) return -1;
            t->f = f;
            t->m_f = m;
        }
        t->f[n++] = s;
        char *e = s;
        while (*e && *e != t->delim) e++;
        if (!*e) break;
        *e = 0;
        s = e + 1;
    }
    t->n_f = n;
    return n;
}

static int read_line(duet_table_t *t, duet_err_t *err)
{
    int r = bgzf_getline(t->fp, '\n', &t->line);
    if (r == -1) return 0;
    if (r < -1) {
        duet_log_error("%s: read error after line %lld", t->path, (long long)t->lineno);
        *err = DUET_EREAD;
        return -1;
    }
    t->lineno++;
    while (t->line.l > 0 && t->line.s[t->line.l - 1] == '\r') t->line.s[--t->line.l] = 0;
    return 1;
}

/* Read lines up to and including the header. */
static duet_err_t read_header(duet_table_t *t, int store)
{
    duet_err_t err = DUET_OK;
    for (;;) {
        int r = read_line(t, &err);
        if (r < 0) return err;
        if (r == 0) {
            duet_log_error("%s: no header line", t->path);
            return DUET_EFORMAT;
        }
        if (!strncmp(t->line.s, "##", 2) || t->line.l == 0) continue;
        break;
    }
    if (!store) return DUET_OK;
    t->delim = strchr(t->line.s, '\t') ? '\t' : ' ';
    t->header = strdup(t->line.s);
    if (!t->header) return duet_log_oom(t->line.l);
    char *save = t->line.s;
    t->line.s = t->header;
    int n = split(t);
    t->line.s = save;
    if (n < 0) return duet_log_oom(64);
    t->hdr = malloc((size_t)(n ? n : 1) * sizeof *t->hdr);
    if (!t->hdr) return duet_log_oom((size_t)n * sizeof *t->hdr);
    memcpy(t->hdr, t->f, (size_t)n * sizeof *t->hdr);
    t->n_hdr = n;
    return DUET_OK;
}

duet_err_t duet_table_open(const char *path, duet_table_t *t)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    errno = 0;
    t->fp = bgzf_open(path, "r");
    if (!t->fp) {
        duet_log_error("%s: cannot open: %s", path, errno ? strerror(errno) : "unknown error");
        return DUET_EREAD;
    }
    duet_err_t err = read_header(t, 1);
    if (err) duet_table_close(t);
    return err;
}

void duet_table_close(duet_table_t *t)
{
    if (t->fp) bgzf_close(t->fp);
    free(t->line.s);
    free(t->header);
    free(t->hdr);
    free(t->f);
    memset(t, 0, sizeof *t);
}

duet_err_t duet_table_rewind(duet_table_t *t)
{
    if (t->fp) bgzf_close(t->fp);
    t->fp = bgzf_open(t->path, "r");
    t->lineno = 0;
    if (!t->fp) {
        duet_log_error("%s: cannot reopen: %s", t->path, strerror(errno));
        return DUET_EREAD;
    }
    return read_header(t, 0);
}

int duet_table_col(const duet_table_t *t, const char *const *names)
{
    for (const char *const *nm = names; *nm; nm++)
        for (int i = 0; i < t->n_hdr; i++) {
            const char *h = t->hdr[i];
            if (*h == '#') h++;
            const char *want = **nm == '#' ? *nm + 1 : *nm;
            if (!strcasecmp(h, want)) return i;
        }
    return -1;
}

int duet_table_next(duet_table_t *t, duet_err_t *err)
{
    for (;;) {
        int r = read_line(t, err);
        if (r <= 0) return r;
        if (t->line.l == 0) continue;
        if (split(t) < 0) {
            *err = duet_log_oom(t->line.l);
            return -1;
        }
        if (t->n_f != t->n_hdr) {
            duet_log_error("%s:%lld: %d fields, the header has %d", t->path,
                           (long long)t->lineno, t->n_f, t->n_hdr);
            *err = DUET_EFORMAT;
            return -1;
        }
        return 1;
    }
}

duet_err_t duet_table_bad_value(const duet_table_t *t, int col, const char *what)
{
    duet_log_error("%s:%lld:%d: %s '%s' in column %s is not %s", t->path,
                   (long long)t->lineno, col + 1, "value", t->f[col],
                   t->hdr[col], what);
    return DUET_EFORMAT;
}

/* A decimal number: [+-] digits [. digits] [(e|E) [+-] digits], with at
 * least one digit before the exponent.  Rejects hex, "inf", "infinity",
 * leading or trailing spaces, which strtod alone would accept. */
static int is_decimal(const char *s)
{
    const char *p = s;
    int digits = 0;
    if (*p == '+' || *p == '-') p++;
    while (*p >= '0' && *p <= '9') p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++, digits++;
    }
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == 0;
}

int duet_table_parse_double(const char *s, double *v)
{
    if (!*s || !strcmp(s, "#NA") || !strcasecmp(s, "NA") || !strcasecmp(s, "nan") ||
        !strcmp(s, "."))
        return 0;
    if (!is_decimal(s)) return -1;
    errno = 0;
    double x = strtod(s, NULL);
    if (!isfinite(x) || (errno == ERANGE && fabs(x) > 1)) return -1;
    *v = x;
    return 1;
}

