/*
 * burden.h -- rare-variant gene tests with regenie-style masks: the gene
 * sets (regenie's set list, annotation and mask-definition files, or
 * consequences read from a VCF's INFO/CSQ or INFO/ANN), the frequency bins,
 * the rules that collapse a mask's variants into one score per sample, the
 * stream that gathers each gene's genotype columns during one pass over the
 * VCF, and the per-gene driver of the tests: a regression of each trait on
 * the collapsed score (the "burden" test, through the scan engine of
 * scan.h) and SKAT, SKAT-O and ACAT-V on the mask's variants (genetest.h),
 * combined by ACAT-O.
 *
 * Formats (regenie, Mbatchou et al. 2021, Nat Genet 53:1097; its
 * documentation, "Gene-based testing"), whitespace-separated, blank lines
 * and lines starting with '#' skipped:
 *   set list    GENE CHROM POS VARIANT,VARIANT,...
 *   annotation  VARIANT GENE ANNOTATION
 *               VARIANT GENE DOMAIN ANNOTATION (regenie's 4-column form:
 *               the domain is ignored, masks span all domains)
 *   masks       MASK ANNOTATION,ANNOTATION,...
 * Variants are named by their VCF ID or as CHROM:POS:REF:ALT.
 */
#ifndef DUET_BURDEN_H
#define DUET_BURDEN_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/geno.h"
#include "duet/genetest.h"
#include "duet/opts.h"
#include "duet/pheno_cli.h"
#include "duet/scan.h"
#include "duet/stats.h"

/* At most this many annotation classes (a mask is a bit set of them). */
#define DUET_BURDEN_MAX_ANNOTS 64

/* ------------------------------------------------------------------ */
/* Gene sets                                                           */

typedef struct {
    char *name;
    char *chrom;       /* as the set list gives it */
    int64_t pos;
    int first;         /* its listed variants are slots first..first+n-1 */
    int n_variants;
    int64_t last_pos;  /* the largest position that the CHROM:POS:REF:ALT
                          names of its variants give; INT64_MAX when a
                          variant is named otherwise (an rsID) */
} duet_burden_gene_t;

typedef struct {
    int gene;
    int annot;         /* annotation class, -1: not annotated */
    const char *id;    /* the name in the set list (owned by the sets) */
    int next;          /* next slot naming the same variant, -1 */
} duet_burden_slot_t;

/* What reading the files found (for the warnings and the log). */
typedef struct {
    int64_t anno_lines;            /* annotation lines read */
    int64_t anno_gene_absent;      /* lines whose gene is not in the set
                                      list */
    int n_absent_genes;            /* distinct such genes */
    int64_t anno_variant_absent;   /* lines whose variant the set list does
                                      not list for that gene */
    int64_t slots_unannotated;     /* listed variants without annotation */
    int64_t setlist_duplicates;    /* variants listed twice in one gene
                                      (kept once) */
    int domain_column;             /* the 4-column form was read */
} duet_burden_sets_stats_t;

typedef struct duet_burden_sets duet_burden_sets_t;
struct duet_burden_sets {
    int n_genes, m_genes;
    duet_burden_gene_t *genes;
    int n_slots, m_slots;
    duet_burden_slot_t *slots;
    int n_annots;
    char *annots[DUET_BURDEN_MAX_ANNOTS];
    int n_masks, m_masks;
    char **mask_names;
    uint64_t *mask_bits;           /* bit a: annotation class a */
    duet_burden_sets_stats_t stats;
    void *index;                   /* variant name -> first slot */
    void *gene_index;              /* gene name -> gene */
};

duet_err_t duet_burden_sets_create(duet_burden_sets_t **out) DUET_WUR;
void duet_burden_sets_destroy(duet_burden_sets_t *sets);

/*
 * Add a gene with its n variant names (copied; a name given twice is kept
 * once and counted in stats.setlist_duplicates).  Genes keep the order in
 * which they are added.  Returns DUET_OK, DUET_EFORMAT if the gene exists
 * already (not reported: the caller names the file and line), or
 * DUET_ENOMEM.
 */
duet_err_t duet_burden_sets_add_gene(duet_burden_sets_t *sets, const char *name,
                                     const char *chrom, int64_t pos,
                                     const char *const *ids, int n) DUET_WUR;

/* The index of annotation class `name`, registering it when `add` is set;
 * -1 if unknown (add = 0) or if DUET_BURDEN_MAX_ANNOTS classes exist. */
