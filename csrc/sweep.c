/* sweep.c - `miles sweep`: a random search on this machine, trial by trial, resumable.
 *
 * A sweep directory holds sweep.json (the manifest) and trial-NNN/, each the run directory of
 * one trial (that of `miles train`). Everything about a trial follows from the experiment file,
 * the user's --set overrides and the trial index (search.c), so any process can run any trial,
 * and every command starts by checking that the manifest matches what it would write:
 *
 *   1. validation: the base configuration (file + --set) loads; the space parses; every bound
 *      and choice and every trial's values load through config_load as overrides, so the
 *      schema's own rules apply to them; an error names the parameter's FILE:LINE:COL;
 *   2. the manifest: written once to a unique temporary name and link()ed into place (only one
 *      writer can win; the others compare theirs with it), so SLURM array tasks may all start
 *      at once; a different seed, trial count, space or base configuration is refused, naming
 *      what differs;
 *   3. trials: each runs in a forked child (a crash is that trial's failure, not the sweep's)
 *      holding an fcntl lock on trial-NNN/lock, so one trial is never trained by two processes;
 *      finished trials (summary.json) are skipped, unfinished ones continue from ckpt/state.txt,
 *      failed ones (trial-NNN/failed) are tried again.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT; everything else is POSIX.1-2008 */
#include "sweep.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli.h"
#include "config.h"
#include "runfiles.h"
#include "train.h"

#define MAX_USER_SETS 32
#define EXIT_BUSY_CHILD 10 /* between a worker and its parent only: the trial's lock was held */

static int last_busy; /* set by sweep_run_trial when another process holds the trial's lock */

/* ---- small helpers --------------------------------------------------------------------------- */

static void trial_dir(const char *dir, int trial, char *out, size_t len) { snprintf(out, len, "%s/trial-%03d", dir, trial); }

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
        if (cap - len - 1 == 0) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b, cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

/* The shortest text that reads back as exactly x. */
static void fmt_exact(double x, char *out, size_t len)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, x);
        if (strtod(out, NULL) == x) return;
    }
}

static void sb_json_str(strbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') sb_printf(b, "\\%c", *p);
        else if (*p == '\n') sb_printf(b, "\\n");
        else if (*p < 0x20) sb_printf(b, "\\u%04x", *p);
        else sb_printf(b, "%c", *p);
    }
    sb_printf(b, "\"");
}

/* The value of top-level field KEY of a JSON object written by this file or train.c: a string
 * (unescaped) or the raw text of a number. 0, or -1 when absent. */
static int json_get(const char *json, const char *key, char *out, size_t len)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p || !len) return -1;
    p += strlen(pat);
    while (*p == ' ') p++;
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            char c = *p;
            if (c == '\\' && p[1]) {
                p++;
                c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
                if (*p == 'u' && p[1] && p[2] && p[3] && p[4]) {
                    c = (char)strtol((char[]){p[3], p[4], 0}, NULL, 16);
                    p += 4;
                }
            }
            if (n + 1 < len) out[n++] = c;
        }
        if (*p != '"') return -1;
    } else {
        for (; *p && *p != ',' && *p != '\n' && *p != '}'; p++)
            if (n + 1 < len) out[n++] = *p;
    }
    out[n] = '\0';
    return 0;
}

/* ---- validation ------------------------------------------------------------------------------ */

/* Rewrites config_load's message about override SET (one of the space's) to point at the
 * parameter in the file: "EXP:L:C: search.params.P: <message> (<what>)". */
static void space_error(const sweep_info *info, const char *set, const char *raw, const char *what, char *err,
                        size_t errlen)
{
    char prefix[SEARCH_SET_LEN + 16];
    snprintf(prefix, sizeof prefix, "--set %s: ", set);
    const search_param *p = NULL;
    size_t plen = strcspn(set, "=");
    for (int k = 0; k < info->space.n; k++)
        if (strlen(info->space.p[k].path) == plen && !strncmp(info->space.p[k].path, set, plen)) p = &info->space.p[k];
    if (!p || strncmp(raw, prefix, strlen(prefix)) != 0) {
        snprintf(err, errlen, "%s (%s)", raw, what);
        return;
    }
    const char *msg = raw + strlen(prefix);
    if (!strncmp(msg, p->path, plen) && !strncmp(msg + plen, ": ", 2)) msg += plen + 2;
    snprintf(err, errlen, "%s:%d:%d: search.params.%s: %s (%s)", info->exp, p->line, p->col, p->path, msg, what);
}

/* config_load with the user's sets and EXTRA (n_extra of them). */
static int load_with(const sweep_info *info, char extra[][SEARCH_SET_LEN], int n_extra, config *cfg, char *err,
                     size_t errlen)
{
    const char *sets[MAX_USER_SETS + SEARCH_MAX_PARAMS + 1];
    int n = 0;
    for (int i = 0; i < info->n_sets; i++) sets[n++] = info->sets[i];
    for (int i = 0; i < n_extra; i++) sets[n++] = extra[i];
    return config_load(info->exp, sets, n, cfg, err, errlen);
}

