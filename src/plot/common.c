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
    case DUET_PLOT_EMBED: o->width = 640; o->height = 560; break;
    }
}

const char *plot_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

duet_err_t plot_find_pcol(const duet_table_t *t, plot_pcol_t *pc)
{
    static const char *const mlp_names[] = { "neg_log_10_p_value", "LOG10P", NULL };
    static const char *const p_names[] = { "p_value", "P", NULL };
    pc->mlp = duet_table_col(t, mlp_names);
    pc->p = duet_table_col(t, p_names);
    if (pc->mlp < 0 && pc->p < 0) {
        duet_log_error("%s: no p-value column (looked for neg_log_10_p_value, "
                       "LOG10P, p_value, P)", t->path);
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

int plot_row_mlp(duet_table_t *t, const plot_pcol_t *pc, double *mlp, duet_err_t *err)
{
    double v;
    int col = pc->mlp >= 0 ? pc->mlp : pc->p;
    int r = duet_table_parse_double(t->f[col], &v);
    if (r == 0) return 0;
    if (r < 0) {
        *err = duet_table_bad_value(t, col, "a number");
        return -1;
    }
    if (pc->mlp >= 0) {
        if (v < 0 || isinf(v)) {
            *err = duet_table_bad_value(t, col, "a -log10 p-value (0 or more)");
            return -1;
        }
        *mlp = v;
        return 1;
    }
    if (v < 0 || v > 1) {
        *err = duet_table_bad_value(t, col, "a p-value in [0, 1]");
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
