/*
 * test_burden.c -- unit tests of the burden module (burden.h): regenie's
 * set list, annotation and mask files (good and malformed lines, with
 * their error codes), the consequence classes and CSQ/ANN formats, the
 * collapsing rules max / sum / comphet on hand-made matrices, frequency
 * bins, and the stream that hands genes over when they are complete.
 */
#include <stdint.h>
#include <unistd.h>

#include "duet/burden.h"
#include "duet/log.h"
#include "unit.h"

static char tmpdir[] = "/tmp/duet-test-burden.XXXXXX";

/* Write text to a file in the scratch folder; returns its path (static
 * buffer per slot). */
static const char *put(int slot, const char *text)
{
    static char paths[8][256];
    snprintf(paths[slot], sizeof paths[slot], "%s/f%d.txt", tmpdir, slot);
    FILE *fp = fopen(paths[slot], "w");
    fputs(text, fp);
    fclose(fp);
    return paths[slot];
}

static duet_burden_sets_t *load(const char *setlist, const char *anno, const char *masks,
                                duet_err_t *err)
{
    duet_burden_sets_t *s = NULL;
    *err = duet_burden_sets_create(&s);
    if (*err) return NULL;
    if (!(*err = duet_burden_read_setlist(s, put(0, setlist))) &&
        !(*err = duet_burden_read_anno(s, put(1, anno))))
        *err = duet_burden_read_masks(s, put(2, masks));
    return s;
}

static const char good_setlist[] =
    "# comment\n"
    "G1 1 100 1:100:A:G,1:150:C:T,rs7\n"
    "\n"
    "G2 1 300 1:300:G:A,1:350:T:C,1:300:G:A\n"
    "G3 2 10 2:10:A:C\n";
static const char good_anno[] =
    "1:100:A:G G1 pLoF\n"
    "1:150:C:T G1 missense\n"
    "rs7 G1 synonymous\n"
    "1:300:G:A G2 missense\n"
    "1:350:T:C G2 pLoF\n"
    "9:9:A:C G9 pLoF\n"
    "9:10:A:C G9 pLoF\n"
    "2:99:A:C G3 pLoF\n";
static const char good_masks[] = "M1 pLoF\nM2 pLoF,missense\n";

