/*
 * sim_internal.h -- what the parts of the simulator share: the catalogue of
 * planted traits (catalog.c), the cohort being built (design.c), and the
 * writers of each output (genotypes.c, phenotypes.c, ehr.c, tables.c).
 * Private to src/sim/.
 */
#ifndef DUET_SIM_INTERNAL_H
#define DUET_SIM_INTERNAL_H

#include <stdint.h>

#include "duet/err.h"
#include "duet/out.h"
#include "duet/phecode.h"
#include "duet/rng.h"
#include "duet/sim.h"

/* ------------------------------------------------------------------ */
/* Random streams: one per (purpose, index), never shared by threads. */

enum {
    SIM_NS_DESIGN = 1, /* variants, genes, effects (one sequential stream) */
    SIM_NS_PERSON = 2, /* demographics and ancestry, per person */
    SIM_NS_BLOCK = 3,  /* genotypes, per LD block */
    SIM_NS_PHENO = 4,  /* trait noise, per (trait, person) */
    SIM_NS_OMICS = 5,  /* omics features, per person */
    SIM_NS_EHR = 6,    /* visits, codes, measurements, per person */
    SIM_NS_COVAR = 7,  /* principal-component-like covariates, per person */
    SIM_NS_BACKGROUND = 8 /* background phecode prevalences (one stream) */
};

static inline uint64_t sim_stream(int ns, int sub, uint64_t index)
{
    return (uint64_t)ns << 56 | (uint64_t)(sub & 0xffff) << 40 | (index & 0xffffffffffULL);
}

/* ------------------------------------------------------------------ */
/* The catalogue (catalog.c) */

#define SIM_MAX_PLANTED 4
#define SIM_MAX_LINKS 3
#define SIM_MAX_CODES 4

/* One planted common variant: placed in `gene`, ALT = effect allele. */
typedef struct {
    const char *gene;
    double alt_af;       /* target ALT frequency */
    double effect;       /* per ALT allele: SD units or log-odds */
    const char *like;    /* the published variant it imitates */
} sim_planted_t;

typedef struct {
    int trait;           /* index of an earlier trait */
    double effect;       /* per SD (quantitative) or for a case (binary) */
} sim_link_t;

typedef enum { SIM_SEX_BOTH = 0, SIM_SEX_FEMALE = 2 } sim_sex_t;

typedef struct {
    const char *name;    /* column of pheno.tsv */
    const char *label;
    int binary;
    /* binary: disease */
    double prevalence;   /* among eligible people */
    sim_sex_t sex_only;
    const char *phecode; /* phecode 1.2 the ICD codes map to */
    const char *icd10[SIM_MAX_CODES]; /* dotted, NULL-terminated */
    const char *icd9[SIM_MAX_CODES];
    /* quantitative: measurement */
    double mean, sd;     /* population level, in `unit` */
    double lo, hi;       /* plausible range the levels are clamped to */
    int concept_id;      /* OMOP measurement_concept_id (LOINC) */
    const char *loinc;
    int unit_concept_id;
    const char *unit;
    int decimals;        /* as a laboratory reports it */
    int alt_unit_concept_id; /* 0: none */
    const char *alt_unit;
    double alt_scale, alt_shift; /* alt = (value - shift) * scale */
    int alt_decimals;
    double p_measured, p_measured_case; /* case: of `measured_case_trait` */
    int measured_case_trait;            /* -1: none */
    double rate_per_year;  /* further measurements */
    double within_sd;      /* visit-to-visit noise, SD units */
    double residual_sd;    /* non-genetic person-level noise, SD units */
    /* effects on the liability (SD units) or the log-odds */
    double male;         /* male vs female */
    double age10;        /* per 10 years of age (centred at 50) */
    double anc[3];       /* per unit of ancestry fraction, pops 0..2 */
    int n_poly;          /* polygenic background variants */
    double poly_var;     /* their total variance (liability / log-odds) */
    int n_planted;
    sim_planted_t planted[SIM_MAX_PLANTED];
    int n_links;
    sim_link_t links[SIM_MAX_LINKS];
} sim_trait_t;

extern const sim_trait_t sim_traits[];
extern const int sim_n_traits;

/* The rare-variant gene burden: one gene, one trait. */
typedef struct {
    const char *gene;
    int trait;
    double plof, missense;  /* per qualifying allele, SD units */
    double max_maf;         /* target MAF of its variants below this */
    double p_plof, p_missense; /* consequence mix of its variants */
} sim_burden_t;

extern const sim_burden_t sim_burden;

/* Omics features: loadings on traits (per SD of the level z for
 * quantitative traits, per SD of the latent liability -- the linear
 * predictor -- for diseases), on age (per 10 years) and on male sex. */
