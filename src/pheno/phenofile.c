/*
 * phenofile.c -- reading phenotype/covariate tables (plink2, regenie and
 * duet pheno layouts) and ID lists, with every malformed value reported as
 * file:line:column.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htslib/bgzf.h>
#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/log.h"
#include "duet/phenofile.h"

KHASH_MAP_INIT_STR(pf_id, int)

/* Split `line` in place into fields; tab-separated if `tabs`, else runs of
 * spaces/tabs.  Returns the count; *fields grows as needed (-1 on OOM). */
static int split(char *line, int tabs, char ***fields, int *m_fields)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (!tabs) {
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) break;
        }
        if (n == *m_fields) {
            int m = *m_fields ? 2 * *m_fields : 16;
            char **f = realloc(*fields, (size_t)m * sizeof *f);
            if (!f) return -1;
            *fields = f;
            *m_fields = m;
        }
        (*fields)[n++] = p;
        if (tabs) {
            char *t = strchr(p, '\t');
            if (!t) break;
            *t = 0;
            p = t + 1;
        } else {
            while (*p && *p != ' ' && *p != '\t') p++;
            if (!*p) break;
            *p++ = 0;
        }
    }
    return n;
}

static void chomp(kstring_t *s)
{
    while (s->l > 0 && (s->s[s->l - 1] == '\r' || s->s[s->l - 1] == '\n'))
        s->s[--s->l] = 0;
}

static int is_missing(const char *v)
{
    return !strcasecmp(v, "NA") || !strcasecmp(v, "NaN");
}

static void pf_free_hash(void *h)
{
    if (h) kh_destroy(pf_id, (khash_t(pf_id) *)h);
}

void duet_phenofile_destroy(duet_phenofile_t *t)
{
    if (!t) return;
    for (int i = 0; i < t->n_samples; i++) free(t->ids[i]);
    for (int c = 0; c < t->n_columns; c++) free(t->names[c]);
    free(t->ids);
    free(t->lines);
    free(t->names);
    free(t->fields);
    free(t->values);
    free(t->path);
    pf_free_hash(t->hash);
    free(t);
}

duet_err_t duet_phenofile_read(const char *path, const char *what,
                               const char *const *columns, int n_columns,
                               duet_phenofile_t **out)
{
    return duet_phenofile_read_ex(path, what, columns, n_columns, DUET_EMISMATCH, out);
}

