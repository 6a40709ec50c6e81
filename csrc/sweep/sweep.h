/* sweep.h - a random search on disk: the sweep directory, its manifest and its trials.
 *
 * SWEEP_DIR/sweep.json records the experiment, the --set overrides, the space, the sweep seed,
 * the trial count and the hash of the base configuration; SWEEP_DIR/trial-NNN/ is trial NNN's run
 * directory (that of `miles train`), with SWEEP_DIR/trial-NNN/failed holding the error of a
 * failed attempt. A sweep directory is continued only with the same manifest.
 *
 * Reseeds (--reseed K): SWEEP_DIR/reseed-KK/ (K = 1, 2, ...) re-trains the trial that validation
 * selects with another train.seed, as an ordinary resumable run; sweep.json's "reseed" record
 * names the trial, the count and the seeds. Reseed k's seed depends only on the base
 * configuration's train.seed and k (sweep_reseed_seeds), so reseed k of every sweep of a grid
 * trains with the same seed and the report can pair methods seed by seed.
 *
 * Files: sweep_validate.c (what a sweep is before anything is written), sweep_manifest.c
 * (sweep.json), sweep_trial.c (one trial), sweep.c (the worker pool). Every function returns an
 * ml_status with the message in err; the commands (cli/sweep.c, cli/submit.c, cli/status.c) turn
 * it into an exit code.
 */
#ifndef MILES_SWEEP_H
#define MILES_SWEEP_H

#include <stddef.h>

#include "core/config.h"
#include "core/status.h"
#include "core/util.h"
#include "sweep/search.h"

#define SWEEP_MAX_SETS    32 /* --set overrides of one sweep */
#define SWEEP_MAX_RESEEDS 100
/* Slot numbers name the runs of a sweep: 0..trials-1 its trials, SWEEP_RESEED_BASE + k its
 * reseed k (1..reseeds). */
#define SWEEP_RESEED_BASE 1000000

/* What the command line asks for. */
typedef struct {
    const char *exp;         /* the experiment file */
    const char *const *sets; /* the user's --set overrides */
    int n_sets;
    const char *out_dir; /* the sweep directory; NULL: output.dir of the configuration */
    int trials;          /* > 0: replaces search.trials (--trials) */
    int has_seed;        /* 1: seed replaces search.seed (--seed) */
    unsigned long long seed;
    int only;   /* >= 0: the one trial (with reseed: the one reseed, 1..K) to run (--trial); < 0: all */
    int reseed; /* > 0: re-train the selected trial with this many further seeds (--reseed) */
} sweep_request;

typedef struct {
    char exp[ML_PATH_MAX]; /* the experiment file */
    char dir[ML_PATH_MAX]; /* the sweep directory */
    int n_sets;
    char sets[SWEEP_MAX_SETS][SEARCH_SET_LEN]; /* user --set overrides, applied before each trial's values */
    search_space space;                        /* trials and seed as the request set them */
    int trials_given, seed_given;              /* from --trials / --seed rather than the file */
    char base_hash[17];
    /* after sweep_reseed_plan: the trial re-trained, the reseed count and each one's train.seed */
    int reseed_trial, reseeds;
    unsigned long long reseed_seed[SWEEP_MAX_RESEEDS + 1]; /* [k], k = 1..reseeds */
} sweep_info;

/* CORRUPT: summary.json is there but cannot be read (damaged, or not a summary). */
typedef enum {
    TRIAL_PENDING,
    TRIAL_RUNNING,
    TRIAL_DONE,
    TRIAL_DIVERGED,
    TRIAL_FAILED,
    TRIAL_CORRUPT,
    TRIAL_STATES
} trial_state;

/* ---- sweep_validate.c ------------------------------------------------------------------------ */

/* Everything sweep_prepare checks before it touches the disk (the base configuration, the
 * space, every trial's configuration, the --trial index); fills INFO. Writes nothing. */
ml_status sweep_validate(const sweep_request *rq, sweep_info *info, char *err, size_t errlen);
/* config_load of the experiment with the user's sets, then EXTRA (a trial's values). */
ml_status sweep_load_config(const sweep_info *info, char extra[][SEARCH_SET_LEN], int n_extra, config *cfg, char *err,
                            size_t errlen);
/* Trial i's values as one line "key=value key=value". */
void sweep_trial_values(const sweep_info *info, int trial, char *out, size_t len);

/* ---- sweep_manifest.c ------------------------------------------------------------------------ */

/* sweep_validate, then creates the sweep directory, every trial directory and the manifest; or,
 * when the directory already holds a sweep, checks that its manifest matches (space, seed,
 * trial count, base configuration) and refuses (ML_EINVAL) naming what differs. */
