/* sweep_manifest.c - the manifest sweep.json that pins a sweep (sweep_prepare), read and written
 * with jansson (core/json.h).
 *
 * The manifest is written once to a unique temporary name and link()ed into place: only one
 * writer can win and the others compare theirs with it, so SLURM array tasks may all start at
 * once. A different seed, trial count, space or base configuration is refused, naming what
 * differs; the other fields (the experiment's name, the --set list, the parameters spelt out)
 * are for people and are not compared.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/runfiles.h"
#include "core/strbuf.h"

/* ---- writing --------------------------------------------------------------------------------- */

/* The experiment relative to the working directory when the file lies under it (a repository's
 * own experiments/), so a committed manifest does not name the machine; absolute otherwise, so
 * it still says which file it was. */
static const char *experiment_name(const sweep_info *info, char *buf, size_t len) {
    char abs[ML_PATH_MAX], cwd[ML_PATH_MAX];
    if (!realpath(info->exp, abs)) return info->exp;
    size_t n = realpath(".", cwd) ? strlen(cwd) : 0;
    const char *where = n > 1 && !strncmp(abs, cwd, n) && abs[n] == '/' ? abs + n + 1 : abs;
    snprintf(buf, len, "%s", where);
    return buf;
}

/* The resolved base configuration as YAML (free it); "" when it cannot be made. */
static char *base_config_yaml(const sweep_info *info) {
    config base;
    char err[2048], *yaml = NULL;
    size_t yaml_len = 0;
    if (sweep_load_config(info, NULL, 0, &base, err, sizeof err) == ML_OK) {
        FILE *f = open_memstream(&yaml, &yaml_len);
        if (f) {
            config_print_yaml(&base, f);
            fclose(f);
        }
        config_free(&base);
    }
    return yaml ? yaml : calloc(1, 1);
}

/* JSON integers are signed 64-bit in jansson: a seed above that is written as its decimal text. */
static json_t *seed_json(unsigned long long seed) {
    if (seed <= (unsigned long long)INT64_MAX) return json_integer((json_int_t)seed);
    char s[32];
    snprintf(s, sizeof s, "%llu", seed);
    return json_string(s);
}

static json_t *params_json(const search_space *sp) {
    static const char *const kinds[] = {"uniform", "loguniform", "int", "choice"};
    json_t *a = json_array();
    for (int k = 0; k < sp->n; k++) {
        const search_param *p = &sp->p[k];
        json_t *o = json_pack("{s:s, s:s}", "path", p->path, "kind", kinds[p->kind]);
        if (p->kind == SEARCH_CHOICE) {
            json_t *c = json_array();
            for (int i = 0; i < p->n_choices; i++) json_array_append_new(c, json_string(p->choices[i]));
            json_object_set_new(o, "choices", c);
        } else {
            json_object_set_new(o, "lo", json_real(p->lo));
            json_object_set_new(o, "hi", json_real(p->hi));
        }
        json_array_append_new(a, o);
    }
    return a;
}

/* --trials and --seed as given, so the manifest says where its trials and seed came from. */
static json_t *overrides_json(const sweep_info *info) {
    json_t *a = json_array();
    char s[64];
    if (info->trials_given) {
        snprintf(s, sizeof s, "--trials %d", info->space.trials);
        json_array_append_new(a, json_string(s));
    }
    if (info->seed_given) {
        snprintf(s, sizeof s, "--seed %llu", info->space.seed);
        json_array_append_new(a, json_string(s));
    }
    return a;
}

static json_t *manifest_json(const sweep_info *info, const char *base_yaml) {
    char name[ML_PATH_MAX], space[8192];
    search_describe(&info->space, space, sizeof space);
    json_t *sets = json_array();
    for (int i = 0; i < info->n_sets; i++) json_array_append_new(sets, json_string(info->sets[i]));
    json_t *m = json_object();
    json_object_set_new(m, "experiment", json_string(experiment_name(info, name, sizeof name)));
    json_object_set_new(m, "sets", sets);
    json_object_set_new(m, "seed", seed_json(info->space.seed));
    json_object_set_new(m, "trials", json_integer(info->space.trials));
    if (info->trials_given || info->seed_given) json_object_set_new(m, "search_overrides", overrides_json(info));
    json_object_set_new(m, "space", json_string(space));
    json_object_set_new(m, "params", params_json(&info->space));
    json_object_set_new(m, "base_hash", json_string(info->base_hash));
    json_object_set_new(m, "base_config", json_string(base_yaml));
    return m;
}

