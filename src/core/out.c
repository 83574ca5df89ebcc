/*
 * out.c -- atomic outputs: temporary name in the target folder, fsync,
 * rename; temporaries removed on error and on SIGINT/SIGTERM.  Plain, BGZF
 * (with tabix) and zstd encodings; folder outputs renamed as a whole.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH/FTW_PHYS */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <htslib/tbx.h>
#include <zstd.h>

#include "duet/log.h"
#include "duet/out.h"

/* ------------------------------------------------------------------ */
/* Cleanup registry (read by the signal handler: fixed array, no locks) */

#define CLEANUP_MAX 4096

static struct {
    char *path;
    int is_dir;
    volatile sig_atomic_t active;
} cleanup[CLEANUP_MAX];
static volatile sig_atomic_t cleanup_n;

int duet_cleanup_register(const char *path, int is_dir)
{
    int n = cleanup_n;
    if (n >= CLEANUP_MAX) {
        duet_log_warn("too many temporary files to track; '%s' will not be removed on interrupt", path);
        return -1;
    }
    char *copy = strdup(path);
    if (!copy) return -1;
    cleanup[n].path = copy;
    cleanup[n].is_dir = is_dir;
    cleanup[n].active = 1;
    cleanup_n = n + 1;
    return n;
}

void duet_cleanup_release(int handle)
{
    if (handle < 0 || handle >= cleanup_n) return;
    cleanup[handle].active = 0;
    /* The path string stays allocated: the handler might be reading it. */
}

void duet_cleanup_remove(int handle)
{
    if (handle < 0 || handle >= cleanup_n || !cleanup[handle].active) return;
    if (cleanup[handle].is_dir) rmdir(cleanup[handle].path);
    else unlink(cleanup[handle].path);
    cleanup[handle].active = 0;
}

static void on_signal(int sig)
{
    for (int i = cleanup_n - 1; i >= 0; i--) {
        if (!cleanup[i].active) continue;
        if (cleanup[i].is_dir) rmdir(cleanup[i].path);
        else unlink(cleanup[i].path);
    }
    _exit(128 + sig);
}

void duet_out_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ------------------------------------------------------------------ */
/* Paths */

/* "dir/.base<suffix>XXXXXX" for a final path "dir/base" (suffix ".tmp"). */
static char *temp_template(const char *path, const char *suffix)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t len = dir_len + 1 + strlen(base) + strlen(suffix) + 7;
    char *t = duet_malloc(len);
    if (!t) return NULL;
    snprintf(t, len, "%.*s.%s%sXXXXXX", (int)dir_len, path, base, suffix);
    return t;
}

static duet_err_t fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        duet_log_error("cannot sync '%s': %s", path, strerror(e));
        return DUET_EWRITE;
    }
    close(fd);
    return DUET_OK;
}

/* Make a rename in the folder of `path` durable.  File systems that do not
 * sync folders (EINVAL, ENOTSUP) are accepted; any other failure (EIO) is an
 * error, reported: the rename may not survive a crash. */
static duet_err_t fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return duet_log_oom(strlen(path) + 1);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    int ok = fd < 0 || fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP;
    int e = errno;
    if (fd >= 0) close(fd);
    if (!ok) duet_log_error("cannot sync the folder of '%s': %s", path, strerror(e));
    free(copy);
    return ok ? DUET_OK : DUET_EWRITE;
}

/* The process umask, read without changing it for longer than an instant. */
static mode_t current_umask(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return mask;
}

static int path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ------------------------------------------------------------------ */
/* File outputs */

enum { OUT_OPEN, OUT_CLOSED, OUT_PUBLISHED, OUT_FAILED };

struct duet_out_t {
    char *path, *tmp;          /* final and temporary names */
    char *idx_path, *idx_tmp;  /* tabix index, when built */
    int tmp_handle, idx_handle;
    duet_out_kind_t kind;
    int is_stdout;
    int state;
    FILE *fp;                  /* plain and zstd */
    BGZF *bgzf;
    ZSTD_CCtx *zc;
    char *zbuf;                /* zstd output buffer */
    size_t zbuf_size;
};

