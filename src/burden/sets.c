/*
 * sets.c -- the gene sets of a burden scan: regenie's set list, annotation
 * and mask-definition files read as they are (burden.h gives the formats),
 * the variant-name index that the stream matches VCF variants with, and
 * the default masks of --csq.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>
#include <htslib/khash.h>
#include <htslib/kseq.h>
#include <htslib/kstring.h>

#include "duet/burden.h"
#include "duet/log.h"

KHASH_MAP_INIT_STR(bvar, int)

duet_err_t duet_burden_sets_create(duet_burden_sets_t **out)
{
    *out = NULL;
    duet_burden_sets_t *s = duet_calloc(1, sizeof *s);
    if (!s) return DUET_ENOMEM;
    s->index = kh_init(bvar);
    s->gene_index = kh_init(bvar);
    if (!s->index || !s->gene_index) {
        duet_burden_sets_destroy(s);
        return DUET_ENOMEM;
    }
    *out = s;
    return DUET_OK;
}

static void free_keys(khash_t(bvar) *h)
{
    if (!h) return;
    for (khint_t k = kh_begin(h); k != kh_end(h); k++)
        if (kh_exist(h, k)) free((char *)kh_key(h, k));
    kh_destroy(bvar, h);
}

void duet_burden_sets_destroy(duet_burden_sets_t *s)
{
    if (!s) return;
    for (int g = 0; g < s->n_genes; g++) {
        free(s->genes[g].name);
        free(s->genes[g].chrom);
    }
    free(s->genes);
    free(s->slots);
    for (int a = 0; a < s->n_annots; a++) free(s->annots[a]);
    for (int k = 0; k < s->n_masks; k++) free(s->mask_names[k]);
    free(s->mask_names);
    free(s->mask_bits);
    free_keys(s->index);
    /* gene names are owned by the genes */
    if (s->gene_index) kh_destroy(bvar, (khash_t(bvar) *)s->gene_index);
    free(s);
}

int duet_burden_sets_gene(const duet_burden_sets_t *s, const char *name)
{
    khash_t(bvar) *h = s->gene_index;
    khint_t k = kh_get(bvar, h, name);
    return k == kh_end(h) ? -1 : kh_val(h, k);
}

int duet_burden_sets_lookup(const duet_burden_sets_t *s, const char *id)
{
    khash_t(bvar) *h = s->index;
    khint_t k = kh_get(bvar, h, id);
    return k == kh_end(h) ? -1 : kh_val(h, k);
}

int duet_burden_sets_annot(duet_burden_sets_t *s, const char *name, int add)
{
    for (int a = 0; a < s->n_annots; a++)
        if (!strcmp(s->annots[a], name)) return a;
    if (!add || s->n_annots == DUET_BURDEN_MAX_ANNOTS) return -1;
    char *c = strdup(name);
    if (!c) return -2;
    s->annots[s->n_annots] = c;
    return s->n_annots++;
}

/* The position a CHROM:POS:REF:ALT name gives, or -1. */
static int64_t name_pos(const char *id)
{
    const char *c = strchr(id, ':');
    if (!c || c == id) return -1;
    char *end;
    errno = 0;
    long long p = strtoll(c + 1, &end, 10);
    if (errno || end == c + 1 || *end != ':' || p < 1) return -1;
    const char *r = end + 1, *a = strchr(r, ':');
    if (!a || a == r || !a[1] || strchr(a + 1, ':')) return -1;
    return (int64_t)p;
}