/* Checks one override of the space alone (a bound or a choice). */
static int check_one(const sweep_info *info, const char *path, const char *value, const char *what, char *err,
                     size_t errlen)
{
    char set[1][SEARCH_SET_LEN], raw[2048];
    config cfg;
    snprintf(set[0], SEARCH_SET_LEN, "%s=%s", path, value);
    if (load_with(info, set, 1, &cfg, raw, sizeof raw) == 0) {
        config_free(&cfg);
        return 0;
    }
    space_error(info, set[0], raw, what, err, errlen);
    return EXIT_USAGE;
}

/* Everything sweep_prepare checks before it touches the disk; fills INFO. */
static int sweep_validate(const char *exp, const char *const *sets, int n_sets, const char *out_dir, sweep_info *info,
                          char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    if (strlen(exp) >= sizeof info->exp) {
        snprintf(err, errlen, "%s: path too long", exp);
        return EXIT_USAGE;
    }
    snprintf(info->exp, sizeof info->exp, "%s", exp);
    if (n_sets > MAX_USER_SETS) {
        snprintf(err, errlen, "at most %d --set overrides, found %d", MAX_USER_SETS, n_sets);
        return EXIT_USAGE;
    }
    for (int i = 0; i < n_sets; i++) {
        if (strlen(sets[i]) >= SEARCH_SET_LEN) {
            snprintf(err, errlen, "--set %.60s...: longer than %d bytes", sets[i], SEARCH_SET_LEN - 1);
            return EXIT_USAGE;
        }
        snprintf(info->sets[i], SEARCH_SET_LEN, "%s", sets[i]);
    }
    info->n_sets = n_sets;

    config base;
    if (config_load(exp, sets, n_sets, &base, err, errlen)) return EXIT_USAGE;
    config_hash(&base, info->base_hash);
    const char *dir = out_dir ? out_dir : cfg_str(&base, "output.dir");
    if (strlen(dir) >= sizeof info->dir) {
        snprintf(err, errlen, "%s: path too long", dir);
        config_free(&base);
        return EXIT_USAGE;
    }
    snprintf(info->dir, sizeof info->dir, "%s", dir);
    config_free(&base);

    if (search_load(exp, &info->space, err, errlen)) return EXIT_USAGE;
    if (!info->space.present) {
        snprintf(err, errlen, "%s: no search: block (a sweep needs search: with params; see experiments/README.md)",
                 exp);
        return EXIT_USAGE;
    }
    const search_space *sp = &info->space;

    /* a key both searched and set by the user */
    for (int i = 0; i < n_sets; i++)
        for (int k = 0; k < sp->n; k++) {
            size_t n = strlen(sp->p[k].path);
            if (!strncmp(sets[i], sp->p[k].path, n) && sets[i][n] == '=') {
                snprintf(err, errlen, "--set %s: %s is searched (%s:%d:%d); drop the --set or the parameter", sets[i],
                         sp->p[k].path, exp, sp->p[k].line, sp->p[k].col);
                return EXIT_USAGE;
            }
        }

    /* every bound and choice on its own */
    for (int k = 0; k < sp->n; k++) {
        const search_param *p = &sp->p[k];
        char v[64], what[200];
        if (p->kind == SEARCH_CHOICE) {
            for (int c = 0; c < p->n_choices; c++) {
                snprintf(what, sizeof what, "choice %d of %d", c + 1, p->n_choices);
                if (check_one(info, p->path, p->choices[c], what, err, errlen)) return EXIT_USAGE;
            }
            continue;
        }
        for (int end = 0; end < 2; end++) {
            double x = end ? p->hi : p->lo;
            if (p->kind == SEARCH_INT) snprintf(v, sizeof v, "%lld", (long long)x);
            else fmt_exact(x, v, sizeof v);
            snprintf(what, sizeof what, "at %s = %s", end ? "hi" : "lo", v);
            if (check_one(info, p->path, v, what, err, errlen)) return EXIT_USAGE;
        }
    }

    /* every trial */
    char tsets[SEARCH_MAX_PARAMS][SEARCH_SET_LEN];
    for (int t = 0; t < sp->trials; t++) {
        int n;
        char raw[2048];
        config cfg;
        search_trial_sets(sp, t, tsets, &n);
        if (load_with(info, tsets, n, &cfg, raw, sizeof raw) == 0) {
            config_free(&cfg);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "trial %d", t);
        const char *set = "";
        for (int i = 0; i < n; i++) {
            size_t len = strlen(tsets[i]);
            if (!strncmp(raw, "--set ", 6) && !strncmp(raw + 6, tsets[i], len) && !strncmp(raw + 6 + len, ": ", 2))
                set = tsets[i];
        }
        space_error(info, set, raw, what, err, errlen);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- the manifest ---------------------------------------------------------------------------- */

static char *manifest_text(const sweep_info *info)
{
    strbuf b = {0};
    char space[8192], exp[4096], num[40];
    search_describe(&info->space, space, sizeof space);
    const char *abs = realpath(info->exp, exp) ? exp : info->exp;
    config base;
    char err[2048];
    const char *sets[MAX_USER_SETS];
    for (int i = 0; i < info->n_sets; i++) sets[i] = info->sets[i];
    char *yaml = NULL;
    size_t yaml_len = 0;
    if (config_load(info->exp, sets, info->n_sets, &base, err, sizeof err) == 0) {
        FILE *f = open_memstream(&yaml, &yaml_len);
        if (f) {
            config_print_yaml(&base, f);
            fclose(f);
        }
        config_free(&base);
    }
    sb_printf(&b, "{\n  \"experiment\": ");
    sb_json_str(&b, abs);
    sb_printf(&b, ",\n  \"sets\": [");
    for (int i = 0; i < info->n_sets; i++) {
        sb_printf(&b, "%s", i ? ", " : "");
        sb_json_str(&b, info->sets[i]);
    }
    sb_printf(&b, "],\n  \"seed\": %llu,\n  \"trials\": %d,\n  \"space\": ", info->space.seed, info->space.trials);
    sb_json_str(&b, space);
    sb_printf(&b, ",\n  \"params\": [");
    for (int k = 0; k < info->space.n; k++) {
        const search_param *p = &info->space.p[k];
        static const char *const kinds[] = {"uniform", "loguniform", "int", "choice"};
        sb_printf(&b, "%s\n    {\"path\": \"%s\", \"kind\": \"%s\"", k ? "," : "", p->path, kinds[p->kind]);
        if (p->kind == SEARCH_CHOICE) {
            sb_printf(&b, ", \"choices\": [");
            for (int c = 0; c < p->n_choices; c++) {
                sb_printf(&b, "%s", c ? ", " : "");
                sb_json_str(&b, p->choices[c]);
            }
            sb_printf(&b, "]}");
        } else {
            fmt_exact(p->lo, num, sizeof num);
            sb_printf(&b, ", \"lo\": %s", num);
            fmt_exact(p->hi, num, sizeof num);
            sb_printf(&b, ", \"hi\": %s}", num);
        }
    }
    sb_printf(&b, "\n  ],\n  \"base_hash\": \"%s\",\n  \"base_config\": ", info->base_hash);
    sb_json_str(&b, yaml ? yaml : "");
    sb_printf(&b, "\n}\n");
    free(yaml);
    return b.p;
}

/* "path=value" lines of a resolved YAML text as config_print_yaml writes it (two spaces per
 * level, "name:" for a section, "name: value" for a key). */
static int yaml_leaves(const char *yaml, char (*out)[640], int max)
{
    char stack[8][128];
    int n = 0;
    for (const char *line = yaml; line && *line && n < max;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int sp = 0;
        while ((size_t)sp < len && line[sp] == ' ') sp++;
        int depth = sp / 2;
        const char *colon = memchr(line + sp, ':', len - (size_t)sp);
        if (colon && depth < 8) {
            snprintf(stack[depth], sizeof stack[depth], "%.*s", (int)(colon - line - sp), line + sp);
            if ((size_t)(colon - line) + 1 < len) {
                char path[600] = "";
                for (int d = 0; d <= depth; d++)
                    snprintf(path + strlen(path), sizeof path - strlen(path), "%s%s", d ? "." : "", stack[d]);
                snprintf(out[n++], 640, "%s=%.*s", path, (int)(len - (size_t)(colon - line) - 2), colon + 2);
            }
        }
        line = end ? end + 1 : NULL;
    }
    return n;
}

/* "train.epochs 2 -> 3, method.tau - -> 0.2" for the keys that differ. */
static void config_diff(const char *old_yaml, const char *new_yaml, char *out, size_t len)
{
    enum { MAXL = 256 };
    char (*a)[640] = calloc(MAXL, 640), (*b)[640] = calloc(MAXL, 640);
    out[0] = '\0';
    if (!a || !b) {
        free(a);
        free(b);
        return;
    }
    int na = yaml_leaves(old_yaml, a, MAXL), nb = yaml_leaves(new_yaml, b, MAXL), shown = 0;
    size_t off = 0;
#define NOTE(fmt, ...)                                                                                    \
    do {                                                                                                  \
        if (shown < 4 && off < len)                                                                       \
            off += (size_t)snprintf(out + off, len - off, "%s" fmt, shown ? ", " : "", __VA_ARGS__);      \
        shown++;                                                                                          \
    } while (0)
    for (int i = 0; i < nb; i++) {
        size_t kl = strcspn(b[i], "=");
        int found = -1;
        for (int j = 0; j < na; j++)
            if (strcspn(a[j], "=") == kl && !strncmp(a[j], b[i], kl)) found = j;
        if (found < 0) NOTE("%.*s - -> %s", (int)kl, b[i], b[i] + kl + 1);
        else if (strcmp(a[found], b[i]) != 0)
            NOTE("%.*s %s -> %s", (int)kl, b[i], a[found] + kl + 1, b[i] + kl + 1);
    }
    for (int j = 0; j < na; j++) {
        size_t kl = strcspn(a[j], "=");
        int found = 0;
        for (int i = 0; i < nb; i++) found |= strcspn(b[i], "=") == kl && !strncmp(a[j], b[i], kl);
        if (!found) NOTE("%.*s %s -> -", (int)kl, a[j], a[j] + kl + 1);
    }
    if (shown > 4 && off < len) snprintf(out + off, len - off, " and %d more", shown - 4);
#undef NOTE
    free(a);
    free(b);
}

/* The parameters of a "trials=.. seed=.. params: a; b" description that the other lacks. */
static void space_diff(const char *old_space, const char *new_space, char *out, size_t len)
{
    const char *po = strstr(old_space, "params:"), *pn = strstr(new_space, "params:");
    char was[4096] = "", now[4096] = "";
    for (int side = 0; side < 2; side++) {
        const char *from = side ? pn : po, *other = side ? po : pn;
        char *dst = side ? now : was;
        size_t dlen = sizeof was;
        if (!from) continue;
        char buf[8192];
        snprintf(buf, sizeof buf, "%s", from + 7);
        for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
            while (*tok == ' ') tok++;
            int in_other = 0;
            if (other) {
                char ob[8192];
                snprintf(ob, sizeof ob, "%s", other + 7);
                for (char *s2 = NULL, *t2 = strtok_r(ob, ";", &s2); t2; t2 = strtok_r(NULL, ";", &s2)) {
                    while (*t2 == ' ') t2++;
                    in_other |= !strcmp(t2, tok);
                }
            }
            if (!in_other)
                snprintf(dst + strlen(dst), dlen - strlen(dst), "%s%s", *dst ? "; " : "", tok);
        }
    }
    snprintf(out, len, "was %.1900s, now %.1900s", *was ? was : "(none)", *now ? now : "(none)");
}

/* Compares the manifest text OLD with the one this sweep would write; 0 when they agree. */
static int manifest_compare(const sweep_info *info, const char *path, const char *old, const char *mine, char *err,
                            size_t errlen)
{
    char o[8192], m[8192], what[6000] = "";
    size_t off = 0;
#define DIFF(...) off += (size_t)snprintf(what + off, off < sizeof what ? sizeof what - off : 0, __VA_ARGS__)
    if (json_get(old, "trials", o, sizeof o) || json_get(old, "seed", m, sizeof m)) {
        snprintf(err, errlen, "%s: not a sweep manifest (no trials or seed); refusing to use %s", path, info->dir);
        return EXIT_USAGE;
    }
    json_get(mine, "trials", m, sizeof m);
    if (strcmp(o, m)) DIFF("%ssearch.trials %s -> %s", off ? "; " : "", o, m);
    json_get(old, "seed", o, sizeof o);
    json_get(mine, "seed", m, sizeof m);
    if (strcmp(o, m)) DIFF("%ssearch.seed %s -> %s", off ? "; " : "", o, m);
    o[0] = m[0] = '\0';
    json_get(old, "space", o, sizeof o);
    json_get(mine, "space", m, sizeof m);
    const char *po = strstr(o, "params:"), *pm = strstr(m, "params:");
    if (!po || !pm || strcmp(po, pm)) {
        char d[4200];
        space_diff(o, m, d, sizeof d);
        DIFF("%ssearch.params changed (%s)", off ? "; " : "", d);
    }
    o[0] = m[0] = '\0';
    json_get(old, "base_hash", o, sizeof o);
    if (strcmp(o, info->base_hash)) {
        size_t cap = strlen(old) + strlen(mine) + 2;
        char *oy = malloc(cap), *my = malloc(cap), d[2000] = "";
        if (oy && my && !json_get(old, "base_config", oy, cap) && !json_get(mine, "base_config", my, cap))
            config_diff(oy, my, d, sizeof d);
        free(oy);
        free(my);
        DIFF("%sbase configuration changed (%s)", off ? "; " : "", *d ? d : "hash differs");
    }
#undef DIFF
    if (!off) return 0;
    snprintf(err, errlen, "%s: the sweep there differs from this one: %s; refusing to continue it (restore the "
                          "experiment and --set values, or pass another --out)", path, what);
    return EXIT_USAGE;
}

/* Reads PATH, waiting a little for a manifest that another process is still writing. */
static char *read_manifest(const char *path)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        char *s = slurp(path);
        if (s && strstr(s, "\"base_config\"") && strchr(s, '}')) return s;
        free(s);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return slurp(path);
}

