/*
 * test_score.c -- unit tests of the polygenic-score library (src/prs):
 * weight parsing (decimal only), chromosome names, complements and
 * strand-ambiguous pairs, the allele-matching rules (matched, swapped,
 * flipped, ambiguous, the right ALT of a multi-allelic record), the
 * in-memory weights API that duet prs ct uses, the three file readers, and
 * duet_score_compute() on a small VCF against sums worked out by hand
 * (additive, swapped, dominant, recessive, missing calls with and without
 * mean imputation, a duplicated record, several scores at once).
 */
#include <unistd.h>

#include "duet/core.h"
#include "duet/log.h"
#include "duet/score.h"
#include "../../src/prs/prs_internal.h"
#include "unit.h"

static char work[4000];

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        exit(1);
    }
    fputs(text, fp);
    fclose(fp);
}

static void test_helpers(void)
{
    double v = 0;
    CHECK(duet_prs_parse_weight("0.25", &v) && v == 0.25, "weight 0.25");
    CHECK(duet_prs_parse_weight("-1.5e-3", &v) && v == -1.5e-3, "weight -1.5e-3");
    CHECK(duet_prs_parse_weight(".5", &v) && v == 0.5, "weight .5");
    CHECK(!duet_prs_parse_weight("0x10", &v), "hex refused");
    CHECK(!duet_prs_parse_weight("inf", &v), "inf refused");
    CHECK(!duet_prs_parse_weight("nan", &v), "nan refused");
    CHECK(!duet_prs_parse_weight("1e999", &v), "overflow refused");
    CHECK(!duet_prs_parse_weight(" 1", &v), "leading space refused");
    CHECK(!duet_prs_parse_weight("1.0x", &v), "trailing junk refused");
    CHECK(!duet_prs_parse_weight("", &v), "empty refused");
    char buf[32];
    CHECK_STR(duet_prs_chrom_norm("chr1", buf), "1", "chr1 -> 1");
    CHECK_STR(duet_prs_chrom_norm("23", buf), "X", "23 -> X");
    CHECK_STR(duet_prs_chrom_norm("chrM", buf), "MT", "chrM -> MT");
    CHECK_STR(duet_prs_chrom_norm("x", buf), "X", "x -> X");
    CHECK(duet_prs_complement("A") == 'T' && duet_prs_complement("G") == 'C', "complements");
    CHECK(duet_prs_complement("AT") == 0 && duet_prs_complement("N") == 0, "no complement of indels, N");
    CHECK(duet_prs_ambiguous("A", "T") && duet_prs_ambiguous("G", "C"), "A/T and G/C ambiguous");
    CHECK(!duet_prs_ambiguous("A", "G") && !duet_prs_ambiguous("A", "TT"), "A/G, A/TT not");
}

static duet_match_t m(const char *ea, const char *oa, const char *ref, const char *alts,
                      int allele, int keep, int *swapped)
{
    duet_weight_row_t row = {0};
    row.effect_allele = (char *)ea;
    row.other_allele = (char *)oa;
    char copy[64];
    snprintf(copy, sizeof copy, "%s", alts);
    const char *list[8];
    int n = 0;
    for (char *p = strtok(copy, ","); p && n < 8; p = strtok(NULL, ",")) list[n++] = p;
    return duet_match_alleles(&row, ref, list, n, allele, keep, swapped);
}

