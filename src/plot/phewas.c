/*
 * phewas.c -- the PheWAS plot of one variant or score (the layout of the
 * PheWAS R package's phewasManhattan, Carroll, Bastarache and Denny,
 * Bioinformatics 2014): phecodes along x, grouped and coloured by category
 * (categories ordered by their smallest phecode, phecodes numerically
 * within a category), -log10 p on y, an up triangle for a positive effect
 * and a down triangle for a negative one (a circle when the effect is
 * missing), the Bonferroni line at alpha / (phecodes with a p-value), and
 * the strongest associations above it labelled with their descriptions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "plot_internal.h"

#define MARGIN_LEFT 70
#define MARGIN_RIGHT 30
#define MARGIN_TOP 40
#define MARGIN_BOTTOM 150
#define MARK 4.5

static const char *const palette[20] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
    "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363"
};

typedef struct {
    size_t phecode, desc;  /* offsets in the string pool */
    int cat;               /* category number (first seen) */
    int numeric;           /* phecode parsed as a number */
    double code;           /* its value */
    double beta;           /* NaN if missing */
    double mlp;
} row_t;

typedef struct {
    size_t name;           /* pool offset */
    int numeric;           /* smallest phecode of the category: */
    double code;           /*   numeric key, */
    size_t code_str;       /*   or string */
    int rank;              /* order on the x axis */
} cat_t;

static const char *pool_s;
static const cat_t *cats_g;

static int cmp_code(int an, double ac, const char *as, int bn, double bc, const char *bs)
{
    if (an != bn) return an ? -1 : 1; /* numeric phecodes first */
    if (an && ac != bc) return ac < bc ? -1 : 1;
    return strcmp(as, bs);
}

static int cmp_cat(const void *a, const void *b)
{
    const cat_t *x = &cats_g[*(const int *)a], *y = &cats_g[*(const int *)b];
    int c = cmp_code(x->numeric, x->code, pool_s + x->code_str, y->numeric, y->code,
                     pool_s + y->code_str);
    return c ? c : strcmp(pool_s + x->name, pool_s + y->name);
}

static int cmp_row(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    if (x->cat != y->cat) return cats_g[x->cat].rank - cats_g[y->cat].rank;
    int c = cmp_code(x->numeric, x->code, pool_s + x->phecode, y->numeric, y->code,
                     pool_s + y->phecode);
    return c ? c : strcmp(pool_s + x->desc, pool_s + y->desc);
}

static size_t pool_add(kstring_t *pool, const char *s, int *oom)
{
    size_t off = pool->l;
    if (kputs(s, pool) < 0 || kputc(0, pool) < 0) *oom = 1;
    return off;
}

static int is_missing(const char *s)
{
    return !*s || !strcmp(s, "#NA") || !strcmp(s, "NA") || !strcmp(s, ".");
}

/* The state of one PheWAS plot across its steps. */
typedef struct {
    const char *path;
    const duet_plot_opts_t *o;
    duet_plot_info_t *info;
    duet_table_t t;
    int c_id, c_phe, c_desc, c_cat, c_beta, c_or;
    plot_pcol_t pc;
    kstring_t pool;
    row_t *rows;
    int64_t n, m;
    cat_t *cats;
    int n_cat, m_cat;
    char *chosen;          /* the variant or score plotted */
    int64_t n_other_rows;  /* rows of other ids */
    double bonf;           /* -log10 p of the Bonferroni line */
    plot_panel_t p;
} phewas_plot_t;

static duet_err_t find_columns(phewas_plot_t *w)
{
    static const char *const id_names[] = { "variant_id", "score_id", "id", "variant",
                                            "score", NULL };
    static const char *const phecode_names[] = { "phecode", NULL };
    static const char *const desc_names[] = { "description", "phenotype", NULL };
    static const char *const cat_names[] = { "category", "group", NULL };
    static const char *const beta_names[] = { "beta", NULL };
    static const char *const or_names[] = { "odds_ratio", "OR", NULL };
    duet_table_t *t = &w->t;
    w->c_id = duet_table_col(t, id_names);
    w->c_phe = duet_table_col(t, phecode_names);
    w->c_desc = duet_table_col(t, desc_names);
    w->c_cat = duet_table_col(t, cat_names);
    w->c_beta = duet_table_col(t, beta_names);
    w->c_or = w->c_beta < 0 ? duet_table_col(t, or_names) : -1;
    if (w->c_phe < 0) {
        duet_log_error("%s: no phecode column", w->path);
        return DUET_EFORMAT;
    }
    return plot_find_pcol(t, &w->pc);
}

/* The effect of the current row from beta or the odds ratio (NaN if
 * missing); -1 (reported) for a malformed value. */
