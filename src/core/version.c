/*
 * version.c -- duet's version and those of the libraries it was linked with,
 * as reported by the libraries themselves at run time.
 */
#include <stdio.h>
#include <string.h>

#include <htslib/hts.h>
#include <sqlite3.h>
#include <zstd.h>

#include "duet/version.h"

char *openblas_get_config(void);

static const char *openblas_version(char *buf, size_t size)
{
    /* "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ..." -> "0.3.21 (DYNAMIC_ARCH ...)" */
    const char *cfg = openblas_get_config();
    if (!cfg) return "unknown";
    if (strncmp(cfg, "OpenBLAS ", 9) == 0) cfg += 9;
    snprintf(buf, size, "%s", cfg);
    return buf;
}

void duet_version_print(FILE *fp)
{
    char blas[256];
    fprintf(fp, "duet %s\n", DUET_VERSION);
    fprintf(fp, "Using htslib %s\n", hts_version());
    fprintf(fp, "Using SQLite %s\n", sqlite3_libversion());
    fprintf(fp, "Using zstd %s\n", ZSTD_versionString());
    fprintf(fp, "Using OpenBLAS %s\n", openblas_version(blas, sizeof blas));
}

const char *duet_version_string(void)
{
    static char buf[512];
    char blas[256];
    openblas_version(blas, sizeof blas);
    char *sp = strchr(blas, ' ');
    if (sp) *sp = 0;
    snprintf(buf, sizeof buf, "duet %s; htslib %s; SQLite %s; zstd %s; OpenBLAS %s",
             DUET_VERSION, hts_version(), sqlite3_libversion(), ZSTD_versionString(), blas);
    return buf;
}
