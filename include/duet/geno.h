/*
 * geno.h -- the genotype reader: VCF, VCF.gz and BCF through htslib, decoded
 * block by block into dense samples x variants dosage matrices.
 *
 * Samples are kept in the order the caller asks (to line up with a phenotype
 * table).  A multi-allelic record yields one variant per ALT allele: variant
 * `allele` a carries the dosage of ALT a (the count of allele a in GT, or the
 * a-th DS value), so that every ALT is tested against all other alleles, as
 * plink2 does after `--split-par`/`norm -m-`.  Haploid calls count 0 or 1.
 * Missing genotypes are replaced by the variant's mean dosage over called
 * samples (and flagged in the optional missing mask).
 *
 * GT rules.  A call counts the alleles it has: "0/1" 2 alleles, haploid "1"
 * 1 allele, and a half-call such as "1/." (the usual spelling of a male's
 * chrX call in some files) 1 allele, as bcftools counts AN/AC and as plink2
 * does with --vcf-half-call haploid.  A call is missing only when none of
 * its alleles is called ("./.", ".", or no value at all).  Phasing is
 * ignored.  An allele index beyond the record's alleles is malformed input.
 * DS rules.  DS has one value per ALT (Number=A; a biallelic Number=1 DS is
 * the same thing); a missing value makes the sample missing; values must lie
 * in [0, 2]; each called sample counts 2 alleles (DS is taken as diploid).
 * The field asked for is used where the record has it, the other one where
 * it has not (GT hard calls for a record without DS, and DS for a record
 * without GT); a record with neither is malformed.  When no sample of a
 * variant is called, its missing entries are set to 0.
 * Records without an ALT allele (ALT ".") yield no variant and are skipped.
 *
 * Sex and ploidy (plink2's rules, checked against plink2 2.00a3.5 --freq,
 * --missing and --glm).  Without a sex table (opts.sex NULL, or nobody's
 * sex known) every contig is read by the rules above.  With one, a record
 * is classed by its contig (duet_geno_contig_class()) and position:
 *   chrX outside the PARs (DUET_PLOIDY_X): a male is hemizygous: a haploid
 *     call, a half-call or a homozygous diploid call counts one allele, a
 *     heterozygous call half an ALT allele of one (plink2 --freq's "het
 *     haploid counts 0.5"; --glm keeps it too: 1 on the 0..2 scale); a
 *     female or a sample of unknown sex is diploid, and her haploid call
 *     is homozygous (2 copies of the allele, as plink2 imports it);
 *   chrY (DUET_PLOIDY_Y): males are haploid as above; other samples are
 *     not observed: counted neither called nor missing, masked as missing
 *     in the dosage matrix;
 *   MT (DUET_PLOIDY_MT): every sample is haploid as above;
 *   the PARs of chrX (positions <= par.par1_end or >= par.par2_start,
 *     plink2 --split-par), XY/PAR1/PAR2 contigs, autosomes and other
 *     contigs: diploid, by the rules above.
 * DS on these contigs: a sample whose GT is haploid (one value) has DS on
 * the haploid 0..1 scale (above 1 is malformed); otherwise DS is diploid
 * and a hemizygous sample carries DS/2 alleles (as plink2's dosage=DS).
 * The dosage matrix holds a hemizygous sample's ALT alleles d (0, 0.5, 1)
 * as d x opts.xchr_male_scale on chrX (2 by default: plink2 --glm's
 * --xchr-model 2, males coded 0..2; 1 for --xchr-model 1) and as d on
 * chrY and MT (plink2 codes them 0..1); females and samples of unknown sex
 * as diploid dosages.  duet_variant_t gives both scales: alt_count,
 * n_alleles_called, af and mac describe the dosage column (what a scan
 * tests; plink2 --glm's A1_CT, ALLELE_CT and A1_FREQ), alt_alleles,
 * n_alleles_obs and allele_freq count alleles (plink2 --freq).
 *
 * Chunks.  `chunk_k`/`chunk_n` split a file by record count, using the
 * per-contig record counts of its CSI/TBI index: the records are numbered
 * 0..T-1 over the index's contigs in index order (header order for a BCF,
 * order of appearance for a tabix-indexed VCF.gz; both are file order for a
 * file sorted the usual way), and chunk K (1-based) of N holds records
 * floor((K-1)T/N) .. floor(KT/N)-1.  The chunks of a file are disjoint and
 * cover it; a chunk may be empty when N > T.  The reader seeks to the
 * contig of the chunk's first record and skips records before it without
 * unpacking them.  A region and a chunk cannot be combined.
 *
 * Reading is split in two so that decoding can run in parallel:
 *   duet_geno_fetch()   sequential: pulls the next records (raw bytes) into a
 *                       block; htslib decompresses with its own threads;
 *   duet_geno_decode()  thread-safe for distinct blocks: turns the raw GT/DS
 *                       bytes into the dense matrix and per-variant counts,
 *                       reading the BCF genotype bytes directly (no
 *                       per-sample int32 conversion through bcf_get_genotypes).
 * duet_geno_read_block() does both.  Memory is O(samples x block size).
 */
