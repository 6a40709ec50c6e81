/* opts.c - the table-driven option parser of every command (opts.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli/opts.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"

#define ML_NAME_MAX 255 /* bytes of one path component (NAME_MAX of Linux file systems) */

void cli_print_usage(const cli_command *cmd, FILE *f) {
    fprintf(f, "usage: miles %s %s\n", cmd->name, cmd->synopsis);
    if (cmd->description) fprintf(f, "\n%s", cmd->description);
    fputs("\noptions:\n", f);
    for (const cli_opt *o = cmd->opts; o && o->name; o++) {
        char lhs[64];
        snprintf(lhs, sizeof lhs, "%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        fprintf(f, "  %-22s ", lhs);
        /* Continuation lines of a multi-line help align under the first. */
        for (const char *h = o->help; *h; h++) {
            fputc(*h, f);
            if (*h == '\n') fprintf(f, "  %-22s ", "");
        }
        if (o->kind == OPT_LIST) fputs(" (repeatable)", f);
        fputc('\n', f);
    }
    fprintf(f, "  %-22s %s\n", "-h, --help", "this text");
    if (cmd->epilog) fprintf(f, "\n%s", cmd->epilog);
}

static int vfail(const cli_command *cmd, const char *fmt, va_list ap) {
    fputs("miles: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n\n", stderr);
    cli_print_usage(cmd, stderr);
    return EXIT_USAGE;
}

int cli_fail(const cli_command *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(cmd, fmt, ap);
    va_end(ap);
    return rc;
}

static const cli_opt *find_opt(const cli_command *cmd, const char *arg, size_t len) {
    for (const cli_opt *o = cmd->opts; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, arg, len)) return o;
    return NULL;
}

/* 1 when v is one of the '|'-separated choices. */
static int is_choice(const char *choices, const char *v) {
    size_t n = strlen(v);
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && !strncmp(c, v, n)) return 1;
        if (!bar) break;
        c = bar + 1;
    }
    return 0;
}

/* "md|tex|csv" -> "md, tex or csv", for the error message. */
static void choices_text(const char *choices, char *out, size_t len) {
    const char *last = strrchr(choices, '|');
    size_t k = 0;
    out[0] = 0;
    for (const char *c = choices; *c && k + 5 < len; c++) {
        if (*c != '|') out[k++] = *c;
        else k += (size_t)snprintf(out + k, len - k, c == last ? " or " : ", ");
    }
    out[k] = 0;
}

/* Whether O's value is a path: its metavar says so (DIR, FILE, FILE.h5, PREFIX). */
static int is_path_opt(const cli_opt *o) {
    static const char *const kinds[] = {"DIR", "FILE", "PREFIX"};
    for (size_t i = 0; o->metavar && i < sizeof kinds / sizeof *kinds; i++)
        if (!strncmp(o->metavar, kinds[i], strlen(kinds[i]))) return 1;
    return 0;
}

/* An empty path would make the command write into (or next to) the current directory, and a
 * path the system cannot take would be cut or fail halfway, after directories were created:
 * both are refused before anything is touched. */
static int check_path(const cli_command *cmd, const cli_opt *o, const char *v) {
    if (!*v) return cli_fail(cmd, "%s: expected a path, found an empty value", o->name);
    size_t len = strlen(v);
    if (len >= ML_PATH_MAX)
        return cli_fail(cmd, "%s: expected a path shorter than %d bytes, found one of %zu bytes", o->name, ML_PATH_MAX,
                        len);
    for (const char *c = v; *c;) {
        size_t part = strcspn(c, "/");
        if (part > ML_NAME_MAX)
            return cli_fail(cmd, "%s: expected path components of at most %d bytes, found one of %zu: %.40s...",
                            o->name, ML_NAME_MAX, part, c);
        c += part;
        c += strspn(c, "/");
    }
    return CLI_PARSED;
}

