/*
 * score.h -- polygenic scores: weights read from PGS Catalog scoring files,
 * plink2 --score files and duet weights files (or built in memory), matched
 * to the variants of a VCF/BCF and applied to its samples in one pass.
 *
 * Weights (duet_weights_t).  A set of scores over a set of weight rows: each
 * row names a variant (chromosome and position and/or an ID), its effect
 * allele (the weight is per copy of it), optionally the other allele, and a
 * genetic model (additive, or a PGS Catalog row's is_dominant /
 * is_recessive); each score has a weight on some rows (NaN: the row is not
 * in that score).  Several files may be read into one set: each adds its
 * own scores and rows, and the rows of one file carry weights only for that
 * file's scores.  Score names are unique within a set.
 *
 * File formats (duet_weights_read(), recognised from the header):
 *   PGS Catalog scoring file, format 2.0: "#" header lines
 *     ("#format_version=2.0", "#pgs_id=PGS000001", "#genome_build=GRCh37",
 *     ...), then a tab-separated table with effect_allele, effect_weight
 *     and rsID and/or chr_name + chr_position, optional other_allele,
 *     is_dominant, is_recessive; the harmonized hm_chr / hm_pos (and
 *     hm_rsID) are used instead of chr_name / chr_position when present
 *     and not empty; one score named by #pgs_id (else by #pgs_name, else
 *     "PGS"); another #format_version exits 4; an is_interaction column with
 *     a true value, or a row without an effect allele (interaction /
 *     haplotype terms), is refused (4) with a message naming the line;
 *   duet weights file (written by duet prs ct / prs bayes): "##" lines, then
 *     chromosome base_pair_location variant_id effect_allele other_allele
 *     SCORE1 [SCORE2 ...]; NA in a score column: not in that score;
 *   plink2 --score file: whitespace-separated columns, an optional header
 *     line (its first field starting with '#' or named ID/SNP/variant_id
 *     makes it one; score names from it, else SCORE1, SCORE2, ...); by
 *     default column 1 the variant ID, column 2 the effect allele, column 3
 *     the weight (plink2's defaults); duet_weights_read_opts_t chooses them
 *     as plink2's score-col-nums does.  Matched by ID (the file has no
 *     positions).
 * Plain, gzip or bgzip-compressed.  Weights must be decimal numbers
 * (no hex, no inf/nan words): DUET_EFORMAT naming FILE:LINE:COLUMN.
 * A variant given twice in one file (same chromosome, position and
 * allele pair in either order; or the same ID for ID-only files) is
 * refused (DUET_EFORMAT naming both lines).
 *
 * Matching (as pgsc_calc): a weight row matches a VCF variant (one ALT of a
 * record, as duet's reader splits multi-allelic records) by chromosome
 * ("chr" prefix, 23/X, 24/Y, M/MT equivalent) and position, or by ID with
 * match_id (and always for a file without positions), and then by alleles:
 *   MATCHED   effect allele == this ALT (other allele == REF, or not given);
 *   SWAPPED   effect allele == REF (other allele == this ALT, or not given
 *             and this is the record's first ALT): the effect allele's
 *             count is the REF count, 2 minus the record's ALT dosages;
 *   FLIPPED / FLIPPED_SWAPPED  the same after complementing both alleles
 *             (single-nucleotide alleles only), tried when nothing matched
 *             on the forward strand;
 *   AMBIGUOUS a strand-ambiguous SNP (A/T or C/G, from the row's alleles or,
 *             without an other allele, the record's) is dropped unless
 *             keep_ambiguous: it is then matched on the forward strand,
 *             never flipped (pgsc_calc's keep_ambiguous);
 *   MISMATCH  the position (or ID) is in the VCF but no allele pair fits;
 *   ABSENT    the position (or ID) is not in the VCF.
 * A row that matches a second VCF variant keeps its first match; the later
 * ones are counted as duplicated (the report's n_duplicated) and ignored.
 *
 * Scores (duet_score_compute()), as plink2 --score cols=+scoresums:
 *   SUM  = sum over the score's matched rows of weight x the effect allele's
 *          dosage (dominant rows: 1 if the dosage is >= 1, else 0;
 *          recessive rows: 1 if it is 2, else 0);
 *   ALLELE_CT (per score) = 2 x the number of the score's matched rows
 *          with a non-missing call for the sample;
 *   AVG  = SUM / (2 x the score's matched rows) with mean imputation (the
 *          imputed alleles count, as in plink2), SUM / ALLELE_CT with
 *          no_mean_imputation; 0 when the denominator is 0.
 * Missing calls are mean-imputed by default (the effect allele's mean
 * dosage over the called samples, as plink2's frequency-based imputation;
 * for a dominant or recessive row the mean of the transformed values);
 * with no_mean_imputation they contribute 0.  Dosages come from GT (or DS
 * with opts.dosage), every call diploid.  The scores are BLAS products of
 * blocks of effect-allele dosages and blocks of weights, so K scores cost
 * little more than one.
 */
