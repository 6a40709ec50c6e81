/* mmimdb.c - `miles prepare mmimdb`'s common part (see mmimdb.h): options, which form FROM is,
 * the cache both readers stream into, the report and the recipe. The forms themselves are read
 * by mmimdb_raw.c and mmimdb_fuel.c. */
#define _POSIX_C_SOURCE 200809L
#include "data/mmimdb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "data/errfmt.h"
#include "data/leftout.h"
#include "data/mmimdb_impl.h"
#include "data/mmimdb_json.h"
#include "data/resize.h"

/* ImageNet's statistics (torchvision), the posters' normalisation for a ResNet-50 as the paper
 * trains it. */
static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f}, imagenet_std[3] = {0.229f, 0.224f, 0.225f};

void mmimdb_options_default(mmimdb_options *o) {
    memset(o, 0, sizeof *o);
    o->max_len = 512;
    o->image_h = 256;
    o->image_w = 160;
    o->max_genres = 23;
    o->rows_per_read = 32;
}

void mm_report(mm_prep *P, const char *what, const char *item, const char *why) {
    sb_printf(&P->report, "%s\t%s\t%s\n", what, item, why);
    P->left_out++;
}

static char *join_genres(const mm_prep *P) {
    size_t len = 1;
    for (int j = 0; j < P->k; j++) len += strlen(P->genres[j]) + 1;
    char *s = malloc(len), *p = s;
    if (!s) return NULL;
    *p = 0;
    for (int j = 0; j < P->k; j++) p += sprintf(p, "%s%s", j ? "," : "", P->genres[j]);
    return s;
}

ml_status mm_open(mm_prep *P) {
    const mmimdb_options *o = P->o;
    char *names = join_genres(P), recipe[2048];
    if (!names) return seterr(P->err, P->errlen, "out of memory"), ML_ERUNTIME;
    text_fmt(recipe, sizeof recipe,
             "mmimdb: %s form; plots: %s, %d tokens; posters RGB %dx%d (crop to aspect, bilinear), ImageNet "
             "mean/std; genres: %s",
             P->form, o->tokenizer ? o->tokenizer : "(encoder)", o->max_len, o->image_h, o->image_w,
             !strcmp(P->form, "raw") ? "the most frequent, MMBT's leave-out" : "target_names");
    h5s_layout L = {.name = "mmimdb",
                    .num_classes = P->k,
                    .metric = "f1_micro",
                    .modality = {"text", "image"},
                    .class_names = names,
                    .recipe = recipe,
                    .recipe_version = MMIMDB_RECIPE_VERSION,
                    .multilabel = 1,
                    .dtype = {DS_I32, DS_U8},
                    .c = {2, 3},
                    .h = {1, o->image_h},
                    .w = {o->max_len, o->image_w},
                    .n = {P->n[0], P->n[1], P->n[2]},
                    .fixed_mean = {NULL, imagenet_mean},
                    .fixed_std = {NULL, imagenet_std}};
    ml_status st = h5s_create(P->out, &L, &P->h, P->err, P->errlen);
    free(names);
    for (int s = 0; s < 3 && st == ML_OK; s++)
        if (!(P->ids[s] = calloc((size_t)(P->n[s] ? P->n[s] : 1), MMIMDB_ID_MAX)))
            st = ML_ERUNTIME, seterr(P->err, P->errlen, "out of memory");
    return st;
}

ml_status mm_append(mm_prep *P, int s, const int32_t *tokens, const uint8_t *poster, const float *targets,
                    const char *id) {
    ml_status st = h5s_append_targets(P->h, s, tokens, poster, targets, P->err, P->errlen);
    if (st == ML_OK) snprintf(P->ids[s] + MMIMDB_ID_MAX * P->appended[s]++, MMIMDB_ID_MAX, "%s", id);
    return st;
}

void mm_fit_poster(const mm_prep *P, const uint8_t *src, int h, int w, uint8_t *scratch, uint8_t *dst) {
    int H = P->o->image_h, W = P->o->image_w;
    if (h == H && w == W) {
        memcpy(dst, src, (size_t)3 * H * W);
        return;
    }
    /* The centre window of the stored aspect ratio (GMU's resize_and_crop_image). */
    double wr = (double)w / W, hr = (double)h / H;
    int y0 = 0, y1 = h, x0 = 0, x1 = w;
    if (hr > wr) {
        y0 = (int)floor(h / 2.0 - H * wr / 2.0), y1 = (int)floor(h / 2.0 + H * wr / 2.0);
    } else {
        x0 = (int)floor(w / 2.0 - W * hr / 2.0), x1 = (int)floor(w / 2.0 + W * hr / 2.0);
    }
    y0 = y0 < 0 ? 0 : y0, x0 = x0 < 0 ? 0 : x0;
    y1 = y1 > h ? h : y1 <= y0 ? y0 + 1 : y1;
    x1 = x1 > w ? w : x1 <= x0 ? x0 + 1 : x1;
    int ch = y1 - y0, cw = x1 - x0;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < ch; y++)
            memcpy(scratch + ((size_t)c * ch + y) * cw, src + ((size_t)c * h + y0 + y) * w + x0, (size_t)cw);
    image_resize_u8_rect(scratch, 3, ch, cw, H, W, dst);
}

