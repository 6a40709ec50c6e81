/* prepare_luma.h - `miles prepare luma` (cli/prepare_luma.c), reached from `miles prepare`. */
#ifndef MILES_CLI_PREPARE_LUMA_H
#define MILES_CLI_PREPARE_LUMA_H

/* argv[0] is "luma"; returns the exit code. */
int cmd_prepare_luma(int argc, char **argv);

#endif