static int write_manifest(const sweep_info *info, char *err, size_t errlen)
{
    char path[1100], tmp[1300], host[128] = "host";
    snprintf(path, sizeof path, "%s/sweep.json", info->dir);
    char *mine = manifest_text(info);
    if (!mine) {
        snprintf(err, errlen, "out of memory");
        return EXIT_RUNTIME;
    }
    int rc = EXIT_OK;
    if (!exists(path)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        gethostname(host, sizeof host - 1);
        snprintf(tmp, sizeof tmp, "%s/.sweep.json.%s.%ld.%ld", info->dir, host, (long)getpid(), (long)ts.tv_nsec);
        char werr[1500];
        if (write_file_atomic(tmp, mine, strlen(mine), werr, sizeof werr)) {
            snprintf(err, errlen, "%s", werr);
            free(mine);
            return EXIT_RUNTIME;
        }
        int linked = link(tmp, path);
        int e = errno;
        if (linked != 0 && e != EEXIST) {
            /* a filesystem without hard links: exclusive create, then write */
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
            if (fd >= 0) {
                size_t len = strlen(mine), off = 0;
                while (off < len) {
                    ssize_t w = write(fd, mine + off, len - off);
                    if (w < 0 && errno == EINTR) continue;
                    if (w < 0) break;
                    off += (size_t)w;
                }
                int ok = off == len && fsync(fd) == 0;
                close(fd);
                if (!ok) {
                    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
                    unlink(path);
                    rc = EXIT_RUNTIME;
                }
                linked = 0;
            } else if (errno != EEXIST) {
                snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
                rc = EXIT_RUNTIME;
            }
        }
        unlink(tmp);
        if (linked == 0 || rc) {
            free(mine);
            return rc;
        }
    }
    char *old = read_manifest(path);
    if (!old) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = EXIT_RUNTIME;
    } else {
        rc = manifest_compare(info, path, old, mine, err, errlen);
    }
    free(old);
    free(mine);
    return rc;
}

