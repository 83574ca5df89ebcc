/*
 * test_store.c -- unit tests of src/store: SHA-256 against the FIPS 180-4
 * examples, UTF-8 validation, the CSV reader (quoting, line breaks, line
 * numbers, delimiters, compression, malformed input), value checks and
 * normalisation (integers, floats, calendar dates, ISO 8601 datetimes),
 * table names from file names, source-code shapes, and the store itself
 * (creation, refusal of foreign or other-version files, an import through
 * the API with a rollback on error).
 */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <sqlite3.h>
#include <zstd.h>

#include "duet/core.h"
#include "duet/log.h"
#include "duet/store.h"
#include "../../src/store/store_internal.h"
#include "unit.h"

/* ------------------------------------------------------------------ */

static void sha_of(const void *data, size_t len, size_t chunk, char hex[65])
{
    duet_sha256_t s;
    duet_sha256_init(&s);
    const unsigned char *p = data;
    for (size_t off = 0; off < len; off += chunk)
        duet_sha256_update(&s, p + off, len - off < chunk ? len - off : chunk);
    duet_sha256_hex(&s, hex);
}

static void test_sha256_modes(void);

static void test_sha256(void)
{
    test_sha256_modes();
    for (int accel = 0; accel <= 1; accel++) {
    if (!duet_sha256_accelerated(accel) && accel) {
        printf("# no SHA extensions on this processor: portable code only\n");
        break;
    }
    char hex[65];
    sha_of("", 0, 1, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "sha256 of the empty message");
    sha_of("abc", 3, 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              "sha256('abc'), FIPS 180-4 example");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_of(m448, strlen(m448), 7, hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
              "sha256 of the 448-bit example, fed 7 bytes at a time");
    size_t n = 1000000;
    char *a = malloc(n);
    memset(a, 'a', n);
    sha_of(a, n, 4096, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
              "sha256 of a million 'a'");
    char hex2[65];
    sha_of(a, n, 63, hex2);
    CHECK_STR(hex2, hex, "sha256 is the same whatever the chunk size");
    free(a);
    }
    duet_sha256_accelerated(1);
}

/* The accelerated and portable code agree on every length around the block
 * boundaries and on unaligned input. */
static void test_sha256_modes(void)
{
    if (!duet_sha256_accelerated(1)) return;
    unsigned char buf[1100];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 24);
    }
    int same = 1;
    for (size_t len = 0; len <= 1000; len += len < 200 ? 1 : 37) {
        char a[65], b[65];
        duet_sha256_accelerated(0);
        sha_of(buf + 1, len, 1000, a);
        duet_sha256_accelerated(1);
        sha_of(buf + 1, len, len % 7 + 1, b);
        same &= !strcmp(a, b);
    }
    CHECK(same, "SHA extensions and portable code agree (lengths 0-1000, odd chunks)");
}

static void test_utf8(void)
{
    size_t bad = 99;
    CHECK(duet_utf8_valid((const unsigned char *)"plain ascii text, long enough", 29, &bad),
          "ASCII is UTF-8");
    const char *ok = "Mar\xc3\xad" "a \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbb\xbf";
    CHECK(duet_utf8_valid((const unsigned char *)ok, strlen(ok), &bad), "2-, 3-, 4-byte sequences");
    CHECK(!duet_utf8_valid((const unsigned char *)"ab\xe9z", 4, &bad) && bad == 2,
          "Latin-1 e-acute is not UTF-8, found at its offset");
    CHECK(!duet_utf8_valid((const unsigned char *)"\xc0\x80", 2, &bad), "overlong NUL refused");
    CHECK(!duet_utf8_valid((const unsigned char *)"\xe0\x80\x80", 3, &bad),
          "overlong 3-byte form refused");
    CHECK(!duet_utf8_valid((const unsigned char *)"\xed\xa0\x80", 3, &bad), "surrogate refused");
    CHECK(!duet_utf8_valid((const unsigned char *)"\xf4\x90\x80\x80", 4, &bad),
          "above U+10FFFF refused");
    CHECK(!duet_utf8_valid((const unsigned char *)"abc\xe2\x82", 5, &bad) && bad == 3,
          "truncated sequence at the end refused");
    CHECK(!duet_utf8_valid((const unsigned char *)"abcdefgh\0ijk", 12, &bad) && bad == 8,
          "NUL byte refused (inside the 8-byte fast path)");
}

