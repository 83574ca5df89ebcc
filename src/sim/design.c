/*
 * design.c -- the plan of a simulated cohort, drawn before any genotype:
 * the people (sex, birth date, observation period, ancestry), the variants
 * (genes they fall in, positions, alleles, consequence, target allele
 * frequency, LD block, missing rate) and the causal effects (planted common
 * variants, the polygenic background, the burden gene).
 *
 * People draw from one stream each, so they can be drawn in parallel; the
 * variant plan draws from a single sequential stream (it is O(variants) and
 * cheap).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "sim_internal.h"

const char *sim_csq_name(int csq)
{
    switch (csq) {
    case SIM_CSQ_PLOF: return "pLoF";
    case SIM_CSQ_MISSENSE: return "missense";
    case SIM_CSQ_SYNONYMOUS: return "synonymous";
    }
    return "intergenic";
}

void sim_variant_id(const sim_cohort_t *c, int v, char *buf, size_t size)
{
    const sim_variant_t *x = &c->var[v];
    snprintf(buf, size, "%d:%lld:%c:%c", x->chrom, (long long)x->pos, x->ref, x->alt);
}

void sim_sample_name(const sim_cohort_t *c, int i, char *buf, size_t size)
{
    snprintf(buf, size, "S%0*d", c->sample_width, i + 1);
}

void sim_cohort_free(sim_cohort_t *c)
{
    sim_background_free(&c->bg);
    free(c->var);
    free(c->block_start);
    free(c->eff);
    free(c->eff_start);
    free(c->gene_n_variants);
    free(c->male);
    free(c->birth);
    free(c->obs_start);
    free(c->obs_end);
    free(c->age);
    free(c->ancestry);
    free(c->gsum);
    free(c->n_plof);
    free(c->n_missense);
    free(c->z);
    free(c->status);
    free(c->level);
    free(c->poly_y);
}

/* ------------------------------------------------------------------ */
/* People */

static void draw_person(sim_cohort_t *c, int i)
{
    duet_rng_t r;
    duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_PERSON, 0, (uint64_t)i));
    c->male[i] = duet_rng_uniform(&r) < 0.5;
    int yob = 1935 + (int)duet_rng_below(&r, 66);
    int mob = 1 + (int)duet_rng_below(&r, 12);
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (yob % 4 == 0 && yob % 100 != 0) || yob % 400 == 0;
    int dob = 1 + (int)duet_rng_below(&r, (uint64_t)(dim[mob - 1] + (mob == 2 && leap)));
    int32_t birth = duet_sim_days_from_civil(yob, mob, dob);
    int32_t end_lo = duet_sim_days_from_civil(2019, 1, 1);
    int32_t end_hi = duet_sim_days_from_civil(2023, 12, 31);
    int32_t end = end_lo + (int32_t)duet_rng_below(&r, (uint64_t)(end_hi - end_lo + 1));
    double years = 2.0 + 20.0 * duet_rng_uniform(&r);
    int32_t start = end - (int32_t)(years * 365.25);
    int32_t first = duet_sim_days_from_civil(2000, 1, 1);
    int32_t adult = birth + (int32_t)(18 * 365.25);
    if (start < first) start = first;
    if (start < adult) start = adult;
    if (start > end - 180) start = end - 180;
    c->birth[i] = birth;
    c->obs_start[i] = start;
    c->obs_end[i] = end;
    c->age[i] = (end - birth) / 365.25;

    /* Ancestry: a home population, and a Beta(0.5, 6) share (mean 8%)
     * split between the two others. */
    double *q = c->ancestry + (size_t)i * SIM_N_POPS;
    double u = duet_rng_uniform(&r);
    int home = u < 0.70 ? 0 : u < 0.90 ? 1 : 2;
    double a = duet_rng_beta(&r, 0.5, 6.0), v = duet_rng_uniform(&r);
    int o1 = (home + 1) % 3, o2 = (home + 2) % 3;
    q[home] = 1.0 - a;
    q[o1] = a * v;
    q[o2] = a * (1.0 - v);
}

