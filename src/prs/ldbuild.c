/*
 * ldbuild.c -- duet_ld_build(): the LD reference of a VCF/BCF.  Records are
 * read in file order with the genotype reader (decoded in parallel, handed
 * over in order), each kept variant's mean-imputed dosages are standardised
 * over the samples into the current block's columns, and a block, once it
 * closes (BED interval, kb window or variant count reached, or a new
 * chromosome), becomes r = X'X / n, projected to the nearest non-negative
 * definite matrix and written.  Memory is one block of dosages plus its
 * matrix.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <htslib/hts.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "duet/geno.h"
#include "duet/idlist.h"
#include "duet/ldref.h"
#include "duet/log.h"

typedef struct {
    char *chrom; /* without a "chr" prefix */
    int64_t start, end;
} bed_t;

typedef struct {
    const duet_ld_build_opts_t *o;
    duet_ld_build_stats_t *st;
    duet_ld_writer_t *w;
    duet_idlist_t *extract;
    bed_t *bed;
    int n_bed;
    int n;                  /* samples */
    double *x;              /* n x cap standardised dosages */
    int cap;
    duet_ld_block_t blk;    /* variants of the open block (r unused) */
    int blk_cap;
    char *chrom;            /* open chromosome */
    int64_t key, last_pos;
    int64_t in_chrom;       /* variants kept on this chromosome */
    char **done;            /* chromosomes finished */
    int n_done;
} build_t;

void duet_ld_build_opts_init(duet_ld_build_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->window_variants = 500;
    o->threads = 1;
}

static const char *strip_chr(const char *c)
{
    return strncasecmp(c, "chr", 3) == 0 && c[3] ? c + 3 : c;
}

static int bed_cmp(const void *a, const void *b)
{
    const bed_t *x = a, *y = b;
    int c = strcmp(x->chrom, y->chrom);
    if (c) return c;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Parse one BED line's first three fields into *b; 1 ok, 0 a header line
 * (allowed before any interval), -1 an error (reported). */
static int bed_line(const char *path, int64_t lineno, char *s, int first, bed_t *b)
{
    char *f[3];
    int nf = 0;
    for (char *p = s; *p && nf < 3;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        f[nf++] = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (*p) *p++ = 0;
    }
    if (nf < 3) {
        duet_log_error("%s:%lld:1: a BED line needs chrom, start and end", path, (long long)lineno);
        return -1;
    }
    for (int k = 1; k < 3; k++) {
        char *end;
        long long v = strtoll(f[k], &end, 10);
        if (*end || end == f[k] || v < 0) {
            if (first && k == 1 && !isdigit((unsigned char)f[k][0])) return 0; /* "chr start stop" */
            duet_log_error("%s:%lld:%d: '%s' is not a non-negative integer position", path,
                           (long long)lineno, (int)(f[k] - s) + 1, f[k]);
            return -1;
        }
        if (k == 1) b->start = v;
        else b->end = v;
    }
    if (b->end <= b->start) {
        duet_log_error("%s:%lld:%d: end %lld is not after start %lld", path, (long long)lineno,
                       (int)(f[2] - s) + 1, (long long)b->end, (long long)b->start);
        return -1;
    }
    b->chrom = strdup(strip_chr(f[0]));
    return b->chrom ? 1 : -1;
}

static duet_err_t bed_read(const char *path, bed_t **out, int *n_out)
{
    htsFile *fp = hts_open(path, "r");
    if (!fp) {
        duet_log_error("cannot open BED file '%s'", path);
        return DUET_EREAD;
    }
    kstring_t line = { 0, 0, NULL };
    bed_t *bed = NULL;
    int n = 0, m = 0, first = 1, ret;
    int64_t lineno = 0;
    duet_err_t err = DUET_OK;
    while ((ret = hts_getline(fp, KS_SEP_LINE, &line)) >= 0) {
        lineno++;
        if (line.l == 0 || line.s[0] == '#' || !strncmp(line.s, "track", 5) ||
            !strncmp(line.s, "browser", 7))
            continue;
        if (n == m) {
            m = m ? 2 * m : 256;
            bed_t *nb = realloc(bed, sizeof *bed * m);
            if (!nb) { err = duet_log_oom(sizeof *bed * m); goto done; }
            bed = nb;
        }
        int rc = bed_line(path, lineno, line.s, first, &bed[n]);
        first = 0;
        if (rc < 0) { err = DUET_EFORMAT; goto done; }
        n += rc;
    }
    if (ret < -1) {
        duet_log_error("%s: read error", path);
        err = DUET_EREAD;
        goto done;
    }
    if (n == 0) {
        duet_log_error("%s: no intervals", path);
        err = DUET_EFORMAT;
        goto done;
    }
    qsort(bed, n, sizeof *bed, bed_cmp);
    for (int i = 1; i < n; i++) {
        if (!strcmp(bed[i].chrom, bed[i - 1].chrom) && bed[i].start < bed[i - 1].end) {
            duet_log_error("%s: intervals overlap (%s:%lld-%lld and %lld-%lld)", path,
                           bed[i].chrom, (long long)bed[i - 1].start, (long long)bed[i - 1].end,
                           (long long)bed[i].start, (long long)bed[i].end);
            err = DUET_EFORMAT;
            goto done;
        }
    }
done:
    free(line.s);
    hts_close(fp);
    if (err) {
        for (int i = 0; i < n; i++) free(bed[i].chrom);
        free(bed);
        return err;
    }
    *out = bed;
    *n_out = n;
    return DUET_OK;
}

/* The block a variant belongs to: a BED interval index, a window number,
 * or a run number; -1 outside every interval. */
static int64_t block_key(const build_t *b, const char *chrom, int64_t pos)
{
    if (b->bed) {
        const char *c = strip_chr(chrom);
        int lo = 0, hi = b->n_bed; /* first interval with (chrom, start) >= (c, pos) */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            int cmp = strcmp(b->bed[mid].chrom, c);
            if (cmp < 0 || (cmp == 0 && b->bed[mid].start < pos)) lo = mid + 1;
            else hi = mid;
        }
        /* interval start < pos <= end is the one before lo */
        if (lo > 0 && !strcmp(b->bed[lo - 1].chrom, c) && pos <= b->bed[lo - 1].end) return lo - 1;
        return -1;
    }
    if (b->o->window_kb > 0) return (int64_t)floor((double)(pos - 1) / (b->o->window_kb * 1000.0));
    return b->in_chrom / b->o->window_variants;
}