int duet_burden_sets_annot(duet_burden_sets_t *sets, const char *name, int add);

/* Gene index by name, -1 if absent. */
int duet_burden_sets_gene(const duet_burden_sets_t *sets, const char *name);

/* First slot naming variant `id` (follow slot.next for the others), -1. */
int duet_burden_sets_lookup(const duet_burden_sets_t *sets, const char *id);

/*
 * Read regenie's set list, annotation file and mask definitions, in this
 * order (the annotation file refers to the set list's genes, the masks to
 * the annotation classes).  Errors, reported with file:line:
 *   DUET_EREAD    the file cannot be opened or read;
 *   DUET_EFORMAT  a line with the wrong number of fields, a position that
 *                 is not a number, a gene listed twice, a variant given two
 *                 different annotations for one gene, more than
 *                 DUET_BURDEN_MAX_ANNOTS classes, a mask listed twice or
 *                 naming an annotation that the annotation file does not
 *                 use, an empty file;
 *   DUET_ENOMEM.
 * Annotation lines naming genes absent from the set list, or variants that
 * the set list does not give for their gene, are counted (stats), not
 * errors: the caller warns.
 */
duet_err_t duet_burden_read_setlist(duet_burden_sets_t *sets,
                                    const char *path) DUET_WUR;
duet_err_t duet_burden_read_anno(duet_burden_sets_t *sets,
                                 const char *path) DUET_WUR;
duet_err_t duet_burden_read_masks(duet_burden_sets_t *sets,
                                  const char *path) DUET_WUR;

/* The three default masks of --csq: "pLoF", "pLoF+missense" and
 * "pLoF+missense+synonymous" (registering the classes). */
duet_err_t duet_burden_default_masks(duet_burden_sets_t *sets) DUET_WUR;

/* ------------------------------------------------------------------ */
/* Consequences from INFO/CSQ (VEP) or INFO/ANN (snpEff)               */

/* The classes, most severe first. */
enum { DUET_CSQ_PLOF = 0, DUET_CSQ_MISSENSE = 1, DUET_CSQ_SYNONYMOUS = 2,
       DUET_CSQ_N_CLASSES = 3 };
extern const char *const duet_csq_class_names[DUET_CSQ_N_CLASSES];

/* The class of a consequence ("&"-joined Sequence Ontology terms: the most
 * severe term counts), -1 if none of its terms is mapped:
 *   pLoF       transcript_ablation, splice_acceptor_variant,
 *              splice_donor_variant, stop_gained, frameshift_variant,
 *              stop_lost, start_lost
 *   missense   missense_variant, inframe_insertion, inframe_deletion,
 *              protein_altering_variant
 *   synonymous synonymous_variant */
int duet_csq_class(const char *consequence, size_t len);

/* Where the fields sit in one '|'-separated annotation. */
typedef struct {
    int is_ann;        /* 1: INFO/ANN (snpEff), 0: INFO/CSQ (VEP) */
    int n_fields;
    int allele, consequence, gene; /* field indices (gene: SYMBOL, or
                                      Gene_Name for ANN) */
} duet_csq_format_t;

/* Parse the Description of the CSQ header line ("... Format: Allele|
 * Consequence|...|SYMBOL|...") or of the ANN line (snpEff's fixed order
 * 'Allele | Annotation | Annotation_Impact | Gene_Name | ...').  Returns
 * DUET_OK or DUET_EFORMAT (a missing Format or a missing field: the
 * message, without reporting, goes to err_msg of size err_size). */
duet_err_t duet_csq_parse_format(const char *description, int is_ann,
                                 duet_csq_format_t *fmt, char *err_msg,
                                 size_t err_size) DUET_WUR;

/* The allele a CSQ/ANN entry's Allele field names, matched against the
 * record's ALT alleles (alts[1..n_alleles-1], alts[0] = REF): the exact
 * ALT, or VEP's form with the shared first base removed ("-" when nothing
 * is left).  Returns the allele index (1..), or 0 if none matches; a
 * record with one ALT always gives 1. */
int duet_csq_match_allele(const char *field, size_t len, char **alleles,
                          int n_alleles);

