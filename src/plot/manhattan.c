/*
 * manhattan.c -- the Manhattan plot: -log10 p along the genome, chromosomes
 * in alternating colours (1..22, X, Y, XY, MT, then other contigs in the
 * order first seen), genome-wide and suggestive lines, the top hits
 * labelled (one per 1 Mb locus).  Two passes over the file keep memory
 * independent of its size: the first finds the chromosome extents and the
 * hits, the second draws.  Points above the thinning threshold are all
 * drawn; the rest are thinned to one marker per 1 x 1 pixel cell, which
 * keeps the SVG small without changing what is seen.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "duet/log.h"
#include "plot_internal.h"

#define MARGIN_LEFT 70
#define MARGIN_RIGHT 20
#define MARGIN_TOP 40
#define MARGIN_BOTTOM 60
#define POINT_R 2.2
#define LOCUS_BP 1000000

static const char *const colours[2] = { "#1f4e79", "#6fa8dc" };

typedef struct {
    char *name;
    int64_t min_pos, max_pos, n;
    int kind;        /* 0 numeric, 1 sex/mito, 2 other */
    double key;      /* numeric order within kind */
    double offset;   /* x value of min_pos */
    duet_svg_t pts;  /* this chromosome's markers */
} chrom_t;

typedef struct {
    int chrom;
    int64_t pos;
    double mlp;
    size_t label;    /* offset in the label pool */
} hit_t;

typedef struct {
    chrom_t *c;
    int n, m;
    int last;        /* index of the last chromosome looked up */
} chroms_t;

static void chrom_key(const char *name, int seen, int *kind, double *key)
{
    const char *s = name;
    if (!strncasecmp(s, "chr", 3)) s += 3;
    char *end;
    long v = strtol(s, &end, 10);
    if (end != s && !*end && v >= 0) {
        *kind = 0;
        *key = (double)v;
        return;
    }
    static const char *const special[] = { "X", "Y", "XY", "MT", "M", NULL };
    for (int i = 0; special[i]; i++)
        if (!strcasecmp(s, special[i])) {
            *kind = 1;
            *key = i < 4 ? i : 3;
            return;
        }
    *kind = 2;
    *key = seen;
}

static int chrom_find(chroms_t *cs, const char *name)
{
    if (cs->last >= 0 && cs->last < cs->n && !strcmp(cs->c[cs->last].name, name))
        return cs->last;
    for (int i = 0; i < cs->n; i++)
        if (!strcmp(cs->c[i].name, name)) return cs->last = i;
    return -1;
}

static int chrom_add(chroms_t *cs, const char *name)
{
    if (cs->n == cs->m) {
        int m = cs->m ? 2 * cs->m : 32;
        chrom_t *c = realloc(cs->c, (size_t)m * sizeof *c);
        if (!c) return -1;
        cs->c = c;
        cs->m = m;
    }
    chrom_t *c = &cs->c[cs->n];
    memset(c, 0, sizeof *c);
    if (!(c->name = strdup(name))) return -1;
    chrom_key(name, cs->n, &c->kind, &c->key);
    duet_svg_init(&c->pts);
    return cs->last = cs->n++;
}

static int cmp_chrom(const void *a, const void *b)
{
    const chrom_t *x = a, *y = b;
    if (x->kind != y->kind) return x->kind - y->kind;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;
    if (x->mlp != y->mlp) return x->mlp > y->mlp ? -1 : 1;
    if (x->chrom != y->chrom) return x->chrom - y->chrom;
    if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    return x->label < y->label ? -1 : x->label > y->label;
}

/* The state of one Manhattan plot across its steps. */
typedef struct {
    const char *path;
    const duet_plot_opts_t *o;
    duet_plot_info_t *info;
    duet_table_t t;
    int c_chrom, c_pos, c_label;
    plot_pcol_t pc;
    chroms_t cs;
    hit_t *hits;
    int n_hits, m_hits;
    kstring_t pool;      /* hit labels, NUL-separated */
    double sugg_mlp, gw_mlp, thin_mlp, max_mlp;
    plot_panel_t p;
    double step;         /* y tick step */
} manhattan_t;

