/*
 * sex.c -- samples' sexes and the classes of contigs, for reading chrX,
 * chrY and MT as plink2 does (geno.h, "Sex and ploidy"): the --sex file
 * reader (plink2 .psam, .fam, IID/sex tables, covariate tables with a sex
 * column), a covariate column turned into sexes, contig classes, the PARs
 * of GRCh37/GRCh38 (plink2 --split-par), and the --sex/--par options that
 * duet gwas, freq and burden share.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htslib/bgzf.h>
#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/geno.h"
#include "duet/log.h"

KHASH_MAP_INIT_STR(sexmap, uint8_t)

struct duet_sex_table_t {
    khash_t(sexmap) *map;
    char *source;
};

/* ------------------------------------------------------------------ */
/* Contigs and PARs */

duet_ploidy_t duet_geno_contig_class(const char *chrom)
{
    if (!chrom) return DUET_PLOIDY_DIPLOID;
    if (!strncasecmp(chrom, "chr", 3)) chrom += 3;
    if (!strcasecmp(chrom, "X") || !strcmp(chrom, "23")) return DUET_PLOIDY_X;
    if (!strcasecmp(chrom, "Y") || !strcmp(chrom, "24")) return DUET_PLOIDY_Y;
    if (!strcasecmp(chrom, "MT") || !strcasecmp(chrom, "M") || !strcmp(chrom, "26"))
        return DUET_PLOIDY_MT;
    return DUET_PLOIDY_DIPLOID;
}

duet_ploidy_t duet_geno_record_class(const char *chrom, int64_t pos, const duet_par_t *par)
{
    duet_ploidy_t c = duet_geno_contig_class(chrom);
    if (c == DUET_PLOIDY_X && par && (pos <= par->par1_end || pos >= par->par2_start))
        return DUET_PLOIDY_DIPLOID;
    return c;
}

static void par_set(duet_par_t *par, int64_t end1, int64_t start2, const char *name)
{
    par->par1_end = end1;
    par->par2_start = start2;
    snprintf(par->name, sizeof par->name, "%s", name);
}

void duet_par_default(duet_par_t *par) { par_set(par, 2699520, 154931044, "b37"); }

duet_err_t duet_par_parse(const char *arg, duet_par_t *par)
{
    static const char *const b37[] = { "b37", "37", "hg19", "GRCh37", NULL };
    static const char *const b38[] = { "b38", "38", "hg38", "GRCh38", NULL };
    for (int i = 0; b37[i]; i++)
        if (!strcasecmp(arg, b37[i])) { duet_par_default(par); return DUET_OK; }
    for (int i = 0; b38[i]; i++)
        if (!strcasecmp(arg, b38[i])) { par_set(par, 2781479, 155701383, "b38"); return DUET_OK; }
    if (!strcasecmp(arg, "none")) { par_set(par, 0, INT64_MAX, "none"); return DUET_OK; }
    char *end;
    errno = 0;
    long long a = isdigit((unsigned char)arg[0]) ? strtoll(arg, &end, 10) : -1;
    if (a >= 0 && !errno && *end == ',' && isdigit((unsigned char)end[1])) {
        long long b = strtoll(end + 1, &end, 10);
        if (!*end && !errno && a < b) {
            char name[48];
            snprintf(name, sizeof name, "%lld,%lld", a, b);
            par_set(par, a, b, name);
            return DUET_OK;
        }
    }
    duet_log_error("--par expects b37, b38, none or BP1,BP2 (the last position of PAR1 and "
                   "the first of PAR2, BP1 < BP2), got '%s'", arg);
    return DUET_EUSAGE;
}

/* ------------------------------------------------------------------ */
/* The table */

/* a file's name without its folder: sources go into outputs, which carry
 * no absolute paths */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

duet_err_t duet_sex_table_create(duet_sex_table_t **out)
{
    *out = NULL;
    duet_sex_table_t *t = duet_calloc(1, sizeof *t);
    if (!t) return DUET_ENOMEM;
    t->map = kh_init(sexmap);
    if (!t->map) {
        free(t);
        return duet_log_oom(0);
    }
    *out = t;
    return DUET_OK;
}

void duet_sex_table_destroy(duet_sex_table_t *t)
{
    if (!t) return;
    if (t->map) {
        for (khint_t k = kh_begin(t->map); k != kh_end(t->map); k++)
            if (kh_exist(t->map, k)) free((char *)kh_key(t->map, k));
        kh_destroy(sexmap, t->map);
    }
    free(t->source);
    free(t);
}

