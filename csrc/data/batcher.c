/* batcher.c - prefetching mini-batch gatherer; see batcher.h. */
#define _POSIX_C_SOURCE 200809L
#include "data/batcher.h"

#include "core/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    void *x[2];
    int64_t *labels;
    float *targets;
    int64_t n;
    int ready; /* filled for the current pass and not yet consumed */
} slot;

struct batcher {
    const dataset *d;
    const ds_split *s;
    int batch_size;
    int num_classes;
    aug_spec aug[2];
    int plain[2];        /* modality m is copied as stored */
    size_t out_bytes[2]; /* one transformed sample */
    int64_t aug_stream;  /* of this pass; -1: evaluation */
    slot slots[2];
    int64_t *order;
    int64_t n; /* samples in this pass */
    int64_t n_batches;
    int64_t produced; /* batches filled in this pass */
    int64_t consumed; /* batches handed out in this pass */
    int64_t pass;     /* incremented by batcher_start, so a stale fill is dropped */
    int quit;
    int filling; /* the thread is copying outside the lock */
    double wait;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Sample ROW of modality m, transformed into DST. */
static void transform(const batcher *b, int m, int64_t row, int64_t stream, char *dst) {
    const ds_modality *dm = &b->s->x[m];
    const aug_spec *a = &b->aug[m];
    const char *src = (const char *)dm->data + (size_t)row * dm->sample_bytes;
    if (dm->dtype == DS_U8) {
        aug_crop c = stream >= 0 && a->crop_flip ? aug_draw(a->seed, (uint64_t)stream, row, dm->h, dm->w)
                                                 : aug_whole(dm->h, dm->w);
        aug_apply_u8((const uint8_t *)src, dm->c, dm->h, dm->w, c, (uint8_t *)dst, a->out_h, a->out_w);
    } else
        aug_apply_f32((const float *)src, dm->c, dm->h, dm->w, aug_whole(dm->h, dm->w), (float *)dst, a->out_h,
                      a->out_w);
}

static void fill(batcher *b, slot *sl, const int64_t *order, int64_t first, int64_t count, int64_t stream) {
    const ds_split *s = b->s;
    for (int m = 0; m < 2; m++) {
        size_t sz = b->out_bytes[m];
        char *dst = sl->x[m];
        const char *src = s->x[m].data;
        for (int64_t i = 0; i < count; i++) {
            if (b->plain[m]) memcpy(dst + (size_t)i * sz, src + (size_t)order[first + i] * sz, sz);
            else transform(b, m, order[first + i], stream, dst + (size_t)i * sz);
        }
    }
    if (s->labels)
        for (int64_t i = 0; i < count; i++) sl->labels[i] = s->labels[order[first + i]];
    if (s->targets) {
        size_t row = (size_t)b->num_classes;
        for (int64_t i = 0; i < count; i++)
            memcpy(sl->targets + (size_t)i * row, s->targets + (size_t)order[first + i] * row, row * sizeof(float));
    }
    sl->n = count;
}

static void *producer(void *arg) {
    batcher *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        /* Work exists when a batch of this pass is unfilled and its slot has been consumed. */
        while (!b->quit &&
               !(b->produced < b->n_batches && !b->slots[b->produced % 2].ready && b->produced < b->consumed + 2))
            pthread_cond_wait(&b->cv, &b->mu);
        if (b->quit) break;
        int64_t k = b->produced, pass = b->pass, stream = b->aug_stream;
        slot *sl = &b->slots[k % 2];
        int64_t first = k * b->batch_size;
        int64_t count = b->n - first < b->batch_size ? b->n - first : b->batch_size;
        b->filling = 1;
        pthread_mutex_unlock(&b->mu);
        fill(b, sl, b->order, first, count, stream);
        pthread_mutex_lock(&b->mu);
        b->filling = 0;
        if (pass == b->pass) {
            sl->ready = 1;
            b->produced++;
        }
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void free_slots(batcher *b) {
    for (int k = 0; k < 2; k++) {
        free(b->slots[k].x[0]);
        free(b->slots[k].x[1]);
        free(b->slots[k].labels);
        free(b->slots[k].targets);
    }
    free(b->order);
    free(b);
}

/* Each modality's transform and the size of its samples in a batch. */
static void set_aug(batcher *b, const aug_spec *aug) {
    for (int m = 0; m < 2; m++) {
        const ds_modality *dm = &b->s->x[m];
        b->aug[m] = aug ? aug[m] : (aug_spec){.out_h = dm->h, .out_w = dm->w};
        /* tokens are passed as stored: no resize or crop means anything for them */
        if (b->aug[m].out_h < 1 || b->aug[m].out_w < 1 || dm->dtype == DS_I32) {
            b->aug[m].crop_flip = dm->dtype == DS_I32 ? 0 : b->aug[m].crop_flip;
            b->aug[m].out_h = dm->h;
            b->aug[m].out_w = dm->w;
        }
        b->plain[m] =
            b->aug[m].out_h == dm->h && b->aug[m].out_w == dm->w && !(b->aug[m].crop_flip && dm->dtype == DS_U8);
        b->out_bytes[m] = (size_t)dm->c * b->aug[m].out_h * b->aug[m].out_w * (dm->dtype == DS_U8 ? 1 : 4);
    }
}

ml_status batcher_create(const dataset *d, int split, int batch_size, const aug_spec *aug, batcher **out, char *err,
                         size_t errlen) {
    *out = NULL;
    batcher *b = calloc(1, sizeof *b);
    if (!b) goto oom;
    b->d = d;
    b->s = &d->split[split];
    b->aug_stream = -1;
    set_aug(b, aug);
    b->batch_size = batch_size;
    b->num_classes = d->num_classes;
    b->order = malloc(sizeof(int64_t) * (size_t)(b->s->n > 0 ? b->s->n : 1));
    if (!b->order) goto oom;
    for (int k = 0; k < 2; k++) {
        slot *sl = &b->slots[k];
        for (int m = 0; m < 2; m++)
            if (!(sl->x[m] = malloc(b->out_bytes[m] * (size_t)batch_size))) goto oom;
        if (!(sl->labels = malloc(sizeof(int64_t) * (size_t)batch_size))) goto oom;
        if (d->multilabel && !(sl->targets = malloc(sizeof(float) * (size_t)batch_size * (size_t)d->num_classes)))
            goto oom;
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (pthread_create(&b->thread, NULL, producer, b) != 0) {
        snprintf(err, errlen, "cannot start the prefetch thread");
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        b->thread = 0;
        goto fail;
    }
    *out = b;
    return ML_OK;
oom:
    snprintf(err, errlen, "out of memory allocating batch buffers (batch size %d)", batch_size);
fail:
    if (b) free_slots(b);
    return ML_ERUNTIME;
}

void batcher_start(batcher *b, const int64_t *order, int64_t n, int64_t aug_stream) {
    pthread_mutex_lock(&b->mu);
    /* A fill of an abandoned pass may still be reading the order buffer: let it finish (its
     * result is dropped because the pass number changed). */
    b->pass++;
    while (b->filling) pthread_cond_wait(&b->cv, &b->mu);
    b->produced = b->consumed = 0;
    b->slots[0].ready = b->slots[1].ready = 0;
    memcpy(b->order, order, sizeof(int64_t) * (size_t)n);
    b->n = n;
    b->aug_stream = aug_stream;
    b->n_batches = (n + b->batch_size - 1) / b->batch_size;
    b->wait = 0;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

int batcher_next(batcher *b, mt_batch *out) {
    pthread_mutex_lock(&b->mu);
    if (b->consumed > 0) {
        b->slots[(b->consumed - 1) % 2].ready = 0;
        pthread_cond_broadcast(&b->cv);
    }
    if (b->consumed >= b->n_batches) {
        pthread_mutex_unlock(&b->mu);
        return 0;
    }
    slot *sl = &b->slots[b->consumed % 2];
    double t0 = mono_seconds();
    while (!(b->produced > b->consumed && sl->ready)) pthread_cond_wait(&b->cv, &b->mu);
    b->wait += mono_seconds() - t0;
    b->consumed++;
    pthread_mutex_unlock(&b->mu);

    memset(out, 0, sizeof *out);
    out->n = sl->n;
    for (int m = 0; m < 2; m++) {
        const ds_modality *dm = &b->s->x[m];
        out->x[m].dtype = dm->dtype == DS_U8 ? MT_DTYPE_U8 : dm->dtype == DS_I32 ? MT_DTYPE_I32 : MT_DTYPE_F32;
        out->x[m].shape[0] = sl->n;
        out->x[m].shape[1] = dm->c;
        out->x[m].data = sl->x[m];
        if (dm->dtype == DS_I32) {
            /* tokens: [n, planes, L], the token batch input of mt.h */
            out->x[m].ndim = 3;
            out->x[m].shape[2] = dm->w;
        } else {
            out->x[m].ndim = 4;
            out->x[m].shape[2] = b->aug[m].out_h;
            out->x[m].shape[3] = b->aug[m].out_w;
        }
    }
    out->labels = b->s->labels ? sl->labels : NULL;
    out->targets = b->s->targets ? sl->targets : NULL;
    return 1;
}

double batcher_wait_seconds(const batcher *b) { return b->wait; }

void batcher_free(batcher *b) {
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    b->quit = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free_slots(b);
}

void shuffle_order(int64_t *order, int64_t n, uint64_t seed, uint64_t stream) {
    uint64_t s = seed * 0x100000001B3ull ^ (stream + 1) * 0xD6E8FEB86659FD93ull;
    for (int64_t i = 0; i < n; i++) order[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        /* Multiply-shift bound: bias below 2^-32 for any n this program sees. */
        int64_t j = (int64_t)(((splitmix64_next(&s) >> 32) * (uint64_t)(i + 1)) >> 32);
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}
