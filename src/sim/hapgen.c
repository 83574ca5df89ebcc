/*
 * hapgen.c -- the genotype kernels of the simulator: the allele-frequency
 * spectrum and the haplotype-block model that gives the genotypes their
 * linkage disequilibrium and population structure.
 *
 * A block is a run of nearby sites.  Each block has a few founder
 * haplotypes; every sample haplotype copies one founder over the whole block
 * (the single-segment limit of Li and Stephens, Genetics 2003), chosen from
 * the founder weights of the population it descends from at that block
 * (admixed samples mix populations block by block).  Population weights
 * drift from the block's base weights as in Balding and Nichols (1995), so
 * allele frequencies differ between populations by about `fst`.  The
 * founders are related by a random coalescent topology (Kingman 1982); a
 * common allele marks one of its clades, preferring clades whose weight is
 * near its target frequency (so alleles of a block are nested or disjoint,
 * as mutations on a genealogy are, and alleles of similar frequency often
 * share a clade), thinned or topped up from other founders to the target
 * frequency; alleles then flip at a light noise rate; rare
 * alleles are recent mutations carried by some copies of a single founder
 * (D' = 1 with that background).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/sim.h"

double duet_sim_draw_maf(duet_rng_t *rng, int n_samples)
{
    double lo, hi;
    if (duet_rng_uniform(rng) < DUET_SIM_RARE_FRACTION) {
        lo = 0.5 / (2.0 * (n_samples > 0 ? n_samples : 1));
        hi = DUET_SIM_RARE_MAF;
        if (lo >= hi) lo = hi / 10;
    } else {
        lo = DUET_SIM_RARE_MAF;
        hi = 0.5;
    }
    /* density proportional to 1/f on [lo, hi): log-uniform */
    double f = lo * exp(duet_rng_uniform(rng) * log(hi / lo));
    if (f >= hi) f = nextafter(hi, 0); /* rounding at the top edge */
    return f;
}

struct duet_sim_hapgen_t {
    duet_sim_pop_t pop;
    int n_haps, max_sites;
    uint8_t *founder;   /* n_haps */
    int32_t *bucket;    /* n_haps, haplotype indices grouped by founder */
    int32_t bucket_start[DUET_SIM_MAX_FOUNDERS + 1];
    double weight[DUET_SIM_MAX_FOUNDERS];                     /* realised */
    double cum[DUET_SIM_MAX_POPS][DUET_SIM_MAX_FOUNDERS];     /* per pop */
    uint8_t *alleles;   /* max_sites x n_haps */
    uint8_t *missing;   /* max_sites x n_samples */
};

duet_err_t duet_sim_hapgen_create(const duet_sim_pop_t *pop, int max_sites,
                                  duet_sim_hapgen_t **out)
{
    *out = NULL;
    if (pop->n_samples < 1 || pop->n_pops < 1 || pop->n_pops > DUET_SIM_MAX_POPS ||
        pop->n_founders < 2 || pop->n_founders > DUET_SIM_MAX_FOUNDERS ||
        !(pop->fst > 0 && pop->fst < 1) || !(pop->noise >= 0 && pop->noise < 0.5) ||
        max_sites < 1) {
        duet_log_error("internal: haplotype generator parameters out of range");
        return DUET_EINTERNAL;
    }
    duet_sim_hapgen_t *g = duet_calloc(1, sizeof *g);
    if (!g) return DUET_ENOMEM;
    g->pop = *pop;
    g->n_haps = 2 * pop->n_samples;
    g->max_sites = max_sites;
    g->founder = duet_malloc((size_t)g->n_haps);
    g->bucket = duet_malloc((size_t)g->n_haps * sizeof *g->bucket);
    g->alleles = duet_malloc((size_t)max_sites * g->n_haps);
    g->missing = duet_malloc((size_t)max_sites * pop->n_samples);
    if (!g->founder || !g->bucket || !g->alleles || !g->missing) {
        duet_sim_hapgen_destroy(g);
        return DUET_ENOMEM;
    }
    *out = g;
    return DUET_OK;
}

void duet_sim_hapgen_destroy(duet_sim_hapgen_t *g)
{
    if (!g) return;
    free(g->founder);
    free(g->bucket);
    free(g->alleles);
    free(g->missing);
    free(g);
}

const uint8_t *duet_sim_hapgen_alleles(const duet_sim_hapgen_t *g, int site)
{
    return g->alleles + (size_t)site * g->n_haps;
}

const uint8_t *duet_sim_hapgen_missing(const duet_sim_hapgen_t *g, int site)
{
    return g->missing + (size_t)site * g->pop.n_samples;
}

const uint8_t *duet_sim_hapgen_founders(const duet_sim_hapgen_t *g) { return g->founder; }

