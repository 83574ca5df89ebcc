/*
 * test_pheno.c -- unit tests of src/pheno on hand-built cases: dates, ICD
 * code normalisation and shapes, vocabulary inference, the phecode tables
 * (parsing, rollup, ancestor lookup, the embedded 1.2 and X tables with
 * their range expansion), the person x phecode counts in an in-memory OMOP
 * store (distinct dates, codes on one day counted once, observation rows,
 * source concepts), phenotype derivation (minimum code count, NA for one
 * date, exclusion ranges, sex restriction, min-cases, sample IDs and links),
 * covariates, quantitative traits (unit, plausible range, aggregation) and
 * the inverse normal transformation against values from Python's
 * statistics.NormalDist; the shared trait and sample options (pheno_cli.h).
 *
 * The OMOP tables come from the official CDM 5.4 SQLite DDL in
 * $DATA/omop-cdm-5.4 and the phecode tables from $TOP/schemas.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duet/core.h"
#include "duet/log.h"
#include "duet/phecode.h"
#include "duet/pheno.h"
#include "duet/pheno_cli.h"
#include "unit.h"

/* ------------------------------------------------------------ helpers */

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, fp) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(fp);
    return s;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        printf("# SQL error: %s\n#   in: %.200s\n", msg, sql);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The first column of the first row as text ("" for none, "NULL"). */
static const char *q1(sqlite3 *db, const char *sql)
{
    static char buf[4096];
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(buf, sizeof buf, "SQL error: %s", sqlite3_errmsg(db));
        return buf;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(buf, sizeof buf, "%s", t ? t : "NULL");
    }
    sqlite3_finalize(st);
    return buf;
}

/* An in-memory store: the official OMOP CDM 5.4 DDL, the phecode schema and
 * duet_sample_link as in schemas/20_duet_core.sql. */