static void test_parsers(void)
{
    duet_err_t err;
    duet_burden_sets_t *s = load(good_setlist, good_anno, good_masks, &err);
    CHECK(err == DUET_OK, "good files load");
    CHECK(s->n_genes == 3 && !strcmp(s->genes[1].name, "G2") && s->genes[1].pos == 300,
          "three genes, in file order, with positions");
    CHECK(s->genes[0].n_variants == 3 && s->genes[1].n_variants == 2, "variants per gene");
    CHECK(s->stats.setlist_duplicates == 1, "a variant listed twice in a gene is kept once");
    CHECK(s->genes[0].last_pos == INT64_MAX && s->genes[1].last_pos == 350,
          "last position from CHROM:POS:REF:ALT names; unknown with an rsID");
    CHECK(s->n_annots == 3, "three annotation classes");
    CHECK(s->stats.anno_gene_absent == 2 && s->stats.n_absent_genes == 1,
          "annotation lines of genes absent from the set list are counted");
    CHECK(s->stats.anno_variant_absent == 1, "annotation of a variant not listed for its gene counted");
    CHECK(s->stats.slots_unannotated == 1, "unannotated listed variant counted");
    int q = duet_burden_sets_lookup(s, "1:350:T:C");
    CHECK(q >= 0 && s->slots[q].gene == 1 && !strcmp(s->annots[s->slots[q].annot], "pLoF"),
          "lookup by name gives the gene and its annotation");
    CHECK(s->n_masks == 2 && s->mask_bits[1] == ((1u << duet_burden_sets_annot(s, "pLoF", 0)) |
                                                 (1u << duet_burden_sets_annot(s, "missense", 0))),
          "mask bits");
    duet_burden_sets_destroy(s);

    /* a variant in two genes */
    s = load("A 1 1 1:5:A:C\nB 1 1 1:5:A:C,1:6:A:C\n", "1:5:A:C A pLoF\n1:5:A:C B missense\n",
             "M pLoF,missense\n", &err);
    q = duet_burden_sets_lookup(s, "1:5:A:C");
    CHECK(err == DUET_OK && q >= 0 && s->slots[q].gene == 0 && s->slots[q].next >= 0 &&
              s->slots[s->slots[q].next].gene == 1,
          "a variant listed in two genes has two slots");
    duet_burden_sets_destroy(s);

    /* regenie's 4-column annotations */
    s = load("A 1 1 1:5:A:C\n", "1:5:A:C A domain1 pLoF\n", "M pLoF\n", &err);
    CHECK(err == DUET_OK && s->stats.domain_column == 1 && s->slots[0].annot == 0,
          "4-column annotations: the annotation is the last column");
    duet_burden_sets_destroy(s);

    /* bad inputs */
    duet_log_set_quiet(1);
    s = load("A 1 1\n", good_anno, good_masks, &err);
    CHECK(err == DUET_EFORMAT, "set list line with 3 fields: malformed");
    duet_burden_sets_destroy(s);
    s = load("A 1 x 1:5:A:C\n", good_anno, good_masks, &err);
    CHECK(err == DUET_EFORMAT, "set list position not a number: malformed");
    duet_burden_sets_destroy(s);
    s = load("A 1 1 1:5:A:C\nA 1 1 1:6:A:C\n", good_anno, good_masks, &err);
    CHECK(err == DUET_EFORMAT, "gene listed twice: malformed");
    duet_burden_sets_destroy(s);
    s = load("# nothing\n", good_anno, good_masks, &err);
    CHECK(err == DUET_EFORMAT, "empty set list: malformed");
    duet_burden_sets_destroy(s);
    s = load(good_setlist, "1:100:A:G G1\n", good_masks, &err);
    CHECK(err == DUET_EFORMAT, "annotation line with 2 fields: malformed");
    duet_burden_sets_destroy(s);
    s = load(good_setlist, "1:100:A:G G1 pLoF\n1:100:A:G G1 missense\n", good_masks, &err);
    CHECK(err == DUET_EFORMAT, "a variant annotated twice differently: malformed");
    duet_burden_sets_destroy(s);
    s = load(good_setlist, good_anno, "M1 pLoF,damaging\n", &err);
    CHECK(err == DUET_EFORMAT, "mask naming an unknown annotation: malformed");
    duet_burden_sets_destroy(s);
    s = load(good_setlist, good_anno, "M1 pLoF extra\n", &err);
    CHECK(err == DUET_EFORMAT, "mask line with 3 fields: malformed");
    duet_burden_sets_destroy(s);
    s = load(good_setlist, good_anno, "M1 pLoF\nM1 missense\n", &err);
    CHECK(err == DUET_EFORMAT, "mask defined twice: malformed");
    duet_burden_sets_destroy(s);
    s = NULL;
    CHECK(duet_burden_sets_create(&s) == DUET_OK &&
              duet_burden_read_setlist(s, "/nonexistent/x") == DUET_EREAD,
          "missing file: cannot read");
    duet_burden_sets_destroy(s);
    duet_log_set_quiet(0);
}

