/*
 * phecode_table.c -- the phecode tables of one version in memory: the
 * definitions (with sex restriction and exclusion ranges), and the rolled-up
 * map from (vocabulary, dotted ICD code) to phecode indices, parsed from the
 * tab-separated tables embedded in the binary (phecodes/, see
 * tools/build-phecodes.py) or given as text by tests.  Lookups fall back to
 * the nearest ancestor of a code missing from the map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/phecode.h"
#include "pheno_internal.h"

typedef struct {
    uint32_t code;      /* offset of the dotted code in buf */
    uint8_t vocab;      /* DUET_VOCAB_ICD9CM or DUET_VOCAB_ICD10CM */
    uint8_t how;        /* DUET_MAP_LISTED / PARENT / RANGE */
    uint16_t n;         /* number of phecodes */
    uint32_t first;     /* into ids */
} map_entry_t;

struct duet_phecode_table_t {
    char version[8];
    char sha256[65];
    char *buf;                  /* the copied text, split in place */
    int n_def;
    duet_phecode_def_t *def;
    int n_range;
    duet_phecode_range_t *range;
    duet_hash_t def_index;      /* phecode string -> index */
    int n_map, m_map;
    map_entry_t *map;
    uint16_t *ids;
    size_t n_ids, m_ids;
    duet_hash_t map_index;      /* vocab + code -> map entry */
};

/* ------------------------------------------------------------- hashing */

uint64_t duet_hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

duet_err_t duet_hash_init(duet_hash_t *h, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    h->slot = duet_malloc(cap * sizeof *h->slot);
    if (!h->slot) return DUET_ENOMEM;
    for (size_t i = 0; i < cap; i++) h->slot[i] = -1;
    h->mask = cap - 1;
    h->n = 0;
    return DUET_OK;
}

void duet_hash_free(duet_hash_t *h)
{
    free(h->slot);
    h->slot = NULL;
    h->mask = 0;
    h->n = 0;
}

duet_err_t duet_hash_grow(duet_hash_t *h, uint64_t (*hash_of)(void *ctx, int32_t v),
                          void *ctx)
{
    if ((h->n + 1) * 2 <= h->mask + 1) return DUET_OK;
    size_t cap = (h->mask + 1) * 2;
    int32_t *slot = duet_malloc(cap * sizeof *slot);
    if (!slot) return DUET_ENOMEM;
    for (size_t i = 0; i < cap; i++) slot[i] = -1;
    for (size_t i = 0; i <= h->mask; i++) {
        int32_t v = h->slot[i];
        if (v < 0) continue;
        size_t j = hash_of(ctx, v) & (cap - 1);
        while (slot[j] >= 0) j = (j + 1) & (cap - 1);
        slot[j] = v;
    }
    free(h->slot);
    h->slot = slot;
    h->mask = cap - 1;
    return DUET_OK;
}

/* ------------------------------------------------------------- parsing */

/* Split `line` at tabs into at most `max` fields; returns the count. */
static int split_tabs(char *line, char **field, int max)
{
    int n = 0;
    field[n++] = line;
    for (char *p = line; *p; p++) {
        if (*p == '\t') {
            *p = '\0';
            if (n == max) return max + 1;
            field[n++] = p + 1;
        }
    }
    return n;
}

/* The next line of a NUL-terminated buffer, NUL-terminated in place. */
static char *next_line(char **cursor)
{
    char *s = *cursor;
    if (!*s) return NULL;
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = s + strlen(s);
    }
    return s;
}

int32_t duet_phecode_hundredths(const char *s)
{
    int32_t whole = 0;
    int nd = 0;
    if (!*s) return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        whole = whole * 10 + (*s - '0');
        if (++nd > 6) return -1;
    }
    if (!nd) return -1;
    int32_t frac = 0, nf = 0;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            if (++nf > 2) return -1;
            frac = frac * 10 + (*s - '0');
        }
        if (!nf) return -1;
    }
    if (*s) return -1;
    if (nf == 1) frac *= 10;
    return whole * 100 + frac;
}

static uint64_t def_hash_of(void *ctx, int32_t v)
{
    duet_phecode_table_t *t = ctx;
    const char *s = t->def[v].phecode;
    return duet_hash_bytes(s, strlen(s), DUET_HASH_SEED);
}

static uint64_t map_key_hash(int vocab, const char *code, size_t len)
{
    uint64_t h = duet_hash_bytes(&(unsigned char){ (unsigned char)vocab }, 1, DUET_HASH_SEED);
    return duet_hash_bytes(code, len, h);
}

