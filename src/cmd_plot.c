/*
 * cmd_plot.c -- `duet plot manhattan|qq|phewas|embed IN -o F.svg`: SVG figures of
 * summary statistics and PheWAS tables (src/plot/), written atomically.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/plot.h"
#include "duet/svg.h"
#include "duet/version.h"

enum {
    OPT_TITLE = DUET_OPT_FIRST_PRIVATE,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_LABEL,
    OPT_GENOME_WIDE,
    OPT_SUGGESTIVE,
    OPT_THIN,
    OPT_ID,
    OPT_ALPHA,
    OPT_PHENO,
    OPT_PHENO_NAME
};

#define PLOT_COMMON (DUET_USE_OUT | DUET_USE_QUIET | DUET_USE_NO_VERSION | DUET_USE_FORCE)

static void usage_plot(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   SVG figures: Manhattan and QQ plots of summary statistics, PheWAS plots.\n"
        "Usage:   duet plot <manhattan|qq|phewas|embed> IN -o FILE.svg [options]\n"
        "\n"
        "Figures:\n"
        "    manhattan   -log10 p along the genome, genome-wide and suggestive lines, top hits\n"
        "    qq          observed vs expected -log10 p, 95%% band, lambda GC\n"
        "    phewas      one variant or score across phecodes, by category, effect direction\n"
        "    embed       a per-person embedding on its first two PCs, coloured by a trait\n"
        "\n"
        "'duet plot FIGURE -h' lists the options of each.\n\n");
}

static void usage(FILE *fp, duet_plot_kind_t kind)
{
    static const char *const about[] = {
        "Manhattan plot of summary statistics (GWAS-SSF, plink2 or regenie columns).",
        "QQ plot of summary-statistic p-values with a 95% band and lambda GC.",
        "PheWAS plot of one variant or score across phecodes.",
        "A per-person embedding (duet embed) on its first two PCs, coloured by a trait."
    };
    static const char *const name[] = { "manhattan", "qq", "phewas", "embed" };
    duet_plot_opts_t d;
    duet_plot_opts_init(&d, kind);
    fprintf(fp, "\nAbout:   %s\n", about[kind]);
    fprintf(fp, "Usage:   duet plot %s IN -o FILE.svg [options]\n\n", name[kind]);
    fprintf(fp, "Input:\n"
                "    IN                         %s (plain, gzip or bgzip)\n",
            kind == DUET_PLOT_PHEWAS  ? "a PheWAS table (duet phewas)"
            : kind == DUET_PLOT_EMBED ? "a per-person table (duet embed P.<modality>.tsv)"
                                      : "summary statistics (duet gwas, plink2, regenie)");
    if (kind == DUET_PLOT_EMBED)
        fprintf(fp, "        --pheno FILE           phenotype table colouring the points (IID + traits)\n"
                    "        --pheno-name NAME      its column: 0/1 as case/control, else a colour ramp\n");
    fprintf(fp, "Figure:\n"
                "        --title TEXT           title [the input's file name]\n"
                "        --width INT            width in pixels [%d]\n"
                "        --height INT           height in pixels [%d]\n",
            d.width, d.height);
    if (kind != DUET_PLOT_QQ && kind != DUET_PLOT_EMBED)
        fprintf(fp, "        --label INT            label this many top hits [%d]\n", d.n_labels);
    if (kind == DUET_PLOT_MANHATTAN)
        fprintf(fp,
                "        --genome-wide FLOAT    genome-wide significance line, p [5e-08]\n"
                "        --suggestive FLOAT     suggestive line, p [1e-05]\n"
                "        --thin FLOAT           points with p >= this are thinned to one per\n"
                "                               pixel; all smaller p are drawn [0.001]\n");
    if (kind == DUET_PLOT_PHEWAS)
        fprintf(fp,
                "        --id ID                the variant or score to plot [the first in IN]\n"
                "        --alpha FLOAT          Bonferroni line at FLOAT / phecodes tested [0.05]\n");
    duet_opts_usage_common(fp, PLOT_COMMON, "FILE");
    fprintf(fp, "\n");
}

/* The option table of one figure. */
static const struct option *long_options(duet_plot_kind_t kind)
{
    static const struct option lopts_manhattan[] = {
        {"title", required_argument, NULL, OPT_TITLE},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"height", required_argument, NULL, OPT_HEIGHT},
        {"label", required_argument, NULL, OPT_LABEL},
        {"genome-wide", required_argument, NULL, OPT_GENOME_WIDE},
        {"suggestive", required_argument, NULL, OPT_SUGGESTIVE},
        {"thin", required_argument, NULL, OPT_THIN},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    static const struct option lopts_qq[] = {
        {"title", required_argument, NULL, OPT_TITLE},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"height", required_argument, NULL, OPT_HEIGHT},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    static const struct option lopts_phewas[] = {
        {"title", required_argument, NULL, OPT_TITLE},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"height", required_argument, NULL, OPT_HEIGHT},
        {"label", required_argument, NULL, OPT_LABEL},
        {"id", required_argument, NULL, OPT_ID},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    static const struct option lopts_embed[] = {
        {"title", required_argument, NULL, OPT_TITLE},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"height", required_argument, NULL, OPT_HEIGHT},
        {"pheno", required_argument, NULL, OPT_PHENO},
        {"pheno-name", required_argument, NULL, OPT_PHENO_NAME},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    return kind == DUET_PLOT_MANHATTAN ? lopts_manhattan
           : kind == DUET_PLOT_QQ      ? lopts_qq
           : kind == DUET_PLOT_EMBED   ? lopts_embed
                                       : lopts_phewas;
}

