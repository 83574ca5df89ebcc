/*
 * reader.c -- the sequential half of the genotype reader: opening a VCF,
 * VCF.gz or BCF with htslib, matching the requested samples to file columns,
 * positioning on a region or on a chunk through the CSI/TBI index, and
 * fetching raw records (undecoded bcf1_t) into blocks.  Decoding is in
 * decode.c, the parallel pipeline in scan.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <htslib/bgzf.h>

#include "duet/log.h"
#include "geno_internal.h"

void duet_geno_opts_init(duet_geno_opts_t *opts, const char *path)
{
    memset(opts, 0, sizeof *opts);
    opts->path = path;
    opts->field = DUET_GENO_GT;
    opts->threads = 1;
    duet_par_default(&opts->par);
    opts->xchr_male_scale = 2;
}

const char *geno_record_name(const duet_geno_t *geno, const bcf1_t *rec,
                             char *buf, size_t size)
{
    const char *chrom = rec->rid >= 0 && rec->rid < geno->hdr->n[BCF_DT_CTG]
                            ? bcf_hdr_id2name(geno->hdr, rec->rid)
                            : "?";
    snprintf(buf, size, "%s:%" PRId64, chrom, (int64_t)rec->pos + 1);
    return buf;
}

static duet_err_t no_index(const char *path, int is_bcf, int bgzf, const char *what)
{
    if (!bgzf)
        duet_log_error("%s: %s needs an index, and the file is not BGZF-compressed: "
                       "compress it (bcftools view -Ob -o FILE.bcf) and run "
                       "`bcftools index FILE.bcf`", path, what);
    else
        duet_log_error("%s: %s needs an index (%s) and none was found: run "
                       "`bcftools index %s`", path, what, is_bcf ? ".csi" : ".csi or .tbi",
                       path);
    return DUET_EREAD;
}

/* Map the requested samples to file columns. */
static duet_err_t match_samples(duet_geno_t *g, const duet_geno_opts_t *opts)
{
    int n_file = g->n_file_samples;
    duet_err_t err = DUET_OK;
    char *seen = NULL;
    if (!opts->samples) {
        g->n_samples = n_file;
        g->cols = duet_malloc(sizeof(int) * (size_t)(n_file > 0 ? n_file : 1));
        if (!g->cols) return DUET_ENOMEM;
        for (int i = 0; i < n_file; i++) g->cols[i] = i;
        g->identity = 1;
        return DUET_OK;
    }
    int n = opts->n_samples;
    g->n_samples = n;
    g->cols = duet_malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    seen = duet_calloc((size_t)(n_file > 0 ? n_file : 1), 1);
    if (!g->cols || !seen) { err = DUET_ENOMEM; goto cleanup; }
    int n_absent = 0;
    kstring_t absent = {0, 0, NULL};
    for (int i = 0; i < n; i++) {
        const char *name = opts->samples[i];
        int col = bcf_hdr_id2int(g->hdr, BCF_DT_SAMPLE, name);
        if (col < 0 || col >= n_file) {
            if (n_absent < 10) {
                if (n_absent) kputs(", ", &absent);
                kputs(name, &absent);
            }
            n_absent++;
            continue;
        }
        if (seen[col]) {
            duet_log_error("%s: sample '%s' is requested more than once", g->path, name);
            free(absent.s);
            err = DUET_EMISMATCH;
            goto cleanup;
        }
        seen[col] = 1;
        g->cols[i] = col;
    }
    if (n_absent) {
        duet_log_error("%s: %d requested sample%s %s not in the file: %s%s", g->path,
                       n_absent, n_absent == 1 ? "" : "s", n_absent == 1 ? "is" : "are",
                       absent.s ? absent.s : "", n_absent > 10 ? ", ..." : "");
        free(absent.s);
        err = DUET_EMISMATCH;
        goto cleanup;
    }
    free(absent.s);
    g->identity = n == n_file;
    for (int i = 0; i < n && g->identity; i++) g->identity = g->cols[i] == i;
cleanup:
    free(seen);
    return err;
}

/* Records of index contig `tid`, or 0. */
static uint64_t idx_count(const hts_idx_t *idx, int tid)
{
    uint64_t mapped = 0, unmapped = 0;
    if (hts_idx_get_stat(idx, tid, &mapped, &unmapped) < 0) return 0;
    return mapped + unmapped;
}

