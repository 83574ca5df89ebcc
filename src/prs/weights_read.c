/*
 * weights_read.c -- the readers of weights files (score.h): PGS Catalog
 * scoring files (format 2.0), duet weights files and plink2 --score files,
 * recognised from their header lines, plain or compressed (htslib BGZF
 * reads both gzip and bgzip).  Every bad value is reported as
 * FILE:LINE:COLUMN.
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
#include "prs_internal.h"

KHASH_MAP_INIT_STR(wdup, int64_t)

typedef struct {
    const char *path;
    BGZF *fp;
    kstring_t line;
    int64_t lineno;
    char **f;      /* fields of the current line, pointing into `line` */
    int n_f, m_f;
    khash_t(wdup) *dup;
    kstring_t key;
} lines_t;

/* 1 a line, 0 the end, -1 a read error (reported). */
static int next_line(lines_t *L, duet_err_t *err)
{
    int r = bgzf_getline(L->fp, '\n', &L->line);
    if (r == -1) return 0;
    if (r < -1) {
        duet_log_error("%s: read error after line %lld", L->path, (long long)L->lineno);
        *err = DUET_EREAD;
        return -1;
    }
    L->lineno++;
    if (L->line.l && L->line.s[L->line.l - 1] == '\r') L->line.s[--L->line.l] = 0;
    return 1;
}

/* Split the current line in place: on tabs (ws 0) or runs of spaces and
 * tabs (ws 1).  DUET_ENOMEM. */
static duet_err_t split(lines_t *L, int ws)
{
    L->n_f = 0;
    char *p = L->line.s;
    if (!p) return DUET_OK;
    if (ws) while (*p == ' ' || *p == '\t') p++;
    while (1) {
        if (ws && !*p) break;
        if (L->n_f == L->m_f) {
            int m = L->m_f ? 2 * L->m_f : 16;
            char **f = duet_realloc(L->f, (size_t)m * sizeof *f);
            if (!f) return DUET_ENOMEM;
            L->f = f;
            L->m_f = m;
        }
        L->f[L->n_f++] = p;
        if (ws) {
            while (*p && *p != ' ' && *p != '\t') p++;
            if (!*p) break;
            *p++ = 0;
            while (*p == ' ' || *p == '\t') p++;
        } else {
            p = strchr(p, '\t');
            if (!p) break;
            *p++ = 0;
        }
    }
    return DUET_OK;
}

static duet_err_t bad(const lines_t *L, int col, const char *name, const char *what)
{
    duet_log_error("%s:%lld:%d: %s '%s' is not %s", L->path, (long long)L->lineno, col + 1,
                   name, L->f[col], what);
    return DUET_EFORMAT;
}

static int is_missing(const char *s)
{
    return !*s || !strcmp(s, "NA") || !strcmp(s, "#NA") || !strcmp(s, ".");
}

static int parse_pos(const char *s, int64_t *pos)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!isdigit((unsigned char)*s) || *end || errno || v <= 0) return 0;
    *pos = v;
    return 1;
}

/* PGS Catalog booleans: True/False (any case), 1/0, yes/no, empty. */
static int parse_bool(const char *s, int *v)
{
    if (!*s || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
        !strcmp(s, "NA")) {
        *v = 0;
        return 1;
    }
    if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes")) {
        *v = 1;
        return 1;
    }
    return 0;
}

/* Refuse a variant seen before in this file (same position and allele
 * pair in either order, or the same ID and effect allele for rows without
 * a position). */
static duet_err_t check_dup(lines_t *L, const char *chrom, int64_t pos, const char *id,
                            const char *effect, const char *other)
{
    char cbuf[32];
    L->key.l = 0;
    if (pos > 0) {
        const char *a = effect, *b = other ? other : "";
        if (strcasecmp(a, b) > 0) {
            const char *t = a;
            a = b;
            b = t;
        }
        ksprintf(&L->key, "%s:%lld:%s:%s", duet_prs_chrom_norm(chrom, cbuf), (long long)pos, a, b);
    } else {
        ksprintf(&L->key, "id:%s:%s", id, effect);
    }
    for (char *p = L->key.s; *p; p++) *p = (char)toupper((unsigned char)*p);
    khint_t k = kh_get(wdup, L->dup, L->key.s);
    if (k != kh_end(L->dup)) {
        if (pos > 0)
            duet_log_error("%s:%lld: duplicated variant %s:%lld %s/%s (also at line %lld)", L->path,
                           (long long)L->lineno, chrom, (long long)pos, effect,
                           other ? other : "?", (long long)kh_val(L->dup, k));
        else
            duet_log_error("%s:%lld: duplicated variant %s (effect allele %s; also at line %lld)",
                           L->path, (long long)L->lineno, id, effect, (long long)kh_val(L->dup, k));
        return DUET_EFORMAT;
    }
    char *key = strdup(L->key.s);
    if (!key) return duet_log_oom(L->key.l + 1);
    int absent;
    k = kh_put(wdup, L->dup, key, &absent);
    if (absent < 0) {
        free(key);
        return duet_log_oom(64);
    }
    kh_val(L->dup, k) = L->lineno;
    return DUET_OK;
}