duet_err_t duet_phenofile_read_ex(const char *path, const char *what,
                                  const char *const *columns, int n_columns,
                                  duet_err_t absent_err, duet_phenofile_t **out)
{
    *out = NULL;
    duet_err_t err = DUET_ENOMEM;
    kstring_t line = { 0, 0, NULL };
    char **fields = NULL;
    int m_fields = 0, m_rows = 0;
    int *sel = NULL; /* 0-based field index of each selected column */
    duet_phenofile_t *t = duet_calloc(1, sizeof *t);
    if (!t) return DUET_ENOMEM;
    t->path = strdup(path);
    khash_t(pf_id) *h = kh_init(pf_id);
    t->hash = h;
    if (!t->path || !h) goto oom;

    BGZF *fp = bgzf_open(path, "r");
    if (!fp) {
        duet_log_error("cannot open %s file '%s': %s", what, path, strerror(errno));
        err = DUET_EREAD;
        goto cleanup;
    }
    /* header */
    int lineno = 0, ret;
    while ((ret = bgzf_getline(fp, '\n', &line)) >= 0) {
        lineno++;
        chomp(&line);
        if (line.l == 0 || (line.l >= 2 && line.s[0] == '#' && line.s[1] == '#')) continue;
        break;
    }
    if (ret < -1) {
        duet_log_error("cannot read %s file '%s'", what, path);
        err = DUET_EREAD;
        goto close;
    }
    if (ret < 0) {
        duet_log_error("%s file '%s' is empty (no header line)", what, path);
        err = DUET_EFORMAT;
        goto close;
    }
    int tabs = strchr(line.s, '\t') != NULL;
    char *header = strdup(line.s);
    if (!header) goto oom_close;
    int n_header = split(header, tabs, &fields, &m_fields);
    if (n_header < 0) { free(header); goto oom_close; }
    int id_field = 0;
    if (n_header >= 2 && (!strcmp(fields[0], "FID") || !strcmp(fields[0], "#FID")) &&
        !strcmp(fields[1], "IID"))
        id_field = 1;
    int first_data = id_field + 1;
    if (n_header <= first_data) {
        duet_log_error("%s:%d: the header has no column after the sample ID", path, lineno);
        err = DUET_EFORMAT;
        free(header);
        goto close;
    }
    int header_line = lineno;
    if (columns) {
        t->n_columns = n_columns;
    } else {
        t->n_columns = n_header - first_data;
    }
    t->names = duet_calloc((size_t)t->n_columns, sizeof *t->names);
    t->fields = duet_calloc((size_t)t->n_columns, sizeof *t->fields);
    sel = duet_calloc((size_t)t->n_columns, sizeof *sel);
    if (!t->names || !t->fields || !sel) { free(header); goto oom_close; }
    for (int c = 0; c < t->n_columns; c++) {
        int f = -1;
        if (columns) {
            for (int j = first_data; j < n_header; j++) {
                if (strcmp(fields[j], columns[c]) != 0) continue;
                if (f >= 0) {
                    duet_log_error("%s:%d: column '%s' appears twice in the header", path,
                                   header_line, columns[c]);
                    err = DUET_EMISMATCH;
                    free(header);
                    goto close;
                }
                f = j;
            }
            for (int d = 0; d < c; d++)
                if (!strcmp(columns[d], columns[c])) {
                    duet_log_error("column '%s' is requested twice", columns[c]);
                    err = DUET_EMISMATCH;
                    free(header);
                    goto close;
                }
            if (f < 0) {
                kstring_t avail = { 0, 0, NULL };
                for (int j = first_data; j < n_header && j < first_data + 20; j++)
                    ksprintf(&avail, "%s%s", j > first_data ? ", " : "", fields[j]);
                if (n_header - first_data > 20) kputs(", ...", &avail);
                duet_log_error("%s file '%s' has no column '%s' (columns: %s)", what, path,
                               columns[c], avail.s ? avail.s : "");
                free(avail.s);
                err = absent_err;
                free(header);
                goto close;
            }
        } else {
            f = first_data + c;
            for (int d = first_data; d < f; d++)
                if (!strcmp(fields[d], fields[f])) {
                    duet_log_error("%s:%d: column '%s' appears twice in the header", path,
                                   header_line, fields[f]);
                    err = DUET_EMISMATCH;
                    free(header);
                    goto close;
                }
        }
        sel[c] = f;
        t->fields[c] = f + 1;
        t->names[c] = strdup(fields[f]);
        if (!t->names[c]) { free(header); goto oom_close; }
    }
    free(header);

    /* rows */
    while ((ret = bgzf_getline(fp, '\n', &line)) >= 0) {
        lineno++;
        chomp(&line);
        if (line.l == 0) continue;
        int n = split(line.s, tabs, &fields, &m_fields);
        if (n < 0) goto oom_close;
        if (n == 0) continue;
        if (n != n_header) {
            duet_log_error("%s:%d: %d fields, but the header has %d", path, lineno, n, n_header);
            err = DUET_EFORMAT;
            goto close;
        }
        if (t->n_samples == m_rows) {
            int m = m_rows ? 2 * m_rows : 256;
            char **ids = realloc(t->ids, (size_t)m * sizeof *ids);
            if (!ids) goto oom_close;
            t->ids = ids;
            int *ln = realloc(t->lines, (size_t)m * sizeof *ln);
            if (!ln) goto oom_close;
            t->lines = ln;
            double *v = realloc(t->values, (size_t)m * (t->n_columns ? t->n_columns : 1) * sizeof *v);
            if (!v) goto oom_close;
            t->values = v;
            m_rows = m;
        }
        int row = t->n_samples;
        double *vals = t->values + (size_t)row * t->n_columns;
        for (int c = 0; c < t->n_columns; c++) {
            const char *s = fields[sel[c]];
            if (is_missing(s)) { vals[c] = NAN; continue; }
            char *end = NULL;
            errno = 0;
            double v = strtod(s, &end);
            if (end == s || *end || !isfinite(v)) {
                /* column: the 1-based character column of the field */
                long col = (long)(s - line.s) + 1;
                duet_log_error("%s:%d:%ld: '%s' is not a number (column '%s', field %d; "
                               "missing values are NA)", path, lineno, col, s, t->names[c],
                               sel[c] + 1);
                err = DUET_EFORMAT;
                goto close;
            }
            vals[c] = v;
        }
        char *id = strdup(fields[id_field]);
        if (!id) goto oom_close;
        int absent;
        khint_t k = kh_put(pf_id, h, id, &absent);
        if (absent < 0) { free(id); goto oom_close; }
        if (!absent) {
            duet_log_error("%s:%d: sample '%s' appears twice in the %s file (also on line %d)",
                           path, lineno, id, what, t->lines[kh_val(h, k)]);
            free(id);
            err = DUET_EMISMATCH;
            goto close;
        }
        kh_val(h, k) = row;
        t->ids[row] = id;
        t->lines[row] = lineno;
        t->n_samples++;
    }
    if (ret < -1) {
        duet_log_error("cannot read %s file '%s' (truncated or corrupt compressed data?)", what,
                       path);
        err = DUET_EREAD;
        goto close;
    }
    err = DUET_OK;
    goto close;

oom_close:
    err = duet_log_oom(0);
close:
    if (bgzf_close(fp) != 0 && err == DUET_OK) {
        duet_log_error("cannot read %s file '%s'", what, path);
        err = DUET_EREAD;
    }
    goto cleanup;
oom:
    err = DUET_ENOMEM;
cleanup:
    free(line.s);
    free(fields);
    free(sel);
    if (err) {
        duet_phenofile_destroy(t);
        return err;
    }
    *out = t;
    return DUET_OK;
}

int duet_phenofile_row(const duet_phenofile_t *t, const char *id)
{
    khash_t(pf_id) *h = t->hash;
    khint_t k = kh_get(pf_id, h, id);
    return k == kh_end(h) ? -1 : kh_val(h, k);
}

int duet_phenofile_column(const duet_phenofile_t *t, const char *name)
{
    for (int c = 0; c < t->n_columns; c++)
        if (!strcmp(t->names[c], name)) return c;
    return -1;
}

int duet_phenofile_is_binary(const duet_phenofile_t *t, int c)
{
    int seen = 0;
    for (int i = 0; i < t->n_samples; i++) {
        double v = t->values[(size_t)i * t->n_columns + c];
        if (isnan(v)) continue;
        if (v != 0 && v != 1) return 0;
        seen = 1;
    }
    return seen;
}
