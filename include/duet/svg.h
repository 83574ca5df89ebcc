/*
 * svg.h -- a small SVG 1.1 writer for duet's figures: an in-memory document
 * built element by element with fixed number formats (so the same data give
 * the same bytes), XML-escaped text (invalid UTF-8 and control characters
 * replaced), and an atomic write through out.h.
 *
 * A document is a growable buffer; drawing calls never fail individually:
 * an allocation failure is remembered and reported by duet_svg_write().
 * Several buffers can be built separately (one per group of points, for
 * example) and appended in a fixed order with duet_svg_append().
 */
#ifndef DUET_SVG_H
#define DUET_SVG_H

#include <stddef.h>
#include "duet/err.h"
#include "duet/out.h"

typedef struct {
    char *s;      /* the document so far, NUL-terminated */
    size_t l, m;  /* used and allocated bytes */
    int oom;      /* an allocation failed */
} duet_svg_t;

/* An empty buffer (no allocation yet). */
void duet_svg_init(duet_svg_t *svg);
void duet_svg_free(duet_svg_t *svg);

/* The XML declaration and the <svg> root of `width` x `height` pixels, a
 * white background, a <title> (escaped) and, if `provenance` is not NULL,
 * a <metadata> element holding it (escaped). */
void duet_svg_begin(duet_svg_t *svg, int width, int height, const char *title,
                    const char *provenance);
/* Close the root element. */
void duet_svg_end(duet_svg_t *svg);

/* Append raw markup (printf-style); the caller escapes any text in it. */
void duet_svg_printf(duet_svg_t *svg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append `s` escaped for XML text or attribute values. */
void duet_svg_escape(duet_svg_t *svg, const char *s);
/* Append a number with `decimals` decimals ("-0.0" printed as "0.0";
 * NaN/infinity as 0). */
void duet_svg_num(duet_svg_t *svg, double v, int decimals);
/* Append another buffer. */
void duet_svg_append(duet_svg_t *svg, const duet_svg_t *other);

/* <line x1 y1 x2 y2 attrs/>; coordinates with 2 decimals; `attrs` is raw
 * markup (may be NULL or ""). */
void duet_svg_line(duet_svg_t *svg, double x1, double y1, double x2, double y2,
                   const char *attrs);
/* <circle cx cy r/> with 1-decimal coordinates. */
void duet_svg_circle(duet_svg_t *svg, double cx, double cy, double r,
                     const char *attrs);
/* <text x y attrs>escaped text</text> with 1-decimal coordinates. */
void duet_svg_text(duet_svg_t *svg, double x, double y, const char *attrs,
                   const char *text);

/* Write the document to `out` (from duet_out_create) and commit it
 * (temporary name, fsync, rename).  Returns DUET_ENOMEM if any earlier
 * call ran out of memory (reported here), DUET_EWRITE on write failure
 * (reported).  The caller still destroys `out`. */
duet_err_t duet_svg_write(const duet_svg_t *svg, duet_out_t *out) DUET_WUR;

#endif
