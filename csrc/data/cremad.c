/* cremad.c - `miles prepare cremad` (cremad.h): list and pair the clips, decode them in
 * parallel into a scratch file, form the split from what decoded, stream the cache. */
#define _POSIX_C_SOURCE 200809L
#include "data/cremad.h"
#include "data/draw.h"
#include "data/errfmt.h"
#include "data/h5stream.h"
#include "data/leftout.h"
#include "data/resize.h"
#include "data/spectro.h"
#include "data/video.h"
#include "data/wav.h"

#include "core/strbuf.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OGM-GE's order (dataset/CramedDataset.py). */
static const char *const emotions[CREMAD_CLASSES] = {"NEU", "HAP", "SAD", "FEA", "DIS", "ANG"};
static const char *const sentences[12] = {"IEO", "TIE", "IOM", "IWW", "TAI", "MTI",
                                          "IWL", "ITH", "DFA", "ITS", "TSI", "WSI"};
static const char *const levels[4] = {"LO", "MD", "HI", "XX"};
/* Ids the summary table lists without media in the repository (TFDS crema_d's bad_files). */
static const char *const upstream_broken[] = {"1040_ITH_SAD_XX", "1006_TIE_NEU_XX", "1013_WSI_DIS_XX",
                                              "1017_IWW_FEA_XX"};
/* ImageNet's channel statistics, OGM-GE's Normalize for the frames. */
static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f}, imagenet_std[3] = {0.229f, 0.224f, 0.225f};

#define SPECTRO_VALUES (SPECTRO_BINS * SPECTRO_FRAMES)
#define MAX_FORMATS    8

typedef struct {
    char id[CREMAD_ID_LEN + 1];
    int actor, cls, has_wav, has_flv;
    char *why; /* left out, and why (malloc'd); NULL = usable */
    int split; /* -1: in none */
} clip;

typedef struct {
    const cremad_options *o;
    const char *from;
    char dir[2][ML_PATH_MAX]; /* AudioWAV, VideoFlash */
    clip *clips;
    int64_t n, cap;
    strbuf report;
    char scratch[ML_PATH_MAX];
    int fd;
    size_t bytes_a, bytes_b; /* one clip's record in the scratch file: spectrogram, frame */
    int64_t *members[NUM_SPLITS], count[NUM_SPLITS];
    char formats[MAX_FORMATS][96];
    int64_t format_clips[MAX_FORMATS];
    int nformats;
    pthread_mutex_t mu; /* the decoders' shared state: next, formats */
    int64_t next;
    char *err;
    size_t errlen;
} prep;

/* ---- ids ----------------------------------------------------------------------------------- */

static int index_of(const char *s, const char *const *list, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(s, list[i])) return i;
    return -1;
}

int cremad_class_id(const char *emotion) { return index_of(emotion, emotions, CREMAD_CLASSES); }

int cremad_parse_id(const char *id, int *actor, int *sentence, int *cls, int *level, char *why, size_t whylen) {
    char f[4][8];
    size_t len = strlen(id);
    if (len != CREMAD_ID_LEN || id[4] != '_' || id[8] != '_' || id[12] != '_') {
        seterr(why, whylen, "expected an id AAAA_SSS_EEE_LL (%d characters), found '%s'", CREMAD_ID_LEN, id);
        return -1;
    }
    memcpy(f[0], id, 4), f[0][4] = 0;
    memcpy(f[1], id + 5, 3), f[1][3] = 0;
    memcpy(f[2], id + 9, 3), f[2][3] = 0;
    memcpy(f[3], id + 13, 2), f[3][2] = 0;
    long long a;
    int s = index_of(f[1], sentences, 12), e = cremad_class_id(f[2]), l = index_of(f[3], levels, 4);
    if (parse_int(f[0], 1000, 9999, &a) || s < 0 || e < 0 || l < 0) {
        seterr(why, whylen,
               "%s: expected actor 4 digits, a sentence code (IEO, TIE, ... WSI), an emotion (NEU, HAP, "
               "SAD, FEA, DIS, ANG) and a level (LO, MD, HI, XX), found '%s', '%s', '%s', '%s'",
               id, f[0], f[1], f[2], f[3]);
        return -1;
    }
    if (actor) *actor = (int)a;
    if (sentence) *sentence = s;
    if (cls) *cls = e;
    if (level) *level = l;
    return 0;
}

