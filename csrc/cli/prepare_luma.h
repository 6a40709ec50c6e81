/* prepare_luma.h - `miles prepare luma` (cli/prepare_luma.c), reached from `miles prepare`, and
 * the checks every preparer makes that --out is none of their inputs (cli/prepare.c). */
#ifndef MILES_CLI_PREPARE_LUMA_H
#define MILES_CLI_PREPARE_LUMA_H

#include "cli/opts.h"

/* argv[0] is "luma"; returns the exit code. */
int cmd_prepare_luma(int argc, char **argv);

/* Whether the cache OUT would replace an input under FROM: OUT (the real path of its directory
 * plus its name, so `..`, `.` and symbolic links do not hide it) is FROM/NAME for one of the n
 * FILES, or lies inside FROM/DIR for one of the n_dirs DIRS. 0 when OUT's directory does not
 * exist (then nothing can be there yet). */
int prepare_out_is_input(const char *out, const char *from, const char *const *files, int n, const char *const *dirs,
                         int n_dirs);

/* The path checks of a preparer whose inputs are the N directories DIRS under FROM: --from and
 * --out are given, and neither the cache nor the report (when given) lands inside an input
 * directory, where it could replace an input. CLI_PARSED, or the exit code (2). */
int prepare_check_dirs(const cli_command *cmd, const char *from, const char *out, const char *report,
                       const char *const *dirs, int n);

#endif
