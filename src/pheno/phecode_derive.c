/*
 * phecode_derive.c -- `duet phecode`'s work: one pass over the ICD source
 * codes of condition_occurrence and observation, each distinct (source
 * value, source concept) resolved once (normalisation, vocabulary, map
 * lookup) and cached, every mapped row turned into (person, phecode, date)
 * triples; the triples are sorted and collapsed into per person x phecode
 * counts of distinct dates with the first and last date, and everything is
 * written to the store's duet_phecode* tables with prepared statements.
 * Counting distinct dates, not rows, is the PheWAS convention (Carroll et al.
 * 2014; Denny et al. 2013).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/phecode.h"
#include "pheno_internal.h"

/* One distinct raw source value (with its source concept). */
typedef struct {
    uint32_t key_off, key_len;
    int64_t concept_id;
    uint8_t vocab;       /* duet_vocab_t, static part */
    int32_t code_a;      /* code entry of the reading (ICD-9 reading if by date) */
    int32_t code_b;      /* ICD-10 reading if by date, else -1 */
} cache_entry_t;

/* One distinct normalised code of a vocabulary. */
typedef struct {
    uint32_t code_off;
    uint8_t vocab;
    uint8_t how;
    const uint16_t *ids;
    int n_ids;
    int64_t n_rows;
} code_entry_t;

/* cache_entry_t.vocab of an empty source value */
#define VOCAB_NO_CODE 0xff

typedef struct {
    int64_t person;
    int32_t day;
    uint16_t phecode;
    uint16_t pad;
} triple_t;

typedef struct {
    const duet_phecode_table_t *table;
    char *arena;
    size_t n_arena, m_arena;
    cache_entry_t *cache;
    size_t n_cache, m_cache;
    duet_hash_t cache_index;
    code_entry_t *codes;
    size_t n_codes, m_codes;
    duet_hash_t code_index;
    triple_t *trip;
    size_t n_trip, m_trip;
    size_t compact_at;   /* compact the triples when n_trip reaches this */
    duet_phecode_summary_t *sum;
} deriver_t;

static duet_err_t arena_add(deriver_t *d, const char *s, size_t len, uint32_t *off)
{
    if (d->n_arena + len + 1 > d->m_arena) {
        size_t m = d->m_arena ? d->m_arena : 1 << 16;
        while (d->n_arena + len + 1 > m) m *= 2;
        char *a = duet_realloc(d->arena, m);
        if (!a) return DUET_ENOMEM;
        d->arena = a;
        d->m_arena = m;
    }
    memcpy(d->arena + d->n_arena, s, len);
    d->arena[d->n_arena + len] = '\0';
    *off = (uint32_t)d->n_arena;
    d->n_arena += len + 1;
    return DUET_OK;
}

static uint64_t cache_key_hash(const char *s, size_t len, int64_t concept_id)
{
    return duet_hash_bytes(s, len, duet_hash_bytes(&concept_id, sizeof concept_id,
                                                   DUET_HASH_SEED));
}

static uint64_t cache_hash_of(void *ctx, int32_t v)
{
    deriver_t *d = ctx;
    cache_entry_t *e = &d->cache[v];
    return cache_key_hash(d->arena + e->key_off, e->key_len, e->concept_id);
}

static uint64_t code_key_hash(int vocab, const char *code)
{
    unsigned char v = (unsigned char)vocab;
    return duet_hash_bytes(code, strlen(code), duet_hash_bytes(&v, 1, DUET_HASH_SEED));
}

static uint64_t code_hash_of(void *ctx, int32_t v)
{
    deriver_t *d = ctx;
    return code_key_hash(d->codes[v].vocab, d->arena + d->codes[v].code_off);
}

/* The code entry of (vocab, dotted code), created and looked up on first
 * use. */
