/*
 * scan.c -- pipelined reading of a whole file (or region or chunk): blocks
 * are fetched in file order, decoded in parallel, and handed to the caller
 * in block order.
 *
 * A ring of n_blocks slots moves through FREE -> DECODING -> DECODED -> FREE.
 * Every thread (the caller's and threads-1 helpers) runs the same loop:
 * emit the next block in order if it is decoded (one emitter at a time),
 * otherwise fetch into the next slot if it is free (one fetcher at a time:
 * fetching is sequential) and then decode that block itself, while its
 * records are still in this core's cache and another thread fetches the
 * next block.  Threads with nothing to do sleep on a condition variable
 * instead of spinning, so that the scan degrades gracefully on a machine
 * shared with other work.  With one thread
 * the loop is simply read (each record decoded as soon as it is read),
 * work, emit.  Blocks do not depend on the thread count, so neither do the
 * results.
 */
#include <pthread.h>
#include <stdlib.h>

#include "duet/log.h"
#include "geno_internal.h"

enum { SLOT_FREE = 0, SLOT_DECODING, SLOT_DECODED };

typedef struct {
    duet_geno_t *geno;
    const duet_geno_scan_t *s;
    duet_geno_block_t **blocks;
    int *state;
    int n_blocks;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t next_fetch;  /* sequence number of the next block to fetch */
    uint64_t next_emit;   /* next block to hand to emit() */
    int fetching, emitting, eof;
    duet_err_t err;       /* first error, by block sequence */
    uint64_t err_seq;
} pipe_t;

typedef struct {
    pipe_t *p;
    int thread;
} worker_t;

/* Record an error of block `seq` (called with the lock held). */
static void fail(pipe_t *p, duet_err_t err, uint64_t seq)
{
    if (!p->err || seq < p->err_seq) {
        p->err = err;
        p->err_seq = seq;
    }
}

static void *run(void *arg)
{
    worker_t *w = arg;
    pipe_t *p = w->p;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->err) break;
        if (p->eof && p->next_emit == p->next_fetch) break;
        int slot;
        /* 1. emit the next block in order */
        slot = (int)(p->next_emit % (uint64_t)p->n_blocks);
        if (!p->emitting && p->next_emit < p->next_fetch && p->state[slot] == SLOT_DECODED) {
            uint64_t seq = p->next_emit;
            p->emitting = 1;
            pthread_mutex_unlock(&p->lock);
            duet_err_t err = p->s->emit ? p->s->emit(p->blocks[slot], p->s->ctx) : DUET_OK;
            pthread_mutex_lock(&p->lock);
            p->emitting = 0;
            if (err) fail(p, err, seq);
            p->state[slot] = SLOT_FREE;
            p->next_emit++;
            pthread_cond_broadcast(&p->changed);
            continue;
        }
        /* 2. fetch into the next slot, then decode it on this thread,
         * while its records are in this core's cache and another thread
         * fetches the next block */
        slot = (int)(p->next_fetch % (uint64_t)p->n_blocks);
        if (!p->fetching && !p->eof && p->state[slot] == SLOT_FREE) {
            uint64_t seq = p->next_fetch;
            duet_geno_block_t *block = p->blocks[slot];
            p->fetching = 1;
            pthread_mutex_unlock(&p->lock);
            duet_err_t err = duet_geno_fetch(p->geno, block);
            pthread_mutex_lock(&p->lock);
            p->fetching = 0;
            if (err || block->n_variants == 0) {
                if (err) fail(p, err, seq);
                p->eof = 1;
                pthread_cond_broadcast(&p->changed);
                continue;
            }
            p->state[slot] = SLOT_DECODING;
            p->next_fetch++;
            pthread_cond_broadcast(&p->changed);
            pthread_mutex_unlock(&p->lock);
            err = duet_geno_decode(p->geno, block);
            if (!err && p->s->work) err = p->s->work(block, p->s->ctx, w->thread);
            pthread_mutex_lock(&p->lock);
            if (err) fail(p, err, seq);
            p->state[slot] = SLOT_DECODED;
            pthread_cond_broadcast(&p->changed);
            continue;
        }
        pthread_cond_wait(&p->changed, &p->lock);
    }
    /* Wake the others so that they see the end or the error. */
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

duet_err_t duet_geno_scan(duet_geno_t *geno, const duet_geno_scan_t *s)
{
    int threads = s->threads >= 1 ? s->threads : 1;
    int n_blocks = s->n_blocks > 0 ? s->n_blocks : 4 * threads;
    duet_err_t err = DUET_OK;
    pipe_t p = {0};
    pthread_t *tids = NULL;
    worker_t *workers = NULL;
    int n_started = 0, have_sync = 0;
    p.geno = geno;
    p.s = s;
    p.n_blocks = n_blocks;
    p.blocks = duet_calloc((size_t)n_blocks, sizeof *p.blocks);
    p.state = duet_calloc((size_t)n_blocks, sizeof *p.state);
    tids = duet_calloc((size_t)threads, sizeof *tids);
    workers = duet_calloc((size_t)threads, sizeof *workers);
    if (!p.blocks || !p.state || !tids || !workers) {
        err = DUET_ENOMEM;
        goto cleanup;
    }
    for (int b = 0; b < n_blocks; b++)
        if ((err = duet_geno_block_create(geno, s->max_variants, &p.blocks[b]))) goto cleanup;
    if (pthread_mutex_init(&p.lock, NULL) || pthread_cond_init(&p.changed, NULL)) {
        duet_log_error("cannot create the reader's pipeline locks");
        err = DUET_EINTERNAL;
        goto cleanup;
    }
    have_sync = 1;
    if (threads == 1) {
        /* One thread: read and decode each record in one go (its bytes are
         * still in the cache), then work and emit. */
        for (;;) {
            duet_geno_block_t *b = p.blocks[0];
            if ((err = duet_geno_read_block(geno, b)) || b->n_variants == 0) break;
            if (s->work && (err = s->work(b, s->ctx, 0))) break;
            if (s->emit && (err = s->emit(b, s->ctx))) break;
        }
        goto cleanup;
    }
    for (int t = 0; t < threads; t++) {
        workers[t].p = &p;
        workers[t].thread = t;
    }
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&tids[t], NULL, run, &workers[t]) != 0) {
            duet_log_warn("could start only %d of %d reader threads", t, threads);
            break;
        }
        n_started++;
    }
    run(&workers[0]);
    for (int t = 1; t <= n_started; t++) pthread_join(tids[t], NULL);
    err = p.err;
cleanup:
    if (have_sync) {
        pthread_mutex_destroy(&p.lock);
        pthread_cond_destroy(&p.changed);
    }
    if (p.blocks)
        for (int b = 0; b < n_blocks; b++) duet_geno_block_destroy(p.blocks[b]);
    free(p.blocks);
    free(p.state);
    free(tids);
    free(workers);
    return err;
}