ml_status mm_encode(mm_prep *P, const char *text, size_t len, int32_t *tokens, const char *item) {
    char msg[512];
    ml_status st =
        P->o->encode(P->o->encode_ctx, text, len, P->o->max_len, tokens, tokens + P->o->max_len, msg, sizeof msg);
    if (st != ML_OK) seterr(P->err, P->errlen, "%s: %s", item, msg);
    return st;
}

static ml_status check_options(const char *from, const char *out, const mmimdb_options *o, char *err, size_t errlen) {
    if (!from || !out || !o->encode) return seterr(err, errlen, "expected FROM, OUT and an encoder"), ML_EINVAL;
    if (o->max_len < 2 || o->max_len > 4096)
        return seterr(err, errlen, "max_len: expected 2 to 4096 tokens, found %d", o->max_len), ML_EINVAL;
    if (o->image_h < 8 || o->image_h > RESIZE_MAX_SIDE || o->image_w < 8 || o->image_w > RESIZE_MAX_SIDE)
        return seterr(err, errlen, "image size: expected sides in [8, %d], found %dx%d", RESIZE_MAX_SIDE, o->image_h,
                      o->image_w),
               ML_EINVAL;
    if (o->max_genres < 1 || o->max_genres > 1000 || o->rows_per_read < 1 || o->rows_per_read > 4096)
        return seterr(err, errlen, "expected 1 to 1000 genres and 1 to 4096 rows a read, found %d and %d",
                      o->max_genres, o->rows_per_read),
               ML_EINVAL;
    return ML_OK;
}

/* The cache's ids, then finish (seal, rename). */
static ml_status finish(mm_prep *P) {
    ml_status st = ML_OK;
    for (int s = 0; s < 3 && st == ML_OK; s++)
        if (P->n[s]) st = h5s_write_ids(P->h, s, P->ids[s], MMIMDB_ID_MAX, P->err, P->errlen);
    if (st != ML_OK) return st;
    h5stream *h = P->h;
    P->h = NULL;
    return h5s_finish(h, P->err, P->errlen);
}

static void free_prep(mm_prep *P) {
    h5s_abort(P->h);
    for (int j = 0; P->genres && j < P->k; j++) free(P->genres[j]);
    free(P->genres);
    for (int s = 0; s < 3; s++) free(P->ids[s]);
    sb_free(&P->report);
}

ml_status mmimdb_prepare(const char *from, const char *out, const mmimdb_options *o, char *err, size_t errlen) {
    ml_status st = check_options(from, out, o, err, errlen);
    if (st != ML_OK) return st;
    struct stat sb;
    if (stat(from, &sb) != 0)
        return seterr(err, errlen, "%s: not found: expected the folder holding mmimdb/ or the .hdf5 file", from),
               ML_EDATA;
    double t0 = mono_seconds();
    mm_prep P;
    memset(&P, 0, sizeof P);
    P.o = o, P.from = from, P.out = out, P.err = err, P.errlen = errlen;
    P.form = S_ISDIR(sb.st_mode) ? "raw" : "fuel";
    st = S_ISDIR(sb.st_mode) ? mm_raw_prepare(&P) : mm_fuel_prepare(&P);
    if (st == ML_OK) st = finish(&P);
    if (o->report) {
        char keep[2048];
        snprintf(keep, sizeof keep, "%s", err);
        ml_status rs = leftout_write(o->report, &P.report, err, errlen);
        if (st == ML_OK) st = rs;
        else snprintf(err, errlen, "%s", keep);
    }
    if (st == ML_OK && o->verbose)
        fprintf(stderr, "mmimdb: wrote %s (%s form: train %lld, val %lld, test %lld; %lld left out) in %.1f s\n", out,
                P.form, (long long)P.n[0], (long long)P.n[1], (long long)P.n[2], (long long)P.left_out,
                mono_seconds() - t0);
    free_prep(&P);
    return st;
}
