/*
 * merge.c -- `duet merge`'s gathering of chunk outputs (merge.h): checks
 * that the chunks belong to one run and fit together, copies their rows in
 * order into one file, and writes the merged YAML sidecar with its
 * per-chunk fields recomputed.
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
#include "duet/merge.h"
#include "duet/out.h"
#include "duet/version.h"
#include "lambda_internal.h"

KHASH_SET_INIT_STR(chrom_set)


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

/* ------------------------------------------------------------------ */
/* The merge, step by step */

/* Everything a merge holds, released by merge_free(). */
typedef struct {
    const duet_merge_opts_t *o;
    int to_stdout;
    input_t *in;
    int n_in, n_yaml;
    kstring_t line, header, last, cur_chrom, yaml;
    khash_t(chrom_set) *seen;   /* chromosomes met so far */
    BGZF *fp;
    duet_out_t *out, *yout;
    char *out_yaml;
    int col_chrom, col_pos, col_p, col_f;
    uint64_t n_rows;
    int64_t last_pos;
    lambda_rows_t lrows;        /* per row with a p-value, for lambda GC */
    int cleanup_tsv, cleanup_tbi;
} merge_t;

/* The inputs (never the output) and their sidecars, with the chunk each
 * says it is. */
static duet_err_t merge_open_inputs(merge_t *m)
{
    const duet_merge_opts_t *o = m->o;
    struct stat so;
    int out_exists = !m->to_stdout && stat(o->c.out, &so) == 0;
    for (int i = 0; i < m->n_in; i++) {
        input_t *in = &m->in[i];
        in->path = o->inputs[i];
        struct stat si;
        if (stat(in->path, &si) != 0) {
            duet_log_error("cannot open '%s': %s", in->path, strerror(errno));
            return DUET_EREAD;
        }
        if (out_exists && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            duet_log_error("the output '%s' is also an input", o->c.out);
            return DUET_EUSAGE;
        }
        in->yaml_path = sidecar_path(in->path);
        if (!in->yaml_path) return DUET_ENOMEM;
        if (access(in->yaml_path, F_OK) == 0) {
            duet_err_t err = read_text(in->yaml_path, &in->yaml);
            if (err) return err;
            const char *ch = strstr(in->yaml, "\n  chunk: ");
            if (ch && sscanf(ch + 10, "%d/%d", &in->chunk_k, &in->chunk_n) != 2)
                in->chunk_k = in->chunk_n = 0;
        }
    }
    return DUET_OK;
}

/* Chunks of one --chunk run: sorted, one of each K of the same N, none
 * missing. */
static duet_err_t merge_order_chunks(merge_t *m)
{
    input_t *in = m->in;
    int n_in = m->n_in;
    qsort(in, (size_t)n_in, sizeof *in, cmp_chunk);
    for (int i = 0; i < n_in; i++) {
        if (in[i].chunk_n != in[0].chunk_n) {
            duet_log_error("'%s' is chunk %d/%d but '%s' is chunk %d/%d", in[i].path,
                           in[i].chunk_k, in[i].chunk_n, in[0].path, in[0].chunk_k,
                           in[0].chunk_n);
            return DUET_EMISMATCH;
        }
        if (i && in[i].chunk_k == in[i - 1].chunk_k) {
            duet_log_error("'%s' and '%s' are both chunk %d/%d", in[i - 1].path, in[i].path,
                           in[i].chunk_k, in[i].chunk_n);
            return DUET_EMISMATCH;
        }
    }
    if (n_in != in[0].chunk_n) {
        int k = 1;
        for (int i = 0; i < n_in && in[i].chunk_k == k; i++) k++;
        duet_log_error("chunk %d/%d is missing (%d of %d chunks given)", k, in[0].chunk_n,
                       n_in, in[0].chunk_n);
        return DUET_EMISMATCH;
    }
    return DUET_OK;
}

/* The inputs are chunks of one run: every one has a sidecar or none, all
 * are chunks or none, and the sidecars agree on their shared lines. */
static duet_err_t merge_check_inputs(merge_t *m)
{
    input_t *in = m->in;
    int n_in = m->n_in, n_chunked = 0;
    for (int i = 0; i < n_in; i++) {
        m->n_yaml += in[i].yaml != NULL;
        n_chunked += in[i].chunk_n > 0;
    }
    if (m->n_yaml && m->n_yaml < n_in) {
        for (int i = 0; i < n_in; i++)
            if (!in[i].yaml) {
                duet_log_error("'%s' has no sidecar '%s' while other inputs have one",
                               in[i].path, in[i].yaml_path);
                break;
            }
        return DUET_EMISMATCH;
    }
    if (n_chunked && n_chunked < n_in) {
        duet_log_error("some inputs are chunks (--chunk) and some are not");
        return DUET_EMISMATCH;
    }
    duet_err_t err;
    if (n_chunked && (err = merge_order_chunks(m))) return err;
    for (int i = 1; i < n_in && m->n_yaml; i++) {
        const char *where = NULL;
        if (yaml_shared_differs(in[0].yaml, in[i].yaml, &where)) {
            duet_log_error("the sidecars of '%s' and '%s' disagree (at \"%.*s\"): not chunks of "
                           "one run", in[0].path, in[i].path,
                           (int)strcspn(where ? where : "", "\n"), where ? where : "");
            return DUET_EMISMATCH;
        }
    }
    return DUET_OK;
}

