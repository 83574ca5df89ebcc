/*
 * pheno_cli.c -- the store-trait options shared by pheno, phewas and burden
 * (pheno_cli.h).
 */
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/phecode.h"
#include "duet/pheno_cli.h"

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

duet_err_t duet_pheno_cli_init(duet_pheno_cli_t *cli, int argc)
{
    memset(cli, 0, sizeof *cli);
    duet_pheno_opts_init(&cli->opts);
    cli->m_args = argc + 1;
    cli->units = duet_calloc((size_t)cli->m_args, sizeof *cli->units);
    cli->ranges = duet_calloc((size_t)cli->m_args, sizeof *cli->ranges);
    cli->opts.quant = duet_calloc((size_t)cli->m_args, sizeof *cli->opts.quant);
    if (!cli->units || !cli->ranges || !cli->opts.quant) return DUET_ENOMEM;
    return DUET_OK;
}

void duet_pheno_cli_free(duet_pheno_cli_t *cli)
{
    for (int i = 0; cli->opts.quant && i < cli->opts.n_quant; i++)
        duet_quant_spec_free(&cli->opts.quant[i]);
    free(cli->opts.quant);
    free(cli->opts.phecodes);
    free(cli->phecode_buf);
    free((void *)cli->units);
    free((void *)cli->ranges);
    memset(cli, 0, sizeof *cli);
}

int duet_pheno_cli_parse(duet_pheno_cli_t *cli, int opt, const char *arg, duet_err_t *err)
{
    duet_pheno_opts_t *o = &cli->opts;
    long v;
    *err = DUET_OK;
    switch (opt) {
    case DUET_PHENO_OPT_VERSION:
        if (strcmp(arg, "1.2") && strcmp(arg, "X")) {
            duet_log_error("--version must be 1.2 or X, got '%s'", arg);
            *err = DUET_EUSAGE;
        }
        o->version = arg;
        break;
    case DUET_PHENO_OPT_PHECODES: cli->phecodes_arg = arg; break;
    case DUET_PHENO_OPT_NO_PHECODES: o->no_phecodes = 1; break;
    case DUET_PHENO_OPT_MIN_CODE_COUNT:
        if ((*err = duet_opts_parse_long("--min-code-count", arg, 1, 1L << 30, &v))) break;
        o->min_code_count = (int)v;
        break;
    case DUET_PHENO_OPT_QUANT:
        if ((*err = duet_quant_parse(arg, &o->quant[o->n_quant]))) break;
        o->n_quant++;
        for (int i = 0; i < o->n_quant - 1; i++)
            if (!strcmp(o->quant[i].name, o->quant[o->n_quant - 1].name)) {
                duet_log_error("--quant: trait '%s' given twice", o->quant[i].name);
                *err = DUET_EUSAGE;
            }
        break;
    case DUET_PHENO_OPT_UNIT: cli->units[cli->n_units++] = arg; break;
    case DUET_PHENO_OPT_RANGE: cli->ranges[cli->n_ranges++] = arg; break;
    case DUET_PHENO_OPT_INVERSE_NORMAL: o->inverse_normal = 1; break;
    case DUET_PHENO_OPT_INDEX_DATE:
        o->index_date = duet_date_parse(arg, strlen(arg));
        if (o->index_date == DUET_DATE_NONE || strlen(arg) != 10) {
            duet_log_error("--index-date expects a date YYYY-MM-DD, got '%s'", arg);
            *err = DUET_EUSAGE;
        }
        break;
    case DUET_PHENO_OPT_ID_COLUMN:
        if (!strcmp(arg, "person_id")) o->id_column = DUET_ID_PERSON_ID;
        else if (!strcmp(arg, "person_source_value")) o->id_column = DUET_ID_SOURCE_VALUE;
        else if (!strcmp(arg, "link")) o->id_column = DUET_ID_LINK;
        else {
            duet_log_error("--id-column must be person_source_value, person_id or link, "
                           "got '%s'", arg);
            *err = DUET_EUSAGE;
        }
        break;
    default:
        return 0;
    }
    cli->any = 1;
    return 1;
}