static void test_match(void)
{
    int sw = -1;
    CHECK(m("G", "A", "A", "G", 1, 0, &sw) == DUET_MATCH_MATCHED && sw == 0, "ALT effect: matched");
    CHECK(m("A", "G", "A", "G", 1, 0, &sw) == DUET_MATCH_SWAPPED && sw == 1, "REF effect: swapped");
    CHECK(m("C", "T", "A", "G", 1, 0, &sw) == DUET_MATCH_FLIPPED && sw == 0, "complement: flipped");
    CHECK(m("T", "C", "A", "G", 1, 0, &sw) == DUET_MATCH_FLIPPED_SWAPPED && sw == 1,
          "complement of REF: flipped_swapped");
    CHECK(m("T", "A", "A", "T", 1, 0, &sw) == DUET_MATCH_AMBIGUOUS, "A/T dropped");
    CHECK(m("T", "A", "A", "T", 1, 1, &sw) == DUET_MATCH_AMBIGUOUS_KEPT && sw == 0,
          "A/T kept on the forward strand");
    CHECK(m("A", "T", "A", "T", 1, 1, &sw) == DUET_MATCH_AMBIGUOUS_KEPT && sw == 1,
          "A/T kept, swapped on the forward strand");
    CHECK(m("T", NULL, "A", "T", 1, 0, &sw) == DUET_MATCH_AMBIGUOUS,
          "no other allele: the record's A/T pair is ambiguous");
    CHECK(m("A", "C", "C", "T,A", 1, 0, &sw) == DUET_MATCH_MISMATCH, "multi-allelic: not ALT T");
    CHECK(m("A", "C", "C", "T,A", 2, 0, &sw) == DUET_MATCH_MATCHED, "multi-allelic: ALT A");
    CHECK(m("C", "A", "C", "T,A", 2, 0, &sw) == DUET_MATCH_SWAPPED, "multi-allelic: swapped on ALT A");
    CHECK(m("G", "C", "C", "T,G", 2, 0, &sw) == DUET_MATCH_AMBIGUOUS, "multi-allelic: G/C ambiguous");
    CHECK(m("C", NULL, "C", "T,G", 1, 0, &sw) == DUET_MATCH_SWAPPED, "REF without other: first ALT");
    CHECK(m("C", NULL, "C", "T,A", 2, 0, &sw) == DUET_MATCH_MISMATCH,
          "REF without other: not the second ALT (counted once)");
    CHECK(m("G", NULL, "C", "T,G", 1, 0, &sw) == DUET_MATCH_MISMATCH,
          "no flip when another ALT of the record fits as written");
    CHECK(m("TT", "A", "A", "G", 1, 0, &sw) == DUET_MATCH_MISMATCH, "indel vs SNP: mismatch");
    CHECK(m("AT", "A", "A", "AT", 1, 0, &sw) == DUET_MATCH_MATCHED, "indel matched");
    CHECK_STR(duet_match_name(DUET_MATCH_FLIPPED_SWAPPED), "flipped_swapped", "match names");
}

static void test_memory_api(void)
{
    duet_weights_t *w = NULL;
    int s1 = -1, s2 = -1, r = -1;
    CHECK(duet_weights_create(&w) == DUET_OK, "create");
    CHECK(duet_weights_add_score(w, "p1", &s1) == DUET_OK && s1 == 0, "score p1");
    CHECK(duet_weights_add_row(w, "1", 100, NULL, "g", "a", DUET_MODEL_ADDITIVE, &r) == DUET_OK && r == 0,
          "row 1:100");
    CHECK(duet_weights_add_score(w, "p2", &s2) == DUET_OK && s2 == 1, "score p2 after a row");
    CHECK(isnan(duet_weights_get(w, 0, 1)), "a new score has no weight on old rows");
    duet_weights_set(w, 0, 0, 0.5);
    CHECK(duet_weights_get(w, 0, 0) == 0.5, "set / get");
    for (int i = 0; i < 3000; i++) { /* growth */
        int rr;
        if (duet_weights_add_row(w, "2", 1000 + i, NULL, "C", NULL, DUET_MODEL_ADDITIVE, &rr)) break;
        duet_weights_set(w, rr, 1, i);
    }
    CHECK(duet_weights_n_rows(w) == 3001 && duet_weights_get(w, 3000, 1) == 2999 &&
              isnan(duet_weights_get(w, 3000, 0)), "3001 rows after growth");
    CHECK_STR(duet_weights_row(w, 0)->effect_allele, "G", "alleles upper-cased");
    duet_log_set_quiet(1);
    CHECK(duet_weights_add_score(w, "p1", NULL) == DUET_EUSAGE, "duplicate score name refused");
    CHECK(duet_weights_add_row(w, NULL, 0, NULL, "A", NULL, 0, &r) == DUET_EUSAGE,
          "row without position or ID refused");
    duet_log_set_quiet(0);
    duet_weights_destroy(w);
    duet_weights_destroy(NULL);
}

