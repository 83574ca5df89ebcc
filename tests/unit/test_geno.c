/*
 * test_geno.c -- unit tests of the genotype reader (src/geno): hand-written
 * and generated VCFs, written to $WORK and converted with bcftools to VCF.gz
 * and BCF (with indices).  Decoded dosages, missingness and counts are
 * checked against values worked out by hand and against `bcftools query`
 * output parsed here independently of htslib's binary encoding; VCF, VCF.gz
 * and BCF must agree, whatever the SIMD kernel, block size or thread count.
 * Also: sample subsets and order, absent and duplicate samples, regions,
 * chunks (disjoint, covering), DS with and without GT, and the error codes
 * of truncated, missing and malformed inputs.
 */
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duet/core.h"
#include "duet/geno.h"
#include "../../src/geno/geno_internal.h"
#include "unit.h"

static char work[4096];

/* Copy src into dst of `size` bytes, cut if need be. */
static void scopy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static const char *wpath(const char *name)
{
    static char buf[8][4352];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", work, name);
    return buf[k];
}

static int sh(const char *fmt, ...) DUET_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0) printf("# command failed (%d): %s\n", rc, cmd);
    return rc;
}

static void write_text(const char *name, const char *text)
{
    FILE *fp = fopen(wpath(name), "w");
    if (!fp) {
        printf("# cannot write %s\n", wpath(name));
        return;
    }
    fputs(text, fp);
    fclose(fp);
}

/* name.vcf -> name.vcf.gz (+ .csi) and name.bcf (+ .csi) */
static int convert(const char *name)
{
    return sh("cd '%s' && bcftools view -Oz -o %s.vcf.gz %s.vcf && bcftools index -f %s.vcf.gz"
              " && bcftools view -Ob -o %s.bcf %s.vcf && bcftools index -f %s.bcf",
              work, name, name, name, name, name, name);
}

/* ---- everything a reader yields, in memory ---- */

typedef struct {
    char chrom[32];
    int64_t pos;
    char id[32], ref[64], alt[512];
    int allele, n_alleles;
    uint64_t record;
    int n_called, n_missing;
    double alt_count, nac, af, mac;
} var_t;

typedef struct {
    int n, m, n_samples;
    var_t *v;
    double *dos;   /* n x n_samples */
    uint8_t *miss; /* n x n_samples */
} res_t;

static void res_free(res_t *r)
{
    free(r->v);
    free(r->dos);
    free(r->miss);
    memset(r, 0, sizeof *r);
}

static void res_add(res_t *r, const duet_geno_block_t *b, int j)
{
    if (r->n == r->m) {
        r->m = r->m ? 2 * r->m : 64;
        r->v = realloc(r->v, sizeof(var_t) * (size_t)r->m);
        r->dos = realloc(r->dos, sizeof(double) * (size_t)r->m * (size_t)b->n_samples);
        r->miss = realloc(r->miss, (size_t)r->m * (size_t)b->n_samples);
    }
    r->n_samples = b->n_samples;
    const duet_variant_t *src = &b->variants[j];
    var_t *v = &r->v[r->n];
    scopy(v->chrom, sizeof v->chrom, src->chrom);
    v->pos = src->pos;
    scopy(v->id, sizeof v->id, src->id);
    scopy(v->ref, sizeof v->ref, src->ref);
    scopy(v->alt, sizeof v->alt, src->alt);
    v->allele = src->allele;
    v->n_alleles = src->n_alleles;
    v->record = src->record;
    v->n_called = src->n_called;
    v->n_missing = src->n_missing;
    v->alt_count = src->alt_count;
    v->nac = src->n_alleles_called;
    v->af = src->af;
    v->mac = src->mac;
    memcpy(r->dos + (size_t)r->n * (size_t)b->n_samples,
           b->dosage + (size_t)j * (size_t)b->n_samples, sizeof(double) * (size_t)b->n_samples);
    if (b->missing)
        memcpy(r->miss + (size_t)r->n * (size_t)b->n_samples,
               b->missing + (size_t)j * (size_t)b->n_samples, (size_t)b->n_samples);
    r->n++;
}

/* Open with `o` and read everything with fetch + decode in blocks of
 * `block`.  Returns the first error. */
static duet_err_t read_all(const duet_geno_opts_t *o, int block, res_t *r)
{
    duet_geno_t *g = NULL;
    duet_geno_block_t *b = NULL;
    memset(r, 0, sizeof *r);
    duet_err_t err = duet_geno_open(o, &g);
    if (!err) r->n_samples = duet_geno_n_samples(g);
    if (!err) err = duet_geno_block_create(g, block, &b);
    while (!err) {
        err = duet_geno_read_block(g, b);
        if (err || b->n_variants == 0) break;
        for (int j = 0; j < b->n_variants; j++) res_add(r, b, j);
    }
    duet_geno_block_destroy(b);
    duet_geno_close(g);
    return err;
}

static duet_err_t read_file(const char *path, int block, res_t *r)
{
    duet_geno_opts_t o;
    duet_geno_opts_init(&o, path);
    o.want_missing_mask = 1;
    return read_all(&o, block, r);
}

/* Same variants, dosages, masks and counts. */
static int res_equal(const res_t *a, const res_t *b, int check_mask)
{
    if (a->n != b->n || a->n_samples != b->n_samples) {
        printf("#   %d x %d variants/samples vs %d x %d\n", a->n, a->n_samples, b->n,
               b->n_samples);
        return 0;
    }
    for (int j = 0; j < a->n; j++) {
        const var_t *x = &a->v[j], *y = &b->v[j];
        if (strcmp(x->chrom, y->chrom) || x->pos != y->pos || strcmp(x->alt, y->alt) ||
            strcmp(x->ref, y->ref) || strcmp(x->id, y->id) || x->allele != y->allele ||
            x->n_called != y->n_called || x->n_missing != y->n_missing ||
            x->alt_count != y->alt_count || x->nac != y->nac) {
            printf("#   variant %d differs: %s:%" PRId64 " %s vs %s:%" PRId64 " %s\n", j, x->chrom,
                   x->pos, x->alt, y->chrom, y->pos, y->alt);
            return 0;
        }
        for (int i = 0; i < a->n_samples; i++) {
            size_t k = (size_t)j * (size_t)a->n_samples + (size_t)i;
            if (a->dos[k] != b->dos[k] || (check_mask && a->miss[k] != b->miss[k])) {
                printf("#   variant %d sample %d: %g vs %g\n", j, i, a->dos[k], b->dos[k]);
                return 0;
            }
        }
    }
    return 1;
}

/* ---- the reference: bcftools query, parsed here ---- */

/* Sample names of a file, in file order. */
static int file_samples(const char *path, char names[][32], int max)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "bcftools query -l '%s'", path);
    FILE *p = popen(cmd, "r");
    int n = 0;
    char line[256];
    while (p && fgets(line, sizeof line, p) && n < max) {
        line[strcspn(line, "\r\n")] = 0;
        scopy(names[n++], 32, line);
    }
    if (p) pclose(p);
    return n;
}

/*
 * Expected variants from `bcftools query` GT (or DS) strings, for the
 * samples `keep` (names; NULL = all, file order).  One variant per ALT:
 * dosage = count of that allele among the called alleles; missing when no
 * allele is called; missing entries take the mean over called samples.
 */
