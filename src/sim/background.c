/*
 * background.c -- the background phenome of the simulated health records:
 * diagnoses with no genetic effect, one for (almost) every phecode 1.2, so
 * that a genotype-first scan of the whole phenome (PheWAS) sees a realistic
 * number of traits of realistic sizes, all of them null except the planted
 * diseases.
 *
 * Each background phecode gets one ICD-10-CM and one ICD-9-CM code from the
 * phecode 1.2 map that duet embeds (duet/phecode.h), chosen by a fixed rule
 * (sim_background_plan), and a person-level prevalence drawn log-uniformly
 * on [SIM_BG_PREV_LO, SIM_BG_PREV_HI].  Phecodes that would touch a planted
 * disease (its phecode or anything in its exclusion ranges) are left out, so
 * the planted diseases' cases and controls are exactly those of pheno.tsv.
 *
 * A person carries each eligible background phecode independently with its
 * prevalence.  Drawing ~1,700 Bernoulli variables per person would cost
 * more than the rest of the EHR, so the phecodes are sorted by prevalence
 * and cut into bins whose prevalences lie within a factor of two; inside a
 * bin candidates are visited with geometric gaps at the bin's largest
 * prevalence q and each candidate k is kept with probability p_k / q
 * (thinning): every phecode is still an independent Bernoulli(p_k), at
 * about two uniform draws per phecode a person has (Devroye 1986, Non-
 * Uniform Random Variate Generation, ch. VI.3 and X.3).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/tsv.h"
#include "duet/version.h"
#include "sim_internal.h"

void sim_background_free(sim_background_t *bg)
{
    free(bg->phe);
    free(bg->order);
    free(bg->bin_start);
    free(bg->bin_p);
    duet_phecode_table_destroy(bg->table);
    memset(bg, 0, sizeof *bg);
}

/* Does the map row (vocabulary, code) also exist, as a code of its own, in
 * the other vocabulary?  Such codes are left out: their reading would hang
 * on the date alone. */
static int in_other_vocab(const duet_phecode_table_t *tab, duet_vocab_t vocab, const char *code)
{
    const uint16_t *ids;
    int n;
    duet_vocab_t other = vocab == DUET_VOCAB_ICD10CM ? DUET_VOCAB_ICD9CM : DUET_VOCAB_ICD10CM;
    duet_map_how_t how = duet_phecode_lookup(tab, other, code, &ids, &n);
    return how != DUET_MAP_NONE && how != DUET_MAP_ANCESTOR;
}

/* Is phecode `p` (a table index) more specific than phecode `q`: its code
 * extends q's ("250.21" under "250.2")? */
static int extends(const duet_phecode_table_t *tab, int p, int q)
{
    const char *a = duet_phecode_def(tab, p)->phecode, *b = duet_phecode_def(tab, q)->phecode;
    size_t lb = strlen(b);
    return p != q && strlen(a) > lb && !strncmp(a, b, lb);
}

static const sim_background_t *sort_bg;

static int cmp_prevalence(const void *x, const void *y)
{
    int a = *(const int32_t *)x, b = *(const int32_t *)y;
    double pa = sort_bg->phe[a].prevalence, pb = sort_bg->phe[b].prevalence;
    if (pa != pb) return pa > pb ? -1 : 1;
    return a < b ? -1 : a > b;
}

