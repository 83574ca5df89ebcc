/*
 * scan.c -- pipelined reading of a whole file (or region or chunk): one
 * thread fetches raw records into blocks in file order while OpenMP tasks
 * decode the fetched blocks in parallel, and the blocks are handed to the
 * caller in block order.  Blocks go in batches of n_blocks: the producer
 * fetches a batch (spawning a decoding task per block as soon as it is
 * fetched), waits for the batch's tasks, and emits it.  Block contents do
 * not depend on the thread count, so neither do the results.
 */
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "duet/log.h"
#include "geno_internal.h"

static duet_err_t decode_and_work(duet_geno_t *geno, const duet_geno_scan_t *s,
                                  duet_geno_block_t *block, int thread)
{
    duet_err_t err = duet_geno_decode(geno, block);
    if (!err && s->work) err = s->work(block, s->ctx, thread);
    return err;
}

duet_err_t duet_geno_scan(duet_geno_t *geno, const duet_geno_scan_t *s)
{
    int threads = s->threads >= 1 ? s->threads : 1;
    int n_blocks = s->n_blocks > 0 ? s->n_blocks : 4 * threads;
    duet_err_t err = DUET_OK;
    duet_geno_block_t **blocks = duet_calloc((size_t)n_blocks, sizeof *blocks);
    duet_err_t *status = duet_calloc((size_t)n_blocks, sizeof *status);
    if (!blocks || !status) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int b = 0; b < n_blocks; b++)
        if ((err = duet_geno_block_create(geno, s->max_variants, &blocks[b]))) goto cleanup;

    if (threads == 1) {
        for (;;) {
            duet_geno_block_t *block = blocks[0];
            if ((err = duet_geno_fetch(geno, block))) break;
            if (block->n_variants == 0) break;
            if ((err = decode_and_work(geno, s, block, 0))) break;
            if (s->emit && (err = s->emit(block, s->ctx))) break;
        }
        goto cleanup;
    }

    int done = 0;
#pragma omp parallel num_threads(threads) shared(err, done, blocks, status)
#pragma omp single
    {
        while (!done && !err) {
            int n = 0;
            duet_err_t fetch_err = DUET_OK;
            for (int b = 0; b < n_blocks; b++) {
                fetch_err = duet_geno_fetch(geno, blocks[b]);
                if (fetch_err || blocks[b]->n_variants == 0) {
                    done = 1;
                    break;
                }
                n++;
                status[b] = DUET_OK;
#pragma omp task firstprivate(b) shared(blocks, status)
                {
                    int thread = 0;
#ifdef _OPENMP
                    thread = omp_get_thread_num();
#endif
                    status[b] = decode_and_work(geno, s, blocks[b], thread);
                }
            }
#pragma omp taskwait
            for (int b = 0; b < n && !err; b++) {
                err = status[b];
                if (!err && s->emit) err = s->emit(blocks[b], s->ctx);
            }
            if (!err) err = fetch_err;
        }
    }
cleanup:
    if (blocks)
        for (int b = 0; b < n_blocks; b++) duet_geno_block_destroy(blocks[b]);
    free(blocks);
    free(status);
    return err;
}