static int ref_query(const char *path, const char *region, const char *const *keep, int n_keep,
                     int use_ds, res_t *r)
{
    static char names[4096][32];
    int n_file = file_samples(path, names, 4096);
    int cols[4096];
    int n = keep ? n_keep : n_file;
    for (int i = 0; i < n; i++) {
        cols[i] = i;
        if (keep) {
            cols[i] = -1;
            for (int c = 0; c < n_file; c++)
                if (!strcmp(names[c], keep[i])) cols[i] = c;
            if (cols[i] < 0) return -1;
        }
    }
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "bcftools query %s%s%s -f '%%CHROM\\t%%POS\\t%%ID\\t%%REF\\t%%ALT[\\t%s]\\n' '%s'",
             region ? "-r '" : "", region ? region : "", region ? "'" : "",
             use_ds ? "%DS" : "%GT", path);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    memset(r, 0, sizeof *r);
    r->n_samples = n;
    size_t cap = 0;
    char *line = NULL;
    char **field = malloc(sizeof(char *) * (size_t)(n_file + 8));
    uint64_t record = 0;
    while (getline(&line, &cap, p) > 0) {
        line[strcspn(line, "\n")] = 0;
        int nf = 0;
        for (char *s = line, *t; nf < n_file + 5; s = t + 1) {
            field[nf++] = s;
            t = strchr(s, '\t');
            if (!t) break;
            *t = 0;
        }
        if (nf != n_file + 5) {
            printf("#   bcftools query gave %d fields\n", nf);
            free(line);
            free(field);
            pclose(p);
            return -1;
        }
        /* ALT alleles */
        char alts[256][512];
        int n_alt = 0;
        if (strcmp(field[4], ".") != 0) {
            for (char *s = field[4], *t;; s = t + 1) {
                t = strchr(s, ',');
                if (t) *t = 0;
                scopy(alts[n_alt++], sizeof alts[0], s);
                if (!t) break;
            }
        }
        for (int a = 1; a <= n_alt; a++) {
            if (r->n == r->m) {
                r->m = r->m ? 2 * r->m : 64;
                r->v = realloc(r->v, sizeof(var_t) * (size_t)r->m);
                r->dos = realloc(r->dos, sizeof(double) * (size_t)r->m * (size_t)n);
                r->miss = realloc(r->miss, (size_t)r->m * (size_t)n);
            }
            var_t *v = &r->v[r->n];
            memset(v, 0, sizeof *v);
            scopy(v->chrom, sizeof v->chrom, field[0]);
            v->pos = atoll(field[1]);
            scopy(v->id, sizeof v->id, field[2]);
            scopy(v->ref, sizeof v->ref, field[3]);
            scopy(v->alt, sizeof v->alt, alts[a - 1]);
            v->allele = a;
            v->n_alleles = n_alt + 1;
            v->record = record;
            double *d = r->dos + (size_t)r->n * (size_t)n;
            uint8_t *m = r->miss + (size_t)r->n * (size_t)n;
            double alt = 0, nac = 0;
            int called_samples = 0;
            for (int i = 0; i < n; i++) {
                const char *s = field[5 + cols[i]];
                double dose = 0;
                int called = 0;
                if (use_ds) {
                    /* comma-separated, one per ALT, or "." */
                    const char *q = s;
                    for (int k = 1; k < a && q; k++) {
                        q = strchr(q, ',');
                        if (q) q++;
                    }
                    if (q && *q != '.' && *q) {
                        dose = atof(q);
                        called = 2;
                    }
                } else {
                    for (const char *q = s; *q;) {
                        if (*q == '.') {
                            q++;
                        } else {
                            int idx = (int)strtol(q, (char **)&q, 10);
                            called++;
                            dose += idx == a;
                        }
                        if (*q == '/' || *q == '|') q++;
                    }
                }
                if (called) {
                    d[i] = dose;
                    m[i] = 0;
                    alt += dose;
                    nac += called;
                    called_samples++;
                } else {
                    d[i] = -1;
                    m[i] = 1;
                }
            }
            double mean = called_samples ? alt / called_samples : 0;
            for (int i = 0; i < n; i++)
                if (m[i]) d[i] = mean;
            v->n_called = called_samples;
            v->n_missing = n - called_samples;
            v->alt_count = alt;
            v->nac = nac;
            r->n++;
        }
        record++;
    }
    free(line);
    free(field);
    pclose(p);
    return 0;
}

/* Dosages within tol (the mean of a float sum may differ in the last
 * bits), everything else exact. */
static int res_match_ref(const res_t *got, const res_t *want, double tol)
{
    if (got->n != want->n || got->n_samples != want->n_samples) {
        printf("#   got %d variants x %d samples, want %d x %d\n", got->n, got->n_samples,
               want->n, want->n_samples);
        return 0;
    }
    for (int j = 0; j < got->n; j++) {
        const var_t *x = &got->v[j], *y = &want->v[j];
        if (strcmp(x->chrom, y->chrom) || x->pos != y->pos || strcmp(x->alt, y->alt) ||
            strcmp(x->ref, y->ref) || x->allele != y->allele || x->n_called != y->n_called ||
            x->n_missing != y->n_missing || fabs(x->alt_count - y->alt_count) > tol ||
            x->nac != y->nac) {
            printf("#   variant %d: got %s:%" PRId64 " %s a%d called %d missing %d alt %g nac %g;"
                   " want %s:%" PRId64 " %s a%d called %d missing %d alt %g nac %g\n",
                   j, x->chrom, x->pos, x->alt, x->allele, x->n_called, x->n_missing,
                   x->alt_count, x->nac, y->chrom, y->pos, y->alt, y->allele, y->n_called,
                   y->n_missing, y->alt_count, y->nac);
            return 0;
        }
        double af = y->nac > 0 ? y->alt_count / y->nac : NAN;
        if (!(fabs(x->af - af) <= tol || (isnan(x->af) && isnan(af)))) {
            printf("#   variant %d: af %g, want %g\n", j, x->af, af);
            return 0;
        }
        for (int i = 0; i < got->n_samples; i++) {
            size_t k = (size_t)j * (size_t)got->n_samples + (size_t)i;
            if (fabs(got->dos[k] - want->dos[k]) > tol || got->miss[k] != want->miss[k]) {
                printf("#   variant %d (%s:%" PRId64 " %s) sample %d: got %g (missing %d), "
                       "want %g (missing %d)\n", j, x->chrom, x->pos, x->alt, i, got->dos[k],
                       got->miss[k], want->dos[k], want->miss[k]);
                return 0;
            }
        }
    }
    return 1;
}

/* ---- generated VCF ---- */

static uint64_t lcg = 12345;
static double urand(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg >> 11) * (1.0 / 9007199254740992.0);
}

/* A VCF of n_samples x n_records with the shapes real files have: mostly
 * rare biallelic diploid calls, some common, multi-allelic records, phased
 * and unphased, missing calls, half-calls, haploid samples (contig X). */