static duet_err_t code_get(deriver_t *d, duet_vocab_t vocab, const char *code,
                           int32_t *out)
{
    duet_err_t err;
    uint64_t h = code_key_hash(vocab, code);
    size_t j;
    for (j = h & d->code_index.mask; d->code_index.slot[j] >= 0;
         j = (j + 1) & d->code_index.mask) {
        code_entry_t *e = &d->codes[d->code_index.slot[j]];
        if (e->vocab == vocab && !strcmp(d->arena + e->code_off, code)) {
            *out = d->code_index.slot[j];
            return DUET_OK;
        }
    }
    if (d->n_codes == d->m_codes) {
        size_t m = d->m_codes ? d->m_codes * 2 : 1024;
        code_entry_t *c = duet_realloc(d->codes, m * sizeof *c);
        if (!c) return DUET_ENOMEM;
        d->codes = c;
        d->m_codes = m;
    }
    code_entry_t *e = &d->codes[d->n_codes];
    memset(e, 0, sizeof *e);
    if ((err = arena_add(d, code, strlen(code), &e->code_off))) return err;
    e->vocab = (uint8_t)vocab;
    e->how = (uint8_t)duet_phecode_lookup(d->table, vocab, code, &e->ids, &e->n_ids);
    *out = (int32_t)d->n_codes++;
    if ((err = duet_hash_grow(&d->code_index, code_hash_of, d))) return err;
    for (j = h & d->code_index.mask; d->code_index.slot[j] >= 0;
         j = (j + 1) & d->code_index.mask) {}
    d->code_index.slot[j] = *out;
    d->code_index.n++;
    return DUET_OK;
}

/* Resolve a new raw value: vocabulary (static part) and code entries. */
static duet_err_t resolve(deriver_t *d, cache_entry_t *e, const char *raw, size_t len,
                          const char *concept_vocab, const char *concept_code)
{
    char compact[DUET_ICD_MAX], dotted[DUET_ICD_MAX];
    duet_err_t err;
    e->vocab = DUET_VOCAB_NONE;
    e->code_a = e->code_b = -1;
    int n = duet_icd_compact(raw, len, compact);
    int concept_is_icd = concept_vocab &&
                         (!strcmp(concept_vocab, "ICD9CM") || !strcmp(concept_vocab, "ICD10CM") ||
                          !strcmp(concept_vocab, "ICD10"));
    if (n <= 0 && concept_is_icd && concept_code)
        n = duet_icd_compact(concept_code, strlen(concept_code), compact);
    if (n <= 0) {
        e->vocab = n == 0 ? VOCAB_NO_CODE : DUET_VOCAB_NONE;
        return DUET_OK;
    }
    duet_vocab_t v = duet_icd_infer_static(compact, concept_vocab, e->concept_id, d->table);
    e->vocab = (uint8_t)v;
    if (v == DUET_VOCAB_NONE) return DUET_OK;
    if (v == DUET_VOCAB_BY_DATE) {
        duet_icd_dot(DUET_VOCAB_ICD9CM, compact, dotted);
        if ((err = code_get(d, DUET_VOCAB_ICD9CM, dotted, &e->code_a))) return err;
        duet_icd_dot(DUET_VOCAB_ICD10CM, compact, dotted);
        return code_get(d, DUET_VOCAB_ICD10CM, dotted, &e->code_b);
    }
    duet_icd_dot(v, compact, dotted);
    return code_get(d, v, dotted, &e->code_a);
}

static duet_err_t cache_get(deriver_t *d, const char *raw, size_t len, int64_t concept_id,
                            const char *concept_vocab, const char *concept_code,
                            cache_entry_t **out)
{
    duet_err_t err;
    uint64_t h = cache_key_hash(raw, len, concept_id);
    size_t j;
    for (j = h & d->cache_index.mask; d->cache_index.slot[j] >= 0;
         j = (j + 1) & d->cache_index.mask) {
        cache_entry_t *e = &d->cache[d->cache_index.slot[j]];
        if (e->concept_id == concept_id && e->key_len == len &&
            !memcmp(d->arena + e->key_off, raw, len)) {
            *out = e;
            return DUET_OK;
        }
    }
    if (d->n_cache == d->m_cache) {
        size_t m = d->m_cache ? d->m_cache * 2 : 1024;
        cache_entry_t *c = duet_realloc(d->cache, m * sizeof *c);
        if (!c) return DUET_ENOMEM;
        d->cache = c;
        d->m_cache = m;
    }
    int32_t idx = (int32_t)d->n_cache;
    cache_entry_t *e = &d->cache[idx];
    e->concept_id = concept_id;
    e->key_len = (uint32_t)len;
    if ((err = arena_add(d, raw, len, &e->key_off))) return err;
    if ((err = resolve(d, e, raw, len, concept_vocab, concept_code))) return err;
    d->n_cache++;
    if ((err = duet_hash_grow(&d->cache_index, cache_hash_of, d))) return err;
    for (j = h & d->cache_index.mask; d->cache_index.slot[j] >= 0;
         j = (j + 1) & d->cache_index.mask) {}
    d->cache_index.slot[j] = idx;
    d->cache_index.n++;
    *out = &d->cache[idx];
    return DUET_OK;
}