/* ------------------------------------------------------------------ */

static duet_csv_t *csv_mem(const char *text)
{
    duet_csv_t *c = NULL;
    if (duet_csv_open_mem("mem.csv", text, strlen(text), &c)) return NULL;
    return c;
}

/* All records of `text` as "a|b|c;" with line numbers "@L". */
static duet_err_t csv_dump(const char *text, char *out, size_t size)
{
    duet_csv_t *c = csv_mem(text);
    int got;
    duet_err_t err = DUET_OK;
    size_t l = 0;
    out[0] = 0;
    while (c && !(err = duet_csv_next(c, &got)) && got) {
        l += (size_t)snprintf(out + l, size - l, "@%ld:", duet_csv_line(c));
        for (int i = 0; i < duet_csv_n_fields(c); i++)
            l += (size_t)snprintf(out + l, size - l, "%s%s", i ? "|" : "", duet_csv_field(c, i));
        l += (size_t)snprintf(out + l, size - l, ";");
    }
    duet_csv_close(c);
    return err;
}

static void test_csv(void)
{
    char out[1024];
    CHECK(!csv_dump("a,b,c\n1,2,3\n", out, sizeof out), "simple CSV parses");
    CHECK_STR(out, "@1:a|b|c;@2:1|2|3;", "simple CSV records");
    csv_dump("h1,h2\n\"x, y\",\"say \"\"hi\"\"\"\n", out, sizeof out);
    CHECK_STR(out, "@1:h1|h2;@2:x, y|say \"hi\";", "quoted comma and doubled quotes");
    csv_dump("h1,h2\n\"line1\nline2\",z\nnext,row\n", out, sizeof out);
    CHECK_STR(out, "@1:h1|h2;@2:line1\nline2|z;@4:next|row;",
              "newline inside quotes; the next record is on line 4");
    csv_dump("h1,h2\r\n1,2\r\n3,4", out, sizeof out);
    CHECK_STR(out, "@1:h1|h2;@2:1|2;@3:3|4;", "CRLF, last line without a line break");
    csv_dump("h1,h2\r1,2\r", out, sizeof out);
    CHECK_STR(out, "@1:h1|h2;@2:1|2;", "lone CR ends a record");
    csv_dump("h1,h2\n\n1,2\n\n\n3,4\n", out, sizeof out);
    CHECK_STR(out, "@1:h1|h2;@3:1|2;@6:3|4;", "blank lines skipped, line numbers kept");
    csv_dump("a,b,c\n1,,\n,,\n", out, sizeof out);
    CHECK_STR(out, "@1:a|b|c;@2:1||;@3:||;", "empty fields, trailing empty field");
    csv_dump("a\tb,c\td\n1\t2,3\t4\n", out, sizeof out);
    CHECK_STR(out, "@1:a|b,c|d;@2:1|2,3|4;", "tab delimiter detected from the header");
    csv_dump("\xef\xbb\xbf" "a,b\n1,2\n", out, sizeof out);
    CHECK_STR(out, "@1:a|b;@2:1|2;", "UTF-8 byte-order mark skipped");
    csv_dump("a,b\n5\" tall,x\n", out, sizeof out);
    CHECK_STR(out, "@1:a|b;@2:5\" tall|x;", "quote inside an unquoted field is data");
    csv_dump("a,b\n\"\",\"\"\"\"\n", out, sizeof out);
    CHECK_STR(out, "@1:a|b;@2:|\";", "empty quoted field and a lone escaped quote");
    csv_dump("a,b\n\"q,\r\nr\",s\n", out, sizeof out);
    CHECK_STR(out, "@1:a|b;@2:q,\r\nr|s;", "CRLF inside quotes kept as data");

    /* quoted flags and field lines */
    duet_csv_t *c = csv_mem("a,b\n\"x\ny\",\"z\"\n");
    int got;
    CHECK(c && !duet_csv_next(c, &got) && got && !duet_csv_quoted(c, 0), "header unquoted");
    CHECK(!duet_csv_next(c, &got) && got && duet_csv_quoted(c, 0) && duet_csv_quoted(c, 1),
          "quoted fields flagged");
    CHECK(duet_csv_field_line(c, 0) == 2 && duet_csv_field_line(c, 1) == 3,
          "a field after a multi-line field starts on the later line");
    CHECK(duet_csv_len(c, 0) == 3, "field length counts the embedded line break");
    CHECK(!duet_csv_next(c, &got) && !got, "end of input");
    duet_csv_close(c);

    c = csv_mem("");
    CHECK(c && !duet_csv_next(c, &got) && !got, "empty input: no record at all");
    duet_csv_close(c);

    /* malformed input */
    fprintf(stderr, "(the errors below are expected)\n");
    CHECK(csv_dump("a,b\n\"open,2\n3,4\n", out, sizeof out) == DUET_EFORMAT,
          "unclosed quote is malformed");
    CHECK(csv_dump("a,b\n\"x\"y,2\n", out, sizeof out) == DUET_EFORMAT,
          "text after a closing quote is malformed");
    CHECK(csv_dump("a,b\n1,\xe9t\xe9\n", out, sizeof out) == DUET_EFORMAT,
          "Latin-1 text is malformed");
    const char bin[] = "a,b\n1,\0\0\x01\x02\n";
    c = NULL;
    CHECK(!duet_csv_open_mem("bin.csv", bin, sizeof bin - 1, &c), "open binary data");
    CHECK(!duet_csv_next(c, &got) && got, "binary file: header read");
    CHECK(duet_csv_next(c, &got) == DUET_EFORMAT, "binary file: NUL byte is malformed");
    duet_csv_close(c);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
}

