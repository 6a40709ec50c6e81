/* standin.c - luma-standin: the C half of the LUMA stand-in generator (make-standin drives it;
 * README.md says what it makes and why).
 *
 *   luma-standin plan --seed S --per-class N
 *       one line per utterance, "INDEX LABEL LANG VARIANT PITCH SPEED AMP LEAD WORD": utterance
 *       i says class i % 10 with espeak-ng -v LANG+VARIANT -p PITCH -s SPEED -a AMP, after LEAD
 *       seconds of silence. No two utterances of a word share (LANG, VARIANT, PITCH, SPEED), so
 *       every clip is a distinct utterance; the shell only executes the plan.
 *   luma-standin build --fashion DIR --wavs DIR --out DIR --seed S --per-class N
 *                      --audio-noise X --image-noise X --image-contrast X
 *       reads Fashion-MNIST's IDX files and the synthesised WAVS/INDEX.wav, and writes LUMA's
 *       layout: OUT/data/audio/datalist.csv and es_audio/LABEL/K.wav (noise added), and
 *       OUT/cifar-10-batches-bin/ (batches.meta.txt, data_batch_1..5.bin, test_batch.bin) with
 *       N degraded images per class as CIFAR-10 records. The three knobs have no default here:
 *       make-standin holds the calibrated ones, so there is one copy of them.
 *
 * Every random draw comes from splitmix64 streams keyed by (seed, purpose, index), so the same
 * options give the same files, and one utterance's or image's draws do not depend on the others.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sndfile.h>
#include <zlib.h>

#include "core/util.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define NCLASS  10
#define FM_SIDE 28
#define SIDE    32

/* Fashion-MNIST's classes: the CSV/CIFAR label, and what espeak-ng says. */
static const char *const LABELS[NCLASS] = {"tshirt", "trouser", "pullover", "dress", "coat",
                                           "sandal", "shirt",   "sneaker",  "bag",   "ankle_boot"};
static const char *const WORDS[NCLASS] = {"t-shirt", "trouser", "pullover", "dress", "coat",
                                          "sandal",  "shirt",   "sneaker",  "bag",   "ankle boot"};
/* English espeak-ng voices with real data (no mbrola), and variants that keep a word short and
 * intelligible (no whisper-only, robot or very slow ones). */
static const char *const LANGS[] = {"en-us",  "en-gb",          "en-gb-scotland", "en-gb-x-rp",
                                    "en-029", "en-gb-x-gbclan", "en-gb-x-gbcwmd"};
static const char *const VARIANTS[] = {
    "m1",   "m2",     "m3",      "m4",      "m5",     "m6",     "m7",      "f1",       "f2",     "f3",
    "f4",   "f5",     "klatt",   "klatt2",  "klatt3", "klatt4", "croak",   "Alex",     "Annie",  "Denis",
    "Gene", "Jacky",  "Lee",     "Mike",    "adam",   "anika",  "belinda", "benjamin", "caleb",  "david",
    "ed",   "edward", "grandma", "grandpa", "iven",   "john",   "linda",   "max",      "michel", "norbert",
    "paul", "quincy", "rob",     "robert",  "steph",  "travis", "victor",  "zac"};
#define NLANGS    ((int)(sizeof LANGS / sizeof LANGS[0]))
#define NVARIANTS ((int)(sizeof VARIANTS / sizeof VARIANTS[0]))

