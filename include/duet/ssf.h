/*
 * ssf.h -- helpers of the GWAS-SSF writers (duet gwas, duet meta): the
 * standard columns in their order, YAML scalars of the metadata sidecar,
 * and the data file's checksum that the sidecar records.
 */
#ifndef DUET_SSF_H
#define DUET_SSF_H

#include <htslib/kstring.h>
#include "duet/err.h"
#include "duet/text.h"

/* The GWAS Catalog summary-statistics standard's columns, in order,
 * tab-separated (no newline); a writer appends its extra columns. */
#define DUET_SSF_COLUMNS                                                     \
    "chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\t"    \
    "odds_ratio\tstandard_error\teffect_allele_frequency\tp_value\t"         \
    "neg_log_10_p_value\tci_upper\tci_lower\trsid\tvariant_id\tinfo\tn"

/* Append `s` as a YAML double-quoted scalar (", \ escaped, control bytes
 * as \xNN). */
void duet_ssf_yaml_str(duet_text_t *t, const char *s);

/* The md5 of a file's bytes as 32 hex digits.  DUET_EWRITE (reported) if
 * it cannot be read back, DUET_ENOMEM. */
duet_err_t duet_ssf_file_md5(const char *path, char hex[33]) DUET_WUR;

#endif
