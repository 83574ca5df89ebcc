/*
 * genotypes.c -- the genotype pass: every LD block is generated from its own
 * random stream (duet_sim_hapgen_block), turned into BCF records in
 * parallel, and written in order through htslib (BGZF compression on htslib
 * threads, CSI index built from the finished file).  The same pass accumulates each
 * person's genetic value for every trait and their burden-gene allele
 * counts from the true (not masked-missing) alleles.
 *
 * Genetic values are sums of integer effects (1e-6 units) times allele
 * counts, kept per thread in int64 and added at the end: integer addition is
 * exact and associative, so the totals do not depend on which thread did
 * which block.  Memory is O(samples x block), never O(samples x variants).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <htslib/hts.h>
#include <htslib/kstring.h>
#include <htslib/vcf.h>

#include "duet/log.h"
#include "duet/opts.h"
#include "duet/progress.h"
#include "duet/version.h"
#include "sim_internal.h"

/* Records built per parallel round: up to 512, and about 64 MB of sample
 * data at most (each record holds 2 bytes per sample). */
#define CHUNK_VARIANTS 512
#define CHUNK_BYTES (64 << 20)

typedef struct {
    duet_sim_hapgen_t *gen;
    duet_sim_site_t *sites;
    uint8_t *gt;         /* 2 x n_samples BCF int8 GT values */
    int64_t *acc;        /* n_traits x n_samples */
    int32_t *plof, *mis; /* n_samples */
} worker_t;

static bcf_hdr_t *make_header(const sim_cohort_t *c)
{
    bcf_hdr_t *hdr = bcf_hdr_init("w");
    if (!hdr) return NULL;
    char line[512];
    int bad = 0;
    for (int chr = 1; chr <= 22; chr++) {
        snprintf(line, sizeof line, "##contig=<ID=%d,length=%lld,assembly=GRCh37>", chr,
                 (long long)duet_sim_grch37_length(chr));
        bad |= bcf_hdr_append(hdr, line) != 0;
    }
    bad |= bcf_hdr_append(hdr, "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Phased genotype\">") != 0;
    if (!c->opts->no_version) {
        kstring_t ks = { 0, 0, NULL };
        ksprintf(&ks, "##duet_simulateVersion=%s", duet_version_string());
        bad |= bcf_hdr_append(hdr, ks.s) != 0;
        ks.l = 0;
        ksprintf(&ks, "##duet_simulateCommand=%s", duet_opts_cmdline());
        bad |= bcf_hdr_append(hdr, ks.s) != 0;
        free(ks.s);
    }
    for (int i = 0; i < c->n_samples && !bad; i++) {
        char name[32];
        sim_sample_name(c, i, name, sizeof name);
        bad |= bcf_hdr_add_sample(hdr, name) != 0;
    }
    bad |= bcf_hdr_sync(hdr) != 0;
    if (bad) {
        bcf_hdr_destroy(hdr);
        return NULL;
    }
    return hdr;
}