static void report(prep *P, const char *what, const char *item, const char *why) {
    sb_printf(&P->report, "%s\t%s\t%s\n", what, item, why);
}

/* ---- listing and pairing ------------------------------------------------------------------ */

static int cmp_clip(const void *a, const void *b) { return strcmp(((const clip *)a)->id, ((const clip *)b)->id); }

/* The clip of ID (binary search; clips sorted), or NULL. */
static clip *find_clip(const prep *P, const char *id) {
    clip key;
    snprintf(key.id, sizeof key.id, "%s", id);
    return P->n ? bsearch(&key, P->clips, (size_t)P->n, sizeof *P->clips, cmp_clip) : NULL;
}

/* Adds, or marks, the clip of file NAME in directory k (0 audio, 1 video). The first `sorted`
 * clips (the audio ones, when the videos are added) are in id order. */
static ml_status add_file(prep *P, int k, const char *name, size_t stem, int64_t sorted) {
    char id[64], why[512];
    if (stem >= sizeof id) stem = sizeof id - 1;
    memcpy(id, name, stem);
    id[stem] = 0;
    int actor, cls;
    if (cremad_parse_id(id, &actor, NULL, &cls, NULL, why, sizeof why)) {
        char item[ML_PATH_MAX];
        snprintf(item, sizeof item, "%s/%s", k ? "VideoFlash" : "AudioWAV", name);
        report(P, "file", item, why);
        return ML_OK;
    }
    clip key, *hit;
    memcpy(key.id, id, sizeof key.id); /* a parsed id: CREMAD_ID_LEN characters and the NUL */
    if (sorted && (hit = bsearch(&key, P->clips, (size_t)sorted, sizeof *P->clips, cmp_clip))) {
        *(k ? &hit->has_flv : &hit->has_wav) = 1;
        return ML_OK;
    }
    if (P->n == P->cap) {
        int64_t cap = P->cap ? 2 * P->cap : 1024;
        clip *c = realloc(P->clips, sizeof *c * (size_t)cap);
        if (!c) {
            seterr(P->err, P->errlen, "out of memory listing the clips");
            return ML_ERUNTIME;
        }
        P->clips = c;
        P->cap = cap;
    }
    clip *c = &P->clips[P->n++];
    memset(c, 0, sizeof *c);
    memcpy(c->id, id, sizeof c->id);
    c->actor = actor;
    c->cls = cls;
    c->split = -1;
    *(k ? &c->has_flv : &c->has_wav) = 1;
    return ML_OK;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in DIR ending in EXT, sorted (so the clips and the report come in id order). */
static ml_status list_dir(prep *P, int k, const char *ext, char ***names, int64_t *count) {
    DIR *d = opendir(P->dir[k]);
    if (!d) {
        seterr(P->err, P->errlen, "%s: expected CREMA-D's %s directory, cannot open it: %s", P->dir[k],
               k ? "VideoFlash" : "AudioWAV", strerror(errno));
        return ML_EDATA;
    }
    char **v = NULL;
    int64_t n = 0, cap = 0;
    size_t el = strlen(ext);
    struct dirent *e;
    ml_status st = ML_OK;
    while ((e = readdir(d)) && st == ML_OK) {
        size_t len = strlen(e->d_name);
        if (len <= el || strcmp(e->d_name + len - el, ext)) continue;
        if (n == cap) {
            char **g = realloc(v, sizeof *g * (size_t)(cap = cap ? 2 * cap : 1024));
            if (!g) break;
            v = g;
        }
        if (!(v[n] = strdup(e->d_name))) break;
        n++;
    }
    if (e) {
        seterr(P->err, P->errlen, "out of memory listing %s", P->dir[k]);
        st = ML_ERUNTIME;
    }
    closedir(d);
    if (n) qsort(v, (size_t)n, sizeof *v, cmp_name);
    *names = v;
    *count = n;
    return st;
}

static ml_status list_clips(prep *P) {
    static const char *const ext[2] = {".wav", ".flv"};
    ml_status st = ML_OK;
    for (int k = 0; k < 2 && st == ML_OK; k++) {
        char **names = NULL;
        int64_t n = 0;
        st = list_dir(P, k, ext[k], &names, &n);
        int64_t sorted = P->n; /* the audio clips, in id order since their names are */
        for (int64_t i = 0; i < n && st == ML_OK; i++) st = add_file(P, k, names[i], strlen(names[i]) - 4, sorted);
        for (int64_t i = 0; i < n; i++) free(names[i]);
        free(names);
    }
    if (P->n) qsort(P->clips, (size_t)P->n, sizeof *P->clips, cmp_clip);
    return st;
}

/* Marks the clips that cannot be used before decoding: no partner, or broken upstream. */
static ml_status check_pairs(prep *P) {
    for (int64_t i = 0; i < P->n; i++) {
        clip *c = &P->clips[i];
        const char *why = NULL;
        char buf[512];
        if (!c->has_wav || !c->has_flv) {
            snprintf(buf, sizeof buf, "missing partner: %s/%s.%s exists, %s/%s.%s does not",
                     c->has_wav ? "AudioWAV" : "VideoFlash", c->id, c->has_wav ? "wav" : "flv",
                     c->has_wav ? "VideoFlash" : "AudioWAV", c->id, c->has_wav ? "flv" : "wav");
            why = buf;
        } else if (index_of(c->id, upstream_broken, (int)(sizeof upstream_broken / sizeof *upstream_broken)) >= 0)
            why = "listed as broken upstream (TFDS crema_d bad_files: no media in the repository)";
        if (why && !(c->why = strdup(why))) {
            seterr(P->err, P->errlen, "out of memory");
            return ML_ERUNTIME;
        }
    }
    return ML_OK;
}

/* ---- decoding ------------------------------------------------------------------------------ */

typedef struct {
    prep *P;
    const spectro *sp;
    float *spec;
    uint8_t *frame;
    ml_status st; /* a failure that stops the prepare (memory, scratch I/O) */
    char err[1024];
} worker;

/* Counts the clip's video format among the distinct ones the recipe lists. */
static void note_format(prep *P, const video_info *vi) {
    char f[96];
    snprintf(f, sizeof f, "%s %dx%d %.4g fps", vi->codec, vi->width, vi->height, vi->fps);
    pthread_mutex_lock(&P->mu);
    int i = 0;
    while (i < P->nformats && strcmp(P->formats[i], f)) i++;
    if (i == P->nformats && i < MAX_FORMATS) snprintf(P->formats[P->nformats++], sizeof P->formats[0], "%s", f);
    if (i < P->nformats) P->format_clips[i]++;
    pthread_mutex_unlock(&P->mu);
}

/* Decodes clip i into the worker's buffers; ML_EDATA (with c->why set) leaves it out. */
static ml_status decode_clip(worker *W, clip *c) {
    prep *P = W->P;
    char wav[ML_PATH_MAX], flv[ML_PATH_MAX], why[1024];
    if (path_fmt(wav, sizeof wav, "%s/%s.wav", P->dir[0], c->id) ||
        path_fmt(flv, sizeof flv, "%s/%s.flv", P->dir[1], c->id)) {
        snprintf(why, sizeof why, "path too long");
        c->why = strdup(why);
        return ML_EDATA;
    }
    float *x = NULL;
    int64_t n = 0;
    ml_status st = wav_check_complete(wav, why, sizeof why);
    if (st == ML_OK) st = wav_read_mono(wav, SPECTRO_RATE, SPECTRO_SAMPLES, &x, &n, why, sizeof why);
    if (st == ML_OK && spectro_compute(W->sp, x, n, W->spec)) {
        snprintf(why, sizeof why, "%.900s: out of memory computing the spectrogram", wav);
        st = ML_ERUNTIME;
    }
    free(x);
    video_info vi;
    if (st == ML_OK) st = video_middle_frame(flv, P->o->frame_size, W->frame, &vi, why, sizeof why);
    if (st == ML_OK) note_format(P, &vi);
    if (st == ML_EDATA && !(c->why = strdup(why))) st = ML_ERUNTIME;
    if (st == ML_ERUNTIME) snprintf(W->err, sizeof W->err, "%s", why);
    return st;
}

/* Writes clip i's record (spectrogram, frame) at its place in the scratch file. */
static ml_status write_record(worker *W, int64_t i) {
    prep *P = W->P;
    off_t at = (off_t)i * (off_t)(P->bytes_a + P->bytes_b);
    if (pwrite(P->fd, W->spec, P->bytes_a, at) != (ssize_t)P->bytes_a ||
        pwrite(P->fd, W->frame, P->bytes_b, at + (off_t)P->bytes_a) != (ssize_t)P->bytes_b) {
        snprintf(W->err, sizeof W->err, "%.900s: cannot write decoded clips: %s", P->scratch, strerror(errno));
        return ML_ERUNTIME;
    }
    return ML_OK;
}

static void *decode_worker(void *arg) {
    worker *W = arg;
    prep *P = W->P;
    for (;;) {
        pthread_mutex_lock(&P->mu);
        int64_t i = W->st == ML_OK ? P->next++ : P->n;
        pthread_mutex_unlock(&P->mu);
        if (i >= P->n) break;
        clip *c = &P->clips[i];
        if (c->why) continue;
        ml_status st = decode_clip(W, c);
        if (st == ML_OK) st = write_record(W, i);
        if (st == ML_ERUNTIME) W->st = st;
        if (P->o->verbose && (i + 1) % 500 == 0)
            fprintf(stderr, "cremad: %lld / %lld clips\n", (long long)(i + 1), (long long)P->n);
    }
    return NULL;
}

/* Decodes every usable clip on o->jobs threads into the scratch file. */
static ml_status decode_all(prep *P, const spectro *sp) {
    int jobs = P->o->jobs > 0 ? P->o->jobs : cpu_count();
    if (jobs > P->n) jobs = P->n > 0 ? (int)P->n : 1;
    worker *W = calloc((size_t)jobs, sizeof *W);
    pthread_t *tid = calloc((size_t)jobs, sizeof *tid);
    ml_status st = W && tid ? ML_OK : ML_ERUNTIME;
    int started = 0;
    for (int j = 0; j < jobs && st == ML_OK; j++) {
        W[j] = (worker){.P = P, .sp = sp, .spec = malloc(P->bytes_a), .frame = malloc(P->bytes_b)};
        if (!W[j].spec || !W[j].frame || pthread_create(&tid[j], NULL, decode_worker, &W[j]) != 0) {
            free(W[j].spec);
            free(W[j].frame);
            st = ML_ERUNTIME;
            break;
        }
        started++;
    }
    if (st != ML_OK) seterr(P->err, P->errlen, "out of memory or threads starting %d decoders", jobs);
    if (st != ML_OK) { /* stop the started ones at their next clip */
        pthread_mutex_lock(&P->mu);
        P->next = P->n;
        pthread_mutex_unlock(&P->mu);
    }
    for (int j = 0; j < started; j++) {
        pthread_join(tid[j], NULL);
        if (st == ML_OK && W[j].st != ML_OK) {
            st = W[j].st;
            seterr(P->err, P->errlen, "%s", W[j].err);
        }
        free(W[j].spec);
        free(W[j].frame);
    }
    free(W);
    free(tid);
    return st;
}

/* ---- the split ----------------------------------------------------------------------------- */

/* The usable clips (indices in id order); *n of them. */
static ml_status usable(prep *P, int64_t **out, int64_t *n) {
    *n = 0;
    *out = malloc(sizeof(int64_t) * (size_t)(P->n ? P->n : 1));
    if (!*out) {
        seterr(P->err, P->errlen, "out of memory");
        return ML_ERUNTIME;
    }
    for (int64_t i = 0; i < P->n; i++)
        if (!P->clips[i].why) (*out)[(*n)++] = i;
    return ML_OK;
}

static ml_status too_few(prep *P, int64_t n, const char *what) {
    seterr(P->err, P->errlen,
           "%s: expected enough usable clips for a 70/15/15 split (%s), found %lld usable of %lld listed "
           "(the report says why the others were left out)",
           P->from, what, (long long)n, (long long)P->n);
    return ML_EDATA;
}

/* Stratified by emotion: per class, a seeded shuffle, then val and test quotas by largest
 * remainder, the rest train. */
static ml_status split_random(prep *P, const int64_t *ok, int64_t n, uint64_t *rng) {
    int64_t V = n * 15 / 100;
    if (V < 1) return too_few(P, n, "at least 7, so that val and test get one each");
    int64_t size[CREMAD_CLASSES] = {0}, vq[CREMAD_CLASSES], tq[CREMAD_CLASSES], rest[CREMAD_CLASSES];
    for (int64_t i = 0; i < n; i++) size[P->clips[ok[i]].cls]++;
    draw_largest_remainder(V, size, CREMAD_CLASSES, vq);
    for (int c = 0; c < CREMAD_CLASSES; c++) rest[c] = size[c] - vq[c];
    draw_largest_remainder(V, rest, CREMAD_CLASSES, tq);
    int64_t *cl = malloc(sizeof(int64_t) * (size_t)n);
    if (!cl) {
        seterr(P->err, P->errlen, "out of memory");
        return ML_ERUNTIME;
    }
    for (int c = 0; c < CREMAD_CLASSES; c++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            if (P->clips[ok[i]].cls == c) cl[m++] = ok[i];
        draw_shuffle(rng, cl, m, sizeof *cl);
        for (int64_t j = 0; j < m; j++)
            P->clips[cl[j]].split = j < vq[c] ? SPLIT_VAL : j < vq[c] + tq[c] ? SPLIT_TEST : SPLIT_TRAIN;
    }
    free(cl);
    return ML_OK;
}

/* Speaker independent: whole actors, in a seeded order, to val then test, then train. */
static ml_status split_actors(prep *P, const int64_t *ok, int64_t n, uint64_t *rng) {
    int64_t V = n * 15 / 100;
    int actors[10000], na = 0;
    int64_t per[10000] = {0};
    for (int64_t i = 0; i < n; i++) per[P->clips[ok[i]].actor]++;
    for (int a = 0; a < 10000; a++)
        if (per[a]) actors[na++] = a;
    if (na < 3 || V < 1)
        return too_few(P, n, na < 3 ? "speaker independent: at least 3 actors, found fewer" : "at least 7");
    draw_shuffle(rng, actors, na, sizeof *actors);
    int to[10000];
    int64_t got[NUM_SPLITS] = {0};
    for (int j = 0; j < na; j++) {
        int s = got[SPLIT_VAL] < V ? SPLIT_VAL : got[SPLIT_TEST] < V ? SPLIT_TEST : SPLIT_TRAIN;
        if (j == na - 1 && got[SPLIT_TRAIN] == 0) s = SPLIT_TRAIN; /* the last actor trains */
        to[actors[j]] = s;
        got[s] += per[actors[j]];
    }
    if (!got[SPLIT_TRAIN] || !got[SPLIT_VAL] || !got[SPLIT_TEST])
        return too_few(P, n, "speaker independent: every split needs an actor");
    for (int64_t i = 0; i < n; i++) P->clips[ok[i]].split = to[P->clips[ok[i]].actor];
    return ML_OK;
}

/* Appends clip i to split s's members. */
static ml_status add_member(prep *P, int s, int64_t i) {
    int64_t *m = realloc(P->members[s], sizeof *m * (size_t)(P->count[s] + 1));
    if (!m) {
        seterr(P->err, P->errlen, "out of memory");
        return ML_ERUNTIME;
    }
    P->members[s] = m;
    m[P->count[s]++] = i;
    return ML_OK;
}

/* One line `<id>,<EMO>` of list FILE (split s): the clip joins s, or is reported as left out. */
static ml_status csv_line(prep *P, int s, const char *file, int line, char *text) {
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) text[--len] = 0;
    if (!len) return ML_OK;
    char *comma = strchr(text, ',');
    char why[512];
    int cls;
    if (comma) *comma = 0;
    if (!comma || strchr(comma + 1, ',') || cremad_parse_id(text, NULL, NULL, &cls, NULL, why, sizeof why) ||
        cremad_class_id(comma + 1) != cls) {
        seterr(P->err, P->errlen, "%s:%d: expected `<id>,<EMO>` (a CREMA-D id and its own emotion), found '%s%s%s'",
               file, line, text, comma ? "," : "", comma ? comma + 1 : "");
        return ML_EDATA;
    }
    clip *c = find_clip(P, text);
    char item[ML_PATH_MAX];
    snprintf(item, sizeof item, "%s:%d", file, line);
    if (!c || c->why) {
        snprintf(why, sizeof why, "%s: %s", text, c ? c->why : "no such clip in AudioWAV/ or VideoFlash/");
        report(P, "listed", item, why);
        return ML_OK;
    }
    if (c->split >= 0) {
        seterr(P->err, P->errlen,
               "%s: expected each clip in one split list once, found %s again (it is in the %s list)", item, text,
               split_names[c->split]);
        return ML_EDATA;
    }
    c->split = s;
    return add_member(P, s, c - P->clips);
}

