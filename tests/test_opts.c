/* test_opts.c - the option parser of every command (csrc/cli/opts.c), on a table of each kind:
 *
 *   - `--k v` and `--k=v` for strings, integers, doubles, seeds and lists; a flag;
 *   - an option matches by its whole name only (`--outX`, `--ou` are unknown);
 *   - a flag given a value, a value missing at the end, integers out of range, with trailing or
 *     leading junk, overflowing; seeds up to 2^64 - 1 and no sign; doubles not finite; choices;
 *   - repeatable options keep every value in order, and cli_args_free releases them;
 *   - positional counts: too few, a second of one, too many of two, any number;
 *   - --help prints the generated usage on stdout and exits 0, wherever it is; an error prints
 *     "miles: <message>", a blank line and the same usage on stderr and exits 2;
 *   - the generated usage text, exactly.
 *
 * stdout and stderr are captured through temporary files. Exit status 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli.h"
#include "cli/opts.h"

/* The destinations of the test table, reset before each parse. */
static const char *out, *fmt;
static long long count;
static double rate;
static unsigned long long seed;
static int seed_seen, quiet;
static cli_list sets;

static const cli_opt opts[] = {
    CLI_STRING("--out", &out, "DIR", "where it goes"),
    CLI_CHOICE("--format", &fmt, "FMT", "md|tex|csv", "md, tex or csv"),
    CLI_INT("--jobs", &count, "N", 1, 64, "a number of jobs in [1, 64]", "jobs at once\nsecond line"),
    CLI_DOUBLE("--rate", &rate, "R", 0, 1, "a rate in [0, 1]", "a fraction"),
    CLI_U64("--seed", &seed, &seed_seen, "S", "a seed", "the seed"),
    CLI_LIST("--set", &sets, "k=v", "an override"),
    CLI_FLAG("--quiet", &quiet, "say less"),
    CLI_END,
};

static cli_command command(int min_pos, int max_pos) {
    return (cli_command){.name = "thing",
                         .synopsis = "A [B] [options]",
                         .description = "Does a thing.\n",
                         .opts = opts,
                         .min_pos = min_pos,
                         .max_pos = max_pos,
                         .pos_what = "one thing",
                         .epilog = "See also nothing.\n"};
}

typedef struct {
    int rc, n_pos;
    const char *pos[8];
    char out[8192], err[8192];
} result;

