/*
 * text.c -- in-memory text with a sticky out-of-memory flag (text.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/text.h"

void duet_text_puts(duet_text_t *t, const char *s)
{
    if (kputs(s, &t->ks) < 0) t->oom = 1;
}

void duet_text_putc(duet_text_t *t, int c)
{
    if (kputc(c, &t->ks) < 0) t->oom = 1;
}

void duet_text_printf(duet_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (kvsprintf(&t->ks, fmt, ap) < 0) t->oom = 1;
    va_end(ap);
}

const char *duet_text_str(duet_text_t *t)
{
    if (t->oom) {
        (void)duet_log_oom(t->ks.m + 64);
        return NULL;
    }
    return t->ks.s ? t->ks.s : "";
}

duet_err_t duet_text_write(duet_text_t *t, duet_out_t *out)
{
    const char *s = duet_text_str(t);
    if (!s) return DUET_ENOMEM;
    return duet_out_write(out, s, t->ks.l);
}

void duet_text_free(duet_text_t *t)
{
    free(t->ks.s);
    memset(t, 0, sizeof *t);
}