/* The header of input i: the first one's is written and its columns
 * found; the others' must be the same. */
static duet_err_t merge_header(merge_t *m, int i)
{
    const input_t *in = m->in;
    kstring_t *line = &m->line, *header = &m->header;
    int ret = bgzf_getline(m->fp, '\n', line);
    if (ret < 0) {
        duet_log_error("'%s' is empty or unreadable (no header line)", in[i].path);
        return ret < -1 ? DUET_EREAD : DUET_EFORMAT;
    }
    if (i > 0) {
        if (line->l + 1 != header->l || memcmp(line->s, header->s, line->l)) {
            duet_log_error("the header of '%s' differs from that of '%s'", in[i].path, in[0].path);
            return DUET_EMISMATCH;
        }
        return DUET_OK;
    }
    kputsn(line->s, line->l, header);
    m->col_chrom = field_index(header->s, "chromosome");
    m->col_pos = field_index(header->s, "base_pair_location");
    m->col_p = field_index(header->s, "p_value");
    m->col_f = field_index(header->s, "effect_allele_frequency");
    if (m->col_chrom < 0 || m->col_pos < 0) {
        duet_log_error("'%s' has no chromosome and base_pair_location columns", in[i].path);
        return DUET_EFORMAT;
    }
    kputc('\n', header);
    return duet_out_write(m->out, header->s, header->l);
}

/* A row's place: a valid position, after the previous row of its
 * chromosome, on a chromosome not left before; first: the first row of
 * input i. */
static duet_err_t merge_check_row(merge_t *m, int i, int lineno, int first)
{
    const char *path = m->in[i].path;
    kstring_t *line = &m->line;
    size_t lc, lp;
    const char *fc = field_at(line->s, m->col_chrom, &lc);
    const char *fpos = field_at(line->s, m->col_pos, &lp);
    char *end;
    long long pos = fpos ? strtoll(fpos, &end, 10) : -1;
    if (!fc || !fpos || end != fpos + lp || pos < 0) {
        duet_log_error("%s:%d: no valid chromosome/position", path, lineno);
        return DUET_EFORMAT;
    }
    if (first && i > 0 && m->last.l == line->l && !memcmp(m->last.s, line->s, line->l)) {
        duet_log_error("'%s' starts with the row that ends the previous chunk: the "
                       "chunks overlap", path);
        return DUET_EMISMATCH;
    }
    if (m->cur_chrom.l == lc && !strncmp(m->cur_chrom.s, fc, lc)) {
        if (pos < m->last_pos) {
            duet_log_error("%s:%d: position %.*s:%lld comes after %s:%lld: %s", path,
                           lineno, (int)lc, fc, pos, m->cur_chrom.s, (long long)m->last_pos,
                           first ? "the chunks overlap or are out of order"
                                 : "the file is not sorted");
            return DUET_EMISMATCH;
        }
    } else {
        char *name = strndup(fc, lc);
        if (!name) return DUET_ENOMEM;
        if (kh_get(chrom_set, m->seen, name) != kh_end(m->seen)) {
            duet_log_error("%s:%d: chromosome %s appears again after other chromosomes: "
                           "the chunks overlap or are out of order", path, lineno, name);
            free(name);
            return DUET_EMISMATCH;
        }
        int absent;
        kh_put(chrom_set, m->seen, name, &absent);
        if (absent < 0) { free(name); return DUET_ENOMEM; }
        m->cur_chrom.l = 0;
        kputsn(fc, lc, &m->cur_chrom);
    }
    m->last_pos = pos;
    m->last.l = 0;
    kputsn(line->s, line->l, &m->last);
    return DUET_OK;
}

/* The row's chi-square (from p_value) and frequency as written, for
 * lambda GC by MAF. */