#define SIM_OMICS_MAX_LOADS 3
typedef struct {
    const char *name;
    double mean, sd;
    int n_loads;
    struct { int trait; double load; } loads[SIM_OMICS_MAX_LOADS];
    double age10, male;
    double tech;          /* loading on the per-person assay batch factor */
    int decimals;
} sim_omic_t;

extern const sim_omic_t sim_omics[];
extern const int sim_n_omics;

/* The general-examination code some visits carry (no phecode), dotted. */
extern const char *const sim_exam_icd10;
extern const char *const sim_exam_icd9;

/* Model constants, documented in man/duet-simulate.1. */
#define SIM_N_POPS 3
#define SIM_N_FOUNDERS 8
#define SIM_FST 0.04
#define SIM_NOISE 0.002
#define SIM_BLOCK_MAX_SITES 64
#define SIM_BLOCK_MAX_BP 250000
#define SIM_FLANK_BP 20000
#define SIM_GENIC_FRACTION 0.88
#define SIM_MISS_MEAN 0.003     /* mean per-genotype missing rate */
#define SIM_EFFECT_SCALE 1000000 /* effects are kept in 1e-6 units */
#define SIM_UNDOTTED_FRACTION 0.12
#define SIM_ALT_UNIT_FRACTION 0.03
#define SIM_IMPOSSIBLE_FRACTION 0.002
#define SIM_RULE_OUT_RATE 0.005
#define SIM_CASE_MULTI_DATE 0.85
#define SIM_OMICS_NA 0.02
#define SIM_EXAM_RATE 0.10      /* visits with a general-examination code */
#define SIM_BG_PREV_LO 0.0002   /* background phecode prevalences: */
#define SIM_BG_PREV_HI 0.03     /*   log-uniform on [LO, HI] */
#define SIM_BG_MAX_DATES 4      /* an affected person: 1..4 dates */

/* ------------------------------------------------------------------ */
/* The background phenome (background.c): phecodes without genetic
 * effects, one ICD-10-CM and one ICD-9-CM code each. */

typedef struct {
    const char *phecode, *description; /* borrowed from the phecode table */
    const char *icd10, *icd9;          /* dotted, borrowed from the table */
    char sex;                          /* 'B', 'M' or 'F' */
    double prevalence;                 /* among persons of that sex */
    long n_persons, n_multi;           /* realised: coded, on 2+ dates */
} sim_bg_phecode_t;

typedef struct {
    duet_phecode_table_t *table;       /* phecode 1.2 (owns the strings) */
    sim_bg_phecode_t *phe;             /* in phecode order */
    int n;
    int n_blocked, n_no_code;          /* phecodes left out, and why */
    int32_t *order;                    /* phe indices, prevalence-descending */
    int n_bins;
    int32_t *bin_start;                /* n_bins + 1, into order */
    double *bin_p;                     /* largest prevalence of each bin */
} sim_background_t;

/* ------------------------------------------------------------------ */
/* The cohort */

enum { SIM_CSQ_NONE = 0, SIM_CSQ_PLOF = 1, SIM_CSQ_MISSENSE = 2, SIM_CSQ_SYNONYMOUS = 3 };
enum { SIM_ROLE_NORMAL = 0, SIM_ROLE_PLANTED = 1, SIM_ROLE_BURDEN = 2 };

typedef struct {
    int64_t pos;        /* 1-based */
    int32_t seq;        /* creation order (sort tie-break) */
    int32_t gene;       /* gene index (genic) or the gene it flanks */
    int32_t block;
    double maf;         /* target minor-allele frequency */
    float miss_rate;
    uint32_t ac, an;    /* realised ALT count and called alleles */
    uint32_t true_ac;   /* ALT count over all samples, missing calls included */
    uint8_t chrom, genic, csq, alt_major, role;
    char ref, alt;
    int16_t role_trait, role_index; /* planted: trait and entry */
} sim_variant_t;

/* One causal variant-trait pair; effect in 1e-6 units per ALT allele.
 * For the polygenic-only trait, std_effect is the drawn effect per SD of
 * the ALT count, and effect_q is set from it by the genotype pass (which
 * knows the variant's frequency). */
typedef struct {
    int32_t variant;
    int16_t trait;
    uint8_t planted;    /* 1 planted, 0 polygenic */
    int64_t effect_q;
    double std_effect;  /* polygenic-only trait; 0 otherwise */
} sim_effect_t;

