/*
 * clump_ref.c -- the reference pass of duet clump (clump.h): records read in
 * file order (decoded in parallel by duet_geno_scan, handled here in order),
 * matched to the summary statistics by chromosome, position and alleles;
 * each matched variant's hard calls enter the window (ld.h bit planes),
 * whose pairs with it are measured at once; the pairs in LD are kept.  Then
 * the adjacency of the possible index variants and plink 1.9's greedy step.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <htslib/vcf.h>

#include "duet/geno.h"
#include "duet/ld.h"
#include "duet/log.h"
#include "duet/progress.h"
#include "clump_internal.h"

typedef struct {
    ck_state_t *st;
    const char *cur_chrom;  /* the reference's name of the current contig */
    int cur_code;           /* its ck_chrom_code(), -1 if no row has it */
    size_t cur_pool;        /* its name in the pool, CK_NONE until needed */
    int64_t last_pos;
    int64_t reg_beg;        /* records before it belong to another region */
    int elig_next;          /* first eligible position >= pos - radius */
    char *chrom_copy;       /* cur_chrom kept across readers */
    char **done;            /* contigs already passed */
    int n_done;
    int n_samples;
    duet_progress_t *progress;
} pass_t;

void ck_window_free(ck_window_t *w)
{
    free(w->planes);
    free(w->pos);
    free(w->variant);
    free(w->eligible);
    free(w->flag);
    memset(w, 0, sizeof *w);
}

/* Double the ring (entries moved to slots 0..n-1). */
static duet_err_t window_grow(ck_window_t *w)
{
    int cap = w->cap ? 2 * w->cap : 64;
    size_t pw = (size_t)3 * w->words;
    ck_window_t g = {.words = w->words, .cap = cap, .head = 0, .n = w->n};
    g.planes = duet_malloc((size_t)cap * pw * sizeof *g.planes);
    g.pos = duet_malloc((size_t)cap * sizeof *g.pos);
    g.variant = duet_malloc((size_t)cap * sizeof *g.variant);
    g.eligible = duet_malloc((size_t)cap);
    g.flag = duet_malloc((size_t)cap);
    if (!g.planes || !g.pos || !g.variant || !g.eligible || !g.flag) {
        ck_window_free(&g);
        return DUET_ENOMEM;
    }
    for (int i = 0; i < w->n; i++) {
        int s = (w->head + i) % w->cap;
        memcpy(g.planes + (size_t)i * pw, w->planes + (size_t)s * pw, pw * sizeof *g.planes);
        g.pos[i] = w->pos[s];
        g.variant[i] = w->variant[s];
        g.eligible[i] = w->eligible[s];
    }
    ck_window_free(w);
    *w = g;
    return DUET_OK;
}

static duet_err_t add_edge(ck_state_t *st, int a, int b)
{
    if (st->n_edges == st->m_edges) {
        size_t m = st->m_edges ? 2 * st->m_edges : 4096;
        int *ea = duet_realloc(st->edge_a, m * sizeof *ea);
        if (!ea) return DUET_ENOMEM;
        st->edge_a = ea;
        int *eb = duet_realloc(st->edge_b, m * sizeof *eb);
        if (!eb) return DUET_ENOMEM;
        st->edge_b = eb;
        st->m_edges = m;
    }
    st->edge_a[st->n_edges] = a;
    st->edge_b[st->n_edges] = b;
    st->n_edges++;
    return DUET_OK;
}

/* Put variant `vi` (at pos, hard calls from dosage/missing) into the window
 * and keep its pairs in LD with the variants already there. */
