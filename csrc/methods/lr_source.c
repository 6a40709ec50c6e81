/* lr_source.c - learning rates from earlier unimodal results; see lr_source.h. */
#define _POSIX_C_SOURCE 200809L
#include "methods/lr_source.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/config.h"
#include "core/runfiles.h"

/* 1 and the run's selection metric when DIR is a completed unimodal run of the modality. */
static int usable_run(const char *dir, const char *want, double *metric, char *why, size_t whylen) {
    char path[4200], v[256];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *js = read_text_file(path);
    if (!js) {
        snprintf(why, whylen, "%s: no summary.json", dir);
        return 0;
    }
    int ok = 0;
    if (json_field(js, "status", v, sizeof v) || strcmp(v, "completed") != 0) {
        snprintf(why, whylen, "%s: not a completed run", dir);
    } else if (json_field(js, "method", v, sizeof v) || strcmp(v, "unimodal") != 0) {
        snprintf(why, whylen, "%s: expected a run of method unimodal, found %s", dir, v);
    } else if (json_field(js, "selection_head", v, sizeof v) || strcmp(v, want) != 0) {
        snprintf(why, whylen, "%s: expected a unimodal run of modality %s, found modality %s", dir, want, v);
    } else if (json_field(js, "val_metric_selected", v, sizeof v) || !isfinite(*metric = strtod(v, NULL))) {
        snprintf(why, whylen, "%s: summary.json has no finite val_metric_selected", dir);
    } else {
        ok = 1;
    }
    free(js);
    return ok;
}

int lr_from_results(const char *dir, const char *want, double *lr, char *chosen, size_t chosen_len, char *err,
                    size_t errlen) {
    char best[4200] = "", why[4400] = "";
    double best_metric = -INFINITY, m;
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!usable_run(dir, want, &m, why, sizeof why)) {
            snprintf(err, errlen, "%s", why);
            return -1;
        }
        snprintf(best, sizeof best, "%s", dir);
    } else {
        DIR *d = opendir(dir);
        if (!d) {
            snprintf(err, errlen, "%s: cannot open the results directory", dir);
            return -1;
        }
        struct dirent *e;
        int seen = 0;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char sub[4200];
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
            if (stat(sub, &sb) != 0 || !S_ISDIR(sb.st_mode)) continue;
            seen++;
            /* Ties go to the name that sorts first, so the choice does not depend on readdir. */
            if (usable_run(sub, want, &m, why, sizeof why) &&
                (m > best_metric || (m == best_metric && strcmp(sub, best) < 0))) {
                best_metric = m;
                snprintf(best, sizeof best, "%s", sub);
            }
        }
        closedir(d);
        if (!best[0]) {
            snprintf(err, errlen, "%s: expected a completed unimodal run of modality %s (or a sweep of them), "
                                  "found none among %d entries", dir, want, seen);
            return -1;
        }
    }
    snprintf(path, sizeof path, "%s/config.yaml", best);
    config c;
    char cerr[1024];
    if (config_load(path, NULL, 0, &c, cerr, sizeof cerr)) {
        snprintf(err, errlen, "%s", cerr);
        return -1;
    }
    *lr = cfg_double(&c, "train.lr");
    config_free(&c);
    snprintf(chosen, chosen_len, "%s", best);
    return 0;
}
