/*
 * info.c -- `duet store info`: what a store holds, as tab-separated
 * "section name value" rows: schema version and imports, row counts of every
 * importable table, persons (by sex, with periods, visits, conditions), date
 * ranges, vocabularies in the concept and vocabulary tables, and the source
 * codes seen in condition_occurrence and observation, by shape and by the
 * vocabulary of their source concept.  Rows come in a fixed order (tables
 * and vocabularies by name), so the output is reproducible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/store.h"
#include "duet/tsv.h"
#include "duet/version.h"
#include "store_internal.h"

typedef struct {
    duet_store_t *store;
    sqlite3 *db;
    duet_out_t *out;
    duet_tsv_row_t row;
} info_t;

/* Tabs and line breaks would break the row: shown as spaces. */
static void put_clean(duet_tsv_row_t *row, const char *s)
{
    size_t n = strlen(s);
    if (strcspn(s, "\t\r\n") == n) {
        duet_tsv_strn(row, s, n);
        return;
    }
    char buf[512];
    if (n >= sizeof buf) n = sizeof buf - 1;
    for (size_t i = 0; i < n; i++) buf[i] = strchr("\t\r\n", s[i]) && s[i] ? ' ' : s[i];
    duet_tsv_strn(row, buf, n);
}

static duet_err_t emit(info_t *in, const char *section, const char *name, const char *value)
{
    duet_tsv_str(&in->row, section);
    put_clean(&in->row, name);
    put_clean(&in->row, value);
    return duet_tsv_row_write(&in->row, in->out);
}

static duet_err_t emit_int(info_t *in, const char *section, const char *name, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return emit(in, section, name, buf);
}

static duet_err_t sql_fail(info_t *in, const char *sql)
{
    duet_log_error("%s: query failed: %s (%s)", duet_store_path(in->store), sqlite3_errmsg(in->db),
                   sql);
    return DUET_EINTERNAL;
}

static duet_err_t count(info_t *in, const char *sql, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(in->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? DUET_OK : sql_fail(in, sql);
}

/* Rows "section prefix+col0 col1" for each result row of `sql`. */
static duet_err_t emit_query(info_t *in, const char *section, const char *prefix, const char *sql)
{
    sqlite3_stmt *st = NULL;
    duet_err_t err = DUET_OK;
    int rc = sqlite3_prepare_v2(in->db, sql, -1, &st, NULL);
    while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        char full[512];
        snprintf(full, sizeof full, "%s%s", prefix, name ? name : "NA");
        if ((err = emit(in, section, full, value ? value : "NA"))) break;
    }
    sqlite3_finalize(st);
    if (err) return err;
    return rc == SQLITE_DONE ? DUET_OK : sql_fail(in, sql);
}

static duet_err_t date_range(info_t *in, const char *table, const char *first, const char *last)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT min(%s), max(%s) FROM \"%s\"", first, last, table);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(in->db, sql, -1, &st, NULL);
    duet_err_t err = DUET_OK;
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(st, 0);
        const char *b = (const char *)sqlite3_column_text(st, 1);
        char value[64];
        if (a && b) snprintf(value, sizeof value, "%.10s/%.10s", a, b);
        else snprintf(value, sizeof value, "NA");
        err = emit(in, "dates", table, value);
    }
    sqlite3_finalize(st);
    if (err) return err;
    return rc == SQLITE_ROW ? DUET_OK : sql_fail(in, sql);
}

static duet_err_t source_shapes(info_t *in, const char *table, const char *column)
{
    int64_t n[5] = { 0 }; /* duet_code_shape_t, then NULL */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT \"%s\", count(*) FROM \"%s\" GROUP BY 1", column, table);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(in->db, sql, -1, &st, NULL);
    while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *code = (const char *)sqlite3_column_text(st, 0);
        int64_t k = sqlite3_column_int64(st, 1);
        if (!code) n[4] += k;
        else n[duet_store_code_shape(code, (size_t)sqlite3_column_bytes(st, 0))] += k;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return sql_fail(in, sql);
    static const duet_code_shape_t order[4] = { DUET_CODE_ICD9CM, DUET_CODE_ICD10CM,
                                                DUET_CODE_AMBIGUOUS, DUET_CODE_OTHER };
    duet_err_t err;
    char name[128];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s:%s", table, duet_store_code_shape_name(order[i]));
        if ((err = emit_int(in, "source_codes", name, n[order[i]]))) return err;
    }
    snprintf(name, sizeof name, "%s:NA", table);
    return emit_int(in, "source_codes", name, n[4]);
}