static duet_err_t window_add(ck_state_t *st, int vi, int64_t pos, int eligible,
                             const double *dosage, const uint8_t *missing, int n_samples)
{
    ck_window_t *w = &st->win;
    while (w->n && w->pos[w->head] < pos - st->radius) {
        w->head = (w->head + 1) % w->cap;
        w->n--;
    }
    duet_err_t err;
    if (w->n == w->cap && (err = window_grow(w))) return err;
    size_t pw = (size_t)3 * w->words;
    int slot = (w->head + w->n) % w->cap;
    uint64_t *mine = w->planes + (size_t)slot * pw;
    duet_ld_hardcalls(dosage, missing, n_samples, mine);
    double thresh = st->opts.r2;
    int n = w->n, cap = w->cap, head = w->head, words = w->words;
    int64_t n_pairs = 0;
#pragma omp parallel for schedule(static) reduction(+ : n_pairs) if (n >= 64 && st->opts.threads > 1) num_threads(st->opts.threads)
    for (int i = 0; i < n; i++) {
        int s = (head + i) % cap;
        w->flag[s] = 0;
        if (!eligible && !w->eligible[s]) continue;
        uint32_t counts[9];
        double r2;
        duet_ld_table(w->planes + (size_t)s * pw, mine, words, counts);
        n_pairs++;
        if (!duet_ld_r2(counts, &r2) && (r2 > thresh || -r2 > thresh)) w->flag[s] = 1;
    }
    st->counts.n_pairs += n_pairs;
    for (int i = 0; i < n; i++) {
        int s = (head + i) % cap;
        if (w->flag[s] && (err = add_edge(st, w->variant[s], vi))) return err;
    }
    w->pos[slot] = pos;
    w->variant[slot] = vi;
    w->eligible[slot] = (uint8_t)eligible;
    w->n++;
    return DUET_OK;
}

static int alleles_match(const char *ea, const char *oa, const char *ref, const char *alt,
                         int *effect_is_alt)
{
    if (!strcasecmp(ea, alt) && (!oa || !strcasecmp(oa, ref))) {
        *effect_is_alt = 1;
        return 1;
    }
    if (!strcasecmp(ea, ref) && (!oa || !strcasecmp(oa, alt))) {
        *effect_is_alt = 0;
        return 1;
    }
    return 0;
}

/* The sumstats row the variant matches (the first in file order among
 * several, the others marked duplicates), or -1. */
static int match_row(ck_state_t *st, int first, const duet_variant_t *v, int *effect_is_alt)
{
    const char *pool = st->pool.s;
    int best = -1, taken = 0;
    for (int k = first; k >= 0; k = st->rows[k].next) {
        ck_row_t *r = &st->rows[k];
        if (r->status == CK_UNSEEN) r->status = CK_POS_SEEN;
        int eia;
        const char *oa = r->oa == CK_NONE ? NULL : pool + r->oa;
        if (!alleles_match(pool + r->ea, oa, v->ref, v->alt, &eia)) continue;
        if (r->status == CK_MATCHED || r->status == CK_DUPLICATE) {
            taken = 1;
            continue;
        }
        if (best < 0 || k < best) {
            best = k;
            *effect_is_alt = eia;
        }
    }
    if (taken || best < 0) return -1; /* a second record of a matched variant */
    for (int k = first; k >= 0; k = st->rows[k].next) {
        ck_row_t *r = &st->rows[k];
        int eia;
        const char *oa = r->oa == CK_NONE ? NULL : pool + r->oa;
        if (k != best && r->status == CK_POS_SEEN && alleles_match(pool + r->ea, oa, v->ref, v->alt, &eia))
            r->status = CK_DUPLICATE;
    }
    st->rows[best].status = CK_MATCHED;
    return best;
}

