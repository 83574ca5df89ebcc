/*
 * csq.c -- gene sets from the consequences a VCF/BCF carries: INFO/CSQ
 * written by Ensembl VEP (its header's Description ends "Format:
 * Allele|Consequence|...|SYMBOL|...") or INFO/ANN written by snpEff (the
 * fixed order of the ANN specification: Allele | Annotation |
 * Annotation_Impact | Gene_Name | ...).  Consequences (Sequence Ontology
 * terms) are mapped to three classes, pLoF, missense and synonymous
 * (burden.h lists the terms); a variant takes, per gene, the most severe
 * class over that gene's transcripts.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/khash.h>
#include <htslib/kstring.h>
#include <htslib/vcf.h>

#include "duet/burden.h"
#include "duet/log.h"

const char *const duet_csq_class_names[DUET_CSQ_N_CLASSES] = { "pLoF", "missense", "synonymous" };

static const struct {
    const char *term;
    int cls;
} csq_terms[] = {
    { "transcript_ablation", DUET_CSQ_PLOF },
    { "splice_acceptor_variant", DUET_CSQ_PLOF },
    { "splice_donor_variant", DUET_CSQ_PLOF },
    { "stop_gained", DUET_CSQ_PLOF },
    { "frameshift_variant", DUET_CSQ_PLOF },
    { "stop_lost", DUET_CSQ_PLOF },
    { "start_lost", DUET_CSQ_PLOF },
    { "missense_variant", DUET_CSQ_MISSENSE },
    { "inframe_insertion", DUET_CSQ_MISSENSE },
    { "inframe_deletion", DUET_CSQ_MISSENSE },
    { "protein_altering_variant", DUET_CSQ_MISSENSE },
    { "synonymous_variant", DUET_CSQ_SYNONYMOUS },
};

int duet_csq_class(const char *s, size_t len)
{
    int best = -1;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != '&') j++;
        for (size_t t = 0; t < sizeof csq_terms / sizeof *csq_terms; t++) {
            size_t tl = strlen(csq_terms[t].term);
            if (tl == j - i && !memcmp(s + i, csq_terms[t].term, tl) &&
                (best < 0 || csq_terms[t].cls < best))
                best = csq_terms[t].cls;
        }
        i = j + 1;
    }
    return best;
}

duet_err_t duet_csq_parse_format(const char *desc, int is_ann, duet_csq_format_t *fmt,
                                 char *err_msg, size_t err_size)
{
    memset(fmt, 0, sizeof *fmt);
    fmt->is_ann = is_ann;
    fmt->allele = fmt->consequence = fmt->gene = -1;
    if (is_ann) {
        /* snpEff: the order is fixed by the ANN specification */
        fmt->allele = 0;
        fmt->consequence = 1;
        fmt->gene = 3;
        fmt->n_fields = 16;
        return DUET_OK;
    }
    const char *f = desc ? strstr(desc, "Format:") : NULL;
    if (!f) {
        snprintf(err_msg, err_size, "the CSQ header line has no 'Format: ...' in its Description");
        return DUET_EFORMAT;
    }
    f += 7;
    while (*f == ' ') f++;
    int idx = 0, symbol = -1, gene = -1;
    for (const char *p = f;;) {
        size_t len = strcspn(p, "|\"");
        while (len && isspace((unsigned char)p[len - 1])) len--;
        const char *q = p;
        while (len && isspace((unsigned char)*q)) { q++; len--; }
        if (len == 6 && !memcmp(q, "Allele", 6)) fmt->allele = idx;
        else if (len == 11 && !memcmp(q, "Consequence", 11)) fmt->consequence = idx;
        else if (len == 6 && !memcmp(q, "SYMBOL", 6)) symbol = idx;
        else if (len == 4 && !memcmp(q, "Gene", 4)) gene = idx;
        idx++;
        p += strcspn(p, "|\"");
        if (*p != '|') break;
        p++;
    }
    fmt->n_fields = idx;
    fmt->gene = symbol >= 0 ? symbol : gene;
    if (fmt->allele < 0 || fmt->consequence < 0 || fmt->gene < 0) {
        snprintf(err_msg, err_size, "the CSQ Format lacks %s",
                 fmt->allele < 0 ? "Allele" : fmt->consequence < 0 ? "Consequence" : "SYMBOL (or Gene)");
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

int duet_csq_match_allele(const char *field, size_t len, char **alleles, int n_alleles)
{
    if (n_alleles == 2) return 1;
    for (int a = 1; a < n_alleles; a++)
        if (strlen(alleles[a]) == len && !memcmp(alleles[a], field, len)) return a;
    /* VEP drops the first base when REF and ALT share it; "-" for none */
    for (int a = 1; a < n_alleles; a++) {
        const char *alt = alleles[a];
        if (alt[0] != alleles[0][0]) continue;
        const char *rest = alt + 1;
        if (!*rest) {
            if (len == 1 && field[0] == '-') return a;
        } else if (strlen(rest) == len && !memcmp(rest, field, len)) {
            return a;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */

typedef struct {
    char *name, *chrom;
    int64_t pos;
    char **ids;
    int n, m;
    int *cls;
} csq_gene_t;

KHASH_MAP_INIT_STR(cgene, int)

static duet_err_t gene_add_variant(csq_gene_t *g, const char *key, int cls)
{
    /* the same variant again (another transcript): keep the most severe */
    if (g->n && !strcmp(g->ids[g->n - 1], key)) {
        if (cls < g->cls[g->n - 1]) g->cls[g->n - 1] = cls;
        return DUET_OK;
    }
    if (g->n == g->m) {
        int m = g->m ? 2 * g->m : 8;
        char **ids = duet_realloc(g->ids, (size_t)m * sizeof *ids);
        if (!ids) return DUET_ENOMEM;
        g->ids = ids;
        int *c = duet_realloc(g->cls, (size_t)m * sizeof *c);
        if (!c) return DUET_ENOMEM;
        g->cls = c;
        g->m = m;
    }
    g->ids[g->n] = strdup(key);
    if (!g->ids[g->n]) return DUET_ENOMEM;
    g->cls[g->n++] = cls;
    return DUET_OK;
}

/* The genes found so far while reading INFO/CSQ or INFO/ANN. */
typedef struct {
    khash_t(cgene) *gh;       /* name -> index in genes */
    csq_gene_t *genes;
    int n_genes, m_genes;
    kstring_t key;
    duet_csq_format_t fmt;
} csq_reader_t;

/* The annotation classes, and the consequence field of the header: its
 * tag (CSQ or ANN) and format. */
static duet_err_t csq_header(duet_burden_sets_t *sets, const char *vcf, bcf_hdr_t *hdr,
                             const char **tag, duet_csq_format_t *fmt)
{
    for (int c = 0; c < DUET_CSQ_N_CLASSES; c++)
        if (duet_burden_sets_annot(sets, duet_csq_class_names[c], 1) != c) {
            duet_log_error("--csq: the annotation classes are already set");
            return DUET_EINTERNAL;
        }
    int is_ann = 0;
    bcf_hrec_t *hr = bcf_hdr_get_hrec(hdr, BCF_HL_INFO, "ID", "CSQ", NULL);
    if (hr) {
        *tag = "CSQ";
    } else if ((hr = bcf_hdr_get_hrec(hdr, BCF_HL_INFO, "ID", "ANN", NULL))) {
        *tag = "ANN";
        is_ann = 1;
    } else {
        duet_log_error("--csq: '%s' has neither INFO/CSQ (VEP) nor INFO/ANN (snpEff) in its "
                       "header", vcf);
        return DUET_EFORMAT;
    }
    int di = bcf_hrec_find_key(hr, "Description");
    char msg[160];
    if (duet_csq_parse_format(di >= 0 ? hr->vals[di] : NULL, is_ann, fmt, msg, sizeof msg)) {
        duet_log_error("--csq: '%s': %s", vcf, msg);
        return DUET_EFORMAT;
    }
    return DUET_OK;
}

/* The index of gene `name` (first seen at chrom:pos), added if new. */
static duet_err_t csq_gene(csq_reader_t *r, const char *name, const char *chrom, int64_t pos,
                           int *gi)
{
    khint_t k = kh_get(cgene, r->gh, name);
    if (k != kh_end(r->gh)) {
        *gi = kh_val(r->gh, k);
        return DUET_OK;
    }
    if (r->n_genes == r->m_genes) {
        int m = r->m_genes ? 2 * r->m_genes : 256;
        csq_gene_t *gg = duet_realloc(r->genes, (size_t)m * sizeof *gg);
        if (!gg) return DUET_ENOMEM;
        r->genes = gg;
        r->m_genes = m;
    }
    *gi = r->n_genes;
    csq_gene_t *g = &r->genes[r->n_genes++];
    memset(g, 0, sizeof *g);
    g->name = strdup(name);
    g->chrom = strdup(chrom);
    g->pos = pos;
    if (!g->name || !g->chrom) return DUET_ENOMEM;
    int absent;
    k = kh_put(cgene, r->gh, g->name, &absent);
    if (absent < 0) return DUET_ENOMEM;
    kh_val(r->gh, k) = *gi;
    return DUET_OK;
}

/* One entry of the record's consequence field (e, elen bytes): its gene
 * gets the variant of its allele with the entry's class. */
static duet_err_t csq_entry(csq_reader_t *r, const bcf1_t *rec, const char *chrom,
                            const char *e, size_t elen)
{
    const duet_csq_format_t *fmt = &r->fmt;
    /* the fields of this entry */
    const char *fs[64];
    size_t fl[64];
    int nf = 0;
    for (size_t i = 0; nf < 64;) {
        size_t j = i;
        while (j < elen && e[j] != '|') j++;
        fs[nf] = e + i;
        fl[nf++] = j - i;
        if (j >= elen) break;
        i = j + 1;
    }
    int need = fmt->allele > fmt->consequence ? fmt->allele : fmt->consequence;
    if (fmt->gene > need) need = fmt->gene;
    if (!(nf > need && fl[fmt->gene] > 0)) return DUET_OK;
    int cls = duet_csq_class(fs[fmt->consequence], fl[fmt->consequence]);
    int a = cls >= 0 ? duet_csq_match_allele(fs[fmt->allele], fl[fmt->allele], rec->d.allele,
                                             rec->n_allele)
                     : 0;
    if (a <= 0) return DUET_OK;
    char gname[256];
    size_t gl = fl[fmt->gene] < sizeof gname - 1 ? fl[fmt->gene] : sizeof gname - 1;
    memcpy(gname, fs[fmt->gene], gl);
    gname[gl] = '\0';
    int gi;
    duet_err_t err = csq_gene(r, gname, chrom, rec->pos + 1, &gi);
    if (err) return err;
    r->key.l = 0;
    ksprintf(&r->key, "%s:%lld:%s:%s", chrom, (long long)rec->pos + 1, rec->d.allele[0],
             rec->d.allele[a]);
    if (!r->key.s) return DUET_ENOMEM;
    return gene_add_variant(&r->genes[gi], r->key.s, cls);
}

/* The genes found into the sets, each listed variant with its most severe
 * class. */
static duet_err_t csq_add_genes(duet_burden_sets_t *sets, const csq_reader_t *r)
{
    for (int g = 0; g < r->n_genes; g++) {
        const csq_gene_t *cg = &r->genes[g];
        duet_err_t err = duet_burden_sets_add_gene(sets, cg->name, cg->chrom, cg->pos,
                                                   (const char *const *)cg->ids, cg->n);
        if (err == DUET_EFORMAT) err = DUET_EINTERNAL;
        if (err) return err;
        const duet_burden_gene_t *sg = &sets->genes[sets->n_genes - 1];
        for (int j = 0; j < sg->n_variants; j++) {
            duet_burden_slot_t *sl = &sets->slots[sg->first + j];
            for (int v = 0; v < cg->n; v++)
                if (!strcmp(cg->ids[v], sl->id)) {
                    if (sl->annot < 0 || cg->cls[v] < sl->annot) sl->annot = cg->cls[v];
                }
        }
    }
    return DUET_OK;
}

duet_err_t duet_burden_sets_from_csq(duet_burden_sets_t *sets, const char *vcf,
                                     int64_t *n_records)
{
    duet_err_t err = DUET_OK;
    *n_records = 0;
    htsFile *fp = hts_open(vcf, "r");
    bcf_hdr_t *hdr = NULL;
    bcf1_t *rec = bcf_init();
    csq_reader_t r;
    memset(&r, 0, sizeof r);
    r.gh = kh_init(cgene);
    char *info = NULL;
    int info_len = 0;
    const char *tag = NULL;
    if (!fp) {
        duet_log_error("cannot open '%s'", vcf);
        err = DUET_EREAD;
        goto done;
    }
    if (!rec || !r.gh) { err = DUET_ENOMEM; goto done; }
    hdr = bcf_hdr_read(fp);
    if (!hdr) {
        duet_log_error("'%s' is not a VCF/BCF htslib can read", vcf);
        err = DUET_EFORMAT;
        goto done;
    }
    if ((err = csq_header(sets, vcf, hdr, &tag, &r.fmt))) goto done;
    /* per record: for each ALT, gene -> most severe class */
    int ret;
    while ((ret = bcf_read(fp, hdr, rec)) == 0) {
        (*n_records)++;
        if (bcf_unpack(rec, BCF_UN_STR | BCF_UN_INFO) < 0) {
            duet_log_error("'%s': cannot unpack record %lld", vcf, (long long)*n_records);
            err = DUET_EFORMAT;
            goto done;
        }
        int n = bcf_get_info_string(hdr, rec, tag, &info, &info_len);
        if (n <= 0 || rec->n_allele < 2) continue;
        const char *chrom = bcf_seqname(hdr, rec);
        for (const char *e = info; *e;) {
            size_t elen = strcspn(e, ",");
            if ((err = csq_entry(&r, rec, chrom, e, elen))) goto done;
            e += elen;
            if (*e == ',') e++;
        }
    }
    if (ret < -1) {
        duet_log_error("'%s': cannot read record %lld", vcf, (long long)*n_records + 1);
        err = DUET_EFORMAT;
        goto done;
    }
    if ((err = csq_add_genes(sets, &r))) goto done;
    if (r.n_genes == 0) {
        duet_log_error("--csq: no variant of '%s' has a consequence of the classes pLoF, "
                       "missense or synonymous", vcf);
        err = DUET_EDEGENERATE;
    }
done:
    for (int g = 0; g < r.n_genes; g++) {
        for (int v = 0; v < r.genes[g].n; v++) free(r.genes[g].ids[v]);
        free(r.genes[g].ids);
        free(r.genes[g].cls);
        free(r.genes[g].name);
        free(r.genes[g].chrom);
    }
    free(r.genes);
    if (r.gh) kh_destroy(cgene, r.gh);
    free(r.key.s);
    free(info);
    if (rec) bcf_destroy(rec);
    if (hdr) bcf_hdr_destroy(hdr);
    if (fp) hts_close(fp);
    return err;
}
