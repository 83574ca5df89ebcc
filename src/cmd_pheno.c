/*
 * cmd_pheno.c -- `duet pheno`: write the phenotype and covariate tables
 * (PREFIX.pheno.tsv, PREFIX.covar.tsv) and a description of every trait
 * (PREFIX.traits.tsv) from the EHR store: phecode case/control traits from
 * the counts of `duet phecode`, quantitative traits from measurement, and
 * sex, age, record length and visit count.  The work is in src/pheno
 * (include/duet/pheno.h); this file parses options and writes the files.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/phecode.h"
#include "duet/pheno.h"
#include "duet/pheno_cli.h"
#include "duet/store.h"
#include "duet/tsv.h"
#include "duet/version.h"

enum {
    OPT_DB = DUET_OPT_FIRST_PRIVATE,
    OPT_MIN_CASES
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "\n"
            "About:   phenotype and covariate tables from the EHR store: phecode case/control\n"
            "         traits (from 'duet phecode'), quantitative traits from measurement, and\n"
            "         sex, age, record length and visit count, one row per sample ID\n"
            "Usage:   duet pheno --db FILE -o PREFIX [options]\n"
            "\n"
            "Input:\n"
            "        --db FILE              the store [required]\n"
            "\n");
    duet_pheno_cli_usage(fp, "        --min-cases INT        least cases a phecode needs to be written [20]\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_QUIET | DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "PREFIX");
    fprintf(fp,
            "\n"
            "Outputs PREFIX.pheno.tsv, PREFIX.covar.tsv and PREFIX.traits.tsv.  Rules: man\n"
            "duet-pheno.\n"
            "\n");
}

static duet_err_t write_pheno(const duet_pheno_t *ph, duet_out_t *out)
{
    duet_err_t err;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    duet_tsv_str(&row, "IID");
    for (int t = 0; t < ph->n_traits; t++) duet_tsv_str(&row, ph->traits[t].name);
    if ((err = duet_tsv_row_write(&row, out))) goto cleanup;
    for (int i = 0; i < ph->n_samples; i++) {
        duet_tsv_str(&row, ph->iid[i]);
        for (int t = 0; t < ph->n_traits; t++) {
            const duet_trait_t *tr = &ph->traits[t];
            if (tr->binary) {
                int8_t v = tr->code[i];
                duet_tsv_str(&row, v == 1 ? "1" : v == 0 ? "0" : "NA");
            } else {
                duet_tsv_double(&row, tr->value[i], 8, "NA");
            }
        }
        if ((err = duet_tsv_row_write(&row, out))) goto cleanup;
    }
cleanup:
    duet_tsv_row_free(&row);
    return err;
}

static duet_err_t write_covar(const duet_pheno_t *ph, duet_out_t *out)
{
    duet_err_t err;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    duet_tsv_str(&row, "IID");
    duet_tsv_str(&row, "sex");
    duet_tsv_str(&row, "age");
    duet_tsv_str(&row, "record_years");
    duet_tsv_str(&row, "n_visits");
    if ((err = duet_tsv_row_write(&row, out))) goto cleanup;
    for (int i = 0; i < ph->n_samples; i++) {
        duet_tsv_str(&row, ph->iid[i]);
        duet_tsv_fixed(&row, ph->sex[i], 0, "NA");
        duet_tsv_fixed(&row, ph->age[i], 2, "NA");
        duet_tsv_fixed(&row, ph->record_years[i], 2, "NA");
        duet_tsv_fixed(&row, ph->n_visits[i], 0, "NA");
        if ((err = duet_tsv_row_write(&row, out))) goto cleanup;
    }
cleanup:
    duet_tsv_row_free(&row);
    return err;
}

static void int_or_na(duet_tsv_row_t *row, int64_t v, int ok)
{
    if (ok) duet_tsv_int(row, v);
    else duet_tsv_str(row, "NA");
}

static duet_err_t write_traits(const duet_pheno_t *ph, const duet_common_t *c,
                               const duet_pheno_opts_t *o, duet_out_t *out)
{
    duet_err_t err;
    if (!c->no_version) {
        if ((err = duet_out_printf(out, "##duet_version=%s\n##duet_command=%s\n",
                                   duet_version_string(), duet_opts_cmdline())))
            return err;
    }
    if (ph->version[0] &&
        (err = duet_out_printf(out, "##phecode_version=%s\n##phecode_tables_sha256=%s\n"
                                    "##min_code_count=%d\n",
                               ph->version, ph->tables_sha256, o->min_code_count)))
        return err;
    if ((err = duet_out_printf(out, "##id_column=%s\n", duet_id_column_name(ph->id_column))))
        return err;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    static const char *const head[] = { "trait", "type", "n", "n_cases", "n_controls",
                                        "n_missing", "unit_concept_id", "n_rows",
                                        "n_rows_other_unit", "n_rows_implausible",
                                        "n_rows_not_numeric", "description" };
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) duet_tsv_str(&row, head[i]);
    if ((err = duet_tsv_row_write(&row, out))) goto cleanup;
    for (int t = 0; t < ph->n_traits; t++) {
        const duet_trait_t *tr = &ph->traits[t];
        duet_tsv_str(&row, tr->name);
        duet_tsv_str(&row, tr->binary ? "binary" : "quantitative");
        duet_tsv_int(&row, tr->n);
        int_or_na(&row, tr->n_cases, tr->binary);
        int_or_na(&row, tr->n_controls, tr->binary);
        duet_tsv_int(&row, tr->n_missing);
        int_or_na(&row, tr->unit, !tr->binary);
        int_or_na(&row, tr->n_rows, !tr->binary);
        int_or_na(&row, tr->n_rows_other_unit, !tr->binary);
        int_or_na(&row, tr->n_rows_implausible, !tr->binary);
        int_or_na(&row, tr->n_rows_not_numeric, !tr->binary);
        duet_tsv_str(&row, tr->description);
        if ((err = duet_tsv_row_write(&row, out))) goto cleanup;
    }
cleanup:
    duet_tsv_row_free(&row);
    return err;
}

duet_err_t main_pheno(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "min-cases", required_argument, NULL, OPT_MIN_CASES },
        DUET_PHENO_LONGOPTS,
        DUET_COMMON_LONGOPTS,
        { NULL, 0, NULL, 0 }
    };
    duet_common_t common;
    duet_pheno_cli_t cli;
    duet_opts_init(&common);
    const char *db_path = NULL;
    duet_store_t *store = NULL;
    duet_pheno_t *ph = NULL;
    duet_out_t *out[3] = { NULL, NULL, NULL };
    char *paths[3] = { NULL, NULL, NULL };
    duet_err_t err = duet_pheno_cli_init(&cli, argc);
    duet_pheno_opts_t *o = &cli.opts;
    long v;
    int opt;
    optind = 1;
    if (err) goto cleanup;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (duet_pheno_cli_parse(&cli, opt, optarg, &err)) {
            if (err) goto cleanup;
            continue;
        }
        switch (opt) {
        case OPT_DB: db_path = optarg; break;
        case OPT_MIN_CASES:
            if ((err = duet_opts_parse_long("--min-cases", optarg, 0, 1L << 30, &v))) goto cleanup;
            o->min_cases = (int)v;
            break;
        default: {
            int r = duet_opts_common(&common, opt, optarg);
            if (r == DUET_OK) break;
            if (r == DUET_EUSAGE) {
                err = DUET_EUSAGE;
                goto cleanup;
            }
            err = duet_opts_bad("pheno");
            goto cleanup;
        }
        }
    }
    if (common.help) {
        usage(stdout);
        goto cleanup;
    }
    duet_opts_apply(&common);
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        err = duet_opts_bad("pheno");
        goto cleanup;
    }
    if (!db_path || !*db_path || !common.out) {
        duet_log_error("--db FILE and -o PREFIX are required");
        err = duet_opts_bad("pheno");
        goto cleanup;
    }
    if ((err = duet_pheno_cli_finish(&cli))) goto cleanup;

    static const char *const suffix[3] = { ".pheno.tsv", ".covar.tsv", ".traits.tsv" };
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(common.out) + strlen(suffix[k]) + 1;
        paths[k] = duet_malloc(n);
        if (!paths[k]) {
            err = DUET_ENOMEM;
            goto cleanup;
        }
        snprintf(paths[k], n, "%s%s", common.out, suffix[k]);
    }
    if ((err = duet_store_open(db_path, DUET_STORE_READ, &store))) goto cleanup;
    if ((err = duet_pheno_build(duet_store_db(store), o, &ph))) goto cleanup;
    for (int k = 0; k < 3; k++)
        if ((err = duet_out_create(paths[k], DUET_OUT_PLAIN, common.force, 1, &out[k])))
            goto cleanup;
    if ((err = write_pheno(ph, out[0]))) goto cleanup;
    if ((err = write_covar(ph, out[1]))) goto cleanup;
    if ((err = write_traits(ph, &common, o, out[2]))) goto cleanup;
    for (int k = 0; k < 3; k++)
        if ((err = duet_out_close(out[k], NULL))) goto cleanup;
    if ((err = duet_out_publish_all(out, 3))) goto cleanup;
    int n_bin = 0;
    for (int t = 0; t < ph->n_traits; t++) n_bin += ph->traits[t].binary;
    duet_log_info("%d samples (IDs from %s%s), %d phecode and %d quantitative traits written "
                  "to %s.{pheno,covar,traits}.tsv",
                  ph->n_samples, duet_id_column_name(ph->id_column),
                  ph->n_persons_unlinked ? ", persons without a link left out" : "",
                  n_bin, ph->n_traits - n_bin, common.out);
    if (ph->n_persons_unlinked)
        duet_log_info("%d persons have no duet_sample_link row and were left out",
                      ph->n_persons_unlinked);
cleanup:
    for (int k = 0; k < 3; k++) {
        duet_out_destroy(out[k]);
        free(paths[k]);
    }
    duet_pheno_destroy(ph);
    duet_store_close(store);
    duet_pheno_cli_free(&cli);
    return err;
}