static int triple_cmp(const void *a, const void *b)
{
    const triple_t *x = a, *y = b;
    if (x->person != y->person) return x->person < y->person ? -1 : 1;
    if (x->phecode != y->phecode) return x->phecode < y->phecode ? -1 : 1;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return 0;
}

/* Sort the triples and drop repeats of (person, phecode, day). */
static void triples_unique(deriver_t *d)
{
    if (!d->n_trip) return;
    qsort(d->trip, d->n_trip, sizeof *d->trip, triple_cmp);
    size_t w = 1;
    for (size_t i = 1; i < d->n_trip; i++)
        if (triple_cmp(&d->trip[i], &d->trip[w - 1])) d->trip[w++] = d->trip[i];
    d->n_trip = w;
}

static duet_err_t triples_reserve(deriver_t *d, size_t more)
{
    if (d->n_trip + more <= d->m_trip) return DUET_OK;
    if (d->n_trip >= d->compact_at) {
        /* Collapse repeats before growing: memory follows the distinct
         * (person, phecode, date) triples, not the rows. */
        triples_unique(d);
        if (d->n_trip * 2 > d->compact_at) d->compact_at *= 2;
        if (d->n_trip + more <= d->m_trip) return DUET_OK;
    }
    size_t m = d->m_trip ? d->m_trip * 2 : 1 << 16;
    while (m < d->n_trip + more) m *= 2;
    triple_t *t = duet_realloc(d->trip, m * sizeof *t);
    if (!t) return DUET_ENOMEM;
    d->trip = t;
    d->m_trip = m;
    return DUET_OK;
}

/* Read one source table. */
static duet_err_t read_source(deriver_t *d, sqlite3 *db, const char *table,
                              const char *id_col, const char *value_col,
                              const char *concept_col, const char *date_col,
                              int has_concept)
{
    char sql[1024];
    sqlite3_stmt *st = NULL;
    duet_err_t err = DUET_OK;
    if (has_concept)
        snprintf(sql, sizeof sql,
                 "SELECT s.%s, s.person_id, s.%s, s.%s, s.%s, k.vocabulary_id, k.concept_code "
                 "FROM %s s LEFT JOIN concept k ON k.concept_id = s.%s",
                 id_col, date_col, value_col, concept_col, table, concept_col);
    else
        snprintf(sql, sizeof sql,
                 "SELECT s.%s, s.person_id, s.%s, s.%s, s.%s, NULL, NULL FROM %s s",
                 id_col, date_col, value_col, concept_col, table);
    char what[128];
    snprintf(what, sizeof what, "reading %s", table);
    if ((err = duet_sql_prepare(db, sql, &st, what))) return err;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        d->sum->n_rows++;
        const char *raw = (const char *)sqlite3_column_text(st, 3);
        size_t len = (size_t)sqlite3_column_bytes(st, 3);
        int64_t concept_id = sqlite3_column_int64(st, 4);
        const char *cvocab = (const char *)sqlite3_column_text(st, 5);
        const char *ccode = (const char *)sqlite3_column_text(st, 6);
        if (!raw) {
            raw = "";
            len = 0;
        }
        cache_entry_t *e;
        if ((err = cache_get(d, raw, len, concept_id, cvocab, ccode, &e))) goto cleanup;
        if (e->vocab == VOCAB_NO_CODE) {
            d->sum->n_no_code++;
            continue;
        }
        if (e->vocab == DUET_VOCAB_NONE) {
            d->sum->cov[DUET_VOCAB_NONE].n_rows++;
            continue;
        }
        const char *ds = (const char *)sqlite3_column_text(st, 2);
        int32_t day = duet_date_parse(ds, (size_t)sqlite3_column_bytes(st, 2));
        if (day == DUET_DATE_NONE) {
            duet_log_error("%s %s %lld: %s '%s' is not a date (YYYY-MM-DD)", table, id_col,
                           (long long)sqlite3_column_int64(st, 0), date_col, ds ? ds : "NULL");
            err = DUET_EFORMAT;
            goto cleanup;
        }
        int32_t ci = e->code_a;
        if (e->vocab == DUET_VOCAB_BY_DATE) {
            d->sum->n_by_date++;
            if (duet_icd_by_date(day) == DUET_VOCAB_ICD10CM) ci = e->code_b;
        }
        code_entry_t *c = &d->codes[ci];
        c->n_rows++;
        if (!c->n_ids) continue;
        if ((err = triples_reserve(d, (size_t)c->n_ids))) goto cleanup;
        int64_t person = sqlite3_column_int64(st, 1);
        for (int k = 0; k < c->n_ids; k++) {
            triple_t *t = &d->trip[d->n_trip++];
            t->person = person;
            t->day = day;
            t->phecode = c->ids[k];
            t->pad = 0;
        }
    }
    if (rc != SQLITE_DONE) err = duet_sql_step_error(db, what);
