/* train.c - the epoch loop: one experiment from a resolved config to a finished run directory.
 *
 * Readable top to bottom: load the cached dataset, build the model through the shim, let the
 * method's hooks act around each batch and after each validation, write one epochs.csv row per
 * epoch, checkpoint with a done-marker, and at the end evaluate the best-validation weights on
 * the test split into summary.json. See train.h for the files and the resume protocol.
 */
#define _POSIX_C_SOURCE 200809L
#include "train/train.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/batcher.h"
#include "data/dataset.h"
#include "methods/method.h"
#include "mt.h"
#include "miles_commit.h"
#include "core/runfiles.h"

#include "core/version.h"

/* What the loop lends to methods through run->loop (run_train_pass, run_evaluate). */
typedef struct {
    batcher *b[NUM_SPLITS];
    int64_t *order;                 /* scratch, as long as the largest split */
    int64_t *perm;
} loop_ctx;

typedef struct {
    double loss_sum[MT_NUM_HEADS];
    int64_t n;
    int64_t correct[MT_NUM_HEADS], tp[MT_NUM_HEADS], fp[MT_NUM_HEADS], fn[MT_NUM_HEADS];
} accum;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void accum_add(accum *a, const mt_step_result *r) {
    a->n += r->n;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        a->loss_sum[h] += r->loss[h] * (double)r->n;
        a->correct[h] += r->correct[h];
        a->tp[h] += r->tp[h];
        a->fp[h] += r->fp[h];
        a->fn[h] += r->fn[h];
    }
}

/* Accuracy for multiclass; micro-F1 at threshold 0.5 for multilabel (spec/algorithms.md 11). */
static void accum_metrics(const accum *a, int multilabel, split_metrics *m) {
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        m->head_loss[h] = a->n ? a->loss_sum[h] / (double)a->n : NAN;
        if (multilabel) {
            int64_t den = 2 * a->tp[h] + a->fp[h] + a->fn[h];
            m->metric[h] = den ? 2.0 * (double)a->tp[h] / (double)den : 0.0;
        } else {
            m->metric[h] = a->n ? (double)a->correct[h] / (double)a->n : NAN;
        }
    }
    m->loss = m->head_loss[MT_HEAD_FUSED];
}

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
        e->block = strcmp(block, "basic") == 0 ? MT_BLOCK_BASIC
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
        e->in_channels = dm->c;
        e->height = dm->h;
        e->width = dm->w;
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
    if (threads == 0) threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    s->threads = (int)threads;
    return ML_OK;
}

/* ---- terminal ---- */