static const hts_idx_t *index_of(const duet_geno_t *g)
{
    return g->is_bcf ? g->idx : g->tbx ? g->tbx->idx : NULL;
}

/* Open an iterator over the whole of index contig `tid`. */
static duet_err_t open_tid_iter(duet_geno_t *g, int tid)
{
    hts_itr_destroy(g->itr);
    g->itr = g->is_bcf ? bcf_itr_queryi(g->idx, tid, 0, HTS_POS_MAX)
                       : tbx_itr_queryi(g->tbx, tid, 0, HTS_POS_MAX);
    if (!g->itr) {
        duet_log_error("%s: cannot seek to contig %d through the index", g->path, tid);
        return DUET_EREAD;
    }
    return DUET_OK;
}

/* One raw record from the source into rec.  Returns 0, -1 at the end, or
 * an error code (reported). */
static int read_raw(duet_geno_t *g, bcf1_t *rec)
{
    int ret;
    switch (g->mode) {
    case GENO_READ_STREAM:
        ret = bcf_read(g->fp, g->hdr, rec);
        break;
    case GENO_READ_BCF_ITR:
        ret = g->itr ? bcf_itr_next(g->fp, g->itr, rec) : -1;
        break;
    default:
        ret = g->itr ? tbx_itr_next(g->fp, g->tbx, g->itr, &g->line) : -1;
        if (ret >= 0) {
            ret = vcf_parse(&g->line, g->hdr, rec);
            if (ret != 0) ret = -2;
        }
        break;
    }
    if (ret >= 0 && (rec->errcode & ~(BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF))) ret = -2;
    if (ret == -1) {
        /* htslib reports a VCF line it could not parse as -1 in some
         * versions; errcode tells the two apart. */
        if (rec->errcode & ~(BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF)) {
            ret = -2;
        } else if (g->mode == GENO_READ_STREAM && g->no_eof_marker) {
            if (g->last_rid >= 0)
                duet_log_error("%s: the file ends without the BGZF end-of-file marker: "
                               "truncated after record %" PRIu64 " (%s:%" PRId64 ")",
                               g->path, g->next_record, bcf_hdr_id2name(g->hdr, g->last_rid),
                               g->last_pos + 1);
            else
                duet_log_error("%s: the file ends without the BGZF end-of-file marker: "
                               "truncated before its first record", g->path);
            return DUET_EFORMAT;
        } else {
            return -1;
        }
    }
    if (ret < -1) {
        if (g->last_rid >= 0)
            duet_log_error("%s: malformed or truncated record %" PRIu64
                           " (the record after %s:%" PRId64 ")", g->path, g->next_record + 1,
                           bcf_hdr_id2name(g->hdr, g->last_rid), g->last_pos + 1);
        else
            duet_log_error("%s: malformed or truncated record %" PRIu64 " (the first record)",
                           g->path, g->next_record + 1);
        return DUET_EFORMAT;
    }
    if (rec->pos < 0) {
        duet_log_error("%s: record %" PRIu64 " has no valid POS", g->path, g->next_record + 1);
        return DUET_EFORMAT;
    }
    if (rec->rid < 0 || rec->rid >= g->hdr->n[BCF_DT_CTG]) {
        duet_log_error("%s: record %" PRIu64 " names a contig the header does not have",
                       g->path, g->next_record + 1);
        return DUET_EFORMAT;
    }
    if (rec->n_sample != (uint32_t)g->n_file_samples) {
        duet_log_error("%s: record %" PRIu64 " has %u samples, the header %d", g->path,
                       g->next_record + 1, rec->n_sample, g->n_file_samples);
        return DUET_EFORMAT;
    }
    return 0;
}

