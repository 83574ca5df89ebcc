/*
 * err.h -- duet's error codes, which are also its process exit codes.
 *
 * Every fallible function returns a duet_err_t (0 = success) and reports the
 * error once, where it is found, through duet_log_error(); callers only pass
 * the code up.  Only src/main.c turns it into the process exit status.
 */
#ifndef DUET_ERR_H
#define DUET_ERR_H

#if defined(__GNUC__)
#define DUET_WUR __attribute__((warn_unused_result))
#define DUET_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DUET_WUR
#define DUET_PRINTF(a, b)
#endif

typedef enum {
    DUET_OK = 0,
    DUET_EINTERNAL = 1,   /* a bug: an invariant did not hold */
    DUET_EUSAGE = 2,      /* bad command line */
    DUET_EREAD = 3,       /* an input cannot be opened or read */
    DUET_EFORMAT = 4,     /* an input is malformed */
    DUET_EMISMATCH = 5,   /* inputs disagree (IDs, schema version) */
    DUET_EDEGENERATE = 6, /* no samples left, singular design, no cases */
    DUET_EWRITE = 7,      /* an output cannot be written */
    DUET_ENOMEM = 8,      /* out of memory */
    DUET_EINTR = 130,     /* interrupted by SIGINT */
    DUET_ETERM = 143      /* terminated by SIGTERM */
} duet_err_t;

/* A short English name for an error code ("malformed input"); never NULL. */
const char *duet_err_str(duet_err_t err);

#endif
