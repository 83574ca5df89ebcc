/*
 * shim.c -- fault injection for the test suite (tests/cli/fault.sh), loaded
 * with LD_PRELOAD: makes the k-th and every later call of one operation
 * fail, as a full disk, a failing device or exhausted memory would.
 *
 *   DUET_FAULT_OP      write | fsync | rename | malloc
 *   DUET_FAULT_AT      k >= 1: the first failing call (0 or unset: count only)
 *   DUET_FAULT_REPORT  a file that receives "OP CALLS" at exit: how many
 *                      calls of OP were seen (so a sweep knows its range)
 *   DUET_FAULT_TRAP    set: raise SIGTRAP at the first failing call (for a
 *                      debugger's backtrace of where it happens)
 *
 * What counts as a call:
 *   write   write(), pwrite64(), fwrite() and fflush() on anything but
 *           standard input, output and error (so messages still reach the
 *           test); the failure is ENOSPC, as on a full disk;
 *   fsync   fsync() and fdatasync(): EIO;
 *   rename  rename(): EIO;
 *   malloc  malloc(), calloc() and realloc() called from duet's own code
 *           (the return address in the executable's text), not from the
 *           libraries, whose handling of allocation failure is theirs:
 *           NULL with ENOMEM.
 *
 * No tmpfs can be mounted in the tests, so ENOSPC from this shim stands in
 * for a full disk.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

enum { OP_NONE, OP_WRITE, OP_FSYNC, OP_RENAME, OP_MALLOC };

static int op = -1;          /* -1: not read yet */
static long fail_at;         /* 0: count only */
static long calls;           /* qualifying calls so far */
static uintptr_t exe_lo, exe_hi;

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    if (info->dlpi_name && info->dlpi_name[0]) return 0; /* the executable has "" */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (!exe_lo || lo < exe_lo) exe_lo = lo;
        if (hi > exe_hi) exe_hi = hi;
    }
    return 1;
}

static void report(void)
{
    const char *path = getenv("DUET_FAULT_REPORT");
    if (!path) return;
    FILE *fp = fopen(path, "w");
    if (!fp) return;
    static const char *const names[] = { "none", "write", "fsync", "rename", "malloc" };
    fprintf(fp, "%s %ld\n", names[op > 0 ? op : 0], calls);
    fclose(fp);
}

static void setup(void)
{
    op = OP_NONE; /* calls made while setting up (atexit may allocate) pass */
    const char *s = getenv("DUET_FAULT_OP");
    int o = OP_NONE;
    if (s && !strcmp(s, "write")) o = OP_WRITE;
    else if (s && !strcmp(s, "fsync")) o = OP_FSYNC;
    else if (s && !strcmp(s, "rename")) o = OP_RENAME;
    else if (s && !strcmp(s, "malloc")) o = OP_MALLOC;
    const char *at = getenv("DUET_FAULT_AT");
    fail_at = at ? atol(at) : 0;
    if (o == OP_MALLOC) dl_iterate_phdr(find_exe, NULL);
    op = o;
    atexit(report);
}

/* Count a qualifying call of `which`; 1 if it must fail. */
static int hit(int which)
{
    if (op < 0) setup();
    if (op != which) return 0;
    calls++;
    if (fail_at > 0 && calls == fail_at && getenv("DUET_FAULT_TRAP")) raise(SIGTRAP);
    return fail_at > 0 && calls >= fail_at;
}

#define NEXT(ret, name, ...)                                                  \
    static ret (*next)(__VA_ARGS__);                                          \
    if (!next) next = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *buf, size_t n)
{
    NEXT(ssize_t, "write", int, const void *, size_t);
    if (fd > 2 && hit(OP_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return next(fd, buf, n);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    NEXT(ssize_t, "pwrite64", int, const void *, size_t, off_t);
    if (fd > 2 && hit(OP_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return next(fd, buf, n, off);
}

static int std_stream(FILE *fp)
{
    return fp == stdout || fp == stderr || fp == stdin;
}

size_t fwrite(const void *buf, size_t size, size_t n, FILE *fp)
{
    NEXT(size_t, "fwrite", const void *, size_t, size_t, FILE *);
    if (!std_stream(fp) && size && n && hit(OP_WRITE)) {
        errno = ENOSPC;
        return 0;
    }
    return next(buf, size, n, fp);
}

int fflush(FILE *fp)
{
    NEXT(int, "fflush", FILE *);
    if (fp && !std_stream(fp) && hit(OP_WRITE)) {
        errno = ENOSPC;
        return EOF;
    }
    return next(fp);
}

int fsync(int fd)
{
    NEXT(int, "fsync", int);
    if (hit(OP_FSYNC)) {
        errno = EIO;
        return -1;
    }
    return next(fd);
}

int fdatasync(int fd)
{
    NEXT(int, "fdatasync", int);
    if (hit(OP_FSYNC)) {
        errno = EIO;
        return -1;
    }
    return next(fd);
}

int rename(const char *from, const char *to)
{
    NEXT(int, "rename", const char *, const char *);
    if (hit(OP_RENAME)) {
        errno = EIO;
        return -1;
    }
    return next(from, to);
}

/* An allocation from duet's own code (the caller's return address). */
static int own_alloc(void *ra)
{
    if (op != OP_MALLOC) return 0;
    uintptr_t a = (uintptr_t)ra;
    return a >= exe_lo && a < exe_hi && hit(OP_MALLOC);
}

void *malloc(size_t n)
{
    if (op < 0) setup();
    if (own_alloc(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
    if (op < 0) setup();
    if (own_alloc(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    if (op < 0) setup();
    if (own_alloc(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}
