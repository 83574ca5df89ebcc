/*
 * decode.c -- the parallel half of the genotype reader: turns the raw
 * FORMAT/GT and FORMAT/DS bytes of fetched records into dense dosage columns
 * and per-variant counts, reading htslib's typed BCF vectors directly (no
 * per-sample int32 conversion through bcf_get_genotypes).
 *
 * The hot path is a biallelic (or any ALT of a multi-allelic) record with
 * diploid int8 GT, which is what VCF/BCF holds for nearly every variant.
 * Each allele byte is (index + 1) << 1 | phased, so with the phase bit
 * masked off a byte of a called allele lies in [2, 2 n_alleles] and ALT a
 * is the value 2(a + 1), and a missing allele is 0.  Thirty-two samples (64
 * bytes) are checked at once (SSE2, AVX2 or AVX-512BW, whichever the CPU
 * has): when every byte is a called or missing allele, one compare gives
 * the 64 "is ALT a" bits and one the 64 "is missing" bits; the ALT bits, cut
 * into eight bytes of four samples each, index a table of four ready-made
 * doubles, and the missing bits give the called-allele count and the (rare)
 * missing samples, so that a group costs a few loads and stores and no
 * branch per sample.  Groups with a haploid call (vector_end in the second
 * slot) or anything unusual go through a per-sample path driven by a
 * 256-entry table of byte classes.
 * Other layouts (ploidy other than 2, int16/int32 GT of records with more
 * than 62 alleles, DS floats) take straightforward per-sample loops.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hts_endian.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "duet/log.h"
#include "geno_internal.h"

/* Classes of one int8 GT byte, for a given ALT allele. */
enum { B_ALT = 1, B_MISS = 2, B_END = 4, B_BAD = 8 };

/* dose4[m][k]: dosage of sample k of four diploid samples whose eight
 * "allele is ALT" bits (two per sample, sample k at bits 2k and 2k+1) are
 * m. */
static double dose4[256][4] __attribute__((aligned(64)));
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) && defined(__GNUC__)
#define GENO_HAVE_AVX2 1
#include <immintrin.h>
/* Widest kernel the CPU runs: 0 SSE2, 1 AVX2, 2 AVX-512BW; set once by
 * build_tables().  DUET_SIMD=sse2|avx2 in the environment caps it (for
 * benchmarks and tests of the narrower kernels). */
static int use_simd;
#endif

static void build_tables(void)
{
#ifdef GENO_HAVE_AVX2
    __builtin_cpu_init();
    int cap = 2;
    const char *env = getenv("DUET_SIMD");
    if (env && !strcmp(env, "sse2")) cap = 0;
    else if (env && !strcmp(env, "avx2")) cap = 1;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) use_simd = 1;
    if (use_simd && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
        use_simd = 2;
    if (use_simd > cap) use_simd = cap;
#endif
    for (int m = 0; m < 256; m++)
        for (int k = 0; k < 4; k++) dose4[m][k] = ((m >> (2 * k)) & 1) + ((m >> (2 * k + 1)) & 1);
}

void geno_decode_init(void) { pthread_once(&tables_once, build_tables); }

int geno_decode_set_simd(int level)
{
    geno_decode_init();
#ifdef GENO_HAVE_AVX2
    int top = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) top = 1;
    if (top && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) top = 2;
    use_simd = level < top ? (level < 0 ? 0 : level) : top;
    return use_simd;
#else
    (void)level;
    return 0;
#endif
}

typedef struct {
    int64_t alt;     /* ALT alleles over called samples */
    int64_t alleles; /* called alleles */
    int64_t missing; /* missing samples */
    int bad_sample;  /* output index of a sample with a bad value, or -1 */
    int *miss_idx;   /* output indices of the missing samples (capacity
                        n_samples), for imputation without a rescan */
} gt_acc_t;

/* Record sample i of a per-sample loop: its dosage (or a missing call,
 * imputed later) and the column's running counts. */
static inline void finish_sample(gt_acc_t *acc, double *out, uint8_t *mask, int i,
                                 int called, int dose, int bad)
{
    if (bad && acc->bad_sample < 0) acc->bad_sample = i;
    if (called == 0) {
        out[i] = 0;
        acc->miss_idx[acc->missing++] = i;
        if (mask) mask[i] = 1;
    } else {
        out[i] = dose;
        acc->alt += dose;
        acc->alleles += called;
        if (mask) mask[i] = 0;
    }
}