duet_err_t duet_burden_sets_add_gene(duet_burden_sets_t *s, const char *name, const char *chrom,
                                     int64_t pos, const char *const *ids, int n)
{
    khash_t(bvar) *gh = s->gene_index, *vh = s->index;
    if (kh_get(bvar, gh, name) != kh_end(gh)) return DUET_EFORMAT;
    if (s->n_genes == s->m_genes) {
        int m = s->m_genes ? 2 * s->m_genes : 256;
        duet_burden_gene_t *g = duet_realloc(s->genes, (size_t)m * sizeof *g);
        if (!g) return DUET_ENOMEM;
        s->genes = g;
        s->m_genes = m;
    }
    if (s->n_slots + n > s->m_slots) {
        int m = s->m_slots ? s->m_slots : 1024;
        while (m < s->n_slots + n) m *= 2;
        duet_burden_slot_t *sl = duet_realloc(s->slots, (size_t)m * sizeof *sl);
        if (!sl) return DUET_ENOMEM;
        s->slots = sl;
        s->m_slots = m;
    }
    int gi = s->n_genes;
    duet_burden_gene_t *g = &s->genes[gi];
    memset(g, 0, sizeof *g);
    g->name = strdup(name);
    g->chrom = strdup(chrom);
    if (!g->name || !g->chrom) {
        free(g->name);
        free(g->chrom);
        return DUET_ENOMEM;
    }
    g->pos = pos;
    g->first = s->n_slots;
    g->last_pos = 0;
    int absent;
    khint_t gk = kh_put(bvar, gh, g->name, &absent);
    if (absent < 0) {
        free(g->name);
        free(g->chrom);
        return DUET_ENOMEM;
    }
    kh_val(gh, gk) = gi;
    s->n_genes++;
    for (int j = 0; j < n; j++) {
        khint_t k = kh_get(bvar, vh, ids[j]);
        int dup = 0;
        if (k != kh_end(vh))
            for (int q = kh_val(vh, k); q >= 0; q = s->slots[q].next)
                if (s->slots[q].gene == gi) dup = 1;
        if (dup) {
            s->stats.setlist_duplicates++;
            continue;
        }
        int slot = s->n_slots++;
        duet_burden_slot_t *sl = &s->slots[slot];
        sl->gene = gi;
        sl->annot = -1;
        sl->next = -1;
        if (k == kh_end(vh)) {
            char *key = strdup(ids[j]);
            if (!key) return DUET_ENOMEM;
            k = kh_put(bvar, vh, key, &absent);
            if (absent < 0) {
                free(key);
                return DUET_ENOMEM;
            }
            kh_val(vh, k) = slot;
        } else {
            /* append: slots of one name stay in gene order */
            int q = kh_val(vh, k);
            while (s->slots[q].next >= 0) q = s->slots[q].next;
            s->slots[q].next = slot;
        }
        sl->id = kh_key(vh, k);
        int64_t p = name_pos(ids[j]);
        if (p < 0) g->last_pos = INT64_MAX;
        else if (g->last_pos != INT64_MAX && p > g->last_pos) g->last_pos = p;
        g->n_variants++;
    }
    return DUET_OK;
}

/* ------------------------------------------------------------------ */
/* Line reading */

#define MAX_FIELDS 6

typedef struct {
    htsFile *fp;
    const char *path;
    kstring_t line;
    int64_t lineno;
    char *f[MAX_FIELDS];
    int nf;           /* fields (MAX_FIELDS means "at least") */
} reader_t;

static duet_err_t reader_open(reader_t *r, const char *path, const char *what)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    FILE *probe = fopen(path, "r"); /* a clear message before htslib's */
    if (probe) fclose(probe);
    r->fp = probe ? hts_open(path, "r") : NULL;
    if (!r->fp) {
        duet_log_error("cannot open the %s '%s': %s", what, path, strerror(errno));
        return DUET_EREAD;
    }
    return DUET_OK;
}

static void reader_close(reader_t *r)
{
    if (r->fp) hts_close(r->fp);
    free(r->line.s);
}

/* Next content line split on whitespace: 1, 0 at the end, -1 on error. */
static int reader_next(reader_t *r)
{
    for (;;) {
        int ret = hts_getline(r->fp, KS_SEP_LINE, &r->line);
        if (ret < -1) {
            duet_log_error("cannot read '%s' (after line %lld)", r->path, (long long)r->lineno);
            return -1;
        }
        if (ret == -1) return 0;
        r->lineno++;
        char *p = r->line.s;
        r->nf = 0;
        while (*p) {
            while (*p == ' ' || *p == '\t' || *p == '\r') p++;
            if (!*p) break;
            if (r->nf == 0 && *p == '#') break;
            if (r->nf == MAX_FIELDS) break;
            r->f[r->nf++] = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
            if (*p) *p++ = '\0';
        }
        if (r->nf) return 1;
    }
}

/* Split a comma-separated list in place; returns the count of non-empty
 * items (pointers into s) in *items (grown as needed). */
static int split_commas(char *s, char ***items, int *m_items)
{
    int n = 0;
    for (char *p = s;;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        if (*p) {
            if (n == *m_items) {
                int m = *m_items ? 2 * *m_items : 64;
                char **v = duet_realloc(*items, (size_t)m * sizeof *v);
                if (!v) return -1;
                *items = v;
                *m_items = m;
            }
            (*items)[n++] = p;
        }
        if (!c) break;
        p = c + 1;
    }
    return n;
}

