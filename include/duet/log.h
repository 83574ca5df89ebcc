/*
 * log.h -- messages on stderr, always prefixed "duet <command>: ".
 *
 * stdout carries data only (when an output is "-"); everything a person reads
 * goes to stderr through these functions.  Errors and warnings are always
 * printed; informational lines are silenced by --quiet.
 */
#ifndef DUET_LOG_H
#define DUET_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include "duet/err.h"

/* Set the command name used in the prefix ("gwas", "store import").  The
 * string is copied.  Before any call the prefix is plain "duet: ". */
void duet_log_set_command(const char *command);

/* The current command name ("" before duet_log_set_command). */
const char *duet_log_command(void);

/* 1 silences duet_log_info(); errors and warnings still print. */
void duet_log_set_quiet(int quiet);
int duet_log_quiet(void);

/* "duet <cmd>: error: ..." */
void duet_log_error(const char *fmt, ...) DUET_PRINTF(1, 2);
/* "duet <cmd>: warning: ..." */
void duet_log_warn(const char *fmt, ...) DUET_PRINTF(1, 2);
/* "duet <cmd>: ..." unless quiet */
void duet_log_info(const char *fmt, ...) DUET_PRINTF(1, 2);

/* Report an allocation failure of `bytes` bytes and return DUET_ENOMEM, so
 * that callers can write `return duet_log_oom(n);`. */
duet_err_t duet_log_oom(size_t bytes);

/* malloc/calloc/realloc that report failure through duet_log_oom() and
 * return NULL; the caller returns DUET_ENOMEM. */
void *duet_malloc(size_t bytes);
void *duet_calloc(size_t count, size_t size);
void *duet_realloc(void *ptr, size_t bytes);

#endif
