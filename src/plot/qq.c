/*
 * qq.c -- the QQ plot: observed against expected -log10 p, with the
 * pointwise 95% band of the order statistics under the null (the i-th
 * smallest of n uniform p-values is Beta(i, n - i + 1); quantiles from
 * libRmath's qbeta) and the genomic-control inflation factor lambda GC =
 * median chi-square(1 df) / 0.4549364 (Devlin and Roeder, Biometrics 1999),
 * the chi-square values obtained from -log10 p through qchisq on the log
 * scale so that p-values below 1e-308 still count.  When the table has an
 * allele frequency column (effect_allele_frequency, A1_FREQ, A1FREQ) the
 * headline lambda GC is taken over variants with MAF >= 1%, and lambda per
 * MAF bin and over every variant are written under it (dist.h: over every
 * variant, rare ones dominate and it reads 0.4-2 on null data); the
 * median chi-square is the chi-square of the median -log10 p (a monotone
 * map), so no row needs a qchisq.  Expected values are
 * -log10((i - 0.5) / n).  Points closer than 0.7 pixel to the previous one
 * drawn are skipped: the figure looks the same and stays small.
 */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/dist.h"
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

/* k-th smallest of a[0..n-1] (reordered; Hoare's selection) */
static double select_k(double *a, size_t n, size_t kk)
{
    long lo = 0, hi = (long)n - 1, k = (long)kk;
    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return a[k];
    }
    return a[k];
}

/* chi-square (1 df) whose upper tail is 10^-mlp */
static double chisq_of(double mlp)
{
    return qchisq(-mlp * M_LN10, 1.0, 0, 1);
}

/* The state of one QQ plot across its steps. */
typedef struct {
    const char *path;
    const duet_plot_opts_t *o;
    duet_plot_info_t *info;
    double *v, *fq;                      /* -log10 p and allele frequency per row */
    int64_t n, m;
    int fcol;                            /* frequency column, -1 if none */
    double lam[DUET_LAMBDA_N_BINS + 2];  /* 0: MAF >= 1%; 1..: bins; last: all */
    size_t lam_n[DUET_LAMBDA_N_BINS + 2];
    int by_maf;                          /* headline lambda over MAF >= 1% */
    double lambda;
    plot_panel_t p;
} qq_t;

/* Read every -log10 p (and frequency) into memory. */
static duet_err_t read_values(qq_t *q)
{
    duet_table_t t;
    duet_err_t err = duet_table_open(q->path, &t);
    if (err) return err;
    plot_pcol_t pc;
    static const char *const freq_names[] = { "effect_allele_frequency", "A1_FREQ", "A1FREQ",
                                              NULL };
    q->fcol = duet_table_col(&t, freq_names);
    int r = 0;
    if ((err = plot_find_pcol(&t, &pc))) goto done;
    while ((r = duet_table_next(&t, &err)) > 0) {
        q->info->n_rows++;
        double mlp;
        int mr = plot_row_mlp(&t, &pc, &mlp, &err);
        if (mr < 0) goto done;
        if (mr == 0) {
            q->info->n_missing++;
            continue;
        }
        if (q->n == q->m) {
            q->m = q->m ? 2 * q->m : 65536;
            double *nv = realloc(q->v, (size_t)q->m * sizeof *nv);
            if (!nv) { err = duet_log_oom((size_t)q->m * sizeof *nv); goto done; }
            q->v = nv;
            double *nf = realloc(q->fq, (size_t)q->m * sizeof *nf);
            if (!nf) { err = duet_log_oom((size_t)q->m * sizeof *nf); goto done; }
            q->fq = nf;
        }
        double f = NAN;
        if (q->fcol >= 0 && duet_table_parse_double(t.f[q->fcol], &f) < 0) f = NAN;
        q->fq[q->n] = f;
        q->v[q->n++] = mlp;
    }
    if (r == 0 && q->n == 0) {
        duet_log_error("%s: no row with a p-value", q->path);
        err = DUET_EDEGENERATE;
    }
done:
    duet_table_close(&t);
    return err;
}

/* Lambda GC of one group: the median chi-square is the chi-square of the
 * median -log10 p.  tmp holds the group's k values (reordered). */
static double lambda_of(double *tmp, size_t k)
{
    double hi_m = select_k(tmp, k, k / 2), med;
    if (k % 2) {
        med = chisq_of(hi_m);
    } else {
        double lo_m = tmp[0];
        for (size_t i = 1; i < k / 2; i++)
            if (tmp[i] > lo_m) lo_m = tmp[i];
        med = 0.5 * (chisq_of(lo_m) + chisq_of(hi_m));
    }
    return med / qchisq(0.5, 1.0, 0, 0);
}

