/*
 * test_core.c -- unit tests of src/core: the Philox generator against the
 * Random123 known-answer vectors, distribution moments, row formatting, and
 * the atomic writers (plain, BGZF with tabix, zstd, folders, cleanup).
 */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <htslib/tbx.h>
#include <zstd.h>

#include "duet/core.h"
#include "duet/idlist.h"
#include "duet/out.h"
#include "duet/rng.h"
#include "duet/tsv.h"
#include "unit.h"

static void test_philox_kat(void)
{
    /* Random123 kat_vectors, philox4x32 with 10 rounds. */
    static const uint32_t vec[3][10] = {
        { 0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 },
        { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
          0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd },
        { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
          0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 },
    };
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        duet_rng_philox(vec[v], vec[v] + 4, out);
        CHECK(out[0] == vec[v][6] && out[1] == vec[v][7] && out[2] == vec[v][8] &&
                  out[3] == vec[v][9],
              "philox4x32-10 known-answer vector");
    }
}

static void test_rng_streams(void)
{
    duet_rng_t a, b, c;
    duet_rng_init(&a, 42, 7);
    duet_rng_init(&b, 42, 7);
    duet_rng_init(&c, 42, 8);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = duet_rng_u64(&a), y = duet_rng_u64(&b), z = duet_rng_u64(&c);
        same &= x == y;
        differ += x != z;
    }
    CHECK(same, "same seed and stream give the same numbers");
    CHECK(differ > 990, "another stream gives other numbers");

    const int n = 200000;
    double s = 0, s2 = 0, su = 0, sg = 0, sb = 0, sp = 0;
    uint64_t sbin = 0, below_max = 0;
    int open_interval = 1;
    duet_rng_init(&a, 1, 0);
    for (int i = 0; i < n; i++) {
        double z = duet_rng_normal(&a);
        s += z;
        s2 += z * z;
        double u = duet_rng_uniform(&a);
        open_interval &= u > 0 && u < 1;
        su += u;
        sg += duet_rng_gamma(&a, 0.5);
        sb += duet_rng_beta(&a, 1, 25);
        sbin += duet_rng_binomial(&a, 40, 0.05);
        sp += (double)duet_rng_poisson(&a, i % 2 ? 3.0 : 80.0);
        uint64_t k = duet_rng_below(&a, 7);
        if (k > below_max) below_max = k;
    }
    CHECK(open_interval, "uniform on the open interval");
    CHECK_NEAR(s / n, 0, 0.01, "normal mean");
    CHECK_NEAR(s2 / n, 1, 0.01, "normal variance");
    CHECK_NEAR(su / n, 0.5, 0.003, "uniform mean");
    CHECK_NEAR(sg / n, 0.5, 0.01, "gamma(0.5) mean");
    CHECK_NEAR(sb / n, 1.0 / 26, 0.001, "beta(1,25) mean");
    CHECK_NEAR((double)sbin / n, 2.0, 0.02, "binomial(40, 0.05) mean");
    CHECK_NEAR(sp / n, 41.5, 0.1, "poisson mean (3 and 80)");
    CHECK(below_max == 6, "below(7) reaches 6 and no further");
}

static void test_tsv_formats(void)
{
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    duet_tsv_str(&row, "chr1");
    duet_tsv_int(&row, -12);
    duet_tsv_double(&row, 0.000123456789, 6, "NA");
    duet_tsv_double(&row, NAN, 6, "#NA");
    duet_tsv_double(&row, -0.0, 6, "NA");
    duet_tsv_fixed(&row, -0.0004, 3, "NA");
    duet_tsv_fixed(&row, 2.5, 2, "NA");
    CHECK_STR(row.s, "chr1\t-12\t0.000123457\t#NA\t0\t0.000\t2.50", "row formats");
    duet_tsv_row_free(&row);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, fp);
    buf[*len] = 0;
    fclose(fp);
    return buf;
}

static int count_entries(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = -1;
        pclose(p);
    }
    return n;
}

