/*
 * out.h -- outputs that workflow managers can trust.
 *
 * Every output file is written under a temporary name in its target folder
 * (".NAME.tmpXXXXXX"), flushed, fsync()ed and closed, and only then renamed
 * to its final name.  Temporaries are removed when a writer is destroyed
 * without being committed, and by the SIGINT/SIGTERM handler installed with
 * duet_out_install_signals(), so that a failed or interrupted run leaves no
 * partial output.  A folder output (duet_outdir_t) works the same way: the
 * files go into a temporary folder that is renamed as a whole.
 *
 * Three encodings: plain text, bgzip (htslib BGZF; optionally tabix-indexed)
 * and zstd.  The path "-" means stdout (plain only, nothing to rename).
 */
#ifndef DUET_OUT_H
#define DUET_OUT_H

#include <stddef.h>
#include "duet/err.h"

typedef enum {
    DUET_OUT_PLAIN = 0,
    DUET_OUT_BGZF = 1,
    DUET_OUT_ZSTD = 2
} duet_out_kind_t;

typedef struct duet_out_t duet_out_t;

/* The encoding a path asks for: ".gz" / ".bgz" -> BGZF, ".zst" -> zstd,
 * anything else (and "-") -> plain. */
duet_out_kind_t duet_out_kind_for_path(const char *path);

/* Open `path` for writing in encoding `kind`.  Refuses (DUET_EWRITE, with a
 * message) if `path` exists and `force` is 0, or if its folder cannot be
 * written.  `threads` > 1 lets BGZF compress with that many threads.  On
 * success *out owns a temporary file registered for cleanup. */
duet_err_t duet_out_create(const char *path, duet_out_kind_t kind, int force,
                           int threads, duet_out_t **out) DUET_WUR;

/* Append bytes.  Errors (disk full...) are reported once with the path. */
duet_err_t duet_out_write(duet_out_t *o, const void *buf, size_t len) DUET_WUR;
duet_err_t duet_out_puts(duet_out_t *o, const char *s) DUET_WUR;
duet_err_t duet_out_printf(duet_out_t *o, const char *fmt, ...)
    DUET_PRINTF(2, 3) DUET_WUR;

/* Tabix settings for a BGZF output: sequence, begin and end columns
 * (1-based), number of header lines to skip, and the comment character. */
typedef struct {
    int col_seq, col_beg, col_end;
    int skip_lines;
    char meta_char;
} duet_tabix_t;

/* Finish the file under its temporary name: flush, close, fsync; for a BGZF
 * output with `tabix` non-NULL also build the ".tbi" index (under a temporary
 * name too).  Nothing is visible under the final name yet. */
duet_err_t duet_out_close(duet_out_t *o, const duet_tabix_t *tabix) DUET_WUR;

/* Rename a closed output (and its index) to the final name and fsync the
 * folder.  After this the writer only needs duet_out_destroy(). */
duet_err_t duet_out_publish(duet_out_t *o) DUET_WUR;

/* Publish closed outputs that belong together (NULL entries skipped): all
 * of them, or, when one fails (reported), none -- those already renamed
 * are removed again. */
duet_err_t duet_out_publish_all(duet_out_t *const *outs, int n) DUET_WUR;

/* duet_out_close() followed by duet_out_publish(). */
duet_err_t duet_out_commit(duet_out_t *o, const duet_tabix_t *tabix) DUET_WUR;

/* Free the writer; an output that was not published is removed.  NULL is
 * accepted. */
void duet_out_destroy(duet_out_t *o);

/* The final path given to duet_out_create(). */
const char *duet_out_path(const duet_out_t *o);

/*
 * Folder outputs.  duet_outdir_create() makes ".NAME.tmpXXXXXX" beside
 * `path`; duet_outdir_file() gives the path of a file inside it (and registers
 * it for cleanup); duet_outdir_commit() fsyncs and renames the folder to
 * `path` (replacing an existing folder only with `force`, and only one that
 * duet_outdir_create() checked was removable).
 */
typedef struct duet_outdir_t duet_outdir_t;

duet_err_t duet_outdir_create(const char *path, int force,
                              duet_outdir_t **dir) DUET_WUR;
/* Path of `name` inside the temporary folder, owned by `dir`, valid until
 * duet_outdir_destroy(); NULL after an allocation failure (reported). */
const char *duet_outdir_file(duet_outdir_t *dir, const char *name);
duet_err_t duet_outdir_commit(duet_outdir_t *dir) DUET_WUR;
/* Free; an uncommitted folder is removed with the files registered in it. */
void duet_outdir_destroy(duet_outdir_t *dir);
/* The temporary folder's path (for writers that take a folder). */
const char *duet_outdir_tmp_path(const duet_outdir_t *dir);

/*
 * Cleanup registry, used by the writers above and by code that lets a library
 * write a file itself (htslib's bcf_idx_save, SQLite): register the path
 * before the file is created, release it once it is final.  On SIGINT or
 * SIGTERM every registered path is unlink()ed (rmdir()ed for folders) in
 * reverse order and the process exits with 130 or 143.
 */
int duet_cleanup_register(const char *path, int is_dir);
void duet_cleanup_release(int handle);
/* Remove the path now (if it exists) and release it. */
void duet_cleanup_remove(int handle);

/* Install the SIGINT/SIGTERM handlers.  Called once by main(). */
void duet_out_install_signals(void);

#endif