/* Generate block b into records rec[0..], accumulate genetics into w. */
static int gen_block(sim_cohort_t *c, const bcf_hdr_t *hdr, int gt_key, worker_t *w, int b, bcf1_t **rec)
{
    const int N = c->n_samples;
    const int v0 = c->block_start[b], n = c->block_start[b + 1] - v0;
    duet_rng_t rng;
    duet_rng_init(&rng, c->opts->seed, sim_stream(SIM_NS_BLOCK, 0, (uint64_t)b));
    for (int s = 0; s < n; s++) {
        const sim_variant_t *v = &c->var[v0 + s];
        w->sites[s] = (duet_sim_site_t){ v->maf, v->alt_major, v->miss_rate };
    }
    duet_sim_hapgen_block(w->gen, w->sites, n, &rng);

    int pass = 0; /* PASS is always filter id 0 */
    for (int s = 0; s < n; s++) {
        const int vi = v0 + s;
        sim_variant_t *v = &c->var[vi];
        const uint8_t *a = duet_sim_hapgen_alleles(w->gen, s);
        const uint8_t *m = duet_sim_hapgen_missing(w->gen, s);
        /* GT as BCF int8 values: (allele + 1) << 1, | 1 when phased with
         * the previous allele; 0 is missing. */
        uint32_t ac = 0, called = 0, true_ac = 0;
        for (int i = 0; i < N; i++) {
            true_ac += a[2 * i] + a[2 * i + 1];
            if (m[i]) {
                w->gt[2 * i] = w->gt[2 * i + 1] = 0;
                continue;
            }
            w->gt[2 * i] = (uint8_t)((a[2 * i] + 1) << 1);
            w->gt[2 * i + 1] = (uint8_t)((a[2 * i + 1] + 1) << 1 | 1);
            ac += a[2 * i] + a[2 * i + 1];
            called++;
        }
        v->ac = ac;
        v->an = 2 * called;
        v->true_ac = true_ac;

        bcf1_t *r = rec[s];
        bcf_clear(r);
        r->rid = v->chrom - 1; /* contigs are declared 1..22 in order */
        r->pos = v->pos - 1;
        bcf_float_set_missing(r->qual);
        char id[64], alleles[4] = { v->ref, ',', v->alt, 0 };
        sim_variant_id(c, vi, id, sizeof id);
        if (bcf_update_id(hdr, r, id) < 0 || bcf_update_alleles_str(hdr, r, alleles) < 0 ||
            bcf_update_filter(hdr, r, &pass, 1) < 0)
            return 1;
        r->rlen = 1;
        /* FORMAT/GT encoded directly into the record's sample block (as
         * bcf_update_genotypes would, without the int32 detour): key, type
         * "2 x int8", then the values.  With indiv filled and not marked
         * dirty, bcf_write() takes it as it is. */
        r->n_sample = N;
        r->n_fmt = 1;
        if (bcf_enc_int1(&r->indiv, gt_key) < 0 || bcf_enc_size(&r->indiv, 2, BCF_BT_INT8) < 0 ||
            kputsn_(w->gt, (size_t)2 * N, &r->indiv) < 0)
            return 1;

        for (int e = c->eff_start[vi]; e < c->eff_start[vi + 1]; e++) {
            /* the variant's entries belong to this block alone */
            if (c->eff[e].trait == c->poly_trait)
                c->eff[e].effect_q = sim_polygenic_effect_q(c->eff[e].std_effect, true_ac, N);
            int64_t q = c->eff[e].effect_q;
            int64_t *acc = w->acc + (size_t)c->eff[e].trait * N;
            for (int i = 0; i < N; i++) acc[i] += q * (a[2 * i] + a[2 * i + 1]);
        }
        if (v->role == SIM_ROLE_BURDEN &&
            (v->csq == SIM_CSQ_PLOF || v->csq == SIM_CSQ_MISSENSE)) {
            int32_t *cnt = v->csq == SIM_CSQ_PLOF ? w->plof : w->mis;
            for (int i = 0; i < N; i++) cnt[i] += a[2 * i] + a[2 * i + 1];
        }
    }
    return 0;
}

