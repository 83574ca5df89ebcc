/*
 * sumstats.h -- one streaming reader of GWAS summary statistics, shared by
 * clump, prs, meta and the figures:
 *
 *   GWAS-SSF  (duet gwas / merge / meta, GWAS Catalog): chromosome
 *             base_pair_location effect_allele other_allele beta | odds_ratio
 *             standard_error effect_allele_frequency p_value |
 *             neg_log_10_p_value [variant_id] [rsid] [n]
 *   plink2    (--glm: .glm.linear, .glm.logistic[.hybrid], .glm.firth):
 *             #CHROM POS ID REF ALT [A1] [OMITTED] [A1_FREQ] [TEST] [OBS_CT]
 *             BETA | OR, SE | LOG(OR)_SE, P | LOG10_P; the effect allele is
 *             A1, the other allele OMITTED, else whichever of REF/ALT is not
 *             A1; rows whose TEST is not ADD are skipped
 *   regenie   (step 2 .regenie): CHROM GENPOS ID ALLELE0 ALLELE1 A1FREQ N
 *             TEST BETA SE CHISQ LOG10P; effect allele ALLELE1; rows whose
 *             TEST is not ADD are skipped
 *
 * The format is recognised from the header.  Numbers are decimal (no hex, no
 * "inf"); "NA", "#NA", "." and empty are missing.  Odds ratios are returned as
 * log odds ratios.  Rows are returned in file order; nothing is sorted.
 */
#ifndef DUET_SUMSTATS_H
#define DUET_SUMSTATS_H

#include <stdint.h>
#include "duet/err.h"

typedef enum {
    DUET_SUMSTATS_SSF = 0,
    DUET_SUMSTATS_PLINK2 = 1,
    DUET_SUMSTATS_REGENIE = 2
} duet_sumstats_format_t;

/* One row.  String fields point into the reader's buffers and stay valid
 * until the next call of duet_sumstats_next() / _close(). */
typedef struct {
    const char *chrom;          /* as written ("1", "chr1", "X") */
    int64_t pos;                /* 1-based */
    const char *id;             /* variant_id / ID; else rsid; else NULL */
    const char *rsid;           /* rsid column of GWAS-SSF, else NULL */
    const char *effect_allele;  /* upper-case as written */
    const char *other_allele;   /* NULL where the file does not give it */
    double beta;                /* effect (log OR for odds ratios); NAN if missing */
    double se;                  /* standard error of beta; NAN if missing */
    double p;                   /* p-value; NAN if missing; may underflow to 0 */
    double mlp;                 /* -log10 p: from the file's -log10 column when
                                   it has one (exact beyond 1e-308), else from
                                   p; NAN if missing */
    double eaf;                 /* effect-allele frequency; NAN if missing */
    double n;                   /* sample size; NAN if missing */
    int64_t lineno;             /* line of the file */
} duet_sumstats_row_t;

typedef struct duet_sumstats_t duet_sumstats_t;

/* Open `path` (plain or compressed), read the header and recognise the
 * format.  DUET_EREAD (cannot open/read), DUET_EFORMAT (no header, no
 * recognised format: the message names the columns looked for), DUET_ENOMEM;
 * all reported.  `path` is copied. */
duet_err_t duet_sumstats_open(const char *path, duet_sumstats_t **ss) DUET_WUR;
void duet_sumstats_close(duet_sumstats_t *ss);

duet_sumstats_format_t duet_sumstats_format(const duet_sumstats_t *ss);
/* "GWAS-SSF", "plink2", "regenie" */
const char *duet_sumstats_format_name(duet_sumstats_format_t f);
const char *duet_sumstats_path(const duet_sumstats_t *ss);
/* 1 if the file has the column, 0 if not (so a caller can refuse early:
 * e.g. meta without standard errors). */
int duet_sumstats_has_se(const duet_sumstats_t *ss);
int duet_sumstats_has_beta(const duet_sumstats_t *ss);
int duet_sumstats_has_other_allele(const duet_sumstats_t *ss);

/* The next row: 1 a row, 0 the end, -1 an error with *err set and reported
 * as FILE:LINE:COLUMN (DUET_EFORMAT: wrong field count, a number that is not
 * decimal or not finite, a position that is not a positive integer, a p
 * outside [0, 1], a negative SE; DUET_EREAD; DUET_ENOMEM). */
int duet_sumstats_next(duet_sumstats_t *ss, duet_sumstats_row_t *row,
                       duet_err_t *err);

/* Rows skipped so far because TEST was not ADD (plink2, regenie). */
int64_t duet_sumstats_n_skipped(const duet_sumstats_t *ss);

/* The trait named by the GWAS-SSF YAML sidecar beside `path`
 * (P.tsv.gz / P.tsv -> P.yaml): the first item of its trait_description
 * list, unquoted.  *trait = NULL (DUET_OK) when there is no sidecar or no
 * such entry; the caller frees *trait.  DUET_ENOMEM only. */
duet_err_t duet_sumstats_yaml_trait(const char *path, char **trait) DUET_WUR;

#endif
