/*
 * phewas.h -- the genotype-first scan: a few exposures (variants' dosages
 * or a per-person score) against every trait of a duet_traitset_t (every
 * phecode of the store, and quantitative traits), as the PheWAS R package
 * does (Carroll, Bastarache and Denny 2014, Bioinformatics 30:2375) and as
 * the eMERGE PheWAS and the genome-first studies run it.
 *
 * Work is organised per trait, which suits many traits and few exposures
 * (the opposite of scan.h): for each trait, on its own samples (those with
 * a value: a phecode's exclusions and sex restriction leave others out),
 *   - the design is built once (design.h, as every command builds one):
 *     intercept and covariates standardised over the trait's samples; a
 *     covariate constant there (sex for a sex-specific phecode) or a linear
 *     combination of the others is left out for that trait, and named in
 *     the trait's record;
 *   - a quantitative trait is fitted by least squares (stats.h, t test);
 *   - a binary trait needs at least min_cases cases and min_controls
 *     controls (else it is not tested); its null model is fitted once and
 *     every exposure is tested by the case/control policy of bintest.h, the
 *     same as gwas and burden use (score test, saddlepoint, exact test for
 *     few carriers, Firth's penalised likelihood-ratio test; or Firth or
 *     maximum-likelihood Wald fits throughout, R's brglm2 / glm); where the
 *     covariates alone separate the classes, Firth's direct fit.
 * Traits run in parallel (OpenMP, one trait per task); each trait's
 * numbers do not depend on the thread count.
 */
#ifndef DUET_PHEWAS_H
#define DUET_PHEWAS_H

#include "duet/bintest.h"
#include "duet/err.h"
#include "duet/opts.h"
#include "duet/pheno_cli.h"
#include "duet/stats.h"
#include "duet/traitset.h"

typedef struct {
    int min_cases;     /* binary traits need this many cases [20] */
    int min_controls;  /* and controls [20] */
    duet_bintest_opts_t binary; /* the case/control test policy [auto] */
} duet_phewas_opts_t;

void duet_phewas_opts_init(duet_phewas_opts_t *opts);

/* Why a trait was not tested. */
typedef enum {
    DUET_PHEWAS_TESTED = 0,
    DUET_PHEWAS_FEW_CASES,    /* fewer than min_cases cases */
    DUET_PHEWAS_FEW_CONTROLS, /* fewer than min_controls controls */
    DUET_PHEWAS_FEW_SAMPLES   /* no more samples than parameters */
} duet_phewas_skip_t;

/* "", "too_few_cases", "too_few_controls", "too_few_samples". */
const char *duet_phewas_skip_str(duet_phewas_skip_t skip);

/* What the scan did with one trait. */
typedef struct {
    duet_phewas_skip_t skip;
    int n;               /* samples with a value */
    int n_cases, n_controls; /* binary traits */
    int n_covars_used;   /* design columns besides the intercept */
    char *covars_dropped; /* covariates left out of the design, as
                             "name (constant),name (collinear)", or NULL
                             (design.h); freed by duet_phewas_traits_free() */
} duet_phewas_trait_t;

/* Free what duet_phewas_run() allocated in n_traits records. */
void duet_phewas_traits_free(duet_phewas_trait_t *traits, int n_traits);

/*
 * Test n_expo exposures g (ts->n_samples rows, column-major, leading
 * dimension ldg >= ts->n_samples; finite values: missing genotypes imputed
 * by the caller) against every trait of ts, on `threads` OpenMP threads.
 * traits: ts->n_traits records, zeroed before the first call (a later call
 * reuses them); results: ts->n_traits x n_expo,
 * results[t * n_expo + e], filled for tested traits (status and test say
 * what each holds: MONOMORPHIC when the exposure does not vary among the
 * trait's samples, COLLINEAR when it lies in the covariates' span).
 * Returns DUET_OK, DUET_ENOMEM or DUET_EINTERNAL (a LAPACK failure,
 * reported).
 */
duet_err_t duet_phewas_run(const duet_traitset_t *ts, const double *g, int ldg,
                           int n_expo, const duet_phewas_opts_t *opts,
                           int threads, duet_phewas_trait_t *traits,
                           duet_assoc_t *results) DUET_WUR;

/*
 * Benjamini-Hochberg q-values on the log scale: log_q[i] for the n log
 * p-values log_p[i] (NaN entries are skipped and get NaN; m = the number
 * of non-NaN ones): q_(i) = min over j >= i of m p_(j) / j, capped at 1
 * (R's p.adjust(method = "BH")), computed on logs so that q keeps its
 * exponent below 1e-308.  Returns DUET_OK or DUET_ENOMEM.
 */
duet_err_t duet_bh_logq(const double *log_p, int n, double *log_q) DUET_WUR;

/* ------------------------------------------------------------------ */
/* The run of `duet phewas` (its entry point is duet_phewas_scan(), since
 * duet_phewas_run() above is the per-batch engine): exposures (variants by
 * ID, from a list or a region, or a per-person score), the traits through
 * traitset.h, q-values, Bonferroni flags and the dissemination rule,
 * PREFIX.phewas.tsv.gz and PREFIX.log. */

typedef struct {
    duet_common_t c;          /* -o PREFIX (files only), --threads, --force,
                                 --no-version, --quiet */
    const char *vcf;          /* genotypes; with a score, only the samples
                                 (NULL: the score file's samples) */
    const char *variant;      /* comma-separated IDs, or NULL */
    const char *variants;     /* a file of IDs, or NULL */
    const char *region;       /* or NULL */
    const char *score;        /* FILE:COLUMN, or NULL (exactly one of the
                                 four exposure options is set) */
    int dosage;               /* FORMAT/DS instead of GT */
    duet_trait_cli_t traits;  /* --pheno ... or --db, after
                                 duet_trait_cli_finish() */
    const duet_pheno_opts_t *db_opts; /* phecode and --quant derivation
                                         (with traits.db), or NULL */
    duet_phewas_opts_t model; /* min_cases, min_controls, case/control */
    int min_cell;             /* counts below it are written <min_cell [20] */
    double alpha;             /* family-wise level of the bonferroni
                                 column [0.05] */
} duet_phewas_scan_opts_t;

/* The defaults (duet_opts_init, duet_phewas_opts_init, min_cell 20,
 * alpha 0.05, everything else unset). */
void duet_phewas_scan_opts_init(duet_phewas_scan_opts_t *opts);

/*
 * Run the scan and write its outputs (temporary names, published when
 * complete).  Errors (reported once): DUET_EUSAGE (a malformed --score or
 * an empty --variant), DUET_EFORMAT (an empty --variants file), the errors
 * of the ID lists, the score table, the trait loader (traitset.h) and the
 * reader (geno.h), DUET_EMISMATCH (variants asked for and not in the VCF,
 * named; no candidate sample), DUET_EDEGENERATE (no variant in the VCF or
 * --region), DUET_EWRITE, DUET_ENOMEM.
 */
duet_err_t duet_phewas_scan(const duet_phewas_scan_opts_t *opts) DUET_WUR;

#endif
