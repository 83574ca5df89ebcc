/*
 * progress.h -- a progress meter on stderr, shown only on a terminal.
 *
 * When stderr is not a terminal, or --quiet is set, every call is a no-op:
 * logs never contain carriage returns.  Updates are rate-limited (at most a
 * few per second) and safe to call from one thread only.
 */
#ifndef DUET_PROGRESS_H
#define DUET_PROGRESS_H

#include <stdint.h>

typedef struct duet_progress_t duet_progress_t;

/* `what` names the unit ("variants"); `total` 0 means unknown.  Returns NULL
 * (meaning: nothing to show) when stderr is not a terminal or on OOM. */
duet_progress_t *duet_progress_create(const char *what, uint64_t total);
/* Set the number of units done so far. */
void duet_progress_update(duet_progress_t *p, uint64_t done);
/* Erase the meter line and free it; NULL accepted. */
void duet_progress_destroy(duet_progress_t *p);

#endif