/* Next record, honouring chunk boundaries.  Returns 0, -1, or an error. */
static int next_record(duet_geno_t *g, bcf1_t *rec)
{
    if (!g->chunking) return read_raw(g, rec);
    for (;;) {
        if (g->chunk_left == 0) return -1;
        if (!g->itr) {
            if (g->chunk_next_tid >= g->n_chunk_tids) {
                duet_log_error("%s: the index counts more records than the file has; "
                               "re-index it with `bcftools index -f`", g->path);
                return DUET_EFORMAT;
            }
            duet_err_t err = open_tid_iter(g, g->chunk_tids[g->chunk_next_tid++]);
            if (err) return err;
            /* Skip to the chunk's first record: raw reads, nothing
             * unpacked (for VCF.gz not even parsed). */
            for (; g->chunk_skip > 0; g->chunk_skip--) {
                int ret = g->is_bcf ? bcf_itr_next(g->fp, g->itr, rec)
                                    : tbx_itr_next(g->fp, g->tbx, g->itr, &g->line);
                if (ret == -1) {
                    duet_log_error("%s: the index counts more records than the file has; "
                                   "re-index it with `bcftools index -f`", g->path);
                    return DUET_EFORMAT;
                }
                if (ret < -1) {
                    duet_log_error("%s: malformed or truncated record while seeking to "
                                   "record %" PRIu64, g->path, g->next_record + 1);
                    return DUET_EFORMAT;
                }
            }
        }
        int ret = read_raw(g, rec);
        if (ret == -1) {
            hts_itr_destroy(g->itr);
            g->itr = NULL;
            continue;
        }
        if (ret == 0) g->chunk_left--;
        return ret;
    }
}

static duet_err_t setup_chunk(duet_geno_t *g, int k, int n)
{
    const hts_idx_t *idx = index_of(g);
    int nseq = hts_idx_nseq(idx);
    uint64_t total = 0;
    for (int tid = 0; tid < nseq; tid++) total += idx_count(idx, tid);
    if (total == 0) {
        /* Either an empty file or an index without counts. */
        bcf1_t *rec = bcf_init();
        if (!rec) return duet_log_oom(sizeof(bcf1_t));
        int ret = bcf_read(g->fp, g->hdr, rec);
        bcf_destroy(rec);
        if (ret == 0) {
            duet_log_error("%s: the index has no record counts, which --chunk needs; "
                           "re-index with `bcftools index -f`", g->path);
            return DUET_EREAD;
        }
        g->eof = 1;
        return DUET_OK;
    }
    uint64_t first = (uint64_t)(((unsigned __int128)total * (unsigned)(k - 1)) / (unsigned)n);
    uint64_t last = (uint64_t)(((unsigned __int128)total * (unsigned)k) / (unsigned)n);
    g->chunking = 1;
    g->mode = g->is_bcf ? GENO_READ_BCF_ITR : GENO_READ_TBX_ITR;
    g->n_records_hint = last - first;
    g->chunk_left = last - first;
    g->next_record = first;
    if (first == last) {
        g->eof = 1;
        return DUET_OK;
    }
    g->chunk_tids = duet_malloc(sizeof(int) * (size_t)nseq);
    if (!g->chunk_tids) return DUET_ENOMEM;
    uint64_t cum = 0;
    for (int tid = 0; tid < nseq; tid++) {
        uint64_t c = idx_count(idx, tid);
        if (c == 0) continue;
        if (g->n_chunk_tids == 0) {
            if (cum + c <= first) {
                cum += c;
                continue;
            }
            g->chunk_skip = first - cum;
        }
        g->chunk_tids[g->n_chunk_tids++] = tid;
        cum += c;
        if (cum >= last) break;
    }
    return DUET_OK;
}

static duet_err_t setup_region(duet_geno_t *g, const char *region)
{
    g->itr = g->is_bcf ? bcf_itr_querys(g->idx, g->hdr, region)
                       : tbx_itr_querys(g->tbx, region);
    g->mode = g->is_bcf ? GENO_READ_BCF_ITR : GENO_READ_TBX_ITR;
    if (g->itr) {
        int tid = g->itr->tid;
        if (tid >= 0) g->n_records_hint = idx_count(index_of(g), tid);
        return DUET_OK;
    }
    /* NULL: a bad region, an unknown contig, or (tabix) a header contig
     * without records in the index. */
    char *name = strdup(region);
    if (!name) return duet_log_oom(strlen(region) + 1);
    int in_header = bcf_hdr_name2id(g->hdr, name) >= 0;
    if (!in_header) {
        char *colon = strrchr(name, ':');
        if (colon) {
            *colon = 0;
            in_header = bcf_hdr_name2id(g->hdr, name) >= 0;
        }
    }
    free(name);
    if (in_header && !g->is_bcf) {
        g->eof = 1;
        return DUET_OK;
    }
    duet_log_error("%s: region '%s' %s", g->path, region,
                   in_header ? "cannot be parsed" : "names a contig the file does not have "
                                                    "(or cannot be parsed)");
    return DUET_EUSAGE;
}