static void test_csv_files(const char *dir)
{
    /* The same text plain, gzip (through BGZF) and zstd (two frames) must
     * give the same records; each file's SHA-256 is that of its bytes. */
    char text[8192];
    size_t l = (size_t)snprintf(text, sizeof text, "id,name\n");
    for (int i = 1; i <= 200; i++)
        l += (size_t)snprintf(text + l, sizeof text - l, "%d,\"n, %d\"\n", i, i * 7);
    char plain[1024], gz[1024], zst[1024];
    snprintf(plain, sizeof plain, "%s/t.csv", dir);
    snprintf(gz, sizeof gz, "%s/t.csv.gz", dir);
    snprintf(zst, sizeof zst, "%s/t.csv.zst", dir);
    write_file(plain, text, l);
    BGZF *b = bgzf_open(gz, "w");
    CHECK(b && bgzf_write(b, text, l) == (ssize_t)l && bgzf_close(b) == 0, "write a gzip file");
    size_t half = l / 2, cap = ZSTD_compressBound(l) * 2;
    unsigned char *z = malloc(cap);
    size_t z1 = ZSTD_compress(z, cap, text, half, 3);
    size_t z2 = ZSTD_compress(z + z1, cap - z1, text + half, l - half, 3);
    write_file(zst, z, z1 + z2);
    char hex[65];
    sha_of(z, z1 + z2, 4096, hex);
    free(z);
    const char *paths[3] = { plain, gz, zst };
    for (int k = 0; k < 3; k++) {
        duet_csv_t *c = NULL;
        int got, n = 0, ok = 1;
        CHECK(!duet_csv_open(paths[k], &c), paths[k]);
        while (c && !duet_csv_next(c, &got) && got) {
            if (n > 0) {
                char want[32];
                snprintf(want, sizeof want, "n, %d", n * 7);
                ok &= atoi(duet_csv_field(c, 0)) == n && !strcmp(duet_csv_field(c, 1), want);
            }
            n++;
        }
        CHECK(ok && n == 201, "plain, gzip and zstd give the same 201 records");
        if (k == 2) CHECK_STR(duet_csv_sha256(c), hex, "sha256 of the zstd file as stored");
        if (k == 0) CHECK(duet_csv_file_bytes(c) == l, "file size of the plain file");
        duet_csv_close(c);
    }
    /* A truncated zstd file is malformed, not a short table. */
    FILE *f = fopen(zst, "rb");
    unsigned char buf[4096];
    size_t got_bytes = fread(buf, 1, sizeof buf, f);
    fclose(f);
    write_file(zst, buf, got_bytes - 5);
    duet_csv_t *c = NULL;
    int got;
    duet_err_t err = DUET_OK;
    CHECK(!duet_csv_open(zst, &c), "open a truncated zstd file");
    while (!(err = duet_csv_next(c, &got)) && got) {}
    CHECK(err == DUET_EFORMAT, "truncated zstd data is malformed");
    duet_csv_close(c);
    c = NULL;
    CHECK(duet_csv_open("/nonexistent/x.csv", &c) == DUET_EREAD && !c, "missing file: EREAD");
}

