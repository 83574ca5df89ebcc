/*
 * score_run.c -- `duet score` end to end (duet_score_run()): read the
 * weights files, score the VCF's samples, check the overlap, and write
 * PREFIX.score.tsv (per person, as plink2's .sscore with cols=+scoresums),
 * PREFIX.score.match.tsv (per weight row: how it matched or why not) and
 * PREFIX.log (inputs and the match report of every score), all three
 * atomically and only when the run succeeds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/score.h"
#include "duet/tsv.h"
#include "duet/version.h"
#include "prs_internal.h"

enum { OUT_SCORE, OUT_MATCH, OUT_LOG, N_OUT };
static const char *const suffix[N_OUT] = {".score.tsv", ".score.match.tsv", ".log"};

/* An allele count or dosage sum: an integer where it is one (GT calls). */
static void put_count(duet_tsv_row_t *row, double v)
{
    if (v == (double)(int64_t)v && fabs(v) < 9e15) duet_tsv_int(row, (int64_t)v);
    else duet_tsv_double(row, v, 10, "NA");
}

static duet_err_t provenance(duet_out_t *out, int no_version)
{
    if (no_version) return DUET_OK;
    return duet_out_printf(out, "## %s\n## command: %s\n", duet_version_string(),
                           duet_opts_cmdline());
}

static duet_err_t write_scores(duet_out_t *out, const duet_weights_t *w,
                               const duet_score_result_t *res, int no_version,
                               int no_mean_imputation)
{
    duet_err_t err = provenance(out, no_version);
    if (err) return err;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    int n = res->n_samples, K = res->n_scores;
    char name[400];
    duet_tsv_str(&row, "IID");
    duet_tsv_str(&row, "ALLELE_CT");
    duet_tsv_str(&row, "NAMED_ALLELE_DOSAGE_SUM");
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < K; k++) {
            snprintf(name, sizeof name, "%s_%s", duet_weights_score_name(w, k), pass ? "SUM" : "AVG");
            duet_tsv_str(&row, name);
        }
    err = duet_tsv_row_write(&row, out);
    for (int i = 0; i < n && !err; i++) {
        duet_tsv_str(&row, res->sample_ids[i]);
        put_count(&row, res->all_allele_ct[i]);
        put_count(&row, res->named_dosage_sum[i]);
        for (int k = 0; k < K; k++) {
            /* as plink2: imputed alleles count in the average */
            double ct = no_mean_imputation ? res->allele_ct[(size_t)k * n + i]
                                           : 2.0 * (double)res->report[k].n_matched;
            double sum = res->sum[(size_t)k * n + i];
            duet_tsv_double(&row, ct > 0 ? sum / ct : 0.0, 10, "NA");
        }
        for (int k = 0; k < K; k++) duet_tsv_double(&row, res->sum[(size_t)k * n + i], 10, "NA");
        err = duet_tsv_row_write(&row, out);
    }
    duet_tsv_row_free(&row);
    return err;
}

static duet_err_t write_match(duet_out_t *out, const duet_weights_t *w,
                              const duet_score_result_t *res, int no_version)
{
    duet_err_t err = provenance(out, no_version);
    if (err) return err;
    if ((err = duet_out_puts(out, "file\tline\tchromosome\tbase_pair_location\tvariant_id\t"
                                  "effect_allele\tother_allele\tmodel\tscores\tmatch\t"
                                  "vcf_chromosome\tvcf_base_pair_location\tvcf_ref\tvcf_alt\t"
                                  "effect_is\n")))
        return err;
    static const char *const model[] = {"additive", "dominant", "recessive"};
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    kstring_t names = {0, 0, NULL};
    for (int r = 0; r < w->n_rows && !err; r++) {
        const duet_weight_row_t *wr = &w->rows[r];
        int st = res->status[r];
        duet_tsv_int(&row, wr->file + 1);
        duet_tsv_int(&row, wr->lineno);
        duet_tsv_str(&row, wr->chrom ? wr->chrom : "NA");
        if (wr->pos > 0) duet_tsv_int(&row, wr->pos);
        else duet_tsv_str(&row, "NA");
        duet_tsv_str(&row, wr->id ? wr->id : "NA");
        duet_tsv_str(&row, wr->effect_allele);
        duet_tsv_str(&row, wr->other_allele ? wr->other_allele : "NA");
        duet_tsv_str(&row, model[wr->model]);
        names.l = 0;
        for (int k = 0; k < w->n_scores; k++) {
            if (isnan(w->weight[k][r])) continue;
            if ((names.l && kputc(',', &names) < 0) || kputs(w->score_names[k], &names) < 0) {
                err = duet_log_oom(names.l + 64);
                break;
            }
        }
        duet_tsv_str(&row, names.l ? names.s : "NA");
        duet_tsv_str(&row, duet_match_name((duet_match_t)st));
        if (res->match_chrom[r]) {
            duet_tsv_str(&row, res->match_chrom[r]);
            duet_tsv_int(&row, res->match_pos[r]);
            duet_tsv_str(&row, res->match_ref[r]);
            duet_tsv_str(&row, res->match_alt[r]);
            duet_tsv_str(&row, st == DUET_MATCH_SWAPPED || st == DUET_MATCH_FLIPPED_SWAPPED ? "REF" : "ALT");
        } else {
            for (int f = 0; f < 5; f++) duet_tsv_str(&row, "NA");
        }
        if (!err) err = duet_tsv_row_write(&row, out);
    }
    free(names.s);
    duet_tsv_row_free(&row);
    return err;
}

