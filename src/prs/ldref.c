/*
 * ldref.c -- the LD reference file (format in include/duet/ldref.h): the
 * nearest non-negative definite projection of a block's correlation
 * matrix, a streaming writer over out.h's zstd output, a streaming reader
 * that checks every length, the trailer's counts and an FNV-1a hash, and
 * the builder that turns a VCF/BCF into blocks with memory of one block.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <zstd.h>

#include "duet/geno.h"
#include "duet/idlist.h"
#include "duet/ldref.h"
#include "duet/log.h"
#include "duet/out.h"
#include "../stats/lapack_internal.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define MAX_STRING (1u << 20)

static uint64_t fnv1a(uint64_t h, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

void duet_ld_block_free(duet_ld_block_t *b)
{
    if (!b) return;
    for (int i = 0; i < b->m && b->variants; i++) {
        free(b->variants[i].chrom);
        free(b->variants[i].id);
        free(b->variants[i].ref);
        free(b->variants[i].alt);
    }
    free(b->variants);
    free(b->r);
    b->variants = NULL;
    b->r = NULL;
    b->m = 0;
}

/* ---- nearest PSD ---------------------------------------------------- */

duet_err_t duet_ld_psd_project(double *a, int m, int *n_neg)
{
    if (n_neg) *n_neg = 0;
    if (m <= 0) return DUET_OK;
    duet_err_t err = DUET_OK;
    size_t mm = (size_t)m * m;
    double *w = duet_malloc(sizeof(double) * m);
    double *z = duet_malloc(sizeof(double) * mm);
    int *isuppz = duet_malloc(sizeof(int) * 2 * m);
    double *keep = duet_malloc(sizeof(double) * mm);
    double *work = NULL;
    int *iwork = NULL;
    if (!w || !z || !isuppz || !keep) { err = DUET_ENOMEM; goto cleanup; }
    for (int j = 0; j < m; j++) /* symmetric from the upper triangle */
        for (int i = j + 1; i < m; i++) a[(size_t)j * m + i] = a[(size_t)i * m + j];
    memcpy(keep, a, sizeof(double) * mm);
    double vl = 0, vu = 0, abstol = 0, wq;
    int il = 0, iu = 0, found = 0, lwork = -1, liwork = -1, iwq, info = 0;
    dsyevr_("V", "A", "U", &m, a, &m, &vl, &vu, &il, &iu, &abstol, &found, w, z, &m, isuppz,
            &wq, &lwork, &iwq, &liwork, &info);
    lwork = (int)wq;
    liwork = iwq;
    work = duet_malloc(sizeof(double) * (size_t)lwork);
    iwork = duet_malloc(sizeof(int) * (size_t)liwork);
    if (!work || !iwork) { err = DUET_ENOMEM; goto cleanup; }
    dsyevr_("V", "A", "U", &m, a, &m, &vl, &vu, &il, &iu, &abstol, &found, w, z, &m, isuppz,
            work, &lwork, iwork, &liwork, &info);
    if (info != 0 || found != m) {
        duet_log_error("eigendecomposition of a %d x %d LD block failed (LAPACK dsyevr info %d)",
                       m, m, info);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    int neg = 0;
    for (int k = 0; k < m; k++) {
        if (w[k] < 0) neg++;
    }
    if (n_neg) *n_neg = neg;
    if (neg == 0) { /* already PSD: keep it bit for bit (dsyevr destroyed a) */
        memcpy(a, keep, sizeof(double) * mm);
        goto cleanup;
    }
    /* a = sum_k max(w_k, 0) v_k v_k' : scale the columns of z by
     * sqrt(max(w, 0)) and form Z Z' */
    for (int k = 0; k < m; k++) {
        double s = w[k] > 0 ? sqrt(w[k]) : 0.0;
        cblas_dscal(m, s, z + (size_t)k * m, 1);
    }
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, m, m, 1.0, z, m, 0.0, a, m);
    for (int j = 0; j < m; j++)
        for (int i = j + 1; i < m; i++) a[(size_t)j * m + i] = a[(size_t)i * m + j];

cleanup:
    free(w);
    free(z);
    free(isuppz);
    free(keep);
    free(work);
    free(iwork);
    return err;
}

/* ---- writer --------------------------------------------------------- */

struct duet_ld_writer_t {
    duet_out_t *out;
    uint64_t hash, n_variants, n_blocks;
    unsigned char *buf;
    size_t l, m;
    int failed;
};

static void wb_put(duet_ld_writer_t *w, const void *p, size_t n)
{
    if (w->failed) return;
    if (w->l + n > w->m) {
        size_t m = w->m ? w->m : 1 << 16;
        while (m < w->l + n) m *= 2;
        unsigned char *b = realloc(w->buf, m);
        if (!b) {
            w->failed = 1;
            duet_log_oom(m);
            return;
        }
        w->buf = b;
        w->m = m;
    }
    memcpy(w->buf + w->l, p, n);
    w->l += n;
}