/* ---- comparing ------------------------------------------------------------------------------- */

/* "path=value" lines of a resolved YAML text as config_print_yaml writes it (two spaces per
 * level, "name:" for a section, "name: value" for a key). */
static int yaml_leaves(const char *yaml, char (*out)[640], int max) {
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

/* The leaf of LEAVES whose key is the first KL bytes of KEY, or -1. */
static int find_leaf(char (*leaves)[640], int n, const char *key, size_t kl) {
    for (int j = 0; j < n; j++)
        if (strcspn(leaves[j], "=") == kl && !strncmp(leaves[j], key, kl)) return j;
    return -1;
}

/* "train.epochs 2 -> 3, method.tau - -> 0.2" for the keys that differ (four, then a count). */
static void config_diff(const char *old_yaml, const char *new_yaml, char *out, size_t len) {
    enum { MAXL = 256 };
    char(*a)[640] = calloc(MAXL, 640), (*b)[640] = calloc(MAXL, 640);
    strbuf d = {0};
    int shown = 0;
    out[0] = '\0';
    if (!a || !b) goto done;
    int na = yaml_leaves(old_yaml, a, MAXL), nb = yaml_leaves(new_yaml, b, MAXL);
    for (int i = 0; i < nb; i++) {
        size_t kl = strcspn(b[i], "=");
        int j = find_leaf(a, na, b[i], kl);
        if (j >= 0 && !strcmp(a[j], b[i])) continue;
        if (shown++ < 4)
            sb_printf(&d, "%s%.*s %s -> %s", shown > 1 ? ", " : "", (int)kl, b[i], j < 0 ? "-" : a[j] + kl + 1,
                      b[i] + kl + 1);
    }
    for (int j = 0; j < na; j++) {
        size_t kl = strcspn(a[j], "=");
        if (find_leaf(b, nb, a[j], kl) < 0 && shown++ < 4)
            sb_printf(&d, "%s%.*s %s -> -", shown > 1 ? ", " : "", (int)kl, a[j], a[j] + kl + 1);
    }
    if (shown > 4) sb_printf(&d, " and %d more", shown - 4);
    if (d.p) snprintf(out, len, "%s", d.p);
done:
    sb_free(&d);
    free(a);
    free(b);
}

/* 1 when the "a; b; c" list LIST holds the item ITEM. */
static int has_item(const char *list, const char *item) {
    char buf[8192];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        while (*t == ' ') t++;
        if (!strcmp(t, item)) return 1;
    }
    return 0;
}

/* The parameters of a "trials=.. seed=.. params: a; b" description that the other lacks. */
static void space_diff(const char *old_space, const char *new_space, char *out, size_t len) {
    const char *po = strstr(old_space, "params:"), *pn = strstr(new_space, "params:");
    char was[4096] = "", now[4096] = "";
    for (int side = 0; side < 2; side++) {
        const char *from = side ? pn : po, *other = side ? po : pn;
        char *dst = side ? now : was, buf[8192];
        if (!from) continue;
        snprintf(buf, sizeof buf, "%s", from + 7);
        for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
            while (*tok == ' ') tok++;
            if (!other || !has_item(other + 7, tok))
                snprintf(dst + strlen(dst), sizeof was - strlen(dst), "%s%s", *dst ? "; " : "", tok);
        }
    }
    snprintf(out, len, "was %.1900s, now %.1900s", *was ? was : "(none)", *now ? now : "(none)");
}

/* The seed of a manifest: an integer, or the decimal text of one above 2^63 - 1. */
static int manifest_seed(const json_t *m, unsigned long long *seed) {
    const json_t *v = json_object_get(m, "seed");
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *seed = (unsigned long long)json_integer_value(v);
        return 0;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    char *end;
    errno = 0;
    *seed = strtoull(s, &end, 10);
    return *s >= '0' && *s <= '9' && !*end && !errno ? 0 : -1;
}

