/*
 * embed.c -- the embedding figure (duet plot embed): the persons of a
 * per-person feature table on the first two principal components of its
 * standardised columns (the eigenvectors of the correlation matrix, found by
 * the randomized SVD engine that duet embed and duet pca share), coloured
 * by a trait of a phenotype table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/embed.h"
#include "duet/log.h"
#include "duet/phenofile.h"
#include "plot_internal.h"

#define MARGIN_LEFT 70
#define MARGIN_RIGHT 130
#define MARGIN_TOP 40
#define MARGIN_BOTTOM 60
#define POINT_R 2.4

/* The two leading principal components of the standardised columns:
 * xy (n x 2, row-major) and the variance shares. */
static duet_err_t project(const duet_embed_table_t *t, double *xy, double explained[2])
{
    int n = t->n_persons, p = t->n_features;
    size_t ps = (size_t)p;
    double *z = duet_malloc((size_t)n * ps * sizeof *z + 1), *cov = duet_calloc(ps * ps + 1, sizeof *cov);
    double *u = duet_malloc(2 * ps * sizeof *u + 1), sigma[2];
    duet_err_t err = DUET_OK;
    int conv = 0, used = 0;
    if (!z || !cov || !u) { err = DUET_ENOMEM; goto cleanup; }
    for (int j = 0; j < p; j++) {
        double s = 0, ss = 0;
        for (int i = 0; i < n; i++) s += t->x[(size_t)i * ps + j];
        double mean = s / n;
        for (int i = 0; i < n; i++) {
            double d = t->x[(size_t)i * ps + j] - mean;
            ss += d * d;
        }
        double sd = sqrt(ss / (n - 1));
        used += sd > 0;
        for (int i = 0; i < n; i++)
            z[(size_t)i * ps + j] = sd > 0 ? (t->x[(size_t)i * ps + j] - mean) / sd : 0;
    }
    if (used < 2) {
        duet_log_error("%s: fewer than 2 non-constant features", t->source);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    for (int i = 0; i < n; i++)
        for (int a = 0; a < p; a++)
            for (int b = a; b < p; b++) cov[(size_t)a * ps + b] += z[(size_t)i * ps + a] * z[(size_t)i * ps + b];
    double trace = 0;
    for (int a = 0; a < p; a++) {
        for (int b = a; b < p; b++) cov[(size_t)b * ps + a] = cov[(size_t)a * ps + b] /= n - 1;
        trace += cov[(size_t)a * ps + a];
    }
    /* The correlation matrix is positive semi-definite: its singular values
     * are its eigenvalues. */
    if ((err = duet_embed_svd(cov, p, 2, 10, 200, 1e-10, 1, u, sigma, &conv))) goto cleanup;
    for (int j = 0; j < 2; j++) explained[j] = sigma[j] / trace;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 2; j++) {
            double s = 0;
            for (int a = 0; a < p; a++) s += z[(size_t)i * ps + a] * u[(size_t)j * ps + a];
            xy[2 * i + j] = s;
        }
cleanup:
    free(z);
    free(cov);
    free(u);
    return err;
}

/* The trait of each person of `t` (NaN: missing or absent), read by the
 * phenotype-table reader every command shares; *binary from it too. */
static duet_err_t read_trait(const char *path, const char *name, const duet_embed_table_t *t,
                             double *trait, int64_t *n_with, int *binary)
{
    duet_phenofile_t *pf = NULL;
    const char *const cols[] = {name};
    duet_err_t err = duet_phenofile_read(path, "phenotype", cols, 1, &pf);
    if (err) return err;
    *n_with = 0;
    for (int i = 0; i < t->n_persons; i++) {
        int row = duet_phenofile_row(pf, t->iid[i]);
        trait[i] = row < 0 ? NAN : pf->values[row];
        *n_with += !isnan(trait[i]);
    }
    *binary = duet_phenofile_is_binary(pf, 0);
    duet_phenofile_destroy(pf);
    if (!*n_with) {
        duet_log_error("no person of %s has a value of %s in %s", t->source, name, path);
        return DUET_EMISMATCH;
    }
    return DUET_OK;
}

/* A blue (0) to red (1) ramp. */
static void ramp(double f, char out[8])
{
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    int r = (int)lround(33 + f * (204 - 33)), g = (int)lround(102 + f * (0 - 102) * 1.0);
    int b = (int)lround(172 + f * (0 - 172));
    snprintf(out, 8, "#%02x%02x%02x", r, g, b);
}

static void draw_points(duet_svg_t *svg, const plot_panel_t *pn, const double *xy,
                        const double *trait, int n, int binary, double lo, double hi,
                        duet_plot_info_t *info)
{
    /* missing first, then controls (or the ramp), then cases on top */
    duet_svg_printf(svg, "<g id=\"points-na\" fill=\"#dddddd\" stroke=\"none\">\n");
    for (int i = 0; i < n; i++)
        if (isnan(trait[i])) {
            duet_svg_circle(svg, plot_px(pn, xy[2 * i]), plot_py(pn, xy[2 * i + 1]), POINT_R, NULL);
            info->n_points++;
        }
    duet_svg_printf(svg, "</g>\n");
    for (int pass = 0; pass < (binary ? 2 : 1); pass++) {
        duet_svg_printf(svg, "<g id=\"points-%s\" stroke=\"none\"%s>\n",
                        binary ? (pass ? "cases" : "controls") : "trait",
                        binary ? (pass ? " fill=\"#cc0000\"" : " fill=\"#7f7f7f\"") : "");
        for (int i = 0; i < n; i++) {
            if (isnan(trait[i]) || (binary && trait[i] != pass)) continue;
            char attrs[32] = "";
            if (!binary) {
                char c[8];
                ramp(hi > lo ? (trait[i] - lo) / (hi - lo) : 0.5, c);
                snprintf(attrs, sizeof attrs, "fill=\"%s\"", c);
            }
            duet_svg_circle(svg, plot_px(pn, xy[2 * i]), plot_py(pn, xy[2 * i + 1]), POINT_R,
                            binary ? NULL : attrs);
            info->n_points++;
        }
        duet_svg_printf(svg, "</g>\n");
    }
}