static int store_string(const cli_command *cmd, const cli_opt *o, const char *v) {
    if (is_path_opt(o) && check_path(cmd, o, v) != CLI_PARSED) return EXIT_USAGE;
    if (o->expect && !is_choice(o->expect, v)) {
        char list[256];
        choices_text(o->expect, list, sizeof list);
        return cli_fail(cmd, "%s: expected %s, found '%s'", o->name, list, v);
    }
    *(const char **)o->dest = v;
    return CLI_PARSED;
}

/* strtoll and strtod skip leading blanks; a value given as " 5" is a mistake, not a 5. */
static int starts_blank(const char *v) { return isspace((unsigned char)v[0]); }

static int store_int(const cli_command *cmd, const cli_opt *o, const char *v) {
    long long x;
    if (starts_blank(v) || parse_int(v, o->lo, o->hi, &x))
        return cli_fail(cmd, "%s: expected %s, found %s", o->name, o->expect, v);
    *(long long *)o->dest = x;
    return CLI_PARSED;
}

static int store_double(const cli_command *cmd, const cli_opt *o, const char *v) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || starts_blank(v) || *end || errno || !isfinite(x) || x < o->dlo || x > o->dhi)
        return cli_fail(cmd, "%s: expected %s, found %s", o->name, o->expect, v);
    *(double *)o->dest = x;
    return CLI_PARSED;
}

/* Digits only: strtoull would turn "-1" into 2^64 - 1. */
static int store_u64(const cli_command *cmd, const cli_opt *o, const char *v) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || *end || errno)
        return cli_fail(cmd, "%s: expected %s, found %s", o->name, o->expect, v);
    *(unsigned long long *)o->dest = x;
    return CLI_PARSED;
}

static int store_list(const cli_opt *o, const char *v) {
    cli_list *l = o->dest;
    const char **grown = realloc(l->v, (size_t)(l->n + 1) * sizeof *grown);
    if (!grown) {
        fprintf(stderr, "miles: out of memory\n");
        return EXIT_RUNTIME;
    }
    l->v = grown;
    l->v[l->n++] = v;
    return CLI_PARSED;
}

/* Stores one option value; returns CLI_PARSED, or the exit code after printing the error. */
static int store(const cli_command *cmd, const cli_opt *o, const char *v) {
    if (o->seen) *o->seen = 1;
    switch (o->kind) {
    case OPT_FLAG: *(int *)o->dest = 1; return CLI_PARSED;
    case OPT_STRING: return store_string(cmd, o, v);
    case OPT_INT: return store_int(cmd, o, v);
    case OPT_DOUBLE: return store_double(cmd, o, v);
    case OPT_U64: return store_u64(cmd, o, v);
    case OPT_LIST: return store_list(o, v);
    }
    return EXIT_USAGE;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, const char **pos, int *n_pos) {
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli_print_usage(cmd, stdout);
            return EXIT_OK;
        }
        if (a[0] != '-' || !a[1]) {
            if (cmd->max_pos >= 0 && *n_pos >= cmd->max_pos) {
                if (cmd->max_pos == 1) return cli_fail(cmd, "expected %s, found a second: %s", cmd->pos_what, a);
                return cli_fail(cmd, "too many arguments: %s", a);
            }
            pos[(*n_pos)++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        const cli_opt *o = find_opt(cmd, a, eq ? (size_t)(eq - a) : strlen(a));
        if (!o) return cli_fail(cmd, "unknown option %.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
        const char *v = NULL;
        if (o->kind == OPT_FLAG) {
            if (eq) return cli_fail(cmd, "%s takes no value", o->name);
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            return cli_fail(cmd, "%s needs a value", o->name);
        }
        int rc = store(cmd, o, v);
        if (rc != CLI_PARSED) return rc;
    }
    if (*n_pos < cmd->min_pos) return cli_fail(cmd, "expected %s", cmd->pos_what);
    return CLI_PARSED;
}

void cli_args_free(const cli_command *cmd) {
    for (const cli_opt *o = cmd->opts; o && o->name; o++)
        if (o->kind == OPT_LIST) {
            cli_list *l = o->dest;
            free(l->v);
            l->v = NULL;
            l->n = 0;
        }
}
