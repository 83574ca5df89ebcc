/*
 * pheno_cli.h -- the command-line options that choose the store's traits
 * (phecode version and list, case rule, --quant traits and their unit,
 * range and transformation, age date, sample ID column), shared by the
 * commands that derive traits from the store: `duet pheno`, `duet phewas`
 * and `duet burden`; and the trait and sample options of every command that
 * scans traits (tables or the store), below.  Spelling, defaults and checks
 * are thus the same in each, as DUET_COMMON_LONGOPTS does for the common
 * options.
 *
 * A command puts DUET_PHENO_LONGOPTS in its getopt_long() table, passes
 * each option to duet_pheno_cli_parse() before its own switch's default,
 * calls duet_pheno_cli_finish() after parsing, and prints
 * duet_pheno_cli_usage() in its usage text.  --min-cases is not among
 * them: its meaning differs by command (written, tested); the command sets
 * opts.min_cases itself.
 */
#ifndef DUET_PHENO_CLI_H
#define DUET_PHENO_CLI_H

#include <getopt.h>
#include <stdio.h>
#include "duet/err.h"
#include "duet/opts.h"
#include "duet/pheno.h"
#include "duet/traitset.h"

/* ------------------------------------------------------------------ */
/* Traits and samples: the one option table of every command that scans
 * traits (gwas, phewas, burden, and prs, wgr, fuse as they come).
 *
 *   --pheno FILE  --pheno-name LIST  --covar FILE  --covar-name LIST
 *   --binary  --quantitative  --keep FILE  --remove FILE
 *   and, for commands that also derive traits from the store:
 *   --db FILE  --store-covars LIST
 *
 * A command puts DUET_TRAIT_LONGOPTS (and DUET_TRAIT_STORE_LONGOPTS if it
 * takes --db) in its getopt_long() table, passes each option to
 * duet_trait_cli_parse() before its own switch's default, calls
 * duet_trait_cli_finish() after parsing (checks and splits the name
 * lists), hands the result to its module, which fills its loader's options
 * with duet_trait_cli_traitset(), and prints duet_trait_cli_usage().
 * Which of the sources is required is the command's to check (its own
 * "are required" message names all its required options at once).  The
 * option values are DUET_OPT_FIRST_PRIVATE + 0x40 to + 0x49: a command's
 * own enum stays below + 0x40 (bintest.h, geno.h's sex options and the
 * store-trait options below take + 0x60 and up).
 *
 *   duet_trait_cli_t traits;           (in the command's options struct)
 *   duet_trait_cli_init(&traits);
 *   while ((opt = getopt_long(...)) != -1) {
 *       if (duet_trait_cli_parse(&traits, opt, optarg, &err)) continue;
 *       ...the command's own options...
 *   }
 *   if (!traits.pheno) -> "... are required", DUET_EUSAGE
 *   err = duet_trait_cli_finish(&traits, 0, 0);
 *   ...the module: duet_traitset_opts_init(&tso);
 *                  duet_trait_cli_traitset(&traits, &tso);
 *                  duet_traitset_load_vcf(vcf, &tso, &ts);
 *   duet_trait_cli_free(&traits);
 */
enum {
    DUET_TRAIT_OPT_PHENO = DUET_OPT_FIRST_PRIVATE + 0x40,
    DUET_TRAIT_OPT_PHENO_NAME,
    DUET_TRAIT_OPT_COVAR,
    DUET_TRAIT_OPT_COVAR_NAME,
    DUET_TRAIT_OPT_BINARY,
    DUET_TRAIT_OPT_QUANTITATIVE,
    DUET_TRAIT_OPT_KEEP,
    DUET_TRAIT_OPT_REMOVE,
    DUET_TRAIT_OPT_DB,
    DUET_TRAIT_OPT_STORE_COVARS
};

#define DUET_TRAIT_LONGOPTS                                                   \
    {"pheno", required_argument, NULL, DUET_TRAIT_OPT_PHENO},                 \
    {"pheno-name", required_argument, NULL, DUET_TRAIT_OPT_PHENO_NAME},       \
    {"covar", required_argument, NULL, DUET_TRAIT_OPT_COVAR},                 \
    {"covar-name", required_argument, NULL, DUET_TRAIT_OPT_COVAR_NAME},       \
    {"binary", no_argument, NULL, DUET_TRAIT_OPT_BINARY},                     \
    {"quantitative", no_argument, NULL, DUET_TRAIT_OPT_QUANTITATIVE},         \
    {"keep", required_argument, NULL, DUET_TRAIT_OPT_KEEP},                   \
    {"remove", required_argument, NULL, DUET_TRAIT_OPT_REMOVE}

#define DUET_TRAIT_STORE_LONGOPTS                                             \
    {"db", required_argument, NULL, DUET_TRAIT_OPT_DB},                       \
    {"store-covars", required_argument, NULL, DUET_TRAIT_OPT_STORE_COVARS}

/* Flags of duet_trait_cli_finish() and duet_trait_cli_usage(). */
enum {
    DUET_TRAIT_STORE = 1 << 0  /* the command takes --db and --store-covars */
};

/* The parsed options (the strings point into argv).  After
 * duet_trait_cli_finish(), pheno_names / covar_names hold the split
 * --pheno-name / --covar-name lists (NULL: every column), owned here. */