duet_err_t duet_burden_read_setlist(duet_burden_sets_t *s, const char *path)
{
    reader_t r;
    duet_err_t err = reader_open(&r, path, "set list");
    if (err) return err;
    char **items = NULL;
    int m_items = 0, ret;
    while ((ret = reader_next(&r)) > 0) {
        if (r.nf != 4) {
            duet_log_error("%s:%lld: expected 4 fields (gene, chromosome, position, "
                           "comma-separated variants), found %s%d", path, (long long)r.lineno,
                           r.nf == MAX_FIELDS ? "at least " : "", r.nf);
            err = DUET_EFORMAT;
            goto done;
        }
        char *end;
        errno = 0;
        long long pos = strtoll(r.f[2], &end, 10);
        if (errno || *end || pos < 0) {
            duet_log_error("%s:%lld: position '%s' of gene '%s' is not a number", path,
                           (long long)r.lineno, r.f[2], r.f[0]);
            err = DUET_EFORMAT;
            goto done;
        }
        int n = split_commas(r.f[3], &items, &m_items);
        if (n < 0) { err = DUET_ENOMEM; goto done; }
        if (n == 0) {
            duet_log_error("%s:%lld: gene '%s' lists no variant", path, (long long)r.lineno, r.f[0]);
            err = DUET_EFORMAT;
            goto done;
        }
        err = duet_burden_sets_add_gene(s, r.f[0], r.f[1], pos, (const char *const *)items, n);
        if (err == DUET_EFORMAT) {
            duet_log_error("%s:%lld: gene '%s' is listed twice", path, (long long)r.lineno, r.f[0]);
            goto done;
        }
        if (err) goto done;
    }
    if (ret < 0) { err = DUET_EREAD; goto done; }
    if (s->n_genes == 0) {
        duet_log_error("%s: no gene listed", path);
        err = DUET_EFORMAT;
    }
done:
    free(items);
    reader_close(&r);
    return err;
}

KHASH_SET_INIT_STR(bname)

duet_err_t duet_burden_read_anno(duet_burden_sets_t *s, const char *path)
{
    reader_t r;
    duet_err_t err = reader_open(&r, path, "annotation file");
    if (err) return err;
    khash_t(bname) *absent_genes = kh_init(bname);
    if (!absent_genes) { reader_close(&r); return DUET_ENOMEM; }
    int ret;
    while ((ret = reader_next(&r)) > 0) {
        if (r.nf != 3 && r.nf != 4) {
            duet_log_error("%s:%lld: expected 3 fields (variant, gene, annotation) or regenie's "
                           "4 (variant, gene, domain, annotation), found %s%d", path,
                           (long long)r.lineno, r.nf == MAX_FIELDS ? "at least " : "", r.nf);
            err = DUET_EFORMAT;
            goto done;
        }
        if (r.nf == 4) s->stats.domain_column = 1;
        const char *vid = r.f[0], *gene = r.f[1], *annot = r.f[r.nf - 1];
        s->stats.anno_lines++;
        int a = duet_burden_sets_annot(s, annot, 1);
        if (a == -2) { err = DUET_ENOMEM; goto done; }
        if (a < 0) {
            duet_log_error("%s:%lld: annotation '%s' is one class more than the %d supported",
                           path, (long long)r.lineno, annot, DUET_BURDEN_MAX_ANNOTS);
            err = DUET_EFORMAT;
            goto done;
        }
        int g = duet_burden_sets_gene(s, gene);
        if (g < 0) {
            s->stats.anno_gene_absent++;
            if (kh_get(bname, absent_genes, gene) == kh_end(absent_genes)) {
                char *c = strdup(gene);
                int absent;
                if (!c) { err = DUET_ENOMEM; goto done; }
                kh_put(bname, absent_genes, c, &absent);
                if (absent < 0) { free(c); err = DUET_ENOMEM; goto done; }
                s->stats.n_absent_genes++;
            }
            continue;
        }
        int slot = -1;
        for (int q = duet_burden_sets_lookup(s, vid); q >= 0; q = s->slots[q].next)
            if (s->slots[q].gene == g) slot = q;
        if (slot < 0) {
            s->stats.anno_variant_absent++;
            continue;
        }
        if (s->slots[slot].annot >= 0 && s->slots[slot].annot != a) {
            duet_log_error("%s:%lld: variant '%s' of gene '%s' is annotated '%s' here and '%s' "
                           "before", path, (long long)r.lineno, vid, gene, annot,
                           s->annots[s->slots[slot].annot]);
            err = DUET_EFORMAT;
            goto done;
        }
        s->slots[slot].annot = a;
    }
    if (ret < 0) { err = DUET_EREAD; goto done; }
    if (s->stats.anno_lines == 0) {
        duet_log_error("%s: no annotation", path);
        err = DUET_EFORMAT;
        goto done;
    }
    s->stats.slots_unannotated = 0;
    for (int q = 0; q < s->n_slots; q++) s->stats.slots_unannotated += s->slots[q].annot < 0;
done:
    for (khint_t k = kh_begin(absent_genes); k != kh_end(absent_genes); k++)
        if (kh_exist(absent_genes, k)) free((char *)kh_key(absent_genes, k));
    kh_destroy(bname, absent_genes);
    reader_close(&r);
    return err;
}

