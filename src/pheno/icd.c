/*
 * icd.c -- calendar dates as day numbers, and ICD source codes: the compact
 * and dotted forms, the shapes of ICD-9-CM and ICD-10-CM codes, and the
 * inference of a code's vocabulary when the store's concept table does not
 * say it (man/duet-phecode.1, "Vocabulary").
 */
#include <string.h>

#include "duet/phecode.h"

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

int32_t duet_date_from_ymd(int year, int month, int day)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month))
        return DUET_DATE_NONE;
    return days_from_civil(year, month, day);
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int32_t duet_date_parse(const char *s, size_t len)
{
    int y, m, d;
    if (!s) return DUET_DATE_NONE;
    if (len >= 10 && s[4] == '-' && s[7] == '-') {
        if (len > 10 && s[10] != 'T' && s[10] != ' ') return DUET_DATE_NONE;
        y = digits(s, 4);
        m = digits(s + 5, 2);
        d = digits(s + 8, 2);
    } else if (len == 8) {
        y = digits(s, 4);
        m = digits(s + 4, 2);
        d = digits(s + 6, 2);
    } else {
        return DUET_DATE_NONE;
    }
    if (y < 0 || m < 0 || d < 0) return DUET_DATE_NONE;
    return duet_date_from_ymd(y, m, d);
}

void duet_date_format(int32_t days, char out[11])
{
    /* civil_from_days */
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2;
    if (y < 0) y = 0;
    if (y > 9999) y = 9999;
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

const char *duet_vocab_name(duet_vocab_t vocab)
{
    switch (vocab) {
    case DUET_VOCAB_ICD9CM: return "ICD9CM";
    case DUET_VOCAB_ICD10CM: return "ICD10CM";
    case DUET_VOCAB_ICD10: return "ICD10";
    case DUET_VOCAB_BY_DATE: return "by-date";
    default: return "other";
    }
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }

int duet_icd_compact(const char *raw, size_t len, char out[DUET_ICD_MAX])
{
    size_t b = 0, e = len;
    out[0] = '\0';
    if (!raw) return 0;
    while (b < e && is_blank(raw[b])) b++;
    while (e > b && is_blank(raw[e - 1])) e--;
    if (b == e) return 0;
    int n = 0, dots = 0;
    for (size_t i = b; i < e; i++) {
        char c = raw[i];
        if (c == '.') {
            if (++dots > 1 || i == b || i + 1 == e) return -1;
            continue;
        }
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (!is_digit(c) && !is_upper(c)) return -1;
        if (n >= DUET_ICD_MAX - 2) return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

unsigned duet_icd_shapes(const char *c)
{
    size_t n = strlen(c);
    unsigned shapes = 0;
    int all_digits_after_first = n > 1;
    for (size_t i = 1; i < n; i++)
        if (!is_digit(c[i])) all_digits_after_first = 0;
    if (n >= 3 && n <= 5 && is_digit(c[0]) && all_digits_after_first)
        shapes |= DUET_SHAPE_ICD9;
    if (c[0] == 'V' && n >= 3 && n <= 5 && all_digits_after_first)
        shapes |= DUET_SHAPE_ICD9;
    if (c[0] == 'E' && n >= 4 && n <= 5 && all_digits_after_first)
        shapes |= DUET_SHAPE_ICD9;
    /* ICD-10-CM's E chapter ends at E89: E9x can only be ICD-9-CM */
    if (n >= 3 && n <= 7 && is_upper(c[0]) && is_digit(c[1]) &&
        (is_digit(c[2]) || is_upper(c[2])) && !(c[0] == 'E' && c[1] == '9')) {
        int ok = 1;
        for (size_t i = 3; i < n; i++)
            if (!is_digit(c[i]) && !is_upper(c[i])) ok = 0;
        if (ok) shapes |= DUET_SHAPE_ICD10;
    }
    return shapes;
}

void duet_icd_dot(duet_vocab_t vocab, const char *compact, char out[DUET_ICD_MAX])
{
    size_t n = strlen(compact);
    size_t k = (vocab == DUET_VOCAB_ICD9CM && compact[0] == 'E') ? 4 : 3;
    if (n > DUET_ICD_MAX - 2) n = DUET_ICD_MAX - 2;
    if (n <= k) {
        memcpy(out, compact, n);
        out[n] = '\0';
        return;
    }
    memcpy(out, compact, k);
    out[k] = '.';
    memcpy(out + k + 1, compact + k, n - k);
    out[n + 1] = '\0';
}

int duet_icd_normalise(const char *raw, size_t len, duet_vocab_t vocab,
                       char out[DUET_ICD_MAX])
{
    char compact[DUET_ICD_MAX];
    int n = duet_icd_compact(raw, len, compact);
    if (n <= 0) {
        out[0] = '\0';
        return n;
    }
    duet_icd_dot(vocab, compact, out);
    return n;
}

duet_vocab_t duet_icd_infer_static(const char *compact,
                                   const char *concept_vocabulary,
                                   int64_t source_concept_id,
                                   const duet_phecode_table_t *table)
{
    if (concept_vocabulary) {
        if (!strcmp(concept_vocabulary, "ICD9CM")) return DUET_VOCAB_ICD9CM;
        if (!strcmp(concept_vocabulary, "ICD10CM")) return DUET_VOCAB_ICD10CM;
        if (!strcmp(concept_vocabulary, "ICD10")) return DUET_VOCAB_ICD10;
        return DUET_VOCAB_NONE;
    }
    unsigned shapes = duet_icd_shapes(compact);
    if (shapes == DUET_SHAPE_ICD9) return DUET_VOCAB_ICD9CM;
    if (shapes == DUET_SHAPE_ICD10) return DUET_VOCAB_ICD10CM;
    if (!shapes) return DUET_VOCAB_NONE;
    if (source_concept_id >= DUET_ICD9CM_CONCEPT_FIRST &&
        source_concept_id < DUET_ICD9CM_CONCEPT_END)
        return DUET_VOCAB_ICD9CM;
    if (table) {
        char code[DUET_ICD_MAX];
        const uint16_t *ids;
        int n;
        duet_icd_dot(DUET_VOCAB_ICD9CM, compact, code);
        int m9 = duet_phecode_lookup(table, DUET_VOCAB_ICD9CM, code, &ids, &n) != DUET_MAP_NONE;
        duet_icd_dot(DUET_VOCAB_ICD10CM, compact, code);
        int m10 = duet_phecode_lookup(table, DUET_VOCAB_ICD10CM, code, &ids, &n) != DUET_MAP_NONE;
        if (m9 && !m10) return DUET_VOCAB_ICD9CM;
        if (m10 && !m9) return DUET_VOCAB_ICD10CM;
    }
    return DUET_VOCAB_BY_DATE;
}

duet_vocab_t duet_icd_by_date(int32_t date)
{
    return date < DUET_ICD10CM_START ? DUET_VOCAB_ICD9CM : DUET_VOCAB_ICD10CM;
}