static sqlite3 *new_store(void)
{
    const char *data = getenv("DATA"), *top = getenv("TOP");
    char path[4096];
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return NULL;
    snprintf(path, sizeof path, "%s/omop-cdm-5.4/OMOPCDM_sqlite_5.4_ddl.sql",
             data ? data : "../shared/data");
    char *ddl = slurp(path);
    if (!ddl) {
        printf("# cannot read %s (set DATA)\n", path);
        sqlite3_close(db);
        return NULL;
    }
    /* strip the schema placeholder */
    const char *ph = "@cdmDatabaseSchema.";
    size_t lp = strlen(ph);
    char *w = ddl;
    for (char *r = ddl; *r;) {
        if (!strncmp(r, ph, lp)) r += lp;
        else *w++ = *r++;
    }
    *w = '\0';
    int bad = exec(db, ddl);
    free(ddl);
    snprintf(path, sizeof path, "%s/schemas/30_duet_phecode.sql", top ? top : ".");
    char *ours = slurp(path);
    if (!ours) printf("# cannot read %s (set TOP)\n", path);
    bad |= !ours || exec(db, ours);
    free(ours);
    bad |= exec(db, "CREATE TABLE duet_sample_link (person_id INTEGER NOT NULL, "
                    "sample_id TEXT NOT NULL, source TEXT)");
    if (bad) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* ---------------------------------------------------------------- dates */

static void test_dates(void)
{
    char buf[11];
    CHECK(duet_date_parse("1970-01-01", 10) == 0, "1970-01-01 is day 0");
    CHECK(duet_date_parse("2015-10-01", 10) == DUET_ICD10CM_START, "2015-10-01 is the switch day");
    CHECK(duet_date_parse("20151001", 8) == DUET_ICD10CM_START, "YYYYMMDD parses");
    CHECK(duet_date_parse("2015-10-01 13:45:00", 19) == DUET_ICD10CM_START,
          "a datetime parses to its date");
    CHECK(duet_date_parse("2015-10-01T13:45:00Z", 20) == DUET_ICD10CM_START,
          "an ISO 8601 datetime parses");
    CHECK(duet_date_parse("2016-02-29", 10) != DUET_DATE_NONE, "2016-02-29 exists");
    CHECK(duet_date_parse("2015-02-29", 10) == DUET_DATE_NONE, "2015-02-29 does not");
    CHECK(duet_date_parse("1900-02-29", 10) == DUET_DATE_NONE, "1900-02-29 does not");
    CHECK(duet_date_parse("2000-02-29", 10) != DUET_DATE_NONE, "2000-02-29 exists");
    CHECK(duet_date_parse("2015-13-01", 10) == DUET_DATE_NONE, "month 13 is refused");
    CHECK(duet_date_parse("2015-1-01", 9) == DUET_DATE_NONE, "a short month is refused");
    CHECK(duet_date_parse("2015-10-01x", 11) == DUET_DATE_NONE, "trailing junk is refused");
    CHECK(duet_date_parse("", 0) == DUET_DATE_NONE, "an empty date is refused");
    int ok = 1;
    for (int32_t d = -719162; d <= 2932896; d += 997) { /* 0001-01-01 .. 9999-12-31 */
        duet_date_format(d, buf);
        ok &= duet_date_parse(buf, 10) == d;
    }
    CHECK(ok, "format and parse round-trip over 10,000 years");
    duet_date_format(duet_date_from_ymd(2179, 7, 24), buf);
    CHECK_STR(buf, "2179-07-24", "a MIMIC-shifted date formats");
    duet_date_format(-1, buf);
    CHECK_STR(buf, "1969-12-31", "day -1 is 1969-12-31");
}

/* ------------------------------------------------------------ ICD codes */

static void test_normalise(void)
{
    static const struct {
        const char *raw;
        duet_vocab_t vocab;
        const char *want;
        int ret;
    } cases[] = {
        { "78791  ", DUET_VOCAB_ICD9CM, "787.91", 5 },
        { "2809   ", DUET_VOCAB_ICD9CM, "280.9", 4 },
        { "250", DUET_VOCAB_ICD9CM, "250", 3 },
        { "25000", DUET_VOCAB_ICD9CM, "250.00", 5 },
        { "250.00", DUET_VOCAB_ICD9CM, "250.00", 5 },
        { "V4581", DUET_VOCAB_ICD9CM, "V45.81", 5 },
        { "V08", DUET_VOCAB_ICD9CM, "V08", 3 },
        { "E8889", DUET_VOCAB_ICD9CM, "E888.9", 5 },
        { "E888", DUET_VOCAB_ICD9CM, "E888", 4 },
        { "E8889", DUET_VOCAB_ICD10CM, "E88.89", 5 },
        { "I2510", DUET_VOCAB_ICD10CM, "I25.10", 5 },
        { "I25.10", DUET_VOCAB_ICD10CM, "I25.10", 5 },
        { " i25.10 ", DUET_VOCAB_ICD10CM, "I25.10", 5 },
        { "I10", DUET_VOCAB_ICD10CM, "I10", 3 },
        { "S52521A", DUET_VOCAB_ICD10CM, "S52.521A", 7 },
        { "h21.1x1", DUET_VOCAB_ICD10CM, "H21.1X1", 6 },
        { "\tZ794 ", DUET_VOCAB_ICD10CM, "Z79.4", 4 },
        { "", DUET_VOCAB_ICD10CM, "", 0 },
        { "     ", DUET_VOCAB_ICD9CM, "", 0 },
        { "SR (Sinus Rhythm)", DUET_VOCAB_ICD10CM, "", -1 },
        { "I25..10", DUET_VOCAB_ICD10CM, "", -1 },
        { ".I25", DUET_VOCAB_ICD10CM, "", -1 },
        { "I25-10", DUET_VOCAB_ICD10CM, "", -1 },
        { "ABCDEFGHIJKLMNOPQ", DUET_VOCAB_ICD10CM, "", -1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[DUET_ICD_MAX], name[128];
        int r = duet_icd_normalise(cases[i].raw, strlen(cases[i].raw), cases[i].vocab, out);
        snprintf(name, sizeof name, "normalise '%s' as %s -> '%s'", cases[i].raw,
                 duet_vocab_name(cases[i].vocab), cases[i].want);
        for (char *c = name; *c; c++)
            if (*c == '\t') *c = ' ';
        CHECK(r == cases[i].ret && !strcmp(out, cases[i].want), name);
        if (r != cases[i].ret || strcmp(out, cases[i].want))
            printf("#   got '%s' (%d)\n", out, r);
    }
}

static void test_shapes(void)
{
    static const struct {
        const char *code;
        unsigned want;
    } cases[] = {
        { "78791", DUET_SHAPE_ICD9 },
        { "280", DUET_SHAPE_ICD9 },
        { "0389", DUET_SHAPE_ICD9 },
        { "V4581", DUET_SHAPE_ICD9 | DUET_SHAPE_ICD10 },
        { "V08", DUET_SHAPE_ICD9 | DUET_SHAPE_ICD10 },
        { "E8889", DUET_SHAPE_ICD9 | DUET_SHAPE_ICD10 },
        { "E119", DUET_SHAPE_ICD9 | DUET_SHAPE_ICD10 },
        { "E9290", DUET_SHAPE_ICD9 },
        { "E929", DUET_SHAPE_ICD9 },
        { "E43", DUET_SHAPE_ICD10 },
        { "E11621", DUET_SHAPE_ICD10 },
        { "V4352XA", DUET_SHAPE_ICD10 },
        { "I2510", DUET_SHAPE_ICD10 },
        { "C4A0", DUET_SHAPE_ICD10 },
        { "Z3A01", DUET_SHAPE_ICD10 },
        { "U071", DUET_SHAPE_ICD10 },
        { "225085", 0 },
        { "12", 0 },
        { "I2", 0 },
        { "II25", 0 },
        { "S52521AB", 0 },
        { "LOCAL12", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "shape of %s is %u", cases[i].code, cases[i].want);
        CHECK(duet_icd_shapes(cases[i].code) == cases[i].want, name);
    }
}

/* -------------------------------------------------------- phecode tables */

static const char *DEFS =
    "phecode\tdescription\tcategory\tsex\tleaf\n"
    "250\tDiabetes mellitus\tendocrine/metabolic\tBoth\t0\n"
    "250.2\tType 2 diabetes\tendocrine/metabolic\tBoth\t1\n"
    "401\tHypertension\tcirculatory system\tBoth\t0\n"
    "401.1\tEssential hypertension\tcirculatory system\tBoth\t1\n"
    "411\tIschemic Heart Disease\tcirculatory system\tBoth\t1\n"
    "414\tOther chronic ischemic heart disease\tcirculatory system\tBoth\t1\n"
    "600\tHyperplasia of prostate\tgenitourinary\tMale\t1\n"
    "615\tEndometriosis\tgenitourinary\tFemale\t1\n"
    "800\tInjury\tinjuries & poisonings\tBoth\t1\n";
static const char *EXCL =
    "phecode\tlo\thi\n"
    "250\t249\t250.99\n"
    "250.2\t249\t250.99\n"
    "401\t401\t405.99\n"
    "401.1\t401\t405.99\n"
    "411\t410\t414.99\n"
    "414\t410\t414.99\n"
    "600\t600\t600.99\n"
    "615\t614\t615.99\n";
static const char *MAP =
    "vocabulary\tcode\tphecodes\tsource\n"
    "ICD9CM\t250.00\t250,250.2\tmap\n"
    "ICD9CM\t401.9\t401,401.1\tmap\n"
    "ICD9CM\tV45.81\t411\tmap\n"
    "ICD9CM\tE888.9\t800\tmap\n"
    "ICD9CM\tV08\t800\tmap\n"
    "ICD10CM\tE11.9\t250,250.2\tmap\n"
    "ICD10CM\tE11.65\t250,250.2\tmap\n"
    "ICD10CM\tE88.89\t250\tmap\n"
    "ICD10CM\tV08\t800\trange\n"
    "ICD10CM\tI10\t401,401.1\tmap\n"
    "ICD10CM\tI25\t411\tmap\n"
    "ICD10CM\tI25.10\t414\tparent\n"
    "ICD10CM\tN40.0\t600\tmap\n"
    "ICD10CM\tN80.0\t615\tmap\n";

static duet_phecode_table_t *small_table(void)
{
    duet_phecode_table_t *t = NULL;
    if (duet_phecode_table_parse("1.2", DEFS, EXCL, MAP, "test", &t)) return NULL;
    return t;
}

/* The phecode strings a code counts toward, comma-separated. */
static const char *lookup_str(const duet_phecode_table_t *t, duet_vocab_t v, const char *code,
                              duet_map_how_t *how)
{
    static char buf[512];
    const uint16_t *ids;
    int n;
    *how = duet_phecode_lookup(t, v, code, &ids, &n);
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i) strcat(buf, ",");
        strcat(buf, duet_phecode_def(t, ids[i])->phecode);
    }
    return buf;
}

