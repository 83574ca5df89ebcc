/*
 * csv.c -- the CSV reader behind `duet store import`: plain, gzip or zstd
 * input (by magic bytes), RFC 4180 records with comma or tab delimiters,
 * line numbers for messages, UTF-8 checks on every field, and the SHA-256 of
 * the file as stored.  The rules are listed in store_internal.h.
 *
 * Records are copied field by field into one reusable buffer (quotes
 * removed, each field NUL-terminated), so that a record may straddle input
 * blocks and the caller may bind fields to SQLite statements without copies.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <zstd.h>

#include "duet/log.h"
#include "store_internal.h"

enum { SRC_PLAIN, SRC_GZIP, SRC_ZSTD, SRC_MEM };
enum { CLS_PLAIN, CLS_STOP, CLS_CHECK };

#define BLOCK (1 << 20)

struct duet_csv_t {
    char *name;
    int kind;
    int fd;
    BGZF *bgzf;
    ZSTD_DCtx *zd;
    unsigned char *raw;       /* zstd: compressed input */
    size_t raw_len, raw_pos, raw_m;
    int raw_eof;
    size_t zret;              /* last ZSTD_decompressStream() result */
    unsigned char *buf;       /* decoded input */
    size_t len, pos;
    int eof;                  /* decoded input exhausted */
    uint64_t file_bytes;
    duet_sha256_t sha;
    int sha_done;
    char sha_hex[65];
    /* the current record */
    char *rec;
    size_t rec_l, rec_m;
    size_t *fstart, *flen;
    long *fline;
    unsigned char *fquoted;
    int n, m;
    long line;                /* line of the next unread byte */
    long rec_line;
    char delim;
    int started;
    unsigned char cls[256];   /* CLS_* of each byte */
    int check_field;          /* the current field needs the UTF-8 check */
};

/* ------------------------------------------------------------------ */
/* UTF-8 */

int duet_utf8_valid(const unsigned char *s, size_t len, size_t *bad)
{
    size_t i = 0;
    while (i < len) {
        /* Eight ASCII bytes without a NUL at a time. */
        if (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL) &&
                !((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            if (!c) goto fail;
            i++;
            continue;
        }
        unsigned lo = 0x80, hi = 0xbf;
        int n_cont;
        if (c >= 0xc2 && c <= 0xdf) n_cont = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            n_cont = 2;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f; /* no UTF-16 surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n_cont = 3;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f; /* nothing above U+10FFFF */
        } else goto fail;
        if (i + (size_t)n_cont >= len) goto fail;
        if (s[i + 1] < lo || s[i + 1] > hi) goto fail;
        for (int k = 2; k <= n_cont; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf) goto fail;
        i += (size_t)n_cont + 1;
    }
    return 1;
fail:
    if (bad) *bad = i;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Input */

static duet_csv_t *csv_alloc(const char *name)
{
    duet_csv_t *c = duet_calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = -1;
    c->line = 1;
    c->name = strdup(name);
    c->buf = malloc(BLOCK);
    if (!c->name || !c->buf) {
        duet_csv_close(c);
        duet_log_oom(BLOCK);
        return NULL;
    }
    duet_sha256_init(&c->sha);
    return c;
}

void duet_csv_close(duet_csv_t *c)
{
    if (!c) return;
    if (c->fd >= 0) close(c->fd);
    if (c->bgzf) bgzf_close(c->bgzf);
    ZSTD_freeDCtx(c->zd);
    free(c->raw);
    free(c->buf);
    free(c->rec);
    free(c->fstart);
    free(c->flen);
    free(c->fline);
    free(c->fquoted);
    free(c->name);
    free(c);
}

duet_err_t duet_csv_open_mem(const char *name, const void *data, size_t len, duet_csv_t **out)
{
    *out = NULL;
    duet_csv_t *c = csv_alloc(name);
    if (!c) return DUET_ENOMEM;
    c->kind = SRC_MEM;
    if (len > BLOCK) {
        unsigned char *b = realloc(c->buf, len);
        if (!b) { duet_csv_close(c); return duet_log_oom(len); }
        c->buf = b;
    }
    memcpy(c->buf, data, len);
    c->len = len;
    c->eof = 1;
    c->file_bytes = len;
    duet_sha256_update(&c->sha, data, len);
    *out = c;
    return DUET_OK;
}

duet_err_t duet_csv_open(const char *path, duet_csv_t **out)
{
    *out = NULL;
    duet_csv_t *c = csv_alloc(path);
    if (!c) return DUET_ENOMEM;
    duet_err_t err = DUET_OK;
    c->fd = open(path, O_RDONLY);
    struct stat st;
    if (c->fd < 0 || fstat(c->fd, &st) != 0) {
        duet_log_error("cannot open %s: %s", path, strerror(errno));
        err = DUET_EREAD;
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        duet_log_error("cannot read %s: not a regular file", path);
        err = DUET_EREAD;
        goto cleanup;
    }
    c->file_bytes = (uint64_t)st.st_size;
    unsigned char magic[4] = { 0 };
    ssize_t got = pread(c->fd, magic, 4, 0);
    if (got < 0) {
        duet_log_error("cannot read %s: %s", path, strerror(errno));
        err = DUET_EREAD;
        goto cleanup;
    }
    if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        /* BGZF reads ordinary gzip as well; the raw bytes are hashed in a
         * separate pass because BGZF does not show them. */
        c->kind = SRC_GZIP;
        for (;;) {
            ssize_t n = read(c->fd, c->buf, BLOCK);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                duet_log_error("cannot read %s: %s", path, strerror(errno));
                err = DUET_EREAD;
                goto cleanup;
            }
            if (n == 0) break;
            duet_sha256_update(&c->sha, c->buf, (size_t)n);
        }
        close(c->fd);
        c->fd = -1;
        c->bgzf = bgzf_open(path, "r");
        if (!c->bgzf) {
            duet_log_error("cannot open %s as gzip: %s", path, strerror(errno));
            err = DUET_EREAD;
            goto cleanup;
        }
    } else if (got == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
               magic[3] == 0xfd) {
        c->kind = SRC_ZSTD;
        c->zd = ZSTD_createDCtx();
        c->raw_m = ZSTD_DStreamInSize();
        c->raw = malloc(c->raw_m);
        if (!c->zd || !c->raw) {
            err = duet_log_oom(c->raw_m);
            goto cleanup;
        }
        c->zret = 1;
    } else {
        c->kind = SRC_PLAIN;
    }
    *out = c;
    return DUET_OK;
