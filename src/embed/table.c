/*
 * table.c -- the per-person feature table of embed.h: creation, sidecar
 * options and counts, constant columns, the number format, reading a
 * user's table with its checks, and writing every modality atomically.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duet/embed.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/table.h"
#include "duet/tsv.h"
#include "duet/version.h"

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = duet_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

duet_embed_table_t *duet_embed_table_create(const char *name, const char *source)
{
    duet_embed_table_t *t = duet_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->name = dupstr(name);
    t->source = dupstr(source);
    if (!t->name || !t->source) {
        duet_embed_table_destroy(t);
        return NULL;
    }
    return t;
}

static void kv_free(duet_embed_kv_t *kv, int n)
{
    for (int i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void duet_embed_table_destroy(duet_embed_table_t *t)
{
    if (!t) return;
    if (t->iid)
        for (int i = 0; i < t->n_persons; i++) free(t->iid[i]);
    if (t->feature)
        for (int j = 0; j < t->n_features; j++) free(t->feature[j]);
    free(t->iid);
    free(t->feature);
    free(t->x);
    kv_free(t->options, t->n_options);
    kv_free(t->counts, t->n_counts);
    free(t->name);
    free(t->source);
    free(t);
}

duet_err_t duet_embed_table_alloc(duet_embed_table_t *t, int n_persons, int n_features)
{
    t->iid = duet_calloc((size_t)n_persons + 1, sizeof *t->iid);
    t->feature = duet_calloc((size_t)n_features + 1, sizeof *t->feature);
    t->x = duet_calloc((size_t)n_persons * (size_t)n_features + 1, sizeof *t->x);
    if (!t->iid || !t->feature || !t->x) return DUET_ENOMEM;
    t->n_persons = n_persons;
    t->n_features = n_features;
    return DUET_OK;
}

static duet_err_t kv_add(duet_embed_kv_t **kv, int *n, int *m, const char *key,
                         const char *value)
{
    if (*n == *m) {
        int nm = *m ? 2 * *m : 8;
        duet_embed_kv_t *p = duet_realloc(*kv, (size_t)nm * sizeof *p);
        if (!p) return DUET_ENOMEM;
        *kv = p;
        *m = nm;
    }
    char *k = dupstr(key), *v = dupstr(value);
    if (!k || !v) {
        free(k);
        free(v);
        return DUET_ENOMEM;
    }
    (*kv)[*n].key = k;
    (*kv)[*n].value = v;
    (*n)++;
    return DUET_OK;
}

duet_err_t duet_embed_option(duet_embed_table_t *t, const char *key, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return kv_add(&t->options, &t->n_options, &t->m_options, key, buf);
}

duet_err_t duet_embed_count(duet_embed_table_t *t, const char *key, int64_t value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    return kv_add(&t->counts, &t->n_counts, &t->m_counts, key, buf);
}

duet_err_t duet_embed_drop_constant(duet_embed_table_t *t)
{
    int n = t->n_persons, p = t->n_features, kept = 0;
    size_t ps = (size_t)p;
    char *keep = duet_malloc(ps + 1);
    if (!keep) return DUET_ENOMEM;
    for (int j = 0; j < p; j++) {
        keep[j] = 0;
        for (int i = 1; i < n && !keep[j]; i++)
            if (t->x[(size_t)i * ps + j] != t->x[j]) keep[j] = 1;
    }
    /* Compact in place: row i's kept values move to i * kept_total, which
     * never overtakes the values still to be read. */
    int n_kept = 0;
    for (int j = 0; j < p; j++) n_kept += keep[j];
    for (int i = 0; i < n; i++) {
        const double *src = t->x + (size_t)i * ps;
        double *dst = t->x + (size_t)i * (size_t)n_kept;
        kept = 0;
        for (int j = 0; j < p; j++)
            if (keep[j]) dst[kept++] = src[j];
    }
    kept = 0;
    for (int j = 0; j < p; j++) {
        if (keep[j]) t->feature[kept++] = t->feature[j];
        else free(t->feature[j]);
    }
    free(keep);
    int dropped = p - n_kept;
    t->n_features = n_kept;
    duet_err_t err = duet_embed_count(t, "constant_features_dropped", dropped);
    if (err) return err;
    if (dropped)
        duet_log_info("%s: %d constant feature%s dropped", t->name, dropped,
                      dropped == 1 ? "" : "s");
    if (!n_kept) {
        duet_log_error("%s (%s): every feature is constant over the %d persons", t->name,
                       t->source, n);
        return DUET_EDEGENERATE;
    }
    return DUET_OK;
}

