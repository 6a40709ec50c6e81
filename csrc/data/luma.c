/* luma.c - LUMA (audio datalist + CIFAR images) into the dataset cache: read the datalists, pool
 * the images by name, find bad clips, choose the classes, draw the pairs and splits, stream the
 * features to HDF5. The method (selection, numbering, drawing order) is in luma.h. */
#define _POSIX_C_SOURCE 200809L
#include "data/luma.h"
#include "data/errfmt.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/strbuf.h"
#include "core/util.h"
#include "data/cifar.h"
#include "data/dataset.h"
#include "data/draw.h"
#include "data/h5stream.h"
#include "data/leftout.h"
#include "data/melspec.h"
#include "data/resize.h"
#include "data/wav.h"

/* LUMA's label_class_mapping (dataset.py): the index is the class id. */
static const char *const luma_names[LUMA_NUM_IDS] = {
    "man",    "boy",      "house",      "woman", "girl",     "table",  "road",  "horse",     "dog", "ship",
    "bird",   "mountain", "bed",        "train", "bridge",   "fish",   "cloud", "chair",     "cat", "baby",
    "castle", "forest",   "television", "bear",  "camel",    "sea",    "fox",   "plain",     "bus", "snake",
    "lamp",   "clock",    "lion",       "tank",  "palm",     "rabbit", "pine",  "cattle",    "oak", "mouse",
    "frog",   "ray",      "bicycle",    "truck", "elephant", "roses",  "wolf",  "telephone", "bee", "whale"};
#define LUMA42        42
#define MAX_DATALISTS 16

int luma_class_id(const char *name) {
    for (int i = 0; i < LUMA_NUM_IDS; i++)
        if (!strcmp(name, luma_names[i])) return i;
    return -1;
}

void luma_options_default(luma_options *o, luma_selection sel) {
    memset(o, 0, sizeof *o);
    o->selection = sel;
    o->classes = sel == LUMA_SELECT_LUMA42 ? LUMA42 : 22;
    o->per_class = sel == LUMA_SELECT_LUMA42 ? 600 : 1500;
    o->split[0] = sel == LUMA_SELECT_LUMA42 ? 16800 : 25000;
    o->split[1] = o->split[2] = sel == LUMA_SELECT_LUMA42 ? 4200 : 4000;
    o->image_size = 96;
}

typedef struct {
    char *rel;     /* path as the datalist writes it */
    int csv, line; /* where it is listed */
    int label;     /* index into labels */
    int usable;    /* 0: bad file or duplicate path */
} clip;

typedef struct {
    char *name;
    int luma_id;
    int64_t nimg, naud; /* images; usable clips */
    int64_t *img, *aud; /* pool records; clip indices */
    int cls;            /* class id, -1 when not selected */
    const char *why;    /* why not selected (report) */
} label;

typedef struct {
    int64_t img, clip;
    int cls;
} pair;

typedef struct {
    const luma_options *o;
    const char *from;
    char audio_dir[ML_PATH_MAX];
    int ncsv;
    char csv[MAX_DATALISTS][ML_PATH_MAX];
    cifar_pool pool;
    clip *clips;
    int64_t nclips, capclips;
    int64_t *seen; /* open-addressing hash of clip indices by path */
    size_t seen_cap;
    label *labels;
    int nlabels;
    int *chosen; /* label index of class id 0..K-1 */
    int K;
    pair *pairs[NUM_SPLITS];
    int64_t n[NUM_SPLITS];
    strbuf report;
    char *err;
    size_t errlen;
} prep;

/* ---- small helpers ----------------------------------------------------------------------- */

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* Index of LABEL's entry, added when new; -1 when out of memory. */
static int find_label(prep *P, const char *name) {
    for (int i = 0; i < P->nlabels; i++)
        if (!strcmp(P->labels[i].name, name)) return i;
    label *g = realloc(P->labels, sizeof *g * (size_t)(P->nlabels + 1));
    if (!g) return -1;
    P->labels = g;
    label *l = &P->labels[P->nlabels];
    memset(l, 0, sizeof *l);
    if (!(l->name = strdup(name))) return -1;
    l->luma_id = luma_class_id(name);
    l->cls = -1;
    return P->nlabels++;
}