static void make_random_vcf(const char *name, int n_samples, int n_records)
{
    char file[4400];
    snprintf(file, sizeof file, "%s.vcf", name);
    FILE *fp = fopen(wpath(file), "w");
    fprintf(fp, "##fileformat=VCFv4.2\n##contig=<ID=1,length=100000000>\n"
                "##contig=<ID=2,length=100000000>\n##contig=<ID=X,length=100000000>\n"
                "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
                "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
    for (int i = 0; i < n_samples; i++) fprintf(fp, "\tS%03d", i + 1);
    fprintf(fp, "\n");
    static const char *bases[] = {"C", "G", "T", "CA", "GT"};
    for (int r = 0; r < n_records; r++) {
        const char *chrom = r < n_records / 2 ? "1" : r < 4 * n_records / 5 ? "2" : "X";
        int start = r < n_records / 2 ? 0 : r < 4 * n_records / 5 ? n_records / 2 : 4 * n_records / 5;
        int64_t pos = 1000 + 37 * (int64_t)(r - start);
        double u = urand();
        int n_alt = u < 0.8 ? 1 : u < 0.93 ? 2 : u < 0.97 ? 3 : 5;
        int haploid_rec = !strcmp(chrom, "X");
        double af[6];
        double rare = urand() < 0.7;
        af[0] = 1;
        for (int a = 1; a <= n_alt; a++) {
            af[a] = rare ? 0.02 * urand() : 0.3 * urand();
            af[0] -= af[a];
        }
        double miss_rate = urand() < 0.3 ? 0.05 : 0;
        int phased = urand() < 0.6;
        if (r % 10 == 0)
            fprintf(fp, "%s\t%" PRId64 "\t.\tA\t", chrom, pos);
        else
            fprintf(fp, "%s\t%" PRId64 "\trs%d\tA\t", chrom, pos, r + 1);
        for (int a = 1; a <= n_alt; a++) fprintf(fp, "%s%s", a > 1 ? "," : "", bases[a - 1]);
        fprintf(fp, "\t.\t.\t.\tGT");
        for (int i = 0; i < n_samples; i++) {
            int al[2];
            for (int k = 0; k < 2; k++) {
                double x = urand();
                al[k] = 0;
                for (int a = 1; a <= n_alt; a++) {
                    if (x < af[a]) {
                        al[k] = a;
                        break;
                    }
                    x -= af[a];
                }
            }
            double y = urand();
            char sep = phased ? '|' : '/';
            if (y < miss_rate) fprintf(fp, haploid_rec && i % 2 ? "\t." : "\t./.");
            else if (haploid_rec && i % 2) fprintf(fp, "\t%d", al[0]);
            else if (y < miss_rate + 0.01) fprintf(fp, "\t%d/.", al[0]);
            else if (y < miss_rate + 0.015) fprintf(fp, "\t.|%d", al[1]);
            else fprintf(fp, "\t%d%c%d", al[0], sep, al[1]);
        }
        fprintf(fp, "\n");
    }
    fclose(fp);
}

/* ---- tests ---- */

static const char *hand_vcf =
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=1,length=1000000>\n"
    "##contig=<ID=2,length=1000000>\n"
    "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
    "##FORMAT=<ID=DS,Number=A,Type=Float,Description=\"Dosage\">\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\tD\tE\n"
    "1\t100\trs1\tA\tG\t.\t.\t.\tGT\t0|0\t0|1\t1|1\t./.\t1/0\n"
    "1\t200\t.\tC\tT,G\t.\t.\t.\tGT\t0/1\t1/2\t2/2\t0/0\t./.\n"
    "1\t300\trs3\tG\tA\t.\t.\t.\tGT\t0\t1\t.\t0|1\t1/.\n"
    "1\t400\trs4\tT\tC\t.\t.\t.\tGT:DS\t0/1:0.9\t1/1:1.8\t0/0:.\t./.:0.1\t0/0:0\n"
    "1\t500\trs5\tA\tT\t.\t.\t.\tDS\t0.5\t.\t1\t2\t0\n"
    "2\t100\trs6\tG\tC\t.\t.\t.\tGT\t0|0\t0|0\t0|0\t0|0\t0|0\n"
    "2\t150\trs7\tA\t.\t.\t.\t.\tGT\t0/0\t0/0\t0/0\t0/0\t0/0\n"
    "2\t200\trs8\tA\tC,G\t.\t.\t.\tGT:DS\t1/2:0.5,1.5\t0/0:0,0\t./.:.,.\t2/2:0,2\t0/1:1,0\n";

static void test_hand(void)
{
    write_text("hand.vcf", hand_vcf);
    CHECK(convert("hand") == 0, "hand.vcf converts to VCF.gz and BCF");
    res_t r;
    duet_err_t err = read_file(wpath("hand.bcf"), 3, &r);
    CHECK(err == DUET_OK, "hand.bcf reads");
    CHECK(r.n == 9, "9 variants (multi-allelic records split, the no-ALT record skipped)");
    if (r.n != 9) {
        res_free(&r);
        return;
    }
    /* 0 rs1, 1-2 1:200 T/G, 3 rs3, 4 rs4, 5 rs5, 6 rs6, 7-8 rs8 C/G */
    /* rs1: 0|0 0|1 1|1 ./. 1/0 */
    CHECK_NEAR(r.dos[0 * 5 + 1], 1, 0, "rs1 B 0|1 = 1");
    CHECK_NEAR(r.dos[0 * 5 + 2], 2, 0, "rs1 C 1|1 = 2");
    CHECK(r.miss[0 * 5 + 3] == 1, "rs1 D ./. missing");
    CHECK_NEAR(r.dos[0 * 5 + 3], 1.0, 1e-15, "rs1 D imputed to the mean 4/4");
    CHECK(r.v[0].n_called == 4 && r.v[0].n_missing == 1, "rs1 4 called, 1 missing");
    CHECK_NEAR(r.v[0].af, 0.5, 1e-15, "rs1 af 4/8");
    CHECK_STR(r.v[0].id, "rs1", "rs1 id");
    CHECK_STR(r.v[0].chrom, "1", "rs1 chrom");
    CHECK(r.v[0].pos == 100, "rs1 pos");
    /* 1:200 C T,G: 0/1 1/2 2/2 0/0 ./. */
    CHECK_STR(r.v[1].alt, "T", "split: first ALT T");
    CHECK_STR(r.v[2].alt, "G", "split: second ALT G");
    CHECK_STR(r.v[2].ref, "C", "split: REF kept");
    CHECK_STR(r.v[1].id, ".", "no ID reads '.'");
    CHECK(r.v[1].allele == 1 && r.v[2].allele == 2 && r.v[2].n_alleles == 3, "allele numbers");
    CHECK(r.v[1].record == 1 && r.v[2].record == 1, "both ALTs from record 1");
    CHECK_NEAR(r.v[1].alt_count, 2, 0, "T count 2");
    CHECK_NEAR(r.v[2].alt_count, 3, 0, "G count 3");
    CHECK_NEAR(r.dos[2 * 5 + 2], 2, 0, "C 2/2 has 2 G");
    CHECK_NEAR(r.dos[2 * 5 + 4], 0.75, 1e-15, "E missing -> G mean 3/4");
    CHECK_NEAR(r.v[2].mac, 3, 0, "G mac min(3, 5)");
    /* rs3: 0 1 . 0|1 1/. (haploid, half-call) */
    CHECK_NEAR(r.dos[3 * 5 + 1], 1, 0, "haploid 1 = 1");
    CHECK(r.miss[3 * 5 + 2] == 1, "haploid . missing");
    CHECK_NEAR(r.dos[3 * 5 + 4], 1, 0, "half-call 1/. = 1");
    CHECK_NEAR(r.v[3].nac, 5, 0, "rs3 called alleles 5 (haploid and half-call count 1)");
    CHECK_NEAR(r.v[3].alt_count, 3, 0, "rs3 ALT count 3");
    CHECK_NEAR(r.v[3].af, 0.6, 1e-15, "rs3 af 3/5");
    /* rs4 in GT mode: GT */
    CHECK_NEAR(r.dos[4 * 5 + 1], 2, 0, "rs4 GT mode uses GT");
    /* rs5: DS only -> DS in GT mode too */
    CHECK_NEAR(r.dos[5 * 5 + 0], 0.5, 1e-7, "rs5 DS-only record read from DS in GT mode");
    CHECK(r.miss[5 * 5 + 1] == 1, "rs5 DS '.' missing");
    CHECK_NEAR(r.dos[5 * 5 + 1], 3.5 / 4, 1e-7, "rs5 missing DS -> mean");
    CHECK_NEAR(r.v[5].nac, 8, 0, "DS counts 2 alleles per called sample");
    /* rs6 monomorphic */
    CHECK(r.v[6].alt_count == 0 && r.v[6].af == 0 && r.v[6].mac == 0, "rs6 monomorphic");
    CHECK(r.v[7].record == 7 && r.v[7].pos == 200, "rs8 ALT C is record 7 (rs7 skipped)");
    res_free(&r);

    /* DS mode */
    duet_geno_opts_t o;
    duet_geno_opts_init(&o, wpath("hand.vcf.gz"));
    o.field = DUET_GENO_DS;
    o.want_missing_mask = 1;
    err = read_all(&o, 64, &r);
    CHECK(err == DUET_OK && r.n == 9, "DS mode reads");
    if (r.n == 9) {
        CHECK_NEAR(r.dos[0 * 5 + 2], 2, 0, "rs1 has no DS: GT hard calls");
        CHECK_NEAR(r.dos[4 * 5 + 0], 0.9, 1e-7, "rs4 DS 0.9");
        CHECK_NEAR(r.dos[4 * 5 + 3], 0.1, 1e-7, "rs4 DS used where GT is missing");
        CHECK(r.miss[4 * 5 + 2] == 1, "rs4 DS '.' is missing even with GT 0/0");
        CHECK_NEAR(r.v[4].alt_count, 0.9 + 1.8 + 0.1 + 0, 1e-6, "rs4 DS sum");
        CHECK_NEAR(r.dos[7 * 5 + 0], 0.5, 1e-7, "rs8 ALT C takes the first DS value");
        CHECK_NEAR(r.dos[8 * 5 + 0], 1.5, 1e-7, "rs8 ALT G takes the second DS value");
        CHECK_NEAR(r.dos[8 * 5 + 3], 2, 1e-7, "rs8 D DS 0,2 -> G 2");
        CHECK(r.miss[8 * 5 + 2] == 1, "rs8 C DS .,. missing");
    }
    res_free(&r);
}

/* Remove variant j. */
static void res_drop(res_t *r, int j)
{
    size_t ns = (size_t)r->n_samples, tail = (size_t)(r->n - j - 1);
    memmove(r->v + j, r->v + j + 1, sizeof(var_t) * tail);
    memmove(r->dos + (size_t)j * ns, r->dos + (size_t)(j + 1) * ns, sizeof(double) * tail * ns);
    memmove(r->miss + (size_t)j * ns, r->miss + (size_t)(j + 1) * ns, tail * ns);
    r->n--;
}

static void test_hand_vs_bcftools(void)
{
    static const char *ext[] = {"vcf", "vcf.gz", "bcf"};
    res_t ref;
    int rc = ref_query(wpath("hand.vcf.gz"), NULL, NULL, 0, 0, &ref);
    CHECK(rc == 0 && ref.n == 9, "bcftools query of hand.vcf.gz");
    if (rc || ref.n != 9) return;
    res_drop(&ref, 5); /* rs5 has no GT: bcftools prints '.', duet reads DS */
    for (int e = 0; e < 3; e++) {
        char name[64], label[128];
        snprintf(name, sizeof name, "hand.%s", ext[e]);
        res_t got;
        duet_err_t err = read_file(wpath(name), 2, &got);
        if (!err && got.n == 9) res_drop(&got, 5);
        snprintf(label, sizeof label, "%s: GT dosages match bcftools query", name);
        CHECK(err == DUET_OK && res_match_ref(&got, &ref, 1e-12), label);
        res_free(&got);
    }
    res_free(&ref);

    res_t ds;
    rc = ref_query(wpath("hand.bcf"), NULL, NULL, 0, 1, &ds);
    duet_geno_opts_t o;
    duet_geno_opts_init(&o, wpath("hand.bcf"));
    o.field = DUET_GENO_DS;
    o.want_missing_mask = 1;
    res_t got;
    duet_err_t err = read_all(&o, 4, &got);
    /* Compare the records that have DS: rs4, rs5, rs8 (C, G). */
    int same = rc == 0 && err == DUET_OK && got.n == 9 && ds.n == 9;
    int with_ds[] = {4, 5, 7, 8};
    for (int k = 0; same && k < 4; k++) {
        int j = with_ds[k];
        res_t x = {1, 1, 5, got.v + j, got.dos + 5 * j, got.miss + 5 * j};
        res_t y = {1, 1, 5, ds.v + j, ds.dos + 5 * j, ds.miss + 5 * j};
        same = res_match_ref(&x, &y, 1e-6);
    }
    CHECK(same, "DS dosages match bcftools query %DS");
    res_free(&got);
    res_free(&ds);
}

static void test_random(void)
{
    make_random_vcf("rand", 70, 400);
    CHECK(convert("rand") == 0, "random VCF converts");
    res_t ref;
    CHECK(ref_query(wpath("rand.bcf"), NULL, NULL, 0, 0, &ref) == 0 && ref.n > 400,
          "bcftools query of the random VCF");
    static const char *ext[] = {"vcf", "vcf.gz", "bcf"};
    res_t first = {0};
    for (int e = 0; e < 3; e++) {
        for (int simd = 0; simd <= 2; simd++) {
            int level = geno_decode_set_simd(simd);
            if (level != simd) continue; /* this CPU lacks it */
            int blocks[] = {1, 7, 64};
            for (int bi = 0; bi < 3; bi++) {
                char name[64], label[160];
                snprintf(name, sizeof name, "rand.%s", ext[e]);
                res_t got;
                duet_err_t err = read_file(wpath(name), blocks[bi], &got);
                snprintf(label, sizeof label, "%s simd %d block %d matches bcftools query",
                         name, simd, blocks[bi]);
                CHECK(err == DUET_OK && res_match_ref(&got, &ref, 1e-12), label);
                if (!first.n) {
                    first = got;
                } else {
                    snprintf(label, sizeof label, "%s simd %d block %d identical to rand.vcf",
                             name, simd, blocks[bi]);
                    CHECK(res_equal(&got, &first, 1), label);
                    res_free(&got);
                }
            }
        }
    }
    geno_decode_set_simd(2);
    res_free(&first);
    res_free(&ref);
}

/* Sample subset in another order, and through the gather path. */
static void test_subset(void)
{
    const char *keep[30];
    char names[30][16];
    int n = 0;
    for (int i = 69; i >= 0 && n < 30; i -= 2) {
        snprintf(names[n], sizeof names[n], "S%03d", i + 1);
        keep[n] = names[n];
        n++;
    }
    res_t ref;
    CHECK(ref_query(wpath("rand.bcf"), NULL, keep, n, 0, &ref) == 0, "bcftools query subset");
    static const char *ext[] = {"vcf", "vcf.gz", "bcf"};
    for (int e = 0; e < 3; e++) {
        char name[64], label[160];
        snprintf(name, sizeof name, "rand.%s", ext[e]);
        duet_geno_opts_t o;
        duet_geno_opts_init(&o, wpath(name));
        o.samples = keep;
        o.n_samples = n;
        o.want_missing_mask = 1;
        duet_geno_t *g = NULL;
        duet_err_t err = duet_geno_open(&o, &g);
        CHECK(err == DUET_OK && duet_geno_n_samples(g) == n &&
                  !strcmp(duet_geno_sample(g, 0), "S070") &&
                  !strcmp(duet_geno_sample(g, 1), "S068") &&
                  duet_geno_n_file_samples(g) == 70 &&
                  !strcmp(duet_geno_file_sample(g, 0), "S001"),
              "subset kept in the caller's order");
        duet_geno_close(g);
        res_t got;
        err = read_all(&o, 5, &got);
        snprintf(label, sizeof label, "%s: 30 samples in reverse order match bcftools", name);
        CHECK(err == DUET_OK && res_match_ref(&got, &ref, 1e-12), label);
        res_free(&got);
    }
    res_free(&ref);

    /* absent and duplicate samples */
    const char *bad[14] = {"S001", "nobody1"};
    char many[12][24];
    for (int i = 0; i < 12; i++) {
        snprintf(many[i], sizeof many[i], "ghost%02d", i);
        bad[2 + i] = many[i];
    }
    duet_geno_opts_t o;
    duet_geno_opts_init(&o, wpath("rand.bcf"));
    o.samples = bad;
    o.n_samples = 14;
    duet_geno_t *g = NULL;
    CHECK(duet_geno_open(&o, &g) == DUET_EMISMATCH && g == NULL, "absent samples: DUET_EMISMATCH");
    const char *dup[] = {"S001", "S002", "S001"};
    o.samples = dup;
    o.n_samples = 3;
    CHECK(duet_geno_open(&o, &g) == DUET_EMISMATCH, "sample asked twice: DUET_EMISMATCH");
    o.n_samples = 0;
    CHECK(duet_geno_open(&o, &g) == DUET_EDEGENERATE, "no samples: DUET_EDEGENERATE");
}

static void test_region(void)
{
    static const char *ext[] = {"vcf.gz", "bcf"};
    const char *regions[] = {"1:2000-5000", "2", "X:1000-1000", "2:99999999-100000000"};
    for (int e = 0; e < 2; e++) {
        for (int k = 0; k < 4; k++) {
            char name[64], label[160];
            snprintf(name, sizeof name, "rand.%s", ext[e]);
            res_t ref, got;
            int rc = ref_query(wpath(name), regions[k], NULL, 0, 0, &ref);
            duet_geno_opts_t o;
            duet_geno_opts_init(&o, wpath(name));
            o.region = regions[k];
            o.want_missing_mask = 1;
            duet_err_t err = read_all(&o, 16, &got);
            /* record numbers count within the region */
            for (int j = 0; j < got.n; j++) got.v[j].record = 0;
            for (int j = 0; j < ref.n; j++) ref.v[j].record = 0;
            snprintf(label, sizeof label, "%s region %s matches bcftools query -r (%d variants)",
                     name, regions[k], ref.n);
            CHECK(rc == 0 && err == DUET_OK && res_match_ref(&got, &ref, 1e-12), label);
            res_free(&ref);
            res_free(&got);
        }
    }
    /* a TBI index instead of CSI */
    sh("cp '%s' '%s' && tabix -f -p vcf '%s'", wpath("rand.vcf.gz"), wpath("tbi.vcf.gz"),
       wpath("tbi.vcf.gz"));
    {
        res_t ref, got;
        int rc = ref_query(wpath("rand.vcf.gz"), "2:3000-6000", NULL, 0, 0, &ref);
        duet_geno_opts_t o;
        duet_geno_opts_init(&o, wpath("tbi.vcf.gz"));
        o.region = "2:3000-6000";
        o.want_missing_mask = 1;
        duet_err_t err = read_all(&o, 8, &got);
        for (int j = 0; j < got.n; j++) got.v[j].record = 0;
        for (int j = 0; j < ref.n; j++) ref.v[j].record = 0;
        CHECK(rc == 0 && err == DUET_OK && ref.n > 10 && res_match_ref(&got, &ref, 1e-12),
              "VCF.gz with a .tbi index: region matches bcftools query -r");
        res_free(&ref);
        res_free(&got);
        res_t whole, all = {0};
        read_file(wpath("rand.vcf.gz"), 16, &whole);
        int ok = 1;
        for (int k = 1; k <= 4 && ok; k++) {
            duet_geno_opts_init(&o, wpath("tbi.vcf.gz"));
            o.chunk_k = k;
            o.chunk_n = 4;
            o.want_missing_mask = 1;
            res_t part;
            ok = read_all(&o, 16, &part) == DUET_OK;
            /* append part to all */
            for (int j = 0; ok && j < part.n; j++) {
                if (all.n == all.m) {
                    all.m = all.m ? 2 * all.m : 64;
                    all.v = realloc(all.v, sizeof(var_t) * (size_t)all.m);
                    all.dos = realloc(all.dos, sizeof(double) * (size_t)all.m * 70);
                    all.miss = realloc(all.miss, (size_t)all.m * 70);
                }
                all.v[all.n] = part.v[j];
                memcpy(all.dos + (size_t)all.n * 70, part.dos + (size_t)j * 70, sizeof(double) * 70);
                memcpy(all.miss + (size_t)all.n * 70, part.miss + (size_t)j * 70, 70);
                all.n++;
            }
            all.n_samples = 70;
            res_free(&part);
        }
        CHECK(ok && res_equal(&all, &whole, 1), "VCF.gz with a .tbi index: 4 chunks cover the file");
        res_free(&all);
        res_free(&whole);
    }
    duet_geno_opts_t o;
    duet_geno_t *g = NULL;
    duet_geno_opts_init(&o, wpath("rand.vcf"));
    o.region = "1:1-100";
    CHECK(duet_geno_open(&o, &g) == DUET_EREAD, "region on a plain VCF: DUET_EREAD");
    sh("cp '%s' '%s'", wpath("rand.bcf"), wpath("noidx.bcf"));
    duet_geno_opts_init(&o, wpath("noidx.bcf"));
    o.region = "1:1-100";
    CHECK(duet_geno_open(&o, &g) == DUET_EREAD, "region without an index: DUET_EREAD");
    o.region = NULL;
    o.chunk_k = 1;
    o.chunk_n = 2;
    CHECK(duet_geno_open(&o, &g) == DUET_EREAD, "chunk without an index: DUET_EREAD");
    duet_geno_opts_init(&o, wpath("rand.bcf"));
    o.region = "chrNope:1-10";
    CHECK(duet_geno_open(&o, &g) == DUET_EUSAGE, "unknown contig: DUET_EUSAGE");
    o.region = "1:1-10";
    o.chunk_k = 1;
    o.chunk_n = 2;
    CHECK(duet_geno_open(&o, &g) == DUET_EUSAGE, "region with chunk: DUET_EUSAGE");
    o.region = NULL;
    o.chunk_k = 3;
    CHECK(duet_geno_open(&o, &g) == DUET_EUSAGE, "chunk 3/2: DUET_EUSAGE");
}

static void test_chunks(void)
{
    static const char *ext[] = {"vcf.gz", "bcf"};
    for (int e = 0; e < 2; e++) {
        char name[64], label[200];
        snprintf(name, sizeof name, "rand.%s", ext[e]);
        res_t whole;
        duet_err_t err = read_file(wpath(name), 16, &whole);
        int ns[] = {1, 2, 3, 7, 401, 450};
        for (int t = 0; t < 6; t++) {
            int n = ns[t];
            res_t all = {0};
            int ok = err == DUET_OK, overlap = 0;
            uint64_t prev_end = 0;
            for (int k = 1; k <= n && ok; k++) {
                duet_geno_opts_t o;
                duet_geno_opts_init(&o, wpath(name));
                o.chunk_k = k;
                o.chunk_n = n;
                o.want_missing_mask = 1;
                duet_geno_t *g = NULL;
                duet_geno_block_t *b = NULL;
                ok = duet_geno_open(&o, &g) == DUET_OK && duet_geno_block_create(g, 3, &b) == DUET_OK;
                uint64_t first = UINT64_MAX, last = 0;
                while (ok) {
                    if (duet_geno_read_block(g, b)) {
                        ok = 0;
                        break;
                    }
                    if (!b->n_variants) break;
                    for (int j = 0; j < b->n_variants; j++) {
                        if (b->variants[j].record < first) first = b->variants[j].record;
                        last = b->variants[j].record;
                        res_add(&all, b, j);
                    }
                }
                if (first != UINT64_MAX) {
                    if (first < prev_end) overlap = 1;
                    prev_end = last + 1;
                }
                duet_geno_block_destroy(b);
                duet_geno_close(g);
            }
            snprintf(label, sizeof label, "%s: the %d chunks are disjoint and their union is the file",
                     name, n);
            CHECK(ok && !overlap && res_equal(&all, &whole, 1), label);
            int records_ok = all.n == whole.n;
            for (int j = 0; records_ok && j < all.n; j++)
                records_ok = all.v[j].record == whole.v[j].record;
            snprintf(label, sizeof label, "%s: chunk record numbers are file record numbers (N=%d)",
                     name, n);
            CHECK(records_ok, label);
            res_free(&all);
        }
        res_free(&whole);
    }
}

static int emitted_blocks;

static duet_err_t scan_emit(duet_geno_block_t *b, void *ctx)
{
    res_t *r = ctx;
    if (b->index != (uint64_t)emitted_blocks++) return DUET_EINTERNAL;
    for (int j = 0; j < b->n_variants; j++) res_add(r, b, j);
    return DUET_OK;
}

typedef struct {
    int calls, bad_thread, threads;
} work_tally_t;

static duet_err_t scan_work(duet_geno_block_t *b, void *ctx, int thread)
{
    work_tally_t *t = ctx;
    (void)b;
#pragma omp atomic
    t->calls++;
    if (thread < 0 || thread >= t->threads) {
#pragma omp atomic write
        t->bad_thread = 1;
    }
    return DUET_OK;
}

static void test_scan(void)
{
    res_t whole;
    duet_err_t err = read_file(wpath("rand.bcf"), 16, &whole);
    for (int threads = 1; threads <= 3; threads++) {
        duet_geno_opts_t o;
        duet_geno_opts_init(&o, wpath("rand.bcf"));
        o.want_missing_mask = 1;
        o.threads = threads;
        duet_geno_t *g = NULL;
        res_t got = {0};
        emitted_blocks = 0;
        duet_err_t e2 = duet_geno_open(&o, &g);
        duet_geno_scan_t scan = {5, 3, threads, NULL, scan_emit, &got};
        if (!e2) e2 = duet_geno_scan(g, &scan);
        duet_geno_close(g);
        char label[96];
        snprintf(label, sizeof label, "duet_geno_scan with %d threads: same blocks in order",
                 threads);
        CHECK(!err && !e2 && res_equal(&got, &whole, 1), label);
        res_free(&got);

        /* work: once per block, with a thread index in range */
        work_tally_t tally = {0, 0, threads};
        g = NULL;
        e2 = duet_geno_open(&o, &g);
        duet_geno_scan_t scan2 = {5, 3, threads, scan_work, NULL, &tally};
        if (!e2) e2 = duet_geno_scan(g, &scan2);
        duet_geno_close(g);
        snprintf(label, sizeof label, "duet_geno_scan with %d threads: work once per block",
                 threads);
        CHECK(!e2 && tally.calls == emitted_blocks && emitted_blocks > 50 && !tally.bad_thread,
              label);
    }
    res_free(&whole);
}

/* Errors inside the pipeline: a truncated file (fetch) and a record
 * without GT/DS (decode), with 1 and 3 threads. */
static void test_scan_errors(void)
{
    const char *files[] = {"cut.bcf", "nogt.vcf"};
    for (int f = 0; f < 2; f++) {
        for (int threads = 1; threads <= 3; threads += 2) {
            duet_geno_opts_t o;
            duet_geno_opts_init(&o, wpath(files[f]));
            duet_geno_t *g = NULL;
            duet_err_t err = duet_geno_open(&o, &g);
            work_tally_t tally = {0, 0, threads};
            duet_geno_scan_t scan = {1, 4, threads, scan_work, NULL, &tally};
            if (!err) err = duet_geno_scan(g, &scan);
            duet_geno_close(g);
            char label[96];
            snprintf(label, sizeof label, "scan of %s with %d threads: DUET_EFORMAT", files[f],
                     threads);
            CHECK(err == DUET_EFORMAT, label);
        }
    }
}

/* A record with more than 62 ALT alleles: int16 GT, block growth. */
static void test_many_alleles(void)
{
    char *text = malloc(1 << 16);
    int l = sprintf(text, "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n"
                          "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n"
                          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\tD\n"
                          "1\t10\tm1\tG\t");
    for (int a = 1; a <= 70; a++) {
        l += sprintf(text + l, "%sG", a > 1 ? "," : "");
        for (int k = 0; k < a; k++) text[l++] = 'A';
    }
    l += sprintf(text + l, "\t.\t.\t.\tGT\t0/65\t65|70\t./.\t3\n"
                           "1\t20\tm2\tG\tT\t.\t.\t.\tGT\t0/1\t1/1\t0/0\t1\n");
    text[l] = 0;
    write_text("many.vcf", text);
    free(text);
    CHECK(convert("many") == 0, "many-allele VCF converts");
    res_t ref, a, b;
    ref_query(wpath("many.bcf"), NULL, NULL, 0, 0, &ref);
    duet_err_t e1 = read_file(wpath("many.bcf"), 16, &a);
    duet_err_t e2 = read_file(wpath("many.vcf"), 16, &b);
    CHECK(e1 == DUET_OK && a.n == 71, "70 ALTs + 1: the block grows for one record");
    CHECK(e1 == DUET_OK && res_match_ref(&a, &ref, 1e-12), "int16 GT matches bcftools query");
    CHECK(e2 == DUET_OK && res_equal(&a, &b, 1), "int16 GT: VCF and BCF agree");
    if (a.n == 71) {
        CHECK_NEAR(a.dos[64 * 4 + 0], 1, 0, "A 0/65 has one ALT 65");
        CHECK_NEAR(a.dos[64 * 4 + 1], 1, 0, "B 65|70 has one ALT 65");
        CHECK_NEAR(a.dos[69 * 4 + 1], 1, 0, "B 65|70 has one ALT 70");
        CHECK_NEAR(a.v[64].nac, 5, 0, "ALT 65: 5 called alleles (A 2, B 2, D 1)");
    }
    res_free(&ref);
    res_free(&a);
    res_free(&b);
}

static duet_err_t read_err(const char *name, duet_geno_field_t field)
{
    res_t r;
    duet_geno_opts_t o;
    duet_geno_opts_init(&o, wpath(name));
    o.field = field;
    duet_err_t err = read_all(&o, 4, &r);
    res_free(&r);
    return err;
}

static void test_errors(void)
{
    CHECK(read_err("does-not-exist.bcf", DUET_GENO_GT) == DUET_EREAD, "missing file: DUET_EREAD");
    write_text("notvcf.txt", "hello\tworld\n1\t2\n");
    CHECK(read_err("notvcf.txt", DUET_GENO_GT) == DUET_EFORMAT, "not a VCF: DUET_EFORMAT");

    /* Truncated: cut in the middle of the compressed data, and at a BGZF
     * block boundary (the EOF marker block removed). */
    struct stat st;
    make_random_vcf("big", 300, 600); /* several BGZF blocks */
    CHECK(convert("big") == 0, "300 x 600 VCF converts");
    res_t whole, ref;
    CHECK(read_file(wpath("big.bcf"), 32, &whole) == DUET_OK &&
              ref_query(wpath("big.bcf"), NULL, NULL, 0, 0, &ref) == 0 &&
              res_match_ref(&whole, &ref, 1e-12),
          "300 samples (SIMD groups and a tail) match bcftools query");
    res_free(&whole);
    res_free(&ref);
    stat(wpath("big.bcf"), &st);
    sh("head -c %lld '%s' > '%s'", (long long)st.st_size / 2, wpath("big.bcf"), wpath("cut.bcf"));
    CHECK(read_err("cut.bcf", DUET_GENO_GT) == DUET_EFORMAT, "BCF cut in half: DUET_EFORMAT");
    stat(wpath("rand.vcf.gz"), &st);
    sh("head -c %lld '%s' > '%s'", (long long)st.st_size * 2 / 3, wpath("rand.vcf.gz"),
       wpath("cut.vcf.gz"));
    CHECK(read_err("cut.vcf.gz", DUET_GENO_GT) == DUET_EFORMAT, "VCF.gz cut: DUET_EFORMAT");
    stat(wpath("rand.bcf"), &st);
    sh("head -c %lld '%s' > '%s'", (long long)st.st_size - 28, wpath("rand.bcf"),
       wpath("noeof.bcf"));
    CHECK(read_err("noeof.bcf", DUET_GENO_GT) == DUET_EFORMAT,
          "BCF without its EOF block: DUET_EFORMAT");
    sh("head -n 12 '%s' > '%s' && printf '1\\t99999\\trsX\\tA\\tG\\t.\\t.\\t.\\tGT\\t0|1\\t0|' >> '%s'",
       wpath("rand.vcf"), wpath("cutline.vcf"), wpath("cutline.vcf"));
    CHECK(read_err("cutline.vcf", DUET_GENO_GT) == DUET_EFORMAT, "VCF cut mid-line: DUET_EFORMAT");
    CHECK(read_err("cut.bcf", DUET_GENO_GT) == DUET_EFORMAT, "truncated again (no state)");

    /* A record with neither GT nor DS */
    write_text("nogt.vcf", "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n"
                           "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n"
                           "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"AD\">\n"
                           "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
                           "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\n"
                           "1\t20\t.\tA\tG\t.\t.\t.\tAD\t3,4\t5,0\n");
    CHECK(read_err("nogt.vcf", DUET_GENO_GT) == DUET_EFORMAT, "record without GT/DS: DUET_EFORMAT");
    CHECK(read_err("nogt.vcf", DUET_GENO_DS) == DUET_EFORMAT, "record without GT/DS (DS mode)");

    /* GT allele index beyond the record's alleles; DS out of range */
    write_text("badgt.vcf", "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n"
                            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n"
                            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
                            "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/3\n");
    CHECK(read_err("badgt.vcf", DUET_GENO_GT) == DUET_EFORMAT, "GT allele 3 of 2: DUET_EFORMAT");
    write_text("badds.vcf", "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n"
                            "##FORMAT=<ID=DS,Number=A,Type=Float,Description=\"DS\">\n"
                            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
                            "1\t10\t.\tA\tG\t.\t.\t.\tDS\t0.5\t2.5\n");
    CHECK(read_err("badds.vcf", DUET_GENO_DS) == DUET_EFORMAT, "DS 2.5: DUET_EFORMAT");
    write_text("badpos.vcf", "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n"
                             "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"GT\">\n"
                             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\n"
                             "1\tabc\t.\tA\tG\t.\t.\t.\tGT\t0/1\n");
    CHECK(read_err("badpos.vcf", DUET_GENO_GT) == DUET_EFORMAT, "POS 'abc': DUET_EFORMAT");
    duet_geno_opts_t o;
    duet_geno_opts_init(&o, "-");
    duet_geno_t *g = NULL;
    CHECK(duet_geno_open(&o, &g) == DUET_EUSAGE, "stdin refused: DUET_EUSAGE");
}

static void test_helpers(void)
{
    int k = 0, n = 0;
    CHECK(duet_geno_chunk_parse("3/10", &k, &n) == DUET_OK && k == 3 && n == 10, "chunk 3/10");
    CHECK(duet_geno_chunk_parse("0/10", &k, &n) == DUET_EUSAGE, "chunk 0/10 refused");
    CHECK(duet_geno_chunk_parse("11/10", &k, &n) == DUET_EUSAGE, "chunk 11/10 refused");
    CHECK(duet_geno_chunk_parse("1/x", &k, &n) == DUET_EUSAGE, "chunk 1/x refused");
    CHECK(duet_geno_chunk_parse("2", &k, &n) == DUET_EUSAGE, "chunk 2 refused");
    char **names = NULL;
    int ns = 0;
    write_text("plain.txt", "s1\n\ns2\n# comment\n s3\n");
    CHECK(duet_geno_samples_read(wpath("plain.txt"), &names, &ns) == DUET_OK && ns == 3 &&
              !strcmp(names[0], "s1") && !strcmp(names[1], "s2") && !strcmp(names[2], "s3"),
          "plain sample list");
    duet_geno_samples_free(names, ns);
    write_text("psam.txt", "#FID\tIID\tSEX\nf1\ts1\t1\nf2\ts2\t2\n");
    CHECK(duet_geno_samples_read(wpath("psam.txt"), &names, &ns) == DUET_OK && ns == 2 &&
              !strcmp(names[0], "s1") && !strcmp(names[1], "s2"),
          "#FID IID table: IDs from column 2");
    duet_geno_samples_free(names, ns);
    write_text("iid.txt", "#IID\tSEX\ns1\t1\ns9\t2\n");
    CHECK(duet_geno_samples_read(wpath("iid.txt"), &names, &ns) == DUET_OK && ns == 2 &&
              !strcmp(names[1], "s9"),
          "#IID table: IDs from column 1");
    duet_geno_samples_free(names, ns);
    write_text("fam.txt", "f1 s1 0 0 1 -9\nf2 s2 0 0 2 -9\n");
    CHECK(duet_geno_samples_read(wpath("fam.txt"), &names, &ns) == DUET_OK && ns == 2 &&
              !strcmp(names[0], "s1") && !strcmp(names[1], "s2"),
          "headerless table (.fam): IDs from column 2");
    duet_geno_samples_free(names, ns);
    write_text("fidbad.txt", "FID IID\nonlyone\n");
    CHECK(duet_geno_samples_read(wpath("fidbad.txt"), &names, &ns) == DUET_EFORMAT,
          "FID IID table with a short line: DUET_EFORMAT");
    write_text("empty.txt", "# nothing\n");
    CHECK(duet_geno_samples_read(wpath("empty.txt"), &names, &ns) == DUET_EDEGENERATE,
          "empty sample list: DUET_EDEGENERATE");
    CHECK(duet_geno_samples_read(wpath("nope.txt"), &names, &ns) == DUET_EREAD,
          "missing sample list: DUET_EREAD");
}

/* Contig classes, PARs and sex tables (sex.c). */
static void test_sex(void)
{
    CHECK(duet_geno_contig_class("X") == DUET_PLOIDY_X && duet_geno_contig_class("chrX") == DUET_PLOIDY_X &&
              duet_geno_contig_class("23") == DUET_PLOIDY_X,
          "X, chrX, 23 are chrX");
    CHECK(duet_geno_contig_class("chrY") == DUET_PLOIDY_Y && duet_geno_contig_class("24") == DUET_PLOIDY_Y,
          "chrY, 24 are chrY");
    CHECK(duet_geno_contig_class("MT") == DUET_PLOIDY_MT && duet_geno_contig_class("chrM") == DUET_PLOIDY_MT &&
              duet_geno_contig_class("26") == DUET_PLOIDY_MT,
          "MT, chrM, 26 are MT");
    CHECK(duet_geno_contig_class("XY") == DUET_PLOIDY_DIPLOID && duet_geno_contig_class("PAR1") == DUET_PLOIDY_DIPLOID &&
              duet_geno_contig_class("chrX_alt") == DUET_PLOIDY_DIPLOID && duet_geno_contig_class("1") == DUET_PLOIDY_DIPLOID,
          "XY, PAR1, chrX_alt, 1 are diploid");
    duet_par_t par;
    CHECK(duet_par_parse("b37", &par) == DUET_OK && par.par1_end == 2699520 && par.par2_start == 154931044,
          "--par b37 is plink2's split-par b37");
    CHECK(duet_par_parse("GRCh38", &par) == DUET_OK && par.par1_end == 2781479 && par.par2_start == 155701383,
          "--par GRCh38 is b38");
    CHECK(duet_geno_record_class("X", 2781479, &par) == DUET_PLOIDY_DIPLOID &&
              duet_geno_record_class("X", 2781480, &par) == DUET_PLOIDY_X &&
              duet_geno_record_class("X", 155701382, &par) == DUET_PLOIDY_X &&
              duet_geno_record_class("X", 155701383, &par) == DUET_PLOIDY_DIPLOID,
          "PAR bounds are inclusive, as plink2's");
    CHECK(duet_par_parse("100,200", &par) == DUET_OK && par.par1_end == 100 && par.par2_start == 200,
          "--par BP1,BP2");
    CHECK(duet_par_parse("none", &par) == DUET_OK && duet_geno_record_class("chrX", 1, &par) == DUET_PLOIDY_X,
          "--par none: all of chrX hemizygous");
    CHECK(duet_par_parse("200,100", &par) == DUET_EUSAGE && duet_par_parse("b36", &par) == DUET_EUSAGE &&
              duet_par_parse("5,", &par) == DUET_EUSAGE,
          "bad --par values are usage errors");
    const char *ids[] = { "a", "b", "c", "d" };
    double zero_one[] = { 1, 0, 0, 1 }, plink[] = { 1, 2, 0, 7 };
    duet_sex_table_t *t = NULL;
    CHECK(duet_sex_table_from_covar(ids, 4, zero_one, "dir/c.tsv", &t) == DUET_OK &&
              duet_sex_table_get(t, "a") == DUET_SEX_MALE && duet_sex_table_get(t, "b") == DUET_SEX_FEMALE &&
              duet_sex_table_get(t, "zz") == DUET_SEX_UNKNOWN,
          "a 0/1 covariate is 1 male, 0 female");
    CHECK_STR(duet_sex_table_source(t), "covariate 'sex' of c.tsv", "the source without its folder");
    duet_sex_table_destroy(t);
    t = NULL;
    CHECK(duet_sex_table_from_covar(ids, 4, plink, "c.tsv", &t) == DUET_OK &&
              duet_sex_table_get(t, "a") == DUET_SEX_MALE && duet_sex_table_get(t, "b") == DUET_SEX_FEMALE &&
              duet_sex_table_get(t, "c") == DUET_SEX_UNKNOWN && duet_sex_table_get(t, "d") == DUET_SEX_UNKNOWN,
          "a 1/2 covariate is plink's coding, 0 and others unknown");
    int m, f, u;
    duet_sex_table_count(t, ids, 4, &m, &f, &u);
    CHECK(m == 1 && f == 1 && u == 2, "counts");
    duet_sex_table_destroy(t);
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    const char *w = getenv("WORK");
    if (w && *w) {
        scopy(work, sizeof work, w);
    } else {
        snprintf(work, sizeof work, "/tmp/duet-test-geno.XXXXXX");
        if (!mkdtemp(work)) return 1;
    }
    test_hand();
    test_hand_vs_bcftools();
    test_random();
    test_subset();
    test_region();
    test_chunks();
    test_scan();
    test_many_alleles();
    test_errors();
    test_scan_errors();
    test_helpers();
    test_sex();
    return unit_done();
}