duet_out_kind_t duet_out_kind_for_path(const char *path)
{
    size_t n = strlen(path);
    if ((n > 3 && strcmp(path + n - 3, ".gz") == 0) ||
        (n > 4 && strcmp(path + n - 4, ".bgz") == 0))
        return DUET_OUT_BGZF;
    if (n > 4 && strcmp(path + n - 4, ".zst") == 0) return DUET_OUT_ZSTD;
    return DUET_OUT_PLAIN;
}

duet_err_t duet_out_create(const char *path, duet_out_kind_t kind, int force,
                           int threads, duet_out_t **out)
{
    *out = NULL;
    duet_out_t *o = duet_calloc(1, sizeof *o);
    if (!o) return DUET_ENOMEM;
    o->tmp_handle = o->idx_handle = -1;
    o->kind = kind;
    o->path = strdup(path);
    if (!o->path) { free(o); return duet_log_oom(strlen(path)); }

    if (strcmp(path, "-") == 0) {
        if (kind != DUET_OUT_PLAIN) {
            duet_log_error("standard output ('-') is written as plain text only");
            duet_out_destroy(o);
            return DUET_EUSAGE;
        }
        o->is_stdout = 1;
        o->fp = stdout;
        *out = o;
        return DUET_OK;
    }
    const char *base = strrchr(path, '/');
    if (base && base[1] == '.') {
        duet_log_error("output '%s' would be a hidden file: the output prefix ends in '/'; "
                       "give a prefix inside the folder, such as '%.*srun'", path,
                       (int)(base - path + 1), path);
        duet_out_destroy(o);
        return DUET_EUSAGE;
    }
    if (!force && path_exists(path)) {
        duet_log_error("output '%s' exists; use --force to overwrite it", path);
        duet_out_destroy(o);
        return DUET_EWRITE;
    }
    o->tmp = temp_template(path, ".tmp");
    if (!o->tmp) { duet_out_destroy(o); return DUET_ENOMEM; }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        duet_log_error("cannot create output '%s': %s", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        duet_out_destroy(o);
        return DUET_EWRITE;
    }
    fchmod(fd, 0666 & ~current_umask()); /* mkstemp makes 0600 */
    o->tmp_handle = duet_cleanup_register(o->tmp, 0);

    if (kind == DUET_OUT_BGZF) {
        o->bgzf = bgzf_dopen(fd, "w");
        if (!o->bgzf) {
            close(fd);
            duet_log_error("cannot open BGZF output '%s'", path);
            duet_out_destroy(o);
            return DUET_EWRITE;
        }
        if (threads > 1) bgzf_mt(o->bgzf, threads, 256);
    } else {
        o->fp = fdopen(fd, "w");
        if (!o->fp) {
            close(fd);
            duet_log_error("cannot open output '%s': %s", path, strerror(errno));
            duet_out_destroy(o);
            return DUET_EWRITE;
        }
        setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
        if (kind == DUET_OUT_ZSTD) {
            o->zc = ZSTD_createCCtx();
            o->zbuf_size = ZSTD_CStreamOutSize();
            o->zbuf = duet_malloc(o->zbuf_size);
            if (!o->zc || !o->zbuf) { duet_out_destroy(o); return DUET_ENOMEM; }
            ZSTD_CCtx_setParameter(o->zc, ZSTD_c_compressionLevel, 3);
            ZSTD_CCtx_setParameter(o->zc, ZSTD_c_checksumFlag, 1);
        }
    }
    *out = o;
    return DUET_OK;
}

static duet_err_t out_fail(duet_out_t *o, const char *what)
{
    duet_log_error("cannot %s '%s': %s", what, o->path, errno ? strerror(errno) : "I/O error");
    o->state = OUT_FAILED;
    return DUET_EWRITE;
}