static duet_err_t add_matched(ck_state_t *st, pass_t *ps, int row, const duet_variant_t *v,
                              int effect_is_alt)
{
    if (st->n_matched == st->m_matched) {
        int m = st->m_matched ? 2 * st->m_matched : 4096;
        ck_matched_t *a = duet_realloc(st->matched, (size_t)m * sizeof *a);
        if (!a) return DUET_ENOMEM;
        st->matched = a;
        st->m_matched = m;
    }
    if (ps->cur_pool == CK_NONE) ps->cur_pool = ck_pool_add(st, v->chrom);
    ck_matched_t *m = &st->matched[st->n_matched];
    ck_row_t *r = &st->rows[row];
    m->row = row;
    m->ref_chrom = ps->cur_pool;
    m->effect_is_alt = effect_is_alt;
    m->other = r->oa != CK_NONE ? r->oa : ck_pool_add(st, effect_is_alt ? v->ref : v->alt);
    if (r->id != CK_NONE) {
        m->id = r->id;
    } else if (strcmp(v->id, ".")) {
        m->id = ck_pool_add(st, v->id);
    } else {
        kstring_t *k = &st->pool;
        m->id = k->l;
        if (ksprintf(k, "%s:%lld:%s:%s", v->chrom, (long long)v->pos, v->ref, v->alt) < 0 ||
            kputc('\0', k) < 0)
            st->oom = 1;
    }
    if (st->oom) return DUET_ENOMEM;
    r->variant = st->n_matched++;
    st->counts.n_multiallelic += v->n_alleles > 2;
    st->counts.n_swapped += !effect_is_alt;
    return DUET_OK;
}

/* A new contig: it must not have been seen before (sorted input). */
static duet_err_t new_contig(pass_t *ps, const duet_variant_t *v)
{
    ck_state_t *st = ps->st;
    for (int i = 0; i < ps->n_done; i++)
        if (!strcmp(ps->done[i], v->chrom)) {
            duet_log_error("%s: record %llu (%s:%lld): contig %s appears again after others; "
                           "the reference must hold each chromosome in one run (bcftools sort)",
                           st->opts.vcf, (unsigned long long)v->record + 1, v->chrom,
                           (long long)v->pos, v->chrom);
            return DUET_EFORMAT;
        }
    if (ps->cur_chrom) {
        char **d = duet_realloc(ps->done, (size_t)(ps->n_done + 1) * sizeof *d);
        if (!d) return DUET_ENOMEM;
        ps->done = d;
        if (!(d[ps->n_done] = strdup(ps->cur_chrom))) return duet_log_oom(strlen(ps->cur_chrom));
        ps->n_done++;
    }
    ps->cur_chrom = v->chrom;
    ps->cur_code = ck_chrom_code(st, v->chrom, 0);
    ps->cur_pool = CK_NONE;
    ps->last_pos = 0;
    ps->elig_next = 0;
    st->win.n = 0;
    st->win.head = 0;
    return DUET_OK;
}

int ck_near_eligible(const ck_state_t *st, int chrom, int64_t pos)
{
    const int64_t *e = st->elig_pos[chrom];
    int lo = 0, hi = st->n_elig_pos[chrom];
    while (lo < hi) { /* first e >= pos - radius */
        int mid = lo + (hi - lo) / 2;
        if (e[mid] < pos - st->radius) lo = mid + 1;
        else hi = mid;
    }
    return lo < st->n_elig_pos[chrom] && e[lo] <= pos + st->radius;
}

/* 1 if a possible index variant lies within the radius of pos (positions
 * arrive in increasing order within the contig). */
static int near_eligible(pass_t *ps, int64_t pos)
{
    const ck_state_t *st = ps->st;
    const int64_t *e = st->elig_pos[ps->cur_code];
    int n = st->n_elig_pos[ps->cur_code];
    while (ps->elig_next < n && e[ps->elig_next] < pos - st->radius) ps->elig_next++;
    return ps->elig_next < n && e[ps->elig_next] <= pos + st->radius;
}