int duet_embed_keep_score_sums(duet_embed_table_t *t)
{
    int p = t->n_features, n_sum = 0;
    size_t ps = (size_t)p;
    char *keep = duet_calloc(ps + 1, 1);
    if (!keep) return -1;
    for (int j = 0; j < p; j++) {
        size_t l = strlen(t->feature[j]);
        keep[j] = l > 4 && !strcmp(t->feature[j] + l - 4, "_SUM") &&
                  strcmp(t->feature[j], "NAMED_ALLELE_DOSAGE_SUM");
        n_sum += keep[j];
    }
    int dropped = n_sum ? p - n_sum : 0;
    if (n_sum && dropped) {
        for (int i = 0; i < t->n_persons; i++) {
            const double *src = t->x + (size_t)i * ps;
            double *dst = t->x + (size_t)i * (size_t)n_sum;
            for (int j = 0, k = 0; j < p; j++)
                if (keep[j]) dst[k++] = src[j];
        }
        for (int j = 0, k = 0; j < p; j++) {
            if (keep[j]) t->feature[k++] = t->feature[j];
            else free(t->feature[j]);
        }
        t->n_features = n_sum;
    }
    free(keep);
    if (duet_embed_count(t, "score_bookkeeping_columns_dropped", dropped)) return -1;
    return dropped;
}

void duet_embed_format(double v, char *buf)
{
    if (v == 0 || !isfinite(v)) {
        strcpy(buf, "0");
        return;
    }
    int e = (int)floor(log10(fabs(v)));
    int decimals = 7 - e;
    if (decimals < 0) decimals = 0;
    if (decimals > 24) decimals = 24;
    snprintf(buf, 48, "%.*f", decimals, v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0') *end-- = 0;
        if (end == dot) *end = 0;
    }
    if (!strcmp(buf, "-0")) strcpy(buf, "0");
}

/* ------------------------------------------------------------- reading */

typedef struct {
    const char *iid;
    int row;
} id_row_t;

