/*
 * clump_write.c -- the outputs of duet clump (clump.h): plink 1.9's
 * .clumped table (same columns and widths, so that a user can put the two
 * side by side), a tab-separated table of the clumps and the log of counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/kstring.h>

#include "duet/clump.h"
#include "duet/log.h"
#include "duet/opts.h"
#include "duet/tsv.h"
#include "duet/version.h"

/* p with 3 significant digits as plink prints it; a p that underflowed a
 * double from its -log10. */
static void format_p(double p, double mlp, char *buf, size_t n)
{
    if (p > 0.0 || !isfinite(mlp)) {
        snprintf(buf, n, "%.3g", p);
        return;
    }
    double e = ceil(mlp);
    double mant = pow(10.0, e - mlp);
    if (mant >= 9.995) {
        mant /= 10.0;
        e -= 1.0;
    }
    snprintf(buf, n, "%.2fe-%.0f", mant, e);
}

static duet_err_t write_clumped(const duet_clump_result_t *res, duet_out_t *o)
{
    int w = 3;
    for (int c = 0; c < res->n_clumps; c++) {
        int l = (int)strlen(res->variants[res->clumps[c].index].id);
        if (l > w) w = l;
    }
    duet_err_t err = duet_out_printf(o, " CHR    F %*s         BP        P    TOTAL   NSIG    S05    "
                                        "S01   S001  S0001    SP2\n", w, "SNP");
    kstring_t sp2 = {0, 0, NULL};
    for (int c = 0; !err && c < res->n_clumps; c++) {
        const duet_clump_t *cl = &res->clumps[c];
        const duet_clump_variant_t *v = &res->variants[cl->index];
        char pbuf[32];
        format_p(v->p, v->mlp, pbuf, sizeof pbuf);
        sp2.l = 0;
        for (int k = 0; k < cl->n_members; k++) {
            const duet_clump_variant_t *m = &res->variants[cl->members[k]];
            if (!(m->p < res->opts.p2)) continue;
            if (sp2.l) kputc(',', &sp2);
            kputs(m->id, &sp2);
            kputs("(1)", &sp2);
        }
        if (!sp2.l) kputs("NONE", &sp2);
        if (!sp2.s) {
            err = duet_log_oom(64);
            break;
        }
        err = duet_out_printf(o, "%4s %4d %*s %10lld %10s %8d %6d %6d %6d %6d %6d %s\n", v->chrom,
                              1, w, v->id, (long long)v->pos, pbuf, cl->n_members, cl->histo[0],
                              cl->histo[1], cl->histo[2], cl->histo[3], cl->histo[4], sp2.s);
    }
    free(sp2.s);
    if (!err) err = duet_out_puts(o, "\n\n"); /* plink ends the table with blank lines */
    return err;
}

static duet_err_t write_tsv(const duet_clump_result_t *res, duet_out_t *o, int no_version)
{
    duet_err_t err = DUET_OK;
    if (!no_version && (err = duet_out_printf(o, "## %s\n## command: %s\n", duet_version_string(),
                                              duet_opts_cmdline())))
        return err;
    if ((err = duet_out_puts(o, "index_variant\tchromosome\tbase_pair_location\teffect_allele\t"
                                "other_allele\tp_value\tneg_log_10_p_value\ttotal\tmembers\n")))
        return err;
    duet_tsv_row_t row;
    duet_tsv_row_init(&row);
    kstring_t mem = {0, 0, NULL};
    for (int c = 0; !err && c < res->n_clumps; c++) {
        const duet_clump_t *cl = &res->clumps[c];
        const duet_clump_variant_t *v = &res->variants[cl->index];
        char pbuf[32];
        format_p(v->p, v->mlp, pbuf, sizeof pbuf);
        duet_tsv_str(&row, v->id);
        duet_tsv_str(&row, v->chrom);
        duet_tsv_int(&row, v->pos);
        duet_tsv_str(&row, v->effect_allele);
        duet_tsv_str(&row, v->other_allele);
        if (v->p > 0.0) duet_tsv_double(&row, v->p, 6, "#NA");
        else duet_tsv_str(&row, pbuf);
        duet_tsv_fixed(&row, v->mlp, 4, "#NA");
        duet_tsv_int(&row, cl->n_members);
        mem.l = 0;
        for (int k = 0; k < cl->n_members; k++) {
            if (k) kputc(',', &mem);
            kputs(res->variants[cl->members[k]].id, &mem);
        }
        duet_tsv_str(&row, cl->n_members && mem.s ? mem.s : "#NA");
        err = duet_tsv_row_write(&row, o);
    }
    free(mem.s);
    duet_tsv_row_free(&row);
    return err;
}

static duet_err_t write_log(const duet_clump_result_t *res, duet_out_t *o, int no_version)
{
    const duet_clump_counts_t *c = &res->counts;
    const duet_clump_opts_t *op = &res->opts;
    duet_err_t err = DUET_OK;
    if (!no_version && (err = duet_out_printf(o, "## %s\n## command: %s\n", duet_version_string(),
                                              duet_opts_cmdline())))
        return err;
    return duet_out_printf(o,
        "sumstats_format\t%s\n"
        "rows_read\t%lld\n"
        "rows_without_p\t%lld\n"
        "rows_matched\t%lld\n"
        "rows_absent\t%lld\n"
        "rows_allele_mismatch\t%lld\n"
        "rows_duplicate\t%lld\n"
        "rows_swapped\t%lld\n"
        "rows_multiallelic\t%lld\n"
        "rows_index_candidates_unmatched\t%lld\n"
        "rows_outside_windows\t%lld\n"
        "reference_samples\t%d\n"
        "reference_variants\t%lld\n"
        "reference_regions\t%lld\n"
        "pairs_measured\t%lld\n"
        "pairs_in_ld\t%lld\n"
        "index_candidates\t%lld\n"
        "index_variants\t%d\n"
        "clumped\t%lld\n"
        "clump_p1\t%g\n"
        "clump_p2\t%g\n"
        "clump_r2\t%g\n"
        "clump_kb\t%g\n",
        res->sumstats_format, (long long)c->n_rows, (long long)c->n_no_p,
        (long long)c->n_matched, (long long)c->n_absent, (long long)c->n_allele_mismatch,
        (long long)c->n_duplicate, (long long)c->n_swapped, (long long)c->n_multiallelic,
        (long long)c->n_index_absent, (long long)c->n_outside, c->n_samples,
        (long long)c->n_ref_variants, (long long)c->n_regions,
        (long long)c->n_pairs, (long long)c->n_pairs_ld, (long long)c->n_index_candidates, res->n_clumps, (long long)c->n_clumped,
        op->p1, op->p2, op->r2, op->kb);
}

duet_err_t duet_clump_write(const duet_clump_result_t *res, duet_out_t *clumped, duet_out_t *tsv,
                            duet_out_t *log, int no_version)
{
    duet_err_t err;
    if (clumped && (err = write_clumped(res, clumped))) return err;
    if (tsv && (err = write_tsv(res, tsv, no_version))) return err;
    if (log && (err = write_log(res, log, no_version))) return err;
    return DUET_OK;
}
