/*
 * cmd_merge.c -- `duet merge`: gather the chunk outputs of one stage (for
 * example `duet gwas --chunk K/N` for one trait) into one file.  Headers
 * must be identical; rows must come out sorted by chromosome and position
 * (chunks are taken in chunk order when their YAML sidecars say it, in the
 * order given otherwise; overlapping or out-of-order chunks are refused);
 * the result is re-compressed (bgzip), re-indexed (tabix) and gets a merged
 * YAML sidecar whose per-chunk fields (file name, checksum, variant count,
 * lambda GC) are recomputed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <htslib/hts.h>
#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/dist.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/out.h"
#include "duet/version.h"

KHASH_SET_INIT_STR(chrom_set)

static void usage(FILE *fp)
{
    fprintf(fp,
"\n"
"About:   Gather the chunk outputs of one trait (duet gwas --chunk K/N, or\n"
"         --region runs) into one bgzip-compressed, tabix-indexed file with a\n"
"         merged YAML sidecar.  Headers must match; chunks must not overlap.\n"
"Usage:   duet merge [options] FILE... -o FILE\n"
"\n"
"Inputs are TSV files (bgzip, gzip or plain) with one header line; the\n"
"sidecar of IN.tsv.gz is IN.yaml.  The output FILE should end in .tsv.gz\n"
"('-' writes plain TSV to standard output, without index or sidecar).\n"
"\n");
    duet_opts_usage_common(fp, DUET_USE_OUT | DUET_USE_THREADS | DUET_USE_QUIET |
                               DUET_USE_NO_VERSION | DUET_USE_FORCE, "FILE");
    fprintf(fp, "\n");
}

/* the YAML sidecar path of a data file: X.tsv.gz -> X.yaml, X.gz -> X.yaml,
 * X -> X.yaml */
static char *sidecar_path(const char *path)
{
    size_t n = strlen(path);
    size_t cut = n;
    if (n > 7 && !strcmp(path + n - 7, ".tsv.gz")) cut = n - 7;
    else if (n > 4 && !strcmp(path + n - 4, ".tsv")) cut = n - 4;
    else if (n > 3 && !strcmp(path + n - 3, ".gz")) cut = n - 3;
    char *s = duet_malloc(cut + 6);
    if (!s) return NULL;
    memcpy(s, path, cut);
    memcpy(s + cut, ".yaml", 6);
    return s;
}

/* Keys of a sidecar that differ between chunks (recomputed or dropped). */
static int per_chunk_key(const char *line)
{
    static const char *keys[] = { "data_file_name:", "data_file_md5sum:", "  chunk:",
                                  "  region:", "  variants_tested:", "  lambda_gc",
                                  "  command:", NULL };
    for (int i = 0; keys[i]; i++)
        if (!strncmp(line, keys[i], strlen(keys[i]))) return 1;
    return 0;
}

typedef struct {
    const char *path;
    char *yaml_path;
    char *yaml;        /* contents, or NULL */
    int chunk_k, chunk_n;
} input_t;

static duet_err_t read_text(const char *path, char **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp) return DUET_EREAD;
    kstring_t ks = { 0, 0, NULL };
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) kputsn(buf, n, &ks);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(ks.s);
        duet_log_error("cannot read '%s'", path);
        return DUET_EREAD;
    }
    if (!ks.s) kputs("", &ks);
    *out = ks.s;
    return DUET_OK;
}

/* Compare two sidecars on their shared (not per-chunk) lines. */
static int yaml_shared_differs(const char *a, const char *b, const char **where)
{
    const char *pa = a, *pb = b;
    for (;;) {
        while (*pa && per_chunk_key(pa)) pa = strchr(pa, '\n') ? strchr(pa, '\n') + 1 : pa + strlen(pa);
        while (*pb && per_chunk_key(pb)) pb = strchr(pb, '\n') ? strchr(pb, '\n') + 1 : pb + strlen(pb);
        if (!*pa || !*pb) return *pa || *pb ? (*where = *pa ? pa : pb, 1) : 0;
        size_t la = strcspn(pa, "\n"), lb = strcspn(pb, "\n");
        if (la != lb || memcmp(pa, pb, la)) {
            *where = pa;
            return 1;
        }
        pa += la + (pa[la] == '\n');
        pb += lb + (pb[lb] == '\n');
    }
}

