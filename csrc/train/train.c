/* train.c - the epoch loop: one experiment from a resolved config to a finished run directory.
 *
 * train_run, at the bottom, is the list of a run's steps: check resume, load the cached dataset,
 * build the model through the shim, let the method check the configuration (init), and only then
 * open the run directory; restore a checkpoint; run each epoch (train with the method's hooks
 * around each batch, validate, write one epochs.csv row, checkpoint with a done-marker); finally
 * evaluate the best-validation weights on the test split into summary.json. Each step returns
 * its own status; trainer_close frees everything on every path. See train.h for the files and
 * the resume protocol.
 */
#define _POSIX_C_SOURCE 200809L
#include "train/train.h"
#include "train/predictions.h"
#include "train/encoders.h"
#include "train/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/batcher.h"
#include "data/dataset.h"
#include "methods/method.h"
#include "mt.h"
#include "miles_commit.h"
#include "core/columns.h"
#include "core/runfiles.h"
#include "core/strbuf.h"
#include "core/summary.h"
#include "core/util.h"

#include "core/version.h"

/* What the loop lends to methods through run->loop (run_train_pass, run_evaluate). */
typedef struct {
    batcher *b[NUM_SPLITS];
    int64_t *order; /* scratch, as long as the largest split */
    int64_t *perm;
    int metric; /* the task metric (train/metrics.h): accuracy or one of the F1 scores */
} loop_ctx;

static ml_status shim_fail(char *err, size_t n, const char *what) {
    snprintf(err, n, "%s: %s", what, mt_last_error());
    return ML_ERUNTIME;
}

static ml_status build_spec(const config *c, const dataset *d, mt_model_spec *s, char *err, size_t errlen) {
    mt_spec_init(s);
    for (int k = 0; k < 2; k++) {
        char key[64];
        mt_encoder_spec *e = &s->enc[k];
        const char *mod = k == 0 ? "model.a." : "model.b.";
#define KEY(name) (snprintf(key, sizeof key, "%s%s", mod, name), key)
        const char *preset = cfg_str(c, KEY("preset"));
        e->preset = strcmp(preset, "custom") == 0 ? NULL : preset;
        const char *block = cfg_str(c, KEY("block"));
        e->block = strcmp(block, "basic") == 0        ? MT_BLOCK_BASIC
                   : strcmp(block, "bottleneck") == 0 ? MT_BLOCK_BOTTLENECK
                                                      : MT_BLOCK_PRESET;
        long long blocks[CFG_MAX_LIST];
        int nb = cfg_list(c, KEY("blocks"), blocks, CFG_MAX_LIST);
        if (nb > MT_MAX_STAGES) {
            snprintf(err, errlen, "%s: expected at most %d stages, found %d", key, MT_MAX_STAGES, nb);
            return ML_EINVAL;
        }
        e->n_stages = nb;
        for (int i = 0; i < nb; i++) e->blocks[i] = (int)blocks[i];
        e->base_width = (int)cfg_int(c, KEY("base_width"));
        const char *stem = cfg_str(c, KEY("stem"));
        e->stem = strcmp(stem, "imagenet") == 0 ? MT_STEM_IMAGENET
                  : strcmp(stem, "small") == 0  ? MT_STEM_SMALL
                                                : MT_STEM_PRESET;
#undef KEY
        const ds_modality *dm = &d->split[SPLIT_TRAIN].x[k];
        int side = (int)cfg_int(c, "dataset.input_size"); /* the batcher resizes to it */
        e->in_channels = dm->c;
        e->height = side ? side : dm->h;
        e->width = side ? side : dm->w;
        for (int ch = 0; ch < dm->c && ch < MT_MAX_CHANNELS; ch++) {
            e->mean[ch] = d->mean[k][ch];
            e->std[ch] = d->std[k][ch] > 1e-12f ? d->std[k][ch] : 1.0f;
        }
    }
    s->fusion = strcmp(cfg_str(c, "model.fusion"), "sum") == 0 ? MT_FUSION_SUM : MT_FUSION_CONCAT;
    s->num_classes = d->num_classes;
    s->multilabel = d->multilabel;
    s->aux_heads = cfg_bool(c, "model.aux_heads");
    s->optim.kind = strcmp(cfg_str(c, "train.optimizer"), "sgd") == 0 ? MT_OPTIM_SGD : MT_OPTIM_ADAM;
    s->optim.lr = cfg_double(c, "train.lr");
    s->optim.beta1 = cfg_double(c, "train.beta1");
    s->optim.beta2 = cfg_double(c, "train.beta2");
    s->optim.eps = cfg_double(c, "train.eps");
    s->optim.momentum = cfg_double(c, "train.momentum");
    s->optim.weight_decay = cfg_double(c, "train.weight_decay");
    const char *dev = cfg_str(c, "train.device");
    s->device = strcmp(dev, "cpu") == 0 ? MT_DEVICE_CPU : strcmp(dev, "cuda") == 0 ? MT_DEVICE_CUDA : MT_DEVICE_AUTO;
    s->seed = (uint64_t)cfg_int(c, "train.seed");
    long long threads = cfg_int(c, "train.threads");
    if (threads == 0) threads = cpu_count();
    s->threads = (int)threads;
    const char *prec = cfg_str(c, "train.precision");
    s->amp.precision = strcmp(prec, "bf16") == 0   ? MT_PRECISION_BF16
                       : strcmp(prec, "fp16") == 0 ? MT_PRECISION_FP16
                                                   : MT_PRECISION_FP32;
    return encoders_spec(c, d, s, err, errlen);
}