static void test_readers(void)
{
    char path[4200];
    duet_weights_t *w = NULL;
    snprintf(path, sizeof path, "%s/pgs.txt", work);
    write_file(path, "###PGS CATALOG SCORING FILE\n#format_version=2.0\n#pgs_id=PGS000007\n"
                     "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\t"
                     "is_dominant\tis_recessive\thm_chr\thm_pos\n"
                     "rs1\t1\t5\tg\ta\t0.5\tTrue\tFalse\t1\t100\n"
                     "rs2\t1\t6\tT\tC\t-1\tFALSE\tTRUE\t\t\n");
    CHECK(duet_weights_create(&w) == DUET_OK && duet_weights_read(w, path, NULL) == DUET_OK,
          "PGS 2.0 read");
    CHECK(duet_weights_n_scores(w) == 1 && !strcmp(duet_weights_score_name(w, 0), "PGS000007"),
          "PGS named by pgs_id");
    CHECK(duet_weights_row(w, 0)->pos == 100 && duet_weights_row(w, 0)->model == DUET_MODEL_DOMINANT,
          "hm_pos preferred; dominant");
    CHECK(duet_weights_row(w, 1)->pos == 0 && !strcmp(duet_weights_row(w, 1)->id, "rs2") &&
              duet_weights_row(w, 1)->model == DUET_MODEL_RECESSIVE,
          "no harmonized position: matched by rsID; recessive");
    CHECK(duet_weights_file_format(w, 0) == DUET_WEIGHTS_PGS, "format recognised");
    snprintf(path, sizeof path, "%s/w.tsv", work);
    write_file(path, "## x\nchromosome\tbase_pair_location\tvariant_id\teffect_allele\tother_allele\tq1\tq2\n"
                     "1\t100\t.\tG\tA\t1\tNA\n");
    CHECK(duet_weights_read(w, path, NULL) == DUET_OK && duet_weights_n_scores(w) == 3 &&
              isnan(duet_weights_get(w, 2, 2)) && duet_weights_get(w, 2, 1) == 1 &&
              isnan(duet_weights_get(w, 0, 1)),
          "duet weights appended: NA is no weight; other files' rows have none");
    snprintf(path, sizeof path, "%s/p.txt", work);
    write_file(path, "v1 G 0.1 0.2\nv2 C 0.3 0.4\n");
    duet_weights_read_opts_t ro;
    duet_weights_read_opts_init(&ro);
    ro.score_col_first = 3;
    ro.score_col_last = 4;
    CHECK(duet_weights_read(w, path, &ro) == DUET_OK && duet_weights_n_scores(w) == 5 &&
              !strcmp(duet_weights_score_name(w, 4), "SCORE2") && duet_weights_get(w, 4, 4) == 0.4,
          "plink2 file without header: SCORE1, SCORE2");
    duet_log_set_quiet(1);
    snprintf(path, sizeof path, "%s/bad.txt", work);
    write_file(path, "#format_version=1.0\nrsID\teffect_allele\teffect_weight\nrs1\tA\t1\n");
    CHECK(duet_weights_read(w, path, NULL) == DUET_EFORMAT, "PGS 1.0 refused");
    duet_log_set_quiet(0);
    duet_weights_destroy(w);
}