static int row_beta(phewas_plot_t *w, double *beta, duet_err_t *err)
{
    duet_table_t *t = &w->t;
    double orv;
    *beta = NAN;
    if (w->c_beta >= 0) {
        int br = duet_table_parse_double(t->f[w->c_beta], beta);
        if (br < 0) {
            *err = duet_table_bad_value(t, w->c_beta, "a number");
            return -1;
        }
        if (br == 0) *beta = NAN;
    } else if (w->c_or >= 0) {
        int br = duet_table_parse_double(t->f[w->c_or], &orv);
        if (br < 0 || (br > 0 && orv < 0)) {
            *err = duet_table_bad_value(t, w->c_or, "an odds ratio");
            return -1;
        }
        *beta = br > 0 && orv > 0 ? log(orv) : NAN;
    }
    return 0;
}

/* The category of a new row: found, or added; its smallest phecode kept. */
static duet_err_t row_category(phewas_plot_t *w, row_t *row, const char *cat, int *oom)
{
    int ci = -1;
    for (int i = w->n_cat - 1; i >= 0 && ci < 0; i--)
        if (!strcmp(w->pool.s + w->cats[i].name, cat)) ci = i;
    if (ci < 0) {
        if (w->n_cat == w->m_cat) {
            w->m_cat = w->m_cat ? 2 * w->m_cat : 32;
            cat_t *nc = realloc(w->cats, (size_t)w->m_cat * sizeof *nc);
            if (!nc) return duet_log_oom(64);
            w->cats = nc;
        }
        ci = w->n_cat++;
        w->cats[ci].name = pool_add(&w->pool, cat, oom);
        w->cats[ci].numeric = row->numeric;
        w->cats[ci].code = row->code;
        w->cats[ci].code_str = row->phecode;
    } else if (cmp_code(row->numeric, row->code, w->pool.s + row->phecode,
                        w->cats[ci].numeric, w->cats[ci].code,
                        w->pool.s + w->cats[ci].code_str) < 0) {
        w->cats[ci].numeric = row->numeric;
        w->cats[ci].code = row->code;
        w->cats[ci].code_str = row->phecode;
    }
    row->cat = ci;
    return DUET_OK;
}

/* Keep the current row (its -log10 p and effect given). */
static duet_err_t add_row(phewas_plot_t *w, double mlp, double beta)
{
    duet_table_t *t = &w->t;
    int oom = 0;
    const char *cat = w->c_cat >= 0 && !is_missing(t->f[w->c_cat]) ? t->f[w->c_cat]
                                                                    : "uncategorized";
    if (w->n == w->m) {
        w->m = w->m ? 2 * w->m : 1024;
        row_t *nr = realloc(w->rows, (size_t)w->m * sizeof *nr);
        if (!nr) return duet_log_oom((size_t)w->m * sizeof *nr);
        w->rows = nr;
    }
    row_t *row = &w->rows[w->n++];
    const char *phe = t->f[w->c_phe];
    row->phecode = pool_add(&w->pool, phe, &oom);
    row->desc = pool_add(&w->pool,
                         w->c_desc >= 0 && !is_missing(t->f[w->c_desc]) ? t->f[w->c_desc] : phe,
                         &oom);
    char *end;
    row->code = strtod(phe, &end);
    row->numeric = end != phe && !*end && isfinite(row->code);
    if (!row->numeric) row->code = 0;
    row->beta = beta;
    row->mlp = mlp;
    duet_err_t err = row_category(w, row, cat, &oom);
    if (!err && oom) err = duet_log_oom(w->pool.l);
    return err;
}

/* Read the rows of the chosen id (the first id when none is given). */
static duet_err_t read_rows(phewas_plot_t *w)
{
    duet_table_t *t = &w->t;
    duet_err_t err = DUET_OK;
    int r;
    while ((r = duet_table_next(t, &err)) > 0) {
        if (w->c_id >= 0) {
            const char *id = t->f[w->c_id];
            if (!w->chosen && !(w->chosen = strdup(id))) return duet_log_oom(64);
            if (strcmp(id, w->chosen)) {
                w->n_other_rows++;
                continue;
            }
        }
        w->info->n_rows++;
        double mlp, beta;
        int mr = plot_row_mlp(t, &w->pc, &mlp, &err);
        if (mr < 0) return err;
        if (mr == 0 || is_missing(t->f[w->c_phe])) {
            w->info->n_missing++;
            continue;
        }
        if (row_beta(w, &beta, &err) < 0) return err;
        if ((err = add_row(w, mlp, beta))) return err;
    }
    return r < 0 ? err : DUET_OK;
}