static uint64_t map_hash_of(void *ctx, int32_t v)
{
    duet_phecode_table_t *t = ctx;
    const char *code = t->buf + t->map[v].code;
    return map_key_hash(t->map[v].vocab, code, strlen(code));
}

int duet_phecode_find(const duet_phecode_table_t *t, const char *phecode)
{
    size_t len = strlen(phecode);
    uint64_t h = duet_hash_bytes(phecode, len, DUET_HASH_SEED);
    for (size_t j = h & t->def_index.mask;; j = (j + 1) & t->def_index.mask) {
        int32_t v = t->def_index.slot[j];
        if (v < 0) return -1;
        if (!strcmp(t->def[v].phecode, phecode)) return v;
    }
}

static int map_find(const duet_phecode_table_t *t, int vocab, const char *code)
{
    size_t len = strlen(code);
    uint64_t h = map_key_hash(vocab, code, len);
    for (size_t j = h & t->map_index.mask;; j = (j + 1) & t->map_index.mask) {
        int32_t v = t->map_index.slot[j];
        if (v < 0) return -1;
        if (t->map[v].vocab == vocab && !strcmp(t->buf + t->map[v].code, code)) return v;
    }
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n + 1;
}

static duet_err_t bad(const char *version, const char *table, int line,
                      const char *what)
{
    duet_log_error("phecode %s tables, %s.tsv line %d: %s", version, table, line, what);
    return DUET_EFORMAT;
}

static duet_err_t parse_definitions(duet_phecode_table_t *t, char *text)
{
    duet_err_t err;
    size_t cap = count_lines(text);
    t->def = duet_calloc(cap, sizeof *t->def);
    if (!t->def) return DUET_ENOMEM;
    if ((err = duet_hash_init(&t->def_index, cap))) return err;
    char *cur = text, *line, *f[6];
    int lineno = 0;
    int is12 = !strcmp(t->version, "1.2");
    while ((line = next_line(&cur))) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "phecode\tdescription\tcategory\tsex\tleaf", 37))
                return bad(t->version, "definitions", lineno, "unexpected header");
            continue;
        }
        if (!*line) continue;
        if (split_tabs(line, f, 5) != 5)
            return bad(t->version, "definitions", lineno, "expected 5 fields");
        duet_phecode_def_t *d = &t->def[t->n_def];
        d->phecode = f[0];
        d->description = f[1];
        d->category = f[2];
        if (!strcmp(f[3], "Both")) d->sex = 'B';
        else if (!strcmp(f[3], "Male")) d->sex = 'M';
        else if (!strcmp(f[3], "Female")) d->sex = 'F';
        else return bad(t->version, "definitions", lineno, "sex is not Both, Male or Female");
        d->leaf = f[4][0] == '1';
        d->number = is12 ? duet_phecode_hundredths(f[0]) : -1;
        if (is12 && d->number < 0)
            return bad(t->version, "definitions", lineno, "phecode 1.2 is not a number");
        if (!*f[0] || duet_phecode_find(t, f[0]) >= 0)
            return bad(t->version, "definitions", lineno, "empty or repeated phecode");
        uint64_t h = def_hash_of(t, t->n_def);
        size_t j = h & t->def_index.mask;
        while (t->def_index.slot[j] >= 0) j = (j + 1) & t->def_index.mask;
        t->def_index.slot[j] = t->n_def;
        t->def_index.n++;
        t->n_def++;
        if (t->n_def > 0xfff0)
            return bad(t->version, "definitions", lineno, "too many phecodes");
    }
    if (!t->n_def) return bad(t->version, "definitions", lineno, "no phecodes");
    return DUET_OK;
}

