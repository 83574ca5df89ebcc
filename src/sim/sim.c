/*
 * sim.c -- duet_sim_run(): the order of a simulation run.  Inputs are read
 * and checked before anything is written; all outputs go into one temporary
 * folder that is renamed into place only when every file is complete (and
 * removed on error or on SIGINT/SIGTERM).
 *
 *   gene table -> plan (people, variants, effects) -> genotypes.bcf (with the
 *   genetic values) -> burden inputs -> phenotypes (and the polygenic-only
 *   trait) -> pheno/covar, omics ->
 *   background phenome -> omop/ -> background.tsv, truth.tsv -> rename
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "duet/log.h"
#include "sim_internal.h"

duet_err_t duet_sim_run(const duet_sim_opts_t *opts)
{
    duet_err_t err;
    sim_cohort_t c;
    memset(&c, 0, sizeof c);
    c.opts = opts;
    c.n_samples = opts->n_samples;
    c.n_variants = opts->n_variants;
    duet_outdir_t *dir = NULL;
    int omop_handle = -1;
    char *omop_path = NULL;

    if (opts->n_samples < 10 || opts->n_variants < 100) {
        duet_log_error("internal: at least 10 samples and 100 variants are needed");
        return DUET_EINTERNAL;
    }
    if (!(opts->polygenic_h2 >= 0 && opts->polygenic_h2 <= 1) || (opts->polygenic_h2 > 0 && opts->polygenic_causal < 1)) {
        duet_log_error("internal: polygenic h2 %g (0..1) with %d causal variants (>= 1)", opts->polygenic_h2,
                       opts->polygenic_causal);
        return DUET_EINTERNAL;
    }
    err = duet_sim_genes_read(opts->genes_path, &c.genes);
    if (err) goto cleanup;
    duet_log_info("gene table: %d autosomal genes (%d rows, %d skipped)", c.genes->n, c.genes->n_rows,
                  c.genes->n_skipped);

    err = duet_outdir_create(opts->out_dir, opts->force, &dir);
    if (err) goto cleanup;
    const char *tmp = duet_outdir_tmp_path(dir);
    size_t len = strlen(tmp) + 6;
    omop_path = duet_malloc(len);
    if (!omop_path) { err = DUET_ENOMEM; goto cleanup; }
    snprintf(omop_path, len, "%s/omop", tmp);
    omop_handle = duet_cleanup_register(omop_path, 1);
    if (mkdir(omop_path, 0777) != 0) {
        duet_log_error("cannot create '%s': %s", omop_path, strerror(errno));
        err = DUET_EWRITE;
        goto cleanup;
    }

    err = sim_design(&c);
    if (!err) err = sim_background_plan(&c);
    if (err) goto cleanup;
    duet_log_info("%d samples x %d variants in %d LD blocks; seed %llu", c.n_samples, c.n_variants,
                  c.n_blocks, (unsigned long long)opts->seed);

    err = sim_write_genotypes(&c, dir);
    if (!err) err = sim_write_burden_inputs(&c, dir);
    if (!err) err = sim_phenotypes(&c);
    if (!err) err = sim_write_pheno_covar(&c, dir);
    if (!err) err = sim_write_omics(&c, dir);
    if (!err) err = sim_write_omop(&c, dir);
    if (!err) err = sim_write_background(&c, dir);
    if (!err) err = sim_write_truth(&c, dir);
    if (!err) err = duet_outdir_commit(dir);
    if (err) goto cleanup;

    for (int t = 0; t < sim_n_traits; t++)
        if (sim_traits[t].binary)
            duet_log_info("%s: %d cases of %d (%d with codes on 2+ dates)", sim_traits[t].name, c.n_cases[t],
                          c.n_eligible[t], c.n_cases_multi[t]);
    duet_log_info("wrote %s: %ld visits, %ld condition rows, %ld measurement rows", opts->out_dir, c.n_visits,
                  c.n_conditions, c.n_measurements);

cleanup:
    duet_outdir_destroy(dir); /* removes the folder unless committed */
    if (omop_handle >= 0) duet_cleanup_release(omop_handle);
    free(omop_path);
    duet_sim_genes_destroy(c.genes);
    sim_cohort_free(&c);
    return err;
}