static int id_row_cmp(const void *a, const void *b)
{
    const id_row_t *x = a, *y = b;
    int c = strcmp(x->iid, y->iid);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* Columns of the table: the ID column and the feature columns. */
static duet_err_t table_columns(duet_table_t *tb, int *id_col, int **feat, int *n_feat)
{
    static const char *const iid_names[] = {"IID", NULL};
    static const char *const fid_names[] = {"FID", NULL};
    *id_col = duet_table_col(tb, iid_names);
    if (*id_col < 0) {
        duet_log_error("%s:%lld: no IID column (the header must name it IID or #IID)",
                       tb->path, (long long)tb->lineno);
        return DUET_EFORMAT;
    }
    int fid = duet_table_col(tb, fid_names);
    *feat = duet_malloc((size_t)tb->n_hdr * sizeof **feat);
    if (!*feat) return DUET_ENOMEM;
    *n_feat = 0;
    for (int j = 0; j < tb->n_hdr; j++)
        if (j != *id_col && j != fid) (*feat)[(*n_feat)++] = j;
    if (!*n_feat) {
        duet_log_error("%s:%lld: no feature column besides the IDs", tb->path,
                       (long long)tb->lineno);
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

/* Check the IDs for repeats (reported with both lines). */
static duet_err_t check_ids(const char *path, int id_col, const duet_embed_table_t *t,
                            const int64_t *line)
{
    int n = t->n_persons;
    id_row_t *ids = duet_malloc((size_t)n * sizeof *ids + 1);
    if (!ids) return DUET_ENOMEM;
    for (int i = 0; i < n; i++) {
        ids[i].iid = t->iid[i];
        ids[i].row = i;
    }
    qsort(ids, (size_t)n, sizeof *ids, id_row_cmp);
    duet_err_t err = DUET_OK;
    for (int i = 1; i < n; i++)
        if (!strcmp(ids[i].iid, ids[i - 1].iid)) {
            duet_log_error("%s:%lld:%d: sample ID '%s' repeats line %lld", path,
                           (long long)line[ids[i].row], id_col + 1, ids[i].iid,
                           (long long)line[ids[i - 1].row]);
            err = DUET_EMISMATCH;
            break;
        }
    free(ids);
    return err;
}

static duet_err_t grow(duet_embed_table_t *t, int *m_rows, int n_feat, int64_t **line)
{
    int m = *m_rows ? 2 * *m_rows : 256;
    char **iid = duet_realloc(t->iid, (size_t)m * sizeof *iid);
    if (!iid) return DUET_ENOMEM;
    t->iid = iid;
    double *x = duet_realloc(t->x, (size_t)m * (size_t)n_feat * sizeof *x);
    if (!x) return DUET_ENOMEM;
    t->x = x;
    int64_t *l = duet_realloc(*line, (size_t)m * sizeof *l);
    if (!l) return DUET_ENOMEM;
    *line = l;
    *m_rows = m;
    return DUET_OK;
}

/* One data row into row t->n_persons; a missing value (NA, #NA, ., empty)
 * becomes NaN unless `missing_ok` is 0; an all-missing row is skipped
 * (*skipped set). */
static duet_err_t read_row(duet_table_t *tb, int id_col, const int *feat, int n_feat,
                           int missing_ok, duet_embed_table_t *t, int *skipped)
{
    const char *id = tb->f[id_col];
    *skipped = 0;
    if (!*id || !strcmp(id, "NA")) {
        duet_log_error("%s:%lld:%d: empty or NA sample ID", tb->path, (long long)tb->lineno,
                       id_col + 1);
        return DUET_EFORMAT;
    }
    double *row = t->x + (size_t)t->n_persons * (size_t)n_feat;
    int n_missing = 0;
    for (int j = 0; j < n_feat; j++) {
        const char *s = tb->f[feat[j]];
        if (!strcasecmp(s, "nan")) return duet_table_bad_value(tb, feat[j], "a number (NaN)");
        int r = duet_table_parse_double(s, &row[j]);
        if (r == 0 && !missing_ok)
            return duet_table_bad_value(tb, feat[j], "a number (--missing error)");
        if (r < 0) return duet_table_bad_value(tb, feat[j], "a finite decimal number");
        if (r == 0) {
            row[j] = NAN;
            n_missing++;
        }
    }
    if (n_missing == n_feat) {
        *skipped = 1;
        return DUET_OK;
    }
    t->iid[t->n_persons] = dupstr(id);
    if (!t->iid[t->n_persons]) return DUET_ENOMEM;
    t->n_persons++;
    return DUET_OK;
}

/* Missing values: the column mean of the persons who have one, and an
 * indicator column NAME_missing appended for each column with any. */
static duet_err_t impute(duet_embed_table_t *t, int64_t *n_values, int *n_cols)
{
    int n = t->n_persons, p = t->n_features, add = 0;
    *n_values = 0;
    int *miss = duet_calloc((size_t)p + 1, sizeof *miss);
    if (!miss) return DUET_ENOMEM;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) miss[j] += isnan(t->x[(size_t)i * p + j]);
    for (int j = 0; j < p; j++) add += miss[j] > 0;
    *n_cols = add;
    duet_err_t err = DUET_OK;
    double *x = NULL;
    char **feature = NULL;
    if (!add) goto cleanup;
    int q = p + add;
    x = duet_malloc((size_t)n * (size_t)q * sizeof *x + 1);
    feature = duet_calloc((size_t)q, sizeof *feature);
    if (!x || !feature) { err = DUET_ENOMEM; goto cleanup; }
    for (int j = 0, a = p; j < p; j++) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double v = t->x[(size_t)i * p + j];
            if (!isnan(v)) sum += v;
        }
        double mean = miss[j] < n ? sum / (n - miss[j]) : 0;
        for (int i = 0; i < n; i++) {
            double v = t->x[(size_t)i * p + j];
            x[(size_t)i * q + j] = isnan(v) ? mean : v;
            if (miss[j]) x[(size_t)i * q + a] = isnan(v);
        }
        feature[j] = t->feature[j];
        if (miss[j]) {
            size_t len = strlen(t->feature[j]) + 9;
            if (!(feature[a] = duet_malloc(len))) { err = DUET_ENOMEM; goto cleanup; }
            snprintf(feature[a], len, "%s_missing", t->feature[j]);
            a++;
        }
        *n_values += miss[j];
    }
    free(t->x);
    free(t->feature);
    t->x = x;
    t->feature = feature;
    t->n_features = q;
    x = NULL;
    feature = NULL;
cleanup:
    if (feature)
        for (int j = p; j < p + add; j++) free(feature[j]);
    free(feature);
    free(x);
    free(miss);
    return err;
}

