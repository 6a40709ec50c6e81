/* cli.h - the subcommands of `miles` and the shared usage-error helper. */
#ifndef MILES_CLI_H
#define MILES_CLI_H

/* Prints "miles: <message>" and the usage text on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_prepare(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_sweep(int argc, char **argv);  /* sweep.c */
int cmd_submit(int argc, char **argv); /* slurm.c */
int cmd_status(int argc, char **argv); /* slurm.c */
int cmd_report(int argc, char **argv); /* report.c */
int cmd_plot(int argc, char **argv);   /* plot.c */

/* Directory of the miles sources (datasets/, experiments/): $MILES_ROOT, else the directory the
 * binary was configured from. */
const char *miles_root(void);

#endif