static void test_writers(const char *dir)
{
    char path[8192];
    duet_out_t *o = NULL;

    /* plain: nothing visible before publish, file after */
    snprintf(path, sizeof path, "%s/a.tsv", dir);
    CHECK(duet_out_create(path, DUET_OUT_PLAIN, 0, 1, &o) == DUET_OK, "plain create");
    CHECK(duet_out_puts(o, "x\ty\n") == DUET_OK, "plain write");
    CHECK(access(path, F_OK) != 0, "nothing under the final name before commit");
    CHECK(duet_out_commit(o, NULL) == DUET_OK, "plain commit");
    duet_out_destroy(o);
    size_t len;
    char *text = slurp(path, &len);
    CHECK_STR(text, "x\ty\n", "plain content");
    free(text);

    /* refusing to overwrite without force */
    CHECK(duet_out_create(path, DUET_OUT_PLAIN, 0, 1, &o) == DUET_EWRITE, "existing output refused");
    CHECK(duet_out_create(path, DUET_OUT_PLAIN, 1, 1, &o) == DUET_OK, "--force accepted");
    duet_out_destroy(o); /* not committed: the temporary goes, the old file stays */
    text = slurp(path, &len);
    CHECK_STR(text, "x\ty\n", "uncommitted overwrite leaves the old file");
    free(text);
    CHECK(count_entries(dir) == 1, "uncommitted temporary removed");

    /* bgzf + tabix */
    snprintf(path, sizeof path, "%s/b.tsv.gz", dir);
    CHECK(duet_out_kind_for_path(path) == DUET_OUT_BGZF, "kind from .gz");
    CHECK(duet_out_create(path, DUET_OUT_BGZF, 0, 2, &o) == DUET_OK, "bgzf create");
    CHECK(duet_out_puts(o, "#chromosome\tbase_pair_location\tp\n") == DUET_OK, "bgzf header");
    int ok = 1;
    for (int i = 1; i <= 5000; i++)
        ok &= duet_out_printf(o, "%d\t%d\t%g\n", 1 + i / 2500, i * 10, 1.0 / i) == DUET_OK;
    CHECK(ok, "bgzf rows");
    duet_tabix_t tb = { 1, 2, 2, 0, '#' };
    CHECK(duet_out_commit(o, &tb) == DUET_OK, "bgzf commit with tabix");
    duet_out_destroy(o);
    tbx_t *tbx = tbx_index_load(path);
    CHECK(tbx != NULL, "tabix index loads");
    if (tbx) {
        BGZF *fp = bgzf_open(path, "r");
        hts_itr_t *itr = tbx_itr_querys(tbx, "2:25000-25100");
        kstring_t s = { 0, 0, NULL };
        int n = 0;
        while (itr && fp && tbx_bgzf_itr_next(fp, tbx, itr, &s) >= 0) n++;
        CHECK(n == 11, "tabix query returns the rows in range");
        free(s.s);
        hts_itr_destroy(itr);
        bgzf_close(fp);
        tbx_destroy(tbx);
    }

    /* zstd */
    snprintf(path, sizeof path, "%s/c.tsv.zst", dir);
    CHECK(duet_out_create(path, duet_out_kind_for_path(path), 0, 1, &o) == DUET_OK, "zstd create");
    for (int i = 0; i < 1000; i++) ok &= duet_out_printf(o, "row %d\n", i) == DUET_OK;
    CHECK(duet_out_commit(o, NULL) == DUET_OK, "zstd commit");
    duet_out_destroy(o);
    char *z = slurp(path, &len);
    unsigned long long size = z ? ZSTD_getFrameContentSize(z, len) : 0;
    char *plain = malloc(20000);
    size_t got = z ? ZSTD_decompress(plain, 20000, z, len) : 0;
    CHECK(!ZSTD_isError(got) && got == 7890 && memcmp(plain + got - 8, "row 999\n", 8) == 0,
          "zstd round trip");
    (void)size;
    free(z);
    free(plain);

    /* unwritable folder */
    CHECK(duet_out_create("/nonexistent-dir/x.tsv", DUET_OUT_PLAIN, 0, 1, &o) == DUET_EWRITE,
          "missing folder gives a write error");

    /* folders */
    char folder[6000];
    snprintf(folder, sizeof folder, "%s/cohort", dir);
    duet_outdir_t *d = NULL;
    CHECK(duet_outdir_create(folder, 0, &d) == DUET_OK, "folder create");
    const char *f1 = duet_outdir_file(d, "one.txt");
    FILE *fp = fopen(f1, "w");
    fputs("1\n", fp);
    fclose(fp);
    CHECK(access(folder, F_OK) != 0, "folder invisible before commit");
    CHECK(duet_outdir_commit(d) == DUET_OK, "folder commit");
    duet_outdir_destroy(d);
    snprintf(path, sizeof path, "%s/one.txt", folder);
    CHECK(access(path, F_OK) == 0, "folder file in place");
    CHECK(duet_outdir_create(folder, 0, &d) == DUET_EWRITE, "existing folder refused");
    CHECK(duet_outdir_create(folder, 1, &d) == DUET_OK, "folder --force");
    fp = fopen(duet_outdir_file(d, "two.txt"), "w");
    fclose(fp);
    duet_outdir_destroy(d); /* abandoned */
    CHECK(access(path, F_OK) == 0, "abandoned replacement leaves the old folder");
    CHECK(count_entries(dir) == 5, "abandoned temporary folder removed");
}

