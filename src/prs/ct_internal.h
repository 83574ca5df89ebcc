/*
 * ct_internal.h -- state of one duet prs ct run, shared by ct.c (clumping,
 * thresholds, weights, scoring), ct_validate.c (trait, fits, permutations)
 * and ct_write.c (outputs).  Private to src/prs.
 */
#ifndef DUET_CT_INTERNAL_H
#define DUET_CT_INTERNAL_H

#include <stdint.h>

#include "duet/out.h"
#include "duet/phenofile.h"
#include "duet/prs.h"
#include "duet/score.h"

enum { CT_WEIGHTS, CT_SCORE, CT_LOG, CT_PRSICE, CT_SUMMARY, CT_N_OUT };

typedef struct {
    const duet_ct_opts_t *opts;
    duet_clump_result_t *clump;
    double *thr;                 /* kept thresholds, ascending */
    int n_thr;
    int64_t *n_snp;              /* weight rows per threshold */
    int64_t n_no_beta;           /* index variants without a beta */
    duet_weights_t *weights;
    duet_score_result_t *score;
    /* the trait */
    duet_phenofile_t *pheno, *covar;
    int trait_col, binary;
    const char *trait_name;
    /* validation */
    int n_used;                  /* samples with the trait and covariates */
    double case_frac;
    duet_prs_fit_t *fits;        /* n_thr */
    double *auc, *liab;          /* n_thr (binary) */
    int best;                    /* index of the best threshold, -1 none */
    double emp_p;                /* NaN without permutations */
    /* outputs */
    duet_out_t *out[CT_N_OUT];
    char *path[CT_N_OUT];
} ct_state_t;

duet_err_t ct_outputs_create(ct_state_t *s) DUET_WUR;
duet_err_t ct_outputs_commit(ct_state_t *s) DUET_WUR;
duet_err_t ct_write(ct_state_t *s) DUET_WUR;
void ct_state_free(ct_state_t *s);
duet_err_t ct_read_trait(ct_state_t *s) DUET_WUR;
duet_err_t ct_validate(ct_state_t *s) DUET_WUR;

#endif
