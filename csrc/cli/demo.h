/* demo.h - what `miles demo` reads back from its MILES run's epochs.csv, declared for its unit
 * test (tests/test_demo.c); the command itself is cmd_demo (cli/cli.h). */
#ifndef MILES_CLI_DEMO_H
#define MILES_CLI_DEMO_H

/* Epochs of the run whose lr_a or lr_b was below lr_fusion, and the largest delta, with the
 * columns found by name in CSV's header. Returns the number of epoch rows, or -1 when the file
 * cannot be read or lacks one of those columns. */
int demo_count_reduced_epochs(const char *csv, int *reduced, double *max_delta);

#endif