/* Scores of a small VCF against sums worked out by hand. */
static void test_compute(void)
{
    char vcf[4200];
    snprintf(vcf, sizeof vcf, "%s/s.vcf", work);
    write_file(vcf, "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n"
                    "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n"
                    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\tD\n"
                    "1\t10\tv1\tA\tG\t.\t.\t.\tGT\t0/0\t0/1\t1/1\t./.\n"
                    "1\t20\tv2\tC\tT,A\t.\t.\t.\tGT\t0/1\t1/2\t2/2\t0/0\n"
                    "1\t30\tv3\tG\tA\t.\t.\t.\tGT\t0/1\t1/1\t0/0\t0/1\n"
                    "1\t30\tv3b\tG\tA\t.\t.\t.\tGT\t1/1\t1/1\t1/1\t1/1\n");
    duet_weights_t *w = NULL;
    int k1, k2, r;
    int ok = duet_weights_create(&w) == DUET_OK && duet_weights_add_score(w, "k1", &k1) == DUET_OK &&
             duet_weights_add_score(w, "k2", &k2) == DUET_OK;
    /* v1 G additive 1; v2 REF C 0.5 (count 2 - T - A); v3 A dominant 2
     * (k1), recessive 3 (k2, a second row of the same variant) */
    ok = ok && !duet_weights_add_row(w, "1", 10, NULL, "G", "A", DUET_MODEL_ADDITIVE, &r);
    duet_weights_set(w, r, k1, 1.0);
    duet_weights_set(w, r, k2, 1.0);
    ok = ok && !duet_weights_add_row(w, "chr1", 20, NULL, "C", "A", DUET_MODEL_ADDITIVE, &r);
    duet_weights_set(w, r, k1, 0.5);
    ok = ok && !duet_weights_add_row(w, "1", 30, NULL, "A", "G", DUET_MODEL_DOMINANT, &r);
    duet_weights_set(w, r, k1, 2.0);
    ok = ok && !duet_weights_add_row(w, "1", 30, NULL, "A", "G", DUET_MODEL_RECESSIVE, &r);
    duet_weights_set(w, r, k2, 3.0);
    CHECK(ok, "weights built in memory");
    for (int imp = 0; imp < 2; imp++) {
        duet_score_opts_t o;
        duet_score_opts_init(&o, vcf);
        o.no_mean_imputation = imp;
        o.threads = 2;
        o.block = 1 + imp;
        duet_score_result_t *res = NULL;
        CHECK(duet_score_compute(w, &o, &res) == DUET_OK, imp ? "compute, no imputation" : "compute");
        if (!res) continue;
        int n = res->n_samples;
        /* k1: A: 0 + 0.5*1 + 2*1 = 2.5; B: 1 + 0 + 2 = 3; C: 2 + 0 + 0 = 2;
         * D: v1 missing (mean G count 1, or 0) + 0.5*2 + 2 = 4 (or 3).
         * k2: A: 0 + 0 = 0; B: 1 + 3 = 4; C: 2; D: 1 (or 0) + 0. */
        static const double k1_sum[2][4] = {{2.5, 3, 2, 4}, {2.5, 3, 2, 3}};
        static const double k2_sum[2][4] = {{0, 4, 2, 1}, {0, 4, 2, 0}};
        for (int i = 0; i < 4; i++) {
            CHECK_NEAR(res->sum[i], k1_sum[imp][i], 1e-12, "k1 SUM by hand");
            CHECK_NEAR(res->sum[(size_t)n + i], k2_sum[imp][i], 1e-12, "k2 SUM by hand");
        }
        CHECK_NEAR(res->allele_ct[3], 4, 0, "k1 ALLELE_CT of D: 2 called rows of 3");
        CHECK_NEAR(res->all_allele_ct[3], 6, 0, "ALLELE_CT of D over all rows: 3 of 4 called");
        /* named: v1 (0,1,2,-), v2 REF (1,0,0,2), v3 A twice (1,2,0,1) */
        CHECK_NEAR(res->named_dosage_sum[0], 0 + 1 + 2, 1e-12, "named dosage sum of A");
        CHECK_NEAR(res->named_dosage_sum[3], 2 + 2, 1e-12, "named dosage sum of D (v1 missing)");
        CHECK(res->report[0].n_rows == 3 && res->report[0].n_matched == 3 &&
                  res->report[0].n_swapped == 1 && res->report[0].n_duplicated == 1,
              "k1 report: 3 matched, 1 swapped, the second v3 record a duplicate");
        CHECK(res->status[1] == DUET_MATCH_SWAPPED && !strcmp(res->match_alt[1], "A"),
              "v2 swapped on ALT A");
        duet_score_result_destroy(res);
    }
    duet_weights_destroy(w);
}

int main(void)
{
    duet_core_init(0, NULL);
    const char *base = getenv("WORK") ? getenv("WORK") : "/tmp";
    snprintf(work, sizeof work, "%s/test_score.XXXXXX", base);
    if (!mkdtemp(work)) {
        perror(work);
        return 1;
    }
    test_helpers();
    test_match();
    test_memory_api();
    test_readers();
    test_compute();
    return unit_done();
}
