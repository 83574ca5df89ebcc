/*
 * opts.h -- the options every command shares, parsed in one place.
 *
 * A command builds its getopt_long() table from its own options followed by
 * DUET_COMMON_LONGOPTS, passes every option it does not know itself to
 * duet_opts_common(), and prints duet_opts_usage_common() at the end of its
 * usage text.  Spelling and meaning are thus the same in every command:
 *
 *   -o, --out PREFIX   --threads N   --memory MB   --seed N
 *   --quiet            --no-version  --force       -h, --help
 */
#ifndef DUET_OPTS_H
#define DUET_OPTS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include "duet/err.h"

/* getopt values of the common long options without a short letter. */
enum {
    DUET_OPT_THREADS = 0x1000,
    DUET_OPT_MEMORY,
    DUET_OPT_SEED,
    DUET_OPT_QUIET,
    DUET_OPT_NO_VERSION,
    DUET_OPT_FORCE,
    DUET_OPT_FIRST_PRIVATE = 0x1100 /* commands number their own from here */
};

#define DUET_COMMON_LONGOPTS                                        \
    {"out", required_argument, NULL, 'o'},                          \
    {"threads", required_argument, NULL, DUET_OPT_THREADS},         \
    {"memory", required_argument, NULL, DUET_OPT_MEMORY},           \
    {"seed", required_argument, NULL, DUET_OPT_SEED},               \
    {"quiet", no_argument, NULL, DUET_OPT_QUIET},                   \
    {"no-version", no_argument, NULL, DUET_OPT_NO_VERSION},         \
    {"force", no_argument, NULL, DUET_OPT_FORCE},                   \
    {"help", no_argument, NULL, 'h'}

/* Short options of the common set, for the getopt_long() optstring. */
#define DUET_COMMON_SHORTOPTS "o:h"

typedef struct {
    const char *out;     /* -o/--out; NULL if not given */
    int threads;         /* --threads, total threads, >= 1 [1] */
    long memory_mb;      /* --memory in MB, 0 = no limit given [0] */
    uint64_t seed;       /* --seed [1] */
    int quiet;           /* --quiet */
    int no_version;      /* --no-version: omit provenance lines */
    int force;           /* --force: overwrite existing outputs */
    int help;            /* -h/--help was given */
} duet_common_t;

/* Which common options a command documents, for duet_opts_usage_common(). */
enum {
    DUET_USE_OUT = 1 << 0,
    DUET_USE_THREADS = 1 << 1,
    DUET_USE_MEMORY = 1 << 2,
    DUET_USE_SEED = 1 << 3,
    DUET_USE_QUIET = 1 << 4,
    DUET_USE_NO_VERSION = 1 << 5,
    DUET_USE_FORCE = 1 << 6,
    DUET_USE_ALL = 0x7f
};

/* Fill `c` with the defaults listed above. */
void duet_opts_init(duet_common_t *c);

/* Handle one getopt_long() result `opt` with argument `arg`.
 * Returns DUET_OK if `opt` is a common option and its value is valid (and
 * applies --quiet to the log at once), DUET_EUSAGE after printing a message if
 * the value is invalid, and -1 (not an error code) if `opt` is not common. */
int duet_opts_common(duet_common_t *c, int opt, const char *arg);

/* Apply the parsed common options to the process: OpenMP thread count,
 * OpenBLAS single-threaded inside parallel regions, quiet logging. */
void duet_opts_apply(const duet_common_t *c);

/* Print the "Common options:" block for the options in `which` (DUET_USE_*);
 * `out_meta` names -o's argument ("PREFIX", "DIR", "FILE"). */
void duet_opts_usage_common(FILE *fp, unsigned which, const char *out_meta);

/* Parse an integer option value in [min, max]; on failure print
 * "--name: ..." and return DUET_EUSAGE. */
duet_err_t duet_opts_parse_long(const char *name, const char *arg, long min,
                                long max, long *value) DUET_WUR;
/* Parse an unsigned 64-bit value (seeds). */
duet_err_t duet_opts_parse_u64(const char *name, const char *arg,
                               uint64_t *value) DUET_WUR;
/* Parse a finite double in [min, max]. */
duet_err_t duet_opts_parse_double(const char *name, const char *arg,
                                  double min, double max,
                                  double *value) DUET_WUR;

/* Report an unknown option or a missing argument in the style of getopt
 * (which is silenced by a leading ':' in the optstring is NOT required:
 * duet lets getopt print its own message) and return DUET_EUSAGE. */
duet_err_t duet_opts_bad(const char *command);

/* Remember the command line (for provenance headers) and return it as one
 * shell-quoted string owned by the library.  Call once from main(). */
void duet_opts_set_cmdline(int argc, char **argv);
const char *duet_opts_cmdline(void);

/* Split a comma-separated list ("a,b,,c") into a NULL-terminated array of
 * copies of its non-empty items (*n of them; 0 for "" or ","), for the
 * --pheno-name style options.  NULL on allocation failure.  Free with
 * duet_list_free(). */
char **duet_list_split(const char *s, int *n);
void duet_list_free(char **list, int n);

#endif