#ifndef DUET_GENO_H
#define DUET_GENO_H

#include <stdint.h>
#include "duet/err.h"
#include "duet/opts.h"

/* Sex codes, as plink: 1 male, 2 female, 0 unknown. */
typedef enum {
    DUET_SEX_UNKNOWN = 0,
    DUET_SEX_MALE = 1,
    DUET_SEX_FEMALE = 2
} duet_sex_t;

/* How the calls of a record are counted (see "Sex and ploidy" above). */
typedef enum {
    DUET_PLOIDY_DIPLOID = 0, /* autosomes, PARs, other contigs; every
                                contig when no sex is known */
    DUET_PLOIDY_X = 1,       /* chrX outside the PARs */
    DUET_PLOIDY_Y = 2,       /* chrY: males only */
    DUET_PLOIDY_MT = 3       /* mitochondria: everyone haploid */
} duet_ploidy_t;

/* chrX positions <= par1_end or >= par2_start are pseudo-autosomal
 * (plink2 --split-par BP1 BP2); par1_end = 0 and par2_start = INT64_MAX
 * for none.  name: "b37", "b38", "none" or "BP1,BP2" (for logs). */
typedef struct {
    int64_t par1_end, par2_start;
    char name[48];
} duet_par_t;

typedef enum {
    DUET_GENO_GT = 0, /* hard calls from FORMAT/GT */
    DUET_GENO_DS = 1  /* dosages from FORMAT/DS (GT where a record has none) */
} duet_geno_field_t;

typedef struct {
    const char *path;           /* VCF, VCF.gz or BCF; "-" is not allowed */
    const char *const *samples; /* keep these, in this order; NULL = all */
    int n_samples;              /* length of `samples` */
    const char *region;         /* "chr", "chr:beg-end" (1-based, inclusive)
                                   through the CSI/TBI index; NULL = all */
    int chunk_k, chunk_n;       /* chunk K of N (1-based) by record count, or
                                   0,0 for the whole file */
    duet_geno_field_t field;    /* GT or DS */
    int threads;                /* htslib decompression threads (>= 1):
                                   1 inflates on the fetching thread, N > 1
                                   gives htslib a pool of N threads */
    int want_missing_mask;      /* fill duet_geno_block_t.missing */
    const struct duet_sex_table_t *sex; /* samples' sex (looked up by ID at
                                   open), or NULL: every contig diploid */
    duet_par_t par;             /* chrX's pseudo-autosomal regions [GRCh37] */
    int xchr_male_scale;        /* matrix value of one hemizygous chrX
                                   allele: 2 [default] or 1 */
    int warn_no_sex;            /* warn (once, at the first chrX, chrY or
                                   MT record) when nobody's sex is known:
                                   for commands that take sexes */
} duet_geno_opts_t;

