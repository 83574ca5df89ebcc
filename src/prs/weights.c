/*
 * weights.c -- the in-memory set of polygenic-score weights (score.h):
 * scores, weight rows and their files, built by the readers of
 * weights_read.c or row by row by a caller (duet prs ct), and the
 * chromosome, allele and number helpers that reading and matching share.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "prs_internal.h"

duet_err_t duet_weights_create(duet_weights_t **w)
{
    *w = duet_calloc(1, sizeof **w);
    return *w ? DUET_OK : DUET_ENOMEM;
}

void duet_weights_destroy(duet_weights_t *w)
{
    if (!w) return;
    for (int k = 0; k < w->n_scores; k++) {
        free(w->score_names[k]);
        free(w->weight[k]);
    }
    free(w->score_names);
    free(w->weight);
    for (int r = 0; r < w->n_rows; r++) {
        duet_weight_row_t *row = &w->rows[r];
        free(row->chrom);
        free(row->id);
        free(row->effect_allele);
        free(row->other_allele);
    }
    free(w->rows);
    for (int f = 0; f < w->n_files; f++) free(w->files[f]);
    free(w->files);
    free(w->formats);
    free(w);
}

duet_err_t duet_weights_add_score(duet_weights_t *w, const char *name, int *score)
{
    for (int k = 0; k < w->n_scores; k++) {
        if (strcmp(w->score_names[k], name) == 0) {
            duet_log_error("score name '%s' is given twice (score names must be unique across the weights files)",
                           name);
            return DUET_EUSAGE;
        }
    }
    if (w->n_scores == w->m_scores) {
        int m = w->m_scores ? 2 * w->m_scores : 4;
        char **names = duet_realloc(w->score_names, (size_t)m * sizeof *names);
        if (!names) return DUET_ENOMEM;
        w->score_names = names;
        double **weight = duet_realloc(w->weight, (size_t)m * sizeof *weight);
        if (!weight) return DUET_ENOMEM;
        w->weight = weight;
        w->m_scores = m;
    }
    int k = w->n_scores;
    w->score_names[k] = strdup(name);
    w->weight[k] = duet_malloc((size_t)(w->m_rows ? w->m_rows : 1) * sizeof(double));
    if (!w->score_names[k] || !w->weight[k]) {
        int named = w->score_names[k] != NULL;
        free(w->score_names[k]);
        free(w->weight[k]);
        return named ? DUET_ENOMEM : duet_log_oom(strlen(name) + 1);
    }
    for (int r = 0; r < w->m_rows; r++) w->weight[k][r] = NAN;
    w->n_scores++;
    if (score) *score = k;
    return DUET_OK;
}

static char *dup_upper(const char *s)
{
    char *c = strdup(s);
    if (!c) return NULL;
    for (char *p = c; *p; p++) *p = (char)toupper((unsigned char)*p);
    return c;
}

static duet_err_t grow_rows(duet_weights_t *w)
{
    int m = w->m_rows ? 2 * w->m_rows : 1024;
    duet_weight_row_t *rows = duet_realloc(w->rows, (size_t)m * sizeof *rows);
    if (!rows) return DUET_ENOMEM;
    w->rows = rows;
    for (int k = 0; k < w->n_scores; k++) {
        double *wk = duet_realloc(w->weight[k], (size_t)m * sizeof *wk);
        if (!wk) return DUET_ENOMEM;
        for (int r = w->m_rows; r < m; r++) wk[r] = NAN;
        w->weight[k] = wk;
    }
    w->m_rows = m;
    return DUET_OK;
}

duet_err_t duet_weights_add_row(duet_weights_t *w, const char *chrom, int64_t pos,
                                const char *id, const char *effect, const char *other,
                                duet_score_model_t model, int *row)
{
    if (!effect || !*effect) {
        duet_log_error("a weight row needs an effect allele");
        return DUET_EUSAGE;
    }
    if (!(chrom && *chrom && pos > 0) && !(id && *id)) {
        duet_log_error("a weight row needs a position or a variant ID");
        return DUET_EUSAGE;
    }
    duet_err_t err;
    if (w->n_rows == w->m_rows && (err = grow_rows(w))) return err;
    duet_weight_row_t *r = &w->rows[w->n_rows];
    memset(r, 0, sizeof *r);
    int has_pos = chrom && *chrom && pos > 0;
    r->chrom = has_pos ? strdup(chrom) : NULL;
    r->pos = has_pos ? pos : 0;
    r->id = id && *id ? strdup(id) : NULL;
    r->effect_allele = dup_upper(effect);
    r->other_allele = other && *other ? dup_upper(other) : NULL;
    r->model = model;
    r->file = -1;
    if ((has_pos && !r->chrom) || (id && *id && !r->id) || !r->effect_allele ||
        (other && *other && !r->other_allele)) {
        free(r->chrom);
        free(r->id);
        free(r->effect_allele);
        free(r->other_allele);
        return duet_log_oom(strlen(effect) + 64);
    }
    if (row) *row = w->n_rows;
    w->n_rows++;
    return DUET_OK;
}

void duet_weights_set(duet_weights_t *w, int row, int score, double weight)
{
    w->weight[score][row] = weight;
}

double duet_weights_get(const duet_weights_t *w, int row, int score)
{
    return w->weight[score][row];
}

int duet_weights_n_scores(const duet_weights_t *w) { return w->n_scores; }
int duet_weights_n_rows(const duet_weights_t *w) { return w->n_rows; }
const char *duet_weights_score_name(const duet_weights_t *w, int score)
{
    return w->score_names[score];
}
const duet_weight_row_t *duet_weights_row(const duet_weights_t *w, int row)
{
    return &w->rows[row];
}
int duet_weights_n_files(const duet_weights_t *w) { return w->n_files; }
const char *duet_weights_file(const duet_weights_t *w, int file) { return w->files[file]; }
duet_weights_format_t duet_weights_file_format(const duet_weights_t *w, int file)
{
    return w->formats[file];
}

const char *duet_weights_format_name(duet_weights_format_t f)
{
    switch (f) {
    case DUET_WEIGHTS_PGS: return "PGS Catalog 2.0";
    case DUET_WEIGHTS_DUET: return "duet weights";
    case DUET_WEIGHTS_PLINK2: return "plink2 --score";
    default: return "auto";
    }
}

char *duet_prs_chrom_norm(const char *chrom, char *buf)
{
    const char *s = chrom;
    if (strncasecmp(s, "chr", 3) == 0 && s[3]) s += 3;
    size_t n = 0;
    for (; s[n] && n < 31; n++) buf[n] = (char)toupper((unsigned char)s[n]);
    buf[n] = 0;
    if (!strcmp(buf, "23")) strcpy(buf, "X");
    else if (!strcmp(buf, "24")) strcpy(buf, "Y");
    else if (!strcmp(buf, "25")) strcpy(buf, "XY");
    else if (!strcmp(buf, "26") || !strcmp(buf, "M")) strcpy(buf, "MT");
    return buf;
}

char duet_prs_complement(const char *a)
{
    if (!a || !a[0] || a[1]) return 0;
    switch (a[0]) {
    case 'A': return 'T';
    case 'T': return 'A';
    case 'C': return 'G';
    case 'G': return 'C';
    default: return 0;
    }
}

int duet_prs_ambiguous(const char *a, const char *b)
{
    char ca = duet_prs_complement(a);
    return ca && b && b[0] == ca && !b[1];
}

int duet_prs_parse_weight(const char *s, double *v)
{
    /* strtod accepts hex, "inf", "nan" and leading spaces: refuse them */
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!(isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))))
        return 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) return 0;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q) && !strchr(".eE+-", *q)) return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || !isfinite(x) || (errno == ERANGE && fabs(x) > 1.0)) return 0;
    *v = x;
    return 1;
}