/* Adds to WHAT how the base configuration recorded in the manifest OLD differs from BASE_YAML,
 * this sweep's, if it does. The record is read under this build's schema first: a sweep recorded
 * by an older miles lacks keys added since, which at their defaults are no change (and are not
 * listed before the real ones); a record this build cannot read is compared as it is. */
static void base_config_compare(const json_t *old, const char *base_yaml, strbuf *what) {
    const char *old_base = json_get_str(old, "base_config", "");
    char *norm = NULL, rerr[512], d[4200];
    if (config_normalize_text(old_base, &norm, rerr, sizeof rerr)) norm = NULL;
    if (!norm || strcmp(norm, base_yaml)) {
        config_diff(norm ? norm : old_base, base_yaml, d, sizeof d);
        sb_printf(what, "; base configuration changed (%s)", *d ? d : "hash differs");
    }
    free(norm);
}

/* Compares the manifest OLD with this sweep; ML_OK when they agree on the trial count, the seed,
 * the space's parameters and the base configuration. */
static ml_status manifest_compare(const sweep_info *info, const char *path, const json_t *old, const char *base_yaml,
                                  char *err, size_t errlen) {
    long long trials = json_get_int(old, "trials", -1);
    unsigned long long seed;
    if (trials < 0 || manifest_seed(old, &seed)) {
        snprintf(err, errlen, "%s: not a sweep manifest (no trials or seed); refusing to use %s", path, info->dir);
        return ML_EINVAL;
    }
    strbuf what = {0};
    if (trials != info->space.trials) sb_printf(&what, "; search.trials %lld -> %d", trials, info->space.trials);
    if (seed != info->space.seed) sb_printf(&what, "; search.seed %llu -> %llu", seed, info->space.seed);
    char mine[8192], d[4200];
    search_describe(&info->space, mine, sizeof mine);
    const char *theirs = json_get_str(old, "space", "");
    const char *po = strstr(theirs, "params:"), *pm = strstr(mine, "params:");
    if (!po || !pm || strcmp(po, pm)) {
        space_diff(theirs, mine, d, sizeof d);
        sb_printf(&what, "; search.params changed (%s)", d);
    }
    if (strcmp(json_get_str(old, "base_hash", ""), info->base_hash)) base_config_compare(old, base_yaml, &what);
    if (what.p)
        snprintf(err, errlen,
                 "%s: the sweep there differs from this one: %s; refusing to continue it (restore the "
                 "experiment, --set, --trials and --seed values, or pass another --out)",
                 path, what.p + 2);
    ml_status rc = what.p ? ML_EINVAL : ML_OK;
    sb_free(&what);
    return rc;
}

/* ---- publishing ------------------------------------------------------------------------------ */

/* Reads PATH, waiting a little for a manifest that another process is still writing (only the
 * fallback without hard links exposes a partial file). */
static json_t *read_manifest(const char *path, char *err, size_t errlen) {
    for (int attempt = 0; attempt < 50; attempt++) {
        json_t *m = json_load_path(path, NULL, err, errlen);
        if (m && json_object_get(m, "base_config")) return m;
        json_decref(m);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return json_load_path(path, NULL, err, errlen);
}

/* PATH created exclusively with TEXT, for filesystems without hard links. 1 when created, 0 when
 * it already existed, -1 on error (err). */
static int create_exclusive(const char *path, const char *text, char *err, size_t errlen) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 && errno == EEXIST) return 0;
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) break;
        off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    int e = errno;
    close(fd);
    if (ok) return 1;
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(e));
    unlink(path);
    return -1;
}

/* Puts TEXT at PATH unless a manifest is there already: written whole under a unique name, then
 * link()ed, which fails for all but one of several processes. ML_OK also when another won. */
static ml_status publish(const sweep_info *info, const char *path, const char *text, char *err, size_t errlen) {
    char tmp[ML_PATH_MAX], host[128] = "host";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    gethostname(host, sizeof host - 1);
    if (path_fmt(tmp, sizeof tmp, "%s/.sweep.json.%s.%ld.%ld", info->dir, host, (long)getpid(), (long)ts.tv_nsec)) {
        snprintf(err, errlen, "%s: path too long", info->dir);
        return ML_EINVAL;
    }
    if (write_file_atomic(tmp, text, strlen(text), err, errlen)) return ML_ERUNTIME;
    ml_status rc = ML_OK;
    if (link(tmp, path) != 0 && errno != EEXIST && create_exclusive(path, text, err, errlen) < 0) rc = ML_ERUNTIME;
    unlink(tmp);
    return rc;
}

