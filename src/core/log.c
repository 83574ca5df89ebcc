/*
 * log.c -- stderr messages with the "duet <command>: " prefix, error names,
 * and allocation wrappers that report failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"

static char log_command[64];
static int log_quiet;

const char *duet_err_str(duet_err_t err)
{
    switch (err) {
    case DUET_OK: return "success";
    case DUET_EINTERNAL: return "internal error";
    case DUET_EUSAGE: return "usage error";
    case DUET_EREAD: return "cannot read input";
    case DUET_EFORMAT: return "malformed input";
    case DUET_EMISMATCH: return "inconsistent inputs";
    case DUET_EDEGENERATE: return "degenerate data";
    case DUET_EWRITE: return "write failure";
    case DUET_ENOMEM: return "out of memory";
    case DUET_EINTR: return "interrupted";
    case DUET_ETERM: return "terminated";
    }
    return "unknown error";
}

void duet_log_set_command(const char *command)
{
    snprintf(log_command, sizeof log_command, "%s", command ? command : "");
}

const char *duet_log_command(void) { return log_command; }

void duet_log_set_quiet(int quiet) { log_quiet = quiet; }
int duet_log_quiet(void) { return log_quiet; }

static void log_line(const char *level, const char *fmt, va_list ap)
{
    /* One fprintf per piece is fine: stderr is unbuffered, and messages
     * come from the main thread. */
    if (log_command[0])
        fprintf(stderr, "duet %s: %s", log_command, level);
    else
        fprintf(stderr, "duet: %s", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void duet_log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("error: ", fmt, ap);
    va_end(ap);
}

void duet_log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("warning: ", fmt, ap);
    va_end(ap);
}

void duet_log_info(const char *fmt, ...)
{
    if (log_quiet) return;
    va_list ap;
    va_start(ap, fmt);
    log_line("", fmt, ap);
    va_end(ap);
}

duet_err_t duet_log_oom(size_t bytes)
{
    duet_log_error("out of memory (allocating %zu bytes)", bytes);
    return DUET_ENOMEM;
}

void *duet_malloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) (void)duet_log_oom(bytes);
    return p;
}

void *duet_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) (void)duet_log_oom(count * size);
    return p;
}

void *duet_realloc(void *ptr, size_t bytes)
{
    void *p = realloc(ptr, bytes ? bytes : 1);
    if (!p) (void)duet_log_oom(bytes);
    return p;
}