int sweep_prepare(const char *exp, const char *const *sets, int n_sets, const char *out_dir, sweep_info *info,
                  char *err, size_t errlen)
{
    int rc = sweep_validate(exp, sets, n_sets, out_dir, info, err, errlen);
    if (rc) return rc;
    char path[1100];
    snprintf(path, sizeof path, "%s/sweep.json", info->dir);
    if (!exists(path)) {
        char a[1100], b[1100];
        snprintf(a, sizeof a, "%s/summary.json", info->dir);
        snprintf(b, sizeof b, "%s/ckpt/state.txt", info->dir);
        if (exists(a) || exists(b)) {
            snprintf(err, errlen, "%s: holds a run of `miles train`, not a sweep; pass another --out", info->dir);
            return EXIT_USAGE;
        }
    }
    if (ensure_dir(info->dir, err, errlen)) return EXIT_RUNTIME;
    if ((rc = write_manifest(info, err, errlen))) return rc;
    for (int t = 0; t < info->space.trials; t++) {
        trial_dir(info->dir, t, path, sizeof path);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create directory: %s", path, strerror(errno));
            return EXIT_RUNTIME;
        }
    }
    return EXIT_OK;
}

/* ---- trials ---------------------------------------------------------------------------------- */

trial_state sweep_trial_state(const char *sweep_dir, int trial)
{
    char dir[1100], path[1200];
    trial_dir(sweep_dir, trial, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *js = slurp(path);
    if (js) {
        char status[32] = "";
        json_get(js, "status", status, sizeof status);
        free(js);
        if (!strcmp(status, "completed")) return TRIAL_DONE;
        if (!strcmp(status, "diverged")) return TRIAL_DIVERGED;
    }
    snprintf(path, sizeof path, "%s/failed", dir);
    if (exists(path)) return TRIAL_FAILED;
    snprintf(path, sizeof path, "%s/ckpt/state.txt", dir);
    if (exists(path)) return TRIAL_RUNNING;
    return TRIAL_PENDING;
}

static void write_failed(const char *tdir, const char *how, const char *msg)
{
    char path[1200], text[3000], e[1500];
    snprintf(path, sizeof path, "%s/failed", tdir);
    int n = snprintf(text, sizeof text, "%s\n%s\n", how, msg);
    if (n > (int)sizeof text - 1) n = (int)sizeof text - 1;
    if (write_file_atomic(path, text, (size_t)n, e, sizeof e)) fprintf(stderr, "miles: %s\n", e);
}

/* train.threads of the resolved config.yaml a trial was started with, or 0. */
static int threads_of_run(const char *tdir)
{
    char path[1200], err[2048];
    snprintf(path, sizeof path, "%s/config.yaml", tdir);
    config c;
    if (config_load(path, NULL, 0, &c, err, sizeof err)) return 0;
    int t = (int)cfg_int(&c, "train.threads");
    config_free(&c);
    return t;
}

static void sets_line(char sets[][SEARCH_SET_LEN], int n, char *out, size_t len)
{
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t m = strlen(sets[i]);
        if (off + m + 2 > len) break;
        if (i) out[off++] = ' ';
        memcpy(out + off, sets[i], m);
        off += m;
    }
    out[off] = '\0';
}

