/*
 * catalog.c -- what the simulator plants: the traits (diseases with the ICD
 * codes that record them and the phecode those codes map to; measurements
 * with their LOINC-coded OMOP concepts and units), their planted common
 * variants (genes and effect sizes imitating published associations), the
 * rare-variant gene burden, the omics features and the general-examination
 * codes of visits (the background diagnoses come from the phecode map, see
 * background.c).  Everything here is data; man/duet-simulate.1
 * documents it and tests/cli/simulate.sh checks the codes against the
 * phecode 1.2 tables and the concepts against the CDM.
 *
 * Effect sizes are rounded published values: per-allele odds ratios of
 * the index variants (TCF7L2 rs7903146 OR 1.4, Grant et al. 2006; 9p21
 * rs1333049 OR 1.29, WTCCC 2007; FGFR2 rs2981582 OR 1.26, Easton et al.
 * 2007; ...) and per-allele SD effects on lipids and BMI (Willer et al.
 * 2013 GLGC; Locke et al. 2015 GIANT).  Concept ids: OMOP vocabulary as
 * shipped with the OHDSI Synthea and Eunomia example exports.
 */
#include "sim_internal.h"

enum { T_BMI, T_LDL, T_SBP, T_T2D, T_HBA1C, T_CAD, T_HTN, T_ASTHMA, T_BRCA };

const sim_trait_t sim_traits[] = {
    [T_BMI] = {
        .name = "bmi", .label = "body mass index",
        .mean = 27.5, .sd = 5.0, .lo = 14, .hi = 70,
        .concept_id = 3038553, .loinc = "39156-5",
        .unit_concept_id = 9531, .unit = "kg/m2", .decimals = 1,
        .p_measured = 0.90, .measured_case_trait = -1, .rate_per_year = 0.4,
        .within_sd = 0.15, .residual_sd = 0.88,
        .male = 0.02, .age10 = 0.05,
        .n_poly = 300, .poly_var = 0.20,
        .n_planted = 2,
        .planted = { { "FTO", 0.42, 0.082, "rs1558902" },
                     { "MC4R", 0.24, 0.056, "rs6567160" } },
    },
    [T_LDL] = {
        .name = "ldl", .label = "LDL cholesterol",
        .mean = 115, .sd = 35, .lo = 15, .hi = 400,
        .concept_id = 3009966, .loinc = "18262-6",
        .unit_concept_id = 8840, .unit = "mg/dL", .decimals = 0,
        .alt_unit_concept_id = 8753, .alt_unit = "mmol/L",
        .alt_scale = 0.02586, .alt_shift = 0, .alt_decimals = 2,
        .p_measured = 0.70, .measured_case_trait = -1, .rate_per_year = 0.25,
        .within_sd = 0.35, .residual_sd = 0.85,
        .male = 0.05, .age10 = 0.10, .anc = { 0, 0, -0.20 },
        .n_poly = 300, .poly_var = 0.15,
        .n_planted = 4,
        .planted = { { "APOE", 0.08, -0.45, "rs7412" },
                     { "PCSK9", 0.015, -0.50, "rs11591147" },
                     { "SORT1", 0.22, -0.16, "rs12740374" },
                     { "HMGCR", 0.39, 0.07, "rs12916" } },
    },
    [T_SBP] = {
        .name = "sbp", .label = "systolic blood pressure",
        .mean = 124, .sd = 17, .lo = 80, .hi = 250,
        .concept_id = 3004249, .loinc = "8480-6",
        .unit_concept_id = 8876, .unit = "mm[Hg]", .decimals = 0,
        .alt_unit_concept_id = 44777602, .alt_unit = "kPa",
        .alt_scale = 0.133322, .alt_shift = 0, .alt_decimals = 1,
        .p_measured = 0.92, .measured_case_trait = -1, .rate_per_year = 0.6,
        .within_sd = 0.5, .residual_sd = 0.85,
        .male = 0.30, .age10 = 0.25,
        .n_poly = 200, .poly_var = 0.15,
        .n_planted = 2,
        .planted = { { "ATP2B1", 0.35, 0.055, "rs17249754" },
                     { "NPR3", 0.40, 0.035, "rs1173771" } },
        .n_links = 1, .links = { { T_BMI, 0.20 } },
    },
    [T_T2D] = {
        .name = "t2d", .label = "type 2 diabetes", .binary = 1,
        .prevalence = 0.10, .phecode = "250.2",
        .icd10 = { "E11.9", "E11.65", "E11.8", NULL },
        .icd9 = { "250.00", "250.02", NULL },
        .male = 0.262364, .age10 = 0.470004,
        .n_poly = 200, .poly_var = 0.30,
        .n_planted = 3,
        .planted = { { "TCF7L2", 0.30, 0.336472, "rs7903146" },
                     { "SLC30A8", 0.70, 0.113329, "rs13266634" },
                     { "KCNJ11", 0.35, 0.131028, "rs5219" } },
        .n_links = 1, .links = { { T_BMI, 0.55 } },
    },
    [T_HBA1C] = {
        .name = "hba1c", .label = "haemoglobin A1c",
        .mean = 5.4, .sd = 0.4, .lo = 3.8, .hi = 16,
        .concept_id = 3004410, .loinc = "4548-4",
        .unit_concept_id = 8554, .unit = "%", .decimals = 1,
        .alt_unit_concept_id = 9579, .alt_unit = "mmol/mol",
        .alt_scale = 10.929, .alt_shift = 2.15, .alt_decimals = 0,
        .p_measured = 0.35, .p_measured_case = 0.95, .measured_case_trait = T_T2D,
        .rate_per_year = 0.3, .within_sd = 0.3, .residual_sd = 0.90,
        .age10 = 0.08,
        .n_poly = 150, .poly_var = 0.10,
        .n_planted = 1,
        .planted = { { "G6PC2", 0.70, 0.07, "rs560887" } },
        .n_links = 1, .links = { { T_T2D, 3.0 } },
    },
    [T_CAD] = {
        .name = "cad", .label = "coronary artery disease", .binary = 1,
        .prevalence = 0.06, .phecode = "411.4",
        .icd10 = { "I25.10", NULL },
        .icd9 = { "414.01", "414.00", NULL },
        .male = 0.693147, .age10 = 0.641854,
        .n_poly = 200, .poly_var = 0.25,
        .n_planted = 1,
        .planted = { { "CDKN2B-AS1", 0.47, 0.254642, "rs1333049" } },
        .n_links = 3, .links = { { T_LDL, 0.45 }, { T_SBP, 0.30 }, { T_T2D, 0.587787 } },
    },
    [T_HTN] = {
        .name = "hypertension", .label = "essential hypertension", .binary = 1,
        .prevalence = 0.30, .phecode = "401.1",
        .icd10 = { "I10", NULL },
        .icd9 = { "401.9", "401.1", NULL },
        .n_links = 1, .links = { { T_SBP, 1.6 } },
    },
    [T_ASTHMA] = {
        .name = "asthma", .label = "asthma", .binary = 1,
        .prevalence = 0.09, .phecode = "495",
        .icd10 = { "J45.909", "J45.40", "J45.20", NULL },
        .icd9 = { "493.90", "493.00", NULL },
        .male = -0.182322, .age10 = -0.072571, .anc = { 0, 0.40, 0 },
        .n_poly = 200, .poly_var = 0.25,
        .n_planted = 2,
        .planted = { { "GSDMB", 0.47, 0.182322, "rs7216389" },
                     { "IL33", 0.16, 0.182322, "rs1342326" } },
    },
    [T_BRCA] = {
        .name = "breast_cancer", .label = "breast cancer (female)", .binary = 1,
        .prevalence = 0.05, .sex_only = SIM_SEX_FEMALE, .phecode = "174.11",
        .icd10 = { "C50.911", "C50.912", "C50.919", NULL },
        .icd9 = { "174.9", "174.4", NULL },
        .age10 = 0.405465,
        .n_poly = 150, .poly_var = 0.20,
        .n_planted = 2,
        .planted = { { "FGFR2", 0.38, 0.231112, "rs2981582" },
                     { "TOX3", 0.25, 0.182322, "rs3803662" } },
    },
};
const int sim_n_traits = (int)(sizeof sim_traits / sizeof sim_traits[0]);