/* ID lists: the first line decides the column (idlist.h) */
static void test_idlist(const char *dir)
{
    static const struct {
        const char *text;
        int column;
        const char *want; /* the IDs, comma-joined */
    } cases[] = {
        { "#IID\tSEX\nS1\t1\nS2\t2\n", 0, "S1,S2" },        /* .psam with #IID */
        { "#FID\tIID\tSEX\nF1\tS1\t1\nF2\tS2\t2\n", 0, "S1,S2" },
        { "FID IID\nF1 S1\n", 0, "S1" },
        { "IID\nS1\nS2\nS1\n", 0, "S1,S2" },                 /* duplicate kept once */
        { "F1 S1 0 0 1 -9\nF2 S2 0 0 2 -9\n", 0, "S1,S2" },    /* .fam */
        { "S1\n\n# a comment\nS3\n", 0, "S1,S3" },
        { "rs1 x\n#c\nrs2\n", 1, "rs1,rs2" },                /* a variant list */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char path[2100], name[128];
        snprintf(path, sizeof path, "%s/ids%zu.txt", dir, c);
        FILE *fp = fopen(path, "w");
        fputs(cases[c].text, fp);
        fclose(fp);
        duet_idlist_t *l = NULL;
        char got[256] = "";
        if (duet_idlist_read(path, cases[c].column, &l) == DUET_OK) {
            for (int i = 0; i < l->n; i++) {
                if (i) strcat(got, ",");
                strcat(got, l->ids[i]);
            }
        }
        snprintf(name, sizeof name, "ID list case %zu", c);
        CHECK_STR(got, cases[c].want, name);
        CHECK(l && duet_idlist_has(l, "S1") == (strstr(cases[c].want, "S1") != NULL),
              "membership");
        duet_idlist_destroy(l);
    }
    char path[2100];
    snprintf(path, sizeof path, "%s/ids-bad.txt", dir);
    FILE *fp = fopen(path, "w");
    fputs("F1 S1\nS2\n", fp);
    fclose(fp);
    duet_idlist_t *l = NULL;
    CHECK(duet_idlist_read(path, 0, &l) == DUET_EFORMAT && !l, "a line without the IID column");
    CHECK(duet_idlist_read("/nonexistent/ids", 0, &l) == DUET_EREAD, "missing file");
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    test_philox_kat();
    test_rng_streams();
    test_tsv_formats();
    char dir[] = "/tmp/duet-core-XXXXXX";
    const char *work = getenv("WORK");
    char path[2048];
    if (work) {
        snprintf(path, sizeof path, "%s/core", work);
        mkdir(path, 0777);
    } else {
        snprintf(path, sizeof path, "%s", mkdtemp(dir));
    }
    test_writers(path);
    test_idlist(path);
    return unit_done();
}