/* ------------------------------------------------------------------ */
/* Variants */

static int find_gene(const duet_sim_genes_t *g, const char *symbol)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->genes[i].symbol, symbol)) return i;
    return -1;
}

/* A gene of at least 5 kb not yet used, for a planted gene the table lacks. */
static int fallback_gene(const duet_sim_genes_t *g, const uint8_t *used, duet_rng_t *r)
{
    for (int tries = 0; tries < 100000; tries++) {
        int i = (int)duet_rng_below(r, (uint64_t)g->n);
        if (!used[i] && g->genes[i].end - g->genes[i].start0 >= 5000) return i;
    }
    for (int i = 0; i < g->n; i++)
        if (!used[i]) return i;
    return (int)duet_rng_below(r, (uint64_t)g->n);
}

static void draw_position(sim_cohort_t *c, sim_variant_t *v, duet_rng_t *r)
{
    const duet_sim_gene_t *g = &c->genes->genes[v->gene];
    int64_t chr_len = duet_sim_grch37_length(g->chrom);
    int64_t lo = g->start0 + 1, hi = g->end; /* 1-based, inclusive */
    if (!v->genic) {
        int64_t flo, fhi;
        if (duet_rng_uniform(r) < 0.5) {
            flo = g->start0 + 1 - SIM_FLANK_BP;
            fhi = g->start0;
        } else {
            flo = g->end + 1;
            fhi = g->end + SIM_FLANK_BP;
        }
        if (flo < 1) flo = 1;
        if (fhi > chr_len) fhi = chr_len;
        if (flo <= fhi) {
            lo = flo;
            hi = fhi;
        } else {
            v->genic = 1;
        }
    }
    v->chrom = (uint8_t)g->chrom;
    v->pos = lo + (int64_t)duet_rng_below(r, (uint64_t)(hi - lo + 1));
}

static void draw_alleles(sim_variant_t *v, duet_rng_t *r)
{
    static const char base[4] = { 'A', 'C', 'G', 'T' };
    static const char transition[4] = { 'G', 'T', 'A', 'C' };
    int b = (int)duet_rng_below(r, 4);
    v->ref = base[b];
    if (duet_rng_uniform(r) < 2.0 / 3.0) { /* Ts/Tv about 2 */
        v->alt = transition[b];
    } else {
        int t;
        do t = (int)duet_rng_below(r, 4); while (t == b || base[t] == transition[b]);
        v->alt = base[t];
    }
}

static uint8_t draw_csq(double maf, duet_rng_t *r)
{
    double u = duet_rng_uniform(r);
    if (maf < DUET_SIM_RARE_MAF)
        return u < 0.08 ? SIM_CSQ_PLOF : u < 0.60 ? SIM_CSQ_MISSENSE : SIM_CSQ_SYNONYMOUS;
    return u < 0.01 ? SIM_CSQ_PLOF : u < 0.35 ? SIM_CSQ_MISSENSE : SIM_CSQ_SYNONYMOUS;
}

static float draw_miss(duet_rng_t *r)
{
    double m = SIM_MISS_MEAN * duet_rng_exponential(r);
    return (float)(m < 0.05 ? m : 0.05);
}