static ml_status split_csv_file(prep *P, int s, const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) {
        seterr(P->err, P->errlen, "%s: cannot open the %s list: %s", file, split_names[s], strerror(errno));
        return ML_EDATA;
    }
    char buf[4096];
    int line = 0;
    ml_status st = ML_OK;
    while (st == ML_OK && fgets(buf, sizeof buf, f)) st = csv_line(P, s, file, ++line, buf);
    fclose(f);
    return st;
}

/* OGM-GE's lists; without a val list, val is the test list (OGM-GE selects on its test set). */
static ml_status split_csv(prep *P) {
    static const int order[3] = {SPLIT_TRAIN, SPLIT_TEST, SPLIT_VAL};
    ml_status st = ML_OK;
    for (int k = 0; k < 3 && st == ML_OK; k++)
        if (P->o->csv[order[k]]) st = split_csv_file(P, order[k], P->o->csv[order[k]]);
    for (int64_t j = 0; j < P->count[SPLIT_TEST] && st == ML_OK && !P->o->csv[SPLIT_VAL]; j++)
        st = add_member(P, SPLIT_VAL, P->members[SPLIT_TEST][j]);
    for (int s = 0; s < NUM_SPLITS && st == ML_OK; s++)
        if (!P->count[s]) {
            seterr(P->err, P->errlen,
                   "%s: expected usable clips in the %s split, found none (the report lists the "
                   "clips left out)",
                   P->o->csv[s] ? P->o->csv[s] : P->o->csv[SPLIT_TEST], split_names[s]);
            st = ML_EDATA;
        }
    return st;
}

