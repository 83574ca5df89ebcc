/*
 * sim.h -- the cohort simulator behind `duet simulate`: a synthetic biobank
 * with known truth (phased BCF genotypes placed in real GRCh37 genes, an OMOP
 * CDM 5.4 CSV export with ICD-coded diseases and LOINC-coded measurements,
 * omics features, regenie gene-burden inputs, phenotype/covariate tables and
 * a table of every planted effect).
 *
 * The contract of the whole run is duet_sim_run(); the separable kernels
 * (allele-frequency spectrum, haplotype-block generation, the gene table
 * reader, civil dates) are exported for the unit tests and for other stages
 * that want the same models.  Every random draw comes from a Philox stream
 * (duet/rng.h) fixed by (seed, purpose, block or person index), so outputs
 * are byte-identical whatever the thread count.
 */
#ifndef DUET_SIM_H
#define DUET_SIM_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/rng.h"

/* ------------------------------------------------------------------ */
/* The whole run */

typedef struct {
    int n_samples;          /* people (>= 10) */
    int n_variants;         /* BCF records (>= 100) */
    uint64_t seed;
    int threads;            /* total threads (OpenMP + htslib compression) */
    const char *genes_path; /* GRCh37 gene table (see duet_sim_genes_read);
                               NULL: the built-in one */
    const char *out_dir;    /* output folder, written atomically */
    int force;              /* replace an existing folder */
    int no_version;         /* omit provenance lines */
    double polygenic_h2;    /* SNP heritability of the polygenic-only trait
                               (pheno.tsv column DUET_SIM_POLYGENIC_NAME),
                               [0, 1]; 0: no such trait */
    int polygenic_causal;   /* its causal variants (>= 1), drawn among the
                               common ones (all of them if fewer) */
} duet_sim_opts_t;

/* The column of the polygenic-only trait in pheno.tsv and its name in
 * truth.tsv. */
#define DUET_SIM_POLYGENIC_NAME "prs_trait"


/*
 * Simulate the cohort described in man/duet-simulate.1 into opts->out_dir.
 * The gene table is read before anything is written.  Errors (reported
 * once, with context):
 *   DUET_EDEGENERATE  polygenic_h2 > 0 but none of its causal variants
 *                  varies in the sample (no genetic variance to scale);
 *   DUET_EREAD     the gene table cannot be opened or read;
 *   DUET_EFORMAT   the gene table is malformed (file:line);
 *   DUET_EWRITE    the folder exists without force, its parent is not
 *                  writable, or a write/rename fails;
 *   DUET_ENOMEM    an allocation failed.
 * On error no output folder (and no temporary) is left behind.
 */
duet_err_t duet_sim_run(const duet_sim_opts_t *opts) DUET_WUR;

/* ------------------------------------------------------------------ */
/* Gene table */

typedef struct {
    char *symbol;
    int chrom;        /* 1..22 */
    int64_t start0;   /* 0-based, half-open [start0, end) */
    int64_t end;
    char strand;      /* '+', '-', '.' or '?' (both) */
} duet_sim_gene_t;

typedef struct {
    duet_sim_gene_t *genes; /* autosomal genes, file order, first row of
                               each symbol only */
    int n, m;
    int n_rows;             /* data rows read (all chromosomes) */
    int n_skipped;          /* rows on other sequences or repeated symbols */
} duet_sim_genes_t;

/*
 * Read a gene table: tab- or space-separated `symbol chrom start0 end
 * [strand [...]]`, 0-based half-open coordinates (UCSC refFlat style), an
 * optional header line (a first line whose start0 field is not a number),
 * '#' comments and empty lines ignored; chromosomes "N" or "chrN".  Rows on
 * sequences other than the autosomes 1-22 are checked and skipped.
 * Errors: DUET_EREAD (cannot open/read), DUET_EFORMAT (a row with fewer than
 * four fields, a non-integer or negative coordinate, end <= start0, an end
 * beyond the GRCh37 chromosome, a strand other than + - . ? (? marks genes
 * with transcripts on both strands); or no autosomal
 * gene at all), reported as FILE:LINE.  DUET_ENOMEM.  On success *genes is
 * owned by the caller (duet_sim_genes_destroy).
 */
duet_err_t duet_sim_genes_read(const char *path,
                               duet_sim_genes_t **genes) DUET_WUR;

/* path NULL reads the table built into duet (UCSC hg19 refFlat, 23,432
 * genes, src/sim/data/genes_grch37_refFlat_hg19.tsv); messages name it so. */
#define DUET_SIM_GENES_BUILTIN "built-in GRCh37 refFlat gene table"
void duet_sim_genes_destroy(duet_sim_genes_t *genes);

/* Length of GRCh37 autosome `chrom` (1..22); 0 for anything else. */
int64_t duet_sim_grch37_length(int chrom);