static duet_err_t zstd_pump(duet_out_t *o, const void *buf, size_t len, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = { buf, len, 0 };
    for (;;) {
        ZSTD_outBuffer zout = { o->zbuf, o->zbuf_size, 0 };
        size_t left = ZSTD_compressStream2(o->zc, &zout, &in, mode);
        if (ZSTD_isError(left)) {
            duet_log_error("zstd compression of '%s' failed: %s", o->path, ZSTD_getErrorName(left));
            o->state = OUT_FAILED;
            return DUET_EWRITE;
        }
        if (zout.pos && fwrite(o->zbuf, 1, zout.pos, o->fp) != zout.pos)
            return out_fail(o, "write");
        if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) break;
    }
    return DUET_OK;
}

duet_err_t duet_out_write(duet_out_t *o, const void *buf, size_t len)
{
    if (o->state != OUT_OPEN) {
        duet_log_error("internal: write to a finished output '%s'", o->path);
        return DUET_EINTERNAL;
    }
    if (!len) return DUET_OK;
    errno = 0;
    switch (o->kind) {
    case DUET_OUT_BGZF:
        if (bgzf_write(o->bgzf, buf, len) != (ssize_t)len) return out_fail(o, "write");
        return DUET_OK;
    case DUET_OUT_ZSTD:
        return zstd_pump(o, buf, len, ZSTD_e_continue);
    case DUET_OUT_PLAIN:
        break;
    }
    if (fwrite(buf, 1, len, o->fp) != len) return out_fail(o, "write");
    return DUET_OK;
}

duet_err_t duet_out_puts(duet_out_t *o, const char *s)
{
    return duet_out_write(o, s, strlen(s));
}

duet_err_t duet_out_printf(duet_out_t *o, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return DUET_EINTERNAL;
    if ((size_t)n < sizeof small) return duet_out_write(o, small, (size_t)n);
    char *big = duet_malloc((size_t)n + 1);
    if (!big) return DUET_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    duet_err_t err = duet_out_write(o, big, (size_t)n);
    free(big);
    return err;
}

static duet_err_t build_tabix(duet_out_t *o, const duet_tabix_t *t)
{
    size_t n = strlen(o->path) + 5;
    o->idx_path = duet_malloc(n);
    if (!o->idx_path) return DUET_ENOMEM;
    snprintf(o->idx_path, n, "%s.tbi", o->path);
    o->idx_tmp = temp_template(o->idx_path, ".tmp");
    if (!o->idx_tmp) return DUET_ENOMEM;
    int fd = mkstemp(o->idx_tmp);
    if (fd < 0) return out_fail(o, "create the index of");
    fchmod(fd, 0666 & ~current_umask());
    close(fd);
    o->idx_handle = duet_cleanup_register(o->idx_tmp, 0);
    tbx_conf_t conf = { TBX_GENERIC, t->col_seq, t->col_beg, t->col_end,
                        t->meta_char, t->skip_lines };
    if (tbx_index_build2(o->tmp, o->idx_tmp, 0, &conf) != 0) {
        duet_log_error("cannot build the tabix index of '%s' (is it sorted by position?)", o->path);
        o->state = OUT_FAILED;
        return DUET_EWRITE;
    }
    return fsync_path(o->idx_tmp);
}

duet_err_t duet_out_close(duet_out_t *o, const duet_tabix_t *tabix)
{
    if (o->state != OUT_OPEN) {
        duet_log_error("internal: output '%s' closed twice or after a failure", o->path);
        return DUET_EINTERNAL;
    }
    errno = 0;
    if (o->is_stdout) {
        if (fflush(stdout) != 0) return out_fail(o, "write");
        o->state = OUT_CLOSED;
        return DUET_OK;
    }
    if (o->kind == DUET_OUT_ZSTD) {
        duet_err_t err = zstd_pump(o, "", 0, ZSTD_e_end);
        if (err) return err;
    }
    if (o->kind == DUET_OUT_BGZF) {
        int rc = bgzf_close(o->bgzf);
        o->bgzf = NULL;
        if (rc != 0) return out_fail(o, "write");
    } else {
        int bad = fflush(o->fp) != 0;
        bad |= fclose(o->fp) != 0;
        o->fp = NULL;
        if (bad) return out_fail(o, "write");
    }
    duet_err_t err = fsync_path(o->tmp);
    if (err) { o->state = OUT_FAILED; return err; }
    if (tabix && o->kind == DUET_OUT_BGZF) {
        err = build_tabix(o, tabix);
        if (err) return err;
    }
    o->state = OUT_CLOSED;
    return DUET_OK;
}

