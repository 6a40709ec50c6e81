/* opts.h - one option parser for every `miles` command: a table of options per command parses
 * argv and generates the command's --help text, so the two never disagree.
 *
 * Accepted forms: `--name VALUE`, `--name=VALUE`, `--flag`, `-h`/`--help`. Positionals may come
 * anywhere. An option is matched by its whole name (`--jobsX` is unknown, not `--jobs`). Errors
 * print "miles: <message>" and the generated usage on stderr. A string option whose metavar
 * names a path (DIR, FILE..., PREFIX) must be a non-empty path under ML_PATH_MAX bytes with no
 * component over 255 bytes.
 */
#include <stdio.h>

#ifndef MILES_CLI_OPTS_H
#define MILES_CLI_OPTS_H

typedef enum {
    OPT_FLAG,   /* int *: set to 1 */
    OPT_STRING, /* const char **: the value (last one wins) */
    OPT_INT,    /* long long *: an integer in [lo, hi] */
    OPT_DOUBLE, /* double *: a finite number in [dlo, dhi] */
    OPT_U64,    /* unsigned long long *: any decimal integer in [0, 2^64 - 1] (seeds) */
    OPT_LIST    /* cli_list *: every value, in order (repeatable) */
} cli_opt_kind;

/* Values of a repeatable option; storage is owned by the parse (cli_args_free). */
typedef struct {
    const char **v;
    int n;
} cli_list;

typedef struct {
    const char *name; /* "--out" */
    cli_opt_kind kind;
    void *dest;
    const char *metavar; /* "DIR"; NULL for flags */
    const char *help;    /* one line (may contain \n for more) */
    long long lo, hi;    /* OPT_INT bounds */
    double dlo, dhi;     /* OPT_DOUBLE bounds */
    const char *expect;  /* OPT_INT/OPT_DOUBLE/OPT_U64: "a number of processes in [1, 4096]" for the
                            error; OPT_STRING: "md|tex|csv" restricts the value to these choices */
    int *seen;           /* may be NULL; set to 1 when the option is given (for options whose every
                            value is valid, so no sentinel can say "not given") */
} cli_opt;

typedef struct {
    const char *name;        /* "train" */
    const char *synopsis;    /* "EXP.yaml [options]" */
    const char *description; /* paragraph printed between the usage line and the options */
    const cli_opt *opts;     /* terminated by an entry whose name is NULL */
    int min_pos, max_pos;    /* positional count; max_pos < 0: unbounded */
    const char *pos_what;    /* "an experiment file": for "expected ..." messages */
    const char *epilog;      /* printed after the options (may be NULL) */
} cli_command;

/* Table entries, so that a table reads as one line per option. */
#define CLI_FLAG(nm, d, hlp) \
    { .name = (nm), .kind = OPT_FLAG, .dest = (d), .help = (hlp) }
#define CLI_STRING(nm, d, mv, hlp) \
    { .name = (nm), .kind = OPT_STRING, .dest = (d), .metavar = (mv), .help = (hlp) }
#define CLI_CHOICE(nm, d, mv, choices, hlp) \
    { .name = (nm), .kind = OPT_STRING, .dest = (d), .metavar = (mv), .help = (hlp), .expect = (choices) }
#define CLI_INT(nm, d, mv, l, h, exp, hlp)                                                                \
    {                                                                                                     \
        .name = (nm), .kind = OPT_INT, .dest = (d), .metavar = (mv), .help = (hlp), .lo = (l), .hi = (h), \
        .expect = (exp)                                                                                   \
    }
#define CLI_DOUBLE(nm, d, mv, l, h, exp, hlp)                                                                  \
    {                                                                                                          \
        .name = (nm), .kind = OPT_DOUBLE, .dest = (d), .metavar = (mv), .help = (hlp), .dlo = (l), .dhi = (h), \
        .expect = (exp)                                                                                        \
    }
#define CLI_U64(nm, d, sn, mv, exp, hlp) \
    { .name = (nm), .kind = OPT_U64, .dest = (d), .seen = (sn), .metavar = (mv), .help = (hlp), .expect = (exp) }
#define CLI_LIST(nm, d, mv, hlp) \
    { .name = (nm), .kind = OPT_LIST, .dest = (d), .metavar = (mv), .help = (hlp) }
#define CLI_END \
    { 0 }

enum {
    CLI_PARSED = -1 /* parse succeeded; any other return value is the exit code to return */
};

/* Parses argv[1..argc-1] (argv[0] is the command name). Positionals go to pos (room for argc
 * entries, caller-owned), their count to *n_pos. Returns CLI_PARSED, EXIT_OK after printing
 * --help to stdout, or EXIT_USAGE after printing the error and usage to stderr. */
int cli_parse(const cli_command *cmd, int argc, char **argv, const char **pos, int *n_pos);

/* Frees what cli_parse allocated for OPT_LIST destinations of cmd. */
void cli_args_free(const cli_command *cmd);

/* Writes the generated usage text of cmd (what --help prints). */
void cli_print_usage(const cli_command *cmd, FILE *f);

/* "miles: <message>" plus the usage on stderr; returns EXIT_USAGE. For checks the table cannot
 * express (two options that exclude each other, a value's format). */
int cli_fail(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
