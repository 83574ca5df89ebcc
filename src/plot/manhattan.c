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

duet_err_t duet_plot_manhattan(const char *path, const duet_plot_opts_t *o,
                               duet_svg_t *svg, duet_plot_info_t *info)
{
    static const char *const chrom_names[] = { "chromosome", "#CHROM", "CHROM", "CHR", NULL };
    static const char *const pos_names[] = { "base_pair_location", "POS", "BP", "GENPOS", NULL };
    static const char *const label_names[] = { "rsid", "variant_id", "ID", "SNP", NULL };
    memset(info, 0, sizeof *info);
    duet_table_t t;
    duet_err_t err = duet_table_open(path, &t);
    if (err) return err;
    chroms_t cs = { NULL, 0, 0, -1 };
    hit_t *hits = NULL;
    int n_hits = 0, m_hits = 0;
    kstring_t pool = { 0, 0, NULL };
    uint8_t *cells = NULL;
    int *rank = NULL, *labelled = NULL;

    int c_chrom = duet_table_col(&t, chrom_names);
    int c_pos = duet_table_col(&t, pos_names);
    int c_label = duet_table_col(&t, label_names);
    plot_pcol_t pc;
    if (c_chrom < 0 || c_pos < 0) {
        duet_log_error("%s: no %s column (looked for %s)", path,
                       c_chrom < 0 ? "chromosome" : "position",
                       c_chrom < 0 ? "chromosome, #CHROM, CHROM, CHR"
                                   : "base_pair_location, POS, BP, GENPOS");
        err = DUET_EFORMAT;
        goto cleanup;
    }
    if ((err = plot_find_pcol(&t, &pc))) goto cleanup;

    double sugg_mlp = -log10(o->suggestive), gw_mlp = -log10(o->genome_wide);
    double thin_mlp = -log10(o->thin), max_mlp = 0;
    int r;
    /* Pass 1: extents and hits. */
    while ((r = duet_table_next(&t, &err)) > 0) {
        info->n_rows++;
        double mlp, pos;
        int pr = duet_table_parse_double(t.f[c_pos], &pos);
        if (pr < 0 || (pr > 0 && (pos < 0 || pos != floor(pos)))) {
            err = duet_table_bad_value(&t, c_pos, "a position");
            goto cleanup;
        }
        int mr = plot_row_mlp(&t, &pc, &mlp, &err);
        if (mr < 0) goto cleanup;
        if (pr == 0 || mr == 0 || !*t.f[c_chrom]) {
            info->n_missing++;
            continue;
        }
        int ci = chrom_find(&cs, t.f[c_chrom]);
        if (ci < 0 && (ci = chrom_add(&cs, t.f[c_chrom])) < 0) {
            err = duet_log_oom(sizeof(chrom_t));
            goto cleanup;
        }
        chrom_t *c = &cs.c[ci];
        int64_t p = (int64_t)pos;
        if (c->n == 0 || p < c->min_pos) c->min_pos = p;
        if (c->n == 0 || p > c->max_pos) c->max_pos = p;
        c->n++;
        if (mlp > max_mlp) max_mlp = mlp;
        if (mlp >= sugg_mlp && o->n_labels > 0) {
            if (n_hits == m_hits) {
                int m = m_hits ? 2 * m_hits : 256;
                hit_t *h = realloc(hits, (size_t)m * sizeof *h);
                if (!h) { err = duet_log_oom((size_t)m * sizeof *h); goto cleanup; }
                hits = h;
                m_hits = m;
            }
            hit_t *h = &hits[n_hits++];
            h->chrom = ci;
            h->pos = p;
            h->mlp = mlp;
            h->label = pool.l;
            const char *lab = c_label >= 0 ? t.f[c_label] : "";
            if (!*lab || !strcmp(lab, "#NA") || !strcmp(lab, "NA") || !strcmp(lab, "."))
                ksprintf(&pool, "%s:%lld", c->name, (long long)p);
            else
                kputs(lab, &pool);
            if (kputc(0, &pool) < 0) { err = duet_log_oom(pool.l); goto cleanup; }
        }
    }
    if (r < 0) goto cleanup;
    if (cs.n == 0) {
        duet_log_error("%s: no row with a chromosome, position and p-value", path);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }

    /* Chromosome order and x layout (hits refer to chromosomes by their
     * first-seen index; map them after sorting). */
    int n_chrom = cs.n;
    for (int i = 0; i < n_chrom; i++) cs.c[i].offset = i; /* remember first-seen index */
    qsort(cs.c, (size_t)n_chrom, sizeof *cs.c, cmp_chrom);
    if (!(rank = malloc((size_t)(unsigned)n_chrom * sizeof *rank))) { err = duet_log_oom(64); goto cleanup; }
    for (int i = 0; i < n_chrom; i++) rank[(int)cs.c[i].offset] = i;
    double total_span = 0;
    for (int i = 0; i < n_chrom; i++) total_span += (double)(cs.c[i].max_pos - cs.c[i].min_pos);
    if (total_span <= 0) total_span = n_chrom;
    double min_w = total_span * 0.004, gap = n_chrom > 1 ? total_span * 0.008 : 0;
    double x = 0;
    for (int i = 0; i < n_chrom; i++) {
        double span = (double)(cs.c[i].max_pos - cs.c[i].min_pos);
        if (span < min_w) {
            cs.c[i].offset = x + (min_w - span) / 2;
            span = min_w;
            x += span;
        } else {
            cs.c[i].offset = x;
            x += span;
        }
        cs.c[i].key = x; /* reuse: x value at the chromosome's right edge */
        if (i + 1 < n_chrom) x += gap;
    }
    for (int i = 0; i < n_hits; i++) hits[i].chrom = rank[hits[i].chrom];

    plot_panel_t p = { MARGIN_LEFT, MARGIN_TOP, o->width - MARGIN_LEFT - MARGIN_RIGHT,
                       o->height - MARGIN_TOP - MARGIN_BOTTOM, 0, x, 0, 0 };
    double top = fmax(max_mlp, gw_mlp) * 1.08;
    if (top < 1) top = 1;
    double step = plot_nice_step(top, 6);
    p.ymax = top;

    /* Pass 2: markers, thinned below the threshold. */
    int gw = (int)ceil(p.width) + 1, gh = (int)ceil(p.height) + 1;
    if (!(cells = calloc(((size_t)gw * gh + 7) / 8, 1))) { err = duet_log_oom((size_t)gw * gh / 8); goto cleanup; }
    if ((err = duet_table_rewind(&t))) goto cleanup;
    cs.last = -1;
    while ((r = duet_table_next(&t, &err)) > 0) {
        double mlp, pos;
        if (duet_table_parse_double(t.f[c_pos], &pos) <= 0) continue;
        int mr = plot_row_mlp(&t, &pc, &mlp, &err);
        if (mr < 0) goto cleanup;
        if (mr == 0 || !*t.f[c_chrom]) continue;
        int ci = chrom_find(&cs, t.f[c_chrom]);
        if (ci < 0) {
            duet_log_error("%s: changed while being read", path);
            err = DUET_EREAD;
            goto cleanup;
        }
        chrom_t *c = &cs.c[ci];
        double px = plot_px(&p, c->offset + (double)((int64_t)pos - c->min_pos));
        double py = plot_py(&p, mlp);
        if (mlp < thin_mlp) {
            int cx = (int)(px - p.left), cy = (int)(py - p.top);
            if (cx < 0) cx = 0;
            if (cy < 0) cy = 0;
            if (cx >= gw) cx = gw - 1;
            if (cy >= gh) cy = gh - 1;
            size_t cell = (size_t)cy * gw + cx;
            if (cells[cell >> 3] >> (cell & 7) & 1) continue;
            cells[cell >> 3] |= (uint8_t)(1u << (cell & 7));
        }
        duet_svg_circle(&c->pts, px, py, POINT_R, NULL);
        info->n_points++;
    }
    if (r < 0) goto cleanup;

    /* The document. */
    const char *title = o->title ? o->title : plot_basename(path);
    duet_svg_begin(svg, o->width, o->height, title, o->provenance);
    plot_title(svg, o->width, title);
    plot_y_axis(svg, &p, step, "-log10(p)");
    double y0 = p.top + p.height;
    duet_svg_printf(svg, "<g id=\"x-axis\" stroke=\"#333333\">\n");
    duet_svg_line(svg, p.left, y0, p.left + p.width, y0, NULL);
    duet_svg_printf(svg, "</g>\n<g id=\"x-labels\" font-size=\"10\" text-anchor=\"middle\">\n");
    double last_label_x = -1e9;
    for (int i = 0; i < n_chrom; i++) {
        const chrom_t *c = &cs.c[i];
        double left = plot_px(&p, c->offset), right = plot_px(&p, c->key);
        double mid = (left + right) / 2;
        if (mid - last_label_x < 16) continue; /* too crowded to label */
        const char *name = c->name;
        if (!strncasecmp(name, "chr", 3) && name[3]) name += 3;
        duet_svg_text(svg, mid, y0 + 16, "class=\"chromosome-label\"", name);
        last_label_x = mid;
    }
    duet_svg_printf(svg, "</g>\n");
    duet_svg_text(svg, p.left + p.width / 2, y0 + 40, "id=\"x-title\" text-anchor=\"middle\"",
                  "chromosome");
    duet_svg_printf(svg, "<g id=\"points\" stroke=\"none\">\n");
    for (int i = 0; i < n_chrom; i++) {
        chrom_t *c = &cs.c[i];
        duet_svg_printf(svg, "<g class=\"chromosome\" data-chromosome=\"");
        duet_svg_escape(svg, c->name);
        duet_svg_printf(svg, "\" fill=\"%s\">\n", colours[i % 2]);
        duet_svg_append(svg, &c->pts);
        duet_svg_printf(svg, "</g>\n");
    }
    duet_svg_printf(svg, "</g>\n");
    info->n_groups = n_chrom;
    info->line = gw_mlp;
    duet_svg_line(svg, p.left, plot_py(&p, sugg_mlp), p.left + p.width, plot_py(&p, sugg_mlp),
                  "id=\"suggestive\" stroke=\"#3c78d8\" stroke-dasharray=\"4 3\"");
    duet_svg_line(svg, p.left, plot_py(&p, gw_mlp), p.left + p.width, plot_py(&p, gw_mlp),
                  "id=\"genome-wide\" stroke=\"#cc0000\" stroke-dasharray=\"6 3\"");

    /* Labels: the best hit of each 1 Mb locus, strongest first. */
    if (!(labelled = malloc((size_t)(o->n_labels > 0 ? o->n_labels : 1) * sizeof *labelled))) {
        err = duet_log_oom(64);
        goto cleanup;
    }
    if (n_hits > 0) qsort(hits, (size_t)n_hits, sizeof *hits, cmp_hit); /* hits is NULL when empty */
    duet_svg_printf(svg, "<g id=\"labels\" font-size=\"10\" fill=\"#222222\">\n");
    int n_lab = 0;
    for (int i = 0; i < n_hits && n_lab < o->n_labels; i++) {
        int clash = 0;
        for (int j = 0; j < n_lab && !clash; j++) {
            const hit_t *h = &hits[labelled[j]];
            clash = h->chrom == hits[i].chrom && llabs(h->pos - hits[i].pos) < LOCUS_BP;
        }
        if (clash) continue;
        const chrom_t *c = &cs.c[hits[i].chrom];
        double px = plot_px(&p, c->offset + (double)(hits[i].pos - c->min_pos));
        double py = plot_py(&p, hits[i].mlp);
        duet_svg_text(svg, px + 4, py - 4, "class=\"label\"", pool.s + hits[i].label);
        labelled[n_lab++] = i;
    }
    duet_svg_printf(svg, "</g>\n");
    info->n_labels = n_lab;
    duet_svg_end(svg);

cleanup:
    duet_table_close(&t);
    for (int i = 0; i < cs.n; i++) {
        free(cs.c[i].name);
        duet_svg_free(&cs.c[i].pts);
    }
    free(cs.c);
    free(hits);
    free(pool.s);
    free(cells);
    free(rank);
    free(labelled);
    return err;
}