/* Lambda GC over MAF >= 1%, per MAF bin (dist.h) and over every variant. */
static duet_err_t lambdas(qq_t *q)
{
    double *tmp = malloc((size_t)q->n * sizeof *tmp);
    if (!tmp) return duet_log_oom((size_t)q->n * sizeof *tmp);
    for (int g = 0; g < DUET_LAMBDA_N_BINS + 2; g++) {
        double lo = DUET_LAMBDA_MIN_MAF, hi = 0.5;
        const char *label;
        if (g >= 1 && g <= DUET_LAMBDA_N_BINS) duet_lambda_bin(g - 1, &lo, &hi, &label);
        int last = g == 0 || g == DUET_LAMBDA_N_BINS;
        size_t k = 0;
        for (int64_t i = 0; i < q->n; i++) {
            if (g <= DUET_LAMBDA_N_BINS) {
                double maf = fmin(q->fq[i], 1 - q->fq[i]);
                if (!(maf >= lo && (maf < hi || (last && maf <= hi)))) continue;
            }
            tmp[k++] = q->v[i];
        }
        q->lam_n[g] = k;
        q->lam[g] = k ? lambda_of(tmp, k) : NAN;
    }
    free(tmp);
    q->by_maf = q->fcol >= 0 && q->lam_n[0] > 0;
    q->lambda = q->by_maf ? q->lam[0] : q->lam[DUET_LAMBDA_N_BINS + 1];
    q->info->lambda_gc = q->lambda;
    return DUET_OK;
}

