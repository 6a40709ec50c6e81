/* cli.h - the commands of `miles` (one file each under cli/) and what they share: the exit
 * codes, the mapping from library statuses to them, and where the miles sources are.
 *
 * Only cli/ and main.c include this header: library code returns an ml_status (core/status.h).
 */
#ifndef MILES_CLI_H
#define MILES_CLI_H

#include "core/status.h"

/* Exit codes of `miles` (documented in `miles --help`). */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 2,  /* invalid command line or configuration (nothing was written) */
    EXIT_DATA = 3,   /* dataset missing, unreadable or inconsistent */
    EXIT_RUNTIME = 4 /* LibTorch, device, I/O or memory failure */
};

/* The exit code for a library status. */
int cli_exit_code(ml_status s);

int cmd_train(int argc, char **argv);
int cmd_prepare(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Directory of the miles sources (datasets/, experiments/): $MILES_ROOT, else the directory the
 * binary was configured from. */
const char *miles_root(void);

#endif