duet_err_t sim_write_genotypes(sim_cohort_t *c, duet_outdir_t *dir)
{
    duet_err_t err = DUET_OK;
    const int N = c->n_samples, T = c->n_gtraits;
    int n_threads = 1;
#ifdef _OPENMP
    n_threads = omp_get_max_threads();
#endif
    const char *bcf_path = duet_outdir_file(dir, "genotypes.bcf");
    const char *csi_path = duet_outdir_file(dir, "genotypes.bcf.csi");
    if (!bcf_path || !csi_path) return DUET_ENOMEM;

    bcf_hdr_t *hdr = NULL;
    htsFile *fp = NULL;
    worker_t *wk = NULL;
    bcf1_t **rec = NULL;
    int chunk = CHUNK_BYTES / (2 * N + 64);
    if (chunk > CHUNK_VARIANTS) chunk = CHUNK_VARIANTS;
    if (chunk < 1) chunk = 1;
    int cap = chunk + c->max_block_sites;
    duet_progress_t *progress = NULL;

    hdr = make_header(c);
    if (!hdr) {
        duet_log_error("cannot build the BCF header");
        err = DUET_ENOMEM;
        goto cleanup;
    }
    const int gt_key = bcf_hdr_id2int(hdr, BCF_DT_ID, "GT");
    wk = duet_calloc((size_t)n_threads, sizeof *wk);
    rec = duet_calloc((size_t)cap, sizeof *rec);
    if (!wk || !rec) { err = DUET_ENOMEM; goto cleanup; }
    for (int k = 0; k < cap; k++)
        if (!(rec[k] = bcf_init())) { err = duet_log_oom(sizeof(bcf1_t)); goto cleanup; }
    duet_sim_pop_t pop = { N, SIM_N_POPS, c->ancestry, SIM_N_FOUNDERS, SIM_FST, SIM_NOISE };
    for (int t = 0; t < n_threads; t++) {
        worker_t *w = &wk[t];
        err = duet_sim_hapgen_create(&pop, c->max_block_sites, &w->gen);
        if (err) goto cleanup;
        w->sites = duet_malloc((size_t)c->max_block_sites * sizeof *w->sites);
        w->gt = duet_malloc((size_t)2 * N);
        w->acc = duet_calloc((size_t)T * N, sizeof *w->acc);
        w->plof = duet_calloc((size_t)N, sizeof *w->plof);
        w->mis = duet_calloc((size_t)N, sizeof *w->mis);
        if (!w->sites || !w->gt || !w->acc || !w->plof || !w->mis) { err = DUET_ENOMEM; goto cleanup; }
    }

    fp = hts_open(bcf_path, "wb3");
    if (!fp) {
        duet_log_error("cannot create '%s'", bcf_path);
        err = DUET_EWRITE;
        goto cleanup;
    }
    if (c->opts->threads > 1 && hts_set_threads(fp, c->opts->threads) != 0) {
        duet_log_error("cannot start %d compression threads", c->opts->threads);
        err = DUET_ENOMEM;
        goto cleanup;
    }
    if (bcf_hdr_write(fp, hdr) < 0) {
        duet_log_error("cannot write the header of genotypes.bcf");
        err = DUET_EWRITE;
        goto cleanup;
    }

    progress = duet_progress_create("variants", (uint64_t)c->n_variants);
    for (int b0 = 0; b0 < c->n_blocks;) {
        int b1 = b0, n_var = 0;
        while (b1 < c->n_blocks && n_var < chunk) {
            n_var += c->block_start[b1 + 1] - c->block_start[b1];
            b1++;
        }
        const int v0 = c->block_start[b0];
        int fail = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : fail)
        for (int b = b0; b < b1; b++) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            fail |= gen_block(c, hdr, gt_key, &wk[tid], b, rec + (c->block_start[b] - v0));
        }
        if (fail) {
            duet_log_error("cannot build BCF records (out of memory?)");
            err = DUET_ENOMEM;
            goto cleanup;
        }
        for (int k = 0; k < n_var; k++) {
            if (bcf_write(fp, hdr, rec[k]) < 0) {
                duet_log_error("cannot write genotypes.bcf (disk full?)");
                err = DUET_EWRITE;
                goto cleanup;
            }
        }
        b0 = b1;
        duet_progress_update(progress, (uint64_t)(v0 + n_var));
    }
    int rc = hts_close(fp);
    fp = NULL;
    if (rc != 0) {
        duet_log_error("cannot write genotypes.bcf (disk full?)");
        err = DUET_EWRITE;
        goto cleanup;
    }
    /* The CSI index, from the finished file.  (On-the-fly indexing,
     * bcf_idx_init(), records wrong offsets under multi-threaded BGZF
     * before htslib 1.19: samtools/htslib#1672, #1742.) */
    rc = bcf_index_build3(bcf_path, csi_path, 14, c->opts->threads);
    if (rc != 0) {
        duet_log_error("cannot index genotypes.bcf (htslib error %d)", rc);
        err = DUET_EWRITE;
        goto cleanup;
    }

    /* Combine the per-thread sums (integers: order does not matter). */
    for (int t = 0; t < n_threads; t++) {
        const worker_t *w = &wk[t];
        for (size_t k = 0; k < (size_t)T * N; k++) c->gsum[k] += w->acc[k];
        for (int i = 0; i < N; i++) {
            c->n_plof[i] += w->plof[i];
            c->n_missense[i] += w->mis[i];
        }
    }

cleanup:
    duet_progress_destroy(progress);
    if (fp) hts_close(fp);
    if (rec)
        for (int k = 0; k < cap; k++)
            if (rec[k]) bcf_destroy(rec[k]);
    free(rec);
    if (wk) {
        for (int t = 0; t < n_threads; t++) {
            duet_sim_hapgen_destroy(wk[t].gen);
            free(wk[t].sites);
            free(wk[t].gt);
            free(wk[t].acc);
            free(wk[t].plof);
            free(wk[t].mis);
        }
        free(wk);
    }
    bcf_hdr_destroy(hdr);
    return err;
}