/* Add a row of file `file` read at the current line. */
static duet_err_t add_row(duet_weights_t *w, lines_t *L, int file, const char *chrom,
                          int64_t pos, const char *id, const char *effect, const char *other,
                          duet_score_model_t model, int *row)
{
    duet_err_t err = check_dup(L, chrom, pos, id, effect, other);
    if (err) return err;
    if ((err = duet_weights_add_row(w, chrom, pos, id, effect, other, model, row))) return err;
    w->rows[*row].file = file;
    w->rows[*row].lineno = L->lineno;
    return DUET_OK;
}

static int col_of(const lines_t *L, const char *name)
{
    for (int i = 0; i < L->n_f; i++)
        if (!strcasecmp(L->f[i], name)) return i;
    return -1;
}

static const char *field(const lines_t *L, int col)
{
    return col >= 0 && col < L->n_f ? L->f[col] : "";
}

typedef struct {
    char version[32], pgs_id[128], pgs_name[128];
    int is_pgs, old_pgs;
} pgs_meta_t;

/* One "#..." line before the header: PGS Catalog metadata ("#key=value").
 * Returns 1 if the line is metadata or a comment, 0 if it is a header. */
static int meta_line(const char *s, pgs_meta_t *m)
{
    if (!strncmp(s, "##", 2)) {
        if (strstr(s, "PGS CATALOG")) m->is_pgs = 1;
        return 1;
    }
    const char *eq = strchr(s, '=');
    if (!eq || strchr(s, '\t')) return 0;
    size_t kl = (size_t)(eq - s - 1);
    const char *key = s + 1, *val = eq + 1;
    while (kl && key[kl - 1] == ' ') kl--;
    while (*val == ' ') val++;
    char *dst = NULL;
    size_t dn = 0;
    if (kl == 14 && !strncmp(key, "format_version", 14)) dst = m->version, dn = sizeof m->version;
    else if (kl == 6 && !strncmp(key, "pgs_id", 6)) dst = m->pgs_id, dn = sizeof m->pgs_id;
    else if (kl == 8 && !strncmp(key, "pgs_name", 8)) dst = m->pgs_name, dn = sizeof m->pgs_name;
    else if (!strncmp(key, " PGS ID", 7)) m->old_pgs = 1; /* format 1: "# PGS ID = ..." */
    if (dst) {
        snprintf(dst, dn, "%s", val);
        m->is_pgs = 1;
    }
    return 1;
}

