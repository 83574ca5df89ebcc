/*
 * text.h -- text built in memory (a log summary, a YAML sidecar) before it
 * is written: an htslib kstring with a sticky out-of-memory flag.  An append
 * that cannot allocate sets `oom` and it stays set, so that a later, shorter
 * append that succeeds cannot leave a text with a hole in it; the flag is
 * checked once, when the text is written or used.
 */
#ifndef DUET_TEXT_H
#define DUET_TEXT_H

#include <htslib/kstring.h>
#include "duet/err.h"
#include "duet/out.h"

typedef struct {
    kstring_t ks;   /* ks.s is NULL until the first append */
    int oom;
} duet_text_t;

#define DUET_TEXT_INIT { { 0, 0, NULL }, 0 }

void duet_text_puts(duet_text_t *t, const char *s);
void duet_text_putc(duet_text_t *t, int c);
void duet_text_printf(duet_text_t *t, const char *fmt, ...) DUET_PRINTF(2, 3);

/* The text, or NULL (after reporting the failure) if an append failed;
 * "" for an empty text. */
const char *duet_text_str(duet_text_t *t);

/* Write the text to `out`: DUET_ENOMEM (reported) if an append failed,
 * else duet_out_write()'s result.  The text is kept. */
duet_err_t duet_text_write(duet_text_t *t, duet_out_t *out) DUET_WUR;

void duet_text_free(duet_text_t *t);

#endif
