/* prepare_mmimdb.h - `miles prepare mmimdb` (cli/prepare_mmimdb.c), reached from `miles prepare`. */
#ifndef MILES_CLI_PREPARE_MMIMDB_H
#define MILES_CLI_PREPARE_MMIMDB_H

/* argv[0] is "mmimdb"; returns the exit code. */
int cmd_prepare_mmimdb(int argc, char **argv);

#endif