/* ---- terminal ---- */

static void progress(int tty, int epoch, int epochs, int64_t done, int64_t total, double loss, double *last) {
    if (!tty) return;
    double t = mono_seconds();
    if (done < total && t - *last < 0.2) return;
    *last = t;
    int width = 30, fill = total ? (int)(width * done / total) : width;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    printf("\r  epoch %d/%d [%s] %lld/%lld batches  loss %.4f", epoch + 1, epochs, bar, (long long)done,
           (long long)total, loss);
    if (done >= total) printf("\r%*s\r", 90, "");
    fflush(stdout);
}

/* log.txt, and the first errno a write to it met (a full disk must end the run, not go
 * unnoticed). */
typedef struct {
    FILE *f;
    int err;
} run_log;

static void say(run_log *log, int quiet, const char *fmt, ...) {
    va_list ap;
    if (!quiet) {
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fflush(stdout);
    }
    if (log && log->f) {
        errno = 0;
        va_start(ap, fmt);
        int bad = vfprintf(log->f, fmt, ap) < 0;
        va_end(ap);
        if ((bad || fflush(log->f) != 0) && !log->err) log->err = errno ? errno : EIO;
    }
}

/* ---- passes over the data, for the loop and for methods that train copies ---- */

typedef struct {
    int hooks;            /* call the method's loss_weights / after_backward */
    const float *weights; /* fixed weights when hooks is 0 */
    int tty;              /* draw a progress bar */
    double compute;       /* out: seconds inside the shim */
    int diverged;         /* out: a loss was not finite */
} pass_opts;

static ml_status train_pass(run *r, mt_model *m, const int64_t *idx, int64_t n, uint64_t stream, pass_opts *po,
                            split_metrics *out) {
    loop_ctx *L = r->loop;
    shuffle_order(L->perm, n, (uint64_t)cfg_int(r->cfg, "train.seed"), stream);
    for (int64_t i = 0; i < n; i++) L->order[i] = idx[L->perm[i]];
    batcher *b = L->b[SPLIT_TRAIN];
    batcher_start(b, L->order, n, (int64_t)stream);
    int64_t bs = cfg_int(r->cfg, "train.batch_size"), total = (n + bs - 1) / bs, done = 0;
    split_accum acc;
    if (split_accum_init(&acc, r->data->multilabel, r->data->num_classes, L->metric, bs) != ML_OK) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    mt_batch batch;
    mt_step_result res;
    double last_bar = 0;
    po->compute = 0;
    po->diverged = 0;
    while (batcher_next(b, &batch)) {
        float w[MT_NUM_HEADS] = {1, 1, 1};
        if (!po->hooks) memcpy(w, po->weights, sizeof w);
        else if (r->ops->loss_weights) r->ops->loss_weights(r, w);
        double c0 = mono_seconds();
        if (mt_train_step_out(m, &batch, w, &res, split_accum_out(&acc))) {
            split_accum_free(&acc);
            return shim_fail(r->err, sizeof r->err, "training step");
        }
        if (!isfinite(res.total_loss)) {
            po->diverged = 1;
            /* Drain the pass so the batcher is idle for the next user. */
            while (batcher_next(b, &batch)) {}
            break;
        }
        if (po->hooks && r->ops->after_backward) {
            ml_status st = r->ops->after_backward(r, &res);
            if (st != ML_OK) {
                split_accum_free(&acc);
                return st;
            }
        }
        if (mt_optimizer_step(m)) {
            split_accum_free(&acc);
            return shim_fail(r->err, sizeof r->err, "optimizer step");
        }
        po->compute += mono_seconds() - c0;
        split_accum_add(&acc, &res, &batch);
        progress(po->tty, r->epoch, r->epochs, ++done, total, acc.loss_sum[0] / (double)acc.n, &last_bar);
    }
    split_accum_metrics(&acc, out);
    split_accum_free(&acc);
    return ML_OK;
}

ml_status run_train_pass(run *r, mt_model *m, const float w[MT_NUM_HEADS], const int64_t *idx, int64_t n,
                         uint64_t stream, split_metrics *out) {
    pass_opts po = {.hooks = 0, .weights = w};
    ml_status rc = train_pass(r, m, idx, n, stream, &po, out);
    if (!rc && po.diverged) {
        snprintf(r->err, sizeof r->err, "a loss was not finite while training a copy of the model");
        return ML_ERUNTIME;
    }
    return rc;
}

ml_status run_evaluate(run *r, mt_model *m, int split, const int64_t *idx, int64_t n, split_metrics *out) {
    loop_ctx *L = r->loop;
    if (!idx) n = r->data->split[split].n;
    for (int64_t i = 0; i < n; i++) L->order[i] = idx ? idx[i] : i;
    batcher *b = L->b[split];
    batcher_start(b, L->order, n, -1);
    mt_batch batch;
    split_accum a;
    if (split_accum_init(&a, r->data->multilabel, r->data->num_classes, L->metric,
                         cfg_int(r->cfg, "train.eval_batch_size")) != ML_OK) {
        while (batcher_next(b, &batch)) {}
        snprintf(r->err, sizeof r->err, "out of memory");
        return ML_ERUNTIME;
    }
    mt_step_result res;
    while (batcher_next(b, &batch)) {
        if (mt_eval_batch(m, &batch, &res, split_accum_out(&a))) {
            while (batcher_next(b, &batch)) {}
            split_accum_free(&a);
            return shim_fail(r->err, sizeof r->err, "evaluation");
        }
        split_accum_add(&a, &res, &batch);
    }
    split_accum_metrics(&a, out);
    split_accum_free(&a);
    return ML_OK;
}