/* What was read is usable: the chosen id found, some row with a p. */
static duet_err_t check_rows(phewas_plot_t *w)
{
    const duet_plot_opts_t *o = w->o;
    if (o->id && w->info->n_rows == 0) {
        duet_log_error("%s: no rows for '%s' in column %s", w->path, o->id,
                       w->c_id >= 0 ? w->t.hdr[w->c_id] : "(no id column)");
        return DUET_EMISMATCH;
    }
    if (!o->id && w->n_other_rows > 0)
        duet_log_warn("%s holds more than one variant or score; plotting the first, '%s' "
                      "(choose another with --id)", w->path, w->chosen);
    if (w->n == 0) {
        duet_log_error("%s: no phecode with a p-value%s%s", w->path, w->chosen ? " for " : "",
                       w->chosen ? w->chosen : "");
        return DUET_EDEGENERATE;
    }
    return DUET_OK;
}

/* Order categories, then rows; the panel and the Bonferroni line. */
static duet_err_t layout(phewas_plot_t *w)
{
    int *order = malloc((size_t)(w->n_cat ? w->n_cat : 1) * sizeof *order);
    if (!order) return duet_log_oom(64);
    pool_s = w->pool.s;
    cats_g = w->cats;
    for (int i = 0; i < w->n_cat; i++) order[i] = i;
    qsort(order, (size_t)w->n_cat, sizeof *order, cmp_cat);
    for (int i = 0; i < w->n_cat; i++) w->cats[order[i]].rank = i;
    free(order);
    qsort(w->rows, (size_t)w->n, sizeof *w->rows, cmp_row);

    const duet_plot_opts_t *o = w->o;
    double max_mlp = 0;
    w->bonf = -log10(o->alpha / (double)w->n);
    for (int64_t i = 0; i < w->n; i++)
        if (w->rows[i].mlp > max_mlp) max_mlp = w->rows[i].mlp;
    plot_panel_t p = { MARGIN_LEFT, MARGIN_TOP, o->width - MARGIN_LEFT - MARGIN_RIGHT,
                       o->height - MARGIN_TOP - MARGIN_BOTTOM, 0, (double)w->n, 0, 0 };
    p.ymax = fmax(max_mlp, w->bonf) * 1.1;
    if (p.ymax < 1) p.ymax = 1;
    w->p = p;
    w->info->line = w->bonf;
    w->info->n_groups = w->n_cat;
    return DUET_OK;
}

/* One marker: a triangle up or down by the effect's sign, a circle when it
 * is missing or zero. */
static void draw_marker(duet_svg_t *svg, double px, double py, double beta)
{
    if (isnan(beta) || beta == 0) {
        duet_svg_circle(svg, px, py, MARK * 0.8, "class=\"null\"");
        return;
    }
    double dir = beta > 0 ? -1 : 1; /* screen y grows down */
    duet_svg_printf(svg, "<path class=\"%s\" d=\"M", beta > 0 ? "up" : "down");
    duet_svg_num(svg, px, 1);
    duet_svg_printf(svg, " ");
    duet_svg_num(svg, py + dir * MARK, 1);
    duet_svg_printf(svg, "L");
    duet_svg_num(svg, px + MARK, 1);
    duet_svg_printf(svg, " ");
    duet_svg_num(svg, py - dir * MARK * 0.75, 1);
    duet_svg_printf(svg, "L");
    duet_svg_num(svg, px - MARK, 1);
    duet_svg_printf(svg, " ");
    duet_svg_num(svg, py - dir * MARK * 0.75, 1);
    duet_svg_printf(svg, "Z\"/>\n");
}

/* A category's name below the axis, slanted, at x = cx. */
static void draw_category_label(duet_svg_t *labels, const char *name, const char *colour,
                                double cx, double cy)
{
    duet_svg_printf(labels, "<text class=\"category-label\" fill=\"%s\" x=\"", colour);
    duet_svg_num(labels, cx, 1);
    duet_svg_printf(labels, "\" y=\"");
    duet_svg_num(labels, cy, 1);
    duet_svg_printf(labels, "\" transform=\"rotate(-40 ");
    duet_svg_num(labels, cx, 1);
    duet_svg_printf(labels, " ");
    duet_svg_num(labels, cy, 1);
    duet_svg_printf(labels, ")\">");
    duet_svg_escape(labels, name);
    duet_svg_printf(labels, "</text>\n");
}