/* Default options for `path`: all samples, whole file, GT, one thread. */
void duet_geno_opts_init(duet_geno_opts_t *opts, const char *path);

/* One tested variant (one ALT allele of one record).  id, ref and alt point
 * into the block's raw records: valid until the block is fetched into again
 * or destroyed.  Error messages number records from 1 ("record 12"); the
 * `record` field counts from 0. */
typedef struct {
    const char *chrom;   /* owned by the reader's header */
    int64_t pos;         /* 1-based */
    char *id;            /* "." when the record has none */
    char *ref;
    char *alt;           /* this ALT allele only */
    int allele;          /* 1..n_alleles-1 */
    int n_alleles;       /* alleles of the record (REF + ALTs) */
    uint64_t record;     /* 0-based index of the record in the file (or
                            within the region) */
    int n_called;        /* samples with a non-missing call */
    int n_missing;       /* samples with a missing call */
    double alt_count;    /* sum of ALT dosage over called samples */
    double n_alleles_called; /* alleles observed over called samples (2 per
                                diploid call, 1 per haploid call) */
    double af;           /* alt_count / n_alleles_called; NaN if none called */
    double mac;          /* min(alt_count, n_alleles_called - alt_count) */
    /* the same counted in alleles (a hemizygous male carries one); equal
     * to the above except for hemizygous calls under xchr_male_scale 2 */
    double alt_alleles;  /* ALT alleles over called samples */
    double n_alleles_obs;/* allele observations over called samples */
    double allele_freq;  /* alt_alleles / n_alleles_obs; NaN if none */
    duet_ploidy_t ploidy;/* how the record's calls were counted */
} duet_variant_t;

typedef struct duet_geno_t duet_geno_t;
typedef struct duet_geno_block_t duet_geno_block_t;

/* A block: the public part.  The reader keeps raw records in it too. */
struct duet_geno_block_t {
    int n_samples;        /* rows of `dosage` */
    int n_variants;       /* columns filled by the last fetch/decode */
    int max_variants;     /* capacity in variants */
    uint64_t index;       /* 0-based block number in reading order (seeds an
                             RNG stream; orders outputs) */
    double *dosage;       /* column-major n_samples x max_variants:
                             dosage[(size_t)j * n_samples + i] */
    uint8_t *missing;     /* same shape, 1 = missing call; NULL unless
                             want_missing_mask */
    duet_variant_t *variants;
    void *internal;       /* raw records; reader-private */
};

/*
 * Open the file and match samples.  Errors (reported with the path):
 *   DUET_EREAD     cannot open / read, or a region or chunk without an index
 *                  (the message says to run `bcftools index`), or an index
 *                  without record counts (chunks);
 *   DUET_EFORMAT   not a VCF/BCF, or a header htslib rejects;
 *   DUET_EMISMATCH requested samples absent from the file (named, up to ten,
 *                  with the count), or a sample requested twice;
 *   DUET_EDEGENERATE no samples to read (the file has none, or n_samples
 *                  is 0 with a non-NULL list);
 *   DUET_EUSAGE    a region htslib cannot parse, an unknown contig, a bad
 *                  chunk, a region together with a chunk, or path "-";
 *   DUET_ENOMEM.
 * A region naming a contig of the header that has no records in the index
 * reads nothing (not an error).  On error *geno is NULL.
 */
duet_err_t duet_geno_open(const duet_geno_opts_t *opts,
                          duet_geno_t **geno) DUET_WUR;
void duet_geno_close(duet_geno_t *geno);

/* Samples kept, in output order; names are owned by the reader. */
int duet_geno_n_samples(const duet_geno_t *geno);
const char *duet_geno_sample(const duet_geno_t *geno, int i);
/* Samples in the file, and the name of file sample j. */
int duet_geno_n_file_samples(const duet_geno_t *geno);
const char *duet_geno_file_sample(const duet_geno_t *geno, int j);
/* Records the index says the file (or region's contigs) holds; 0 if
 * unknown.  For progress meters. */