static duet_err_t read_pgs(duet_weights_t *w, lines_t *L, int file, const pgs_meta_t *m,
                           const duet_weights_read_opts_t *o)
{
    if (strcmp(m->version, "2.0") != 0) {
        if (m->version[0])
            duet_log_error("%s: PGS Catalog format version %s; only format 2.0 is read", L->path,
                           m->version);
        else
            duet_log_error("%s: a PGS Catalog scoring file without '#format_version=2.0' (an "
                           "older format); download the current file from the PGS Catalog",
                           L->path);
        return DUET_EFORMAT;
    }
    int c_rs = col_of(L, "rsID"), c_chr = col_of(L, "chr_name"), c_pos = col_of(L, "chr_position");
    int c_ea = col_of(L, "effect_allele"), c_oa = col_of(L, "other_allele");
    int c_w = col_of(L, "effect_weight"), c_hchr = col_of(L, "hm_chr"), c_hpos = col_of(L, "hm_pos");
    int c_hrs = col_of(L, "hm_rsID"), c_dom = col_of(L, "is_dominant");
    int c_rec = col_of(L, "is_recessive"), c_int = col_of(L, "is_interaction");
    int c_hap = col_of(L, "is_haplotype"), c_dip = col_of(L, "is_diplotype");
    int c_inf = c_oa < 0 ? col_of(L, "hm_inferOtherAllele") : -1;
    int harmonized = c_hchr >= 0 && c_hpos >= 0;
    if (c_ea < 0 || c_w < 0 || (c_rs < 0 && c_hrs < 0 && !harmonized && (c_chr < 0 || c_pos < 0))) {
        duet_log_error("%s:%lld: the PGS Catalog header lacks %s", L->path, (long long)L->lineno,
                       c_ea < 0   ? "the column effect_allele"
                       : c_w < 0  ? "the column effect_weight"
                                  : "variant columns (rsID, or chr_name and chr_position)");
        return DUET_EFORMAT;
    }
    char name[300];
    snprintf(name, sizeof name, "%s%s", o->name_prefix ? o->name_prefix : "",
             m->pgs_id[0] ? m->pgs_id : m->pgs_name[0] ? m->pgs_name : "PGS");
    int score;
    duet_err_t err = duet_weights_add_score(w, name, &score);
    if (err) return err;
    int n_hdr = L->n_f, r;
    while ((r = next_line(L, &err)) == 1) {
        if (!L->line.l || L->line.s[0] == '#') continue;
        if ((err = split(L, 0))) return err;
        if (L->n_f != n_hdr) {
            duet_log_error("%s:%lld: %d fields, the header has %d", L->path, (long long)L->lineno,
                           L->n_f, n_hdr);
            return DUET_EFORMAT;
        }
        int flag[5] = {0};
        const int cols[5] = {c_dom, c_rec, c_int, c_hap, c_dip};
        for (int i = 0; i < 5; i++)
            if (cols[i] >= 0 && !parse_bool(L->f[cols[i]], &flag[i]))
                return bad(L, cols[i], "value", "True or False");
        if (flag[2] || flag[3] || flag[4]) {
            duet_log_error("%s:%lld: %s terms are not supported (duet scores single variants)",
                           L->path, (long long)L->lineno,
                           flag[2] ? "interaction" : flag[3] ? "haplotype" : "diplotype");
            return DUET_EFORMAT;
        }
        if (flag[0] && flag[1]) {
            duet_log_error("%s:%lld: a variant both dominant and recessive", L->path,
                           (long long)L->lineno);
            return DUET_EFORMAT;
        }
        const char *ea = field(L, c_ea), *oa = field(L, c_oa >= 0 ? c_oa : c_inf);
        if (is_missing(ea)) {
            duet_log_error("%s:%lld: no effect allele (interaction or haplotype terms are not "
                           "supported)", L->path, (long long)L->lineno);
            return DUET_EFORMAT;
        }
        if (strchr(oa, '/')) oa = ""; /* several inferred other alleles: none */
        const char *chrom = harmonized ? field(L, c_hchr) : field(L, c_chr);
        int pcol = harmonized ? c_hpos : c_pos;
        int64_t pos = 0;
        if (pcol >= 0 && !is_missing(L->f[pcol]) && !parse_pos(L->f[pcol], &pos))
            return bad(L, pcol, "position", "a positive integer");
        if (is_missing(chrom)) pos = 0;
        const char *id = c_hrs >= 0 && !is_missing(L->f[c_hrs]) ? L->f[c_hrs] : field(L, c_rs);
        if (is_missing(id)) id = NULL;
        if (pos == 0 && !id) {
            duet_log_error("%s:%lld: a variant without a position or an rsID", L->path,
                           (long long)L->lineno);
            return DUET_EFORMAT;
        }
        double wt;
        if (!duet_prs_parse_weight(L->f[c_w], &wt))
            return bad(L, c_w, "effect_weight", "a finite decimal number");
        duet_score_model_t model = flag[0] ? DUET_MODEL_DOMINANT
                                   : flag[1] ? DUET_MODEL_RECESSIVE : DUET_MODEL_ADDITIVE;
        int row;
        if ((err = add_row(w, L, file, pos ? chrom : NULL, pos, id, ea, is_missing(oa) ? NULL : oa,
                           model, &row)))
            return err;
        duet_weights_set(w, row, score, wt);
    }
    return r < 0 ? err : DUET_OK;
}

