/*
 * phenotypes.c -- traits from the genetic values the genotype pass summed:
 * each trait, in catalogue order, adds sex, age, ancestry, links to earlier
 * traits and (for one trait) the burden-gene alleles to the genetic value.
 *
 * G = sum over the trait's causal variants of beta * (ALT count - its mean
 * in the cohort): genotypes are centred, so G averages 0 and the intercepts
 * keep their meaning whatever the allele frequencies.  Age enters per 10
 * years from 50, sex as male vs female.
 *
 *   quantitative:  z = G + covariates + links + residual_sd * e,  e ~ N(0,1)
 *                  level = clamp(mean + sd * z, lo, hi)
 *   binary:        logit P(case) = a + G + covariates + links
 *                  with a solved (bisection) so that the mean probability
 *                  over eligible people equals the target prevalence.
 *
 * Effects of binary traits are log-odds ratios of this logistic model,
 * exactly; those of quantitative traits are in SD units of z.  Every person
 * draws from its own stream per trait, so the loop is parallel and
 * deterministic; the intercept's sum runs in person order.
 *
 * The polygenic-only trait (--polygenic-h2 H, --polygenic-causal M) follows
 * GCTA's --simu-qt (Yang et al. 2011): standardised effects b_j ~ N(0, H/M)
 * at M common variants, g_i = sum_j b_j (x_ij - 2 p_j) / sqrt(2 p_j (1 - p_j))
 * with p_j the ALT frequency of the true alleles over the whole sample, so
 * g is an exact sum of per-allele effects a_j = b_j / sqrt(2 p_j (1 - p_j)).
 * g is then scaled so that its sample variance is exactly H (the effects
 * with it: truth.tsv lists the scaled ones), and y = g + e with
 * e ~ N(0, 1 - H); var(g) / var(y) is therefore H in expectation over e
 * (GCTA sets var(e) = var(g) (1 - H) / H from the sample's var(g), the
 * same rule with var(g) fixed to H), and truth.tsv records the realised
 * ratio.
 */
#include <math.h>
#include <stdlib.h>

#include "duet/log.h"
#include "sim_internal.h"

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

static int eligible(const sim_cohort_t *c, const sim_trait_t *tr, int i)
{
    return tr->sex_only != SIM_SEX_FEMALE || !c->male[i];
}

int64_t sim_polygenic_effect_q(double std_effect, uint32_t true_ac, int n_samples)
{
    double p = true_ac / (2.0 * n_samples);
    double v = 2.0 * p * (1.0 - p);
    return v > 0 ? llround(std_effect / sqrt(v) * SIM_EFFECT_SCALE) : 0;
}

/* Genetic value of trait t for person i, centred by the cohort mean:
 * N * G_i = N * gsum_i - sum_j beta_j ac_j, in integers; `offset` is the
 * sum. */
static int64_t gsum_offset(const sim_cohort_t *c, int t)
{
    int64_t offset = 0;
    for (int e = 0; e < c->n_eff; e++)
        if (c->eff[e].trait == t) offset += c->eff[e].effect_q * (int64_t)c->var[c->eff[e].variant].true_ac;
    return offset;
}

/* The polygenic-only trait into c->poly_y; its scale and realised h2. */
static duet_err_t polygenic_trait(sim_cohort_t *c)
{
    const int N = c->n_samples, t = c->poly_trait;
    const double h2 = c->opts->polygenic_h2;
    const int64_t *gs = c->gsum + (size_t)t * N;
    const int64_t offset = gsum_offset(c, t);
    const double unit = (double)N * SIM_EFFECT_SCALE;
    double *g = duet_malloc((size_t)N * sizeof *g);
    c->poly_y = duet_malloc((size_t)N * sizeof *c->poly_y);
    if (!g || !c->poly_y) {
        free(g);
        return DUET_ENOMEM;
    }
    double mean = 0, var = 0;
    for (int i = 0; i < N; i++) mean += g[i] = (double)(gs[i] * N - offset) / unit;
    mean /= N;
    for (int i = 0; i < N; i++) var += (g[i] - mean) * (g[i] - mean);
    var /= N - 1;
    if (!(var > 0)) {
        duet_log_error("--polygenic-h2: none of the %d causal variants varies among the %d samples", c->poly_n_causal,
                       N);
        free(g);
        return DUET_EDEGENERATE;
    }
    c->poly_scale = sqrt(h2 / var);
    const double sd_e = sqrt(1.0 - h2);
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        duet_rng_t r;
        duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_PHENO, t, (uint64_t)i));
        g[i] *= c->poly_scale;
        c->poly_y[i] = g[i] + sd_e * duet_rng_normal(&r);
    }
    double my = 0, vg = 0, vy = 0;
    mean *= c->poly_scale;
    for (int i = 0; i < N; i++) my += c->poly_y[i];
    my /= N;
    for (int i = 0; i < N; i++) {
        vg += (g[i] - mean) * (g[i] - mean);
        vy += (c->poly_y[i] - my) * (c->poly_y[i] - my);
    }
    c->poly_h2 = vg / vy;
    free(g);
    duet_log_info("%s: h2 %.4f planned, %.4f realised (var(g) / var(y)); %d causal variants",
                  DUET_SIM_POLYGENIC_NAME, h2, c->poly_h2, c->poly_n_causal);
    return DUET_OK;
}