cleanup:
    duet_csv_close(c);
    return err;
}

static ssize_t read_fd(duet_csv_t *c, void *buf, size_t n)
{
    for (;;) {
        ssize_t got = read(c->fd, buf, n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            duet_log_error("cannot read %s: %s", c->name, strerror(errno));
            return -1;
        }
        duet_sha256_update(&c->sha, buf, (size_t)got);
        return got;
    }
}

/* Make c->buf[c->pos] readable.  1: data; 0: end of input; -1: error
 * (reported; c->eof set so that later calls fail again). */
static int fill(duet_csv_t *c, duet_err_t *err)
{
    if (c->pos < c->len) return 1;
    if (c->eof) return 0;
    c->pos = c->len = 0;
    ssize_t n = 0;
    switch (c->kind) {
    case SRC_PLAIN:
        n = read_fd(c, c->buf, BLOCK);
        if (n < 0) { *err = DUET_EREAD; goto fail; }
        break;
    case SRC_GZIP:
        n = bgzf_read(c->bgzf, c->buf, BLOCK);
        if (n < 0) {
            duet_log_error("%s: corrupt or truncated gzip data", c->name);
            *err = DUET_EFORMAT;
            goto fail;
        }
        break;
    case SRC_ZSTD:
        for (;;) {
            if (c->raw_pos == c->raw_len && !c->raw_eof) {
                ssize_t r = read_fd(c, c->raw, c->raw_m);
                if (r < 0) { *err = DUET_EREAD; goto fail; }
                c->raw_len = (size_t)r;
                c->raw_pos = 0;
                if (r == 0) c->raw_eof = 1;
            }
            ZSTD_inBuffer in = { c->raw, c->raw_len, c->raw_pos };
            ZSTD_outBuffer outb = { c->buf, BLOCK, 0 };
            if (c->raw_pos < c->raw_len || c->zret != 0) {
                size_t ret = ZSTD_decompressStream(c->zd, &outb, &in);
                if (ZSTD_isError(ret)) {
                    duet_log_error("%s: corrupt zstd data: %s", c->name, ZSTD_getErrorName(ret));
                    *err = DUET_EFORMAT;
                    goto fail;
                }
                c->zret = ret;
                c->raw_pos = in.pos;
            }
            n = (ssize_t)outb.pos;
            if (n > 0) break;
            if (c->raw_eof && c->raw_pos == c->raw_len) {
                if (c->zret != 0) {
                    duet_log_error("%s: truncated zstd data", c->name);
                    *err = DUET_EFORMAT;
                    goto fail;
                }
                break;
            }
        }
        break;
    default:
        break;
    }
    c->len = (size_t)n;
    if (n == 0) {
        c->eof = 1;
        return 0;
    }
    return 1;
fail:
    c->eof = 1;
    return -1;
}

