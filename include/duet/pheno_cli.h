/*
 * pheno_cli.h -- the command-line options that choose the store's traits
 * (phecode version and list, case rule, --quant traits and their unit,
 * range and transformation, age date, sample ID column), shared by the
 * commands that derive traits from the store: `duet pheno`, `duet phewas`
 * and `duet burden`.  Spelling, defaults and checks are thus the same in
 * each, as DUET_COMMON_LONGOPTS does for the common options.
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