static void progress(int tty, int epoch, int epochs, int64_t done, int64_t total, double loss, double *last) {
    if (!tty) return;
    double t = now();
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

static void say(FILE *log, int quiet, const char *fmt, ...) {
    va_list ap;
    if (!quiet) {
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fflush(stdout);
    }
    if (log) {
        va_start(ap, fmt);
        vfprintf(log, fmt, ap);
        va_end(ap);
        fflush(log);
    }
}

/* ---- the run ---- */

/* ---- passes over the data, for the loop and for methods that train copies ---- */

typedef struct {
    int hooks;                      /* call the method's loss_weights / after_backward */
    const float *weights;           /* fixed weights when hooks is 0 */
    int tty;                        /* draw a progress bar */
    double compute;                 /* out: seconds inside the shim */
    int diverged;                   /* out: a loss was not finite */
} pass_opts;

static ml_status train_pass(run *r, mt_model *m, const int64_t *idx, int64_t n, uint64_t stream, pass_opts *po,
                            split_metrics *out) {
    loop_ctx *L = r->loop;
    shuffle_order(L->perm, n, (uint64_t)cfg_int(r->cfg, "train.seed"), stream);
    for (int64_t i = 0; i < n; i++) L->order[i] = idx[L->perm[i]];
    batcher *b = L->b[SPLIT_TRAIN];
    batcher_start(b, L->order, n);
    int64_t bs = cfg_int(r->cfg, "train.batch_size"), total = (n + bs - 1) / bs, done = 0;
    accum acc = {0};
    mt_batch batch;
    mt_step_result res;
    double last_bar = 0;
    po->compute = 0;
    po->diverged = 0;
    while (batcher_next(b, &batch)) {
        float w[MT_NUM_HEADS] = {1, 1, 1};
        if (!po->hooks) memcpy(w, po->weights, sizeof w);
        else if (r->ops->loss_weights) r->ops->loss_weights(r, w);
        double c0 = now();
        if (mt_train_step(m, &batch, w, &res)) return shim_fail(r->err, sizeof r->err, "training step");
        if (!isfinite(res.total_loss)) {
            po->diverged = 1;
            /* Drain the pass so the batcher is idle for the next user. */
            while (batcher_next(b, &batch)) {}
            break;
        }
        if (po->hooks && r->ops->after_backward) {
            ml_status st = r->ops->after_backward(r, &res);
            if (st != ML_OK) return st;
        }
        if (mt_optimizer_step(m)) return shim_fail(r->err, sizeof r->err, "optimizer step");
        po->compute += now() - c0;
        accum_add(&acc, &res);
        progress(po->tty, r->epoch, r->epochs, ++done, total, acc.loss_sum[0] / (double)acc.n, &last_bar);
    }
    accum_metrics(&acc, r->data->multilabel, out);
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
    batcher_start(b, L->order, n);
    accum a = {0};
    mt_batch batch;
    mt_step_result res;
    while (batcher_next(b, &batch)) {
        if (mt_eval_batch(m, &batch, &res, NULL)) {
            while (batcher_next(b, &batch)) {}
            return shim_fail(r->err, sizeof r->err, "evaluation");
        }
        accum_add(&a, &res);
    }
    accum_metrics(&a, r->data->multilabel, out);
    return ML_OK;
}

/* ---- the run ---- */

static const char *const fixed_columns =
    "epoch,train_loss,train_metric_fused,train_metric_a,train_metric_b,val_loss,val_metric_fused,val_metric_a,"
    "val_metric_b,u_a,u_b,delta,lr_a,lr_b,lr_fusion,seconds";

static const char *const head_names[MT_NUM_HEADS] = {"fused", "a", "b"};

static ml_status write_summary(const char *dir, const run *r, const mt_model *m, const run_state *st, int completed,
                         const split_metrics *test, char *err, size_t errlen) {
    const config *cfg = r->cfg;
    const dataset *d = r->data;
    int have = st->best_epoch >= 0;
    char hash[17];
    config_hash(cfg, hash);
    json_writer j;
    json_begin(&j);
    json_str(&j, "status", completed ? "completed" : "diverged");
    json_str(&j, "dataset", d->name);
    json_str(&j, "metric", d->metric);
    json_str(&j, "method", cfg_str(cfg, "method.name"));
    json_str(&j, "fusion", cfg_str(cfg, "model.fusion"));
    json_int(&j, "epochs", cfg_int(cfg, "train.epochs"));
    json_int(&j, "epochs_run", st->epochs_done);
    json_int(&j, "extra_epochs", r->extra_epochs);
    json_int(&j, "best_epoch", have ? st->best_epoch + 1 : -1);
    json_str(&j, "selection_head", head_names[r->select_head]);
    json_num(&j, "val_metric_fused", have ? st->best_vals[0] : NAN);
    json_num(&j, "val_metric_a", have ? st->best_vals[1] : NAN);
    json_num(&j, "val_metric_b", have ? st->best_vals[2] : NAN);
    json_num(&j, "val_metric_selected", have ? st->best_val : NAN);
    json_num(&j, "test_loss", test ? test->loss : NAN);
    json_num(&j, "test_metric_fused", test ? test->metric[0] : NAN);
    json_num(&j, "test_metric_a", test ? test->metric[1] : NAN);
    json_num(&j, "test_metric_b", test ? test->metric[2] : NAN);
    json_num(&j, "test_metric_selected", test ? test->metric[r->select_head] : NAN);
    json_num(&j, "lr", cfg_double(cfg, "train.lr"));
    json_str(&j, "modality_a", d->modality[0]);
    json_str(&j, "modality_b", d->modality[1]);
    json_str(&j, "config_hash", hash);
    json_str(&j, "dataset_recipe", d->recipe ? d->recipe : "");
    json_str(&j, "device", mt_model_device(m));
    json_str(&j, "torch_version", mt_torch_version());
    json_str(&j, "miles_version", MILES_VERSION);
    json_str(&j, "commit", MILES_GIT_COMMIT);
    json_end(&j);
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    int rc = write_file_atomic(path, j.buf, j.len, err, errlen);
    json_free(&j);
    return rc ? ML_ERUNTIME : 0;
}

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
    if (vm->metric[r->select_head] > st->best_val) {
        next.best_epoch = e;
        next.best_val = vm->metric[r->select_head];
        for (int h = 0; h < MT_NUM_HEADS; h++) next.best_vals[h] = vm->metric[h];
        snprintf(next.best_file, sizeof next.best_file, "best-%04d.pt", e + 1);
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, next.best_file);
        if (mt_model_save(r->model, path)) return shim_fail(err, errlen, "checkpoint");
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

ml_status train_run(const config *cfg, const char *dir, const train_options *opt, train_summary *sum, char *err,
                    size_t errlen) {
    ml_status rc = ML_ERUNTIME;
    int quiet = opt && opt->quiet, tty = !quiet && isatty(STDOUT_FILENO);
    dataset d;
    memset(&d, 0, sizeof d);
    loop_ctx L;
    memset(&L, 0, sizeof L);
    FILE *log = NULL;
    csv_rows rows = {0};
    run r;
    memset(&r, 0, sizeof r);
    memset(sum, 0, sizeof *sum);
    sum->best_epoch = -1;
    run_state st = {.epochs_done = 0, .best_epoch = -1, .best_val = -INFINITY};
    int inited = 0;

    const method_ops *ops = opt && opt->method ? opt->method : method_find(cfg_str(cfg, "method.name"));
    if (!ops) {
        snprintf(err, errlen, "method.name: no method '%s' in this build", cfg_str(cfg, "method.name"));
        return ML_EINVAL;
    }
    char hash[17];
    config_hash(cfg, hash);

    /* A directory with a run in it continues only with --resume, and only with the same
     * configuration. */
    int have_state = read_run_state(dir, &st, err, errlen);
    if (have_state < 0) return ML_ERUNTIME;
    if (have_state && !(opt && opt->resume)) {
        snprintf(err, errlen, "%s: already holds a run (%d epochs done); pass --resume to continue it or --out to "
                              "choose another directory", dir, st.epochs_done);
        run_state_free(&st);
        return ML_EINVAL;
    }
    if (have_state && strcmp(st.config_hash, hash) != 0) {
        snprintf(err, errlen, "%s: the run there was made with another configuration (hash %s, now %s); refusing "
                              "to resume it", dir, st.config_hash, hash);
        run_state_free(&st);
        return ML_EINVAL;
    }
    if (!have_state) st = (run_state){.epochs_done = 0, .best_epoch = -1, .best_val = -INFINITY};

    if (dataset_load(cfg_str(cfg, "dataset.cache"), &d, err, errlen)) return ML_EDATA;
    if (strcmp(d.name, cfg_str(cfg, "dataset.name")) != 0) {
        snprintf(err, errlen, "%s: holds dataset '%s', but dataset.name is '%s'", cfg_str(cfg, "dataset.cache"),
                 d.name, cfg_str(cfg, "dataset.name"));
        rc = ML_EDATA;
        goto out;
    }
    mt_model_spec spec;
    if ((rc = build_spec(cfg, &d, &spec, err, errlen))) goto out;
    if (ops->adjust_spec && (rc = ops->adjust_spec(cfg, &spec, err, errlen)) != ML_OK) goto out;
    mt_status created = mt_model_create(&spec, &r.model);
    if (created != MT_OK) {
        snprintf(err, errlen, "model: %s", mt_last_error());
        rc = created == MT_EINVAL ? ML_EINVAL : ML_ERUNTIME;
        goto out;
    }
    rc = ML_ERUNTIME;

    int bs = (int)cfg_int(cfg, "train.batch_size"), ebs = (int)cfg_int(cfg, "train.eval_batch_size");
    if (batcher_create(&d, SPLIT_TRAIN, bs, &L.b[SPLIT_TRAIN], err, errlen) ||
        batcher_create(&d, SPLIT_VAL, ebs, &L.b[SPLIT_VAL], err, errlen) ||
        batcher_create(&d, SPLIT_TEST, ebs, &L.b[SPLIT_TEST], err, errlen))
        goto out;
    int64_t nmax = 1;
    for (int k = 0; k < NUM_SPLITS; k++)
        if (d.split[k].n > nmax) nmax = d.split[k].n;
    L.order = malloc(sizeof(int64_t) * (size_t)nmax);
    L.perm = malloc(sizeof(int64_t) * (size_t)nmax);
    r.train_idx = malloc(sizeof(int64_t) * (size_t)nmax);
    if (!L.order || !L.perm || !r.train_idx) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    r.n_train = d.split[SPLIT_TRAIN].n;
    for (int64_t i = 0; i < r.n_train; i++) r.train_idx[i] = i;

    r.cfg = cfg;
    r.data = &d;
    r.ops = ops;
    r.loop = &L;
    r.epochs = (int)cfg_int(cfg, "train.epochs");
    r.base_lr = cfg_double(cfg, "train.lr");
    r.select_head = MT_HEAD_FUSED;
    /* fini runs whenever init ran, failed or not: a failing init may hold state already. */
    inited = 1;
    if (ops->init && (rc = ops->init(&r)) != ML_OK) {
        snprintf(err, errlen, "%s", r.err);
        goto out;
    }
    rc = ML_ERUNTIME;

    /* Only now, with configuration, data, model and method known good, does anything reach the
     * disk: exit 2 promises nothing was written. */
    if (ensure_dir(dir, err, errlen) || ensure_subdir(dir, "ckpt", err, errlen)) goto out;
    char path[4096];
    snprintf(path, sizeof path, "%s/log.txt", dir);
    if (!(log = fopen(path, have_state ? "a" : "w"))) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    if (config_write_yaml(cfg, path, err, errlen)) goto out;


    if (have_state) {
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, st.last_file);
        if (mt_model_load(r.model, path)) {
            rc = shim_fail(err, errlen, "resume");
            goto out;
        }
        r.extra_epochs = st.extra_epochs;
        if (ops->load_state && (rc = ops->load_state(&r, st.method_state ? st.method_state : "")) != ML_OK) {
            snprintf(err, errlen, "resume: %s", r.err);
            goto out;
        }
        rc = ML_ERUNTIME;
        if (csv_load(dir, st.epochs_done, &rows, err, errlen)) goto out;
    }
    if (!quiet) print_header(cfg, &d, r.model, dir, have_state ? st.epochs_done : 0);
    fprintf(log, "%s miles %s config %s on %s\n", have_state ? "resume" : "start", MILES_VERSION, hash,
            mt_model_device(r.model));
    if (!rows.header) {
        char header[2048];
        int off = snprintf(header, sizeof header, "%s", fixed_columns);
        for (int i = 0; i < ops->n_columns; i++)
            off += snprintf(header + off, sizeof header - (size_t)off, ",%s", ops->column_names[i]);
        csv_set_header(&rows, header);
    }

    int diverged = 0;
    say(log, quiet, "%5s %9s %9s %9s %9s %9s %9s %9s %8s %8s %8s %9s %9s %7s\n", "epoch", "trn_loss", "trn_AB", "val_loss",
        "val_AB", "val_A", "val_B", "u_A", "u_B", "delta", "", "lr_A", "lr_B", "sec");
    for (int e = st.epochs_done; e < r.epochs; e++) {
        r.epoch = e;
        double lr[MT_NUM_GROUPS];
        for (int g = 0; g < MT_NUM_GROUPS; g++) mt_group_get_lr(r.model, g, &lr[g]);
        if (ops->epoch_begin && (rc = ops->epoch_begin(&r)) != ML_OK) {
            snprintf(err, errlen, "%s", r.err);
            goto out;
        }
        rc = ML_ERUNTIME;
        double t0 = now();
        split_metrics tm, vm;
        pass_opts po = {.hooks = 1, .tty = tty};
        if ((rc = train_pass(&r, r.model, r.train_idx, r.n_train, (uint64_t)e, &po, &tm))) {
            snprintf(err, errlen, "%s", r.err);
            goto out;
        }
        rc = ML_ERUNTIME;
        if (po.diverged) {
            say(log, quiet, "epoch %d: loss is not finite: the run diverged\n", e + 1);
            diverged = 1;
            break;
        }
        double train_wall = now() - t0, train_wait = batcher_wait_seconds(L.b[SPLIT_TRAIN]);
        double v0 = now();
        if (run_evaluate(&r, r.model, SPLIT_VAL, NULL, 0, &vm)) {
            snprintf(err, errlen, "%s", r.err);
            goto out;
        }
        double val_wall = now() - v0;
        if (!isfinite(vm.loss)) {
            say(log, quiet, "epoch %d: validation loss is not finite: the run diverged\n", e + 1);
            diverged = 1;
            break;
        }
        double u_a = NAN, u_b = NAN, delta = NAN;
        if (ops->after_validation && (rc = ops->after_validation(&r, &tm, &vm, &u_a, &u_b, &delta)) != ML_OK) {
            snprintf(err, errlen, "%s", r.err);
            goto out;
        }
        rc = ML_ERUNTIME;
        double secs = now() - t0;
        char row[2048];
        int off = snprintf(row, sizeof row, "%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.3f",
                           e + 1, tm.loss, tm.metric[0], tm.metric[1], tm.metric[2], vm.loss, vm.metric[0],
                           vm.metric[1], vm.metric[2], u_a, u_b, delta, lr[0], lr[1], lr[2], secs);
        if (ops->columns) {
            double extra[METHOD_MAX_COLUMNS];
            ops->columns(&r, extra);
            for (int i = 0; i < ops->n_columns; i++) off += snprintf(row + off, sizeof row - (size_t)off, ",%.9g", extra[i]);
        }
        if (csv_append(&rows, row) || csv_write(dir, &rows, err, errlen)) goto out;
        if ((rc = checkpoint(dir, &r, &st, e, &vm, hash, err, errlen))) goto out;
        rc = ML_ERUNTIME;
        /* For tools/bench.sh train: how much of the epoch the data path and the loop add. */
        fprintf(log, "timing epoch %d: train_wall %.4f shim_compute %.4f batch_wait %.4f val_wall %.4f\n", e + 1,
                train_wall, po.compute, train_wait, val_wall);
        say(log, quiet, "%5d %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %8.4f %8.4f %8s %9.3g %9.3g %7.1f\n", e + 1, tm.loss,
            tm.metric[0], vm.loss, vm.metric[0], vm.metric[1], vm.metric[2], u_a, u_b, delta,
            st.best_epoch == e ? "best" : "", lr[0], lr[1], secs);
    }

    /* Test metrics of the best-validation weights. */
    split_metrics test, *testp = NULL;
    if (st.best_epoch >= 0) {
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, st.best_file);
        if (mt_model_load(r.model, path)) {
            rc = shim_fail(err, errlen, "best checkpoint");
            goto out;
        }
        if (run_evaluate(&r, r.model, SPLIT_TEST, NULL, 0, &test)) {
            snprintf(err, errlen, "%s", r.err);
            goto out;
        }
        testp = &test;
    }
    if (write_summary(dir, &r, r.model, &st, !diverged, testp, err, errlen)) goto out;
    sum->completed = !diverged;
    sum->best_epoch = st.best_epoch;
    sum->val_metric_fused = st.best_epoch >= 0 ? st.best_vals[0] : NAN;
    for (int h = 0; h < MT_NUM_HEADS; h++) sum->test_metric[h] = testp ? test.metric[h] : NAN;
    sum->epochs_run = st.epochs_done;
    if (testp)
        say(log, quiet, "best epoch %d: val %s %.4f | test %s fused %.4f, %s %.4f, %s %.4f\n", st.best_epoch + 1,
            d.metric, st.best_val, d.metric, test.metric[0], d.modality[0], test.metric[1], d.modality[1],
            test.metric[2]);
    if (r.extra_epochs) say(log, quiet, "%lld extra epochs trained by the method outside the main loop\n", r.extra_epochs);
    say(log, quiet, "status %s; files in %s\n", diverged ? "diverged" : "completed", dir);
    rc = ML_OK;
out:
    if (inited && ops->fini) ops->fini(&r);
    for (int k = 0; k < NUM_SPLITS; k++) batcher_free(L.b[k]);
    free(L.order);
    free(L.perm);
    free(r.train_idx);
    csv_free(&rows);
    run_state_free(&st);
    if (log) fclose(log);
    mt_model_free(r.model);
    dataset_free(&d);
    return rc;
}