duet_err_t duet_pheno_cli_finish(duet_pheno_cli_t *cli)
{
    duet_pheno_opts_t *o = &cli->opts;
    duet_err_t err;
    for (int i = 0; i < cli->n_units; i++)
        if ((err = duet_quant_set_unit(o->quant, o->n_quant, cli->units[i]))) return err;
    for (int i = 0; i < cli->n_ranges; i++)
        if ((err = duet_quant_set_range(o->quant, o->n_quant, cli->ranges[i]))) return err;
    if (o->no_phecodes && cli->phecodes_arg) {
        duet_log_error("--phecodes and --no-phecodes exclude each other");
        return DUET_EUSAGE;
    }
    if (o->no_phecodes && !o->n_quant) {
        duet_log_error("--no-phecodes needs at least one --quant trait");
        return DUET_EUSAGE;
    }
    if (cli->phecodes_arg &&
        (err = parse_phecodes(cli->phecodes_arg, &o->phecodes, &o->n_phecodes, &cli->phecode_buf)))
        return err;
    return DUET_OK;
}

void duet_pheno_cli_usage(FILE *fp, const char *min_cases_line)
{
    fprintf(fp,
            "Phecode traits (from the store):\n"
            "        --version 1.2|X        phecode version [1.2 if the store has a 1.2 run]\n"
            "        --phecodes LIST        comma-separated phecodes, or @FILE (one per line)\n"
            "                               [every phecode with --min-cases cases]\n"
            "        --no-phecodes          no phecode traits (quantitative traits only)\n"
            "%s"
            "        --min-code-count INT   distinct dates that make a case [2]\n"
            "        --id-column COL        sample IDs: person_source_value, person_id or link\n"
            "                               (duet_sample_link) [link if it has rows, else\n"
            "                               person_source_value]\n"
            "        --index-date DATE      age at YYYY-MM-DD [at the end of observation]\n"
            "\n"
            "Quantitative traits (from the store):\n"
            "        --quant NAME=CONCEPT_ID[,CONCEPT_ID...][:AGG]\n"
            "                               a trait from measurement_concept_ids, AGG one of\n"
            "                               median, mean, min, max, first, last [median];\n"
            "                               repeat for more traits\n"
            "        --unit NAME=UNIT_ID    keep this unit_concept_id [the most frequent]\n"
            "        --range NAME=LO:HI     plausible values [built-in table, else none]\n"
            "        --inverse-normal       rank-based inverse normal transform (Blom)\n"
            "\n",
            min_cases_line ? min_cases_line : "");
}

/* ------------------------------------------------------------------ */
/* Traits and samples */

void duet_trait_cli_init(duet_trait_cli_t *cli)
{
    memset(cli, 0, sizeof *cli);
}

void duet_trait_cli_free(duet_trait_cli_t *cli)
{
    duet_list_free(cli->pheno_names, cli->n_pheno_names);
    duet_list_free(cli->covar_names, cli->n_covar_names);
    cli->pheno_names = cli->covar_names = NULL;
    cli->n_pheno_names = cli->n_covar_names = 0;
}

int duet_trait_cli_parse(duet_trait_cli_t *cli, int opt, const char *arg, duet_err_t *err)
{
    *err = DUET_OK;
    switch (opt) {
    case DUET_TRAIT_OPT_PHENO: cli->pheno = arg; break;
    case DUET_TRAIT_OPT_PHENO_NAME: cli->pheno_name = arg; break;
    case DUET_TRAIT_OPT_COVAR: cli->covar = arg; break;
    case DUET_TRAIT_OPT_COVAR_NAME: cli->covar_name = arg; break;
    case DUET_TRAIT_OPT_BINARY: cli->binary = 1; break;
    case DUET_TRAIT_OPT_QUANTITATIVE: cli->quantitative = 1; break;
    case DUET_TRAIT_OPT_KEEP: cli->keep = arg; break;
    case DUET_TRAIT_OPT_REMOVE: cli->remove = arg; break;
    case DUET_TRAIT_OPT_DB: cli->db = arg; break;
    case DUET_TRAIT_OPT_STORE_COVARS: cli->store_covars = arg; break;
    default: return 0;
    }
    return 1;
}

