/* search.h - random-search spaces: the `search:` block of an experiment file.
 *
 *   search:
 *     trials: 80                     # default 80; `--trials N` replaces it
 *     seed: 0                        # sweep seed, default 0; `--seed S` replaces it
 *     params:                        # key paths of the schema (config_schema.c)
 *       train.lr: {loguniform: [1e-4, 1e-2]}   # raw values, not exponents
 *       method.tau: {uniform: [0.0, 0.5]}
 *       method.window: {int: [3, 10]}           # inclusive
 *       train.batch_size: {choice: [32, 64, 128]}
 *
 * Trial i's values depend only on (seed, i, the parameter's key path): any process, any array
 * task and any resume computes the same trial. Invalid spaces (lo > hi, loguniform with lo <= 0,
 * an unknown key path, a value the schema rejects, an empty choice) are configuration errors
 * with file:line:col.
 */
#ifndef MILES_SEARCH_H
#define MILES_SEARCH_H

#include <stddef.h>

#include "core/status.h"

#define SEARCH_MAX_TRIALS  100000
#define SEARCH_MAX_PARAMS  32
#define SEARCH_MAX_CHOICES 32
#define SEARCH_SET_LEN     600

typedef enum { SEARCH_UNIFORM, SEARCH_LOGUNIFORM, SEARCH_INT, SEARCH_CHOICE } search_kind;

typedef struct {
    char path[128];
    search_kind kind;
    double lo, hi; /* uniform, loguniform, int */
    int n_choices;
    char choices[SEARCH_MAX_CHOICES][128]; /* each choice as --set value text ("sgd", [1,1]) */
    int line, col;                         /* where path is given in the file (errors) */
} search_param;

typedef struct {
    int present; /* the file has a search: block */
    int trials;
    unsigned long long seed;
    int n;
    search_param p[SEARCH_MAX_PARAMS];
} search_space;

/* Reads the search: block of PATH (present = 0 when there is none). ML_OK, or ML_EINVAL with err. */
ml_status search_load(const char *path, search_space *sp, char *err, size_t errlen);
/* The --set strings ("key.path=value") of trial i, n of them. */
int search_trial_sets(const search_space *sp, int trial, char sets[][SEARCH_SET_LEN], int *n);
/* A canonical one-line text of the space (for the manifest and its hash). */
void search_describe(const search_space *sp, char *buf, size_t n);

#endif