static duet_err_t read_duet(duet_weights_t *w, lines_t *L, int file,
                            const duet_weights_read_opts_t *o)
{
    int n_hdr = L->n_f, first = w->n_scores;
    duet_err_t err;
    for (int c = 5; c < n_hdr; c++) {
        char name[300];
        snprintf(name, sizeof name, "%s%s", o->name_prefix ? o->name_prefix : "", L->f[c]);
        if ((err = duet_weights_add_score(w, name, NULL))) return err;
    }
    int r;
    while ((r = next_line(L, &err)) == 1) {
        if (!L->line.l) continue;
        if ((err = split(L, 0))) return err;
        if (L->n_f != n_hdr) {
            duet_log_error("%s:%lld: %d fields, the header has %d", L->path, (long long)L->lineno,
                           L->n_f, n_hdr);
            return DUET_EFORMAT;
        }
        int64_t pos;
        if (!parse_pos(L->f[1], &pos)) return bad(L, 1, "base_pair_location", "a positive integer");
        if (is_missing(L->f[0])) return bad(L, 0, "chromosome", "a chromosome name");
        if (is_missing(L->f[3])) return bad(L, 3, "effect_allele", "an allele");
        int row;
        if ((err = add_row(w, L, file, L->f[0], pos, is_missing(L->f[2]) ? NULL : L->f[2],
                           L->f[3], is_missing(L->f[4]) ? NULL : L->f[4], DUET_MODEL_ADDITIVE,
                           &row)))
            return err;
        for (int c = 5; c < n_hdr; c++) {
            double wt = NAN;
            if (!is_missing(L->f[c]) && !duet_prs_parse_weight(L->f[c], &wt))
                return bad(L, c, "weight", "a finite decimal number");
            duet_weights_set(w, row, first + c - 5, wt);
        }
    }
    return r < 0 ? err : DUET_OK;
}

static duet_err_t plink2_row(duet_weights_t *w, lines_t *L, int file, int first,
                             const duet_weights_read_opts_t *o)
{
    int need = o->id_col;
    if (o->allele_col > need) need = o->allele_col;
    if (o->score_col_last > need) need = o->score_col_last;
    if (L->n_f < need) {
        duet_log_error("%s:%lld: %d fields, column %d is needed", L->path, (long long)L->lineno,
                       L->n_f, need);
        return DUET_EFORMAT;
    }
    const char *id = L->f[o->id_col - 1], *ea = L->f[o->allele_col - 1];
    if (is_missing(id)) return bad(L, o->id_col - 1, "variant ID", "an ID");
    if (is_missing(ea)) return bad(L, o->allele_col - 1, "allele", "an allele");
    int row;
    duet_err_t err = add_row(w, L, file, NULL, 0, id, ea, NULL, DUET_MODEL_ADDITIVE, &row);
    if (err) return err;
    for (int c = o->score_col_first; c <= o->score_col_last; c++) {
        double wt;
        if (!duet_prs_parse_weight(L->f[c - 1], &wt))
            return bad(L, c - 1, "weight", "a finite decimal number");
        duet_weights_set(w, row, first + c - o->score_col_first, wt);
    }
    return DUET_OK;
}

static duet_err_t read_plink2(duet_weights_t *w, lines_t *L, int file,
                              const duet_weights_read_opts_t *opts)
{
    duet_weights_read_opts_t o = *opts;
    if (!o.score_col_last) o.score_col_last = o.score_col_first;
    duet_err_t err;
    if ((err = split(L, 1))) return err;
    /* the first line is a header if it starts with '#' or none of its
     * weight fields is a number */
    int header = L->n_f > 0 && L->f[0][0] == '#';
    if (!header && L->n_f >= o.score_col_last) {
        header = 1;
        for (int c = o.score_col_first; c <= o.score_col_last; c++) {
            double v;
            if (duet_prs_parse_weight(L->f[c - 1], &v)) header = 0;
        }
    }
    if (L->n_f < o.score_col_last) {
        duet_log_error("%s:%lld: %d fields; the weights are asked in columns %d-%d", L->path,
                       (long long)L->lineno, L->n_f, o.score_col_first, o.score_col_last);
        return DUET_EFORMAT;
    }
    int first = w->n_scores;
    for (int c = o.score_col_first; c <= o.score_col_last; c++) {
        char name[300];
        if (header)
            snprintf(name, sizeof name, "%s%s", o.name_prefix ? o.name_prefix : "", L->f[c - 1]);
        else
            snprintf(name, sizeof name, "%sSCORE%d", o.name_prefix ? o.name_prefix : "",
                     c - o.score_col_first + 1);
        if ((err = duet_weights_add_score(w, name, NULL))) return err;
    }
    if (!header && (err = plink2_row(w, L, file, first, &o))) return err;
    int r;
    while ((r = next_line(L, &err)) == 1) {
        if ((err = split(L, 1))) return err;
        if (L->n_f == 0) continue;
        if ((err = plink2_row(w, L, file, first, &o))) return err;
    }
    return r < 0 ? err : DUET_OK;
}

void duet_weights_read_opts_init(duet_weights_read_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->format = DUET_WEIGHTS_AUTO;
    o->id_col = 1;
    o->allele_col = 2;
    o->score_col_first = 3;
}