uint64_t duet_geno_n_records_hint(const duet_geno_t *geno);

/* A block of up to `max_variants` variants for this reader's samples. */
duet_err_t duet_geno_block_create(const duet_geno_t *geno, int max_variants,
                                  duet_geno_block_t **block) DUET_WUR;
void duet_geno_block_destroy(duet_geno_block_t *block);

/* Fill `block` with the next records (whole records only: a record with k
 * ALTs takes k slots).  Sets block->index and n_variants; n_variants == 0
 * means the end of input.  Sequential.  DUET_EFORMAT on a truncated or
 * malformed record, naming it (file, chrom:pos or record number). */
duet_err_t duet_geno_fetch(duet_geno_t *geno, duet_geno_block_t *block) DUET_WUR;

/* Decode the fetched records into dosage/missing/variants.  Thread-safe for
 * distinct blocks.  DUET_EFORMAT for a record with neither GT nor DS (or a
 * sample vector htslib cannot hold), naming it. */
duet_err_t duet_geno_decode(const duet_geno_t *geno,
                            duet_geno_block_t *block) DUET_WUR;

/* duet_geno_fetch() then duet_geno_decode(), except that each record is
 * decoded as soon as it is read (while its bytes are in the cache): the
 * one-thread way to read. */
duet_err_t duet_geno_read_block(duet_geno_t *geno,
                                duet_geno_block_t *block) DUET_WUR;

/* 1 if `path` has a CSI or TBI index beside it (PATH.csi, PATH.tbi), so
 * that a region can be read; 0 otherwise. */
int duet_geno_indexed(const char *path);

/* 1 if the file may hold records of contigs of class `cls` (by contig
 * name only, PARs ignored): from the index's record counts when there is
 * an index; 1 without one (a VCF may use contigs its header lacks). */
int duet_geno_may_have_contig(duet_geno_t *geno, duet_ploidy_t cls);

/* The path the reader was opened with. */
const char *duet_geno_path(const duet_geno_t *geno);

/*
 * Pipelined reading: fetch blocks in order (one fetch at a time), decode
 * them (and run `work` on them) in parallel, and hand them to `emit` one at
 * a time in block order, on `threads` threads: the caller's and threads-1
 * POSIX threads started for the scan (not OpenMP threads; idle threads
 * sleep rather than spin).  Up to `n_blocks` blocks of `max_variants` are
 * in flight (memory: n_blocks x n_samples x max_variants doubles).  `work`
 * runs on any of the threads (its `thread` argument, 0..threads-1, indexes
 * per-thread scratch), once per block, after decoding; it may be NULL.
 * `emit` runs on one thread at a time, in block order; it may be NULL.  The
 * first error (from fetch, decode, work or emit, by block order) stops the
 * scan and is returned; errors are reported where found.  Results do not
 * depend on `threads`.
 */
typedef struct {
    int max_variants;  /* block capacity (>= 1) */
    int n_blocks;      /* blocks in flight; 0 = 4 x threads */
    int threads;       /* decoding threads (>= 1) */
    duet_err_t (*work)(duet_geno_block_t *block, void *ctx, int thread);
    duet_err_t (*emit)(duet_geno_block_t *block, void *ctx);
    void *ctx;
} duet_geno_scan_t;

duet_err_t duet_geno_scan(duet_geno_t *geno,
                          const duet_geno_scan_t *scan) DUET_WUR;

/*
 * Parse a chunk specification "K/N" (1 <= K <= N <= 1000000).  On a bad
 * value prints "--chunk: ..." and returns DUET_EUSAGE.
 */
duet_err_t duet_geno_chunk_parse(const char *arg, int *k, int *n) DUET_WUR;

/*
 * Read a sample list (a --samples FILE) as idlist.h reads sample files
 * (column 0: a #FID IID / #IID header, .fam / keep files, one ID per line;
 * an ID listed twice kept once).  On success *names (n entries, each
 * malloc'd) belongs to the caller, to be freed with
 * duet_geno_samples_free().  Errors: DUET_EREAD (cannot open or read),
 * DUET_EFORMAT (a line without the ID column, naming the line),
 * DUET_EDEGENERATE (no IDs), DUET_ENOMEM.
 */
