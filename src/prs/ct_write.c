/*
 * ct_write.c -- the outputs of duet prs ct (prs.h): the weights file (duet
 * weights format, bgzip), the per-person scores, the log, and PRSice's
 * .prsice and .summary tables.  All claimed before any work and published
 * together.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/tsv.h"
#include "duet/version.h"
#include "ct_internal.h"

static const char *const suffix[CT_N_OUT] = {".ct.weights.tsv.gz", ".ct.score.tsv", ".ct.log",
                                             ".ct.prsice", ".ct.summary"};

duet_err_t ct_outputs_create(ct_state_t *s)
{
    const duet_ct_opts_t *o = s->opts;
    int n = o->pheno ? CT_N_OUT : CT_PRSICE;
    for (int k = 0; k < n; k++) {
        s->path[k] = duet_malloc(strlen(o->out) + strlen(suffix[k]) + 1);
        if (!s->path[k]) return DUET_ENOMEM;
        sprintf(s->path[k], "%s%s", o->out, suffix[k]);
        duet_err_t err = duet_out_create(s->path[k], duet_out_kind_for_path(s->path[k]), o->force,
                                         1, &s->out[k]);
        if (err) return err;
    }
    return DUET_OK;
}

duet_err_t ct_outputs_commit(ct_state_t *s)
{
    duet_err_t err;
    for (int k = 0; k < CT_N_OUT; k++)
        if (s->out[k] && (err = duet_out_close(s->out[k], NULL))) return err;
    for (int k = 0; k < CT_N_OUT; k++)
        if (s->out[k] && (err = duet_out_publish(s->out[k]))) return err;
    return DUET_OK;
}

void ct_state_free(ct_state_t *s)
{
    for (int k = 0; k < CT_N_OUT; k++) {
        duet_out_destroy(s->out[k]);
        free(s->path[k]);
    }
    duet_clump_result_destroy(s->clump);
    free(s->thr);
    free(s->n_snp);
    duet_weights_destroy(s->weights);
    duet_score_result_destroy(s->score);
    duet_phenofile_destroy(s->pheno);
    duet_phenofile_destroy(s->covar);
    free(s->fits);
    free(s->auc);
    free(s->liab);
}

static duet_err_t provenance(const ct_state_t *s, duet_out_t *o)
{
    if (s->opts->no_version) return DUET_OK;
    return duet_out_printf(o, "## %s\n## command: %s\n", duet_version_string(), duet_opts_cmdline());
}

static duet_err_t write_weights(const ct_state_t *s, duet_tsv_row_t *row)
{
    duet_out_t *o = s->out[CT_WEIGHTS];
    const duet_weights_t *w = s->weights;
    duet_err_t err = provenance(s, o);
    for (const char *h = "chromosome\0base_pair_location\0variant_id\0effect_allele\0other_allele\0";
         *h; h += strlen(h) + 1)
        duet_tsv_str(row, h);
    for (int t = 0; t < s->n_thr; t++) duet_tsv_str(row, duet_weights_score_name(w, t));
    if (!err) err = duet_tsv_row_write(row, o);
    for (int r = 0; !err && r < duet_weights_n_rows(w); r++) {
        const duet_weight_row_t *wr = duet_weights_row(w, r);
        duet_tsv_str(row, wr->chrom);
        duet_tsv_int(row, wr->pos);
        duet_tsv_str(row, wr->id ? wr->id : "NA");
        duet_tsv_str(row, wr->effect_allele);
        duet_tsv_str(row, wr->other_allele ? wr->other_allele : "NA");
        for (int t = 0; t < s->n_thr; t++) duet_tsv_double(row, duet_weights_get(w, r, t), 8, "NA");
        err = duet_tsv_row_write(row, o);
    }
    return err;
}

static duet_err_t write_scores(const ct_state_t *s, duet_tsv_row_t *row)
{
    duet_out_t *o = s->out[CT_SCORE];
    const duet_score_result_t *r = s->score;
    duet_err_t err = provenance(s, o);
    duet_tsv_str(row, "#IID");
    for (int t = 0; t < s->n_thr; t++) duet_tsv_str(row, duet_weights_score_name(s->weights, t));
    if (!err) err = duet_tsv_row_write(row, o);
    for (int i = 0; !err && i < r->n_samples; i++) {
        duet_tsv_str(row, r->sample_ids[i]);
        for (int t = 0; t < s->n_thr; t++)
            duet_tsv_double(row, r->sum[(size_t)t * r->n_samples + i], 10, "NA");
        err = duet_tsv_row_write(row, o);
    }
    return err;
}

static duet_err_t write_log(const ct_state_t *s, duet_tsv_row_t *row)
{
    duet_out_t *o = s->out[CT_LOG];
    const duet_clump_counts_t *c = &s->clump->counts;
    const duet_ct_opts_t *op = s->opts;
    duet_err_t err = provenance(s, o);
    if (!err)
        err = duet_out_printf(o,
            "sumstats_rows\t%lld\nsumstats_rows_matched\t%lld\nsumstats_rows_absent\t%lld\n"
            "sumstats_rows_allele_mismatch\t%lld\nclump_p1\t%g\nclump_r2\t%g\nclump_kb\t%g\n"
            "clumps\t%d\nindex_variants_without_beta\t%lld\nthresholds\t%d\n"
            "target_samples\t%d\ntarget_variants\t%lld\n",
            (long long)c->n_rows, (long long)c->n_matched, (long long)c->n_absent,
            (long long)c->n_allele_mismatch, op->clump.p1, op->clump.r2, op->clump.kb,
            s->clump->n_clumps, (long long)s->n_no_beta, s->n_thr, s->score->n_samples,
            (long long)s->score->n_vcf_variants);
    if (!err) err = duet_out_puts(o, "#score\tthreshold\tvariants\tmatch_report\n");
    char buf[512];
    for (int t = 0; !err && t < s->n_thr; t++) {
        duet_score_report_format(&s->score->report[t], buf, sizeof buf);
        duet_tsv_str(row, duet_weights_score_name(s->weights, t));
        duet_tsv_double(row, s->thr[t], 10, "NA");
        duet_tsv_int(row, s->n_snp[t]);
        duet_tsv_str(row, buf);
        err = duet_tsv_row_write(row, o);
    }
    return err;
}

static duet_err_t write_prsice(const ct_state_t *s, duet_tsv_row_t *row)
{
    duet_out_t *o = s->out[CT_PRSICE];
    duet_err_t err = duet_out_puts(o, s->binary ? "Pheno\tSet\tThreshold\tR2\tP\tCoefficient\t"
                                                  "Standard.Error\tNum_SNP\tR2.liability\tAUC\n"
                                                : "Pheno\tSet\tThreshold\tR2\tP\tCoefficient\t"
                                                  "Standard.Error\tNum_SNP\n");
    for (int t = 0; !err && t < s->n_thr; t++) {
        const duet_prs_fit_t *f = &s->fits[t];
        duet_tsv_str(row, s->trait_name);
        duet_tsv_str(row, "Base");
        duet_tsv_double(row, s->thr[t], 10, "NA");
        duet_tsv_double(row, f->r2, 8, "NA");
        duet_tsv_double(row, f->p, 8, "NA");
        duet_tsv_double(row, f->coef, 8, "NA");
        duet_tsv_double(row, f->se, 8, "NA");
        duet_tsv_int(row, s->score->report[t].n_matched);
        if (s->binary) {
            duet_tsv_double(row, s->liab[t], 8, "NA");
            duet_tsv_double(row, s->auc[t], 8, "NA");
        }
        err = duet_tsv_row_write(row, o);
    }
    return err;
}

static duet_err_t write_summary(const ct_state_t *s, duet_tsv_row_t *row)
{
    duet_out_t *o = s->out[CT_SUMMARY];
    duet_err_t err = duet_out_puts(o, "Phenotype\tSet\tThreshold\tPRS.R2\tFull.R2\tNull.R2\t"
                                      "Prevalence\tCoefficient\tStandard.Error\tP\tNum_SNP\t"
                                      "Empirical-P\tN\tR2.liability\tAUC\n");
    if (err || s->best < 0) return err;
    const duet_prs_fit_t *f = &s->fits[s->best];
    duet_tsv_str(row, s->trait_name);
    duet_tsv_str(row, "Base");
    duet_tsv_double(row, s->thr[s->best], 10, "NA");
    duet_tsv_double(row, f->r2, 8, "NA");
    duet_tsv_double(row, f->r2_full, 8, "NA");
    duet_tsv_double(row, f->r2_null, 8, "NA");
    duet_tsv_double(row, s->opts->prevalence, 8, "NA");
    duet_tsv_double(row, f->coef, 8, "NA");
    duet_tsv_double(row, f->se, 8, "NA");
    duet_tsv_double(row, f->p, 8, "NA");
    duet_tsv_int(row, s->score->report[s->best].n_matched);
    duet_tsv_double(row, s->emp_p, 8, "NA");
    duet_tsv_int(row, s->n_used);
    duet_tsv_double(row, s->binary ? s->liab[s->best] : NAN, 8, "NA");
    duet_tsv_double(row, s->binary ? s->auc[s->best] : NAN, 8, "NA");
    return duet_tsv_row_write(row, o);
}

duet_err_t ct_write(ct_state_t *s)
{
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    duet_err_t err = write_weights(s, &row);
    if (!err) err = write_scores(s, &row);
    if (!err) err = write_log(s, &row);
    if (!err && s->opts->pheno) err = write_prsice(s, &row);
    if (!err && s->opts->pheno) err = write_summary(s, &row);
    duet_tsv_row_free(&row);
    return err;
}