static void test_csq(void)
{
    const char *c = "intron_variant&splice_donor_variant";
    CHECK(duet_csq_class(c, strlen(c)) == DUET_CSQ_PLOF, "most severe term of an &-list");
    c = "missense_variant&synonymous_variant";
    CHECK(duet_csq_class(c, strlen(c)) == DUET_CSQ_MISSENSE, "missense over synonymous");
    c = "synonymous_variant";
    CHECK(duet_csq_class(c, strlen(c)) == DUET_CSQ_SYNONYMOUS, "synonymous");
    c = "intron_variant";
    CHECK(duet_csq_class(c, strlen(c)) == -1, "unmapped term: no class");
    c = "stop_gained_x";
    CHECK(duet_csq_class(c, strlen(c)) == -1, "whole terms only");
    c = "inframe_deletion";
    CHECK(duet_csq_class(c, strlen(c)) == DUET_CSQ_MISSENSE, "inframe deletion is missense");

    duet_csq_format_t f;
    char msg[128];
    CHECK(duet_csq_parse_format("Consequence annotations from Ensembl VEP. Format: "
                                "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature",
                                0, &f, msg, sizeof msg) == DUET_OK &&
              f.allele == 0 && f.consequence == 1 && f.gene == 3 && f.n_fields == 6,
          "VEP Format parsed; SYMBOL is the gene");
    CHECK(duet_csq_parse_format("Format: Consequence|Gene|Allele", 0, &f, msg, sizeof msg) ==
                  DUET_OK && f.gene == 1 && f.allele == 2,
          "Gene when there is no SYMBOL; any order");
    CHECK(duet_csq_parse_format("Format: Allele|Gene", 0, &f, msg, sizeof msg) == DUET_EFORMAT,
          "no Consequence field: malformed");
    CHECK(duet_csq_parse_format("no format here", 0, &f, msg, sizeof msg) == DUET_EFORMAT,
          "no Format: malformed");
    CHECK(duet_csq_parse_format(NULL, 1, &f, msg, sizeof msg) == DUET_OK && f.gene == 3 &&
              f.consequence == 1,
          "snpEff ANN: fixed order, Gene_Name 4th");

    char *al[] = { "AT", "A", "ATT", "G" };
    CHECK(duet_csq_match_allele("-", 1, al, 4) == 1, "VEP deletion allele '-'");
    CHECK(duet_csq_match_allele("TT", 2, al, 4) == 2, "VEP insertion without the shared base");
    CHECK(duet_csq_match_allele("G", 1, al, 4) == 3, "exact ALT");
    CHECK(duet_csq_match_allele("C", 1, al, 4) == 0, "no ALT matches");
    CHECK(duet_csq_match_allele("whatever", 8, al, 2) == 1, "one ALT: always it");
}

static void test_collapse(void)
{
    /* 6 samples x 3 variants (hard calls), sample 5 missing at variant 0
     * (mean-imputed 0.2) */
    double v0[6] = { 0, 1, 0, 1, 2, 0.2 };
    double v1[6] = { 0, 1, 0, 0, 0, 0 };
    double v2[6] = { 0, 1, 1, 0, 1, 0 };
    uint8_t m0[6] = { 0, 0, 0, 0, 0, 1 }, m1[6] = { 0 }, m2[6] = { 0 };
    const double *cols[3] = { v0, v1, v2 };
    const uint8_t *miss[3] = { m0, m1, m2 };
    double s[6];
    uint8_t car[6];
    duet_burden_collapse(DUET_COLLAPSE_MAX, cols, miss, 3, 6, s, car);
    double want_max[6] = { 0, 1, 1, 1, 2, 0.2 };
    int ok = 1;
    for (int i = 0; i < 6; i++) ok &= s[i] == want_max[i];
    CHECK(ok, "max: the largest ALT count per sample");
    uint8_t want_car[6] = { 0, 1, 1, 1, 1, 0 };
    CHECK(!memcmp(car, want_car, 6), "carriers: a called ALT allele; an imputed value is not one");
    duet_burden_collapse(DUET_COLLAPSE_SUM, cols, miss, 3, 6, s, NULL);
    double want_sum[6] = { 0, 3, 1, 1, 3, 0.2 };
    ok = 1;
    for (int i = 0; i < 6; i++) ok &= s[i] == want_sum[i];
    CHECK(ok, "sum: the sum of ALT counts");
    duet_burden_collapse(DUET_COLLAPSE_COMPHET, cols, NULL, 3, 6, s, NULL);
    double want_ch[6] = { 0, 2, 1, 1, 2, 0.2 };
    ok = 1;
    for (int i = 0; i < 6; i++) ok &= s[i] == want_ch[i];
    CHECK(ok, "comphet: two heterozygous variants give 2, one homozygote 2, one het 1");
    /* comphet equals "max, and 2 where >= 2 hets" on hard calls */
    double h0[4] = { 1, 1, 2, 0 }, h1[4] = { 1, 0, 0, 0 }, h2[4] = { 0, 0, 1, 0 };
    const double *hc[3] = { h0, h1, h2 };
    double a[4];
    duet_burden_collapse(DUET_COLLAPSE_COMPHET, hc, NULL, 3, 4, a, NULL);
    ok = 1;
    for (int i = 0; i < 4; i++) {
        int hets = (h0[i] == 1) + (h1[i] == 1) + (h2[i] == 1);
        double mx = fmax(h0[i], fmax(h1[i], h2[i]));
        ok &= a[i] == (hets >= 2 ? 2 : mx);
    }
    CHECK(ok, "comphet = max, or 2 with two or more heterozygous variants (hard calls)");
    duet_burden_collapse(DUET_COLLAPSE_MAX, cols, NULL, 0, 6, s, car);
    CHECK(s[0] == 0 && s[5] == 0 && car[1] == 0, "no variant: zeros");
    CHECK(!strcmp(duet_collapse_str(DUET_COLLAPSE_COMPHET), "comphet"), "rule names");
}