static int cmp_variant(const void *a, const void *b)
{
    const sim_variant_t *x = a, *y = b;
    if (x->chrom != y->chrom) return x->chrom < y->chrom ? -1 : 1;
    if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_effect(const void *a, const void *b)
{
    const sim_effect_t *x = a, *y = b;
    if (x->variant != y->variant) return x->variant < y->variant ? -1 : 1;
    return x->trait < y->trait ? -1 : x->trait > y->trait;
}

/* The genes that get variants: the planted ones and the burden gene first
 * (fallbacks for those the table lacks), then others at random, so that
 * chromosomes are weighted by gene count.  Fills chosen[0..*n_chosen),
 * marks them in `used`, and the planted genes per (trait, entry). */
static duet_err_t design_genes(sim_cohort_t *c, duet_rng_t *r, uint8_t *used, int32_t *chosen, int *n_chosen_out,
                               int32_t planted_gene[16][SIM_MAX_PLANTED])
{
    const duet_sim_genes_t *G = c->genes;
    int n_chosen = 0;
    for (int t = 0; t < sim_n_traits; t++) {
        for (int k = 0; k < sim_traits[t].n_planted; k++) {
            const char *sym = sim_traits[t].planted[k].gene;
            int gi = find_gene(G, sym);
            if (gi < 0) {
                gi = fallback_gene(G, used, r);
                duet_log_warn("gene %s (planted for %s) is not in the gene table; using %s instead",
                              sym, sim_traits[t].name, G->genes[gi].symbol);
            }
            planted_gene[t][k] = gi;
            if (!used[gi]) { used[gi] = 1; chosen[n_chosen++] = gi; }
        }
    }
    int burden_gene = find_gene(G, sim_burden.gene);
    if (burden_gene < 0 || used[burden_gene]) {
        int gi = fallback_gene(G, used, r);
        duet_log_warn("burden gene %s is not in the gene table (or is planted); using %s instead",
                      sim_burden.gene, G->genes[gi].symbol);
        burden_gene = gi;
    }
    used[burden_gene] = 1;
    chosen[n_chosen++] = burden_gene;
    c->burden_gene = burden_gene;
    c->burden_symbol = G->genes[burden_gene].symbol;

    int n_genes = (int)lround(c->n_variants * SIM_GENIC_FRACTION / 12.0);
    if (n_genes < n_chosen + 1) n_genes = n_chosen + 1;
    if (n_genes > G->n) n_genes = G->n;
    int32_t *pool = duet_malloc((size_t)G->n * sizeof *pool);
    if (!pool) return DUET_ENOMEM;
    int n_pool = 0;
    for (int i = 0; i < G->n; i++)
        if (!used[i]) pool[n_pool++] = i;
    while (n_chosen < n_genes && n_pool > 0) {
        int j = (int)duet_rng_below(r, (uint64_t)n_pool);
        chosen[n_chosen++] = pool[j];
        used[pool[j]] = 1;
        pool[j] = pool[--n_pool];
    }
    free(pool);
    *n_chosen_out = n_chosen;
    return DUET_OK;
}

/* The variants, in creation order: planted, burden, then the rest over the
 * chosen genes (weights ~ sqrt(length); the burden gene holds only its
 * own).  `cum` has room for n_chosen weights. */
static void design_sites(sim_cohort_t *c, duet_rng_t *r, const int32_t *chosen, int n_chosen,
                         int32_t planted_gene[16][SIM_MAX_PLANTED], double *cum)
{
    const duet_sim_genes_t *G = c->genes;
    const int M = c->n_variants, N = c->n_samples;
    int n_burden = (int)lround(M / 400.0);
    if (n_burden < 6) n_burden = 6;
    if (n_burden > 30) n_burden = 30;
    int nv = 0;
    for (int t = 0; t < sim_n_traits; t++) {
        for (int k = 0; k < sim_traits[t].n_planted; k++) {
            sim_variant_t *v = &c->var[nv];
            double af = sim_traits[t].planted[k].alt_af;
            v->seq = nv++;
            v->gene = planted_gene[t][k];
            v->genic = 1;
            v->role = SIM_ROLE_PLANTED;
            v->role_trait = (int16_t)t;
            v->role_index = (int16_t)k;
            v->maf = af <= 0.5 ? af : 1.0 - af;
            v->alt_major = af > 0.5;
            v->csq = draw_csq(v->maf, r);
            v->miss_rate = draw_miss(r);
            draw_alleles(v, r);
            draw_position(c, v, r);
        }
    }
    double min_maf = 0.5 / (2.0 * N);
    for (int k = 0; k < n_burden; k++) {
        sim_variant_t *v = &c->var[nv];
        v->seq = nv++;
        v->gene = c->burden_gene;
        v->genic = 1;
        v->role = SIM_ROLE_BURDEN;
        v->maf = min_maf < sim_burden.max_maf
                     ? min_maf * exp(duet_rng_uniform(r) * log(sim_burden.max_maf / min_maf))
                     : sim_burden.max_maf;
        double u = duet_rng_uniform(r);
        v->csq = u < sim_burden.p_plof ? SIM_CSQ_PLOF
                 : u < sim_burden.p_plof + sim_burden.p_missense ? SIM_CSQ_MISSENSE
                                                                 : SIM_CSQ_SYNONYMOUS;
        v->miss_rate = draw_miss(r);
        draw_alleles(v, r);
        draw_position(c, v, r);
    }
    double total = 0;
    for (int j = 0; j < n_chosen; j++) {
        int gi = chosen[j];
        double w = gi == c->burden_gene ? 0 : sqrt((double)(G->genes[gi].end - G->genes[gi].start0));
        cum[j] = total += w;
    }
    while (nv < M) {
        sim_variant_t *v = &c->var[nv];
        v->seq = nv++;
        double u = duet_rng_uniform(r) * total;
        int lo = 0, hi = n_chosen - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (u < cum[mid]) hi = mid;
            else lo = mid + 1;
        }
        v->gene = chosen[lo];
        v->genic = duet_rng_uniform(r) < SIM_GENIC_FRACTION;
        v->maf = duet_sim_draw_maf(r, N);
        v->alt_major = v->maf >= DUET_SIM_RARE_MAF && duet_rng_uniform(r) < 0.2;
        v->csq = v->genic ? draw_csq(v->maf, r) : SIM_CSQ_NONE;
        v->miss_rate = draw_miss(r);
        draw_alleles(v, r);
        draw_position(c, v, r);
        if (!v->genic) v->csq = SIM_CSQ_NONE;
        else if (v->csq == SIM_CSQ_NONE) v->csq = draw_csq(v->maf, r);
    }
}