duet_err_t sim_phenotypes(sim_cohort_t *c)
{
    const int N = c->n_samples;
    for (int t = 0; t < sim_n_traits; t++) {
        const sim_trait_t *tr = &sim_traits[t];
        double *z = c->z + (size_t)t * N;
        int8_t *status = c->status + (size_t)t * N;
        double *level = c->level + (size_t)t * N;
        const int64_t *g = c->gsum + (size_t)t * N;
        const int64_t offset = gsum_offset(c, t);
        const double scale = (double)N * SIM_EFFECT_SCALE;

#pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++) {
            double x = (double)(g[i] * N - offset) / scale;
            x += c->male[i] * tr->male + (c->age[i] - 50.0) / 10.0 * tr->age10;
            for (int k = 0; k < SIM_N_POPS; k++) x += tr->anc[k] * c->ancestry[(size_t)i * SIM_N_POPS + k];
            for (int l = 0; l < tr->n_links; l++) {
                int src = tr->links[l].trait;
                double v = sim_traits[src].binary ? c->status[(size_t)src * N + i] == 1
                                                  : c->z[(size_t)src * N + i];
                x += tr->links[l].effect * v;
            }
            if (t == sim_burden.trait)
                x += sim_burden.plof * c->n_plof[i] + sim_burden.missense * c->n_missense[i];
            if (tr->binary) {
                z[i] = x;
                continue;
            }
            duet_rng_t r;
            duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_PHENO, t, (uint64_t)i));
            z[i] = x + tr->residual_sd * duet_rng_normal(&r);
            double v = tr->mean + tr->sd * z[i];
            level[i] = v < tr->lo ? tr->lo : v > tr->hi ? tr->hi : v;
        }
        if (!tr->binary) continue;

        int n_elig = 0;
        for (int i = 0; i < N; i++) n_elig += eligible(c, tr, i);
        if (n_elig == 0) {
            c->intercept[t] = NAN;
            c->n_eligible[t] = c->n_cases[t] = 0;
            continue;
        }
        double lo = -40, hi = 40;
        for (int it = 0; it < 200 && hi - lo > 1e-12; it++) {
            double mid = 0.5 * (lo + hi), sum = 0;
            for (int i = 0; i < N; i++)
                if (eligible(c, tr, i)) sum += logistic(mid + z[i]);
            if (sum / n_elig < tr->prevalence) lo = mid;
            else hi = mid;
        }
        double a = 0.5 * (lo + hi);
        c->intercept[t] = a;
        double s1 = 0, s2 = 0;
        for (int i = 0; i < N; i++)
            if (eligible(c, tr, i)) s1 += z[i];
        s1 /= n_elig;
        for (int i = 0; i < N; i++)
            if (eligible(c, tr, i)) s2 += (z[i] - s1) * (z[i] - s1);
        c->eta_mean[t] = s1;
        c->eta_sd[t] = n_elig > 1 && s2 > 0 ? sqrt(s2 / (n_elig - 1)) : 1.0;
#pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++) {
            if (!eligible(c, tr, i)) {
                status[i] = -1;
                continue;
            }
            duet_rng_t r;
            duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_PHENO, t, (uint64_t)i));
            status[i] = duet_rng_uniform(&r) < logistic(a + z[i]);
        }
        int n_cases = 0;
        for (int i = 0; i < N; i++) n_cases += status[i] == 1;
        c->n_eligible[t] = n_elig;
        c->n_cases[t] = n_cases;
    }
    return c->poly_trait >= 0 ? polygenic_trait(c) : DUET_OK;
}