/* ------------------------------------------------------------------ */

static void test_values(void)
{
    int64_t i = 0;
    double d = 0;
#define INT_OK(s, v) CHECK(!duet_value_int64(s, strlen(s), &i) && i == (v), "integer " s)
#define INT_BAD(s) CHECK(duet_value_int64(s, strlen(s), &i) != NULL, "not an integer: '" s "'")
    INT_OK("0", 0);
    INT_OK("-17", -17);
    INT_OK("+42", 42);
    INT_OK("007", 7);
    INT_OK("12.0", 12);
    INT_OK("12.", 12);
    INT_OK("9223372036854775807", INT64_MAX);
    INT_OK("-9223372036854775808", INT64_MIN);
    INT_OK("-8254164865273971123", -8254164865273971123LL);
    INT_BAD("9223372036854775808");
    INT_BAD("-9223372036854775809");
    INT_BAD("12.5");
    INT_BAD("1e3");
    INT_BAD("abc");
    INT_BAD("12a");
    INT_BAD("-");
    INT_BAD("0x10");
    INT_BAD("1 2");
#define DBL_OK(s, v) CHECK(!duet_value_double(s, strlen(s), &d) && d == (v), "float " s)
#define DBL_BAD(s) CHECK(duet_value_double(s, strlen(s), &d) != NULL, "not a float: '" s "'")
    DBL_OK("48.1", 48.1);
    DBL_OK("-0.5", -0.5);
    DBL_OK(".5", 0.5);
    DBL_OK("5.", 5.0);
    DBL_OK("1e-3", 1e-3);
    DBL_OK("+2E+2", 200.0);
    DBL_OK("12", 12.0);
    DBL_OK("1e-400", 0.0);
    DBL_BAD("nan");
    DBL_BAD("inf");
    DBL_BAD("1e999");
    DBL_BAD("1,5");
    DBL_BAD(".");
    DBL_BAD("e5");
    DBL_BAD("1e");
    DBL_BAD("0x1p3");
    DBL_BAD("NA");

    char out[DUET_DATETIME_MAX];
#define DATE_OK(s, want)                                                              \
    do {                                                                              \
        const char *why_ = duet_value_date(s, strlen(s), out);                       \
        CHECK(!why_ && !strcmp(out, want), "date " s " -> " want);                    \
    } while (0)
#define DATE_BAD(s) CHECK(duet_value_date(s, strlen(s), out) != NULL, "not a date: '" s "'")
    DATE_OK("2020-02-29", "2020-02-29");
    DATE_OK("2000-02-29", "2000-02-29");
    DATE_OK("20200131", "2020-01-31");
    DATE_OK("2179-07-24", "2179-07-24");
    DATE_OK("0001-01-01", "0001-01-01");
    DATE_OK("2005-05-07 00:00:00", "2005-05-07");
    DATE_OK("2005-05-07T13:45:00Z", "2005-05-07");
    DATE_BAD("2019-02-29");
    DATE_BAD("1900-02-29");
    DATE_BAD("2020-04-31");
    DATE_BAD("2020-13-01");
    DATE_BAD("2020-00-10");
    DATE_BAD("2020-01-00");
    DATE_BAD("0000-01-01");
    DATE_BAD("2020-1-1");
    DATE_BAD("01/02/2020");
    DATE_BAD("202001");
    DATE_BAD("202001011");
    DATE_BAD("2005-05-07 25:00:00");
    DATE_BAD("2005-05-07x");
#define DT_OK(s, want)                                                                \
    do {                                                                              \
        const char *why_ = duet_value_datetime(s, strlen(s), out);                   \
        CHECK(!why_ && !strcmp(out, want), "datetime " s " -> " want);                \
        if (why_ || strcmp(out, want)) printf("#   got '%s' (%s)\n", out, why_ ? why_ : ""); \
    } while (0)
#define DT_BAD(s) CHECK(duet_value_datetime(s, strlen(s), out) != NULL, "not a datetime: '" s "'")
    DT_OK("2179-07-24 18:21:00", "2179-07-24 18:21:00");
    DT_OK("2020-01-02T03:04:05", "2020-01-02 03:04:05");
    DT_OK("2020-01-02t03:04:05", "2020-01-02 03:04:05");
    DT_OK("2020-01-02 03:04", "2020-01-02 03:04:00");
    DT_OK("2020-01-02", "2020-01-02 00:00:00");
    DT_OK("20200102 03:04:05", "2020-01-02 03:04:05");
    DT_OK("2020-01-02 03:04:05.123", "2020-01-02 03:04:05.123");
    DT_OK("2020-01-02 03:04:05,5", "2020-01-02 03:04:05.5");
    DT_OK("2020-01-02T03:04:05Z", "2020-01-02 03:04:05+00:00");
    DT_OK("2020-01-02T03:04:05.000001+05:30", "2020-01-02 03:04:05.000001+05:30");
    DT_OK("2020-01-02T03:04:05+0530", "2020-01-02 03:04:05+05:30");
    DT_OK("2020-01-02T03:04:05-08", "2020-01-02 03:04:05-08:00");
    DT_OK("2020-01-02T23:59:59.123456789", "2020-01-02 23:59:59.123456789");
    DT_BAD("2020-01-02 24:00:00");
    DT_BAD("2020-01-02 03:60");
    DT_BAD("2020-01-02 03:04:61");
    DT_BAD("2020-01-02X03:04:05");
    DT_BAD("2020-01-02 03:04:05.");
    DT_BAD("2020-01-02 03:04:05+1");
    DT_BAD("2020-01-02 03:04:05+15:00");
    DT_BAD("2020-01-02 03:04:05.1234567890");
    DT_BAD("2020-01-02 3:04:05");
    DT_BAD("2020-02-30 03:04:05");
    DT_BAD("2020-01-02 03:04:05 PM");
}