/*
 * Build the gene sets from the consequences of a VCF/BCF: read its INFO
 * once (no genotype decoding), keep every (ALT allele, gene) pair whose
 * consequence maps to a class (the most severe class over the gene's
 * transcripts), and add one gene per SYMBOL / Gene_Name in order of first
 * appearance, its variants named CHROM:POS:REF:ALT in file order.
 * Errors: DUET_EREAD (the file), DUET_EFORMAT (neither INFO/CSQ nor
 * INFO/ANN in the header, or a Format without the fields), DUET_ENOMEM;
 * reported.  *n_records receives the records read.
 */
duet_err_t duet_burden_sets_from_csq(duet_burden_sets_t *sets, const char *vcf,
                                     int64_t *n_records) DUET_WUR;

/* ------------------------------------------------------------------ */
/* Frequency bins and collapsing                                       */

typedef enum {
    DUET_BIN_AAF = 0,      /* alternative allele frequency <= bound */
    DUET_BIN_MAF = 1,      /* minor allele frequency <= bound */
    DUET_BIN_SINGLETON = 2,/* ALT allele count 1 */
    DUET_BIN_ALL = 3       /* every variant of the mask */
} duet_bin_kind_t;

typedef struct {
    duet_bin_kind_t kind;
    double bound;
    char label[32];        /* "0.01", "singleton", "all" */
} duet_burden_bin_t;

/* Parse a comma-separated list of bounds in (0, 1] into bins of `kind`,
 * after which "singleton" (if `singleton`) and "all" follow.  *bins (n
 * entries) is malloc'd.  DUET_EUSAGE (reported, naming `option`) for a bad
 * number or a bound given twice. */
duet_err_t duet_burden_bins_parse(const char *list, duet_bin_kind_t kind,
                                  int singleton, const char *option,
                                  duet_burden_bin_t **bins, int *n) DUET_WUR;

/* 1 if a variant of ALT allele frequency aaf and ALT allele count
 * alt_count (over called samples) falls in the bin. */
int duet_burden_in_bin(const duet_burden_bin_t *bin, double aaf, double alt_count);

typedef enum {
    DUET_COLLAPSE_MAX = 0,    /* the largest ALT count over the variants */
    DUET_COLLAPSE_SUM = 1,    /* the sum of ALT counts */
    DUET_COLLAPSE_COMPHET = 2 /* the sum thresholded at 2 (regenie): for
                                 hard calls, the largest count, and 2
                                 where two or more variants are
                                 heterozygous */
} duet_collapse_t;

/* "max", "sum", "comphet". */
const char *duet_collapse_str(duet_collapse_t rule);

/*
 * The collapsed score of n samples over the m columns cols[0..m-1] (each n
 * dosages, missing calls already mean-imputed) into score[0..n-1].  With
 * `missing` (m masks, 1 = missing call; may be NULL) and `carrier`
 * (n bytes; may be NULL), carrier[i] = 1 where some variant has a called
 * dosage of at least 0.5 for sample i.  m = 0 gives zeros.
 */
void duet_burden_collapse(duet_collapse_t rule, const double *const *cols,
                          const uint8_t *const *missing, int m, int n,
                          double *score, uint8_t *carrier);

/* ------------------------------------------------------------------ */
/* The stream: one pass over the VCF, genes handed over when complete  */

/* A complete gene: its variants found in the VCF, in file order. */
typedef struct {
    int gene;                 /* index in the sets */
    int n_found;              /* variants found */
    int *annot;               /* their annotation class (-1: none) */
    double *aaf, *alt_count;  /* ALT frequency and count over called
                                 samples */
    const double **dosage;    /* n_samples each (mean-imputed) */
    const uint8_t **missing;  /* n_samples each */
    int m_found;              /* capacity (private) */
    int *col;                 /* pool columns (private) */
} duet_burden_gene_data_t;

typedef struct duet_burden_stream duet_burden_stream_t;

/* What the stream saw. */
typedef struct {
    int64_t variants_read;      /* variants (ALT alleles) read */
    int64_t variants_used;      /* of which listed in some gene */
    int64_t slots_found;        /* listed (gene, variant) pairs found */
    int64_t slots_missing;      /* listed pairs never found in the VCF */
    int64_t duplicates;         /* a listed variant found a second time
                                   while its gene was open (ignored) */
    int64_t late;               /* found after its gene was tested (the VCF
                                   is not in the set list's order) */
    int genes_done;             /* genes handed over (some variant found) */
    int genes_empty;            /* genes with no variant found */
} duet_burden_stream_stats_t;

