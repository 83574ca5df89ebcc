/*
 * progress.c -- a one-line progress meter on a terminal's stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "duet/log.h"
#include "duet/progress.h"

struct duet_progress_t {
    const char *what;
    uint64_t total;
    double start, last;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

duet_progress_t *duet_progress_create(const char *what, uint64_t total)
{
    if (duet_log_quiet() || !isatty(STDERR_FILENO)) return NULL;
    duet_progress_t *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->what = what;
    p->total = total;
    p->start = p->last = now_seconds();
    return p;
}

void duet_progress_update(duet_progress_t *p, uint64_t done)
{
    if (!p) return;
    double t = now_seconds();
    if (t - p->last < 0.25) return;
    p->last = t;
    double rate = done / (t - p->start > 0 ? t - p->start : 1);
    if (p->total)
        fprintf(stderr, "\r\033[Kduet %s: %llu/%llu %s (%.0f%%, %.0f/s)", duet_log_command(),
                (unsigned long long)done, (unsigned long long)p->total, p->what,
                100.0 * done / p->total, rate);
    else
        fprintf(stderr, "\r\033[Kduet %s: %llu %s (%.0f/s)", duet_log_command(),
                (unsigned long long)done, p->what, rate);
}

void duet_progress_destroy(duet_progress_t *p)
{
    if (!p) return;
    fprintf(stderr, "\r\033[K");
    free(p);
}
