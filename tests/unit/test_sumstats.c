/*
 * test_sumstats.c -- the summary-statistics reader (sumstats.h) and the
 * table reader under it (table.h): the three formats as their tools write
 * them (GWAS-SSF of duet gwas, plink2 --glm linear and logistic, regenie
 * step 2), odds ratios as log odds, non-ADD rows skipped, -log10 p kept
 * exact, strict decimal numbers, errors with file and line, and the trait
 * of a GWAS-SSF YAML sidecar.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duet/log.h"
#include "duet/sumstats.h"
#include "duet/table.h"
#include "unit.h"

static char dir[] = "/tmp/duet-test-sumstats.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    fputs(text, fp);
    fclose(fp);
    return p;
}

static void test_parse_double(void)
{
    double v = 0;
    CHECK(duet_table_parse_double("1.5e-3", &v) == 1 && v == 1.5e-3, "decimal with exponent");
    CHECK(duet_table_parse_double("-.5", &v) == 1 && v == -0.5, "leading dot");
    CHECK(duet_table_parse_double("5.", &v) == 1 && v == 5, "trailing dot");
    CHECK(duet_table_parse_double("1e-320", &v) == 1 && v > 0, "subnormal kept");
    CHECK(duet_table_parse_double("NA", &v) == 0, "NA missing");
    CHECK(duet_table_parse_double("#NA", &v) == 0, "#NA missing");
    CHECK(duet_table_parse_double(".", &v) == 0, "dot missing");
    CHECK(duet_table_parse_double("", &v) == 0, "empty missing");
    CHECK(duet_table_parse_double("nan", &v) == 0, "nan missing");
    CHECK(duet_table_parse_double("0x1A", &v) == -1, "hex refused");
    CHECK(duet_table_parse_double("inf", &v) == -1, "inf refused");
    CHECK(duet_table_parse_double("-Infinity", &v) == -1, "infinity refused");
    CHECK(duet_table_parse_double("1e400", &v) == -1, "overflow refused");
    CHECK(duet_table_parse_double(" 1", &v) == -1, "leading space refused");
    CHECK(duet_table_parse_double("1 ", &v) == -1, "trailing space refused");
    CHECK(duet_table_parse_double("1e", &v) == -1, "bare exponent refused");
    CHECK(duet_table_parse_double("e5", &v) == -1, "no digits refused");
}

static void test_ssf(void)
{
    const char *p = write_file("a.gwas.tsv",
        "chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\todds_ratio\t"
        "standard_error\teffect_allele_frequency\tp_value\tneg_log_10_p_value\tci_upper\t"
        "ci_lower\trsid\tvariant_id\tinfo\tn\tn_cases\tn_controls\ttest\terrcode\n"
        "1\t325302\tC\tT\t-2.90185\t#NA\t21.2172\t0.00044027\t0.891221\t0.0500\t38.6\t-44.5\t"
        "#NA\t1_325302_T_C\t#NA\t3422\t#NA\t#NA\tlinear\t#NA\n"
        "1\t400000\ta\tg\t#NA\t1.5\t0.1\t0.2\t0\t400.5\t#NA\t#NA\trs9\t#NA\t#NA\t100\t40\t60\tfirth\t#NA\n");
    duet_sumstats_t *ss = NULL;
    CHECK(duet_sumstats_open(p, &ss) == DUET_OK, "ssf: open");
    if (!ss) return;
    CHECK(duet_sumstats_format(ss) == DUET_SUMSTATS_SSF, "ssf: recognised");
    CHECK(duet_sumstats_has_se(ss) && duet_sumstats_has_beta(ss), "ssf: has se and beta");
    duet_sumstats_row_t r;
    duet_err_t err = DUET_OK;
    CHECK(duet_sumstats_next(ss, &r, &err) == 1, "ssf: row 1");
    CHECK_STR(r.chrom, "1", "ssf: chrom");
    CHECK(r.pos == 325302, "ssf: pos");
    CHECK_STR(r.effect_allele, "C", "ssf: effect allele");
    CHECK_STR(r.other_allele, "T", "ssf: other allele");
    CHECK_STR(r.id, "1_325302_T_C", "ssf: id from variant_id");
    CHECK(r.rsid == NULL, "ssf: rsid missing");
    CHECK_NEAR(r.beta, -2.90185, 0, "ssf: beta");
    CHECK_NEAR(r.se, 21.2172, 0, "ssf: se");
    CHECK_NEAR(r.p, 0.891221, 0, "ssf: p");
    CHECK_NEAR(r.mlp, 0.05, 0, "ssf: -log10 p from its column");
    CHECK_NEAR(r.eaf, 0.00044027, 0, "ssf: eaf");
    CHECK_NEAR(r.n, 3422, 0, "ssf: n");
    CHECK(r.lineno == 2, "ssf: line number");
    CHECK(duet_sumstats_next(ss, &r, &err) == 1, "ssf: row 2 (lower-case test column kept)");
    CHECK_STR(r.effect_allele, "A", "ssf: alleles upper-cased");
    CHECK_STR(r.id, "rs9", "ssf: id falls back to rsid");
    CHECK_NEAR(r.beta, log(1.5), 1e-15, "ssf: odds ratio as log odds");
    CHECK(r.p == 0 && r.mlp == 400.5, "ssf: p underflow, -log10 p exact");
    CHECK(duet_sumstats_next(ss, &r, &err) == 0 && err == DUET_OK, "ssf: end");
    duet_sumstats_close(ss);
}

static void test_plink2(void)
{
    const char *p = write_file("b.glm.logistic.hybrid",
        "#CHROM\tPOS\tID\tREF\tALT\tPROVISIONAL_REF?\tA1\tOMITTED\tA1_FREQ\tFIRTH?\tTEST\t"
        "OBS_CT\tOR\tLOG(OR)_SE\tZ_OR_F_STAT\tP\tERRCODE\n"
        "1\t100\trs1\tA\tG\tY\tA\tG\t0.3\tN\tADD\t500\t2\t0.2\t3.4\t0.0007\t.\n"
        "1\t100\trs1\tA\tG\tY\tA\tG\t0.3\tN\tsex\t500\t1.1\t0.2\t0.4\t0.6\t.\n"
        "1\t200\trs2\tC\tT\tY\tT\tC\t0.1\tY\tADD\t498\tNA\tNA\tNA\tNA\tUNFINISHED\n");
    duet_sumstats_t *ss = NULL;
    CHECK(duet_sumstats_open(p, &ss) == DUET_OK, "plink2: open");
    if (!ss) return;
    CHECK(duet_sumstats_format(ss) == DUET_SUMSTATS_PLINK2, "plink2: recognised");
    duet_sumstats_row_t r;
    duet_err_t err = DUET_OK;
    CHECK(duet_sumstats_next(ss, &r, &err) == 1, "plink2: row 1");
    CHECK_STR(r.effect_allele, "A", "plink2: effect allele is A1 (the REF here)");
    CHECK_STR(r.other_allele, "G", "plink2: other allele from OMITTED");
    CHECK_NEAR(r.beta, log(2), 1e-15, "plink2: OR as log odds");
    CHECK_NEAR(r.se, 0.2, 0, "plink2: LOG(OR)_SE");
    CHECK_NEAR(r.mlp, -log10(0.0007), 1e-12, "plink2: -log10 p from P");
    CHECK_NEAR(r.n, 500, 0, "plink2: OBS_CT as n");
    CHECK(duet_sumstats_next(ss, &r, &err) == 1 && r.pos == 200, "plink2: covariate row skipped");
    CHECK(isnan(r.beta) && isnan(r.p) && isnan(r.mlp), "plink2: NA statistics missing");
    CHECK(duet_sumstats_n_skipped(ss) == 1, "plink2: one non-ADD row counted");
    duet_sumstats_close(ss);

    p = write_file("c.glm.linear",
        "#CHROM\tPOS\tID\tREF\tALT\tA1\tTEST\tOBS_CT\tBETA\tSE\tT_STAT\tP\n"
        "X\t5\trs3\tG\tA\tA\tADD\t90\t-0.5\t0.25\t-2\t0.0486\n");
    CHECK(duet_sumstats_open(p, &ss) == DUET_OK, "plink2 linear: open");
    if (!ss) return;
    CHECK(duet_sumstats_next(ss, &r, &err) == 1, "plink2 linear: row");
    CHECK_STR(r.other_allele, "G", "plink2 linear: other allele = REF when A1 = ALT");
    CHECK_NEAR(r.beta, -0.5, 0, "plink2 linear: beta");
    duet_sumstats_close(ss);
}

static void test_regenie(void)
{
    const char *p = write_file("d.regenie",
        "CHROM GENPOS ID ALLELE0 ALLELE1 A1FREQ INFO N TEST BETA SE CHISQ LOG10P EXTRA\n"
        "1 79033 1:79033:A:G A G 0.00827 1 500 ADD 0.175 0.247 0.501 0.3 NA\n"
        "1 79033 1:79033:A:G A G 0.00827 1 500 DOM 0.1 0.2 0.2 0.2 NA\n"
        "1 80000 1:80000:C:T C T 0.4 1 500 ADD 0.9 0.05 324 450.25 NA\n");
    duet_sumstats_t *ss = NULL;
    CHECK(duet_sumstats_open(p, &ss) == DUET_OK, "regenie: open (space-separated)");
    if (!ss) return;
    CHECK(duet_sumstats_format(ss) == DUET_SUMSTATS_REGENIE, "regenie: recognised");
    duet_sumstats_row_t r;
    duet_err_t err = DUET_OK;
    CHECK(duet_sumstats_next(ss, &r, &err) == 1, "regenie: row 1");
    CHECK_STR(r.effect_allele, "G", "regenie: ALLELE1 is the effect allele");
    CHECK_STR(r.other_allele, "A", "regenie: ALLELE0 the other");
    CHECK_NEAR(r.p, pow(10, -0.3), 1e-15, "regenie: p from LOG10P");
    CHECK(duet_sumstats_next(ss, &r, &err) == 1 && r.pos == 80000, "regenie: DOM row skipped");
    CHECK(r.mlp == 450.25 && r.p == 0, "regenie: -log10 p beyond the double range");
    duet_sumstats_close(ss);
}

/* A file with one bad row: open works, the row fails with EFORMAT. */
static int bad_row(const char *row)
{
    char text[1024];
    snprintf(text, sizeof text,
             "chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\t"
             "standard_error\tp_value\n%s\n", row);
    const char *p = write_file("bad.tsv", text);
    duet_sumstats_t *ss = NULL;
    if (duet_sumstats_open(p, &ss)) return -2;
    duet_sumstats_row_t r;
    duet_err_t err = DUET_OK;
    int got = duet_sumstats_next(ss, &r, &err);
    duet_sumstats_close(ss);
    return got == -1 && err == DUET_EFORMAT ? -1 : got;
}