static void yaml_quoted(kstring_t *ks, const char *s)
{
    kputc('"', ks);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') kputc('\\', ks);
        kputc(*s, ks);
    }
    kputc('"', ks);
}

static int field_index(const char *header, const char *name)
{
    int i = 0;
    for (const char *p = header;; i++) {
        size_t len = strcspn(p, "\t\n");
        if (len == strlen(name) && !strncmp(p, name, len)) return i;
        if (p[len] != '\t') return -1;
        p += len + 1;
    }
}

/* the field f of a tab-separated line (pointer and length) */
static const char *field_at(const char *line, int f, size_t *len)
{
    const char *p = line;
    for (int i = 0; i < f; i++) {
        p = strchr(p, '\t');
        if (!p) return NULL;
        p++;
    }
    *len = strcspn(p, "\t\n");
    return p;
}

static int cmp_chunk(const void *a, const void *b)
{
    const input_t *x = a, *y = b;
    return (x->chunk_k > y->chunk_k) - (x->chunk_k < y->chunk_k);
}

duet_err_t main_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        DUET_COMMON_LONGOPTS,
        {NULL, 0, NULL, 0}
    };
    duet_common_t c;
    duet_opts_init(&c);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, DUET_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int r = duet_opts_common(&c, opt, optarg);
        if (r == DUET_OK) continue;
        if (r == DUET_EUSAGE) return DUET_EUSAGE;
        return duet_opts_bad("merge");
    }
    if (c.help) {
        usage(stdout);
        return DUET_OK;
    }
    int n_in = argc - optind;
    if (n_in < 1 || !c.out) {
        duet_log_error("give the chunk files and -o FILE");
        return duet_opts_bad("merge");
    }
    duet_opts_apply(&c);
    int to_stdout = !strcmp(c.out, "-");

    duet_err_t err = DUET_OK;
    input_t *in = duet_calloc((size_t)n_in, sizeof *in);
    kstring_t line = { 0, 0, NULL }, header = { 0, 0, NULL }, last = { 0, 0, NULL };
    kstring_t cur_chrom = { 0, 0, NULL }, yaml = { 0, 0, NULL };
    khash_t(chrom_set) *seen = kh_init(chrom_set);
    BGZF *fp = NULL;
    duet_out_t *out = NULL, *yout = NULL;
    char *out_yaml = NULL;
    float *chi2 = NULL, *freq = NULL;
    size_t n_chi2 = 0, m_chi2 = 0;
    int cleanup_tsv = -1, cleanup_tbi = -1;
    if (!in || !seen) { err = DUET_ENOMEM; goto cleanup; }

    /* never overwrite an input */
    struct stat so;
    int out_exists = !to_stdout && stat(c.out, &so) == 0;
    for (int i = 0; i < n_in; i++) {
        in[i].path = argv[optind + i];
        struct stat si;
        if (stat(in[i].path, &si) != 0) {
            duet_log_error("cannot open '%s': %s", in[i].path, strerror(errno));
            err = DUET_EREAD;
            goto cleanup;
        }
        if (out_exists && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            duet_log_error("the output '%s' is also an input", c.out);
            err = DUET_EUSAGE;
            goto cleanup;
        }
        in[i].yaml_path = sidecar_path(in[i].path);
        if (!in[i].yaml_path) { err = DUET_ENOMEM; goto cleanup; }
        if (access(in[i].yaml_path, F_OK) == 0) {
            err = read_text(in[i].yaml_path, &in[i].yaml);
            if (err) goto cleanup;
            const char *ch = strstr(in[i].yaml, "\n  chunk: ");
            if (ch && sscanf(ch + 10, "%d/%d", &in[i].chunk_k, &in[i].chunk_n) != 2)
                in[i].chunk_k = in[i].chunk_n = 0;
        }
    }
    int n_yaml = 0, n_chunked = 0;
    for (int i = 0; i < n_in; i++) {
        n_yaml += in[i].yaml != NULL;
        n_chunked += in[i].chunk_n > 0;
    }
    if (n_yaml && n_yaml < n_in) {
        for (int i = 0; i < n_in; i++)
            if (!in[i].yaml) {
                duet_log_error("'%s' has no sidecar '%s' while other inputs have one",
                               in[i].path, in[i].yaml_path);
                break;
            }
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    if (n_chunked && n_chunked < n_in) {
        duet_log_error("some inputs are chunks (--chunk) and some are not");
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    if (n_chunked) {
        qsort(in, (size_t)n_in, sizeof *in, cmp_chunk);
        for (int i = 0; i < n_in; i++) {
            if (in[i].chunk_n != in[0].chunk_n) {
                duet_log_error("'%s' is chunk %d/%d but '%s' is chunk %d/%d", in[i].path,
                               in[i].chunk_k, in[i].chunk_n, in[0].path, in[0].chunk_k,
                               in[0].chunk_n);
                err = DUET_EMISMATCH;
                goto cleanup;
            }
            if (i && in[i].chunk_k == in[i - 1].chunk_k) {
                duet_log_error("'%s' and '%s' are both chunk %d/%d", in[i - 1].path, in[i].path,
                               in[i].chunk_k, in[i].chunk_n);
                err = DUET_EMISMATCH;
                goto cleanup;
            }
        }
        if (n_in != in[0].chunk_n) {
            int k = 1;
            for (int i = 0; i < n_in && in[i].chunk_k == k; i++) k++;
            duet_log_error("chunk %d/%d is missing (%d of %d chunks given)", k, in[0].chunk_n,
                           n_in, in[0].chunk_n);
            err = DUET_EMISMATCH;
            goto cleanup;
        }
    }
    for (int i = 1; i < n_in && n_yaml; i++) {
        const char *where = NULL;
        if (yaml_shared_differs(in[0].yaml, in[i].yaml, &where)) {
            duet_log_error("the sidecars of '%s' and '%s' disagree (at \"%.*s\"): not chunks of "
                           "one run", in[0].path, in[i].path,
                           (int)strcspn(where ? where : "", "\n"), where ? where : "");
            err = DUET_EMISMATCH;
            goto cleanup;
        }
    }

    err = duet_out_create(c.out, to_stdout ? DUET_OUT_PLAIN : duet_out_kind_for_path(c.out),
                          c.force, c.threads, &out);
    if (err) goto cleanup;
    int col_chrom = -1, col_pos = -1, col_p = -1, col_f = -1;
    uint64_t n_rows = 0;
    int64_t last_pos = -1;
    for (int i = 0; i < n_in; i++) {
        fp = bgzf_open(in[i].path, "r");
        if (!fp) {
            duet_log_error("cannot open '%s': %s", in[i].path, strerror(errno));
            err = DUET_EREAD;
            goto cleanup;
        }
        int ret = bgzf_getline(fp, '\n', &line);
        if (ret < 0) {
            duet_log_error("'%s' is empty or unreadable (no header line)", in[i].path);
            err = ret < -1 ? DUET_EREAD : DUET_EFORMAT;
            goto cleanup;
        }
        if (i == 0) {
            kputsn(line.s, line.l, &header);
            col_chrom = field_index(header.s, "chromosome");
            col_pos = field_index(header.s, "base_pair_location");
            col_p = field_index(header.s, "p_value");
            col_f = field_index(header.s, "effect_allele_frequency");
            if (col_chrom < 0 || col_pos < 0) {
                duet_log_error("'%s' has no chromosome and base_pair_location columns",
                               in[i].path);
                err = DUET_EFORMAT;
                goto cleanup;
            }
            kputc('\n', &header);
            err = duet_out_write(out, header.s, header.l);
            if (err) goto cleanup;
        } else if (line.l + 1 != header.l || memcmp(line.s, header.s, line.l)) {
            duet_log_error("the header of '%s' differs from that of '%s'", in[i].path, in[0].path);
            err = DUET_EMISMATCH;
            goto cleanup;
        }
        int lineno = 1, first = 1;
        while ((ret = bgzf_getline(fp, '\n', &line)) >= 0) {
            lineno++;
            if (line.l == 0) continue;
            size_t lc, lp;
            const char *fc = field_at(line.s, col_chrom, &lc);
            const char *fpos = field_at(line.s, col_pos, &lp);
            char *end;
            long long pos = fpos ? strtoll(fpos, &end, 10) : -1;
            if (!fc || !fpos || end != fpos + lp || pos < 0) {
                duet_log_error("%s:%d: no valid chromosome/position", in[i].path, lineno);
                err = DUET_EFORMAT;
                goto cleanup;
            }
            if (first && i > 0 && last.l == line.l && !memcmp(last.s, line.s, line.l)) {
                duet_log_error("'%s' starts with the row that ends the previous chunk: the "
                               "chunks overlap", in[i].path);
                err = DUET_EMISMATCH;
                goto cleanup;
            }
            if (cur_chrom.l == lc && !strncmp(cur_chrom.s, fc, lc)) {
                if (pos < last_pos) {
                    duet_log_error("%s:%d: position %.*s:%lld comes after %s:%lld: %s", in[i].path,
                                   lineno, (int)lc, fc, pos, cur_chrom.s, (long long)last_pos,
                                   first ? "the chunks overlap or are out of order"
                                         : "the file is not sorted");
                    err = DUET_EMISMATCH;
                    goto cleanup;
                }
            } else {
                char *name = strndup(fc, lc);
                if (!name) { err = DUET_ENOMEM; goto cleanup; }
                if (kh_get(chrom_set, seen, name) != kh_end(seen)) {
                    duet_log_error("%s:%d: chromosome %s appears again after other chromosomes: "
                                   "the chunks overlap or are out of order", in[i].path, lineno,
                                   name);
                    free(name);
                    err = DUET_EMISMATCH;
                    goto cleanup;
                }
                int absent;
                kh_put(chrom_set, seen, name, &absent);
                if (absent < 0) { free(name); err = DUET_ENOMEM; goto cleanup; }
                cur_chrom.l = 0;
                kputsn(fc, lc, &cur_chrom);
            }
            last_pos = pos;
            first = 0;
            last.l = 0;
            kputsn(line.s, line.l, &last);
            if (col_p >= 0) {
                size_t l;
                const char *fpv = field_at(line.s, col_p, &l);
                if (fpv && l < 64) {
                    char buf[64];
                    memcpy(buf, fpv, l);
                    buf[l] = 0;
                    double lpv = duet_dist_parse_logp(buf);
                    if (!isnan(lpv)) {
                        if (n_chi2 == m_chi2) {
                            size_t m = m_chi2 ? 2 * m_chi2 : 4096;
                            float *cc = realloc(chi2, m * sizeof *cc);
                            if (!cc) { err = duet_log_oom(m * sizeof *cc); goto cleanup; }
                            chi2 = cc;
                            float *ff = realloc(freq, m * sizeof *ff);
                            if (!ff) { err = duet_log_oom(m * sizeof *ff); goto cleanup; }
                            freq = ff;
                            m_chi2 = m;
                        }
                        /* the frequency for lambda GC by MAF, as written */
                        size_t lf;
                        const char *ffv = col_f >= 0 ? field_at(line.s, col_f, &lf) : NULL;
                        float fv = NAN;
                        if (ffv && lf < 64) {
                            char fb[64], *end;
                            memcpy(fb, ffv, lf);
                            fb[lf] = 0;
                            fv = strtof(fb, &end);
                            if (end == fb || *end) fv = NAN;
                        }
                        freq[n_chi2] = fv;
                        chi2[n_chi2++] = (float)duet_dist_chisq1_from_logp(lpv);
                    }
                }
            }
            kputc('\n', &line);
            err = duet_out_write(out, line.s, line.l);
            if (err) goto cleanup;
            n_rows++;
        }
        if (ret < -1) {
            duet_log_error("cannot read '%s' (truncated or corrupt?)", in[i].path);
            err = DUET_EREAD;
            goto cleanup;
        }
        bgzf_close(fp);
        fp = NULL;
    }
    duet_tabix_t tbx = { col_chrom + 1, col_pos + 1, col_pos + 1, 1, '#' };
    int indexed = !to_stdout && duet_out_kind_for_path(c.out) == DUET_OUT_BGZF;
    err = duet_out_close(out, indexed ? &tbx : NULL);
    if (err) goto cleanup;
    err = duet_out_publish(out);
    if (err) goto cleanup;
    if (!to_stdout) {
        cleanup_tsv = duet_cleanup_register(c.out, 0);
        if (indexed) {
            kstring_t ti = { 0, 0, NULL };
            ksprintf(&ti, "%s.tbi", c.out);
            if (ti.s) cleanup_tbi = duet_cleanup_register(ti.s, 0);
            free(ti.s);
        }
    }
    if (n_yaml && !to_stdout) {
        char md5[33];
        FILE *mf = fopen(c.out, "rb");
        hts_md5_context *ctx = hts_md5_init();
        if (!mf || !ctx) {
            if (mf) fclose(mf);
            if (ctx) hts_md5_destroy(ctx);
            duet_log_error("cannot reopen '%s' to checksum it", c.out);
            err = DUET_EWRITE;
            goto cleanup;
        }
        unsigned char buf[1 << 16], digest[16];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, mf)) > 0) hts_md5_update(ctx, buf, (unsigned long)n);
        fclose(mf);
        hts_md5_final(digest, ctx);
        hts_md5_destroy(ctx);
        hts_md5_hex(md5, digest);
        duet_lambda_maf_t lambda;
        float *scratch = duet_malloc((n_chi2 ? n_chi2 : 1) * sizeof *scratch);
        if (!scratch) { err = DUET_ENOMEM; goto cleanup; }
        duet_dist_lambda_by_maf(chi2, freq, n_chi2, scratch, &lambda);
        free(scratch);
        char lbuf[1024];
        duet_dist_lambda_yaml(&lambda, lbuf, sizeof lbuf);
        const char *base = strrchr(c.out, '/');
        base = base ? base + 1 : c.out;
        for (const char *p = in[0].yaml; *p;) {
            size_t len = strcspn(p, "\n");
            if (!strncmp(p, "data_file_name:", 15)) {
                kputs("data_file_name: ", &yaml);
                yaml_quoted(&yaml, base);
                kputc('\n', &yaml);
            } else if (!strncmp(p, "data_file_md5sum:", 17)) {
                ksprintf(&yaml, "data_file_md5sum: %s\n", md5);
            } else if (!strncmp(p, "  variants_tested:", 18)) {
                ksprintf(&yaml, "  variants_tested: %llu\n", (unsigned long long)n_rows);
            } else if (!strncmp(p, "  lambda_gc:", 12)) {
                kputs(lbuf, &yaml); /* the whole lambda block, recomputed */
            } else if (!strncmp(p, "  lambda_gc_", 12)) {
                /* written with lambda_gc */
            } else if (!strncmp(p, "  chunk:", 8) || !strncmp(p, "  region:", 9)) {
                /* the merged file is neither */
            } else if (c.no_version &&
                       (!strncmp(p, "  command:", 10) || !strncmp(p, "analysis_software:", 18))) {
                /* provenance omitted */
            } else {
                kputsn(p, len, &yaml);
                kputc('\n', &yaml);
            }
            p += len + (p[len] == '\n');
        }
        if (!c.no_version) {
            kputs("merge_command: ", &yaml);
            yaml_quoted(&yaml, duet_opts_cmdline());
            kputc('\n', &yaml);
        }
        out_yaml = sidecar_path(c.out);
        if (!out_yaml || !yaml.s) { err = DUET_ENOMEM; goto cleanup; }
        err = duet_out_create(out_yaml, DUET_OUT_PLAIN, c.force, 1, &yout);
        if (err) goto cleanup;
        err = duet_out_write(yout, yaml.s, yaml.l);
        if (err) goto cleanup;
        err = duet_out_commit(yout, NULL);
        if (err) goto cleanup;
    }
    duet_cleanup_release(cleanup_tsv);
    duet_cleanup_release(cleanup_tbi);
    cleanup_tsv = cleanup_tbi = -1;
    duet_log_info("merged %d file%s: %llu rows into '%s'", n_in, n_in > 1 ? "s" : "",
                  (unsigned long long)n_rows, c.out);
    err = DUET_OK;

cleanup:
    duet_cleanup_remove(cleanup_tsv);
    duet_cleanup_remove(cleanup_tbi);
    if (fp) bgzf_close(fp);
    duet_out_destroy(out);
    duet_out_destroy(yout);
    free(out_yaml);
    if (in)
        for (int i = 0; i < n_in; i++) {
            free(in[i].yaml_path);
            free(in[i].yaml);
        }
    free(in);
    if (seen) {
        for (khint_t k = kh_begin(seen); k != kh_end(seen); k++)
            if (kh_exist(seen, k)) free((char *)kh_key(seen, k));
        kh_destroy(chrom_set, seen);
    }
    free(line.s);
    free(header.s);
    free(last.s);
    free(cur_chrom.s);
    free(yaml.s);
    free(chi2);
    free(freq);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
