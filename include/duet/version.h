/*
 * version.h -- duet's version and the versions of the libraries it runs on.
 */
#ifndef DUET_VERSION_H
#define DUET_VERSION_H

#include <stdio.h>

#define DUET_VERSION "0.1.0"

/* Print "duet VERSION" and one line per library (htslib, SQLite, zstd,
 * OpenBLAS) to `fp`. */
void duet_version_print(FILE *fp);

/* A provenance string "duet VERSION; htslib X; ..." owned by the library. */
const char *duet_version_string(void);

#endif