/* Normalised gamma draws: a Dirichlet(shape[0..k-1]) vector. */
static void dirichlet(duet_rng_t *rng, const double *shape, int k, double *w)
{
    double sum = 0;
    for (int f = 0; f < k; f++) sum += w[f] = duet_rng_gamma(rng, shape[f] > 1e-3 ? shape[f] : 1e-3);
    if (!(sum > 0)) {
        for (int f = 0; f < k; f++) w[f] = 1.0 / k;
        return;
    }
    for (int f = 0; f < k; f++) w[f] /= sum;
}

/* Set `count` distinct haplotypes among bucket slice [b, b + n) to 1,
 * by a partial Fisher-Yates shuffle of the slice. */
static void set_carriers(duet_sim_hapgen_t *g, int32_t *slice, int n, uint64_t count,
                         uint8_t *a, duet_rng_t *rng)
{
    if (count > (uint64_t)n) count = (uint64_t)n;
    for (uint64_t j = 0; j < count; j++) {
        uint64_t r = j + duet_rng_below(rng, (uint64_t)n - j);
        int32_t t = slice[j];
        slice[j] = slice[r];
        slice[r] = t;
        a[slice[j]] = 1;
    }
    (void)g;
}

/* Positions hit by independent Bernoulli(rate) trials over [0, n), visited
 * by geometric jumps; calls flip/set on each. */
static void bernoulli_hits(duet_rng_t *rng, double rate, int n, uint8_t *a, int xor_mode)
{
    if (!(rate > 0)) return;
    double log_q = log1p(-rate);
    double pos = -1;
    for (;;) {
        pos += floor(log(duet_rng_uniform(rng)) / log_q) + 1.0;
        if (pos >= (double)n) break;
        if (xor_mode) a[(int)pos] ^= 1;
        else a[(int)pos] = 1;
    }
}