static void test_table_small(void)
{
    duet_phecode_table_t *t = small_table();
    CHECK(t != NULL, "a hand-built table parses");
    if (!t) return;
    duet_map_how_t how;
    CHECK(duet_phecode_count(t) == 9, "9 phecodes");
    int k = duet_phecode_find(t, "250.2");
    CHECK(k == 1, "250.2 is the second phecode");
    const duet_phecode_def_t *d = duet_phecode_def(t, k);
    CHECK(d->number == 25020 && d->n_excl == 1 &&
              duet_phecode_range(t, d->excl_first)->lo == 24900 &&
              duet_phecode_range(t, d->excl_first)->hi == 25099,
          "250.2: number and exclusion range in hundredths");
    CHECK(duet_phecode_def(t, duet_phecode_find(t, "600"))->sex == 'M', "600 is male-only");
    CHECK(duet_phecode_def(t, duet_phecode_find(t, "800"))->n_excl == 0,
          "800 has no exclusion range");
    CHECK(duet_phecode_find(t, "999") == -1, "an unknown phecode is not found");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD9CM, "250.00", &how), "250,250.2",
              "250.00 counts toward 250.2 and its parent 250");
    CHECK(how == DUET_MAP_LISTED, "... as a listed code");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "I25.10", &how), "414",
              "I25.10 has its own row");
    CHECK(how == DUET_MAP_PARENT, "... marked parent in the table");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "I25.10X", &how), "414",
              "I25.10X is not listed: its nearest ancestor I25.10 counts");
    CHECK(how == DUET_MAP_ANCESTOR, "... through an ancestor");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "I25.9", &how), "411",
              "I25.9 falls back to the category I25");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10, "I10", &how), "401,401.1",
              "WHO ICD10 codes use the ICD-10-CM map");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD9CM, "I10", &how), "",
              "the vocabulary is part of the key");
    CHECK(how == DUET_MAP_NONE, "... unmapped");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "I2", &how), "",
              "no fallback below the three-character category");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD9CM, "E888.91", &how), "800",
              "an ICD-9 E code falls back to its four-character category");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD9CM, "E88", &how), "",
              "... and not below it");

    /* vocabulary inference */
    CHECK(duet_icd_infer_static("4019", "ICD9CM", 0, t) == DUET_VOCAB_ICD9CM,
          "a source concept of ICD9CM decides");
    CHECK(duet_icd_infer_static("I10", "ICD10", 0, t) == DUET_VOCAB_ICD10,
          "a source concept of ICD10 (WHO) decides");
    CHECK(duet_icd_infer_static("4019", "SNOMED", 0, t) == DUET_VOCAB_NONE,
          "a source concept of another vocabulary means not ICD, whatever the shape");
    CHECK(duet_icd_infer_static("78791", NULL, 0, t) == DUET_VOCAB_ICD9CM,
          "digits: ICD-9-CM by shape");
    CHECK(duet_icd_infer_static("I2510", NULL, 0, t) == DUET_VOCAB_ICD10CM,
          "a letter other than E/V: ICD-10-CM by shape");
    CHECK(duet_icd_infer_static("E9290", NULL, 0, t) == DUET_VOCAB_ICD9CM,
          "E9...: ICD-9-CM by shape");
    CHECK(duet_icd_infer_static("225085", NULL, 0, t) == DUET_VOCAB_NONE,
          "six digits: not ICD");
    CHECK(duet_icd_infer_static("E8889", NULL, 44831848, t) == DUET_VOCAB_ICD9CM,
          "E8889 with an ICD9CM-block concept id: ICD-9-CM");
    CHECK(duet_icd_infer_static("E8889", NULL, 45600678, t) == DUET_VOCAB_BY_DATE,
          "E8889 with another concept id, both readings mapped: by date");
    CHECK(duet_icd_infer_static("E1165", NULL, 0, t) == DUET_VOCAB_ICD10CM,
          "E1165: only the ICD-10-CM reading E11.65 maps");
    CHECK(duet_icd_infer_static("V4581", NULL, 0, t) == DUET_VOCAB_ICD9CM,
          "V4581: only the ICD-9-CM reading V45.81 maps");
    CHECK(duet_icd_infer_static("V08", NULL, 0, t) == DUET_VOCAB_BY_DATE,
          "V08: both readings map, so the date decides");
    CHECK(duet_icd_infer_static("V99", NULL, 0, NULL) == DUET_VOCAB_BY_DATE,
          "without a table an E/V code goes by date");
    CHECK(duet_icd_by_date(duet_date_parse("2015-09-30", 10)) == DUET_VOCAB_ICD9CM,
          "2015-09-30 is ICD-9-CM");
    CHECK(duet_icd_by_date(duet_date_parse("2015-10-01", 10)) == DUET_VOCAB_ICD10CM,
          "2015-10-01 is ICD-10-CM");

    /* malformed tables */
    duet_phecode_table_t *bad = NULL;
    duet_log_set_quiet(1);
    CHECK(duet_phecode_table_parse("1.2", DEFS, EXCL,
                                   "vocabulary\tcode\tphecodes\tsource\nICD9CM\t250\t999\tmap\n",
                                   "", &bad) == DUET_EFORMAT && !bad,
          "a map row with an unknown phecode is refused");
    CHECK(duet_phecode_table_parse("1.2", "phecode\tdescription\tcategory\tsex\tleaf\n"
                                          "250\tD\tc\tBoth\n",
                                   EXCL, MAP, "", &bad) == DUET_EFORMAT,
          "a definitions row with 4 fields is refused");
    CHECK(duet_phecode_table_parse("1.2", DEFS, "phecode\tlo\thi\n250\t251\t249\n", MAP, "",
                                   &bad) == DUET_EFORMAT,
          "an empty exclusion range is refused");
    CHECK(duet_phecode_table_parse("1.2", DEFS, EXCL,
                                   "vocabulary\tcode\tphecodes\tsource\nICD9CM\t250\t250\tmap\n"
                                   "ICD9CM\t250\t250.2\tmap\n",
                                   "", &bad) == DUET_EFORMAT,
          "a repeated map code is refused");
    CHECK(duet_phecode_table_load("2.0", &bad) == DUET_EUSAGE, "an unknown version is refused");
    duet_log_set_quiet(0);
    duet_phecode_table_destroy(t);
}

static void test_table_embedded(void)
{
    duet_phecode_table_t *t = NULL, *x = NULL;
    duet_map_how_t how;
    CHECK(duet_phecode_table_load("1.2", &t) == DUET_OK && t, "the embedded 1.2 tables load");
    CHECK(duet_phecode_table_load("X", &x) == DUET_OK && x, "the embedded X tables load");
    if (!t || !x) return;
    CHECK(duet_phecode_count(t) == 1866, "1.2 has 1866 phecodes");
    CHECK(duet_phecode_count(x) == 3612, "X has 3612 phecodes");
    CHECK(strlen(duet_phecode_table_sha256(t)) == 64, "the 1.2 tables carry a SHA-256");
    /* rollup: 250.01 (type 1 diabetes) counts toward 250.1 and 250 */
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD9CM, "250.01", &how), "250,250.1",
              "1.2: ICD-9 250.01 rolls up to 250.1 and 250");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "E11.9", &how), "250,250.2",
              "1.2: ICD-10 E11.9 rolls up to 250.2 and 250");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "I25.10", &how), "411,411.4",
              "1.2: I25.10 counts toward 411.4 and 411, not toward the I00-I99 range's 414.2");
    /* range expansion: A04 (a category of A00-A09 without a row) gets 008 */
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "A04", &how), "008",
              "1.2: A04 gets 008 from the range A00-A09");
    CHECK(how == DUET_MAP_RANGE, "... marked range");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "A04.71", &how), "008,008.5,008.52",
              "1.2: A04.71 (not in the 1.2 map) inherits C. difficile from its parent A04.7");
    CHECK(how == DUET_MAP_PARENT, "... marked parent");
    /* narrowest range: I23 (no row of its own) lies in I20-I25 and I00-I99 */
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "I23", &how), "411,411.4,411.8",
              "1.2: I23 gets all three rows of the narrower range I20-I25, not I00-I99's 414.2");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "I08", &how), "414,414.2",
              "1.2: I08 lies only in I00-I99 and gets 414.2 (rolled up to 414)");
    CHECK_STR(lookup_str(t, DUET_VOCAB_ICD10CM, "Z99.99999", &how), "",
              "1.2: a code outside every range stays unmapped");
    /* sex restrictions */
    CHECK(duet_phecode_def(t, duet_phecode_find(t, "185"))->sex == 'M',
          "1.2: 185 (prostate cancer) is male-only");
    CHECK(duet_phecode_def(t, duet_phecode_find(t, "174.11"))->sex == 'F',
          "1.2: 174.11 (breast cancer) is female-only");
    int k = duet_phecode_find(t, "250.2");
    const duet_phecode_def_t *d = duet_phecode_def(t, k);
    CHECK(d->n_excl == 1 && duet_phecode_range(t, d->excl_first)->lo == 24900 &&
              duet_phecode_range(t, d->excl_first)->hi == 25099,
          "1.2: 250.2 excludes 249-250.99");
    d = duet_phecode_def(t, duet_phecode_find(t, "145"));
    CHECK(d->n_excl == 2, "1.2: 145 has two exclusion ranges");
    /* X */
    CHECK_STR(lookup_str(x, DUET_VOCAB_ICD10CM, "E11.9", &how), "EM_202,EM_202.2",
              "X: E11.9 counts toward EM_202.2 and EM_202");
    CHECK(duet_phecode_def(x, duet_phecode_find(x, "GU_627.2"))->sex != 'B',
          "X: GU_627.2 is sex-restricted");
    CHECK(duet_phecode_def(x, 0)->n_excl == 0, "X has no exclusion ranges");
    duet_phecode_table_destroy(t);
    duet_phecode_table_destroy(x);
}

