/*
 * phecode.h -- ICD source codes to phecodes: code normalisation, vocabulary
 * inference, the phecode tables (1.2 and X, embedded in the binary from
 * phecodes/), and the person x phecode counts of distinct dates that
 * `duet phecode` stores.
 *
 * The rules implemented here are written down in man/duet-phecode.1 and
 * phecodes/README.md; the phecode conventions follow the PheWAS R package
 * (Carroll et al. 2014, Bioinformatics 30:2375) for phecode 1.2 (Denny et al.
 * 2013; ICD-10-CM map of Wu et al. 2019) and Shuey et al. 2023 for PhecodeX.
 */
#ifndef DUET_PHECODE_H
#define DUET_PHECODE_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "duet/err.h"

/* ------------------------------------------------------------------ dates */

/* Dates are whole days since 1970-01-01 (negative before). */
#define DUET_DATE_NONE INT32_MIN

/* Parse "YYYY-MM-DD" (optionally followed by 'T' or ' ' and a time, which is
 * ignored) or "YYYYMMDD", years 0001-9999.  Returns the day number, or
 * DUET_DATE_NONE if `s` (of `len` bytes) is not a valid calendar date. */
int32_t duet_date_parse(const char *s, size_t len);

/* The day number of year/month/day, or DUET_DATE_NONE if invalid. */
int32_t duet_date_from_ymd(int year, int month, int day);

/* Write "YYYY-MM-DD" and a NUL to `out` (11 bytes). */
void duet_date_format(int32_t days, char out[11]);

/* -------------------------------------------------------------- ICD codes */

typedef enum {
    DUET_VOCAB_NONE = 0,   /* not an ICD code */
    DUET_VOCAB_ICD9CM = 1,
    DUET_VOCAB_ICD10CM = 2,
    DUET_VOCAB_ICD10 = 3,  /* WHO ICD-10 (source concept vocabulary 'ICD10'):
                            * mapped with the ICD-10-CM map */
    DUET_VOCAB_BY_DATE = 4 /* duet_icd_infer_static(): decided by the date */
} duet_vocab_t;

/* "ICD9CM", "ICD10CM", "ICD10", "other", "by-date". */
const char *duet_vocab_name(duet_vocab_t vocab);

/* Longest code handled, with its dot and NUL. */
#define DUET_ICD_MAX 16

/* The compact form of a raw source value: leading and trailing blanks
 * trimmed, dots removed, letters upper-cased.  Writes it (NUL-terminated) to
 * `out` and returns its length; returns 0 for an empty value and -1 if the
 * value holds anything but letters, digits, one dot and surrounding blanks,
 * or is longer than DUET_ICD_MAX - 2 characters. */
int duet_icd_compact(const char *raw, size_t len, char out[DUET_ICD_MAX]);

/* Which vocabularies a compact code's shape fits (bit 1 ICD-9-CM, bit 2
 * ICD-10-CM):
 *   ICD-9-CM   3-5 digits; V + 2-4 digits; E + 3-4 digits
 *   ICD-10-CM  a letter, a digit, a digit or letter, then up to 4 digits or
 *              letters (3-7 characters), except E9... (the E chapter of
 *              ICD-10-CM ends at E89)
 * Only E0-E8 and V codes of digits can fit both. */
enum { DUET_SHAPE_ICD9 = 1, DUET_SHAPE_ICD10 = 2 };
unsigned duet_icd_shapes(const char *compact);

/* Write the dotted form of a compact code in `vocab` to `out`: ICD-9-CM E
 * codes get the dot after four characters (E8889 -> E888.9), every other
 * code after three (78791 -> 787.91, V4581 -> V45.81, I2510 -> I25.10);
 * codes of three characters (four for ICD-9 E codes) get none. */
void duet_icd_dot(duet_vocab_t vocab, const char *compact, char out[DUET_ICD_MAX]);