/* Find the chromosome, position, label and p columns. */
static duet_err_t find_columns(manhattan_t *m)
{
    static const char *const chrom_names[] = { "chromosome", "#CHROM", "CHROM", "CHR", NULL };
    static const char *const pos_names[] = { "base_pair_location", "POS", "BP", "GENPOS", NULL };
    static const char *const label_names[] = { "rsid", "variant_id", "ID", "SNP", NULL };
    m->c_chrom = duet_table_col(&m->t, chrom_names);
    m->c_pos = duet_table_col(&m->t, pos_names);
    m->c_label = duet_table_col(&m->t, label_names);
    if (m->c_chrom < 0 || m->c_pos < 0) {
        duet_log_error("%s: no %s column (looked for %s)", m->path,
                       m->c_chrom < 0 ? "chromosome" : "position",
                       m->c_chrom < 0 ? "chromosome, #CHROM, CHROM, CHR"
                                      : "base_pair_location, POS, BP, GENPOS");
        return DUET_EFORMAT;
    }
    return plot_find_pcol(&m->t, &m->pc);
}

/* Keep a hit above the suggestive line for labelling. */
static duet_err_t add_hit(manhattan_t *m, int ci, int64_t pos, double mlp)
{
    if (m->n_hits == m->m_hits) {
        int n = m->m_hits ? 2 * m->m_hits : 256;
        hit_t *h = realloc(m->hits, (size_t)n * sizeof *h);
        if (!h) return duet_log_oom((size_t)n * sizeof *h);
        m->hits = h;
        m->m_hits = n;
    }
    hit_t *h = &m->hits[m->n_hits++];
    h->chrom = ci;
    h->pos = pos;
    h->mlp = mlp;
    h->label = m->pool.l;
    const char *lab = m->c_label >= 0 ? m->t.f[m->c_label] : "";
    if (!*lab || !strcmp(lab, "#NA") || !strcmp(lab, "NA") || !strcmp(lab, "."))
        ksprintf(&m->pool, "%s:%lld", m->cs.c[ci].name, (long long)pos);
    else
        kputs(lab, &m->pool);
    if (kputc(0, &m->pool) < 0) return duet_log_oom(m->pool.l);
    return DUET_OK;
}

/* Pass 1: each chromosome's extent, the largest -log10 p, the hits. */
static duet_err_t pass_extents(manhattan_t *m)
{
    duet_table_t *t = &m->t;
    duet_err_t err = DUET_OK;
    int r;
    while ((r = duet_table_next(t, &err)) > 0) {
        m->info->n_rows++;
        double mlp, pos;
        int pr = duet_table_parse_double(t->f[m->c_pos], &pos);
        if (pr < 0 || (pr > 0 && (pos < 0 || pos != floor(pos))))
            return duet_table_bad_value(t, m->c_pos, "a position");
        int mr = plot_row_mlp(t, &m->pc, &mlp, &err);
        if (mr < 0) return err;
        if (pr == 0 || mr == 0 || !*t->f[m->c_chrom]) {
            m->info->n_missing++;
            continue;
        }
        int ci = chrom_find(&m->cs, t->f[m->c_chrom]);
        if (ci < 0 && (ci = chrom_add(&m->cs, t->f[m->c_chrom])) < 0)
            return duet_log_oom(sizeof(chrom_t));
        chrom_t *c = &m->cs.c[ci];
        int64_t p = (int64_t)pos;
        if (c->n == 0 || p < c->min_pos) c->min_pos = p;
        if (c->n == 0 || p > c->max_pos) c->max_pos = p;
        c->n++;
        if (mlp > m->max_mlp) m->max_mlp = mlp;
        if (mlp >= m->sugg_mlp && m->o->n_labels > 0 && (err = add_hit(m, ci, p, mlp)))
            return err;
    }
    if (r < 0) return err;
    if (m->cs.n == 0) {
        duet_log_error("%s: no row with a chromosome, position and p-value", m->path);
        return DUET_EDEGENERATE;
    }
    return DUET_OK;
}

/* Chromosome order and x layout, then the panel.  Hits refer to
 * chromosomes by their first-seen index; they are mapped after sorting. */