/* ------------------------------------------------- person x phecode counts */

static const char *STORE_ROWS =
    "INSERT INTO person (person_id, gender_concept_id, year_of_birth, month_of_birth, "
    "  day_of_birth, birth_datetime, race_concept_id, ethnicity_concept_id, person_source_value) "
    "VALUES (1, 8507, 1950, NULL, NULL, NULL, 0, 0, 'S1'),"
    "       (2, 8532, 1960, 2, 29, '1960-02-29 00:00:00', 0, 0, 'S2'),"
    "       (3, 8507, 1970, 3, NULL, NULL, 0, 0, 'S3'),"
    "       (4, 8532, 1980, 1, 1, NULL, 0, 0, 'S4'),"
    "       (5, 0, 1990, 6, 15, NULL, 0, 0, 'S5'),"
    "       (6, 8507, 1955, 1, 1, NULL, 0, 0, 'S6'),"
    "       (7, 8507, 1965, 1, 1, NULL, 0, 0, 'S7'),"
    "       (8, 8507, 1975, 1, 1, NULL, 0, 0, 'S8');"
    "INSERT INTO concept (concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, "
    "  concept_code, valid_start_date, valid_end_date) "
    "VALUES (4000, 'Hypertension', 'Condition', 'SNOMED', 'Clinical Finding', '38341003', "
    "        '1970-01-01', '2099-12-31'),"
    "       (1569178, 'Essential hypertension', 'Condition', 'ICD10CM', '3-char billing code', "
    "        'I10', '1970-01-01', '2099-12-31');"
    "INSERT INTO condition_occurrence (condition_occurrence_id, person_id, condition_concept_id, "
    "  condition_start_date, condition_type_concept_id, condition_source_value, "
    "  condition_source_concept_id) VALUES "
    /* p1: two diabetes dates, three rows on one of them; hypertension once */
    "  (1, 1, 0, '2014-05-05', 0, '25000  ', 0),"
    "  (2, 1, 0, '2020-01-01', 0, 'E119 ', 0),"
    "  (3, 1, 0, '2020-01-01', 0, 'E11.65', 0),"
    "  (4, 1, 0, '2020-01-01', 0, 'E119', 0),"
    "  (5, 1, 0, '2019-03-03', 0, '4019', 0),"
    /* p2: hypertension on two dates (third in observation); male code */
    "  (6, 2, 0, '2018-01-01', 0, 'I10', 0),"
    "  (7, 2, 0, '2018-06-01', 0, 'I10', 0),"
    "  (8, 2, 0, '2018-06-01', 0, 'N400', 0),"
    "  (9, 2, 0, '2019-06-01', 0, 'N400', 0),"
    /* p3: IHD on two dates */
    "  (10, 3, 0, '2011-01-01', 0, 'I25', 0),"
    "  (11, 3, 0, '2012-01-01', 0, 'i25', 0),"
    /* p4: endometriosis */
    "  (12, 4, 0, '2013-01-01', 0, 'N800', 0),"
    "  (13, 4, 0, '2013-02-01', 0, 'N80.0', 0),"
    /* p6: E8889 before and after the switch: two vocabularies */
    "  (14, 6, 0, '2010-01-01', 0, 'E8889', 0),"
    "  (15, 6, 0, '2016-01-01', 0, 'E8889', 0),"
    /* p7: V08 with an ICD9CM concept id after the switch: still ICD-9 */
    "  (16, 7, 0, '2020-02-02', 0, 'V08', 44824945),"
    "  (17, 7, 0, '2020-03-03', 0, 'V08', 44824945),"
    "  (18, 7, 0, '2020-04-04', 0, '4019', 4000),"
    "  (19, 7, 0, '2021-01-01', 0, '', 1569178),"
    /* p8: non-ICD values, a missing value, an unlisted child code */
    "  (20, 8, 0, '2017-01-01', 0, 'SR (Sinus Rhythm)', 0),"
    "  (21, 8, 0, '2017-01-01', 0, '225085', 2000030131),"
    "  (22, 8, 0, '2017-01-01', 0, NULL, 0),"
    "  (23, 8, 0, '2017-01-01', 0, 'I2510X', 0),"
    "  (24, 8, 0, '2017-05-01', 0, 'I2510X', 0),"
    "  (25, 8, 0, '2017-05-01', 0, 'Z9999', 0);"
    "INSERT INTO observation (observation_id, person_id, observation_concept_id, "
    "  observation_date, observation_type_concept_id, observation_source_value, "
    "  observation_source_concept_id) VALUES "
    "  (1, 2, 0, '2010-01-01', 0, '4019', 0),"
    "  (2, 5, 0, '2010-01-01', 0, 'smoker', 0);"
    "INSERT INTO observation_period (observation_period_id, person_id, "
    "  observation_period_start_date, observation_period_end_date, period_type_concept_id) "
    "VALUES (1, 1, '2000-01-01', '2010-12-31', 0), (2, 1, '2011-01-01', '2020-12-31', 0),"
    "       (3, 2, '2005-03-01', '2019-12-31', 0), (4, 3, '2010-01-01', '2012-12-31', 0),"
    "       (5, 4, '2013-01-01', '2013-12-31', 0), (6, 6, '2009-01-01', '2016-12-31', 0),"
    "       (7, 7, '2020-01-01', '2021-12-31', 0);"
    "INSERT INTO visit_occurrence (visit_occurrence_id, person_id, visit_concept_id, "
    "  visit_start_date, visit_end_date, visit_type_concept_id) VALUES "
    "  (1, 1, 0, '2014-05-05', '2014-05-05', 0), (2, 1, 0, '2020-01-01', '2020-01-02', 0),"
    "  (3, 1, 0, '2020-01-01', '2020-01-01', 0), (4, 5, 0, '2019-01-01', '2019-01-01', 0),"
    "  (5, 5, 0, '2019-07-01', '2019-07-01', 0);"
    "INSERT INTO measurement (measurement_id, person_id, measurement_concept_id, "
    "  measurement_date, measurement_type_concept_id, value_as_number, unit_concept_id) VALUES "
    "  (1, 1, 3004501, '2020-01-01', 0, 100, 8840),"
    "  (2, 1, 3004501, '2020-02-01', 0, 120, 8840),"
    "  (3, 1, 3004501, '2020-03-01', 0, 5000, 8840),"
    "  (4, 1, 3004501, '2020-04-01', 0, 6.1, 8753),"
    "  (5, 2, 3004501, '2019-01-01', 0, 90, 8840),"
    "  (6, 2, 3004501, '2019-01-01', 0, 95, 8840),"
    "  (7, 2, 3004501, '2018-01-01', 0, 300, 8840),"
    "  (8, 4, 3004501, '2018-01-01', 0, 7.0, 8753),"
    "  (9, 3, 3004501, '2018-01-01', 0, 'abc', 8840),"
    "  (10, 3, 3004501, '2018-01-01', 0, NULL, 8840),"
    "  (11, 3, 9999999, '2018-01-01', 0, 42, 8840);";

