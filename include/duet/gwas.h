/*
 * gwas.h -- the phenotype-first scan behind `duet gwas`: many traits
 * against every variant of a VCF/BCF, GWAS-SSF summary statistics per trait
 * (PREFIX.<trait>.gwas.tsv.gz + .tbi + .yaml) and a run summary
 * (PREFIX.log, and on stderr).  The command file parses and checks the
 * options; duet_gwas_run() reads the inputs (traitset.h), matches samples,
 * sets up one scan per way of testing a contig (autosomes, chrX outside the
 * PARs, chrY; geno.h "Sex and ploidy"), drives the reader and the scan
 * (scan.h) block by block -- fetch sequential, decode and compute in
 * parallel, emit in block order -- and writes the outputs.
 */
#ifndef DUET_GWAS_H
#define DUET_GWAS_H

#include "duet/err.h"
#include "duet/geno.h"
#include "duet/opts.h"
#include "duet/pheno_cli.h"
#include "duet/scan.h"

typedef struct {
    duet_common_t c;          /* -o PREFIX ("-": one trait's rows on stdout),
                                 --threads, --force, --no-version, --quiet */
    const char *vcf;          /* genotypes (a file: it is opened twice) */
    duet_trait_cli_t traits;  /* --pheno ... --remove, after
                                 duet_trait_cli_finish() */
    const char *extract, *exclude; /* variant ID lists, or NULL */
    const char *region;       /* or NULL */
    int chunk_k, chunk_n;     /* --chunk K/N; chunk_n 0: none */
    const char *build;        /* --genome-build, or NULL */
    int dosage;               /* FORMAT/DS instead of GT */
    double maf, mac;          /* variant filters (0: none) */
    long min_cell;            /* counts below it are written #NA [20] */
    duet_scan_opts_t scan;    /* missing calls, case/control policy,
                                 --drop-collinear; min_mac = mac */
    duet_sex_cli_t sexo;      /* --sex, --par */
    int xchr_model;           /* 0, 1, 2 [2] */
} duet_gwas_opts_t;

/* The defaults (duet_opts_init, duet_scan_opts_init, duet_sex_cli_init,
 * min_cell 20, xchr_model 2, everything else unset). */
void duet_gwas_opts_init(duet_gwas_opts_t *opts);

/*
 * Run the scan.  Every output is written to a temporary name and published
 * only when complete; on error nothing is left behind.  Errors (reported
 * once, with their context): DUET_EUSAGE (two traits would write the same
 * file name; -o - with more than one trait), the errors of the trait
 * loader (traitset.h), the ID lists, the reader (geno.h) and the scan set-up
 * (scan.h: DUET_EDEGENERATE), DUET_EWRITE, DUET_ENOMEM, DUET_EINTR / DUET_ETERM.
 */
duet_err_t duet_gwas_run(const duet_gwas_opts_t *opts) DUET_WUR;

#endif