/* Reads what was written to FD's file since it was redirected, and restores SAVED. */
static void take(FILE *f, int fd, int saved, char *buf, size_t len) {
    fflush(fd == 1 ? stdout : stderr);
    dup2(saved, fd);
    close(saved);
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Parses the NULL-terminated arguments after the command name, capturing stdout and stderr. */
static result parse(const cli_command *cmd, ...) {
    static result r;
    char *argv[32] = {(char *)cmd->name};
    int argc = 1;
    va_list ap;
    va_start(ap, cmd);
    for (char *a; (a = va_arg(ap, char *)) && argc < 31;) argv[argc++] = a;
    va_end(ap);
    out = fmt = NULL, count = -1, rate = -1, seed = 0, seed_seen = 0, quiet = 0;
    cli_args_free(cmd);
    memset(&r, 0, sizeof r);
    FILE *fo = tmpfile(), *fe = tmpfile();
    REQUIRE(fo && fe);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    r.rc = cli_parse(cmd, argc, argv, r.pos, &r.n_pos);
    take(fo, 1, so, r.out, sizeof r.out);
    take(fe, 2, se, r.err, sizeof r.err);
    return r;
}

static char *usage_of(const cli_command *cmd) {
    static char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    REQUIRE(f);
    cli_print_usage(cmd, f);
    fclose(f);
    return buf;
}

/* The parse failed with exit 2, "miles: MSG", a blank line and the usage. */
#define CHECK_FAILS(r, cmd, msg)                                                                         \
    do {                                                                                                 \
        char want_[1024];                                                                                \
        snprintf(want_, sizeof want_, "miles: %s\n\n", msg);                                             \
        CHECKF((r).rc == EXIT_USAGE, "rc %d, expected 2 for '%s'", (r).rc, msg);                         \
        CHECKF(!strncmp((r).err, want_, strlen(want_)), "stderr '%.200s', expected '%s'", (r).err, msg); \
        CHECKF(!strcmp((r).err + strlen(want_), usage_of(&(cmd))), "no usage after the message");        \
        CHECKF(!(r).out[0], "stdout '%s'", (r).out);                                                     \
    } while (0)

static void test_values(void) {
    cli_command c = command(0, -1);
    result r = parse(&c, "--out", "d1", "--jobs=7", "--rate", "0.25", "--seed=18446744073709551615", "--quiet",
                     "--format", "tex", NULL);
    CHECKF(r.rc == CLI_PARSED, "rc %d: %s", r.rc, r.err);
    CHECK(out && !strcmp(out, "d1") && count == 7 && rate == 0.25 && quiet == 1 && !strcmp(fmt, "tex"));
    CHECK(seed == 18446744073709551615ULL && seed_seen == 1);
    r = parse(&c, "--out=a=b", "--jobs", "64", "--rate=1e-3", "--seed", "0", NULL);
    CHECK(r.rc == CLI_PARSED && !strcmp(out, "a=b") && count == 64 && rate == 1e-3 && seed == 0 && seed_seen == 1);
    r = parse(&c, "--out", "x", "--out", "y", NULL); /* the last one wins */
    CHECK(r.rc == CLI_PARSED && !strcmp(out, "y"));
    r = parse(&c, "--out", "--quiet", NULL); /* a value may look like an option */
    CHECK(r.rc == CLI_PARSED && !strcmp(out, "--quiet") && !quiet);
    r = parse(&c, NULL);
    CHECK(r.rc == CLI_PARSED && !out && count == -1 && !seed_seen && !quiet && sets.n == 0);
}

static void test_lists(void) {
    cli_command c = command(0, -1);
    const char *many[80];
    char text[70][16];
    for (int i = 0; i < 70; i++) {
        snprintf(text[i], sizeof text[i], "k.%d=%d", i, i);
        many[i] = text[i];
    }
    result r = parse(&c, "--set", "a=1", "--set=b=2", "x", "--set", "c=3", NULL);
    CHECK(r.rc == CLI_PARSED && sets.n == 3 && r.n_pos == 1);
    CHECK(sets.n == 3 && !strcmp(sets.v[0], "a=1") && !strcmp(sets.v[1], "b=2") && !strcmp(sets.v[2], "c=3"));
    /* no limit on how many */
    char *argv[1 + 2 * 70] = {"thing"};
    for (int i = 0; i < 70; i++) argv[1 + 2 * i] = "--set", argv[2 + 2 * i] = (char *)many[i];
    const char *pos[1];
    int n_pos;
    cli_args_free(&c);
    CHECK(cli_parse(&c, 1 + 2 * 70, argv, pos, &n_pos) == CLI_PARSED && sets.n == 70 && !strcmp(sets.v[69], "k.69=69"));
    cli_args_free(&c);
    CHECK(sets.n == 0 && sets.v == NULL);
}

static void test_errors(void) {
    cli_command c = command(0, -1);
    result r = parse(&c, "--quiet=1", NULL);
    CHECK_FAILS(r, c, "--quiet takes no value");
    r = parse(&c, "--quiet=", NULL);
    CHECK_FAILS(r, c, "--quiet takes no value");
    r = parse(&c, "a", "--out", NULL);
    CHECK_FAILS(r, c, "--out needs a value");
    r = parse(&c, "--set", NULL);
    CHECK_FAILS(r, c, "--set needs a value");
    r = parse(&c, "--outX", "d", NULL);
    CHECK_FAILS(r, c, "unknown option --outX");
    r = parse(&c, "--ou", "d", NULL);
    CHECK_FAILS(r, c, "unknown option --ou");
    r = parse(&c, "--jobsX=3", NULL);
    CHECK_FAILS(r, c, "unknown option --jobsX");
    r = parse(&c, "-q", NULL);
    CHECK_FAILS(r, c, "unknown option -q");
    static const char *const bad_jobs[] = {"0", "65", "-1", "5x", "x5", "", " 5", "5 ", "1e1", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_jobs / sizeof *bad_jobs; i++) {
        char msg[200];
        snprintf(msg, sizeof msg, "--jobs: expected a number of jobs in [1, 64], found %s", bad_jobs[i]);
        r = parse(&c, "--jobs", bad_jobs[i], NULL);
        CHECK_FAILS(r, c, msg);
    }
    static const char *const bad_seeds[] = {"-1", "+1", "18446744073709551616", "1.5", "", " 1", "0x10"};
    for (size_t i = 0; i < sizeof bad_seeds / sizeof *bad_seeds; i++) {
        char msg[200];
        snprintf(msg, sizeof msg, "--seed: expected a seed, found %s", bad_seeds[i]);
        r = parse(&c, "--seed", bad_seeds[i], NULL);
        CHECK_FAILS(r, c, msg);
    }
    static const char *const bad_rates[] = {"nan", "inf", "-0.5", "1.5", "0.5x", ""};
    for (size_t i = 0; i < sizeof bad_rates / sizeof *bad_rates; i++) {
        char msg[200];
        snprintf(msg, sizeof msg, "--rate: expected a rate in [0, 1], found %s", bad_rates[i]);
        r = parse(&c, "--rate", bad_rates[i], NULL);
        CHECK_FAILS(r, c, msg);
    }
    r = parse(&c, "--format", "pdf", NULL);
    CHECK_FAILS(r, c, "--format: expected md, tex or csv, found 'pdf'");
    r = parse(&c, "--format=", NULL);
    CHECK_FAILS(r, c, "--format: expected md, tex or csv, found ''");
    r = parse(&c, "--format", "m", NULL); /* not a prefix match either */
    CHECK_FAILS(r, c, "--format: expected md, tex or csv, found 'm'");
}

static void test_positionals(void) {
    cli_command one = command(1, 1), two = command(0, 2), any = command(0, -1), none = command(0, 0);
    result r = parse(&one, "--quiet", NULL);
    CHECK_FAILS(r, one, "expected one thing");
    r = parse(&one, "a", "b", NULL);
    CHECK_FAILS(r, one, "expected one thing, found a second: b");
    r = parse(&one, "--quiet", "a", NULL);
    CHECK(r.rc == CLI_PARSED && r.n_pos == 1 && !strcmp(r.pos[0], "a") && quiet);
    r = parse(&two, "a", "--quiet", "b", "c", NULL);
    CHECK_FAILS(r, two, "too many arguments: c");
    r = parse(&none, "a", NULL);
    CHECK_FAILS(r, none, "too many arguments: a");
    r = parse(&any, "a", "-", "b", "c", "d", NULL); /* "-" is a positional (stdin, by convention) */
    CHECK(r.rc == CLI_PARSED && r.n_pos == 5 && !strcmp(r.pos[1], "-") && !strcmp(r.pos[4], "d"));
}

static const char expected_usage[] = "usage: miles thing A [B] [options]\n"
                                     "\n"
                                     "Does a thing.\n"
                                     "\n"
                                     "options:\n"
                                     "  --out DIR              where it goes\n"
                                     "  --format FMT           md, tex or csv\n"
                                     "  --jobs N               jobs at once\n"
                                     "                         second line\n"
                                     "  --rate R               a fraction\n"
                                     "  --seed S               the seed\n"
                                     "  --set k=v              an override (repeatable)\n"
                                     "  --quiet                say less\n"
                                     "  -h, --help             this text\n"
                                     "\n"
                                     "See also nothing.\n";

static void test_help(void) {
    cli_command c = command(1, 1);
    CHECKF(!strcmp(usage_of(&c), expected_usage), "generated usage:\n%s", usage_of(&c));
    static const char *const forms[] = {"--help", "-h"};
    for (int i = 0; i < 2; i++) {
        result r = parse(&c, "--jobs", "3", (char *)forms[i], "--bogus", NULL); /* before the rest is read */
        CHECKF(r.rc == EXIT_OK, "%s: rc %d", forms[i], r.rc);
        CHECKF(!strcmp(r.out, expected_usage), "%s: stdout %s", forms[i], r.out);
        CHECKF(!r.err[0], "%s: stderr %s", forms[i], r.err);
    }
    /* an error before --help is still an error */
    result r = parse(&c, "--bogus", "--help", NULL);
    CHECK_FAILS(r, c, "unknown option --bogus");
}

int main(void) {
    test_values();
    test_lists();
    test_errors();
    test_positionals();
    test_help();
    cli_command c = command(0, -1);
    cli_args_free(&c);
    if (failures) {
        fprintf(stderr, "test_opts: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_opts: all checks passed\n");
    return 0;
}
