/*
 * sha256.c -- SHA-256 as specified in FIPS 180-4 (sections 4.1.2, 4.2.2,
 * 5.1.1, 6.2), for the provenance records of imported files, with the x86
 * SHA extensions where the processor has them.  Checked against the
 * standard's example vectors in test_store.c and against sha256sum(1) in
 * tests/cli/store.sh.
 */
#include <stdio.h>
#include <string.h>

#include "store_internal.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
               (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t S1 = ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K[t] + w[t];
        uint32_t S0 = ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        hh = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* ------------------------------------------------------------------ */
/* The same compression with the x86 SHA extensions (Intel SHA-NI, in most
 * x86-64 processors since 2017), used when the processor has them: about
 * eight times faster, so that hashing an import costs next to nothing.  Four
 * message words per step: sha256msg1/msg2 compute the message schedule
 * (W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]) and sha256rnds2 runs
 * two rounds on the state held as ABEF / CDGH (Intel, "New Instructions
 * Supporting the Secure Hash Algorithm on Intel Architecture Processors",
 * 2013).  test_store.c checks it against the portable code. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

__attribute__((target("sha,sse4.1,ssse3")))
static void compress_ni(uint32_t h[8], const unsigned char *p, size_t n_blocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xb1); /* CDAB */
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1b);  /* EFGH */
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);    /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xf0);         /* CDGH */
    for (; n_blocks; n_blocks--, p += 64) {
        __m128i abef = s0, cdgh = s1, m[4];
        for (int g = 0; g < 16; g++) {
            __m128i w;
            if (g < 4) {
                w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
            } else {
                w = _mm_sha256msg1_epu32(m[g & 3], m[(g + 1) & 3]);
                w = _mm_add_epi32(w, _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4));
                w = _mm_sha256msg2_epu32(w, m[(g + 3) & 3]);
            }
            m[g & 3] = w;
            __m128i k = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&K[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, k);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k, 0x0e));
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1b);           /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xb1);            /* DCHG */
    s0 = _mm_blend_epi16(tmp, s1, 0xf0);         /* DCBA */
    s1 = _mm_alignr_epi8(s1, tmp, 8);            /* HGFE */
    _mm_storeu_si128((__m128i *)&h[0], s0);
    _mm_storeu_si128((__m128i *)&h[4], s1);
}

static int has_sha_ni(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_SSE4_1) || !(c & bit_SSSE3)) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 29) & 1;
}
#else
static void compress_ni(uint32_t h[8], const unsigned char *p, size_t n_blocks)
{
    (void)h, (void)p, (void)n_blocks;
}
static int has_sha_ni(void) { return 0; }
#endif

/* -1: not decided yet; 0: portable; 1: SHA-NI. */
static int use_ni = -1;

int duet_sha256_accelerated(int enable)
{
    if (enable >= 0) use_ni = enable && has_sha_ni();
    else if (use_ni < 0) use_ni = has_sha_ni();
    return use_ni;
}

static void compress_blocks(uint32_t h[8], const unsigned char *p, size_t n_blocks)
{
    if (use_ni < 0) use_ni = has_sha_ni();
    if (use_ni) {
        compress_ni(h, p, n_blocks);
        return;
    }
    for (; n_blocks; n_blocks--, p += 64) compress(h, p);
}

void duet_sha256_init(duet_sha256_t *s)
{
    static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, h0, sizeof h0);
    s->n_bytes = 0;
    s->n_block = 0;
}

void duet_sha256_update(duet_sha256_t *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->n_bytes += len;
    if (s->n_block) {
        size_t take = 64 - s->n_block < len ? 64 - s->n_block : len;
        memcpy(s->block + s->n_block, p, take);
        s->n_block += take;
        p += take;
        len -= take;
        if (s->n_block < 64) return;
        compress_blocks(s->h, s->block, 1);
        s->n_block = 0;
    }
    compress_blocks(s->h, p, len / 64);
    p += len / 64 * 64;
    len %= 64;
    memcpy(s->block, p, len);
    s->n_block = len;
}

void duet_sha256_hex(duet_sha256_t *s, char hex[65])
{
    uint64_t bits = s->n_bytes * 8;
    unsigned char pad[72] = { 0x80 };
    /* Pad to 56 mod 64, then the 64-bit big-endian length. */
    size_t n_pad = (s->n_block < 56 ? 56 : 120) - s->n_block;
    for (int i = 0; i < 8; i++) pad[n_pad + i] = (unsigned char)(bits >> (56 - 8 * i));
    uint64_t n_bytes = s->n_bytes;
    duet_sha256_update(s, pad, n_pad + 8);
    s->n_bytes = n_bytes;
    for (int i = 0; i < 8; i++) snprintf(hex + 8 * i, 9, "%08x", (unsigned)s->h[i]);
}