/* fill() without the call when bytes are waiting. */
static inline int avail(duet_csv_t *c, duet_err_t *err)
{
    return c->pos < c->len ? 1 : fill(c, err);
}

/* ------------------------------------------------------------------ */
/* Records */

static int rec_reserve(duet_csv_t *c, size_t extra)
{
    if (c->rec_l + extra <= c->rec_m) return 0;
    size_t m = c->rec_m ? c->rec_m : 4096;
    while (m < c->rec_l + extra) m *= 2;
    char *r = realloc(c->rec, m);
    if (!r) { duet_log_oom(m); return -1; }
    c->rec = r;
    c->rec_m = m;
    return 0;
}

static inline int rec_append(duet_csv_t *c, const void *p, size_t n)
{
    if (c->rec_l + n > c->rec_m && rec_reserve(c, n)) return -1;
    memcpy(c->rec + c->rec_l, p, n);
    c->rec_l += n;
    return 0;
}

static int field_begin(duet_csv_t *c)
{
    if (c->n == c->m) {
        int m = c->m ? 2 * c->m : 64;
        size_t *fs = realloc(c->fstart, (size_t)m * sizeof *fs);
        if (fs) c->fstart = fs;
        size_t *fl = realloc(c->flen, (size_t)m * sizeof *fl);
        if (fl) c->flen = fl;
        long *fn = realloc(c->fline, (size_t)m * sizeof *fn);
        if (fn) c->fline = fn;
        unsigned char *fq = realloc(c->fquoted, (size_t)m);
        if (fq) c->fquoted = fq;
        if (!fs || !fl || !fn || !fq) { duet_log_oom((size_t)m * 32); return -1; }
        c->m = m;
    }
    c->fstart[c->n] = c->rec_l;
    c->fline[c->n] = c->line;
    c->fquoted[c->n] = 0;
    return 0;
}

/* NUL-terminate the current field and check its bytes. */
static duet_err_t field_end(duet_csv_t *c)
{
    size_t start = c->fstart[c->n], len = c->rec_l - start, bad;
    if (rec_reserve(c, 1)) return DUET_ENOMEM;
    c->rec[c->rec_l++] = 0;
    c->flen[c->n] = len;
    const unsigned char *s = (const unsigned char *)c->rec + start;
    int check = c->check_field;
    c->check_field = 0;
    if (check && !duet_utf8_valid(s, len, &bad)) {
        /* The line of the bad byte: the field's line plus the line breaks
         * before it inside a quoted field. */
        long line = c->fline[c->n];
        for (size_t i = 0; i < bad; i++) line += s[i] == '\n';
        if (s[bad] == 0)
            duet_log_error("%s:%ld:%d: a NUL byte: a binary file, not CSV text", c->name,
                           line, c->n + 1);
        else
            duet_log_error("%s:%ld:%d: invalid UTF-8 (byte 0x%02x); convert the file to UTF-8",
                           c->name, line, c->n + 1, s[bad]);
        return DUET_EFORMAT;
    }
    c->n++;
    return DUET_OK;
}

static void detect_delim(duet_csv_t *c)
{
    size_t n_tab = 0, n_comma = 0;
    int in_quotes = 0;
    for (size_t i = c->pos; i < c->len; i++) {
        unsigned char ch = c->buf[i];
        if (ch == '"') in_quotes = !in_quotes;
        else if (in_quotes) continue;
        else if (ch == '\n' || ch == '\r') break;
        else if (ch == '\t') n_tab++;
        else if (ch == ',') n_comma++;
    }
    c->delim = n_tab > n_comma ? '\t' : ',';
    /* Bytes that end an unquoted field, and bytes that call for the full
     * UTF-8 check of their field (NUL, non-ASCII): plain ASCII fields, the
     * vast majority, are checked by the scan that finds their end. */
    memset(c->cls, CLS_PLAIN, sizeof c->cls);
    c->cls['\n'] = c->cls['\r'] = c->cls[(unsigned char)c->delim] = CLS_STOP;
    c->cls[0] = CLS_CHECK;
    memset(c->cls + 0x80, CLS_CHECK, 0x80);
}

/* Count line breaks in p[0..n). */
static long count_lf(const unsigned char *p, size_t n)
{
    long k = 0;
    const unsigned char *end = p + n;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) { k++; p++; }
    return k;
}