/* Forms the split the options ask for: P->members / P->count. */
static ml_status form_split(prep *P) {
    if (P->o->split == CREMAD_SPLIT_CSV) return split_csv(P);
    int64_t *ok = NULL, n = 0;
    ml_status st = usable(P, &ok, &n);
    uint64_t rng = P->o->seed;
    if (st == ML_OK)
        st = P->o->split == CREMAD_SPLIT_ACTORS ? split_actors(P, ok, n, &rng) : split_random(P, ok, n, &rng);
    for (int64_t j = 0; j < n && st == ML_OK; j++) st = add_member(P, P->clips[ok[j]].split, ok[j]);
    free(ok);
    return st;
}

/* ---- the cache ----------------------------------------------------------------------------- */

static const char *const split_kind[3] = {"random (seeded, stratified by emotion)",
                                          "actors (seeded, speaker independent)", "csv (OGM-GE lists)"};

static void describe(const prep *P, strbuf *r) {
    const cremad_options *o = P->o;
    sb_printf(r,
              "cremad v%d: CREMA-D AudioWAV/*.wav + VideoFlash/*.flv paired by id; %lld ids, train %lld, val "
              "%lld, test %lld; split %s",
              CREMAD_RECIPE_VERSION, (long long)P->n, (long long)P->count[0], (long long)P->count[1],
              (long long)P->count[2], split_kind[o->split]);
    if (o->split == CREMAD_SPLIT_CSV)
        sb_printf(r, " train=%s val=%s test=%s", o->csv[0], o->csv[1] ? o->csv[1] : "(the test list)", o->csv[2]);
    else sb_printf(r, " 70/15/15 seed %llu", (unsigned long long)o->seed);
    sb_printf(r,
              "; classes NEU,HAP,SAD,FEA,DIS,ANG (OGM-GE); audio: libsndfile -> %d Hz mono (libsamplerate when not), "
              "tiled to %d samples, clipped to [-1,1], scipy spectrogram nperseg %d noverlap %d periodic "
              "tukey(%.2f) detrend constant density one-sided, log(S+%g), per-clip z-score (std+%g) -> float32 "
              "[1,%d,%d]; video: middle frame (packets/2), swscale bilinear -> RGB uint8 [3,%d,%d], normalised "
              "with ImageNet mean/std; formats:",
              SPECTRO_RATE, SPECTRO_SAMPLES, SPECTRO_NPERSEG, SPECTRO_OVERLAP, SPECTRO_TUKEY, SPECTRO_FLOOR,
              SPECTRO_STD_EPS, SPECTRO_BINS, SPECTRO_FRAMES, o->frame_size, o->frame_size);
    for (int i = 0; i < P->nformats; i++)
        sb_printf(r, "%s %s (%lld clips)", i ? "," : "", P->formats[i], (long long)P->format_clips[i]);
}