static void test_bins(void)
{
    duet_burden_bin_t *b = NULL;
    int n = 0;
    CHECK(duet_burden_bins_parse("0.01,0.001", DUET_BIN_AAF, 1, "--aaf-bins", &b, &n) == DUET_OK &&
              n == 4 && !strcmp(b[0].label, "0.01") && !strcmp(b[1].label, "0.001") &&
              !strcmp(b[2].label, "singleton") && !strcmp(b[3].label, "all"),
          "bins: the bounds, singleton, all");
    CHECK(duet_burden_in_bin(&b[0], 0.01, 5) && !duet_burden_in_bin(&b[0], 0.0100001, 5),
          "AAF bin is [0, bound]");
    CHECK(!duet_burden_in_bin(&b[0], 0.995, 5), "AAF bin: a common ALT's complement does not count");
    CHECK(duet_burden_in_bin(&b[2], 0.0001, 1) && !duet_burden_in_bin(&b[2], 0.0002, 2),
          "singleton: ALT count 1");
    CHECK(duet_burden_in_bin(&b[3], 0.7, 100) && !duet_burden_in_bin(&b[3], NAN, 0),
          "all: every called variant");
    free(b);
    CHECK(duet_burden_bins_parse("0.01", DUET_BIN_MAF, 0, "--maf-bins", &b, &n) == DUET_OK &&
              n == 2 && duet_burden_in_bin(&b[0], 0.995, 5),
          "MAF bin: the minor allele's frequency");
    free(b);
    duet_log_set_quiet(1);
    CHECK(duet_burden_bins_parse("0.01,x", DUET_BIN_AAF, 0, "--aaf-bins", &b, &n) == DUET_EUSAGE,
          "bad bound: usage error");
    CHECK(duet_burden_bins_parse("0.6", DUET_BIN_MAF, 0, "--maf-bins", &b, &n) == DUET_EUSAGE,
          "MAF bound above 0.5: usage error");
    CHECK(duet_burden_bins_parse("0.1,0.1", DUET_BIN_AAF, 0, "--aaf-bins", &b, &n) == DUET_EUSAGE,
          "bound given twice: usage error");
    duet_log_set_quiet(0);
}