/* An empty table whose source is what + the file's name. */
static duet_err_t table_from(const char *path, const char *what, duet_sex_table_t **out)
{
    duet_err_t err = duet_sex_table_create(out);
    if (err) return err;
    kstring_t source = { 0, 0, NULL };
    ksprintf(&source, "%s%s", what, base_name(path));
    (*out)->source = source.s;
    if (!source.s) {
        duet_sex_table_destroy(*out);
        *out = NULL;
        return duet_log_oom(0);
    }
    return DUET_OK;
}

/* Set id's sex; *previous gets the sex it had (-1 if none). */
static duet_err_t table_put(duet_sex_table_t *t, const char *id, duet_sex_t sex, int *previous)
{
    int ret;
    khint_t k = kh_get(sexmap, t->map, id);
    if (k != kh_end(t->map)) {
        if (previous) *previous = kh_val(t->map, k);
        kh_val(t->map, k) = (uint8_t)sex;
        return DUET_OK;
    }
    if (previous) *previous = -1;
    char *key = strdup(id);
    if (!key) return duet_log_oom(strlen(id) + 1);
    k = kh_put(sexmap, t->map, key, &ret);
    if (ret < 0) {
        free(key);
        return duet_log_oom(0);
    }
    kh_val(t->map, k) = (uint8_t)sex;
    return DUET_OK;
}

duet_err_t duet_sex_table_set(duet_sex_table_t *t, const char *id, duet_sex_t sex)
{
    return table_put(t, id, sex, NULL);
}

duet_sex_t duet_sex_table_get(const duet_sex_table_t *t, const char *id)
{
    if (!t || !id) return DUET_SEX_UNKNOWN;
    khint_t k = kh_get(sexmap, t->map, id);
    return k == kh_end(t->map) ? DUET_SEX_UNKNOWN : (duet_sex_t)kh_val(t->map, k);
}

const char *duet_sex_table_source(const duet_sex_table_t *t)
{
    return t && t->source ? t->source : "";
}

void duet_sex_table_count(const duet_sex_table_t *t, const char *const *ids, int n,
                          int *males, int *females, int *unknown)
{
    *males = *females = *unknown = 0;
    for (int i = 0; i < n; i++) {
        duet_sex_t s = duet_sex_table_get(t, ids[i]);
        if (s == DUET_SEX_MALE) ++*males;
        else if (s == DUET_SEX_FEMALE) ++*females;
        else ++*unknown;
    }
}

duet_err_t duet_sex_design(const duet_sex_table_t *sex, duet_ploidy_t cls,
                           const char *const *ids, int n, const double *traits,
                           int n_traits, const double *covars,
                           const char *const *covar_names, int n_covars,
                           duet_sex_design_t *d)
{
    memset(d, 0, sizeof *d);
    int sex_covar = -1;
    for (int c = 0; c < n_covars; c++)
        if (!strcasecmp(covar_names[c], "sex")) sex_covar = c;
    size_t cells = (size_t)n * (size_t)n_traits;
    d->traits = duet_malloc((cells ? cells : 1) * sizeof *d->traits);
    d->covars = duet_malloc(((size_t)n * (size_t)(n_covars + 1) + 1) * sizeof *d->covars);
    d->covar_names = duet_calloc((size_t)n_covars + 2, sizeof *d->covar_names);
    if (!d->traits || !d->covars || !d->covar_names) {
        duet_sex_design_free(d);
        return DUET_ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        duet_sex_t sx = duet_sex_table_get(sex, ids[i]);
        int kept = cls == DUET_PLOIDY_Y ? sx == DUET_SEX_MALE : sx != DUET_SEX_UNKNOWN;
        d->n_kept += kept;
        for (int t = 0; t < n_traits; t++)
            d->traits[(size_t)t * n + i] = kept ? traits[(size_t)t * n + i] : NAN;
    }
    for (int c = 0; c < n_covars; c++) {
        if (cls == DUET_PLOIDY_Y && c == sex_covar) continue;
        memcpy(d->covars + (size_t)d->n_covars * n, covars + (size_t)c * n,
               (size_t)n * sizeof *d->covars);
        d->covar_names[d->n_covars++] = covar_names[c];
    }
    if (cls == DUET_PLOIDY_X && sex_covar < 0) {
        for (int i = 0; i < n; i++)
            d->covars[(size_t)d->n_covars * n + i] = (double)duet_sex_table_get(sex, ids[i]);
        d->covar_names[d->n_covars++] = "sex";
    }
    /* a trait the scan may test: two values, and more samples than the
     * intercept, the covariates and the genotype */
    for (int t = 0; t < n_traits; t++) {
        const double *y = d->traits + (size_t)t * n;
        double first = NAN;
        int two = 0, n_val = 0;
        for (int i = 0; i < n; i++) {
            if (isnan(y[i])) continue;
            n_val++;
            if (isnan(first)) first = y[i];
            else two |= y[i] != first;
        }
        d->n_testable += two && n_val > d->n_covars + 2;
    }
    return DUET_OK;
}