int sweep_run_trial(const sweep_info *info, int trial, int threads, int quiet, char *err, size_t errlen)
{
    char tdir[1100], path[1200];
    last_busy = 0;
    if (trial < 0 || trial >= info->space.trials) {
        snprintf(err, errlen, "trial %d: expected a trial in [0, %d]", trial, info->space.trials - 1);
        return EXIT_USAGE;
    }
    trial_dir(info->dir, trial, tdir, sizeof tdir);
    if (ensure_dir(tdir, err, errlen)) return EXIT_RUNTIME;
    trial_state st = sweep_trial_state(info->dir, trial);
    if (st == TRIAL_DONE || st == TRIAL_DIVERGED) return EXIT_OK;

    /* one process per trial: an fcntl lock, released when this process ends however it ends */
    snprintf(path, sizeof path, "%s/lock", tdir);
    int lock = open(path, O_RDWR | O_CREAT, 0644);
    if (lock < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return EXIT_RUNTIME;
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(lock, F_SETLK, &fl) != 0) {
        snprintf(err, errlen, "%s: being run by another process (%s is locked)", tdir, path);
        close(lock);
        last_busy = 1;
        return EXIT_RUNTIME;
    }
    st = sweep_trial_state(info->dir, trial);
    if (st == TRIAL_DONE || st == TRIAL_DIVERGED) {
        close(lock);
        return EXIT_OK;
    }

    char sets[SEARCH_MAX_PARAMS + 1][SEARCH_SET_LEN], line[SEARCH_MAX_PARAMS * SEARCH_SET_LEN];
    int n = 0;
    search_trial_sets(&info->space, trial, sets, &n);
    sets_line(sets, n, line, sizeof line);
    snprintf(path, sizeof path, "%s/ckpt/state.txt", tdir);
    int resuming = exists(path);
    if (threads > 0) {
        /* a continued trial keeps the thread count it started with (it is part of its config) */
        int had = resuming ? threads_of_run(tdir) : 0;
        snprintf(sets[n++], SEARCH_SET_LEN, "train.threads=%d", had > 0 ? had : threads);
    }
    config cfg;
    int rc = load_with(info, sets, n, &cfg, err, errlen);
    if (rc) {
        write_failed(tdir, "exit 2", err);
        close(lock);
        return EXIT_USAGE;
    }
    snprintf(path, sizeof path, "%s/failed", tdir);
    if (remove(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot remove: %s", path, strerror(errno));
        config_free(&cfg);
        close(lock);
        return EXIT_RUNTIME;
    }

    /* provenance: the trial's index, the sweep seed (not the training seed) and its values */
    json_writer j;
    json_begin(&j);
    json_int(&j, "trial", trial);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", info->space.seed);
    json_str(&j, "sweep_seed", seed);
    json_str(&j, "values", line);
    json_str(&j, "base_hash", info->base_hash);
    json_end(&j);
    snprintf(path, sizeof path, "%s/trial.json", tdir);
    if (write_file_atomic(path, j.buf, j.len, err, errlen)) {
        json_free(&j);
        config_free(&cfg);
        close(lock);
        return EXIT_RUNTIME;
    }
    json_free(&j);

    if (!quiet) printf("trial %03d %s: %s\n", trial, resuming ? "resume" : "start", line), fflush(stdout);
    train_options opt = {.resume = 1, .quiet = 1};
    train_summary sum;
    rc = train_run(&cfg, tdir, &opt, &sum, err, errlen);
    config_free(&cfg);
    if (rc) {
        char how[32];
        snprintf(how, sizeof how, "exit %d", rc);
        write_failed(tdir, how, err);
    } else if (!quiet) {
        printf("trial %03d %s val %.4f (%d epochs)\n", trial, sum.completed ? "done" : "diverged", sum.val_metric_fused,
               sum.epochs_run);
        fflush(stdout);
    }
    close(lock);
    return rc;
}

/* ---- miles sweep ----------------------------------------------------------------------------- */

static const char *const usage_sweep =
    "usage: miles sweep EXP.yaml [--jobs N] [--trial I] [--out DIR] [--set key.path=value]... [--dry-run]\n"
    "                   [--quiet]\n"
    "\n"
    "Runs the random search of EXP.yaml (its search: block) into DIR (default: output.dir of the\n"
    "config): DIR/sweep.json and one run directory DIR/trial-NNN per trial. Running it again\n"
    "skips finished trials, continues interrupted ones from their checkpoints and retries failed\n"
    "ones; it refuses (exit 2) when the seed, trial count, space or base configuration changed.\n"
    "  --jobs N    trials run at once, each in its own process (default 1); each gets\n"
    "              max(1, cores / N) threads unless train.threads is set\n"
    "  --trial I   run only trial I (what a SLURM array task runs)\n"
    "  --out DIR   the sweep directory (overrides output.dir)\n"
    "  --set k=v   override a key of the base configuration (repeatable); searched keys cannot\n"
    "              be set\n"
    "  --dry-run   print every trial's values (one line per trial), check them, write nothing\n"
    "  --quiet     no line per trial (each trial's log.txt has its epochs)\n"
    "Exit: 0 when every trial (or trial I) completed or diverged, 4 when some failed or did not\n"
    "finish (trial-NNN/failed says why), 2 for an invalid command line, configuration or space.\n";

static int cpu_count(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int parse_count(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return 0;
    *out = (int)v;
    return 1;
}

/* The line printed when a worker has ended. */
static void report_end(const sweep_info *info, int trial, int status, double secs, int quiet)
{
    char tdir[1100], path[1200];
    trial_dir(info->dir, trial, tdir, sizeof tdir);
    if (WIFSIGNALED(status)) {
        char how[64], msg[200];
        snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
        snprintf(msg, sizeof msg, "the trial's process was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        write_failed(tdir, how, msg);
    }
    if (quiet) return;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    trial_state st = sweep_trial_state(info->dir, trial);
    if (code == EXIT_BUSY_CHILD) {
        printf("trial %03d is being run by another process; left to it\n", trial);
    } else if (st == TRIAL_DONE || st == TRIAL_DIVERGED) {
        snprintf(path, sizeof path, "%s/summary.json", tdir);
        char *js = slurp(path), metric[64] = "metric", val[64] = "?", epochs[32] = "?";
        if (js) {
            json_get(js, "metric", metric, sizeof metric);
            json_get(js, "val_metric_selected", val, sizeof val);
            json_get(js, "epochs_run", epochs, sizeof epochs);
            free(js);
        }
        char *end;
        double x = strtod(val, &end);
        if (end != val && !*end) snprintf(val, sizeof val, "%.4f", x);
        printf("trial %03d %s val %s %s (%s epochs, %.1f s)\n", trial, st == TRIAL_DONE ? "done" : "diverged", metric,
               val, epochs, secs);
    } else {
        snprintf(path, sizeof path, "%s/failed", tdir);
        char *text = slurp(path), *msg = text ? strchr(text, '\n') : NULL;
        if (msg) msg[strcspn(msg + 1, "\n") + 1] = '\0', msg++;
        printf("trial %03d FAILED (%s): %s\n", trial, text ? strtok(text, "\n") : "no failed file",
               msg && *msg ? msg : "see its log.txt");
        free(text);
    }
    fflush(stdout);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int cmd_sweep(int argc, char **argv)
{
    const char *exp = NULL, *out = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int n_sets = 0, jobs = 1, only = -1, dry = 0, quiet = 0;
    if (!sets) return EXIT_RUNTIME;
    int rc = EXIT_OK;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage_sweep, stdout);
            free(sets);
            return EXIT_OK;
        }
        if (!strncmp(a, "--", 2) && strchr(a, '=')) { /* --opt=value */
            static const char *const with_value[] = {"--set=", "--out=", "--jobs=", "--trial="};
            for (int k = 0; k < 4; k++)
                if (!strncmp(a, with_value[k], strlen(with_value[k]))) v = a + strlen(with_value[k]);
        } else if (!strcmp(a, "--set") || !strcmp(a, "--out") || !strcmp(a, "--jobs") || !strcmp(a, "--trial")) {
            if (i + 1 >= argc) rc = cli_usage_error(usage_sweep, "%s needs a value", a);
            else v = argv[++i];
        }
        if (rc) break;
        if (v) {
            if (!strncmp(a, "--set", 5)) sets[n_sets++] = v;
            else if (!strncmp(a, "--out", 5)) out = v;
            else if (!strncmp(a, "--jobs", 6) && !parse_count(v, 1, 4096, &jobs))
                rc = cli_usage_error(usage_sweep, "--jobs: expected a number of processes in [1, 4096], found %s", v);
            else if (!strncmp(a, "--trial", 7) && !parse_count(v, 0, 1000000, &only))
                rc = cli_usage_error(usage_sweep, "--trial: expected a trial index (0, 1, ...), found %s", v);
        } else if (!strcmp(a, "--dry-run")) {
            dry = 1;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-') {
            rc = cli_usage_error(usage_sweep, "unknown option %s", a);
        } else if (!exp) {
            exp = a;
        } else {
            rc = cli_usage_error(usage_sweep, "expected one experiment file, found a second: %s", a);
        }
    }
    if (!rc && !exp) rc = cli_usage_error(usage_sweep, "expected an experiment file");
    if (rc) {
        free(sets);
        return rc;
    }

    sweep_info *info = malloc(sizeof *info);
    char err[4096];
    if (!info) {
        free(sets);
        return EXIT_RUNTIME;
    }
    rc = dry ? sweep_validate(exp, sets, n_sets, out, info, err, sizeof err)
             : sweep_prepare(exp, sets, n_sets, out, info, err, sizeof err);
    if (!rc && only >= info->space.trials) {
        snprintf(err, sizeof err, "--trial %d: the sweep has trials 0 to %d", only, info->space.trials - 1);
        rc = EXIT_USAGE;
    }
    if (rc) {
        fprintf(stderr, "miles: %s\n", err);
        goto done;
    }
    int first = only >= 0 ? only : 0, last = only >= 0 ? only : info->space.trials - 1;
    if (dry) {
        char ts[SEARCH_MAX_PARAMS][SEARCH_SET_LEN], line[SEARCH_MAX_PARAMS * SEARCH_SET_LEN];
        for (int t = first; t <= last; t++) {
            int n;
            search_trial_sets(&info->space, t, ts, &n);
            sets_line(ts, n, line, sizeof line);
            printf("trial %03d %s\n", t, line);
        }
        goto done;
    }

    /* threads per worker: the user's train.threads when set (non-zero), else cores / jobs */
    int threads = 0;
    {
        config base;
        if (config_load(exp, sets, n_sets, &base, err, sizeof err) == 0) {
            const cfg_value *v = cfg_find(&base, "train.threads");
            if (!v || !v->set || v->i == 0) threads = cpu_count() / jobs > 1 ? cpu_count() / jobs : 1;
            config_free(&base);
        }
    }
    int total = last - first + 1, *todo = malloc(sizeof(int) * (size_t)total), n_todo = 0;
    if (!todo) {
        rc = EXIT_RUNTIME;
        goto done;
    }
    for (int t = first; t <= last; t++) {
        trial_state st = sweep_trial_state(info->dir, t);
        if (st != TRIAL_DONE && st != TRIAL_DIVERGED) todo[n_todo++] = t;
    }
    if (!quiet) {
        printf("sweep %s: %d trial%s, %d to run (%d finished before)", info->dir, total, total == 1 ? "" : "s",
               n_todo, total - n_todo);
        if (n_todo) {
            int j = jobs < n_todo ? jobs : n_todo;
            if (threads) printf(", %d at a time, %d thread%s each", j, threads, threads == 1 ? "" : "s");
            else printf(", %d at a time", j);
        }
        printf("\n");
    }
    fflush(stdout);
    fflush(stderr);

    pid_t parent = getpid();
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    int *slot_trial = calloc((size_t)jobs, sizeof *slot_trial);
    double *started = calloc((size_t)jobs, sizeof *started);
    int next = 0, running = 0;
    if (!pids || !slot_trial || !started) {
        rc = EXIT_RUNTIME;
        goto free_all;
    }
    while (next < n_todo || running > 0) {
        while (running < jobs && next < n_todo) {
            int t = todo[next++], s = 0;
            while (pids[s]) s++;
            if (!quiet) {
                char ts[SEARCH_MAX_PARAMS][SEARCH_SET_LEN], line[SEARCH_MAX_PARAMS * SEARCH_SET_LEN], tdir[1100];
                run_state rs;
                int n;
                search_trial_sets(&info->space, t, ts, &n);
                sets_line(ts, n, line, sizeof line);
                trial_dir(info->dir, t, tdir, sizeof tdir);
                if (read_run_state(tdir, &rs, err, sizeof err) == 1)
                    printf("trial %03d resume after epoch %d: %s\n", t, rs.epochs_done, line);
                else
                    printf("trial %03d start: %s\n", t, line);
                fflush(stdout);
            }
            pid_t pid = fork();
            if (pid < 0) {
                fprintf(stderr, "miles: fork: %s\n", strerror(errno));
                next = n_todo; /* start nothing more; wait for the running ones */
                rc = EXIT_RUNTIME;
                break;
            }
            if (pid == 0) {
#ifdef __linux__
                prctl(PR_SET_PDEATHSIG, SIGKILL); /* the sweep stops as a whole */
                if (getppid() != parent) _exit(EXIT_RUNTIME);
#endif
                char e[4096];
                int code = sweep_run_trial(info, t, threads, 1, e, sizeof e);
                _exit(last_busy ? EXIT_BUSY_CHILD : code);
            }
            pids[s] = pid, slot_trial[s] = t, started[s] = now_s();
            running++;
        }
        if (!running) break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "miles: waitpid: %s\n", strerror(errno));
            rc = EXIT_RUNTIME;
            break;
        }
        for (int s = 0; s < jobs; s++)
            if (pids[s] == pid) {
                report_end(info, slot_trial[s], status, now_s() - started[s], quiet);
                pids[s] = 0;
                running--;
            }
    }

    {
        int done = 0, diverged = 0, failed = 0, other = 0;
        for (int t = first; t <= last; t++) {
            trial_state st = sweep_trial_state(info->dir, t);
            if (st == TRIAL_DONE) done++;
            else if (st == TRIAL_DIVERGED) diverged++;
            else if (st == TRIAL_FAILED) failed++;
            else other++;
        }
        printf("sweep: %d done, %d diverged, %d failed", done, diverged, failed);
        if (other) printf(", %d not finished", other);
        printf("\n");
        fflush(stdout);
        if (done + diverged != total) rc = EXIT_RUNTIME;
    }
free_all:
    free(pids);
    free(slot_trial);
    free(started);
    free(todo);
done:
    free(info);
    free(sets);
    return rc;
}