/* Markers, one group per category, then the category labels. */
static void draw_points(phewas_plot_t *w, duet_svg_t *svg)
{
    const plot_panel_t *p = &w->p;
    double y0 = p->top + p->height;
    duet_svg_printf(svg, "<g id=\"points\" stroke=\"none\">\n");
    duet_svg_t labels_x;
    duet_svg_init(&labels_x);
    duet_svg_printf(&labels_x, "<g id=\"category-labels\" font-size=\"11\" text-anchor=\"end\">\n");
    for (int64_t i = 0, j; i < w->n; i = j) {
        int c = w->rows[i].cat;
        const char *colour = palette[w->cats[c].rank % 20];
        duet_svg_printf(svg, "<g class=\"category\" data-category=\"");
        duet_svg_escape(svg, w->pool.s + w->cats[c].name);
        duet_svg_printf(svg, "\" fill=\"%s\">\n", colour);
        for (j = i; j < w->n && w->rows[j].cat == c; j++) {
            draw_marker(svg, plot_px(p, (double)j + 0.5), plot_py(p, w->rows[j].mlp),
                        w->rows[j].beta);
            w->info->n_points++;
        }
        duet_svg_printf(svg, "</g>\n");
        draw_category_label(&labels_x, w->pool.s + w->cats[c].name, colour,
                            plot_px(p, (double)(i + j) / 2), y0 + 14);
    }
    duet_svg_printf(svg, "</g>\n");
    duet_svg_printf(&labels_x, "</g>\n");
    duet_svg_append(svg, &labels_x);
    duet_svg_free(&labels_x);
}

/* Labels: the strongest associations above the Bonferroni line. */
static duet_err_t draw_labels(phewas_plot_t *w, duet_svg_t *svg)
{
    int n_labels = w->o->n_labels, n_top = 0;
    int *top = NULL;
    if (n_labels > 0) {
        if (!(top = malloc((size_t)n_labels * sizeof *top))) return duet_log_oom(64);
        for (int64_t a = 0; a < w->n; a++) {
            if (w->rows[a].mlp < w->bonf) continue;
            /* insertion into the top list, strongest first, x order on ties */
            int at = n_top;
            while (at > 0 && w->rows[top[at - 1]].mlp < w->rows[a].mlp) at--;
            if (at >= n_labels) continue;
            int last = n_top < n_labels ? n_top : n_labels - 1;
            memmove(top + at + 1, top + at, (size_t)(last - at) * sizeof *top);
            top[at] = (int)a;
            if (n_top < n_labels) n_top++;
        }
    }
    const plot_panel_t *p = &w->p;
    duet_svg_printf(svg, "<g id=\"labels\" font-size=\"10\" fill=\"#222222\">\n");
    for (int a = 0; a < n_top; a++) {
        const row_t *row = &w->rows[top[a]];
        double px = plot_px(p, (double)top[a] + 0.5), py = plot_py(p, row->mlp);
        int right = px > p->left + p->width * 0.8;
        duet_svg_text(svg, right ? px - 7 : px + 7, py + 3,
                      right ? "class=\"label\" text-anchor=\"end\"" : "class=\"label\"",
                      w->pool.s + row->desc);
    }
    duet_svg_printf(svg, "</g>\n");
    w->info->n_labels = n_top;
    free(top);
    return DUET_OK;
}

/* The document from the laid-out rows. */
static duet_err_t draw(phewas_plot_t *w, duet_svg_t *svg)
{
    const duet_plot_opts_t *o = w->o;
    const plot_panel_t *p = &w->p;
    const char *title = o->title ? o->title : w->chosen ? w->chosen : plot_basename(w->path);
    duet_svg_begin(svg, o->width, o->height, title, o->provenance);
    plot_title(svg, o->width, title);
    plot_y_axis(svg, p, plot_nice_step(p->ymax, 6), "-log10(p)");
    double y0 = p->top + p->height;
    duet_svg_printf(svg, "<g id=\"x-axis\" stroke=\"#333333\">\n");
    duet_svg_line(svg, p->left, y0, p->left + p->width, y0, NULL);
    duet_svg_printf(svg, "</g>\n");
    draw_points(w, svg);
    duet_svg_line(svg, p->left, plot_py(p, w->bonf), p->left + p->width, plot_py(p, w->bonf),
                  "id=\"bonferroni\" stroke=\"#cc0000\" stroke-dasharray=\"6 3\"");
    duet_err_t err = draw_labels(w, svg);
    if (!err) duet_svg_end(svg);
    return err;
}

duet_err_t duet_plot_phewas(const char *path, const duet_plot_opts_t *o,
                            duet_svg_t *svg, duet_plot_info_t *info)
{
    memset(info, 0, sizeof *info);
    phewas_plot_t w;
    memset(&w, 0, sizeof w);
    w.path = path;
    w.o = o;
    w.info = info;
    duet_err_t err = duet_table_open(path, &w.t);
    if (err) return err;
    if (!(err = find_columns(&w)) && o->id && !(w.chosen = strdup(o->id)))
        err = duet_log_oom(64);
    if (!err && !(err = read_rows(&w)) && !(err = check_rows(&w)) && !(err = layout(&w)))
        err = draw(&w, svg);
    duet_table_close(&w.t);
    free(w.pool.s);
    free(w.rows);
    free(w.cats);
    free(w.chosen);
    return err;
}