/* ---- the run's files ---- */

static void print_header(const config *cfg, const dataset *d, const mt_model *model, const char *dir, int resumed_at) {
    int64_t counts[MT_NUM_GROUPS];
    for (int g = 0; g < MT_NUM_GROUPS; g++) mt_param_count(model, g, &counts[g]);
    printf("miles %s | LibTorch %s | device %s\n", MILES_VERSION, mt_torch_version(), mt_model_device(model));
    config_print_table(cfg, stdout);
    printf("%-28s %s (%s, %s): train %lld, val %lld, test %lld\n", "data", d->name, d->modality[0], d->modality[1],
           (long long)d->split[0].n, (long long)d->split[1].n, (long long)d->split[2].n);
    printf("%-28s A %lld, B %lld, fusion+heads %lld\n", "parameters", (long long)counts[0], (long long)counts[1],
           (long long)counts[2]);
    printf("%-28s %s\n", "output", dir);
    if (resumed_at) printf("resuming after epoch %d\n", resumed_at);
}

/* Checkpoint of epoch e: new files first, then the done-marker names them, then old files go. */
static ml_status checkpoint(const char *dir, run *r, run_state *st, int e, const split_metrics *vm, const char *hash,
                            char *err, size_t errlen) {
    run_state next = *st;
    char path[4096];
    next.epochs_done = e + 1;
    snprintf(next.config_hash, sizeof next.config_hash, "%s", hash);
    snprintf(next.last_file, sizeof next.last_file, "last-%04d.pt", e + 1);
    snprintf(path, sizeof path, "%s/ckpt/%s", dir, next.last_file);
    if (mt_model_save(r->model, path)) return shim_fail(err, errlen, "checkpoint");
    /* the bytes as they are on disk now, for the next resume to check */
    if (file_crc32c(path, &next.last_crc, err, errlen)) return ML_ERUNTIME;
    next.has_crc |= 1;
    if (vm->metric[r->select_head] > st->best_val) {
        next.best_epoch = e;
        next.best_val = vm->metric[r->select_head];
        for (int h = 0; h < MT_NUM_HEADS; h++) next.best_vals[h] = vm->metric[h];
        snprintf(next.best_file, sizeof next.best_file, "best-%04d.pt", e + 1);
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, next.best_file);
        if (mt_model_save(r->model, path)) return shim_fail(err, errlen, "checkpoint");
        if (file_crc32c(path, &next.best_crc, err, errlen)) return ML_ERUNTIME;
        next.has_crc |= 2;
    }
    next.extra_epochs = r->extra_epochs;
    strbuf method = {0};
    if (r->ops->save_state) r->ops->save_state(r, &method);
    next.method_state = method.p;
    if (write_run_state(dir, &next, err, errlen)) {
        sb_free(&method);
        return ML_ERUNTIME;
    }
    remove_stale_checkpoints(dir, &next);
    run_state_free(st);
    *st = next;
    return ML_OK;
}

/* ---- the steps of a run ---- */

/* One run in progress: what the steps of train_run share. trainer_close frees all of it. */
typedef struct {
    const config *cfg;
    const char *dir;
    int resume, quiet, tty;
    char hash[17];
    const method_ops *ops;
    dataset data;
    loop_ctx loop;
    run r;
    run_state state; /* ckpt/state.txt: found on resume, rewritten by each checkpoint */
    int resuming;    /* state holds a run to continue */
    int init_called; /* fini is owed */
    run_log log;
    int lock; /* descriptor holding DIR/run.lock, -1 none */
    csv_rows rows;
    int diverged;
    char *err;
    size_t errlen;
} trainer;

/* One epoch's numbers: its epochs.csv row, its timing line and its line on the terminal. */
typedef struct {
    double lr[MT_NUM_GROUPS]; /* the LRs the epoch trained with */
    split_metrics train, val;
    double u_a, u_b, delta;
    double start, train_wall, train_wait, compute, val_wall, seconds;
} epoch_result;

static ml_status find_method(trainer *t, const train_options *opt) {
    t->ops = opt && opt->method ? opt->method : method_find(cfg_str(t->cfg, "method.name"));
    if (t->ops) return ML_OK;
    snprintf(t->err, t->errlen, "method.name: no method '%s' in this build", cfg_str(t->cfg, "method.name"));
    return ML_EINVAL;
}

/* Whether the run's own config.yaml, read under this build's schema, is today's configuration:
 * a run written by an older miles records the hash of its key set, which new keys at their
 * defaults change without changing the run (core/config.h: config_rehash_file). */
static int same_config_as_recorded(const trainer *t) {
    char path[ML_PATH_MAX], rehash[17], err[512];
    return !path_join(path, sizeof path, t->dir, "config.yaml") && !config_rehash_file(path, rehash, err, sizeof err) &&
           !strcmp(rehash, t->hash);
}

