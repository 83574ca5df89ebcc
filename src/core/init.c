/*
 * init.c -- process start-up shared by main() and the test programs.
 */
#include <htslib/hts.h>

#include "duet/core.h"
#include "duet/opts.h"
#include "duet/out.h"

void duet_core_init(int argc, char **argv)
{
    duet_opts_set_cmdline(argc, argv);
    duet_out_install_signals();
    hts_set_log_level(HTS_LOG_ERROR);
}