enum { P_VOICE = 1, P_NOISE = 2, P_IMAGES = 3, P_IMGNOISE = 4 };

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("luma-standin: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- random streams ------------------------------------------------------------------------ */

static uint64_t stream(uint64_t seed, int purpose, uint64_t index) {
    return splitmix64(splitmix64(seed ^ splitmix64((uint64_t)purpose)) ^ index);
}

static uint64_t below(uint64_t *s, uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do x = splitmix64_next(s);
    while (x >= limit);
    return x % n;
}

static double uniform01(uint64_t *s) { return (double)(splitmix64_next(s) >> 11) * 0x1.0p-53; }

static double gauss(uint64_t *s) { /* Box-Muller */
    double u = uniform01(s), v = uniform01(s);
    return sqrt(-2.0 * log(u > 0.0 ? u : 0x1.0p-53)) * cos(2.0 * M_PI * v);
}

/* ---- plan ---------------------------------------------------------------------------------- */

typedef struct {
    int lang, variant, pitch, speed, amp, lead_ms;
} voice;

static voice draw_voice(uint64_t seed, uint64_t i, int attempt) {
    uint64_t s = stream(seed, P_VOICE, i * 64 + (uint64_t)attempt);
    voice v;
    v.lang = (int)below(&s, NLANGS);
    v.variant = (int)below(&s, NVARIANTS);
    v.pitch = 20 + (int)below(&s, 61);  /* 20..80 */
    v.speed = 130 + (int)below(&s, 71); /* 130..200 wpm */
    v.amp = 70 + (int)below(&s, 71);    /* 70..140 */
    v.lead_ms = (int)below(&s, 101);    /* 0..100 ms */
    return v;
}

static uint64_t voice_key(int cls, const voice *v) {
    return ((((uint64_t)cls * NLANGS + v->lang) * NVARIANTS + v->variant) * 128 + v->pitch) * 512 + v->speed;
}

/* Open-addressing set of voice keys (+1, so 0 is empty). 1 if key was new. */
static int set_add(uint64_t *set, size_t cap, uint64_t key) {
    size_t h = splitmix64(key) & (cap - 1);
    for (; set[h]; h = (h + 1) & (cap - 1))
        if (set[h] == key + 1) return 0;
    set[h] = key + 1;
    return 1;
}

static void cmd_plan(uint64_t seed, int per_class) {
    int64_t n = (int64_t)per_class * NCLASS;
    size_t cap = 1;
    while (cap < (size_t)n * 4) cap *= 2;
    uint64_t *set = calloc(cap, sizeof *set);
    if (!set) die("out of memory");
    for (int64_t i = 0; i < n; i++) {
        int cls = (int)(i % NCLASS), attempt = 0;
        voice v = draw_voice(seed, (uint64_t)i, attempt);
        while (!set_add(set, cap, voice_key(cls, &v))) {
            if (++attempt == 64) die("utterance %lld: no unused voice after 64 draws", (long long)i);
            v = draw_voice(seed, (uint64_t)i, attempt);
        }
        printf("%lld %s %s %s %d %d %d %d.%03d %s\n", (long long)i, LABELS[cls], LANGS[v.lang], VARIANTS[v.variant],
               v.pitch, v.speed, v.amp, v.lead_ms / 1000, v.lead_ms % 1000, WORDS[cls]);
    }
    free(set);
}

/* ---- Fashion-MNIST ------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Reads a gzip'd IDX file: magic 0x803 (images n x 28 x 28) or 0x801 (labels n). */
static uint8_t *read_idx(const char *dir, const char *name, uint32_t magic, uint32_t *n) {
    char path[ML_PATH_MAX];
    if (path_join(path, sizeof path, dir, name)) die("%s: path too long", dir);
    gzFile f = gzopen(path, "rb");
    if (!f) die("%s: cannot open (apt-get install dataset-fashion-mnist)", path);
    uint8_t h[16];
    int hl = magic == 0x803 ? 16 : 8;
    if (gzread(f, h, (unsigned)hl) != hl || be32(h) != magic)
        die("%s: expected an IDX file with magic 0x%08x", path, magic);
    *n = be32(h + 4);
    if (magic == 0x803 && (be32(h + 8) != FM_SIDE || be32(h + 12) != FM_SIDE))
        die("%s: expected 28 x 28 images, found %u x %u", path, be32(h + 8), be32(h + 12));
    size_t bytes = (size_t)*n * (magic == 0x803 ? FM_SIDE * FM_SIDE : 1);
    uint8_t *data = malloc(bytes ? bytes : 1);
    if (!data || gzread(f, data, (unsigned)bytes) != (int)bytes) die("%s: expected %u records, found fewer", path, *n);
    gzclose(f);
    return data;
}

typedef struct {
    uint32_t n;      /* train + test */
    uint8_t *pixels; /* n x 784 */
    uint8_t *labels; /* n */
} fashion;

static void load_fashion(const char *dir, fashion *fm) {
    uint32_t n[4];
    uint8_t *img[2], *lab[2];
    img[0] = read_idx(dir, "train-images-idx3-ubyte.gz", 0x803, &n[0]);
    lab[0] = read_idx(dir, "train-labels-idx1-ubyte.gz", 0x801, &n[1]);
    img[1] = read_idx(dir, "t10k-images-idx3-ubyte.gz", 0x803, &n[2]);
    lab[1] = read_idx(dir, "t10k-labels-idx1-ubyte.gz", 0x801, &n[3]);
    if (n[0] != n[1] || n[2] != n[3]) die("%s: image and label counts differ", dir);
    fm->n = n[0] + n[2];
    fm->pixels = malloc((size_t)fm->n * FM_SIDE * FM_SIDE);
    fm->labels = malloc(fm->n);
    if (!fm->pixels || !fm->labels) die("out of memory");
    memcpy(fm->pixels, img[0], (size_t)n[0] * FM_SIDE * FM_SIDE);
    memcpy(fm->pixels + (size_t)n[0] * FM_SIDE * FM_SIDE, img[1], (size_t)n[2] * FM_SIDE * FM_SIDE);
    memcpy(fm->labels, lab[0], n[0]);
    memcpy(fm->labels + n[0], lab[1], n[2]);
    for (uint32_t i = 0; i < fm->n; i++)
        if (fm->labels[i] >= NCLASS) die("%s: record %u: label %d", dir, i, fm->labels[i]);
    for (int k = 0; k < 2; k++) {
        free(img[k]);
        free(lab[k]);
    }
}

/* ---- images -------------------------------------------------------------------------------- */

typedef struct {
    double noise, contrast; /* pixel-noise sigma (0..255 scale); contrast around mid-grey */
} image_knobs;

/* One CIFAR-10 record: label byte + R, G, B planes. The 28 x 28 image sits in the middle of a
 * black 32 x 32 canvas, contrast-reduced around 128, grey in all three planes, then independent
 * Gaussian noise per channel and pixel, rounded and clipped to 0..255. */
static void make_record(const uint8_t *src, int cls, const image_knobs *k, uint64_t rng, uint8_t *rec) {
    rec[0] = (uint8_t)cls;
    int off = (SIDE - FM_SIDE) / 2;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++) {
                int sy = y - off, sx = x - off;
                double v = sy >= 0 && sy < FM_SIDE && sx >= 0 && sx < FM_SIDE ? src[sy * FM_SIDE + sx] : 0;
                v = 128.0 + k->contrast * (v - 128.0);
                if (k->noise > 0.0) v += k->noise * gauss(&rng);
                v = floor(v + 0.5);
                rec[1 + c * SIDE * SIDE + y * SIDE + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) die("%s: cannot write: %s", path, strerror(errno));
}

/* N images per class, drawn without replacement from the 70,000 (per class a seeded
 * Fisher-Yates shuffle of its indices in file order), dealt round-robin over the six files. */
static void write_images(const fashion *fm, const char *out, uint64_t seed, int per_class, const image_knobs *k) {
    static const char *const files[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
    char dir[ML_PATH_MAX], path[ML_PATH_MAX];
    if (path_join(dir, sizeof dir, out, "cifar-10-batches-bin")) die("%s: path too long", out);
    mkdir(dir, 0777);
    FILE *fp[6];
    for (int f = 0; f < 6; f++)
        if (path_join(path, sizeof path, dir, files[f]) || !(fp[f] = fopen(path, "wb")))
            die("%s: cannot create %s", dir, files[f]);
    uint32_t *idx = malloc(sizeof *idx * fm->n);
    uint8_t rec[1 + 3 * SIDE * SIDE];
    if (!idx) die("out of memory");
    int64_t written = 0;
    for (int c = 0; c < NCLASS; c++) {
        uint32_t m = 0;
        for (uint32_t i = 0; i < fm->n; i++)
            if (fm->labels[i] == c) idx[m++] = i;
        if ((uint32_t)per_class > m) die("class %s: %u images, %d asked for", LABELS[c], m, per_class);
        uint64_t s = stream(seed, P_IMAGES, (uint64_t)c);
        for (uint32_t i = m - 1; i > 0; i--) {
            uint32_t j = (uint32_t)below(&s, (uint64_t)i + 1), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        for (int j = 0; j < per_class; j++, written++) {
            make_record(fm->pixels + (size_t)idx[j] * FM_SIDE * FM_SIDE, c, k, stream(seed, P_IMGNOISE, idx[j]), rec);
            if (fwrite(rec, 1, sizeof rec, fp[written % 6]) != sizeof rec) die("%s: write failed", dir);
        }
    }
    for (int f = 0; f < 6; f++)
        if (fclose(fp[f]) != 0) die("%s: write failed", dir);
    free(idx);
    char names[256] = "";
    for (int c = 0; c < NCLASS; c++) strcat(strcat(names, LABELS[c]), "\n");
    if (path_join(path, sizeof path, dir, "batches.meta.txt")) die("%s: path too long", dir);
    write_text(path, names);
}

/* ---- audio --------------------------------------------------------------------------------- */

static void mkdirs(const char *path) {
    char p[ML_PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0777);
            *s = '/';
        }
    if (mkdir(p, 0777) != 0 && errno != EEXIST) die("%s: cannot create: %s", p, strerror(errno));
}

/* WAVS/I.wav + white Gaussian noise of RMS = noise x the clip's RMS -> DST (16-bit PCM, the
 * source's rate). Noise is drawn from the utterance's own stream, so clips stay distinct. */
static void noisy_copy(const char *src, const char *dst, double noise, uint64_t rng) {
    SF_INFO info = {0};
    SNDFILE *in = sf_open(src, SFM_READ, &info);
    if (!in || info.channels != 1 || info.frames < 1) die("%s: expected a mono WAV from the synthesis", src);
    float *x = malloc(sizeof *x * (size_t)info.frames);
    if (!x || sf_readf_float(in, x, info.frames) != info.frames) die("%s: read failed", src);
    sf_close(in);
    double ss = 0.0;
    for (sf_count_t i = 0; i < info.frames; i++) ss += (double)x[i] * x[i];
    double sigma = noise * sqrt(ss / (double)info.frames);
    for (sf_count_t i = 0; i < info.frames && sigma > 0.0; i++) x[i] += (float)(sigma * gauss(&rng));
    SF_INFO oi = {.samplerate = info.samplerate, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *out = sf_open(dst, SFM_WRITE, &oi);
    if (!out) die("%s: cannot create: %s", dst, sf_strerror(NULL));
    sf_command(out, SFC_SET_CLIPPING, NULL, SF_TRUE);
    if (sf_writef_float(out, x, info.frames) != info.frames) die("%s: write failed", dst);
    sf_close(out);
    free(x);
}

/* Every utterance of the plan: es_audio/LABEL/K.wav (K = its index within its class) and one
 * datalist row; datalist.csv is written last, through a temporary name. */
static void write_audio(const char *wavs, const char *out, uint64_t seed, int per_class, double noise) {
    char adir[ML_PATH_MAX], src[ML_PATH_MAX], rel[256], dst[ML_PATH_MAX], list[ML_PATH_MAX], tmp[ML_PATH_MAX];
    if (path_join(adir, sizeof adir, out, "data/audio") || path_join(list, sizeof list, adir, "datalist.csv") ||
        path_fmt(tmp, sizeof tmp, "%s.tmp", list))
        die("%s: path too long", out);
    for (int c = 0; c < NCLASS; c++) {
        if (path_fmt(dst, sizeof dst, "%s/es_audio/%s", adir, LABELS[c])) die("%s: path too long", out);
        mkdirs(dst);
    }
    FILE *csv = fopen(tmp, "w");
    if (!csv) die("%s: cannot create: %s", tmp, strerror(errno));
    fprintf(csv, "path,label,tts_label\n");
    for (int64_t i = 0; i < (int64_t)per_class * NCLASS; i++) {
        int c = (int)(i % NCLASS);
        snprintf(rel, sizeof rel, "es_audio/%s/%lld.wav", LABELS[c], (long long)(i / NCLASS));
        if (path_fmt(src, sizeof src, "%s/%lld.wav", wavs, (long long)i) || path_join(dst, sizeof dst, adir, rel))
            die("%s: path too long", out);
        noisy_copy(src, dst, noise, stream(seed, P_NOISE, (uint64_t)i));
        fprintf(csv, "%s,%s,%s\n", rel, LABELS[c], WORDS[c]);
    }
    if (fclose(csv) != 0 || rename(tmp, list) != 0) die("%s: cannot write: %s", list, strerror(errno));
}

/* ---- main ---------------------------------------------------------------------------------- */

typedef struct {
    const char *fashion, *wavs, *out;
    long long seed, per_class;
    double audio_noise;
    image_knobs img;
} args;

static double number(const char *flag, const char *v, double lo, double hi) {
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !(x >= lo && x <= hi)) die("%s: expected a number in [%g, %g], found '%s'", flag, lo, hi, v);
    return x;
}

static void parse(int argc, char **argv, args *a) {
    for (int i = 2; i < argc; i += 2) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) die("%s needs a value", f);
        if (!strcmp(f, "--fashion")) a->fashion = v;
        else if (!strcmp(f, "--wavs")) a->wavs = v;
        else if (!strcmp(f, "--out")) a->out = v;
        else if (!strcmp(f, "--seed")) {
            if (parse_int(v, 0, INT64_MAX, &a->seed)) die("--seed: expected an integer >= 0, found '%s'", v);
        } else if (!strcmp(f, "--per-class")) {
            if (parse_int(v, 1, 7000, &a->per_class)) die("--per-class: expected 1..7000, found '%s'", v);
        } else if (!strcmp(f, "--audio-noise")) a->audio_noise = number(f, v, 0, 100);
        else if (!strcmp(f, "--image-noise")) a->img.noise = number(f, v, 0, 1000);
        else if (!strcmp(f, "--image-contrast")) a->img.contrast = number(f, v, 0, 1);
        else die("unknown option %s", f);
    }
}

int main(int argc, char **argv) {
    args a = {.seed = 1, .per_class = 1500, .audio_noise = NAN, .img = {NAN, NAN}};
    if (argc < 2 || (strcmp(argv[1], "plan") && strcmp(argv[1], "build")))
        die("usage: luma-standin plan|build [options] (see datasets/luma/README.md)");
    parse(argc, argv, &a);
    if (!strcmp(argv[1], "plan")) {
        cmd_plan((uint64_t)a.seed, (int)a.per_class);
        return 0;
    }
    if (!a.fashion || !a.wavs || !a.out) die("build needs --fashion DIR, --wavs DIR and --out DIR");
    if (isnan(a.audio_noise) || isnan(a.img.noise) || isnan(a.img.contrast))
        die("build needs --audio-noise X, --image-noise X and --image-contrast X (make-standin has the defaults)");
    fashion fm;
    load_fashion(a.fashion, &fm);
    mkdirs(a.out);
    write_images(&fm, a.out, (uint64_t)a.seed, (int)a.per_class, &a.img);
    write_audio(a.wavs, a.out, (uint64_t)a.seed, (int)a.per_class, a.audio_noise);
    free(fm.pixels);
    free(fm.labels);
    return 0;
}