/* ------------------------------------------------------------------ */
/* Allele-frequency spectrum */

#define DUET_SIM_RARE_MAF 0.01      /* "rare": minor allele frequency below */
#define DUET_SIM_RARE_FRACTION 0.70 /* share of variants drawn rare */

/*
 * Draw a target minor-allele frequency: with probability
 * DUET_SIM_RARE_FRACTION from the density 1/f on [0.5 / (2 n_samples),
 * DUET_SIM_RARE_MAF), otherwise from 1/f on [DUET_SIM_RARE_MAF, 0.5] (a
 * neutral-like spectrum, Ewens 1972 / Watterson 1975, with the excess of
 * rare variants that population growth leaves in sequenced cohorts).
 */
double duet_sim_draw_maf(duet_rng_t *rng, int n_samples);

/* ------------------------------------------------------------------ */
/* Haplotype blocks (LD) */

#define DUET_SIM_MAX_POPS 4
#define DUET_SIM_MAX_FOUNDERS 16

/* The population model shared by all blocks. */
typedef struct {
    int n_samples;
    int n_pops;             /* ancestral populations, 1..DUET_SIM_MAX_POPS */
    const double *ancestry; /* n_samples x n_pops, rows sum to 1 (borrowed) */
    int n_founders;         /* founder haplotypes per block, 2..16 */
    double fst;             /* drift of each population's founder weights
                               from the block's base weights (0, 1) */
    double noise;           /* per-allele flip rate on founder-copied sites */
} duet_sim_pop_t;

/* One site of a block. */
typedef struct {
    double maf;        /* target minor-allele frequency, (0, 0.5] */
    int alt_major;     /* 1: ALT is the major allele (alleles inverted) */
    double miss_rate;  /* per-genotype missing rate, [0, 1) */
} duet_sim_site_t;

typedef struct duet_sim_hapgen_t duet_sim_hapgen_t;

/* Scratch for blocks of up to `max_sites` sites; `pop` is copied (its
 * ancestry array is borrowed and must outlive the generator).  DUET_ENOMEM,
 * or DUET_EINTERNAL for parameters out of range. */
duet_err_t duet_sim_hapgen_create(const duet_sim_pop_t *pop, int max_sites,
                                  duet_sim_hapgen_t **gen) DUET_WUR;
void duet_sim_hapgen_destroy(duet_sim_hapgen_t *gen);

/*
 * Generate one LD block of `n_sites` (<= max_sites) sites from `rng`
 * (Li and Stephens 2003-style copying, simplified to one founder per
 * haplotype per block):
 *   - base founder weights ~ Dirichlet(1,...,1); each population's weights
 *     ~ Dirichlet(base * (1/fst - 1)) (Balding-Nichols drift);
 *   - each haplotype picks a population from its sample's ancestry, then a
 *     founder from that population's weights;
 *   - the founders' genealogy is a random coalescent topology; a common site
 *     (maf >= DUET_SIM_RARE_MAF) marks a clade drawn with probability
 *     proportional to exp(-6 |ln(weight / maf)|); a clade heavier than maf
 *     is thinned (each copy carries with maf / weight), a lighter one is
 *     topped up by whole founders in random order while they fit and then a
 *     random share of one more founder's copies (E[AF] = maf either way);
 *     alleles then flip with probability `noise`;
 *   - a rare site is carried by Binomial(copies, maf / weight) haplotypes
 *     (at least one) of one founder chosen by weight, so that rare alleles
 *     sit on one haplotype background;
 *   - missing genotypes are drawn at miss_rate (alleles stay the truth).
 */
void duet_sim_hapgen_block(duet_sim_hapgen_t *gen, const duet_sim_site_t *sites,
                           int n_sites, duet_rng_t *rng);

/* ALT indicators (0/1) of site `site` of the last block: 2 * n_samples
 * bytes, haplotypes 2i and 2i+1 belong to sample i.  Owned by gen. */
const uint8_t *duet_sim_hapgen_alleles(const duet_sim_hapgen_t *gen, int site);
/* Missing flags of site `site`: n_samples bytes, 1 = missing call. */
const uint8_t *duet_sim_hapgen_missing(const duet_sim_hapgen_t *gen, int site);
/* Founder copied by each of the 2 * n_samples haplotypes in the last block. */
const uint8_t *duet_sim_hapgen_founders(const duet_sim_hapgen_t *gen);

/* ------------------------------------------------------------------ */
/* Civil dates (proleptic Gregorian), days since 1970-01-01 */

int32_t duet_sim_days_from_civil(int year, int month, int day);
void duet_sim_civil_from_days(int32_t days, int *year, int *month, int *day);
/* "YYYY-MM-DD" into buf (at least 11 bytes). */
void duet_sim_format_date(int32_t days, char *buf);

#endif