duet_err_t duet_geno_samples_read(const char *path, char ***names,
                                  int *n) DUET_WUR;
void duet_geno_samples_free(char **names, int n);

/* ------------------------------------------------------------------ */
/* Sexes, contig classes and the options that give them (src/geno/sex.c) */

/* The class of a contig name ("chr" prefix and case ignored): X, 23 ->
 * DUET_PLOIDY_X; Y, 24 -> DUET_PLOIDY_Y; MT, M, 26 -> DUET_PLOIDY_MT;
 * anything else (autosomes, XY, 25, PAR1, PAR2) -> DUET_PLOIDY_DIPLOID. */
duet_ploidy_t duet_geno_contig_class(const char *chrom);

/* The class of a record at 1-based position pos of contig chrom: chrX in
 * a PAR is DUET_PLOIDY_DIPLOID. */
duet_ploidy_t duet_geno_record_class(const char *chrom, int64_t pos, const duet_par_t *par);

/* Parse a --par value: b37 (also 37, hg19, GRCh37: 2699520,154931044),
 * b38 (38, hg38, GRCh38: 2781479,155701383), none, or BP1,BP2 with
 * BP1 < BP2.  DUET_EUSAGE (reported) on anything else. */
duet_err_t duet_par_parse(const char *arg, duet_par_t *par) DUET_WUR;
/* GRCh37's PARs. */
void duet_par_default(duet_par_t *par);

/* Samples' sex by ID. */
typedef struct duet_sex_table_t duet_sex_table_t;

duet_err_t duet_sex_table_create(duet_sex_table_t **table) DUET_WUR;
void duet_sex_table_destroy(duet_sex_table_t *table);
/* Set the sex of `id` (copied).  DUET_ENOMEM. */
duet_err_t duet_sex_table_set(duet_sex_table_t *table, const char *id, duet_sex_t sex) DUET_WUR;
/* The sex of `id`; DUET_SEX_UNKNOWN if absent. */
duet_sex_t duet_sex_table_get(const duet_sex_table_t *table, const char *id);
/* Where the sexes came from ("FILE", "covariate 'sex' of FILE", the file
 * without its folder), for logs and sidecars; set by the readers below. */
const char *duet_sex_table_source(const duet_sex_table_t *table);

/*
 * Read a --sex FILE (plain or compressed; fields separated by tabs or
 * spaces; blank lines skipped).  The first line decides the layout:
 *   a header (its first field starts with '#', or is FID or IID): the IDs
 *     from the IID column (#IID, IID, or the second field of #FID IID),
 *     the sexes from the column named SEX (any case): plink2 .psam, or a
 *     covariate table such as duet pheno's P.covar.tsv;
 *   no header: 6 fields is a .fam (IID field 2, sex field 5), 3 fields
 *     FID IID SEX, 2 fields IID SEX.
 * Sex values: 1, M, m, male -> male; 2, F, f, female -> female; 0, NA,
 * -9, U, u, . -> unknown (plink's codes).  Errors, reported with
 * file:line and field: DUET_EREAD (cannot open or read); DUET_EFORMAT (no
 * SEX column, a line with too few fields, a value that is not a sex code,
 * an ID given twice with different sexes); DUET_ENOMEM.  *table is NULL on
 * error.
 */
duet_err_t duet_sex_table_read(const char *path, duet_sex_table_t **table) DUET_WUR;

/*
 * A sex table from a covariate column (the covariate named "sex", any
 * case, of a covariate table) over samples ids[0..n-1]: values 1 male and
 * 2 female, 0 unknown (duet pheno's P.covar.tsv, plink); a column holding
 * only 0 and 1 is 1 male, 0 female (duet simulate's covar.tsv), said in
 * the log.  Other values leave the sample unknown, with a warning.
 * `source` names the file for logs.  DUET_ENOMEM.
 */
