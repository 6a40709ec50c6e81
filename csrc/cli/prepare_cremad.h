/* prepare_cremad.h - `miles prepare cremad` (cli/prepare_cremad.c), reached from `miles
 * prepare`. */
#ifndef MILES_CLI_PREPARE_CREMAD_H
#define MILES_CLI_PREPARE_CREMAD_H

/* argv[0] is "cremad"; returns the exit code. */
int cmd_prepare_cremad(int argc, char **argv);

#endif
