/*
 * traitset.h -- the traits and covariates of a scan, aligned on the
 * samples of its genotypes: read from a phenotype table (plink2 / regenie /
 * `duet pheno` layout, phenofile.h) or derived from the EHR store exactly as
 * `duet pheno` derives them (pheno.h), with covariates from a covariate
 * table and, for a store, the store's own (sex, age, ...).  `duet gwas`,
 * `duet phewas` and `duet burden` load their inputs through it, so that
 * every scan chooses samples by the same rule:
 *
 *   a sample is used when it is among the candidates (the VCF's samples, in
 *   file order), has a row in the trait source with at least one
 *   non-missing trait, has every covariate (no missing value), and is kept
 *   by --keep/--remove.
 *
 * Binary traits: a trait whose non-missing values are all 0 or 1 (1 case,
 * 0 control) is binary unless `quantitative` is set; `binary` forces every
 * trait to be binary and refuses other values (file:line named).  A trait
 * taking only the values 1 and 2 is analysed as quantitative with a warning
 * (plink's 1/2 coding).  Phecode traits from the store are binary.
 */
#ifndef DUET_TRAITSET_H
#define DUET_TRAITSET_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/pheno.h"

/* The store's covariates, by name (duet pheno's P.covar.tsv columns). */
#define DUET_STORE_COVARS "sex,age,record_years,n_visits"

typedef struct {
    /* candidates: the sample IDs the traits are aligned on, in output order
     * (the VCF's samples in file order); n_candidates >= 1 */
    const char *const *candidates;
    int n_candidates;
    const char *candidates_what;  /* "the VCF 'F'", for messages */

    /* the trait source: exactly one of pheno and db */
    const char *pheno;            /* phenotype table */
    const char *const *pheno_names; /* columns to keep; NULL: every column */
    int n_pheno_names;
    int binary;                   /* every trait case/control */
    int quantitative;             /* 0/1 traits analysed as quantitative */
    const char *db;               /* the store */
    const duet_pheno_opts_t *db_opts; /* phecode and --quant derivation */
    const char *db_covars;        /* comma-separated names among
                                     DUET_STORE_COVARS, "" for none; NULL:
                                     "sex,age" (only with db) */

    /* covariates from a table (optional, with either source) */
    const char *covar;
    const char *const *covar_names; /* NULL: every column */
    int n_covar_names;

    /* sample filters (ID lists, IID or FID IID); NULL: none */
    const char *keep;
    const char *remove;

    /* keep case/control traits as one byte per sample (ts->code) instead
     * of a double (ts->y holds the quantitative traits only): for the
     * whole phenome of a biobank, N x T bytes instead of 8 N x T; read
     * traits through duet_traitset_column() */
    int compact;
} duet_traitset_opts_t;

void duet_traitset_opts_init(duet_traitset_opts_t *opts);

typedef struct {
    int n_samples;        /* N: samples used */
    char **ids;           /* their IDs, in candidate order */
    int *candidate;       /* their index among the candidates */
    int n_traits;         /* T */
    char **names;         /* trait names (phecodes for store traits) */
    char **descriptions;  /* phecode descriptions; NULL entries otherwise */
    char **categories;    /* phecode categories; NULL entries otherwise */
    int *binary;          /* T flags */
    double *y;            /* N x T, column-major, NaN = missing; binary
                             traits hold 1 (case), 0 (control) or NaN.
                             Compact: N x (quantitative traits) only,
                             trait t at column ycol[t] */
    int *ycol;            /* T: column of trait t in y, -1 if in code */
    int8_t *code;         /* compact: N x T bytes, binary trait t at column
                             t: 1 case, 0 control, -1 missing; else NULL */
    int n_covars;         /* C */
    char **covar_names;
    double *x;            /* N x C, column-major, no NaN (no intercept) */
    char phecode_version[8]; /* "" unless traits came from a store */
    char *summary;        /* one line: how many samples each rule left out
                             ("samples: ... used"), for logs */
} duet_traitset_t;

/*
 * Load and align.  Errors (reported, naming the file and the rule):
 *   DUET_EUSAGE       both or neither of pheno and db; db_covars naming an
 *                     unknown covariate; an empty name list;
 *   DUET_EREAD, DUET_EFORMAT, DUET_EMISMATCH from the tables
 *                     (phenofile.h), the ID lists and the store (pheno.h:
 *                     DUET_EMISMATCH when the store has no phecode counts,
 *                     saying to run `duet phecode`);
 *   DUET_EMISMATCH    no sample shared by the candidates and the trait
 *                     source (examples of both are named);
 *   DUET_EDEGENERATE  no sample left after the rules above (the count each
 *                     rule removed is given), or no trait;
 *   DUET_ENOMEM.
 * *out is NULL on error.
 */
duet_err_t duet_traitset_load(const duet_traitset_opts_t *opts,
                              duet_traitset_t **out) DUET_WUR;
void duet_traitset_destroy(duet_traitset_t *ts);

/* The same with the samples of the VCF `vcf`, in file order, as the
 * candidates (opts->candidates and candidates_what are set here): opens
 * the file for its header (errors of duet_geno_open()), loads, closes. */
duet_err_t duet_traitset_load_vcf(const char *vcf, duet_traitset_opts_t *opts,
                                  duet_traitset_t **out) DUET_WUR;

/* Trait t over the used samples as doubles (NaN missing): a pointer into
 * ts->y, or buf (n_samples doubles) filled from ts->code. */
const double *duet_traitset_column(const duet_traitset_t *ts, int t, double *buf);

/* Cases and controls of binary trait t over the used samples. */
void duet_traitset_count(const duet_traitset_t *ts, int t, int *n_cases,
                         int *n_controls);

#endif
