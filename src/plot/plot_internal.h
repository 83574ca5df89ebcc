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

typedef struct {
    const char *path;
    BGZF *fp;
    kstring_t line;
    char *header;       /* the header line (owned) */
    char **hdr;         /* column names, pointing into `header` */
    int n_hdr;
    char **f;           /* fields of the current row, pointing into `line` */
    int n_f, m_f;
    int64_t lineno;
    char delim;         /* '\t', or ' ' for runs of spaces */
} plot_table_t;

/* Open `path` and read its header.  DUET_EREAD if it cannot be opened or
 * read, DUET_EFORMAT if it has no header line; both reported. */
duet_err_t plot_table_open(const char *path, plot_table_t *t);
void plot_table_close(plot_table_t *t);
/* Start again after the header (for a second pass). */
duet_err_t plot_table_rewind(plot_table_t *t);

/* The first column whose name (without a leading '#') equals one of the
 * NULL-terminated `names`, case-insensitively, in the order of `names`;
 * -1 if none. */
int plot_table_col(const plot_table_t *t, const char *const *names);

/* Read the next data row into t->f.  Returns 1 for a row, 0 at the end,
 * -1 on error with *err set (DUET_EREAD, DUET_EFORMAT for a row whose
 * field count differs from the header's; reported with the line). */
int plot_table_next(plot_table_t *t, duet_err_t *err);

/* Parse a number: 1 if `s` is one, 0 if it is missing (#NA, NA, nan, .,
 * empty), -1 if it is neither. */
int plot_parse_double(const char *s, double *v);

/* Where -log10 p comes from: column `mlp` if >= 0, else column `p`. */
typedef struct {
    int mlp, p;
} plot_pcol_t;

/* Find the -log10 p or p column; DUET_EFORMAT (reported, naming the
 * columns looked for) if neither exists. */
duet_err_t plot_find_pcol(const plot_table_t *t, plot_pcol_t *pc);

/* -log10 p of the current row: 1 ok, 0 missing, -1 malformed (reported
 * with file:line:column, *err = DUET_EFORMAT).  p = 0 gives 323.3 (the
 * smallest double); p outside [0, 1] is malformed. */
int plot_row_mlp(plot_table_t *t, const plot_pcol_t *pc, double *mlp,
                 duet_err_t *err);

/* Report a malformed value of column `col` of the current row. */
duet_err_t plot_bad_value(const plot_table_t *t, int col, const char *what);

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