static duet_err_t emit_block(duet_geno_block_t *b, void *arg)
{
    pass_t *ps = arg;
    ck_state_t *st = ps->st;
    duet_err_t err;
    for (int j = 0; j < b->n_variants; j++) {
        const duet_variant_t *v = &b->variants[j];
        if (v->pos < ps->reg_beg) continue; /* overlaps the region, read before */
        st->counts.n_ref_variants++;
        if (!ps->cur_chrom || (v->chrom != ps->cur_chrom && strcmp(v->chrom, ps->cur_chrom))) {
            if ((err = new_contig(ps, v))) return err;
        } else if (v->pos < ps->last_pos) {
            duet_log_error("%s: record %llu (%s:%lld) comes after position %lld: the reference "
                           "must be sorted by position (bcftools sort)",
                           st->opts.vcf, (unsigned long long)v->record + 1, v->chrom,
                           (long long)v->pos, (long long)ps->last_pos);
            return DUET_EFORMAT;
        }
        ps->cur_chrom = v->chrom;
        ps->last_pos = v->pos;
        if (ps->cur_code < 0) continue;
        int first = ck_rows_at(st, ps->cur_code, v->pos);
        if (first < 0) continue;
        int eia = 0, row = match_row(st, first, v, &eia);
        if (row < 0) continue;
        if ((err = add_matched(st, ps, row, v, eia))) return err;
        if (!near_eligible(ps, v->pos)) continue;
        const double *dos = b->dosage + (size_t)j * ps->n_samples;
        const uint8_t *mis = b->missing ? b->missing + (size_t)j * ps->n_samples : NULL;
        if ((err = window_add(st, st->n_matched - 1, v->pos, st->rows[row].p <= st->opts.p1, dos,
                              mis, ps->n_samples)))
            return err;
    }
    if (b->n_variants > 0)
        duet_progress_update(ps->progress, b->variants[b->n_variants - 1].record + 1);
    return DUET_OK;
}

/* Read `region` (NULL: the whole file) of the reference into the pass. */
static duet_err_t read_region(pass_t *ps, const char *region, int64_t beg)
{
    ck_state_t *st = ps->st;
    duet_geno_opts_t go;
    duet_geno_opts_init(&go, st->opts.vcf);
    go.samples = st->opts.samples;
    go.n_samples = st->opts.n_samples;
    go.region = region;
    go.field = DUET_GENO_GT; /* plink 1.9 clumps hard calls */
    go.want_missing_mask = 1;
    go.threads = 1;
    duet_geno_t *geno = NULL;
    duet_err_t err = duet_geno_open(&go, &geno);
    if (err) return err;
    ps->n_samples = duet_geno_n_samples(geno);
    st->counts.n_samples = ps->n_samples;
    st->win.words = duet_ld_words(ps->n_samples);
    ps->reg_beg = beg;
    if (!region) ps->progress = duet_progress_create("records", duet_geno_n_records_hint(geno));
    int threads = st->opts.threads > 0 ? st->opts.threads : 1;
    /* small blocks: a region may hold few records, and a block is
     * n_samples x 16 doubles to allocate and touch */
    duet_geno_scan_t scan = {16, 2 * threads + 2, threads, NULL, emit_block, ps};
    err = duet_geno_scan(geno, &scan);
    duet_progress_destroy(ps->progress);
    ps->progress = NULL;
    /* the contig's name belongs to the reader's header: keep a copy for
     * the next region before closing it */
    if (!err && ps->cur_chrom) {
        char *copy = strdup(ps->cur_chrom);
        if (!copy) err = duet_log_oom(strlen(ps->cur_chrom));
        free(ps->chrom_copy);
        ps->chrom_copy = copy;
        ps->cur_chrom = copy;
    }
    duet_geno_close(geno);
    return err;
}

/* The reference's contig names by chromosome code (NULL where it has none);
 * the caller frees the array and its strings.  DUET_EREAD, DUET_ENOMEM. */
