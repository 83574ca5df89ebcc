/*
 * idlist.h -- lists of IDs: samples (--keep, --remove, --samples) and
 * variants (--extract, --exclude, --variants), one reader for every
 * command, plain or gzip/bgzip-compressed.
 *
 * Lines are whitespace-separated fields; blank lines are skipped.  With
 * column > 0 the IDs are that (1-based) column and lines starting with '#'
 * are skipped.  With column 0 (sample files, as plink2 reads them) the
 * first non-blank line decides, once for the whole file:
 *   - a header "#FID IID ..." or "FID IID ..." (plink2 .psam, regenie
 *     tables): IDs from the second column, the header skipped;
 *   - a header "#IID ..." or "IID ...": IDs from the first column;
 *   - no header: one field per line means one ID per line; two or more
 *     fields are FID IID (.fam, plink keep files): the second column;
 * later lines starting with '#' are skipped.  An ID listed twice is kept
 * once, at its first place, and counted (n_repeats): a caller for whom a
 * repeat is an error (--samples, an ordered selection) says so.
 */
#ifndef DUET_IDLIST_H
#define DUET_IDLIST_H

#include "duet/err.h"

typedef struct {
    char *path;
    int n;          /* distinct IDs */
    char **ids;     /* in first-seen order */
    int n_repeats;  /* lines whose ID was listed before */
    int first_repeat;       /* index in ids of the first repeated ID */
    int first_repeat_line;  /* line of its second listing */
    void *hash;
} duet_idlist_t;

/* Errors (reported, with the path): DUET_EREAD, DUET_EFORMAT (a line
 * without the ID column, file:line), DUET_ENOMEM.  An empty list is not an
 * error (n = 0). */
duet_err_t duet_idlist_read(const char *path, int column,
                            duet_idlist_t **list) DUET_WUR;
void duet_idlist_destroy(duet_idlist_t *list);
/* 1 if `id` is in the list. */
int duet_idlist_has(const duet_idlist_t *list, const char *id);

#endif