static duet_err_t merge_collect_chi2(merge_t *m)
{
    const char *line = m->line.s;
    size_t l;
    const char *fpv = field_at(line, m->col_p, &l);
    if (!fpv || l >= 64) return DUET_OK;
    char buf[64];
    memcpy(buf, fpv, l);
    buf[l] = 0;
    double lpv = duet_dist_parse_logp(buf);
    if (isnan(lpv)) return DUET_OK;
    size_t lf;
    const char *ffv = m->col_f >= 0 ? field_at(line, m->col_f, &lf) : NULL;
    float fv = NAN;
    if (ffv && lf < 64) {
        char fb[64], *end;
        memcpy(fb, ffv, lf);
        fb[lf] = 0;
        fv = strtof(fb, &end);
        if (end == fb || *end) fv = NAN;
    }
    return lambda_rows_push(&m->lrows, (float)duet_dist_chisq1_from_logp(lpv), fv);
}

/* Copy the rows of input i, checking their order. */
static duet_err_t merge_input(merge_t *m, int i)
{
    const char *path = m->in[i].path;
    m->fp = bgzf_open(path, "r");
    if (!m->fp) {
        duet_log_error("cannot open '%s': %s", path, strerror(errno));
        return DUET_EREAD;
    }
    duet_err_t err = merge_header(m, i);
    if (err) return err;
    int lineno = 1, first = 1, ret;
    while ((ret = bgzf_getline(m->fp, '\n', &m->line)) >= 0) {
        lineno++;
        if (m->line.l == 0) continue;
        if ((err = merge_check_row(m, i, lineno, first))) return err;
        first = 0;
        if (m->col_p >= 0 && (err = merge_collect_chi2(m))) return err;
        kputc('\n', &m->line);
        if ((err = duet_out_write(m->out, m->line.s, m->line.l))) return err;
        m->n_rows++;
    }
    if (ret < -1) {
        duet_log_error("cannot read '%s' (truncated or corrupt?)", path);
        return DUET_EREAD;
    }
    bgzf_close(m->fp);
    m->fp = NULL;
    return DUET_OK;
}

/* Close, index and publish the merged file (registered for removal until
 * the sidecar is written). */
static duet_err_t merge_publish(merge_t *m)
{
    const char *out = m->o->c.out;
    duet_tabix_t tbx = { m->col_chrom + 1, m->col_pos + 1, m->col_pos + 1, 1, '#' };
    int indexed = !m->to_stdout && duet_out_kind_for_path(out) == DUET_OUT_BGZF;
    duet_err_t err = duet_out_close(m->out, indexed ? &tbx : NULL);
    if (err) return err;
    if ((err = duet_out_publish(m->out))) return err;
    if (m->to_stdout) return DUET_OK;
    m->cleanup_tsv = duet_cleanup_register(out, 0);
    if (indexed) {
        kstring_t ti = { 0, 0, NULL };
        ksprintf(&ti, "%s.tbi", out);
        if (ti.s) m->cleanup_tbi = duet_cleanup_register(ti.s, 0);
        free(ti.s);
    }
    return DUET_OK;
}

/* md5 of the merged file, as 32 hex digits */
static duet_err_t merge_md5(const char *path, char md5[33])
{
    FILE *mf = fopen(path, "rb");
    hts_md5_context *ctx = hts_md5_init();
    if (!mf || !ctx) {
        if (mf) fclose(mf);
        if (ctx) hts_md5_destroy(ctx);
        duet_log_error("cannot reopen '%s' to checksum it", path);
        return DUET_EWRITE;
    }
    unsigned char buf[1 << 16], digest[16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, mf)) > 0) hts_md5_update(ctx, buf, (unsigned long)n);
    fclose(mf);
    hts_md5_final(digest, ctx);
    hts_md5_destroy(ctx);
    hts_md5_hex(md5, digest);
    return DUET_OK;
}

/* The merged sidecar's text: the first chunk's, with the per-chunk fields
 * recomputed (lbuf: the lambda block) or dropped. */
static void merge_yaml_text(merge_t *m, const char *md5, const char *lbuf)
{
    const duet_merge_opts_t *o = m->o;
    kstring_t *yaml = &m->yaml;
    const char *base = strrchr(o->c.out, '/');
    base = base ? base + 1 : o->c.out;
    for (const char *p = m->in[0].yaml; *p;) {
        size_t len = strcspn(p, "\n");
        if (!strncmp(p, "data_file_name:", 15)) {
            kputs("data_file_name: ", yaml);
            yaml_quoted(yaml, base);
            kputc('\n', yaml);
        } else if (!strncmp(p, "data_file_md5sum:", 17)) {
            ksprintf(yaml, "data_file_md5sum: %s\n", md5);
        } else if (!strncmp(p, "  variants_tested:", 18)) {
            ksprintf(yaml, "  variants_tested: %llu\n", (unsigned long long)m->n_rows);
        } else if (!strncmp(p, "  lambda_gc:", 12)) {
            kputs(lbuf, yaml); /* the whole lambda block, recomputed */
        } else if (!strncmp(p, "  lambda_gc_", 12)) {
            /* written with lambda_gc */
        } else if (!strncmp(p, "  chunk:", 8) || !strncmp(p, "  region:", 9)) {
            /* the merged file is neither */
        } else if (o->c.no_version &&
                   (!strncmp(p, "  command:", 10) || !strncmp(p, "analysis_software:", 18))) {
            /* provenance omitted */
        } else {
            kputsn(p, len, yaml);
            kputc('\n', yaml);
        }
        p += len + (p[len] == '\n');
    }
    if (!o->c.no_version) {
        kputs("merge_command: ", yaml);
        yaml_quoted(yaml, duet_opts_cmdline());
        kputc('\n', yaml);
    }
}