void duet_sex_design_free(duet_sex_design_t *d)
{
    free(d->traits);
    free(d->covars);
    free(d->covar_names);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------------ */
/* --sex FILE */

/* plink's codes; -1 for a value that is none of them */
static int sex_code(const char *s)
{
    static const char *const male[] = { "1", "M", "m", "male", "Male", "MALE", NULL };
    static const char *const female[] = { "2", "F", "f", "female", "Female", "FEMALE", NULL };
    static const char *const unknown[] = { "0", "NA", "na", "-9", "U", "u", ".", NULL };
    for (int i = 0; male[i]; i++)
        if (!strcmp(s, male[i])) return DUET_SEX_MALE;
    for (int i = 0; female[i]; i++)
        if (!strcmp(s, female[i])) return DUET_SEX_FEMALE;
    for (int i = 0; unknown[i]; i++)
        if (!strcmp(s, unknown[i])) return DUET_SEX_UNKNOWN;
    return -1;
}

/* Split on tabs and spaces in place; returns the field count (at most max;
 * *more set if there were more). */
static int split_fields(char *s, char **f, int max, int *more)
{
    int n = 0;
    *more = 0;
    for (char *p = s; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\r') *p++ = 0;
        if (!*p) break;
        if (n == max) { *more = 1; break; }
        f[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
    }
    return n;
}

#define MAX_FIELDS 4096

duet_err_t duet_sex_table_read(const char *path, duet_sex_table_t **out)
{
    *out = NULL;
    duet_sex_table_t *t = NULL;
    duet_err_t err = table_from(path, "", &t);
    if (err) return err;
    char **f = duet_malloc(MAX_FIELDS * sizeof *f);
    if (!f) {
        duet_sex_table_destroy(t);
        return DUET_ENOMEM;
    }
    BGZF *fp = bgzf_open(path, "r");
    if (!fp) {
        duet_log_error("cannot open sex file '%s': %s", path, strerror(errno));
        duet_sex_table_destroy(t);
        free(f);
        return DUET_EREAD;
    }
    kstring_t line = { 0, 0, NULL };
    int lineno = 0, ret, id_col = -1, sex_col = -1, need = 0, n_rows = 0;
    char sex_name[64] = "";
    while ((ret = bgzf_getline(fp, '\n', &line)) >= 0) {
        lineno++;
        int more;
        int n = split_fields(line.s, f, MAX_FIELDS, &more);
        if (n == 0) continue;
        if (id_col < 0) { /* the first line decides */
            const char *f0 = f[0][0] == '#' ? f[0] + 1 : f[0];
            if (f[0][0] == '#' || !strcasecmp(f0, "FID") || !strcasecmp(f0, "IID")) {
                id_col = !strcasecmp(f0, "FID") && n > 1 && !strcasecmp(f[1], "IID") ? 1 : 0;
                for (int c = 0; c < n; c++)
                    if (!strcasecmp(c ? f[c] : f0, "SEX")) {
                        sex_col = c;
                        snprintf(sex_name, sizeof sex_name, "%s", f[c]);
                        break;
                    }
                if (sex_col < 0) {
                    duet_log_error("%s:%d: the header has no SEX column (a .psam, or a table "
                                   "with IID and sex columns, is expected)", path, lineno);
                    err = DUET_EFORMAT;
                    break;
                }
                if (sex_col == id_col) {
                    duet_log_error("%s:%d: the SEX column is the sample ID column", path, lineno);
                    err = DUET_EFORMAT;
                    break;
                }
                need = (sex_col > id_col ? sex_col : id_col) + 1;
                continue;
            }
            if (n == 6) { id_col = 1; sex_col = 4; }      /* .fam */
            else if (n == 3) { id_col = 1; sex_col = 2; } /* FID IID SEX */
            else if (n == 2) { id_col = 0; sex_col = 1; } /* IID SEX */
            else {
                duet_log_error("%s:%d: %d fields and no header: a sex file is a .psam or "
                               "a table with a header naming IID and SEX, a .fam (6 "
                               "fields), FID IID SEX (3) or IID SEX (2)", path, lineno, n);
                err = DUET_EFORMAT;
                break;
            }
            snprintf(sex_name, sizeof sex_name, "SEX");
            need = sex_col + 1;
        }
        if (f[0][0] == '#') continue;
        if (n < need) {
            duet_log_error("%s:%d: %d field%s, the %s column is field %d", path, lineno, n,
                           n == 1 ? "" : "s", sex_name, sex_col + 1);
            err = DUET_EFORMAT;
            break;
        }
        int code = sex_code(f[sex_col]);
        if (code < 0) {
            duet_log_error("%s:%d: field %d (%s): '%s' is not a sex code (1 or M male, 2 or F "
                           "female, 0 or NA unknown)", path, lineno, sex_col + 1, sex_name,
                           f[sex_col]);
            err = DUET_EFORMAT;
            break;
        }
        int previous;
        if ((err = table_put(t, f[id_col], (duet_sex_t)code, &previous))) break;
        if (previous >= 0 && previous != code) {
            duet_log_error("%s:%d: sample '%s' is given twice with different sexes", path,
                           lineno, f[id_col]);
            err = DUET_EFORMAT;
            break;
        }
        n_rows++;
    }
    if (!err && ret < -1) {
        duet_log_error("cannot read sex file '%s' (truncated or corrupt compressed data?)", path);
        err = DUET_EREAD;
    }
    bgzf_close(fp);
    free(line.s);
    free(f);
    if (err) {
        duet_sex_table_destroy(t);
        return err;
    }
    *out = t;
    return DUET_OK;
}

duet_err_t duet_sex_table_from_covar(const char *const *ids, int n, const double *values,
                                     const char *source, duet_sex_table_t **out)
{
    *out = NULL;
    duet_sex_table_t *t = NULL;
    duet_err_t err = table_from(source, "covariate 'sex' of ", &t);
    if (err) return err;
    int has_two = 0, n_other = 0;
    for (int i = 0; i < n; i++) has_two |= values[i] == 2;
    int zero_one = !has_two;
    for (int i = 0; i < n && !err; i++) {
        double v = values[i];
        duet_sex_t s = DUET_SEX_UNKNOWN;
        if (v == 1) s = DUET_SEX_MALE;
        else if (v == 2) s = DUET_SEX_FEMALE;
        else if (v == 0) s = zero_one ? DUET_SEX_FEMALE : DUET_SEX_UNKNOWN;
        else n_other++;
        err = table_put(t, ids[i], s, NULL);
    }
    if (err) {
        duet_sex_table_destroy(t);
        return err;
    }
    if (n_other)
        duet_log_warn("%s: %d sample%s a value other than 0, 1 or 2: sex unknown", t->source,
                      n_other, n_other == 1 ? " has" : "s have");
    if (zero_one && n > 0)
        duet_log_info("%s holds only 0 and 1: read as 1 = male, 0 = female", t->source);
    *out = t;
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* The shared options */

void duet_sex_cli_init(duet_sex_cli_t *cli)
{
    memset(cli, 0, sizeof *cli);
    duet_par_default(&cli->par);
}

int duet_sex_cli_parse(duet_sex_cli_t *cli, int opt, const char *arg, duet_err_t *err)
{
    *err = DUET_OK;
    switch (opt) {
    case DUET_SEX_OPT_SEX: cli->sex_path = arg; return 1;
    case DUET_SEX_OPT_PAR:
        *err = duet_par_parse(arg, &cli->par);
        cli->par_given = 1;
        return 1;
    default: return 0;
    }
}

duet_err_t duet_sex_cli_table(const duet_sex_cli_t *cli, const char *const *ids, int n,
                              const char *const *covar_names, const double *covars,
                              int n_covars, const char *covar_source,
                              duet_sex_table_t **table)
{
    *table = NULL;
    if (cli->sex_path) return duet_sex_table_read(cli->sex_path, table);
    for (int c = 0; c < n_covars; c++)
        if (!strcasecmp(covar_names[c], "sex"))
            return duet_sex_table_from_covar(ids, n, covars + (size_t)n * c, covar_source, table);
    return DUET_OK;
}

void duet_sex_cli_usage(FILE *fp, int covar_line)
{
    fprintf(fp,
"Sex and chrX (males hemizygous on chrX outside the PARs, haploid on chrY and MT):\n"
"        --sex FILE             samples' sex: plink2 .psam (SEX column), .fam, or\n"
"                               IID SEX table (1/M male, 2/F female, 0/NA unknown)\n");
    if (covar_line)
        fprintf(fp,
"                               [the covariate named sex: 1 male, 2 female (0/1:\n"
"                               1 male, 0 female); none: every contig diploid]\n");
    else
        fprintf(fp,
"                               [none: every contig diploid]\n");
    fprintf(fp,
"        --par b37|b38|none|BP1,BP2\n"
"                               chrX's pseudo-autosomal regions, read as diploid\n"
"                               (as plink2 split-par) [b37]\n"
"\n");
}