/* The split's ids, NUL-padded to CREMAD_ID_LEN + 1 bytes each. */
static ml_status write_ids(prep *P, h5stream *h, int s) {
    size_t w = CREMAD_ID_LEN + 1;
    char *ids = calloc((size_t)(P->count[s] ? P->count[s] : 1), w);
    if (!ids) {
        seterr(P->err, P->errlen, "out of memory");
        return ML_ERUNTIME;
    }
    for (int64_t j = 0; j < P->count[s]; j++) memcpy(ids + (size_t)j * w, P->clips[P->members[s][j]].id, w);
    ml_status st = h5s_write_ids(h, s, ids, (int)w, P->err, P->errlen);
    free(ids);
    return st;
}

/* Copies the members' records from the scratch file into the cache, split by split. */
static ml_status stream_cache(prep *P, const char *out, const char *recipe) {
    int S = P->o->frame_size;
    h5s_layout L = {.name = "cremad",
                    .num_classes = CREMAD_CLASSES,
                    .metric = "accuracy",
                    .modality = {"audio", "video"},
                    .class_names = "NEU,HAP,SAD,FEA,DIS,ANG",
                    .recipe = recipe,
                    .recipe_version = CREMAD_RECIPE_VERSION,
                    .dtype = {DS_F32, DS_U8},
                    .c = {1, 3},
                    .h = {SPECTRO_BINS, S},
                    .w = {SPECTRO_FRAMES, S},
                    .fixed_mean = {NULL, imagenet_mean},
                    .fixed_std = {NULL, imagenet_std}};
    for (int s = 0; s < NUM_SPLITS; s++) L.n[s] = P->count[s];
    size_t rec = P->bytes_a + P->bytes_b;
    uint8_t *buf = malloc(rec);
    h5stream *h = NULL;
    ml_status st = buf ? h5s_create(out, &L, &h, P->err, P->errlen) : ML_ERUNTIME;
    if (!buf) seterr(P->err, P->errlen, "%s: out of memory", out);
    for (int s = 0; s < NUM_SPLITS && st == ML_OK; s++) {
        for (int64_t j = 0; j < P->count[s] && st == ML_OK; j++) {
            int64_t i = P->members[s][j];
            if (pread(P->fd, buf, rec, (off_t)i * (off_t)rec) != (ssize_t)rec) {
                seterr(P->err, P->errlen, "%s: cannot read back clip %s: %s", P->scratch, P->clips[i].id,
                       strerror(errno));
                st = ML_ERUNTIME;
            } else st = h5s_append(h, s, buf, buf + P->bytes_a, P->clips[i].cls, P->err, P->errlen);
        }
        if (st == ML_OK) st = write_ids(P, h, s);
    }
    if (h) {
        if (st == ML_OK) st = h5s_finish(h, P->err, P->errlen);
        else h5s_abort(h);
    }
    free(buf);
    return st;
}