cleanup:
    sqlite3_finalize(st);
    return err;
}

static duet_err_t step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return duet_sql_step_error(db, what);
    return DUET_OK;
}

static const deriver_t *code_cmp_ctx;

static int unmapped_cmp(const void *a, const void *b)
{
    const code_entry_t *x = *(code_entry_t *const *)a, *y = *(code_entry_t *const *)b;
    if (x->vocab != y->vocab) return x->vocab < y->vocab ? -1 : 1;
    return strcmp(code_cmp_ctx->arena + x->code_off, code_cmp_ctx->arena + y->code_off);
}

/* Clear the version's previous run; *same_tables: the stored phecode
 * tables are these (by checksum), and are kept: a re-run skips some 10^5
 * inserts. */
static duet_err_t clear_previous(deriver_t *d, sqlite3 *db, int *same_tables)
{
    const char *version = duet_phecode_table_version(d->table);
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    *same_tables = 0;
    if ((err = duet_sql_prepare(db,
                                "SELECT EXISTS (SELECT 1 FROM duet_phecode_run r WHERE "
                                "r.version = ?1 AND r.tables_sha256 = ?2 AND r.tables_sha256 <> '' "
                                "AND EXISTS (SELECT 1 FROM duet_phecode p WHERE p.version = ?1))",
                                &st, "reading duet_phecode_run")))
        return err;
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, duet_phecode_table_sha256(d->table), -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) *same_tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    static const char *const del[] = {
        "DELETE FROM duet_person_phecode WHERE version = ?1",
        "DELETE FROM duet_phecode_unmapped WHERE version = ?1",
        "DELETE FROM duet_phecode_coverage WHERE version = ?1",
        "DELETE FROM duet_phecode_run WHERE version = ?1",
        "DELETE FROM duet_phecode_map WHERE version = ?1",
        "DELETE FROM duet_phecode_exclude WHERE version = ?1",
        "DELETE FROM duet_phecode WHERE version = ?1",
    };
    size_t n_del = sizeof del / sizeof del[0] - (*same_tables ? 3 : 0);
    for (size_t i = 0; i < n_del; i++) {
        if ((err = duet_sql_prepare(db, del[i], &st, "clearing the previous phecode run")))
            return err;
        sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
        err = step_done(db, st, "clearing the previous phecode run");
        sqlite3_finalize(st);
        st = NULL;
        if (err) return err;
    }
    return DUET_OK;
}

