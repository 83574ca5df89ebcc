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
#include "duet/store.h"
#include "duet/tsv.h"
#include "duet/version.h"

enum {
    OPT_DB = DUET_OPT_FIRST_PRIVATE,
    OPT_VERSION,
    OPT_PHECODES,
    OPT_NO_PHECODES,
    OPT_MIN_CASES,
    OPT_MIN_CODE_COUNT,
    OPT_QUANT,
    OPT_UNIT,
    OPT_RANGE,
    OPT_INVERSE_NORMAL,
    OPT_INDEX_DATE,
    OPT_ID_COLUMN
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
            "        --id-column COL        sample IDs: person_source_value, person_id or link\n"
            "                               (duet_sample_link) [link if it has rows, else\n"
            "                               person_source_value]\n"
            "\n"
            "Phecode traits:\n"
            "        --version 1.2|X        phecode version [1.2 if the store has a 1.2 run]\n"
            "        --phecodes LIST        comma-separated phecodes, or @FILE (one per line)\n"
            "                               [every phecode with --min-cases cases]\n"
            "        --no-phecodes          no phecode traits (quantitative traits only)\n"
            "        --min-cases INT        least cases a phecode needs to be written [20]\n"
            "        --min-code-count INT   distinct dates that make a case [2]\n"
            "\n"
            "Quantitative traits:\n"
            "        --quant NAME=CONCEPT_ID[,CONCEPT_ID...][:AGG]\n"
            "                               a trait from measurement_concept_ids, AGG one of\n"
            "                               median, mean, min, max, first, last [median];\n"
            "                               repeat for more traits\n"
            "        --unit NAME=UNIT_ID    keep this unit_concept_id [the most frequent]\n"
            "        --range NAME=LO:HI     plausible values [built-in table, else none]\n"
            "        --inverse-normal       rank-based inverse normal transform (Blom)\n"
            "\n"
            "Covariates:\n"
            "        --index-date DATE      age at YYYY-MM-DD [at the end of observation]\n"
            "\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_QUIET | DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "PREFIX");
    fprintf(fp,
            "\n"
            "Outputs PREFIX.pheno.tsv, PREFIX.covar.tsv and PREFIX.traits.tsv.  Rules: man\n"
            "duet-pheno.\n"
            "\n");
}

