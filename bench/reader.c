/*
 * reader.c -- benchmark of the genotype reader: opens a VCF/BCF, runs
 * fetch + decode over every block (duet_geno_scan with N decoding threads)
 * and prints the variants decoded, the seconds taken and variants/s, plus a
 * checksum of the dosages so that the work cannot be skipped.
 *
 *   build/bench/reader FILE [--threads N] [--hts-threads N] [--block N]
 *                           [--dosage] [--every K]
 *
 * --every K keeps every K-th sample (a subset, to time the gather path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "duet/core.h"
#include "duet/geno.h"

typedef struct {
    uint64_t n_variants;
    double checksum;
} tally_t;

static duet_err_t emit(duet_geno_block_t *block, void *ctx)
{
    tally_t *t = ctx;
    t->n_variants += (uint64_t)block->n_variants;
    for (int j = 0; j < block->n_variants; j++) {
        /* Touch the decoded column as well as the counts. */
        const double *col = block->dosage + (size_t)j * (size_t)block->n_samples;
        t->checksum += block->variants[j].alt_count + col[j % block->n_samples];
    }
    return DUET_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    if (argc < 2) {
        fprintf(stderr, "usage: reader FILE [--threads N] [--hts-threads N] [--block N] "
                        "[--dosage] [--every K]\n");
        return 2;
    }
    int threads = 1, hts_threads = 1, block = 16, every = 1, dosage = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--hts-threads") && i + 1 < argc) hts_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--block") && i + 1 < argc) block = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--every") && i + 1 < argc) every = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dosage")) dosage = 1;
        else {
            fprintf(stderr, "reader: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (threads < 1 || hts_threads < 1 || block < 1 || every < 1) return 2;
    double t0 = now();
    duet_geno_opts_t opts;
    duet_geno_opts_init(&opts, argv[1]);
    opts.threads = hts_threads;
    opts.field = dosage ? DUET_GENO_DS : DUET_GENO_GT;
    duet_geno_t *geno = NULL;
    duet_err_t err = duet_geno_open(&opts, &geno);
    const char **names = NULL;
    if (!err && every > 1) {
        /* Reopen with every K-th sample. */
        int n = duet_geno_n_file_samples(geno), m = 0;
        names = malloc(sizeof(char *) * (size_t)n);
        char **copies = malloc(sizeof(char *) * (size_t)n);
        for (int j = 0; j < n; j += every) copies[m] = strdup(duet_geno_file_sample(geno, j)), names[m] = copies[m], m++;
        duet_geno_close(geno);
        geno = NULL;
        opts.samples = names;
        opts.n_samples = m;
        err = duet_geno_open(&opts, &geno);
        for (int j = 0; j < m; j++) free(copies[j]);
        free(copies);
    }
    if (err) return (int)err;
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    tally_t tally = {0, 0};
    duet_geno_scan_t scan = {block, 2 * threads + 2, threads, NULL, emit, &tally};
    err = duet_geno_scan(geno, &scan);
    double secs = now() - t0;
    int n_samples = duet_geno_n_samples(geno);
    duet_geno_close(geno);
    free(names);
    if (err) return (int)err;
    printf("reader\tthreads=%d\thts_threads=%d\tblock=%d\tsamples=%d\tvariants=%llu\t"
           "seconds=%.3f\tvariants_per_s=%.0f\tchecksum=%.6g\n",
           threads, hts_threads, block, n_samples, (unsigned long long)tally.n_variants, secs,
           secs > 0 ? (double)tally.n_variants / secs : 0.0, tally.checksum);
    return 0;
}
