/*
 * common.c -- the shared parts of duet's figures (plot_internal.h): a table
 * reader that finds columns by header name in plain, gzip or bgzip files
 * (htslib BGZF), number and -log10 p parsing with missing values, axes,
 * ticks and titles.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duet/log.h"
#include "plot_internal.h"

void duet_plot_opts_init(duet_plot_opts_t *o, duet_plot_kind_t kind)
{
    memset(o, 0, sizeof *o);
    o->n_labels = 10;
    o->genome_wide = 5e-8;
    o->suggestive = 1e-5;
    o->thin = 1e-3;
    o->alpha = 0.05;
    switch (kind) {
    case DUET_PLOT_MANHATTAN: o->width = 1200; o->height = 500; break;
    case DUET_PLOT_QQ: o->width = 520; o->height = 520; break;
    case DUET_PLOT_PHEWAS: o->width = 1200; o->height = 600; break;
    }
}

const char *plot_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Split t->line into t->f; returns the number of fields or -1 (OOM). */
static int split(plot_table_t *t)
{
    char *s = t->line.s;
    int n = 0;
    for (;;) {
        if (t->delim == ' ')
            while (*s == ' ') s++;
        if (t->delim == ' ' && !*s) break;
        if (n == t->m_f) {
            int m = t->m_f ? 2 * t->m_f : 32;
            char **f = realloc(t->f, (size_t)m * sizeof *f);
            if (!f) return -1;
            t->f = f;
            t->m_f = m;
        }
        t->f[n++] = s;
        char *e = s;
        while (*e && *e != t->delim) e++;
        if (!*e) break;
        *e = 0;
        s = e + 1;
    }
    t->n_f = n;
    return n;
}

static int read_line(plot_table_t *t, duet_err_t *err)
{
    int r = bgzf_getline(t->fp, '\n', &t->line);
    if (r == -1) return 0;
    if (r < -1) {
        duet_log_error("%s: read error after line %lld", t->path, (long long)t->lineno);
        *err = DUET_EREAD;
        return -1;
    }
    t->lineno++;
    while (t->line.l > 0 && t->line.s[t->line.l - 1] == '\r') t->line.s[--t->line.l] = 0;
    return 1;
}

/* Read lines up to and including the header. */
static duet_err_t read_header(plot_table_t *t, int store)
{
    duet_err_t err = DUET_OK;
    for (;;) {
        int r = read_line(t, &err);
        if (r < 0) return err;
        if (r == 0) {
            duet_log_error("%s: no header line", t->path);
            return DUET_EFORMAT;
        }
        if (!strncmp(t->line.s, "##", 2) || t->line.l == 0) continue;
        break;
    }
    if (!store) return DUET_OK;
    t->delim = strchr(t->line.s, '\t') ? '\t' : ' ';
    t->header = strdup(t->line.s);
    if (!t->header) return duet_log_oom(t->line.l);
    char *save = t->line.s;
    t->line.s = t->header;
    int n = split(t);
    t->line.s = save;
    if (n < 0) return duet_log_oom(64);
    t->hdr = malloc((size_t)(n ? n : 1) * sizeof *t->hdr);
    if (!t->hdr) return duet_log_oom((size_t)n * sizeof *t->hdr);
    memcpy(t->hdr, t->f, (size_t)n * sizeof *t->hdr);
    t->n_hdr = n;
    return DUET_OK;
}

duet_err_t plot_table_open(const char *path, plot_table_t *t)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    errno = 0;
    t->fp = bgzf_open(path, "r");
    if (!t->fp) {
        duet_log_error("%s: cannot open: %s", path, errno ? strerror(errno) : "unknown error");
        return DUET_EREAD;
    }
    duet_err_t err = read_header(t, 1);
    if (err) plot_table_close(t);
    return err;
}

void plot_table_close(plot_table_t *t)
{
    if (t->fp) bgzf_close(t->fp);
    free(t->line.s);
    free(t->header);
    free(t->hdr);
    free(t->f);
    memset(t, 0, sizeof *t);
}

duet_err_t plot_table_rewind(plot_table_t *t)
{
    if (t->fp) bgzf_close(t->fp);
    t->fp = bgzf_open(t->path, "r");
    t->lineno = 0;
    if (!t->fp) {
        duet_log_error("%s: cannot reopen: %s", t->path, strerror(errno));
        return DUET_EREAD;
    }
    return read_header(t, 0);
}

int plot_table_col(const plot_table_t *t, const char *const *names)
{
    for (const char *const *nm = names; *nm; nm++)
        for (int i = 0; i < t->n_hdr; i++) {
            const char *h = t->hdr[i];
            if (*h == '#') h++;
            const char *want = **nm == '#' ? *nm + 1 : *nm;
            if (!strcasecmp(h, want)) return i;
        }
    return -1;
}

int plot_table_next(plot_table_t *t, duet_err_t *err)
{
    for (;;) {
        int r = read_line(t, err);
        if (r <= 0) return r;
        if (t->line.l == 0) continue;
        if (split(t) < 0) {
            *err = duet_log_oom(t->line.l);
            return -1;
        }
        if (t->n_f != t->n_hdr) {
            duet_log_error("%s:%lld: %d fields, the header has %d", t->path,
                           (long long)t->lineno, t->n_f, t->n_hdr);
            *err = DUET_EFORMAT;
            return -1;
        }
        return 1;
    }
}

int plot_parse_double(const char *s, double *v)
{
    if (!*s || !strcmp(s, "#NA") || !strcasecmp(s, "NA") || !strcasecmp(s, "nan") ||
        !strcmp(s, "."))
        return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end) return -1;
    if (isnan(x)) return 0;
    *v = x;
    return 1;
}