#ifndef DUET_SCORE_H
#define DUET_SCORE_H

#include <stddef.h>
#include <stdint.h>
#include "duet/err.h"

typedef enum {
    DUET_WEIGHTS_AUTO = 0,   /* recognise from the header */
    DUET_WEIGHTS_PGS = 1,    /* PGS Catalog scoring file 2.0 */
    DUET_WEIGHTS_DUET = 2,   /* duet weights file */
    DUET_WEIGHTS_PLINK2 = 3  /* plink2 --score file */
} duet_weights_format_t;

typedef enum {
    DUET_MODEL_ADDITIVE = 0,
    DUET_MODEL_DOMINANT = 1,
    DUET_MODEL_RECESSIVE = 2
} duet_score_model_t;

/* One weight row.  Strings are owned by the set, upper-case alleles. */
typedef struct {
    char *chrom;          /* as written; NULL when the file has none */
    int64_t pos;          /* 1-based; 0 when the file has none */
    char *id;             /* variant ID / rsID; NULL when none */
    char *effect_allele;
    char *other_allele;   /* NULL when not given */
    duet_score_model_t model;
    int file;             /* index of its file (duet_weights_file()); -1
                             for rows added in memory */
    int64_t lineno;       /* line in its file; 0 in memory */
} duet_weight_row_t;

typedef struct duet_weights_t duet_weights_t;

/* An empty set.  DUET_ENOMEM (reported). */
duet_err_t duet_weights_create(duet_weights_t **w) DUET_WUR;
void duet_weights_destroy(duet_weights_t *w);

/* Add a score named `name` (copied; unique in the set: DUET_EUSAGE
 * otherwise, reported); *score gets its index (0-based, in order of
 * addition).  Existing rows have no weight (NaN) for it.  DUET_ENOMEM. */
duet_err_t duet_weights_add_score(duet_weights_t *w, const char *name, int *score) DUET_WUR;

/* Add a row (strings copied, alleles upper-cased; chrom may be NULL with
 * pos 0, id may be NULL, other may be NULL; effect must be non-empty);
 * its weights start as NaN for every score.  *row gets its index.  Rows
 * added in memory are not checked for duplicates.  DUET_ENOMEM,
 * DUET_EUSAGE for a row without an effect allele or without both a
 * position and an ID. */
duet_err_t duet_weights_add_row(duet_weights_t *w, const char *chrom, int64_t pos,
                                const char *id, const char *effect, const char *other,
                                duet_score_model_t model, int *row) DUET_WUR;

/* Set / get the weight of row `row` in score `score` (NaN: not in it). */
void duet_weights_set(duet_weights_t *w, int row, int score, double weight);
double duet_weights_get(const duet_weights_t *w, int row, int score);

int duet_weights_n_scores(const duet_weights_t *w);
int duet_weights_n_rows(const duet_weights_t *w);
const char *duet_weights_score_name(const duet_weights_t *w, int score);
const duet_weight_row_t *duet_weights_row(const duet_weights_t *w, int row);
/* Files read into the set, their paths and formats. */
int duet_weights_n_files(const duet_weights_t *w);
const char *duet_weights_file(const duet_weights_t *w, int file);
duet_weights_format_t duet_weights_file_format(const duet_weights_t *w, int file);
/* "PGS Catalog 2.0", "duet weights", "plink2 --score" */
const char *duet_weights_format_name(duet_weights_format_t f);

typedef struct {
    duet_weights_format_t format;  /* [AUTO] */
    /* plink2 --score files: 1-based columns of the ID, the effect allele
     * and the first and last weight columns (score_col_last 0: the same as
     * score_col_first) [1, 2, 3, 0] */
    int id_col, allele_col, score_col_first, score_col_last;
    const char *name_prefix;       /* prepended to the file's score names
                                      ("" or NULL: none) */
} duet_weights_read_opts_t;

void duet_weights_read_opts_init(duet_weights_read_opts_t *o);

/* Read a weights file into `w`: appends its scores and rows.  Errors,
 * reported with FILE:LINE[:COLUMN]: DUET_EREAD (cannot open/read),
 * DUET_EFORMAT (unrecognised header, missing columns, a PGS Catalog
 * format version other than 2.0, interaction terms, a weight that is not
 * a finite decimal number, a bad position, a duplicated variant, no rows),
 * DUET_EUSAGE (a score name already in the set, columns beyond the line),
 * DUET_ENOMEM.  On error `w` may hold part of the file: destroy it. */
duet_err_t duet_weights_read(duet_weights_t *w, const char *path,
                             const duet_weights_read_opts_t *opts) DUET_WUR;

