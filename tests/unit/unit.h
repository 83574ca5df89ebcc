/*
 * unit.h -- a minimal TAP-style harness for tests/unit/test_*.c.
 *
 * Each CHECK prints "ok N - name" or "not ok N - name" (with the file and
 * line and, for CHECK_NEAR, both values); unit_done() returns the exit
 * status.  tests/run.sh counts the lines.
 */
#ifndef DUET_TEST_UNIT_H
#define DUET_TEST_UNIT_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_n, unit_failed;

static inline void unit_report(int ok, const char *file, int line, const char *name)
{
    unit_n++;
    if (ok) {
        printf("ok %d - %s\n", unit_n, name);
    } else {
        unit_failed++;
        printf("not ok %d - %s (%s:%d)\n", unit_n, name, file, line);
    }
    fflush(stdout);
}

#define CHECK(cond, name) unit_report(!!(cond), __FILE__, __LINE__, (name))

#define CHECK_NEAR(got, want, tol, name)                                        \
    do {                                                                        \
        double g_ = (got), w_ = (want);                                         \
        int ok_ = fabs(g_ - w_) <= (tol) || (isnan(g_) && isnan(w_));           \
        unit_report(ok_, __FILE__, __LINE__, (name));                           \
        if (!ok_) printf("#   got %.17g, want %.17g (tol %g)\n", g_, w_, (double)(tol)); \
    } while (0)

#define CHECK_STR(got, want, name)                                              \
    do {                                                                        \
        const char *g_ = (got), *w_ = (want);                                   \
        int ok_ = g_ && w_ && strcmp(g_, w_) == 0;                              \
        unit_report(ok_, __FILE__, __LINE__, (name));                           \
        if (!ok_) printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

static inline int unit_done(void) { return unit_failed ? 1 : 0; }

#endif