/* ---- the datalists ----------------------------------------------------------------------- */

/* Splits a CSV line in place: commas, double-quoted fields with "" for a quote. Returns the
 * number of fields, or -1 for an unterminated quote or more than max fields. */
static int split_csv(char *s, char **f, int max) {
    int n = 0;
    for (;;) {
        if (n == max) return -1;
        char *w = s;
        f[n++] = w;
        if (*s == '"') {
            for (s++;; s++) {
                if (!*s) return -1;
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s++;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *w++ = *s;
                }
            }
            if (*s && *s != ',') return -1;
        } else {
            while (*s && *s != ',') *w++ = *s++;
        }
        char sep = *s;
        *w = 0;
        if (!sep) return n;
        s++;
    }
}

static int is_datalist(const char *name) {
    size_t n = strlen(name);
    return n > 12 && !strncmp(name, "datalist", 8) && !strcmp(name + n - 4, ".csv");
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

/* datalist.csv, or else every datalist*.csv in name order. */
static ml_status list_datalists(prep *P) {
    char p[ML_PATH_MAX];
    struct stat st;
    if (path_join(p, sizeof p, P->audio_dir, "datalist.csv") == 0 && stat(p, &st) == 0) {
        snprintf(P->csv[P->ncsv++], ML_PATH_MAX, "%s", p);
        return ML_OK;
    }
    DIR *d = opendir(P->audio_dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!is_datalist(e->d_name)) continue;
        if (P->ncsv == MAX_DATALISTS || path_join(P->csv[P->ncsv], ML_PATH_MAX, P->audio_dir, e->d_name)) {
            closedir(d);
            seterr(P->err, P->errlen,
                   "%s: expected at most %d datalist*.csv files with paths "
                   "shorter than %d bytes, found more",
                   P->audio_dir, MAX_DATALISTS, ML_PATH_MAX);
            return ML_EDATA;
        }
        P->ncsv++;
    }
    if (d) closedir(d);
    if (!P->ncsv) {
        seterr(P->err, P->errlen,
               "%s: expected LUMA's audio list datalist.csv (columns path,label,"
               "tts_label; the data/audio/ folder of LUMA's Hugging Face copy, or a stand-in from "
               "datasets/luma/make-standin), found %s",
               p, d ? "no datalist*.csv" : "no such folder");
        return ML_EDATA;
    }
    qsort(P->csv, (size_t)P->ncsv, sizeof P->csv[0], cmp_str);
    return ML_OK;
}

/* Index of the clip with this path, or -1; when absent and add is set, records `idx` for it. */
static int64_t seen_path(prep *P, const char *rel, int64_t idx, int add) {
    if (P->seen_cap < (size_t)(P->nclips + 1) * 2) {
        size_t cap = P->seen_cap ? P->seen_cap * 2 : 1024;
        while (cap < (size_t)(P->nclips + 1) * 2) cap *= 2;
        int64_t *t = malloc(sizeof *t * cap);
        if (!t) return -2;
        for (size_t i = 0; i < cap; i++) t[i] = -1;
        for (int64_t c = 0; c < P->nclips; c++) {
            size_t h = fnv1a(P->clips[c].rel) & (cap - 1);
            while (t[h] >= 0) h = (h + 1) & (cap - 1);
            t[h] = c;
        }
        free(P->seen);
        P->seen = t;
        P->seen_cap = cap;
    }
    size_t h = fnv1a(rel) & (P->seen_cap - 1);
    for (; P->seen[h] >= 0; h = (h + 1) & (P->seen_cap - 1))
        if (!strcmp(P->clips[P->seen[h]].rel, rel)) return P->seen[h];
    if (add) P->seen[h] = idx;
    return -1;
}