duet_err_t duet_embed_read_table(const char *path, const char *name, int missing_ok,
                                 duet_embed_table_t **out)
{
    *out = NULL;
    duet_table_t tb;
    duet_err_t err = duet_table_open(path, &tb);
    if (err) return err;
    int id_col = -1, n_feat = 0, m_rows = 0, *feat = NULL;
    int64_t *line = NULL, n_skipped = 0, n_imputed = 0;
    int n_indicators = 0;
    duet_embed_table_t *t = duet_embed_table_create(name, path);
    if (!t) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    if ((err = table_columns(&tb, &id_col, &feat, &n_feat))) goto cleanup;
    t->n_features = n_feat;
    t->feature = duet_calloc((size_t)n_feat, sizeof *t->feature);
    if (!t->feature) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int j = 0; j < n_feat; j++) {
        const char *h = tb.hdr[feat[j]];
        if (!(t->feature[j] = dupstr(h[0] == '#' ? h + 1 : h))) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
    }
    int r;
    while ((r = duet_table_next(&tb, &err)) == 1) {
        if (t->n_persons == m_rows && (err = grow(t, &m_rows, n_feat, &line))) goto cleanup;
        line[t->n_persons] = tb.lineno;
        int skipped = 0;
        if ((err = read_row(&tb, id_col, feat, n_feat, missing_ok, t, &skipped))) goto cleanup;
        n_skipped += skipped;
    }
    if (r < 0) goto cleanup;
    if (!t->n_persons) {
        duet_log_error("%s: no data row", path);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    if ((err = check_ids(path, id_col, t, line))) goto cleanup;
    if ((err = impute(t, &n_imputed, &n_indicators))) goto cleanup;
    if ((err = duet_embed_option(t, "missing", "%s", missing_ok ? "mean" : "error")) ||
        (err = duet_embed_count(t, "rows_read", t->n_persons + n_skipped)) ||
        (err = duet_embed_count(t, "rows_all_missing_left_out", n_skipped)) ||
        (err = duet_embed_count(t, "columns_read", n_feat)) ||
        (err = duet_embed_count(t, "missing_values_imputed", n_imputed)) ||
        (err = duet_embed_count(t, "missing_indicators_added", n_indicators)))
        goto cleanup;
    if (n_skipped)
        duet_log_info("%s: %lld rows without any value left out", path, (long long)n_skipped);
    if (n_imputed)
        duet_log_info("%s: %lld missing value%s set to the column mean, %d indicator "
                      "column%s added", path, (long long)n_imputed, n_imputed == 1 ? "" : "s",
                      n_indicators, n_indicators == 1 ? "" : "s");
    *out = t;
    t = NULL;
cleanup:
    duet_table_close(&tb);
    duet_embed_table_destroy(t);
    free(feat);
    free(line);
    return err;
}

/* ------------------------------------------------------------- writing */

static char *join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = duet_malloc(n);
    if (s) snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* A YAML double-quoted scalar. */
static duet_err_t yaml_str(duet_out_t *o, const char *s)
{
    duet_err_t err = duet_out_puts(o, "\"");
    for (const char *p = s; !err && *p; p++) {
        if (*p == '"' || *p == '\\') err = duet_out_printf(o, "\\%c", *p);
        else if ((unsigned char)*p < 0x20) err = duet_out_printf(o, "\\x%02x", (unsigned char)*p);
        else err = duet_out_write(o, p, 1);
    }
    return err ? err : duet_out_puts(o, "\"");
}

