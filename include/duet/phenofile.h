/*
 * phenofile.h -- phenotype and covariate tables as plink2, regenie and
 * `duet pheno` write them, and plain ID lists (--keep, --extract).
 *
 * A table has a header row and one row per sample.  Fields are separated
 * by tabs when the header line holds a tab (so that text fields may hold
 * spaces), otherwise by runs of spaces (regenie's example files).  The
 * sample ID is the first column (named IID, #IID or anything else), or the
 * second when the header starts "FID IID" / "#FID IID" (the FID is then
 * ignored: samples are matched to the VCF by IID).  Values are numbers (as
 * strtod reads them, finite) or missing: NA, NaN or nan (any case).  -9 is
 * a number, not a missing value (plink's convention is not applied; recode
 * first).  Lines starting with "##" before the header are skipped, as are
 * empty lines.  The file may be gzip- or bgzip-compressed.
 */
#ifndef DUET_PHENOFILE_H
#define DUET_PHENOFILE_H

#include "duet/err.h"
#include "duet/idlist.h" /* the ID lists (--keep, --extract) */

typedef struct {
    char *path;
    int n_samples;   /* data rows */
    char **ids;      /* sample IDs in file order */
    int *lines;      /* 1-based line number of each row (for messages) */
    int n_columns;   /* selected columns */
    char **names;    /* their header names, in selection order */
    int *fields;     /* their 1-based field numbers in the file */
    double *values;  /* row-major n_samples x n_columns:
                        values[(size_t)row * n_columns + c]; NaN = missing */
    void *hash;      /* ID -> row */
} duet_phenofile_t;

/*
 * Read `path`, keeping the columns named in `columns` (n_columns names, in
 * that order) or, when columns is NULL, every column after the ID.
 * `what` names the file's role in messages ("phenotype", "covariate").
 * Only selected columns are parsed as numbers; other columns may hold text.
 * Errors, reported with the path:
 *   DUET_EREAD     cannot open or read;
 *   DUET_EFORMAT   empty file, no column after the ID, a row with another
 *                  number of fields than the header (file:line), a value
 *                  that is not a number (file:line:column, with the column
 *                  name and the value);
 *   DUET_EMISMATCH a sample ID on two rows (both lines named), a requested
 *                  column absent from the header (the columns present are
 *                  listed) or requested twice, or a header naming a column
 *                  twice when that column is selected;
 *   DUET_ENOMEM.
 */
duet_err_t duet_phenofile_read(const char *path, const char *what,
                               const char *const *columns, int n_columns,
                               duet_phenofile_t **table) DUET_WUR;
/* The same, except that a requested column absent from the header is
 * reported as `absent_err` instead of DUET_EMISMATCH (a score file named
 * FILE:COLUMN without that column is malformed: DUET_EFORMAT). */
duet_err_t duet_phenofile_read_ex(const char *path, const char *what,
                                  const char *const *columns, int n_columns,
                                  duet_err_t absent_err,
                                  duet_phenofile_t **table) DUET_WUR;
void duet_phenofile_destroy(duet_phenofile_t *table);

/* The row of sample `id`, or -1. */
int duet_phenofile_row(const duet_phenofile_t *table, const char *id);

/* The index of column `name` among the selected columns, or -1. */
int duet_phenofile_column(const duet_phenofile_t *table, const char *name);

/* 1 if every non-missing value of column c is 0 or 1 (a case/control
 * trait: 1 case, 0 control), 0 otherwise (also when all are missing). */
int duet_phenofile_is_binary(const duet_phenofile_t *table, int c);

#endif
