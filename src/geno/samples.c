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
#include "duet/idlist.h"
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

duet_err_t duet_geno_samples_read(const char *path, char ***names_out, int *n_out)
{
    *names_out = NULL;
    *n_out = 0;
    duet_idlist_t *list = NULL;
    duet_err_t err = duet_idlist_read(path, 0, &list);
    if (err) return err;
    if (list->n == 0) {
        duet_log_error("sample list %s holds no sample ID", path);
        duet_idlist_destroy(list);
        return DUET_EDEGENERATE;
    }
    if (list->n_repeats > 0) {
        duet_log_error("%s:%d: sample '%s' is listed twice (%d repeated line%s): a sample "
                       "list names each sample once", path, list->first_repeat_line,
                       list->ids[list->first_repeat], list->n_repeats,
                       list->n_repeats == 1 ? "" : "s");
        duet_idlist_destroy(list);
        return DUET_EMISMATCH;
    }
    /* hand the IDs over; the list keeps none */
    *names_out = list->ids;
    *n_out = list->n;
    list->ids = NULL;
    list->n = 0;
    duet_idlist_destroy(list);
    return DUET_OK;
}