static duet_err_t write_tsv(const duet_embed_table_t *t, duet_out_t *o)
{
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    duet_err_t err;
    char buf[48];
    duet_tsv_str(&row, "#IID");
    for (int j = 0; j < t->n_features; j++) duet_tsv_str(&row, t->feature[j]);
    if ((err = duet_tsv_row_write(&row, o))) goto cleanup;
    for (int i = 0; i < t->n_persons; i++) {
        duet_tsv_str(&row, t->iid[i]);
        const double *x = t->x + (size_t)i * (size_t)t->n_features;
        for (int j = 0; j < t->n_features; j++) {
            duet_embed_format(x[j], buf);
            duet_tsv_str(&row, buf);
        }
        if ((err = duet_tsv_row_write(&row, o))) goto cleanup;
    }
cleanup:
    duet_tsv_row_free(&row);
    return err;
}

static duet_err_t write_yaml(const duet_embed_table_t *t, int no_version, duet_out_t *o)
{
    duet_err_t err = DUET_OK;
    if (!no_version &&
        (err = duet_out_printf(o, "# %s\n# %s\n", duet_version_string(), duet_opts_cmdline())))
        return err;
    if ((err = duet_out_printf(o, "modality: %s\nsource: ", t->name)) ||
        (err = yaml_str(o, t->source)) ||
        (err = duet_out_printf(o, "\npersons: %d\nfeatures: %d\ncolumns:\n", t->n_persons,
                               t->n_features)))
        return err;
    for (int j = 0; j < t->n_features && !err; j++)
        if (!(err = duet_out_puts(o, "  - "))) {
            if (!(err = yaml_str(o, t->feature[j]))) err = duet_out_puts(o, "\n");
        }
    if (err) return err;
    if ((err = duet_out_puts(o, t->n_options ? "options:\n" : "options: {}\n"))) return err;
    for (int i = 0; i < t->n_options && !err; i++)
        if (!(err = duet_out_printf(o, "  %s: ", t->options[i].key))) {
            if (!(err = yaml_str(o, t->options[i].value))) err = duet_out_puts(o, "\n");
        }
    if (err) return err;
    if ((err = duet_out_puts(o, t->n_counts ? "counts:\n" : "counts: {}\n"))) return err;
    for (int i = 0; i < t->n_counts && !err; i++)
        err = duet_out_printf(o, "  %s: %s\n", t->counts[i].key, t->counts[i].value);
    return err;
}

duet_err_t duet_embed_write(duet_embed_table_t *const *tables, int n_tables, const char *prefix,
                            int force, int no_version)
{
    for (int a = 0; a < n_tables; a++)
        for (int b = 0; b < a; b++)
            if (!strcmp(tables[a]->name, tables[b]->name)) {
                duet_log_error("two modalities are named '%s'; give each table its own NAME",
                               tables[a]->name);
                return DUET_EUSAGE;
            }
    duet_err_t err = DUET_OK;
    size_t n_out = 2 * (size_t)n_tables;
    duet_out_t **outs = duet_calloc(n_out + 1, sizeof *outs);
    if (!outs) return DUET_ENOMEM;
    for (int a = 0; a < n_tables && !err; a++) {
        for (int s = 0; s < 2 && !err; s++) {
            char *path = join3(prefix, ".", tables[a]->name);
            char *full = path ? join3(path, s ? ".yaml" : ".tsv", "") : NULL;
            if (!full) err = DUET_ENOMEM;
            else err = duet_out_create(full, DUET_OUT_PLAIN, force, 1, &outs[2 * a + s]);
            free(path);
            free(full);
        }
    }
    for (int a = 0; a < n_tables && !err; a++)
        if (!(err = write_tsv(tables[a], outs[2 * a])))
            err = write_yaml(tables[a], no_version, outs[2 * a + 1]);
    for (size_t i = 0; i < n_out && !err; i++) err = duet_out_close(outs[i], NULL);
    for (size_t i = 0; i < n_out && !err; i++) err = duet_out_publish(outs[i]);
    for (size_t i = 0; i < n_out; i++) duet_out_destroy(outs[i]);
    free(outs);
    return err;
}
