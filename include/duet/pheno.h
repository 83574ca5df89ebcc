/*
 * pheno.h -- phenotype and covariate tables from the EHR store (`duet
 * pheno`): phecode case/control traits from the person x phecode counts of
 * `duet phecode`, quantitative traits from measurement, covariates from
 * person, observation_period and visit_occurrence, one row per sample ID.
 *
 * Rules (written down in man/duet-pheno.1):
 *   phecode case     >= min_code_count distinct dates with the phecode
 *   phecode NA       1 .. min_code_count-1 dates; a code inside the
 *                    phecode's exclusion ranges (1.2); the other sex for a
 *                    sex-restricted phecode (and unknown sex)
 *   phecode control  everyone else
 *   quantitative     rows of the trait's concepts with a numeric value, in
 *                    the trait's unit (the most frequent unit_concept_id,
 *                    or the one given), within the plausible range
 *                    (duet_quant_limits() or the one given), aggregated per
 *                    person; optionally rank-based inverse normal transformed
 * These follow the PheWAS R package's createPhenotypes (Carroll et al. 2014)
 * for phecodes, and Blom (1958) for the inverse normal transformation.
 */
#ifndef DUET_PHENO_H
#define DUET_PHENO_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "duet/err.h"

/* ------------------------------------------------------- quantitative */

typedef enum {
    DUET_AGG_MEDIAN = 0,
    DUET_AGG_MEAN,
    DUET_AGG_MIN,
    DUET_AGG_MAX,
    DUET_AGG_FIRST,
    DUET_AGG_LAST
} duet_agg_t;

/* "median", "mean", ... */
const char *duet_agg_name(duet_agg_t agg);

#define DUET_TRAIT_NAME_MAX 64

typedef struct {
    char name[DUET_TRAIT_NAME_MAX]; /* column name */
    int64_t *concepts;              /* measurement_concept_id list (owned) */
    int n_concepts;
    duet_agg_t agg;                 /* [median] */
    int has_unit;                   /* unit_concept_id fixed by --unit */
    int64_t unit;
    int has_range;                  /* plausible range fixed by --range */
    double lo, hi;
} duet_quant_spec_t;

/* Parse "NAME=CONCEPT_ID[,CONCEPT_ID...][:median|mean|min|max|first|last]"
 * into `spec` (which owns its concept list afterwards).  NAME: letters,
 * digits, '_', '.', '-', at most 63 characters, not "IID".  Returns
 * DUET_EUSAGE with a message naming --quant otherwise. */
duet_err_t duet_quant_parse(const char *arg, duet_quant_spec_t *spec) DUET_WUR;
void duet_quant_spec_free(duet_quant_spec_t *spec);

/* Parse "NAME=UNIT_CONCEPT_ID" (--unit) or "NAME=LO:HI" (--range) and apply
 * it to the spec called NAME among `specs`.  DUET_EUSAGE for a malformed
 * value or an unknown NAME. */
duet_err_t duet_quant_set_unit(duet_quant_spec_t *specs, int n_specs,
                               const char *arg) DUET_WUR;
duet_err_t duet_quant_set_range(duet_quant_spec_t *specs, int n_specs,
                                const char *arg) DUET_WUR;

/* The built-in physiologically plausible range of a measurement concept in
 * a unit: returns 1 and sets [*lo, *hi] if (concept, unit) is in the table
 * (man/duet-pheno.1 lists it), 0 otherwise. */
int duet_quant_limits(int64_t concept_id, int64_t unit_concept_id, double *lo,
                      double *hi);

/* Aggregate one person's values, given in date order (earliest first; ties
 * by measurement_id).  n >= 1.  DUET_AGG_MEDIAN sorts `values` in place (the
 * mean of the two middle values when n is even). */
double duet_quant_aggregate(double *values, size_t n, duet_agg_t agg);

/* Rank-based inverse normal transformation in place: each non-NaN x_i
 * becomes qnorm((r_i - 3/8) / (m + 1/4)) where r_i is its rank among the m
 * non-NaN values, ties getting their average rank (Blom 1958).  NaN stays
 * NaN.  `scratch` holds n size_t.  */
void duet_inverse_normal(double *x, size_t n, size_t *scratch);

/* ---------------------------------------------------------- the tables */

typedef enum {
    DUET_ID_AUTO = 0,        /* duet_sample_link if it has rows, else
                              * person_source_value */
    DUET_ID_PERSON_ID,
    DUET_ID_SOURCE_VALUE,
    DUET_ID_LINK
} duet_id_column_t;

const char *duet_id_column_name(duet_id_column_t id);

typedef struct {
    const char *version;       /* "1.2" / "X"; NULL: 1.2 if the store has a
                                * 1.2 run, else X */
    int min_code_count;        /* [2] */
    int min_cases;             /* [20]; ignored for an explicit list */
    char **phecodes;           /* explicit list, or NULL: every phecode with
                                * >= min_cases cases */
    int n_phecodes;
    int no_phecodes;           /* 1: no phecode traits at all */
    duet_quant_spec_t *quant;
    int n_quant;
    int inverse_normal;        /* on quantitative traits */
    int32_t index_date;        /* age at this date; DUET_DATE_NONE: at the end
                                * of observation */
    duet_id_column_t id_column;
} duet_pheno_opts_t;

void duet_pheno_opts_init(duet_pheno_opts_t *opts);

typedef struct {
    char *name;
    int binary;
    char *description;
    char *category;            /* phecode category; NULL for quantitative */
    int8_t *code;              /* binary: 1, 0, -1 (NA), per sample */
    double *value;             /* quantitative: per sample, NaN = NA */
    int64_t n_cases, n_controls, n_missing;   /* binary, over samples */
    int64_t n;                 /* non-missing samples */
    int64_t unit;              /* quantitative: unit_concept_id kept */
    int64_t n_rows;            /* measurement rows used */
    int64_t n_rows_other_unit; /* rows dropped: another unit */
    int64_t n_rows_implausible;/* rows dropped: outside the plausible range */
    int64_t n_rows_not_numeric;/* value_as_number not a number */
} duet_trait_t;

typedef struct {
    int n_samples;
    char **iid;                /* sample IDs, in output order */
    int64_t *person_id;
    double *sex;               /* 1 male, 2 female, NaN unknown */
    double *age;               /* years; NaN unknown */
    double *record_years;      /* NaN unknown */
    double *n_visits;          /* distinct visit dates (0 if none) */
    int n_traits;
    duet_trait_t *traits;      /* phecodes in table order, then --quant order */
    char version[8];           /* phecode version used ("" if none) */
    char tables_sha256[65];    /* of the phecode tables of the run used */
    duet_id_column_t id_column;/* the ID source used */
    int n_persons_unlinked;    /* persons left out: no duet_sample_link row */
} duet_pheno_t;

/*
 * Build the tables.  Errors (reported): DUET_EMISMATCH when the store has no
 * phecode counts of the version (run `duet phecode`), lacks a table the
 * options need, or sample IDs are missing, repeated or hold blanks;
 * DUET_EUSAGE for a --phecodes entry the version does not define;
 * DUET_EFORMAT for an unparseable date; DUET_EDEGENERATE when no trait is
 * left or no person; DUET_ENOMEM; DUET_EINTERNAL for SQL errors.
 */
duet_err_t duet_pheno_build(sqlite3 *db, const duet_pheno_opts_t *opts,
                            duet_pheno_t **out) DUET_WUR;
void duet_pheno_destroy(duet_pheno_t *pheno);

#endif