static ml_status add_clip(prep *P, const char *rel, const char *name, int csv, int line) {
    int64_t dup = seen_path(P, rel, P->nclips, 1);
    if (dup == -2) goto oom;
    if (dup >= 0) {
        sb_printf(&P->report, "clip\t%s\t%s:%d: the same path as line %d of %s; counted once\n", rel, P->csv[csv], line,
                  P->clips[dup].line, P->csv[P->clips[dup].csv]);
        return ML_OK;
    }
    if (P->nclips == P->capclips) {
        int64_t cap = P->capclips ? P->capclips * 2 : 4096;
        clip *g = realloc(P->clips, sizeof *g * (size_t)cap);
        if (!g) goto oom;
        P->clips = g;
        P->capclips = cap;
    }
    int lab = find_label(P, name);
    char *r = strdup(rel);
    if (lab < 0 || !r) {
        free(r);
        goto oom;
    }
    P->clips[P->nclips++] = (clip){.rel = r, .csv = csv, .line = line, .label = lab, .usable = 1};
    return ML_OK;
oom:
    seterr(P->err, P->errlen, "%s: out of memory", P->csv[csv]);
    return ML_ERUNTIME;
}

/* Finds the path and label columns of the header line. */
static ml_status header_columns(prep *P, int k, char *line, int *pcol, int *lcol) {
    char *f[64];
    char shown[256];
    snprintf(shown, sizeof shown, "%s", line);
    int n = split_csv(line, f, 64);
    *pcol = *lcol = -1;
    for (int i = 0; i < n; i++) {
        if (!strcmp(f[i], "path")) *pcol = i;
        if (!strcmp(f[i], "label")) *lcol = i;
    }
    if (*pcol < 0 || *lcol < 0) {
        seterr(P->err, P->errlen,
               "%s:1: expected a header with columns path and label (LUMA: "
               "path,label,tts_label), found '%s'",
               P->csv[k], shown);
        return ML_EDATA;
    }
    return ML_OK;
}

static ml_status read_datalist(prep *P, int k) {
    FILE *f = fopen(P->csv[k], "r");
    if (!f) {
        seterr(P->err, P->errlen, "%s: cannot open: %s", P->csv[k], strerror(errno));
        return ML_EDATA;
    }
    char *line = NULL, *fld[64];
    size_t cap = 0;
    int lineno = 0, pcol = -1, lcol = -1;
    ml_status st = ML_OK;
    while (st == ML_OK && getline(&line, &cap, f) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (lineno == 1) {
            st = header_columns(P, k, line, &pcol, &lcol);
            continue;
        }
        if (!*line) continue;
        int n = split_csv(line, fld, 64);
        int need = (pcol > lcol ? pcol : lcol) + 1;
        if (n < need || !*fld[pcol] || !*fld[lcol] || strchr(fld[lcol], ',')) {
            seterr(P->err, P->errlen,
                   "%s:%d: expected at least %d fields with a path and a label "
                   "without commas, found %d field%s",
                   P->csv[k], lineno, need, n < 0 ? 0 : n, n == 1 ? "" : "s");
            st = ML_EDATA;
            break;
        }
        st = add_clip(P, fld[pcol], fld[lcol], k, lineno);
    }
    free(line);
    fclose(f);
    if (st == ML_OK && lineno == 0) {
        seterr(P->err, P->errlen,
               "%s: expected a header line path,label,tts_label, found an empty "
               "file",
               P->csv[k]);
        st = ML_EDATA;
    }
    return st;
}

/* ---- images, clips and labels ------------------------------------------------------------ */

static ml_status index_images(prep *P) {
    int *map = malloc(sizeof *map * (size_t)(P->pool.nnames ? P->pool.nnames : 1));
    if (!map) goto oom;
    for (int i = 0; i < P->pool.nnames; i++)
        if ((map[i] = find_label(P, P->pool.names[i])) < 0) goto oom;
    for (int64_t r = 0; r < P->pool.n; r++) P->labels[map[P->pool.name_of[r]]].nimg++;
    for (int i = 0; i < P->nlabels; i++) {
        label *l = &P->labels[i];
        if (l->nimg && !(l->img = malloc(sizeof *l->img * (size_t)l->nimg))) goto oom;
        l->nimg = 0;
    }
    for (int64_t r = 0; r < P->pool.n; r++) {
        label *l = &P->labels[map[P->pool.name_of[r]]];
        l->img[l->nimg++] = r;
    }
    free(map);
    return ML_OK;
oom:
    free(map);
    seterr(P->err, P->errlen, "%s: out of memory indexing the images", P->from);
    return ML_ERUNTIME;
}

/* Probes every clip whose label has images: a bad one fails the prepare, or with skip_bad is
 * left out and reported. Then lists each label's usable clips. */