static duet_err_t add_file(duet_weights_t *w, const char *path, int *file)
{
    if (w->n_files == w->m_files) {
        int m = w->m_files ? 2 * w->m_files : 4;
        char **files = duet_realloc(w->files, (size_t)m * sizeof *files);
        if (!files) return DUET_ENOMEM;
        w->files = files;
        duet_weights_format_t *fm = duet_realloc(w->formats, (size_t)m * sizeof *fm);
        if (!fm) return DUET_ENOMEM;
        w->formats = fm;
        w->m_files = m;
    }
    if (!(w->files[w->n_files] = strdup(path))) return duet_log_oom(strlen(path) + 1);
    w->formats[w->n_files] = DUET_WEIGHTS_AUTO;
    *file = w->n_files++;
    return DUET_OK;
}

static const char *const duet_cols[] = {"chromosome", "base_pair_location", "variant_id",
                                        "effect_allele", "other_allele"};

/* The header line and the format (PGS metadata lines read into m). */
static duet_err_t read_header(lines_t *L, pgs_meta_t *m, duet_weights_format_t *fmt)
{
    duet_err_t err = DUET_OK;
    int r;
    while ((r = next_line(L, &err)) == 1) {
        if (!L->line.l) continue;
        if (L->line.s[0] != '#' || !meta_line(L->line.s, m)) break;
    }
    if (r < 0) return err;
    if (r == 0) {
        duet_log_error("%s: no header line and no weights", L->path);
        return DUET_EFORMAT;
    }
    if (*fmt == DUET_WEIGHTS_PLINK2) return DUET_OK; /* split by read_plink2 */
    kstring_t copy = {0, 0, NULL};
    if (kputs(L->line.s, &copy) < 0) return duet_log_oom(L->line.l + 1);
    if ((err = split(L, 0))) {
        free(copy.s);
        return err;
    }
    int is_duet = L->n_f >= 6;
    for (int i = 0; i < 5 && is_duet; i++)
        if (strcasecmp(L->f[i], duet_cols[i])) is_duet = 0;
    if (*fmt == DUET_WEIGHTS_AUTO)
        *fmt = m->is_pgs || m->old_pgs ? DUET_WEIGHTS_PGS
               : is_duet              ? DUET_WEIGHTS_DUET
               : col_of(L, "effect_weight") >= 0 ? DUET_WEIGHTS_PGS
                                                 : DUET_WEIGHTS_PLINK2;
    if (*fmt == DUET_WEIGHTS_DUET && !is_duet) {
        duet_log_error("%s:%lld: a duet weights header starts chromosome, base_pair_location, "
                       "variant_id, effect_allele, other_allele and has at least one score column",
                       L->path, (long long)L->lineno);
        err = DUET_EFORMAT;
    }
    if (*fmt == DUET_WEIGHTS_PLINK2) { /* give read_plink2 the line back */
        L->line.l = 0;
        if (kputs(copy.s, &L->line) < 0) err = duet_log_oom(copy.l + 1);
    }
    free(copy.s);
    return err;
}

duet_err_t duet_weights_read(duet_weights_t *w, const char *path,
                             const duet_weights_read_opts_t *opts)
{
    duet_weights_read_opts_t dflt;
    if (!opts) {
        duet_weights_read_opts_init(&dflt);
        opts = &dflt;
    }
    lines_t L = {0};
    L.path = path;
    pgs_meta_t meta = {0};
    duet_weights_format_t fmt = opts->format;
    int file = 0, rows_before = w->n_rows;
    duet_err_t err = add_file(w, path, &file);
    if (err) return err;
    if (!(L.dup = kh_init(wdup))) return duet_log_oom(64);
    if (!(L.fp = bgzf_open(path, "r"))) {
        duet_log_error("%s: cannot open: %s", path, strerror(errno));
        err = DUET_EREAD;
        goto cleanup;
    }
    if ((err = read_header(&L, &meta, &fmt))) goto cleanup;
    w->formats[file] = fmt;
    if (fmt == DUET_WEIGHTS_PGS) err = read_pgs(w, &L, file, &meta, opts);
    else if (fmt == DUET_WEIGHTS_DUET) err = read_duet(w, &L, file, opts);
    else err = read_plink2(w, &L, file, opts);
    if (!err && w->n_rows == rows_before) {
        duet_log_error("%s: no weights (only a header)", path);
        err = DUET_EFORMAT;
    }

cleanup:
    if (L.fp) bgzf_close(L.fp);
    for (khint_t k = kh_begin(L.dup); k != kh_end(L.dup); k++)
        if (kh_exist(L.dup, k)) free((char *)kh_key(L.dup, k));
    kh_destroy(wdup, L.dup);
    free(L.line.s);
    free(L.key.s);
    free(L.f);
    return err;
}