/* Sort the variants (positions must be unique: redraw collisions until
 * none), then cut LD blocks: runs of nearby sites on one chromosome. */
static duet_err_t design_blocks(sim_cohort_t *c, duet_rng_t *r)
{
    const int M = c->n_variants;
    for (;;) {
        qsort(c->var, (size_t)M, sizeof *c->var, cmp_variant);
        int dups = 0;
        for (int i = 1; i < M; i++) {
            if (c->var[i].chrom == c->var[i - 1].chrom && c->var[i].pos == c->var[i - 1].pos) {
                draw_position(c, &c->var[i], r);
                dups++;
            }
        }
        if (!dups) break;
    }

    c->block_start = duet_malloc(((size_t)M + 1) * sizeof *c->block_start);
    if (!c->block_start) return DUET_ENOMEM;
    int nb = 0;
    c->max_block_sites = 0;
    for (int i = 0; i < M; i++) {
        if (i == 0 || c->var[i].chrom != c->var[c->block_start[nb - 1]].chrom ||
            c->var[i].pos - c->var[c->block_start[nb - 1]].pos > SIM_BLOCK_MAX_BP ||
            i - c->block_start[nb - 1] >= SIM_BLOCK_MAX_SITES)
            c->block_start[nb++] = i;
        c->var[i].block = nb - 1;
    }
    c->block_start[nb] = M;
    c->n_blocks = nb;
    for (int b = 0; b < nb; b++) {
        int n = c->block_start[b + 1] - c->block_start[b];
        if (n > c->max_block_sites) c->max_block_sites = n;
    }
    return DUET_OK;
}

/* Common variants that no catalogue trait plants (target MAF >= 1%), in
 * position order: the pool of the polygenic backgrounds. */
