/*
 * main.c -- duet's command table and dispatch (bcftools style).  Adding a
 * command is one declaration and one row; everything else lives in
 * src/cmd_<name>.c and the modules.
 */
#include <stdio.h>
#include <string.h>

#include "duet/core.h"
#include "duet/err.h"
#include "duet/log.h"
#include "duet/version.h"

typedef struct {
    duet_err_t (*func)(int argc, char **argv);
    const char *name; /* NULL: a section heading */
    const char *help;
    const char *subs; /* subcommands, space-separated, or NULL */
} cmd_t;

duet_err_t main_burden(int argc, char **argv);
duet_err_t main_clump(int argc, char **argv);
duet_err_t main_embed(int argc, char **argv);
duet_err_t main_freq(int argc, char **argv);
duet_err_t main_gwas(int argc, char **argv);
duet_err_t main_ld(int argc, char **argv);
duet_err_t main_merge(int argc, char **argv);
duet_err_t main_meta(int argc, char **argv);
duet_err_t main_phewas(int argc, char **argv);
duet_err_t main_pca(int argc, char **argv);
duet_err_t main_phecode(int argc, char **argv);
duet_err_t main_pheno(int argc, char **argv);
duet_err_t main_plot(int argc, char **argv);
duet_err_t main_prs(int argc, char **argv);
duet_err_t main_score(int argc, char **argv);
duet_err_t main_simulate(int argc, char **argv);
duet_err_t main_store(int argc, char **argv);

static const cmd_t cmds[] = {
    { NULL, NULL, "EHR store and phenotypes", NULL },
    { main_store, "store", "the EHR store: init, import OMOP CSV exports, info", "init import info" },
    { main_phecode, "phecode", "map ICD source codes to phecodes: person x phecode date counts", NULL },
    { main_pheno, "pheno", "phenotype and covariate tables: phecodes, measurements, age, sex", NULL },
    { NULL, NULL, "Genotypes", NULL },
    { main_freq, "freq", "allele frequency and missingness of each variant", NULL },
    { main_pca, "pca", "genotype principal components (randomized SVD)", NULL },
    { NULL, NULL, "Association scans", NULL },
    { main_gwas, "gwas", "phenotype-first scan: linear / logistic / Firth, many traits", NULL },
    { main_burden, "burden", "rare-variant gene tests: burden, SKAT, SKAT-O, ACAT (regenie masks)", NULL },
    { main_merge, "merge", "gather the chunk outputs of one trait into one file", NULL },
    { main_phewas, "phewas", "genotype-first scan: variants or a score x every phecode", NULL },
    { NULL, NULL, "Polygenic scores and meta-analysis", NULL },
    { main_clump, "clump", "LD clumping of summary statistics (plink 1.9 --clump)", NULL },
    { main_prs, "prs", "polygenic scores from summary statistics: C+T (PRSice-2), Bayesian (PRS-CS-auto)", "ct bayes" },
    { main_score, "score", "apply polygenic scores (PGS Catalog, plink2, duet weights) in one pass", NULL },
    { main_meta, "meta", "meta-analysis of summary statistics: fixed and random effects", NULL },
    { main_ld, "ld", "block-diagonal LD reference (nearest PSD blocks) for prs bayes", NULL },
    { NULL, NULL, "Embeddings and fusion", NULL },
    { main_embed, "embed", "per-person feature tables per modality: phecode history, labs, scores, PCs", NULL },
    { NULL, NULL, "Figures", NULL },
    { main_plot, "plot", "SVG figures: Manhattan, QQ and PheWAS plots", "manhattan qq phewas embed" },
    { NULL, NULL, "Simulation", NULL },
    { main_simulate, "simulate", "a synthetic cohort with known truth (BCF, OMOP CSV, omics)", NULL },
    { NULL, NULL, NULL, NULL } /* end */
};

static void usage(FILE *fp)
{
    fprintf(fp, "\n");
    fprintf(fp, "Program: duet (biobank genotype/phenotype association engine)\n");
    fprintf(fp, "Version: %s\n\n", DUET_VERSION);
    fprintf(fp, "Usage:   duet <command> [options]\n");
    for (const cmd_t *c = cmds; c->help; c++) {
        if (!c->name) fprintf(fp, "\n %s\n", c->help);
        else fprintf(fp, "    %-12s %s\n", c->name, c->help);
    }
    fprintf(fp, "\n");
    fprintf(fp, " Help\n");
    fprintf(fp, "    help CMD     the usage of CMD (same as 'duet CMD -h')\n");
    fprintf(fp, "    --version    versions of duet and its libraries\n");
    fprintf(fp, "\nEach command has a manual page: man duet-<command>.\n\n");
}

static const cmd_t *find(const char *name)
{
    for (const cmd_t *c = cmds; c->help; c++)
        if (c->name && strcmp(c->name, name) == 0) return c;
    return NULL;
}

static int run(const cmd_t *c, int argc, char **argv)
{
    duet_log_set_command(c->name);
    return c->func(argc, argv);
}

int main(int argc, char **argv)
{
    duet_core_init(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return DUET_EUSAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
        usage(stdout);
        return DUET_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        duet_version_print(stdout);
        return DUET_OK;
    }
    if (!strcmp(name, "--commands")) { /* for the test suite: one line per
                                          * command or "command subcommand" */
        for (const cmd_t *c = cmds; c->help; c++) {
            if (!c->name) continue;
            if (!c->subs) {
                printf("%s\n", c->name);
                continue;
            }
            for (const char *p = c->subs; *p;) {
                size_t n = strcspn(p, " ");
                printf("%s %.*s\n", c->name, (int)n, p);
                p += n + (p[n] == ' ');
            }
        }
        return DUET_OK;
    }
    if (!strcmp(name, "help")) {
        if (argc < 3) {
            usage(stdout);
            return DUET_OK;
        }
        const cmd_t *c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "duet: unknown command '%s'\n", argv[2]);
            return DUET_EUSAGE;
        }
        /* "duet help store import" == "duet store import -h" */
        char *help_argv[16];
        int n = 0;
        for (int i = 2; i < argc && n < 14; i++) help_argv[n++] = argv[i];
        help_argv[n++] = "-h";
        help_argv[n] = NULL;
        return run(c, n, help_argv);
    }
    const cmd_t *c = find(name);
    if (!c) {
        fprintf(stderr, "duet: unknown command '%s'; 'duet -h' lists the commands\n", name);
        return DUET_EUSAGE;
    }
    return run(c, argc - 1, argv + 1);
}
