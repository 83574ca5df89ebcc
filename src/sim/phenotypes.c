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
 */
#include <math.h>

#include "duet/log.h"
#include "sim_internal.h"

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

static int eligible(const sim_cohort_t *c, const sim_trait_t *tr, int i)
{
    return tr->sex_only != SIM_SEX_FEMALE || !c->male[i];
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
        /* centring, in integers: N * G_i = N * gsum_i - sum_j beta_j ac_j */
        int64_t offset = 0;
        for (int e = 0; e < c->n_eff; e++)
            if (c->eff[e].trait == t) offset += c->eff[e].effect_q * (int64_t)c->var[c->eff[e].variant].true_ac;
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
    return DUET_OK;
}
