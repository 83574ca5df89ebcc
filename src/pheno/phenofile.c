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
    for (int i = 0; t->ids && i < t->n_samples; i++) free(t->ids[i]);
    for (int c = 0; t->names && c < t->n_columns; c++) free(t->names[c]);
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

/* A table being read by duet_phenofile_read_ex(). */
typedef struct {
    const char *path, *what;
    BGZF *fp;
    kstring_t line;
    char **fields;
    int m_fields;
    char *header;       /* the header line, split into fields */
    int lineno, header_line, tabs, n_header, id_field, first_data;
    int *sel;           /* 0-based field index of each selected column */
    int m_rows;
    duet_phenofile_t *t;
} pf_reader_t;

/* The header: the first line that is neither empty nor a "##" comment;
 * the sample ID is IID or FID IID. */
static duet_err_t pf_header(pf_reader_t *r)
{
    int ret;
    while ((ret = bgzf_getline(r->fp, '\n', &r->line)) >= 0) {
        r->lineno++;
        chomp(&r->line);
        if (r->line.l == 0 || (r->line.l >= 2 && r->line.s[0] == '#' && r->line.s[1] == '#'))
            continue;
        break;
    }
    if (ret < -1) {
        duet_log_error("cannot read %s file '%s'", r->what, r->path);
        return DUET_EREAD;
    }
    if (ret < 0) {
        duet_log_error("%s file '%s' is empty (no header line)", r->what, r->path);
        return DUET_EFORMAT;
    }
    r->tabs = strchr(r->line.s, '\t') != NULL;
    if (!(r->header = strdup(r->line.s))) return duet_log_oom(0);
    r->n_header = split(r->header, r->tabs, &r->fields, &r->m_fields);
    if (r->n_header < 0) return duet_log_oom(0);
    char **fields = r->fields;
    r->id_field = 0;
    if (r->n_header >= 2 && (!strcmp(fields[0], "FID") || !strcmp(fields[0], "#FID")) &&
        !strcmp(fields[1], "IID"))
        r->id_field = 1;
    r->first_data = r->id_field + 1;
    if (r->n_header <= r->first_data) {
        duet_log_error("%s:%d: the header has no column after the sample ID", r->path, r->lineno);
        return DUET_EFORMAT;
    }
    r->header_line = r->lineno;
    return DUET_OK;
}

/* The header field of requested column c (once in the header, requested
 * once) into *f. */
static duet_err_t pf_find_column(pf_reader_t *r, const char *const *columns, int c,
                                 duet_err_t absent_err, int *f)
{
    char **fields = r->fields;
    *f = -1;
    for (int j = r->first_data; j < r->n_header; j++) {
        if (strcmp(fields[j], columns[c]) != 0) continue;
        if (*f >= 0) {
            duet_log_error("%s:%d: column '%s' appears twice in the header", r->path,
                           r->header_line, columns[c]);
            return DUET_EMISMATCH;
        }
        *f = j;
    }
    for (int d = 0; d < c; d++)
        if (!strcmp(columns[d], columns[c])) {
            duet_log_error("column '%s' is requested twice", columns[c]);
            return DUET_EMISMATCH;
        }
    if (*f >= 0) return DUET_OK;
    kstring_t avail = { 0, 0, NULL };
    for (int j = r->first_data; j < r->n_header && j < r->first_data + 20; j++)
        ksprintf(&avail, "%s%s", j > r->first_data ? ", " : "", fields[j]);
    if (r->n_header - r->first_data > 20) kputs(", ...", &avail);
    duet_log_error("%s file '%s' has no column '%s' (columns: %s)", r->what, r->path,
                   columns[c], avail.s ? avail.s : "");
    free(avail.s);
    return absent_err;
}

/* The columns read: those requested, or every one after the ID (each
 * once in the header). */
static duet_err_t pf_columns(pf_reader_t *r, const char *const *columns, int n_columns,
                             duet_err_t absent_err)
{
    duet_phenofile_t *t = r->t;
    t->n_columns = columns ? n_columns : r->n_header - r->first_data;
    t->names = duet_calloc((size_t)t->n_columns, sizeof *t->names);
    t->fields = duet_calloc((size_t)t->n_columns, sizeof *t->fields);
    r->sel = duet_calloc((size_t)t->n_columns, sizeof *r->sel);
    if (!t->names || !t->fields || !r->sel)
        return duet_log_oom((size_t)t->n_columns * sizeof *t->names);
    for (int c = 0; c < t->n_columns; c++) {
        int f;
        if (columns) {
            duet_err_t err = pf_find_column(r, columns, c, absent_err, &f);
            if (err) return err;
        } else {
            f = r->first_data + c;
            for (int d = r->first_data; d < f; d++)
                if (!strcmp(r->fields[d], r->fields[f])) {
                    duet_log_error("%s:%d: column '%s' appears twice in the header", r->path,
                                   r->header_line, r->fields[f]);
                    return DUET_EMISMATCH;
                }
        }
        r->sel[c] = f;
        t->fields[c] = f + 1;
        t->names[c] = strdup(r->fields[f]);
        if (!t->names[c]) return duet_log_oom(0);
    }
    return DUET_OK;
}