duet_err_t sim_background_plan(sim_cohort_t *c)
{
    sim_background_t *bg = &c->bg;
    duet_err_t err = duet_phecode_table_load("1.2", &bg->table);
    if (err) return err;
    const duet_phecode_table_t *tab = bg->table;
    const int n_phe = duet_phecode_count(tab), n_map = duet_phecode_map_count(tab);
    uint8_t *blocked = duet_calloc((size_t)n_phe, 1);
    int32_t *best[2] = { duet_malloc((size_t)n_phe * sizeof(int32_t)),
                         duet_malloc((size_t)n_phe * sizeof(int32_t)) };
    double *prev = duet_malloc((size_t)n_phe * sizeof *prev);
    bg->phe = duet_calloc((size_t)n_phe, sizeof *bg->phe);
    bg->order = duet_malloc((size_t)n_phe * sizeof *bg->order);
    bg->bin_start = duet_malloc(((size_t)n_phe + 1) * sizeof *bg->bin_start);
    bg->bin_p = duet_malloc((size_t)n_phe * sizeof *bg->bin_p);
    if (!blocked || !best[0] || !best[1] || !prev || !bg->phe || !bg->order || !bg->bin_start || !bg->bin_p) {
        err = DUET_ENOMEM;
        goto cleanup;
    }

    /* Prevalences for every phecode of the table, in table order, so that a
     * phecode's prevalence does not depend on which others are used. */
    duet_rng_t r;
    duet_rng_init(&r, c->opts->seed, sim_stream(SIM_NS_BACKGROUND, 0, 0));
    const double llo = log(SIM_BG_PREV_LO), lhi = log(SIM_BG_PREV_HI);
    for (int k = 0; k < n_phe; k++) prev[k] = exp(llo + (lhi - llo) * duet_rng_uniform(&r));

    /* The planted diseases' phecodes and everything in their exclusion
     * ranges are off limits. */
    for (int t = 0; t < sim_n_traits; t++) {
        if (!sim_traits[t].binary) continue;
        int q = duet_phecode_find(tab, sim_traits[t].phecode);
        if (q < 0) {
            duet_log_error("internal: planted phecode %s is not in the phecode 1.2 table", sim_traits[t].phecode);
            err = DUET_EINTERNAL;
            goto cleanup;
        }
        blocked[q] = 1;
        const duet_phecode_def_t *d = duet_phecode_def(tab, q);
        for (int j = 0; j < d->n_excl; j++) {
            const duet_phecode_range_t *rg = duet_phecode_range(tab, d->excl_first + j);
            for (int k = 0; k < n_phe; k++) {
                int32_t num = duet_phecode_def(tab, k)->number;
                if (num >= rg->lo && num <= rg->hi) blocked[k] = 1;
            }
        }
    }

    /* For each phecode and vocabulary, the code listed in the map that
     * counts toward it, toward no more specific phecode and toward nothing
     * blocked, with the fewest phecodes; the first in map order on ties. */
    for (int k = 0; k < n_phe; k++) best[0][k] = best[1][k] = -1;
    for (int i = 0; i < n_map; i++) {
        duet_vocab_t vocab;
        const char *code;
        duet_map_how_t how;
        const uint16_t *ids;
        int n;
        duet_phecode_map_entry(tab, i, &vocab, &code, &how, &ids, &n);
        if (how != DUET_MAP_LISTED || n == 0) continue;
        if (vocab != DUET_VOCAB_ICD10CM && vocab != DUET_VOCAB_ICD9CM) continue;
        /* ICD-9-CM E codes (external causes) are read back as ICD-10-CM
         * E codes once their dot is dropped: left out. */
        if (vocab == DUET_VOCAB_ICD9CM && code[0] == 'E') continue;
        int bad = 0;
        for (int j = 0; j < n && !bad; j++) bad = blocked[ids[j]];
        if (bad || in_other_vocab(tab, vocab, code)) continue;
        int32_t *b = best[vocab == DUET_VOCAB_ICD9CM];
        for (int j = 0; j < n; j++) {
            int p = ids[j], deeper = 0;
            for (int l = 0; l < n && !deeper; l++) deeper = extends(tab, ids[l], p);
            if (deeper) continue;
            if (b[p] < 0) { b[p] = i; continue; }
            const uint16_t *bid;
            int bn;
            duet_phecode_map_entry(tab, b[p], &vocab, &code, &how, &bid, &bn);
            if (n < bn) b[p] = i;
        }
    }

    /* Keep phecodes with both codes, and each code once (a code that is the
     * best choice of two phecodes stays with the first). */
    bg->n = 0;
    for (int k = 0; k < n_phe; k++) {
        if (blocked[k]) { bg->n_blocked++; continue; }
        if (best[0][k] < 0 || best[1][k] < 0) { bg->n_no_code++; continue; }
        sim_bg_phecode_t *x = &bg->phe[bg->n];
        const duet_phecode_def_t *d = duet_phecode_def(tab, k);
        x->phecode = d->phecode;
        x->description = d->description;
        x->sex = d->sex;
        x->prevalence = prev[k];
        for (int v = 0; v < 2; v++) {
            duet_vocab_t vocab;
            duet_map_how_t how;
            const uint16_t *ids;
            int n;
            duet_phecode_map_entry(tab, best[v][k], &vocab, v ? &x->icd9 : &x->icd10, &how, &ids, &n);
        }
        bg->n++;
    }

    /* Duplicated codes: the same code chosen for two phecodes (cannot
     * happen under the "no more specific phecode" rule unless a code lists
     * two unrelated phecodes; then the later phecode is dropped). */
    int n_keep = 0;
    for (int k = 0; k < bg->n; k++) {
        int dup = 0;
        for (int j = 0; j < n_keep && !dup; j++)
            dup = bg->phe[j].icd10 == bg->phe[k].icd10 || bg->phe[j].icd9 == bg->phe[k].icd9;
        if (dup) { bg->n_no_code++; continue; }
        bg->phe[n_keep++] = bg->phe[k];
    }
    bg->n = n_keep;

    /* Sampling bins: prevalence-descending, each within a factor of two of
     * its first (largest) prevalence. */
    for (int k = 0; k < bg->n; k++) bg->order[k] = k;
    sort_bg = bg;
    qsort(bg->order, (size_t)bg->n, sizeof *bg->order, cmp_prevalence);
    bg->n_bins = 0;
    for (int k = 0; k < bg->n; k++) {
        double p = bg->phe[bg->order[k]].prevalence;
        if (bg->n_bins == 0 || p < 0.5 * bg->bin_p[bg->n_bins - 1]) {
            bg->bin_start[bg->n_bins] = k;
            bg->bin_p[bg->n_bins++] = p;
        }
    }
    bg->bin_start[bg->n_bins] = bg->n;
    duet_log_info("background phenome: %d phecodes (%d touching a planted disease, %d without codes)", bg->n,
                  bg->n_blocked, bg->n_no_code);

cleanup:
    free(blocked);
    free(best[0]);
    free(best[1]);
    free(prev);
    return err;
}