/* A person x phecode row as "n first last", or "-" if absent. */
static const char *pp(sqlite3 *db, int person, const char *phecode)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE((SELECT n_dates || ' ' || first_date || ' ' || last_date "
             "FROM duet_person_phecode WHERE version = '1.2' AND person_id = %d AND "
             "phecode = '%s'), '-')",
             person, phecode);
    return q1(db, sql);
}

static sqlite3 *derived_store(duet_phecode_table_t **tab, duet_phecode_summary_t *sum)
{
    sqlite3 *db = new_store();
    *tab = small_table();
    if (!db || !*tab || exec(db, STORE_ROWS)) return NULL;
    if (duet_phecode_derive(db, *tab, sum)) return NULL;
    return db;
}

static void test_derive(void)
{
    duet_phecode_table_t *tab = NULL;
    duet_phecode_summary_t sum;
    sqlite3 *db = derived_store(&tab, &sum);
    CHECK(db != NULL, "person x phecode counts of a hand-built store");
    if (!db) return;
    CHECK_STR(pp(db, 1, "250.2"), "2 2014-05-05 2020-01-01",
              "p1 250.2: two distinct dates; three rows and two codes on 2020-01-01 count once");
    CHECK_STR(pp(db, 1, "250"), "2 2014-05-05 2020-01-01", "p1 250: rolled up, same dates");
    CHECK_STR(pp(db, 1, "401.1"), "1 2019-03-03 2019-03-03", "p1 401.1: one date");
    CHECK_STR(pp(db, 2, "401.1"), "3 2010-01-01 2018-06-01",
              "p2 401.1: condition and observation rows together");
    CHECK_STR(pp(db, 2, "600"), "2 2018-06-01 2019-06-01", "p2 600: counted (sex is pheno's rule)");
    CHECK_STR(pp(db, 3, "411"), "2 2011-01-01 2012-01-01", "p3 411: lower-case code mapped");
    CHECK_STR(pp(db, 4, "615"), "2 2013-01-01 2013-02-01", "p4 615: N800 and N80.0");
    CHECK_STR(pp(db, 6, "800"), "1 2010-01-01 2010-01-01",
              "p6: E8889 before 2015-10-01 is ICD-9 E888.9 -> 800");
    CHECK_STR(pp(db, 6, "250"), "1 2016-01-01 2016-01-01",
              "p6: E8889 after 2015-10-01 is ICD-10 E88.89 -> 250");
    CHECK_STR(pp(db, 6, "250.2"), "-", "p6: E88.89 is not 250.2");
    CHECK_STR(pp(db, 7, "800"), "2 2020-02-02 2020-03-03",
              "p7: V08 with an ICD9CM-block concept id is ICD-9 even after the switch");
    CHECK_STR(pp(db, 7, "401.1"), "1 2021-01-01 2021-01-01",
              "p7: a SNOMED source concept is not ICD; an empty value takes the concept's code");
    CHECK_STR(pp(db, 8, "414"), "2 2017-01-01 2017-05-01",
              "p8: I2510X counts through its ancestor I25.10");
    CHECK_STR(pp(db, 8, "411"), "-", "p8: ... and not toward the category's 411");
    CHECK_STR(q1(db, "SELECT COUNT(*) FROM duet_person_phecode"), "15", "15 person x phecode rows");
    CHECK(sum.n_rows == 27, "27 source rows read");
    CHECK(sum.n_no_code == 1, "1 row without a source code (NULL; '' with an ICD concept "
                              "takes the concept's code)");
    CHECK(sum.cov[DUET_VOCAB_NONE].n_rows == 4,
          "4 rows not ICD (SNOMED concept, text, six digits, 'smoker')");
    CHECK(sum.n_by_date == 2, "2 rows decided by date (E8889 twice)");
    CHECK_STR(q1(db, "SELECT n_rows || '/' || n_mapped_rows FROM duet_phecode_coverage "
                     "WHERE version = '1.2' AND vocabulary = 'ICD10CM'"),
              "16/15", "ICD10CM coverage: 16 rows, 15 mapped");
    CHECK_STR(q1(db, "SELECT n_rows || '/' || n_mapped_rows FROM duet_phecode_coverage "
                     "WHERE version = '1.2' AND vocabulary = 'ICD9CM'"),
              "6/6", "ICD9CM coverage: 6 rows, all mapped");
    CHECK_STR(q1(db, "SELECT group_concat(vocabulary || ':' || code || ':' || n_rows) "
                     "FROM duet_phecode_unmapped"),
              "ICD10CM:Z99.99:1", "the unmapped code is listed");
    CHECK_STR(q1(db, "SELECT n_persons || ' ' || n_person_phecodes || ' ' || tables_sha256 "
                     "FROM duet_phecode_run WHERE version = '1.2'"),
              "7 15 test", "the run row");
    CHECK_STR(q1(db, "SELECT COUNT(*) FROM duet_phecode_map WHERE version = '1.2'"), "19",
              "the rolled-up map is stored (19 code-phecode pairs)");
    CHECK_STR(q1(db, "SELECT lo || '-' || hi FROM duet_phecode_exclude WHERE phecode = '411'"),
              "410.0-414.99", "exclusion ranges are stored");
    /* a second run replaces the first */
    duet_phecode_summary_t sum2;
    CHECK(duet_phecode_derive(db, tab, &sum2) == DUET_OK &&
              !strcmp(q1(db, "SELECT COUNT(*) FROM duet_person_phecode"), "15") &&
              !strcmp(q1(db, "SELECT COUNT(*) FROM duet_phecode"), "9"),
          "a second run of the version replaces the first");
    sqlite3_close(db);
    duet_phecode_table_destroy(tab);

    /* a store without the phecode tables */
    sqlite3 *bare;
    sqlite3_open(":memory:", &bare);
    exec(bare, "CREATE TABLE condition_occurrence (x)");
    duet_phecode_table_t *t = small_table();
    duet_log_set_quiet(1);
    CHECK(duet_phecode_derive(bare, t, &sum2) == DUET_EMISMATCH,
          "a store without phecode tables: DUET_EMISMATCH");
    sqlite3_close(bare);
    /* a malformed date */
    db = new_store();
    exec(db, "INSERT INTO condition_occurrence (condition_occurrence_id, person_id, "
             "condition_concept_id, condition_start_date, condition_type_concept_id, "
             "condition_source_value) VALUES (1, 1, 0, '2020-02-30', 0, 'I10')");
    CHECK(duet_phecode_derive(db, t, &sum2) == DUET_EFORMAT, "a malformed date: DUET_EFORMAT");
    duet_log_set_quiet(0);
    sqlite3_close(db);
    duet_phecode_table_destroy(t);
}