/* The document's opening and the title, which carries lambda GC. */
static void draw_title(const qq_t *q, duet_svg_t *svg)
{
    const duet_plot_opts_t *o = q->o;
    const char *title = o->title ? o->title : plot_basename(q->path);
    char lambda_txt[32];
    snprintf(lambda_txt, sizeof lambda_txt, "%.4f", q->lambda);
    kstring_t doc_title = { 0, 0, NULL };
    ksprintf(&doc_title, "%s (lambda GC = %s%s)", title, lambda_txt,
             q->by_maf ? ", MAF >= 0.01" : "");
    duet_svg_begin(svg, o->width, o->height, doc_title.s ? doc_title.s : title, o->provenance);
    free(doc_title.s);
    duet_svg_printf(svg, "<text id=\"title\" x=\"");
    duet_svg_num(svg, o->width / 2.0, 1);
    duet_svg_printf(svg, "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">");
    duet_svg_escape(svg, title);
    duet_svg_printf(svg, "  <tspan id=\"lambda-gc\">\xce\xbb<tspan baseline-shift=\"sub\" "
                         "font-size=\"10\">GC</tspan>%s = %s</tspan></text>\n",
                    q->by_maf ? " (MAF \xe2\x89\xa5 1%)" : "", lambda_txt);
}

/* The pointwise 95% band: the i-th smallest of n uniform p-values is
 * Beta(i, n - i + 1).  Ranks thinned geometrically (factor 1.04). */
static duet_err_t band_points(int64_t n, double **bx_out, double **blo_out, double **bhi_out,
                              int *nb_out)
{
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
                return duet_log_oom((size_t)mb * 8);
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
    *bx_out = bx;
    *blo_out = blo;
    *bhi_out = bhi;
    *nb_out = nb;
    return DUET_OK;
}

/* The band, clipped to the panel, as one polygon: upper edge from the
 * smallest expected value up, lower edge back down. */
static duet_err_t draw_band(const qq_t *q, duet_svg_t *svg)
{
    const plot_panel_t *p = &q->p;
    duet_svg_printf(svg, "<polygon id=\"band\" fill=\"#d9d9d9\" stroke=\"none\" points=\"");
    double *bx = NULL, *blo = NULL, *bhi = NULL;
    int nb = 0;
    duet_err_t err = band_points(q->n, &bx, &blo, &bhi, &nb);
    if (err) return err;
    for (int i = 0; i < nb; i++) {
        duet_svg_num(svg, plot_px(p, bx[i]), 1);
        duet_svg_printf(svg, ",");
        duet_svg_num(svg, plot_py(p, fmin(bhi[i], p->ymax)), 1);
        duet_svg_printf(svg, " ");
    }
    for (int i = nb - 1; i >= 0; i--) {
        duet_svg_num(svg, plot_px(p, bx[i]), 1);
        duet_svg_printf(svg, ",");
        duet_svg_num(svg, plot_py(p, fmin(blo[i], p->ymax)), 1);
        if (i) duet_svg_printf(svg, " ");
    }
    duet_svg_printf(svg, "\"/>\n");
    free(bx);
    free(blo);
    free(bhi);
    return DUET_OK;
}

/* Axes, the diagonal and the points (sorted, closer than MIN_STEP_PX to
 * the previous one skipped). */
static void draw_points(qq_t *q, duet_svg_t *svg)
{
    const plot_panel_t *p = &q->p;
    plot_y_axis(svg, p, plot_nice_step(p->ymax, 6), "observed -log10(p)");
    plot_x_axis(svg, p, plot_nice_step(p->xmax, 6), "expected -log10(p)");
    double d = fmin(p->xmax, p->ymax);
    duet_svg_line(svg, plot_px(p, 0), plot_py(p, 0), plot_px(p, d), plot_py(p, d),
                  "id=\"diagonal\" stroke=\"#cc0000\" stroke-width=\"1\"");
    duet_svg_printf(svg, "<g id=\"points\" fill=\"#1f4e79\" stroke=\"none\">\n");
    double lx = -1e9, ly = -1e9;
    for (int64_t i = 0; i < q->n; i++) {
        double px = plot_px(p, -log10(((double)i + 0.5) / (double)q->n));
        double py = plot_py(p, q->v[i]);
        if (fabs(px - lx) < MIN_STEP_PX && fabs(py - ly) < MIN_STEP_PX) continue;
        duet_svg_circle(svg, px, py, POINT_R, NULL);
        q->info->n_points++;
        lx = px;
        ly = py;
    }
    duet_svg_printf(svg, "</g>\n");
}

/* n, and lambda per MAF bin and over every variant under it. */
static void draw_counts(const qq_t *q, duet_svg_t *svg)
{
    const plot_panel_t *p = &q->p;
    char buf[96];
    snprintf(buf, sizeof buf, "n = %lld", (long long)q->n);
    duet_svg_text(svg, p->left + 12, p->top + 18, "id=\"n-tests\" font-size=\"12\"", buf);
    if (q->fcol < 0) return;
    for (int g = 1; g <= DUET_LAMBDA_N_BINS + 1; g++) {
        double lo, hi;
        const char *label = "all";
        if (g <= DUET_LAMBDA_N_BINS) duet_lambda_bin(g - 1, &lo, &hi, &label);
        char attr[96], txt[96];
        snprintf(attr, sizeof attr, "id=\"lambda-maf-%d\" font-size=\"11\"", g);
        if (isfinite(q->lam[g]))
            snprintf(txt, sizeof txt, "\xce\xbb MAF %s: %.4f (n = %zu)", label, q->lam[g],
                     q->lam_n[g]);
        else
            snprintf(txt, sizeof txt, "\xce\xbb MAF %s: NA (n = 0)", label);
        if (g == DUET_LAMBDA_N_BINS + 1)
            snprintf(txt, sizeof txt, "\xce\xbb all variants: %.4f", q->lam[g]);
        duet_svg_text(svg, p->left + 12, p->top + 18 + 15 * g, attr, txt);
    }
}

duet_err_t duet_plot_qq(const char *path, const duet_plot_opts_t *o,
                        duet_svg_t *svg, duet_plot_info_t *info)
{
    memset(info, 0, sizeof *info);
    qq_t q;
    memset(&q, 0, sizeof q);
    q.path = path;
    q.o = o;
    q.info = info;
    duet_err_t err = read_values(&q);
    if (!err) err = lambdas(&q); /* before the sort: groups by MAF */
    if (!err) {
        qsort(q.v, (size_t)q.n, sizeof *q.v, cmp_desc);
        double e_max = -log10(0.5 / (double)q.n);
        plot_panel_t p = { MARGIN_LEFT, MARGIN_TOP, o->width - MARGIN_LEFT - MARGIN_RIGHT,
                           o->height - MARGIN_TOP - MARGIN_BOTTOM, 0, 0, 0, 0 };
        p.xmax = e_max * 1.05;
        p.ymax = fmax(q.v[0], e_max) * 1.05;
        if (p.xmax < 1) p.xmax = 1;
        if (p.ymax < 1) p.ymax = 1;
        q.p = p;
        draw_title(&q, svg);
        err = draw_band(&q, svg);
    }
    if (!err) {
        draw_points(&q, svg);
        draw_counts(&q, svg);
        duet_svg_end(svg);
    }
    free(q.v);
    free(q.fq);
    return err;
}
