/*
 * cmd_store.c -- `duet store init|import|info`: create the EHR store, load
 * OMOP CSV exports into it, and summarise what it holds.  The work is done
 * in src/store/ (include/duet/store.h); this file parses options.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/store.h"

enum { OPT_DB = DUET_OPT_FIRST_PRIVATE, OPT_CHECK };

static void usage_store(FILE *fp)
{
    fprintf(fp,
            "\n"
            "About:   the EHR store: an SQLite database of OMOP CDM 5.4 tables and duet's own\n"
            "         tables (provenance, sample links, phecodes)\n"
            "Usage:   duet store <subcommand> [options]\n"
            "\n"
            "Subcommands:\n"
            "    init      create an empty store\n"
            "    import    load OMOP CSV exports (files or folders), validated, in one transaction\n"
            "    info      tables, row counts, persons, date ranges, vocabularies, source codes\n"
            "\n"
            "'duet store <subcommand> -h' prints the options of a subcommand; man duet-store.\n"
            "\n");
}

static void usage_init(FILE *fp)
{
    fprintf(fp,
            "\n"
            "About:   create an empty EHR store: the OMOP CDM 5.4 tables, their indices and\n"
            "         duet's own tables, schema version %d\n"
            "Usage:   duet store init --db FILE [options]\n"
            "\n"
            "Options:\n"
            "        --db FILE              the store to create [required]\n"
            "\n",
            DUET_STORE_SCHEMA_VERSION);
    duet_opts_usage_common(fp, DUET_USE_QUIET | DUET_USE_FORCE, "FILE");
    fprintf(fp, "\n");
}

static void usage_import(FILE *fp)
{
    fprintf(fp,
            "\n"
            "About:   load OMOP CDM CSV exports into the store, validated, in one transaction\n"
            "         (on any error nothing is written).  PATH is a file named after its table\n"
            "         (PERSON.csv, condition_occurrence.csv.zst; .csv or .tsv, optionally .gz\n"
            "         or .zst) or a folder of such files.  CDM 5.3 exports are mapped to 5.4.\n"
            "Usage:   duet store import --db FILE [options] PATH...\n"
            "\n"
            "Options:\n"
            "        --db FILE              the store (made by 'duet store init') [required]\n"
            "        --check                validate and load, then roll back: write nothing\n"
            "\n");
    duet_opts_usage_common(fp, DUET_USE_THREADS | DUET_USE_MEMORY | DUET_USE_QUIET, "FILE");
    fprintf(fp,
            "\n"
            "--memory sets SQLite's page cache for the load [256].  With --threads 2 or more,\n"
            "files are parsed and checked in a thread beside the inserts, and SQLite sorts with\n"
            "helper threads when it builds indices; the store is the same.\n"
            "\n");
}

static void usage_info(FILE *fp)
{
    fprintf(fp,
            "\n"
            "About:   summarise a store: tables and row counts, persons, date ranges,\n"
            "         vocabularies and the source-code vocabularies seen, as TSV\n"
            "Usage:   duet store info --db FILE [options]\n"
            "\n"
            "Options:\n"
            "        --db FILE              the store [required]\n"
            "\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_QUIET | DUET_USE_NO_VERSION | DUET_USE_FORCE,
                           "FILE");
    fprintf(fp, "\n'-o' defaults to '-' (standard output).\n\n");
}

typedef struct {
    const char *name;
    void (*usage)(FILE *fp);
} sub_t;

/* Parse the options of a subcommand (argv[0] is its name).  Returns DUET_OK
 * (and *done = 1 after printing -h), or DUET_EUSAGE. */
static duet_err_t parse(int argc, char **argv, const sub_t *sub, duet_common_t *common,
                        const char **db, int *check, int *done)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "check", no_argument, NULL, OPT_CHECK },
        DUET_COMMON_LONGOPTS,
        { NULL, 0, NULL, 0 }
    };
    char cmd[32];
    snprintf(cmd, sizeof cmd, "store %s", sub->name);
    duet_opts_init(common);
    *done = 0;
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_DB:
            *db = optarg;
            break;
        case OPT_CHECK:
            if (!check) goto bad;
            *check = 1;
            break;
        default: {
            int r = duet_opts_common(common, opt, optarg);
            if (r == DUET_OK) break;
            if (r == DUET_EUSAGE) return DUET_EUSAGE;
            goto bad;
        }
        }
    }
    if (common->help) {
        sub->usage(stdout);
        *done = 1;
        return DUET_OK;
    }
    duet_opts_apply(common);
    if (!*db || !**db) {
        duet_log_error("--db FILE is required");
        return duet_opts_bad(cmd);
    }
    return DUET_OK;
