/* slurm.h - a sweep as one SLURM job array (what `miles submit` writes and submits) and what
 * squeue says about that array (for `miles status`).
 *
 * Task i of the array runs `miles sweep EXP --trial i --out SWEEP_DIR` with the sweep's --set,
 * --trials and --seed (with --trials-per-task K: `--trial i*K --trial-count K --jobs K`, K trials
 * at once sharing the task's GPU, each with 1/K of its memory), so every task computes the manifest sweep_prepare wrote and continues
 * trial i from its checkpoint when there is one: a requeued task simply resumes.
 */
#ifndef MILES_SWEEP_SLURM_H
#define MILES_SWEEP_SLURM_H

#include <stddef.h>

#include "core/status.h"
#include "core/strbuf.h"
#include "sweep/sweep.h"

typedef struct {
    const char *partition, *time, *mem; /* NULL: not given */
    int cpus, gpus;                     /* 0: no #SBATCH line */
    int parallel;                       /* K of %K; 0: the default */
    int per_task;                       /* trials run at once by one task (sharing its GPU); 0: 1 */
} slurm_opts;

/* Seconds of a Slurm time limit ("M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S"); 0 for
 * infinite/unlimited; -1 when it is none of these. */
long slurm_time_seconds(const char *t);
/* 1 when M is a --mem value: megabytes, or a number with one of K, M, G, T. */
int slurm_mem_valid(const char *m);
/* 1 when S is a Slurm name or list of names (--partition): letters, digits, '_', '-', '.' and
 * commas, nothing else (above all no blank or control character, which would end the directive). */
int slurm_name_valid(const char *s);
/* Tasks of the array: one per trial, or one per per_task trials (the last may have fewer). */
int slurm_tasks(const slurm_opts *o, int trials);
/* K of --array=0-(T-1)%K: --array-parallel, default 8, never more than the T tasks. */
int slurm_array_parallel(const slurm_opts *o, int trials);

/* The batch script of the sweep INFO (validated; its directory need not exist yet). Every value
 * that becomes a shell word is single-quoted; the values that go into #SBATCH lines are checked
 * (ML_EINVAL): the partition a Slurm name, the sweep directory and the current directory free of
 * control characters, blanks, quotes, backslashes, '#' and '%'. */
ml_status slurm_script(const sweep_info *info, const slurm_opts *o, strbuf *script, char *err, size_t errlen);

/* The first executable NAME on $PATH into out; ML_OK, or ML_ERUNTIME when there is none. */
ml_status slurm_find_tool(const char *name, char *out, size_t len);
/* Writes SWEEP_DIR/slurm/sweep.sbatch (after creating every directory the job writes to), runs
 * `SBATCH --parsable` on it and puts the job id into jobid. sbatch's own errors go to stderr. */
ml_status slurm_submit(const sweep_info *info, const char *sbatch, const char *script, char *jobid, size_t jlen,
                       char *err, size_t errlen);
/* Records JOBID in SWEEP_DIR/slurm/jobid, for `miles status`. */
ml_status slurm_record_jobid(const char *sweep_dir, const char *jobid, char *err, size_t errlen);
/* The job id recorded there, or "" when none is. */
void slurm_recorded_jobid(const char *sweep_dir, char *jobid, size_t len);

typedef enum {
    SQUEUE_MISSING,     /* squeue is not on PATH */
    SQUEUE_UNKNOWN_JOB, /* squeue failed and listed nothing: finished, or another cluster */
    SQUEUE_LISTED       /* the counts below */
} squeue_answer;

typedef struct {
    squeue_answer answer;
    int running, pending, other; /* tasks of the array by state */
} slurm_queue;

/* What squeue says about the tasks of array JOBID. */
void slurm_queue_read(const char *jobid, slurm_queue *q);

#endif