/* LDLR loss of function causes familial hypercholesterolaemia: LDL about
 * +2 to +3 SD for carriers (Khera et al. 2016). */
const sim_burden_t sim_burden = {
    .gene = "LDLR", .trait = T_LDL, .plof = 2.3, .missense = 1.0,
    .max_maf = 0.003, .p_plof = 0.35, .p_missense = 0.50,
};

const sim_omic_t sim_omics[] = {
    { "prot_LEP", 5, 1, 1, { { T_BMI, 0.6 } }, 0, -0.8, 0.3, 4 },
    { "prot_ADIPOQ", 5, 1, 2, { { T_BMI, -0.3 }, { T_T2D, -0.4 } }, 0, -0.5, 0.3, 4 },
    { "prot_CRP", 5, 1, 3, { { T_BMI, 0.35 }, { T_T2D, 0.3 }, { T_CAD, 0.3 } }, 0, 0, 0.3, 4 },
    { "prot_IL6", 5, 1, 2, { { T_BMI, 0.2 }, { T_CAD, 0.3 } }, 0.2, 0, 0.3, 4 },
    { "prot_PCSK9", 5, 1, 1, { { T_LDL, 0.3 } }, 0, 0, 0.3, 4 },
    { "prot_APOB", 5, 1, 1, { { T_LDL, 0.75 } }, 0, 0, 0.3, 4 },
    { "prot_NTPROBNP", 5, 1, 2, { { T_CAD, 0.6 }, { T_SBP, 0.25 } }, 0.3, 0, 0.3, 4 },
    { "prot_GDF15", 5, 1, 2, { { T_T2D, 0.4 }, { T_CAD, 0.3 } }, 0.5, 0, 0.3, 4 },
    { "prot_TNFRSF11B", 5, 1, 1, { { T_CAD, 0.2 } }, 0.3, 0, 0.3, 4 },
    { "prot_POSTN", 5, 1, 1, { { T_ASTHMA, 0.6 } }, 0, 0, 0.3, 4 },
    { "prot_CCL17", 5, 1, 1, { { T_ASTHMA, 0.4 } }, 0, 0, 0.3, 4 },
    { "prot_CCL11", 5, 1, 1, { { T_ASTHMA, 0.35 } }, 0.1, 0, 0.3, 4 },
    { "prot_MUC1", 5, 1, 1, { { T_BRCA, 0.5 } }, 0, 0, 0.3, 4 },
    { "prot_ERBB2", 5, 1, 1, { { T_BRCA, 0.5 } }, 0, 0, 0.3, 4 },
    { "prot_REN", 5, 1, 2, { { T_SBP, 0.2 }, { T_HTN, 0.3 } }, 0, 0, 0.3, 4 },
    { "prot_ACE2", 5, 1, 1, { { T_SBP, 0.15 } }, 0, 0.3, 0.3, 4 },
    { "prot_INS", 5, 1, 2, { { T_T2D, 0.6 }, { T_BMI, 0.4 } }, 0, 0, 0.3, 4 },
    { "prot_IGFBP1", 5, 1, 2, { { T_T2D, -0.3 }, { T_BMI, -0.3 } }, 0, 0, 0.3, 4 },
    { "prot_FGF21", 5, 1, 2, { { T_T2D, 0.3 }, { T_BMI, 0.2 } }, 0, 0, 0.3, 4 },
    { "prot_LPL", 5, 1, 1, { { T_LDL, -0.15 } }, 0, 0, 0.3, 4 },
    { "prot_TNF", 5, 1, 0, { { 0, 0 } }, 0, 0, 0.3, 4 },
    { "prot_IL10", 5, 1, 0, { { 0, 0 } }, 0, 0, 0.3, 4 },
    { "prot_CXCL8", 5, 1, 0, { { 0, 0 } }, 0.1, 0, 0.3, 4 },
    { "prot_MMP9", 5, 1, 0, { { 0, 0 } }, 0, 0, 0.3, 4 },
    { "met_glucose", 0, 1, 2, { { T_T2D, 0.7 }, { T_HBA1C, 0.3 } }, 0, 0, 0.15, 4 },
    { "met_lactate", 0, 1, 1, { { T_T2D, 0.2 } }, 0, 0, 0.15, 4 },
    { "met_valine", 0, 1, 2, { { T_BMI, 0.3 }, { T_T2D, 0.3 } }, 0, 0.5, 0.15, 4 },
    { "met_leucine", 0, 1, 2, { { T_BMI, 0.3 }, { T_T2D, 0.25 } }, 0, 0.5, 0.15, 4 },
    { "met_isoleucine", 0, 1, 2, { { T_BMI, 0.35 }, { T_T2D, 0.3 } }, 0, 0, 0.15, 4 },
    { "met_glycine", 0, 1, 1, { { T_BMI, -0.3 } }, 0, -0.4, 0.15, 4 },
    { "met_triglycerides", 0, 1, 3, { { T_BMI, 0.3 }, { T_T2D, 0.3 }, { T_LDL, 0.2 } }, 0, 0, 0.15, 4 },
    { "met_hdl_c", 0, 1, 1, { { T_BMI, -0.3 } }, 0, -0.6, 0.15, 4 },
    { "met_apoa1", 0, 1, 0, { { 0, 0 } }, 0, -0.4, 0.15, 4 },
    { "met_glyca", 0, 1, 2, { { T_BMI, 0.3 }, { T_CAD, 0.2 } }, 0, 0, 0.15, 4 },
    { "met_creatinine", 0, 1, 0, { { 0, 0 } }, 0.2, 1.0, 0.15, 4 },
    { "met_albumin", 0, 1, 0, { { 0, 0 } }, -0.2, 0, 0.15, 4 },
    { "met_citrate", 0, 1, 0, { { 0, 0 } }, 0, 0, 0.15, 4 },
    { "met_acetate", 0, 1, 0, { { 0, 0 } }, 0, 0, 0.15, 4 },
    { "met_glutamine", 0, 1, 0, { { 0, 0 } }, 0, 0, 0.15, 4 },
    { "met_histidine", 0, 1, 0, { { 0, 0 } }, 0, 0, 0.15, 4 },
};
const int sim_n_omics = (int)(sizeof sim_omics / sizeof sim_omics[0]);

/* General examination without complaint: maps to no phecode in version
 * 1.2, as in real records, where many visits carry such codes. */
const char *const sim_exam_icd10 = "Z00.00";
const char *const sim_exam_icd9 = "V70.0";
