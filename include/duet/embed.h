/*
 * embed.h -- per-person feature tables, one per modality (`duet embed`),
 * the inputs of the fusion model (`duet fuse`).
 *
 * Modalities:
 *   phecode  the phecode history in the store: a phecode x phecode
 *            co-occurrence matrix over persons (two phecodes co-occur when a
 *            person has both), its positive pointwise mutual information
 *            (PPMI; Levy, Goldberg and Dagan, TACL 3:211, 2015), a truncated
 *            SVD PPMI ~ U S V^T by the randomized block Krylov engine of
 *            pca.h, phecode vectors W = U S^(1/2); a person's vector is the
 *            TF-IDF-weighted mean of the vectors of their phecodes, followed
 *            by n_phecodes, record_years, record_years_missing and n_visits.
 *            Phecodes removed by --exclude-phecodes / --target are removed
 *            from the person x phecode counts before anything is computed,
 *            so they cannot reach any feature.
 *   labs     per measurement trait (pheno.h's --quant specification, unit
 *            and plausible-range filters of duet_pheno_build()): median and
 *            last value (standardised to mean 0, SD 1 over persons with a
 *            value, 0 where missing), the count of rows kept and a
 *            missingness indicator.
 *   burden   carrier status of gene x mask x frequency bin (regenie's set
 *            list, annotations and masks, through burden.h).
 *   tables   any per-person table (IID + numeric columns; `duet score`'s
 *            scores, `duet pca`'s .eigenvec, omics): read with checks.
 * Every modality then loses its constant columns (counted), and is written
 * as PREFIX.<modality>.tsv with a YAML sidecar PREFIX.<modality>.yaml.
 */
#ifndef DUET_EMBED_H
#define DUET_EMBED_H

#include <stdint.h>
#include <sqlite3.h>
#include "duet/err.h"
#include "duet/phecode.h"
#include "duet/pheno.h"

/* ------------------------------------------------------------ a table */

typedef struct {
    char *key;
    char *value;      /* a YAML scalar, already formatted */
} duet_embed_kv_t;

typedef struct {
    char *name;             /* modality: output suffix */
    char *source;           /* input path (store or table), as given */
    int n_persons;
    char **iid;             /* person IDs, output order (owned) */
    int n_features;
    char **feature;         /* column names (owned) */
    double *x;              /* n_persons x n_features, row-major, finite */
    int n_options, m_options;
    duet_embed_kv_t *options;
    int n_counts, m_counts;
    duet_embed_kv_t *counts;
} duet_embed_table_t;

/* An empty table named `name` read from `source` (both copied); NULL after
 * an allocation failure (reported). */
duet_embed_table_t *duet_embed_table_create(const char *name, const char *source);
void duet_embed_table_destroy(duet_embed_table_t *t);

/* Allocate iid (n_persons NULLs), feature (n_features NULLs) and x (zeros).
 * DUET_ENOMEM (reported). */
duet_err_t duet_embed_table_alloc(duet_embed_table_t *t, int n_persons,
                                  int n_features) DUET_WUR;

/* Record an option or a count for the sidecar (printf-formatted value).
 * DUET_ENOMEM (reported). */
duet_err_t duet_embed_option(duet_embed_table_t *t, const char *key,
                             const char *fmt, ...) DUET_PRINTF(3, 4) DUET_WUR;
duet_err_t duet_embed_count(duet_embed_table_t *t, const char *key,
                            int64_t value) DUET_WUR;

/* Drop the columns whose value is the same for every person; returns how
 * many were dropped (also recorded as the count "constant_features_dropped"
 * and logged).  DUET_EDEGENERATE (reported) when no column is left. */
duet_err_t duet_embed_drop_constant(duet_embed_table_t *t) DUET_WUR;

/* Format a finite number for the tables: decimal notation (never an
 * exponent), 8 significant digits, trailing zeros removed, "-0" as "0".
 * `buf` holds at least 48 bytes. */
void duet_embed_format(double v, char *buf);

/* ------------------------------------------------ per-person tables */

