/*
 * match.c -- matching weight rows to the variants of a VCF (score.h's
 * matching rules, after pgsc_calc's: position or ID, then alleles with
 * swaps, strand flips and strand-ambiguous SNPs).  The index is built once
 * and only read while the VCF is scanned, by any number of threads.
 */
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>

#include "duet/log.h"
#include "prs_internal.h"

KHASH_MAP_INIT_INT64(mpos, int)
KHASH_MAP_INIT_STR(mstr, int)

struct duet_match_index_t {
    khash_t(mstr) *chroms;  /* normalised chromosome -> small integer */
    khash_t(mpos) *by_pos;  /* (chromosome, position) -> first row */
    khash_t(mstr) *by_id;   /* ID -> first row (keys point into the rows) */
    int *next;              /* next row of the same key, -1 at the end */
    char **chrom_keys;      /* owned keys of `chroms` */
    int n_chroms;
};

static int64_t pos_key(int chrom, int64_t pos)
{
    return ((int64_t)chrom << 40) | pos;
}

/* The number of a normalised chromosome name, added when `add`; -1 when
 * absent (or on allocation failure, with *err set). */
static int chrom_id(duet_match_index_t *idx, const char *name, int add, duet_err_t *err)
{
    khint_t k = kh_get(mstr, idx->chroms, name);
    if (k != kh_end(idx->chroms)) return kh_val(idx->chroms, k);
    if (!add) return -1;
    char **keys = duet_realloc(idx->chrom_keys, (size_t)(idx->n_chroms + 1) * sizeof *keys);
    if (!keys) goto oom;
    idx->chrom_keys = keys;
    if (!(keys[idx->n_chroms] = strdup(name))) goto oom;
    int absent;
    k = kh_put(mstr, idx->chroms, keys[idx->n_chroms], &absent);
    if (absent < 0) {
        free(keys[idx->n_chroms]);
        goto oom;
    }
    kh_val(idx->chroms, k) = idx->n_chroms;
    return idx->n_chroms++;
oom:
    *err = duet_log_oom(64);
    return -1;
}

duet_err_t duet_match_index_build(const duet_weights_t *w, int match_id,
                                  duet_match_index_t **out)
{
    duet_err_t err = DUET_OK;
    duet_match_index_t *idx = duet_calloc(1, sizeof *idx);
    if (!idx) return DUET_ENOMEM;
    idx->chroms = kh_init(mstr);
    idx->by_pos = kh_init(mpos);
    idx->by_id = kh_init(mstr);
    idx->next = duet_malloc((size_t)(w->n_rows ? w->n_rows : 1) * sizeof *idx->next);
    if (!idx->chroms || !idx->by_pos || !idx->by_id || !idx->next) {
        err = idx->next ? duet_log_oom(64) : DUET_ENOMEM;
        goto fail;
    }
    /* rows are chained in reverse so that each chain lists them in file
     * order: walk the rows backwards */
    for (int r = w->n_rows - 1; r >= 0; r--) {
        const duet_weight_row_t *row = &w->rows[r];
        int absent;
        khint_t k;
        idx->next[r] = -1;
        if (row->pos > 0 && !match_id) {
            char buf[32];
            int c = chrom_id(idx, duet_prs_chrom_norm(row->chrom, buf), 1, &err);
            if (c < 0) goto fail;
            k = kh_put(mpos, idx->by_pos, pos_key(c, row->pos), &absent);
            if (absent < 0) goto oom;
            if (!absent) idx->next[r] = kh_val(idx->by_pos, k);
            kh_val(idx->by_pos, k) = r;
        } else if (row->id) {
            k = kh_put(mstr, idx->by_id, row->id, &absent);
            if (absent < 0) goto oom;
            if (!absent) idx->next[r] = kh_val(idx->by_id, k);
            kh_val(idx->by_id, k) = r;
        }
    }
    *out = idx;
    return DUET_OK;
oom:
    err = duet_log_oom(64);
fail:
    duet_match_index_destroy(idx);
    *out = NULL;
    return err;
}

void duet_match_index_destroy(duet_match_index_t *idx)
{
    if (!idx) return;
    if (idx->chroms) kh_destroy(mstr, idx->chroms);
    if (idx->by_pos) kh_destroy(mpos, idx->by_pos);
    if (idx->by_id) kh_destroy(mstr, idx->by_id);
    for (int i = 0; i < idx->n_chroms; i++) free(idx->chrom_keys[i]);
    free(idx->chrom_keys);
    free(idx->next);
    free(idx);
}