/* The combinations of the store's options with the table's. */
static duet_err_t trait_cli_check_store(const duet_trait_cli_t *cli, int store_derivation)
{
    if (cli->pheno && cli->db) {
        duet_log_error("--pheno and --db exclude each other: the traits come from one of them");
        return DUET_EUSAGE;
    }
    if (cli->db && (cli->pheno_name || cli->binary || cli->quantitative)) {
        duet_log_error("--pheno-name, --binary and --quantitative go with --pheno, not --db");
        return DUET_EUSAGE;
    }
    if (cli->store_covars && !cli->db) {
        duet_log_error("--store-covars needs --db");
        return DUET_EUSAGE;
    }
    if (store_derivation && !cli->db) {
        duet_log_error("the phecode and --quant options derive traits from the store: they "
                       "need --db, not --pheno");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

duet_err_t duet_trait_cli_finish(duet_trait_cli_t *cli, unsigned flags, int store_derivation)
{
    duet_err_t err;
    if (cli->covar_name && !cli->covar) {
        duet_log_error("--covar-name needs --covar");
        return DUET_EUSAGE;
    }
    if (cli->binary && cli->quantitative) {
        duet_log_error("--binary and --quantitative exclude each other");
        return DUET_EUSAGE;
    }
    if ((flags & DUET_TRAIT_STORE) && (err = trait_cli_check_store(cli, store_derivation)))
        return err;
    if (cli->pheno_name && !cli->pheno_names &&
        !(cli->pheno_names = duet_list_split(cli->pheno_name, &cli->n_pheno_names)))
        return duet_log_oom(0);
    if (cli->covar_name && !cli->covar_names &&
        !(cli->covar_names = duet_list_split(cli->covar_name, &cli->n_covar_names)))
        return duet_log_oom(0);
    return DUET_OK;
}

void duet_trait_cli_traitset(const duet_trait_cli_t *cli, duet_traitset_opts_t *tso)
{
    tso->pheno = cli->pheno;
    tso->pheno_names = (const char *const *)cli->pheno_names;
    tso->n_pheno_names = cli->n_pheno_names;
    tso->binary = cli->binary;
    tso->quantitative = cli->quantitative;
    tso->db = cli->db;
    tso->db_covars = cli->store_covars;
    tso->covar = cli->covar;
    tso->covar_names = (const char *const *)cli->covar_names;
    tso->n_covar_names = cli->n_covar_names;
    tso->keep = cli->keep;
    tso->remove = cli->remove;
}

void duet_trait_cli_usage(FILE *fp, unsigned flags)
{
    fprintf(fp,
            "Traits and samples:\n"
            "        --pheno FILE           phenotype table (IID / FID IID first, NA missing)\n"
            "        --pheno-name LIST      comma-separated traits of --pheno [every column]\n"
            "        --binary               every --pheno trait is case/control (1 case, 0 control)\n"
            "        --quantitative         analyse 0/1 --pheno traits by linear regression too\n");
    if (flags & DUET_TRAIT_STORE)
        fprintf(fp,
                "        --db FILE              or every phecode of the store (after duet phecode)\n"
                "        --store-covars LIST    covariates from the store among\n"
                "                               " DUET_STORE_COVARS "; '' for none [sex,age]\n");
    fprintf(fp,
            "        --covar FILE           covariate table (same layout as --pheno)\n"
            "        --covar-name LIST      comma-separated covariates [every column]\n"
            "        --keep FILE            keep only the samples listed (IID or FID IID)\n"
            "        --remove FILE          remove the samples listed\n"
            "\n");
}
