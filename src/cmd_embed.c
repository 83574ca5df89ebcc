/*
 * cmd_embed.c -- `duet embed`: per-person feature tables, one per modality
 * (phecode history and labs from the store, polygenic scores, genotype PCs,
 * any feature table), written as PREFIX.<modality>.tsv with a YAML sidecar
 * by src/embed/ (embed.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/embed.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/pheno.h"
#include "duet/store.h"

enum {
    OPT_DB = DUET_OPT_FIRST_PRIVATE,
    OPT_VERSION,
    OPT_NO_PHECODE,
    OPT_EXCLUDE,
    OPT_TARGET,
    OPT_DIM,
    OPT_MIN_PERSONS,
    OPT_OVERSAMPLE,
    OPT_ITERATIONS,
    OPT_TOL,
    OPT_LAB,
    OPT_UNIT,
    OPT_RANGE,
    OPT_INVERSE_NORMAL,
    OPT_SCORES,
    OPT_PCS,
    OPT_TABLE,
    OPT_MISSING,
    OPT_BURDEN,
    OPT_SET_LIST,
    OPT_ANNO,
    OPT_MASK_DEF,
    OPT_AAF_BINS,
    OPT_BURDEN_GENES
};

#define MAX_INPUTS 64  /* --lab and --table options each */

static void usage(FILE *fp)
{
    fprintf(fp,
        "\n"
        "About:   Per-person feature tables, one per modality, for the fusion model.\n"
        "Usage:   duet embed [--db FILE] [--burden VCF ...] [--scores FILE] [--pcs FILE]\n"
        "                    [--table NAME=FILE]\n"
        "                    -o PREFIX [options]\n"
        "\n"
        "EHR store (modality 'phecode', and 'labs' with --lab):\n"
        "        --db FILE              the store, after 'duet phecode'\n"
        "        --version 1.2|X        phecode version [1.2 if the store has it, else X]\n"
        "        --no-phecode-history   no 'phecode' modality (labs only)\n"
        "        --exclude-phecodes LIST  remove these phecodes and their descendants\n"
        "                               before anything is computed\n"
        "        --target PHECODE       remove the phecode to be predicted, its descendants\n"
        "                               and its exclusion ranges the same way\n"
        "        --dim INT              phecode vector dimension (SVD rank) [16]\n"
        "        --min-persons INT      phecodes of fewer persons stay out of the\n"
        "                               co-occurrence matrix [5]\n"
        "        --oversample INT       extra basis vectors of the randomized SVD [10]\n"
        "        --iterations INT       maximum SVD iterations [100]\n"
        "        --tol FLOAT            SVD convergence tolerance [1e-06]\n"
        "        --lab NAME=CONCEPT_ID[,CONCEPT_ID...]  a measurement, as duet pheno --quant\n"
        "                               (repeatable): NAME_median, _last, _count, _missing\n"
        "        --unit NAME=UNIT_CONCEPT_ID   keep rows of this unit [the most frequent]\n"
        "        --range NAME=LO:HI     plausible range [built-in table]\n"
        "        --inverse-normal       inverse normal transform lab values first\n"
        "Genomics and other per-person tables (IID + numeric columns):\n"
        "        --scores FILE          polygenic scores (duet score, plink2 --score): modality\n"
        "                               'scores'; only the NAME_SUM columns when there are any\n"
        "        --pcs FILE             genotype PCs (duet pca .eigenvec): modality 'pcs'\n"
        "        --table NAME=FILE      any feature table: modality NAME (repeatable)\n"
        "        --burden VCF           gene-burden carrier status (GT calls): modality\n"
        "                               'burden', one column GENE.MASK.BIN per gene x mask x bin\n"
        "        --set-list FILE        regenie set list (with --burden)\n"
        "        --anno FILE            regenie annotation file (with --burden)\n"
        "        --mask-def FILE        regenie mask definitions (with --burden)\n"
        "        --aaf-bins LIST        ALT-frequency upper bounds; an 'all' bin follows [0.01]\n"
        "        --burden-genes LIST    keep these genes only [all in the set list]\n"
        "        --missing mean|error   NA in a table: column mean and a NAME_missing\n"
        "                               indicator (rows all NA left out), or exit 4 [mean]\n"
        "Output: PREFIX.<modality>.tsv and PREFIX.<modality>.yaml for each modality.\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_SEED |
                           DUET_USE_QUIET | DUET_USE_NO_VERSION | DUET_USE_FORCE, "PREFIX");
    fprintf(fp, "\n");
}