typedef struct {
    const duet_sim_opts_t *opts;
    duet_sim_genes_t *genes;
    int n_samples, n_variants;
    int sample_width;            /* digits of sample names */

    /* variants (sorted by chromosome and position) */
    sim_variant_t *var;
    int n_blocks;
    int32_t *block_start;        /* n_blocks + 1 */
    int max_block_sites;
    sim_effect_t *eff;           /* sorted by variant, then trait */
    int n_eff;
    int32_t *eff_start;          /* n_variants + 1 */
    int32_t planted_variant[16][SIM_MAX_PLANTED]; /* [trait][entry] */
    int32_t burden_gene;         /* gene index */
    const char *burden_symbol;
    int32_t *gene_n_variants;    /* per gene (genic only) */

    /* people */
    uint8_t *male;
    int32_t *birth, *obs_start, *obs_end; /* days since 1970-01-01 */
    double *age;                 /* at obs_end, years */
    double *ancestry;            /* n_samples x SIM_N_POPS */

    /* the polygenic-only trait (--polygenic-h2): its index in gsum and
       eff (after the catalogue's traits), or -1 */
    int poly_trait;
    int n_gtraits;               /* traits with genetic values */
    int poly_n_causal;
    double poly_scale;           /* applied to the drawn effects: var(g) = h2 */
    double poly_h2;              /* realised var(g) / var(y) */
    double *poly_y;              /* n_samples: the trait */

    /* genetics, filled by the genotype pass */
    int64_t *gsum;               /* n_gtraits x n_samples, 1e-6 units */
    int32_t *n_plof, *n_missense;/* qualifying burden alleles per person */

    /* phenotypes */
    double *z;                   /* n_traits x n: quantitative level (SD
                                    units) or binary linear predictor */
    int8_t *status;              /* n_traits x n: 1, 0, -1 (NA) */
    double *level;               /* n_traits x n: quantitative value */
    double intercept[16];        /* binary: calibrated log-odds intercept */
    double eta_mean[16], eta_sd[16]; /* binary: linear predictor over the
                                        eligible (standardises the latent
                                        liability for the omics) */
    int n_cases[16], n_eligible[16];
    /* EHR realisation, per binary trait */
    int n_cases_multi[16], n_cases_single[16], n_rule_out[16];
    int n_measured[16];
    long n_meas_rows[16], n_alt_unit[16], n_impossible[16];
    long n_visits, n_conditions, n_measurements;
    long n_bg_conditions;        /* condition rows of background codes */
    sim_background_t bg;
} sim_cohort_t;

/* design.c */
duet_err_t sim_design(sim_cohort_t *c) DUET_WUR;
void sim_cohort_free(sim_cohort_t *c);
/* "chr:pos:ref:alt" into buf (>= 48 bytes) */
void sim_variant_id(const sim_cohort_t *c, int v, char *buf, size_t size);
void sim_sample_name(const sim_cohort_t *c, int i, char *buf, size_t size);
const char *sim_csq_name(int csq);

/* genotypes.c: genotypes.bcf + .csi; fills gsum, n_plof, n_missense, ac/an */
duet_err_t sim_write_genotypes(sim_cohort_t *c, duet_outdir_t *dir) DUET_WUR;

/* phenotypes.c: liabilities, statuses, levels (after the genotypes); the
 * polygenic-only trait (DUET_EDEGENERATE when it has no genetic variance) */
duet_err_t sim_phenotypes(sim_cohort_t *c) DUET_WUR;
/* Per-ALT-allele effect (1e-6 units) of a standardised effect at the
 * variant's ALT count `true_ac` among n_samples (0 if monomorphic). */
int64_t sim_polygenic_effect_q(double std_effect, uint32_t true_ac, int n_samples);

/* ehr.c: omop/ */
duet_err_t sim_write_omop(sim_cohort_t *c, duet_outdir_t *dir) DUET_WUR;

/* background.c: choose the background phecodes, their codes and
 * prevalences (before the EHR is written); draw the background phecodes of
 * one person into `out` (bg->n slots) from `r`, returning their number, in
 * a fixed order; write background.tsv (after the EHR, with the realised
 * counts); free. */
duet_err_t sim_background_plan(sim_cohort_t *c) DUET_WUR;
int sim_background_draw(const sim_background_t *bg, int male, duet_rng_t *r, int32_t *out);
duet_err_t sim_write_background(sim_cohort_t *c, duet_outdir_t *dir) DUET_WUR;
void sim_background_free(sim_background_t *bg);

/* tables.c */
duet_err_t sim_write_burden_inputs(sim_cohort_t *c, duet_outdir_t *dir) DUET_WUR;
duet_err_t sim_write_pheno_covar(sim_cohort_t *c, duet_outdir_t *dir) DUET_WUR;
duet_err_t sim_write_omics(sim_cohort_t *c, duet_outdir_t *dir) DUET_WUR;
duet_err_t sim_write_truth(sim_cohort_t *c, duet_outdir_t *dir) DUET_WUR;

/* Open `name` inside the output folder for writing (plain text). */
duet_err_t sim_open(duet_outdir_t *dir, const char *name, duet_out_t **out) DUET_WUR;
/* sim_open(), then the version and command-line lines (unless no_version)
 * and the header line `header` (with its newline). */
duet_err_t sim_open_table(duet_outdir_t *dir, const char *name, int no_version,
                          const char *header, duet_out_t **out) DUET_WUR;

#endif