int duet_match_candidates(const duet_match_index_t *idx, const char *chrom, int64_t pos,
                          const char *id, int *out, int max)
{
    int n = 0;
    if (kh_size(idx->by_pos) > 0) {
        char buf[32];
        khint_t k = kh_get(mstr, idx->chroms, duet_prs_chrom_norm(chrom, buf));
        if (k != kh_end(idx->chroms)) {
            khint_t p = kh_get(mpos, idx->by_pos, pos_key(kh_val(idx->chroms, k), pos));
            if (p != kh_end(idx->by_pos))
                for (int r = kh_val(idx->by_pos, p); r >= 0; r = idx->next[r])
                    if (n++ < max) out[n - 1] = r;
        }
    }
    if (kh_size(idx->by_id) > 0 && id && strcmp(id, ".") != 0) {
        /* a VCF ID may list several IDs separated by ';' */
        const char *p = id;
        while (*p) {
            size_t len = strcspn(p, ";");
            char key[256];
            if (len < sizeof key) {
                memcpy(key, p, len);
                key[len] = 0;
                khint_t k = kh_get(mstr, idx->by_id, key);
                if (k != kh_end(idx->by_id))
                    for (int r = kh_val(idx->by_id, k); r >= 0; r = idx->next[r])
                        if (n++ < max) out[n - 1] = r;
            }
            p += len + (p[len] == ';');
        }
    }
    return n;
}

/* Alleles equal (both upper-case already for rows; VCF alleles compared
 * case-insensitively). */
static int eq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* Direct orientation test: 1 effect == alt, 2 effect == ref, 0 neither. */
static int orient(const char *effect, const char *other, const char *ref, const char *alt,
                  int allele)
{
    if (eq(effect, alt) && (!other || eq(other, ref))) return 1;
    /* effect == REF: the other allele must be this ALT; without one, only
     * the first ALT of the record carries the REF count (once) */
    if (eq(effect, ref) && (other ? eq(other, alt) : allele == 1)) return 2;
    return 0;
}

duet_match_t duet_match_alleles(const duet_weight_row_t *row, const char *ref,
                                const char *const *alts, int n_alts, int allele,
                                int keep_ambiguous, int *swapped)
{
    const char *ea = row->effect_allele, *oa = row->other_allele, *alt = alts[allele - 1];
    *swapped = 0;
    int o = orient(ea, oa, ref, alt, allele);
    int ambiguous = oa ? duet_prs_ambiguous(ea, oa) : 0;
    if (!oa && o) {
        /* without the other allele, the record's pair decides */
        char r1[2] = {(char)(ref[0] & ~0x20), 0}, a1[2] = {(char)(alt[0] & ~0x20), 0};
        ambiguous = !ref[1] && !alt[1] && duet_prs_ambiguous(r1, a1);
    }
    if (o) {
        if (ambiguous && !keep_ambiguous) return DUET_MATCH_AMBIGUOUS;
        *swapped = o == 2;
        return ambiguous ? DUET_MATCH_AMBIGUOUS_KEPT
               : o == 2  ? DUET_MATCH_SWAPPED
                         : DUET_MATCH_MATCHED;
    }
    if (ambiguous) return DUET_MATCH_MISMATCH; /* never flipped */
    /* the other strand only when no ALT of the record fits as written */
    for (int a = 1; a <= n_alts; a++)
        if (orient(ea, oa, ref, alts[a - 1], a)) return DUET_MATCH_MISMATCH;
    char ce = duet_prs_complement(ea), co = oa ? duet_prs_complement(oa) : 0;
    if (!ce || (oa && !co)) return DUET_MATCH_MISMATCH;
    char fe[2] = {ce, 0}, fo[2] = {co, 0};
    o = orient(fe, oa ? fo : NULL, ref, alt, allele);
    if (!o) return DUET_MATCH_MISMATCH;
    *swapped = o == 2;
    return o == 2 ? DUET_MATCH_FLIPPED_SWAPPED : DUET_MATCH_FLIPPED;
}

const char *duet_match_name(duet_match_t m)
{
    switch (m) {
    case DUET_MATCH_ABSENT: return "absent";
    case DUET_MATCH_MISMATCH: return "allele_mismatch";
    case DUET_MATCH_AMBIGUOUS: return "ambiguous_dropped";
    case DUET_MATCH_MATCHED: return "matched";
    case DUET_MATCH_SWAPPED: return "swapped";
    case DUET_MATCH_FLIPPED: return "flipped";
    case DUET_MATCH_FLIPPED_SWAPPED: return "flipped_swapped";
    case DUET_MATCH_AMBIGUOUS_KEPT: return "ambiguous_kept";
    }
    return "?";
}
