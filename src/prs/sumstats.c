/*
 * sumstats.c -- the one reader of GWAS summary statistics (sumstats.h):
 * GWAS-SSF, plink2 --glm and regenie step 2 files, recognised by their
 * header, read row by row through the header-named table reader (table.h).
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duet/log.h"
#include "duet/sumstats.h"
#include "duet/table.h"

/* Column indices of one file; -1 = absent. */
typedef struct {
    int chrom, pos, id, rsid;
    int effect, other;       /* effect / other allele (SSF, regenie) */
    int ref, alt, omitted;   /* plink2: the other allele from these */
    int beta, odds_ratio, se;
    int p, mlp, eaf, n, test;
} sumstats_cols_t;

struct duet_sumstats_t {
    char *path;
    duet_table_t table;
    duet_sumstats_format_t format;
    sumstats_cols_t col;
    int64_t n_skipped;
};

static int col(const duet_table_t *t, const char *a, const char *b, const char *c)
{
    const char *names[4] = { a, b, c, NULL };
    return duet_table_col(t, names);
}

/* Columns of a GWAS-SSF file (duet gwas / merge / meta, GWAS Catalog). */
static void cols_ssf(const duet_table_t *t, sumstats_cols_t *c)
{
    c->chrom = col(t, "chromosome", NULL, NULL);
    c->pos = col(t, "base_pair_location", NULL, NULL);
    c->id = col(t, "variant_id", NULL, NULL);
    c->rsid = col(t, "rsid", NULL, NULL);
    c->effect = col(t, "effect_allele", NULL, NULL);
    c->other = col(t, "other_allele", NULL, NULL);
    c->beta = col(t, "beta", NULL, NULL);
    c->odds_ratio = col(t, "odds_ratio", NULL, NULL);
    c->se = col(t, "standard_error", NULL, NULL);
    c->p = col(t, "p_value", NULL, NULL);
    c->mlp = col(t, "neg_log_10_p_value", NULL, NULL);
    c->eaf = col(t, "effect_allele_frequency", NULL, NULL);
    c->n = col(t, "n", NULL, NULL);
}

/* Columns of a plink2 --glm file. */
static void cols_plink2(const duet_table_t *t, sumstats_cols_t *c)
{
    c->chrom = col(t, "CHROM", NULL, NULL);
    c->pos = col(t, "POS", NULL, NULL);
    c->id = col(t, "ID", NULL, NULL);
    c->ref = col(t, "REF", NULL, NULL);
    c->alt = col(t, "ALT", NULL, NULL);
    c->effect = col(t, "A1", NULL, NULL);
    c->omitted = col(t, "OMITTED", NULL, NULL);
    c->beta = col(t, "BETA", NULL, NULL);
    c->odds_ratio = col(t, "OR", NULL, NULL);
    c->se = col(t, "SE", "LOG(OR)_SE", NULL);
    c->p = col(t, "P", NULL, NULL);
    c->mlp = col(t, "LOG10_P", NULL, NULL);
    c->eaf = col(t, "A1_FREQ", NULL, NULL);
    c->n = col(t, "OBS_CT", NULL, NULL);
    c->test = col(t, "TEST", NULL, NULL);
}

/* Columns of a regenie step 2 file. */
static void cols_regenie(const duet_table_t *t, sumstats_cols_t *c)
{
    c->chrom = col(t, "CHROM", NULL, NULL);
    c->pos = col(t, "GENPOS", NULL, NULL);
    c->id = col(t, "ID", NULL, NULL);
    c->other = col(t, "ALLELE0", NULL, NULL);
    c->effect = col(t, "ALLELE1", NULL, NULL);
    c->beta = col(t, "BETA", NULL, NULL);
    c->se = col(t, "SE", NULL, NULL);
    c->mlp = col(t, "LOG10P", NULL, NULL);
    c->eaf = col(t, "A1FREQ", NULL, NULL);
    c->n = col(t, "N", NULL, NULL);
    c->test = col(t, "TEST", NULL, NULL);
}

/* Recognise the format and find the columns; DUET_EFORMAT (reported) when
 * the header is none of the three or lacks a required column. */
