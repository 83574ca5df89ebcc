/*
 * core.h -- process-wide start-up shared by main() and the test programs.
 */
#ifndef DUET_CORE_H
#define DUET_CORE_H

/* Remember the command line for provenance, install the SIGINT/SIGTERM
 * cleanup handlers, and quieten htslib's own logging to errors only (duet
 * reports problems itself, with context). */
void duet_core_init(int argc, char **argv);

#endif