/* The definitions (duet_phecode). */
static duet_err_t write_definitions(const duet_phecode_table_t *tab, sqlite3 *db)
{
    const char *version = duet_phecode_table_version(tab), *what = "writing duet_phecode";
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if ((err = duet_sql_prepare(db,
                                "INSERT INTO duet_phecode (version, phecode, ordinal, "
                                "description, category, sex, leaf) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                                &st, what)))
        return err;
    for (int i = 0; i < duet_phecode_count(tab); i++) {
        const duet_phecode_def_t *p = duet_phecode_def(tab, i);
        sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->phecode, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, i);
        sqlite3_bind_text(st, 4, p->description, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, p->category, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, p->sex == 'M' ? "Male" : p->sex == 'F' ? "Female" : "Both",
                          -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, p->leaf);
        if ((err = step_done(db, st, what))) break;
    }
    sqlite3_finalize(st);
    return err;
}

/* The exclusion ranges (duet_phecode_exclude). */
static duet_err_t write_exclusions(const duet_phecode_table_t *tab, sqlite3 *db)
{
    const char *version = duet_phecode_table_version(tab), *what = "writing duet_phecode_exclude";
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if ((err = duet_sql_prepare(db,
                                "INSERT INTO duet_phecode_exclude (version, phecode, lo, hi) "
                                "VALUES (?1,?2,?3,?4)",
                                &st, what)))
        return err;
    for (int i = 0; i < duet_phecode_count(tab) && !err; i++) {
        const duet_phecode_def_t *p = duet_phecode_def(tab, i);
        for (int k = 0; k < p->n_excl; k++) {
            const duet_phecode_range_t *r = duet_phecode_range(tab, p->excl_first + k);
            sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, p->phecode, -1, SQLITE_STATIC);
            sqlite3_bind_double(st, 3, r->lo / 100.0);
            sqlite3_bind_double(st, 4, r->hi / 100.0);
            if ((err = step_done(db, st, what))) break;
        }
    }
    sqlite3_finalize(st);
    return err;
}

/* The rolled-up map (duet_phecode_map). */
static duet_err_t write_map(const duet_phecode_table_t *tab, sqlite3 *db)
{
    const char *version = duet_phecode_table_version(tab), *what = "writing duet_phecode_map";
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if ((err = duet_sql_prepare(db,
                                "INSERT INTO duet_phecode_map (version, vocabulary, code, "
                                "phecode, source) VALUES (?1,?2,?3,?4,?5)",
                                &st, what)))
        return err;
    for (int i = 0; i < duet_phecode_map_count(tab) && !err; i++) {
        duet_vocab_t v;
        const char *code;
        duet_map_how_t how;
        const uint16_t *ids;
        int n;
        duet_phecode_map_entry(tab, i, &v, &code, &how, &ids, &n);
        for (int k = 0; k < n; k++) {
            sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, duet_vocab_name(v), -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, duet_phecode_def(tab, ids[k])->phecode, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, how == DUET_MAP_PARENT ? "parent" : how == DUET_MAP_RANGE ? "range" : "map",
                              -1, SQLITE_STATIC);
            if ((err = step_done(db, st, what))) break;
        }
    }
    sqlite3_finalize(st);
    return err;
}

/* Coverage per vocabulary: tallied from the codes read, then written
 * (duet_phecode_coverage). */
static duet_err_t write_coverage(deriver_t *d, sqlite3 *db)
{
    const char *version = duet_phecode_table_version(d->table);
    const char *what = "writing duet_phecode_coverage";
    for (size_t i = 0; i < d->n_codes; i++) {
        code_entry_t *c = &d->codes[i];
        if (!c->n_rows) continue; /* a reading the dates never chose */
        duet_phecode_cov_t *cov = &d->sum->cov[c->vocab];
        cov->n_rows += c->n_rows;
        cov->n_codes++;
        if (c->n_ids) {
            cov->n_mapped_rows += c->n_rows;
            cov->n_mapped_codes++;
            if (c->how == DUET_MAP_ANCESTOR) cov->n_by_ancestor += c->n_rows;
        }
    }
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if ((err = duet_sql_prepare(db,
                                "INSERT INTO duet_phecode_coverage (version, vocabulary, n_rows, "
                                "n_mapped_rows, n_codes, n_mapped_codes) VALUES (?1,?2,?3,?4,?5,?6)",
                                &st, what)))
        return err;
    for (int v = 0; v < 5; v++) {
        const duet_phecode_cov_t *cov = v < 4 ? &d->sum->cov[v] : NULL;
        int64_t rows = v < 4 ? cov->n_rows : d->sum->n_no_code;
        if (!rows) continue;
        sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, v == 4 ? "none" : duet_vocab_name((duet_vocab_t)v), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, rows);
        sqlite3_bind_int64(st, 4, v < 4 ? cov->n_mapped_rows : 0);
        sqlite3_bind_int64(st, 5, v < 4 ? cov->n_codes : 0);
        sqlite3_bind_int64(st, 6, v < 4 ? cov->n_mapped_codes : 0);
        if ((err = step_done(db, st, what))) break;
    }
    sqlite3_finalize(st);
    return err;
}

