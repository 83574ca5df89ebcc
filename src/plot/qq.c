/*
 * qq.c -- the QQ plot: observed against expected -log10 p, with the
 * pointwise 95% band of the order statistics under the null (the i-th
 * smallest of n uniform p-values is Beta(i, n - i + 1); quantiles from
 * libRmath's qbeta) and the genomic-control inflation factor lambda GC =
 * median chi-square(1 df) / 0.4549364 (Devlin and Roeder, Biometrics 1999),
 * the chi-square values obtained from -log10 p through qchisq on the log
 * scale so that p-values below 1e-308 still count.  Expected values are
 * -log10((i - 0.5) / n).  Points closer than 0.7 pixel to the previous one
 * drawn are skipped: the figure looks the same and stays small.
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "plot_internal.h"

#define MARGIN_LEFT 70
#define MARGIN_RIGHT 20
#define MARGIN_TOP 40
#define MARGIN_BOTTOM 60
#define POINT_R 2.2
#define MIN_STEP_PX 0.7

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* chi-square (1 df) whose upper tail is 10^-mlp */
static double chisq_of(double mlp)
{
    return qchisq(-mlp * M_LN10, 1.0, 0, 1);
}

duet_err_t duet_plot_qq(const char *path, const duet_plot_opts_t *o,
                        duet_svg_t *svg, duet_plot_info_t *info)
{
    memset(info, 0, sizeof *info);
    plot_table_t t;
    duet_err_t err = plot_table_open(path, &t);
    if (err) return err;
    double *v = NULL;
    int64_t n = 0, m = 0;
    plot_pcol_t pc;
    if ((err = plot_find_pcol(&t, &pc))) goto cleanup;
    int r;
    while ((r = plot_table_next(&t, &err)) > 0) {
        info->n_rows++;
        double mlp;
        int mr = plot_row_mlp(&t, &pc, &mlp, &err);
        if (mr < 0) goto cleanup;
        if (mr == 0) {
            info->n_missing++;
            continue;
        }
        if (n == m) {
            m = m ? 2 * m : 65536;
            double *nv = realloc(v, (size_t)m * sizeof *nv);
            if (!nv) { err = duet_log_oom((size_t)m * sizeof *nv); goto cleanup; }
            v = nv;
        }
        v[n++] = mlp;
    }
    if (r < 0) goto cleanup;
    if (n == 0) {
        duet_log_error("%s: no row with a p-value", path);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_desc);

    /* lambda GC from the median chi-square */
    double med = n % 2 ? chisq_of(v[n / 2])
                       : 0.5 * (chisq_of(v[n / 2 - 1]) + chisq_of(v[n / 2]));
    double lambda = med / qchisq(0.5, 1.0, 0, 0);
    info->lambda_gc = lambda;

    double e_max = -log10(0.5 / (double)n);
    plot_panel_t p = { MARGIN_LEFT, MARGIN_TOP, o->width - MARGIN_LEFT - MARGIN_RIGHT,
                       o->height - MARGIN_TOP - MARGIN_BOTTOM, 0, 0, 0, 0 };
    p.xmax = e_max * 1.05;
    p.ymax = fmax(v[0], e_max) * 1.05;
    if (p.xmax < 1) p.xmax = 1;
    if (p.ymax < 1) p.ymax = 1;

    const char *title = o->title ? o->title : plot_basename(path);
    char lambda_txt[32];
    snprintf(lambda_txt, sizeof lambda_txt, "%.4f", lambda);
    {
        kstring_t doc_title = { 0, 0, NULL };
        ksprintf(&doc_title, "%s (lambda GC = %s)", title, lambda_txt);
        duet_svg_begin(svg, o->width, o->height, doc_title.s ? doc_title.s : title,
                       o->provenance);
        free(doc_title.s);
    }
    /* The title carries lambda GC. */
    duet_svg_printf(svg, "<text id=\"title\" x=\"");
    duet_svg_num(svg, o->width / 2.0, 1);
    duet_svg_printf(svg, "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">");
    duet_svg_escape(svg, title);
    duet_svg_printf(svg, "  <tspan id=\"lambda-gc\">\xce\xbb<tspan baseline-shift=\"sub\" "
                         "font-size=\"10\">GC</tspan> = %s</tspan></text>\n", lambda_txt);

    /* The 95% band, clipped to the panel, as one polygon: upper edge from
     * the smallest expected value up, lower edge back down. */
    duet_svg_printf(svg, "<polygon id=\"band\" fill=\"#d9d9d9\" stroke=\"none\" points=\"");
    double *bx = NULL, *blo = NULL, *bhi = NULL;
    int nb = 0, mb = 0;
    for (double rank = (double)n;;) {
        if (nb == mb) {
            mb = mb ? 2 * mb : 512;
            double *a = realloc(bx, (size_t)mb * sizeof *a);
            if (a) bx = a;
            double *b = a ? realloc(blo, (size_t)mb * sizeof *b) : NULL;
            if (b) blo = b;
            double *c = b ? realloc(bhi, (size_t)mb * sizeof *c) : NULL;
            if (c) bhi = c;
            if (!a || !b || !c) {
                free(bx);
                free(blo);
                free(bhi);
                err = duet_log_oom((size_t)mb * 8);
                goto cleanup;
            }
        }
        double a = rank, b = (double)n - rank + 1;
        bx[nb] = -log10((rank - 0.5) / (double)n);
        bhi[nb] = -log10(qbeta(0.025, a, b, 1, 0));
        blo[nb] = -log10(qbeta(0.975, a, b, 1, 0));
        nb++;
        if (rank <= 1) break;
        double next = floor(rank / 1.04);
        rank = next < rank - 1 ? next : rank - 1;
        if (rank < 1) rank = 1;
    }
    for (int i = 0; i < nb; i++) {
        duet_svg_num(svg, plot_px(&p, bx[i]), 1);
        duet_svg_printf(svg, ",");
        duet_svg_num(svg, plot_py(&p, fmin(bhi[i], p.ymax)), 1);
        duet_svg_printf(svg, " ");
    }
    for (int i = nb - 1; i >= 0; i--) {
        duet_svg_num(svg, plot_px(&p, bx[i]), 1);
        duet_svg_printf(svg, ",");
        duet_svg_num(svg, plot_py(&p, fmin(blo[i], p.ymax)), 1);
        if (i) duet_svg_printf(svg, " ");
    }
    duet_svg_printf(svg, "\"/>\n");
    free(bx);
    free(blo);
    free(bhi);

    plot_y_axis(svg, &p, plot_nice_step(p.ymax, 6), "observed -log10(p)");
    plot_x_axis(svg, &p, plot_nice_step(p.xmax, 6), "expected -log10(p)");
    double d = fmin(p.xmax, p.ymax);
    duet_svg_line(svg, plot_px(&p, 0), plot_py(&p, 0), plot_px(&p, d), plot_py(&p, d),
                  "id=\"diagonal\" stroke=\"#cc0000\" stroke-width=\"1\"");

    duet_svg_printf(svg, "<g id=\"points\" fill=\"#1f4e79\" stroke=\"none\">\n");
    double lx = -1e9, ly = -1e9;
    for (int64_t i = 0; i < n; i++) {
        double px = plot_px(&p, -log10(((double)i + 0.5) / (double)n));
        double py = plot_py(&p, v[i]);
        if (fabs(px - lx) < MIN_STEP_PX && fabs(py - ly) < MIN_STEP_PX) continue;
        duet_svg_circle(svg, px, py, POINT_R, NULL);
        info->n_points++;
        lx = px;
        ly = py;
    }
    duet_svg_printf(svg, "</g>\n");

    char buf[96];
    snprintf(buf, sizeof buf, "n = %lld", (long long)n);
    duet_svg_text(svg, p.left + 12, p.top + 18, "id=\"n-tests\" font-size=\"12\"", buf);
    duet_svg_end(svg);

cleanup:
    plot_table_close(&t);
    free(v);
    return err;
}