duet_err_t plot_bad_value(const plot_table_t *t, int col, const char *what)
{
    duet_log_error("%s:%lld:%d: %s '%s' in column %s is not %s", t->path,
                   (long long)t->lineno, col + 1, "value", t->f[col],
                   t->hdr[col], what);
    return DUET_EFORMAT;
}

duet_err_t plot_find_pcol(const plot_table_t *t, plot_pcol_t *pc)
{
    static const char *const mlp_names[] = { "neg_log_10_p_value", "LOG10P", NULL };
    static const char *const p_names[] = { "p_value", "P", NULL };
    pc->mlp = plot_table_col(t, mlp_names);
    pc->p = plot_table_col(t, p_names);
    if (pc->mlp < 0 && pc->p < 0) {
        duet_log_error("%s: no p-value column (looked for neg_log_10_p_value, "
                       "LOG10P, p_value, P)", t->path);
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

int plot_row_mlp(plot_table_t *t, const plot_pcol_t *pc, double *mlp, duet_err_t *err)
{
    double v;
    int col = pc->mlp >= 0 ? pc->mlp : pc->p;
    int r = plot_parse_double(t->f[col], &v);
    if (r == 0) return 0;
    if (r < 0) {
        *err = plot_bad_value(t, col, "a number");
        return -1;
    }
    if (pc->mlp >= 0) {
        if (v < 0 || isinf(v)) {
            *err = plot_bad_value(t, col, "a -log10 p-value (0 or more)");
            return -1;
        }
        *mlp = v;
        return 1;
    }
    if (v < 0 || v > 1) {
        *err = plot_bad_value(t, col, "a p-value in [0, 1]");
        return -1;
    }
    *mlp = v > 0 ? -log10(v) : -log10(DBL_TRUE_MIN);
    if (*mlp == 0) *mlp = 0; /* no -0 */
    return 1;
}

double plot_px(const plot_panel_t *p, double x)
{
    double span = p->xmax - p->xmin;
    return p->left + (span > 0 ? (x - p->xmin) / span : 0.5) * p->width;
}

double plot_py(const plot_panel_t *p, double y)
{
    double span = p->ymax - p->ymin;
    return p->top + p->height - (span > 0 ? (y - p->ymin) / span : 0.5) * p->height;
}

double plot_nice_step(double range, int n)
{
    if (!(range > 0)) return 1;
    double raw = range / (n > 0 ? n : 5);
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double nice = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
    return nice * mag;
}

static void tick_label(char *buf, size_t n, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buf, n, "%.*f", dec, v);
}

void plot_y_axis(duet_svg_t *svg, const plot_panel_t *p, double step,
                 const char *title)
{
    duet_svg_printf(svg, "<g id=\"y-axis\" stroke=\"#333333\">\n");
    duet_svg_line(svg, p->left, p->top, p->left, p->top + p->height, NULL);
    duet_svg_printf(svg, "</g>\n<g id=\"y-ticks\" font-size=\"11\" text-anchor=\"end\">\n");
    for (int i = 0;; i++) {
        double v = ceil(p->ymin / step - 1e-9) * step + i * step;
        if (v > p->ymax + 1e-9 * step) break;
        double y = plot_py(p, v);
        char buf[32];
        tick_label(buf, sizeof buf, v, step);
        duet_svg_printf(svg, "<g class=\"ytick\">");
        duet_svg_line(svg, p->left - 5, y, p->left, y, "stroke=\"#333333\"");
        duet_svg_text(svg, p->left - 8, y + 4, NULL, buf);
        duet_svg_printf(svg, "</g>\n");
    }
    duet_svg_printf(svg, "</g>\n");
    double cx = p->left - 42, cy = p->top + p->height / 2;
    duet_svg_printf(svg, "<text id=\"y-title\" x=\"");
    duet_svg_num(svg, cx, 1);
    duet_svg_printf(svg, "\" y=\"");
    duet_svg_num(svg, cy, 1);
    duet_svg_printf(svg, "\" text-anchor=\"middle\" transform=\"rotate(-90 ");
    duet_svg_num(svg, cx, 1);
    duet_svg_printf(svg, " ");
    duet_svg_num(svg, cy, 1);
    duet_svg_printf(svg, ")\">");
    duet_svg_escape(svg, title);
    duet_svg_printf(svg, "</text>\n");
}

void plot_x_axis(duet_svg_t *svg, const plot_panel_t *p, double step,
                 const char *title)
{
    double y0 = p->top + p->height;
    duet_svg_printf(svg, "<g id=\"x-axis\" stroke=\"#333333\">\n");
    duet_svg_line(svg, p->left, y0, p->left + p->width, y0, NULL);
    duet_svg_printf(svg, "</g>\n<g id=\"x-ticks\" font-size=\"11\" text-anchor=\"middle\">\n");
    for (int i = 0;; i++) {
        double v = ceil(p->xmin / step - 1e-9) * step + i * step;
        if (v > p->xmax + 1e-9 * step) break;
        double x = plot_px(p, v);
        char buf[32];
        tick_label(buf, sizeof buf, v, step);
        duet_svg_printf(svg, "<g class=\"xtick\">");
        duet_svg_line(svg, x, y0, x, y0 + 5, "stroke=\"#333333\"");
        duet_svg_text(svg, x, y0 + 18, NULL, buf);
        duet_svg_printf(svg, "</g>\n");
    }
    duet_svg_printf(svg, "</g>\n");
    duet_svg_text(svg, p->left + p->width / 2, y0 + 38,
                  "id=\"x-title\" text-anchor=\"middle\"", title);
}

void plot_title(duet_svg_t *svg, int width, const char *title)
{
    duet_svg_text(svg, width / 2.0, 24, "id=\"title\" text-anchor=\"middle\" font-size=\"15\"",
                  title);
}