/* Close the open block: correlation, projection, write. */
static duet_err_t flush_block(build_t *b)
{
    int m = b->blk.m;
    if (m == 0) return DUET_OK;
    duet_err_t err = DUET_OK;
    b->blk.r = duet_malloc(sizeof(double) * (size_t)m * m);
    if (!b->blk.r) return DUET_ENOMEM;
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, m, b->n, 1.0 / b->n, b->x, b->n, 0.0,
                b->blk.r, m);
    int n_neg = 0;
    if ((err = duet_ld_psd_project(b->blk.r, m, &n_neg))) goto done;
    b->st->n_neg_eig += n_neg;
    if ((err = duet_ld_writer_block(b->w, &b->blk))) goto done;
    b->st->n_blocks++;
done:
    duet_ld_block_free(&b->blk); /* keeps blk_cap consistent: reallocated below */
    b->blk_cap = 0;
    return err;
}

static duet_err_t grow(build_t *b)
{
    if (b->blk.m < b->blk_cap && b->blk.m < b->cap) return DUET_OK;
    if (b->blk.m >= DUET_LD_MAX_BLOCK) {
        duet_log_error("an LD block of more than %d variants: use smaller blocks",
                       DUET_LD_MAX_BLOCK);
        return DUET_EDEGENERATE;
    }
    int want = b->blk.m ? 2 * b->blk.m : 64;
    if (want > DUET_LD_MAX_BLOCK) want = DUET_LD_MAX_BLOCK;
    if (b->blk.m >= b->blk_cap) {
        duet_ld_variant_t *v = realloc(b->blk.variants, sizeof *v * want);
        if (!v) return duet_log_oom(sizeof *v * want);
        b->blk.variants = v;
        b->blk_cap = want;
    }
    if (b->blk.m >= b->cap) {
        double *x = realloc(b->x, sizeof(double) * (size_t)b->n * want);
        if (!x) return duet_log_oom(sizeof(double) * (size_t)b->n * want);
        b->x = x;
        b->cap = want;
    }
    return DUET_OK;
}

/* A new chromosome (or the first): refuse one already seen (unsorted). */
static duet_err_t new_chrom(build_t *b, const char *chrom)
{
    for (int i = 0; i < b->n_done; i++) {
        if (!strcmp(b->done[i], chrom)) {
            duet_log_error("%s: records of chromosome %s are not contiguous (sort the file)",
                           b->o->vcf, chrom);
            return DUET_EFORMAT;
        }
    }
    if (b->chrom) {
        char **d = realloc(b->done, sizeof *d * (b->n_done + 1));
        if (!d) return duet_log_oom(sizeof *d * (b->n_done + 1));
        b->done = d;
        b->done[b->n_done++] = b->chrom;
    }
    b->chrom = strdup(chrom);
    if (!b->chrom) return duet_log_oom(strlen(chrom) + 1);
    b->in_chrom = 0;
    b->last_pos = 0;
    return DUET_OK;
}

