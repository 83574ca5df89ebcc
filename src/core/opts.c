/*
 * opts.c -- the common options (-o, --threads, --memory, --seed, --quiet,
 * --no-version, --force, -h), number parsing with clear messages, and the
 * remembered command line used in provenance lines.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "duet/log.h"
#include "duet/opts.h"

void openblas_set_num_threads(int num_threads);

void duet_opts_init(duet_common_t *c)
{
    memset(c, 0, sizeof *c);
    c->threads = 1;
    c->seed = 1;
}

int duet_opts_common(duet_common_t *c, int opt, const char *arg)
{
    long v;
    switch (opt) {
    case 'o':
        if (!arg || !*arg) {
            duet_log_error("-o/--out needs a non-empty value");
            return DUET_EUSAGE;
        }
        c->out = arg;
        return DUET_OK;
    case 'h':
        c->help = 1;
        return DUET_OK;
    case DUET_OPT_THREADS:
        if (duet_opts_parse_long("--threads", arg, 1, 1024, &v)) return DUET_EUSAGE;
        c->threads = (int)v;
        return DUET_OK;
    case DUET_OPT_MEMORY:
        if (duet_opts_parse_long("--memory", arg, 1, 1L << 40, &v)) return DUET_EUSAGE;
        c->memory_mb = v;
        return DUET_OK;
    case DUET_OPT_SEED:
        return duet_opts_parse_u64("--seed", arg, &c->seed) ? DUET_EUSAGE : DUET_OK;
    case DUET_OPT_QUIET:
        c->quiet = 1;
        duet_log_set_quiet(1);
        return DUET_OK;
    case DUET_OPT_NO_VERSION:
        c->no_version = 1;
        return DUET_OK;
    case DUET_OPT_FORCE:
        c->force = 1;
        return DUET_OK;
    }
    return -1;
}

void duet_opts_apply(const duet_common_t *c)
{
    duet_log_set_quiet(c->quiet);
#ifdef _OPENMP
    omp_set_num_threads(c->threads);
#endif
    /* BLAS calls made inside OpenMP regions must not start threads of their
     * own; a command that runs one large GEMM outside a region may raise
     * this for that call. */
    openblas_set_num_threads(1);
}

void duet_opts_usage_common(FILE *fp, unsigned which, const char *out_meta)
{
    fprintf(fp, "Common options:\n");
    if (which & DUET_USE_OUT)
        fprintf(fp, "    -o, --out %-16s output %s\n", out_meta,
                strcmp(out_meta, "DIR") == 0 ? "folder" :
                strcmp(out_meta, "FILE") == 0 ? "file ('-' for stdout)" :
                "prefix of the output files");
    if (which & DUET_USE_THREADS)
        fprintf(fp, "        --threads INT          total threads [1]\n");
    if (which & DUET_USE_MEMORY)
        fprintf(fp, "        --memory MB            memory budget in megabytes [no limit]\n");
    if (which & DUET_USE_SEED)
        fprintf(fp, "        --seed INT             random seed [1]\n");
    if (which & DUET_USE_QUIET)
        fprintf(fp, "        --quiet                print errors and warnings only\n");
    if (which & DUET_USE_NO_VERSION)
        fprintf(fp, "        --no-version           omit version and command-line provenance lines\n");
    if (which & DUET_USE_FORCE)
        fprintf(fp, "        --force                overwrite existing outputs\n");
    fprintf(fp, "    -h, --help                 print this help and exit\n");
}

duet_err_t duet_opts_parse_long(const char *name, const char *arg, long min,
                                long max, long *value)
{
    char *end = NULL;
    errno = 0;
    long v = arg ? strtol(arg, &end, 10) : 0;
    if (!arg || !*arg || *end || errno) {
        duet_log_error("%s expects an integer, got '%s'", name, arg ? arg : "");
        return DUET_EUSAGE;
    }
    if (v < min || v > max) {
        duet_log_error("%s must be between %ld and %ld, got %ld", name, min, max, v);
        return DUET_EUSAGE;
    }
    *value = v;
    return DUET_OK;
}

duet_err_t duet_opts_parse_u64(const char *name, const char *arg, uint64_t *value)
{
    char *end = NULL;
    errno = 0;
    if (!arg || !*arg || *arg == '-') {
        duet_log_error("%s expects a non-negative integer, got '%s'", name, arg ? arg : "");
        return DUET_EUSAGE;
    }
    unsigned long long v = strtoull(arg, &end, 10);
    if (*end || errno) {
        duet_log_error("%s expects a non-negative integer, got '%s'", name, arg);
        return DUET_EUSAGE;
    }
    *value = (uint64_t)v;
    return DUET_OK;
}

duet_err_t duet_opts_parse_double(const char *name, const char *arg, double min,
                                  double max, double *value)
{
    char *end = NULL;
    errno = 0;
    double v = arg ? strtod(arg, &end) : 0;
    if (!arg || !*arg || *end || errno || !isfinite(v)) {
        duet_log_error("%s expects a number, got '%s'", name, arg ? arg : "");
        return DUET_EUSAGE;
    }
    if (v < min || v > max) {
        duet_log_error("%s must be between %g and %g, got %g", name, min, max, v);
        return DUET_EUSAGE;
    }
    *value = v;
    return DUET_OK;
}

duet_err_t duet_opts_bad(const char *command)
{
    fprintf(stderr, "Try 'duet %s -h' for the list of options.\n", command);
    return DUET_EUSAGE;
}

static char *opts_cmdline;

static int needs_quotes(const char *s)
{
    if (!*s) return 1;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_-+=/.,:@%", *s))
            return 1;
    return 0;
}

void duet_opts_set_cmdline(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3;
    free(opts_cmdline);
    opts_cmdline = malloc(len);
    if (!opts_cmdline) return;
    char *p = opts_cmdline;
    for (int i = 0; i < argc; i++) {
        const char *a = i == 0 ? "duet" : argv[i];
        if (i) *p++ = ' ';
        if (!needs_quotes(a)) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (; *a; a++) {
            if (*a == '\'') { memcpy(p, "'\\''", 4); p += 4; }
            else *p++ = *a;
        }
        *p++ = '\'';
    }
    *p = 0;
}

const char *duet_opts_cmdline(void) { return opts_cmdline ? opts_cmdline : "duet"; }

char **duet_list_split(const char *s, int *n_out)
{
    int n = 1;
    for (const char *p = s; *p; p++) n += *p == ',';
    char **v = duet_calloc((size_t)n + 1, sizeof *v);
    if (!v) return NULL;
    int k = 0;
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (len > 0) {
            v[k] = strndup(p, len);
            if (!v[k]) {
                for (int i = 0; i < k; i++) free(v[i]);
                free(v);
                return NULL;
            }
            k++;
        }
        if (!p[len]) break;
        p += len + 1;
    }
    *n_out = k;
    return v;
}

void duet_list_free(char **v, int n)
{
    if (!v) return;
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* A file-name-safe version of a trait name. */