duet_err_t duet_out_publish(duet_out_t *o)
{
    if (o->state != OUT_CLOSED) {
        duet_log_error("internal: output '%s' published before it was closed", o->path);
        return DUET_EINTERNAL;
    }
    if (!o->is_stdout) {
        if (rename(o->tmp, o->path) != 0) return out_fail(o, "rename the output to");
        duet_cleanup_release(o->tmp_handle);
        o->tmp_handle = -1;
        if (o->idx_tmp) {
            if (rename(o->idx_tmp, o->idx_path) != 0) {
                int e = errno;
                duet_log_error("cannot rename the index to '%s': %s", o->idx_path, strerror(e));
                unlink(o->path); /* an output without its index is partial */
                o->state = OUT_FAILED;
                return DUET_EWRITE;
            }
            duet_cleanup_release(o->idx_handle);
            o->idx_handle = -1;
        }
        if (fsync_parent(o->path)) {
            unlink(o->path); /* not known to be durable: not finished */
            if (o->idx_path) unlink(o->idx_path);
            o->state = OUT_FAILED;
            return DUET_EWRITE;
        }
    }
    o->state = OUT_PUBLISHED;
    return DUET_OK;
}

duet_err_t duet_out_publish_all(duet_out_t *const *outs, int n)
{
    duet_err_t err = DUET_OK;
    int i;
    for (i = 0; i < n && !err; i++)
        if (outs[i]) err = duet_out_publish(outs[i]);
    if (!err) return DUET_OK;
    /* outs[i - 1] failed and removed itself; withdraw the ones before it */
    for (int j = 0; j < i - 1; j++) {
        duet_out_t *o = outs[j];
        if (!o || o->is_stdout || o->state != OUT_PUBLISHED) continue;
        unlink(o->path);
        if (o->idx_path) unlink(o->idx_path);
        o->state = OUT_FAILED;
    }
    return err;
}

duet_err_t duet_out_commit(duet_out_t *o, const duet_tabix_t *tabix)
{
    duet_err_t err = duet_out_close(o, tabix);
    return err ? err : duet_out_publish(o);
}

void duet_out_destroy(duet_out_t *o)
{
    if (!o) return;
    if (o->bgzf) bgzf_close(o->bgzf);
    if (o->fp && !o->is_stdout) fclose(o->fp);
    ZSTD_freeCCtx(o->zc);
    if (o->state != OUT_PUBLISHED) {
        duet_cleanup_remove(o->tmp_handle);
        duet_cleanup_remove(o->idx_handle);
    }
    free(o->zbuf);
    free(o->path);
    free(o->tmp);
    free(o->idx_path);
    free(o->idx_tmp);
    free(o);
}

const char *duet_out_path(const duet_out_t *o) { return o->path; }

/* ------------------------------------------------------------------ */
/* Folder outputs */

struct duet_outdir_t {
    char *path, *tmp;
    int handle;
    int force, committed;
    int n_files, m_files;
    char **files;
    int *file_handles;
};