/* A directory with a run in it continues only with --resume, and only with the same
 * configuration. */
static ml_status check_resume(trainer *t) {
    int have = read_run_state(t->dir, &t->state, t->err, t->errlen);
    if (have < 0) return ML_ERUNTIME;
    if (have == 0) return ML_OK;
    if (!t->resume) {
        snprintf(t->err, t->errlen,
                 "%s: already holds a run (%d epochs done); pass --resume to continue it or --out "
                 "to choose another directory",
                 t->dir, t->state.epochs_done);
        return ML_EINVAL;
    }
    if (strcmp(t->state.config_hash, t->hash) != 0 && !same_config_as_recorded(t)) {
        snprintf(t->err, t->errlen,
                 "%s: the run there was made with another configuration (hash %s, now %s); "
                 "refusing to resume it",
                 t->dir, t->state.config_hash, t->hash);
        return ML_EINVAL;
    }
    t->resuming = 1;
    return ML_OK;
}

static ml_status load_data(trainer *t) {
    const char *cache = cfg_str(t->cfg, "dataset.cache"), *name = cfg_str(t->cfg, "dataset.name");
    ml_status st = dataset_load(cache, &t->data, t->err, t->errlen);
    if (st != ML_OK) return st;
    if (strcmp(t->data.name, name) == 0) return ML_OK;
    snprintf(t->err, t->errlen, "%s: holds dataset '%s', but dataset.name is '%s'", cache, t->data.name, name);
    return ML_EDATA;
}

/* The model the config describes, as the method adjusts it, without weights loaded. */
static ml_status create_model(const config *c, const dataset *d, const method_ops *ops, mt_model **out, char *err,
                              size_t errlen) {
    mt_model_spec spec;
    ml_status st = build_spec(c, d, &spec, err, errlen);
    if (st == ML_OK && ops->adjust_spec) st = ops->adjust_spec(c, &spec, err, errlen);
    if (st == ML_OK) st = encoders_check_method(c, err, errlen);
    if (st != ML_OK) return st;
    mt_status created = mt_model_create(&spec, out);
    if (created == MT_OK) return ML_OK;
    snprintf(err, errlen, "model: %s", mt_last_error());
    return created == MT_EINVAL ? ML_EINVAL : ML_ERUNTIME;
}

ml_status train_create_model(const config *c, const dataset *d, mt_model **out, char *err, size_t errlen) {
    *out = NULL;
    const method_ops *ops = method_find(cfg_str(c, "method.name"));
    if (ops) return create_model(c, d, ops, out, err, errlen);
    snprintf(err, errlen, "method.name: no method '%s' in this build", cfg_str(c, "method.name"));
    return ML_EINVAL;
}

static ml_status build_model(trainer *t) {
    ml_status st = create_model(t->cfg, &t->data, t->ops, &t->r.model, t->err, t->errlen);
    if (st != ML_OK) return st;
    /* A resumed run's checkpoint holds the weights already. */
    return t->resuming ? ML_OK : encoders_load_weights(t->cfg, t->r.model, t->err, t->errlen);
}

/* The batchers, the scratch buffers of the passes, and the hooks' view of the run with every
 * row of the train split in the training index set (which the method's init may shrink). */
static ml_status prepare_loop(trainer *t) {
    loop_ctx *L = &t->loop;
    const dataset *d = &t->data;
    int bs = (int)cfg_int(t->cfg, "train.batch_size"), ebs = (int)cfg_int(t->cfg, "train.eval_batch_size");
    int side = (int)cfg_int(t->cfg, "dataset.input_size");
    aug_spec aug[2];
    for (int m = 0; m < 2; m++)
        aug[m] = (aug_spec){.out_h = side,
                            .out_w = side, /* 0: as stored */
                            .crop_flip = !strcmp(cfg_str(t->cfg, "dataset.augment"), "crop_flip"),
                            .seed = (uint64_t)cfg_int(t->cfg, "train.seed")};
    ml_status st = batcher_create(d, SPLIT_TRAIN, bs, aug, &L->b[SPLIT_TRAIN], t->err, t->errlen);
    if (st == ML_OK) st = batcher_create(d, SPLIT_VAL, ebs, aug, &L->b[SPLIT_VAL], t->err, t->errlen);
    if (st == ML_OK) st = batcher_create(d, SPLIT_TEST, ebs, aug, &L->b[SPLIT_TEST], t->err, t->errlen);
    if (st != ML_OK) return st;
    int64_t nmax = 1;
    for (int k = 0; k < NUM_SPLITS; k++)
        if (d->split[k].n > nmax) nmax = d->split[k].n;
    run *r = &t->r;
    L->order = malloc(sizeof(int64_t) * (size_t)nmax);
    L->perm = malloc(sizeof(int64_t) * (size_t)nmax);
    r->train_idx = malloc(sizeof(int64_t) * (size_t)nmax);
    if (!L->order || !L->perm || !r->train_idx) {
        snprintf(t->err, t->errlen, "out of memory");
        return ML_ERUNTIME;
    }
    r->n_train = d->split[SPLIT_TRAIN].n;
    for (int64_t i = 0; i < r->n_train; i++) r->train_idx[i] = i;
    r->cfg = t->cfg;
    r->data = d;
    r->ops = t->ops;
    r->loop = L;
    r->epochs = (int)cfg_int(t->cfg, "train.epochs");
    r->base_lr = cfg_double(t->cfg, "train.lr");
    r->select_head = MT_HEAD_FUSED;
    return metric_resolve("train.metric", cfg_str(t->cfg, "train.metric"), d->metric, d->multilabel, &L->metric, t->err,
                          t->errlen);
}