duet_err_t duet_csv_next(duet_csv_t *c, int *got)
{
    duet_err_t err = DUET_EINTERNAL;
    int r;
    *got = 0;
    c->n = 0;
    c->rec_l = 0;
    if (!c->started) {
        c->started = 1;
        if ((r = avail(c, &err)) < 0) return err;
        if (c->len - c->pos >= 3 && !memcmp(c->buf + c->pos, "\xef\xbb\xbf", 3)) c->pos += 3;
        detect_delim(c);
    }
    /* Skip blank lines. */
    for (;;) {
        if ((r = avail(c, &err)) < 0) return err;
        if (!r) return DUET_OK;
        unsigned char ch = c->buf[c->pos];
        if (ch == '\n') {
            c->pos++;
            c->line++;
        } else if (ch == '\r') {
            c->pos++;
            if ((r = avail(c, &err)) < 0) return err;
            if (r && c->buf[c->pos] == '\n') c->pos++;
            c->line++;
        } else {
            break;
        }
    }
    c->rec_line = c->line;
    for (;;) { /* one field per turn */
        if (field_begin(c)) return DUET_ENOMEM;
        if ((r = avail(c, &err)) < 0) return err;
        if (r && c->buf[c->pos] == '"') {
            long opened = c->line;
            c->fquoted[c->n] = 1;
            c->check_field = 1;
            c->pos++;
            for (;;) {
                if ((r = avail(c, &err)) < 0) return err;
                if (!r) {
                    duet_log_error("%s:%ld:%d: quoted field not closed before the end of the file",
                                   c->name, opened, c->n + 1);
                    return DUET_EFORMAT;
                }
                unsigned char *p = c->buf + c->pos, *end = c->buf + c->len;
                unsigned char *q = memchr(p, '"', (size_t)(end - p));
                size_t n = (size_t)((q ? q : end) - p);
                if (rec_append(c, p, n)) return DUET_ENOMEM;
                c->line += count_lf(p, n);
                c->pos += n;
                if (!q) continue;
                c->pos++; /* the quote */
                if ((r = avail(c, &err)) < 0) return err;
                if (r && c->buf[c->pos] == '"') { /* "" stands for " */
                    if (rec_append(c, "\"", 1)) return DUET_ENOMEM;
                    c->pos++;
                    continue;
                }
                break;
            }
            if ((r = avail(c, &err)) < 0) return err;
            if (r && c->cls[c->buf[c->pos]] != CLS_STOP) {
                unsigned char ch = c->buf[c->pos];
                char shown[8];
                if (ch >= 0x20 && ch < 0x7f) snprintf(shown, sizeof shown, "'%c'", ch);
                else snprintf(shown, sizeof shown, "0x%02x", ch);
                duet_log_error("%s:%ld:%d: %s after the closing quote of a quoted field "
                               "(a quote inside a quoted field is written \"\")",
                               c->name, c->line, c->n + 1, shown);
                return DUET_EFORMAT;
            }
        } else {
            for (;;) {
                if ((r = avail(c, &err)) < 0) return err;
                if (!r) break;
                unsigned char *p = c->buf + c->pos, *q = p, *end = c->buf + c->len;
                for (;;) {
                    while (q < end && c->cls[*q] == CLS_PLAIN) q++;
                    if (q == end || c->cls[*q] == CLS_STOP) break;
                    c->check_field = 1;
                    q++;
                }
                if (rec_append(c, p, (size_t)(q - p))) return DUET_ENOMEM;
                c->pos += (size_t)(q - p);
                if (q < end) break;
            }
        }
        if ((err = field_end(c))) return err;
        if ((r = avail(c, &err)) < 0) return err;
        if (!r) break;
        unsigned char ch = c->buf[c->pos++];
        if (ch == (unsigned char)c->delim) continue;
        if (ch == '\r') {
            if ((r = avail(c, &err)) < 0) return err;
            if (r && c->buf[c->pos] == '\n') c->pos++;
        }
        c->line++;
        break;
    }
    *got = 1;
    return DUET_OK;
}

int duet_csv_n_fields(const duet_csv_t *c) { return c->n; }
char *duet_csv_field(duet_csv_t *c, int i) { return c->rec + c->fstart[i]; }
size_t duet_csv_len(const duet_csv_t *c, int i) { return c->flen[i]; }
long duet_csv_line(const duet_csv_t *c) { return c->rec_line; }
long duet_csv_field_line(const duet_csv_t *c, int i) { return c->fline[i]; }
int duet_csv_quoted(const duet_csv_t *c, int i) { return c->fquoted[i]; }
char duet_csv_delim(const duet_csv_t *c) { return c->delim ? c->delim : ','; }
const char *duet_csv_name(const duet_csv_t *c) { return c->name; }
uint64_t duet_csv_file_bytes(const duet_csv_t *c) { return c->file_bytes; }

const char *duet_csv_sha256(duet_csv_t *c)
{
    if (!c->sha_done) {
        duet_sha256_hex(&c->sha, c->sha_hex);
        c->sha_done = 1;
    }
    return c->sha_hex;
}