static duet_err_t source_concepts(info_t *in, const char *table, const char *column)
{
    char sql[768], prefix[128];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN t.\"%s\" IS NULL OR t.\"%s\" = 0 THEN 'NA' "
             "WHEN c.vocabulary_id IS NULL THEN 'not_in_concept_table' "
             "ELSE c.vocabulary_id END AS v, count(*) "
             "FROM \"%s\" t LEFT JOIN concept c ON c.concept_id = t.\"%s\" "
             "GROUP BY v ORDER BY v",
             column, column, table, column);
    snprintf(prefix, sizeof prefix, "%s:", table);
    return emit_query(in, "source_concepts", prefix, sql);
}

duet_err_t duet_store_info(duet_store_t *store, duet_out_t *out, int no_version)
{
    info_t in = { store, duet_store_db(store), out, { 0 } };
    duet_err_t err = DUET_OK;
    int64_t v;
    duet_tsv_row_init(&in.row);
    if (!no_version) {
        if ((err = duet_out_printf(out, "##duet_version=%s\n##duet_command=%s\n",
                                   duet_version_string(), duet_opts_cmdline())))
            goto cleanup;
    }
    if ((err = duet_out_puts(out, "#section\tname\tvalue\n"))) goto cleanup;
    if ((err = emit_int(&in, "store", "schema_version", DUET_STORE_SCHEMA_VERSION))) goto cleanup;
    if ((err = count(&in, "SELECT count(*) FROM duet_log WHERE action = 'import'", &v)) ||
        (err = emit_int(&in, "store", "imports", v)))
        goto cleanup;
    if ((err = count(&in, "SELECT count(*) FROM duet_import", &v)) ||
        (err = emit_int(&in, "store", "files_imported", v)))
        goto cleanup;

    /* Row counts of every importable table, by name. */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(in.db, "SELECT DISTINCT table_name FROM duet_field ORDER BY 1",
                                -1, &st, NULL);
    while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", t);
        if ((err = count(&in, sql, &v)) || (err = emit_int(&in, "table", t, v))) break;
    }
    sqlite3_finalize(st);
    if (err) goto cleanup;
    if (rc != SQLITE_DONE) { err = sql_fail(&in, "duet_field"); goto cleanup; }

    static const struct { const char *name, *sql; } persons[] = {
        { "total", "SELECT count(*) FROM person" },
        { "male", "SELECT count(*) FROM person WHERE gender_concept_id = 8507" },
        { "female", "SELECT count(*) FROM person WHERE gender_concept_id = 8532" },
        { "other_or_unknown_gender",
          "SELECT count(*) FROM person WHERE gender_concept_id NOT IN (8507, 8532)" },
        { "with_observation_period", "SELECT count(DISTINCT person_id) FROM observation_period" },
        { "with_visit", "SELECT count(DISTINCT person_id) FROM visit_occurrence" },
        { "with_condition", "SELECT count(DISTINCT person_id) FROM condition_occurrence" },
        { "with_measurement", "SELECT count(DISTINCT person_id) FROM measurement" },
        { "with_genotype_link", "SELECT count(DISTINCT person_id) FROM duet_sample_link" },
    };
    for (size_t i = 0; i < sizeof persons / sizeof *persons; i++)
        if ((err = count(&in, persons[i].sql, &v)) ||
            (err = emit_int(&in, "persons", persons[i].name, v)))
            goto cleanup;

    if ((err = date_range(&in, "observation_period", "observation_period_start_date",
                          "observation_period_end_date")) ||
        (err = date_range(&in, "visit_occurrence", "visit_start_date", "visit_end_date")) ||
        (err = date_range(&in, "condition_occurrence", "condition_start_date",
                          "coalesce(condition_end_date, condition_start_date)")))
        goto cleanup;

    if ((err = emit_query(&in, "vocabulary", "",
                          "SELECT v.id, (SELECT count(*) FROM concept c WHERE c.vocabulary_id = v.id) "
                          "FROM (SELECT vocabulary_id AS id FROM vocabulary UNION "
                          "SELECT vocabulary_id FROM concept) v ORDER BY v.id")))
        goto cleanup;

    if ((err = source_shapes(&in, "condition_occurrence", "condition_source_value")) ||
        (err = source_shapes(&in, "observation", "observation_source_value")) ||
        (err = source_concepts(&in, "condition_occurrence", "condition_source_concept_id")) ||
        (err = source_concepts(&in, "observation", "observation_source_concept_id")))
        goto cleanup;
cleanup:
    duet_tsv_row_free(&in.row);
    return err;
}