/* ------------------------------------------------------------ phenotypes */

static int col_of(const duet_pheno_t *p, const char *name)
{
    for (int t = 0; t < p->n_traits; t++)
        if (!strcmp(p->traits[t].name, name)) return t;
    return -1;
}

/* A binary column as "1 0 NA ...", samples in order. */
static const char *bin_col(const duet_pheno_t *p, const char *name)
{
    static char buf[256];
    int t = col_of(p, name);
    buf[0] = '\0';
    if (t < 0) return "(absent)";
    for (int i = 0; i < p->n_samples; i++) {
        int8_t v = p->traits[t].code[i];
        strcat(buf, i ? " " : "");
        strcat(buf, v == 1 ? "1" : v == 0 ? "0" : "NA");
    }
    return buf;
}

static void test_pheno_binary(void)
{
    duet_phecode_table_t *tab = NULL;
    duet_phecode_summary_t sum;
    sqlite3 *db = derived_store(&tab, &sum);
    if (!db) {
        CHECK(0, "store for phenotypes");
        return;
    }
    duet_pheno_opts_t o;
    duet_pheno_opts_init(&o);
    o.min_cases = 0;
    duet_pheno_t *p = NULL;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK && p, "phenotypes build");
    if (!p) return;
    CHECK(p->n_samples == 8 && !strcmp(p->iid[0], "S1") && !strcmp(p->iid[7], "S8"),
          "8 samples named by person_source_value, in person_id order");
    CHECK(p->n_traits == 9, "min-cases 0: all 9 phecodes");
    /*                                   p1 p2 p3 p4 p5 p6 p7 p8 */
    CHECK_STR(bin_col(p, "250"), "1 0 0 0 0 NA 0 0", "250: case at 2 dates, NA at 1 date");
    CHECK_STR(bin_col(p, "250.2"), "1 0 0 0 0 NA 0 0",
              "250.2: p6 (who has 250 once) is excluded by 249-250.99");
    CHECK_STR(bin_col(p, "401.1"), "NA 1 0 0 0 0 NA 0", "401.1: one date is NA");
    CHECK_STR(bin_col(p, "411"), "0 0 1 0 0 0 0 NA",
              "411: p8 with 414 is excluded by 410-414.99");
    CHECK_STR(bin_col(p, "414"), "0 0 NA 0 0 0 0 1", "414: p3 with 411 is excluded");
    CHECK_STR(bin_col(p, "600"), "0 NA 0 NA NA 0 0 0",
              "600 (male only): women and unknown sex NA, even p2 with two dates");
    CHECK_STR(bin_col(p, "615"), "NA 0 NA 1 NA NA NA NA", "615 (female only)");
    CHECK_STR(bin_col(p, "800"), "0 0 0 0 0 NA 1 0", "800: no exclusion range, NA at 1 date");
    int t = col_of(p, "414");
    CHECK(p->traits[t].n_cases == 1 && p->traits[t].n_controls == 6 &&
              p->traits[t].n_missing == 1,
          "414: 1 case, 6 controls, 1 missing");
    CHECK(!strcmp(p->version, "1.2") && !strcmp(p->tables_sha256, "test"),
          "the run's version and table checksum are reported");
    /* covariates */
    CHECK(p->sex[0] == 1 && p->sex[1] == 2 && isnan(p->sex[4]), "sex 1 male, 2 female, NA");
    CHECK_NEAR(p->age[0], 25751 / 365.25, 1e-12,
               "p1 age at the end of observation, born 1950 (July 1st)");
    CHECK_NEAR(p->record_years[0], 7670 / 365.25, 1e-12, "p1 record length over two periods");
    CHECK(p->n_visits[0] == 2, "p1: 3 visits on 2 distinct dates");
    double want = (duet_date_parse("2019-12-31", 10) - duet_date_parse("1960-02-29", 10)) / 365.25;
    CHECK_NEAR(p->age[1], want, 1e-12, "p2 age from birth_datetime");
    want = (duet_date_parse("2012-12-31", 10) - duet_date_parse("1970-03-15", 10)) / 365.25;
    CHECK_NEAR(p->age[2], want, 1e-12, "p3 born in March 1970, day unknown: the 15th");
    want = (duet_date_parse("2019-07-01", 10) - duet_date_parse("1990-06-15", 10)) / 365.25;
    CHECK_NEAR(p->age[4], want, 1e-12, "p5 has no observation period: age at the last visit");
    CHECK_NEAR(p->record_years[4], 181 / 365.25, 1e-12, "p5 record length from visits");
    CHECK(isnan(p->age[7]) && isnan(p->record_years[7]) && p->n_visits[7] == 0,
          "p8 has neither: NA, NA, 0 visits");
    duet_pheno_destroy(p);

    /* minimum code count 1 */
    o.min_code_count = 1;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK, "min-code-count 1 builds");
    CHECK_STR(bin_col(p, "250"), "1 0 0 0 0 1 0 0", "250 at min-code-count 1: p6 a case");
    CHECK_STR(bin_col(p, "250.2"), "1 0 0 0 0 NA 0 0", "250.2: p6 still excluded");
    CHECK_STR(bin_col(p, "401.1"), "1 1 0 0 0 0 1 0", "401.1 at min-code-count 1");
    duet_pheno_destroy(p);

    /* min-cases selection and index date */
    o.min_code_count = 2;
    o.min_cases = 1;
    o.index_date = duet_date_parse("2000-01-01", 10);
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK, "min-cases 1 builds");
    CHECK(p->n_traits == 8 && col_of(p, "600") < 0, "min-cases 1: 600 (no case) left out");
    CHECK_NEAR(p->age[0], (duet_date_parse("2000-01-01", 10) -
                           duet_date_parse("1950-07-01", 10)) / 365.25, 1e-12,
               "age at --index-date");
    duet_pheno_destroy(p);
    o.min_cases = 2;
    duet_log_set_quiet(1);
    CHECK(duet_pheno_build(db, &o, &p) == DUET_EDEGENERATE, "min-cases 2: no trait, exit 6");

    /* explicit list */
    char *list[] = { "615", "250" };
    o.phecodes = list;
    o.n_phecodes = 2;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK && p->n_traits == 2 &&
              !strcmp(p->traits[0].name, "615") && !strcmp(p->traits[1].name, "250"),
          "--phecodes: the listed phecodes in the order given");
    duet_pheno_destroy(p);
    char *bad[] = { "999.9" };
    o.phecodes = bad;
    o.n_phecodes = 1;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_EUSAGE, "--phecodes with an unknown phecode");
    o.phecodes = NULL;
    o.n_phecodes = 0;
    o.min_cases = 0;

    /* sample IDs */
    o.id_column = DUET_ID_PERSON_ID;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK && !strcmp(p->iid[7], "8"),
          "--id-column person_id");
    duet_pheno_destroy(p);
    exec(db, "UPDATE person SET person_source_value = 'S1' WHERE person_id = 2");
    o.id_column = DUET_ID_AUTO;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_EMISMATCH, "a repeated sample ID: exit 5");
    exec(db, "UPDATE person SET person_source_value = NULL WHERE person_id = 2");
    CHECK(duet_pheno_build(db, &o, &p) == DUET_EMISMATCH, "a missing sample ID: exit 5");
    exec(db, "UPDATE person SET person_source_value = 'S 2' WHERE person_id = 2");
    CHECK(duet_pheno_build(db, &o, &p) == DUET_EMISMATCH, "a sample ID with a blank: exit 5");
    exec(db, "INSERT INTO duet_sample_link VALUES (3, 'NA003', 'v1'), (1, 'NA001', 'v1'), "
             "(1, 'NA001b', 'v2')");
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK && p->n_samples == 3 &&
              p->id_column == DUET_ID_LINK && !strcmp(p->iid[0], "NA001") &&
              !strcmp(p->iid[1], "NA001b") && !strcmp(p->iid[2], "NA003") &&
              p->n_persons_unlinked == 6,
          "duet_sample_link: one row per link, unlinked persons left out");
    if (p) CHECK_STR(bin_col(p, "250.2"), "1 1 0", "a person's traits repeat on each sample");
    duet_pheno_destroy(p);
    exec(db, "INSERT INTO duet_sample_link VALUES (99, 'NA099', 'v1')");
    CHECK(duet_pheno_build(db, &o, &p) == DUET_EMISMATCH, "a link to an unknown person: exit 5");
    o.version = "X";
    CHECK(duet_pheno_build(db, &o, &p) == DUET_EMISMATCH, "no X run in the store: exit 5");
    duet_log_set_quiet(0);
    sqlite3_close(db);
    duet_phecode_table_destroy(tab);
}