bad:
    return duet_opts_bad(cmd);
}

static duet_err_t run_init(int argc, char **argv, const sub_t *sub)
{
    duet_common_t common;
    const char *db = NULL;
    int done;
    duet_err_t err = parse(argc, argv, sub, &common, &db, NULL, &done);
    if (err || done) return err;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("store init");
    }
    duet_store_t *store = NULL;
    err = duet_store_open(db, common.force ? DUET_STORE_REPLACE : DUET_STORE_CREATE, &store);
    if (!err) duet_log_info("created %s (store schema version %d)", db, DUET_STORE_SCHEMA_VERSION);
    duet_store_close(store);
    return err;
}

static duet_err_t run_import(int argc, char **argv, const sub_t *sub)
{
    duet_common_t common;
    const char *db = NULL;
    int check = 0, done;
    duet_err_t err = parse(argc, argv, sub, &common, &db, &check, &done);
    if (err || done) return err;
    if (optind >= argc) {
        duet_log_error("no PATH to import");
        return duet_opts_bad("store import");
    }
    duet_store_t *store = NULL;
    if ((err = duet_store_open(db, DUET_STORE_WRITE, &store))) return err;
    duet_store_import_opts_t opts = { common.memory_mb > 0 ? common.memory_mb : 256, check };
    duet_store_import_stats_t stats;
    err = duet_store_import(store, argc - optind, argv + optind, &opts, &stats);
    duet_store_close(store);
    return err;
}

static duet_err_t run_info(int argc, char **argv, const sub_t *sub)
{
    duet_common_t common;
    const char *db = NULL;
    int done;
    duet_err_t err = parse(argc, argv, sub, &common, &db, NULL, &done);
    if (err || done) return err;
    if (optind < argc) {
        duet_log_error("unexpected argument '%s'", argv[optind]);
        return duet_opts_bad("store info");
    }
    const char *path = common.out ? common.out : "-";
    if (strcmp(path, "-")) {
        char *a = realpath(db, NULL), *b = realpath(path, NULL);
        int same = a && b && !strcmp(a, b);
        free(a);
        free(b);
        if (same) {
            duet_log_error("-o %s is the store itself; refusing to overwrite an input", path);
            return DUET_EUSAGE;
        }
    }
    duet_store_t *store = NULL;
    duet_out_t *out = NULL;
    if ((err = duet_store_open(db, DUET_STORE_READ, &store))) goto cleanup;
    if ((err = duet_out_create(path, duet_out_kind_for_path(path), common.force, 1, &out)))
        goto cleanup;
    if ((err = duet_store_info(store, out, common.no_version))) goto cleanup;
    err = duet_out_commit(out, NULL);
cleanup:
    duet_out_destroy(out);
    duet_store_close(store);
    return err;
}

duet_err_t main_store(int argc, char **argv)
{
    static const sub_t subs[] = {
        { "init", usage_init },
        { "import", usage_import },
        { "info", usage_info },
    };
    if (argc < 2) {
        usage_store(stderr);
        return DUET_EUSAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
        usage_store(stdout);
        return DUET_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
        if (strcmp(name, subs[i].name)) continue;
        char cmd[32];
        snprintf(cmd, sizeof cmd, "store %s", name);
        duet_log_set_command(cmd);
        if (i == 0) return run_init(argc - 1, argv + 1, &subs[i]);
        if (i == 1) return run_import(argc - 1, argv + 1, &subs[i]);
        return run_info(argc - 1, argv + 1, &subs[i]);
    }
    if (name[0] == '-') duet_log_error("unknown option '%s' (a subcommand comes first)", name);
    else duet_log_error("unknown subcommand '%s'", name);
    return duet_opts_bad("store");
}
