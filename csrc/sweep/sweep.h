/* sweep.h - a random search on disk: the sweep directory, its manifest and its trials.
 *
 * SWEEP_DIR/sweep.json records the experiment, the --set overrides, the space, the sweep seed,
 * the trial count and the hash of the base configuration; SWEEP_DIR/trial-NNN/ is trial NNN's run
 * directory (that of `miles train`), with SWEEP_DIR/trial-NNN/failed holding the error of a
 * failed attempt. A sweep directory is continued only with the same manifest.
 */
#ifndef MILES_SWEEP_H
#define MILES_SWEEP_H

#include <stddef.h>

#include "core/config.h"
#include "sweep/search.h"

#define SWEEP_MAX_SETS 32 /* --set overrides of one sweep */

typedef struct {
    char exp[1024];                 /* the experiment file */
    char dir[1024];                 /* the sweep directory */
    int n_sets;
    char sets[SWEEP_MAX_SETS][SEARCH_SET_LEN];  /* user --set overrides, applied before each trial's values */
    search_space space;
    char base_hash[17];
} sweep_info;

typedef enum { TRIAL_PENDING, TRIAL_RUNNING, TRIAL_DONE, TRIAL_DIVERGED, TRIAL_FAILED } trial_state;

/* Everything sweep_prepare checks before it touches the disk (the base configuration, the
 * space, every trial's configuration); fills INFO. Returns an EXIT_* code (train.h). */
int sweep_validate(const char *exp, const char *const *sets, int n_sets, const char *out_dir, sweep_info *info,
                   char *err, size_t errlen);
/* config_load of the experiment with the user's sets, then EXTRA (a trial's values). */
int sweep_load_config(const sweep_info *info, char extra[][SEARCH_SET_LEN], int n_extra, config *cfg, char *err,
                      size_t errlen);
/* DIR/trial-NNN */
void sweep_trial_dir(const char *dir, int trial, char *out, size_t len);

/* Validates the space and every trial's configuration, then creates SWEEP_DIR (out_dir, or the
 * config's output.dir), every trial directory and the manifest; or, when the directory already
 * holds a sweep, checks that its manifest matches (space, seed, base config) and refuses
 * (EXIT_USAGE) with what differs. Returns an EXIT_* code (train.h). */
int sweep_prepare(const char *exp, const char *const *sets, int n_sets, const char *out_dir, sweep_info *info,
                  char *err, size_t errlen);
/* Runs (or continues from its checkpoint) trial i in this process; a finished trial is left as
 * it is. threads > 0 sets train.threads. On failure writes trial-NNN/failed. Returns EXIT_*. */
int sweep_run_trial(const sweep_info *info, int trial, int threads, int quiet, char *err, size_t errlen);
/* What the files say about trial i (RUNNING: checkpointed epochs but no summary). */
trial_state sweep_trial_state(const char *sweep_dir, int trial);

#endif