static void wb_u32(duet_ld_writer_t *w, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
    wb_put(w, b, 4);
}

static void wb_u64(duet_ld_writer_t *w, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    wb_put(w, b, 8);
}

static void wb_f64(duet_ld_writer_t *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    wb_u64(w, u);
}

static void wb_f32(duet_ld_writer_t *w, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    wb_u32(w, u);
}

static void wb_str(duet_ld_writer_t *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    wb_u32(w, (uint32_t)n);
    wb_put(w, s, n);
}

/* Hash and write out the buffered bytes. */
static duet_err_t wb_flush(duet_ld_writer_t *w)
{
    if (w->failed) return DUET_ENOMEM;
    w->hash = fnv1a(w->hash, w->buf, w->l);
    duet_err_t err = duet_out_write(w->out, w->buf, w->l);
    w->l = 0;
    return err;
}

duet_err_t duet_ld_writer_create(const char *path, int force, int n_samples,
                                 const char *provenance, duet_ld_writer_t **wp)
{
    *wp = NULL;
    duet_ld_writer_t *w = duet_calloc(1, sizeof *w);
    if (!w) return DUET_ENOMEM;
    w->hash = FNV_OFFSET;
    duet_err_t err = duet_out_create(path, DUET_OUT_ZSTD, force, 1, &w->out);
    if (err) {
        free(w);
        return err;
    }
    wb_put(w, DUET_LD_MAGIC, 8);
    wb_u32(w, DUET_LD_VERSION);
    wb_u32(w, 4);
    wb_u32(w, (uint32_t)n_samples);
    wb_str(w, provenance ? provenance : "");
    if ((err = wb_flush(w))) {
        duet_ld_writer_destroy(w);
        return err;
    }
    *wp = w;
    return DUET_OK;
}

duet_err_t duet_ld_writer_block(duet_ld_writer_t *w, const duet_ld_block_t *b)
{
    if (b->m <= 0) return DUET_OK;
    int m = b->m;
    wb_u32(w, (uint32_t)m);
    for (int i = 0; i < m; i++) {
        const duet_ld_variant_t *v = &b->variants[i];
        wb_str(w, v->chrom);
        wb_u64(w, (uint64_t)v->pos);
        wb_str(w, v->id);
        wb_str(w, v->ref);
        wb_str(w, v->alt);
        wb_f64(w, v->af);
    }
    for (int i = 0; i < m; i++)
        for (int j = i; j < m; j++) wb_f32(w, (float)b->r[(size_t)j * m + i]);
    w->n_variants += (uint64_t)m;
    w->n_blocks++;
    return wb_flush(w);
}

duet_err_t duet_ld_writer_commit(duet_ld_writer_t *w)
{
    wb_u32(w, 0);
    wb_u64(w, w->n_variants);
    wb_u64(w, w->n_blocks);
    duet_err_t err = wb_flush(w);
    if (err) return err;
    wb_u64(w, w->hash);
    if (w->failed) return DUET_ENOMEM;
    if ((err = duet_out_write(w->out, w->buf, w->l))) return err;
    w->l = 0;
    return duet_out_commit(w->out, NULL);
}

void duet_ld_writer_destroy(duet_ld_writer_t *w)
{
    if (!w) return;
    duet_out_destroy(w->out);
    free(w->buf);
    free(w);
}

/* ---- reader --------------------------------------------------------- */

struct duet_ld_reader_t {
    char *path;
    FILE *fp;
    ZSTD_DCtx *dctx;
    unsigned char *in, *out;
    size_t in_size, out_size;
    ZSTD_inBuffer zin;
    size_t out_pos, out_len; /* unread bytes are out[out_pos..out_len) */
    size_t frame_left;       /* last ZSTD_decompressStream return (0 = frame done) */
    uint64_t offset;         /* decompressed bytes consumed */
    uint64_t hash, n_variants, n_blocks;
    int n_samples;
    char *provenance;
    int done;
};

/* Decompress more bytes into r->out.  1 if some came, 0 at the end of the
 * input, -1 on error (reported). */
