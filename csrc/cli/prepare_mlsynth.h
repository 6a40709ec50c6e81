/* prepare_mlsynth.h - `miles prepare mlsynth` (cli/prepare_mlsynth.c), reached from
 * `miles prepare`: the multi-label text + image layout, its text tokenized with WordPiece. */
#ifndef MILES_CLI_PREPARE_MLSYNTH_H
#define MILES_CLI_PREPARE_MLSYNTH_H

/* argv[0] is "mlsynth"; returns the exit code. */
int cmd_prepare_mlsynth(int argc, char **argv);

#endif