static duet_err_t find_columns(duet_sumstats_t *ss)
{
    const duet_table_t *t = &ss->table;
    sumstats_cols_t *c = &ss->col;
    memset(c, -1, sizeof *c);
    if (col(t, "chromosome", NULL, NULL) >= 0 && col(t, "base_pair_location", NULL, NULL) >= 0) {
        ss->format = DUET_SUMSTATS_SSF;
        cols_ssf(t, c);
    } else if (col(t, "GENPOS", NULL, NULL) >= 0 && col(t, "ALLELE1", NULL, NULL) >= 0) {
        ss->format = DUET_SUMSTATS_REGENIE;
        cols_regenie(t, c);
    } else if (col(t, "CHROM", NULL, NULL) >= 0 && col(t, "POS", NULL, NULL) >= 0 &&
               col(t, "REF", NULL, NULL) >= 0 && col(t, "ALT", NULL, NULL) >= 0) {
        ss->format = DUET_SUMSTATS_PLINK2;
        cols_plink2(t, c);
        if (c->effect < 0) c->effect = c->alt; /* no A1 column: ALT is tested */
    } else {
        duet_log_error("%s: not summary statistics: the header has none of GWAS-SSF's "
                       "chromosome/base_pair_location, plink2's #CHROM/POS/REF/ALT or "
                       "regenie's CHROM/GENPOS/ALLELE1", ss->path);
        return DUET_EFORMAT;
    }
    const char *fmt = duet_sumstats_format_name(ss->format);
    if (c->effect < 0) {
        duet_log_error("%s: %s file without an effect-allele column", ss->path, fmt);
        return DUET_EFORMAT;
    }
    if (c->p < 0 && c->mlp < 0) {
        duet_log_error("%s: %s file without a p-value column (p_value, "
                       "neg_log_10_p_value, P, LOG10_P or LOG10P)", ss->path, fmt);
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

duet_err_t duet_sumstats_open(const char *path, duet_sumstats_t **out)
{
    *out = NULL;
    duet_sumstats_t *ss = calloc(1, sizeof *ss);
    if (!ss) return duet_log_oom(sizeof *ss);
    ss->path = strdup(path);
    if (!ss->path) {
        free(ss);
        return duet_log_oom(strlen(path) + 1);
    }
    duet_err_t err = duet_table_open(ss->path, &ss->table);
    if (!err) err = find_columns(ss);
    if (err) {
        duet_sumstats_close(ss);
        return err;
    }
    *out = ss;
    return DUET_OK;
}

void duet_sumstats_close(duet_sumstats_t *ss)
{
    if (!ss) return;
    if (ss->table.fp) duet_table_close(&ss->table);
    free(ss->path);
    free(ss);
}

duet_sumstats_format_t duet_sumstats_format(const duet_sumstats_t *ss) { return ss->format; }

const char *duet_sumstats_format_name(duet_sumstats_format_t f)
{
    switch (f) {
    case DUET_SUMSTATS_SSF: return "GWAS-SSF";
    case DUET_SUMSTATS_PLINK2: return "plink2";
    case DUET_SUMSTATS_REGENIE: return "regenie";
    }
    return "unknown";
}

const char *duet_sumstats_path(const duet_sumstats_t *ss) { return ss->path; }
int duet_sumstats_has_se(const duet_sumstats_t *ss) { return ss->col.se >= 0; }
int duet_sumstats_has_beta(const duet_sumstats_t *ss)
{
    return ss->col.beta >= 0 || ss->col.odds_ratio >= 0;
}
int duet_sumstats_has_other_allele(const duet_sumstats_t *ss)
{
    return ss->col.other >= 0 || ss->col.ref >= 0;
}
int64_t duet_sumstats_n_skipped(const duet_sumstats_t *ss) { return ss->n_skipped; }

/* A number of column `c` (absent column: NAN).  Returns 0 or, for a value
 * that is not a finite decimal number or is outside [lo, hi], -1 with the
 * error reported. */
static int number(duet_sumstats_t *ss, int c, double lo, double hi, const char *what,
                  double *v)
{
    *v = NAN;
    if (c < 0) return 0;
    double x;
    int r = duet_table_parse_double(ss->table.f[c], &x);
    if (r == 0) return 0;
    if (r < 0 || x < lo || x > hi) {
        (void)duet_table_bad_value(&ss->table, c, what);
        return -1;
    }
    *v = x;
    return 0;
}

static char *upper(char *s)
{
    for (char *p = s; *p; p++) *p = (char)toupper((unsigned char)*p);
    return s;
}

static int missing_text(const char *s)
{
    return !*s || !strcmp(s, "#NA") || !strcasecmp(s, "NA") || !strcmp(s, ".");
}

/* The alleles of the current row. */
static void alleles(duet_sumstats_t *ss, duet_sumstats_row_t *row)
{
    const sumstats_cols_t *c = &ss->col;
    char **f = ss->table.f;
    row->effect_allele = upper(f[c->effect]);
    row->other_allele = NULL;
    if (c->other >= 0) {
        row->other_allele = upper(f[c->other]);
    } else if (c->omitted >= 0) {
        row->other_allele = upper(f[c->omitted]);
    } else if (c->ref >= 0 && c->alt >= 0) {
        char *ref = upper(f[c->ref]), *alt = upper(f[c->alt]);
        row->other_allele = strcmp(ref, row->effect_allele) ? ref : alt;
    }
    if (row->other_allele && missing_text(row->other_allele)) row->other_allele = NULL;
}

/* Position: a positive decimal integer. */
static int position(duet_sumstats_t *ss, int64_t *pos)
{
    const char *s = ss->table.f[ss->col.pos];
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v <= 0 || !isdigit((unsigned char)*s)) {
        (void)duet_table_bad_value(&ss->table, ss->col.pos, "a positive integer position");
        return -1;
    }
    *pos = v;
    return 0;
}

/* The statistics of the current row. */
static int statistics(duet_sumstats_t *ss, duet_sumstats_row_t *row)
{
    const sumstats_cols_t *c = &ss->col;
    double odds;
    if (number(ss, c->beta, -DBL_MAX, DBL_MAX, "a number", &row->beta) ||
        number(ss, c->odds_ratio, 0, DBL_MAX, "an odds ratio (0 or more)", &odds) ||
        number(ss, c->se, 0, DBL_MAX, "a standard error (0 or more)", &row->se) ||
        number(ss, c->p, 0, 1, "a p-value in [0, 1]", &row->p) ||
        number(ss, c->mlp, 0, DBL_MAX, "a -log10 p-value (0 or more)", &row->mlp) ||
        number(ss, c->eaf, 0, 1, "an allele frequency in [0, 1]", &row->eaf) ||
        number(ss, c->n, 0, DBL_MAX, "a sample size (0 or more)", &row->n))
        return -1;
    if (isnan(row->beta) && !isnan(odds)) row->beta = odds > 0 ? log(odds) : NAN;
    if (!isnan(row->mlp) && isnan(row->p)) row->p = pow(10.0, -row->mlp);
    if (isnan(row->mlp) && !isnan(row->p))
        row->mlp = row->p > 0 ? -log10(row->p) : -log10(DBL_TRUE_MIN);
    if (row->mlp == 0) row->mlp = 0; /* no -0 */
    return 0;
}

int duet_sumstats_next(duet_sumstats_t *ss, duet_sumstats_row_t *row, duet_err_t *err)
{
    const sumstats_cols_t *c = &ss->col;
    for (;;) {
        int r = duet_table_next(&ss->table, err);
        if (r <= 0) return r;
        char **f = ss->table.f;
        if (c->test >= 0 && strcmp(f[c->test], "ADD")) {
            ss->n_skipped++;
            continue;
        }
        memset(row, 0, sizeof *row);
        row->lineno = ss->table.lineno;
        row->chrom = f[c->chrom];
        row->id = c->id >= 0 && !missing_text(f[c->id]) ? f[c->id] : NULL;
        row->rsid = c->rsid >= 0 && !missing_text(f[c->rsid]) ? f[c->rsid] : NULL;
        if (!row->id) row->id = row->rsid;
        alleles(ss, row);
        if (position(ss, &row->pos) || statistics(ss, row)) {
            *err = DUET_EFORMAT;
            return -1;
        }
        return 1;
    }
}

/* P.tsv.gz, P.tsv, P.gz or P -> P.yaml (caller frees). */
static char *sidecar_path(const char *path)
{
    size_t n = strlen(path);
    static const char *const suffixes[] = { ".tsv.gz", ".tsv.bgz", ".tsv", ".gz", NULL };
    for (const char *const *s = suffixes; *s; s++) {
        size_t k = strlen(*s);
        if (n > k && !strcmp(path + n - k, *s)) {
            n -= k;
            break;
        }
    }
    char *y = malloc(n + 6);
    if (!y) return NULL;
    memcpy(y, path, n);
    memcpy(y + n, ".yaml", 6);
    return y;
}

/* Strip spaces, a list dash and quotes from a YAML scalar, in place. */
static char *yaml_scalar(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '-') s++;
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strcspn(s, "\r\n");
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    s[n] = 0;
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
        s[n - 1] = 0;
        s++;
    }
    return s;
}

duet_err_t duet_sumstats_yaml_trait(const char *path, char **trait)
{
    *trait = NULL;
    char *ypath = sidecar_path(path);
    if (!ypath) return duet_log_oom(strlen(path) + 6);
    FILE *fp = fopen(ypath, "r");
    free(ypath);
    if (!fp) return DUET_OK;
    char line[4096];
    const char *found = NULL;
    int in_list = 0;
    while (!found && fgets(line, sizeof line, fp)) {
        if (!strncmp(line, "trait_description:", 18)) {
            char *v = yaml_scalar(line + 18);
            if (*v) found = v;
            else in_list = 1;
        } else if (in_list) {
            char *s = line;
            while (*s == ' ') s++;
            if (*s != '-') break;
            found = yaml_scalar(s);
        }
    }
    fclose(fp);
    if (!found) return DUET_OK;
    *trait = strdup(found);
    if (!*trait) return duet_log_oom(strlen(found) + 1);
    if (!strcmp(*trait, "#NA")) {
        free(*trait);
        *trait = NULL;
    }
    return DUET_OK;
}