static int rd_fill(duet_ld_reader_t *r)
{
    for (;;) {
        if (r->zin.pos == r->zin.size) {
            size_t got = fread(r->in, 1, r->in_size, r->fp);
            if (got == 0) {
                if (ferror(r->fp)) {
                    duet_log_error("%s: read error", r->path);
                    return -1;
                }
                return 0;
            }
            r->zin.src = r->in;
            r->zin.size = got;
            r->zin.pos = 0;
        }
        ZSTD_outBuffer zout = { r->out, r->out_size, 0 };
        size_t ret = ZSTD_decompressStream(r->dctx, &zout, &r->zin);
        if (ZSTD_isError(ret)) {
            duet_log_error("%s: corrupted LD file (zstd: %s) near byte %llu of its content",
                           r->path, ZSTD_getErrorName(ret), (unsigned long long)r->offset);
            return -1;
        }
        r->frame_left = ret;
        if (zout.pos > 0) {
            r->out_pos = 0;
            r->out_len = zout.pos;
            return 1;
        }
    }
}

/* Read exactly n bytes (hashed).  DUET_EFORMAT at a premature end. */
static duet_err_t rd_bytes(duet_ld_reader_t *r, void *dst, size_t n)
{
    unsigned char *d = dst;
    while (n > 0) {
        if (r->out_pos == r->out_len) {
            int rc = rd_fill(r);
            if (rc < 0) return DUET_EFORMAT;
            if (rc == 0) {
                duet_log_error("%s: truncated LD file (ends at byte %llu of its content)",
                               r->path, (unsigned long long)r->offset);
                return DUET_EFORMAT;
            }
        }
        size_t k = r->out_len - r->out_pos;
        if (k > n) k = n;
        memcpy(d, r->out + r->out_pos, k);
        r->hash = fnv1a(r->hash, d, k);
        r->out_pos += k;
        r->offset += k;
        d += k;
        n -= k;
    }
    return DUET_OK;
}

static duet_err_t rd_u32(duet_ld_reader_t *r, uint32_t *v)
{
    unsigned char b[4];
    duet_err_t err = rd_bytes(r, b, 4);
    if (err) return err;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return DUET_OK;
}

static duet_err_t rd_u64(duet_ld_reader_t *r, uint64_t *v)
{
    unsigned char b[8];
    duet_err_t err = rd_bytes(r, b, 8);
    if (err) return err;
    *v = 0;
    for (int i = 7; i >= 0; i--) *v = *v << 8 | b[i];
    return DUET_OK;
}

