/*
 * plot_internal.h -- what the figure modules share: a header-named table
 * reader over htslib BGZF (plain or compressed input), number parsing with
 * missing values, -log10 p from either column, and the axes and layout of
 * a plot panel.
 */
#ifndef DUET_PLOT_INTERNAL_H
#define DUET_PLOT_INTERNAL_H

#include <stdint.h>
#include <htslib/bgzf.h>
#include <htslib/kstring.h>

#include "duet/err.h"
#include "duet/plot.h"
#include "duet/svg.h"
#include "duet/table.h"

/* Where -log10 p comes from: column `mlp` if >= 0, else column `p`. */
typedef struct {
    int mlp, p;
} plot_pcol_t;

/* Find the -log10 p or p column; DUET_EFORMAT (reported, naming the
 * columns looked for) if neither exists. */
duet_err_t plot_find_pcol(const duet_table_t *t, plot_pcol_t *pc);

/* -log10 p of the current row: 1 ok, 0 missing, -1 malformed (reported
 * with file:line:column, *err = DUET_EFORMAT).  p = 0 gives 323.3 (the
 * smallest double); p outside [0, 1] is malformed. */
int plot_row_mlp(duet_table_t *t, const plot_pcol_t *pc, double *mlp,
                 duet_err_t *err);

/* Report a malformed value of column `col` of the current row. */
duet_err_t duet_table_bad_value(const duet_table_t *t, int col, const char *what);

/* A plot panel: the data area in pixels and the value ranges. */
typedef struct {
    double left, top, width, height; /* data area */
    double xmin, xmax, ymin, ymax;   /* values at the area's edges */
} plot_panel_t;

double plot_px(const plot_panel_t *p, double x);
double plot_py(const plot_panel_t *p, double y);

/* A "nice" tick step (1, 2 or 5 x 10^k) giving about `n` ticks over
 * `range`. */
double plot_nice_step(double range, int n);

/* The y axis with ticks at multiples of `step` (each tick a
 * <g class="ytick"> holding its <line> and <text>), a vertical axis title,
 * and the frame line. */
void plot_y_axis(duet_svg_t *svg, const plot_panel_t *p, double step,
                 const char *title);
/* The x axis with numeric ticks (QQ). */
void plot_x_axis(duet_svg_t *svg, const plot_panel_t *p, double step,
                 const char *title);
/* The figure title, centred at the top. */
void plot_title(duet_svg_t *svg, int width, const char *title);

/* A default title: the file name without its folder. */
const char *plot_basename(const char *path);

#endif