/* The method's own check of the configuration comes last before anything is written. fini is
 * owed from here on, whatever init returns: a failing init may hold state already. */
static ml_status init_method(trainer *t) {
    t->init_called = 1;
    if (!t->ops->init) return ML_OK;
    ml_status st = t->ops->init(&t->r);
    if (st != ML_OK) snprintf(t->err, t->errlen, "%s", t->r.err);
    return st;
}

/* DIR/run.lock for the whole run: a second writer is refused at once (exit 2), before it
 * reads or writes anything. */
static ml_status lock_run_dir(trainer *t) {
    long pid = 0;
    if (t->lock >= 0) return ML_OK;
    t->lock = dir_lock(t->dir, "run.lock", &pid, t->err, t->errlen);
    if (t->lock >= 0) return ML_OK;
    if (pid == 0) return ML_ERUNTIME;
    if (pid > 0) snprintf(t->err, t->errlen, "%s: run directory in use by PID %ld (another miles train)", t->dir, pid);
    else snprintf(t->err, t->errlen, "%s: run directory in use by another process", t->dir);
    return ML_EINVAL;
}

/* A directory that exists is locked before its state is read; a new one once it is made. */
static ml_status lock_existing_dir(trainer *t) { return is_directory(t->dir) ? lock_run_dir(t) : ML_OK; }

/* The lock taken only now: read the state again under it (another writer may have started and
 * ended meanwhile). */
static ml_status lock_new_dir(trainer *t) {
    if (t->lock >= 0) return ML_OK;
    ml_status st = lock_run_dir(t);
    if (st != ML_OK) return st;
    run_state_free(&t->state);
    t->state = (run_state){.epochs_done = 0, .best_epoch = -1, .best_val = -INFINITY};
    t->resuming = 0;
    return check_resume(t);
}

/* Only now, with configuration, data, model and method known good, does anything reach the
 * disk (exit 2 promises nothing was written): DIR, its lock, DIR/ckpt, log.txt (continued on
 * resume) and config.yaml. */
static ml_status open_run_dir(trainer *t) {
    char path[4096];
    if (ensure_dir(t->dir, t->err, t->errlen)) return ML_ERUNTIME;
    ml_status st = lock_new_dir(t);
    if (st != ML_OK) return st;
    if (ensure_subdir(t->dir, "ckpt", t->err, t->errlen)) return ML_ERUNTIME;
    snprintf(path, sizeof path, "%s/log.txt", t->dir);
    if (!(t->log.f = fopen(path, t->resuming ? "a" : "w"))) {
        snprintf(t->err, t->errlen, "%s: cannot open: %s", path, strerror(errno));
        return ML_ERUNTIME;
    }
    snprintf(path, sizeof path, "%s/config.yaml", t->dir);
    return config_write_yaml(t->cfg, path, t->err, t->errlen) ? ML_ERUNTIME : ML_OK;
}

/* A write to log.txt that failed (full disk) ends the run like any other failed write. */
static ml_status log_status(trainer *t) {
    if (!t->log.err) return ML_OK;
    snprintf(t->err, t->errlen, "%s/log.txt: cannot write: %s", t->dir, strerror(t->log.err));
    return ML_ERUNTIME;
}

/* The checkpoint FILE state.txt names, checked against its CRC-32C before it is loaded; a
 * state.txt from before checksums loads unverified, and the log says so. */
static ml_status load_checkpoint(trainer *t, const char *file, int has_crc, uint32_t crc, const char *what) {
    char path[4096];
    snprintf(path, sizeof path, "%s/ckpt/%s", t->dir, file);
    if (!has_crc)
        say(&t->log, 1, "%s: no checksum in ckpt/state.txt (written by an older miles): loaded unverified\n", path);
    else if (verify_checkpoint(t->dir, file, crc, t->err, t->errlen)) return ML_ERUNTIME;
    if (mt_model_load(t->r.model, path)) return shim_fail(t->err, t->errlen, what);
    return ML_OK;
}

/* On resume: the last checkpoint's weights, the method's state and epochs.csv up to it. */
static ml_status restore(trainer *t) {
    if (!t->resuming) return ML_OK;
    ml_status st = load_checkpoint(t, t->state.last_file, t->state.has_crc & 1, t->state.last_crc, "resume");
    if (st != ML_OK) return st;
    t->r.extra_epochs = t->state.extra_epochs;
    if (t->ops->load_state) {
        st = t->ops->load_state(&t->r, t->state.method_state ? t->state.method_state : "");
        if (st != ML_OK) {
            snprintf(t->err, t->errlen, "resume: %s", t->r.err);
            return st;
        }
    }
    return csv_load(t->dir, t->state.epochs_done, &t->rows, t->err, t->errlen) ? ML_ERUNTIME : ML_OK;
}

/* The settings table, log.txt's start line, a new run's epochs.csv header, the epoch table's
 * header. */
