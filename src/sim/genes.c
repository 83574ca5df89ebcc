/*
 * genes.c -- the GRCh37 gene table the simulator places variants in (UCSC
 * refFlat-derived `symbol chrom start0 end strand n_transcripts`), the
 * GRCh37 autosome lengths written to the BCF's ##contig lines, and civil
 * date arithmetic used by the EHR writer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/sim.h"

/* GRCh37 (b37 / hg19) autosome lengths, as in the 1000 Genomes phase 3
 * VCF headers. */
static const int64_t grch37_length[23] = {
    0,         249250621, 243199373, 198022430, 191154276, 180915260,
    171115067, 159138663, 146364022, 141213431, 135534747, 135006516,
    133851895, 115169878, 107349540, 102531392, 90354753,  81195210,
    78077248,  59128983,  63025520,  48129895,  51304566,
};

int64_t duet_sim_grch37_length(int chrom)
{
    return chrom >= 1 && chrom <= 22 ? grch37_length[chrom] : 0;
}

void duet_sim_genes_destroy(duet_sim_genes_t *g)
{
    if (!g) return;
    for (int i = 0; i < g->n; i++) free(g->genes[i].symbol);
    free(g->genes);
    free(g);
}

/* Split `line` in place on tabs/spaces; at most `max` fields. */
static int split_ws(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        if (n < max) field[n] = p;
        n++;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (*p) *p++ = 0;
    }
    return n;
}

static int parse_i64(const char *s, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || *end || errno) return -1;
    *v = x;
    return 0;
}

/* 1..22 for "N"/"chrN", 0 for other sequences. */
static int autosome(const char *s)
{
    if (!strncmp(s, "chr", 3)) s += 3;
    char *end;
    long c = strtol(s, &end, 10);
    if (end == s || *end || c < 1 || c > 22 || *s == '0' || *s == '+') return 0;
    return (int)c;
}

/* Symbols seen, to keep the first row of each (open addressing). */
typedef struct {
    const char **key;
    size_t cap;
} symset_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* 1 if present, 0 if inserted, -1 on OOM. */
static int symset_add(symset_t *set, duet_sim_genes_t *g, const char *sym)
{
    if ((size_t)g->n * 2 + 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        const char **key = duet_calloc(cap, sizeof *key);
        if (!key) return -1;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->key[i]) continue;
            size_t j = hash_str(set->key[i]) & (cap - 1);
            while (key[j]) j = (j + 1) & (cap - 1);
            key[j] = set->key[i];
        }
        free(set->key);
        set->key = key;
        set->cap = cap;
    }
    size_t j = hash_str(sym) & (set->cap - 1);
    while (set->key[j]) {
        if (!strcmp(set->key[j], sym)) return 1;
        j = (j + 1) & (set->cap - 1);
    }
    set->key[j] = sym;
    return 0;
}

/* The GRCh37 refFlat table of src/sim/data/, embedded by the Makefile
 * (tools/embed-file.sh). */
extern const char duet_sim_genes_grch37[];
extern const size_t duet_sim_genes_grch37_len;

