/* sweep_validate.c - what a sweep is before anything is written: the request checked against
 * the experiment file, the space and the schema (sweep_validate), and each trial's
 * configuration (sweep_load_config).
 *
 * Every bound, every choice and every trial's values are loaded through config_load as
 * overrides, so the schema's own rules apply to them; the errors are rewritten to point at the
 * parameter's FILE:LINE:COL in the experiment file. --trials and --seed replace the file's
 * search.trials and search.seed here, so everything after (manifest, trials, SLURM script)
 * sees one space.
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rewrites config_load's message about override SET (one of the space's) to point at the
 * parameter in the file: "EXP:L:C: search.params.P: <message> (<what>)". */
static void space_error(const sweep_info *info, const char *set, const char *raw, const char *what, char *err,
                        size_t errlen) {
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

ml_status sweep_load_config(const sweep_info *info, char extra[][SEARCH_SET_LEN], int n_extra, config *cfg, char *err,
                            size_t errlen) {
    const char *sets[SWEEP_MAX_SETS + SEARCH_MAX_PARAMS + 1];
    int n = 0;
    for (int i = 0; i < info->n_sets; i++) sets[n++] = info->sets[i];
    for (int i = 0; i < n_extra; i++) sets[n++] = extra[i];
    return config_load(info->exp, sets, n, cfg, err, errlen) ? ML_EINVAL : ML_OK;
}

void sweep_trial_values(const sweep_info *info, int trial, char *out, size_t len) {
    char sets[SEARCH_MAX_PARAMS][SEARCH_SET_LEN];
    int n = 0;
    size_t off = 0;
    search_trial_sets(&info->space, trial, sets, &n);
    out[0] = '\0';
    for (int i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(out + off, len - off, "%s%s", i ? " " : "", sets[i]);
}

/* ---- the request ----------------------------------------------------------------------------- */

/* search.* is not configuration: config_load would call it an unknown key, which does not say
 * what to do instead. */
static ml_status check_search_sets(const sweep_request *rq, char *err, size_t errlen) {
    for (int i = 0; i < rq->n_sets; i++) {
        const char *s = rq->sets[i];
        if (strncmp(s, "search.", 7) != 0) continue;
        const char *hint = !strncmp(s, "search.trials=", 14) ? "use --trials N"
                           : !strncmp(s, "search.seed=", 12) ? "use --seed S"
                                                             : "edit the experiment's search: block";
        snprintf(err, errlen, "--set %s: the search: block is not part of the configuration; %s", s, hint);
        return ML_EINVAL;
    }
    return ML_OK;
}

/* The experiment, the user's sets, the base hash and the sweep directory into INFO. */
static ml_status load_base(const sweep_request *rq, sweep_info *info, char *err, size_t errlen) {
    if (path_fmt(info->exp, sizeof info->exp, "%s", rq->exp)) {
        snprintf(err, errlen, "%.200s...: path too long", rq->exp);
        return ML_EINVAL;
    }
    if (rq->n_sets > SWEEP_MAX_SETS) {
        snprintf(err, errlen, "at most %d --set overrides, found %d", SWEEP_MAX_SETS, rq->n_sets);
        return ML_EINVAL;
    }
    for (int i = 0; i < rq->n_sets; i++)
        if (path_fmt(info->sets[i], SEARCH_SET_LEN, "%s", rq->sets[i])) {
            snprintf(err, errlen, "--set %.60s...: longer than %d bytes", rq->sets[i], SEARCH_SET_LEN - 1);
            return ML_EINVAL;
        }
    info->n_sets = rq->n_sets;
    if (check_search_sets(rq, err, errlen)) return ML_EINVAL;

    config base;
    if (config_load(rq->exp, rq->sets, rq->n_sets, &base, err, errlen)) return ML_EINVAL;
    config_hash(&base, info->base_hash);
    const char *dir = rq->out_dir ? rq->out_dir : cfg_str(&base, "output.dir");
    int too_long = path_fmt(info->dir, sizeof info->dir, "%s", dir);
    if (too_long) snprintf(err, errlen, "%.200s...: path too long", dir);
    config_free(&base);
    return too_long ? ML_EINVAL : ML_OK;
}

/* The space of the file, with --trials and --seed in place of its trials and seed. */
static ml_status load_space(const sweep_request *rq, sweep_info *info, char *err, size_t errlen) {
    if (search_load(rq->exp, &info->space, err, errlen)) return ML_EINVAL;
    if (!info->space.present) {
        snprintf(err, errlen, "%s: no search: block (a sweep needs search: with params; see experiments/README.md)",
                 rq->exp);
        return ML_EINVAL;
    }
    if (rq->trials > 0) {
        if (rq->trials > SEARCH_MAX_TRIALS) {
            snprintf(err, errlen, "--trials: expected a trial count in [1, %d], found %d", SEARCH_MAX_TRIALS,
                     rq->trials);
            return ML_EINVAL;
        }
        info->space.trials = rq->trials;
        info->trials_given = 1;
    }
    if (rq->has_seed) {
        info->space.seed = rq->seed;
        info->seed_given = 1;
    }
    if (rq->only >= info->space.trials) {
        snprintf(err, errlen, "--trial %d: the sweep has trials 0 to %d", rq->only, info->space.trials - 1);
        return ML_EINVAL;
    }
    return ML_OK;
}

/* ---- the space against the schema ----------------------------------------------------------- */

/* A key both searched and set by the user. */
static ml_status check_searched_sets(const sweep_info *info, char *err, size_t errlen) {
    const search_space *sp = &info->space;
    for (int i = 0; i < info->n_sets; i++)
        for (int k = 0; k < sp->n; k++) {
            size_t n = strlen(sp->p[k].path);
            if (!strncmp(info->sets[i], sp->p[k].path, n) && info->sets[i][n] == '=') {
                snprintf(err, errlen, "--set %s: %s is searched (%s:%d:%d); drop the --set or the parameter",
                         info->sets[i], sp->p[k].path, info->exp, sp->p[k].line, sp->p[k].col);
                return ML_EINVAL;
            }
        }
    return ML_OK;
}

/* Checks one override of the space alone (a bound or a choice). */
static ml_status check_one(const sweep_info *info, const char *path, const char *value, const char *what, char *err,
                           size_t errlen) {
    char set[1][SEARCH_SET_LEN], raw[2048];
    config cfg;
    snprintf(set[0], SEARCH_SET_LEN, "%s=%s", path, value);
    if (sweep_load_config(info, set, 1, &cfg, raw, sizeof raw) == ML_OK) {
        config_free(&cfg);
        return ML_OK;
    }
    space_error(info, set[0], raw, what, err, errlen);
    return ML_EINVAL;
}

/* Every bound and every choice on its own, so an error names the bound, not a trial. */
static ml_status check_bounds(const sweep_info *info, char *err, size_t errlen) {
    for (int k = 0; k < info->space.n; k++) {
        const search_param *p = &info->space.p[k];
        char v[64], what[200];
        if (p->kind == SEARCH_CHOICE) {
            for (int c = 0; c < p->n_choices; c++) {
                snprintf(what, sizeof what, "choice %d of %d", c + 1, p->n_choices);
                if (check_one(info, p->path, p->choices[c], what, err, errlen)) return ML_EINVAL;
            }
            continue;
        }
        for (int end = 0; end < 2; end++) {
            double x = end ? p->hi : p->lo;
            if (p->kind == SEARCH_INT) snprintf(v, sizeof v, "%lld", (long long)x);
            else format_double(v, sizeof v, x);
            snprintf(what, sizeof what, "at %s = %s", end ? "hi" : "lo", v);
            if (check_one(info, p->path, v, what, err, errlen)) return ML_EINVAL;
        }
    }
    return ML_OK;
}

/* Every trial's configuration (a choice may be valid alone and not with another's value). */
static ml_status check_trials(const sweep_info *info, char *err, size_t errlen) {
    char tsets[SEARCH_MAX_PARAMS][SEARCH_SET_LEN], raw[2048], what[64];
    for (int t = 0; t < info->space.trials; t++) {
        int n;
        config cfg;
        search_trial_sets(&info->space, t, tsets, &n);
        if (sweep_load_config(info, tsets, n, &cfg, raw, sizeof raw) == ML_OK) {
            config_free(&cfg);
            continue;
        }
        snprintf(what, sizeof what, "trial %d", t);
        const char *set = "";
        for (int i = 0; i < n; i++) {
            size_t len = strlen(tsets[i]);
            if (!strncmp(raw, "--set ", 6) && !strncmp(raw + 6, tsets[i], len) && !strncmp(raw + 6 + len, ": ", 2))
                set = tsets[i];
        }
        space_error(info, set, raw, what, err, errlen);
        return ML_EINVAL;
    }
    return ML_OK;
}

ml_status sweep_validate(const sweep_request *rq, sweep_info *info, char *err, size_t errlen) {
    memset(info, 0, sizeof *info);
    if (load_base(rq, info, err, errlen) || load_space(rq, info, err, errlen)) return ML_EINVAL;
    if (check_searched_sets(info, err, errlen) || check_bounds(info, err, errlen) || check_trials(info, err, errlen))
        return ML_EINVAL;
    return ML_OK;
}