static void build_classes(uint8_t cls[256], int a, int n_allele)
{
    for (int b = 0; b < 256; b++) {
        int8_t sv = (int8_t)(uint8_t)b;
        uint8_t c;
        if (sv == bcf_int8_vector_end) c = B_END;
        else if (sv == bcf_int8_missing) c = B_MISS;
        else if (sv < 0) c = B_BAD; /* reserved values */
        else if ((b >> 1) == 0) c = B_MISS;
        else {
            int idx = (b >> 1) - 1;
            c = idx >= n_allele ? B_BAD : idx == a ? B_ALT : 0;
        }
        cls[b] = c;
    }
}

/* One sample of `ploidy` int8 slots at v, through the class table. */
static inline void sample_i8(const uint8_t *v, int ploidy, const uint8_t *cls,
                             double *out, uint8_t *mask, gt_acc_t *acc, int i)
{
    int dose = 0, called = 0, bad = 0, ended = 0;
    for (int k = 0; k < ploidy; k++) {
        unsigned c = cls[v[k]];
        if (c & B_END) {
            ended = 1;
            continue;
        }
        bad |= ended; /* an allele after the vector end */
        bad |= c & B_BAD;
        if (c & B_MISS) continue;
        called++;
        dose += c & B_ALT;
    }
    finish_sample(acc, out, mask, i, called, dose, bad);
}

/*
 * One group of 32 diploid samples whose 64 GT bytes are all "plain": a
 * called allele or a missing one (no vector_end, no reserved value).  alt
 * has bit k set when byte k is ALT a, miss when byte k is a missing allele.
 * A sample is missing when both its alleles are; a half-call counts its one
 * called allele.  Writes the 32 dosages from the dose4 table (missing
 * samples get 0 there, and are listed for imputation).  Inlined into each
 * SIMD kernel, so that the copies use that kernel's vector width.
 */
#if defined(__SSE2__) || defined(GENO_HAVE_AVX2)
static inline __attribute__((always_inline)) void
put_group32(uint64_t alt, uint64_t miss, int i, double *out, uint8_t *mask,
            int64_t *alt_sum, int64_t *alleles, gt_acc_t *acc)
{
    double *o = out + i;
    /* unrolled by hand: constant shifts, no loop counter */
    memcpy(o, dose4[alt & 0xFF], 32);
    memcpy(o + 4, dose4[(alt >> 8) & 0xFF], 32);
    memcpy(o + 8, dose4[(alt >> 16) & 0xFF], 32);
    memcpy(o + 12, dose4[(alt >> 24) & 0xFF], 32);
    memcpy(o + 16, dose4[(alt >> 32) & 0xFF], 32);
    memcpy(o + 20, dose4[(alt >> 40) & 0xFF], 32);
    memcpy(o + 24, dose4[(alt >> 48) & 0xFF], 32);
    memcpy(o + 28, dose4[alt >> 56], 32);
    *alt_sum += __builtin_popcountll(alt);
    *alleles += 64 - __builtin_popcountll(miss);
    if (mask) memset(mask + i, 0, 32);
    uint64_t both = miss & (miss >> 1) & 0x5555555555555555ULL;
    while (both) {
        int k = i + (__builtin_ctzll(both) >> 1);
        acc->miss_idx[acc->missing++] = k;
        if (mask) mask[k] = 1;
        both &= both - 1;
    }
}
#endif

#ifdef GENO_HAVE_AVX2
/* The hot path with AVX2: 32 samples (64 bytes) per step.  Returns the
 * number of samples done (a multiple of 32); the caller does the rest. */