static void test_table_names(void)
{
    char t[64];
#define TABLE_OK(p, want)                                                             \
    CHECK(duet_store_table_from_path(p, t, sizeof t) && !strcmp(t, want), "table of " p)
#define TABLE_NONE(p) CHECK(!duet_store_table_from_path(p, t, sizeof t), "no table in " p)
    TABLE_OK("CONDITION_OCCURRENCE.csv", "condition_occurrence");
    TABLE_OK("export/condition_occurrence.csv.zst", "condition_occurrence");
    TABLE_OK("/a/b.c/Person.CSV.GZ", "person");
    TABLE_OK("measurement.tsv", "measurement");
    TABLE_OK("x/y/visit_detail.tsv.zst", "visit_detail");
    TABLE_NONE("person.txt");
    TABLE_NONE("README.md");
    TABLE_NONE(".csv");
    TABLE_NONE("dir.csv/");
    TABLE_NONE("person.csv.bz2");
    TABLE_NONE("person.gz");
}

static void test_code_shapes(void)
{
#define SHAPE(code, want) \
    CHECK(duet_store_code_shape(code, strlen(code)) == (want), "shape of '" code "'")
    SHAPE("78791  ", DUET_CODE_ICD9CM);
    SHAPE("787.91", DUET_CODE_ICD9CM);
    SHAPE("2809   ", DUET_CODE_ICD9CM);
    SHAPE("311", DUET_CODE_ICD9CM);
    SHAPE("V08    ", DUET_CODE_AMBIGUOUS); /* ICD-9-CM V08 or ICD-10-CM V08 */
    SHAPE("V4501", DUET_CODE_AMBIGUOUS);
    SHAPE("E9689", DUET_CODE_ICD9CM);
    SHAPE("I2510", DUET_CODE_ICD10CM);
    SHAPE("I25.10", DUET_CODE_ICD10CM);
    SHAPE("i2510", DUET_CODE_ICD10CM);
    SHAPE("E785   ", DUET_CODE_AMBIGUOUS); /* E78.5 or (shape only) E785 */
    SHAPE("C7A8", DUET_CODE_ICD10CM);
    SHAPE("V499XXA", DUET_CODE_ICD10CM);
    SHAPE("S06357A", DUET_CODE_ICD10CM);
    SHAPE("E8798", DUET_CODE_AMBIGUOUS);
    SHAPE("E871", DUET_CODE_AMBIGUOUS);
    SHAPE("E0810", DUET_CODE_AMBIGUOUS);
    SHAPE("65363002", DUET_CODE_OTHER);
    SHAPE("SR (Sinus Rhythm)", DUET_CODE_OTHER);
    SHAPE("", DUET_CODE_OTHER);
    SHAPE("12", DUET_CODE_OTHER);
    SHAPE("7 8791", DUET_CODE_OTHER);
    SHAPE("I25101234", DUET_CODE_OTHER);
    CHECK_STR(duet_store_code_shape_name(DUET_CODE_ICD9CM), "ICD9CM-like", "shape names");
}