static ml_status check_clips(prep *P) {
    char path[ML_PATH_MAX], why[1024];
    for (int64_t c = 0; c < P->nclips; c++) {
        clip *cl = &P->clips[c];
        if (!P->labels[cl->label].nimg) continue;
        ml_status st = ML_EDATA;
        if (path_join(path, sizeof path, P->audio_dir, cl->rel))
            snprintf(why, sizeof why, "expected a path shorter than %d bytes", ML_PATH_MAX);
        else st = wav_probe(path, why, sizeof why);
        if (st == ML_OK) continue;
        if (st != ML_EDATA || !P->o->skip_bad) {
            seterr(P->err, P->errlen, "%s:%d: path '%s': %s%s", P->csv[cl->csv], cl->line, cl->rel, why,
                   st == ML_EDATA ? " (--skip-bad leaves such clips out)" : "");
            return st;
        }
        sb_printf(&P->report, "clip\t%s\t%s:%d: %s\n", cl->rel, P->csv[cl->csv], cl->line, why);
        cl->usable = 0;
    }
    for (int64_t c = 0; c < P->nclips; c++)
        if (P->clips[c].usable) P->labels[P->clips[c].label].naud++;
    for (int i = 0; i < P->nlabels; i++) {
        label *l = &P->labels[i];
        if (l->naud && !(l->aud = malloc(sizeof *l->aud * (size_t)l->naud))) {
            seterr(P->err, P->errlen, "%s: out of memory", P->from);
            return ML_ERUNTIME;
        }
        l->naud = 0;
    }
    for (int64_t c = 0; c < P->nclips; c++)
        if (P->clips[c].usable) {
            label *l = &P->labels[P->clips[c].label];
            l->aud[l->naud++] = c;
        }
    return ML_OK;
}

static int64_t pairs_of(const label *l) { return l->nimg < l->naud ? l->nimg : l->naud; }