/* ---------------------------------------------------- quantitative traits */

static void test_quant(void)
{
    duet_quant_spec_t s[3];
    duet_log_set_quiet(1);
    CHECK(duet_quant_parse("glucose=3004501", &s[0]) == DUET_OK && s[0].n_concepts == 1 &&
              s[0].concepts[0] == 3004501 && s[0].agg == DUET_AGG_MEDIAN &&
              !strcmp(s[0].name, "glucose"),
          "--quant NAME=ID");
    CHECK(duet_quant_parse("ldl=3009966,3028437:max", &s[1]) == DUET_OK && s[1].n_concepts == 2 &&
              s[1].concepts[1] == 3028437 && s[1].agg == DUET_AGG_MAX,
          "--quant NAME=ID,ID:max");
    duet_quant_spec_t junk;
    CHECK(duet_quant_parse("x=1:mode", &junk) == DUET_EUSAGE, "an unknown aggregate");
    CHECK(duet_quant_parse("x=", &junk) == DUET_EUSAGE, "no concept");
    CHECK(duet_quant_parse("x=1,,2", &junk) == DUET_EUSAGE, "an empty concept");
    CHECK(duet_quant_parse("=1", &junk) == DUET_EUSAGE, "no name");
    CHECK(duet_quant_parse("a b=1", &junk) == DUET_EUSAGE, "a blank in the name");
    CHECK(duet_quant_parse("IID=1", &junk) == DUET_EUSAGE, "the name IID");
    CHECK(duet_quant_set_unit(s, 2, "ldl=8840") == DUET_OK && s[1].has_unit && s[1].unit == 8840,
          "--unit NAME=ID");
    CHECK(duet_quant_set_unit(s, 2, "hdl=8840") == DUET_EUSAGE, "--unit for an unknown trait");
    CHECK(duet_quant_set_range(s, 2, "ldl=1:500") == DUET_OK && s[1].lo == 1 && s[1].hi == 500,
          "--range NAME=LO:HI");
    CHECK(duet_quant_set_range(s, 2, "ldl=5:1") == DUET_EUSAGE, "--range with LO > HI");
    CHECK(duet_quant_set_range(s, 2, "ldl=5") == DUET_EUSAGE, "--range without HI");
    duet_log_set_quiet(0);
    duet_quant_spec_free(&s[0]);
    duet_quant_spec_free(&s[1]);

    double lo, hi;
    CHECK(duet_quant_limits(3004501, 8840, &lo, &hi) && lo == 5 && hi == 3000,
          "glucose in mg/dL has a plausible range");
    CHECK(!duet_quant_limits(3004501, 8753, &lo, &hi), "glucose in mmol/L has none built in");

    double v[5];
    memcpy(v, (double[]){ 5, 1, 4, 2 }, 4 * sizeof *v);
    CHECK(duet_quant_aggregate(v, 4, DUET_AGG_MEDIAN) == 3, "median of an even count");
    memcpy(v, (double[]){ 5, 1, 4 }, 3 * sizeof *v);
    CHECK(duet_quant_aggregate(v, 3, DUET_AGG_MEDIAN) == 4, "median of an odd count");
    memcpy(v, (double[]){ 5, 1, 3 }, 3 * sizeof *v);
    CHECK(duet_quant_aggregate(v, 3, DUET_AGG_MEAN) == 3, "mean");
    CHECK(duet_quant_aggregate(v, 3, DUET_AGG_MIN) == 1, "min");
    CHECK(duet_quant_aggregate(v, 3, DUET_AGG_MAX) == 5, "max");
    CHECK(duet_quant_aggregate(v, 3, DUET_AGG_FIRST) == 5, "first");
    CHECK(duet_quant_aggregate(v, 3, DUET_AGG_LAST) == 3, "last");

    /* inverse normal: expected values from Python's statistics.NormalDist */
    double x[5] = { 3, 1, NAN, 2, 2 };
    size_t scratch[5];
    duet_inverse_normal(x, 5, scratch);
    CHECK_NEAR(x[1], -1.0491313979639711, 1e-12, "INT: rank 1 of 4");
    CHECK_NEAR(x[3], 0.0, 1e-12, "INT: tied ranks 2 and 3 share 2.5");
    CHECK_NEAR(x[4], 0.0, 1e-12, "INT: ... both of them");
    CHECK_NEAR(x[0], 1.0491313979639711, 1e-12, "INT: rank 4 of 4");
    CHECK(isnan(x[2]), "INT: NaN stays NaN");
    double y[3] = { 10, 30, 20 };
    duet_inverse_normal(y, 3, scratch);
    CHECK_NEAR(y[0], -0.869423773288886, 1e-12, "INT: Blom offset, n = 3");
    CHECK_NEAR(y[1], 0.869423773288886, 1e-12, "INT: Blom offset, top rank");
}

static double qval(const duet_pheno_t *p, const char *name, int sample)
{
    int t = col_of(p, name);
    return t < 0 ? -999 : p->traits[t].value[sample];
}