/* One variant of a decoded block: filter, standardise, place. */
static duet_err_t add_variant(build_t *b, const duet_variant_t *v, const double *dose)
{
    duet_ld_build_stats_t *st = b->st;
    st->n_read++;
    if (v->n_alleles > 2) { st->n_multiallelic++; return DUET_OK; }
    if (b->extract && !duet_idlist_has(b->extract, v->id)) { st->n_extract++; return DUET_OK; }
    double sum = 0, ss = 0;
    for (int i = 0; i < b->n; i++) sum += dose[i];
    double mean = sum / b->n;
    for (int i = 0; i < b->n; i++) ss += (dose[i] - mean) * (dose[i] - mean);
    double sd = sqrt(ss / b->n);
    if (!(v->af > 0 && v->af < 1) || !(sd > 1e-8)) { st->n_monomorphic++; return DUET_OK; }
    double maf = v->af < 0.5 ? v->af : 1 - v->af;
    if (maf < b->o->maf) { st->n_maf++; return DUET_OK; }
    duet_err_t err;
    if (!b->chrom || strcmp(b->chrom, v->chrom)) {
        if ((err = flush_block(b)) || (err = new_chrom(b, v->chrom))) return err;
    } else if (v->pos < b->last_pos) {
        duet_log_error("%s: records not sorted: %s:%lld after %s:%lld", b->o->vcf, v->chrom,
                       (long long)v->pos, v->chrom, (long long)b->last_pos);
        return DUET_EFORMAT;
    }
    b->last_pos = v->pos;
    int64_t key = block_key(b, v->chrom, v->pos);
    if (key < 0) { st->n_outside++; return DUET_OK; }
    if (b->blk.m > 0 && key != b->key && (err = flush_block(b))) return err;
    b->key = key;
    if ((err = grow(b))) return err;
    double *col = b->x + (size_t)b->blk.m * b->n;
    for (int i = 0; i < b->n; i++) col[i] = (dose[i] - mean) / sd;
    duet_ld_variant_t *lv = &b->blk.variants[b->blk.m];
    lv->chrom = strdup(v->chrom);
    lv->id = strdup(v->id);
    lv->ref = strdup(v->ref);
    lv->alt = strdup(v->alt);
    lv->pos = v->pos;
    lv->af = v->af;
    b->blk.m++;
    if (!lv->chrom || !lv->id || !lv->ref || !lv->alt) return duet_log_oom(64);
    b->in_chrom++;
    st->n_kept++;
    return DUET_OK;
}

static duet_err_t emit(duet_geno_block_t *gb, void *ctx)
{
    build_t *b = ctx;
    for (int j = 0; j < gb->n_variants; j++) {
        duet_err_t err = add_variant(b, &gb->variants[j], gb->dosage + (size_t)j * gb->n_samples);
        if (err) return err;
    }
    return DUET_OK;
}

duet_err_t duet_ld_build(const duet_ld_build_opts_t *o, const char *path,
                         duet_ld_build_stats_t *st)
{
    memset(st, 0, sizeof *st);
    build_t b;
    memset(&b, 0, sizeof b);
    b.o = o;
    b.st = st;
    duet_geno_t *geno = NULL;
    char **samples = NULL;
    int n_samples = 0;
    duet_err_t err = DUET_OK;
    if (o->window_variants < 1 && o->window_kb <= 0 && !o->blocks_bed) {
        duet_log_error("no block definition (BED, kb windows or variant windows)");
        return DUET_EUSAGE;
    }
    if (o->blocks_bed && (err = bed_read(o->blocks_bed, &b.bed, &b.n_bed))) goto cleanup;
    if (o->extract && (err = duet_idlist_read(o->extract, 1, &b.extract))) goto cleanup;
    duet_geno_opts_t go;
    if (o->samples && (err = duet_geno_samples_read(o->samples, &samples, &n_samples)))
        goto cleanup;
    duet_geno_opts_init(&go, o->vcf);
    go.samples = (const char *const *)samples;
    go.n_samples = n_samples;
    go.field = DUET_GENO_GT;
    go.threads = 1;
    if ((err = duet_geno_open(&go, &geno))) goto cleanup;
    b.n = st->n_samples = duet_geno_n_samples(geno);
    if ((err = duet_ld_writer_create(path, o->force, b.n, o->provenance, &b.w))) goto cleanup;
    duet_geno_scan_t scan = { 64, 2 * o->threads + 2, o->threads, NULL, emit, &b };
    if ((err = duet_geno_scan(geno, &scan))) goto cleanup;
    if ((err = flush_block(&b))) goto cleanup;
    if (st->n_kept == 0) {
        duet_log_error("%s: no variant kept for the LD reference (%lld read)", o->vcf,
                       (long long)st->n_read);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    err = duet_ld_writer_commit(b.w);

cleanup:
    duet_ld_writer_destroy(b.w);
    duet_geno_close(geno);
    duet_geno_samples_free(samples, n_samples);
    duet_idlist_destroy(b.extract);
    for (int i = 0; i < b.n_bed; i++) free(b.bed[i].chrom);
    free(b.bed);
    duet_ld_block_free(&b.blk);
    free(b.x);
    free(b.chrom);
    for (int i = 0; i < b.n_done; i++) free(b.done[i]);
    free(b.done);
    return err;
}