static duet_err_t parse_exclude(duet_phecode_table_t *t, char *text)
{
    size_t cap = count_lines(text);
    int *owner = duet_malloc(cap * sizeof *owner);
    duet_phecode_range_t *tmp = duet_malloc(cap * sizeof *tmp);
    t->range = duet_malloc(cap * sizeof *t->range);
    duet_err_t err = DUET_OK;
    if (!owner || !tmp || !t->range) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    char *cur = text, *line, *f[4];
    int lineno = 0, n = 0;
    while ((line = next_line(&cur))) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "phecode\tlo\thi", 13)) {
                err = bad(t->version, "exclude", lineno, "unexpected header");
                goto cleanup;
            }
            continue;
        }
        if (!*line) continue;
        if (split_tabs(line, f, 3) != 3) {
            err = bad(t->version, "exclude", lineno, "expected 3 fields");
            goto cleanup;
        }
        int idx = duet_phecode_find(t, f[0]);
        int32_t lo = duet_phecode_hundredths(f[1]), hi = duet_phecode_hundredths(f[2]);
        if (idx < 0 || lo < 0 || hi < lo) {
            err = bad(t->version, "exclude", lineno, "unknown phecode or bad range");
            goto cleanup;
        }
        owner[n] = idx;
        tmp[n].lo = lo;
        tmp[n].hi = hi;
        tmp[n].lo_text = f[1];
        tmp[n].hi_text = f[2];
        n++;
    }
    /* group by phecode, keeping file order within a phecode */
    for (int i = 0; i < t->n_def; i++) t->def[i].n_excl = 0;
    for (int k = 0; k < n; k++) t->def[owner[k]].n_excl++;
    int pos = 0;
    for (int i = 0; i < t->n_def; i++) {
        t->def[i].excl_first = pos;
        pos += t->def[i].n_excl;
        t->def[i].n_excl = 0;
    }
    for (int k = 0; k < n; k++) {
        duet_phecode_def_t *d = &t->def[owner[k]];
        t->range[d->excl_first + d->n_excl++] = tmp[k];
    }
    t->n_range = n;
cleanup:
    free(owner);
    free(tmp);
    return err;
}

static duet_err_t parse_map(duet_phecode_table_t *t, char *text)
{
    duet_err_t err;
    size_t cap = count_lines(text);
    t->map = duet_malloc(cap * sizeof *t->map);
    t->m_ids = cap * 2;
    t->ids = duet_malloc(t->m_ids * sizeof *t->ids);
    if (!t->map || !t->ids) return DUET_ENOMEM;
    if ((err = duet_hash_init(&t->map_index, cap))) return err;
    char *cur = text, *line, *f[5];
    int lineno = 0;
    while ((line = next_line(&cur))) {
        lineno++;
        if (lineno == 1) {
            if (strncmp(line, "vocabulary\tcode\tphecodes\tsource", 31))
                return bad(t->version, "map", lineno, "unexpected header");
            continue;
        }
        if (!*line) continue;
        if (split_tabs(line, f, 4) != 4)
            return bad(t->version, "map", lineno, "expected 4 fields");
        map_entry_t *e = &t->map[t->n_map];
        if (!strcmp(f[0], "ICD9CM")) e->vocab = DUET_VOCAB_ICD9CM;
        else if (!strcmp(f[0], "ICD10CM")) e->vocab = DUET_VOCAB_ICD10CM;
        else return bad(t->version, "map", lineno, "vocabulary is not ICD9CM or ICD10CM");
        if (!strcmp(f[3], "map")) e->how = DUET_MAP_LISTED;
        else if (!strcmp(f[3], "parent")) e->how = DUET_MAP_PARENT;
        else if (!strcmp(f[3], "range")) e->how = DUET_MAP_RANGE;
        else return bad(t->version, "map", lineno, "source is not map, parent or range");
        if (!*f[1] || strlen(f[1]) >= DUET_ICD_MAX)
            return bad(t->version, "map", lineno, "empty or too long code");
        e->code = (uint32_t)(f[1] - t->buf);
        e->first = (uint32_t)t->n_ids;
        e->n = 0;
        for (char *p = f[2]; p && *p;) {
            char *comma = strchr(p, ',');
            if (comma) *comma = '\0';
            int idx = duet_phecode_find(t, p);
            if (idx < 0) return bad(t->version, "map", lineno, "unknown phecode");
            if (t->n_ids == t->m_ids) {
                size_t m = t->m_ids * 2;
                uint16_t *ids = duet_realloc(t->ids, m * sizeof *ids);
                if (!ids) return DUET_ENOMEM;
                t->ids = ids;
                t->m_ids = m;
            }
            t->ids[t->n_ids++] = (uint16_t)idx;
            e->n++;
            p = comma ? comma + 1 : NULL;
        }
        if (!e->n) return bad(t->version, "map", lineno, "no phecodes");
        if (map_find(t, e->vocab, f[1]) >= 0)
            return bad(t->version, "map", lineno, "repeated code");
        uint64_t h = map_hash_of(t, t->n_map);
        size_t j = h & t->map_index.mask;
        while (t->map_index.slot[j] >= 0) j = (j + 1) & t->map_index.mask;
        t->map_index.slot[j] = t->n_map;
        t->map_index.n++;
        t->n_map++;
    }
    return DUET_OK;
}

