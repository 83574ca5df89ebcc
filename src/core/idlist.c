/*
 * idlist.c -- the one reader of sample and variant ID lists (idlist.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/bgzf.h>
#include <htslib/khash.h>
#include <htslib/kstring.h>

#include "duet/core.h"
#include "duet/idlist.h"
#include "duet/log.h"

KHASH_MAP_INIT_STR(idl, int)

void duet_idlist_destroy(duet_idlist_t *l)
{
    if (!l) return;
    for (int i = 0; i < l->n; i++) free(l->ids[i]);
    free(l->ids);
    free(l->path);
    if (l->hash) kh_destroy(idl, (khash_t(idl) *)l->hash);
    free(l);
}

/* The fields of `line`, split in place at runs of spaces and tabs; at most
 * max are recorded, the count of all is returned. */
static int split_ws(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (!*p) break;
        if (n < max) f[n] = p;
        n++;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
        if (!*p) break;
        *p++ = 0;
    }
    return n;
}

static int is_word(const char *s, const char *w)
{
    return !strcmp(s[0] == '#' ? s + 1 : s, w);
}

/* Add `id` unless present (a repeat is counted, the first one's line
 * kept).  DUET_ENOMEM on failure. */
static duet_err_t add_id(duet_idlist_t *l, int *m, const char *id, int lineno)
{
    khash_t(idl) *h = l->hash;
    khint_t k0 = kh_get(idl, h, id);
    if (k0 != kh_end(h)) {
        if (l->n_repeats++ == 0) {
            l->first_repeat = kh_val(h, k0);
            l->first_repeat_line = lineno;
        }
        return DUET_OK;
    }
    if (l->n == *m) {
        int m2 = *m ? 2 * *m : 256;
        char **ids = realloc(l->ids, (size_t)m2 * sizeof *ids);
        if (!ids) return DUET_ENOMEM;
        l->ids = ids;
        *m = m2;
    }
    char *copy = strdup(id);
    if (!copy) return DUET_ENOMEM;
    int absent;
    khint_t k = kh_put(idl, h, copy, &absent);
    if (absent < 0) {
        free(copy);
        return DUET_ENOMEM;
    }
    kh_val(h, k) = l->n;
    l->ids[l->n++] = copy;
    return DUET_OK;
}

duet_err_t duet_idlist_read(const char *path, int column, duet_idlist_t **out)
{
    *out = NULL;
    duet_idlist_t *l = duet_calloc(1, sizeof *l);
    if (!l) return DUET_ENOMEM;
    l->hash = kh_init(idl);
    l->path = strdup(path);
    if (!l->hash || !l->path) {
        duet_idlist_destroy(l);
        return duet_log_oom(0);
    }
    BGZF *fp = bgzf_open(path, "r");
    if (!fp) {
        duet_log_error("cannot open ID list '%s': %s", path, strerror(errno));
        duet_idlist_destroy(l);
        return DUET_EREAD;
    }
    kstring_t line = { 0, 0, NULL };
    duet_err_t err = DUET_OK;
    int lineno = 0, ret, m = 0, col = column > 0 ? column - 1 : -1;
    char *f[8];
    while ((ret = bgzf_getline(fp, '\n', &line)) >= 0) {
        lineno++;
        int n = split_ws(line.s, f, 8);
        if (n == 0) continue;
        if (col < 0) { /* the first line decides (column 0) */
            if (is_word(f[0], "FID") && n >= 2 && !strcmp(f[1], "IID")) { col = 1; continue; }
            if (is_word(f[0], "IID")) { col = 0; continue; }
            col = n >= 2 ? 1 : 0;
        }
        if (f[0][0] == '#') continue;
        if (col >= n || col >= 8) {
            duet_log_error("%s:%d: %d field(s), the IDs are in column %d", path, lineno, n,
                           col + 1);
            err = DUET_EFORMAT;
            break;
        }
        if ((err = add_id(l, &m, f[col], lineno))) {
            (void)duet_log_oom(0);
            break;
        }
    }
    if (!err && ret < -1) {
        duet_log_error("cannot read ID list '%s'", path);
        err = DUET_EREAD;
    }
    bgzf_close(fp);
    free(line.s);
    if (err) {
        duet_idlist_destroy(l);
        return err;
    }
    *out = l;
    return DUET_OK;
}

int duet_idlist_has(const duet_idlist_t *l, const char *id)
{
    khash_t(idl) *h = l->hash;
    return kh_get(idl, h, id) != kh_end(h);
}