ml_status sweep_prepare(const sweep_request *rq, sweep_info *info, char *err, size_t errlen);
/* The trial count of the sweep in DIR: its manifest's, else (no sweep.json) the trial-NNN
 * directories there are. ML_EDATA when sweep.json is there but unreadable or without a valid
 * trial count; ML_EINVAL when DIR holds neither. */
ml_status sweep_trial_count(const char *dir, int *trials, char *err, size_t errlen);

/* ---- sweep_reseed.c ------------------------------------------------------------------------ */

/* train.seed of reseeds 1..K into seeds[1..K]: a splitmix64 stream started at BASE (the base
 * configuration's train.seed), each output's top 31 bits (train.seed's range), skipping BASE
 * itself and repeats, so the K seeds differ from each other and from the selected trial's. */
void sweep_reseed_seeds(unsigned long long base, int k, unsigned long long *seeds);
/* Fills info's reseed fields for K reseeds of the trial validation selects (core/results.h's
 * rule: highest val_metric_selected, ties to the lowest trial). Refuses (ML_EINVAL) when no trial
 * has completed, when a trial is still pending or running (the selection could change), or when
 * sweep.json records reseeds of another trial. With WRITE, records trial, count (the largest
 * asked so far) and seeds in sweep.json (rewritten atomically; unchanged when they are there). */
ml_status sweep_reseed_plan(sweep_info *info, int k, int write, char *err, size_t errlen);

/* ---- sweep_trial.c --------------------------------------------------------------------------- */

/* "trial-NNN" or "reseed-KK" of a slot. */
void sweep_slot_name(int slot, char *out, size_t len);
/* "trial 003" or "reseed 01 (trial 003)" (info may be NULL). */
void sweep_slot_label(const sweep_info *info, int slot, char *out, size_t len);
/* DIR/trial-NNN (or DIR/reseed-KK for a reseed slot); ML_EINVAL when it does not fit. */
ml_status sweep_trial_dir(const char *dir, int trial, char *out, size_t len, char *err, size_t errlen);
/* What the files say about trial i (RUNNING: checkpointed epochs but no summary). */
trial_state sweep_trial_state(const char *sweep_dir, int trial);
/* Runs (or continues from its checkpoint) trial i in this process, quietly; a finished trial is
 * left as it is. threads > 0 sets train.threads. On failure writes trial-NNN/failed: a line
 * saying how, then the message. *busy (may be NULL) is 1 when another process holds the trial
 * (then ML_ERUNTIME). */
ml_status sweep_run_trial(const sweep_info *info, int trial, int threads, int *busy, char *err, size_t errlen);
/* Trial i's failed file (free it), or NULL when there is none. */
char *sweep_trial_failure(const char *sweep_dir, int trial);
/* Records that trial i's process ended without saying why (a signal). */
void sweep_trial_killed(const char *sweep_dir, int trial, int signal);

/* ---- sweep.c --------------------------------------------------------------------------------- */

typedef struct {
    int jobs;  /* trials at once, each in its own process */
    int quiet; /* no line per trial */
    int count; /* with only >= 0: trials only .. only + count - 1 (those that exist); 0 means 1 */
} sweep_run_options;

typedef struct {
    int total;               /* trials in the range */
    int count[TRIAL_STATES]; /* by state, after the run */
} sweep_tally;

/* Runs the trials of the request's range (info->space; rq.only and o->count, or all) that are not finished,
 * at most o->jobs at once, each in a forked process; prints a line per trial unless quiet.
 * ML_OK when every trial could be run (whatever its outcome: see tally), ML_ERUNTIME when the
 * pool itself failed (fork, waitpid). */
ml_status sweep_run(const sweep_info *info, int only, const sweep_run_options *o, sweep_tally *tally, char *err,
                    size_t errlen);
/* The states of trials [first, last] of the sweep in DIR. */
void sweep_count(const char *dir, int first, int last, sweep_tally *tally);
/* Runs the reseeds of info (after sweep_reseed_plan): reseed ONLY (1..reseeds), or all (-1);
 * as sweep_run otherwise, the tally counting reseeds. */
ml_status sweep_run_reseeds(const sweep_info *info, int only, const sweep_run_options *o, sweep_tally *tally, char *err,
                            size_t errlen);

/* Where pool slot SLOT of JOBS runs: with several devices in CUDA_VISIBLE_DEVICES, the
 * (slot mod count)-th alone (visible; "" leaves the variable as it is), and the share of that
 * device's memory the worker may hold, 1 / (workers on the device). */
typedef struct {
    char visible[32];
    double memory_fraction;
} sweep_device;
void sweep_worker_device(int slot, int jobs, sweep_device *d);

#endif