static void draw_legend(duet_svg_t *svg, const duet_plot_opts_t *o, int binary, double lo,
                        double hi, int64_t n_cases, int64_t n_controls, int64_t n_na)
{
    double x = o->width - MARGIN_RIGHT + 16, y = MARGIN_TOP + 10;
    char buf[96];
    duet_svg_printf(svg, "<g id=\"legend\" font-size=\"11\">\n");
    duet_svg_text(svg, x, y, "font-weight=\"bold\"", o->pheno_name);
    if (binary) {
        duet_svg_circle(svg, x + 4, y + 16, 4, "fill=\"#cc0000\"");
        snprintf(buf, sizeof buf, "case (%lld)", (long long)n_cases);
        duet_svg_text(svg, x + 14, y + 20, NULL, buf);
        duet_svg_circle(svg, x + 4, y + 32, 4, "fill=\"#7f7f7f\"");
        snprintf(buf, sizeof buf, "control (%lld)", (long long)n_controls);
        duet_svg_text(svg, x + 14, y + 36, NULL, buf);
    } else {
        for (int k = 0; k <= 4; k++) {
            char c[8];
            ramp(k / 4.0, c);
            snprintf(buf, sizeof buf, "fill=\"%s\"", c);
            duet_svg_circle(svg, x + 4, y + 16 + 16 * (4 - k), 4, buf);
            char v[48];
            duet_embed_format(lo + (hi - lo) * k / 4.0, v);
            duet_svg_text(svg, x + 14, y + 20 + 16 * (4 - k), NULL, v);
        }
        y += 64;
    }
    duet_svg_circle(svg, x + 4, y + 48, 4, "fill=\"#dddddd\"");
    snprintf(buf, sizeof buf, "NA (%lld)", (long long)n_na);
    duet_svg_text(svg, x + 14, y + 52, NULL, buf);
    duet_svg_printf(svg, "</g>\n");
}

duet_err_t duet_plot_embed(const char *path, const duet_plot_opts_t *o, duet_svg_t *svg,
                           duet_plot_info_t *info)
{
    memset(info, 0, sizeof *info);
    duet_embed_table_t *t = NULL;
    double *xy = NULL, *trait = NULL;
    int64_t n_with = 0;
    duet_err_t err = duet_embed_read_table(path, "embedding", 1, &t);
    if (err) return err;
    int n = t->n_persons;
    if (n < 3) {
        duet_log_error("%s: %d persons; at least 3 are needed", path, n);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    xy = duet_malloc(2 * (size_t)n * sizeof *xy);
    trait = duet_malloc((size_t)n * sizeof *trait);
    if (!xy || !trait) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = project(t, xy, info->explained))) goto cleanup;
    int binary = 0;
    if ((err = read_trait(o->pheno, o->pheno_name, t, trait, &n_with, &binary))) goto cleanup;
    int64_t n_cases = 0, n_controls = 0;
    double lo = INFINITY, hi = -INFINITY;
    plot_panel_t pn = {MARGIN_LEFT, MARGIN_TOP, o->width - MARGIN_LEFT - MARGIN_RIGHT,
                       o->height - MARGIN_TOP - MARGIN_BOTTOM, INFINITY, -INFINITY, INFINITY,
                       -INFINITY};
    for (int i = 0; i < n; i++) {
        pn.xmin = fmin(pn.xmin, xy[2 * i]);
        pn.xmax = fmax(pn.xmax, xy[2 * i]);
        pn.ymin = fmin(pn.ymin, xy[2 * i + 1]);
        pn.ymax = fmax(pn.ymax, xy[2 * i + 1]);
        if (isnan(trait[i])) continue;
        n_cases += trait[i] == 1;
        n_controls += trait[i] == 0;
        lo = fmin(lo, trait[i]);
        hi = fmax(hi, trait[i]);
    }
    double padx = 0.04 * (pn.xmax - pn.xmin) + 1e-9, pady = 0.04 * (pn.ymax - pn.ymin) + 1e-9;
    pn.xmin -= padx;
    pn.xmax += padx;
    pn.ymin -= pady;
    pn.ymax += pady;
    const char *title = o->title ? o->title : plot_basename(path);
    duet_svg_begin(svg, o->width, o->height, title, o->provenance);
    plot_title(svg, o->width, title);
    char ax[64];
    snprintf(ax, sizeof ax, "PC1 (%.1f%% of the variance)", 100 * info->explained[0]);
    plot_x_axis(svg, &pn, plot_nice_step(pn.xmax - pn.xmin, 6), ax);
    snprintf(ax, sizeof ax, "PC2 (%.1f%%)", 100 * info->explained[1]);
    plot_y_axis(svg, &pn, plot_nice_step(pn.ymax - pn.ymin, 6), ax);
    draw_points(svg, &pn, xy, trait, n, binary, lo, hi, info);
    draw_legend(svg, o, binary, lo, hi, n_cases, n_controls, n - n_with);
    duet_svg_end(svg);
    info->n_rows = n;
    info->n_missing = n - n_with;
    info->n_groups = binary ? 2 : 0;
cleanup:
    duet_embed_table_destroy(t);
    free(xy);
    free(trait);
    return err;
}