__attribute__((target("avx2,popcnt"))) static int
gt_i8_diploid_avx2(const uint8_t *p, int n, int a, int n_allele, double *out, uint8_t *mask,
                   gt_acc_t *acc, uint8_t *cls, int *have_cls)
{
    const __m256i fe = _mm256_set1_epi8((char)0xFE);
    const __m256i hi = _mm256_set1_epi8((char)(2 * n_allele));
    const __m256i ca = _mm256_set1_epi8((char)(2 * (a + 1)));
    const __m256i zero = _mm256_setzero_si256();
    int64_t alt = 0, alleles = 0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i t0 = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(p + 2 * (size_t)i)), fe);
        __m256i t1 = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(p + 2 * (size_t)i + 32)), fe);
        /* plain: t <= 2 n_allele (t is even: 0 is a missing allele) */
        __m256i ok = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(t0, hi), t0),
                                      _mm256_cmpeq_epi8(_mm256_min_epu8(t1, hi), t1));
        if (__builtin_expect(_mm256_movemask_epi8(ok) != -1, 0)) {
            if (!*have_cls) {
                build_classes(cls, a, n_allele);
                *have_cls = 1;
            }
            for (int k = i; k < i + 32; k++)
                sample_i8(p + 2 * (size_t)k, 2, cls, out, mask, acc, k);
            continue;
        }
        uint64_t m_alt = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(t0, ca)) |
                         (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(t1, ca)) << 32;
        uint64_t m_miss = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(t0, zero)) |
                          (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(t1, zero)) << 32;
        put_group32(m_alt, m_miss, i, out, mask, &alt, &alleles, acc);
    }
    acc->alt += alt;
    acc->alleles += alleles;
    return i;
}

/* The same with AVX-512 (BW): one 64-byte load and mask registers. */
__attribute__((target("avx512f,avx512bw,popcnt"))) static int
gt_i8_diploid_avx512(const uint8_t *p, int n, int a, int n_allele, double *out,
                     uint8_t *mask, gt_acc_t *acc, uint8_t *cls, int *have_cls)
{
    const __m512i fe = _mm512_set1_epi8((char)0xFE);
    const __m512i hi = _mm512_set1_epi8((char)(2 * n_allele));
    const __m512i ca = _mm512_set1_epi8((char)(2 * (a + 1)));
    const __m512i zero = _mm512_setzero_si512();
    int64_t alt = 0, alleles = 0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i t = _mm512_and_si512(_mm512_loadu_si512(p + 2 * (size_t)i), fe);
        if (__builtin_expect(_mm512_cmple_epu8_mask(t, hi) != ~(__mmask64)0, 0)) {
            if (!*have_cls) {
                build_classes(cls, a, n_allele);
                *have_cls = 1;
            }
            for (int k = i; k < i + 32; k++)
                sample_i8(p + 2 * (size_t)k, 2, cls, out, mask, acc, k);
            continue;
        }
        put_group32(_mm512_cmpeq_epi8_mask(t, ca), _mm512_cmpeq_epi8_mask(t, zero), i, out, mask,
                    &alt, &alleles, acc);
    }
    acc->alt += alt;
    acc->alleles += alleles;
    return i;
}
#endif

/* Diploid int8 GT of n samples stored contiguously (2 bytes each) at p:
 * the hot path.  SSE2 (every x86-64) unless a wider kernel was chosen. */
static void gt_i8_diploid(const uint8_t *p, int n, int a, int n_allele, double *out,
                          uint8_t *mask, gt_acc_t *acc)
{
    uint8_t cls[256];
    int have_cls = 0;
    int i = 0;
#ifdef GENO_HAVE_AVX2
    if (use_simd == 2) i = gt_i8_diploid_avx512(p, n, a, n_allele, out, mask, acc, cls, &have_cls);
    else if (use_simd == 1) i = gt_i8_diploid_avx2(p, n, a, n_allele, out, mask, acc, cls, &have_cls);
#endif
#if defined(__SSE2__)
    const __m128i fe = _mm_set1_epi8((char)0xFE);
    const __m128i hi = _mm_set1_epi8((char)(2 * n_allele));
    const __m128i ca = _mm_set1_epi8((char)(2 * (a + 1)));
    const __m128i zero = _mm_setzero_si128();
    int64_t alt = 0, alleles = 0;
    for (; i + 32 <= n; i += 32) {
        __m128i t[4];
        int ok = 0xFFFF;
        for (int q = 0; q < 4; q++) {
            t[q] = _mm_and_si128(_mm_loadu_si128((const __m128i *)(p + 2 * (size_t)i + 16 * q)), fe);
            ok &= _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t[q], hi), t[q]));
        }
        if (__builtin_expect(ok != 0xFFFF, 0)) {
            if (!have_cls) {
                build_classes(cls, a, n_allele);
                have_cls = 1;
            }
            for (int k = i; k < i + 32; k++)
                sample_i8(p + 2 * (size_t)k, 2, cls, out, mask, acc, k);
            continue;
        }
        uint64_t m_alt = 0, m_miss = 0;
        for (int q = 0; q < 4; q++) {
            m_alt |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(t[q], ca)) << (16 * q);
            m_miss |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(t[q], zero)) << (16 * q);
        }
        put_group32(m_alt, m_miss, i, out, mask, &alt, &alleles, acc);
    }
    acc->alt += alt;
    acc->alleles += alleles;
