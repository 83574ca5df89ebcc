/*
 * cmd_phecode.c -- `duet phecode`: map the ICD source codes of a store's
 * condition_occurrence and observation tables to phecodes (1.2 or X) and
 * store the person x phecode counts of distinct dates, in one transaction
 * that replaces the previous run of the same version; report the mapping
 * coverage by vocabulary.  The work is in src/pheno (include/duet/phecode.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/phecode.h"
#include "duet/store.h"

enum { OPT_DB = DUET_OPT_FIRST_PRIVATE, OPT_VERSION };

static void usage(FILE *fp)
{
    fprintf(fp,
            "\n"
            "About:   map ICD-9-CM / ICD-10-CM source codes (condition_occurrence, observation)\n"
            "         to phecodes and store per person x phecode the number of distinct dates,\n"
            "         with the first and last date; report mapping coverage by vocabulary\n"
            "Usage:   duet phecode --db FILE [options]\n"
            "\n"
            "Options:\n"
            "        --db FILE              the store (made by 'duet store init') [required]\n"
            "        --version 1.2|X        phecode version [1.2]\n"
            "\n");
    duet_opts_usage_common(fp, DUET_USE_QUIET, "FILE");
    fprintf(fp,
            "\n"
            "A run replaces the store's previous run of the same version; 1.2 and X runs\n"
            "live side by side.  Rules: man duet-phecode.\n"
            "\n");
}

static double pct(int64_t a, int64_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

duet_err_t main_phecode(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "version", required_argument, NULL, OPT_VERSION },
        DUET_COMMON_LONGOPTS,
        { NULL, 0, NULL, 0 }
    };
    duet_common_t common;
    duet_opts_init(&common);
    const char *db_path = NULL, *version = "1.2";
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_DB:
            db_path = optarg;
            break;
        case OPT_VERSION:
            version = optarg;
            break;
        default: {
            int r = duet_opts_common(&common, opt, optarg);
            if (r == DUET_OK) break;
            if (r == DUET_EUSAGE) return DUET_EUSAGE;
            return duet_opts_bad("phecode");
        }
        }
    }
    if (common.help) {
        usage(stdout);
        return DUET_OK;
    }
    duet_opts_apply(&common);
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("phecode");
    }
    if (!db_path || !*db_path) {
        duet_log_error("--db FILE is required");
        return duet_opts_bad("phecode");
    }
    if (strcmp(version, "1.2") && strcmp(version, "X")) {
        duet_log_error("--version must be 1.2 or X, got '%s'", version);
        return duet_opts_bad("phecode");
    }

    duet_err_t err;
    duet_phecode_table_t *table = NULL;
    duet_store_t *store = NULL;
    int in_tx = 0;
    if ((err = duet_phecode_table_load(version, &table))) goto cleanup;
    if ((err = duet_store_open(db_path, DUET_STORE_WRITE, &store))) goto cleanup;
    if ((err = duet_store_begin(store))) goto cleanup;
    in_tx = 1;
    duet_phecode_summary_t sum;
    if ((err = duet_phecode_derive(duet_store_db(store), table, &sum))) goto cleanup;

    int64_t icd = 0, mapped = 0;
    for (int v = DUET_VOCAB_ICD9CM; v <= DUET_VOCAB_ICD10; v++) {
        icd += sum.cov[v].n_rows;
        mapped += sum.cov[v].n_mapped_rows;
    }
    char detail[1024];
    int len = snprintf(detail, sizeof detail,
                       "version=%s tables_sha256=%s rows=%lld icd_rows=%lld mapped_rows=%lld "
                       "persons=%lld person_phecodes=%lld",
                       version, duet_phecode_table_sha256(table), (long long)sum.n_rows,
                       (long long)icd, (long long)mapped, (long long)sum.n_persons,
                       (long long)sum.n_person_phecodes);
    for (int v = DUET_VOCAB_ICD9CM; v <= DUET_VOCAB_ICD10; v++)
        if (sum.cov[v].n_rows && len < (int)sizeof detail)
            len += snprintf(detail + len, sizeof detail - (size_t)len, " %s=%lld/%lld",
                            duet_vocab_name((duet_vocab_t)v),
                            (long long)sum.cov[v].n_mapped_rows, (long long)sum.cov[v].n_rows);
    if ((err = duet_store_log(store, "phecode", detail))) goto cleanup;
    if ((err = duet_store_commit(store))) goto cleanup;
    in_tx = 0;

    duet_log_info("phecode %s (tables sha256 %.12s...): %lld source rows, %lld with an ICD "
                  "code, %lld of other vocabularies or shapes, %lld without a source code",
                  version, duet_phecode_table_sha256(table), (long long)sum.n_rows,
                  (long long)icd, (long long)sum.cov[DUET_VOCAB_NONE].n_rows,
                  (long long)sum.n_no_code);
    duet_log_info("%-8s %10s %10s %7s %8s %8s %10s", "vocab", "rows", "mapped", "%",
                  "codes", "mapped", "via-parent");
    for (int v = DUET_VOCAB_ICD9CM; v <= DUET_VOCAB_ICD10; v++) {
        const duet_phecode_cov_t *c = &sum.cov[v];
        if (!c->n_rows) continue;
        duet_log_info("%-8s %10lld %10lld %6.2f%% %8lld %8lld %10lld",
                      duet_vocab_name((duet_vocab_t)v), (long long)c->n_rows,
                      (long long)c->n_mapped_rows, pct(c->n_mapped_rows, c->n_rows),
                      (long long)c->n_codes, (long long)c->n_mapped_codes,
                      (long long)c->n_by_ancestor);
    }
    duet_log_info("%-8s %10lld %10lld %6.2f%%", "all ICD", (long long)icd, (long long)mapped,
                  pct(mapped, icd));
    if (sum.n_by_date)
        duet_log_info("%lld rows of E/V codes that fit ICD-9-CM and ICD-10-CM were assigned "
                      "by date (before 2015-10-01: ICD-9-CM)", (long long)sum.n_by_date);
    duet_log_info("%lld persons with a phecode, %lld person x phecode rows stored",
                  (long long)sum.n_persons, (long long)sum.n_person_phecodes);
    if (!icd) duet_log_warn("no ICD-9-CM or ICD-10-CM source codes found");
cleanup:
    if (in_tx) duet_store_rollback(store);
    duet_store_close(store);
    duet_phecode_table_destroy(table);
    return err;
}