/* The codes read that map to no phecode, by vocabulary and code
 * (duet_phecode_unmapped). */
static duet_err_t write_unmapped(deriver_t *d, sqlite3 *db)
{
    const char *version = duet_phecode_table_version(d->table);
    const char *what = "writing duet_phecode_unmapped";
    size_t n_unm = 0;
    code_entry_t **unm = duet_malloc((d->n_codes + 1) * sizeof *unm);
    if (!unm) return DUET_ENOMEM;
    for (size_t i = 0; i < d->n_codes; i++)
        if (d->codes[i].n_rows && !d->codes[i].n_ids) unm[n_unm++] = &d->codes[i];
    code_cmp_ctx = d;
    qsort(unm, n_unm, sizeof *unm, unmapped_cmp);
    sqlite3_stmt *st = NULL;
    duet_err_t err = duet_sql_prepare(db,
                                      "INSERT INTO duet_phecode_unmapped (version, vocabulary, "
                                      "code, n_rows) VALUES (?1,?2,?3,?4)",
                                      &st, what);
    for (size_t i = 0; i < n_unm && !err; i++) {
        sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, duet_vocab_name((duet_vocab_t)unm[i]->vocab), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, d->arena + unm[i]->code_off, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, unm[i]->n_rows);
        err = step_done(db, st, what);
    }
    sqlite3_finalize(st);
    free(unm);
    return err;
}

/* Person x phecode: distinct dates, first and last (duet_person_phecode);
 * counts persons and pairs into the summary. */
static duet_err_t write_person_phecodes(deriver_t *d, sqlite3 *db)
{
    const duet_phecode_table_t *tab = d->table;
    const char *version = duet_phecode_table_version(tab);
    const char *what = "writing duet_person_phecode";
    triples_unique(d);
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if ((err = duet_sql_prepare(db,
                                "INSERT INTO duet_person_phecode (version, person_id, phecode, "
                                "n_dates, first_date, last_date) VALUES (?1,?2,?3,?4,?5,?6)",
                                &st, what)))
        return err;
    int64_t last_person = 0;
    int have_person = 0;
    /* Bindings survive sqlite3_reset(): the version and the two date
     * buffers (rewritten before each step) are bound once. */
    char first[11], last[11];
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, first, 10, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, last, 10, SQLITE_STATIC);
    for (size_t i = 0; i < d->n_trip;) {
        size_t j = i + 1;
        while (j < d->n_trip && d->trip[j].person == d->trip[i].person &&
               d->trip[j].phecode == d->trip[i].phecode)
            j++;
        duet_date_format(d->trip[i].day, first);
        duet_date_format(d->trip[j - 1].day, last);
        sqlite3_bind_int64(st, 2, d->trip[i].person);
        sqlite3_bind_text(st, 3, duet_phecode_def(tab, d->trip[i].phecode)->phecode, -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (int64_t)(j - i));
        if ((err = step_done(db, st, what))) break;
        d->sum->n_person_phecodes++;
        if (!have_person || d->trip[i].person != last_person) {
            d->sum->n_persons++;
            last_person = d->trip[i].person;
            have_person = 1;
        }
        i = j;
    }
    sqlite3_finalize(st);
    return err;
}