/* ------------------------------------------------------------------ */

static int64_t count_rows(duet_store_t *s, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(duet_store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_store(const char *dir)
{
    char db[1024], path[1024];
    duet_store_t *s = NULL;
    snprintf(db, sizeof db, "%s/unit.db", dir);
    unlink(db);

    int n = duet_store_n_schemas();
    CHECK(n >= 3, "at least three schema files are embedded");
    int sorted = 1;
    for (int i = 1; i < n; i++)
        sorted &= strcmp(duet_store_schema_name(i - 1), duet_store_schema_name(i)) < 0;
    CHECK(sorted, "schema files in name order");
    CHECK_STR(duet_store_schema_name(0), "10_omop_cdm_5.4.sql", "the CDM tables come first");
    CHECK(strstr(duet_store_schema_sql(0), "CREATE TABLE \"condition_occurrence\"") != NULL,
          "embedded SQL text is the file's text");
    CHECK(duet_store_schema_name(n) == NULL && duet_store_schema_sql(-1) == NULL,
          "out-of-range schema index gives NULL");

    CHECK(duet_store_open(db, DUET_STORE_CREATE, &s) == DUET_OK && s, "create a store");
    CHECK(count_rows(s, "person") == 0, "new store: empty person table");
    CHECK(count_rows(s, "duet_log") == 1, "new store: one init log row");
    CHECK(duet_store_last_log_id(s) == 0, "a fresh handle has logged nothing");
    CHECK(!duet_store_log(s, "test", "detail") && duet_store_last_log_id(s) == 2,
          "log row id");
    duet_store_close(s);
    s = NULL;

    fprintf(stderr, "(the errors below are expected)\n");
    CHECK(duet_store_open(db, DUET_STORE_CREATE, &s) == DUET_EWRITE && !s,
          "CREATE refuses an existing file");
    CHECK(duet_store_open(db, DUET_STORE_READ, &s) == DUET_OK, "reopen read-only");
    CHECK(duet_store_exec(s, "CREATE TABLE x (a)", "write to a read-only store") != DUET_OK,
          "read-only store refuses writes");
    duet_store_close(s);
    s = NULL;

    snprintf(path, sizeof path, "%s/missing.db", dir);
    CHECK(duet_store_open(path, DUET_STORE_READ, &s) == DUET_EREAD, "missing store: EREAD");
    snprintf(path, sizeof path, "%s/garbage.db", dir);
    write_file(path, "this is not a database, but it is long enough to be read as one......"
                     "................................................................", 134);
    CHECK(duet_store_open(path, DUET_STORE_READ, &s) == DUET_EFORMAT, "garbage file: EFORMAT");
    snprintf(path, sizeof path, "%s/plain.db", dir);
    unlink(path);
    sqlite3 *raw = NULL;
    sqlite3_open(path, &raw);
    sqlite3_exec(raw, "CREATE TABLE person (person_id INTEGER)", NULL, NULL, NULL);
    sqlite3_close(raw);
    CHECK(duet_store_open(path, DUET_STORE_READ, &s) == DUET_EFORMAT,
          "an SQLite file that is not a duet store: EFORMAT");
    snprintf(path, sizeof path, "%s/v99.db", dir);
    unlink(path);
    CHECK(duet_store_open(path, DUET_STORE_CREATE, &s) == DUET_OK, "create a second store");
    CHECK(!duet_store_exec(s, "PRAGMA user_version = 99", "set the version"), "set version 99");
    duet_store_close(s);
    s = NULL;
    CHECK(duet_store_open(path, DUET_STORE_WRITE, &s) == DUET_EMISMATCH && !s,
          "another schema version: EMISMATCH");
    CHECK(duet_store_open(path, DUET_STORE_REPLACE, &s) == DUET_OK,
          "REPLACE writes a new store over it");
    duet_store_close(s);
    s = NULL;

    /* An import through the API. */
    char export[600];
    snprintf(export, sizeof export, "%s/export", dir);
    mkdir(export, 0777);
    snprintf(path, sizeof path, "%s/PERSON.csv", export);
    const char *person = "person_id,gender_concept_id,year_of_birth,race_concept_id,"
                         "ethnicity_concept_id,person_source_value\n"
                         "1,8507,1970,0,0,S1\n2,8532,1980,0,0,S2\n";
    write_file(path, person, strlen(person));
    snprintf(path, sizeof path, "%s/condition_occurrence.tsv", export);
    const char *cond = "CONDITION_OCCURRENCE_ID\tPerson_Id\tcondition_concept_id\t"
                       "condition_start_date\tcondition_type_concept_id\tcondition_source_value\n"
                       "10\t1\t0\t20200131\t32817\t78791  \n"
                       "11\t2\t0\t2021-03-04\t32817\tI2510\n";
    write_file(path, cond, strlen(cond));
    snprintf(path, sizeof path, "%s/README.md", export);
    write_file(path, "not data\n", 9);
    CHECK(duet_store_open(db, DUET_STORE_WRITE, &s) == DUET_OK, "open for import");
    CHECK(!duet_store_exec(s, "CREATE INDEX IF NOT EXISTS \"odd \"\"name\" ON "
                              "condition_occurrence (condition_type_concept_id)", "index"),
          "an index with an odd name, created with IF NOT EXISTS");
    duet_store_import_stats_t stats;
    char *paths[1] = { export };
    duet_store_import_opts_t check = { 16, 1 };
    CHECK(duet_store_import(s, 1, paths, &check, &stats) == DUET_OK && stats.n_rows == 4,
          "check-only import validates 4 rows");
    CHECK(count_rows(s, "person") == 0, "check-only import writes nothing");
    CHECK(duet_store_import(s, 1, paths, NULL, &stats) == DUET_OK, "import a folder");
    CHECK(stats.n_files == 2 && stats.n_rows == 4 && stats.n_skipped == 0,
          "2 files, 4 rows; README ignored");
    CHECK(count_rows(s, "person") == 2 && count_rows(s, "condition_occurrence") == 2,
          "rows are in");
    CHECK(count_rows(s, "duet_import") == 2, "one duet_import row per file");
    CHECK(count_rows(s, "sqlite_master WHERE type = 'index' AND name = 'odd \"name'") == 1,
          "the odd index was dropped for the load and created again");
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(duet_store_db(s),
                       "SELECT condition_start_date, condition_source_value FROM "
                       "condition_occurrence WHERE condition_occurrence_id = 10",
                       -1, &st, NULL);
    CHECK(sqlite3_step(st) == SQLITE_ROW &&
              !strcmp((const char *)sqlite3_column_text(st, 0), "2020-01-31") &&
              !strcmp((const char *)sqlite3_column_text(st, 1), "78791  "),
          "date normalised, source value kept verbatim");
    sqlite3_finalize(st);

    /* An orphan person_id in a second import rolls everything back. */
    snprintf(path, sizeof path, "%s/observation_period.csv", dir);
    const char *op = "observation_period_id,person_id,observation_period_start_date,"
                     "observation_period_end_date,period_type_concept_id\n"
                     "1,1,2019-01-01,2022-01-01,32817\n"
                     "2,3,2019-01-01,2022-01-01,32817\n";
    write_file(path, op, strlen(op));
    paths[0] = path;
    CHECK(duet_store_import(s, 1, paths, NULL, &stats) == DUET_EFORMAT,
          "orphan person_id is malformed input");
    CHECK(count_rows(s, "observation_period") == 0 && count_rows(s, "duet_import") == 2,
          "failed import leaves the store as it was");
    int n_idx = -1;
    sqlite3_prepare_v2(duet_store_db(s),
                       "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                       "AND tbl_name = 'observation_period'",
                       -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW) n_idx = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    CHECK(n_idx == 1, "indices dropped for the load are back after a rollback");
    duet_store_close(s);
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    duet_log_set_command("test_store");
    test_sha256();
    test_utf8();
    test_csv();
    test_values();
    test_table_names();
    test_code_shapes();
    char dir[] = "/tmp/duet-store-XXXXXX";
    const char *work = getenv("WORK");
    char path[512];
    if (work) {
        snprintf(path, sizeof path, "%s/store", work);
        mkdir(path, 0777);
    } else {
        snprintf(path, sizeof path, "%s", mkdtemp(dir));
    }
    test_csv_files(path);
    test_store(path);
    return unit_done();
}