/* duet_icd_compact() then duet_icd_dot(); returns as duet_icd_compact(). */
int duet_icd_normalise(const char *raw, size_t len, duet_vocab_t vocab,
                       char out[DUET_ICD_MAX]);

/* The first concept_id and one past the last of the block that the OHDSI
 * vocabulary assigns to ICD9CM concepts. */
#define DUET_ICD9CM_CONCEPT_FIRST 44819000
#define DUET_ICD9CM_CONCEPT_END 44838000

/* The US switch from ICD-9-CM to ICD-10-CM: 2015-10-01 as a day number. */
#define DUET_ICD10CM_START 16709

typedef struct duet_phecode_table_t duet_phecode_table_t;

/*
 * The vocabulary of a source code, as far as it can be told without the
 * event's date:
 *  1. `concept_vocabulary` (the vocabulary_id of the source concept, found
 *     in the concept table; NULL if not found): ICD9CM, ICD10CM and ICD10
 *     are taken as they are; any other vocabulary means "not ICD".
 *  2. Otherwise the code's shape (duet_icd_shapes()): no shape -> not ICD;
 *     one shape -> that vocabulary.
 *  3. An E or V code of digits fits both.  Then: a source_concept_id inside
 *     the ICD9CM block -> ICD9CM; else if exactly one of the two readings
 *     maps to a phecode in `table` (may be NULL: skipped) -> that one; else
 *     DUET_VOCAB_BY_DATE: duet_icd_by_date() decides.
 * `compact` is the duet_icd_compact() form.
 */
duet_vocab_t duet_icd_infer_static(const char *compact,
                                   const char *concept_vocabulary,
                                   int64_t source_concept_id,
                                   const duet_phecode_table_t *table);

/* ICD9CM before 2015-10-01, ICD10CM from then on. */
duet_vocab_t duet_icd_by_date(int32_t date);

/* ----------------------------------------------------------- the tables */

/* The tables embedded at build time (generated from phecodes/ by
 * tools/embed-phecodes.sh), terminated by a row of NULLs. */
typedef struct {
    const char *version;      /* "1.2", "X" */
    const char *definitions;  /* phecodes/<v>/definitions.tsv */
    const char *exclude;      /* phecodes/<v>/exclude.tsv */
    const char *map;          /* phecodes/<v>/map.tsv */
    const char *sha256;       /* of the three files concatenated */
} duet_phecode_embedded_t;
extern const duet_phecode_embedded_t duet_phecode_embedded[];

typedef enum {
    DUET_MAP_NONE = 0,    /* unmapped */
    DUET_MAP_LISTED = 1,  /* the code is in the map (source "map") */
    DUET_MAP_PARENT = 2,  /* in the map as inheriting from its parent */
    DUET_MAP_RANGE = 3,   /* in the map through a 1.2 range row */
    DUET_MAP_ANCESTOR = 4 /* not in the map; found through a truncated code */
} duet_map_how_t;

typedef struct {
    const char *phecode;
    const char *description;
    const char *category;
    char sex;             /* 'B' both, 'M' male only, 'F' female only */
    int leaf;
    int32_t number;       /* 1.2: the phecode in hundredths (008.51 -> 851);
                           * X: -1 */
    int excl_first, n_excl; /* its exclusion ranges in duet_phecode_range() */
} duet_phecode_def_t;

typedef struct {
    int32_t lo, hi;       /* bounds in hundredths, inclusive */
    const char *lo_text, *hi_text;
} duet_phecode_range_t;

/* Parse the three tables of one version from text (tab-separated, header
 * row, as in phecodes/).  The text is copied.  Errors: DUET_EFORMAT (with
 * table, line and field) for a malformed table, DUET_ENOMEM. */
duet_err_t duet_phecode_table_parse(const char *version, const char *definitions,
                                    const char *exclude, const char *map,
                                    const char *sha256,
                                    duet_phecode_table_t **table) DUET_WUR;