static duet_err_t write_log(duet_out_t *out, const duet_score_run_t *run, const duet_weights_t *w,
                            const duet_score_result_t *res)
{
    duet_err_t err = provenance(out, run->no_version);
    for (int f = 0; f < w->n_files && !err; f++) {
        int n_rows = 0;
        for (int r = 0; r < w->n_rows; r++) n_rows += w->rows[r].file == f;
        err = duet_out_printf(out, "weights file %d: %s (%s, %d variants)\n", f + 1, w->files[f],
                              duet_weights_format_name(w->formats[f]), n_rows);
    }
    if (!err)
        err = duet_out_printf(out,
                              "genotypes: %s: %d samples, %lld records, %lld variants (ALT alleles); "
                              "%s; matched by %s; ambiguous SNPs %s; missing calls %s\n",
                              run->score.vcf, res->n_samples, (long long)res->n_records,
                              (long long)res->n_vcf_variants, run->score.dosage ? "DS dosages" : "GT calls",
                              run->score.match_id ? "ID" : "position (ID for rows without one)",
                              run->score.keep_ambiguous ? "kept (forward strand)" : "dropped",
                              run->score.no_mean_imputation ? "count 0" : "mean-imputed");
    for (int k = 0; k < res->n_scores && !err; k++) {
        char line[512];
        duet_score_report_format(&res->report[k], line, sizeof line);
        err = duet_out_printf(out, "score %s: %s\n", w->score_names[k], line);
    }
    for (int o = 0; o < N_OUT && !err; o++)
        err = duet_out_printf(out, "output: %s%s\n", run->out, suffix[o]);
    return err;
}

static duet_err_t read_all(const duet_score_run_t *run, duet_weights_t *w)
{
    for (int f = 0; f < run->n_weights; f++) {
        duet_err_t err = duet_weights_read(w, run->weights[f], &run->read);
        if (err) return err;
        duet_log_info("%s: %s, %d scores and %d variants so far", run->weights[f],
                      duet_weights_format_name(w->formats[w->n_files - 1]), w->n_scores, w->n_rows);
    }
    return DUET_OK;
}

duet_err_t duet_score_run(const duet_score_run_t *run)
{
    duet_weights_t *w = NULL;
    duet_score_result_t *res = NULL;
    duet_out_t *out[N_OUT] = {NULL};
    char *path = NULL;
    duet_err_t err = duet_weights_create(&w);
    if (err) return err;
    if ((err = read_all(run, w))) goto cleanup;
    if ((err = duet_score_compute(w, &run->score, &res))) goto cleanup;
    for (int k = 0; k < res->n_scores; k++) {
        char line[512];
        duet_score_report_format(&res->report[k], line, sizeof line);
        duet_log_info("score %s: %s", w->score_names[k], line);
    }
    if ((err = duet_score_check(w, res, run->min_overlap))) goto cleanup;
    size_t len = strlen(run->out) + 32;
    if (!(path = duet_malloc(len))) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int o = 0; o < N_OUT; o++) {
        snprintf(path, len, "%s%s", run->out, suffix[o]);
        if ((err = duet_out_create(path, DUET_OUT_PLAIN, run->force, 1, &out[o]))) goto cleanup;
    }
    if ((err = write_scores(out[OUT_SCORE], w, res, run->no_version,
                              run->score.no_mean_imputation)) ||
        (err = write_match(out[OUT_MATCH], w, res, run->no_version)) ||
        (err = write_log(out[OUT_LOG], run, w, res)))
        goto cleanup;
    for (int o = 0; o < N_OUT; o++)
        if ((err = duet_out_close(out[o], NULL))) goto cleanup;
    /* all three or none */
    if ((err = duet_out_publish_all(out, N_OUT))) goto cleanup;
    duet_log_info("%d samples x %d scores written to %s%s", res->n_samples, res->n_scores,
                  run->out, suffix[OUT_SCORE]);

cleanup:
    for (int o = 0; o < N_OUT; o++) duet_out_destroy(out[o]);
    free(path);
    duet_score_result_destroy(res);
    duet_weights_destroy(w);
    return err;
}
