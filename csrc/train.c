/* train.c - the epoch loop: one experiment from a resolved config to a finished run directory.
 *
 * Readable top to bottom: load the cached dataset, build the model through the shim, let the
 * method's hooks act around each batch and after each validation, write one epochs.csv row per
 * epoch, checkpoint with a done-marker, and at the end evaluate the best-validation weights on
 * the test split into summary.json. See train.h for the files and the resume protocol.
 */
#define _POSIX_C_SOURCE 200809L
#include "train.h"

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
#include "runfiles.h"

#define MILES_VERSION_STRING "0.1.0"

typedef struct {
    double loss_sum;
    int64_t n;
    int64_t correct[MT_NUM_HEADS], tp[MT_NUM_HEADS], fp[MT_NUM_HEADS], fn[MT_NUM_HEADS];
} accum;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void accum_add(accum *a, const mt_step_result *r) {
    a->loss_sum += r->loss[MT_HEAD_FUSED] * (double)r->n;
    a->n += r->n;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        a->correct[h] += r->correct[h];
        a->tp[h] += r->tp[h];
        a->fp[h] += r->fp[h];
        a->fn[h] += r->fn[h];
    }
}

/* Accuracy for multiclass; micro-F1 at threshold 0.5 for multilabel (spec/algorithms.md 11). */
static void accum_metrics(const accum *a, int multilabel, split_metrics *m) {
    m->loss = a->n ? a->loss_sum / (double)a->n : NAN;
    for (int h = 0; h < MT_NUM_HEADS; h++) {
        if (multilabel) {
            int64_t den = 2 * a->tp[h] + a->fp[h] + a->fn[h];
            m->metric[h] = den ? 2.0 * (double)a->tp[h] / (double)den : 0.0;
        } else {
            m->metric[h] = a->n ? (double)a->correct[h] / (double)a->n : NAN;
        }
    }
}

static int shim_fail(char *err, size_t n, const char *what) {
    snprintf(err, n, "%s: %s", what, mt_last_error());
    return EXIT_RUNTIME;
}

static int evaluate(mt_model *m, batcher *b, int64_t *order, int64_t n, int multilabel, split_metrics *out,
                    char *err, size_t errlen) {
    for (int64_t i = 0; i < n; i++) order[i] = i;
    batcher_start(b, order, n);
    accum a = {0};
    mt_batch batch;
    mt_step_result res;
    while (batcher_next(b, &batch)) {
        if (mt_eval_batch(m, &batch, &res, NULL)) return shim_fail(err, errlen, "evaluation");
        accum_add(&a, &res);
    }
    accum_metrics(&a, multilabel, out);
    return 0;
}