duet_err_t duet_sim_genes_read(const char *path, duet_sim_genes_t **out)
{
    *out = NULL;
    duet_err_t err = DUET_OK;
    symset_t set = { NULL, 0 };
    char *line = NULL;
    size_t line_m = 0;
    /* the built-in table goes through the same reader as a user's file */
    FILE *fp = path ? fopen(path, "r")
                    : fmemopen((void *)duet_sim_genes_grch37, duet_sim_genes_grch37_len, "r");
    if (!path) path = DUET_SIM_GENES_BUILTIN;
    if (!fp) {
        duet_log_error("cannot open gene table '%s': %s", path, strerror(errno));
        return DUET_EREAD;
    }
    duet_sim_genes_t *g = duet_calloc(1, sizeof *g);
    if (!g) { fclose(fp); return DUET_ENOMEM; }

    long lineno = 0;
    int seen_data = 0;
    ssize_t len;
    errno = 0;
    while ((len = getline(&line, &line_m, fp)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        char *f[8];
        if (len == 0 || line[0] == '#') continue;
        int nf = split_ws(line, f, 8);
        if (nf == 0) continue;
        int64_t start0, end;
        if (!seen_data && nf >= 3 && parse_i64(f[2], &start0) != 0) {
            seen_data = 1; /* a header line */
            continue;
        }
        seen_data = 1;
        if (nf < 4) {
            duet_log_error("%s:%ld: expected 'symbol chrom start0 end [strand ...]', found %d field%s",
                           path, lineno, nf, nf == 1 ? "" : "s");
            err = DUET_EFORMAT;
            goto cleanup;
        }
        if (parse_i64(f[2], &start0) != 0 || start0 < 0) {
            duet_log_error("%s:%ld: field 3 (start0): '%s' is not a non-negative integer", path, lineno, f[2]);
            err = DUET_EFORMAT;
            goto cleanup;
        }
        if (parse_i64(f[3], &end) != 0 || end < 0) {
            duet_log_error("%s:%ld: field 4 (end): '%s' is not a non-negative integer", path, lineno, f[3]);
            err = DUET_EFORMAT;
            goto cleanup;
        }
        if (end <= start0) {
            duet_log_error("%s:%ld: end %lld is not after start0 %lld", path, lineno,
                           (long long)end, (long long)start0);
            err = DUET_EFORMAT;
            goto cleanup;
        }
        char strand = '.';
        if (nf >= 5) {
            if (strcmp(f[4], "+") && strcmp(f[4], "-") && strcmp(f[4], ".") && strcmp(f[4], "?")) {
                duet_log_error("%s:%ld: field 5 (strand): '%s' is not +, -, . or ?", path, lineno, f[4]);
                err = DUET_EFORMAT;
                goto cleanup;
            }
            strand = f[4][0];
        }
        g->n_rows++;
        int chrom = autosome(f[1]);
        if (!chrom) { g->n_skipped++; continue; }
        if (end > grch37_length[chrom]) {
            duet_log_error("%s:%ld: end %lld is beyond the GRCh37 length of chromosome %d (%lld); is the table GRCh38?",
                           path, lineno, (long long)end, chrom, (long long)grch37_length[chrom]);
            err = DUET_EFORMAT;
            goto cleanup;
        }
        if (g->n == g->m) {
            int m = g->m ? 2 * g->m : 4096;
            duet_sim_gene_t *p = duet_realloc(g->genes, (size_t)m * sizeof *p);
            if (!p) { err = DUET_ENOMEM; goto cleanup; }
            g->genes = p;
            g->m = m;
        }
        char *sym = strdup(f[0]);
        if (!sym) { err = duet_log_oom(strlen(f[0]) + 1); goto cleanup; }
        int dup = symset_add(&set, g, sym);
        if (dup < 0) { free(sym); err = DUET_ENOMEM; goto cleanup; }
        if (dup) { free(sym); g->n_skipped++; continue; }
        g->genes[g->n++] = (duet_sim_gene_t){ sym, chrom, start0, end, strand };
    }
    if (ferror(fp)) {
        duet_log_error("cannot read gene table '%s': %s", path, strerror(errno ? errno : EIO));
        err = DUET_EREAD;
        goto cleanup;
    }
    if (g->n == 0) {
        duet_log_error("%s: no gene on the autosomes 1-22 (%d rows read)", path, g->n_rows);
        err = DUET_EFORMAT;
        goto cleanup;
    }
cleanup:
    free(set.key);
    free(line);
    fclose(fp);
    if (err) duet_sim_genes_destroy(g);
    else *out = g;
    return err;
}

/* ------------------------------------------------------------------ */
/* Dates: Hinnant's days_from_civil / civil_from_days algorithms. */

int32_t duet_sim_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void duet_sim_civil_from_days(int32_t z, int *year, int *month, int *day)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    *year = y + (m <= 2);
    *month = m;
    *day = d;
}

void duet_sim_format_date(int32_t days, char *buf)
{
    int y, m, d;
    duet_sim_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999; /* not reached for real dates */
    /* by hand: this runs for every row of the EHR export */
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = 0;
}