/*
 * Read a per-person table: tab- or space-separated, header row; the ID is
 * the column IID (or #IID; with FID IID, FID is ignored); every other column
 * is a feature.  Missing values (NA, #NA, ".", empty): with `missing_ok` a
 * row without any value is left out (the person lacks the modality), and
 * otherwise a missing value becomes its column's mean over the persons who
 * have one, with an indicator column NAME_missing (1 where imputed)
 * appended for each column that had any; without `missing_ok` they are
 * errors.  Errors (reported): DUET_EREAD; DUET_EFORMAT naming
 * FILE:LINE:COLUMN for NaN, a non-numeric or infinite value, a missing value
 * when not allowed, a row of another width, no IID column or no feature
 * column; DUET_EMISMATCH naming FILE:LINE:COLUMN for a sample ID seen
 * before (and its first line), as phenofile.h and --samples lists do;
 * DUET_EDEGENERATE for a table without rows; DUET_ENOMEM.
 */
duet_err_t duet_embed_read_table(const char *path, const char *name, int missing_ok,
                                 duet_embed_table_t **out) DUET_WUR;

/* The score columns of a per-person score table as `duet score` and plink2
 * --score write it (IID, ALLELE_CT, NAMED_ALLELE_DOSAGE_SUM, NAME_AVG...,
 * NAME_SUM...): when some column name other than NAMED_ALLELE_DOSAGE_SUM
 * ends in "_SUM", only those columns are kept (the others are allele counts and averages of the same sums);
 * otherwise the table is left as it is.  Returns the number of columns
 * dropped (also the count "score_bookkeeping_columns_dropped"), or -1 after
 * an allocation failure (reported). */
int duet_embed_keep_score_sums(duet_embed_table_t *t);

/* ----------------------------------------------- phecode history */

typedef struct {
    const char *version;        /* "1.2" / "X"; NULL: 1.2 if the store has a
                                   1.2 run, else X */
    char **exclude;             /* --exclude-phecodes: removed with their
                                   descendants */
    int n_exclude;
    const char *target;         /* --target: removed with its descendants
                                   and its exclusion ranges; NULL: none */
    int dim;                    /* SVD rank k [16] */
    int min_persons;            /* phecodes of fewer persons are not in the
                                   co-occurrence matrix [5] */
    int oversample, max_iter;   /* SVD engine, as duet pca [10, 100] */
    double tol;                 /* [1e-6] */
    uint64_t seed;
} duet_embed_phecode_opts_t;

void duet_embed_phecode_opts_init(duet_embed_phecode_opts_t *o);

/*
 * Mark in `removed` (duet_phecode_count(table) bytes, zeroed by the caller)
 * the phecodes removed by `exclude` and `target`: each listed phecode and its
 * descendants (the phecodes whose code starts with it followed by '.'); for
 * the target also every phecode inside its exclusion ranges (1.2).  Returns
 * the number marked; DUET_EUSAGE-style failure as -1 after reporting a
 * phecode the table does not define.
 */
int duet_embed_removed(const duet_phecode_table_t *table, char *const *exclude, int n_exclude,
                       const char *target, char *removed);

/*
 * PPMI of a symmetric n x n co-occurrence count matrix `cooc` (row-major;
 * the diagonal is ignored): with D = sum of off-diagonal counts and
 * r_i = sum_{j != i} c_ij, ppmi_ij = max(0, ln(c_ij D / (r_i r_j))) for
 * i != j and c_ij > 0, else 0.  Writes `ppmi` (n x n, may not alias).
 * DUET_ENOMEM (reported).
 */
duet_err_t duet_embed_ppmi(const double *cooc, int n, double *ppmi) DUET_WUR;

/* TF-IDF weight of a phecode seen on `n_dates` dates in a person:
 * (1 + ln n_dates) ln(n_persons / df), df persons having the phecode; 0 when
 * n_dates or df is 0. */
double duet_embed_tfidf(int64_t n_dates, int64_t df, int64_t n_persons);