typedef struct {
    duet_common_t common;
    const char *db, *version, *target;
    int no_phecode, inverse_normal, missing_error;
    char **exclude;
    int n_exclude;
    duet_embed_phecode_opts_t phe;
    duet_quant_spec_t labs[MAX_INPUTS];
    int n_labs;
    const char *table_name[MAX_INPUTS], *table_path[MAX_INPUTS];
    char *table_arg[MAX_INPUTS];
    int table_is_scores[MAX_INPUTS];
    int n_tables;
    duet_embed_burden_opts_t burden;
} embed_opts_t;

static void opts_free(embed_opts_t *o)
{
    duet_list_free(o->exclude, o->n_exclude);
    for (int i = 0; i < o->n_labs; i++) duet_quant_spec_free(&o->labs[i]);
    for (int i = 0; i < o->n_tables; i++) free(o->table_arg[i]);
}

/* A modality name: letters, digits, '_', '-', at most 40 characters. */
static int name_ok(const char *s, size_t n)
{
    if (!n || n > 40) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static duet_err_t add_table(embed_opts_t *o, const char *name, const char *arg)
{
    if (o->n_tables == MAX_INPUTS) {
        duet_log_error("at most %d tables", MAX_INPUTS);
        return DUET_EUSAGE;
    }
    char *copy = strdup(arg);
    if (!copy) return duet_log_oom(strlen(arg) + 1);
    o->table_arg[o->n_tables] = copy;
    if (!name) {
        char *eq = strchr(copy, '=');
        if (!eq || !name_ok(copy, (size_t)(eq - copy)) || !eq[1]) {
            duet_log_error("--table expects NAME=FILE with NAME of letters, digits, '_' or '-' "
                           "(at most 40), got '%s'", arg);
            o->n_tables++;
            return DUET_EUSAGE;
        }
        *eq = 0;
        name = copy;
        arg = eq + 1;
    } else {
        arg = copy;
    }
    o->table_name[o->n_tables] = name;
    o->table_path[o->n_tables] = arg;
    o->n_tables++;
    return DUET_OK;
}

static int parse_private(embed_opts_t *o, int c, const char *arg)
{
    long lv;
    switch (c) {
    case OPT_DB: o->db = arg; return DUET_OK;
    case OPT_VERSION: o->phe.version = arg; return DUET_OK;
    case OPT_NO_PHECODE: o->no_phecode = 1; return DUET_OK;
    case OPT_EXCLUDE:
        duet_list_free(o->exclude, o->n_exclude);
        o->exclude = duet_list_split(arg, &o->n_exclude);
        return o->exclude ? DUET_OK : DUET_ENOMEM;
    case OPT_TARGET: o->phe.target = arg; return DUET_OK;
    case OPT_DIM:
        if (duet_opts_parse_long("--dim", arg, 1, 1000, &lv)) return DUET_EUSAGE;
        o->phe.dim = (int)lv;
        return DUET_OK;
    case OPT_MIN_PERSONS:
        if (duet_opts_parse_long("--min-persons", arg, 1, 1000000000, &lv)) return DUET_EUSAGE;
        o->phe.min_persons = (int)lv;
        return DUET_OK;
    case OPT_OVERSAMPLE:
        if (duet_opts_parse_long("--oversample", arg, 0, 1000, &lv)) return DUET_EUSAGE;
        o->phe.oversample = (int)lv;
        return DUET_OK;
    case OPT_ITERATIONS:
        if (duet_opts_parse_long("--iterations", arg, 1, 100000, &lv)) return DUET_EUSAGE;
        o->phe.max_iter = (int)lv;
        return DUET_OK;
    case OPT_TOL:
        return duet_opts_parse_double("--tol", arg, 1e-15, 1, &o->phe.tol) ? DUET_EUSAGE : DUET_OK;
    case OPT_LAB:
        if (o->n_labs == MAX_INPUTS) {
            duet_log_error("at most %d --lab options", MAX_INPUTS);
            return DUET_EUSAGE;
        }
        if (duet_quant_parse(arg, &o->labs[o->n_labs])) return DUET_EUSAGE;
        o->n_labs++;
        return DUET_OK;
    case OPT_UNIT: return duet_quant_set_unit(o->labs, o->n_labs, arg) ? DUET_EUSAGE : DUET_OK;
    case OPT_RANGE: return duet_quant_set_range(o->labs, o->n_labs, arg) ? DUET_EUSAGE : DUET_OK;
    case OPT_INVERSE_NORMAL: o->inverse_normal = 1; return DUET_OK;
    case OPT_SCORES:
        if (o->n_tables < MAX_INPUTS) o->table_is_scores[o->n_tables] = 1;
        return add_table(o, "scores", arg);
    case OPT_PCS: return add_table(o, "pcs", arg);
    case OPT_TABLE: return add_table(o, NULL, arg);
    case OPT_BURDEN: o->burden.vcf = arg; return DUET_OK;
    case OPT_SET_LIST: o->burden.set_list = arg; return DUET_OK;
    case OPT_ANNO: o->burden.anno = arg; return DUET_OK;
    case OPT_MASK_DEF: o->burden.mask_def = arg; return DUET_OK;
    case OPT_AAF_BINS: o->burden.aaf_bins = arg; return DUET_OK;
    case OPT_BURDEN_GENES: o->burden.genes = arg; return DUET_OK;
    case OPT_MISSING:
        if (!strcmp(arg, "mean") || !strcmp(arg, "error")) {
            o->missing_error = !strcmp(arg, "error");
            return DUET_OK;
        }
        duet_log_error("--missing expects mean or error, got '%s'", arg);
        return DUET_EUSAGE;
    default: return -1;
    }
}

static duet_err_t parse(int argc, char **argv, embed_opts_t *o)
{
    static const struct option lopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"version", required_argument, NULL, OPT_VERSION},
        {"no-phecode-history", no_argument, NULL, OPT_NO_PHECODE},
        {"exclude-phecodes", required_argument, NULL, OPT_EXCLUDE},
        {"target", required_argument, NULL, OPT_TARGET},
        {"dim", required_argument, NULL, OPT_DIM},
        {"min-persons", required_argument, NULL, OPT_MIN_PERSONS},
        {"oversample", required_argument, NULL, OPT_OVERSAMPLE},
        {"iterations", required_argument, NULL, OPT_ITERATIONS},
        {"tol", required_argument, NULL, OPT_TOL},
        {"lab", required_argument, NULL, OPT_LAB},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"range", required_argument, NULL, OPT_RANGE},
        {"inverse-normal", no_argument, NULL, OPT_INVERSE_NORMAL},
        {"scores", required_argument, NULL, OPT_SCORES},
        {"pcs", required_argument, NULL, OPT_PCS},
        {"table", required_argument, NULL, OPT_TABLE},
        {"missing", required_argument, NULL, OPT_MISSING},
        {"burden", required_argument, NULL, OPT_BURDEN},
        {"set-list", required_argument, NULL, OPT_SET_LIST},
        {"anno", required_argument, NULL, OPT_ANNO},
        {"mask-def", required_argument, NULL, OPT_MASK_DEF},
        {"aaf-bins", required_argument, NULL, OPT_AAF_BINS},
        {"burden-genes", required_argument, NULL, OPT_BURDEN_GENES},
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, lopts, NULL)) != -1) {
        int r = parse_private(o, c, optarg);
        if (r == -1) r = duet_opts_common(&o->common, c, optarg);
        if (r == -1) return duet_opts_bad("embed");
        if (r) return (duet_err_t)r;
    }
    if (o->common.help) return DUET_OK;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("embed");
    }
    if (!o->common.out || (!o->db && !o->n_tables && !o->burden.vcf)) {
        duet_log_error("-o/--out and at least one input (--db, --burden, --scores, --pcs, "
                       "--table) are required");
        return duet_opts_bad("embed");
    }
    if (!strcmp(o->common.out, "-")) {
        duet_log_error("-o/--out is a prefix for several files; '-' is not allowed");
        return DUET_EUSAGE;
    }
    if (!o->db && (o->n_labs || o->phe.target || o->n_exclude)) {
        duet_log_error("--lab, --target and --exclude-phecodes need --db");
        return DUET_EUSAGE;
    }
    if (o->burden.vcf && (!o->burden.set_list || !o->burden.anno || !o->burden.mask_def)) {
        duet_log_error("--burden needs --set-list, --anno and --mask-def");
        return DUET_EUSAGE;
    }
    if (!o->burden.vcf && (o->burden.set_list || o->burden.anno || o->burden.mask_def ||
                           o->burden.genes)) {
        duet_log_error("--set-list, --anno, --mask-def and --burden-genes need --burden");
        return DUET_EUSAGE;
    }
    if (o->db && o->no_phecode && !o->n_labs) {
        duet_log_error("--no-phecode-history without --lab leaves nothing to take from --db");
        return DUET_EUSAGE;
    }
    return DUET_OK;
}