static int build_spec(const config *c, const dataset *d, mt_model_spec *s, char *err, size_t errlen) {
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
            return EXIT_USAGE;
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
    const char *method = cfg_str(c, "method.name");
    if (strcmp(method, "miles") == 0) {
        if (!s->aux_heads) {
            snprintf(err, errlen, "model.aux_heads: method miles needs the auxiliary heads (Eq. 3), found false");
            return EXIT_USAGE;
        }
        s->heads_follow_encoders = strcmp(cfg_str(c, "method.lr_follows"), "encoder_and_head") == 0;
    }
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
    return 0;
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

static const char *const fixed_columns =
    "epoch,train_loss,train_metric_fused,train_metric_a,train_metric_b,val_loss,val_metric_fused,val_metric_a,"
    "val_metric_b,u_a,u_b,delta,lr_a,lr_b,lr_fusion,seconds";

static int write_summary(const char *dir, const config *cfg, const dataset *d, const mt_model *m, const run_state *st,
                         int completed, const split_metrics *val_best, const split_metrics *test, char *err,
                         size_t errlen) {
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
    json_int(&j, "best_epoch", st->best_epoch >= 0 ? st->best_epoch + 1 : -1);
    json_num(&j, "val_metric_fused", val_best ? val_best->metric[0] : NAN);
    json_num(&j, "val_metric_a", val_best ? val_best->metric[1] : NAN);
    json_num(&j, "val_metric_b", val_best ? val_best->metric[2] : NAN);
    json_num(&j, "test_loss", test ? test->loss : NAN);
    json_num(&j, "test_metric_fused", test ? test->metric[0] : NAN);
    json_num(&j, "test_metric_a", test ? test->metric[1] : NAN);
    json_num(&j, "test_metric_b", test ? test->metric[2] : NAN);
    json_str(&j, "modality_a", d->modality[0]);
    json_str(&j, "modality_b", d->modality[1]);
    json_str(&j, "config_hash", hash);
    json_str(&j, "dataset_recipe", d->recipe ? d->recipe : "");
    json_str(&j, "device", mt_model_device(m));
    json_str(&j, "torch_version", mt_torch_version());
    json_str(&j, "miles_version", MILES_VERSION_STRING);
    json_end(&j);
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    int rc = write_file_atomic(path, j.buf, j.len, err, errlen);
    json_free(&j);
    return rc ? EXIT_RUNTIME : 0;
}

int train_run(const config *cfg, const char *dir, const train_options *opt, train_summary *sum, char *err,
              size_t errlen) {
    int rc = EXIT_RUNTIME, quiet = opt && opt->quiet, tty = !quiet && isatty(STDOUT_FILENO);
    dataset d;
    memset(&d, 0, sizeof d);
    mt_model *model = NULL;
    batcher *tb = NULL, *vb = NULL, *eb = NULL;
    int64_t *order = NULL;
    FILE *log = NULL;
    csv_rows rows = {0};
    run r;
    memset(&r, 0, sizeof r);
    memset(sum, 0, sizeof *sum);
    sum->best_epoch = -1;
    run_state st = {.epochs_done = 0, .best_epoch = -1, .best_val = -INFINITY};

    const method_ops *ops = method_find(cfg_str(cfg, "method.name"));
    if (!ops) {
        snprintf(err, errlen, "method.name: no method '%s' in this build", cfg_str(cfg, "method.name"));
        return EXIT_USAGE;
    }
    char hash[17];
    config_hash(cfg, hash);

    /* Refuse to mix runs: a directory with a run in it continues only with --resume, and only
     * with the same configuration. */
    int have_state = read_run_state(dir, &st, err, errlen);
    if (have_state < 0) return EXIT_RUNTIME;
    if (have_state && !(opt && opt->resume)) {
        snprintf(err, errlen, "%s: already holds a run (%d epochs done); pass --resume to continue it or --out to "
                              "choose another directory", dir, st.epochs_done);
        return EXIT_USAGE;
    }
    if (have_state && strcmp(st.config_hash, hash) != 0) {
        snprintf(err, errlen, "%s: the run there was made with another configuration (hash %s, now %s); refusing "
                              "to resume it", dir, st.config_hash, hash);
        return EXIT_USAGE;
    }
    if (!have_state) st = (run_state){.epochs_done = 0, .best_epoch = -1, .best_val = -INFINITY};

    if (dataset_load(cfg_str(cfg, "dataset.cache"), &d, err, errlen)) return EXIT_DATA;
    if (strcmp(d.name, cfg_str(cfg, "dataset.name")) != 0) {
        snprintf(err, errlen, "%s: holds dataset '%s', but dataset.name is '%s'", cfg_str(cfg, "dataset.cache"),
                 d.name, cfg_str(cfg, "dataset.name"));
        rc = EXIT_DATA;
        goto out;
    }
    mt_model_spec spec;
    if ((rc = build_spec(cfg, &d, &spec, err, errlen))) goto out;
    rc = EXIT_RUNTIME;
    mt_status created = mt_model_create(&spec, &model);
    if (created != MT_OK) {
        mt_status s = created;
        snprintf(err, errlen, "model: %s", mt_last_error());
        rc = s == MT_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
        goto out;
    }

    /* Only now, with configuration, data and model known good, does anything reach the disk. */
    if (ensure_dir(dir, err, errlen) || ensure_subdir(dir, "ckpt", err, errlen)) goto out;
    char path[4096];
    snprintf(path, sizeof path, "%s/log.txt", dir);
    if (!(log = fopen(path, have_state ? "a" : "w"))) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    if (config_write_yaml(cfg, path, err, errlen)) goto out;

    r.cfg = cfg;
    r.model = model;
    r.ops = ops;
    r.epochs = (int)cfg_int(cfg, "train.epochs");
    r.base_lr = cfg_double(cfg, "train.lr");
    if (ops->init && ops->init(&r)) {
        snprintf(err, errlen, "%s", r.err);
        goto out;
    }

    if (have_state) {
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, st.last_file);
        if (mt_model_load(model, path)) {
            rc = shim_fail(err, errlen, "resume");
            goto out;
        }
        if (ops->load_state && ops->load_state(&r, st.method_state)) {
            snprintf(err, errlen, "resume: %s", r.err);
            goto out;
        }
        if (csv_load(dir, st.epochs_done, &rows, err, errlen)) goto out;
    }

    int64_t counts[MT_NUM_GROUPS];
    for (int g = 0; g < MT_NUM_GROUPS; g++) mt_param_count(model, g, &counts[g]);
    if (!quiet) {
        printf("miles %s | LibTorch %s | device %s\n", MILES_VERSION_STRING, mt_torch_version(), mt_model_device(model));
        config_print_table(cfg, stdout);
        printf("%-28s %s (%s, %s): train %lld, val %lld, test %lld\n", "data", d.name, d.modality[0], d.modality[1],
               (long long)d.split[0].n, (long long)d.split[1].n, (long long)d.split[2].n);
        printf("%-28s A %lld, B %lld, fusion+heads %lld\n", "parameters", (long long)counts[0], (long long)counts[1],
               (long long)counts[2]);
        printf("%-28s %s\n", "output", dir);
        if (have_state) printf("resuming after epoch %d\n", st.epochs_done);
    }
    fprintf(log, "%s miles %s config %s on %s\n", have_state ? "resume" : "start", MILES_VERSION_STRING, hash,
            mt_model_device(model));

    int bs = (int)cfg_int(cfg, "train.batch_size"), ebs = (int)cfg_int(cfg, "train.eval_batch_size");
    if (batcher_create(&d, SPLIT_TRAIN, bs, &tb, err, errlen) || batcher_create(&d, SPLIT_VAL, ebs, &vb, err, errlen) ||
        batcher_create(&d, SPLIT_TEST, ebs, &eb, err, errlen))
        goto out;
    int64_t nmax = d.split[0].n;
    for (int s = 1; s < NUM_SPLITS; s++)
        if (d.split[s].n > nmax) nmax = d.split[s].n;
    if (!(order = malloc(sizeof(int64_t) * (size_t)(nmax + 1)))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!rows.header) {
        char header[2048];
        int off = snprintf(header, sizeof header, "%s", fixed_columns);
        for (int i = 0; i < ops->n_columns; i++)
            off += snprintf(header + off, sizeof header - (size_t)off, ",%s", ops->column_names[i]);
        csv_set_header(&rows, header);
    }

    uint64_t seed = (uint64_t)cfg_int(cfg, "train.seed");
    int64_t ntrain = d.split[SPLIT_TRAIN].n;
    int64_t nbatches = (ntrain + bs - 1) / bs;
    int diverged = 0;
    say(log, quiet, "%5s %9s %9s %9s %9s %9s %9s %9s %8s %8s %8s %9s %9s %7s\n", "epoch", "trn_loss", "trn_AB", "val_loss",
        "val_AB", "val_A", "val_B", "u_A", "u_B", "delta", "", "lr_A", "lr_B", "sec");
    for (int e = st.epochs_done; e < r.epochs; e++) {
        r.epoch = e;
        double lr[MT_NUM_GROUPS];
        for (int g = 0; g < MT_NUM_GROUPS; g++) mt_group_get_lr(model, g, &lr[g]);
        double t0 = now(), last_bar = 0;
        shuffle_order(order, ntrain, seed, (uint64_t)e);
        batcher_start(tb, order, ntrain);
        accum acc = {0};
        mt_batch batch;
        mt_step_result res;
        int64_t done = 0;
        double compute = 0; /* seconds inside the shim: the data path should add next to nothing */
        while (batcher_next(tb, &batch)) {
            float w[MT_NUM_HEADS] = {1, 1, 1};
            if (ops->loss_weights) ops->loss_weights(&r, w);
            double c0 = now();
            if (mt_train_step(model, &batch, w, &res)) {
                rc = shim_fail(err, errlen, "training step");
                goto out;
            }
            if (!isfinite(res.total_loss)) {
                diverged = 1;
                break;
            }
            if (ops->after_backward && ops->after_backward(&r, &res)) {
                snprintf(err, errlen, "%s", r.err);
                goto out;
            }
            if (mt_optimizer_step(model)) {
                rc = shim_fail(err, errlen, "optimizer step");
                goto out;
            }
            compute += now() - c0;
            accum_add(&acc, &res);
            progress(tty, e, r.epochs, ++done, nbatches, acc.loss_sum / (double)acc.n, &last_bar);
        }
        if (diverged) {
            if (tty) printf("\n");
            say(log, quiet, "epoch %d: loss is not finite: the run diverged\n", e + 1);
            break;
        }
        double train_wall = now() - t0, train_wait = batcher_wait_seconds(tb);
        split_metrics tm, vm;
        accum_metrics(&acc, d.multilabel, &tm);
        double v0 = now();
        if ((rc = evaluate(model, vb, order, d.split[SPLIT_VAL].n, d.multilabel, &vm, err, errlen))) goto out;
        double val_wall = now() - v0;
        rc = EXIT_RUNTIME;
        if (!isfinite(vm.loss)) {
            say(log, quiet, "epoch %d: validation loss is not finite: the run diverged\n", e + 1);
            diverged = 1;
            break;
        }
        double u_a = NAN, u_b = NAN, delta = NAN;
        if (ops->after_validation && ops->after_validation(&r, &tm, &vm, &u_a, &u_b, &delta)) {
            snprintf(err, errlen, "%s", r.err);
            goto out;
        }
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

        /* Checkpoint: new files first, then the done-marker names them, then old files go. */
        run_state next = st;
        next.epochs_done = e + 1;
        snprintf(next.config_hash, sizeof next.config_hash, "%s", hash);
        snprintf(next.last_file, sizeof next.last_file, "last-%04d.pt", e + 1);
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, next.last_file);
        if (mt_model_save(model, path)) {
            rc = shim_fail(err, errlen, "checkpoint");
            goto out;
        }
        if (vm.metric[0] > st.best_val) {
            next.best_epoch = e;
            next.best_val = vm.metric[0];
            next.best_vals[0] = vm.metric[0];
            next.best_vals[1] = vm.metric[1];
            next.best_vals[2] = vm.metric[2];
            snprintf(next.best_file, sizeof next.best_file, "best-%04d.pt", e + 1);
            snprintf(path, sizeof path, "%s/ckpt/%s", dir, next.best_file);
            if (mt_model_save(model, path)) {
                rc = shim_fail(err, errlen, "checkpoint");
                goto out;
            }
        }
        next.method_state[0] = 0;
        if (ops->save_state) ops->save_state(&r, next.method_state, sizeof next.method_state);
        if (write_run_state(dir, &next, err, errlen)) goto out;
        remove_stale_checkpoints(dir, &next);
        st = next;

        /* For tools/bench.sh train: how much of the epoch the data path and the loop add. */
        fprintf(log, "timing epoch %d: train_wall %.4f shim_compute %.4f batch_wait %.4f val_wall %.4f\n", e + 1,
                train_wall, compute, train_wait, val_wall);
        say(log, quiet, "%5d %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %8.4f %8.4f %8s %9.3g %9.3g %7.1f\n", e + 1, tm.loss,
            tm.metric[0], vm.loss, vm.metric[0], vm.metric[1], vm.metric[2], u_a, u_b, delta,
            st.best_epoch == e ? "best" : "", lr[0], lr[1], secs);
    }

    /* Test metrics of the best-validation weights. */
    split_metrics test, *testp = NULL, valbest, *valp = NULL;
    if (st.best_epoch >= 0) {
        snprintf(path, sizeof path, "%s/ckpt/%s", dir, st.best_file);
        if (mt_model_load(model, path)) {
            rc = shim_fail(err, errlen, "best checkpoint");
            goto out;
        }
        if ((rc = evaluate(model, eb, order, d.split[SPLIT_TEST].n, d.multilabel, &test, err, errlen))) goto out;
        rc = EXIT_RUNTIME;
        testp = &test;
        valbest.loss = NAN;
        for (int h = 0; h < 3; h++) valbest.metric[h] = st.best_vals[h];
        valp = &valbest;
    }
    if (write_summary(dir, cfg, &d, model, &st, !diverged, valp, testp, err, errlen)) goto out;
    sum->completed = !diverged;
    sum->best_epoch = st.best_epoch;
    sum->val_metric_fused = st.best_epoch >= 0 ? st.best_val : NAN;
    for (int h = 0; h < 3; h++) sum->test_metric[h] = testp ? test.metric[h] : NAN;
    sum->epochs_run = st.epochs_done;
    if (testp)
        say(log, quiet, "best epoch %d: val %s %.4f | test %s fused %.4f, %s %.4f, %s %.4f\n", st.best_epoch + 1, d.metric,
            st.best_val, d.metric, test.metric[0], d.modality[0], test.metric[1], d.modality[1], test.metric[2]);
    say(log, quiet, "status %s; files in %s\n", diverged ? "diverged" : "completed", dir);
    rc = EXIT_OK;
out:
    if (ops && ops->fini && r.model) ops->fini(&r);
    batcher_free(tb);
    batcher_free(vb);
    batcher_free(eb);
    free(order);
    csv_free(&rows);
    if (log) fclose(log);
    mt_model_free(model);
    dataset_free(&d);
    return rc;
}