duet_err_t duet_burden_stream_create(const duet_burden_sets_t *sets,
                                     int n_samples,
                                     duet_burden_stream_t **out) DUET_WUR;
void duet_burden_stream_destroy(duet_burden_stream_t *st);

/*
 * Add one decoded variant: its dosage column (n_samples) and missing mask
 * (n_samples, or NULL: no missing calls).  It is matched to the set list by
 * its ID when the record is biallelic, else (or when the ID is not listed)
 * as CHROM:POS:REF:ALT.  A gene becomes ready when every listed variant has
 * been found, when the VCF moves past the largest position its
 * CHROM:POS:REF:ALT names give on the same chromosome, or when the VCF
 * moves to another chromosome (its missing variants are then absent).
 * Returns DUET_OK or DUET_ENOMEM.
 */
duet_err_t duet_burden_stream_add(duet_burden_stream_t *st, const duet_variant_t *v,
                                  const double *dosage,
                                  const uint8_t *missing) DUET_WUR;

/* End of input: every open gene becomes ready. */
void duet_burden_stream_finish(duet_burden_stream_t *st);

/* The ready genes with at least one variant found, in the order in which
 * they became ready (ties by set-list order); valid until
 * duet_burden_stream_release(). */
int duet_burden_stream_n_ready(const duet_burden_stream_t *st);
const duet_burden_gene_data_t *duet_burden_stream_ready(const duet_burden_stream_t *st,
                                                        int k);
/* Columns held now (ready and open genes). */
int duet_burden_stream_n_columns(const duet_burden_stream_t *st);
/* Recycle the ready genes' columns. */
void duet_burden_stream_release(duet_burden_stream_t *st);
const duet_burden_stream_stats_t *duet_burden_stream_stats(const duet_burden_stream_t *st);

/* ------------------------------------------------------------------ */
/* The tests                                                           */

enum {
    DUET_BURDEN_TEST_BURDEN = 0,
    DUET_BURDEN_TEST_SKAT,
    DUET_BURDEN_TEST_SKATO,
    DUET_BURDEN_TEST_ACATV,
    DUET_BURDEN_TEST_ACATO,
    DUET_BURDEN_N_TESTS
};
/* "burden", "skat", "skato", "acatv", "acato". */
extern const char *const duet_burden_test_names[DUET_BURDEN_N_TESTS];

typedef struct {
    duet_collapse_t collapse;        /* [max] */
    duet_scan_opts_t scan;           /* burden regression: binary_mode WALD
                                        (Firth where IRLS fails or the score
                                        separates) or FIRTH */
    duet_genetest_opts_t genetest;   /* SKAT & co. (Beta(1, 25) weights) */
    unsigned tests;                  /* bit DUET_BURDEN_TEST_* to report */
} duet_burden_opts_t;

void duet_burden_opts_init(duet_burden_opts_t *opts);

/* One gene x mask x bin x trait x test. */
typedef struct {
    double beta, se;     /* burden only, NaN otherwise */
    double log_p;        /* NaN: no p-value */
    const char *errcode; /* "" when log_p is finite */
    const char *method;  /* SKAT, SKAT-O, ACAT-V of a case/control trait:
                            "exact", "spa" or "asymptotic" (genetest.h's
                            small-sample policy); "" otherwise */
} duet_burden_stat_t;

typedef struct duet_burden_model duet_burden_model_t;

/*
 * The null models of every trait: the scan engine's (sample sets by
 * missingness, standardised covariates, linear or logistic nulls) for the
 * burden regression, and per trait a genetest null model on the samples
 * with a value (intercept + covariates, dependent columns dropped; least
 * squares residuals, or the logistic null's fitted probabilities).  Traits
 * the scan skips (one value, no cases...) are skipped by every test.
 * Errors as duet_scan_create(), plus DUET_EDEGENERATE when no trait is
 * left.
 */
duet_err_t duet_burden_model_create(const duet_scan_input_t *in,
                                    const duet_burden_opts_t *opts,
                                    const duet_burden_bin_t *bins, int n_bins,
                                    int n_masks, duet_burden_model_t **out) DUET_WUR;
void duet_burden_model_destroy(duet_burden_model_t *model);
const duet_scan_t *duet_burden_model_scan(const duet_burden_model_t *model);

/* Per-thread scratch space. */
typedef struct duet_burden_work duet_burden_work_t;
duet_err_t duet_burden_work_create(const duet_burden_model_t *model,
                                   duet_burden_work_t **out) DUET_WUR;