/*
 * Truncated SVD of a symmetric n x n matrix `m` (row- or column-major: the
 * same) by the randomized block Krylov engine of pca.h (the eigenpairs of
 * m m^T): `u` gets the k leading left singular vectors (n x k column-major,
 * signed as duet_pca_vectors()), `sigma` the k singular values, descending.
 * *converged is set to 1 if the engine converged.  Errors: those of
 * duet_pca_create() (DUET_EDEGENERATE when k + 1 > n), DUET_EINTERNAL,
 * DUET_ENOMEM; reported.  Deterministic for any thread count.
 */
duet_err_t duet_embed_svd(const double *m, int n, int k, int oversample,
                          int max_iter, double tol, uint64_t seed, double *u,
                          double *sigma, int *converged) DUET_WUR;

/*
 * The phecode modality of the store `db` (see the top of this file): one row
 * per person of duet_pheno_build()'s sample list (IDs as `duet pheno`
 * writes them).  Errors (reported): DUET_EMISMATCH when the store has no
 * phecode counts (run `duet phecode`); DUET_EUSAGE for an unknown phecode in
 * exclude/target; DUET_EDEGENERATE when fewer than dim + 2 phecodes are
 * left; those of duet_pheno_build(); DUET_ENOMEM; DUET_EINTERNAL.
 */
duet_err_t duet_embed_phecode(sqlite3 *db, const char *source,
                              const duet_embed_phecode_opts_t *o,
                              duet_embed_table_t **out) DUET_WUR;

/* ------------------------------------------------------------ labs */

/*
 * The labs modality: for each spec (duet_quant_parse(); unit and range as
 * set by duet_quant_set_unit/range, aggregation ignored) the columns
 * NAME_median, NAME_last, NAME_count, NAME_missing.  `inverse_normal`
 * applies duet pheno's rank-based inverse normal transformation before
 * standardising.  Errors: those of duet_pheno_build(); DUET_ENOMEM.
 */
duet_err_t duet_embed_labs(sqlite3 *db, const char *source,
                           const duet_quant_spec_t *specs, int n_specs,
                           int inverse_normal, duet_embed_table_t **out) DUET_WUR;

/* ---------------------------------------------------------- burden */

typedef struct {
    const char *vcf;            /* genotypes (GT) */
    const char *set_list, *anno, *mask_def;  /* regenie's files */
    const char *aaf_bins;       /* comma-separated ALT-frequency bounds
                                   ["0.01"]; an "all" bin always follows */
    const char *genes;          /* comma-separated genes to keep; NULL all */
} duet_embed_burden_opts_t;

void duet_embed_burden_opts_init(duet_embed_burden_opts_t *o);

/*
 * The burden modality: one row per sample of the VCF, one column
 * GENE.MASK.BIN per gene x mask x bin (bins as duet burden --aaf-bins, then
 * "all"): 1 when the person has a called dosage of at least 0.5 at a
 * variant of the gene whose annotation is in the mask and whose ALT
 * frequency falls in the bin, else 0 (duet_burden_collapse()'s carrier).
 * Errors: those of the regenie file readers and of duet_geno_open/read
 * (reported with file and line); DUET_EUSAGE for a gene of `genes` absent
 * from the set list; DUET_EDEGENERATE when no gene has a variant;
 * DUET_ENOMEM.
 */
duet_err_t duet_embed_burden(const duet_embed_burden_opts_t *o,
                             duet_embed_table_t **out) DUET_WUR;

/* ---------------------------------------------------------- output */

/*
 * Write every table as PREFIX.<name>.tsv (header "#IID" and the feature
 * names; one row per person, numbers by duet_embed_format()) and
 * PREFIX.<name>.yaml (provenance comments unless `no_version`; modality,
 * source, persons, features, columns, options, counts), all through out.h:
 * nothing is visible unless every file is complete.  Two tables of one name
 * are refused (DUET_EUSAGE).  Errors: DUET_EWRITE, DUET_ENOMEM (reported).
 */
duet_err_t duet_embed_write(duet_embed_table_t *const *tables, int n_tables,
                            const char *prefix, int force, int no_version) DUET_WUR;

#endif
