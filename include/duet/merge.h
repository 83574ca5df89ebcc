/*
 * merge.h -- the gathering behind `duet merge`: the chunk outputs of one
 * stage (for example `duet gwas --chunk K/N` for one trait) into one file.
 * Headers must be identical; rows must come out sorted by chromosome and
 * position (chunks are taken in chunk order when their YAML sidecars say
 * it, in the order given otherwise; overlapping or out-of-order chunks are
 * refused); the result is re-compressed (bgzip), re-indexed (tabix) and
 * gets a merged YAML sidecar whose per-chunk fields (file name, checksum,
 * variant count, lambda GC) are recomputed.
 */
#ifndef DUET_MERGE_H
#define DUET_MERGE_H

#include "duet/err.h"
#include "duet/opts.h"

typedef struct {
    duet_common_t c;            /* -o FILE ("-": plain TSV on stdout, no index
                                   or sidecar), --threads, --force,
                                   --no-version */
    const char *const *inputs;  /* the chunk files (TSV: bgzip, gzip or
                                   plain; the sidecar of IN.tsv.gz is
                                   IN.yaml) */
    int n_inputs;               /* >= 1 */
} duet_merge_opts_t;

/*
 * Merge.  The output is written to a temporary name and published when
 * complete, then its index and sidecar; on error nothing is left behind.
 * Errors (reported once, naming the files): DUET_EREAD (an input cannot be
 * opened or read), DUET_EUSAGE (the output is an input), DUET_EFORMAT (no
 * header, no chromosome / base_pair_location columns, a bad position),
 * DUET_EMISMATCH (sidecars missing for some inputs, chunks mixed with
 * whole runs, of different N, repeated or missing, sidecars or headers
 * that disagree, overlapping or unsorted rows), DUET_EWRITE, DUET_ENOMEM.
 */
duet_err_t duet_merge_run(const duet_merge_opts_t *opts) DUET_WUR;

#endif