/* ---- prepare ------------------------------------------------------------------------------- */

void cremad_options_default(cremad_options *o) {
    memset(o, 0, sizeof *o);
    o->split = CREMAD_SPLIT_RANDOM;
    o->frame_size = 224;
}

static ml_status check_options(const char *from, const cremad_options *o, char *err, size_t errlen) {
    if (!from || !*from) {
        seterr(err, errlen, "cremad: expected a source directory, found none");
        return ML_EINVAL;
    }
    if (o->frame_size < 8 || o->frame_size > RESIZE_MAX_SIDE || o->jobs < 0) {
        seterr(err, errlen, "cremad: expected a frame size in [8, %d] and jobs >= 0, found %d and %d", RESIZE_MAX_SIDE,
               o->frame_size, o->jobs);
        return ML_EINVAL;
    }
    if (o->split == CREMAD_SPLIT_CSV && (!o->csv[SPLIT_TRAIN] || !o->csv[SPLIT_TEST])) {
        seterr(err, errlen,
               "cremad: split lists: expected a train and a test list (val optional), found train %s, test %s",
               o->csv[SPLIT_TRAIN] ? o->csv[SPLIT_TRAIN] : "none", o->csv[SPLIT_TEST] ? o->csv[SPLIT_TEST] : "none");
        return ML_EINVAL;
    }
    return ML_OK;
}