static void announce(trainer *t) {
    if (!t->quiet) print_header(t->cfg, &t->data, t->r.model, t->dir, t->resuming ? t->state.epochs_done : 0);
    say(&t->log, 1, "%s miles %s config %s on %s\n", t->resuming ? "resume" : "start", MILES_VERSION, t->hash,
        mt_model_device(t->r.model));
    int reference_blas = 0;
    say(&t->log, 1, "blas %s\n", mt_blas_info(&reference_blas));
    if (reference_blas)
        say(&t->log, t->quiet,
            "warning: LibTorch calls the reference BLAS (about 40x slower on linear layers); install "
            "libopenblas0-pthread (tools/setup does)\n");
    if (!t->rows.header) {
        strbuf header = {0};
        sb_printf(&header, "%s", epochs_header());
        for (int i = 0; i < t->ops->n_columns; i++) sb_printf(&header, ",%s", t->ops->column_names[i]);
        csv_set_header(&t->rows, header.p);
        sb_free(&header);
    }
    say(&t->log, t->quiet, "%5s %9s %9s %9s %9s %9s %9s %9s %8s %8s %8s %9s %9s %7s\n", "epoch", "trn_loss", "trn_AB",
        "val_loss", "val_AB", "val_A", "val_B", "u_A", "u_B", "delta", "", "lr_A", "lr_B", "sec");
}

/* The method's epoch_begin, then one training pass; a loss that is not finite ends the run as
 * diverged. The epoch's clock starts after epoch_begin (G-Blend's estimate is not an epoch). */
static ml_status train_epoch(trainer *t, int e, epoch_result *er) {
    run *r = &t->r;
    r->epoch = e;
    for (int g = 0; g < MT_NUM_GROUPS; g++) mt_group_get_lr(r->model, g, &er->lr[g]);
    if (encoders_freeze_for_epoch(t->cfg, r->model, e, t->err, t->errlen)) return ML_ERUNTIME;
    if (t->ops->epoch_begin) {
        ml_status st = t->ops->epoch_begin(r);
        if (st != ML_OK) {
            snprintf(t->err, t->errlen, "%s", r->err);
            return st;
        }
    }
    er->start = mono_seconds();
    pass_opts po = {.hooks = 1, .tty = t->tty};
    ml_status st = train_pass(r, r->model, r->train_idx, r->n_train, (uint64_t)e, &po, &er->train);
    if (st != ML_OK) {
        snprintf(t->err, t->errlen, "%s", r->err);
        return st;
    }
    if (po.diverged) {
        say(&t->log, t->quiet, "epoch %d: loss is not finite: the run diverged\n", e + 1);
        t->diverged = 1;
    }
    er->compute = po.compute;
    er->train_wall = mono_seconds() - er->start;
    er->train_wait = batcher_wait_seconds(t->loop.b[SPLIT_TRAIN]);
    return ML_OK;
}

/* Validation, then the method's after_validation (which sets the next epoch's LRs). */
static ml_status validate_epoch(trainer *t, int e, epoch_result *er) {
    run *r = &t->r;
    double v0 = mono_seconds();
    ml_status st = run_evaluate(r, r->model, SPLIT_VAL, NULL, 0, &er->val);
    if (st != ML_OK) {
        snprintf(t->err, t->errlen, "%s", r->err);
        return st;
    }
    er->val_wall = mono_seconds() - v0;
    if (!isfinite(er->val.loss)) {
        say(&t->log, t->quiet, "epoch %d: validation loss is not finite: the run diverged\n", e + 1);
        t->diverged = 1;
        return ML_OK;
    }
    er->u_a = er->u_b = er->delta = NAN;
    if (t->ops->after_validation) {
        st = t->ops->after_validation(r, &er->train, &er->val, &er->u_a, &er->u_b, &er->delta);
        if (st != ML_OK) snprintf(t->err, t->errlen, "%s", r->err);
    }
    er->seconds = mono_seconds() - er->start;
    return st;
}

/* The epoch's epochs.csv row: the fixed columns by core/columns.h's enum, in its order (which
 * is the header's), then the method's. */
static void epoch_row(trainer *t, int e, const epoch_result *er, strbuf *row) {
    const split_metrics *tm = &er->train, *vm = &er->val;
    double v[COL_COUNT];
    v[COL_EPOCH] = e + 1;
    v[COL_TRAIN_LOSS] = tm->loss;
    v[COL_TRAIN_METRIC_FUSED] = tm->metric[MT_HEAD_FUSED];
    v[COL_TRAIN_METRIC_A] = tm->metric[MT_HEAD_A];
    v[COL_TRAIN_METRIC_B] = tm->metric[MT_HEAD_B];
    v[COL_VAL_LOSS] = vm->loss;
    v[COL_VAL_METRIC_FUSED] = vm->metric[MT_HEAD_FUSED];
    v[COL_VAL_METRIC_A] = vm->metric[MT_HEAD_A];
    v[COL_VAL_METRIC_B] = vm->metric[MT_HEAD_B];
    for (int i = 0; i < SPLIT_F1_COUNT; i++) v[COL_VAL_F1_MICRO + i] = vm->f1[MT_HEAD_FUSED][i];
    v[COL_U_A] = er->u_a;
    v[COL_U_B] = er->u_b;
    v[COL_DELTA] = er->delta;
    v[COL_LR_A] = er->lr[MT_GROUP_A];
    v[COL_LR_B] = er->lr[MT_GROUP_B];
    v[COL_LR_FUSION] = er->lr[MT_GROUP_FUSION];
    v[COL_SECONDS] = er->seconds;
    /* Values read back exactly (format_double); seconds are wall time, to the millisecond. */
    char num[32];
    for (int c = 0; c < COL_COUNT; c++) {
        if (c == COL_EPOCH) sb_printf(row, "%d", e + 1);
        else if (c == COL_SECONDS) sb_printf(row, ",%.3f", v[c]);
        else sb_printf(row, ",%s", format_double(num, sizeof num, v[c]));
    }
    if (t->ops->columns) {
        double extra[METHOD_MAX_COLUMNS];
        t->ops->columns(&t->r, extra);
        for (int i = 0; i < t->ops->n_columns; i++) sb_printf(row, ",%s", format_double(num, sizeof num, extra[i]));
    }
}