static int common_pool(const sim_cohort_t *c, int32_t *eligible)
{
    int n_elig = 0;
    for (int i = 0; i < c->n_variants; i++)
        if (c->var[i].role == SIM_ROLE_NORMAL && c->var[i].maf >= DUET_SIM_RARE_MAF) eligible[n_elig++] = i;
    return n_elig;
}

/* The causal variants of the polygenic-only trait (--polygenic-h2), from
 * their own stream so that the catalogue's draws stay what they are
 * without it: M distinct common variants, standardised effects
 * N(0, h2 / M) (GCTA --simu-qt; per-allele effects come from them once the
 * genotype pass knows each variant's frequency). */
static void design_polygenic(sim_cohort_t *c, int32_t *eligible, int n_elig)
{
    const duet_sim_opts_t *o = c->opts;
    duet_rng_t r;
    duet_rng_init(&r, o->seed, sim_stream(SIM_NS_DESIGN, 1, 0));
    int n = o->polygenic_causal < n_elig ? o->polygenic_causal : n_elig;
    if (n < o->polygenic_causal)
        duet_log_warn("--polygenic-causal %d: only %d common variants can be causal; using all of them",
                      o->polygenic_causal, n_elig);
    c->poly_n_causal = n;
    const double sd = n > 0 ? sqrt(o->polygenic_h2 / n) : 0;
    for (int j = 0; j < n; j++) {
        int k = j + (int)duet_rng_below(&r, (uint64_t)(n_elig - j));
        int32_t tmp = eligible[j];
        eligible[j] = eligible[k];
        eligible[k] = tmp;
        c->eff[c->n_eff++] = (sim_effect_t){ eligible[j], (int16_t)c->poly_trait, 0, 0,
                                             duet_rng_normal(&r) * sd };
    }
}

/* Effects: planted, then each trait's polygenic background drawn from the
 * common non-planted variants (GCTA-style: var(beta) scaled by
 * 1 / (2p(1-p)) so each variant explains about poly_var / n), then the
 * polygenic-only trait; sorted by variant and trait, indexed by variant. */
static duet_err_t design_effects(sim_cohort_t *c, duet_rng_t *r, int n_planted)
{
    const int M = c->n_variants;
    int n_eff_max = n_planted + (c->poly_trait >= 0 ? c->opts->polygenic_causal : 0);
    for (int t = 0; t < sim_n_traits; t++) n_eff_max += sim_traits[t].n_poly;
    c->eff = duet_malloc(((size_t)n_eff_max + 1) * sizeof *c->eff);
    int32_t *eligible = duet_malloc((size_t)M * sizeof *eligible);
    c->eff_start = duet_malloc(((size_t)M + 1) * sizeof *c->eff_start);
    if (!c->eff || !eligible || !c->eff_start) {
        free(eligible);
        return DUET_ENOMEM;
    }
    c->n_eff = 0;
    memset(c->planted_variant, 0xff, sizeof c->planted_variant);
    for (int i = 0; i < M; i++) {
        const sim_variant_t *v = &c->var[i];
        if (v->genic) c->gene_n_variants[v->gene]++;
        if (v->role != SIM_ROLE_PLANTED) continue;
        const sim_planted_t *p = &sim_traits[v->role_trait].planted[v->role_index];
        c->planted_variant[v->role_trait][v->role_index] = i;
        c->eff[c->n_eff++] = (sim_effect_t){ i, v->role_trait, 1, llround(p->effect * SIM_EFFECT_SCALE), 0 };
    }
    int n_elig = common_pool(c, eligible);
    for (int t = 0; t < sim_n_traits; t++) {
        int n = sim_traits[t].n_poly;
        if (n > n_elig / 5) n = n_elig / 5;
        if (n <= 0) continue;
        for (int j = 0; j < n; j++) {
            int k = j + (int)duet_rng_below(r, (uint64_t)(n_elig - j));
            int32_t tmp = eligible[j];
            eligible[j] = eligible[k];
            eligible[k] = tmp;
            double p = c->var[eligible[j]].maf;
            double sd = sqrt(sim_traits[t].poly_var / (n * 2.0 * p * (1.0 - p)));
            int64_t q = llround(duet_rng_normal(r) * sd * SIM_EFFECT_SCALE);
            if (q == 0) q = 1;
            c->eff[c->n_eff++] = (sim_effect_t){ eligible[j], (int16_t)t, 0, q, 0 };
        }
    }
    if (c->poly_trait >= 0) design_polygenic(c, eligible, common_pool(c, eligible));
    qsort(c->eff, (size_t)c->n_eff, sizeof *c->eff, cmp_effect);
    for (int i = 0, e = 0; i <= M; i++) {
        while (e < c->n_eff && c->eff[e].variant < i) e++;
        c->eff_start[i] = e;
    }
    free(eligible);
    return DUET_OK;
}

