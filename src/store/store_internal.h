/*
 * store_internal.h -- pieces of the store module shared between its files
 * and its unit test: the CSV reader (decompression, RFC 4180 parsing, UTF-8
 * checks), value checks and normalisation (integers, floats, dates,
 * datetimes), table names from file names, and SHA-256.
 */
#ifndef DUET_STORE_INTERNAL_H
#define DUET_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "duet/err.h"
#include "duet/store.h"

/* ------------------------------------------------------------------ */
/* SHA-256 (FIPS 180-4), for the provenance of imported files. */

typedef struct {
    uint32_t h[8];
    uint64_t n_bytes;
    unsigned char block[64];
    size_t n_block;
} duet_sha256_t;

void duet_sha256_init(duet_sha256_t *s);
void duet_sha256_update(duet_sha256_t *s, const void *data, size_t len);
/* Finish and write 64 lowercase hex digits and a NUL to hex[65]. */
void duet_sha256_hex(duet_sha256_t *s, char hex[65]);
/* Whether the x86 SHA extensions are used (1) or the portable code (0).
 * `enable` 0 forces the portable code, 1 uses the extensions if the
 * processor has them, -1 only asks.  For tests and benchmarks. */
int duet_sha256_accelerated(int enable);

/* ------------------------------------------------------------------ */
/* CSV reader.
 *
 * Input: plain, gzip (read through htslib's BGZF, which reads ordinary
 * gzip too) or zstd, recognised by their magic bytes, not by the name.  A
 * UTF-8 byte-order mark is skipped.  The delimiter is a tab if the first
 * line holds more tabs than commas (outside quotes), a comma otherwise.
 * Records end at LF, CRLF or a lone CR; blank lines are skipped.  A field
 * that starts with a double quote is quoted: it ends at the next lone quote,
 * "" stands for one quote, and delimiters and line breaks inside are data;
 * after the closing quote only a delimiter or the end of the record may
 * follow.  A quote inside an unquoted field is an ordinary character.
 * Every field is checked to be UTF-8 without NUL bytes. */

typedef struct duet_csv_t duet_csv_t;

/* Open `path`.  DUET_EREAD if it cannot be opened; DUET_EFORMAT if a
 * compressed stream is corrupt at the start.  *csv is NULL on error. */
duet_err_t duet_csv_open(const char *path, duet_csv_t **csv) DUET_WUR;
/* Read from memory (`len` bytes, copied); `name` is used in messages. */
duet_err_t duet_csv_open_mem(const char *name, const void *data, size_t len,
                             duet_csv_t **csv) DUET_WUR;
void duet_csv_close(duet_csv_t *csv);

/* Read the next record.  *got is 1 with a record, 0 at the end of input.
 * Errors (reported as "name:line:column: ..."): DUET_EFORMAT for a quoting
 * error, a NUL byte (binary file), invalid UTF-8 or a corrupt compressed
 * stream; DUET_EREAD for an I/O error; DUET_ENOMEM. */
duet_err_t duet_csv_next(duet_csv_t *csv, int *got) DUET_WUR;

/* The current record: number of fields, field i (NUL-terminated, writable
 * until the next duet_csv_next; quotes removed), its length, the line on
 * which the record and field i start (1-based). */
int duet_csv_n_fields(const duet_csv_t *csv);
char *duet_csv_field(duet_csv_t *csv, int i);
size_t duet_csv_len(const duet_csv_t *csv, int i);
long duet_csv_line(const duet_csv_t *csv);
long duet_csv_field_line(const duet_csv_t *csv, int i);
/* 1 if field i was quoted. */
int duet_csv_quoted(const duet_csv_t *csv, int i);
/* The delimiter (',' or '\t'), known once the first record is read. */
char duet_csv_delim(const duet_csv_t *csv);
/* The name given at open. */
const char *duet_csv_name(const duet_csv_t *csv);
/* Size in bytes of the file as stored and its SHA-256 (64 hex digits);
 * both final once duet_csv_next() returned *got == 0. */
uint64_t duet_csv_file_bytes(const duet_csv_t *csv);
const char *duet_csv_sha256(duet_csv_t *csv);

/* 1 if s[0..len) is valid UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF) without NUL bytes; otherwise 0 and *bad = offset of the
 * first bad byte. */
int duet_utf8_valid(const unsigned char *s, size_t len, size_t *bad);

/* ------------------------------------------------------------------ */
/* Values.  Each check takes the text without surrounding spaces and returns
 * NULL if it is valid, or a short English reason. */

/* Integers: [+-]digits, optionally followed by a point and zeros only
 * ("12.0" is 12), within the signed 64-bit range. */
const char *duet_value_int64(const char *s, size_t len, int64_t *value);
/* Floats: [+-](digits[.digits]|.digits)[e[+-]digits], finite. */
const char *duet_value_double(const char *s, size_t len, double *value);

#define DUET_DATE_LEN 10     /* "YYYY-MM-DD" */
#define DUET_DATETIME_MAX 48 /* "YYYY-MM-DD HH:MM:SS.fffffffff+HH:MM" + NUL */

/* A date "YYYY-MM-DD" or "YYYYMMDD", a real Gregorian calendar date in
 * years 0001-9999; a datetime (below) is accepted too and its date kept.
 * Writes "YYYY-MM-DD" and a NUL to out[DUET_DATE_LEN + 1]. */
const char *duet_value_date(const char *s, size_t len, char *out);
/* An ISO 8601 datetime: a date as above, then optionally a space or 'T'
 * and HH:MM[:SS[.fraction]] (fraction 1-9 digits), then optionally 'Z' or
 * an offset +HH[:MM] / -HH[:MM].  Normalised to "YYYY-MM-DD HH:MM:SS", the
 * fraction as given, and the offset as "+HH:MM" ('Z' -> "+00:00"); a date
 * alone gets "00:00:00".  Writes out[DUET_DATETIME_MAX]. */
const char *duet_value_datetime(const char *s, size_t len, char *out);

/* ------------------------------------------------------------------ */
/* Table names. */

/* The table a file name stands for: the base name without a .csv / .tsv
 * suffix (itself optionally followed by .gz or .zst), lower-cased, written
 * to out[size].  Returns 1 on success, 0 if the name has no such suffix or
 * the result does not fit. */
int duet_store_table_from_path(const char *path, char *out, size_t size);

#endif
