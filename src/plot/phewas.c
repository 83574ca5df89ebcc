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

duet_err_t duet_plot_phewas(const char *path, const duet_plot_opts_t *o,
                            duet_svg_t *svg, duet_plot_info_t *info)
{
    static const char *const id_names[] = { "variant_id", "score_id", "id", "variant",
                                            "score", NULL };
    static const char *const phecode_names[] = { "phecode", NULL };
    static const char *const desc_names[] = { "description", "phenotype", NULL };
    static const char *const cat_names[] = { "category", "group", NULL };
    static const char *const beta_names[] = { "beta", NULL };
    static const char *const or_names[] = { "odds_ratio", "OR", NULL };
    memset(info, 0, sizeof *info);
    duet_table_t t;
    duet_err_t err = duet_table_open(path, &t);
    if (err) return err;
    kstring_t pool = { 0, 0, NULL };
    row_t *rows = NULL;
    cat_t *cats = NULL;
    int *order = NULL, *top = NULL;
    int64_t n = 0, m = 0;
    int n_cat = 0, m_cat = 0, oom = 0;
    char *chosen = NULL;
    int64_t n_other_rows = 0;

    int c_id = duet_table_col(&t, id_names);
    int c_phe = duet_table_col(&t, phecode_names);
    int c_desc = duet_table_col(&t, desc_names);
    int c_cat = duet_table_col(&t, cat_names);
    int c_beta = duet_table_col(&t, beta_names);
    int c_or = c_beta < 0 ? duet_table_col(&t, or_names) : -1;
    plot_pcol_t pc;
    if (c_phe < 0) {
        duet_log_error("%s: no phecode column", path);
        err = DUET_EFORMAT;
        goto cleanup;
    }
    if ((err = plot_find_pcol(&t, &pc))) goto cleanup;
    if (o->id && (chosen = strdup(o->id)) == NULL) { err = duet_log_oom(64); goto cleanup; }

    int r;
    while ((r = duet_table_next(&t, &err)) > 0) {
        if (c_id >= 0) {
            const char *id = t.f[c_id];
            if (!chosen && !(chosen = strdup(id))) { err = duet_log_oom(64); goto cleanup; }
            if (strcmp(id, chosen)) {
                n_other_rows++;
                continue;
            }
        }
        info->n_rows++;
        double mlp;
        int mr = plot_row_mlp(&t, &pc, &mlp, &err);
        if (mr < 0) goto cleanup;
        if (mr == 0 || is_missing(t.f[c_phe])) {
            info->n_missing++;
            continue;
        }
        double beta = NAN, orv;
        if (c_beta >= 0) {
            int br = duet_table_parse_double(t.f[c_beta], &beta);
            if (br < 0) { err = duet_table_bad_value(&t, c_beta, "a number"); goto cleanup; }
            if (br == 0) beta = NAN;
        } else if (c_or >= 0) {
            int br = duet_table_parse_double(t.f[c_or], &orv);
            if (br < 0 || (br > 0 && orv < 0)) {
                err = duet_table_bad_value(&t, c_or, "an odds ratio");
                goto cleanup;
            }
            beta = br > 0 && orv > 0 ? log(orv) : NAN;
        }
        const char *cat = c_cat >= 0 && !is_missing(t.f[c_cat]) ? t.f[c_cat] : "uncategorized";
        int ci = -1;
        for (int i = n_cat - 1; i >= 0 && ci < 0; i--)
            if (!strcmp(pool.s + cats[i].name, cat)) ci = i;
        if (n == m) {
            m = m ? 2 * m : 1024;
            row_t *nr = realloc(rows, (size_t)m * sizeof *nr);
            if (!nr) { err = duet_log_oom((size_t)m * sizeof *nr); goto cleanup; }
            rows = nr;
        }
        row_t *row = &rows[n++];
        row->phecode = pool_add(&pool, t.f[c_phe], &oom);
        row->desc = pool_add(&pool, c_desc >= 0 && !is_missing(t.f[c_desc]) ? t.f[c_desc]
                                                                            : t.f[c_phe], &oom);
        char *end;
        row->code = strtod(t.f[c_phe], &end);
        row->numeric = end != t.f[c_phe] && !*end && isfinite(row->code);
        if (!row->numeric) row->code = 0;
        row->beta = beta;
        row->mlp = mlp;
        if (ci < 0) {
            if (n_cat == m_cat) {
                m_cat = m_cat ? 2 * m_cat : 32;
                cat_t *nc = realloc(cats, (size_t)m_cat * sizeof *nc);
                if (!nc) { err = duet_log_oom(64); goto cleanup; }
                cats = nc;
            }
            ci = n_cat++;
            cats[ci].name = pool_add(&pool, cat, &oom);
            cats[ci].numeric = row->numeric;
            cats[ci].code = row->code;
            cats[ci].code_str = row->phecode;
        } else if (cmp_code(row->numeric, row->code, pool.s + row->phecode, cats[ci].numeric,
                            cats[ci].code, pool.s + cats[ci].code_str) < 0) {
            cats[ci].numeric = row->numeric;
            cats[ci].code = row->code;
            cats[ci].code_str = row->phecode;
        }
        row->cat = ci;
        if (oom) { err = duet_log_oom(pool.l); goto cleanup; }
    }
    if (r < 0) goto cleanup;
    if (o->id && info->n_rows == 0) {
        duet_log_error("%s: no rows for '%s' in column %s", path, o->id,
                       c_id >= 0 ? t.hdr[c_id] : "(no id column)");
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    if (!o->id && n_other_rows > 0)
        duet_log_warn("%s holds more than one variant or score; plotting the first, '%s' "
                      "(choose another with --id)", path, chosen);
    if (n == 0) {
        duet_log_error("%s: no phecode with a p-value%s%s", path, chosen ? " for " : "",
                       chosen ? chosen : "");
        err = DUET_EDEGENERATE;
        goto cleanup;
    }

    /* Order categories, then rows. */
    pool_s = pool.s;
    cats_g = cats;
    if (!(order = malloc((size_t)n_cat * sizeof *order))) { err = duet_log_oom(64); goto cleanup; }
    for (int i = 0; i < n_cat; i++) order[i] = i;
    qsort(order, (size_t)n_cat, sizeof *order, cmp_cat);
    for (int i = 0; i < n_cat; i++) cats[order[i]].rank = i;
    qsort(rows, (size_t)n, sizeof *rows, cmp_row);

    double bonf = -log10(o->alpha / (double)n), max_mlp = 0;
    for (int64_t i = 0; i < n; i++)
        if (rows[i].mlp > max_mlp) max_mlp = rows[i].mlp;
    plot_panel_t p = { MARGIN_LEFT, MARGIN_TOP, o->width - MARGIN_LEFT - MARGIN_RIGHT,
                       o->height - MARGIN_TOP - MARGIN_BOTTOM, 0, (double)n, 0, 0 };
    p.ymax = fmax(max_mlp, bonf) * 1.1;
    if (p.ymax < 1) p.ymax = 1;
    info->line = bonf;
    info->n_groups = n_cat;

    const char *title = o->title ? o->title : chosen ? chosen : plot_basename(path);
    duet_svg_begin(svg, o->width, o->height, title, o->provenance);
    plot_title(svg, o->width, title);
    plot_y_axis(svg, &p, plot_nice_step(p.ymax, 6), "-log10(p)");
    double y0 = p.top + p.height;
    duet_svg_printf(svg, "<g id=\"x-axis\" stroke=\"#333333\">\n");
    duet_svg_line(svg, p.left, y0, p.left + p.width, y0, NULL);
    duet_svg_printf(svg, "</g>\n");

    /* Markers, one group per category. */
    duet_svg_printf(svg, "<g id=\"points\" stroke=\"none\">\n");
    int64_t i = 0;
    duet_svg_t labels_x;
    duet_svg_init(&labels_x);
    duet_svg_printf(&labels_x, "<g id=\"category-labels\" font-size=\"11\" text-anchor=\"end\">\n");
    while (i < n) {
        int c = rows[i].cat;
        int64_t j = i;
        const char *colour = palette[cats[c].rank % 20];
        duet_svg_printf(svg, "<g class=\"category\" data-category=\"");
        duet_svg_escape(svg, pool.s + cats[c].name);
        duet_svg_printf(svg, "\" fill=\"%s\">\n", colour);
        for (; j < n && rows[j].cat == c; j++) {
            double px = plot_px(&p, (double)j + 0.5), py = plot_py(&p, rows[j].mlp);
            const char *cls;
            if (isnan(rows[j].beta) || rows[j].beta == 0) {
                duet_svg_circle(svg, px, py, MARK * 0.8, "class=\"null\"");
                info->n_points++;
                continue;
            }
            double dir = rows[j].beta > 0 ? -1 : 1; /* screen y grows down */
            cls = rows[j].beta > 0 ? "up" : "down";
            duet_svg_printf(svg, "<path class=\"%s\" d=\"M", cls);
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
            info->n_points++;
        }
        duet_svg_printf(svg, "</g>\n");
        /* Category name below the axis, slanted, at the group's centre. */
        double cx = plot_px(&p, (double)(i + j) / 2), cy = y0 + 14;
        duet_svg_printf(&labels_x, "<text class=\"category-label\" fill=\"%s\" x=\"", colour);
        duet_svg_num(&labels_x, cx, 1);
        duet_svg_printf(&labels_x, "\" y=\"");
        duet_svg_num(&labels_x, cy, 1);
        duet_svg_printf(&labels_x, "\" transform=\"rotate(-40 ");
        duet_svg_num(&labels_x, cx, 1);
        duet_svg_printf(&labels_x, " ");
        duet_svg_num(&labels_x, cy, 1);
        duet_svg_printf(&labels_x, ")\">");
        duet_svg_escape(&labels_x, pool.s + cats[c].name);
        duet_svg_printf(&labels_x, "</text>\n");
        i = j;
    }
    duet_svg_printf(svg, "</g>\n");
    duet_svg_printf(&labels_x, "</g>\n");
    duet_svg_append(svg, &labels_x);
    duet_svg_free(&labels_x);

    duet_svg_line(svg, p.left, plot_py(&p, bonf), p.left + p.width, plot_py(&p, bonf),
                  "id=\"bonferroni\" stroke=\"#cc0000\" stroke-dasharray=\"6 3\"");

    /* Labels: the strongest associations above the Bonferroni line. */
    int n_top = 0;
    if (o->n_labels > 0) {
        if (!(top = malloc((size_t)o->n_labels * sizeof *top))) { err = duet_log_oom(64); goto cleanup; }
        for (int64_t a = 0; a < n; a++) {
            if (rows[a].mlp < bonf) continue;
            /* insertion into the top list, strongest first, x order on ties */
            int at = n_top;
            while (at > 0 && rows[top[at - 1]].mlp < rows[a].mlp) at--;
            if (at >= o->n_labels) continue;
            int last = n_top < o->n_labels ? n_top : o->n_labels - 1;
            memmove(top + at + 1, top + at, (size_t)(last - at) * sizeof *top);
            top[at] = (int)a;
            if (n_top < o->n_labels) n_top++;
        }
    }
    duet_svg_printf(svg, "<g id=\"labels\" font-size=\"10\" fill=\"#222222\">\n");
    for (int a = 0; a < n_top; a++) {
        const row_t *row = &rows[top[a]];
        double px = plot_px(&p, (double)top[a] + 0.5), py = plot_py(&p, row->mlp);
        int right = px > p.left + p.width * 0.8;
        duet_svg_text(svg, right ? px - 7 : px + 7, py + 3,
                      right ? "class=\"label\" text-anchor=\"end\"" : "class=\"label\"",
                      pool.s + row->desc);
    }
    duet_svg_printf(svg, "</g>\n");
    info->n_labels = n_top;
    duet_svg_end(svg);

cleanup:
    duet_table_close(&t);
    free(pool.s);
    free(rows);
    free(cats);
    free(order);
    free(top);
    free(chosen);
    return err;
}