typedef struct {
    const char *pheno, *pheno_name, *covar, *covar_name;
    const char *keep, *remove;
    const char *db, *store_covars;
    int binary, quantitative;
    char **pheno_names, **covar_names;
    int n_pheno_names, n_covar_names;
} duet_trait_cli_t;

/* Everything unset. */
void duet_trait_cli_init(duet_trait_cli_t *cli);
/* Frees the name lists; the strings of argv are not owned. */
void duet_trait_cli_free(duet_trait_cli_t *cli);

/* Handle option `opt` with argument `arg`: returns 1 if it is one of
 * DUET_TRAIT_LONGOPTS or DUET_TRAIT_STORE_LONGOPTS (*err = DUET_OK), 0 if
 * it is not. */
int duet_trait_cli_parse(duet_trait_cli_t *cli, int opt, const char *arg,
                         duet_err_t *err);

/* After parsing: check the combinations (--covar-name needs --covar,
 * --binary and --quantitative exclude each other; with DUET_TRAIT_STORE:
 * --pheno and --db exclude each other, --pheno-name / --binary /
 * --quantitative go with --pheno, --store-covars with --db, and
 * store_derivation (1 if any option of the store-trait table below was
 * given) needs --db) and split the name lists.  DUET_EUSAGE (reported) or
 * DUET_ENOMEM. */
duet_err_t duet_trait_cli_finish(duet_trait_cli_t *cli, unsigned flags,
                                 int store_derivation) DUET_WUR;

/* Fill the trait source, covariate and sample fields of a loader's options
 * (pheno, pheno_names, binary, quantitative, db, db_covars, covar,
 * covar_names, keep, remove); the rest of *tso is left as it is.  tso
 * points into cli, which must outlive it. */
void duet_trait_cli_traitset(const duet_trait_cli_t *cli, duet_traitset_opts_t *tso);

/* The usage lines of these options under the heading "Traits and
 * samples:" (with DUET_TRAIT_STORE: --db and --store-covars too), then an
 * empty line. */
void duet_trait_cli_usage(FILE *fp, unsigned flags);

/* ------------------------------------------------------------------ */
/* Traits derived from the store (phecodes and --quant). */

enum {
    DUET_PHENO_OPT_VERSION = DUET_OPT_FIRST_PRIVATE + 0x80,
    DUET_PHENO_OPT_PHECODES,
    DUET_PHENO_OPT_NO_PHECODES,
    DUET_PHENO_OPT_MIN_CODE_COUNT,
    DUET_PHENO_OPT_QUANT,
    DUET_PHENO_OPT_UNIT,
    DUET_PHENO_OPT_RANGE,
    DUET_PHENO_OPT_INVERSE_NORMAL,
    DUET_PHENO_OPT_INDEX_DATE,
    DUET_PHENO_OPT_ID_COLUMN
};

#define DUET_PHENO_LONGOPTS                                                   \
    {"version", required_argument, NULL, DUET_PHENO_OPT_VERSION},             \
    {"phecodes", required_argument, NULL, DUET_PHENO_OPT_PHECODES},           \
    {"no-phecodes", no_argument, NULL, DUET_PHENO_OPT_NO_PHECODES},           \
    {"min-code-count", required_argument, NULL, DUET_PHENO_OPT_MIN_CODE_COUNT}, \
    {"quant", required_argument, NULL, DUET_PHENO_OPT_QUANT},                 \
    {"unit", required_argument, NULL, DUET_PHENO_OPT_UNIT},                   \
    {"range", required_argument, NULL, DUET_PHENO_OPT_RANGE},                 \
    {"inverse-normal", no_argument, NULL, DUET_PHENO_OPT_INVERSE_NORMAL},     \
    {"index-date", required_argument, NULL, DUET_PHENO_OPT_INDEX_DATE},       \
    {"id-column", required_argument, NULL, DUET_PHENO_OPT_ID_COLUMN}

typedef struct {
    duet_pheno_opts_t opts;    /* the result (owns quant and phecodes) */
    int any;                   /* 1 if any of these options was given */
    const char *phecodes_arg;
    const char **units, **ranges; /* --unit / --range values, applied by finish */
    int n_units, n_ranges, m_args;
    char *phecode_buf;         /* storage of opts.phecodes */
} duet_pheno_cli_t;

/* Defaults (duet_pheno_opts_init()); argc bounds the repeatable options.
 * DUET_ENOMEM on failure. */
duet_err_t duet_pheno_cli_init(duet_pheno_cli_t *cli, int argc) DUET_WUR;
void duet_pheno_cli_free(duet_pheno_cli_t *cli);

/* Handle option `opt` with argument `arg`: returns 1 if it is one of
 * DUET_PHENO_LONGOPTS (*err: DUET_OK, or DUET_EUSAGE for a bad value,
 * reported), 0 if it is not. */
int duet_pheno_cli_parse(duet_pheno_cli_t *cli, int opt, const char *arg,
                         duet_err_t *err);

/* After parsing: apply --unit and --range to the --quant traits, read
 * --phecodes (a list or @FILE), check combinations.  DUET_EUSAGE,
 * DUET_EREAD (an unreadable @FILE) or DUET_ENOMEM, reported. */
duet_err_t duet_pheno_cli_finish(duet_pheno_cli_t *cli) DUET_WUR;

/* The usage lines of these options, under the headings "Phecode traits"
 * and "Quantitative traits"; min_cases_line: the command's --min-cases
 * line (printed under "Phecode traits"), or NULL. */
void duet_pheno_cli_usage(FILE *fp, const char *min_cases_line);

#endif