int sim_background_draw(const sim_background_t *bg, int male, duet_rng_t *r, int32_t *out)
{
    int n_out = 0;
    for (int b = 0; b < bg->n_bins; b++) {
        const int32_t first = bg->bin_start[b], size = bg->bin_start[b + 1] - first;
        const double q = bg->bin_p[b], lq = log1p(-q);
        for (int64_t pos = -1;;) {
            pos += 1 + (int64_t)floor(log(duet_rng_uniform(r)) / lq);
            if (pos >= size) break;
            int k = bg->order[first + pos];
            const sim_bg_phecode_t *x = &bg->phe[k];
            if (!(duet_rng_uniform(r) * q < x->prevalence)) continue;
            if ((x->sex == 'M' && !male) || (x->sex == 'F' && male)) continue;
            out[n_out++] = k;
        }
    }
    return n_out;
}

duet_err_t sim_write_background(sim_cohort_t *c, duet_outdir_t *dir)
{
    const sim_background_t *bg = &c->bg;
    duet_out_t *out = NULL;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    duet_err_t err = sim_open_table(dir, "background.tsv", c->opts->no_version,
                                    "phecode\tdescription\tsex\tprevalence\ticd10\ticd9\t"
                                    "eligible\tpersons\tpersons_2plus_dates\n", &out);
    if (err) goto cleanup;
    long n_male = 0;
    for (int i = 0; i < c->n_samples; i++) n_male += c->male[i];
    for (int k = 0; k < bg->n && !err; k++) {
        const sim_bg_phecode_t *x = &bg->phe[k];
        long eligible = x->sex == 'M' ? n_male : x->sex == 'F' ? c->n_samples - n_male : c->n_samples;
        duet_tsv_str(&row, x->phecode);
        duet_tsv_str(&row, x->description);
        duet_tsv_str(&row, x->sex == 'M' ? "Male" : x->sex == 'F' ? "Female" : "Both");
        duet_tsv_double(&row, x->prevalence, 6, "NA");
        duet_tsv_str(&row, x->icd10);
        duet_tsv_str(&row, x->icd9);
        duet_tsv_int(&row, eligible);
        duet_tsv_int(&row, x->n_persons);
        duet_tsv_int(&row, x->n_multi);
        err = duet_tsv_row_write(&row, out);
    }
    if (!err) err = duet_out_commit(out, NULL);

cleanup:
    duet_tsv_row_free(&row);
    duet_out_destroy(out);
    return err;
}