/* The report's lines for the clips left out, in id order. */
static void report_left_out(prep *P) {
    for (int64_t i = 0; i < P->n; i++)
        if (P->clips[i].why) report(P, "clip", P->clips[i].id, P->clips[i].why);
}

/* Lists, pairs and decodes every clip into the scratch file, then forms the split. */
static ml_status gather(prep *P, const char *out) {
    if (path_join(P->dir[0], sizeof P->dir[0], P->from, "AudioWAV") ||
        path_join(P->dir[1], sizeof P->dir[1], P->from, "VideoFlash") ||
        path_fmt(P->scratch, sizeof P->scratch, "%s.clips.tmp", out)) {
        seterr(P->err, P->errlen, "%s: path too long", P->from);
        return ML_EINVAL;
    }
    ml_status st = list_clips(P);
    if (st == ML_OK) st = check_pairs(P);
    if (st != ML_OK) return st;
    P->bytes_a = sizeof(float) * SPECTRO_VALUES;
    P->bytes_b = (size_t)3 * P->o->frame_size * P->o->frame_size;
    P->fd = open(P->scratch, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (P->fd < 0) {
        seterr(P->err, P->errlen, "%s: cannot create the scratch file: %s", P->scratch, strerror(errno));
        return ML_ERUNTIME;
    }
    spectro *sp = spectro_create();
    double t0 = mono_seconds();
    st = sp ? decode_all(P, sp) : ML_ERUNTIME;
    if (!sp) seterr(P->err, P->errlen, "out of memory");
    spectro_free(sp);
    if (st == ML_OK && P->o->verbose)
        fprintf(stderr, "cremad: decoded %lld clips in %.1f s\n", (long long)P->n, mono_seconds() - t0);
    report_left_out(P);
    return st == ML_OK ? form_split(P) : st;
}

/* The report (header + lines), to PATH.tmp then PATH. */
static ml_status write_report(prep *P) { return leftout_write(P->o->report, &P->report, P->err, P->errlen); }

static void free_prep(prep *P) {
    for (int64_t i = 0; i < P->n; i++) free(P->clips[i].why);
    free(P->clips);
    for (int s = 0; s < NUM_SPLITS; s++) free(P->members[s]);
    if (P->fd >= 0) {
        close(P->fd);
        remove(P->scratch);
    }
    pthread_mutex_destroy(&P->mu);
    sb_free(&P->report);
}

ml_status cremad_prepare(const char *from, const char *out, const cremad_options *opt, char *err, size_t errlen) {
    cremad_options o;
    if (opt) o = *opt;
    else cremad_options_default(&o);
    ml_status st = check_options(from, &o, err, errlen);
    if (st != ML_OK) return st;
    double t0 = mono_seconds();
    prep P;
    memset(&P, 0, sizeof P);
    P.o = &o;
    P.from = from;
    P.err = err;
    P.errlen = errlen;
    P.fd = -1;
    pthread_mutex_init(&P.mu, NULL);
    st = gather(&P, out);
    if (st == ML_OK) {
        strbuf recipe = {0};
        describe(&P, &recipe);
        st = stream_cache(&P, out, recipe.p);
        sb_free(&recipe);
    }
    if (o.report) {
        char keep[2048];
        snprintf(keep, sizeof keep, "%s", err);
        ml_status rs = write_report(&P);
        if (st == ML_OK) st = rs;
        else snprintf(err, errlen, "%s", keep);
    }
    if (st == ML_OK && o.verbose)
        fprintf(stderr, "cremad: wrote %s (train %lld, val %lld, test %lld) in %.1f s\n", out, (long long)P.count[0],
                (long long)P.count[1], (long long)P.count[2], mono_seconds() - t0);
    free_prep(&P);
    return st;
}