duet_err_t duet_geno_open(const duet_geno_opts_t *opts, duet_geno_t **geno)
{
    duet_err_t err = DUET_OK;
    *geno = NULL;
    if (!opts->path || !*opts->path || strcmp(opts->path, "-") == 0) {
        duet_log_error("the genotype file must be a named VCF/BCF file, not standard input");
        return DUET_EUSAGE;
    }
    if (opts->chunk_k || opts->chunk_n) {
        if (opts->chunk_n < 1 || opts->chunk_k < 1 || opts->chunk_k > opts->chunk_n) {
            duet_log_error("bad chunk %d/%d: K must be between 1 and N", opts->chunk_k,
                           opts->chunk_n);
            return DUET_EUSAGE;
        }
        if (opts->region) {
            duet_log_error("a region and a chunk cannot be combined");
            return DUET_EUSAGE;
        }
    }
    if (opts->samples && opts->n_samples < 0) {
        duet_log_error("negative sample count");
        return DUET_EUSAGE;
    }
    geno_decode_init();
    duet_geno_t *g = duet_calloc(1, sizeof *g);
    if (!g) return DUET_ENOMEM;
    g->last_rid = -1;
    g->field = opts->field;
    g->want_missing_mask = opts->want_missing_mask;
    g->path = strdup(opts->path);
    if (!g->path) { err = duet_log_oom(strlen(opts->path) + 1); goto cleanup; }

    errno = 0;
    g->fp = hts_open(opts->path, "r");
    if (!g->fp && errno == ENOEXEC) { /* htslib: readable, but no format it knows */
        duet_log_error("%s: not a VCF or BCF file (htslib recognises no format in it)",
                       opts->path);
        err = DUET_EFORMAT;
        goto cleanup;
    }
    if (!g->fp) {
        duet_log_error("cannot open %s: %s", opts->path,
                       errno ? strerror(errno) : "not a readable file");
        err = DUET_EREAD;
        goto cleanup;
    }
    const htsFormat *fmt = hts_get_format(g->fp);
    if (fmt->format != vcf && fmt->format != bcf) {
        char *desc = hts_format_description(fmt);
        duet_log_error("%s: not a VCF or BCF file (htslib sees %s)", opts->path,
                       desc ? desc : "an unknown format");
        free(desc);
        err = DUET_EFORMAT;
        goto cleanup;
    }
    g->is_bcf = fmt->format == bcf;
    int is_bgzf = fmt->compression == bgzf;
    /* A BGZF file cut at a block boundary reads as a shorter file; the
     * missing end-of-file marker is the only sign. */
    if (is_bgzf && bgzf_check_EOF(hts_get_bgzfp(g->fp)) == 0) g->no_eof_marker = 1;
    if (opts->threads > 1 && hts_set_threads(g->fp, opts->threads) != 0)
        duet_log_warn("%s: htslib threads not available, reading on one thread", opts->path);
    g->hdr = bcf_hdr_read(g->fp);
    if (!g->hdr) {
        duet_log_error("%s: cannot read the VCF/BCF header (truncated or malformed)",
                       opts->path);
        err = DUET_EFORMAT;
        goto cleanup;
    }
    g->n_file_samples = bcf_hdr_nsamples(g->hdr);
    g->gt_id = bcf_hdr_id2int(g->hdr, BCF_DT_ID, "GT");
    if (g->gt_id >= 0 && !bcf_hdr_idinfo_exists(g->hdr, BCF_HL_FMT, g->gt_id)) g->gt_id = -1;
    g->ds_id = bcf_hdr_id2int(g->hdr, BCF_DT_ID, "DS");
    if (g->ds_id >= 0 && !bcf_hdr_idinfo_exists(g->hdr, BCF_HL_FMT, g->ds_id)) g->ds_id = -1;

    if ((err = match_samples(g, opts))) goto cleanup;
    if (g->n_samples == 0) {
        duet_log_error("%s: no samples to read (%s)", opts->path,
                       g->n_file_samples == 0 ? "the file has none" : "none requested");
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
    g->par = opts->par;
    if (!g->par.name[0]) duet_par_default(&g->par);
    g->x_scale = opts->xchr_male_scale == 1 ? 1.0 : 2.0;
    g->class_rid = -1;
    g->warn_no_sex = opts->warn_no_sex;
    if (opts->sex) {
        g->sex = duet_malloc((size_t)g->n_samples);
        if (!g->sex) { err = DUET_ENOMEM; goto cleanup; }
        for (int i = 0; i < g->n_samples; i++) {
            g->sex[i] = (uint8_t)duet_sex_table_get(opts->sex, g->hdr->samples[g->cols[i]]);
            g->has_sex |= g->sex[i] != DUET_SEX_UNKNOWN;
        }
    }

    /* The index: required for a region or a chunk, a progress hint
     * otherwise. */
    int need_index = opts->region || opts->chunk_n;
    if (is_bgzf) {
        if (g->is_bcf) g->idx = bcf_index_load3(opts->path, NULL, HTS_IDX_SILENT_FAIL);
        else g->tbx = tbx_index_load3(opts->path, NULL, HTS_IDX_SILENT_FAIL);
    }
    if (need_index && !index_of(g)) {
        err = no_index(opts->path, g->is_bcf, is_bgzf, opts->region ? "a region" : "a chunk");
        goto cleanup;
    }
    if (index_of(g)) {
        const hts_idx_t *idx = index_of(g);
        int nseq = hts_idx_nseq(idx);
        for (int tid = 0; tid < nseq; tid++) g->n_records_hint += idx_count(idx, tid);
    }
    if (g->no_eof_marker && (opts->region || opts->chunk_n))
        duet_log_warn("%s: no BGZF end-of-file marker: the file may be truncated", opts->path);
    if (opts->region) err = setup_region(g, opts->region);
    else if (opts->chunk_n) err = setup_chunk(g, opts->chunk_k, opts->chunk_n);
    if (err) goto cleanup;

    g->pending = bcf_init();
    if (!g->pending) { err = duet_log_oom(sizeof(bcf1_t)); goto cleanup; }
    *geno = g;
    return DUET_OK;
cleanup:
    duet_geno_close(g);
    return err;
}

void duet_geno_close(duet_geno_t *g)
{
    if (!g) return;
    hts_itr_destroy(g->itr);
    if (g->idx) hts_idx_destroy(g->idx);
    if (g->tbx) tbx_destroy(g->tbx);
    if (g->hdr) bcf_hdr_destroy(g->hdr);
    if (g->fp) hts_close(g->fp);
    if (g->pending) bcf_destroy(g->pending);
    free(g->line.s);
    free(g->cols);
    free(g->chunk_tids);
    free(g->sex);
    free(g->path);
    free(g->seen_rid);
    free(g);
}

int duet_geno_n_samples(const duet_geno_t *g) { return g->n_samples; }

const char *duet_geno_sample(const duet_geno_t *g, int i)
{
    if (i < 0 || i >= g->n_samples) return NULL;
    return g->hdr->samples[g->cols[i]];
}

int duet_geno_n_file_samples(const duet_geno_t *g) { return g->n_file_samples; }

const char *duet_geno_file_sample(const duet_geno_t *g, int j)
{
    if (j < 0 || j >= g->n_file_samples) return NULL;
    return g->hdr->samples[j];
}

uint64_t duet_geno_n_records_hint(const duet_geno_t *g) { return g->n_records_hint; }

const char *duet_geno_path(const duet_geno_t *g) { return g->path; }

int duet_geno_may_have_contig(duet_geno_t *g, duet_ploidy_t cls)
{
    if (g->tbx) {
        int n = 0, found = 0;
        const char **names = tbx_seqnames(g->tbx, &n);
        if (!names) return 1;
        for (int i = 0; i < n && !found; i++)
            found = duet_geno_contig_class(names[i]) == cls && idx_count(g->tbx->idx, i) > 0;
        free(names);
        return found;
    }
    /* without an index the header proves nothing: a VCF's records may
     * name contigs it does not declare */
    if (!g->idx) return 1;
    int n = g->hdr->n[BCF_DT_CTG];
    for (int rid = 0; rid < n; rid++)
        if (duet_geno_contig_class(bcf_hdr_id2name(g->hdr, rid)) == cls && idx_count(g->idx, rid) > 0)
            return 1;
    return 0;
}

int duet_geno_indexed(const char *path)
{
    static const char *const ext[] = { ".csi", ".tbi" };
    size_t n = strlen(path);
    char *f = malloc(n + 5);
    if (!f) return 0;
    int found = 0;
    for (int k = 0; k < 2 && !found; k++) {
        memcpy(f, path, n);
        memcpy(f + n, ext[k], 5);
        found = access(f, R_OK) == 0;
    }
    free(f);
    return found;
}

/* Make room for `n` records and `max_variants` columns in a block. */
static duet_err_t block_reserve(duet_geno_block_t *b, int max_variants)
{
    geno_block_raw_t *raw = b->internal;
    if (max_variants > b->max_variants) {
        size_t cells = (size_t)b->n_samples * (size_t)max_variants;
        double *d = duet_realloc(b->dosage, sizeof(double) * cells);
        if (!d) return DUET_ENOMEM;
        b->dosage = d;
        if (b->missing) {
            uint8_t *m = duet_realloc(b->missing, cells);
            if (!m) return DUET_ENOMEM;
            b->missing = m;
        }
        duet_variant_t *v = duet_realloc(b->variants, sizeof(duet_variant_t) * (size_t)max_variants);
        if (!v) return DUET_ENOMEM;
        b->variants = v;
        b->max_variants = max_variants;
    }
    if (max_variants > raw->m_recs) {
        bcf1_t **r = duet_realloc(raw->recs, sizeof(bcf1_t *) * (size_t)max_variants);
        if (!r) return DUET_ENOMEM;
        raw->recs = r;
        uint64_t *num = duet_realloc(raw->rec_number, sizeof(uint64_t) * (size_t)max_variants);
        if (!num) return DUET_ENOMEM;
        raw->rec_number = num;
        const char **chrom = duet_realloc(raw->chrom, sizeof(char *) * (size_t)max_variants);
        if (!chrom) return DUET_ENOMEM;
        raw->chrom = chrom;
        uint8_t *cls = duet_realloc(raw->rec_class, (size_t)max_variants);
        if (!cls) return DUET_ENOMEM;
        raw->rec_class = cls;
        for (int i = raw->m_recs; i < max_variants; i++) {
            raw->recs[i] = bcf_init();
            if (!raw->recs[i]) return duet_log_oom(sizeof(bcf1_t));
            raw->m_recs = i + 1;
        }
    }
    return DUET_OK;
}

duet_err_t duet_geno_block_create(const duet_geno_t *geno, int max_variants,
                                  duet_geno_block_t **block)
{
    *block = NULL;
    if (max_variants < 1) {
        duet_log_error("a block must hold at least one variant (got %d)", max_variants);
        return DUET_EUSAGE;
    }
    duet_geno_block_t *b = duet_calloc(1, sizeof *b);
    if (!b) return DUET_ENOMEM;
    geno_block_raw_t *raw = duet_calloc(1, sizeof *raw);
    if (!raw) {
        free(b);
        return DUET_ENOMEM;
    }
    b->internal = raw;
    b->n_samples = geno->n_samples;
    raw->gt_id = raw->ds_id = -1;
    /* Scratch for gathering a sample subset: two bytes per sample plus
     * room for 32-byte loads past the end. */
    raw->gather = duet_malloc((size_t)geno->n_samples * 2 + 64);
    raw->miss_idx = duet_malloc(sizeof(int) * (size_t)geno->n_samples);
    duet_err_t err = raw->gather && raw->miss_idx ? DUET_OK : DUET_ENOMEM;
    if (!err && geno->want_missing_mask) {
        b->missing = duet_malloc((size_t)geno->n_samples * (size_t)max_variants);
        if (!b->missing) err = DUET_ENOMEM;
    }
    if (!err) err = block_reserve(b, max_variants);
    if (err) {
        duet_geno_block_destroy(b);
        return err;
    }
    *block = b;
    return DUET_OK;
}

void duet_geno_block_destroy(duet_geno_block_t *b)
{
    if (!b) return;
    geno_block_raw_t *raw = b->internal;
    if (raw) {
        for (int i = 0; i < raw->m_recs; i++) bcf_destroy(raw->recs[i]);
        free(raw->recs);
        free(raw->rec_number);
        free(raw->chrom);
        free(raw->rec_class);
        free(raw->gather);
        free(raw->miss_idx);
        free(raw);
    }
    free(b->dosage);
    free(b->missing);
    free(b->variants);
    free(b);
}

/* How the calls of a record are counted (sequential: fetching). */
static duet_ploidy_t record_class(duet_geno_t *g, const bcf1_t *rec, const char *chrom)
{
    if (rec->rid != g->class_rid) {
        g->class_rid = rec->rid;
        g->class_of_rid = duet_geno_contig_class(chrom);
    }
    duet_ploidy_t c = g->class_of_rid;
    if (c == DUET_PLOIDY_DIPLOID) return c;
    if (!g->has_sex) {
        if (g->warn_no_sex && !g->warned_no_sex) {
            duet_log_warn("%s: no sample's sex is known: chrX, chrY and MT (contig %s) are "
                          "read and tested as DIPLOID; give --sex FILE (or a covariate "
                          "named sex) for plink2's hemizygous males", g->path, chrom);
            g->warned_no_sex = 1;
        }
        return DUET_PLOIDY_DIPLOID;
    }
    if (c == DUET_PLOIDY_X && (rec->pos + 1 <= g->par.par1_end || rec->pos + 1 >= g->par.par2_start))
        return DUET_PLOIDY_DIPLOID;
    return c;
}

/* A malformed record, named by its number and position. */
static duet_err_t record_error(const duet_geno_t *g, const bcf1_t *rec, uint64_t number,
                               const char *what)
{
    const char *chrom = rec->rid >= 0 && rec->rid < g->hdr->n[BCF_DT_CTG]
                            ? bcf_hdr_id2name(g->hdr, rec->rid) : "?";
    duet_log_error("%s: record %" PRIu64 " (%s:%" PRId64 "): %s", g->path, number + 1, chrom,
                   (int64_t)rec->pos + 1, what);
    return DUET_EFORMAT;
}

/* The POS field of a VCF text line is a decimal integer (htslib reads
 * "12x45" as 12).  `line` is the line htslib parsed, whose field
 * separators it may have turned into NULs; BCF has none. */
static int vcf_pos_ok(const kstring_t *line)
{
    if (!line->s || !line->l) return 1;
    const char *p = line->s, *end = line->s + line->l;
    while (p < end && *p != '\t' && *p != '\0') p++;
    if (p >= end) return 1;
    const char *q = ++p;
    while (q < end && *q >= '0' && *q <= '9') q++;
    return q > p && (q == end || *q == '\t' || *q == '\0');
}

/* Records are sorted: by position within a contig, each contig in one
 * run (what an index, and every duet output index, needs). */
static duet_err_t check_order(duet_geno_t *g, const bcf1_t *rec, uint64_t number)
{
    if (rec->rid == g->last_rid) {
        if (rec->pos < g->last_pos)
            return record_error(g, rec, number, "not sorted: the position is before the "
                                                "previous record's");
        return DUET_OK;
    }
    if (rec->rid >= g->m_seen_rid) {
        int m = rec->rid + 64;
        uint8_t *seen = realloc(g->seen_rid, (size_t)m);
        if (!seen) return duet_log_oom((size_t)m);
        memset(seen + g->m_seen_rid, 0, (size_t)(m - g->m_seen_rid));
        g->seen_rid = seen;
        g->m_seen_rid = m;
    }
    if (g->seen_rid[rec->rid])
        return record_error(g, rec, number, "not sorted: the contig appeared before, "
                                            "then another one");
    g->seen_rid[rec->rid] = 1;
    return DUET_OK;
}

/* Check a record as it is read (sequential code): its contig declared in
 * the header, its POS a number, its order, its alleles distinct. */
static duet_err_t validate_record(duet_geno_t *g, bcf1_t *rec, uint64_t number)
{
    if (rec->errcode & BCF_ERR_CTG_UNDEF)
        return record_error(g, rec, number, "the contig is not declared in the header "
                                            "(add ##contig lines, e.g. bcftools reheader)");
    if (!g->is_bcf && !vcf_pos_ok(g->mode == GENO_READ_STREAM ? &g->fp->line : &g->line))
        return record_error(g, rec, number, "POS is not a whole number");
    duet_err_t err = check_order(g, rec, number);
    if (err) return err;
    if (rec->n_allele < 2) return DUET_OK;
    if (bcf_unpack(rec, BCF_UN_STR) != 0)
        return record_error(g, rec, number, "htslib cannot unpack the record");
    for (int a = 1; a < (int)rec->n_allele; a++)
        for (int b = 0; b < a; b++)
            if (!strcmp(rec->d.allele[a], rec->d.allele[b]))
                return record_error(g, rec, number, b == 0 ? "an ALT allele equals REF"
                                                           : "an ALT allele is repeated");
    return DUET_OK;
}

/* Fetch a block; with `decode` set, also decode each record as soon as it
 * is read (while its bytes are in the cache). */
static duet_err_t fetch_block(duet_geno_t *g, duet_geno_block_t *b, int decode)
{
    geno_block_raw_t *raw = b->internal;
    duet_err_t err = DUET_OK;
    b->n_variants = 0;
    raw->n_recs = 0;
    raw->n_cols = 0;
    for (;;) {
        bcf1_t *rec = raw->recs[raw->n_recs];
        uint64_t number;
        if (g->has_pending) {
            /* Swap the waiting record in; the slot's record becomes the
             * reader's spare. */
            raw->recs[raw->n_recs] = g->pending;
            g->pending = rec;
            rec = raw->recs[raw->n_recs];
            number = g->pending_record;
            g->has_pending = 0;
        } else {
            if (g->eof) break;
            int ret = next_record(g, rec);
            if (ret == -1) {
                g->eof = 1;
                break;
            }
            if (ret != 0) {
                err = (duet_err_t)ret;
                goto fail;
            }
            number = g->next_record++;
            if ((err = validate_record(g, rec, number))) goto fail;
            g->last_rid = rec->rid;
            g->last_pos = rec->pos;
            /* vcf_parse() may have added an undeclared contig or tag to
             * the header; look the ids up again (sequential code). */
            if (rec->errcode & BCF_ERR_TAG_UNDEF) {
                g->gt_id = bcf_hdr_id2int(g->hdr, BCF_DT_ID, "GT");
                g->ds_id = bcf_hdr_id2int(g->hdr, BCF_DT_ID, "DS");
            }
        }
        int n_alt = (int)rec->n_allele - 1;
        if (n_alt < 1) continue; /* no ALT: no variant */
        if (b->n_variants + n_alt > b->max_variants) {
            if (b->n_variants > 0) {
                /* Does not fit: it waits for the next block. */
                raw->recs[raw->n_recs] = g->pending;
                g->pending = rec;
                g->pending_record = number;
                g->has_pending = 1;
                break;
            }
            if ((err = block_reserve(b, n_alt))) goto fail;
        }
        raw->rec_number[raw->n_recs] = number;
        raw->chrom[raw->n_recs] = bcf_hdr_id2name(g->hdr, rec->rid);
        raw->rec_class[raw->n_recs] = (uint8_t)record_class(g, rec, raw->chrom[raw->n_recs]);
        if (decode) {
            raw->gt_id = g->gt_id;
            raw->ds_id = g->ds_id;
            if ((err = geno_decode_record(g, raw, raw->n_recs, b, b->n_variants))) goto fail;
        }
        raw->n_recs++;
        b->n_variants += n_alt;
        if (b->n_variants >= b->max_variants) break;
    }
    raw->gt_id = g->gt_id;
    raw->ds_id = g->ds_id;
    raw->n_cols = b->n_variants;
    b->index = g->next_block;
    if (b->n_variants > 0) g->next_block++;
    return DUET_OK;
fail:
    b->n_variants = 0;
    raw->n_recs = 0;
    raw->n_cols = 0;
    return err;
}

duet_err_t duet_geno_fetch(duet_geno_t *g, duet_geno_block_t *b)
{
    return fetch_block(g, b, 0);
}

duet_err_t duet_geno_read_block(duet_geno_t *g, duet_geno_block_t *b)
{
    return fetch_block(g, b, 1);
}