/* Room for one more row. */
static duet_err_t pf_grow(pf_reader_t *r)
{
    duet_phenofile_t *t = r->t;
    if (t->n_samples < r->m_rows) return DUET_OK;
    int m = r->m_rows ? 2 * r->m_rows : 256;
    char **ids = realloc(t->ids, (size_t)m * sizeof *ids);
    if (!ids) return duet_log_oom(0);
    t->ids = ids;
    int *ln = realloc(t->lines, (size_t)m * sizeof *ln);
    if (!ln) return duet_log_oom(0);
    t->lines = ln;
    double *v = realloc(t->values, (size_t)m * (t->n_columns ? t->n_columns : 1) * sizeof *v);
    if (!v) return duet_log_oom(0);
    t->values = v;
    r->m_rows = m;
    return DUET_OK;
}

/* The values of the current line's selected columns into row `row`:
 * numbers or NA. */
static duet_err_t pf_values(pf_reader_t *r, int row)
{
    duet_phenofile_t *t = r->t;
    double *vals = t->values + (size_t)row * t->n_columns;
    for (int c = 0; c < t->n_columns; c++) {
        const char *s = r->fields[r->sel[c]];
        if (is_missing(s)) { vals[c] = NAN; continue; }
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end || !isfinite(v)) {
            /* column: the 1-based character column of the field */
            long col = (long)(s - r->line.s) + 1;
            duet_log_error("%s:%d:%ld: '%s' is not a number (column '%s', field %d; "
                           "missing values are NA)", r->path, r->lineno, col, s, t->names[c],
                           r->sel[c] + 1);
            return DUET_EFORMAT;
        }
        vals[c] = v;
    }
    return DUET_OK;
}

/* The current line's sample ID, once in the table, as row `row`. */
static duet_err_t pf_id(pf_reader_t *r, int row)
{
    duet_phenofile_t *t = r->t;
    khash_t(pf_id) *h = t->hash;
    char *id = strdup(r->fields[r->id_field]);
    if (!id) return duet_log_oom(0);
    int absent;
    khint_t k = kh_put(pf_id, h, id, &absent);
    if (absent < 0) {
        free(id);
        return duet_log_oom(0);
    }
    if (!absent) {
        duet_log_error("%s:%d: sample '%s' appears twice in the %s file (also on line %d)",
                       r->path, r->lineno, id, r->what, t->lines[kh_val(h, k)]);
        free(id);
        return DUET_EMISMATCH;
    }
    kh_val(h, k) = row;
    t->ids[row] = id;
    t->lines[row] = r->lineno;
    return DUET_OK;
}

/* The rows: as many fields as the header, values, a new sample ID. */
static duet_err_t pf_rows(pf_reader_t *r)
{
    duet_phenofile_t *t = r->t;
    duet_err_t err;
    int ret;
    while ((ret = bgzf_getline(r->fp, '\n', &r->line)) >= 0) {
        r->lineno++;
        chomp(&r->line);
        if (r->line.l == 0) continue;
        int n = split(r->line.s, r->tabs, &r->fields, &r->m_fields);
        if (n < 0) return duet_log_oom(0);
        if (n == 0) continue;
        if (n != r->n_header) {
            duet_log_error("%s:%d: %d fields, but the header has %d", r->path, r->lineno, n,
                           r->n_header);
            return DUET_EFORMAT;
        }
        if ((err = pf_grow(r))) return err;
        int row = t->n_samples;
        if ((err = pf_values(r, row)) || (err = pf_id(r, row))) return err;
        t->n_samples++;
    }
    if (ret < -1) {
        duet_log_error("cannot read %s file '%s' (truncated or corrupt compressed data?)",
                       r->what, r->path);
        return DUET_EREAD;
    }
    return DUET_OK;
}

duet_err_t duet_phenofile_read_ex(const char *path, const char *what,
                                  const char *const *columns, int n_columns,
                                  duet_err_t absent_err, duet_phenofile_t **out)
{
    *out = NULL;
    duet_err_t err = DUET_ENOMEM;
    pf_reader_t r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.what = what;
    duet_phenofile_t *t = r.t = duet_calloc(1, sizeof *t);
    if (!t) return DUET_ENOMEM;
    t->path = strdup(path);
    t->hash = kh_init(pf_id);
    if (!t->path || !t->hash) goto cleanup;

    r.fp = bgzf_open(path, "r");
    if (!r.fp) {
        duet_log_error("cannot open %s file '%s': %s", what, path, strerror(errno));
        err = DUET_EREAD;
        goto cleanup;
    }
    if (!(err = pf_header(&r)) && !(err = pf_columns(&r, columns, n_columns, absent_err))) {
        free(r.header);
        r.header = NULL;
        err = pf_rows(&r);
    }
    if (bgzf_close(r.fp) != 0 && err == DUET_OK) {
        duet_log_error("cannot read %s file '%s'", what, path);
        err = DUET_EREAD;
    }

cleanup:
    free(r.header);
    free(r.line.s);
    free(r.fields);
    free(r.sel);
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