#endif
    if (i < n && !have_cls) build_classes(cls, a, n_allele);
    for (; i < n; i++) sample_i8(p + 2 * (size_t)i, 2, cls, out, mask, acc, i);
}

/* int8 GT of any ploidy, through file columns cols (NULL = identity). */
static void gt_i8_generic(const uint8_t *p, int size, const int *cols, int n, int a,
                          int n_allele, double *out, uint8_t *mask, gt_acc_t *acc)
{
    uint8_t cls[256];
    build_classes(cls, a, n_allele);
    for (int i = 0; i < n; i++) {
        size_t col = cols ? (size_t)cols[i] : (size_t)i;
        sample_i8(p + col * (size_t)size, size, cls, out, mask, acc, i);
    }
}

/* int16 / int32 GT (records with more than 62 alleles), any ploidy. */
static void gt_wide(const uint8_t *p, int type, int ploidy, const int *cols, int n, int a,
                    int n_allele, double *out, uint8_t *mask, gt_acc_t *acc)
{
    int width = type == BCF_BT_INT16 ? 2 : 4;
    int32_t vend = type == BCF_BT_INT16 ? bcf_int16_vector_end : bcf_int32_vector_end;
    int32_t vmiss = type == BCF_BT_INT16 ? bcf_int16_missing : bcf_int32_missing;
    for (int i = 0; i < n; i++) {
        size_t col = cols ? (size_t)cols[i] : (size_t)i;
        const uint8_t *s = p + col * (size_t)ploidy * (size_t)width;
        int dose = 0, called = 0, bad = 0, ended = 0;
        for (int k = 0; k < ploidy; k++) {
            int32_t v = width == 2 ? le_to_i16(s + 2 * k) : le_to_i32(s + 4 * k);
            if (v == vend) {
                ended = 1;
                continue;
            }
            bad |= ended;
            if (v == vmiss || (v >= 0 && (v >> 1) == 0)) continue;
            if (v < 0) {
                bad = 1;
                continue;
            }
            int idx = (v >> 1) - 1;
            if (idx >= n_allele) {
                bad = 1;
                continue;
            }
            called++;
            dose += idx == a;
        }
        finish_sample(acc, out, mask, i, called, dose, bad);
    }
}

/* Mean-impute the missing entries of a column. */
static void impute(double *out, const int *miss_idx, int64_t n_missing, double mean)
{
    for (int64_t k = 0; k < n_missing; k++) out[miss_idx[k]] = mean;
}

static void set_counts(duet_variant_t *v, int n, int64_t missing, double alt, double alleles)
{
    v->n_missing = (int)missing;
    v->n_called = n - (int)missing;
    v->alt_count = alt;
    v->n_alleles_called = alleles;
    v->af = alleles > 0 ? alt / alleles : NAN;
    double other = alleles - alt;
    v->mac = alt < other ? alt : other;
    v->alt_alleles = alt;
    v->n_alleles_obs = alleles;
    v->allele_freq = v->af;
}

static duet_err_t bad_record(const duet_geno_t *g, const bcf1_t *rec, uint64_t record,
                             const char *what)
{
    char name[256];
    duet_log_error("%s: record %" PRIu64 " (%s): %s", g->path, record + 1,
                   geno_record_name(g, rec, name, sizeof name), what);
    return DUET_EFORMAT;
}

