/*
 * plot.h -- duet's figures as SVG: Manhattan and QQ plots of summary
 * statistics, the PheWAS plot of one variant or score across phecodes, and
 * the 2-D projection of a per-person embedding.
 *
 * Inputs are tables with a header row, tab-separated (or space-separated
 * when the header has no tab), plain or gzip/bgzip-compressed; lines
 * starting with "##" before the header are skipped and a leading '#' on the
 * header is ignored.  Columns are found by name (case-insensitive):
 *
 *   chromosome          chromosome | #CHROM | CHROM | CHR
 *   position            base_pair_location | POS | BP | GENPOS
 *   -log10 p            neg_log_10_p_value | LOG10P   (preferred)
 *   p                   p_value | P                   (otherwise)
 *   label               rsid | variant_id | ID | SNP  (optional)
 *   PheWAS id           variant_id | score_id | id | variant | score
 *   PheWAS columns      phecode; description, category, beta (optional)
 *
 * Values "#NA", "NA", "nan", "." and empty fields are missing: such rows
 * are skipped (and counted).  Everything drawn uses fixed number formats,
 * so the same input and options give the same bytes.
 */
#ifndef DUET_PLOT_H
#define DUET_PLOT_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/svg.h"

typedef enum {
    DUET_PLOT_MANHATTAN = 0,
    DUET_PLOT_QQ = 1,
    DUET_PLOT_PHEWAS = 2,
    DUET_PLOT_EMBED = 3
} duet_plot_kind_t;

typedef struct {
    const char *title;       /* NULL: the input file's name */
    int width, height;       /* pixels */
    const char *provenance;  /* <metadata> text, or NULL */
    int n_labels;            /* top hits labelled [10] */
    double genome_wide;      /* Manhattan: genome-wide line at p [5e-8] */
    double suggestive;       /* Manhattan: suggestive line at p [1e-5] */
    double thin;             /* Manhattan: points with p >= thin are thinned
                                to one per pixel cell [1e-3] */
    double alpha;            /* PheWAS: Bonferroni line at alpha / tests [0.05] */
    const char *id;          /* PheWAS: the variant or score to plot; NULL =
                                the first in the file */
    const char *pheno;       /* embed: phenotype table colouring the points */
    const char *pheno_name;  /* embed: its column */
} duet_plot_opts_t;

/* Defaults for a figure kind (sizes: Manhattan 1200x500, QQ 520x520,
 * PheWAS 1200x600, embed 640x560). */
void duet_plot_opts_init(duet_plot_opts_t *opts, duet_plot_kind_t kind);

/* What was drawn, for the log. */
typedef struct {
    int64_t n_rows;       /* data rows read (PheWAS: rows of the chosen id) */
    int64_t n_missing;    /* rows skipped for a missing value */
    int64_t n_points;     /* markers written */
    int n_groups;         /* chromosomes (Manhattan) or categories (PheWAS) */
    int n_labels;         /* labels written */
    double lambda_gc;     /* QQ: median chi-square / 0.4549364 */
    double line;          /* -log10 p of the Bonferroni (PheWAS) or
                             genome-wide (Manhattan) line */
    double explained[2];  /* embed: variance share of PC1 and PC2 */
} duet_plot_info_t;

/*
 * Draw the figure of `path` into `svg` (begun and ended here).  Errors,
 * reported with the file (and line and column where they apply):
 *   DUET_EREAD       the file cannot be opened or read;
 *   DUET_EFORMAT     a required column is missing, a value is not a
 *                    number, a row has the wrong number of fields;
 *   DUET_EMISMATCH   PheWAS: opts->id is not in the file;
 *   DUET_EDEGENERATE no row with a usable p-value;
 *   DUET_ENOMEM.
 */
duet_err_t duet_plot_manhattan(const char *path, const duet_plot_opts_t *opts,
                               duet_svg_t *svg, duet_plot_info_t *info) DUET_WUR;
duet_err_t duet_plot_qq(const char *path, const duet_plot_opts_t *opts,
                        duet_svg_t *svg, duet_plot_info_t *info) DUET_WUR;
duet_err_t duet_plot_phewas(const char *path, const duet_plot_opts_t *opts,
                            duet_svg_t *svg, duet_plot_info_t *info) DUET_WUR;

/*
 * The embedding figure: the persons of a per-person feature table (duet
 * embed's PREFIX.<modality>.tsv, read with embed.h's checks) projected on
 * the first two principal components of its standardised columns, each
 * point coloured by the trait opts->pheno_name of the table opts->pheno
 * (binary 0/1: controls grey, cases red on top; otherwise a blue-to-red
 * ramp over the trait's range; NA or absent: light grey, drawn first).
 * n_rows: persons; n_missing: persons without a trait value; n_groups: 2
 * for a binary trait, 0 otherwise.  The phenotype table is read by
 * duet_phenofile_read() (phenofile.h), with its errors: DUET_EMISMATCH for
 * a trait column it lacks or a repeated ID.  Errors as above, and
 * DUET_EMISMATCH when no person of the embedding has a trait value,
 * DUET_EDEGENERATE when the
 * table has fewer than 2 non-constant features or 3 persons.
 */
duet_err_t duet_plot_embed(const char *path, const duet_plot_opts_t *opts,
                           duet_svg_t *svg, duet_plot_info_t *info) DUET_WUR;

#endif