/* The merged sidecar: checksum, lambda GC over the merged rows. */
static duet_err_t merge_write_yaml(merge_t *m)
{
    const duet_merge_opts_t *o = m->o;
    char md5[33];
    duet_err_t err = merge_md5(o->c.out, md5);
    if (err) return err;
    duet_lambda_maf_t lambda;
    float *scratch = duet_malloc((m->lrows.n ? m->lrows.n : 1) * sizeof *scratch);
    if (!scratch) return DUET_ENOMEM;
    duet_dist_lambda_by_maf(m->lrows.chi2, m->lrows.freq, m->lrows.n, scratch, &lambda);
    free(scratch);
    char lbuf[1024];
    duet_dist_lambda_yaml(&lambda, lbuf, sizeof lbuf);
    merge_yaml_text(m, md5, lbuf);
    m->out_yaml = sidecar_path(o->c.out);
    if (!m->out_yaml || !m->yaml.s) return DUET_ENOMEM;
    if ((err = duet_out_create(m->out_yaml, DUET_OUT_PLAIN, o->c.force, 1, &m->yout))) return err;
    if ((err = duet_out_write(m->yout, m->yaml.s, m->yaml.l))) return err;
    return duet_out_commit(m->yout, NULL);
}

static void merge_free(merge_t *m)
{
    duet_cleanup_remove(m->cleanup_tsv);
    duet_cleanup_remove(m->cleanup_tbi);
    if (m->fp) bgzf_close(m->fp);
    duet_out_destroy(m->out);
    duet_out_destroy(m->yout);
    free(m->out_yaml);
    if (m->in)
        for (int i = 0; i < m->n_in; i++) {
            free(m->in[i].yaml_path);
            free(m->in[i].yaml);
        }
    free(m->in);
    if (m->seen) {
        for (khint_t k = kh_begin(m->seen); k != kh_end(m->seen); k++)
            if (kh_exist(m->seen, k)) free((char *)kh_key(m->seen, k));
        kh_destroy(chrom_set, m->seen);
    }
    free(m->line.s);
    free(m->header.s);
    free(m->last.s);
    free(m->cur_chrom.s);
    free(m->yaml.s);
    lambda_rows_free(&m->lrows);
}

duet_err_t duet_merge_run(const duet_merge_opts_t *opts)
{
    merge_t m;
    memset(&m, 0, sizeof m);
    m.o = opts;
    m.n_in = opts->n_inputs;
    m.to_stdout = !strcmp(opts->c.out, "-");
    m.col_chrom = m.col_pos = m.col_p = m.col_f = -1;
    m.last_pos = -1;
    m.cleanup_tsv = m.cleanup_tbi = -1;
    duet_err_t err = DUET_OK;
    m.in = duet_calloc((size_t)m.n_in, sizeof *m.in);
    m.seen = kh_init(chrom_set);
    if (!m.in || !m.seen) { err = DUET_ENOMEM; goto cleanup; }
    if ((err = merge_open_inputs(&m)) || (err = merge_check_inputs(&m))) goto cleanup;
    err = duet_out_create(opts->c.out,
                          m.to_stdout ? DUET_OUT_PLAIN : duet_out_kind_for_path(opts->c.out),
                          opts->c.force, opts->c.threads, &m.out);
    if (err) goto cleanup;
    for (int i = 0; i < m.n_in; i++)
        if ((err = merge_input(&m, i))) goto cleanup;
    if ((err = merge_publish(&m))) goto cleanup;
    if (m.n_yaml && !m.to_stdout && (err = merge_write_yaml(&m))) goto cleanup;
    duet_cleanup_release(m.cleanup_tsv);
    duet_cleanup_release(m.cleanup_tbi);
    m.cleanup_tsv = m.cleanup_tbi = -1;
    duet_log_info("merged %d file%s: %llu rows into '%s'", m.n_in, m.n_in > 1 ? "s" : "",
                  (unsigned long long)m.n_rows, opts->c.out);

cleanup:
    merge_free(&m);
    if (err == DUET_ENOMEM) (void)duet_log_oom(0);
    return err;
}