/* Candidates for "top": more pairs first, then LUMA id (unknown names last), then name. */
static int by_pairs(const label *x, const label *y) {
    int64_t px = pairs_of(x), py = pairs_of(y);
    if (px != py) return px > py ? -1 : 1;
    unsigned ix = (unsigned)x->luma_id, iy = (unsigned)y->luma_id; /* -1 sorts last */
    if (ix != iy) return ix < iy ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Class-id order: LUMA id, names LUMA does not know after them in name order. */
static int by_id(const label *x, const label *y) {
    unsigned ix = (unsigned)x->luma_id, iy = (unsigned)y->luma_id;
    if (ix != iy) return ix < iy ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Insertion sort of label indices (a few hundred at most). */
static void sort_labels(const label *L, int *idx, int n, int (*cmp)(const label *, const label *)) {
    for (int i = 1; i < n; i++) {
        int v = idx[i], j = i;
        for (; j > 0 && cmp(&L[v], &L[idx[j - 1]]) < 0; j--) idx[j] = idx[j - 1];
        idx[j] = v;
    }
}

/* ---- selection ----------------------------------------------------------------------------- */

/* Index of the label named NAME, or -1 (never adds). */
static int lookup_label(const prep *P, const char *name) {
    for (int i = 0; i < P->nlabels; i++)
        if (!strcmp(P->labels[i].name, name)) return i;
    return -1;
}

/* One report line per label, most pairs first: what it has and whether it was selected. */
static void report_labels(prep *P) {
    int *idx = malloc(sizeof *idx * (size_t)(P->nlabels ? P->nlabels : 1));
    if (!idx) return;
    for (int i = 0; i < P->nlabels; i++) idx[i] = i;
    sort_labels(P->labels, idx, P->nlabels, by_pairs);
    for (int k = 0; k < P->nlabels; k++) {
        const label *l = &P->labels[idx[k]];
        int wanted = P->o->selection == LUMA_SELECT_LUMA42 && l->luma_id >= 0 && l->luma_id < LUMA42;
        if (!l->nimg && !l->naud && !wanted) continue; /* a names-file entry with no images */
        sb_printf(&P->report, "label\t%s\t%lld images, %lld usable clips, %lld pairs: ", l->name, (long long)l->nimg,
                  (long long)l->naud, (long long)pairs_of(l));
        if (l->cls >= 0) sb_printf(&P->report, "class %d (%lld pairs used)\n", l->cls, (long long)P->o->per_class);
        else sb_printf(&P->report, "not selected: %s\n", l->why ? l->why : "?");
    }
    free(idx);
}

/* Fills P->chosen with the selection's labels (before numbering); *n their count. */
static ml_status pick(prep *P, int *n) {
    const luma_options *o = P->o;
    *n = 0;
    if (o->selection == LUMA_SELECT_LUMA42) {
        for (int i = 0; i < P->nlabels; i++)
            if (P->labels[i].luma_id < 0 || P->labels[i].luma_id >= LUMA42)
                P->labels[i].why = "not one of LUMA's 42 in-distribution classes (luma42)";
        for (int id = 0; id < LUMA42; id++) {
            int l = lookup_label(P, luma_names[id]);
            if (l < 0 && (l = find_label(P, luma_names[id])) < 0) return ML_ERUNTIME;
            P->chosen[(*n)++] = l;
        }
        return ML_OK;
    }
    int *cand = malloc(sizeof *cand * (size_t)(P->nlabels ? P->nlabels : 1)), nc = 0;
    if (!cand) return ML_ERUNTIME;
    for (int i = 0; i < P->nlabels; i++) {
        label *l = &P->labels[i];
        if (pairs_of(l) > 0) cand[nc++] = i;
        else l->why = !l->nimg ? "no images of this name" : "no usable clips of this name";
    }
    sort_labels(P->labels, cand, nc, by_pairs);
    for (int k = 0; k < nc; k++)
        if (k < o->classes) P->chosen[(*n)++] = cand[k];
        else P->labels[cand[k]].why = "fewer pairs than the selected classes (--classes)";
    free(cand);
    if (*n < o->classes) {
        seterr(P->err, P->errlen,
               "%s: expected at least %d classes (--classes) with both images and "
               "clips, found %d",
               P->from, o->classes, *n);
        return ML_EDATA;
    }
    return ML_OK;
}

/* Chooses the classes, checks each has per_class pairs, numbers them (class-id order). */
static ml_status choose_classes(prep *P) {
    if (!(P->chosen = malloc(sizeof *P->chosen * (size_t)(P->nlabels + LUMA42)))) {
        seterr(P->err, P->errlen, "%s: out of memory", P->from);
        return ML_ERUNTIME;
    }
    int n = 0;
    ml_status st = pick(P, &n);
    if (st == ML_ERUNTIME) seterr(P->err, P->errlen, "%s: out of memory", P->from);
    if (st != ML_OK) return st;
    sort_labels(P->labels, P->chosen, n, by_id);
    P->K = n;
    int few = 0, first = -1;
    for (int k = 0; k < n; k++) {
        label *l = &P->labels[P->chosen[k]];
        if (pairs_of(l) >= P->o->per_class) continue;
        l->why = "too few pairs for --per-class";
        if (!few++) first = P->chosen[k];
    }
    if (few) {
        const label *l = &P->labels[first];
        for (int k = 0; k < n; k++)
            if (!P->labels[P->chosen[k]].why)
                P->labels[P->chosen[k]].why = "selected, but other selected classes have too few pairs";
        seterr(P->err, P->errlen,
               "%s: class '%s'%s: expected at least %lld pairs (--per-class), "
               "found %lld (%lld images, %lld usable clips); %d of the %d selected classes have too "
               "few%s",
               P->from, l->name, P->o->selection == LUMA_SELECT_LUMA42 ? " (LUMA's in-distribution class)" : "",
               (long long)P->o->per_class, (long long)pairs_of(l), (long long)l->nimg, (long long)l->naud, few, n,
               P->o->report ? ", the report lists every class's counts" : "");
        return ML_EDATA;
    }
    for (int k = 0; k < n; k++) P->labels[P->chosen[k]].cls = k;
    return ML_OK;
}

/* Per-class quotas (luma.h: drawing): tot = the class's share of the split total, tr of train,
 * va of val (in proportion to what train left); tmp is scratch. All of K entries. */
static void quotas(const prep *P, int64_t *tot, int64_t *tr, int64_t *va, int64_t *tmp) {
    int K = P->K;
    int64_t total = 0;
    for (int c = 0; c < K; c++) tmp[c] = P->o->per_class;
    for (int s = 0; s < NUM_SPLITS; s++) total += P->o->split[s];
    draw_largest_remainder(total, tmp, K, tot);
    draw_largest_remainder(P->o->split[0], tot, K, tr);
    for (int c = 0; c < K; c++) tmp[c] = tot[c] - tr[c];
    draw_largest_remainder(P->o->split[1], tmp, K, va);
}

/* The pairs of each split: per class, shuffled images and clips paired in order and dealt to
 * train, val, test by the quotas; then each split shuffled. */
static ml_status draw_pairs(prep *P) {
    int K = P->K;
    int64_t *buf = calloc((size_t)K * 4, sizeof *buf);
    for (int s = 0; s < NUM_SPLITS; s++) {
        P->n[s] = P->o->split[s];
        P->pairs[s] = malloc(sizeof(pair) * (size_t)(P->n[s] ? P->n[s] : 1));
    }
    if (!buf || !P->pairs[0] || !P->pairs[1] || !P->pairs[2]) {
        free(buf);
        seterr(P->err, P->errlen, "%s: out of memory drawing the pairs", P->from);
        return ML_ERUNTIME;
    }
    int64_t *tot = buf, *tr = buf + K, *va = buf + 2 * K;
    quotas(P, tot, tr, va, buf + 3 * K);
    uint64_t rng = P->o->seed;
    int64_t fill[NUM_SPLITS] = {0, 0, 0};
    for (int c = 0; c < K; c++) {
        label *l = &P->labels[P->chosen[c]];
        draw_shuffle(&rng, l->img, l->nimg, sizeof *l->img);
        draw_shuffle(&rng, l->aud, l->naud, sizeof *l->aud);
        int64_t quota[NUM_SPLITS] = {tr[c], va[c], tot[c] - tr[c] - va[c]}, j = 0;
        for (int s = 0; s < NUM_SPLITS; s++)
            for (int64_t t = 0; t < quota[s]; t++, j++)
                P->pairs[s][fill[s]++] = (pair){.img = l->img[j], .clip = l->aud[j], .cls = c};
    }
    for (int s = 0; s < NUM_SPLITS; s++) draw_shuffle(&rng, P->pairs[s], P->n[s], sizeof(pair));
    free(buf);
    return ML_OK;
}

/* ---- the cache ----------------------------------------------------------------------------- */

static void describe(prep *P, strbuf *recipe, strbuf *names) {
    const luma_options *o = P->o;
    for (int k = 0; k < P->K; k++) sb_printf(names, "%s%s", k ? "," : "", P->labels[P->chosen[k]].name);
    sb_printf(recipe, "luma recipe %d: LUMA layout from %s (", LUMA_RECIPE_VERSION, P->from);
    for (int k = 0; k < P->ncsv; k++) sb_printf(recipe, "%s%s", k ? ", " : "", P->csv[k]);
    sb_printf(recipe, "; CIFAR binary images, %lld records pooled, LUMA's name mapping); ", (long long)P->pool.n);
    if (o->selection == LUMA_SELECT_LUMA42) sb_printf(recipe, "selection luma42: LUMA's in-distribution classes 0..41");
    else sb_printf(recipe, "selection top: the %d classes with the most image-audio pairs", o->classes);
    sb_printf(recipe,
              ", %lld pairs each (one image, one clip each, none reused), split %lld/%lld/%lld "
              "train/val/test stratified by largest remainder, seed %llu (splitmix64, Fisher-Yates); "
              "class ids by LUMA id then name; image 32x32 -> %dx%d bilinear half-pixel "
              "(align_corners=False), rounded, uint8 [3,%d,%d]; audio: libsndfile, channel mean, "
              "%d Hz by libsamplerate SINC_MEDIUM_QUALITY, padded with zeros or cut to %d samples, "
              "%d-sample periodic Hann frames every %d samples (not centred), |FFT %d|^2, %d HTK mel "
              "triangles %g-%g Hz peak 1, 10*log10(max(E, %g)) -> float32 [1,%d,%d] (mel band x frame)",
              (long long)o->per_class, (long long)o->split[0], (long long)o->split[1], (long long)o->split[2],
              (unsigned long long)o->seed, o->image_size, o->image_size, o->image_size, o->image_size, MEL_RATE,
              MEL_SAMPLES, MEL_NFFT, MEL_HOP, MEL_NFFT, MEL_BANDS, MEL_FMIN, MEL_FMAX, MEL_FLOOR, MEL_BANDS,
              MEL_FRAMES);
}

/* The image and the log-mel of one pair. */
static ml_status pair_features(prep *P, const melspec *m, const pair *p, uint8_t *img, float *mel) {
    uint8_t raw[CIFAR_PIXELS];
    ml_status st = cifar_read(&P->pool, p->img, raw, P->err, P->errlen);
    if (st != ML_OK) return st;
    image_resize_u8(raw, 3, CIFAR_SIDE, P->o->image_size, img);
    const clip *cl = &P->clips[p->clip];
    char path[ML_PATH_MAX], why[1024];
    float *x = NULL;
    int64_t n = 0;
    path_join(path, sizeof path, P->audio_dir, cl->rel);
    st = wav_read_mono(path, MEL_RATE, MEL_SAMPLES, &x, &n, why, sizeof why);
    if (st != ML_OK) {
        seterr(P->err, P->errlen, "%s:%d: path '%s': %s", P->csv[cl->csv], cl->line, cl->rel, why);
        return st;
    }
    melspec_compute(m, x, n, mel);
    free(x);
    return ML_OK;
}

static ml_status stream_cache(prep *P, const char *out, const char *recipe, const char *names) {
    int S = P->o->image_size;
    h5s_layout L = {.name = "luma",
                    .num_classes = P->K,
                    .metric = "accuracy",
                    .modality = {"image", "audio"},
                    .class_names = names,
                    .recipe = recipe,
                    .recipe_version = LUMA_RECIPE_VERSION,
                    .dtype = {DS_U8, DS_F32},
                    .c = {3, 1},
                    .h = {S, MEL_BANDS},
                    .w = {S, MEL_FRAMES}};
    for (int s = 0; s < NUM_SPLITS; s++) L.n[s] = P->n[s];
    melspec *m = melspec_create();
    uint8_t *img = malloc((size_t)3 * S * S);
    float *mel = malloc(sizeof(float) * MEL_BANDS * MEL_FRAMES);
    h5stream *h = NULL;
    ml_status st = m && img && mel ? h5s_create(out, &L, &h, P->err, P->errlen) : ML_ERUNTIME;
    if (st == ML_ERUNTIME && !h) seterr(P->err, P->errlen, "%s: out of memory", out);
    double t0 = mono_seconds();
    int64_t done = 0, all = P->n[0] + P->n[1] + P->n[2];
    for (int s = 0; s < NUM_SPLITS && st == ML_OK; s++)
        for (int64_t i = 0; i < P->n[s] && st == ML_OK; i++) {
            const pair *p = &P->pairs[s][i];
            st = pair_features(P, m, p, img, mel);
            if (st == ML_OK) st = h5s_append(h, s, img, mel, p->cls, P->err, P->errlen);
            if (P->o->verbose && ++done % 2000 == 0)
                fprintf(stderr, "luma: %lld / %lld pairs (%.0f s)\n", (long long)done, (long long)all,
                        mono_seconds() - t0);
        }
    if (h) {
        if (st == ML_OK) st = h5s_finish(h, P->err, P->errlen);
        else h5s_abort(h);
    }
    melspec_free(m);
    free(img);
    free(mel);
    return st;
}

/* ---- prepare ------------------------------------------------------------------------------- */

static ml_status check_options(const char *from, const luma_options *o, char *err, size_t errlen) {
    int K = o->selection == LUMA_SELECT_LUMA42 ? LUMA42 : o->classes;
    if (K < 1 || o->per_class < 1 || o->split[0] < 1 || o->split[1] < 0 || o->split[2] < 0 || o->image_size < 8 ||
        o->image_size > RESIZE_MAX_SIDE) {
        seterr(err, errlen,
               "luma: expected classes >= 1, per_class >= 1, train >= 1, val and test >= 0, "
               "image size in [8, %d], found classes %d, per_class %lld, split %lld,%lld,%lld, image "
               "size %d",
               RESIZE_MAX_SIDE, K, (long long)o->per_class, (long long)o->split[0], (long long)o->split[1],
               (long long)o->split[2], o->image_size);
        return ML_EINVAL;
    }
    int64_t total = o->split[0] + o->split[1] + o->split[2];
    if (total > (int64_t)K * o->per_class) {
        seterr(err, errlen,
               "luma: split %lld,%lld,%lld: expected at most %d classes x %lld pairs = "
               "%lld pairs in all, found %lld",
               (long long)o->split[0], (long long)o->split[1], (long long)o->split[2], K, (long long)o->per_class,
               (long long)K * o->per_class, (long long)total);
        return ML_EINVAL;
    }
    if (!from || !*from) {
        seterr(err, errlen, "luma: expected a source directory, found none");
        return ML_EINVAL;
    }
    return ML_OK;
}

/* Reads everything and selects: datalists, images, clip checks, classes, pairs. */
static ml_status gather(prep *P) {
    if (path_join(P->audio_dir, sizeof P->audio_dir, P->from, "data/audio")) {
        seterr(P->err, P->errlen, "%s: path too long", P->from);
        return ML_EINVAL;
    }
    ml_status st = list_datalists(P);
    for (int k = 0; k < P->ncsv && st == ML_OK; k++) st = read_datalist(P, k);
    if (st == ML_OK) st = cifar_scan(P->from, &P->pool, P->err, P->errlen);
    if (st == ML_OK) st = index_images(P);
    if (st == ML_OK) st = check_clips(P);
    if (st == ML_OK) st = choose_classes(P);
    if (P->nlabels) report_labels(P);
    if (st == ML_OK) st = draw_pairs(P);
    if (st == ML_OK && P->o->verbose)
        fprintf(stderr,
                "luma: %lld clips listed, %lld images, %d names; %d classes x %lld pairs, "
                "train %lld, val %lld, test %lld\n",
                (long long)P->nclips, (long long)P->pool.n, P->nlabels, P->K, (long long)P->o->per_class,
                (long long)P->n[0], (long long)P->n[1], (long long)P->n[2]);
    return st;
}

/* The report (header + lines), to PATH.tmp then PATH. */
static ml_status write_report(prep *P) { return leftout_write(P->o->report, &P->report, P->err, P->errlen); }

static void free_prep(prep *P) {
    for (int64_t c = 0; c < P->nclips; c++) free(P->clips[c].rel);
    free(P->clips);
    free(P->seen);
    for (int i = 0; i < P->nlabels; i++) {
        free(P->labels[i].name);
        free(P->labels[i].img);
        free(P->labels[i].aud);
    }
    free(P->labels);
    free(P->chosen);
    for (int s = 0; s < NUM_SPLITS; s++) free(P->pairs[s]);
    cifar_pool_free(&P->pool);
    sb_free(&P->report);
}

ml_status luma_prepare(const char *from, const char *out, const luma_options *opt, char *err, size_t errlen) {
    luma_options o;
    if (opt) o = *opt;
    else luma_options_default(&o, LUMA_SELECT_TOP);
    if (o.selection == LUMA_SELECT_LUMA42) o.classes = LUMA42;
    ml_status st = check_options(from, &o, err, errlen);
    if (st != ML_OK) return st;
    double t0 = mono_seconds();
    prep P;
    memset(&P, 0, sizeof P);
    P.o = &o;
    P.from = from;
    P.err = err;
    P.errlen = errlen;
    st = gather(&P);
    if (st == ML_OK) {
        strbuf recipe = {0}, names = {0};
        describe(&P, &recipe, &names);
        st = stream_cache(&P, out, recipe.p, names.p);
        sb_free(&recipe);
        sb_free(&names);
    }
    if (o.report) {
        char keep[2048];
        snprintf(keep, sizeof keep, "%s", err);
        ml_status rs = write_report(&P);
        if (st == ML_OK) st = rs;
        else snprintf(err, errlen, "%s", keep);
    }
    if (st == ML_OK && o.verbose) fprintf(stderr, "luma: wrote %s in %.1f s\n", out, mono_seconds() - t0);
    free_prep(&P);
    return st;
}