/* One figure option into `po`; DUET_EUSAGE (reported) for a bad value,
 * -1 when `c` is not a figure option. */
static int figure_option(int c, const char *arg, duet_plot_opts_t *po)
{
    long lv;
    switch (c) {
    case OPT_TITLE: po->title = arg; return DUET_OK;
    case OPT_WIDTH:
        if (duet_opts_parse_long("--width", arg, 200, 20000, &lv)) return DUET_EUSAGE;
        po->width = (int)lv;
        return DUET_OK;
    case OPT_HEIGHT:
        if (duet_opts_parse_long("--height", arg, 200, 20000, &lv)) return DUET_EUSAGE;
        po->height = (int)lv;
        return DUET_OK;
    case OPT_LABEL:
        if (duet_opts_parse_long("--label", arg, 0, 1000, &lv)) return DUET_EUSAGE;
        po->n_labels = (int)lv;
        return DUET_OK;
    case OPT_GENOME_WIDE:
        return duet_opts_parse_double("--genome-wide", arg, 1e-300, 1, &po->genome_wide)
                   ? DUET_EUSAGE : DUET_OK;
    case OPT_SUGGESTIVE:
        return duet_opts_parse_double("--suggestive", arg, 1e-300, 1, &po->suggestive)
                   ? DUET_EUSAGE : DUET_OK;
    case OPT_THIN:
        return duet_opts_parse_double("--thin", arg, 1e-300, 1, &po->thin) ? DUET_EUSAGE
                                                                           : DUET_OK;
    case OPT_ID: po->id = arg; return DUET_OK;
    case OPT_PHENO: po->pheno = arg; return DUET_OK;
    case OPT_PHENO_NAME: po->pheno_name = arg; return DUET_OK;
    case OPT_ALPHA:
        return duet_opts_parse_double("--alpha", arg, 1e-300, 1, &po->alpha) ? DUET_EUSAGE
                                                                             : DUET_OK;
    }
    return -1;
}

/* Parse the options of `duet plot KIND` (argv[0] is KIND).  Returns
 * DUET_OK with *in set, DUET_OK with common->help set, or DUET_EUSAGE. */