static duet_err_t contig_names(ck_state_t *st, char ***names)
{
    *names = duet_calloc((size_t)(st->n_chroms ? st->n_chroms : 1), sizeof **names);
    if (!*names) return DUET_ENOMEM;
    htsFile *fp = hts_open(st->opts.vcf, "r");
    bcf_hdr_t *h = fp ? bcf_hdr_read(fp) : NULL;
    if (!h) {
        if (fp) hts_close(fp);
        duet_log_error("%s: cannot read the VCF/BCF header", st->opts.vcf);
        return DUET_EREAD;
    }
    int n = 0;
    const char **seq = bcf_hdr_seqnames(h, &n);
    duet_err_t err = DUET_OK;
    for (int i = 0; i < n && !err; i++) {
        int code = ck_chrom_code(st, seq[i], 0);
        if (code >= 0 && !(*names)[code] && !((*names)[code] = strdup(seq[i])))
            err = duet_log_oom(strlen(seq[i]));
    }
    free(seq);
    bcf_hdr_destroy(h);
    hts_close(fp);
    return err;
}

/* Windows closer than this are read as one region: opening a reader (its
 * header and index) costs more than decoding the records between them. */
#define MERGE_GAP(st) (10 * (st)->radius + 1)

/* Read the merged windows around the rows with p <= p1, contig by contig
 * in the header's order.  *n_regions = -1 (nothing read) when there would
 * be more than 4096 regions. */
static duet_err_t read_windows(pass_t *ps, char **names, int64_t *n_regions)
{
    ck_state_t *st = ps->st;
    int64_t n = 0;
    for (int c = 0; c < st->n_chroms; c++) {
        if (!names[c]) continue;
        const int64_t *e = st->elig_pos[c];
        for (int k = 0; k < st->n_elig_pos[c]; n++) {
            int64_t end = e[k] + st->radius;
            for (k++; k < st->n_elig_pos[c] && e[k] - st->radius <= end + MERGE_GAP(st); k++)
                end = e[k] + st->radius;
        }
    }
    *n_regions = n;
    if (n > 4096) {
        *n_regions = -1;
        return DUET_OK;
    }
    char region[1024];
    duet_err_t err = DUET_OK;
    for (int c = 0; c < st->n_chroms && !err; c++) {
        if (!names[c]) continue;
        const int64_t *e = st->elig_pos[c];
        for (int k = 0; k < st->n_elig_pos[c] && !err;) {
            int64_t beg = e[k] - st->radius, end = e[k] + st->radius;
            for (k++; k < st->n_elig_pos[c] && e[k] - st->radius <= end + MERGE_GAP(st); k++)
                end = e[k] + st->radius;
            if (beg < 1) beg = 1;
            snprintf(region, sizeof region, "%s:%lld-%lld", names[c], (long long)beg, (long long)end);
            err = read_region(ps, region, beg);
        }
    }
    return err;
}

duet_err_t ck_reference_pass(ck_state_t *st)
{
    pass_t ps = {.st = st, .cur_code = -1, .cur_pool = CK_NONE};
    duet_err_t err = DUET_OK;
    int64_t n_regions = -1;
    int64_t n_elig = 0;
    for (int c = 0; c < st->n_chroms; c++) n_elig += st->n_elig_pos[c];
    /* windows pay when they are few: one reader opened per region */
    if (duet_geno_indexed(st->opts.vcf) && n_elig <= st->n_rows / 20) {
        char **names = NULL;
        if (!(err = contig_names(st, &names))) {
            int any = 0;
            for (int c = 0; c < st->n_chroms; c++) any |= names[c] && st->n_elig_pos[c] > 0;
            if (!any) st->nothing_to_read = 1;
            else err = read_windows(&ps, names, &n_regions);
        }
        for (int c = 0; names && c < st->n_chroms; c++) free(names[c]);
        free(names);
    }
    if (!err && !st->nothing_to_read && n_regions < 0) err = read_region(&ps, NULL, 0);
    st->counts.n_regions = n_regions > 0 ? n_regions : 0;
    for (int i = 0; i < ps.n_done; i++) free(ps.done[i]);
    free(ps.done);
    free(ps.chrom_copy);
    return err;
}