/* The embedded tables of `version` ("1.2" or "X").  DUET_EUSAGE (reported)
 * for an unknown version. */
duet_err_t duet_phecode_table_load(const char *version,
                                   duet_phecode_table_t **table) DUET_WUR;

void duet_phecode_table_destroy(duet_phecode_table_t *table);

const char *duet_phecode_table_version(const duet_phecode_table_t *table);
const char *duet_phecode_table_sha256(const duet_phecode_table_t *table);

/* Phecodes, in table order (their index is the "phecode index"). */
int duet_phecode_count(const duet_phecode_table_t *table);
const duet_phecode_def_t *duet_phecode_def(const duet_phecode_table_t *table, int index);
const duet_phecode_range_t *duet_phecode_range(const duet_phecode_table_t *table, int index);
/* Index of a phecode string, -1 if the table has no such phecode. */
int duet_phecode_find(const duet_phecode_table_t *table, const char *phecode);

/* Number of map codes, and one of them, for copying the map (i in
 * 0..n-1): vocabulary, dotted code, how, phecode indices. */
int duet_phecode_map_count(const duet_phecode_table_t *table);
void duet_phecode_map_entry(const duet_phecode_table_t *table, int i,
                            duet_vocab_t *vocab, const char **code,
                            duet_map_how_t *how, const uint16_t **phecodes,
                            int *n_phecodes);

/* The phecodes (indices, rolled up) a dotted code of `vocab` counts toward:
 * the code's own row of the map, else the row of its nearest ancestor (the
 * code with trailing characters removed, down to three characters, four for
 * ICD-9-CM E codes).  ICD10 uses the ICD10CM map.  Returns how it was found
 * (DUET_MAP_NONE with *n_phecodes = 0 if not at all). */
duet_map_how_t duet_phecode_lookup(const duet_phecode_table_t *table,
                                   duet_vocab_t vocab, const char *code,
                                   const uint16_t **phecodes, int *n_phecodes);

/* ------------------------------------------------ person x phecode counts */

/* Coverage of one vocabulary (indexed by duet_vocab_t; DUET_VOCAB_NONE
 * holds the rows that are not ICD codes). */
typedef struct {
    int64_t n_rows, n_mapped_rows;
    int64_t n_codes, n_mapped_codes;   /* distinct normalised codes */
    int64_t n_by_ancestor;             /* rows mapped through a truncated code */
} duet_phecode_cov_t;

typedef struct {
    int64_t n_rows;           /* source rows read */
    int64_t n_no_code;        /* rows without a source value */
    int64_t n_by_date;        /* ICD rows whose vocabulary the date decided */
    duet_phecode_cov_t cov[4];
    int64_t n_persons;        /* persons with at least one phecode */
    int64_t n_person_phecodes;/* person x phecode rows written */
} duet_phecode_summary_t;

/*
 * Derive the person x phecode counts of the table's version in the store
 * `db`: read condition_occurrence (condition_source_value,
 * condition_source_concept_id, condition_start_date) and observation
 * (observation_source_value, observation_source_concept_id,
 * observation_date), the source concept's vocabulary from concept where it
 * is there; normalise, infer the vocabulary, map; count distinct dates per
 * person x phecode.  Then replace the version's rows of duet_phecode_run,
 * duet_phecode, duet_phecode_exclude, duet_phecode_map,
 * duet_phecode_coverage, duet_phecode_unmapped and duet_person_phecode.
 * The caller holds the transaction.  Tables absent from the store
 * (observation, concept) are skipped.
 * Errors: DUET_EFORMAT for an unparseable date (reported with table, row id
 * and value), DUET_EMISMATCH if the store lacks the phecode tables,
 * DUET_EINTERNAL/DUET_EWRITE for SQLite errors, DUET_ENOMEM.
 */
duet_err_t duet_phecode_derive(sqlite3 *db, const duet_phecode_table_t *table,
                               duet_phecode_summary_t *summary) DUET_WUR;

#endif