static void test_errors(void)
{
    CHECK(bad_row("1\t10\tA\tG\t0x1A\t0.1\t0.5") == -1, "error: hex beta");
    CHECK(bad_row("1\t10\tA\tG\tinf\t0.1\t0.5") == -1, "error: inf beta");
    CHECK(bad_row("1\t10\tA\tG\t1e400\t0.1\t0.5") == -1, "error: overflowing beta");
    CHECK(bad_row("1\t10\tA\tG\t0.1\t-0.1\t0.5") == -1, "error: negative SE");
    CHECK(bad_row("1\t10\tA\tG\t0.1\t0.1\t1.5") == -1, "error: p above 1");
    CHECK(bad_row("1\t12x45\tA\tG\t0.1\t0.1\t0.5") == -1, "error: position 12x45");
    CHECK(bad_row("1\t0\tA\tG\t0.1\t0.1\t0.5") == -1, "error: position 0");
    CHECK(bad_row("1\t10\tA\tG\t0.1\t0.1") == -1, "error: short row");
    CHECK(bad_row("1\t10\tA\tG\tNA\tNA\tNA") == 1, "missing statistics are not errors");

    duet_sumstats_t *ss = NULL;
    const char *p = write_file("none.tsv", "IID\tx\nA\t1\n");
    CHECK(duet_sumstats_open(p, &ss) == DUET_EFORMAT && !ss, "error: not summary statistics");
    p = write_file("nop.tsv", "chromosome\tbase_pair_location\teffect_allele\tbeta\n1\t2\tA\t0\n");
    CHECK(duet_sumstats_open(p, &ss) == DUET_EFORMAT, "error: no p-value column");
    p = write_file("empty.tsv", "");
    CHECK(duet_sumstats_open(p, &ss) == DUET_EFORMAT, "error: empty file");
    CHECK(duet_sumstats_open("/nonexistent/x.tsv", &ss) == DUET_EREAD, "error: missing file");
}

static void test_yaml(void)
{
    char *trait = NULL;
    const char *p = write_file("t.gwas.tsv.gz", "");
    write_file("t.gwas.yaml", "file_type: GWAS-SSF v1.0\ntrait_description:\n  - \"LDL\"\n"
                              "sample_size: 3\n");
    CHECK(duet_sumstats_yaml_trait(p, &trait) == DUET_OK, "yaml: read");
    CHECK_STR(trait, "LDL", "yaml: the first trait, unquoted");
    free(trait);
    write_file("t.gwas.yaml", "trait_description: 250.2\n");
    CHECK(duet_sumstats_yaml_trait(p, &trait) == DUET_OK, "yaml: inline scalar");
    CHECK_STR(trait, "250.2", "yaml: inline value");
    free(trait);
    p = write_file("u.tsv", "");
    CHECK(duet_sumstats_yaml_trait(p, &trait) == DUET_OK && trait == NULL, "yaml: no sidecar");
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    duet_log_set_quiet(1);
    test_parse_double();
    test_ssf();
    test_plink2();
    test_regenie();
    test_errors();
    test_yaml();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) return 1;
    return unit_done();
}