static duet_err_t layout(manhattan_t *m)
{
    chroms_t *cs = &m->cs;
    int n_chrom = cs->n;
    int *rank = malloc((size_t)(unsigned)n_chrom * sizeof *rank);
    if (!rank) return duet_log_oom(64);
    for (int i = 0; i < n_chrom; i++) cs->c[i].offset = i; /* remember first-seen index */
    qsort(cs->c, (size_t)n_chrom, sizeof *cs->c, cmp_chrom);
    for (int i = 0; i < n_chrom; i++) rank[(int)cs->c[i].offset] = i;
    double total_span = 0;
    for (int i = 0; i < n_chrom; i++) total_span += (double)(cs->c[i].max_pos - cs->c[i].min_pos);
    if (total_span <= 0) total_span = n_chrom;
    double min_w = total_span * 0.004, gap = n_chrom > 1 ? total_span * 0.008 : 0;
    double x = 0;
    for (int i = 0; i < n_chrom; i++) {
        double span = (double)(cs->c[i].max_pos - cs->c[i].min_pos);
        if (span < min_w) {
            cs->c[i].offset = x + (min_w - span) / 2;
            span = min_w;
            x += span;
        } else {
            cs->c[i].offset = x;
            x += span;
        }
        cs->c[i].key = x; /* reuse: x value at the chromosome's right edge */
        if (i + 1 < n_chrom) x += gap;
    }
    for (int i = 0; i < m->n_hits; i++) m->hits[i].chrom = rank[m->hits[i].chrom];
    free(rank);

    const duet_plot_opts_t *o = m->o;
    plot_panel_t p = { MARGIN_LEFT, MARGIN_TOP, o->width - MARGIN_LEFT - MARGIN_RIGHT,
                       o->height - MARGIN_TOP - MARGIN_BOTTOM, 0, x, 0, 0 };
    double top = fmax(m->max_mlp, m->gw_mlp) * 1.08;
    if (top < 1) top = 1;
    m->step = plot_nice_step(top, 6);
    p.ymax = top;
    m->p = p;
    return DUET_OK;
}

/* Pass 2: markers into each chromosome's group, thinned below the
 * threshold to one per pixel cell. */
static duet_err_t pass_markers(manhattan_t *m)
{
    const plot_panel_t *p = &m->p;
    int gw = (int)ceil(p->width) + 1, gh = (int)ceil(p->height) + 1;
    uint8_t *cells = calloc(((size_t)gw * gh + 7) / 8, 1);
    if (!cells) return duet_log_oom((size_t)gw * gh / 8);
    duet_table_t *t = &m->t;
    duet_err_t err = duet_table_rewind(t);
    m->cs.last = -1;
    int r = 0;
    while (!err && (r = duet_table_next(t, &err)) > 0) {
        double mlp, pos;
        if (duet_table_parse_double(t->f[m->c_pos], &pos) <= 0) continue;
        int mr = plot_row_mlp(t, &m->pc, &mlp, &err);
        if (mr <= 0 || !*t->f[m->c_chrom]) continue; /* mr < 0 set err */
        int ci = chrom_find(&m->cs, t->f[m->c_chrom]);
        if (ci < 0) {
            duet_log_error("%s: changed while being read", m->path);
            err = DUET_EREAD;
            break;
        }
        chrom_t *c = &m->cs.c[ci];
        double px = plot_px(p, c->offset + (double)((int64_t)pos - c->min_pos));
        double py = plot_py(p, mlp);
        if (mlp < m->thin_mlp) {
            int cx = (int)(px - p->left), cy = (int)(py - p->top);
            if (cx < 0) cx = 0;
            if (cy < 0) cy = 0;
            if (cx >= gw) cx = gw - 1;
            if (cy >= gh) cy = gh - 1;
            size_t cell = (size_t)cy * gw + cx;
            if (cells[cell >> 3] >> (cell & 7) & 1) continue;
            cells[cell >> 3] |= (uint8_t)(1u << (cell & 7));
        }
        duet_svg_circle(&c->pts, px, py, POINT_R, NULL);
        m->info->n_points++;
    }
    free(cells);
    return err;
}

/* The x axis with one label per chromosome where there is room. */
static void draw_x_axis(manhattan_t *m, duet_svg_t *svg)
{
    const plot_panel_t *p = &m->p;
    double y0 = p->top + p->height;
    duet_svg_printf(svg, "<g id=\"x-axis\" stroke=\"#333333\">\n");
    duet_svg_line(svg, p->left, y0, p->left + p->width, y0, NULL);
    duet_svg_printf(svg, "</g>\n<g id=\"x-labels\" font-size=\"10\" text-anchor=\"middle\">\n");
    double last_label_x = -1e9;
    for (int i = 0; i < m->cs.n; i++) {
        const chrom_t *c = &m->cs.c[i];
        double left = plot_px(p, c->offset), right = plot_px(p, c->key);
        double mid = (left + right) / 2;
        if (mid - last_label_x < 16) continue; /* too crowded to label */
        const char *name = c->name;
        if (!strncasecmp(name, "chr", 3) && name[3]) name += 3;
        duet_svg_text(svg, mid, y0 + 16, "class=\"chromosome-label\"", name);
        last_label_x = mid;
    }
    duet_svg_printf(svg, "</g>\n");
    duet_svg_text(svg, p->left + p->width / 2, y0 + 40, "id=\"x-title\" text-anchor=\"middle\"",
                  "chromosome");
}