static void test_stream(void)
{
    duet_err_t err;
    /* G1: two variants with positional names; G2 an rsID; G3 on chr 2 */
    duet_burden_sets_t *s = load("G1 1 100 1:100:A:G,1:150:C:T\n"
                                 "G2 1 120 1:120:A:C,rs9\n"
                                 "G3 2 5 2:5:A:C,2:8:A:C\n",
                                 "1:100:A:G G1 pLoF\n1:150:C:T G1 pLoF\n1:120:A:C G2 pLoF\n"
                                 "rs9 G2 pLoF\n2:5:A:C G3 pLoF\n2:8:A:C G3 pLoF\n",
                                 "M pLoF\n", &err);
    CHECK(err == DUET_OK, "stream: sets");
    duet_burden_stream_t *st = NULL;
    CHECK(duet_burden_stream_create(s, 3, &st) == DUET_OK, "stream: create");
    double d[3] = { 0, 1, 0 };
    duet_variant_t v;
    memset(&v, 0, sizeof v);
    v.chrom = "1";
    v.n_alleles = 2;
    v.af = 1.0 / 6;
    v.alt_count = 1;
    char id[32], ref[] = "A", alt[] = "G";
    v.id = id;
    v.ref = ref;
    v.alt = alt;
    strcpy(id, ".");
    v.pos = 100;
    CHECK(duet_burden_stream_add(st, &v, d, NULL) == DUET_OK &&
              duet_burden_stream_n_ready(st) == 0,
          "stream: G1 open after its first variant (matched as CHROM:POS:REF:ALT)");
    strcpy(id, "rs9");
    v.pos = 130;
    CHECK(duet_burden_stream_add(st, &v, d, NULL) == DUET_OK &&
              duet_burden_stream_n_ready(st) == 0,
          "stream: G2 open by its rsID");
    strcpy(id, ".");
    v.pos = 160; /* past 1:150 (absent): G1 complete */
    CHECK(duet_burden_stream_add(st, &v, d, NULL) == DUET_OK &&
              duet_burden_stream_n_ready(st) == 1 && duet_burden_stream_ready(st, 0)->gene == 0 &&
              duet_burden_stream_ready(st, 0)->n_found == 1,
          "stream: a gene is ready once the VCF passes its last listed position");
    duet_burden_stream_release(st);
    v.chrom = "2";
    v.pos = 5;
    alt[0] = 'C';
    CHECK(duet_burden_stream_add(st, &v, d, NULL) == DUET_OK &&
              duet_burden_stream_n_ready(st) == 1 && duet_burden_stream_ready(st, 0)->gene == 1,
          "stream: another chromosome closes the rsID gene");
    duet_burden_stream_release(st);
    v.pos = 8;
    CHECK(duet_burden_stream_add(st, &v, d, NULL) == DUET_OK &&
              duet_burden_stream_n_ready(st) == 1 && duet_burden_stream_ready(st, 0)->gene == 2 &&
              duet_burden_stream_ready(st, 0)->n_found == 2 &&
              duet_burden_stream_ready(st, 0)->dosage[1][1] == 1,
          "stream: a gene is ready when all its variants are found; columns copied");
    duet_burden_stream_release(st);
    v.chrom = "1";
    v.pos = 150;
    alt[0] = 'T';
    ref[0] = 'C';
    CHECK(duet_burden_stream_add(st, &v, d, NULL) == DUET_OK, "stream: late variant accepted");
    duet_burden_stream_finish(st);
    const duet_burden_stream_stats_t *ss = duet_burden_stream_stats(st);
    CHECK(ss->late == 1 && ss->slots_found == 4 && ss->slots_missing == 2 && ss->genes_done == 3,
          "stream: counts of late, found and missing variants");
    CHECK(duet_burden_stream_n_columns(st) == 0, "stream: every column returned to the pool");
    duet_burden_stream_destroy(st);
    duet_burden_sets_destroy(s);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) return 1;
    test_parsers();
    test_csq();
    test_collapse();
    test_bins();
    test_stream();
    for (int k = 0; k < 3; k++) {
        char p[300];
        snprintf(p, sizeof p, "%s/f%d.txt", tmpdir, k);
        unlink(p);
    }
    rmdir(tmpdir);
    return unit_done();
}