/* How a weight row matched (duet_score_result_t.status). */
typedef enum {
    DUET_MATCH_ABSENT = 0,
    DUET_MATCH_MISMATCH,
    DUET_MATCH_AMBIGUOUS,         /* dropped */
    DUET_MATCH_MATCHED,
    DUET_MATCH_SWAPPED,
    DUET_MATCH_FLIPPED,
    DUET_MATCH_FLIPPED_SWAPPED,
    DUET_MATCH_AMBIGUOUS_KEPT     /* matched on the forward strand */
} duet_match_t;

/* "absent", "allele_mismatch", "ambiguous_dropped", "matched", "swapped",
 * "flipped", "flipped_swapped", "ambiguous_kept" */
const char *duet_match_name(duet_match_t m);

/* Per score. */
typedef struct {
    int64_t n_rows;       /* rows with a weight in this score */
    int64_t n_matched;    /* used: matched + swapped + flipped + kept */
    int64_t n_swapped;    /* of which effect allele == REF (flipped too) */
    int64_t n_flipped;    /* of which on the other strand */
    int64_t n_ambiguous_kept;
    int64_t n_ambiguous;  /* dropped */
    int64_t n_mismatch;
    int64_t n_absent;
    int64_t n_duplicated; /* VCF variants matching an already-matched row */
} duet_score_report_t;

typedef struct {
    const char *vcf;                 /* VCF, VCF.gz or BCF */
    const char *const *samples;      /* keep these, in this order; NULL all */
    int n_samples;
    int dosage;                      /* FORMAT/DS rather than GT */
    int match_id;                    /* match rows by ID, not position */
    int keep_ambiguous;
    int no_mean_imputation;
    int threads;                     /* total threads (>= 1) */
    int block;                       /* variants per block [0: 16] */
} duet_score_opts_t;

void duet_score_opts_init(duet_score_opts_t *o, const char *vcf);

typedef struct {
    int n_samples, n_scores, n_rows;
    char **sample_ids;            /* n_samples (owned) */
    double *sum;                  /* n_samples x n_scores, column-major:
                                     sum[(size_t)k * n_samples + i] */
    double *allele_ct;            /* the same shape: ALLELE_CT per score */
    double *all_allele_ct;        /* n_samples: over the rows of any score */
    double *named_dosage_sum;     /* n_samples: effect-allele dosages
                                     (called, additive) over those rows */
    duet_score_report_t *report;  /* n_scores */
    uint8_t *status;              /* n_rows: duet_match_t */
    /* the matched VCF variant of each row (when status is a match) */
    char **match_chrom;           /* n_rows; NULL when unmatched */
    int64_t *match_pos;
    char **match_ref, **match_alt;
    int64_t n_records;            /* VCF records read */
    int64_t n_vcf_variants;       /* VCF variants (ALTs) read */
} duet_score_result_t;

/*
 * Match `w` to the VCF of `opts` and compute every score for its samples in
 * one pass.  Errors (reported): those of duet_geno_open() and of reading
 * (DUET_EREAD, DUET_EFORMAT, DUET_EMISMATCH for absent samples,
 * DUET_EDEGENERATE), DUET_EUSAGE (no scores or no rows), DUET_ENOMEM.
 * Matching nothing is not an error here (see duet_score_check()).
 * *res is NULL on error; free it with duet_score_result_destroy().
 */
duet_err_t duet_score_compute(const duet_weights_t *w, const duet_score_opts_t *opts,
                              duet_score_result_t **res) DUET_WUR;
void duet_score_result_destroy(duet_score_result_t *res);

/* The report of one score as one line of text ("N variants: M matched
 * (P%; ...)"), into buf (size >= 400 is enough). */
void duet_score_report_format(const duet_score_report_t *r, char *buf, size_t size);

/* The run's checks on the match report: DUET_EMISMATCH (reported, with the
 * report of the failing scores) if a score matched no row, or if its
 * matched fraction n_matched / n_rows is below min_overlap; DUET_OK. */
duet_err_t duet_score_check(const duet_weights_t *w, const duet_score_result_t *res,
                            double min_overlap) DUET_WUR;

/* `duet score` end to end: read the weights files, compute, check, write
 * PREFIX.score.tsv, PREFIX.score.match.tsv and PREFIX.log atomically (none
 * of them on error). */
typedef struct {
    const char *const *weights;      /* paths */
    int n_weights;
    duet_weights_read_opts_t read;   /* applied to every file */
    duet_score_opts_t score;
    double min_overlap;              /* [0] */
    const char *out;                 /* PREFIX */
    int force, no_version;
} duet_score_run_t;

duet_err_t duet_score_run(const duet_score_run_t *run) DUET_WUR;

#endif