/* The markers by chromosome and the two significance lines. */
static void draw_points(manhattan_t *m, duet_svg_t *svg)
{
    const plot_panel_t *p = &m->p;
    duet_svg_printf(svg, "<g id=\"points\" stroke=\"none\">\n");
    for (int i = 0; i < m->cs.n; i++) {
        chrom_t *c = &m->cs.c[i];
        duet_svg_printf(svg, "<g class=\"chromosome\" data-chromosome=\"");
        duet_svg_escape(svg, c->name);
        duet_svg_printf(svg, "\" fill=\"%s\">\n", colours[i % 2]);
        duet_svg_append(svg, &c->pts);
        duet_svg_printf(svg, "</g>\n");
    }
    duet_svg_printf(svg, "</g>\n");
    duet_svg_line(svg, p->left, plot_py(p, m->sugg_mlp), p->left + p->width,
                  plot_py(p, m->sugg_mlp),
                  "id=\"suggestive\" stroke=\"#3c78d8\" stroke-dasharray=\"4 3\"");
    duet_svg_line(svg, p->left, plot_py(p, m->gw_mlp), p->left + p->width,
                  plot_py(p, m->gw_mlp),
                  "id=\"genome-wide\" stroke=\"#cc0000\" stroke-dasharray=\"6 3\"");
}

/* Labels: the best hit of each 1 Mb locus, strongest first. */
static duet_err_t draw_labels(manhattan_t *m, duet_svg_t *svg)
{
    int n_max = m->o->n_labels;
    int *labelled = malloc((size_t)(n_max > 0 ? n_max : 1) * sizeof *labelled);
    if (!labelled) return duet_log_oom(64);
    hit_t *hits = m->hits;
    if (m->n_hits > 0) qsort(hits, (size_t)m->n_hits, sizeof *hits, cmp_hit);
    duet_svg_printf(svg, "<g id=\"labels\" font-size=\"10\" fill=\"#222222\">\n");
    int n_lab = 0;
    for (int i = 0; i < m->n_hits && n_lab < n_max; i++) {
        int clash = 0;
        for (int j = 0; j < n_lab && !clash; j++) {
            const hit_t *h = &hits[labelled[j]];
            clash = h->chrom == hits[i].chrom && llabs(h->pos - hits[i].pos) < LOCUS_BP;
        }
        if (clash) continue;
        const chrom_t *c = &m->cs.c[hits[i].chrom];
        double px = plot_px(&m->p, c->offset + (double)(hits[i].pos - c->min_pos));
        double py = plot_py(&m->p, hits[i].mlp);
        duet_svg_text(svg, px + 4, py - 4, "class=\"label\"", m->pool.s + hits[i].label);
        labelled[n_lab++] = i;
    }
    duet_svg_printf(svg, "</g>\n");
    m->info->n_labels = n_lab;
    free(labelled);
    return DUET_OK;
}

/* The document from the laid-out state. */
static duet_err_t draw(manhattan_t *m, duet_svg_t *svg)
{
    const duet_plot_opts_t *o = m->o;
    const char *title = o->title ? o->title : plot_basename(m->path);
    duet_svg_begin(svg, o->width, o->height, title, o->provenance);
    plot_title(svg, o->width, title);
    plot_y_axis(svg, &m->p, m->step, "-log10(p)");
    draw_x_axis(m, svg);
    draw_points(m, svg);
    m->info->n_groups = m->cs.n;
    m->info->line = m->gw_mlp;
    duet_err_t err = draw_labels(m, svg);
    if (err) return err;
    duet_svg_end(svg);
    return DUET_OK;
}

duet_err_t duet_plot_manhattan(const char *path, const duet_plot_opts_t *o,
                               duet_svg_t *svg, duet_plot_info_t *info)
{
    memset(info, 0, sizeof *info);
    manhattan_t m;
    memset(&m, 0, sizeof m);
    m.path = path;
    m.o = o;
    m.info = info;
    m.cs.last = -1;
    m.sugg_mlp = -log10(o->suggestive);
    m.gw_mlp = -log10(o->genome_wide);
    m.thin_mlp = -log10(o->thin);
    duet_err_t err = duet_table_open(path, &m.t);
    if (err) return err;
    if (!(err = find_columns(&m)) && !(err = pass_extents(&m)) && !(err = layout(&m)) &&
        !(err = pass_markers(&m)))
        err = draw(&m, svg);
    duet_table_close(&m.t);
    for (int i = 0; i < m.cs.n; i++) {
        free(m.cs.c[i].name);
        duet_svg_free(&m.cs.c[i].pts);
    }
    free(m.cs.c);
    free(m.hits);
    free(m.pool.s);
    return err;
}
