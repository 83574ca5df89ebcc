/*
 * samples.c -- small helpers that commands reading genotypes share: the
 * --samples list file and the --chunk K/N specification.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet/geno.h"
#include "duet/log.h"

duet_err_t duet_geno_chunk_parse(const char *arg, int *k, int *n)
{
    char *end = NULL;
    const char *slash = arg ? strchr(arg, '/') : NULL;
    long kk = 0, nn = 0;
    if (slash && isdigit((unsigned char)arg[0]) && isdigit((unsigned char)slash[1])) {
        errno = 0;
        kk = strtol(arg, &end, 10);
        if (end == slash && !errno) {
            nn = strtol(slash + 1, &end, 10);
            if (*end || errno) nn = 0;
        }
    }
    if (nn < 1 || nn > 1000000 || kk < 1 || kk > nn) {
        duet_log_error("--chunk expects K/N with 1 <= K <= N <= 1000000, got '%s'",
                       arg ? arg : "");
        return DUET_EUSAGE;
    }
    *k = (int)kk;
    *n = (int)nn;
    return DUET_OK;
}

void duet_geno_samples_free(char **names, int n)
{
    if (!names) return;
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* The `col`-th (0-based) whitespace-separated field of line, copied; NULL
 * if the line has fewer fields (or on OOM, with *oom set). */
static char *field_of(const char *line, int col, int *oom)
{
    const char *p = line;
    for (int c = 0;; c++) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '\n' || *p == '\r') return NULL;
        const char *q = p;
        while (*q && !isspace((unsigned char)*q)) q++;
        if (c == col) {
            char *s = strndup(p, (size_t)(q - p));
            if (!s) *oom = 1;
            return s;
        }
        p = q;
    }
}

static int starts_with_word(const char *line, const char *word)
{
    size_t n = strlen(word);
    return strncmp(line, word, n) == 0 && (line[n] == 0 || isspace((unsigned char)line[n]));
}

duet_err_t duet_geno_samples_read(const char *path, char ***names_out, int *n_out)
{
    duet_err_t err = DUET_OK;
    char **names = NULL, *line = NULL;
    int n = 0, m = 0, col = -1, oom = 0;
    size_t cap = 0;
    long lineno = 0;
    *names_out = NULL;
    *n_out = 0;
    FILE *fp = fopen(path, "r");
    if (!fp) {
        duet_log_error("cannot open sample list %s: %s", path, strerror(errno));
        return DUET_EREAD;
    }
    ssize_t len;
    errno = 0;
    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        const char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == 0 || *p == '\n' || *p == '\r') continue;
        if (n == 0 && col < 0) {
            const char *h = *p == '#' ? p + 1 : p;
            if (starts_with_word(h, "FID")) {
                col = 1;
                continue;
            }
            if (starts_with_word(h, "IID")) {
                col = 0;
                continue;
            }
        }
        if (*p == '#') continue;
        if (n == 0 && col < 0) {
            /* No header: one field is the ID; two or more are FID IID
             * (.fam, plink keep files). */
            int oom2 = 0;
            char *second = field_of(p, 1, &oom2);
            if (oom2) {
                err = DUET_ENOMEM;
                goto cleanup;
            }
            col = second ? 1 : 0;
            free(second);
        }
        char *id = field_of(p, col, &oom);
        if (!id) {
            if (oom) {
                err = DUET_ENOMEM;
                goto cleanup;
            }
            duet_log_error("%s, line %ld: no IID in column %d", path, lineno, col + 1);
            err = DUET_EFORMAT;
            goto cleanup;
        }
        if (n == m) {
            int m2 = m ? 2 * m : 64;
            char **t = duet_realloc(names, sizeof(char *) * (size_t)m2);
            if (!t) {
                free(id);
                err = DUET_ENOMEM;
                goto cleanup;
            }
            names = t;
            m = m2;
        }
        names[n++] = id;
    }
    if (ferror(fp)) {
        duet_log_error("cannot read sample list %s: %s", path, strerror(errno));
        err = DUET_EREAD;
        goto cleanup;
    }
    if (n == 0) {
        duet_log_error("sample list %s has no sample IDs", path);
        err = DUET_EDEGENERATE;
        goto cleanup;
    }
cleanup:
    free(line);
    fclose(fp);
    if (err) {
        duet_geno_samples_free(names, n);
        return err;
    }
    *names_out = names;
    *n_out = n;
    return DUET_OK;
}