/* Read --phecodes: "a,b,c" or "@FILE" with one phecode per line. */
static duet_err_t parse_phecodes(const char *arg, char ***list, int *n, char **buf_out)
{
    char *buf = NULL;
    size_t len = 0;
    if (arg[0] == '@') {
        FILE *fp = fopen(arg + 1, "rb");
        if (!fp) {
            duet_log_error("--phecodes: cannot open '%s'", arg + 1);
            return DUET_EREAD;
        }
        size_t m = 4096;
        buf = duet_malloc(m);
        if (!buf) {
            fclose(fp);
            return DUET_ENOMEM;
        }
        size_t got;
        while ((got = fread(buf + len, 1, m - len - 1, fp)) > 0) {
            len += got;
            if (len + 1 == m) {
                char *b = duet_realloc(buf, m * 2);
                if (!b) {
                    free(buf);
                    fclose(fp);
                    return DUET_ENOMEM;
                }
                buf = b;
                m *= 2;
            }
        }
        int bad = ferror(fp);
        fclose(fp);
        if (bad) {
            free(buf);
            duet_log_error("--phecodes: cannot read '%s'", arg + 1);
            return DUET_EREAD;
        }
        buf[len] = '\0';
    } else {
        len = strlen(arg);
        buf = duet_malloc(len + 1);
        if (!buf) return DUET_ENOMEM;
        memcpy(buf, arg, len + 1);
    }
    int m = 1;
    for (size_t i = 0; i < len; i++) m += buf[i] == ',' || buf[i] == '\n';
    char **l = duet_malloc((size_t)m * sizeof *l);
    if (!l) {
        free(buf);
        return DUET_ENOMEM;
    }
    int k = 0;
    for (char *p = buf; p;) {
        char *e = p + strcspn(p, ",\n");
        char *next = *e ? e + 1 : NULL;
        *e = '\0';
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        char *t = p + strlen(p);
        while (t > p && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r')) *--t = '\0';
        if (*p) l[k++] = p;
        p = next;
    }
    if (!k) {
        free(l);
        free(buf);
        duet_log_error("--phecodes: no phecode given");
        return DUET_EUSAGE;
    }
    *list = l;
    *n = k;
    *buf_out = buf;
    return DUET_OK;
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
        { "version", required_argument, NULL, OPT_VERSION },
        { "phecodes", required_argument, NULL, OPT_PHECODES },
        { "no-phecodes", no_argument, NULL, OPT_NO_PHECODES },
        { "min-cases", required_argument, NULL, OPT_MIN_CASES },
        { "min-code-count", required_argument, NULL, OPT_MIN_CODE_COUNT },
        { "quant", required_argument, NULL, OPT_QUANT },
        { "unit", required_argument, NULL, OPT_UNIT },
        { "range", required_argument, NULL, OPT_RANGE },
        { "inverse-normal", no_argument, NULL, OPT_INVERSE_NORMAL },
        { "index-date", required_argument, NULL, OPT_INDEX_DATE },
        { "id-column", required_argument, NULL, OPT_ID_COLUMN },
        DUET_COMMON_LONGOPTS,
        { NULL, 0, NULL, 0 }
    };
    duet_common_t common;
    duet_pheno_opts_t o;
    duet_opts_init(&common);
    duet_pheno_opts_init(&o);
    const char *db_path = NULL, *phecodes_arg = NULL;
    char **units = NULL, **ranges = NULL;
    int n_units = 0, n_ranges = 0;
    char *phecode_buf = NULL;
    duet_store_t *store = NULL;
    duet_pheno_t *ph = NULL;
    duet_out_t *out[3] = { NULL, NULL, NULL };
    char *paths[3] = { NULL, NULL, NULL };
    duet_err_t err = DUET_OK;
    long v;
    int opt;
    optind = 1;
    units = duet_calloc((size_t)argc + 1, sizeof *units);
    ranges = duet_calloc((size_t)argc + 1, sizeof *ranges);
    o.quant = duet_calloc((size_t)argc + 1, sizeof *o.quant);
    if (!units || !ranges || !o.quant) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_DB: db_path = optarg; break;
        case OPT_VERSION:
            if (strcmp(optarg, "1.2") && strcmp(optarg, "X")) {
                duet_log_error("--version must be 1.2 or X, got '%s'", optarg);
                err = DUET_EUSAGE;
                goto cleanup;
            }
            o.version = optarg;
            break;
        case OPT_PHECODES: phecodes_arg = optarg; break;
        case OPT_NO_PHECODES: o.no_phecodes = 1; break;
        case OPT_MIN_CASES:
            if ((err = duet_opts_parse_long("--min-cases", optarg, 0, 1L << 30, &v))) goto cleanup;
            o.min_cases = (int)v;
            break;
        case OPT_MIN_CODE_COUNT:
            if ((err = duet_opts_parse_long("--min-code-count", optarg, 1, 1L << 30, &v)))
                goto cleanup;
            o.min_code_count = (int)v;
            break;
        case OPT_QUANT:
            if ((err = duet_quant_parse(optarg, &o.quant[o.n_quant]))) goto cleanup;
            for (int i = 0; i < o.n_quant; i++) {
                if (!strcmp(o.quant[i].name, o.quant[o.n_quant].name)) {
                    duet_log_error("--quant: trait '%s' given twice", o.quant[i].name);
                    o.n_quant++;
                    err = DUET_EUSAGE;
                    goto cleanup;
                }
            }
            o.n_quant++;
            break;
        case OPT_UNIT: units[n_units++] = optarg; break;
        case OPT_RANGE: ranges[n_ranges++] = optarg; break;
        case OPT_INVERSE_NORMAL: o.inverse_normal = 1; break;
        case OPT_INDEX_DATE:
            o.index_date = duet_date_parse(optarg, strlen(optarg));
            if (o.index_date == DUET_DATE_NONE || strlen(optarg) != 10) {
                duet_log_error("--index-date expects a date YYYY-MM-DD, got '%s'", optarg);
                err = DUET_EUSAGE;
                goto cleanup;
            }
            break;
        case OPT_ID_COLUMN:
            if (!strcmp(optarg, "person_id")) o.id_column = DUET_ID_PERSON_ID;
            else if (!strcmp(optarg, "person_source_value")) o.id_column = DUET_ID_SOURCE_VALUE;
            else if (!strcmp(optarg, "link")) o.id_column = DUET_ID_LINK;
            else {
                duet_log_error("--id-column must be person_source_value, person_id or link, "
                               "got '%s'", optarg);
                err = DUET_EUSAGE;
                goto cleanup;
            }
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
    for (int i = 0; i < n_units; i++)
        if ((err = duet_quant_set_unit(o.quant, o.n_quant, units[i]))) goto cleanup;
    for (int i = 0; i < n_ranges; i++)
        if ((err = duet_quant_set_range(o.quant, o.n_quant, ranges[i]))) goto cleanup;
    if (o.no_phecodes && phecodes_arg) {
        duet_log_error("--phecodes and --no-phecodes exclude each other");
        err = DUET_EUSAGE;
        goto cleanup;
    }
    if (o.no_phecodes && !o.n_quant) {
        duet_log_error("--no-phecodes needs at least one --quant trait");
        err = DUET_EUSAGE;
        goto cleanup;
    }
    if (phecodes_arg &&
        (err = parse_phecodes(phecodes_arg, &o.phecodes, &o.n_phecodes, &phecode_buf)))
        goto cleanup;

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
    if ((err = duet_pheno_build(duet_store_db(store), &o, &ph))) goto cleanup;
    for (int k = 0; k < 3; k++)
        if ((err = duet_out_create(paths[k], DUET_OUT_PLAIN, common.force, 1, &out[k])))
            goto cleanup;
    if ((err = write_pheno(ph, out[0]))) goto cleanup;
    if ((err = write_covar(ph, out[1]))) goto cleanup;
    if ((err = write_traits(ph, &common, &o, out[2]))) goto cleanup;
    for (int k = 0; k < 3; k++)
        if ((err = duet_out_close(out[k], NULL))) goto cleanup;
    for (int k = 0; k < 3; k++)
        if ((err = duet_out_publish(out[k]))) goto cleanup;
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
    for (int i = 0; o.quant && i < o.n_quant; i++) duet_quant_spec_free(&o.quant[i]);
    free(o.quant);
    free(o.phecodes);
    free(phecode_buf);
    free(units);
    free(ranges);
    return err;
}