duet_err_t duet_phecode_table_parse(const char *version, const char *definitions,
                                    const char *exclude, const char *map,
                                    const char *sha256, duet_phecode_table_t **table)
{
    duet_err_t err = DUET_OK;
    *table = NULL;
    duet_phecode_table_t *t = duet_calloc(1, sizeof *t);
    if (!t) return DUET_ENOMEM;
    snprintf(t->version, sizeof t->version, "%s", version);
    snprintf(t->sha256, sizeof t->sha256, "%s", sha256 ? sha256 : "");
    size_t ld = strlen(definitions), le = strlen(exclude), lm = strlen(map);
    t->buf = duet_malloc(ld + le + lm + 3);
    if (!t->buf) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    char *d = t->buf, *e = d + ld + 1, *m = e + le + 1;
    memcpy(d, definitions, ld + 1);
    memcpy(e, exclude, le + 1);
    memcpy(m, map, lm + 1);
    if ((err = parse_definitions(t, d))) goto cleanup;
    if ((err = parse_exclude(t, e))) goto cleanup;
    if ((err = parse_map(t, m))) goto cleanup;
    *table = t;
    return DUET_OK;
cleanup:
    duet_phecode_table_destroy(t);
    return err;
}

duet_err_t duet_phecode_table_load(const char *version, duet_phecode_table_t **table)
{
    *table = NULL;
    for (const duet_phecode_embedded_t *e = duet_phecode_embedded; e->version; e++)
        if (!strcmp(e->version, version))
            return duet_phecode_table_parse(e->version, e->definitions, e->exclude,
                                            e->map, e->sha256, table);
    duet_log_error("unknown phecode version '%s' (1.2 or X)", version);
    return DUET_EUSAGE;
}

void duet_phecode_table_destroy(duet_phecode_table_t *t)
{
    if (!t) return;
    free(t->buf);
    free(t->def);
    free(t->range);
    free(t->map);
    free(t->ids);
    duet_hash_free(&t->def_index);
    duet_hash_free(&t->map_index);
    free(t);
}

const char *duet_phecode_table_version(const duet_phecode_table_t *t) { return t->version; }
const char *duet_phecode_table_sha256(const duet_phecode_table_t *t) { return t->sha256; }
int duet_phecode_count(const duet_phecode_table_t *t) { return t->n_def; }

const duet_phecode_def_t *duet_phecode_def(const duet_phecode_table_t *t, int index)
{
    return &t->def[index];
}

const duet_phecode_range_t *duet_phecode_range(const duet_phecode_table_t *t, int index)
{
    return &t->range[index];
}

int duet_phecode_map_count(const duet_phecode_table_t *t) { return t->n_map; }

void duet_phecode_map_entry(const duet_phecode_table_t *t, int i, duet_vocab_t *vocab,
                            const char **code, duet_map_how_t *how,
                            const uint16_t **phecodes, int *n_phecodes)
{
    const map_entry_t *e = &t->map[i];
    *vocab = (duet_vocab_t)e->vocab;
    *code = t->buf + e->code;
    *how = (duet_map_how_t)e->how;
    *phecodes = t->ids + e->first;
    *n_phecodes = e->n;
}

duet_map_how_t duet_phecode_lookup(const duet_phecode_table_t *t, duet_vocab_t vocab,
                                   const char *code, const uint16_t **phecodes,
                                   int *n_phecodes)
{
    *phecodes = NULL;
    *n_phecodes = 0;
    if (vocab == DUET_VOCAB_ICD10) vocab = DUET_VOCAB_ICD10CM;
    if (vocab != DUET_VOCAB_ICD9CM && vocab != DUET_VOCAB_ICD10CM) return DUET_MAP_NONE;
    int i = map_find(t, vocab, code);
    if (i >= 0) {
        *phecodes = t->ids + t->map[i].first;
        *n_phecodes = t->map[i].n;
        return (duet_map_how_t)t->map[i].how;
    }
    /* nearest ancestor: drop trailing characters down to the category */
    char compact[DUET_ICD_MAX], anc[DUET_ICD_MAX];
    int n = 0;
    for (const char *p = code; *p && n < DUET_ICD_MAX - 1; p++)
        if (*p != '.') compact[n++] = *p;
    compact[n] = '\0';
    int k = (vocab == DUET_VOCAB_ICD9CM && compact[0] == 'E') ? 4 : 3;
    for (int len = n - 1; len >= k; len--) {
        compact[len] = '\0';
        duet_icd_dot(vocab, compact, anc);
        i = map_find(t, vocab, anc);
        if (i >= 0) {
            *phecodes = t->ids + t->map[i].first;
            *n_phecodes = t->map[i].n;
            return DUET_MAP_ANCESTOR;
        }
    }
    return DUET_MAP_NONE;
}
