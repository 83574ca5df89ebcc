/*
 * svg.c -- the SVG writer of svg.h: a growable buffer with fixed number
 * formats, XML escaping that always yields well-formed output (invalid
 * UTF-8 and control characters become '?'), and an atomic write.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/out.h"
#include "duet/svg.h"

void duet_svg_init(duet_svg_t *svg)
{
    memset(svg, 0, sizeof *svg);
}

void duet_svg_free(duet_svg_t *svg)
{
    free(svg->s);
    memset(svg, 0, sizeof *svg);
}

static int reserve(duet_svg_t *svg, size_t extra)
{
    if (svg->oom) return -1;
    if (svg->l + extra + 1 <= svg->m) return 0;
    size_t m = svg->m ? svg->m : 4096;
    while (m < svg->l + extra + 1) m *= 2;
    char *s = realloc(svg->s, m);
    if (!s) {
        svg->oom = 1;
        return -1;
    }
    svg->s = s;
    svg->m = m;
    return 0;
}

static void put(duet_svg_t *svg, const char *s, size_t n)
{
    if (reserve(svg, n)) return;
    memcpy(svg->s + svg->l, s, n);
    svg->l += n;
    svg->s[svg->l] = 0;
}

void duet_svg_printf(duet_svg_t *svg, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof buf) {
        put(svg, buf, (size_t)n);
        return;
    }
    if (reserve(svg, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(svg->s + svg->l, (size_t)n + 1, fmt, ap);
    va_end(ap);
    svg->l += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    int n;
    unsigned min;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; c &= 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; c &= 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; c &= 0x07; }
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
        c == 0xfffe || c == 0xffff)
        return 0;
    return n;
}

void duet_svg_escape(duet_svg_t *svg, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        switch (*s) {
        case '&': put(svg, "&amp;", 5); s++; continue;
        case '<': put(svg, "&lt;", 4); s++; continue;
        case '>': put(svg, "&gt;", 4); s++; continue;
        case '"': put(svg, "&quot;", 6); s++; continue;
        case '\'': put(svg, "&apos;", 6); s++; continue;
        case '\t': case '\n': put(svg, " ", 1); s++; continue;
        }
        if (*s < 0x20 || *s == 0x7f) {
            put(svg, "?", 1);
            s++;
            continue;
        }
        int n = utf8_len(s);
        if (n == 0) {
            put(svg, "?", 1);
            s++;
        } else {
            put(svg, (const char *)s, (size_t)n);
            s += n;
        }
    }
}

void duet_svg_num(duet_svg_t *svg, double v, int decimals)
{
    char buf[64];
    if (!isfinite(v)) v = 0;
    int n = snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)(n - 1)) {
        memmove(buf, buf + 1, (size_t)n);
        n--;
    }
    put(svg, buf, (size_t)n);
}

void duet_svg_append(duet_svg_t *svg, const duet_svg_t *other)
{
    if (other->oom) svg->oom = 1;
    if (other->l) put(svg, other->s, other->l);
}

void duet_svg_begin(duet_svg_t *svg, int width, int height, const char *title,
                    const char *provenance)
{
    duet_svg_printf(svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
        "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
        "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
        width, height, width, height);
    duet_svg_printf(svg, "<title>");
    duet_svg_escape(svg, title);
    duet_svg_printf(svg, "</title>\n");
    if (provenance) {
        duet_svg_printf(svg, "<metadata>");
        duet_svg_escape(svg, provenance);
        duet_svg_printf(svg, "</metadata>\n");
    }
    duet_svg_printf(svg, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                    width, height);
}

void duet_svg_end(duet_svg_t *svg)
{
    duet_svg_printf(svg, "</svg>\n");
}

void duet_svg_line(duet_svg_t *svg, double x1, double y1, double x2, double y2,
                   const char *attrs)
{
    put(svg, "<line x1=\"", 10);
    duet_svg_num(svg, x1, 2);
    put(svg, "\" y1=\"", 6);
    duet_svg_num(svg, y1, 2);
    put(svg, "\" x2=\"", 6);
    duet_svg_num(svg, x2, 2);
    put(svg, "\" y2=\"", 6);
    duet_svg_num(svg, y2, 2);
    put(svg, "\"", 1);
    if (attrs && *attrs) {
        put(svg, " ", 1);
        put(svg, attrs, strlen(attrs));
    }
    put(svg, "/>\n", 3);
}

void duet_svg_circle(duet_svg_t *svg, double cx, double cy, double r,
                     const char *attrs)
{
    put(svg, "<circle cx=\"", 12);
    duet_svg_num(svg, cx, 1);
    put(svg, "\" cy=\"", 6);
    duet_svg_num(svg, cy, 1);
    put(svg, "\" r=\"", 5);
    duet_svg_num(svg, r, 1);
    put(svg, "\"", 1);
    if (attrs && *attrs) {
        put(svg, " ", 1);
        put(svg, attrs, strlen(attrs));
    }
    put(svg, "/>\n", 3);
}

void duet_svg_text(duet_svg_t *svg, double x, double y, const char *attrs,
                   const char *text)
{
    put(svg, "<text x=\"", 9);
    duet_svg_num(svg, x, 1);
    put(svg, "\" y=\"", 5);
    duet_svg_num(svg, y, 1);
    put(svg, "\"", 1);
    if (attrs && *attrs) {
        put(svg, " ", 1);
        put(svg, attrs, strlen(attrs));
    }
    put(svg, ">", 1);
    duet_svg_escape(svg, text);
    put(svg, "</text>\n", 8);
}

duet_err_t duet_svg_write(const duet_svg_t *svg, duet_out_t *out)
{
    if (svg->oom) return duet_log_oom(svg->m * 2);
    duet_err_t err = duet_out_write(out, svg->s ? svg->s : "", svg->l);
    if (!err) err = duet_out_commit(out, NULL);
    return err;
}