static ml_status write_manifest(const sweep_info *info, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, info->dir, "sweep.json")) {
        snprintf(err, errlen, "%s: path too long", info->dir);
        return ML_EINVAL;
    }
    char *yaml = base_config_yaml(info);
    json_t *mine = yaml ? manifest_json(info, yaml) : NULL;
    char *text = mine ? json_to_text(mine) : NULL;
    json_decref(mine);
    ml_status rc = ML_ERUNTIME;
    if (!text) snprintf(err, errlen, "%s: out of memory", path);
    else if (path_exists(path) || (rc = publish(info, path, text, err, errlen)) == ML_OK) {
        json_t *old = read_manifest(path, err, errlen);
        rc = old ? manifest_compare(info, path, old, yaml, err, errlen) : ML_EINVAL;
        json_decref(old);
    }
    free(text);
    free(yaml);
    return rc;
}

/* ---- the sweep directory --------------------------------------------------------------------- */

/* A directory that holds a run of `miles train` is not made a sweep. */
static ml_status refuse_train_run(const sweep_info *info, char *err, size_t errlen) {
    char manifest[ML_PATH_MAX], summary[ML_PATH_MAX], state[ML_PATH_MAX];
    if (path_join(manifest, sizeof manifest, info->dir, "sweep.json") ||
        path_join(summary, sizeof summary, info->dir, "summary.json") ||
        path_join(state, sizeof state, info->dir, "ckpt/state.txt")) {
        snprintf(err, errlen, "%s: path too long", info->dir);
        return ML_EINVAL;
    }
    if (!path_exists(manifest) && (path_exists(summary) || path_exists(state))) {
        snprintf(err, errlen, "%s: holds a run of `miles train`, not a sweep; pass another --out", info->dir);
        return ML_EINVAL;
    }
    return ML_OK;
}

ml_status sweep_prepare(const sweep_request *rq, sweep_info *info, char *err, size_t errlen) {
    ml_status rc = sweep_validate(rq, info, err, errlen);
    if (!rc) rc = refuse_train_run(info, err, errlen);
    if (rc) return rc;
    if (ensure_dir(info->dir, err, errlen)) return ML_ERUNTIME;
    if ((rc = write_manifest(info, err, errlen))) return rc;
    for (int t = 0; t < info->space.trials; t++) {
        char path[ML_PATH_MAX];
        if ((rc = sweep_trial_dir(info->dir, t, path, sizeof path, err, errlen))) return rc;
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create directory: %s", path, strerror(errno));
            return ML_ERUNTIME;
        }
    }
    return ML_OK;
}

ml_status sweep_trial_count(const char *dir, int *trials, char *err, size_t errlen) {
    char path[ML_PATH_MAX];
    int missing = 0;
    if (path_join(path, sizeof path, dir, "sweep.json")) {
        snprintf(err, errlen, "%s: path too long", dir);
        return ML_EINVAL;
    }
    json_t *m = json_load_path(path, &missing, err, errlen);
    if (!m && !missing) return ML_EDATA;
    if (m) {
        long long n = json_get_int(m, "trials", -1);
        json_decref(m);
        if (n < 1 || n > SEARCH_MAX_TRIALS) {
            snprintf(err, errlen, "%s: trials: expected an integer in [1, %d]", path, SEARCH_MAX_TRIALS);
            return ML_EDATA;
        }
        *trials = (int)n;
        return ML_OK;
    }
    int t = 0;
    for (;; t++) {
        if (sweep_trial_dir(dir, t, path, sizeof path, err, errlen)) return ML_EINVAL;
        if (!is_directory(path)) break;
    }
    if (t == 0) {
        snprintf(err, errlen, "%s: not a sweep directory (no sweep.json, no trial-000/)", dir);
        return ML_EINVAL;
    }
    *trials = t;
    return ML_OK;
}