duet_err_t duet_outdir_create(const char *path, int force, duet_outdir_t **dir)
{
    *dir = NULL;
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!force) {
            duet_log_error("output folder '%s' exists; use --force to replace it", path);
            return DUET_EWRITE;
        }
        if (!S_ISDIR(st.st_mode)) {
            duet_log_error("output '%s' exists and is not a folder", path);
            return DUET_EWRITE;
        }
    }
    duet_outdir_t *d = duet_calloc(1, sizeof *d);
    if (!d) return DUET_ENOMEM;
    d->handle = -1;
    d->force = force;
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--; /* "out/" -> "out" */
    d->path = strndup(path, len);
    d->tmp = d->path ? temp_template(d->path, ".tmp") : NULL;
    if (!d->tmp) { duet_outdir_destroy(d); return DUET_ENOMEM; }
    if (!mkdtemp(d->tmp)) {
        duet_log_error("cannot create output folder '%s': %s", path, strerror(errno));
        free(d->tmp);
        d->tmp = NULL;
        duet_outdir_destroy(d);
        return DUET_EWRITE;
    }
    chmod(d->tmp, 0777 & ~current_umask());
    d->handle = duet_cleanup_register(d->tmp, 1);
    *dir = d;
    return DUET_OK;
}

const char *duet_outdir_file(duet_outdir_t *d, const char *name)
{
    if (d->n_files == d->m_files) {
        int m = d->m_files ? 2 * d->m_files : 16;
        char **f = duet_realloc(d->files, m * sizeof *f);
        if (!f) return NULL;
        d->files = f;
        int *h = duet_realloc(d->file_handles, m * sizeof *h);
        if (!h) return NULL;
        d->file_handles = h;
        d->m_files = m;
    }
    size_t len = strlen(d->tmp) + strlen(name) + 2;
    char *p = duet_malloc(len);
    if (!p) return NULL;
    snprintf(p, len, "%s/%s", d->tmp, name);
    d->files[d->n_files] = p;
    d->file_handles[d->n_files] = duet_cleanup_register(p, 0);
    return d->files[d->n_files++];
}

const char *duet_outdir_tmp_path(const duet_outdir_t *d) { return d->tmp; }

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

duet_err_t duet_outdir_commit(duet_outdir_t *d)
{
    for (int i = 0; i < d->n_files; i++)
        if (path_exists(d->files[i])) {
            duet_err_t err = fsync_path(d->files[i]);
            if (err) return err;
        }
    char *old = NULL;
    if (path_exists(d->path)) {
        /* --force: move the old folder aside, put the new one in place, then
         * delete the old one, so that the target is never half-written. */
        old = temp_template(d->path, ".old");
        if (!old) return DUET_ENOMEM;
        if (!mkdtemp(old) || rmdir(old) != 0 || rename(d->path, old) != 0) {
            duet_log_error("cannot replace output folder '%s': %s", d->path, strerror(errno));
            free(old);
            return DUET_EWRITE;
        }
    }
    if (rename(d->tmp, d->path) != 0) {
        duet_log_error("cannot rename output folder to '%s': %s", d->path, strerror(errno));
        if (old) rename(old, d->path);
        free(old);
        return DUET_EWRITE;
    }
    for (int i = 0; i < d->n_files; i++) duet_cleanup_release(d->file_handles[i]);
    duet_cleanup_release(d->handle);
    d->committed = 1;
    if (fsync_parent(d->path)) {
        /* not known to be durable: not finished; the old folder returns */
        nftw(d->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (old) rename(old, d->path);
        free(old);
        return DUET_EWRITE;
    }
    if (old) {
        nftw(old, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(old);
    }
    return DUET_OK;
}

void duet_outdir_destroy(duet_outdir_t *d)
{
    if (!d) return;
    if (!d->committed && d->tmp) {
        for (int i = d->n_files - 1; i >= 0; i--) duet_cleanup_remove(d->file_handles[i]);
        /* Files a library wrote without registering them are removed too:
         * the temporary folder is ours alone. */
        nftw(d->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        duet_cleanup_release(d->handle);
    }
    for (int i = 0; i < d->n_files; i++) free(d->files[i]);
    free(d->files);
    free(d->file_handles);
    free(d->path);
    free(d->tmp);
    free(d);
}