static duet_err_t decode_gt(const duet_geno_t *g, geno_block_raw_t *raw, bcf1_t *rec,
                            uint64_t record, const bcf_fmt_t *fmt, duet_geno_block_t *b,
                            int col)
{
    int n = b->n_samples, n_allele = rec->n_allele;
    if (fmt->n < 1 || (fmt->type != BCF_BT_INT8 && fmt->type != BCF_BT_INT16 &&
                       fmt->type != BCF_BT_INT32))
        return bad_record(g, rec, record, "FORMAT/GT is not an integer vector");
    const int *cols = g->identity ? NULL : g->cols;
    const uint8_t *p = fmt->p;
    if (fmt->type == BCF_BT_INT8 && fmt->n == 2 && cols) {
        /* Gather the kept samples' two bytes into output order once per
         * record, then every ALT runs the contiguous kernel. */
        uint8_t *dst = raw->gather;
        for (int i = 0; i < n; i++) memcpy(dst + 2 * (size_t)i, p + 2 * (size_t)cols[i], 2);
        p = dst;
        cols = NULL;
    }
    for (int a = 1; a < n_allele; a++) {
        int j = col + a - 1;
        double *out = b->dosage + (size_t)j * (size_t)n;
        uint8_t *mask = b->missing ? b->missing + (size_t)j * (size_t)n : NULL;
        gt_acc_t acc = {0, 0, 0, -1, raw->miss_idx};
        if (fmt->type == BCF_BT_INT8 && fmt->n == 2 && !cols)
            gt_i8_diploid(p, n, a, n_allele, out, mask, &acc);
        else if (fmt->type == BCF_BT_INT8)
            gt_i8_generic(p, fmt->size, cols, n, a, n_allele, out, mask, &acc);
        else
            gt_wide(p, fmt->type, fmt->n, cols, n, a, n_allele, out, mask, &acc);
        if (acc.bad_sample >= 0) {
            char what[512];
            snprintf(what, sizeof what,
                     "sample %s has a GT allele index beyond the record's %d alleles",
                     g->hdr->samples[g->cols[acc.bad_sample]], n_allele);
            return bad_record(g, rec, record, what);
        }
        duet_variant_t *v = &b->variants[j];
        set_counts(v, n, acc.missing, (double)acc.alt, (double)acc.alleles);
        if (acc.missing) {
            int called = n - (int)acc.missing;
            impute(out, acc.miss_idx, acc.missing, called > 0 ? (double)acc.alt / called : 0.0);
        }
    }
    return DUET_OK;
}

/* FORMAT/DS must be a Float vector with a value per ALT (Number=A). */
static duet_err_t check_ds(const duet_geno_t *g, const bcf1_t *rec, uint64_t record,
                           const bcf_fmt_t *fmt)
{
    int n_alt = rec->n_allele - 1;
    if (fmt->type != BCF_BT_FLOAT)
        return bad_record(g, rec, record, "FORMAT/DS is not a Float vector");
    if (fmt->n < n_alt) {
        char what[160];
        snprintf(what, sizeof what,
                 "FORMAT/DS has %d value%s per sample for %d ALT alleles (DS must be Number=A)",
                 fmt->n, fmt->n == 1 ? "" : "s", n_alt);
        return bad_record(g, rec, record, what);
    }
    return DUET_OK;
}