/* The epoch's epochs.csv row (rewritten whole), its checkpoint, its timing and its table line. */
static ml_status record_epoch(trainer *t, int e, const epoch_result *er) {
    const split_metrics *tm = &er->train, *vm = &er->val;
    strbuf row = {0};
    epoch_row(t, e, er, &row);
    int appended = csv_append(&t->rows, row.p) == 0;
    sb_free(&row);
    if (!appended) {
        snprintf(t->err, t->errlen, "out of memory");
        return ML_ERUNTIME;
    }
    if (csv_write(t->dir, &t->rows, t->err, t->errlen)) return ML_ERUNTIME;
    ml_status st = checkpoint(t->dir, &t->r, &t->state, e, vm, t->hash, t->err, t->errlen);
    if (st != ML_OK) return st;
    /* For tools/bench.sh train: how much of the epoch the data path and the loop add. */
    say(&t->log, 1, "timing epoch %d: train_wall %.4f shim_compute %.4f batch_wait %.4f val_wall %.4f\n", e + 1,
        er->train_wall, er->compute, er->train_wait, er->val_wall);
    mt_scaler_info si;
    if (mt_model_spec_of(t->r.model)->amp.precision == MT_PRECISION_FP16 && mt_scaler_get(t->r.model, &si) == MT_OK)
        say(&t->log, 1, "fp16 epoch %d: loss scale %g, %lld steps skipped for overflow so far\n", e + 1, si.scale,
            (long long)si.skipped_steps);
    say(&t->log, t->quiet, "%5d %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %8.4f %8.4f %8s %9.3g %9.3g %7.1f\n", e + 1,
        tm->loss, tm->metric[0], vm->loss, vm->metric[0], vm->metric[1], vm->metric[2], er->u_a, er->u_b, er->delta,
        t->state.best_epoch == e ? "best" : "", er->lr[0], er->lr[1], er->seconds);
    return ML_OK;
}

static ml_status run_epoch(trainer *t, int e) {
    epoch_result er;
    ml_status st = train_epoch(t, e, &er);
    if (st == ML_OK && !t->diverged) st = validate_epoch(t, e, &er);
    if (st == ML_OK && !t->diverged) st = record_epoch(t, e, &er);
    return st;
}

/* Test metrics of the best-validation weights. */
static ml_status evaluate_best(trainer *t, split_metrics *test) {
    ml_status st = load_checkpoint(t, t->state.best_file, t->state.has_crc & 2, t->state.best_crc, "best checkpoint");
    if (st != ML_OK) return st;
    st = run_evaluate(&t->r, t->r.model, SPLIT_TEST, NULL, 0, test);
    if (st != ML_OK) snprintf(t->err, t->errlen, "%s", t->r.err);
    return st;
}

/* Copies V into a summary field of N bytes; 0, or -1 when it does not fit (never cut). */
static int put_field(char *dst, size_t n, const char *v) {
    size_t len = strlen(v);
    if (len >= n) return -1;
    memcpy(dst, v, len + 1);
    return 0;
}

_Static_assert(F1_COUNT == SPLIT_F1_COUNT && (int)F1_MICRO == (int)F1_MICRO && (int)F1_SAMPLES == (int)F1_SAMPLES,
               "summary.json's F1 averages are split_metrics' in the same order");

/* summary.json, through core/summary.h's field table. */
static ml_status write_summary(const trainer *t, const split_metrics *test) {
    static const char *const head_names[MT_NUM_HEADS] = {"fused", "a", "b"};
    const run_state *st = &t->state;
    const run *r = &t->r;
    const dataset *d = &t->data;
    int have = st->best_epoch >= 0;
    run_summary s;
    run_summary_init(&s);
    const char *too_long = NULL;
#define SET(field, value) \
    if (put_field(s.field, sizeof s.field, (value))) too_long = #field
    SET(status, t->diverged ? "diverged" : "completed");
    SET(dataset, d->name);
    SET(metric, metric_name(t->loop.metric));
    SET(method, cfg_str(t->cfg, "method.name"));
    SET(fusion, cfg_str(t->cfg, "model.fusion"));
    s.epochs = cfg_int(t->cfg, "train.epochs");
    s.epochs_run = st->epochs_done;
    s.extra_epochs = r->extra_epochs;
    s.best_epoch = have ? st->best_epoch + 1 : -1;
    SET(selection_head, head_names[r->select_head]);
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        s.val_metric[h] = have ? st->best_vals[h] : NAN;
        s.test_metric[h] = test ? test->metric[h] : NAN;
        for (int i = 0; i < F1_COUNT; i++) s.test_f1[h][i] = test ? test->f1[h][i] : NAN;
    }
    s.val_metric_selected = have ? st->best_val : NAN;
    s.test_loss = test ? test->loss : NAN;
    s.test_metric_selected = test ? test->metric[r->select_head] : NAN;
    s.lr = cfg_double(t->cfg, "train.lr");
    SET(modality_a, d->modality[0]);
    SET(modality_b, d->modality[1]);
    SET(config_hash, t->hash);
    SET(dataset_recipe, d->recipe ? d->recipe : "");
    SET(device, mt_model_device(r->model));
    SET(torch_version, mt_torch_version());
    SET(miles_version, MILES_VERSION);
    SET(commit, MILES_GIT_COMMIT);