static duet_err_t add_mask(duet_burden_sets_t *s, const char *name, uint64_t bits)
{
    if (s->n_masks == s->m_masks) {
        int m = s->m_masks ? 2 * s->m_masks : 8;
        char **nm = duet_realloc(s->mask_names, (size_t)m * sizeof *nm);
        if (!nm) return DUET_ENOMEM;
        s->mask_names = nm;
        uint64_t *b = duet_realloc(s->mask_bits, (size_t)m * sizeof *b);
        if (!b) return DUET_ENOMEM;
        s->mask_bits = b;
        s->m_masks = m;
    }
    char *c = strdup(name);
    if (!c) return DUET_ENOMEM;
    s->mask_names[s->n_masks] = c;
    s->mask_bits[s->n_masks] = bits;
    s->n_masks++;
    return DUET_OK;
}

duet_err_t duet_burden_read_masks(duet_burden_sets_t *s, const char *path)
{
    reader_t r;
    duet_err_t err = reader_open(&r, path, "mask definition file");
    if (err) return err;
    char **items = NULL;
    int m_items = 0, ret;
    while ((ret = reader_next(&r)) > 0) {
        if (r.nf != 2) {
            duet_log_error("%s:%lld: expected 2 fields (mask, comma-separated annotations), "
                           "found %s%d", path, (long long)r.lineno,
                           r.nf == MAX_FIELDS ? "at least " : "", r.nf);
            err = DUET_EFORMAT;
            goto done;
        }
        for (int k = 0; k < s->n_masks; k++)
            if (!strcmp(s->mask_names[k], r.f[0])) {
                duet_log_error("%s:%lld: mask '%s' is defined twice", path, (long long)r.lineno,
                               r.f[0]);
                err = DUET_EFORMAT;
                goto done;
            }
        int n = split_commas(r.f[1], &items, &m_items);
        if (n < 0) { err = DUET_ENOMEM; goto done; }
        if (n == 0) {
            duet_log_error("%s:%lld: mask '%s' names no annotation", path, (long long)r.lineno,
                           r.f[0]);
            err = DUET_EFORMAT;
            goto done;
        }
        uint64_t bits = 0;
        for (int j = 0; j < n; j++) {
            int a = duet_burden_sets_annot(s, items[j], 0);
            if (a < 0) {
                kstring_t known = { 0, 0, NULL };
                for (int b = 0; b < s->n_annots && b < 10; b++)
                    ksprintf(&known, "%s'%s'", b ? ", " : "", s->annots[b]);
                if (s->n_annots > 10) ksprintf(&known, " and %d more", s->n_annots - 10);
                duet_log_error("%s:%lld: mask '%s' names annotation '%s', which the annotations "
                               "do not use (they use %s)", path, (long long)r.lineno, r.f[0],
                               items[j], known.s ? known.s : "none");
                free(known.s);
                err = DUET_EFORMAT;
                goto done;
            }
            bits |= (uint64_t)1 << a;
        }
        if ((err = add_mask(s, r.f[0], bits))) goto done;
    }
    if (ret < 0) { err = DUET_EREAD; goto done; }
    if (s->n_masks == 0) {
        duet_log_error("%s: no mask defined", path);
        err = DUET_EFORMAT;
    }
done:
    free(items);
    reader_close(&r);
    return err;
}

duet_err_t duet_burden_default_masks(duet_burden_sets_t *s)
{
    static const char *const names[DUET_CSQ_N_CLASSES] = {
        "pLoF", "pLoF+missense", "pLoF+missense+synonymous"
    };
    uint64_t bits = 0;
    for (int c = 0; c < DUET_CSQ_N_CLASSES; c++) {
        int a = duet_burden_sets_annot(s, duet_csq_class_names[c], 1);
        if (a < 0) return DUET_ENOMEM;
        bits |= (uint64_t)1 << a;
        duet_err_t err = add_mask(s, names[c], bits);
        if (err) return err;
    }
    return DUET_OK;
}
