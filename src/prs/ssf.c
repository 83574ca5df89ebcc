/*
 * ssf.c -- helpers of the GWAS-SSF writers (ssf.h), shared by duet gwas
 * and duet meta.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <htslib/hts.h>

#include "duet/log.h"
#include "duet/ssf.h"

void duet_ssf_yaml_str(duet_text_t *t, const char *s)
{
    int bad = kputc('"', &t->ks) < 0;
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') bad |= kputc('\\', &t->ks) < 0;
        if ((unsigned char)*s < 0x20) {
            bad |= ksprintf(&t->ks, "\\x%02x", (unsigned char)*s) < 0;
            continue;
        }
        bad |= kputc(*s, &t->ks) < 0;
    }
    bad |= kputc('"', &t->ks) < 0;
    if (bad) t->oom = 1;
}

duet_err_t duet_ssf_file_md5(const char *path, char hex[33])
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        duet_log_error("cannot reopen '%s' to checksum it", path);
        return DUET_EWRITE;
    }
    hts_md5_context *ctx = hts_md5_init();
    if (!ctx) { fclose(fp); return duet_log_oom(0); }
    unsigned char buf[1 << 16], digest[16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) hts_md5_update(ctx, buf, (unsigned long)n);
    int bad = ferror(fp);
    fclose(fp);
    hts_md5_final(digest, ctx);
    hts_md5_destroy(ctx);
    if (bad) {
        duet_log_error("cannot read '%s' back to checksum it", path);
        return DUET_EWRITE;
    }
    hts_md5_hex(hex, digest);
    return DUET_OK;
}