#undef SET
    if (too_long) {
        snprintf(t->err, t->errlen, "%s/summary.json: %s: the value is longer than summary.h allows", t->dir, too_long);
        return ML_ERUNTIME;
    }
    return run_summary_write(t->dir, &s, t->err, t->errlen);
}

/* The best epoch's test metrics, summary.json, the caller's summary and the closing lines. */
static ml_status finish(trainer *t, train_summary *sum) {
    const run_state *st = &t->state;
    split_metrics test, *testp = NULL;
    if (st->best_epoch >= 0) {
        ml_status rc = evaluate_best(t, &test);
        /* before summary.json, so a finished run always has them (a kill in between redoes both) */
        if (rc == ML_OK)
            rc = predictions_save(t->r.model, &t->data, t->loop.b[SPLIT_TEST],
                                  (int)cfg_int(t->cfg, "train.eval_batch_size"), st->best_epoch + 1, t->dir, t->err,
                                  t->errlen);
        if (rc != ML_OK) return rc;
        testp = &test;
    }
    ml_status rc = write_summary(t, testp);
    if (rc != ML_OK) return rc;
    sum->completed = !t->diverged;
    sum->best_epoch = st->best_epoch;
    sum->val_metric_fused = st->best_epoch >= 0 ? st->best_vals[0] : NAN;
    for (int h = 0; h < MT_NUM_HEADS; h++) sum->test_metric[h] = testp ? test.metric[h] : NAN;
    sum->epochs_run = st->epochs_done;
    const dataset *d = &t->data;
    if (testp)
        say(&t->log, t->quiet, "best epoch %d: val %s %.4f | test %s fused %.4f, %s %.4f, %s %.4f\n",
            st->best_epoch + 1, metric_name(t->loop.metric), st->best_val, metric_name(t->loop.metric), test.metric[0],
            d->modality[0], test.metric[1], d->modality[1], test.metric[2]);
    if (t->r.extra_epochs)
        say(&t->log, t->quiet, "%lld extra epochs trained by the method outside the main loop\n", t->r.extra_epochs);
    say(&t->log, t->quiet, "status %s; files in %s\n", t->diverged ? "diverged" : "completed", t->dir);
    return ML_OK;
}

static void trainer_open(trainer *t, const config *cfg, const char *dir, const train_options *opt, char *err,
                         size_t errlen) {
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->dir = dir;
    t->resume = opt && opt->resume;
    t->quiet = opt && opt->quiet;
    t->tty = !t->quiet && isatty(STDOUT_FILENO);
    t->err = err;
    t->errlen = errlen;
    t->lock = -1;
    t->state = (run_state){.epochs_done = 0, .best_epoch = -1, .best_val = -INFINITY};
    config_hash(cfg, t->hash);
}

static void trainer_close(trainer *t) {
    if (t->init_called && t->ops->fini) t->ops->fini(&t->r);
    for (int k = 0; k < NUM_SPLITS; k++) batcher_free(t->loop.b[k]);
    free(t->loop.order);
    free(t->loop.perm);
    free(t->r.train_idx);
    csv_free(&t->rows);
    run_state_free(&t->state);
    if (t->log.f) fclose(t->log.f);
    if (t->lock >= 0) close(t->lock);
    mt_model_free(t->r.model);
    dataset_free(&t->data);
}

ml_status train_run(const config *cfg, const char *dir, const train_options *opt, train_summary *sum, char *err,
                    size_t errlen) {
    memset(sum, 0, sizeof *sum);
    sum->best_epoch = -1;
    trainer t;
    trainer_open(&t, cfg, dir, opt, err, errlen);
    ml_status st = find_method(&t, opt);
    if (st == ML_OK) st = lock_existing_dir(&t);
    if (st == ML_OK) st = check_resume(&t);
    if (st == ML_OK) st = load_data(&t);
    if (st == ML_OK) st = build_model(&t);
    if (st == ML_OK) st = prepare_loop(&t);
    if (st == ML_OK) st = init_method(&t);
    if (st == ML_OK) st = open_run_dir(&t);
    if (st == ML_OK) st = restore(&t);
    if (st == ML_OK) announce(&t);
    for (int e = t.state.epochs_done; st == ML_OK && !t.diverged && e < t.r.epochs; e++) {
        st = run_epoch(&t, e);
        if (st == ML_OK) st = log_status(&t);
    }
    if (st == ML_OK) st = finish(&t, sum);
    if (st == ML_OK) st = log_status(&t);
    trainer_close(&t);
    return st;
}
