/* sweep_manifest.c - what a sweep is before any trial runs: the checked space and base
 * configuration (sweep_validate), each trial's configuration (sweep_load_config), and the
 * manifest sweep.json that pins them (sweep_prepare).
 *
 * The manifest is written once to a unique temporary name and link()ed into place: only one
 * writer can win and the others compare theirs with it, so SLURM array tasks may all start at
 * once. A different seed, trial count, space or base configuration is refused, naming what
 * differs. Validation loads every bound, every choice and every trial's values through
 * config_load as overrides, so the schema's own rules apply to them, and rewrites the errors to
 * point at the parameter's FILE:LINE:COL.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h" /* EXIT_*: train/train.h no longer brings them */
#include "core/runfiles.h"
#include "core/strbuf.h"
#include "train/train.h"

void sweep_trial_dir(const char *dir, int trial, char *out, size_t len) { snprintf(out, len, "%s/trial-%03d", dir, trial); }

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

int sweep_load_config(const sweep_info *info, char extra[][SEARCH_SET_LEN], int n_extra, config *cfg, char *err,
                      size_t errlen)
{
    const char *sets[SWEEP_MAX_SETS + SEARCH_MAX_PARAMS + 1];
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
    if (sweep_load_config(info, set, 1, &cfg, raw, sizeof raw) == 0) {
        config_free(&cfg);
        return 0;
    }
    space_error(info, set[0], raw, what, err, errlen);
    return EXIT_USAGE;
}

int sweep_validate(const char *exp, const char *const *sets, int n_sets, const char *out_dir, sweep_info *info,
                   char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    if (strlen(exp) >= sizeof info->exp) {
        snprintf(err, errlen, "%s: path too long", exp);
        return EXIT_USAGE;
    }
    snprintf(info->exp, sizeof info->exp, "%s", exp);
    if (n_sets > SWEEP_MAX_SETS) {
        snprintf(err, errlen, "at most %d --set overrides, found %d", SWEEP_MAX_SETS, n_sets);
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
        if (sweep_load_config(info, tsets, n, &cfg, raw, sizeof raw) == 0) {
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
    /* Relative to the working directory when the file lies under it (a repository's own
     * experiments/), so a committed manifest does not name the machine; absolute otherwise, so
     * it still says which file it was. Informational only: manifests are compared on the
     * space, seed, trial count and base configuration. */
    const char *where = realpath(info->exp, exp) ? exp : info->exp;
    char cwd[4096];
    if (where == exp && realpath(".", cwd)) {
        size_t n = strlen(cwd);
        if (n > 1 && !strncmp(exp, cwd, n) && exp[n] == '/') where = exp + n + 1;
    }
    config base;
    char err[2048];
    const char *sets[SWEEP_MAX_SETS];
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
    sb_json_str(&b, where);
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
    if (json_field(old, "trials", o, sizeof o) || json_field(old, "seed", m, sizeof m)) {
        snprintf(err, errlen, "%s: not a sweep manifest (no trials or seed); refusing to use %s", path, info->dir);
        return EXIT_USAGE;
    }
    json_field(mine, "trials", m, sizeof m);
    if (strcmp(o, m)) DIFF("%ssearch.trials %s -> %s", off ? "; " : "", o, m);
    json_field(old, "seed", o, sizeof o);
    json_field(mine, "seed", m, sizeof m);
    if (strcmp(o, m)) DIFF("%ssearch.seed %s -> %s", off ? "; " : "", o, m);
    o[0] = m[0] = '\0';
    json_field(old, "space", o, sizeof o);
    json_field(mine, "space", m, sizeof m);
    const char *po = strstr(o, "params:"), *pm = strstr(m, "params:");
    if (!po || !pm || strcmp(po, pm)) {
        char d[4200];
        space_diff(o, m, d, sizeof d);
        DIFF("%ssearch.params changed (%s)", off ? "; " : "", d);
    }
    o[0] = m[0] = '\0';
    json_field(old, "base_hash", o, sizeof o);
    if (strcmp(o, info->base_hash)) {
        size_t cap = strlen(old) + strlen(mine) + 2;
        char *oy = malloc(cap), *my = malloc(cap), d[2000] = "";
        if (oy && my && !json_field(old, "base_config", oy, cap) && !json_field(mine, "base_config", my, cap))
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
        char *s = read_text_file(path);
        if (s && strstr(s, "\"base_config\"") && strchr(s, '}')) return s;
        free(s);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return read_text_file(path);
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
    if (!path_exists(path)) {
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
    if (!path_exists(path)) {
        char a[1100], b[1100];
        snprintf(a, sizeof a, "%s/summary.json", info->dir);
        snprintf(b, sizeof b, "%s/ckpt/state.txt", info->dir);
        if (path_exists(a) || path_exists(b)) {
            snprintf(err, errlen, "%s: holds a run of `miles train`, not a sweep; pass another --out", info->dir);
            return EXIT_USAGE;
        }
    }
    if (ensure_dir(info->dir, err, errlen)) return EXIT_RUNTIME;
    if ((rc = write_manifest(info, err, errlen))) return rc;
    for (int t = 0; t < info->space.trials; t++) {
        sweep_trial_dir(info->dir, t, path, sizeof path);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create directory: %s", path, strerror(errno));
            return EXIT_RUNTIME;
        }
    }
    return EXIT_OK;
}