static duet_err_t design_variants(sim_cohort_t *c)
{
    duet_err_t err = DUET_OK;
    const duet_sim_genes_t *G = c->genes;
    duet_rng_t r;
    duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_DESIGN, 0, 0));

    uint8_t *used = duet_calloc((size_t)G->n, 1);
    int32_t *chosen = duet_malloc((size_t)G->n * sizeof *chosen);
    double *cum = duet_malloc((size_t)G->n * sizeof *cum);
    c->var = duet_calloc((size_t)c->n_variants, sizeof *c->var);
    c->gene_n_variants = duet_calloc((size_t)G->n, sizeof *c->gene_n_variants);
    if (!used || !chosen || !cum || !c->var || !c->gene_n_variants) { err = DUET_ENOMEM; goto cleanup; }

    int n_chosen = 0, n_planted = 0;
    int32_t planted_gene[16][SIM_MAX_PLANTED];
    for (int t = 0; t < sim_n_traits; t++) n_planted += sim_traits[t].n_planted;
    err = design_genes(c, &r, used, chosen, &n_chosen, planted_gene);
    if (err) goto cleanup;
    design_sites(c, &r, chosen, n_chosen, planted_gene, cum);
    err = design_blocks(c, &r);
    if (!err) err = design_effects(c, &r, n_planted);

cleanup:
    free(used);
    free(chosen);
    free(cum);
    return err;
}

duet_err_t sim_design(sim_cohort_t *c)
{
    const int N = c->n_samples;
    int w = 1;
    for (int n = N; n >= 10; n /= 10) w++;
    c->sample_width = w < 6 ? 6 : w;
    c->poly_trait = c->opts->polygenic_h2 > 0 ? sim_n_traits : -1;
    c->n_gtraits = sim_n_traits + (c->poly_trait >= 0);

    c->male = duet_malloc((size_t)N);
    c->birth = duet_malloc((size_t)N * sizeof *c->birth);
    c->obs_start = duet_malloc((size_t)N * sizeof *c->obs_start);
    c->obs_end = duet_malloc((size_t)N * sizeof *c->obs_end);
    c->age = duet_malloc((size_t)N * sizeof *c->age);
    c->ancestry = duet_malloc((size_t)N * SIM_N_POPS * sizeof *c->ancestry);
    c->gsum = duet_calloc((size_t)N * c->n_gtraits, sizeof *c->gsum);
    c->n_plof = duet_calloc((size_t)N, sizeof *c->n_plof);
    c->n_missense = duet_calloc((size_t)N, sizeof *c->n_missense);
    c->z = duet_calloc((size_t)N * sim_n_traits, sizeof *c->z);
    c->status = duet_malloc((size_t)N * sim_n_traits);
    c->level = duet_calloc((size_t)N * sim_n_traits, sizeof *c->level);
    if (!c->male || !c->birth || !c->obs_start || !c->obs_end || !c->age || !c->ancestry ||
        !c->gsum || !c->n_plof || !c->n_missense || !c->z || !c->status || !c->level)
        return DUET_ENOMEM;
    memset(c->status, 0xff, (size_t)N * sim_n_traits);

#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) draw_person(c, i);

    return design_variants(c);
}