static void test_pheno_quant(void)
{
    duet_phecode_table_t *tab = NULL;
    duet_phecode_summary_t sum;
    sqlite3 *db = derived_store(&tab, &sum);
    if (!db) {
        CHECK(0, "store for quantitative traits");
        return;
    }
    duet_pheno_opts_t o;
    duet_pheno_opts_init(&o);
    o.no_phecodes = 1;
    duet_quant_spec_t q[6];
    const char *specs[] = { "glu=3004501", "glu_first=3004501:first", "glu_last=3004501:last",
                            "glu_mean=3004501:mean", "glu_mmol=3004501", "glu_rng=3004501:max" };
    for (int i = 0; i < 6; i++)
        if (duet_quant_parse(specs[i], &q[i])) return;
    CHECK(duet_quant_set_unit(q, 6, "glu_mmol=8753") == DUET_OK &&
              duet_quant_set_range(q, 6, "glu_rng=100:200") == DUET_OK,
          "--unit and --range set");
    o.quant = q;
    o.n_quant = 6;
    duet_pheno_t *p = NULL;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK && p && p->n_traits == 6,
          "quantitative traits build");
    if (!p) return;
    int t = col_of(p, "glu");
    CHECK(p->traits[t].unit == 8840, "the most frequent unit (mg/dL) is kept");
    CHECK(p->traits[t].n_rows_other_unit == 2, "2 rows in mmol/L dropped");
    CHECK(p->traits[t].n_rows_implausible == 1, "5000 mg/dL dropped as impossible");
    CHECK(p->traits[t].n_rows_not_numeric == 1, "a text value counted and dropped");
    CHECK(p->traits[t].n_rows == 5, "5 rows used");
    CHECK(qval(p, "glu", 0) == 110, "p1 median of 100 and 120");
    CHECK(qval(p, "glu", 1) == 95, "p2 median of 300, 90, 95");
    CHECK(isnan(qval(p, "glu", 2)) && isnan(qval(p, "glu", 3)),
          "p3 (text only) and p4 (other unit only) NA");
    CHECK(p->traits[t].n == 2 && p->traits[t].n_missing == 6, "2 values, 6 missing");
    CHECK(qval(p, "glu_first", 1) == 300, "first: the earliest date");
    CHECK(qval(p, "glu_last", 1) == 95, "last: latest date, ties to the larger measurement_id");
    CHECK(qval(p, "glu_last", 0) == 120, "last of p1 (the implausible row dropped)");
    CHECK_NEAR(qval(p, "glu_mean", 1), 485.0 / 3, 1e-12, "mean");
    CHECK(qval(p, "glu_mmol", 0) == 6.1 && qval(p, "glu_mmol", 3) == 7.0 &&
              isnan(qval(p, "glu_mmol", 1)),
          "--unit 8753 keeps the mmol/L rows");
    CHECK(qval(p, "glu_rng", 0) == 120 && isnan(qval(p, "glu_rng", 1)),
          "--range 100:200 replaces the built-in range");
    duet_pheno_destroy(p);

    o.inverse_normal = 1;
    o.n_quant = 1;
    CHECK(duet_pheno_build(db, &o, &p) == DUET_OK, "--inverse-normal builds");
    CHECK_NEAR(qval(p, "glu", 0), 0.5894557978497785, 1e-12, "INT of 110 (rank 2 of 2)");
    CHECK_NEAR(qval(p, "glu", 1), -0.5894557978497785, 1e-12, "INT of 95 (rank 1 of 2)");
    duet_pheno_destroy(p);
    for (int i = 0; i < 6; i++) duet_quant_spec_free(&q[i]);
    sqlite3_close(db);
    duet_phecode_table_destroy(tab);
}

/* The shared trait and sample options (pheno_cli.h): parsing, the checks
 * of duet_trait_cli_finish(), the split lists and the loader's options. */
static void test_trait_cli(void)
{
    duet_trait_cli_t c;
    duet_err_t err;
    duet_trait_cli_init(&c);
    CHECK(duet_trait_cli_parse(&c, DUET_TRAIT_OPT_PHENO, "p.tsv", &err) && !err,
          "trait cli: --pheno is the table's");
    CHECK(!duet_trait_cli_parse(&c, 'o', "x", &err), "trait cli: -o is not");
    duet_trait_cli_parse(&c, DUET_TRAIT_OPT_PHENO_NAME, "a,,b", &err);
    duet_trait_cli_parse(&c, DUET_TRAIT_OPT_COVAR, "c.tsv", &err);
    duet_trait_cli_parse(&c, DUET_TRAIT_OPT_COVAR_NAME, "PC1", &err);
    duet_trait_cli_parse(&c, DUET_TRAIT_OPT_KEEP, "k.txt", &err);
    duet_trait_cli_parse(&c, DUET_TRAIT_OPT_BINARY, NULL, &err);
    CHECK(duet_trait_cli_finish(&c, 0, 0) == DUET_OK, "trait cli: a valid set");
    CHECK(c.n_pheno_names == 2 && !strcmp(c.pheno_names[1], "b"), "trait cli: --pheno-name split");
    CHECK(c.n_covar_names == 1 && !strcmp(c.covar_names[0], "PC1"), "trait cli: --covar-name split");
    duet_traitset_opts_t tso;
    duet_traitset_opts_init(&tso);
    duet_trait_cli_traitset(&c, &tso);
    CHECK(!strcmp(tso.pheno, "p.tsv") && tso.n_pheno_names == 2 && tso.binary &&
          !strcmp(tso.covar, "c.tsv") && tso.n_covar_names == 1 && !strcmp(tso.keep, "k.txt") &&
          !tso.remove && !tso.db,
          "trait cli: the loader's options");
    duet_trait_cli_free(&c);
    CHECK(!c.pheno_names && !c.covar_names, "trait cli: free clears the lists");

    duet_trait_cli_init(&c);
    c.binary = c.quantitative = 1;
    CHECK(duet_trait_cli_finish(&c, 0, 0) == DUET_EUSAGE, "trait cli: --binary --quantitative");
    duet_trait_cli_init(&c);
    c.covar_name = "PC1";
    CHECK(duet_trait_cli_finish(&c, 0, 0) == DUET_EUSAGE, "trait cli: --covar-name alone");
    duet_trait_cli_init(&c);
    c.pheno = "p.tsv";
    c.db = "ehr.db";
    CHECK(duet_trait_cli_finish(&c, DUET_TRAIT_STORE, 0) == DUET_EUSAGE,
          "trait cli: --pheno with --db");
    duet_trait_cli_init(&c);
    c.db = "ehr.db";
    c.pheno_name = "a";
    CHECK(duet_trait_cli_finish(&c, DUET_TRAIT_STORE, 0) == DUET_EUSAGE,
          "trait cli: --pheno-name with --db");
    duet_trait_cli_init(&c);
    c.pheno = "p.tsv";
    c.store_covars = "sex";
    CHECK(duet_trait_cli_finish(&c, DUET_TRAIT_STORE, 0) == DUET_EUSAGE,
          "trait cli: --store-covars without --db");
    duet_trait_cli_init(&c);
    c.pheno = "p.tsv";
    CHECK(duet_trait_cli_finish(&c, DUET_TRAIT_STORE, 1) == DUET_EUSAGE,
          "trait cli: phecode options without --db");
    duet_trait_cli_init(&c);
    c.db = "ehr.db";
    c.store_covars = "";
    CHECK(duet_trait_cli_finish(&c, DUET_TRAIT_STORE, 1) == DUET_OK,
          "trait cli: the store with its options");
    duet_trait_cli_traitset(&c, &tso);
    CHECK(!strcmp(tso.db, "ehr.db") && tso.db_covars && !tso.db_covars[0],
          "trait cli: --store-covars '' passed on");
    duet_trait_cli_free(&c);
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    duet_log_set_command("test_pheno");
    test_dates();
    test_normalise();
    test_shapes();
    test_table_small();
    test_table_embedded();
    test_derive();
    test_pheno_binary();
    test_quant();
    test_pheno_quant();
    test_trait_cli();
    return unit_done();
}