/* The store's modalities. */
static duet_err_t from_store(embed_opts_t *o, duet_embed_table_t **tables, int *n)
{
    duet_store_t *store = NULL;
    duet_err_t err = duet_store_open(o->db, DUET_STORE_READ, &store);
    if (err) return err;
    sqlite3 *db = duet_store_db(store);
    o->phe.exclude = o->exclude;
    o->phe.n_exclude = o->n_exclude;
    o->phe.seed = o->common.seed;
    if (!o->no_phecode && (err = duet_embed_phecode(db, o->db, &o->phe, &tables[*n]))) goto done;
    if (!o->no_phecode) (*n)++;
    if (o->n_labs && (err = duet_embed_labs(db, o->db, o->labs, o->n_labs, o->inverse_normal,
                                            &tables[*n])))
        goto done;
    if (o->n_labs) (*n)++;
done:
    duet_store_close(store);
    return err;
}

duet_err_t main_embed(int argc, char **argv)
{
    embed_opts_t o;
    memset(&o, 0, sizeof o);
    duet_opts_init(&o.common);
    duet_embed_phecode_opts_init(&o.phe);
    duet_embed_burden_opts_init(&o.burden);
    duet_embed_table_t *tables[MAX_INPUTS + 3] = {NULL};
    int n = 0;
    duet_err_t err = parse(argc, argv, &o);
    if (err || o.common.help) {
        if (!err) usage(stdout);
        goto cleanup;
    }
    duet_opts_apply(&o.common);
    if (o.db && (err = from_store(&o, tables, &n))) goto cleanup;
    if (o.burden.vcf) {
        if ((err = duet_embed_burden(&o.burden, &tables[n]))) goto cleanup;
        n++;
    }
    for (int i = 0; i < o.n_tables; i++) {
        if ((err = duet_embed_read_table(o.table_path[i], o.table_name[i], !o.missing_error,
                                         &tables[n])))
            goto cleanup;
        if (o.table_is_scores[i] && duet_embed_keep_score_sums(tables[n]) < 0) {
            n++;
            err = DUET_ENOMEM;
            goto cleanup;
        }
        n++;
    }
    for (int i = 0; i < n; i++) {
        if ((err = duet_embed_drop_constant(tables[i]))) goto cleanup;
        duet_log_info("%s: %d persons x %d features", tables[i]->name, tables[i]->n_persons,
                      tables[i]->n_features);
    }
    err = duet_embed_write(tables, n, o.common.out, o.common.force, o.common.no_version);
cleanup:
    for (int i = 0; i < n; i++) duet_embed_table_destroy(tables[i]);
    opts_free(&o);
    return err;
}