duet_err_t ck_adjacency(const ck_state_t *st, int64_t **adj_start, int **adj)
{
    int n = st->n_matched;
    *adj = NULL;
    int64_t *start = duet_calloc((size_t)n + 2, sizeof *start);
    uint8_t *elig = duet_malloc((size_t)n + 1);
    if (!start || !elig) {
        free(start);
        free(elig);
        return DUET_ENOMEM;
    }
    for (int i = 0; i < n; i++) elig[i] = st->rows[st->matched[i].row].p <= st->opts.p1;
    for (size_t e = 0; e < st->n_edges; e++) {
        if (elig[st->edge_a[e]]) start[st->edge_a[e] + 2]++;
        if (elig[st->edge_b[e]]) start[st->edge_b[e] + 2]++;
    }
    for (int i = 0; i < n; i++) start[i + 2] += start[i + 1];
    int *a = duet_malloc((size_t)(start[n + 1] ? start[n + 1] : 1) * sizeof *a);
    if (!a) {
        free(start);
        free(elig);
        return DUET_ENOMEM;
    }
    /* start[i + 1] is the fill cursor of i; arrival order keeps each list
     * ascending (earlier neighbours arrive with i, later ones after it) */
    for (size_t e = 0; e < st->n_edges; e++) {
        int x = st->edge_a[e], y = st->edge_b[e];
        if (elig[x]) a[start[x + 1]++] = y;
        if (elig[y]) a[start[y + 1]++] = x;
    }
    free(elig);
    *adj_start = start;
    *adj = a;
    return DUET_OK;
}

typedef struct {
    double p, mlp;
    int i;
} ord_t;

static int ord_cmp(const void *va, const void *vb)
{
    const ord_t *a = va, *b = vb;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    /* p-values that underflowed to 0 are ordered by -log10 p; other ties
     * by reference order, as plink 1.9 */
    if (a->p == 0.0 && a->mlp != b->mlp) return a->mlp > b->mlp ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

duet_err_t duet_clump_greedy(int n, const double *p, const double *mlp, double p1,
                             const int64_t *adj_start, const int *adj, duet_clump_t **clumps,
                             int *n_clumps, int **members)
{
    *clumps = NULL;
    *n_clumps = 0;
    *members = NULL;
    int n_elig = 0;
    for (int i = 0; i < n; i++) n_elig += p[i] <= p1;
    ord_t *ord = duet_malloc((size_t)(n_elig ? n_elig : 1) * sizeof *ord);
    uint8_t *clumped = duet_calloc((size_t)n + 1, 1);
    duet_clump_t *cl = duet_calloc((size_t)(n_elig ? n_elig : 1), sizeof *cl);
    int *mem = duet_malloc((size_t)(n ? n : 1) * sizeof *mem);
    if (!ord || !clumped || !cl || !mem) {
        free(ord);
        free(clumped);
        free(cl);
        free(mem);
        return DUET_ENOMEM;
    }
    int k = 0;
    for (int i = 0; i < n; i++)
        if (p[i] <= p1) ord[k++] = (ord_t){p[i], mlp ? mlp[i] : 0.0, i};
    qsort(ord, (size_t)n_elig, sizeof *ord, ord_cmp);
    int nc = 0, nm = 0;
    for (k = 0; k < n_elig; k++) {
        int i = ord[k].i;
        if (clumped[i]) continue;
        duet_clump_t *c = &cl[nc++];
        c->index = i;
        c->members = mem + nm;
        for (int64_t e = adj_start[i]; e < adj_start[i + 1]; e++) {
            int j = adj[e];
            if (clumped[j] || j == i) continue;
            clumped[j] = 1;
            mem[nm++] = j;
            c->n_members++;
            c->histo[duet_clump_histo_class(p[j])]++;
        }
    }
    free(ord);
    free(clumped);
    *clumps = cl;
    *n_clumps = nc;
    *members = mem;
    return DUET_OK;
}