static duet_err_t parse_args(duet_plot_kind_t kind, const char *cmdname, int argc, char **argv,
                             duet_common_t *common, duet_plot_opts_t *po, const char **in)
{
    const struct option *lopts = long_options(kind);
    duet_opts_init(common);
    duet_plot_opts_init(po, kind);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, lopts, NULL)) != -1) {
        int r = figure_option(c, optarg, po);
        if (r == DUET_OK) continue;
        if (r == DUET_EUSAGE) return DUET_EUSAGE;
        r = duet_opts_common(common, c, optarg);
        if (r == DUET_OK) continue;
        if (r == DUET_EUSAGE) return DUET_EUSAGE;
        return duet_opts_bad(cmdname);
    }
    if (common->help) return DUET_OK;
    if (optind != argc - 1 || !common->out) {
        duet_log_error(optind >= argc ? "no input file" : optind < argc - 1
                       ? "one input file expected" : "-o/--out is required");
        return duet_opts_bad(cmdname);
    }
    *in = argv[optind];
    if (kind == DUET_PLOT_EMBED && (!po->pheno || !po->pheno_name)) {
        duet_log_error("--pheno and --pheno-name are required");
        return duet_opts_bad(cmdname);
    }
    if (kind == DUET_PLOT_MANHATTAN && !strcmp(*in, "-")) {
        duet_log_error("the Manhattan plot reads its input twice: give a file, not '-'");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

/* What was drawn, for the log. */
static void log_summary(duet_plot_kind_t kind, const duet_plot_info_t *info)
{
    switch (kind) {
    case DUET_PLOT_MANHATTAN:
        duet_log_info("%lld rows (%lld without a p-value), %d chromosomes, %lld points drawn, "
                      "%d labels", (long long)info->n_rows, (long long)info->n_missing,
                      info->n_groups, (long long)info->n_points, info->n_labels);
        break;
    case DUET_PLOT_QQ:
        duet_log_info("%lld p-values (%lld rows without), lambda GC %.4f, %lld points drawn",
                      (long long)(info->n_rows - info->n_missing), (long long)info->n_missing,
                      info->lambda_gc, (long long)info->n_points);
        break;
    case DUET_PLOT_EMBED:
        duet_log_info("%lld persons (%lld without a trait value), PC1 %.1f%%, PC2 %.1f%% of the "
                      "variance, %lld points drawn", (long long)info->n_rows,
                      (long long)info->n_missing, 100 * info->explained[0],
                      100 * info->explained[1], (long long)info->n_points);
        break;
    default:
        duet_log_info("%lld phecodes (%lld without a p-value), %d categories, Bonferroni "
                      "-log10 p %.3f, %d labels", (long long)info->n_rows,
                      (long long)info->n_missing, info->n_groups, info->line, info->n_labels);
        break;
    }
}

/* Draw the figure of `in` into the output claimed first (no overwrite
 * before reading), with the provenance in its metadata. */
static duet_err_t draw_figure(duet_plot_kind_t kind, const char *in, const duet_common_t *common,
                              duet_plot_opts_t *po)
{
    duet_err_t err;
    duet_out_t *out = NULL;
    duet_svg_t svg;
    duet_svg_init(&svg);
    char *prov = NULL;
    if (!common->no_version) {
        size_t n = strlen(duet_version_string()) + strlen(duet_opts_cmdline()) + 4;
        if (!(prov = duet_malloc(n))) return DUET_ENOMEM;
        snprintf(prov, n, "%s; %s", duet_version_string(), duet_opts_cmdline());
        po->provenance = prov;
    }
    if ((err = duet_out_create(common->out, DUET_OUT_PLAIN, common->force, 1, &out)))
        goto cleanup;
    duet_plot_info_t info;
    switch (kind) {
    case DUET_PLOT_MANHATTAN: err = duet_plot_manhattan(in, po, &svg, &info); break;
    case DUET_PLOT_QQ: err = duet_plot_qq(in, po, &svg, &info); break;
    case DUET_PLOT_EMBED: err = duet_plot_embed(in, po, &svg, &info); break;
    default: err = duet_plot_phewas(in, po, &svg, &info); break;
    }
    if (!err && !(err = duet_svg_write(&svg, out))) log_summary(kind, &info);

cleanup:
    duet_out_destroy(out);
    duet_svg_free(&svg);
    free(prov);
    return err;
}

duet_err_t main_plot(int argc, char **argv)
{
    if (argc < 2) {
        usage_plot(stderr);
        return DUET_EUSAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage_plot(stdout);
        return DUET_OK;
    }
    duet_plot_kind_t kind;
    if (!strcmp(argv[1], "manhattan")) kind = DUET_PLOT_MANHATTAN;
    else if (!strcmp(argv[1], "qq")) kind = DUET_PLOT_QQ;
    else if (!strcmp(argv[1], "phewas")) kind = DUET_PLOT_PHEWAS;
    else if (!strcmp(argv[1], "embed")) kind = DUET_PLOT_EMBED;
    else {
        duet_log_error("unknown figure '%s' (manhattan, qq, phewas or embed)", argv[1]);
        return DUET_EUSAGE;
    }
    char cmdname[32];
    snprintf(cmdname, sizeof cmdname, "plot %s", argv[1]);
    duet_log_set_command(cmdname);
    duet_common_t common;
    duet_plot_opts_t po;
    const char *in = NULL;
    duet_err_t err = parse_args(kind, cmdname, argc - 1, argv + 1, &common, &po, &in);
    if (err) return err;
    if (common.help) {
        usage(stdout, kind);
        return DUET_OK;
    }
    duet_opts_apply(&common);
    return draw_figure(kind, in, &common, &po);
}