void duet_sim_hapgen_block(duet_sim_hapgen_t *g, const duet_sim_site_t *sites,
                           int n_sites, duet_rng_t *rng)
{
    const duet_sim_pop_t *pop = &g->pop;
    const int K = pop->n_founders, P = pop->n_pops, N = pop->n_samples;
    const int H = g->n_haps;

    /* Founder weights: base, then each population's drifted copy. */
    double base[DUET_SIM_MAX_FOUNDERS], shape[DUET_SIM_MAX_FOUNDERS], w[DUET_SIM_MAX_FOUNDERS];
    for (int f = 0; f < K; f++) shape[f] = 1.0;
    dirichlet(rng, shape, K, base);
    double conc = 1.0 / pop->fst - 1.0;
    for (int k = 0; k < P; k++) {
        for (int f = 0; f < K; f++) shape[f] = base[f] * conc;
        dirichlet(rng, shape, K, w);
        double c = 0;
        for (int f = 0; f < K; f++) g->cum[k][f] = c += w[f];
        g->cum[k][K - 1] = 1.0;
    }

    /* Each haplotype: one uniform picks the population (by the sample's
     * ancestry) and, rescaled, the founder (by that population's weights). */
    int32_t count[DUET_SIM_MAX_FOUNDERS] = { 0 };
    for (int i = 0; i < N; i++) {
        const double *q = pop->ancestry + (size_t)i * P;
        for (int j = 0; j < 2; j++) {
            /* 32 random bits are plenty to pick among a few founders, and
             * this loop draws one number per haplotype per block */
            double u = ((double)duet_rng_u32(rng) + 0.5) * 0x1p-32, acc = 0;
            int k = 0;
            for (; k < P - 1; k++) {
                if (u < acc + q[k] && q[k] > 0) break;
                acc += q[k];
            }
            double uk = q[k] > 0 ? (u - acc) / q[k] : u;
            if (uk < 0) uk = 0;
            int f = 0;
            while (f < K - 1 && !(uk < g->cum[k][f])) f++;
            g->founder[2 * i + j] = (uint8_t)f;
            count[f]++;
        }
    }
    g->bucket_start[0] = 0;
    for (int f = 0; f < K; f++) {
        g->bucket_start[f + 1] = g->bucket_start[f] + count[f];
        g->weight[f] = (double)count[f] / H;
    }
    int32_t fill[DUET_SIM_MAX_FOUNDERS];
    memcpy(fill, g->bucket_start, sizeof fill);
    for (int h = 0; h < H; h++) g->bucket[fill[g->founder[h]]++] = h;

    /* The block's genealogy: a random coalescent topology over the founders
     * (two random lineages merge at each step, as in Kingman's coalescent);
     * each node below the root is a clade that a mutation can mark. */
    uint32_t clade[2 * DUET_SIM_MAX_FOUNDERS];
    double clade_w[2 * DUET_SIM_MAX_FOUNDERS];
    int n_clades = 0;
    {
        uint32_t lineage[DUET_SIM_MAX_FOUNDERS];
        double lw[DUET_SIM_MAX_FOUNDERS];
        int n_lin = K;
        for (int f = 0; f < K; f++) {
            lineage[f] = 1u << f;
            lw[f] = g->weight[f];
        }
        while (n_lin > 1) {
            int x = (int)duet_rng_below(rng, (uint64_t)n_lin);
            int y = (int)duet_rng_below(rng, (uint64_t)n_lin - 1);
            if (y >= x) y++;
            if (x > y) { int t = x; x = y; y = t; }
            /* the two merged lineages become clades; the merge replaces x */
            clade[n_clades] = lineage[x];
            clade_w[n_clades++] = lw[x];
            clade[n_clades] = lineage[y];
            clade_w[n_clades++] = lw[y];
            lineage[x] |= lineage[y];
            lw[x] += lw[y];
            lineage[y] = lineage[--n_lin];
            lw[y] = lw[n_lin];
        }
    }

    for (int s = 0; s < n_sites; s++) {
        uint8_t *a = g->alleles + (size_t)s * H;
        double p = sites[s].maf;
        if (p < DUET_SIM_RARE_MAF) {
            memset(a, 0, (size_t)H);
            /* background founder, chosen by realised weight */
            double u = duet_rng_uniform(rng), acc = 0;
            int f = 0;
            for (; f < K - 1; f++) {
                acc += g->weight[f];
                if (u < acc && count[f] > 0) break;
            }
            while (count[f] == 0) f = (f + 1) % K; /* H > 0: terminates */
            int n_f = count[f];
            double share = p * H / n_f;
            uint64_t c = duet_rng_binomial(rng, (uint64_t)n_f, share < 1 ? share : 1);
            if (c == 0) c = 1;
            set_carriers(g, g->bucket + g->bucket_start[f], n_f, c, a, rng);
        } else {
            /* a clade of the block's genealogy, drawn with probability
             * proportional to exp(-6 |ln(weight / p)|): sites of similar
             * frequency tend to mark the same clade (strong LD) */
            double pick_w[2 * DUET_SIM_MAX_FOUNDERS], pick_sum = 0;
            for (int k = 0; k < n_clades; k++) {
                double lr = clade_w[k] > 0 ? fabs(log(clade_w[k] / p)) : 50;
                pick_sum += pick_w[k] = exp(-6.0 * lr);
            }
            double u = duet_rng_uniform(rng) * pick_sum;
            int chosen = n_clades - 1;
            for (int k = 0; k < n_clades; k++) {
                if (u < pick_w[k]) { chosen = k; break; }
                u -= pick_w[k];
            }
            if (clade_w[chosen] >= p) {
                /* thin the clade: each copy carries with p / weight */
                memset(a, 0, (size_t)H);
                double keep = p / clade_w[chosen];
                for (int f = 0; f < K; f++) {
                    if (!(clade[chosen] >> f & 1) || count[f] == 0) continue;
                    uint64_t c = duet_rng_binomial(rng, (uint64_t)count[f], keep);
                    set_carriers(g, g->bucket + g->bucket_start[f], count[f], c, a, rng);
                }
                bernoulli_hits(rng, pop->noise, H, a, 1);
                if (sites[s].alt_major)
                    for (int h = 0; h < H; h++) a[h] ^= 1;
                goto missing;
            }
            uint32_t mask = clade[chosen];
            double cum = clade_w[chosen];
            /* the remainder from other founders, in random order: whole
             * while they fit, then a random share of one (E[AF] = p) */
            int perm[DUET_SIM_MAX_FOUNDERS];
            for (int f = 0; f < K; f++) perm[f] = f;
            for (int f = K - 1; f > 0; f--) {
                int r = (int)duet_rng_below(rng, (uint64_t)f + 1);
                int t = perm[f];
                perm[f] = perm[r];
                perm[r] = t;
            }
            int partial = -1;
            double rest = 0;
            for (int j = 0; j < K; j++) {
                int f = perm[j];
                if (count[f] == 0 || (mask >> f & 1)) continue;
                if (cum + g->weight[f] <= p) {
                    mask |= 1u << f;
                    cum += g->weight[f];
                } else {
                    partial = f;
                    rest = (p - cum) / g->weight[f];
                    break;
                }
            }
            uint8_t lut[DUET_SIM_MAX_FOUNDERS] = { 0 };
            for (int f = 0; f < K; f++) lut[f] = mask >> f & 1;
            for (int h = 0; h < H; h++) a[h] = lut[g->founder[h]];
            if (partial >= 0 && rest > 0) {
                int n_f = count[partial];
                uint64_t c = duet_rng_binomial(rng, (uint64_t)n_f, rest);
                set_carriers(g, g->bucket + g->bucket_start[partial], n_f, c, a, rng);
            }
            bernoulli_hits(rng, pop->noise, H, a, 1);
        }
        if (sites[s].alt_major)
            for (int h = 0; h < H; h++) a[h] ^= 1;
    missing:;
        uint8_t *m = g->missing + (size_t)s * N;
        memset(m, 0, (size_t)N);
        bernoulli_hits(rng, sites[s].miss_rate, N, m, 0);
    }
}