duet_err_t duet_sex_table_from_covar(const char *const *ids, int n, const double *values,
                                     const char *source, duet_sex_table_t **table) DUET_WUR;

/*
 * The options that give samples' sexes and chrX's PARs, shared by duet
 * gwas, freq and burden (as DUET_COMMON_LONGOPTS is by every command):
 *   --sex FILE   sexes (duet_sex_table_read())
 *   --par SPEC   chrX's PARs (duet_par_parse()) [b37]
 * A command puts DUET_SEX_LONGOPTS in its getopt_long() table, passes each
 * option to duet_sex_cli_parse() before its own switch's default, and
 * prints duet_sex_cli_usage() in its usage text.
 */
enum {
    DUET_SEX_OPT_SEX = DUET_OPT_FIRST_PRIVATE + 0x60,
    DUET_SEX_OPT_PAR
};

#define DUET_SEX_LONGOPTS                                   \
    {"sex", required_argument, NULL, DUET_SEX_OPT_SEX},     \
    {"par", required_argument, NULL, DUET_SEX_OPT_PAR}

typedef struct {
    const char *sex_path;  /* --sex, or NULL */
    duet_par_t par;        /* --par [b37] */
    int par_given;
} duet_sex_cli_t;

void duet_sex_cli_init(duet_sex_cli_t *cli);
/* 1 if `opt` is one of DUET_SEX_LONGOPTS (*err: DUET_OK or DUET_EUSAGE,
 * reported), 0 if not. */
int duet_sex_cli_parse(duet_sex_cli_t *cli, int opt, const char *arg, duet_err_t *err);
/* The sexes a command uses: --sex FILE when given (duet_sex_table_read()
 * errors), else the covariate named sex (any case) among covar_names
 * (covars: n x n_covars over ids; duet_sex_table_from_covar(), source
 * covar_source), else none (*table NULL). */
duet_err_t duet_sex_cli_table(const duet_sex_cli_t *cli, const char *const *ids, int n,
                              const char *const *covar_names, const double *covars,
                              int n_covars, const char *covar_source,
                              duet_sex_table_t **table) DUET_WUR;
/* The usage lines, under "Sex and chrX:"; covar_line: 1 to say that a
 * covariate named sex is used when --sex is not given. */
void duet_sex_cli_usage(FILE *fp, int covar_line);

/*
 * The traits and covariates of the tests of chrX's variants (cls
 * DUET_PLOIDY_X) or chrY's (DUET_PLOIDY_Y), as plink2 --glm sets them up,
 * from the autosomes' ones (n samples ids[], traits n x n_traits and
 * covars n x n_covars, column-major): on chrX the traits of the samples of
 * unknown sex set missing (NaN) and sex (1 male, 2 female) added as the
 * last covariate, unless one is named sex (any case); on chrY the traits
 * of all but the males set missing and the covariate named sex left out
 * (constant in males).  Names point into covar_names (or are "sex").
 * DUET_ENOMEM; free with duet_sex_design_free().
 */
typedef struct {
    double *traits;            /* n x n_traits */
    double *covars;            /* n x n_covars */
    const char **covar_names;
    int n_covars;
    int n_kept;                /* samples whose traits are kept */
    int n_testable;            /* traits with two values or more among
                                  them and more samples than intercept,
                                  covariates and genotype (0: set nothing
                                  up) */
} duet_sex_design_t;

duet_err_t duet_sex_design(const duet_sex_table_t *sex, duet_ploidy_t cls,
                           const char *const *ids, int n, const double *traits,
                           int n_traits, const double *covars,
                           const char *const *covar_names, int n_covars,
                           duet_sex_design_t *out) DUET_WUR;
void duet_sex_design_free(duet_sex_design_t *d);

/* Counts of a table over ids (for logs). */
void duet_sex_table_count(const duet_sex_table_t *table, const char *const *ids, int n,
                          int *males, int *females, int *unknown);

#endif