void duet_burden_work_destroy(duet_burden_work_t *work);

/*
 * The results of one gene, computed in two steps so that a caller can
 * spread the work over genes and then over (gene, trait) pairs:
 *   duet_burden_gene_prepare(): masks x bins (mask-major: mb = k n_bins + b)
 *     -> the variants in each, collapsed scores, carriers, and the burden
 *     regression of every trait (one scan block);
 *   duet_burden_gene_vc(): SKAT, SKAT-O, ACAT-V for one trait on each
 *     mask x bin with variants, and ACAT-O: the Cauchy combination (equal
 *     weights) of the burden, SKAT and ACAT-V p-values that exist.
 * A mask x bin whose variant set equals an earlier one's reuses its
 * results.  Thread-safe for distinct works and results.
 */
typedef struct duet_burden_gene_res duet_burden_gene_res_t;
duet_err_t duet_burden_gene_res_create(const duet_burden_model_t *model,
                                       duet_burden_gene_res_t **out) DUET_WUR;
void duet_burden_gene_res_destroy(duet_burden_gene_res_t *res);

duet_err_t duet_burden_gene_prepare(const duet_burden_model_t *model,
                                    duet_burden_work_t *work,
                                    const duet_burden_sets_t *sets,
                                    const duet_burden_gene_data_t *gd,
                                    duet_burden_gene_res_t *res) DUET_WUR;
duet_err_t duet_burden_gene_vc(const duet_burden_model_t *model,
                               duet_burden_work_t *work,
                               const duet_burden_gene_data_t *gd,
                               duet_burden_gene_res_t *res, int trait) DUET_WUR;

/* Variants in mask x bin mb (0: no row is written for it). */
int duet_burden_res_n_variants(const duet_burden_gene_res_t *res, int mb);
/* Carriers of mask x bin mb among the samples of trait t. */
int duet_burden_res_n_carriers(const duet_burden_gene_res_t *res, int mb, int t);
/* The statistic of test `test` (DUET_BURDEN_TEST_*) for mb and trait t. */
const duet_burden_stat_t *duet_burden_res_stat(const duet_burden_gene_res_t *res,
                                               int mb, int t, int test);

/* ------------------------------------------------------------------ */
/* The run of `duet burden`: gene sets, traits, one pass over the VCF,
 * P.burden.tsv.gz and P.log. */

typedef struct {
    duet_common_t c;          /* -o PREFIX (files only), --threads, --force,
                                 --no-version, --quiet */
    const char *vcf;          /* genotypes, in the genes' genome order */
    const char *anno, *set_list, *mask_def; /* regenie's files, or NULL */
    int csq;                  /* genes and classes from INFO/CSQ or ANN
                                 (mask_def optional: default masks) */
    const char *aaf_bins, *maf_bins; /* frequency bins (one of them, or
                                        neither: AAF 0.01) */
    int singletons;           /* add the singleton bin */
    int dosage;               /* FORMAT/DS instead of GT */
    long min_cell;            /* carrier and case counts below it are
                                 withheld [20] */
    duet_trait_cli_t traits;  /* --pheno ... or --db, after
                                 duet_trait_cli_finish() */
    const duet_pheno_opts_t *db_opts; /* phecode and --quant derivation
                                         (with traits.db), or NULL */
    duet_burden_opts_t b;     /* tests, weights, collapse, case/control */
    duet_sex_cli_t sexo;      /* --sex, --par */
} duet_burden_run_opts_t;

/* The defaults (duet_opts_init, duet_burden_opts_init, duet_sex_cli_init,
 * min_cell 20, everything else unset). */
void duet_burden_run_opts_init(duet_burden_run_opts_t *opts);

/*
 * Read the gene sets and the traits, test every gene as soon as its
 * variants have been read (genes in parallel, rows in the order the genes
 * completed, so that the output does not depend on --threads), write
 * P.burden.tsv.gz and P.log (temporary names, published when complete) and
 * the summary on stderr.  Errors (reported once): those of the set, mask
 * and annotation readers, the bins, the trait loader (traitset.h), the
 * reader (geno.h) and the models (DUET_EDEGENERATE), DUET_EWRITE,
 * DUET_ENOMEM, DUET_EINTR / DUET_ETERM.
 */
duet_err_t duet_burden_run(const duet_burden_run_opts_t *opts) DUET_WUR;

#endif