static duet_err_t decode_ds(const duet_geno_t *g, geno_block_raw_t *raw, bcf1_t *rec,
                            uint64_t record, const bcf_fmt_t *fmt, duet_geno_block_t *b,
                            int col)
{
    int *miss_idx = raw->miss_idx;
    int n = b->n_samples, n_alt = rec->n_allele - 1;
    duet_err_t err = check_ds(g, rec, record, fmt);
    if (err) return err;
    const int *cols = g->identity ? NULL : g->cols;
    for (int a = 1; a <= n_alt; a++) {
        int j = col + a - 1;
        double *out = b->dosage + (size_t)j * (size_t)n;
        uint8_t *mask = b->missing ? b->missing + (size_t)j * (size_t)n : NULL;
        const uint8_t *p = fmt->p + 4 * (size_t)(a - 1);
        double sum = 0;
        int64_t missing = 0;
        for (int i = 0; i < n; i++) {
            size_t c = cols ? (size_t)cols[i] : (size_t)i;
            uint32_t bits = le_to_u32(p + c * (size_t)fmt->size);
            if (bits == bcf_float_missing || bits == bcf_float_vector_end) {
                out[i] = 0;
                miss_idx[missing++] = i;
                if (mask) mask[i] = 1;
                continue;
            }
            float x;
            memcpy(&x, &bits, sizeof x);
            if (!(x >= 0.0f && x <= 2.0f)) {
                char what[512];
                snprintf(what, sizeof what, "sample %s has DS %g, outside [0, 2]",
                         g->hdr->samples[g->cols[i]], (double)x);
                return bad_record(g, rec, record, what);
            }
            out[i] = x;
            sum += x;
            if (mask) mask[i] = 0;
        }
        duet_variant_t *v = &b->variants[j];
        set_counts(v, n, missing, sum, 2.0 * (double)(n - missing));
        if (missing) impute(out, miss_idx, missing, n - missing > 0 ? sum / (double)(n - missing) : 0.0);
    }
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* chrX outside the PARs, chrY and MT with sexes known (geno.h, "Sex and
 * ploidy"): a per-sample loop over any GT width and ploidy, or over DS.
 * These contigs hold a few percent of a genome's variants. */

/* GT value q of a sample's vector (any integer width), with vector_end
 * and missing mapped to the int32 codes. */
static inline int32_t gt_value(const uint8_t *s, int type, int q)
{
    if (type == BCF_BT_INT8) {
        int8_t v = (int8_t)s[q];
        return v == bcf_int8_vector_end ? bcf_int32_vector_end
             : v == bcf_int8_missing ? bcf_int32_missing : v;
    }
    if (type == BCF_BT_INT16) {
        int16_t v = le_to_i16(s + 2 * q);
        return v == bcf_int16_vector_end ? bcf_int32_vector_end
             : v == bcf_int16_missing ? bcf_int32_missing : v;
    }
    return le_to_i32(s + 4 * q);
}

/* A sample's called alleles (*k), copies of allele a among them (*dose)
 * and value slots before the vector end (*slots); 1 if malformed. */
static int sample_gt(const uint8_t *s, int type, int ploidy, int a, int n_allele, int *k,
                     int *dose, int *slots)
{
    int bad = 0, ended = 0;
    *k = *dose = 0;
    *slots = 0;
    for (int q = 0; q < ploidy; q++) {
        int32_t v = gt_value(s, type, q);
        if (v == bcf_int32_vector_end) {
            ended = 1;
            continue;
        }
        if (ended) bad = 1;
        ++*slots;
        if (v == bcf_int32_missing || (v >= 0 && (v >> 1) == 0)) continue;
        if (v < 0) { bad = 1; continue; }
        int idx = (v >> 1) - 1;
        if (idx >= n_allele) { bad = 1; continue; }
        ++*k;
        *dose += idx == a;
    }
    return bad;
}

typedef struct {
    double alt, obs;          /* allele scale */
    double m_alt, m_obs;      /* matrix scale */
    int64_t missing, called;
} hemi_acc_t;

/* Whether sample i is observed on a record of class c: chrY only for
 * males. */
static inline int observed(const duet_geno_t *g, duet_ploidy_t c, int i)
{
    return c != DUET_PLOIDY_Y || g->sex[i] == DUET_SEX_MALE;
}

/* Whether sample i is hemizygous (one allele per call) on class c. */
static inline int hemizygous(const duet_geno_t *g, duet_ploidy_t c, int i)
{
    return c != DUET_PLOIDY_X || g->sex[i] == DUET_SEX_MALE;
}

/* Record a called sample: d ALT alleles of `obs`; matrix value x of
 * m_obs matrix alleles. */
static inline void hemi_put(hemi_acc_t *acc, double *out, uint8_t *mask, int i, double d,
                            double obs, double x, double m_obs)
{
    out[i] = x;
    if (mask) mask[i] = 0;
    acc->alt += d;
    acc->obs += obs;
    acc->m_alt += x;
    acc->m_obs += m_obs;
    acc->called++;
}

/* A missing or unobserved sample: imputed later. */
static inline void hemi_miss(hemi_acc_t *acc, int *miss_idx, int *n_imp, double *out,
                             uint8_t *mask, int i, int counted)
{
    out[i] = 0;
    if (mask) mask[i] = 1;
    miss_idx[(*n_imp)++] = i;
    acc->missing += counted;
}

static void hemi_finish(duet_variant_t *v, const hemi_acc_t *acc, double *out,
                        const int *miss_idx, int n_imp)
{
    v->n_called = (int)acc->called;
    v->n_missing = (int)acc->missing;
    v->alt_count = acc->m_alt;
    v->n_alleles_called = acc->m_obs;
    v->af = acc->m_obs > 0 ? acc->m_alt / acc->m_obs : NAN;
    v->mac = fmin(acc->m_alt, acc->m_obs - acc->m_alt);
    v->alt_alleles = acc->alt;
    v->n_alleles_obs = acc->obs;
    v->allele_freq = acc->obs > 0 ? acc->alt / acc->obs : NAN;
    if (n_imp) impute(out, miss_idx, n_imp, acc->called > 0 ? acc->m_alt / (double)acc->called : 0.0);
}

static duet_err_t decode_gt_hemi(const duet_geno_t *g, geno_block_raw_t *raw, bcf1_t *rec,
                                 uint64_t record, const bcf_fmt_t *fmt, duet_geno_block_t *b,
                                 int col, duet_ploidy_t cls)
{
    int n = b->n_samples, n_allele = rec->n_allele;
    if (fmt->n < 1 || (fmt->type != BCF_BT_INT8 && fmt->type != BCF_BT_INT16 &&
                       fmt->type != BCF_BT_INT32))
        return bad_record(g, rec, record, "FORMAT/GT is not an integer vector");
    double scale = cls == DUET_PLOIDY_X ? g->x_scale : 1.0;
    for (int a = 1; a < n_allele; a++) {
        int j = col + a - 1, n_imp = 0;
        double *out = b->dosage + (size_t)j * (size_t)n;
        uint8_t *mask = b->missing ? b->missing + (size_t)j * (size_t)n : NULL;
        hemi_acc_t acc = { 0, 0, 0, 0, 0, 0 };
        for (int i = 0; i < n; i++) {
            const uint8_t *s = fmt->p + (size_t)g->cols[i] * (size_t)fmt->size;
            int k, dose, slots;
            if (sample_gt(s, fmt->type, fmt->n, a, n_allele, &k, &dose, &slots)) {
                char what[512];
                snprintf(what, sizeof what,
                         "sample %s has a GT allele index beyond the record's %d alleles",
                         g->hdr->samples[g->cols[i]], n_allele);
                return bad_record(g, rec, record, what);
            }
            int obs = observed(g, cls, i);
            if (!obs || k == 0) {
                hemi_miss(&acc, raw->miss_idx, &n_imp, out, mask, i, obs);
            } else if (hemizygous(g, cls, i)) {
                /* one allele: a haploid call or half-call as it is, a
                 * diploid call as the mean of its alleles (het = 0.5) */
                double d = (double)dose / k;
                hemi_put(&acc, out, mask, i, d, 1, d * scale, scale);
            } else if (k == 1) {
                /* a female's (or unknown's) haploid call: homozygous */
                hemi_put(&acc, out, mask, i, 2.0 * dose, 2, 2.0 * dose, 2);
            } else {
                hemi_put(&acc, out, mask, i, dose, k, dose, k);
            }
        }
        hemi_finish(&b->variants[j], &acc, out, raw->miss_idx, n_imp);
    }
    return DUET_OK;
}

static duet_err_t decode_ds_hemi(const duet_geno_t *g, geno_block_raw_t *raw, bcf1_t *rec,
                                 uint64_t record, const bcf_fmt_t *fmt, const bcf_fmt_t *gt,
                                 duet_geno_block_t *b, int col, duet_ploidy_t cls)
{
    int n = b->n_samples, n_alt = rec->n_allele - 1;
    duet_err_t err = check_ds(g, rec, record, fmt);
    if (err) return err;
    int gt_ok = gt && gt->n >= 1 && (gt->type == BCF_BT_INT8 || gt->type == BCF_BT_INT16 ||
                                    gt->type == BCF_BT_INT32);
    double scale = cls == DUET_PLOIDY_X ? g->x_scale : 1.0;
    for (int a = 1; a <= n_alt; a++) {
        int j = col + a - 1, n_imp = 0;
        double *out = b->dosage + (size_t)j * (size_t)n;
        uint8_t *mask = b->missing ? b->missing + (size_t)j * (size_t)n : NULL;
        const uint8_t *p = fmt->p + 4 * (size_t)(a - 1);
        hemi_acc_t acc = { 0, 0, 0, 0, 0, 0 };
        for (int i = 0; i < n; i++) {
            size_t c = (size_t)g->cols[i];
            uint32_t bits = le_to_u32(p + c * (size_t)fmt->size);
            int obs = observed(g, cls, i);
            if (!obs || bits == bcf_float_missing || bits == bcf_float_vector_end) {
                hemi_miss(&acc, raw->miss_idx, &n_imp, out, mask, i, obs);
                continue;
            }
            float x;
            memcpy(&x, &bits, sizeof x);
            /* DS of a haploid GT is on the haploid 0..1 scale */
            int k = 0, dose = 0, slots = 2;
            if (gt_ok) (void)sample_gt(gt->p + c * (size_t)gt->size, gt->type, gt->n, a,
                                       rec->n_allele, &k, &dose, &slots);
            int haploid = slots == 1;
            if (!(x >= 0.0f && x <= (haploid ? 1.0f : 2.0f))) {
                char what[512];
                snprintf(what, sizeof what, "sample %s has DS %g, outside [0, %d]%s",
                         g->hdr->samples[g->cols[i]], (double)x, haploid ? 1 : 2,
                         haploid ? " (its GT is haploid)" : "");
                return bad_record(g, rec, record, what);
            }
            if (hemizygous(g, cls, i)) {
                double d = haploid ? x : x / 2.0;
                hemi_put(&acc, out, mask, i, d, 1, d * scale, scale);
            } else {
                double d = haploid ? 2.0 * x : x;
                hemi_put(&acc, out, mask, i, d, 2, d, 2);
            }
        }
        hemi_finish(&b->variants[j], &acc, out, raw->miss_idx, n_imp);
    }
    return DUET_OK;
}

duet_err_t geno_decode_record(const duet_geno_t *g, geno_block_raw_t *raw, int r,
                              duet_geno_block_t *b, int col)
{
    bcf1_t *rec = raw->recs[r];
    uint64_t record = raw->rec_number[r];
    if (bcf_unpack(rec, BCF_UN_STR | BCF_UN_FMT) != 0)
        return bad_record(g, rec, record, "htslib cannot unpack the record");
    const bcf_fmt_t *gt = NULL, *ds = NULL;
    for (int k = 0; k < (int)rec->n_fmt; k++) {
        const bcf_fmt_t *f = &rec->d.fmt[k];
        if (f->id == raw->gt_id && raw->gt_id >= 0) gt = f;
        else if (f->id == raw->ds_id && raw->ds_id >= 0) ds = f;
    }
    for (int a = 1; a < (int)rec->n_allele; a++) {
        duet_variant_t *v = &b->variants[col + a - 1];
        v->chrom = raw->chrom[r];
        v->pos = (int64_t)rec->pos + 1;
        v->id = rec->d.id;
        v->ref = rec->d.allele[0];
        v->alt = rec->d.allele[a];
        v->allele = a;
        v->n_alleles = rec->n_allele;
        v->record = record;
        v->ploidy = (duet_ploidy_t)raw->rec_class[r];
    }
    duet_ploidy_t cls = (duet_ploidy_t)raw->rec_class[r];
    if (cls != DUET_PLOIDY_DIPLOID) {
        if (g->field == DUET_GENO_DS && ds) return decode_ds_hemi(g, raw, rec, record, ds, gt, b, col, cls);
        if (gt) return decode_gt_hemi(g, raw, rec, record, gt, b, col, cls);
        if (ds) return decode_ds_hemi(g, raw, rec, record, ds, NULL, b, col, cls);
        return bad_record(g, rec, record, "the record has neither FORMAT/GT nor FORMAT/DS");
    }
    if (g->field == DUET_GENO_DS && ds) return decode_ds(g, raw, rec, record, ds, b, col);
    if (gt) return decode_gt(g, raw, rec, record, gt, b, col);
    if (ds) return decode_ds(g, raw, rec, record, ds, b, col);
    return bad_record(g, rec, record, "the record has neither FORMAT/GT nor FORMAT/DS");
}

duet_err_t duet_geno_decode(const duet_geno_t *g, duet_geno_block_t *b)
{
    geno_block_raw_t *raw = b->internal;
    int col = 0;
    for (int r = 0; r < raw->n_recs; r++) {
        duet_err_t err = geno_decode_record(g, raw, r, b, col);
        if (err) return err;
        col += raw->recs[r]->n_allele - 1;
    }
    if (col != raw->n_cols) {
        duet_log_error("internal: block has %d variant columns, its records %d", raw->n_cols, col);
        return DUET_EINTERNAL;
    }
    b->n_variants = col;
    return DUET_OK;
}