/* The run's record (duet_phecode_run). */
static duet_err_t write_run(deriver_t *d, sqlite3 *db)
{
    const duet_phecode_table_t *tab = d->table;
    const char *what = "writing duet_phecode_run";
    sqlite3_stmt *st = NULL;
    duet_err_t err;
    if ((err = duet_sql_prepare(db,
                                "INSERT INTO duet_phecode_run (version, tables_sha256, n_rows, "
                                "n_icd_rows, n_mapped_rows, n_persons, n_person_phecodes) "
                                "VALUES (?1,?2,?3,?4,?5,?6,?7)",
                                &st, what)))
        return err;
    int64_t icd = 0, mapped = 0;
    for (int v = 1; v < 4; v++) {
        icd += d->sum->cov[v].n_rows;
        mapped += d->sum->cov[v].n_mapped_rows;
    }
    sqlite3_bind_text(st, 1, duet_phecode_table_version(tab), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, duet_phecode_table_sha256(tab), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, d->sum->n_rows);
    sqlite3_bind_int64(st, 4, icd);
    sqlite3_bind_int64(st, 5, mapped);
    sqlite3_bind_int64(st, 6, d->sum->n_persons);
    sqlite3_bind_int64(st, 7, d->sum->n_person_phecodes);
    err = step_done(db, st, what);
    sqlite3_finalize(st);
    return err;
}

/* Replace the version's previous results: the phecode tables unless they
 * are stored already, then coverage, unmapped codes, person x phecode and
 * the run's record. */
static duet_err_t write_results(deriver_t *d, sqlite3 *db)
{
    int same_tables;
    duet_err_t err = clear_previous(d, db, &same_tables);
    if (err) return err;
    if (!same_tables && ((err = write_definitions(d->table, db)) ||
                         (err = write_exclusions(d->table, db)) || (err = write_map(d->table, db))))
        return err;
    if ((err = write_coverage(d, db)) || (err = write_unmapped(d, db)) ||
        (err = write_person_phecodes(d, db)))
        return err;
    return write_run(d, db);
}

duet_err_t duet_phecode_derive(sqlite3 *db, const duet_phecode_table_t *table,
                               duet_phecode_summary_t *summary)
{
    duet_err_t err = DUET_OK;
    deriver_t d;
    memset(&d, 0, sizeof d);
    memset(summary, 0, sizeof *summary);
    d.table = table;
    d.sum = summary;
    d.compact_at = (size_t)1 << 24;
    static const char *const need[] = { "duet_person_phecode", "duet_phecode",
                                        "duet_phecode_map", "duet_phecode_exclude",
                                        "duet_phecode_run", "duet_phecode_coverage",
                                        "duet_phecode_unmapped" };
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        if (!duet_sql_has_table(db, need[i])) {
            duet_log_error("the store has no table %s: it was not created by this "
                           "version of duet (create a new store with 'duet store init')",
                           need[i]);
            return DUET_EMISMATCH;
        }
    }
    if (!duet_sql_has_table(db, "condition_occurrence")) {
        duet_log_error("the store has no condition_occurrence table");
        return DUET_EMISMATCH;
    }
    int has_concept = duet_sql_has_table(db, "concept");
    /* The run rewrites a large part of the person x phecode B-tree: a page
     * cache of 256 MB (SQLite's default is 2 MB) keeps it in memory until
     * the commit.  The setting lasts as long as this connection. */
    if ((err = duet_sql_exec(db, "PRAGMA cache_size = -262144", "setting the page cache")))
        goto cleanup;
    if ((err = duet_hash_init(&d.cache_index, 1024))) goto cleanup;
    if ((err = duet_hash_init(&d.code_index, 1024))) goto cleanup;
    if ((err = read_source(&d, db, "condition_occurrence", "condition_occurrence_id",
                           "condition_source_value", "condition_source_concept_id",
                           "condition_start_date", has_concept)))
        goto cleanup;
    if (duet_sql_has_table(db, "observation") &&
        (err = read_source(&d, db, "observation", "observation_id", "observation_source_value",
                           "observation_source_concept_id", "observation_date", has_concept)))
        goto cleanup;
    err = write_results(&d, db);
cleanup:
    free(d.arena);
    free(d.cache);
    free(d.codes);
    free(d.trip);
    duet_hash_free(&d.cache_index);
    duet_hash_free(&d.code_index);
    return err;
}