static duet_err_t rd_str(duet_ld_reader_t *r, char **s)
{
    uint32_t n;
    duet_err_t err = rd_u32(r, &n);
    if (err) return err;
    if (n > MAX_STRING) {
        duet_log_error("%s: corrupted LD file (a string of %u bytes at byte %llu)", r->path, n,
                       (unsigned long long)r->offset);
        return DUET_EFORMAT;
    }
    *s = duet_malloc(n + 1);
    if (!*s) return DUET_ENOMEM;
    if ((err = rd_bytes(r, *s, n))) {
        free(*s);
        *s = NULL;
        return err;
    }
    (*s)[n] = 0;
    if (memchr(*s, 0, n)) {
        duet_log_error("%s: corrupted LD file (a NUL byte in a string before byte %llu)", r->path,
                       (unsigned long long)r->offset);
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

duet_err_t duet_ld_open(const char *path, duet_ld_reader_t **rp)
{
    *rp = NULL;
    duet_ld_reader_t *r = duet_calloc(1, sizeof *r);
    if (!r) return DUET_ENOMEM;
    duet_err_t err = DUET_OK;
    r->hash = FNV_OFFSET;
    r->path = strdup(path);
    r->in_size = ZSTD_DStreamInSize();
    r->out_size = ZSTD_DStreamOutSize();
    r->in = malloc(r->in_size);
    r->out = malloc(r->out_size);
    r->dctx = ZSTD_createDCtx();
    if (!r->path || !r->in || !r->out || !r->dctx) {
        err = duet_log_oom(r->in_size + r->out_size);
        goto fail;
    }
    r->zin.src = r->in;
    if (!(r->fp = fopen(path, "rb"))) {
        duet_log_error("cannot open LD file '%s'", path);
        err = DUET_EREAD;
        goto fail;
    }
    char magic[8];
    uint32_t version, value_bytes, n_samples;
    if ((err = rd_bytes(r, magic, 8))) goto fail;
    if (memcmp(magic, DUET_LD_MAGIC, 8) != 0) {
        duet_log_error("%s: not a duet LD file (bad magic; build one with 'duet ld')", path);
        err = DUET_EFORMAT;
        goto fail;
    }
    if ((err = rd_u32(r, &version)) || (err = rd_u32(r, &value_bytes)) ||
        (err = rd_u32(r, &n_samples)) || (err = rd_str(r, &r->provenance)))
        goto fail;
    if (version != DUET_LD_VERSION || value_bytes != 4) {
        duet_log_error("%s: LD file version %u (value bytes %u); this duet reads version %u",
                       path, version, value_bytes, DUET_LD_VERSION);
        err = DUET_EFORMAT;
        goto fail;
    }
    r->n_samples = (int)n_samples;
    *rp = r;
    return DUET_OK;
fail:
    duet_ld_close(r);
    return err;
}

void duet_ld_close(duet_ld_reader_t *r)
{
    if (!r) return;
    if (r->fp) fclose(r->fp);
    ZSTD_freeDCtx(r->dctx);
    free(r->in);
    free(r->out);
    free(r->path);
    free(r->provenance);
    free(r);
}

int duet_ld_n_samples(const duet_ld_reader_t *r) { return r->n_samples; }
const char *duet_ld_provenance(const duet_ld_reader_t *r) { return r->provenance; }

/* The trailer after the end marker: counts, hash, and nothing after. */
static duet_err_t rd_trailer(duet_ld_reader_t *r)
{
    uint64_t nv, nb, want, got;
    duet_err_t err;
    if ((err = rd_u64(r, &nv)) || (err = rd_u64(r, &nb))) return err;
    want = r->hash;
    if ((err = rd_u64(r, &got))) return err;
    if (got != want) {
        duet_log_error("%s: corrupted LD file (checksum mismatch)", r->path);
        return DUET_EFORMAT;
    }
    if (nv != r->n_variants || nb != r->n_blocks) {
        duet_log_error("%s: corrupted LD file (trailer counts %llu variants in %llu blocks, "
                       "read %llu in %llu)", r->path, (unsigned long long)nv,
                       (unsigned long long)nb, (unsigned long long)r->n_variants,
                       (unsigned long long)r->n_blocks);
        return DUET_EFORMAT;
    }
    int rc;
    while (r->out_pos == r->out_len && (rc = rd_fill(r)) > 0) {}
    if (r->out_pos < r->out_len || r->frame_left != 0) {
        duet_log_error("%s: corrupted LD file (%s after the trailer)", r->path,
                       r->out_pos < r->out_len ? "data" : "an unfinished zstd frame");
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

static duet_err_t rd_block(duet_ld_reader_t *r, uint32_t m, duet_ld_block_t *b)
{
    duet_err_t err;
    b->variants = duet_calloc(m, sizeof *b->variants);
    b->r = duet_malloc(sizeof(double) * (size_t)m * m);
    if (!b->variants || !b->r) return DUET_ENOMEM;
    b->m = (int)m;
    for (uint32_t i = 0; i < m; i++) {
        duet_ld_variant_t *v = &b->variants[i];
        uint64_t pos, af;
        if ((err = rd_str(r, &v->chrom)) || (err = rd_u64(r, &pos)) || (err = rd_str(r, &v->id)) ||
            (err = rd_str(r, &v->ref)) || (err = rd_str(r, &v->alt)) || (err = rd_u64(r, &af)))
            return err;
        v->pos = (int64_t)pos;
        memcpy(&v->af, &af, 8);
        if (v->pos <= 0 || !(v->af >= 0 && v->af <= 1)) {
            duet_log_error("%s: corrupted LD file (variant %s:%lld with frequency %g, "
                           "before byte %llu)", r->path, v->chrom, (long long)v->pos, v->af,
                           (unsigned long long)r->offset);
            return DUET_EFORMAT;
        }
    }
    for (uint32_t i = 0; i < m; i++) {
        for (uint32_t j = i; j < m; j++) {
            uint32_t u;
            float f;
            if ((err = rd_u32(r, &u))) return err;
            memcpy(&f, &u, 4);
            if (!isfinite(f) || fabsf(f) > 1.0001f) {
                duet_log_error("%s: corrupted LD file (correlation %g before byte %llu)",
                               r->path, (double)f, (unsigned long long)r->offset);
                return DUET_EFORMAT;
            }
            b->r[(size_t)j * m + i] = b->r[(size_t)i * m + j] = f;
        }
    }
    r->n_variants += m;
    r->n_blocks++;
    return DUET_OK;
}

int duet_ld_next(duet_ld_reader_t *r, duet_ld_block_t *b, duet_err_t *errp)
{
    duet_ld_block_free(b);
    *errp = DUET_OK;
    if (r->done) return 0;
    uint32_t m;
    duet_err_t err = rd_u32(r, &m);
    if (!err && m == 0) {
        err = rd_trailer(r);
        if (!err) {
            r->done = 1;
            return 0;
        }
    } else if (!err && m > DUET_LD_MAX_BLOCK) {
        duet_log_error("%s: corrupted LD file (a block of %u variants before byte %llu)", r->path,
                       m, (unsigned long long)r->offset);
        err = DUET_EFORMAT;
    } else if (!err) {
        err = rd_block(r, m, b);
        if (!err) return 1;
    }
    duet_ld_block_free(b);
    *errp = err;
    return -1;
}
